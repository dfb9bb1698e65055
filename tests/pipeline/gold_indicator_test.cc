// gold.indicator_value (models/gold/indicator_value.sql, src/pipeline/indicator_generator.h) over
// hand-made silver and gold input tables; every expected figure is worked out by hand in the
// comment beside it from DHIS2's rule (DefaultExpressionService.getIndicatorValueObject:
// numerator x factor [x 365] / (denominator [x days]), SKIP_IF_ALL_VALUES_MISSING on each side).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "pipeline/indicator_generator.h"
#include "pipeline/model.h"
#include "pipeline/model_set.h"
#include "pipeline/pipeline_runner.h"
#include "pipeline/sql_subset_check.h"
#include "tests/pipeline/model_lake_fixture.h"

namespace dhl::pipeline {
namespace {

namespace fs = std::filesystem;

// ouNational1 (1) > ouDistrict1 (2) > ouFacilityA, ouFacilityB (3).
const char* kOrgUnits =
    "SELECT * FROM (VALUES "
    "('ouNational1', 1, 'ouNational1', NULL, NULL),"
    "('ouDistrict1', 2, 'ouNational1', 'ouDistrict1', NULL),"
    "('ouFacilityA', 3, 'ouNational1', 'ouDistrict1', 'ouFacilityA'),"
    "('ouFacilityB', 3, 'ouNational1', 'ouDistrict1', 'ouFacilityB')"
    ") AS t(uid, level, level1_uid, level2_uid, level3_uid)";

const char* kPeriods =
    "SELECT * FROM (VALUES "
    "('202401', 'Monthly', 31), ('202402', 'Monthly', 29), ('202403', 'Monthly', 31),"
    "('2024Q1', 'Quarterly', 91), ('2024', 'Yearly', 366), ('2024W2', 'Weekly', 7),"
    "('202306', 'Monthly', 30), ('2023', 'Yearly', 365), ('202312', 'Monthly', 31),"
    "('2023Q4', 'Quarterly', 92)"
    ") AS t(pe, period_type, days)";

class GoldIndicatorTest : public ModelLakeFixture {
 protected:
  void SetUp() override {
    ModelLakeFixture::SetUp();
    UseModels({"gold/indicator_value.sql"});
  }

  // Indicators: (uid, numerator, denominator, factor, annualized).
  void WriteIndicators(const std::string& rows) {
    Write("silver.indicator",
          "SELECT uid, numerator, denominator, CAST(factor AS DOUBLE) AS factor, annualized FROM "
          "(VALUES " +
              rows + ") AS t(uid, numerator, denominator, factor, annualized)");
  }

  // gold.aggregate rows: (de, coc, category, category_option, aoc, ou, pe, value).
  void WriteAggregate(const std::string& rows) {
    Write(
        "gold.aggregate",
        "SELECT de, coc, category, category_option, aoc, a.ou, o.level AS ou_level, a.pe, "
        "p.period_type, CAST(value AS DOUBLE) AS value, CAST(1 AS BIGINT) AS count FROM (VALUES " +
            rows + ") AS a(de, coc, category, category_option, aoc, ou, pe, value) JOIN (" +
            kOrgUnits + ") o ON o.uid = a.ou JOIN (" + kPeriods + ") p ON p.pe = a.pe");
  }

  // The inputs every test starts from (indicators and gold.aggregate are written by each test).
  void WriteInputs() {
    Write("silver.org_unit",
          std::string("SELECT uid, level, level1_uid, level2_uid, level3_uid, CAST(NULL AS "
                      "VARCHAR) AS level4_uid, CAST(NULL AS VARCHAR) AS level5_uid, CAST(NULL AS "
                      "VARCHAR) AS level6_uid, CAST(NULL AS VARCHAR) AS level7_uid, CAST(NULL AS "
                      "VARCHAR) AS level8_uid, CAST(NULL AS TIMESTAMPTZ) AS valid_to FROM (") +
              kOrgUnits +
              ") AS o UNION ALL SELECT 'ouFacilityA', 2, 'ouNational1', 'ouFacilityA', NULL, "
              "NULL, NULL, NULL, NULL, NULL, TIMESTAMPTZ '2020-01-01 00:00:00+00'");
    Write("silver.data_element",
          "SELECT * FROM (VALUES ('deAnc1Visit', 'SUM', 'INTEGER_ZERO_OR_POSITIVE'), "
          "('deAnc2Visit', 'SUM', 'INTEGER'), ('deZeroValue', 'SUM', 'NUMBER'), "
          "('deStockAvg1', 'AVERAGE', 'NUMBER')) AS t(uid, aggregation_type, value_type)");
    // Program indicators: piVisits001 at A 3 in January and 4 in February, at the district 7 in
    // January; piUnbuilt01 exists but has no value anywhere.
    Write("silver.program_indicator",
          "SELECT * FROM (VALUES ('piVisits001'), ('piUnbuilt01')) AS t(uid)");
    Write(
        "gold.program_indicator_value",
        "SELECT program_indicator, t.ou, o.level AS ou_level, t.pe, p.period_type, "
        "CAST(value AS DOUBLE) AS value FROM (VALUES ('piVisits001', 'ouFacilityA', '202401', 3), "
        "('piVisits001', 'ouFacilityA', '202402', 4), ('piVisits001', 'ouDistrict1', '202401', "
        "7)) AS t(program_indicator, ou, pe, value) JOIN (" +
            std::string(kOrgUnits) + ") o ON o.uid = t.ou JOIN (" + kPeriods +
            ") p ON p.pe = t.pe");
    // gold.analytics, one row per stored value (only subExpression() reads it): ANC 1st visits at
    // A in January 6 (cocFixed001) + 4 (cocOther001), in February 5; at B in January 20. ANC 2nd
    // visits at A in January 8. Stock (AVERAGE) at A in January 4 and 8, in February 10; at B in
    // January 3.
    Write("gold.analytics",
          "SELECT de, coc, 'HllvX50cXC0' AS aoc, ou, monthly AS pe, monthly, quarterly, yearly, "
          "CAST(value AS DOUBLE) AS value FROM (VALUES "
          "('deAnc1Visit', 'cocFixed001', 'ouFacilityA', '202401', '2024Q1', '2024', 6),"
          "('deAnc1Visit', 'cocOther001', 'ouFacilityA', '202401', '2024Q1', '2024', 4),"
          "('deAnc1Visit', 'cocFixed001', 'ouFacilityA', '202402', '2024Q1', '2024', 5),"
          "('deAnc1Visit', 'cocOther001', 'ouFacilityB', '202401', '2024Q1', '2024', 20),"
          "('deAnc2Visit', 'cocFixed001', 'ouFacilityA', '202401', '2024Q1', '2024', 8),"
          "('deStockAvg1', 'cocFixed001', 'ouFacilityA', '202401', '2024Q1', '2024', 4),"
          "('deStockAvg1', 'cocOther001', 'ouFacilityA', '202401', '2024Q1', '2024', 8),"
          "('deStockAvg1', 'cocFixed001', 'ouFacilityA', '202402', '2024Q1', '2024', 10),"
          "('deStockAvg1', 'cocFixed001', 'ouFacilityB', '202401', '2024Q1', '2024', 3)"
          ") AS t(de, coc, ou, monthly, quarterly, yearly, value)");
    Write("silver.data_set", "SELECT * FROM (VALUES ('dsMonthly01')) AS t(uid)");
    Write("silver.constant", "SELECT * FROM (VALUES ('constHalf01', 2.5)) AS t(uid, value)");
    Write("silver.org_unit_group_member",
          "SELECT * FROM (VALUES ('grpClinic01', 'ouFacilityA'), ('grpOther001', 'ouFacilityB')) "
          "AS t(group_uid, ou)");
    // dsMonthly01 in January: ouFacilityA reported (1 of 1), the district 1 of 2.
    Write("gold.reporting_rate",
          "SELECT * FROM (VALUES "
          "('dsMonthly01', 'ouFacilityA', 3, '202401', 'Monthly', 1.0, 1.0, 1.0, 100.0, 100.0),"
          "('dsMonthly01', 'ouFacilityB', 3, '202401', 'Monthly', 1.0, 0.0, 0.0, 0.0, 0.0),"
          "('dsMonthly01', 'ouDistrict1', 2, '202401', 'Monthly', 2.0, 1.0, 0.0, 50.0, 0.0)"
          ") AS t(data_set, ou, ou_level, pe, period_type, expected, actual, actual_on_time, "
          "rate, rate_on_time)");
  }

