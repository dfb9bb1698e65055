#include "serve/org_unit_resolver.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <set>

#include "base/text.h"
#include "sql/literal.h"

namespace dhl::serve::analytics {

AnalyticsResult<std::vector<OrgUnit>> OrgUnitResolver::Roots() {
  if (!request_.ou_scope.empty()) {
    return Load(AmongUids(request_.ou_scope));
  }
  return Load([](const Unit& unit) { return unit.level == 1; });
}

AnalyticsResult<std::vector<OrgUnit>> OrgUnitResolver::Resolve(
    const std::vector<std::string>& items) {
  std::vector<std::string> uids;
  std::vector<int> levels;
  std::vector<std::string> groups;
  std::vector<int> user_depths;  // 0, 1, 2 for USER_ORGUNIT, _CHILDREN, _GRANDCHILDREN
  for (const std::string& item : items) {
    if (item.rfind("LEVEL-", 0) == 0) {
      auto level = ParseInt64(item.substr(6), "org unit level", 1, 99);
      if (!level.ok()) {
        return Refuse("E7124", fmt::format("Org unit level is not a positive number: `{}`", item));
      }
      levels.push_back(static_cast<int>(*level));
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
    DHL_ASSIGN_OR_RETURN(std::vector<OrgUnit> loaded, Load(AmongUids(uids)));
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
  auto within = [&boundaries](const Unit& unit) {
    return std::any_of(boundaries.begin(), boundaries.end(), [&](const OrgUnit& boundary) {
      return unit.path.find("/" + boundary.uid) != std::string::npos;
    });
  };
  for (int level : levels) {
    DHL_ASSIGN_OR_RETURN(std::vector<OrgUnit> found, Load([&](const Unit& unit) {
                           return unit.level == level && within(unit);
                         }));
    Append(units, found);
  }
  if (!groups.empty()) {
    if (!lake_.Uses(kGroupMemberTable)) {
      return Refuse("E7124",
                    "Org unit groups are not in the lake (no silver.org_unit_group_member)");
    }
    std::set<std::string> members;
    for (const std::string& group : groups) {
      auto found = lake_.metadata().group_members().find(group);
      if (found != lake_.metadata().group_members().end()) {
        members.insert(found->second.begin(), found->second.end());
      }
    }
    DHL_ASSIGN_OR_RETURN(std::vector<OrgUnit> found, Load([&](const Unit& unit) {
                           return members.count(unit.uid) > 0 && within(unit);
                         }));
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
        DHL_ASSIGN_OR_RETURN(std::vector<OrgUnit> found, Load([&](const Unit& unit) {
                               return unit.level == root.level + depth &&
                                      unit.path.find("/" + root.uid) != std::string::npos;
                             }));
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
  DHL_ASSIGN_OR_RETURN(std::vector<OrgUnit> units, Load(AmongUids(uids)));
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

AnalyticsResult<std::vector<OrgUnit>> OrgUnitResolver::Load(
    const std::function<bool(const Unit&)>& wanted) {
  if (!lake_.Uses(kOrgUnitTable)) {
    return Refuse("E7124", "Org units are not in the lake (no silver.org_unit)");
  }
  std::vector<OrgUnit> units;
  for (const Unit& unit : lake_.metadata().org_units()) {  // by name, then uid
    if (wanted(unit)) {
      units.push_back(
          {unit.uid,
           options_.short_names && unit.short_name.has_value() ? *unit.short_name : unit.name,
           unit.level, unit.path});
    }
  }
  return units;
}

std::function<bool(const OrgUnitResolver::Unit&)> OrgUnitResolver::AmongUids(
    const std::vector<std::string>& uids) {
  auto wanted = std::make_shared<std::set<std::string>>(uids.begin(), uids.end());
  return [wanted](const Unit& unit) { return wanted->count(unit.uid) > 0; };
}

}  // namespace dhl::serve::analytics
