// Invalid UTF-8 in a payload from outside (a server's answer, an export folder's file). JSON is
// UTF-8 (RFC 8259), and nlohmann::json, simdjson and DuckDB's readers all refuse a document holding
// an ill-formed byte sequence. One Latin-1 comment on one record would then stop a sync for good
// (the server sends the same bytes every time), so such a document is repaired, reversibly: each
// ill-formed byte b becomes the private-use code point U+F0000 + b (U+F0080..U+F00FF), the record
// lands in bronze as received byte for byte once RecoverBytes is applied, and silver quarantines
// the records whose published text holds such a code point (expectation `invalid_utf8`,
// kInvalidUtf8Pattern). A warning names the document, the first bad byte and its record.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace dhl::source {

// The offset of the first byte that does not start or continue a well-formed UTF-8 sequence
// (overlong forms, surrogates and code points over U+10FFFF are ill-formed); nullopt when none.
std::optional<size_t> FirstInvalidUtf8(std::string_view text);

// A regular expression (RE2 and java.util.regex alike) matching a repaired byte.
inline constexpr std::string_view kInvalidUtf8Pattern = "[\\x{F0080}-\\x{F00FF}]";

// What RepairUtf8 did.
struct Utf8Repair {
  size_t bytes = 0;         // ill-formed bytes replaced; 0 = the text was valid and is unchanged
  size_t first_offset = 0;  // in the text as received
  unsigned char first_byte = 0;
  size_t first_line = 0;  // 1-based line of the first one
  std::string record;     // the record around the first one (as in CheckUtf8's error), or ""
};

// Replaces each byte that does not start or continue a well-formed sequence (a whole ill-formed
// sequence byte by byte, a sequence cut short at the end included) by U+F0000 + byte, so the text
// is valid UTF-8 and every byte received is recoverable. Text already holding U+F0080..U+F00FF
// reads back as repaired bytes (private-use code points no DHIS2 content is known to use).
Utf8Repair RepairUtf8(std::string& text);

// The inverse of RepairUtf8: each U+F0080..U+F00FF back to its byte.
std::string RecoverBytes(std::string_view text);

// Repairs `text` when it holds ill-formed UTF-8 and logs one warning naming `what`, the count, the
// first byte's offset and value and its record. Returns whether anything was replaced.
bool RepairUtf8AndWarn(std::string& text, const std::string& what);

// For a document that failed to parse: InvalidArgument naming `what`, the byte offset and value of
// the first invalid UTF-8 byte and the record around it (the last `"event"`, `"trackedEntity"`,
// `"enrollment"`, `"relationship"`, `"dataElement"` or `"id"` member before it, with its value);
// Ok when `text` is valid UTF-8 or its only bad sequence is cut short at the very end (a truncated
// body, which a retry may fix; the document is malformed some other way).
Status CheckUtf8(std::string_view text, const std::string& what);

}  // namespace dhl::source
