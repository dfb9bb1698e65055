#include "dhis2/aggregation_type.h"

#include <cstddef>

#include "base/text.h"

namespace dhl::dhis2 {
namespace {

struct AggregationTypeNames {
  std::string_view name;
  std::string_view value;
};

// Indexed by the enum; names and values from dhis2-core AggregationType.java.
constexpr std::array<AggregationTypeNames, kAllAggregationTypes.size()> kAggregationTypeNames = {{
    {"SUM", "sum"},
    {"AVERAGE", "avg"},
    {"AVERAGE_SUM_ORG_UNIT", "avg_sum_org_unit"},
    {"LAST", "last"},
    {"LAST_AVERAGE_ORG_UNIT", "last_avg_org_unit"},
    {"LAST_LAST_ORG_UNIT", "last_last_org_unit"},
    {"LAST_IN_PERIOD", "last_analytics_period"},
    {"LAST_IN_PERIOD_AVERAGE_ORG_UNIT", "last_analytics_period_avg_org_unit"},
    {"FIRST", "first"},
    {"FIRST_AVERAGE_ORG_UNIT", "first_avg_org_unit"},
    {"FIRST_FIRST_ORG_UNIT", "first_first_org_unit"},
    {"COUNT", "count"},
    {"STDDEV", "stddev"},
    {"VARIANCE", "variance"},
    {"MIN", "min"},
    {"MAX", "max"},
    {"MIN_SUM_ORG_UNIT", "min_sum_org_unit"},
    {"MAX_SUM_ORG_UNIT", "max_sum_org_unit"},
    {"NONE", "none"},
    {"CUSTOM", "custom"},
    {"DEFAULT", "default"},
}};

constexpr std::size_t AggregationIndex(AggregationType type) {
  return static_cast<std::size_t>(type);
}

bool IsLastRule(AggregationType rule) {
  return rule == AggregationType::kLast || rule == AggregationType::kLastAverageOrgUnit ||
         rule == AggregationType::kLastLastOrgUnit;
}

bool IsFirstRule(AggregationType rule) {
  return rule == AggregationType::kFirst || rule == AggregationType::kFirstAverageOrgUnit ||
         rule == AggregationType::kFirstFirstOrgUnit;
}

bool IsLastInPeriodRule(AggregationType rule) {
  return rule == AggregationType::kLastInPeriod ||
         rule == AggregationType::kLastInPeriodAverageOrgUnit;
}

}  // namespace

std::string_view AggregationTypeName(AggregationType type) {
  return kAggregationTypeNames[AggregationIndex(type)].name;
}

std::string_view AggregationTypeValue(AggregationType type) {
  return kAggregationTypeNames[AggregationIndex(type)].value;
}

Result<AggregationType> ParseAggregationType(std::string_view name) {
  for (AggregationType type : kAllAggregationTypes) {
    if (kAggregationTypeNames[AggregationIndex(type)].name == name) {
      return type;
    }
  }
  return InvalidArgument("\"" + std::string(name.substr(0, 64)) +
                         "\" is not a DHIS2 aggregation type");
}

Result<AggregationType> ParseAggregationTypeValue(std::string_view value) {
  for (AggregationType type : kAllAggregationTypes) {
    if (EqualsIgnoreCase(kAggregationTypeNames[AggregationIndex(type)].value, value)) {
      return type;
    }
  }
  return InvalidArgument("\"" + std::string(value.substr(0, 64)) +
                         "\" is not a DHIS2 aggregation type value");
}

bool IsAggregatable(AggregationType type) {
  return type != AggregationType::kCustom && type != AggregationType::kDefault;
}

AnalyticsAggregation ToAnalyticsAggregation(AggregationType type) {
  using T = AggregationType;
  switch (type) {
    case T::kAverageSumOrgUnit:
      return {T::kSum, T::kAverage};
    case T::kLast:
      return {T::kSum, T::kLast};
    case T::kLastAverageOrgUnit:
      return {T::kAverage, T::kLast};
    case T::kLastLastOrgUnit:
      return {T::kLast, T::kLast};
    case T::kLastInPeriod:
      return {T::kSum, T::kLastInPeriod};
    case T::kLastInPeriodAverageOrgUnit:
      return {T::kAverage, T::kLastInPeriod};
    case T::kFirst:
      return {T::kSum, T::kFirst};
    case T::kFirstAverageOrgUnit:
      return {T::kAverage, T::kFirst};
    case T::kFirstFirstOrgUnit:
      return {T::kFirst, T::kFirst};
    case T::kMaxSumOrgUnit:
      return {T::kSum, T::kMax};
    case T::kMinSumOrgUnit:
      return {T::kSum, T::kMin};
    default:
      return {type, type};
  }
}

TimeSelection GetTimeSelection(AnalyticsAggregation aggregation) {
  // Same order of tests as JdbcAnalyticsManager.getFromClause.
  if (IsFirstRule(aggregation.time_rule)) {
    return TimeSelection::kEarliestWithLookBack;
  }
  if (IsLastRule(aggregation.time_rule)) {
    return TimeSelection::kLatestWithLookBack;
  }
  if (IsLastInPeriodRule(aggregation.time_rule)) {
    return TimeSelection::kLatestInQueryPeriod;
  }
  // AnalyticsAggregationType.isMinOrMaxInPeriodAggregationType.
  if (aggregation.time_rule != aggregation.org_unit_rule &&
      (aggregation.time_rule == AggregationType::kMin ||
       aggregation.time_rule == AggregationType::kMax)) {
    return TimeSelection::kMinOrMaxPerOrgUnit;
  }
  return TimeSelection::kAllInQueryPeriod;
}

bool RanksAcrossOrgUnits(AnalyticsAggregation aggregation) {
  // DataQueryParams.isAnyAggregationType(FIRST, LAST) tests the org-unit (general) rule.
  return aggregation.org_unit_rule == AggregationType::kFirst ||
         aggregation.org_unit_rule == AggregationType::kLast;
}

AnalyticsDataType AnalyticsDataTypeOf(ValueType type) {
  if (IsNumeric(type)) {
    return AnalyticsDataType::kNumeric;
  }
  if (IsBoolean(type)) {
    return AnalyticsDataType::kBoolean;
  }
  return AnalyticsDataType::kText;
}

std::string_view SqlAggregateFunction(AggregationType rule) {
  switch (rule) {
    case AggregationType::kAverage:
      return "avg";
    case AggregationType::kCount:
      return "count";
    case AggregationType::kStddev:
      return "stddev_samp";
    case AggregationType::kVariance:
      return "var_samp";
    case AggregationType::kMin:
      return "min";
    case AggregationType::kMax:
      return "max";
    default:
      return "sum";
  }
}

std::string AggregateValueSql(AnalyticsAggregation aggregation, AnalyticsDataType data_type,
                              int query_period_days, const AnalyticsColumns& columns) {
  DHL_CHECK(query_period_days > 0);
  std::string sql;
  if (aggregation.org_unit_rule == AggregationType::kSum &&
      aggregation.time_rule == AggregationType::kAverage &&
      data_type == AnalyticsDataType::kNumeric) {
    sql = "sum(";
    sql += columns.value_x_days;
    sql += ") / ";
    sql += std::to_string(query_period_days);
    return sql;
  }
  if (aggregation.org_unit_rule == AggregationType::kAverage &&
      data_type == AnalyticsDataType::kBoolean) {
    sql = "sum(";
    sql += columns.value_x_days;
    sql += ") / sum(";
    sql += columns.days;
    sql += ") * 100";
    return sql;
  }
  // AVERAGE on text falls through to sum(value), as in DHIS2.
  std::string_view function = "sum";
  if (aggregation.org_unit_rule != AggregationType::kAverage ||
      data_type == AnalyticsDataType::kNumeric) {
    function = SqlAggregateFunction(aggregation.org_unit_rule);
  }
  sql = function;
  sql += '(';
  sql += columns.value;
  sql += ')';
  return sql;
}

bool IsDisaggregation(AnalyticsAggregation aggregation, int query_period_type_days,
                      int data_period_type_days, bool same_type) {
  if (query_period_type_days <= 0 || data_period_type_days <= 0) {
    return false;
  }
  if (aggregation.time_rule != AggregationType::kAverage) {
    return false;
  }
  if (query_period_type_days < data_period_type_days) {
    return true;
  }
  return query_period_type_days == data_period_type_days && !same_type;
}

bool IsDisaggregation(AggregationType type, int query_period_type_days, int data_period_type_days,
                      bool same_type) {
  return IsDisaggregation(ToAnalyticsAggregation(type), query_period_type_days,
                          data_period_type_days, same_type);
}

double YearlyWeightedAverage(double first_value, double second_value, int base_month) {
  const double month = static_cast<double>(base_month);
  constexpr double kMonthsInYear = 12.0;
  return first_value * ((kMonthsInYear - month) / kMonthsInYear) +
         second_value * (month / kMonthsInYear);
}

ComboCombination CombinationAcrossCombos(AggregationType type, AnalyticsDataType data_type,
                                         bool financial_query_type) {
  if (type == AggregationType::kNone || data_type == AnalyticsDataType::kText) {
    return ComboCombination::kNone;
  }
  AnalyticsAggregation aggregation = ToAnalyticsAggregation(type);
  if (RanksAcrossOrgUnits(aggregation) ||
      GetTimeSelection(aggregation) == TimeSelection::kMinOrMaxPerOrgUnit ||
      (aggregation.time_rule == AggregationType::kAverage && financial_query_type)) {
    return ComboCombination::kNone;
  }
  // The forms of AggregateValueSql: Σ value × days / the cell period's days adds up.
  if (aggregation.org_unit_rule == AggregationType::kSum &&
      aggregation.time_rule == AggregationType::kAverage &&
      data_type == AnalyticsDataType::kNumeric) {
    return ComboCombination::kSum;
  }
  if (aggregation.org_unit_rule == AggregationType::kAverage &&
      data_type == AnalyticsDataType::kBoolean) {
    return ComboCombination::kNone;
  }
  std::string_view function = SqlAggregateFunction(aggregation.org_unit_rule);
  if (function == "sum" || function == "count") {
    return ComboCombination::kSum;
  }
  if (function == "avg") {
    return ComboCombination::kMeanByCount;
  }
  if (function == "min") {
    return ComboCombination::kMin;
  }
  if (function == "max") {
    return ComboCombination::kMax;
  }
  return ComboCombination::kNone;
}

bool KeepsZero(AggregationType type, bool zero_is_significant,
               bool include_zero_values_in_analytics) {
  if (type == AggregationType::kAverage || type == AggregationType::kAverageSumOrgUnit) {
    return true;
  }
  return zero_is_significant && include_zero_values_in_analytics;
}

bool StoresZero(AggregationType type, bool zero_is_significant) {
  return zero_is_significant || type == AggregationType::kAverage ||
         type == AggregationType::kAverageSumOrgUnit;
}

bool AnalyticsDropsZero(AggregationType type, std::string_view stored_value,
                        bool zero_is_significant, bool include_zero_values_in_analytics) {
  return stored_value == "0" &&
         !KeepsZero(type, zero_is_significant, include_zero_values_in_analytics);
}

}  // namespace dhl::dhis2
