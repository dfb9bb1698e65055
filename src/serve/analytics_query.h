// Request parsing and planning of an analytics request (see serve/analytics.h for the forms): the
// parameters become a Query, whose dx items, periods and category items are resolved against the
// lake's metadata. The org units are resolved afterwards (serve/org_unit_resolver.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/text.h"
#include "dhis2/aggregation_type.h"
#include "dhis2/period.h"
#include "serve/analytics.h"
#include "serve/analytics_error.h"
#include "serve/analytics_request.h"
#include "serve/lake_reader.h"

namespace dhl::serve::analytics {

// DHIS2's default rounding (see RoundAnalyticsValue).
constexpr int kDefaultDecimals = -1;

enum class DxKind { kIndicator, kDataElement, kOperand, kReportingRate, kProgramIndicator };

struct DxItem {
  std::string id;  // as requested: uid, de.coc or ds.METRIC
  DxKind kind = DxKind::kDataElement;
  std::string uid;     // indicator, data element, data set or program indicator
  std::string detail;  // coc of an operand, metric of a reporting rate
  std::string name;
  int decimals = kDefaultDecimals;
  dhis2::AggregationType aggregation = dhis2::AggregationType::kSum;
  dhis2::AnalyticsDataType data_type = dhis2::AnalyticsDataType::kNumeric;  // of its value type
  std::string category_combo;
  // Indicators.
  std::optional<double> factor;
  bool annualized = false;
  std::string numerator;
  std::string denominator;
};

struct OrgUnit {
  std::string uid;
  std::string name;
  int level = 0;
  std::string path;  // "/root/…/uid"
  std::vector<std::string> Ancestors() const {
    std::vector<std::string> ancestors;
    for (std::string_view part : Split(path, '/')) {
      if (!part.empty() && part != uid) {
        ancestors.emplace_back(part);
      }
    }
    return ancestors;
  }
  bool Within(const std::string& root) const {
    if (uid == root) {
      return true;
    }
    for (std::string_view part : Split(path, '/')) {
      if (part == root) {
        return true;
      }
    }
    return false;
  }
};

struct Query {
  std::vector<DimensionSpec> dimensions;  // output order
  std::map<std::string, DimensionSpec> filters;
  Options options;
  std::vector<DxItem> dx;
  std::vector<dhis2::Period> periods;        // pe dimension or filter
  std::vector<OrgUnit> org_units;            // ou dimension or filter (or the roots)
  std::vector<std::string> category_items;   // co / category dimension or filter items
  std::string category_id;                   // "co", a category uid, or empty
  std::map<std::string, std::string> names;  // item names for metaData
};

// The periods `ids` name (period ids, and relative periods resolved against `today`), in order and
// without repeats; each relative period's display name goes to `names`. Anything else is a
// Refusal (E7124).
AnalyticsResult<std::vector<dhis2::Period>> ResolvePeriods(
    const std::vector<std::string>& ids, dhis2::Date today,
    std::map<std::string, std::string>& names);

// Parses `request`'s parameters and resolves its dx items, periods and category dimension; a bad
// parameter or an unknown item is a Refusal.
AnalyticsResult<Query> ParseQuery(LakeReader& lake, const AnalyticsRequest& request);

}  // namespace dhl::serve::analytics