  Result<RunSummary> Run() { return ModelLakeFixture::Run(*catalog_, /*full=*/true); }

  // The value of one indicator at one cell, nullopt when there is no row.
  std::optional<double> Value(const std::string& indicator, const std::string& ou,
                              const std::string& pe, const std::string& column = "value") {
    return OneValue("gold.indicator_value", column,
                    "indicator = '" + indicator + "' AND ou = '" + ou + "' AND pe = '" + pe + "'");
  }

  int64_t Count(const std::string& where) { return CountWhere("gold.indicator_value", where); }
};

constexpr double kTolerance = 1e-9;

// gold.aggregate for most tests: ANC 1st visits (deAnc1Visit) at A 10, B 20 in January (the
// district and the nation 30), A 5 in February, A 40 in the quarter and in 2024, A 12 in 2023;
// ANC 2nd visits (deAnc2Visit) at A 8 in January only; deZeroValue 0 at A in January. Operands at A
// in January: coc cocFixed001 4, attribute combo aocDonor001 6 (coc cocFixed001 and aocDonor001:
// 3); a per category option row (999) and a Weekly row (77) that no item may read.
const char* kAggregate =
    "('deAnc1Visit', NULL, NULL, NULL, NULL, 'ouFacilityA', '202401', 10),"
    "('deAnc1Visit', NULL, NULL, NULL, NULL, 'ouFacilityB', '202401', 20),"
    "('deAnc1Visit', NULL, NULL, NULL, NULL, 'ouDistrict1', '202401', 30),"
    "('deAnc1Visit', NULL, NULL, NULL, NULL, 'ouNational1', '202401', 30),"
    "('deAnc1Visit', NULL, NULL, NULL, NULL, 'ouFacilityA', '202402', 5),"
    "('deAnc1Visit', NULL, NULL, NULL, NULL, 'ouFacilityA', '2024Q1', 40),"
    "('deAnc1Visit', NULL, NULL, NULL, NULL, 'ouFacilityA', '2024', 40),"
    "('deAnc1Visit', NULL, NULL, NULL, NULL, 'ouFacilityA', '2023', 12),"
    "('deAnc1Visit', NULL, NULL, NULL, NULL, 'ouFacilityA', '2024W2', 77),"
    "('deAnc1Visit', 'cocFixed001', NULL, NULL, NULL, 'ouFacilityA', '202401', 4),"
    "('deAnc1Visit', NULL, NULL, NULL, 'aocDonor001', 'ouFacilityA', '202401', 6),"
    "('deAnc1Visit', 'cocFixed001', NULL, NULL, 'aocDonor001', 'ouFacilityA', '202401', 3),"
    "('deAnc1Visit', NULL, 'catLocation', 'optFixed001', NULL, 'ouFacilityA', '202401', 999),"
    "('deAnc2Visit', NULL, NULL, NULL, NULL, 'ouFacilityA', '202401', 8),"
    "('deZeroValue', NULL, NULL, NULL, NULL, 'ouFacilityA', '202401', 0)";

TEST_F(GoldIndicatorTest, ModelFileStaysInTheSharedSqlSubset) {
  auto violations = CheckSharedSubset(ReadModel("gold/indicator_value.sql"));
  EXPECT_TRUE(violations.empty()) << violations.front().message;
}

// Factors, operands, constants, [days] and missing values by hand:
// tests/sql/gold/indicator_value.test.

TEST_F(GoldIndicatorTest, AnnualisationAndReferenceDataByHand) {
  WriteInputs();
  WriteAggregate(kAggregate);
  // Yearly Expected pregnancies as reference data: A 1000 and B 500 in 2024, A 600 in 2023. A
  // monthly target at A: 31 in January and 29 in February 2024.
  Write("ref.population",
        "SELECT * FROM (VALUES ('popExpPreg1', 'ouFacilityA', '2024', 1000),"
        "('popExpPreg1', 'ouFacilityB', '2024', 500), ('popExpPreg1', 'ouFacilityA', '2023', 600))"
        " AS t(item, ou, pe, value)");
  Write("ref.target",
        "SELECT * FROM (VALUES ('tgtMonthly1', 'ouFacilityA', 202401, 31),"
        "('tgtMonthly1', 'ouFacilityA', 202402, 29)) AS t(item, ou, pe, value)");
  WriteIndicators(
      "('indCoverage', '#{deAnc1Visit}', '#{popExpPreg1}', 100, true),"
      "('indTarget01', '#{tgtMonthly1}', '1', 1, false),"
      "('indPopOnly1', '#{popExpPreg1}', '1', 1, false)");
  auto summary = Run();
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->ok()) << summary->ToString();

