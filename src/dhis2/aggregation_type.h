// DHIS2 aggregation types and the analytics rules that follow from them: how values are combined
// across org units and categories, how across time, which long-period values are spread over
// shorter query periods (disaggregation), which zero values analytics keeps, and the SQL aggregate
// each rule uses. The gold layer generates its SQL from these functions; docs/aggregation.md states
// each rule with the dhis2-core source it comes from.
//
// Everything here is pure, allocation-free (except the functions returning std::string) and safe to
// call from any thread. Period types enter only as their DHIS2 frequency order in days (Daily 1,
// Weekly* 7, BiWeekly 14, Monthly 30, BiMonthly 61, Quarterly* 91, SixMonthly* 182, Yearly and
// Financial* 365, TwoYearly 730), so this file does not depend on the period code.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "dhis2/value_type.h"

namespace dhl::dhis2 {

// dhis2-core AggregationType, in its declaration order.
enum class AggregationType : std::uint8_t {
  kSum,
  kAverage,
  kAverageSumOrgUnit,
  kLast,
  kLastAverageOrgUnit,
  kLastLastOrgUnit,
  kLastInPeriod,
  kLastInPeriodAverageOrgUnit,
  kFirst,
  kFirstAverageOrgUnit,
  kFirstFirstOrgUnit,
  kCount,
  kStddev,
  kVariance,
  kMin,
  kMax,
  kMinSumOrgUnit,
  kMaxSumOrgUnit,
  kNone,
  kCustom,
  kDefault,
};

inline constexpr std::array<AggregationType, 21> kAllAggregationTypes = {
    AggregationType::kSum,
    AggregationType::kAverage,
    AggregationType::kAverageSumOrgUnit,
    AggregationType::kLast,
    AggregationType::kLastAverageOrgUnit,
    AggregationType::kLastLastOrgUnit,
    AggregationType::kLastInPeriod,
    AggregationType::kLastInPeriodAverageOrgUnit,
    AggregationType::kFirst,
    AggregationType::kFirstAverageOrgUnit,
    AggregationType::kFirstFirstOrgUnit,
    AggregationType::kCount,
    AggregationType::kStddev,
    AggregationType::kVariance,
    AggregationType::kMin,
    AggregationType::kMax,
    AggregationType::kMinSumOrgUnit,
    AggregationType::kMaxSumOrgUnit,
    AggregationType::kNone,
    AggregationType::kCustom,
    AggregationType::kDefault,
};

// The metadata name, as in a data element's `aggregationType`: "AVERAGE_SUM_ORG_UNIT".
std::string_view AggregationTypeName(AggregationType type);

// DHIS2's short value (AggregationType.getValue), used by the expression modifier
// `.aggregationType(...)`: "avg_sum_org_unit", "last_analytics_period", …
std::string_view AggregationTypeValue(AggregationType type);

// Parses a metadata name exactly ("SUM", "LAST_IN_PERIOD"); anything else is invalid argument.
Result<AggregationType> ParseAggregationType(std::string_view name);

// Parses a short value case-insensitively as AggregationType.fromValue does ("avg", "LAST").
Result<AggregationType> ParseAggregationTypeValue(std::string_view value);

// False for CUSTOM and DEFAULT (AggregationType.isAggregatable); DEFAULT means "use the data
// element's own type" and must be resolved before any of the rules below apply.
bool IsAggregatable(AggregationType type);

// An aggregation type split into its two rules, as AnalyticsAggregationType.fromAggregationType
// does: `org_unit_rule` combines values across org units and categories (and is the outer SQL
// aggregate), `time_rule` across periods.
struct AnalyticsAggregation {
  AggregationType org_unit_rule = AggregationType::kSum;
  AggregationType time_rule = AggregationType::kSum;

