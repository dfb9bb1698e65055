// The parameters of an analytics request (`dimension=`, `filter=` and the options; see
// serve/analytics.h for the forms), parsed and checked without the lake: what outside input can
// reach before any item is looked up. Pure functions, thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dhis2/aggregation_type.h"
#include "serve/analytics_error.h"

namespace dhl::serve::analytics {

struct DimensionSpec {
  std::string id;  // dx, pe, ou, co or a category uid
  std::vector<std::string> items;
  bool filter = false;
};

struct Options {
  bool skip_meta = false;
  bool skip_data = false;
  bool include_num_den = false;
  bool hierarchy_meta = false;
  bool show_hierarchy = false;
  bool skip_rounding = false;
  bool short_names = false;
  std::optional<dhis2::AggregationType> aggregation_type;  // unset = each item's own
};

struct RequestParameters {
  std::vector<DimensionSpec> dimensions;  // output order: dx, co, then as requested
  std::map<std::string, DimensionSpec> filters;
  Options options;
};

// The dimension or filter `id` ("dx", "pe", ...) of a request; nullptr when it has none.
const DimensionSpec* FindDimension(const std::vector<DimensionSpec>& dimensions,
                                   const std::map<std::string, DimensionSpec>& filters,
                                   const std::string& id);

// A boolean parameter `name` ("true"/"false", any case), else refused naming the parameter.
AnalyticsResult<bool> ParseBoolean(std::string_view name, std::string_view value);
// displayProperty: true for SHORTNAME, false for NAME (any case), else refused.
AnalyticsResult<bool> ParseDisplayProperty(std::string_view value);

// Parses `params` (name, value pairs in request order). A dimension `id:item;item` keeps its items
// trimmed, non-empty and unique. Refused (with DHIS2's error code where it has one): a dimension
// given twice or both as dimension and filter, no dimension, no dx or pe item, co as a filter, a
// bad boolean, displayProperty or aggregationType, startDate/endDate.
AnalyticsResult<RequestParameters> ParseRequestParameters(
    const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace dhl::serve::analytics