  // Monthly: 10 / 1000 x 100 x 365 / 31 = 11.7741935...; the yearly population serves the month.
  EXPECT_NEAR(*Value("indCoverage", "ouFacilityA", "202401"), 10.0 / 1000 * 100 * 365 / 31,
              kTolerance);
  EXPECT_NEAR(*Value("indCoverage", "ouFacilityA", "202401", "multiplier"), 36500, kTolerance);
  EXPECT_NEAR(*Value("indCoverage", "ouFacilityA", "202401", "divisor"), 31, kTolerance);
  // February (29 days): 5 / 1000 x 100 x 365 / 29 = 6.2931034...
  EXPECT_NEAR(*Value("indCoverage", "ouFacilityA", "202402"), 5.0 / 1000 * 100 * 365 / 29,
              kTolerance);
  // The district sums its facilities' populations: 30 / 1500 x 100 x 365 / 31 = 23.548387...
  EXPECT_NEAR(*Value("indCoverage", "ouDistrict1", "202401"), 30.0 / 1500 * 100 * 365 / 31,
              kTolerance);
  // Quarterly: 40 / 1000 x 100 x 365 / 91 = 16.043956...
  EXPECT_NEAR(*Value("indCoverage", "ouFacilityA", "2024Q1"), 40.0 / 1000 * 100 * 365 / 91,
              kTolerance);
  // Yearly, leap year: 40 / 1000 x 100 x 365 / 366 = 3.989071...; 2023: 12 / 600 x 100 x 1 = 2.
  EXPECT_NEAR(*Value("indCoverage", "ouFacilityA", "2024"), 40.0 / 1000 * 100 * 365 / 366,
              kTolerance);
  EXPECT_NEAR(*Value("indCoverage", "ouFacilityA", "2023"), 2, kTolerance);
  // Monthly reference values averaged by days over longer periods (AVERAGE_SUM_ORG_UNIT):
  // the quarter (31 x 31 + 29 x 29) / 91 = 19.802197..., the year (961 + 841) / 366; a month its
  // own.
  EXPECT_NEAR(*Value("indTarget01", "ouFacilityA", "202402"), 29, kTolerance);
  EXPECT_NEAR(*Value("indTarget01", "ouFacilityA", "2024Q1"), (31.0 * 31 + 29 * 29) / 91,
              kTolerance);
  EXPECT_NEAR(*Value("indTarget01", "ouFacilityA", "2024"), (31.0 * 31 + 29 * 29) / 366,
              kTolerance);
  // Reference data makes cells of its own: B has no data in the quarter, its population does.
  EXPECT_NEAR(*Value("indPopOnly1", "ouFacilityB", "2024Q1"), 500, kTolerance);
  EXPECT_NEAR(*Value("indPopOnly1", "ouNational1", "202402"), 1500, kTolerance);
  // Cells are in the periods the data has: no March (nothing holds 202403), no 2024 months beyond.
  EXPECT_FALSE(Value("indPopOnly1", "ouFacilityA", "202403"));
}

TEST_F(GoldIndicatorTest, ReportingRatesAndGroupCountsByHand) {
  WriteInputs();
  WriteAggregate(kAggregate);
  WriteIndicators(
      "('indRate0001', 'R{dsMonthly01.REPORTING_RATE}', '1', 1, false),"
      "('indActExp01', 'R{dsMonthly01.ACTUAL_REPORTS}', 'R{dsMonthly01.EXPECTED_REPORTS}', 100, "
      "false),"
      "('indOnTime01', 'R{dsMonthly01.ACTUAL_REPORTS_ON_TIME}', '1', 1, false),"
      "('indPerClin1', '#{deAnc1Visit}', 'OUG{grpClinic01}', 1, false)");
  auto summary = Run();
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->ok()) << summary->ToString();
  EXPECT_NEAR(*Value("indRate0001", "ouFacilityA", "202401"), 100, kTolerance);
  EXPECT_NEAR(*Value("indRate0001", "ouDistrict1", "202401"), 50, kTolerance);
  // B reported nothing: rate 0 is a value, not a missing one.
  EXPECT_NEAR(*Value("indRate0001", "ouFacilityB", "202401"), 0, kTolerance);
  EXPECT_NEAR(*Value("indActExp01", "ouDistrict1", "202401"), 1.0 / 2 * 100, kTolerance);
  EXPECT_NEAR(*Value("indOnTime01", "ouDistrict1", "202401"), 0, kTolerance);
  // OUG: the clinic group has A only: A 10 / 1, the district 30 / 1, the nation 30 / 1; B has no
  // member in its subtree (0): division by zero, no row.
  EXPECT_NEAR(*Value("indPerClin1", "ouFacilityA", "202401"), 10, kTolerance);
  EXPECT_NEAR(*Value("indPerClin1", "ouDistrict1", "202401"), 30, kTolerance);
  EXPECT_FALSE(Value("indPerClin1", "ouFacilityB", "202401"));
}

