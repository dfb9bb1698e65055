#include "serve/org_unit_resolver.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "sql/literal.h"

namespace dhl::serve::analytics {

AnalyticsResult<std::vector<OrgUnit>> OrgUnitResolver::Roots() {
  if (!request_.ou_scope.empty()) {
    return Load(fmt::format("uid IN {}", InList(request_.ou_scope)));
  }
  return Load("level = 1");
}

AnalyticsResult<std::vector<OrgUnit>> OrgUnitResolver::Resolve(
    const std::vector<std::string>& items) {
  std::vector<std::string> uids;
  std::vector<int> levels;
  std::vector<std::string> groups;
  std::vector<int> user_depths;  // 0, 1, 2 for USER_ORGUNIT, _CHILDREN, _GRANDCHILDREN
  for (const std::string& item : items) {
    if (item.rfind("LEVEL-", 0) == 0) {
      std::string number = item.substr(6);
      if (number.empty() || number.size() > 2 ||
          !std::all_of(number.begin(), number.end(), ::isdigit) || std::stoi(number) < 1) {
        return Refuse("E7124", fmt::format("Org unit level is not a positive number: `{}`", item));
      }
      levels.push_back(std::stoi(number));
    } else if (item.rfind("OU_GROUP-", 0) == 0) {
      std::string group = item.substr(9);
      if (!IsUid(group)) {
        return Refuse("E7124", fmt::format("Org unit group is not a uid: `{}`", item));
      }
      groups.push_back(group);
    } else if (item == "USER_ORGUNIT") {
      user_depths.push_back(0);
    } else if (item == "USER_ORGUNIT_CHILDREN") {
      user_depths.push_back(1);
    } else if (item == "USER_ORGUNIT_GRANDCHILDREN") {
      user_depths.push_back(2);
    } else if (IsUid(item)) {
      uids.push_back(item);
    } else {
      return Refuse("E7124", fmt::format("Org unit is not a uid, LEVEL-n, OU_GROUP-uid or "
                                         "USER_ORGUNIT: `{}`",
                                         item));
    }
  }
  std::vector<OrgUnit> units;
  std::vector<OrgUnit> named;
  if (!uids.empty()) {
    DHL_ASSIGN_OR_RETURN(std::vector<OrgUnit> loaded, Load(fmt::format("uid IN {}", InList(uids))));
    for (const std::string& uid : uids) {  // in the order asked, as DHIS2 keeps it
      auto found = std::find_if(loaded.begin(), loaded.end(),
                                [&](const OrgUnit& unit) { return unit.uid == uid; });
      if (found == loaded.end()) {
        return Refuse("E7124", fmt::format("Org unit does not exist: `{}`", uid));
      }
      DHL_ANALYTICS_RETURN_IF_ERROR(CheckScope(*found));
      Append(named, {*found});
    }
  }
  std::vector<OrgUnit> boundaries = named;
  if (boundaries.empty() && (!levels.empty() || !groups.empty())) {
    DHL_ASSIGN_OR_RETURN(boundaries, Roots());
  }
  if (levels.empty() && groups.empty()) {
    units = named;
  }
  std::string within = "(";
  for (size_t i = 0; i < boundaries.size(); ++i) {
    within += fmt::format("{}contains(path, {})", i == 0 ? "" : " OR ",
                          sql::StringLiteral("/" + boundaries[i].uid));
  }
  within += boundaries.empty() ? "FALSE)" : ")";
  for (int level : levels) {
    DHL_ASSIGN_OR_RETURN(std::vector<OrgUnit> found,
                         Load(fmt::format("level = {} AND {}", level, within)));
    Append(units, found);
  }
  if (!groups.empty()) {
    if (!lake_.Has(kGroupMemberTable)) {
      return Refuse("E7124",
                    "Org unit groups are not in the lake (no silver.org_unit_group_member)");
    }
    lake_.Note(kGroupMemberTable);
    DHL_ASSIGN_OR_RETURN(std::vector<OrgUnit> found,
                         Load(fmt::format("uid IN (SELECT ou FROM silver.org_unit_group_member "
                                          "WHERE group_uid IN {}) AND {}",
                                          InList(groups), within)));
    Append(units, found);
  }
  if (!user_depths.empty()) {
    DHL_ASSIGN_OR_RETURN(std::vector<OrgUnit> roots, Roots());
    for (int depth : user_depths) {
      for (const OrgUnit& root : roots) {
        if (depth == 0) {
          Append(units, {root});
          continue;
        }
        DHL_ASSIGN_OR_RETURN(
            std::vector<OrgUnit> found,
            Load(fmt::format("level = {} AND contains(path, {})", root.level + depth,
                             sql::StringLiteral("/" + root.uid))));
        Append(units, found);
      }
    }
  }
  for (const OrgUnit& unit : units) {
    DHL_ANALYTICS_RETURN_IF_ERROR(CheckScope(unit));
  }
  return units;
}

AnalyticsResult<std::map<std::string, std::string>> OrgUnitResolver::Names(
    const std::vector<std::string>& uids) {
  std::map<std::string, std::string> names;
  if (uids.empty()) {
    return names;
  }
  DHL_ASSIGN_OR_RETURN(std::vector<OrgUnit> units, Load(fmt::format("uid IN {}", InList(uids))));
  for (const OrgUnit& unit : units) {
    names[unit.uid] = unit.name;
  }
  return names;
}

AnalyticsResult<bool> OrgUnitResolver::CheckScope(const OrgUnit& unit) const {
  if (request_.ou_scope.empty()) {
    return true;
  }
  for (const std::string& root : request_.ou_scope) {
    if (unit.Within(root)) {
      return true;
    }
  }
  return Refuse("E7120", fmt::format("User: `{}` is not allowed to view org unit: `{}`",
                                     request_.caller, unit.uid));
}

void OrgUnitResolver::Append(std::vector<OrgUnit>& units, const std::vector<OrgUnit>& more) {
  for (const OrgUnit& unit : more) {
    if (std::none_of(units.begin(), units.end(),
                     [&](const OrgUnit& held) { return held.uid == unit.uid; })) {
      units.push_back(unit);
    }
  }
}

AnalyticsResult<std::vector<OrgUnit>> OrgUnitResolver::Load(const std::string& condition) {
  std::vector<OrgUnit> units;
  DHL_ASSIGN_OR_RETURN(
      auto rows, lake_.Read(kOrgUnitTable,
                            fmt::format("SELECT uid, {}, level, path FROM silver.org_unit WHERE "
                                        "COALESCE(is_current, TRUE) AND ({}) ORDER BY name, uid",
                                        NameColumn(options_), condition)));
  if (!rows.has_value()) {
    return Refuse("E7124", "Org units are not in the lake (no silver.org_unit)");
  }
  for (size_t row = 0; row < rows->row_count(); ++row) {
    units.push_back({Text(*rows, 0, row), Text(*rows, 1, row),
                     static_cast<int>(rows->GetInt64(2, row).value_or(0)), Text(*rows, 3, row)});
  }
  return units;
}

}  // namespace dhl::serve::analytics
