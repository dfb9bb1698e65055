// Invalid UTF-8 in a payload from outside (a server's answer, an export folder's file). JSON is
// UTF-8 (RFC 8259), and nlohmann::json refuses a document holding an ill-formed byte sequence; so
// do DuckDB's readers. Rather than "not JSON", the error names where the bad bytes are and the
// record holding them, so that the sender can be fixed; nothing of the document is landed, and
// nothing landed before is touched.
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

// For a document that failed to parse: InvalidArgument naming `what`, the byte offset and value of
// the first invalid UTF-8 byte and the record around it (the last `"event"`, `"trackedEntity"`,
// `"enrollment"`, `"relationship"`, `"dataElement"` or `"id"` member before it, with its value);
// Ok when `text` is valid UTF-8 or its only bad sequence is cut short at the very end (a truncated
// body, which a retry may fix; the document is malformed some other way).
Status CheckUtf8(std::string_view text, const std::string& what);

}  // namespace dhl::source
