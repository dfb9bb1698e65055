// Small text routines on ASCII semantics (DHIS2 identifiers, SQL and protocol keywords), shared so
// that no module writes its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace dhl {

// `text` without leading and trailing ASCII white space.
std::string_view Trim(std::string_view text);
// `text` with A-Z turned into a-z; other bytes unchanged.
std::string AsciiLower(std::string_view text);

// '0'..'9' (no locale).
inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// True when `a` and `b` are equal but for the case of ASCII letters ("Content-Type",
// "content-type").
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// `text` with a-z turned into A-Z; other bytes unchanged.
std::string AsciiUpper(std::string_view text);
// The pieces of `text` between `separator`s (an empty text gives one empty piece).
std::vector<std::string_view> Split(std::string_view text, char separator);
// `parts` with `separator` between them: Join({"a", "b"}, ", ") is "a, b"; no parts give "".
std::string Join(const std::vector<std::string>& parts, std::string_view separator);
// `sql` without its trailing ASCII white space and ';'s, so that it can be wrapped in another
// statement or run as one: "SELECT 1;\n" gives "SELECT 1".
std::string_view WithoutTrailingSemicolons(std::string_view sql);
// `text` as one RFC 4180 CSV field: quoted (inner quotes doubled) when it holds a comma, a quote or
// a line break, else unchanged.
std::string CsvField(std::string_view text);
// A CSV text: the header line, then one line per row, each field through CsvField, "\n" endings.
std::string CsvTable(const std::vector<std::string>& header,
                     const std::vector<std::vector<std::string>>& rows);

// `text` as a base-10 integer: an optional '-' then ASCII digits, nothing else (no spaces, no '+',
// no fraction). For every number read from stored or received text: InvalidArgument naming `what`
// and the text (`what "12a" is not an integer`, `... is out of range`), never an exception.
Result<int64_t> ParseInt64(std::string_view text, std::string_view what);
// The same within [minimum, maximum] (`what "0" is out of range [1, 2147483647]`).
Result<int64_t> ParseInt64(std::string_view text, std::string_view what, int64_t minimum,
                           int64_t maximum);

// Base64 (RFC 4648, standard alphabet, `=` padding, no line breaks).
std::string Base64Encode(std::string_view bytes);
// The bytes of canonical base64 text (length a multiple of 4, padding only at the end, the unused
// bits of the last character zero); std::nullopt for anything else, whitespace included.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace dhl
