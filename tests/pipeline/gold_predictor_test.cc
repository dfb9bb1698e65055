// gold.predicted_value (models/gold/predicted_value.sql, src/pipeline/predictor_generator.h): what
// DHIS2's predictors generate over hand-made silver tables; every expected figure is worked out by
// hand in the comment beside it from the stock values below and dhis2-core's rule
// (DefaultPredictionService, the Vector* sample functions, FunctionNormDistAbstract,
// PredictionDataFilter).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <optional>
#include <set>
#include <string>

#include "lake/lake_catalog.h"
#include "pipeline/dimension_generators.h"
#include "pipeline/pipeline_runner.h"
#include "pipeline/predictor_generator.h"
#include "pipeline/sql_subset_check.h"
#include "tests/pipeline/model_lake_fixture.h"

namespace dhl::pipeline {
namespace {

// ouNational1 (1) > ouDistrict1 (2) > ouFacilityA, ouFacilityB (3).
const char* kOrgUnits =
    "SELECT * FROM (VALUES "
    "('ouNational1', 1, 'ouNational1', NULL, NULL),"
    "('ouDistrict1', 2, 'ouNational1', 'ouDistrict1', NULL),"
    "('ouFacilityA', 3, 'ouNational1', 'ouDistrict1', 'ouFacilityA'),"
    "('ouFacilityB', 3, 'ouNational1', 'ouDistrict1', 'ouFacilityB')"
    ") AS t(uid, level, level1_uid, level2_uid, level3_uid)";

// One predictor row: (uid, output, combo, expression, strategy, skip test, sequential, annual,
// skip, levels, descendants), Monthly, the skip test's strategy unset.
std::string Predictor(const std::string& uid, const std::string& output,
                      const std::string& expression, int sequential, int annual = 0, int skip = 0,
                      const std::string& skip_test = "NULL", const std::string& strategy = "NULL",
                      const std::string& level = "lvlFacilit1",
                      const std::string& descendants = "DESCENDANTS",
                      const std::string& combo = "NULL") {
  return "('" + uid + "', '" + output + "', " + combo + ", '" + expression + "', " + strategy +
         ", " + skip_test + ", NULL, " + std::to_string(sequential) + ", " +
         std::to_string(annual) + ", " + std::to_string(skip) + ", '[{\"id\":\"" + level +
         "\"}]', '" + descendants + "')";
}

class GoldPredictorTest : public ModelLakeFixture {
 protected:
  void SetUp() override {
    ModelLakeFixture::SetUp();
    UseModels({"gold/predicted_value.sql"});
  }

  // Stock at A: 202301 20, 202310 4, 202311 6, 202312 8, 202401 10; at B: 202312 1, 202401 3.
  // A flag (deFlagged01) 1 at A in 202311 only.
  void WriteInputs() {
    Write("silver.org_unit",
          std::string("SELECT uid, level, level1_uid, level2_uid, level3_uid, CAST(NULL AS "
                      "VARCHAR) AS level4_uid, CAST(NULL AS VARCHAR) AS level5_uid, CAST(NULL AS "
                      "VARCHAR) AS level6_uid, CAST(NULL AS VARCHAR) AS level7_uid, CAST(NULL AS "
                      "VARCHAR) AS level8_uid, CAST(NULL AS TIMESTAMPTZ) AS valid_to FROM (") +
              kOrgUnits + ") AS o");
    Write("silver.org_unit_level",
          "SELECT * FROM (VALUES (2, 'District', 'lvlDistrct1'), (3, 'Facility', 'lvlFacilit1')) "
          "AS t(level, name, uid)");
    // deNumZero01 and deIntZero01 keep zeros (zeroIsSignificant); deAverage01 is AVERAGE.
    Write("silver.data_element",
          "SELECT uid, value_type, aggregation_type, uid IN ('deNumZero01', 'deIntZero01') AS "
          "zero_is_significant FROM (VALUES ('deStock0001', 'INTEGER', 'SUM'), ('deOutput001', "
          "'INTEGER', 'SUM'), ('deOutNum001', 'NUMBER', 'SUM'), ('deCycleA001', 'NUMBER', 'SUM'), "
          "('deCycleB001', 'NUMBER', 'SUM'), ('deFlagged01', 'NUMBER', 'SUM'), ('deDonor0001', "
          "'NUMBER', 'SUM'), ('deNumZero01', 'NUMBER', 'SUM'), ('deIntZero01', 'INTEGER', 'SUM'), "
          "('deAverage01', 'NUMBER', 'AVERAGE'), ('deThirds001', 'NUMBER', 'SUM')) AS t(uid, "
          "value_type, aggregation_type)");
    // Program indicator piVisits001 (Monthly): A 202401 3, 202402 4; B 202401 2; the district
    // 202401 7 (its own value: distinct counts do not add up).
    Write("silver.program_indicator",
          "SELECT * FROM (VALUES ('piVisits001'), ('piUnbuilt01')) AS t(uid)");
    Write("gold.program_indicator_value",
          "SELECT program_indicator, ou, ou_level, pe, 'Monthly' AS period_type, CAST(value AS "
          "DOUBLE) AS value FROM (VALUES ('piVisits001', 'ouFacilityA', 3, '202401', 3), "
          "('piVisits001', 'ouFacilityA', 3, '202402', 4), ('piVisits001', 'ouFacilityB', 3, "
          "'202401', 2), ('piVisits001', 'ouDistrict1', 2, '202401', 7)) AS t(program_indicator, "
          "ou, ou_level, pe, value)");
    Write("silver.constant",
          "SELECT * FROM (VALUES ('constHalf01', 2.5), ('constQuart1', 0.75)) AS t(uid, value)");
    Write("silver.data_value",
          "SELECT de, pe, ou, 'HllvX50cXC0' AS coc, CASE WHEN de = 'deDonor0001' THEN "
          "'aocDonor001' ELSE 'HllvX50cXC0' END AS aoc, CAST(value AS DOUBLE) "
          "AS value, 'Monthly' AS period_type, CAST(start_date AS DATE) AS start_date, "
          "CAST(CAST(start_date AS DATE) + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS end_date "
          "FROM (VALUES ('deStock0001', '202301', 'ouFacilityA', 20, '2023-01-01'), "
          "('deStock0001', '202310', 'ouFacilityA', 4, '2023-10-01'), "
          "('deStock0001', '202311', 'ouFacilityA', 6, '2023-11-01'), "
          "('deStock0001', '202312', 'ouFacilityA', 8, '2023-12-01'), "
          "('deStock0001', '202401', 'ouFacilityA', 10, '2024-01-01'), "
          "('deStock0001', '202312', 'ouFacilityB', 1, '2023-12-01'), "
          "('deStock0001', '202401', 'ouFacilityB', 3, '2024-01-01'), "
          "('deFlagged01', '202311', 'ouFacilityA', 1, '2023-11-01'), "
          "('deDonor0001', '202401', 'ouFacilityA', 5, '2024-01-01')) "
          "AS t(de, pe, ou, value, start_date)");
  }

