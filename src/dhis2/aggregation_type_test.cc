// Cases come from dhis2-core @ 3f8c14a02b3b (paths under dhis-2/): AnalyticsAggregationTypeTest,
// QueryPlannerUtilsTest.testIsDisaggregation, AggregationType.java, AnalyticsAggregationType.java,
// JdbcAnalyticsManager.java and JdbcAnalyticsTableManager.populateTable; the rest are worked out
// by hand from those sources (see docs/aggregation.md).
#include "dhis2/aggregation_type.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace dhl::dhis2 {
namespace {

using T = AggregationType;

// DHIS2 frequency orders in days (the *PeriodType.FREQUENCY_ORDER constants).
constexpr int kDaily = 1;
constexpr int kWeekly = 7;
constexpr int kMonthly = 30;
constexpr int kQuarterly = 91;
constexpr int kSixMonthly = 182;
constexpr int kYearly = 365;

TEST(AggregationTypeTest, NamesRoundTripAndAreDistinct) {
  std::set<std::string_view> names;
  std::set<std::string_view> values;
  for (AggregationType type : kAllAggregationTypes) {
    Result<AggregationType> parsed = ParseAggregationType(AggregationTypeName(type));
    ASSERT_TRUE(parsed.ok()) << AggregationTypeName(type);
    EXPECT_EQ(*parsed, type);
    Result<AggregationType> from_value = ParseAggregationTypeValue(AggregationTypeValue(type));
    ASSERT_TRUE(from_value.ok()) << AggregationTypeValue(type);
    EXPECT_EQ(*from_value, type);
    names.insert(AggregationTypeName(type));
    values.insert(AggregationTypeValue(type));
  }
  EXPECT_EQ(names.size(), 21u);
  EXPECT_EQ(values.size(), 21u);
}

TEST(AggregationTypeTest, NamesAndValuesFromAggregationTypeJava) {
  EXPECT_EQ(AggregationTypeName(T::kAverageSumOrgUnit), "AVERAGE_SUM_ORG_UNIT");
  EXPECT_EQ(AggregationTypeValue(T::kAverage), "avg");
  EXPECT_EQ(AggregationTypeValue(T::kAverageSumOrgUnit), "avg_sum_org_unit");
  EXPECT_EQ(AggregationTypeValue(T::kLastInPeriod), "last_analytics_period");
  EXPECT_EQ(AggregationTypeValue(T::kLastInPeriodAverageOrgUnit),
            "last_analytics_period_avg_org_unit");
  EXPECT_EQ(AggregationTypeName(T::kMaxSumOrgUnit), "MAX_SUM_ORG_UNIT");
}

TEST(AggregationTypeTest, ParseIsExactForNamesAndCaseInsensitiveForValues) {
  EXPECT_FALSE(ParseAggregationType("sum").ok());
  EXPECT_FALSE(ParseAggregationType("SUM ").ok());
  EXPECT_FALSE(ParseAggregationType("").ok());
  Result<AggregationType> bad = ParseAggregationType("MEDIAN");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "\"MEDIAN\" is not a DHIS2 aggregation type");
  // AggregationType.fromValue uses equalsIgnoreCase.
  EXPECT_EQ(*ParseAggregationTypeValue("AVG"), T::kAverage);
  EXPECT_EQ(*ParseAggregationTypeValue("Last"), T::kLast);
  EXPECT_FALSE(ParseAggregationTypeValue("average").ok());
}

TEST(AggregationTypeTest, OnlyCustomAndDefaultAreNotAggregatable) {
  for (AggregationType type : kAllAggregationTypes) {
    EXPECT_EQ(IsAggregatable(type), type != T::kCustom && type != T::kDefault)
        << AggregationTypeName(type);
  }
}

struct PairCase {
  AggregationType type;
  AggregationType org_unit_rule;
  AggregationType time_rule;
  TimeSelection selection;
  bool ranks_across_org_units;
};

