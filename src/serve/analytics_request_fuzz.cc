// libFuzzer entry for the analytics request parser (`dimension=`, `filter=` and the options): the
// input is a query string, `name=value` pairs separated by `&` (not percent-decoded). Any input
// must parse or be refused with a message; a parsed request must hold what the parser promises:
// dx and pe items, no dimension twice, dx first, items trimmed, non-empty and unique, co never a
// filter.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/text.h"
#include "serve/analytics_request.h"

namespace {

using dhl::serve::analytics::DimensionSpec;

void Check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

void CheckSpec(const DimensionSpec& spec) {
  Check(!spec.id.empty() && dhl::Trim(spec.id) == spec.id);
  std::set<std::string> seen;
  for (const std::string& item : spec.items) {
    Check(!item.empty() && dhl::Trim(item) == item && item.find(';') == std::string::npos);
    Check(seen.insert(item).second);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::pair<std::string, std::string>> params;
  for (std::string_view pair : dhl::Split(text, '&')) {
    size_t equals = pair.find('=');
    params.emplace_back(
        std::string(pair.substr(0, equals)),
        equals == std::string_view::npos ? std::string() : std::string(pair.substr(equals + 1)));
  }
  auto parsed = dhl::serve::analytics::ParseRequestParameters(params);
  if (!parsed.ok()) {
    Check(!parsed.status().status().message().empty());
    return 0;
  }
  const auto& request = parsed.value();
  Check(!request.dimensions.empty());
  std::set<std::string> ids;
  bool has_dx = false;
  bool has_pe = false;
  for (size_t i = 0; i < request.dimensions.size(); ++i) {
    const DimensionSpec& spec = request.dimensions[i];
    CheckSpec(spec);
    Check(!spec.filter && ids.insert(spec.id).second);
    Check(spec.id != "dx" || i == 0);
    has_dx = has_dx || (spec.id == "dx" && !spec.items.empty());
    has_pe = has_pe || (spec.id == "pe" && !spec.items.empty());
  }
  for (const auto& [id, spec] : request.filters) {
    CheckSpec(spec);
    Check(spec.filter && spec.id == id && id != "co" && ids.insert(id).second);
    has_dx = has_dx || (id == "dx" && !spec.items.empty());
    has_pe = has_pe || (id == "pe" && !spec.items.empty());
  }
  Check(has_dx && has_pe);
  return 0;
}