  void WritePredictors(const std::string& rows) {
    Write("silver.predictor",
          "SELECT uid, output, output_combo, 'Monthly' AS period_type, expression, "
          "missing_value_strategy, sample_skip_test, sample_skip_test_missing_value_strategy, "
          "CAST(seq AS INT) AS sequential_sample_count, CAST(annual AS INT) AS "
          "annual_sample_count, CAST(skip AS INT) AS sequential_skip_count, org_unit_levels, "
          "org_unit_descendants FROM (VALUES " +
              rows +
              ") AS t(uid, output, output_combo, expression, missing_value_strategy, "
              "sample_skip_test, sample_skip_test_missing_value_strategy, seq, annual, skip, "
              "org_unit_levels, org_unit_descendants)");
  }

  // The predicted value of one predictor at one cell, nullopt when there is no row.
  std::optional<double> Value(const std::string& predictor, const std::string& ou,
                              const std::string& pe) {
    return OneValue("gold.predicted_value", "value",
                    "predictor = '" + predictor + "' AND ou = '" + ou + "' AND pe = '" + pe + "'");
  }

  int64_t Count(const std::string& predictor) {
    return CountWhere("gold.predicted_value", "predictor = '" + predictor + "'");
  }
};

constexpr double kTolerance = 1e-9;

TEST_F(GoldPredictorTest, SamplesFunctionsLevelsAndStrategiesByHand) {
  WriteInputs();
  WritePredictors(Predictor("prOpenBal01", "deOutput001", "sum(#{deStock0001})", 1, 0, 0, "NULL",
                            "NULL", "lvlFacilit1", "DESCENDANTS", "'cocOutput01'") +
                  "," + Predictor("prAvg3Mon01", "deOutNum001", "avg(#{deStock0001})", 3, 0, 1) +
                  "," + Predictor("prAnnual001", "deOutNum001", "sum(#{deStock0001})", 0, 1) + "," +
                  Predictor("prAnnSeq001", "deOutNum001", "sum(#{deStock0001})", 1, 1) + "," +
                  Predictor("prCurrent01", "deOutput001", "if(#{deStock0001} > 5, 1, 0)", 0) + "," +
                  Predictor("prDistrict1", "deOutNum001", "sum(#{deStock0001})", 1, 0, 0, "NULL",
                            "NULL", "lvlDistrct1") +
                  "," +
                  Predictor("prSelected1", "deOutNum001", "sum(#{deStock0001})", 1, 0, 0, "NULL",
                            "NULL", "lvlDistrct1", "SELECTED") +
                  "," + Predictor("prStddev001", "deOutNum001", "stddevPop(#{deStock0001})", 3) +
                  "," + Predictor("prMedian001", "deOutNum001", "median(#{deStock0001})", 4) + "," +
                  Predictor("prNever0001", "deOutNum001", "sum(#{deStock0001}) + C{constHalf01}", 1,
                            0, 0, "NULL", "'NEVER_SKIP'") +
                  "," +
                  Predictor("prPlaceh001", "deOutNum001", "sum(#{deStock0001})", 1, 0, 0, "NULL",
                            "NULL", "<OU_LEVEL_FACILITY_UID>") +
                  "," + Predictor("prChain0001", "deOutNum001", "sum(#{deOutput001})", 1) + "," +
                  Predictor("prCycleA001", "deCycleA001", "sum(#{deCycleB001})", 1) + "," +
                  Predictor("prCycleB001", "deCycleB001", "sum(#{deCycleA001})", 1));
  auto summary = Run(*catalog_, /*full=*/true);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->ok()) << summary->ToString();
  auto value = [&](const std::string& predictor, const std::string& ou, const std::string& pe) {
    return Value(predictor, ou, pe);
  };
  // The previous month's stock (opening balance): A 202402 <- 10, 202401 <- 8, 202302 <- 20; B
  // 202401 <- 1, 202402 <- 3 (the month after the latest stored one is predicted too); the first
  // months have no sample: no row.
  EXPECT_EQ(value("prOpenBal01", "ouFacilityA", "202402"), 10);
  EXPECT_EQ(value("prOpenBal01", "ouFacilityA", "202401"), 8);
  EXPECT_EQ(value("prOpenBal01", "ouFacilityA", "202302"), 20);
  EXPECT_EQ(value("prOpenBal01", "ouFacilityB", "202401"), 1);
  EXPECT_EQ(value("prOpenBal01", "ouFacilityB", "202402"), 3);
  EXPECT_FALSE(value("prOpenBal01", "ouFacilityA", "202310"));
  EXPECT_FALSE(value("prOpenBal01", "ouFacilityA", "202403"));
  auto combo = connection_->Query(
      "SELECT DISTINCT de || '/' || coc || '/' || aoc FROM gold.predicted_value WHERE predictor "
      "IN ('prOpenBal01', 'prAvg3Mon01')");
  ASSERT_TRUE(combo.ok());
  std::set<std::string> combos;
  for (size_t row = 0; row < combo->row_count(); ++row) combos.insert(*combo->GetString(0, row));
  EXPECT_EQ(combos, (std::set<std::string>{"deOutput001/cocOutput01/HllvX50cXC0",
                                           "deOutNum001/HllvX50cXC0/HllvX50cXC0"}));
  // Three months back, the most recent skipped: 202402 <- 202312, 202311 (8 + 6) / 2 = 7;
  // 202401 <- 202311, 202310: 5.
  EXPECT_EQ(value("prAvg3Mon01", "ouFacilityA", "202402"), 7);
  EXPECT_EQ(value("prAvg3Mon01", "ouFacilityA", "202401"), 5);
  // The same month a year before: 202401 <- 202301 (20); 202402 <- 202302: nothing.
  EXPECT_EQ(value("prAnnual001", "ouFacilityA", "202401"), 20);
  EXPECT_FALSE(value("prAnnual001", "ouFacilityA", "202402"));
  // One month back plus 202302 +- 1 month a year before: 202402 <- 202401 10 + 202301 20 = 30.
  EXPECT_EQ(value("prAnnSeq001", "ouFacilityA", "202402"), 30);
  // Items outside sample functions: the output month's own value. Its zeros (A 202310's 4, B
  // 202401's 3) are not stored: deOutput001's zeros are not significant (PredictionWriter).
  EXPECT_FALSE(value("prCurrent01", "ouFacilityA", "202310"));
  EXPECT_EQ(value("prCurrent01", "ouFacilityA", "202311"), 1);
  EXPECT_FALSE(value("prCurrent01", "ouFacilityB", "202401"));
  EXPECT_FALSE(value("prCurrent01", "ouFacilityA", "202402"));
  // At the district with its descendants: 202402 <- A 10 + B 3; 202312 <- A 6. Its own values
  // only (SELECTED): none.
  EXPECT_EQ(value("prDistrict1", "ouDistrict1", "202402"), 13);
  EXPECT_EQ(value("prDistrict1", "ouDistrict1", "202312"), 6);
  EXPECT_FALSE(value("prDistrict1", "ouFacilityA", "202402"));
  EXPECT_FALSE(value("prSelected1", "ouDistrict1", "202402"));
  // Population standard deviation of 8, 6, 4: sqrt(8 / 3) = 1.63299..., stored to 4 significant
  // fraction digits (one whole digit, three decimals): 1.633; the median of 10, 8, 6, 4: 7.
  EXPECT_EQ(value("prStddev001", "ouFacilityA", "202401"), 1.633);
  EXPECT_EQ(value("prMedian001", "ouFacilityA", "202402"), 7);
  // NEVER_SKIP: B in 202312 has no sample (November) but a value of its own that month makes the
  // cell: 0 + 2.5; with the default strategy the same predictor gives nothing there.
  EXPECT_EQ(value("prNever0001", "ouFacilityB", "202312"), 2.5);
  EXPECT_FALSE(value("prOpenBal01", "ouFacilityB", "202312"));
  // A chain: prChain0001 reads deOutput001, which prOpenBal01 (previous month's stock, combo
  // cocOutput01) and prCurrent01 (1 when the month's stock > 5, default combo) predict; it runs
  // after them and sums both combos of the previous month: A 202402 <- 202401's 8 + 1 = 9; A
  // 202312 <- 202311's 4 + 1 = 5; B 202402 <- 202401's 1 (prCurrent01's 0 is not stored) = 1; A
  // 202302 <- 202301's prCurrent01 1 (prOpenBal01 has no sample for 202301).
  EXPECT_EQ(value("prChain0001", "ouFacilityA", "202402"), 9);
  EXPECT_EQ(value("prChain0001", "ouFacilityA", "202312"), 5);
  EXPECT_EQ(value("prChain0001", "ouFacilityB", "202402"), 1);
  EXPECT_EQ(value("prChain0001", "ouFacilityA", "202302"), 1);
  // Refused with the reason: an install-time placeholder, a cycle of two.
  EXPECT_EQ(summary->expressions_refused, 3) << summary->ToString();
  std::string all = summary->ToString();
  EXPECT_NE(all.find("<OU_LEVEL_FACILITY_UID> is an unresolved metadata package placeholder"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("predictor prCycleA001: is in a cycle of predictors reading each other's "
                     "outputs: prCycleA001, prCycleB001"),
            std::string::npos)
      << all;

  // The placeholder mapped to the facility level (3) in the settings: the changed setting reruns
  // gold.predicted_value, and prPlaceh001 gives what the same generator at lvlFacilit1 gives
  // (the previous month's stock: A 202402 <- 10).
  run_options_.settings.predictor.level_placeholders = {{"<OU_LEVEL_FACILITY_UID>", 3}};
  auto mapped = Run(*catalog_);
  ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
  ASSERT_TRUE(mapped->ok()) << mapped->ToString();
  EXPECT_EQ(mapped->expressions_refused, 2) << mapped->ToString();
  EXPECT_EQ(value("prPlaceh001", "ouFacilityA", "202402"), 10);
  EXPECT_EQ(value("prPlaceh001", "ouFacilityB", "202401"), 1);
}

// percentileCont (VectorPercentileCont: Commons Math Percentile R_7, the linear interpolation of
// SQL's percentile_cont), normDistCum / normDistDen (FunctionNormDistAbstract), .minDate() /
// .maxDate() (PredictionDataFilter).
TEST_F(GoldPredictorTest, PercentilesNormalDistributionAndDateBoundsByHand) {
  WriteInputs();
  WritePredictors(
      Predictor("prPctQuart1", "deOutNum001", "percentileCont(0.25, #{deStock0001})", 4) + "," +
      Predictor("prPctConst1", "deOutNum001", "percentileCont(C{constQuart1}, #{deStock0001})", 4) +
      "," + Predictor("prPctZero01", "deOutNum001", "percentileCont(0, #{deStock0001})", 4) + "," +
      Predictor("prPctOut001", "deOutNum001", "percentileCont(1.5, #{deStock0001})", 4) + "," +
      Predictor("prPctData01", "deOutNum001", "percentileCont(#{deFlagged01}, #{deStock0001})", 4) +
      "," +
      Predictor("prNormCum01", "deOutNum001", "normDistCum(#{deStock0001}, 5, 2) * 1000000000000",
                0) +
      "," +
      Predictor("prNormDen01", "deOutNum001", "normDistDen(#{deStock0001}, 5, 2) * 1000000000000",
                0) +
      "," +
      Predictor("prNormSmp01", "deOutNum001", "normDistCum(#{deStock0001}) * 1000000000000", 3) +
      "," + Predictor("prNormZero1", "deOutNum001", "normDistCum(#{deStock0001}, 5, 0)", 0) + "," +
      Predictor("prMinDate01", "deOutNum001", "sum(#{deStock0001}.minDate(2023-11-1))", 3) + "," +
      Predictor("prMaxDate01", "deOutNum001", "sum(#{deStock0001}.maxDate(2023-11-30))", 3));
  auto summary = Run(*catalog_, /*full=*/true);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->ok()) << summary->ToString();
  // A in 202402, four months back: 10, 8, 6, 4 sorted 4, 6, 8, 10. The 25th percentile: position
  // (4 - 1) x 0.25 = 0.75, 4 + 0.75 x (6 - 4) = 5.5; the 75th (the constant): 2.25, 8 + 0.25 x 2
  // = 8.5; the 0th: the least, 4; a fraction above 1: no value.
  EXPECT_NEAR(*Value("prPctQuart1", "ouFacilityA", "202402"), 5.5, kTolerance);
  EXPECT_NEAR(*Value("prPctConst1", "ouFacilityA", "202402"), 8.5, kTolerance);
  EXPECT_NEAR(*Value("prPctZero01", "ouFacilityA", "202402"), 4, kTolerance);
  EXPECT_EQ(Count("prPctOut001"), 0);
  // B in 202402: 3, 1: 1 + 0.25 x 2 = 1.5.
  EXPECT_NEAR(*Value("prPctQuart1", "ouFacilityB", "202402"), 1.5, kTolerance);
  // The normal distribution's values times 10^12 (a stored prediction of 4 or more whole digits
  // is rounded to an integer: within 0.5 of 10^12 x the function, i.e. 1e-12 of it).
  // A in 202401: x = 10, mean 5, deviation 2: z = 2.5.
  const double z = 2.5;
  const double scale = 1e12;
  EXPECT_NEAR(*Value("prNormCum01", "ouFacilityA", "202401"),
              scale * 0.5 * std::erfc(-z / std::sqrt(2.0)), 1);
  EXPECT_NEAR(*Value("prNormDen01", "ouFacilityA", "202401"),
              scale * std::exp(-0.5 * z * z) / (2 * std::sqrt(2 * std::numbers::pi)), 1);
  // B in 202312: x = 1, z = -2.
  EXPECT_NEAR(*Value("prNormCum01", "ouFacilityB", "202312"),
              scale * 0.5 * std::erfc(2 / std::sqrt(2.0)), 1);
  // Without mean and deviation: those of x over the samples. A in 202401: x = 10, samples 8, 6,
  // 4: mean 6, sample deviation 2, z = 2. A deviation of 0: no value (DHIS2's NaN is not stored).
  EXPECT_NEAR(*Value("prNormSmp01", "ouFacilityA", "202401"),
              scale * 0.5 * std::erfc(-2 / std::sqrt(2.0)), 1);
  EXPECT_EQ(Count("prNormZero1"), 0);
  // A in 202401, samples 202312 (8), 202311 (6), 202310 (4). minDate 2023-11-01: 202310 starts
  // before it, 8 + 6 = 14. maxDate 2023-11-30: 202312 ends after it, 6 + 4 = 10.
  EXPECT_EQ(Value("prMinDate01", "ouFacilityA", "202401"), 14);
  EXPECT_EQ(Value("prMaxDate01", "ouFacilityA", "202401"), 10);
  // A fraction read from the data is refused, naming the reason.
  EXPECT_EQ(summary->expressions_refused, 1) << summary->ToString();
  EXPECT_NE(summary->ToString().find("prPctData01"), std::string::npos) << summary->ToString();
  EXPECT_NE(summary->ToString().find("the fraction must be a number or a constant"),
            std::string::npos)
      << summary->ToString();
}

// sampleSkipTest (DefaultPredictionService.getSkippedPeriods): per org unit, each sample period
// where the test is true leaves the samples; the test has its own missing value strategy.
TEST_F(GoldPredictorTest, SampleSkipTestDropsPeriodsPerOrgUnitByHand) {
  WriteInputs();
  WritePredictors(
      Predictor("prSkipHigh1", "deOutNum001", "sum(#{deStock0001})", 3, 0, 0,
                "'#{deStock0001} > 7'") +
      "," +
      Predictor("prSkipFlag1", "deOutNum001", "sum(#{deStock0001})", 3, 0, 0,
                "'#{deFlagged01} == 1'") +
      "," +
      Predictor("prSkipNone1", "deOutNum001", "sum(#{deStock0001})", 3, 0, 0,
                "'#{deFlagged01} == 0'") +
      "," + Predictor("prSkipAll01", "deOutNum001", "sum(#{deStock0001})", 1, 0, 0, "'1 > 0'") +
      "," +
      // The same test as prSkipNone1, NEVER_SKIP: a missing flag counts 0.
      "('prSkipNvr01', 'deOutNum001', NULL, 'sum(#{deStock0001})', NULL, '#{deFlagged01} == 0', "
      "'NEVER_SKIP', 3, 0, 0, '[{\"id\":\"lvlFacilit1\"}]', 'DESCENDANTS')");
  auto summary = Run(*catalog_, /*full=*/true);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->ok()) << summary->ToString();
  EXPECT_EQ(summary->expressions_refused, 0) << summary->ToString();
  // A in 202401: 202312 (8, skipped: > 7), 202311 6, 202310 4: 10; in 202402: 202401 (10) and
  // 202312 (8) skipped: 6. B in 202402: 3 + 1, nothing above 7.
  EXPECT_EQ(Value("prSkipHigh1", "ouFacilityA", "202401"), 10);
  EXPECT_EQ(Value("prSkipHigh1", "ouFacilityA", "202402"), 6);
  EXPECT_EQ(Value("prSkipHigh1", "ouFacilityB", "202402"), 4);
  // The flag (another element) at A in 202311 drops that month at A only: A 202401 8 + 4 = 12,
  // A 202312 <- 202311 skipped, 202310 4 + 202309 nothing: 4; B untouched: 202402 4.
  EXPECT_EQ(Value("prSkipFlag1", "ouFacilityA", "202401"), 12);
  EXPECT_EQ(Value("prSkipFlag1", "ouFacilityA", "202312"), 4);
  EXPECT_EQ(Value("prSkipFlag1", "ouFacilityB", "202402"), 4);
  // flag == 0 with the default strategy: a month without the flag has no value for the test (not
  // true), 202311's flag is 1: nothing skipped, 8 + 6 + 4 = 18. NEVER_SKIP: the missing flag is
  // 0, so every month but 202311 is skipped: 6.
  EXPECT_EQ(Value("prSkipNone1", "ouFacilityA", "202401"), 18);
  EXPECT_EQ(Value("prSkipNvr01", "ouFacilityA", "202401"), 6);
  // A test always true leaves no sample: no prediction at all.
  EXPECT_EQ(Count("prSkipAll01"), 0);
}