// AnalyticsAggregationTypeTest.verifyFromAggregationType for the 12 types it lists; the identity
// rows follow the `default -> of(aggregationType, aggregationType)` branch. The selections follow
// JdbcAnalyticsManager.getFromClause, the ranking partition getFirstOrLastValuePartitionColumns.
constexpr PairCase kPairs[] = {
    {T::kSum, T::kSum, T::kSum, TimeSelection::kAllInQueryPeriod, false},
    {T::kAverage, T::kAverage, T::kAverage, TimeSelection::kAllInQueryPeriod, false},
    {T::kAverageSumOrgUnit, T::kSum, T::kAverage, TimeSelection::kAllInQueryPeriod, false},
    {T::kLast, T::kSum, T::kLast, TimeSelection::kLatestWithLookBack, false},
    {T::kLastAverageOrgUnit, T::kAverage, T::kLast, TimeSelection::kLatestWithLookBack, false},
    {T::kLastLastOrgUnit, T::kLast, T::kLast, TimeSelection::kLatestWithLookBack, true},
    {T::kLastInPeriod, T::kSum, T::kLastInPeriod, TimeSelection::kLatestInQueryPeriod, false},
    {T::kLastInPeriodAverageOrgUnit, T::kAverage, T::kLastInPeriod,
     TimeSelection::kLatestInQueryPeriod, false},
    {T::kFirst, T::kSum, T::kFirst, TimeSelection::kEarliestWithLookBack, false},
    {T::kFirstAverageOrgUnit, T::kAverage, T::kFirst, TimeSelection::kEarliestWithLookBack, false},
    {T::kFirstFirstOrgUnit, T::kFirst, T::kFirst, TimeSelection::kEarliestWithLookBack, true},
    {T::kCount, T::kCount, T::kCount, TimeSelection::kAllInQueryPeriod, false},
    {T::kStddev, T::kStddev, T::kStddev, TimeSelection::kAllInQueryPeriod, false},
    {T::kVariance, T::kVariance, T::kVariance, TimeSelection::kAllInQueryPeriod, false},
    {T::kMin, T::kMin, T::kMin, TimeSelection::kAllInQueryPeriod, false},
    {T::kMax, T::kMax, T::kMax, TimeSelection::kAllInQueryPeriod, false},
    {T::kMinSumOrgUnit, T::kSum, T::kMin, TimeSelection::kMinOrMaxPerOrgUnit, false},
    {T::kMaxSumOrgUnit, T::kSum, T::kMax, TimeSelection::kMinOrMaxPerOrgUnit, false},
    {T::kNone, T::kNone, T::kNone, TimeSelection::kAllInQueryPeriod, false},
    {T::kCustom, T::kCustom, T::kCustom, TimeSelection::kAllInQueryPeriod, false},
    {T::kDefault, T::kDefault, T::kDefault, TimeSelection::kAllInQueryPeriod, false},
};

TEST(AggregationTypeTest, EveryTypeSplitsIntoOrgUnitAndTimeRules) {
  ASSERT_EQ(std::size(kPairs), kAllAggregationTypes.size());
  for (const PairCase& expected : kPairs) {
    SCOPED_TRACE(std::string(AggregationTypeName(expected.type)));
    const AnalyticsAggregation pair = ToAnalyticsAggregation(expected.type);
    EXPECT_EQ(pair.org_unit_rule, expected.org_unit_rule);
    EXPECT_EQ(pair.time_rule, expected.time_rule);
    EXPECT_EQ(GetTimeSelection(pair), expected.selection);
    EXPECT_EQ(RanksAcrossOrgUnits(pair), expected.ranks_across_org_units);
  }
}

TEST(AggregationTypeTest, LookBackIsTenYears) {
  // JdbcAnalyticsManager.LAST_VALUE_YEARS_OFFSET = -10.
  EXPECT_EQ(kFirstLastLookBackYears, 10);
}

TEST(AggregationTypeTest, MinMaxPerOrgUnitOnlyWhenRulesDiffer) {
  // isMinOrMaxInPeriodAggregationType: periodAggregationType != aggregationType.
  EXPECT_EQ(GetTimeSelection({T::kMin, T::kMin}), TimeSelection::kAllInQueryPeriod);
  EXPECT_EQ(GetTimeSelection({T::kAverage, T::kMax}), TimeSelection::kMinOrMaxPerOrgUnit);
}

TEST(AggregationTypeTest, SqlAggregateFunctionPerRule) {
  EXPECT_EQ(SqlAggregateFunction(T::kSum), "sum");
  EXPECT_EQ(SqlAggregateFunction(T::kAverage), "avg");
  EXPECT_EQ(SqlAggregateFunction(T::kCount), "count");
  EXPECT_EQ(SqlAggregateFunction(T::kStddev), "stddev_samp");
  EXPECT_EQ(SqlAggregateFunction(T::kVariance), "var_samp");
  EXPECT_EQ(SqlAggregateFunction(T::kMin), "min");
  EXPECT_EQ(SqlAggregateFunction(T::kMax), "max");
  // Ranked and other rules sum the single value left per cell.
  EXPECT_EQ(SqlAggregateFunction(T::kLast), "sum");
  EXPECT_EQ(SqlAggregateFunction(T::kFirst), "sum");
  EXPECT_EQ(SqlAggregateFunction(T::kLastInPeriod), "sum");
  EXPECT_EQ(SqlAggregateFunction(T::kNone), "sum");
}

