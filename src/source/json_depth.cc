#include "source/json_depth.h"

#include <fmt/format.h>

#include <utility>
#include <vector>

namespace dhl::source {

Status JsonTooDeep(const std::string& what, int max_depth) {
  return InvalidArgument(fmt::format(
      "{}: JSON nested more than {} levels deep; refused (no DHIS2 answer nests so deep)", what,
      max_depth));
}

Status CheckJsonDepth(const nlohmann::json& value, const std::string& what, int max_depth) {
  std::vector<std::pair<const nlohmann::json*, int>> pending = {{&value, 0}};
  while (!pending.empty()) {
    auto [node, depth] = pending.back();
    pending.pop_back();
    if (!node->is_structured()) {
      continue;
    }
    if (depth + 1 > max_depth) {
      return JsonTooDeep(what, max_depth);
    }
    for (const nlohmann::json& child : *node) {
      pending.emplace_back(&child, depth + 1);
    }
  }
  return Status::Ok();
}

}  // namespace dhl::source