// What DHIS2 stores of a prediction (PredictionFormatter.formatNumericPrediction,
// MathUtils.roundFraction, PredictionWriter): an integer output by Java's Math.round (halves toward
// positive infinity), any other to 4 significant fraction digits (4 whole digits or more: an
// integer; within 0.01 of zero: 0), and no zero where the output's zeros are not significant.
// Stock at A: 202301 20, 202310 4, 202311 6, 202312 8, 202401 10; at B: 202312 1, 202401 3.
TEST_F(GoldPredictorTest, PredictionsAreStoredAsDhis2FormatsThemByHand) {
  WriteInputs();
  WritePredictors(Predictor("prThird001", "deThirds001", "#{deStock0001} / 3", 0) + "," +
                  Predictor("prNegThrd1", "deOutNum001", "-#{deStock0001} / 3", 0) + "," +
                  Predictor("prThirdX31", "deOutNum001", "#{deThirds001} * 3", 0) + "," +
                  Predictor("prLarge001", "deOutNum001", "#{deStock0001} * 1234.56789", 0) + "," +
                  Predictor("prNearK001", "deOutNum001", "#{deStock0001} * 999.98765", 0) + "," +
                  Predictor("prTiny0001", "deOutNum001", "#{deStock0001} / 1000", 0) + "," +
                  Predictor("prTinySig1", "deNumZero01", "#{deStock0001} / 1000", 0) + "," +
                  Predictor("prTinyAvg1", "deAverage01", "#{deStock0001} / 1000", 0) + "," +
                  Predictor("prHalves01", "deOutput001", "#{deStock0001} / 4", 0) + "," +
                  Predictor("prNegHalf1", "deOutput001", "-#{deStock0001} / 4", 0) + "," +
                  Predictor("prIntZero1", "deIntZero01", "-#{deStock0001} / 4", 0) + "," +
                  Predictor("prMillion1", "deOutNum001", "#{deStock0001} * 1234567", 0) + "," +
                  Predictor("prNegHuge1", "deOutNum001", "-#{deStock0001} * 5000000", 0));
  auto summary = Run(*catalog_, /*full=*/true);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->ok()) << summary->ToString();
  EXPECT_EQ(summary->expressions_refused, 0) << summary->ToString();
  auto stored = [&](const std::string& predictor) {
    return Rows(*catalog_, "gold.predicted_value", "ou, pe, value_text",
                "predictor = '" + predictor + "'");
  };
  // Thirds, one whole digit: 4 / 3 = 1.333, 20 / 3 = 6.667, 10 / 3 = 3.333, 8 / 3 = 2.667,
  // 6 / 3 = 2 ("2.0": a NUMBER's text is Double.toString's); none whole: 1 / 3 = 0.3333, 3 / 3 = 1.
  EXPECT_EQ(
      stored("prThird001"),
      (std::vector<std::string>{"(ouFacilityA, 202301, 6.667)", "(ouFacilityA, 202310, 1.333)",
                                "(ouFacilityA, 202311, 2.0)", "(ouFacilityA, 202312, 2.667)",
                                "(ouFacilityA, 202401, 3.333)", "(ouFacilityB, 202312, 0.3333)",
                                "(ouFacilityB, 202401, 1.0)"}));
  EXPECT_EQ(Value("prThird001", "ouFacilityA", "202310"), 1.333);
  EXPECT_EQ(Value("prThird001", "ouFacilityB", "202312"), 0.3333);
  // Negative: -4 / 3 = -1.333 (-1333.33 to the nearest integer is -1333).
  EXPECT_EQ(Value("prNegThrd1", "ouFacilityA", "202310"), -1.333);
  // A chained predictor reads the stored (rounded) value: 1.333 x 3 = 3.999, not 4.
  EXPECT_EQ(Value("prThirdX31", "ouFacilityA", "202310"), 3.999);
  // Four whole digits or more: an integer. 1234.56789 -> 1235; 4 x 1234.56789 = 4938.27156 ->
  // 4938. Three: 999.98765 to one decimal, 1000.0.
  EXPECT_EQ(Value("prLarge001", "ouFacilityB", "202312"), 1235);
  EXPECT_EQ(Value("prLarge001", "ouFacilityA", "202310"), 4938);
  EXPECT_EQ(Value("prNearK001", "ouFacilityB", "202312"), 1000);
  // Within 0.01 of zero: 0. Of stock / 1000 (0.02, 0.004, 0.006, 0.008, 0.01; 0.001, 0.003) only
  // A 202301's 0.02 is stored for deOutNum001; deNumZero01 (zero significant) stores the others as
  // "0.0", deAverage01 (AVERAGE) too.
  EXPECT_EQ(stored("prTiny0001"), (std::vector<std::string>{"(ouFacilityA, 202301, 0.02)"}));
  EXPECT_EQ(Count("prTinySig1"), 7);
  EXPECT_EQ(Value("prTinySig1", "ouFacilityA", "202401"), 0);
  EXPECT_EQ(stored("prTinySig1")[5], "(ouFacilityB, 202312, 0.0)");
  EXPECT_EQ(Count("prTinyAvg1"), 7);
  // Integer output, halves toward positive infinity: 6 / 4 = 1.5 -> 2, 10 / 4 = 2.5 -> 3, 3 / 4 ->
  // 1, 20 / 4 = 5, 4 / 4 = 1, 8 / 4 = 2; B 202312's 0.25 -> 0 is not stored.
  EXPECT_EQ(stored("prHalves01"),
            (std::vector<std::string>{"(ouFacilityA, 202301, 5)", "(ouFacilityA, 202310, 1)",
                                      "(ouFacilityA, 202311, 2)", "(ouFacilityA, 202312, 2)",
                                      "(ouFacilityA, 202401, 3)", "(ouFacilityB, 202401, 1)"}));
  // -1.5 -> -1, -2.5 -> -2 (not -2 and -3 as half away from zero), -0.75 -> -1; -0.25 -> 0 not
  // stored.
  EXPECT_EQ(Value("prNegHalf1", "ouFacilityA", "202311"), -1);
  EXPECT_EQ(Value("prNegHalf1", "ouFacilityA", "202401"), -2);
  EXPECT_EQ(Value("prNegHalf1", "ouFacilityB", "202401"), -1);
  EXPECT_FALSE(Value("prNegHalf1", "ouFacilityB", "202312"));
  // Java's Double.toString from 10^7 on: 20 x 1234567 = 24691340 "2.469134E7", 10 x 1234567 =
  // 12345670 "1.234567E7", 8 x 1234567 = 9876536 below it "9876536.0"; -20 x 5000000 "-1.0E8".
  EXPECT_EQ(stored("prMillion1"),
            (std::vector<std::string>{
                "(ouFacilityA, 202301, 2.469134E7)", "(ouFacilityA, 202310, 4938268.0)",
                "(ouFacilityA, 202311, 7407402.0)", "(ouFacilityA, 202312, 9876536.0)",
                "(ouFacilityA, 202401, 1.234567E7)", "(ouFacilityB, 202312, 1234567.0)",
                "(ouFacilityB, 202401, 3703701.0)"}));
  EXPECT_EQ(Value("prMillion1", "ouFacilityA", "202301"), 24691340);
  EXPECT_EQ(Rows(*catalog_, "gold.predicted_value", "value_text",
                 "predictor = 'prNegHuge1' AND ou = 'ouFacilityA' AND pe = '202301'"),
            (std::vector<std::string>{"(-1.0E8)"}));
  // The same where zeros are significant: stored as "0".
  EXPECT_EQ(Rows(*catalog_, "gold.predicted_value", "value_text",
                 "predictor = 'prIntZero1' AND ou = 'ouFacilityB' AND pe = '202312'"),
            (std::vector<std::string>{"(0)"}));
}