TEST_F(GoldIndicatorTest, UnsupportedIndicatorsAreLeftOutWithTheirReason) {
  WriteInputs();
  WriteAggregate(kAggregate);
  WriteIndicators(
      "('indPlain001', '#{deAnc1Visit}', '1', 1, false),"
      "('indCycleA01', 'N{indCycleB01}', '1', 1, false),"
      "('indCycleB01', 'N{indCycleA01} + 1', '1', 1, false),"
      "('indYtd00001', '#{deAnc1Visit}.yearToDate()', '1', 1, false),"
      "('indUnknown1', '#{deUnknown01}', '1', 1, false),"
      "('indProgram1', 'I{progInd0001}', '1', 1, false),"
      "('indNoType01', '#{deAnc1Visit}', '1', NULL, false),"
      "('indNoDs0001', 'R{dsUnknown01.REPORTING_RATE}', '1', 1, false),"
      "('indNoConst1', 'C{constNone01}', '#{deAnc1Visit}', 1, false),"
      "('indSyntax01', '#{deAnc1Visit} +', '1', 1, false)");
  auto summary = Run();
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->ok()) << summary->ToString();
  ASSERT_EQ(summary->models.size(), 1u);
  const std::vector<std::string>& warnings = summary->models[0].warnings;
  std::string all;
  for (const std::string& warning : warnings) all += warning + "\n";
  EXPECT_EQ(warnings.size(), 9u) << all;
  for (const char* expected :
       {"indicator indCycleA01: ", "indicator indCycleB01: ", "indicator indYtd00001: ",
        "indicator indUnknown1: ", "indicator indProgram1: ",
        "indicator indNoType01: no indicator type",
        "indicator indNoDs0001: ", "indicator indNoConst1: ", "indicator indSyntax01: "}) {
    EXPECT_NE(all.find(expected), std::string::npos) << expected << " not in\n" << all;
  }
  EXPECT_NE(all.find("deUnknown01"), std::string::npos) << all;
  EXPECT_NE(all.find("yearToDate"), std::string::npos) << all;
  EXPECT_NE(all.find("I{progInd0001} at character 0: no such program indicator"), std::string::npos)
      << all;
  // A cycle names its chain, from the indicator computed.
  EXPECT_NE(all.find("indicator indCycleA01: numerator: expression \"N{indCycleB01}\": "
                     "N{indCycleB01} at character 0: expression \"N{indCycleA01} + 1\": "
                     "N{indCycleA01} at character 0: indicators refer to each other in a cycle: "
                     "N{indCycleA01} -> N{indCycleB01} -> N{indCycleA01}"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("cycle: N{indCycleB01} -> N{indCycleA01} -> N{indCycleB01}"),
            std::string::npos)
      << all;
  EXPECT_NE(summary->ToString().find("warning: indicator indCycleA01"), std::string::npos);
  // ops.expression_status: one row per indicator, the refused ones with the character.
  EXPECT_EQ(summary->expressions_computed, 1);
  EXPECT_EQ(summary->expressions_refused, 9);
  ASSERT_TRUE(catalog_->Register(*connection_, lake::TableName{"ops", "expression_status"}).ok());
  auto statuses = connection_->Query(
      "SELECT uid, status, CAST(position AS BIGINT), reason FROM ops.expression_status WHERE "
      "object_type = 'indicator' ORDER BY uid");
  ASSERT_TRUE(statuses.ok()) << statuses.status().ToString();
  ASSERT_EQ(statuses->row_count(), 10u);
  std::map<std::string, std::pair<std::string, std::optional<int64_t>>> by_uid;
  for (size_t row = 0; row < statuses->row_count(); ++row) {
    by_uid[*statuses->GetString(0, row)] = {*statuses->GetString(1, row),
                                            statuses->GetInt64(2, row)};
  }
  EXPECT_EQ(by_uid["indPlain001"].first, "computed");
  EXPECT_FALSE(by_uid["indPlain001"].second);
  EXPECT_EQ(by_uid["indCycleB01"].first, "refused");
  EXPECT_EQ(by_uid["indCycleB01"].second, 0);
  // '#{deAnc1Visit} +' (16 characters) ends where an operand is due: character 16.
  EXPECT_EQ(by_uid["indSyntax01"].second, 16);
  EXPECT_EQ(by_uid["indYtd00001"].second, 0);
  EXPECT_FALSE(by_uid["indNoType01"].second);
  // The compilable one is still computed.
  EXPECT_NEAR(*Value("indPlain001", "ouFacilityA", "202401"), 10, kTolerance);
  EXPECT_EQ(Count("indicator <> 'indPlain001'"), 0);
}

