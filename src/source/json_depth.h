// A nesting-depth check for parsed JSON from outside (a server's answer, an export folder's file).
// nlohmann::json parses and destroys deep documents without recursion, but copying, dump() and
// PersonalDataHasher::Apply recurse once per level: a document nested a million levels deep would
// overflow the stack. Callers check right after parsing and refuse the document.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"

namespace dhl::source {

// Deeper than any DHIS2 payload (tracked entity > enrollment > event > data value is 8 levels).
inline constexpr int kMaxJsonDepth = 64;

// InvalidArgument naming `what` and the limit when `value` nests arrays or objects more than
// `max_depth` levels deep (a scalar is depth 0, `[]` depth 1). Walks without recursion.
Status CheckJsonDepth(const nlohmann::json& value, const std::string& what,
                      int max_depth = kMaxJsonDepth);

// The error CheckJsonDepth returns, for parsers that check the depth themselves.
Status JsonTooDeep(const std::string& what, int max_depth = kMaxJsonDepth);

}  // namespace dhl::source