// I{programIndicator} in predictors (issue 14): the program indicator's value at the output unit
// and period from gold.program_indicator_value. dhis2-core fetches program indicators from
// analytics without an attribute option combo (PredictionAnalyticsDataFetcher; always for
// ENROLLMENT ones) and adds such values to every attribute option combo the unit's data values
// have, or to the default combo when it has none (PredictionContextGenerator.addNonAocData).
TEST_F(GoldPredictorTest, ProgramIndicatorsInPredictorsByHand) {
  WriteInputs();
  WritePredictors(
      Predictor("prPiOnly001", "deOutNum001", "I{piVisits001} * 2", 0) + "," +
      Predictor("prPiSample1", "deOutNum001", "sum(I{piVisits001})", 1) + "," +
      Predictor("prPiDistr01", "deOutNum001", "I{piVisits001}", 0, 0, 0, "NULL", "NULL",
                "lvlDistrct1") +
      "," + Predictor("prPiMixed01", "deOutNum001", "#{deDonor0001} + I{piVisits001}", 0) + "," +
      Predictor("prPiNone001", "deOutNum001", "I{piUnbuilt01} + #{deStock0001}", 0) + "," +
      Predictor("prPiUnknwn1", "deOutNum001", "I{piNoSuch001}", 0));
  auto summary = Run(*catalog_, /*full=*/true);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->ok()) << summary->ToString();
  auto rows = [&](const std::string& predictor) {
    return Rows(*catalog_, "gold.predicted_value", "ou, pe, aoc, value",
                "predictor = '" + predictor + "'");
  };
  // Twice the value, in the default combo: A 202401 6, 202402 8; B 202401 4.
  EXPECT_EQ(rows("prPiOnly001"),
            (std::vector<std::string>{"(ouFacilityA, 202401, HllvX50cXC0, 6.0)",
                                      "(ouFacilityA, 202402, HllvX50cXC0, 8.0)",
                                      "(ouFacilityB, 202401, HllvX50cXC0, 4.0)"}));
  // The previous month's value: A 202402 <- 3, B 202402 <- 2.
  EXPECT_EQ(rows("prPiSample1"),
            (std::vector<std::string>{"(ouFacilityA, 202402, HllvX50cXC0, 3.0)",
                                      "(ouFacilityB, 202402, HllvX50cXC0, 2.0)"}));
  // At the district its own value 7, not A's 3 + B's 2.
  EXPECT_EQ(rows("prPiDistr01"),
            (std::vector<std::string>{"(ouDistrict1, 202401, HllvX50cXC0, 7.0)"}));
  // A's data values are in aocDonor001 only: its program indicator values join that combo (202401
  // 5 + 3 = 8; 202402 the missing donor value counts 0: 4). B has none: the default combo, 2.
  EXPECT_EQ(rows("prPiMixed01"),
            (std::vector<std::string>{"(ouFacilityA, 202401, aocDonor001, 8.0)",
                                      "(ouFacilityA, 202402, aocDonor001, 4.0)",
                                      "(ouFacilityB, 202401, HllvX50cXC0, 2.0)"}));
  // A program indicator without values counts as missing: the stock alone (A 202401 10).
  EXPECT_EQ(Value("prPiNone001", "ouFacilityA", "202401"), 10);
  // An unknown one refuses the predictor naming it.
  EXPECT_EQ(summary->expressions_refused, 1) << summary->ToString();
  EXPECT_NE(summary->ToString().find("I{piNoSuch001}"), std::string::npos) << summary->ToString();
  EXPECT_NE(summary->ToString().find("no such program indicator"), std::string::npos)
      << summary->ToString();
}

