#include "dhis2/program_indicator.h"

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

namespace dhl::dhis2 {
namespace {

constexpr std::array<std::pair<BoundaryType, std::string_view>, 4> kBoundaryTypes = {{
    {BoundaryType::kBeforeStartOfReportingPeriod, "BEFORE_START_OF_REPORTING_PERIOD"},
    {BoundaryType::kBeforeEndOfReportingPeriod, "BEFORE_END_OF_REPORTING_PERIOD"},
    {BoundaryType::kAfterStartOfReportingPeriod, "AFTER_START_OF_REPORTING_PERIOD"},
    {BoundaryType::kAfterEndOfReportingPeriod, "AFTER_END_OF_REPORTING_PERIOD"},
}};

std::string Text(const nlohmann::json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

}  // namespace

std::string_view BoundaryTypeName(BoundaryType type) {
  for (const auto& [value, name] : kBoundaryTypes) {
    if (value == type) {
      return name;
    }
  }
  return "?";
}

bool PeriodBoundary::at_start() const {
  return type == BoundaryType::kAfterStartOfReportingPeriod ||
         type == BoundaryType::kBeforeStartOfReportingPeriod;
}

bool PeriodBoundary::is_after() const {
  return type == BoundaryType::kAfterStartOfReportingPeriod ||
         type == BoundaryType::kAfterEndOfReportingPeriod;
}

AggregationType ProgramIndicator::AggregationTypeFallback() const {
  if (!aggregation_type) {
    return AggregationType::kAverage;
  }
  switch (*aggregation_type) {
    case AggregationType::kAverageSumOrgUnit:
    case AggregationType::kLastInPeriod:
    case AggregationType::kMaxSumOrgUnit:
    case AggregationType::kMinSumOrgUnit:
      return AggregationType::kSum;
    case AggregationType::kLastInPeriodAverageOrgUnit:
    case AggregationType::kDefault:
      return AggregationType::kAverage;
    default:
      return *aggregation_type;
  }
}

Result<ProgramIndicator> ProgramIndicatorFromJson(const nlohmann::json& object) {
  if (!object.is_object() || Text(object, "id").empty()) {
    return InvalidArgument("program indicator without an id: " + object.dump().substr(0, 200));
  }
  ProgramIndicator indicator;
  indicator.uid = Text(object, "id");
  std::string what = "program indicator " + indicator.uid;
  indicator.name = Text(object, "name");
  if (object.contains("program") && object["program"].is_object()) {
    indicator.program = Text(object["program"], "id");
  }
  std::string analytics_type = Text(object, "analyticsType");
  if (analytics_type.empty() || analytics_type == "EVENT") {
    indicator.analytics_type = AnalyticsType::kEvent;
  } else if (analytics_type == "ENROLLMENT") {
    indicator.analytics_type = AnalyticsType::kEnrollment;
  } else {
    return InvalidArgument(what + ": unknown analyticsType \"" + analytics_type + "\"");
  }
  indicator.expression = Text(object, "expression");
  indicator.filter = Text(object, "filter");
  std::string aggregation = Text(object, "aggregationType");
  if (!aggregation.empty()) {
    Result<AggregationType> type = ParseAggregationType(aggregation);
    if (!type.ok()) {
      return InvalidArgument(what + ": unknown aggregationType \"" + aggregation + "\"");
    }
    indicator.aggregation_type = *type;
  }
  indicator.org_unit_field = Text(object, "orgUnitField");
  if (object.contains("decimals") && object["decimals"].is_number_integer()) {
    indicator.decimals = object["decimals"].get<int>();
  }
  if (object.contains("analyticsPeriodBoundaries") &&
      object["analyticsPeriodBoundaries"].is_array()) {
    for (const auto& item : object["analyticsPeriodBoundaries"]) {
      PeriodBoundary boundary;
      boundary.target = Text(item, "boundaryTarget");
      std::string type = Text(item, "analyticsPeriodBoundaryType");
      bool known = false;
      for (const auto& [value, name] : kBoundaryTypes) {
        if (name == type) {
          boundary.type = value;
          known = true;
        }
      }
      if (boundary.target.empty() || !known) {
        return InvalidArgument(what + ": analytics period boundary " + item.dump() +
                               " lacks a boundaryTarget or a known analyticsPeriodBoundaryType");
      }
      if (item.contains("offsetPeriods") && item["offsetPeriods"].is_number_integer()) {
        boundary.offset_periods = item["offsetPeriods"].get<int>();
      }
      std::string offset_type;
      if (item.contains("offsetPeriodType")) {
        const auto& value = item["offsetPeriodType"];
        offset_type = value.is_string()   ? value.get<std::string>()
                      : value.is_object() ? Text(value, "name")
                                          : std::string();
      }
      if (!offset_type.empty() && boundary.offset_periods != 0) {
        Result<PeriodType> period_type = ParsePeriodType(offset_type);
        if (!period_type.ok()) {
          return InvalidArgument(what + ": unknown offsetPeriodType \"" + offset_type + "\"");
        }
        boundary.offset_period_type = *period_type;
      }
      indicator.boundaries.push_back(std::move(boundary));
    }
  }
  return indicator;
}

}  // namespace dhl::dhis2