TEST(AggregationTypeTest, AggregateValueSqlFollowsGetAggregateValueColumn) {
  const auto numeric = AnalyticsDataType::kNumeric;
  const auto boolean = AnalyticsDataType::kBoolean;
  const auto text = AnalyticsDataType::kText;
  // SUM + period AVERAGE, numeric: sum(daysxvalue) / days of the query period (January: 31).
  EXPECT_EQ(AggregateValueSql(ToAnalyticsAggregation(T::kAverageSumOrgUnit), numeric, 31),
            "sum(value_x_days) / 31");
  EXPECT_EQ(AggregateValueSql(ToAnalyticsAggregation(T::kAverage), numeric, 31), "avg(value)");
  EXPECT_EQ(AggregateValueSql(ToAnalyticsAggregation(T::kAverage), boolean, 31),
            "sum(value_x_days) / sum(days) * 100");
  EXPECT_EQ(AggregateValueSql(ToAnalyticsAggregation(T::kAverage), text, 31), "sum(value)");
  EXPECT_EQ(AggregateValueSql(ToAnalyticsAggregation(T::kSum), numeric, 31), "sum(value)");
  EXPECT_EQ(AggregateValueSql(ToAnalyticsAggregation(T::kCount), numeric, 31), "count(value)");
  EXPECT_EQ(AggregateValueSql(ToAnalyticsAggregation(T::kStddev), numeric, 31),
            "stddev_samp(value)");
  EXPECT_EQ(AggregateValueSql(ToAnalyticsAggregation(T::kVariance), numeric, 31),
            "var_samp(value)");
  EXPECT_EQ(AggregateValueSql(ToAnalyticsAggregation(T::kMin), numeric, 31), "min(value)");
  EXPECT_EQ(AggregateValueSql(ToAnalyticsAggregation(T::kMax), numeric, 31), "max(value)");
  EXPECT_EQ(AggregateValueSql(ToAnalyticsAggregation(T::kLast), numeric, 31), "sum(value)");
  EXPECT_EQ(AggregateValueSql(ToAnalyticsAggregation(T::kLastAverageOrgUnit), numeric, 31),
            "avg(value)");
  EXPECT_EQ(AggregateValueSql(ToAnalyticsAggregation(T::kMaxSumOrgUnit), numeric, 31),
            "sum(value)");
  // AVERAGE_SUM_ORG_UNIT on a boolean is not the numeric days formula.
  EXPECT_EQ(AggregateValueSql(ToAnalyticsAggregation(T::kAverageSumOrgUnit), boolean, 31),
            "sum(value)");
  AnalyticsColumns columns;
  columns.value = "v";
  columns.days = "d";
  columns.value_x_days = "vd";
  EXPECT_EQ(AggregateValueSql(ToAnalyticsAggregation(T::kAverageSumOrgUnit), numeric, 366, columns),
            "sum(vd) / 366");
}

TEST(AggregationTypeTest, AverageSumOrgUnitOfAYearlyPopulationIsTheSameInEveryMonth) {
  // Hand computation of what DHIS2 runs when a monthly query meets yearly AVERAGE_SUM_ORG_UNIT
  // data: the query is rewritten to the yearly period (replaceDataPeriodsWithAggregationPeriods),
  // so sum(daysxvalue) / days-of-2024 = 71 * 366 / 366 = 71, reported for every month.
  ASSERT_TRUE(IsDisaggregation(T::kAverageSumOrgUnit, kMonthly, kYearly, false));
  const double value = 71;
  const int days_2024 = 366;
  const double value_x_days = value * days_2024;
  EXPECT_DOUBLE_EQ(value_x_days / days_2024, 71.0);
  EXPECT_EQ(AggregateValueSql(ToAnalyticsAggregation(T::kAverageSumOrgUnit),
                              AnalyticsDataType::kNumeric, days_2024),
            "sum(value_x_days) / 366");
  // Two org units with 71 and 29: SUM across org units gives 100 in each month.
  EXPECT_DOUBLE_EQ((71.0 * days_2024 + 29.0 * days_2024) / days_2024, 100.0);
}