// DHIS2 stores predictions as ordinary data values, so gold.analytics takes them (one per key)
// and gold.aggregate and gold.indicator_value read them like stored values. A prediction replaces
// the value the source stores for its key (DHIS2's predictor job overwrites it, PredictionWriter),
// or with predictions_replace_stored = false leaves it; never both.
TEST_F(GoldPredictorTest, PredictionsFeedAggregatesAndIndicatorsByHand) {
  UseModels({"gold/predicted_value.sql", "gold/analytics.sql", "gold/aggregate.sql",
             "gold/indicator_value.sql"});
  Write("silver.org_unit",
        std::string("SELECT uid, level, level1_uid, level2_uid, level3_uid, CAST(NULL AS "
                    "VARCHAR) AS level4_uid, CAST(NULL AS VARCHAR) AS level5_uid, CAST(NULL AS "
                    "VARCHAR) AS level6_uid, CAST(NULL AS VARCHAR) AS level7_uid, CAST(NULL AS "
                    "VARCHAR) AS level8_uid, CAST(NULL AS TIMESTAMPTZ) AS valid_to FROM (") +
            kOrgUnits + ") AS o");
  Write("silver.org_unit_level",
        "SELECT * FROM (VALUES (3, 'Facility', 'lvlFacilit1')) AS t(level, name, uid)");
  Write("silver.period", PeriodRowsSql({"202401", "202402"}, sql::Dialect::kDuckDb));
  Write("silver.data_element",
        "SELECT uid, value_type, 'SUM' AS aggregation_type, 'AGGREGATE' AS domain_type, FALSE AS "
        "zero_is_significant FROM (VALUES ('deStock0001', 'INTEGER'), ('deOutNum001', 'NUMBER'), "
        "('deOther0001', 'NUMBER')) AS t(uid, value_type)");
  Write("silver.data_set",
        "SELECT * FROM (VALUES ('dsMonthly01', 'Monthly')) AS t(uid, "
        "period_type)");
  Write("silver.data_set_element",
        "SELECT 'dsMonthly01' AS data_set, uid AS de FROM (VALUES ('deStock0001'), "
        "('deOutNum001'), ('deOther0001')) AS t(uid)");
  Write("silver.category_option_combo",
        "SELECT * FROM (VALUES ('HllvX50cXC0', 'bjDvmb4bfuf')) AS t(uid, category_combo)");
  Write("silver.category_option_combo_option",
        "SELECT * FROM (VALUES ('HllvX50cXC0', 'GLevLNI9wkl', 'xYerKDKCefk')) AS t(coc, category, "
        "category_option)");
  Write("silver.category",
        "SELECT * FROM (VALUES ('GLevLNI9wkl', 'default', FALSE)) AS t(uid, name, "
        "data_dimension)");
  Write("silver.constant", "SELECT * FROM (VALUES ('constHalf01', 2.5)) AS t(uid, value)");
  Write("silver.indicator",
        "SELECT * FROM (VALUES ('inOutShare1', '#{deOutNum001}', '#{deStock0001}', "
        "CAST(100 AS DOUBLE), FALSE)) AS t(uid, numerator, denominator, factor, annualized)");
  Write("silver.org_unit_group_member",
        "SELECT * FROM (VALUES ('grpNone0001', 'ouNational1')) AS t(group_uid, ou) WHERE FALSE");
  Write("silver.program_indicator", "SELECT * FROM (VALUES ('piNone00001')) AS t(uid) WHERE FALSE");
  Write("gold.program_indicator_value",
        "SELECT 'piNone00001' AS program_indicator, 'ouFacilityA' AS ou, 3 AS ou_level, '202401' "
        "AS pe, 'Monthly' AS period_type, CAST(1 AS DOUBLE) AS value WHERE FALSE");
  Write("gold.reporting_rate",
        "SELECT 'dsMonthly01' AS data_set, 'ouFacilityA' AS ou, 3 AS ou_level, '202401' AS pe, "
        "'Monthly' AS period_type, 1.0 AS expected, 1.0 AS actual, 1.0 AS actual_on_time, 100.0 "
        "AS rate, 100.0 AS rate_on_time WHERE FALSE");
  // Stock: A 202401 10, 202402 20; B 202401 5. The output element is stored too: A 202402 99
  // (a value the prediction replaces) and B 202401 7 (a month without a prediction: no sample).
  auto data_values = [](const std::string& rows) {
    return "SELECT de, pe, ou, 'HllvX50cXC0' AS coc, 'HllvX50cXC0' AS aoc, CAST(value AS DOUBLE) "
           "AS value, CAST(value AS VARCHAR) AS value_text, 'Monthly' AS period_type, "
           "CAST(start_date AS DATE) AS start_date, CAST(CAST(start_date AS DATE) + INTERVAL 1 "
           "MONTH - INTERVAL 1 DAY AS DATE) AS end_date, 2024 AS year FROM (VALUES " +
           rows + ") AS t(de, pe, ou, value, start_date)";
  };
  Write("silver.data_value",
        data_values("('deStock0001', '202401', 'ouFacilityA', 10, '2024-01-01'), "
                    "('deStock0001', '202402', 'ouFacilityA', 20, '2024-02-01'), "
                    "('deStock0001', '202401', 'ouFacilityB', 5, '2024-01-01'), "
                    "('deOutNum001', '202402', 'ouFacilityA', 99, '2024-02-01'), "
                    "('deOutNum001', '202401', 'ouFacilityB', 7, '2024-01-01')"),
        {"year"});
  // The previous month's stock: A 202402 <- 10, A 202403 <- 20, B 202402 <- 5.
  WritePredictors(Predictor("prPrevious1", "deOutNum001", "sum(#{deStock0001})", 1));
  auto cell = [&](const std::string& table, const std::string& key, const std::string& ou,
                  const std::string& pe) -> std::optional<double> {
    std::string where = table == "gold.aggregate"
                            ? "de = '" + key + "' AND coc IS NULL AND category IS NULL"
                            : "indicator = '" + key + "'";
    auto rows =
        Rows(*catalog_, table, "value", where + " AND ou = '" + ou + "' AND pe = '" + pe + "'");
    if (rows.empty()) return std::nullopt;
    EXPECT_EQ(rows.size(), 1u) << table << " " << key << " " << ou << " " << pe;
    return std::stod(rows[0].substr(1, rows[0].size() - 2));
  };
  RunOk(*catalog_, /*full=*/true);
  // gold.analytics: A 202402 holds the prediction 10, not the stored 99 (one row); B 202401 keeps
  // its stored 7; B 202402 gains the prediction 5. A 202403's prediction has no period in
  // silver.period (no value of the source names it) and is not loaded.
  EXPECT_EQ(Rows(*catalog_, "gold.analytics", "ou, pe, value", "de = 'deOutNum001'"),
            (std::vector<std::string>{"(ouFacilityA, 202402, 10.0)", "(ouFacilityB, 202401, 7.0)",
                                      "(ouFacilityB, 202402, 5.0)"}));
  // The district: 202402 10 + 5 = 15 (not 99 + 10 + 5); 202401 7. The quarter: 15 + 7 = 22.
  EXPECT_EQ(cell("gold.aggregate", "deOutNum001", "ouDistrict1", "202402"), 15);
  EXPECT_EQ(cell("gold.aggregate", "deOutNum001", "ouDistrict1", "202401"), 7);
  EXPECT_EQ(cell("gold.aggregate", "deOutNum001", "ouFacilityA", "202402"), 10);
  EXPECT_EQ(cell("gold.aggregate", "deOutNum001", "ouDistrict1", "2024Q1"), 22);
  // The indicator reads the predictions: district 202402 15 / 20 x 100 = 75; A 202402 10 / 20 x
  // 100 = 50; 202401 7 / 15 x 100.
  EXPECT_NEAR(*cell("gold.indicator_value", "inOutShare1", "ouDistrict1", "202402"), 75,
              kTolerance);
  EXPECT_NEAR(*cell("gold.indicator_value", "inOutShare1", "ouFacilityA", "202402"), 50,
              kTolerance);
  EXPECT_NEAR(*cell("gold.indicator_value", "inOutShare1", "ouDistrict1", "202401"), 700.0 / 15,
              kTolerance);

  // A value of an element no predictor reads, appended: gold.predicted_value is unchanged, and
  // gold.analytics must not append its 2024 predictions a second time (it recomputes 2024).
  Append(*catalog_, "silver.data_value",
         data_values("('deOther0001', '202402', 'ouFacilityA', 3, '2024-02-01')"));
  RunOk(*catalog_);
  EXPECT_EQ(Rows(*catalog_, "gold.analytics", "ou, pe, value", "de = 'deOutNum001'").size(), 3u);
  EXPECT_EQ(cell("gold.aggregate", "deOutNum001", "ouDistrict1", "202402"), 15);
  EXPECT_EQ(cell("gold.aggregate", "deOther0001", "ouDistrict1", "202402"), 3);

  // The stored value wins: A 202402 99; the district 99 + 5 = 104, the indicator 104 / 20 x 100.
  run_options_.settings.predictor.replace_stored = false;
  RunOk(*catalog_);
  EXPECT_EQ(Rows(*catalog_, "gold.analytics", "ou, pe, value", "de = 'deOutNum001'"),
            (std::vector<std::string>{"(ouFacilityA, 202402, 99.0)", "(ouFacilityB, 202401, 7.0)",
                                      "(ouFacilityB, 202402, 5.0)"}));
  EXPECT_EQ(cell("gold.aggregate", "deOutNum001", "ouDistrict1", "202402"), 104);
  EXPECT_NEAR(*cell("gold.indicator_value", "inOutShare1", "ouDistrict1", "202402"), 520,
              kTolerance);
}

