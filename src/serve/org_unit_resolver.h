// The org units of an analytics request's ou dimension (uids, LEVEL-n, OU_GROUP-uid and the
// USER_ORGUNIT forms), each checked against the caller's scope (a unit outside the caller's
// subtrees is a Refusal E7120).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "serve/analytics_error.h"
#include "serve/analytics_query.h"
#include "serve/lake_reader.h"

namespace dhl::serve::analytics {

class OrgUnitResolver {
 public:
  OrgUnitResolver(LakeReader& lake, const AnalyticsRequest& request, const Options& options)
      : lake_(lake), request_(request), options_(options) {}

  // The caller's roots: the token's org units, else the hierarchy's level-1 units.
  AnalyticsResult<std::vector<OrgUnit>> Roots();

  // The units `items` name, in the order asked, without repeats.
  AnalyticsResult<std::vector<OrgUnit>> Resolve(const std::vector<std::string>& items);

  // Names of `uids` (ancestors for hierarchy metadata).
  AnalyticsResult<std::map<std::string, std::string>> Names(const std::vector<std::string>& uids);

 private:
  AnalyticsResult<bool> CheckScope(const OrgUnit& unit) const;
  static void Append(std::vector<OrgUnit>& units, const std::vector<OrgUnit>& more);
  using Unit = AnalyticsMetadata::OrgUnit;
  // The current units `wanted` accepts, ordered by name, then uid.
  AnalyticsResult<std::vector<OrgUnit>> Load(const std::function<bool(const Unit&)>& wanted);
  static std::function<bool(const Unit&)> AmongUids(const std::vector<std::string>& uids);

  LakeReader& lake_;
  const AnalyticsRequest& request_;
  const Options& options_;
};

}  // namespace dhl::serve::analytics