  friend bool operator==(const AnalyticsAggregation&, const AnalyticsAggregation&) = default;
};

// SUM -> {SUM, SUM}; AVERAGE_SUM_ORG_UNIT -> {SUM, AVERAGE}; LAST -> {SUM, LAST};
// LAST_AVERAGE_ORG_UNIT -> {AVERAGE, LAST}; LAST_LAST_ORG_UNIT -> {LAST, LAST}; … Types without an
// org-unit variant map to themselves twice ({COUNT, COUNT}).
AnalyticsAggregation ToAnalyticsAggregation(AggregationType type);

// Which data values take part in a query period, decided by the time rule
// (JdbcAnalyticsManager.getFromClause).
enum class TimeSelection : std::uint8_t {
  // Every value whose data period lies inside the query period (start >= query start and end <=
  // query end), then aggregated by the org-unit rule: SUM, AVERAGE, COUNT, STDDEV, VARIANCE, MIN,
  // MAX, NONE.
  kAllInQueryPeriod,
  // LAST*: per data element, org unit, coc and aoc, the single value with the latest period end
  // (then latest start) among periods starting at most kFirstLastLookBackYears before the query
  // period end and ending by it.
  kLatestWithLookBack,
  // FIRST*: the same window, the value with the earliest period end (then earliest start).
  kEarliestWithLookBack,
  // LAST_IN_PERIOD*: the latest value among periods inside the query period only.
  kLatestInQueryPeriod,
  // MIN_SUM_ORG_UNIT / MAX_SUM_ORG_UNIT: per org unit (and query dimension), the minimum or
  // maximum over the periods inside the query period; then the org-unit rule (SUM) across them.
  kMinOrMaxPerOrgUnit,
};

TimeSelection GetTimeSelection(AnalyticsAggregation aggregation);

// LAST and FIRST look back this many years before the end of the query period
// (JdbcAnalyticsManager.LAST_VALUE_YEARS_OFFSET = -10).
inline constexpr int kFirstLastLookBackYears = 10;

// For the ranked selections: true when the ranking runs over all org units together (the org-unit
// rule is itself LAST or FIRST: LAST_LAST_ORG_UNIT, FIRST_FIRST_ORG_UNIT), so one value wins for
// the whole query cell; false when it runs per (data element, org unit, coc, aoc) and the winners
// are then combined by the org-unit rule
// (JdbcAnalyticsManager.getFirstOrLastValuePartitionColumns).
bool RanksAcrossOrgUnits(AnalyticsAggregation aggregation);

// How a value of the analytics table behaves when aggregated (dhis2-core DataType.fromValueType:
// numeric value types are NUMERIC, BOOLEAN and TRUE_ONLY are BOOLEAN, everything else TEXT).
enum class AnalyticsDataType : std::uint8_t { kNumeric, kBoolean, kText };

AnalyticsDataType AnalyticsDataTypeOf(ValueType type);

// The SQL aggregate function of a rule when it is the outer aggregate: SUM "sum", AVERAGE "avg",
// COUNT "count", STDDEV "stddev_samp", VARIANCE "var_samp", MIN "min", MAX "max"; every other rule
// (LAST, FIRST, LAST_IN_PERIOD, NONE, …) sums, because the time selection left one ranked value
// per cell (JdbcAnalyticsManager.getAggregateValueColumn and resolveAggregationType; PostgreSQL's
// stddev and variance are the sample forms, named explicitly here so DuckDB and Spark agree).
std::string_view SqlAggregateFunction(AggregationType rule);

// Names of the analytics-table columns the aggregate expression reads.
struct AnalyticsColumns {
  std::string_view value = "value";
  std::string_view days = "days";
  std::string_view value_x_days = "value_x_days";
};

// The outer aggregate value expression for one query cell, as
// JdbcAnalyticsManager.getAggregateValueColumn builds it:
// - org-unit rule SUM with time rule AVERAGE on numeric data: "sum(value_x_days) / <days>", where
//   <days> is `query_period_days` (the days of the query period; with disaggregation, the days of
//   the data period the query was rewritten to, see IsDisaggregation);
// - AVERAGE on numeric data: "avg(value)";
// - AVERAGE on boolean data: "sum(value_x_days) / sum(days) * 100" (percent of days true);
// - COUNT, STDDEV, VARIANCE, MIN, MAX: that function of value;
// - anything else: "sum(value)".
// Precondition: query_period_days > 0 (checked).
std::string AggregateValueSql(AnalyticsAggregation aggregation, AnalyticsDataType data_type,
                              int query_period_days, const AnalyticsColumns& columns = {});

// Whether a query spreads data of a longer period type over shorter query periods
// (QueryPlannerUtils.isDisaggregation): only when the time rule is AVERAGE (AVERAGE,
// AVERAGE_SUM_ORG_UNIT), and the query period type is more frequent than the data's
// (query_period_type_days < data_period_type_days), or equally frequent but a different type
// (`same_type` false: Weekly against WeeklySunday, Quarterly against QuarterlyNov). A yearly
// AVERAGE_SUM_ORG_UNIT population of 71 then shows as 71 in every month it overlaps; SUM data is
// never disaggregated (a monthly query of yearly SUM data finds nothing).
// Frequencies are DHIS2's frequency orders in days (see the top of this file); a value <= 0 means
// "unknown" and gives false, as a null period type does in DHIS2.
bool IsDisaggregation(AnalyticsAggregation aggregation, int query_period_type_days,
                      int data_period_type_days, bool same_type);
bool IsDisaggregation(AggregationType type, int query_period_type_days, int data_period_type_days,
                      bool same_type);

// When the query period type spans two calendar years (the Financial* types) and a disaggregated
// query period receives values from two data periods (FY2024April overlaps Yearly 2024 and 2025),
// DHIS2 replaces them by their month-weighted mean
// (JdbcAnalyticsManager.replaceDataPeriodsWithAggregationPeriods, AnalyticsUtils
// .calculateYearlyWeightedAverage): first * (12 - m) / 12 + second * m / 12, with m the query
// type's zero-based base month (FinancialFeb 1, April 3, July 6, Aug 7, Sep 8, Oct 9, Nov 10). The
// intended `first_value` is the year the financial year starts in; DHIS2 itself takes whichever
// arrives first from a hash map.
double YearlyWeightedAverage(double first_value, double second_value, int base_month);

// How the cell of several category option combos together (a category option's cell: the combos
// holding the option) follows from the cells of each combo alone, as gold.aggregate publishes them
// (value and count per combo), for a data element of `type` and `data_type` at a query period whose
// type spans two calendar years or not (`financial_query_type`). The partial sums a rule is
// evaluated on add up across combos as across values (docs/gold_aggregate.md, "Grains"), so:
// - kSum: the values add up (sum, count, days-weighted sum over the same period's days; LAST,
//   FIRST, LAST_IN_PERIOD and their per-series winners summed);
// - kMeanByCount: the count-weighted mean of the values (avg: Σ value × count / Σ count);
// - kMin, kMax: the least, the greatest value;
// - kNone: not from the combos' cells: STDDEV and VARIANCE (need Σ value²), AVERAGE on booleans
//   (percent of days: needs Σ days), NONE (agreement of the raw values), LAST_LAST_ORG_UNIT and
//   FIRST_FIRST_ORG_UNIT (one winner across units and combos), MIN/MAX_SUM_ORG_UNIT (each unit's
//   own extreme across its combos), text, and a time rule AVERAGE at a financial query type (a
//   disaggregated cell may be the weighted mean of two data years, which does not add across
//   combos holding different years).
enum class ComboCombination : std::uint8_t { kNone, kSum, kMeanByCount, kMin, kMax };

ComboCombination CombinationAcrossCombos(AggregationType type, AnalyticsDataType data_type,
                                         bool financial_query_type);

// Whether analytics keeps a stored zero of a data element
// (JdbcAnalyticsTableManager.populateTable): AVERAGE and AVERAGE_SUM_ORG_UNIT always keep zeros;
// other types keep them only when the data element has zeroIsSignificant AND the system setting
// keyIncludeZeroValuesInAnalytics (default false) is on. Applies to numeric value types only.
bool KeepsZero(AggregationType type, bool zero_is_significant,
               bool include_zero_values_in_analytics);

// Whether DHIS2 stores a zero value of a numeric data element at all
// (ValidationUtils.dataValueIsZeroAndInsignificant, which data entry, imports and the predictor
// job's PredictionWriter apply): only for AVERAGE and AVERAGE_SUM_ORG_UNIT elements or those with
// zeroIsSignificant. The setting keyIncludeZeroValuesInAnalytics plays no part.
bool StoresZero(AggregationType type, bool zero_is_significant);

// True when analytics would drop this stored numeric value as an insignificant zero. DHIS2
// compares the stored text with '0' (`dv.value != '0'`), so only the exact text "0" is a zero here:
// "0.0" and "-0" are loaded whatever the setting.
bool AnalyticsDropsZero(AggregationType type, std::string_view stored_value,
                        bool zero_is_significant, bool include_zero_values_in_analytics);

}  // namespace dhl::dhis2