// The generated SQL runs on Databricks too: rendered for Spark, every predictor form (sample
// functions, a skip test, an integer and a NUMBER output with its Double.toString text) stays in
// the subset DuckDB and Spark share.
TEST(PredictedValueSqlTest, SparkRenderingStaysInTheSharedSubset) {
  PredictorInputs inputs;
  PredictorDefinition average;
  average.uid = "prAverage01";
  average.output = "deOutNum001";
  average.period_type = "Monthly";
  average.expression = "avg(#{deStock0001}) + stddevSamp(#{deStock0001}) * 1234567";
  average.sample_skip_test = "#{deFlagged01} > 0";
  average.sequential_sample_count = 3;
  average.annual_sample_count = 1;
  average.level_uids = {"lvFacility1"};
  PredictorDefinition rounded = average;
  rounded.uid = "prRounded01";
  rounded.output = "deOutput001";
  rounded.expression = "#{deStock0001} / 4";
  rounded.sample_skip_test.clear();
  inputs.predictors = {average, rounded};
  inputs.value_types = {{"deOutNum001", "NUMBER"},
                        {"deOutput001", "INTEGER"},
                        {"deStock0001", "INTEGER"},
                        {"deFlagged01", "INTEGER"}};
  inputs.zero_insignificant = {"deOutNum001"};
  inputs.levels = {{"lvFacility1", 4}};
  inputs.latest_start = {{"Monthly", "2024-01-01"}};
  auto spark = PredictedValueSql(inputs, sql::Dialect::kSpark);
  ASSERT_TRUE(spark.ok()) << spark.status().ToString();
  EXPECT_NE(spark->find("REGEXP_REPLACE("), std::string::npos);
  for (const SubsetViolation& violation : CheckSharedSubset(*spark)) {
    ADD_FAILURE() << violation.ToString("predicted_value (Spark)");
  }
}

}  // namespace
}  // namespace dhl::pipeline