// .periodOffset(n) (dhis2-core PeriodType.getShiftedPeriod via QueryModifiers.periodOffset):
// the item's value n periods of the cell's own type away, across year boundaries and for each
// period type; offsets on a group apply to every item inside and add up.
TEST_F(GoldIndicatorTest, PeriodOffsetsByHand) {
  WriteInputs();
  // ANC 1 at A: 202312 7, 202401 10, 202402 5; 2023Q4 9, 2024Q1 40; 2023 12, 2024 40.
  WriteAggregate(std::string(kAggregate) +
                 ", ('deAnc1Visit', NULL, NULL, NULL, NULL, 'ouFacilityA', '202312', 7)"
                 ", ('deAnc1Visit', NULL, NULL, NULL, NULL, 'ouFacilityA', '2023Q4', 9)");
  WriteIndicators(
      "('indPrevious', '#{deAnc1Visit}.periodOffset(-1)', '1', 1, false),"
      "('indGrowth01', '#{deAnc1Visit} - #{deAnc1Visit}.periodOffset(-1)', "
      "'#{deAnc1Visit}.periodOffset(-1)', 100, false),"
      "('indTwoBack1', '(#{deAnc1Visit} + #{deAnc2Visit}).periodOffset(-1).periodOffset(-1)', '1', "
      "1, false),"
      "('indNext0001', '#{deAnc1Visit}.periodOffset(1)', '1', 1, false),"
      "('indRateBack', 'R{dsMonthly01.REPORTING_RATE}.periodOffset(-1)', '1', 1, false)");
  auto summary = Run();
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->ok()) << summary->ToString();
  EXPECT_EQ(summary->expressions_refused, 0) << summary->ToString();
  // Across the year boundary: 202401 reads 202312 (7), 202402 reads 202401 (10); 202312 reads
  // 202311, which has nothing: no row.
  EXPECT_NEAR(*Value("indPrevious", "ouFacilityA", "202401"), 7, kTolerance);
  EXPECT_NEAR(*Value("indPrevious", "ouFacilityA", "202402"), 10, kTolerance);
  EXPECT_FALSE(Value("indPrevious", "ouFacilityA", "202312"));
  // Each period type shifts by its own periods: 2024Q1 reads 2023Q4 (9), 2024 reads 2023 (12).
  EXPECT_NEAR(*Value("indPrevious", "ouFacilityA", "2024Q1"), 9, kTolerance);
  EXPECT_NEAR(*Value("indPrevious", "ouFacilityA", "2024"), 12, kTolerance);
  // B in January: no December value, its only item: no row.
  EXPECT_FALSE(Value("indPrevious", "ouFacilityB", "202401"));
  // Growth: (10 - 7) / 7 x 100 = 42.857..., (5 - 10) / 10 x 100 = -50, quarter (40 - 9) / 9 x 100
  // = 344.44..., year (40 - 12) / 12 x 100 = 233.33...
  EXPECT_NEAR(*Value("indGrowth01", "ouFacilityA", "202401"), 300.0 / 7, kTolerance);
  EXPECT_NEAR(*Value("indGrowth01", "ouFacilityA", "202402"), -50, kTolerance);
  EXPECT_NEAR(*Value("indGrowth01", "ouFacilityA", "2024Q1"), 3100.0 / 9, kTolerance);
  EXPECT_NEAR(*Value("indGrowth01", "ouFacilityA", "2024"), 2800.0 / 12, kTolerance);
  // Two offsets of -1 on a group: both items two months back; 202402 reads 202312: ANC 1 7,
  // ANC 2 missing (0).
  EXPECT_NEAR(*Value("indTwoBack1", "ouFacilityA", "202402"), 7, kTolerance);
  EXPECT_FALSE(Value("indTwoBack1", "ouFacilityA", "202401"));
  // Forward: 202312 reads 202401 (10), 2023Q4 reads 2024Q1 (40), 2023 reads 2024 (40).
  EXPECT_NEAR(*Value("indNext0001", "ouFacilityA", "202312"), 10, kTolerance);
  EXPECT_NEAR(*Value("indNext0001", "ouFacilityA", "2023Q4"), 40, kTolerance);
  EXPECT_NEAR(*Value("indNext0001", "ouFacilityA", "2023"), 40, kTolerance);
  // Reporting rates shift too: February reads January's 100 at A and 50 at the district.
  EXPECT_NEAR(*Value("indRateBack", "ouFacilityA", "202402"), 100, kTolerance);
  EXPECT_FALSE(Value("indRateBack", "ouFacilityA", "202401"));
}

// N{indicator} (dhis2-core's ItemIndicator: the nested indicator's value for the same org unit
// and period, with its own factor and annualisation; missing counts as a missing item).
TEST_F(GoldIndicatorTest, NestedIndicatorsByHand) {
  WriteInputs();
  WriteAggregate(kAggregate);
  WriteIndicators(
      "('indPlain001', '#{deAnc1Visit}', '1', 1, false),"
      "('indPercent1', '#{deAnc2Visit}', '#{deAnc1Visit}', 100, false),"
      "('indNested01', 'N{indPercent1} + N{indPlain001}', '1', 1, false),"
      "('indChain001', 'N{indNested01} * 2', '1', 1, false),"
      "('indAnnual01', '#{deAnc1Visit}', '1', 1, true),"
      "('indNestAnn1', 'N{indAnnual01}', '2', 1, false),"
      "('indDivZero1', '#{deAnc1Visit}', '#{deZeroValue}', 1, false),"
      "('indNestZero', 'N{indDivZero1}', '1', 1, false),"
      "('indSelf0001', 'N{indSelf0001}', '1', 1, false)");
  auto summary = Run();
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->ok()) << summary->ToString();
  // A in January: ANC 2 / ANC 1 x 100 = 8 / 10 x 100 = 80, plus 10: 90; twice that: 180.
  EXPECT_NEAR(*Value("indNested01", "ouFacilityA", "202401"), 90, kTolerance);
  EXPECT_NEAR(*Value("indChain001", "ouFacilityA", "202401"), 180, kTolerance);
  // A in February: indPercent1 has no value (no ANC 2), which counts 0: 0 + 5 = 5; 10 for the
  // chain.
  EXPECT_NEAR(*Value("indNested01", "ouFacilityA", "202402"), 5, kTolerance);
  EXPECT_NEAR(*Value("indChain001", "ouFacilityA", "202402"), 10, kTolerance);
  // The nested indicator keeps its annualisation: 10 x 365 / 31 = 117.74..., halved: 58.87...
  EXPECT_NEAR(*Value("indNestAnn1", "ouFacilityA", "202401"), 10.0 * 365 / 31 / 2, kTolerance);
  // A nested indicator dividing by 0 has no value: its only item missing, no row.
  EXPECT_EQ(Count("indicator = 'indNestZero'"), 0);
  // Itself: a cycle of one.
  EXPECT_EQ(summary->expressions_refused, 1) << summary->ToString();
  EXPECT_NE(summary->ToString().find("cycle: N{indSelf0001} -> N{indSelf0001}"), std::string::npos)
      << summary->ToString();
}