TEST(AggregationTypeTest, IsDisaggregationMatchesQueryPlannerUtilsTest) {
  const AnalyticsAggregation sum_avg{T::kSum, T::kAverage};
  const AnalyticsAggregation sum_sum{T::kSum, T::kSum};
  // QueryPlannerUtilsTest.testIsDisaggregation.
  EXPECT_TRUE(IsDisaggregation(sum_avg, kQuarterly, kYearly, false));
  EXPECT_TRUE(IsDisaggregation(sum_avg, kMonthly, kYearly, false));
  EXPECT_TRUE(IsDisaggregation(sum_avg, kYearly, kYearly, false));  // FinancialApril vs Yearly
  EXPECT_FALSE(IsDisaggregation(sum_sum, kQuarterly, kYearly, false));
  EXPECT_FALSE(IsDisaggregation(sum_sum, kMonthly, kYearly, false));
  EXPECT_FALSE(IsDisaggregation(sum_sum, kYearly, kYearly, false));  // FinancialApril vs Yearly
  EXPECT_FALSE(IsDisaggregation(sum_avg, kYearly, kQuarterly, false));
  EXPECT_FALSE(IsDisaggregation(sum_avg, kYearly, kYearly, true));
  EXPECT_FALSE(IsDisaggregation(sum_sum, kYearly, kYearly, true));
}

TEST(AggregationTypeTest, OnlyTimeRuleAverageDisaggregates) {
  for (AggregationType type : kAllAggregationTypes) {
    const bool average_in_time = type == T::kAverage || type == T::kAverageSumOrgUnit;
    EXPECT_EQ(IsDisaggregation(type, kWeekly, kMonthly, false), average_in_time)
        << AggregationTypeName(type);
    EXPECT_EQ(IsDisaggregation(type, kDaily, kSixMonthly, false), average_in_time);
    // Same frequency, different type (Weekly vs WeeklySunday).
    EXPECT_EQ(IsDisaggregation(type, kWeekly, kWeekly, false), average_in_time);
    // Longer query periods aggregate normally.
    EXPECT_FALSE(IsDisaggregation(type, kYearly, kMonthly, false));
    // Unknown period types (null in DHIS2).
    EXPECT_FALSE(IsDisaggregation(type, 0, kMonthly, false));
    EXPECT_FALSE(IsDisaggregation(type, kMonthly, 0, false));
  }
}

TEST(AggregationTypeTest, YearlyWeightedAverageForFinancialYears) {
  // FY2024April (base month 3) from Yearly 2024 = 120 and Yearly 2025 = 240:
  // 120 * 9/12 + 240 * 3/12 = 90 + 60 = 150.
  EXPECT_DOUBLE_EQ(YearlyWeightedAverage(120, 240, 3), 150.0);
  // FinancialJuly (6): an even mix.
  EXPECT_DOUBLE_EQ(YearlyWeightedAverage(100, 200, 6), 150.0);
  // Base month 0 keeps the first value.
  EXPECT_DOUBLE_EQ(YearlyWeightedAverage(100, 200, 0), 100.0);
}

TEST(AggregationTypeTest, KeepsZeroFollowsPopulateTable) {
  for (AggregationType type : kAllAggregationTypes) {
    const bool average = type == T::kAverage || type == T::kAverageSumOrgUnit;
    SCOPED_TRACE(std::string(AggregationTypeName(type)));
    EXPECT_EQ(KeepsZero(type, false, false), average);
    EXPECT_EQ(KeepsZero(type, true, false), average);  // the setting is off by default
    EXPECT_EQ(KeepsZero(type, false, true), average);
    EXPECT_TRUE(KeepsZero(type, true, true));
  }
}

// ValidationUtils.dataValueIsZeroAndInsignificant: a zero is stored for AVERAGE and
// AVERAGE_SUM_ORG_UNIT elements and for those whose zeros are significant, whatever the analytics
// setting.
TEST(AggregationTypeTest, StoresZeroFollowsDataValueIsZeroAndInsignificant) {
  for (AggregationType type : kAllAggregationTypes) {
    const bool average = type == T::kAverage || type == T::kAverageSumOrgUnit;
    SCOPED_TRACE(std::string(AggregationTypeName(type)));
    EXPECT_EQ(StoresZero(type, false), average);
    EXPECT_TRUE(StoresZero(type, true));
  }
}

