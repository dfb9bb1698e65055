// DHIS2's `fields` parameter for metadata and tracker answers, in the subset the simulator
// supports: explicit names (`id,name,level`), nested selections (`parent[id,name]`,
// `dataSetElements[dataElement[id]]`), the presets `*`, `:all`, `:owner` (every field),
// `:identifiable` (id, name, code, created, lastUpdated), `:nameable` (those and shortName,
// description) and exclusions (`!href`). Unknown names are ignored, as DHIS2 does. Immutable after
// Parse; thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace dhl::sim {

class FieldFilter {
 public:
  static Result<FieldFilter> Parse(std::string_view text);

  // Finds the full object behind a reference {"id": uid}, for nested selections such as
  // parent[id,name]; may return null.
  using Resolver = std::function<const nlohmann::json*(std::string_view uid)>;

  // The object with only the selected fields; arrays of objects are filtered element by element.
  nlohmann::json Apply(const nlohmann::json& object, const Resolver& resolver = nullptr) const;

 private:
  struct Field {
    std::string name;
    std::shared_ptr<FieldFilter> nested;  // null: the value as it is
  };
  bool all_ = false;
  std::vector<Field> fields_;
  std::vector<std::string> excluded_;
};

// DHIS2's `filter` parameter (`property:operator:value`, property paths with dots such as
// `parent.id`): operators eq, !eq, ne, neq, gt, ge, lt, le, like, !like, ilike, !ilike, $like,
// like$, $ilike, ilike$, startsWith, endsWith, in:[a,b], !in:[a,b], null, !null, empty, !empty.
// Several filters must all hold (rootJunction=AND) or any (OR). Numbers compare as numbers, other
// values as text (ISO timestamps therefore compare in time order).
class ObjectFilter {
 public:
  static Result<ObjectFilter> Parse(const std::vector<std::string>& filters, bool any = false);
  bool Matches(const nlohmann::json& object) const;
  bool empty() const { return terms_.empty(); }
  // The terms whose property path starts with `key` (`on`) or with none of `keys` (`Without`),
  // as filters of their own: a conjunction (rootJunction=AND) holds exactly when each part does,
  // so a list whose objects combine independent parts can test each part once.
  ObjectFilter On(std::string_view key) const;
  ObjectFilter Without(const std::vector<std::string_view>& keys) const;

 private:
  struct Term {
    std::vector<std::string> path;
    std::string op;
    std::string value;
    std::vector<std::string> values;  // for in / !in
  };
  static bool TermMatches(const Term& term, const nlohmann::json& object);
  std::vector<Term> terms_;
  bool any_ = false;
};

}  // namespace dhl::sim