// subExpression(...) (dhis2-core JdbcSubexpressionQueryGenerator): evaluated per source org unit
// and cell period on its items aggregated within the unit (over categories and the data periods
// of the cell, by the element's time rule), rows where it is NULL dropped, the rest summed up the
// hierarchy; the value then counts like an item of the outer expression.
TEST_F(GoldIndicatorTest, SubexpressionsPerSourceOrgUnitByHand) {
  WriteInputs();
  WriteAggregate(kAggregate);
  WriteIndicators(
      "('indHighCnt1', 'subExpression(if(#{deAnc1Visit} > 9, 1, 0))', '1', 1, false),"
      "('indPlainHi1', 'if(#{deAnc1Visit} > 9, 1, 0)', '1', 1, false),"
      "('indRatio001', 'subExpression(#{deAnc1Visit} / #{deAnc2Visit})', '1', 1, false),"
      "('indOperand1', 'subExpression(#{deAnc1Visit.cocFixed001})', '1', 1, false),"
      "('indAvgStock', 'subExpression(#{deStockAvg1})', '1', 1, false),"
      "('indConstMul', 'subExpression(#{deAnc1Visit} * C{constHalf01})', '1', 1, false),"
      "('indMixed001', 'subExpression(if(#{deAnc1Visit} > 9, 1, 0)) + #{deAnc2Visit}', '1', 1, "
      "false),"
      "('indSubRate1', 'subExpression(R{dsMonthly01.REPORTING_RATE})', '1', 1, false),"
      "('indSubConst', 'subExpression(C{constHalf01})', '1', 1, false)");
  auto summary = Run();
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->ok()) << summary->ToString();
  // Facilities over 9 visits: in January A (10) and B (20) each count 1, the district 2, the
  // nation 2; the plain expression tests the district's total instead (30 > 9: 1).
  EXPECT_NEAR(*Value("indHighCnt1", "ouFacilityA", "202401"), 1, kTolerance);
  EXPECT_NEAR(*Value("indHighCnt1", "ouFacilityB", "202401"), 1, kTolerance);
  EXPECT_NEAR(*Value("indHighCnt1", "ouDistrict1", "202401"), 2, kTolerance);
  EXPECT_NEAR(*Value("indHighCnt1", "ouNational1", "202401"), 2, kTolerance);
  EXPECT_NEAR(*Value("indPlainHi1", "ouDistrict1", "202401"), 1, kTolerance);
  // February: A 5 is not over 9: 0 is a value (not NULL), so the district has 0; B has nothing.
  EXPECT_NEAR(*Value("indHighCnt1", "ouFacilityA", "202402"), 0, kTolerance);
  EXPECT_NEAR(*Value("indHighCnt1", "ouDistrict1", "202402"), 0, kTolerance);
  // The quarter sums each unit's months first: A 15 and B 20, both over 9.
  EXPECT_NEAR(*Value("indHighCnt1", "ouDistrict1", "2024Q1"), 2, kTolerance);
  EXPECT_NEAR(*Value("indHighCnt1", "ouNational1", "2024"), 2, kTolerance);
  // A ratio per facility: A 10 / 8 = 1.25; B has no ANC 2 (NULL: dropped), so the district's sum
  // is A's alone, and B has no row; in February A has no ANC 2 either: no row anywhere.
  EXPECT_NEAR(*Value("indRatio001", "ouFacilityA", "202401"), 1.25, kTolerance);
  EXPECT_NEAR(*Value("indRatio001", "ouDistrict1", "202401"), 1.25, kTolerance);
  EXPECT_FALSE(Value("indRatio001", "ouFacilityB", "202401"));
  EXPECT_FALSE(Value("indRatio001", "ouDistrict1", "202402"));
  // An operand reads its option combo only: A's 6 in January, B has none (NULL, dropped).
  EXPECT_NEAR(*Value("indOperand1", "ouDistrict1", "202401"), 6, kTolerance);
  EXPECT_FALSE(Value("indOperand1", "ouFacilityB", "202401"));
  // AVERAGE averages within the unit over categories and months: A in January (4 + 8) / 2 = 6,
  // in the quarter (4 + 8 + 10) / 3; the district sums its units: January 6 + 3, the quarter
  // 22 / 3 + 3.
  EXPECT_NEAR(*Value("indAvgStock", "ouFacilityA", "202401"), 6, kTolerance);
  EXPECT_NEAR(*Value("indAvgStock", "ouFacilityA", "2024Q1"), 22.0 / 3, kTolerance);
  EXPECT_NEAR(*Value("indAvgStock", "ouDistrict1", "202401"), 9, kTolerance);
  EXPECT_NEAR(*Value("indAvgStock", "ouDistrict1", "2024Q1"), 22.0 / 3 + 3, kTolerance);
  // A constant inside: (10 + 20) x 2.5 = 75 at the district.
  EXPECT_NEAR(*Value("indConstMul", "ouDistrict1", "202401"), 75, kTolerance);
  // Outside, the subexpression is one more item: 2 facilities + 8 ANC 2 (gold.aggregate at the
  // district holds no ANC 2; A does: 8); at the district 2 + 0 (missing ANC 2 counts 0).
  EXPECT_NEAR(*Value("indMixed001", "ouFacilityA", "202401"), 1 + 8, kTolerance);
  EXPECT_NEAR(*Value("indMixed001", "ouDistrict1", "202401"), 2, kTolerance);
  // What DHIS2 refuses inside a subexpression is refused, naming the reason.
  EXPECT_EQ(summary->expressions_refused, 2) << summary->ToString();
  std::string all = summary->ToString();
  EXPECT_NE(all.find("indicator indSubRate1: numerator: expression "
                     "\"subExpression(R{dsMonthly01.REPORTING_RATE})\": subExpression() at "
                     "character 0: "),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("may hold data elements, operands and constants only"), std::string::npos)
      << all;
  EXPECT_NE(all.find("must hold at least one data element"), std::string::npos) << all;
}