TEST(AggregationTypeTest, OnlyTheExactTextZeroIsDropped) {
  // `dv.value != '0'` compares text.
  EXPECT_TRUE(AnalyticsDropsZero(T::kSum, "0", false, false));
  EXPECT_FALSE(AnalyticsDropsZero(T::kSum, "0.0", false, false));
  EXPECT_FALSE(AnalyticsDropsZero(T::kSum, "-0", false, false));
  EXPECT_FALSE(AnalyticsDropsZero(T::kSum, "5", false, false));
  EXPECT_FALSE(AnalyticsDropsZero(T::kAverage, "0", false, false));
  EXPECT_FALSE(AnalyticsDropsZero(T::kLast, "0", true, true));
  EXPECT_TRUE(AnalyticsDropsZero(T::kLast, "0", true, false));
}

TEST(AggregationTypeTest, AnalyticsDataTypeFollowsDataTypeFromValueType) {
  EXPECT_EQ(AnalyticsDataTypeOf(ValueType::kInteger), AnalyticsDataType::kNumeric);
  EXPECT_EQ(AnalyticsDataTypeOf(ValueType::kPercentage), AnalyticsDataType::kNumeric);
  EXPECT_EQ(AnalyticsDataTypeOf(ValueType::kTrueOnly), AnalyticsDataType::kBoolean);
  EXPECT_EQ(AnalyticsDataTypeOf(ValueType::kBoolean), AnalyticsDataType::kBoolean);
  EXPECT_EQ(AnalyticsDataTypeOf(ValueType::kDate), AnalyticsDataType::kText);
  EXPECT_EQ(AnalyticsDataTypeOf(ValueType::kText), AnalyticsDataType::kText);
  EXPECT_EQ(AnalyticsDataTypeOf(ValueType::kCoordinate), AnalyticsDataType::kText);
}

// Which cells of several option combos follow from each combo's published value and count: the
// partial sums of docs/gold_aggregate.md that add up across combos, and nothing else.
TEST(AggregationTypeTest, CombinationAcrossCombosOnlyWhereTheValuesCombine) {
  using C = ComboCombination;
  const auto numeric = AnalyticsDataType::kNumeric;
  const auto boolean = AnalyticsDataType::kBoolean;
  // Sums (SUM, COUNT, LAST and the other per-series winners summed), days-weighted sums.
  for (T type : {T::kSum, T::kCount, T::kLast, T::kFirst, T::kLastInPeriod, T::kAverageSumOrgUnit,
                 T::kCustom, T::kDefault}) {
    EXPECT_EQ(CombinationAcrossCombos(type, numeric, false), C::kSum) << AggregationTypeName(type);
  }
  // Means: AVERAGE and the *_AVERAGE_ORG_UNIT winners, weighted by their counts.
  for (T type : {T::kAverage, T::kLastAverageOrgUnit, T::kFirstAverageOrgUnit,
                 T::kLastInPeriodAverageOrgUnit}) {
    EXPECT_EQ(CombinationAcrossCombos(type, numeric, false), C::kMeanByCount)
        << AggregationTypeName(type);
  }
  EXPECT_EQ(CombinationAcrossCombos(T::kMin, numeric, false), C::kMin);
  EXPECT_EQ(CombinationAcrossCombos(T::kMax, numeric, false), C::kMax);
  // Not from the combos' values: sums of squares, raw agreement, one winner across units, each
  // unit's own extreme, percent of days, text.
  for (T type : {T::kStddev, T::kVariance, T::kNone, T::kLastLastOrgUnit, T::kFirstFirstOrgUnit,
                 T::kMinSumOrgUnit, T::kMaxSumOrgUnit}) {
    EXPECT_EQ(CombinationAcrossCombos(type, numeric, false), C::kNone) << AggregationTypeName(type);
  }
  EXPECT_EQ(CombinationAcrossCombos(T::kAverage, boolean, false), C::kNone);
  EXPECT_EQ(CombinationAcrossCombos(T::kSum, boolean, false), C::kSum);
  EXPECT_EQ(CombinationAcrossCombos(T::kSum, AnalyticsDataType::kText, false), C::kNone);
  // A time rule AVERAGE at a financial query type may weigh two data years: not combined; other
  // rules are.
  EXPECT_EQ(CombinationAcrossCombos(T::kAverageSumOrgUnit, numeric, true), C::kNone);
  EXPECT_EQ(CombinationAcrossCombos(T::kAverage, numeric, true), C::kNone);
  EXPECT_EQ(CombinationAcrossCombos(T::kSum, numeric, true), C::kSum);
  EXPECT_EQ(CombinationAcrossCombos(T::kLastAverageOrgUnit, numeric, true), C::kMeanByCount);
}

}  // namespace
}  // namespace dhl::dhis2