// I{programIndicator} (dhis2-core ItemProgramIndicator): the program indicator's value for the org
// unit and period from gold.program_indicator_value; counted like any item.
TEST_F(GoldIndicatorTest, ProgramIndicatorItemsByHand) {
  WriteInputs();
  WriteAggregate(kAggregate);
  WriteIndicators(
      "('indPiShare1', 'I{piVisits001}', '#{deAnc1Visit}', 100, false),"
      "('indPiPrev01', 'I{piVisits001}.periodOffset(-1)', '1', 1, false),"
      "('indPiEmpty1', 'I{piUnbuilt01} + #{deAnc2Visit}', '1', 1, false)");
  auto summary = Run();
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->ok()) << summary->ToString();
  EXPECT_EQ(summary->expressions_refused, 0) << summary->ToString();
  // A in January 3 / 10 x 100 = 30, in February 4 / 5 x 100 = 80; the district 7 / 30 x 100.
  EXPECT_NEAR(*Value("indPiShare1", "ouFacilityA", "202401"), 30, kTolerance);
  EXPECT_NEAR(*Value("indPiShare1", "ouFacilityA", "202402"), 80, kTolerance);
  EXPECT_NEAR(*Value("indPiShare1", "ouDistrict1", "202401"), 700.0 / 30, kTolerance);
  // B has ANC visits but no program indicator value: 0 / 20.
  EXPECT_NEAR(*Value("indPiShare1", "ouFacilityB", "202401"), 0, kTolerance);
  // February reads January's 3.
  EXPECT_NEAR(*Value("indPiPrev01", "ouFacilityA", "202402"), 3, kTolerance);
  // A program indicator without values counts as missing (0 beside ANC 2's 8).
  EXPECT_NEAR(*Value("indPiEmpty1", "ouFacilityA", "202401"), 8, kTolerance);
}

TEST_F(GoldIndicatorTest, ConfiguredPeriodTypes) {
  IndicatorParameters parameters;
  GeneratorSettings bad;
  bad.indicator.period_types = {"Fortnightly"};
  EXPECT_FALSE(ValidateSettings(bad).ok());
  bad.indicator.period_types = {};
  EXPECT_FALSE(ValidateSettings(bad).ok());
  parameters.period_types = {"Monthly", "Weekly"};
  run_options_.settings.indicator = parameters;
  WriteInputs();
  WriteAggregate(kAggregate);
  WriteIndicators("('indPlain001', '#{deAnc1Visit}', '1', 1, false)");
  auto summary = Run();
  ASSERT_TRUE(summary.ok() && summary->ok());
  EXPECT_NEAR(*Value("indPlain001", "ouFacilityA", "2024W2"), 77, kTolerance);
  EXPECT_EQ(Count("period_type NOT IN ('Monthly', 'Weekly')"), 0);
}

// `depends_on: ref.*`: a reference table imported after the last run is a new input, so the next
// (incremental) run recomputes the model and its items serve.
TEST_F(GoldIndicatorTest, NewReferenceTableIsANewInput) {
  WriteInputs();
  WriteAggregate(kAggregate);
  WriteIndicators("('indCoverage', '#{deAnc1Visit}', '#{popExpPreg1}', 100, false)");
  RunOptions options;
  auto first = RunPipeline(*catalog_, *connection_, *models_, options);
  ASSERT_TRUE(first.ok() && first->ok());
  EXPECT_EQ(Count("TRUE"), 0);  // no population yet: the indicator is left out
  ASSERT_EQ(first->models[0].warnings.size(), 1u);
  auto unchanged = RunPipeline(*catalog_, *connection_, *models_, options);
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(unchanged->models[0].status, ModelStatus::kUnchanged);
  Write("ref.population",
        "SELECT * FROM (VALUES ('popExpPreg1', 'ouFacilityA', '2024', 1000)) AS t(item, ou, pe, "
        "value)");
  auto second = RunPipeline(*catalog_, *connection_, *models_, options);
  ASSERT_TRUE(second.ok() && second->ok()) << second->ToString();
  EXPECT_EQ(second->models[0].status, ModelStatus::kSucceeded);
  EXPECT_NEAR(*Value("indCoverage", "ouFacilityA", "202401"), 10.0 / 1000 * 100, kTolerance);
}

// gold.indicator_value is partitioned by the year its cell's period ends in, as gold.aggregate:
// year Y reads the partition inputs' years Y - n .. Y + m for offsets -n .. m
// (IndicatorValueWindow), so a change in year C recomputes C - m .. C + n alone.
TEST_F(GoldIndicatorTest, IndicatorValuesRecomputeOnlyTheYearsTheirOffsetsReach) {
  IndicatorInputs inputs;
  inputs.period_types = {dhis2::PeriodType::kMonthly, dhis2::PeriodType::kQuarterly};
  inputs.data_elements = {"deAnc1Visit"};
  inputs.data_sets = {"dsMonthly01"};
  auto window = [&](const std::string& numerator) {
    inputs.indicators = {IndicatorDefinition{"ind", numerator, "1", 1.0, false}};
    auto computed = IndicatorValueWindow(inputs);
    EXPECT_TRUE(computed.ok()) << computed.status().ToString();
    return computed.ok() ? *computed : std::pair<int, int>(99, 99);
  };
  EXPECT_EQ(window("#{deAnc1Visit}"), std::pair(0, 0));
  EXPECT_EQ(window("#{deAnc1Visit}.periodOffset(-2) + #{deAnc1Visit}.periodOffset(1)"),
            std::pair(-2, 1));
  // Monthly and quarterly reporting rates: their year is their end year; a subExpression() reads
  // gold.analytics, whose year is a value's start year (a week may start in the year before).
  EXPECT_EQ(window("R{dsMonthly01.REPORTING_RATE}"), std::pair(0, 0));
  EXPECT_EQ(window("subExpression(#{deAnc1Visit})"), std::pair(-1, 0));
  inputs.period_types.push_back(dhis2::PeriodType::kWeekly);
  EXPECT_EQ(window("R{dsMonthly01.REPORTING_RATE}.periodOffset(-1)"), std::pair(-2, 0));

  // The partition inputs as their models write them, partitioned by year.
  WriteInputs();
  Write("gold.reporting_rate",
        "SELECT *, 2024 AS year FROM (VALUES ('dsMonthly01', 'ouFacilityA', 3, '202401', "
        "'Monthly', 1.0, 1.0, 1.0, 100.0, 100.0)) AS t(data_set, ou, ou_level, pe, period_type, "
        "expected, actual, actual_on_time, rate, rate_on_time)",
        {"year"});
  Write("gold.analytics",
        "SELECT 'deAnc1Visit' AS de, 'cocFixed001' AS coc, 'HllvX50cXC0' AS aoc, 'ouFacilityA' AS "
        "ou, '202401' AS pe, '202401' AS monthly, '2024Q1' AS quarterly, '2024' AS yearly, 6.0 AS "
        "value, 2024 AS year",
        {"year"});
  // ANC 1 at A: 202411 5, 202412 7; then 202501 11; then 202412 becomes 9.
  auto aggregate = [](const std::string& rows) {
    return "SELECT 'deAnc1Visit' AS de, CAST(NULL AS VARCHAR) AS coc, CAST(NULL AS VARCHAR) AS "
           "category, CAST(NULL AS VARCHAR) AS category_option, CAST(NULL AS VARCHAR) AS aoc, "
           "'ouFacilityA' AS ou, 3 AS ou_level, pe, 'Monthly' AS period_type, CAST(value AS "
           "DOUBLE) AS value, CAST(1 AS BIGINT) AS count, CAST(year AS INT) AS year FROM (VALUES " +
           rows + ") AS t(pe, value, year)";
  };
  auto replace_year = [&](lake::LakeCatalog& catalog, const std::string& year,
                          const std::string& rows) {
    lake::WriteOptions options;
    options.mode = lake::WriteMode::kReplacePartitions;
    options.partition_columns = {"year"};
    options.replace_partitions = {{{"year", year}}};
    auto written = catalog.Table(*lake::ParseTableName("gold.aggregate"))
                       .Write(*connection_, aggregate(rows), options);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
  };
  auto expect_run = [&](int64_t rows_in, int64_t files_added, int64_t files_removed) {
    ExpectPartialRun("gold.indicator_value", rows_in, files_added, files_removed);
  };
  const std::string indicators =
      "('indAnc1Only', '#{deAnc1Visit}', '1', 1, false),"
      "('indPrevious', '#{deAnc1Visit}.periodOffset(-1)', '1', 1, false)";
  const std::string columns = "indicator, pe, value, year";
  WriteIndicators(indicators);
  Write("gold.aggregate", aggregate("('202411', 5, 2024), ('202412', 7, 2024)"), {"year"});
  RunOk(*catalog_);
  // 202411: 5 (its previous month has nothing); 202412: 7, the previous 5.
  EXPECT_EQ(Rows(*catalog_, "gold.indicator_value", columns),
            (std::vector<std::string>{"(indAnc1Only, 202411, 5.0, 2024)",
                                      "(indAnc1Only, 202412, 7.0, 2024)",
                                      "(indPrevious, 202412, 5.0, 2024)"}));

  // January 2025 arrives: 2025 (and 2026, empty) recomputed, reading 2024's December: 11 and 7; two
  // rows, one file added, none removed.
  replace_year(*catalog_, "2025", "('202501', 11, 2025)");
  RunOk(*catalog_);
  expect_run(/*rows_in=*/2, /*files_added=*/1, /*files_removed=*/0);
  EXPECT_EQ(Rows(*catalog_, "gold.indicator_value", columns, "year = 2025"),
            (std::vector<std::string>{"(indAnc1Only, 202501, 11.0, 2025)",
                                      "(indPrevious, 202501, 7.0, 2025)"}));

  // December 2024 becomes 9: 2024 and 2025, which reads it, recomputed (3 + 2 rows, both files
  // replaced); January's previous month is now 9.
  replace_year(*catalog_, "2024", "('202411', 5, 2024), ('202412', 9, 2024)");
  RunOk(*catalog_);
  expect_run(/*rows_in=*/5, /*files_added=*/2, /*files_removed=*/2);
  EXPECT_EQ(Rows(*catalog_, "gold.indicator_value", columns),
            (std::vector<std::string>{
                "(indAnc1Only, 202411, 5.0, 2024)", "(indAnc1Only, 202412, 9.0, 2024)",
                "(indAnc1Only, 202501, 11.0, 2025)", "(indPrevious, 202412, 5.0, 2024)",
                "(indPrevious, 202501, 9.0, 2025)"}));

  // Equal to a full build of the same inputs.
  const std::vector<std::string> incremental = Rows(
      *catalog_, "gold.indicator_value", "indicator, ou, ou_level, pe, period_type, value, year");
  RunOk(*catalog_, /*full=*/true);
  EXPECT_EQ(Rows(*catalog_, "gold.indicator_value",
                 "indicator, ou, ou_level, pe, period_type, value, year"),
            incremental);
}

TEST(LayerWildcardTest, OnlyForLayersNoModelWrites) {
  auto parsed = ParseModel("gold/x.sql", "-- materialized: table\n-- depends_on: ref.*\nSELECT 1");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->depends_on_layers.size(), 1u);
  EXPECT_EQ(parsed->depends_on_layers[0].layer, "ref");
  EXPECT_EQ(parsed->depends_on_layers[0].line, 2);
  EXPECT_FALSE(
      ParseModel("gold/x.sql", "-- materialized: table\n-- depends_on: Bad-.*\nSELECT 1").ok());
  auto set = ModelSet::LoadMap(
      {{"gold/x.sql", "-- materialized: table\n-- depends_on: silver.*\nSELECT 1"},
       {"silver/y.sql", "-- materialized: table\nSELECT 1 AS one"}});
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.status().message().find("silver.* names a layer that"), std::string::npos)
      << set.status().ToString();
}

TEST(IndicatorValueSqlTest, SparkRenderingUsesSafeDivision) {
  IndicatorInputs inputs;
  inputs.indicators.push_back({"indPercent1", "#{deAnc2Visit}", "#{deAnc1Visit}", 100, true});
  inputs.data_elements = {"deAnc1Visit", "deAnc2Visit"};
  inputs.period_types = {dhis2::PeriodType::kMonthly};
  inputs.periods = {"202401", "2024Q1"};
  auto spark = IndicatorValueSql(inputs, sql::Dialect::kSpark);
  ASSERT_TRUE(spark.ok()) << spark.status().ToString();
  EXPECT_NE(spark->find("try_divide("), std::string::npos);
  auto violations = CheckSharedSubset(*spark);
  EXPECT_TRUE(violations.empty()) << violations.front().message;
}

}  // namespace
}  // namespace dhl::pipeline
