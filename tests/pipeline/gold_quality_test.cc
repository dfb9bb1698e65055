// The data-quality gold models (models/gold/{reporting_rate,outlier,validation_violation,
// dq_summary}.sql) over hand-made silver tables, each expected figure worked out by hand from
// DHIS2's rules (docs/gold_quality.md), in the comments beside it.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "pipeline/model_set.h"
#include "pipeline/pipeline_runner.h"
#include "pipeline/quality_generators.h"
#include "pipeline/sql_subset_check.h"
#include "pipeline/validation_generator.h"
#include "tests/pipeline/model_lake_fixture.h"

namespace dhl::pipeline {
namespace {

namespace fs = std::filesystem;

// Org units: world (1) > region (2) > district D (3) > facilities fA, fB, fC (4), and a second
// district E (3) with facility fE.
//   fB opened 2024-02-15 (mid-February), fC closed 2024-03-10 (mid-March).
std::string OrgUnits() {
  auto unit = [](std::string uid, int level, std::string parent_path, std::string opening,
                 std::string closed) {
    std::vector<std::string> path;
    std::stringstream split(parent_path);
    for (std::string part; std::getline(split, part, '/');) {
      if (!part.empty()) path.push_back(part);
    }
    path.push_back(uid);
    std::string row = "SELECT '" + uid + "' AS uid, " + std::to_string(level) + " AS level";
    for (int l = 1; l <= 8; ++l) {
      row += ", " +
             (l <= static_cast<int>(path.size()) ? "'" + path[l - 1] + "'"
                                                 : std::string("CAST(NULL AS VARCHAR)")) +
             " AS level" + std::to_string(l) + "_uid";
    }
    row += ", " + (opening.empty() ? "CAST(NULL AS DATE)" : "DATE '" + opening + "'") +
           " AS opening_date, " +
           (closed.empty() ? "CAST(NULL AS DATE)" : "DATE '" + closed + "'") +
           " AS closed_date, CAST(NULL AS TIMESTAMPTZ) AS valid_from, CAST(NULL AS TIMESTAMPTZ) AS "
           "valid_to";
    return row;
  };
  return unit("world", 1, "", "", "") + " UNION ALL " + unit("region", 2, "world", "", "") +
         " UNION ALL " + unit("D", 3, "world/region", "", "") + " UNION ALL " +
         unit("fA", 4, "world/region/D", "2000-01-01", "") + " UNION ALL " +
         unit("fB", 4, "world/region/D", "2024-02-15", "") + " UNION ALL " +
         unit("fC", 4, "world/region/D", "", "2024-03-10") + " UNION ALL " +
         unit("E", 3, "world/region", "", "") + " UNION ALL " +
         unit("fE", 4, "world/region/E", "", "") +
         // An older version of fA (type 2 history): must not count twice.
         " UNION ALL SELECT 'fA', 4, 'world', 'region', 'D', 'fA', NULL, NULL, NULL, NULL, NULL, "
         "NULL, NULL, TIMESTAMPTZ '2020-01-01 00:00:00+00'";
}

// silver.period: the months of 2024 Q1 and the weeks 2024W4, 2024W5 with their structure columns
// (NULL where the type is not longer than the row's own), the quarter and the year.
const char* kPeriods =
    "SELECT * FROM (VALUES "
    "('202401','Monthly',DATE '2024-01-01',DATE '2024-01-31',31,2024,NULL,'2024Q1','2024'),"
    "('202402','Monthly',DATE '2024-02-01',DATE '2024-02-29',29,2024,NULL,'2024Q1','2024'),"
    "('202403','Monthly',DATE '2024-03-01',DATE '2024-03-31',31,2024,NULL,'2024Q1','2024'),"
    // 2024W5 runs 2024-01-29..02-04: DHIS2 puts it in February (start date + 3 days).
    "('2024W4','Weekly',DATE '2024-01-22',DATE '2024-01-28',7,2024,'202401','2024Q1','2024'),"
    "('2024W5','Weekly',DATE '2024-01-29',DATE '2024-02-04',7,2024,'202402','2024Q1','2024'),"
    "('20240115','Daily',DATE '2024-01-15',DATE '2024-01-15',1,2024,'202401','2024Q1','2024'),"
    "('2024Q1','Quarterly',DATE '2024-01-01',DATE '2024-03-31',91,2024,NULL,NULL,'2024'),"
    "('2024','Yearly',DATE '2024-01-01',DATE '2024-12-31',366,2024,NULL,NULL,NULL)"
    ") AS t(pe, period_type, start_date, end_date, days, year, monthly, quarterly, yearly)";

// kPeriods and January 2025 (Monthly, in 2025Q1 and 2025).
const std::string kPeriodsJanuary2025 =
    std::string(kPeriods) +
    " UNION ALL SELECT * FROM (VALUES ('202501','Monthly',DATE '2025-01-01',DATE '2025-01-31',31,"
    "2025,NULL,'2025Q1','2025'))";
// fA's registration of M for January 2025, completed 2025-02-10 (on time), in 2025.
const std::string kJanuary2025 = "('M','202501','fA','aoc1',true,'2025-02-10 10:00:00+00',2025)";

class GoldQualityTest : public ModelLakeFixture {
 protected:
  void SetUp() override {
    ModelLakeFixture::SetUp();
    UseModels({"gold/reporting_rate.sql", "gold/outlier.sql", "gold/validation_violation.sql",
               "gold/dq_summary.sql"});
  }

  // The silver tables every test starts from.
  void WriteSilver(lake::LakeCatalog& catalog) {
    Write(catalog, "silver.org_unit", OrgUnits());
    Write(catalog, "silver.period", kPeriods);
    // M: Monthly, 15 timely days; W: Weekly, 2 timely days.
    Write(catalog, "silver.data_set",
          "SELECT * FROM (VALUES ('M','Monthly',15.0), ('W','Weekly',2.0), ('Dly','Daily',1.0)) AS "
          "t(uid, "
          "period_type, timely_days)");
    Write(catalog, "silver.data_set_org_unit",
          "SELECT * FROM (VALUES ('M','fA'), ('M','fB'), ('M','fC'), ('W','fA'), ('Dly','fA')) AS "
          "t(data_set, "
          "ou)");
    Write(catalog, "silver.data_set_element",
          "SELECT * FROM (VALUES ('M','dataElemA01'), ('M','dataElemB01'), ('W','O')) AS "
          "t(data_set, de)");
    WriteRegistrations(catalog, kRegistrations);
    WriteValues(catalog, kValues);
    // Constant capConst001 = 12; the group grpClinic01 holds fA and fB.
    Write(catalog, "silver.constant",
          "SELECT * FROM (VALUES ('capConst001', 12.0)) AS t(uid, value)");
    Write(
        catalog, "silver.org_unit_group_member",
        "SELECT * FROM (VALUES ('grpClinic01', 'fA'), ('grpClinic01', 'fB')) AS t(group_uid, ou)");
    // The program indicator piCount0001 is 9 at fA in January (Monthly), 30 in 2024Q1.
    Write(catalog, "silver.program_indicator",
          "SELECT * FROM (VALUES ('piCount0001', 'Visits')) AS t(uid, name)");
    Write(catalog, "gold.program_indicator_value",
          "SELECT * FROM (VALUES ('piCount0001', 'fA', 4, '202401', 'Monthly', 9.0), "
          "('piCount0001', 'fA', 4, '2024Q1', 'Quarterly', 30.0)) AS t(program_indicator, ou, "
          "ou_level, pe, period_type, value)");
    Write(catalog, "silver.min_max",
          "SELECT * FROM (VALUES ('MM','fE','catOptCom01',0.0,100.0,false)) AS t(de, ou, coc, min, "
          "max, "
          "generated)");
    Write(catalog, "silver.validation_rule",
          std::string("SELECT * FROM (VALUES ") + kRules +
              ") AS t(uid, left_expression, right_expression, "
              "operator, importance, period_type, "
              "left_missing_value_strategy, "
              "right_missing_value_strategy, "
              "organisation_unit_levels)");
  }
  void WriteRegistrations(lake::LakeCatalog& catalog, const std::string& values) {
    Write(catalog, "silver.complete_registration",
          "SELECT data_set, pe, ou, aoc, completed, CAST(completed_at AS TIMESTAMPTZ) AS "
          "completed_at FROM (VALUES " +
              values + ") AS t(data_set, pe, ou, aoc, completed, completed_at)");
  }
  // silver.data_value (partitioned by year, as silver writes it) holding `values`.
  void WriteValues(lake::LakeCatalog& catalog, const std::string& values) {
    Write(catalog, "silver.data_value", ValuesSql(values), {"year"});
  }
  // The rows of silver.data_value for `values` (de, pe, ou, coc, aoc, value, value_type), their
  // periods from kPeriods, the months of 2023 (no dates), 2024April (FinancialApril) and 202501.
  std::string ValuesSql(const std::string& values) {
    return "SELECT de, t.pe, ou, coc, aoc, CAST(value AS DOUBLE) AS value, value_type, "
           "p.period_type, p.start_date, p.end_date, p.year FROM (VALUES " +
           values + ") AS t(de, pe, ou, coc, aoc, value, value_type) JOIN (" + kPeriods +
           " UNION ALL SELECT m, 'Monthly', NULL, NULL, 30, 2023, "
           "NULL, NULL, NULL FROM (VALUES ('202307'), ('202308'), ('202309'), ('202310'), "
           "('202311'), ('202312')) AS months(m) UNION ALL SELECT * FROM (VALUES ('2024April', "
           "'FinancialApril', DATE '2024-04-01', DATE '2025-03-31', 365, 2024, NULL, NULL, NULL), "
           "('202501', 'Monthly', DATE '2025-01-01', DATE '2025-01-31', 31, 2025, NULL, '2025Q1', "
           "'2025'))) AS p ON p.pe = t.pe";
  }

  // silver.complete_registration's rows for `values` (data_set, pe, ou, aoc, completed,
  // completed_at, year), partitioned by year as silver writes them.
  static std::string RegistrationsByYear(const std::string& values) {
    return "SELECT data_set, pe, ou, aoc, completed, CAST(completed_at AS TIMESTAMPTZ) AS "
           "completed_at, CAST(year AS INT) AS year FROM (VALUES " +
           values + ") AS t(data_set, pe, ou, aoc, completed, completed_at, year)";
  }
  // Writes registrations of 2025 (RegistrationsByYear's `values`): appended, or replacing 2025.
  void WriteRegistrationsOf2025(lake::LakeCatalog& catalog, const std::string& values,
                                lake::WriteMode mode) {
    lake::WriteOptions options;
    options.mode = mode;
    options.partition_columns = {"year"};
    if (mode == lake::WriteMode::kReplacePartitions) {
      options.replace_partitions = {{{"year", std::string("2025")}}};
    }
    auto written = catalog.Table(*lake::ParseTableName("silver.complete_registration"))
                       .Write(*connection_, RegistrationsByYear(values), options);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
  }

  double Number(lake::LakeCatalog& catalog, const std::string& table, const std::string& column,
                const std::string& where) {
    auto name = lake::ParseTableName(table);
    EXPECT_TRUE(catalog.Register(*connection_, *name).ok());
    auto result = connection_->Query("SELECT CAST(" + column + " AS VARCHAR) FROM " + table +
                                     " WHERE " + where);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok() || result->row_count() != 1) {
      ADD_FAILURE() << table << " WHERE " << where << ": not exactly one row";
      return NAN;
    }
    auto text = result->GetString(0, 0);
    return text ? std::stod(*text) : NAN;
  }

  // Registrations (completed_at in UTC):
  //   fA 202401 2024-02-15 10:00  15 whole days / 15.42 days after Jan 31
  //   fA 202402 2024-03-16 00:00  16 whole days / 16.0 days after Feb 29
  //   fA 202403 not completed     never counts
  //   fC 202401 2024-02-01 09:00  1 day
  //   fB 202402 2024-02-20 12:00  before the period's end; fB is not expected in February
  //   fA 2024W5 2024-02-06 12:00  2.5 days after 2024-02-04 (W: 2 timely days)
  //   fA 20240115 (Dly, daily)    2024-01-16 08:00, 1 whole day after (Dly: 1 timely day)
  static constexpr const char* kRegistrations =
      "('M','202401','fA','aoc1',true,'2024-02-15 10:00:00+00'),"
      "('M','202402','fA','aoc1',true,'2024-03-16 00:00:00+00'),"
      "('M','202403','fA','aoc1',false,'2024-04-02 00:00:00+00'),"
      "('M','202401','fC','aoc1',true,'2024-02-01 09:00:00+00'),"
      "('M','202402','fB','aoc1',true,'2024-02-20 12:00:00+00'),"
      "('W','2024W5','fA','aoc1',true,'2024-02-06 12:00:00+00'),"
      "('Dly','20240115','fA','aoc1',true,'2024-01-16 08:00:00+00')";

  // Values at fA in 2024 (aoc1): A.c1 10, A.c2 5 (#{dataElemA01} = 15), B 20, no C; Q 7 in the
  // quarter 2024Q1 and 3 in February. The outlier series O at fE (2023-07..12): 10, 12, 11, 13, 10,
  // 50; MM at fE: 5 and 200 against the range 0..100; S at fE: 7, 7 (no spread); T a text value.
  static constexpr const char* kValues =
      "('dataElemA01','202401','fA','catOptCom01','aoc1',10.0,'INTEGER'),"
      "('dataElemA01','202401','fA','catOptCom02','aoc1',5.0,'INTEGER'),"
      "('dataElemB01','202401','fA','catOptCom01','aoc1',20.0,'NUMBER'),"
      "('dataElemQ01','2024Q1','fA','catOptCom01','aoc1',7.0,'NUMBER'),"
      "('dataElemQ01','202402','fA','catOptCom01','aoc1',3.0,'NUMBER'),"
      "('O','202307','fE','catOptCom01','aoc1',10.0,'INTEGER'),"
      "('O','202308','fE','catOptCom01','aoc1',12.0,'INTEGER'),"
      "('O','202309','fE','catOptCom01','aoc1',11.0,'INTEGER'),"
      "('O','202310','fE','catOptCom01','aoc1',13.0,'INTEGER'),"
      "('O','202311','fE','catOptCom01','aoc1',10.0,'INTEGER'),"
      "('O','202312','fE','catOptCom01','aoc1',50.0,'INTEGER'),"
      "('MM','202307','fE','catOptCom01','aoc1',5.0,'INTEGER'),"
      "('MM','202308','fE','catOptCom01','aoc1',200.0,'INTEGER'),"
      "('S','202307','fE','catOptCom01','aoc1',7.0,'INTEGER'),"
      "('S','202308','fE','catOptCom01','aoc1',7.0,'INTEGER'),"
      "('T','202307','fE','catOptCom01','aoc1',NULL,'TEXT')";

  // Validation rules (all Monthly): every operator and missing-value strategy.
  static constexpr const char* kRules =
      "('r_eq','#{dataElemA01}','#{dataElemB01}','equal_to','HIGH','Monthly',NULL,NULL,NULL),"
      "('r_ne','#{dataElemA01}','#{dataElemA01.catOptCom01} + "
      "5','not_equal_to','LOW','Monthly',NULL,NULL,NULL),"
      "('r_gt','#{dataElemA01}','#{dataElemB01}','greater_than','MEDIUM','Monthly',NULL,NULL,NULL),"
      "('r_ge','#{dataElemB01}','#{dataElemA01}','greater_than_or_equal_to','MEDIUM','Monthly',"
      "NULL,NULL,NULL),"
      "('r_lt','#{dataElemB01}','#{dataElemA01}','less_than','MEDIUM','Monthly',NULL,NULL,NULL),"
      "('r_le','#{dataElemA01}','#{dataElemB01}','less_than_or_equal_to','MEDIUM','Monthly',NULL,"
      "NULL,NULL),"
      "('r_cp','#{dataElemA01}','#{dataElemC01}','compulsory_pair','MEDIUM','Monthly',NULL,NULL,"
      "NULL),"
      "('r_xp','#{dataElemA01}','#{dataElemB01}','exclusive_pair','MEDIUM','Monthly',NULL,NULL,"
      "NULL),"
      "('r_skip_any','#{dataElemA01} + "
      "#{dataElemC01}','0','less_than_or_equal_to','MEDIUM','Monthly',"
      "'SKIP_IF_ANY_VALUE_MISSING',NULL,NULL),"
      "('r_skip_all','#{dataElemA01} + #{dataElemC01}','#{dataElemB01} - "
      "10','less_than_or_equal_to','MEDIUM','Monthly',"
      "'SKIP_IF_ALL_VALUES_MISSING','SKIP_IF_ALL_VALUES_MISSING',NULL),"
      "('r_never','#{dataElemC01}','#{dataElemB01}','greater_than','MEDIUM','Monthly','NEVER_SKIP',"
      "NULL,NULL),"
      "('r_never_control','#{dataElemC01}','#{dataElemB01}','greater_than','MEDIUM','Monthly',"
      "'SKIP_IF_ALL_VALUES_MISSING',NULL,NULL),"
      "('r_level3','#{dataElemA01}','#{dataElemB01}','equal_to','HIGH','Monthly',NULL,NULL,'3'),"
      "('r_level4','#{dataElemA01}','#{dataElemB01}','equal_to','HIGH','Monthly',NULL,NULL,'3,4'),"
      "('r_q','#{dataElemQ01}','8','equal_to','LOW','Monthly',NULL,NULL,NULL),"
      "('r_constant','C{abc}','1','equal_to','LOW','Monthly',NULL,NULL,NULL),"
      "('r_broken','#{dataElemA01} +','1','equal_to','LOW','Monthly',NULL,NULL,NULL)";
};

// The mean and standard deviation of a series are exact sums (DECIMAL terms), the same in any
// order the engine adds them: X at fE is 1e12, 0.1, -1e12. In doubles, in that order,
// 1e12 + 0.1 = 1000000000000.1000976..., minus 1e12 leaves 0.100006103515625 (mean 0.0333353678);
// the exact mean is 0.1 / 3. The population standard deviation is
// sqrt(((1e12 - m)^2 + (0.1 - m)^2 + (-1e12 - m)^2) / 3) = sqrt(2e24 / 3 + ...) = 816496580927.726.
TEST_F(GoldQualityTest, TheMeanOfASeriesIsExactInAnyOrder) {
  WriteSilver(*catalog_);
  WriteValues(*catalog_, std::string(kValues) +
                             ",('X','202307','fE','catOptCom01','aoc1',1e12,'NUMBER'),"
                             "('X','202308','fE','catOptCom01','aoc1',0.1,'NUMBER'),"
                             "('X','202309','fE','catOptCom01','aoc1',-1e12,'NUMBER')");
  RunOk(*catalog_);
  const std::string x = "de = 'X' AND pe = '202308'";
  EXPECT_NEAR(Number(*catalog_, "gold.outlier", "mean", x), 0.1 / 3, 1e-15);
  EXPECT_NEAR(Number(*catalog_, "gold.outlier", "std_dev", x), 816496580927.726, 1e-2);
  // The hand-computed series are unchanged (O's mean 106 / 6).
  EXPECT_NEAR(Number(*catalog_, "gold.outlier", "mean", "de = 'O' AND pe = '202312'"), 106.0 / 6,
              1e-12);
}

// A series of integers below 2^31 takes its standard deviation from exact integer sums, correct
// to the last bit: V at fE is 0, 0, 1: mean 1 / 3, variance (3 * 1 - 1^2) / 3^2 = 2 / 9, std_dev
// sqrt(2 / 9) = 0.47140452079103; z(1) = (2 / 3) / sqrt(2 / 9) = sqrt(2). (Squared deviations
// rounded to 10 decimals gave 0.6666666666 / 3 and std_dev 0.47140452067, 1.2e-10 off.) T is
// -2147483647 and 2147483647, the largest magnitude the integer sums take: std_dev 2147483647.
// U is 3e9, 3e9 + 1, 3e9 + 2, integers beyond 2^31, summed as DECIMAL: std_dev sqrt(2 / 3).
TEST_F(GoldQualityTest, TheStandardDeviationOfAnIntegerSeriesIsExact) {
  WriteSilver(*catalog_);
  WriteValues(*catalog_, std::string(kValues) +
                             ",('V','202307','fE','catOptCom01','aoc1',0,'INTEGER'),"
                             "('V','202308','fE','catOptCom01','aoc1',0,'INTEGER'),"
                             "('V','202309','fE','catOptCom01','aoc1',1,'INTEGER'),"
                             "('T','202307','fE','catOptCom01','aoc1',-2147483647,'INTEGER'),"
                             "('T','202308','fE','catOptCom01','aoc1',2147483647,'INTEGER'),"
                             "('U','202307','fE','catOptCom01','aoc1',3000000000,'INTEGER'),"
                             "('U','202308','fE','catOptCom01','aoc1',3000000001,'INTEGER'),"
                             "('U','202309','fE','catOptCom01','aoc1',3000000002,'INTEGER')");
  RunOk(*catalog_);
  const std::string v1 = "de = 'V' AND pe = '202309'";
  EXPECT_DOUBLE_EQ(Number(*catalog_, "gold.outlier", "mean", v1), 1.0 / 3);
  EXPECT_EQ(Number(*catalog_, "gold.outlier", "std_dev", v1), std::sqrt(2.0 / 9));
  EXPECT_NEAR(Number(*catalog_, "gold.outlier", "z_score", v1), std::sqrt(2.0), 1e-15);
  EXPECT_EQ(Number(*catalog_, "gold.outlier", "mean", "de = 'T' AND pe = '202307'"), 0.0);
  EXPECT_EQ(Number(*catalog_, "gold.outlier", "std_dev", "de = 'T' AND pe = '202307'"),
            2147483647.0);
  EXPECT_EQ(Number(*catalog_, "gold.outlier", "mean", "de = 'U' AND pe = '202307'"), 3000000001.0);
  EXPECT_EQ(Number(*catalog_, "gold.outlier", "std_dev", "de = 'U' AND pe = '202307'"),
            std::sqrt(2.0 / 3));
}

// Medians from the sorted series (generator outlier_series): an odd count takes the middle value,
// an even one interpolates the two middle values, one value has no spread.
//   Y at fE: 1, 2, 10: median 2; |v - 2| = 1, 0, 8 -> mad 1; modified z(10) = 0.6745 * 8 = 5.396
//     (an outlier), modified z(1) = 0.6745; mean 13 / 3, std_dev sqrt(438 / 27) = 4.027681.
//   W at fE: 100, 1, 3, 2: median (2 + 3) / 2 = 2.5; |v - 2.5| = 97.5, 1.5, 0.5, 0.5 -> mad
//     (0.5 + 1.5) / 2 = 1.0; modified z(100) = 0.6745 * 97.5 = 65.763750.
//   Z at fE: 5 alone: median 5, mad 0 and std_dev 0: no score.
TEST_F(GoldQualityTest, MediansOfOddEvenAndSingleValueSeries) {
  WriteSilver(*catalog_);
  WriteValues(*catalog_, std::string(kValues) +
                             ",('Y','202307','fE','catOptCom01','aoc1',1,'NUMBER'),"
                             "('Y','202308','fE','catOptCom01','aoc1',2,'NUMBER'),"
                             "('Y','202309','fE','catOptCom01','aoc1',10,'NUMBER'),"
                             "('W','202307','fE','catOptCom01','aoc1',100,'NUMBER'),"
                             "('W','202308','fE','catOptCom01','aoc1',1,'NUMBER'),"
                             "('W','202309','fE','catOptCom01','aoc1',3,'NUMBER'),"
                             "('W','202310','fE','catOptCom01','aoc1',2,'NUMBER'),"
                             "('Z','202307','fE','catOptCom01','aoc1',5,'NUMBER')");
  RunOk(*catalog_);
  EXPECT_EQ(
      Rows(*catalog_, "gold.outlier",
           "de, pe, value, median, mad, round(modified_z_score, 6), is_modified_z_outlier",
           "de IN ('Y', 'W', 'Z')"),
      (std::vector<std::string>{
          "(W, 202307, 100.0, 2.5, 1.0, 65.76375, true)",
          "(W, 202308, 1.0, 2.5, 1.0, 1.01175, false)",
          "(W, 202309, 3.0, 2.5, 1.0, 0.33725, false)",
          "(W, 202310, 2.0, 2.5, 1.0, 0.33725, false)", "(Y, 202307, 1.0, 2.0, 1.0, 0.6745, false)",
          "(Y, 202308, 2.0, 2.0, 1.0, 0.0, false)", "(Y, 202309, 10.0, 2.0, 1.0, 5.396, true)",
          "(Z, 202307, 5.0, 5.0, 0.0, NULL, false)"}));
  EXPECT_NEAR(Number(*catalog_, "gold.outlier", "mean", "de = 'Y' AND pe = '202307'"), 13.0 / 3,
              1e-12);
  EXPECT_NEAR(Number(*catalog_, "gold.outlier", "std_dev", "de = 'Y' AND pe = '202307'"),
              std::sqrt(438.0 / 27), 1e-9);
  EXPECT_EQ(Rows(*catalog_, "gold.outlier", "de, std_dev, z_score", "de = 'Z'"),
            (std::vector<std::string>{"(Z, 0.0, NULL)"}));
}

// On DuckDB a value's period goes through the series' grouping as an integer key of the periods
// in silver.period; a period silver.period does not hold keeps its id by another way. P at fE
// mixes both: 1 in 202401 and 6 in 2024W4 (in silver.period), 2 in 202312 (not there, year 2023).
// Each row keeps its own period, value and year; mean 3, median 2, |v - 2| = 1, 0, 4 -> mad 1,
// integer sums n = 3, sx = 9, sxx = 41: variance (3 * 41 - 81) / 9 = 42 / 9, modified z(6) =
// 0.6745 * 4 = 2.698.
TEST_F(GoldQualityTest, EachValueKeepsItsPeriodWhetherSilverPeriodHoldsItOrNot) {
  WriteSilver(*catalog_);
  WriteValues(*catalog_, std::string(kValues) +
                             ",('P','202401','fE','catOptCom01','aoc1',1,'INTEGER'),"
                             "('P','202312','fE','catOptCom01','aoc1',2,'INTEGER'),"
                             "('P','2024W4','fE','catOptCom01','aoc1',6,'INTEGER')");
  RunOk(*catalog_);
  EXPECT_EQ(Rows(*catalog_, "gold.outlier",
                 "de, pe, value, year, mean, median, mad, round(modified_z_score, 6)", "de = 'P'"),
            (std::vector<std::string>{"(P, 202312, 2.0, 2023, 3.0, 2.0, 1.0, 0.0)",
                                      "(P, 202401, 1.0, 2024, 3.0, 2.0, 1.0, 0.6745)",
                                      "(P, 2024W4, 6.0, 2024, 3.0, 2.0, 1.0, 2.698)"}));
  EXPECT_EQ(Number(*catalog_, "gold.outlier", "std_dev", "de = 'P' AND pe = '2024W4'"),
            std::sqrt(42.0 / 9));
  // O's periods (2023) are none of silver.period's: its six rows keep theirs.
  EXPECT_EQ(Rows(*catalog_, "gold.outlier", "pe", "de = 'O'"),
            (std::vector<std::string>{"(202307)", "(202308)", "(202309)", "(202310)", "(202311)",
                                      "(202312)"}));
}

const std::string kRateColumns =
    "data_set, ou, ou_level, pe, period_type, expected, actual, actual_on_time, round(rate, 3), "
    "round(rate_on_time, 3)";

TEST_F(GoldQualityTest, ModelFilesStayInTheSharedSqlSubset) {
  for (const char* name : {"reporting_rate", "outlier", "validation_violation", "dq_summary"}) {
    auto violations = CheckSharedSubset(ReadModel(std::string("gold/") + name + ".sql"));
    EXPECT_TRUE(violations.empty()) << name << ": " << violations.front().message;
  }
}

// Whole-day timeliness (servers up to 2.41.1; the simulator's default 2.41.0).
TEST_F(GoldQualityTest, ReportingRatesByHand) {
  WriteSilver(*catalog_);
  auto summary = Run(*catalog_);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->ok()) << summary->ToString();
  // District D, data set M.
  // Expected: an org unit counts when open for the whole period (opening <= start, closed >= end).
  //   Jan: fA, fC (fB opens 02-15)            2    Feb: fA, fC (fB opened after Feb 1)     2
  //   Mar: fA, fB (fC closed 03-10)           2    Q1: only fA, x span floor(91/30) = 3    3
  //   2024: only fA (fC closes within), x floor(365/30) = 12                             12
  // Actual: completed registrations in the subtree, whatever the unit's dates:
  //   Jan: fA, fC = 2; Feb: fA, fB = 2; Mar: 0 (fA's is not completed); Q1 and 2024: 4.
  // On time (whole days <= 15): fA Jan 15 yes, fC Jan yes, fA Feb 16 no, fB Feb yes -> Jan 2,
  //   Feb 1, Q1 3, 2024 3. Rates: min(100, actual * 100 / expected).
  EXPECT_EQ(
      Rows(*catalog_, "gold.reporting_rate", kRateColumns, "data_set = 'M' AND ou = 'D'"),
      (std::vector<std::string>{"(M, D, 3, 2024, Yearly, 12.0, 4.0, 3.0, 33.333, 25.0)",
                                "(M, D, 3, 202401, Monthly, 2.0, 2.0, 2.0, 100.0, 100.0)",
                                "(M, D, 3, 202402, Monthly, 2.0, 2.0, 1.0, 100.0, 50.0)",
                                "(M, D, 3, 202403, Monthly, 2.0, 0.0, 0.0, 0.0, 0.0)",
                                "(M, D, 3, 2024Q1, Quarterly, 3.0, 4.0, 3.0, 100.0, 100.0)"}));
  // Facilities: fB has no row for February (not expected), fC none for March.
  EXPECT_EQ(
      Rows(*catalog_, "gold.reporting_rate", "ou, pe, expected, actual, actual_on_time",
           "data_set = 'M' AND ou_level = 4 AND period_type = 'Monthly'"),
      (std::vector<std::string>{"(fA, 202401, 1.0, 1.0, 1.0)", "(fA, 202402, 1.0, 1.0, 0.0)",
                                "(fA, 202403, 1.0, 0.0, 0.0)", "(fB, 202403, 1.0, 0.0, 0.0)",
                                "(fC, 202401, 1.0, 1.0, 1.0)", "(fC, 202402, 1.0, 0.0, 0.0)"}));
  // Every level carries the same figures here (all units sit under D).
  EXPECT_EQ(Rows(*catalog_, "gold.reporting_rate", "ou_level, expected, actual",
                 "data_set = 'M' AND pe = '2024Q1' AND ou_level < 4"),
            (std::vector<std::string>{"(1, 3.0, 4.0)", "(2, 3.0, 4.0)", "(3, 3.0, 4.0)"}));
  // Weekly data set W at fA: a month expects floor(30/7) = 4 weeks, a quarter floor(91/7) = 13,
  // a year floor(365/7) = 52. 2024W5 (Jan 29..Feb 4) belongs to February by its start + 3 days;
  // completed 2.5 days after its end: whole days 2 <= 2, on time.
  EXPECT_EQ(Rows(*catalog_, "gold.reporting_rate", kRateColumns, "data_set = 'W' AND ou = 'fA'"),
            (std::vector<std::string>{"(W, fA, 4, 2024, Yearly, 52.0, 1.0, 1.0, 1.923, 1.923)",
                                      "(W, fA, 4, 202401, Monthly, 4.0, 0.0, 0.0, 0.0, 0.0)",
                                      "(W, fA, 4, 202402, Monthly, 4.0, 1.0, 1.0, 25.0, 25.0)",
                                      "(W, fA, 4, 2024Q1, Quarterly, 13.0, 1.0, 1.0, 7.692, 7.692)",
                                      "(W, fA, 4, 2024W4, Weekly, 1.0, 0.0, 0.0, 0.0, 0.0)",
                                      "(W, fA, 4, 2024W5, Weekly, 1.0, 1.0, 1.0, 100.0, 100.0)"}));
}

// A Daily data set expects one report per day: the target is the days of the period
// (ReportRatesHelper.getCalculatedTarget), not a frequency ratio.
TEST_F(GoldQualityTest, DailyDataSetExpectsADayCount) {
  WriteSilver(*catalog_);
  auto summary = Run(*catalog_);
  ASSERT_TRUE(summary.ok() && summary->ok()) << summary->ToString();
  // January 31 days: 1 / 31 = 3.226 %; Q1 91 days: 1.099 %; 2024 366 days: 0.273 %.
  EXPECT_EQ(
      Rows(*catalog_, "gold.reporting_rate", kRateColumns, "data_set = 'Dly' AND ou = 'fA'"),
      (std::vector<std::string>{"(Dly, fA, 4, 2024, Yearly, 366.0, 1.0, 1.0, 0.273, 0.273)",
                                "(Dly, fA, 4, 202401, Monthly, 31.0, 1.0, 1.0, 3.226, 3.226)",
                                "(Dly, fA, 4, 20240115, Daily, 1.0, 1.0, 1.0, 100.0, 100.0)",
                                "(Dly, fA, 4, 2024Q1, Quarterly, 91.0, 1.0, 1.0, 1.099, 1.099)"}));
}

TEST_F(GoldQualityTest, OnTimeFollowsTheServerVersion) {
  WriteSilver(*catalog_);
  auto on_time = [&](const std::string& version) {
    QualityParameters parameters;
    parameters.server_version = version;
    run_options_.settings.quality = parameters;
    auto summary = Run(*catalog_, /*full=*/true);
    EXPECT_TRUE(summary.ok() && summary->ok());
    return Rows(*catalog_, "gold.reporting_rate", "pe, actual_on_time",
                "ou = 'D' AND data_set = 'M' AND period_type = 'Monthly' AND pe < '202403'");
  };
  // 2.41.2 .. 2.41.7: fractional days <= 15: fA Jan (15.42) and fA Feb (16.0) are late.
  EXPECT_EQ(on_time("2.41.5"), (std::vector<std::string>{"(202401, 1.0)", "(202402, 1.0)"}));
  // 2.41.8 and 2.42+: fractional days <= 16: both on time (16.0 is the boundary, included).
  EXPECT_EQ(on_time("2.42.1"), (std::vector<std::string>{"(202401, 2.0)", "(202402, 2.0)"}));
  EXPECT_EQ(on_time("2.41.8.1"), (std::vector<std::string>{"(202401, 2.0)", "(202402, 2.0)"}));
  // Up to 2.41.1: whole days <= 15: fA Jan (15) on time, fA Feb (16) late.
  EXPECT_EQ(on_time("2.40.3"), (std::vector<std::string>{"(202401, 2.0)", "(202402, 1.0)"}));
  GeneratorSettings banana;
  banana.quality = QualityParameters{"banana", 3, 3, 3};
  EXPECT_FALSE(ValidateSettings(banana).ok());
}

TEST_F(GoldQualityTest, OutliersByHand) {
  WriteSilver(*catalog_);
  auto summary = Run(*catalog_);
  ASSERT_TRUE(summary.ok() && summary->ok()) << summary->ToString();
  // O at fE: 10, 12, 11, 13, 10, 50.
  //   mean = 106 / 6 = 17.6667; deviations -23/3, -17/3, -20/3, -14/3, -23/3, 97/3;
  //   population variance = (529 + 289 + 400 + 196 + 529 + 9409) / 9 / 6 = 210.2222,
  //   std_dev = 14.49904; z(50) = (97/3) / 14.49904 = 2.23003 (< 3: with 6 values z can never
  //   pass sqrt(5) = 2.236, the masking the modified z-score avoids); z(10) = 0.52880.
  //   median = (11 + 12) / 2 = 11.5; |v - median| = 1.5, 0.5, 0.5, 1.5, 1.5, 38.5 -> mad = 1.5;
  //   modified z(50) = 0.6745 * 38.5 / 1.5 = 17.31217 (outlier), modified z(10) = 0.6745.
  const std::string o50 = "de = 'O' AND pe = '202312'";
  EXPECT_NEAR(Number(*catalog_, "gold.outlier", "mean", o50), 17.66667, 1e-4);
  EXPECT_NEAR(Number(*catalog_, "gold.outlier", "std_dev", o50), 14.49904, 1e-4);
  EXPECT_NEAR(Number(*catalog_, "gold.outlier", "z_score", o50), 2.23003, 1e-4);
  EXPECT_NEAR(Number(*catalog_, "gold.outlier", "median", o50), 11.5, 1e-9);
  EXPECT_NEAR(Number(*catalog_, "gold.outlier", "mad", o50), 1.5, 1e-9);
  EXPECT_NEAR(Number(*catalog_, "gold.outlier", "modified_z_score", o50), 17.31217, 1e-4);
  EXPECT_NEAR(Number(*catalog_, "gold.outlier", "z_score", "de = 'O' AND pe = '202307'"), 0.52880,
              1e-4);
  EXPECT_NEAR(Number(*catalog_, "gold.outlier", "modified_z_score", "de = 'O' AND pe = '202307'"),
              0.6745, 1e-9);
  EXPECT_EQ(Rows(*catalog_, "gold.outlier",
                 "de, pe, is_z_outlier, is_modified_z_outlier, is_min_max_outlier",
                 "is_z_outlier OR is_modified_z_outlier OR is_min_max_outlier"),
            (std::vector<std::string>{"(MM, 202308, false, false, true)",
                                      "(O, 202312, false, true, false)"}));
  // MM: 5 and 200: mean 102.5, std_dev 97.5, z 1.0; median 102.5, mad 97.5, modified z 0.6745;
  // 200 is above the min-max range 0..100.
  // S has no spread: no z-score, no modified z-score (DHIS2 leaves such series out). T is text.
  EXPECT_EQ(Rows(*catalog_, "gold.outlier", "de, pe, z_score, modified_z_score, min, max",
                 "de IN ('S', 'T', 'MM')"),
            (std::vector<std::string>{
                "(MM, 202307, 1.0, 0.6745, 0.0, 100.0)", "(MM, 202308, 1.0, 0.6745, 0.0, 100.0)",
                "(S, 202307, NULL, NULL, NULL, NULL)", "(S, 202308, NULL, NULL, NULL, NULL)"}));
  // A lower threshold is a parameter: at 2.0 the value 50 is a z outlier too.
  QualityParameters lower;
  lower.z_threshold = 2.0;
  run_options_.settings.quality = lower;
  // Not a full run: the changed setting alone reruns the model (its definition fingerprint).
  RunOk(*catalog_);
  std::string outlier_reason;
  for (const ModelResult& model : last_summary_.models) {
    if (model.name.ToString() == "gold.outlier") outlier_reason = model.run_reason;
  }
  EXPECT_NE(outlier_reason.find("definition changed"), std::string::npos) << outlier_reason;
  EXPECT_EQ(Rows(*catalog_, "gold.outlier", "de, pe", "is_z_outlier"),
            (std::vector<std::string>{"(O, 202312)"}));
}

TEST_F(GoldQualityTest, ValidationRulesEveryOperatorAndStrategy) {
  WriteSilver(*catalog_);
  auto summary = Run(*catalog_);
  ASSERT_TRUE(summary.ok() && summary->ok()) << summary->ToString();
  // fA, 202401, aoc1: #{dataElemA01} = 10 + 5 = 15, #{dataElemA01.catOptCom01} = 10, #{dataElemB01}
  // = 20, #{dataElemC01} missing.
  //   r_eq 15 == 20 false -> violation; r_ne 15 != 10 + 5 false -> violation;
  //   r_gt 15 > 20 false -> violation; r_ge 20 >= 15 holds; r_lt 20 < 15 false -> violation;
  //   r_le 15 <= 20 holds; r_cp: left 15, right missing -> violation (right stored as 0);
  //   r_xp: both present -> violation; r_skip_any: C missing -> left skipped, no violation;
  //   r_skip_all: 15 + 0 <= 20 - 10 false -> violation; r_never: C missing, NEVER_SKIP -> 0,
  //   0 > 20 false -> violation; r_never_control (SKIP_IF_ALL): skipped;
  //   r_level3: fA is level 4 and D has no values of its own; r_level4 (levels 3,4) -> violation.
  // Q: stored for 2024Q1 (7) and 202402 (3): the shortest stored period containing the month's
  //   start wins: Jan 7, Feb 3, Mar 7; r_q 7 == 8 / 3 == 8 false -> three violations.
  //   February and March cells exist (Q has values there) but every other rule skips them.
  // r_constant (C{...}) and r_broken (a syntax error) are left out with a warning.
  EXPECT_EQ(Rows(*catalog_, "gold.validation_violation",
                 "rule, ou, pe, aoc, left_side, right_side, operator, importance"),
            (std::vector<std::string>{
                "(r_cp, fA, 202401, aoc1, 15.0, 0.0, compulsory_pair, MEDIUM)",
                "(r_eq, fA, 202401, aoc1, 15.0, 20.0, equal_to, HIGH)",
                "(r_gt, fA, 202401, aoc1, 15.0, 20.0, greater_than, MEDIUM)",
                "(r_level4, fA, 202401, aoc1, 15.0, 20.0, equal_to, HIGH)",
                "(r_lt, fA, 202401, aoc1, 20.0, 15.0, less_than, MEDIUM)",
                "(r_ne, fA, 202401, aoc1, 15.0, 15.0, not_equal_to, LOW)",
                "(r_never, fA, 202401, aoc1, 0.0, 20.0, greater_than, MEDIUM)",
                "(r_q, fA, 202401, aoc1, 7.0, 8.0, equal_to, LOW)",
                "(r_q, fA, 202402, aoc1, 3.0, 8.0, equal_to, LOW)",
                "(r_q, fA, 202403, aoc1, 7.0, 8.0, equal_to, LOW)",
                "(r_skip_all, fA, 202401, aoc1, 15.0, 10.0, less_than_or_equal_to, MEDIUM)",
                "(r_xp, fA, 202401, aoc1, 15.0, 20.0, exclusive_pair, MEDIUM)"}));
}

// C{}, OUG{} and [days] in validation rules (DHIS2's validation parser accepts them; C{} and OUG{}
// do not count for the missing value strategy); R{} is refused, naming the item.
TEST_F(GoldQualityTest, ValidationRulesWithConstantsGroupCountsAndDays) {
  WriteSilver(*catalog_);
  Write(*catalog_, "silver.validation_rule",
        "SELECT * FROM (VALUES "
        "('r_cap', '#{dataElemA01}', 'C{capConst001}', 'less_than_or_equal_to', 'HIGH', 'Monthly', "
        "NULL, "
        "NULL, NULL),"
        "('r_oug', '#{dataElemB01}', 'OUG{grpClinic01} * 10', 'less_than_or_equal_to', 'LOW', "
        "'Monthly', NULL, NULL, NULL),"
        "('r_oug_district', '#{dataElemB01}', 'OUG{grpClinic01} * 10', 'less_than_or_equal_to', "
        "'LOW', 'Monthly', NULL, NULL, '3'),"
        "('r_days', '#{dataElemQ01}', '[days] / 10', 'less_than', 'LOW', 'Monthly', NULL, NULL, "
        "NULL),"
        "('r_nope', '#{dataElemA01}', 'C{nopeConst01}', 'equal_to', 'LOW', 'Monthly', NULL, NULL, "
        "NULL),"
        "('r_rate', '#{dataElemA01}', 'R{dsMonthly01.REPORTING_RATE}', 'equal_to', 'LOW', "
        "'Monthly', NULL, "
        "NULL, NULL),"
        "('r_pi', '#{dataElemA01}', 'I{piCount0001}', 'less_than_or_equal_to', 'LOW', 'Monthly', "
        "NULL, NULL, NULL),"
        "('r_pi_nope', '#{dataElemA01}', 'I{piNope00001}', 'equal_to', 'LOW', 'Monthly', NULL, "
        "NULL, NULL)"
        ") AS t(uid, left_expression, right_expression, operator, importance, period_type, "
        "left_missing_value_strategy, right_missing_value_strategy, organisation_unit_levels)");
  auto summary = Run(*catalog_);
  ASSERT_TRUE(summary.ok() && summary->ok()) << summary->ToString();
  // fA in January: A = 15 <= cap 12 false: violation. B = 20 <= (clinics in fA's subtree: fA
  // itself, 1) x 10 false: violation. At level 3 only (r_oug_district) there are no cells: D holds
  // no values of its own. Q against the month's days / 10: January 7 < 3.1, February 3 < 2.9,
  // March 7 < 3.1 all false: three violations. A against the program indicator's month at fA:
  // January 15 <= 9 false: a violation; the other months have no indicator value (the right side
  // is missing: skipped).
  EXPECT_EQ(
      Rows(*catalog_, "gold.validation_violation",
           "rule, ou, pe, aoc, left_side, right_side, operator"),
      (std::vector<std::string>{"(r_cap, fA, 202401, aoc1, 15.0, 12.0, less_than_or_equal_to)",
                                "(r_days, fA, 202401, aoc1, 7.0, 3.1, less_than)",
                                "(r_days, fA, 202402, aoc1, 3.0, 2.9, less_than)",
                                "(r_days, fA, 202403, aoc1, 7.0, 3.1, less_than)",
                                "(r_oug, fA, 202401, aoc1, 20.0, 10.0, less_than_or_equal_to)",
                                "(r_pi, fA, 202401, aoc1, 15.0, 9.0, less_than_or_equal_to)"}));
  EXPECT_EQ(summary->expressions_refused, 3) << summary->ToString();
  std::string all = summary->ToString();
  EXPECT_NE(all.find("no such constant (silver.constant)"), std::string::npos) << all;
  EXPECT_NE(all.find("I{piNope00001}: no such program indicator"), std::string::npos) << all;
  EXPECT_NE(
      all.find("R{dsMonthly01.REPORTING_RATE} at character 0 is not computed in validation rules"),
      std::string::npos)
      << all;
}

TEST_F(GoldQualityTest, RulesThatCannotBeCompiledAreNamed) {
  std::vector<ValidationRuleRow> rules = {
      {"ok", "#{dataElemA01}", "#{dataElemB01}", "equal_to", "HIGH", "Monthly", "", "", ""},
      {"constant", "C{abc}", "1", "equal_to", "HIGH", "Monthly", "", "", ""},
      {"operator", "#{dataElemA01}", "1", "about_equal", "HIGH", "Monthly", "", "", ""},
      {"strategy", "#{dataElemA01}", "1", "equal_to", "HIGH", "Monthly", "SOMETIMES", "", ""},
      {"offset", "#{dataElemA01}.periodOffset(-1)", "1", "equal_to", "HIGH", "Monthly", "", "",
       ""}};
  std::vector<std::string> skipped;
  auto sql_text = ValidationViolationSql({rules, {}}, sql::Dialect::kDuckDb, &skipped);
  ASSERT_TRUE(sql_text.ok()) << sql_text.status().ToString();
  ASSERT_EQ(skipped.size(), 4u);
  EXPECT_NE(skipped[0].find("constant: "), std::string::npos) << skipped[0];
  EXPECT_NE(skipped[1].find("about_equal"), std::string::npos) << skipped[1];
  EXPECT_NE(skipped[2].find("SOMETIMES"), std::string::npos) << skipped[2];
  EXPECT_NE(skipped[3].find("periodOffset"), std::string::npos) << skipped[3];
  // No rules at all: an empty result with the table's columns.
  auto empty = ValidationViolationSql({}, sql::Dialect::kDuckDb);
  ASSERT_TRUE(empty.ok());
  auto result = connection_->Query(*empty);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->row_count(), 0u);
}

// The generators' Spark renderings parse as Spark SQL (sqlglot, Debian's python3-sqlglot).
TEST_F(GoldQualityTest, SparkRenderingsParse) {
  if (std::system("/usr/bin/python3 -c 'import sqlglot' 2>/dev/null") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with sqlglot is not installed";
  }
  std::vector<ValidationRuleRow> rules = {
      {"r1", "#{dataElemA01} + #{dataElemB01.catOptCom01}", "[days] * 2", "less_than", "HIGH",
       "Monthly", "NEVER_SKIP", "", "3,4"},
      {"r2", "#{dataElemA01}", "#{dataElemC01}", "compulsory_pair", "LOW", "Quarterly", "", "", ""},
      {"r3", "#{dataElemA01}", "C{capConst001} + OUG{grpClinic01}", "less_than", "LOW", "Monthly",
       "", "", ""}};
  auto validation = ValidationViolationSql({rules, {{"capConst001", 12}}}, sql::Dialect::kSpark);
  ASSERT_TRUE(validation.ok()) << validation.status().ToString();
  std::vector<std::string> texts = {*validation};
  for (TimelinessRule rule : {TimelinessRule::kWholeDays, TimelinessRule::kFractionalDays,
                              TimelinessRule::kFractionalDaysPlusOne}) {
    texts.push_back(
        "SELECT " +
        OnTimeSql(rule, "completed_at", "end_date", "timely_days", sql::Dialect::kSpark) +
        " AS on_time FROM registration");
  }
  for (size_t i = 0; i < texts.size(); ++i) {
    std::string text = texts[i];
    // ref('layer.table') is rendered by the bundle; a plain name stands in for it here.
    for (size_t at; (at = text.find("ref('")) != std::string::npos;) {
      size_t end = text.find("')", at);
      text = text.substr(0, at) + text.substr(at + 5, end - at - 5) + text.substr(end + 2);
    }
    fs::path file = dir_ / ("spark_" + std::to_string(i) + ".sql");
    fs::create_directories(dir_);
    std::ofstream(file) << text;
    std::string command =
        "/usr/bin/python3 -c \"import sqlglot, sys; "
        "sqlglot.parse_one(open(sys.argv[1]).read(), read='spark')\" " +
        file.string();
    EXPECT_EQ(std::system(command.c_str()), 0) << text;
  }
}

TEST_F(GoldQualityTest, DqSummaryPerDistrictAndMonth) {
  WriteSilver(*catalog_);
  auto summary = Run(*catalog_);
  ASSERT_TRUE(summary.ok() && summary->ok()) << summary->ToString();
  // District D, data set M (elements A, B): Jan values A.c1, A.c2, B at fA = 3, none flagged;
  // violations in January at fA whose rule reads A or B: r_eq, r_ne, r_gt, r_lt, r_cp, r_xp,
  // r_skip_all, r_never, r_level4 = 9 (r_q reads Q only). Feb, Mar: no values of A or B.
  EXPECT_EQ(Rows(*catalog_, "gold.dq_summary",
                 "data_set, ou, pe, expected, actual, actual_on_time, completeness, timeliness, "
                 "\"values\", outliers, outlier_share, violations",
                 "data_set = 'M'"),
            (std::vector<std::string>{"(M, D, 202401, 2.0, 2.0, 2.0, 100.0, 100.0, 3, 0, 0.0, 9)",
                                      "(M, D, 202402, 2.0, 2.0, 1.0, 100.0, 50.0, 0, 0, NULL, 0)",
                                      "(M, D, 202403, 2.0, 0.0, 0.0, 0.0, 0.0, 0, 0, NULL, 0)"}));
  // The level is a parameter: at level 2 the rows are the region's.
  QualityParameters regions;
  regions.district_level = 2;
  run_options_.settings.quality = regions;
  ASSERT_TRUE(Run(*catalog_, /*full=*/true).ok());
  EXPECT_EQ(Rows(*catalog_, "gold.dq_summary", "ou, pe, \"values\", violations",
                 "data_set = 'M' AND pe = '202401'"),
            (std::vector<std::string>{"(region, 202401, 3, 9)"}));
}

// A second run after a change (a registration completed, a value corrected) gives the tables a
// full rebuild from the same silver gives.
TEST_F(GoldQualityTest, IncrementalRunEqualsFullRebuild) {
  WriteSilver(*catalog_);
  ASSERT_TRUE(Run(*catalog_).ok());
  std::string changed_registrations =
      std::string(kRegistrations) + ",('M','202403','fB','aoc1',true,'2024-04-05 00:00:00+00')";
  std::string changed_values =
      std::string(kValues) + ",('dataElemB01','202402','fA','catOptCom01','aoc1',1.0,'NUMBER')";
  WriteRegistrations(*catalog_, changed_registrations);
  WriteValues(*catalog_, changed_values);
  auto second = Run(*catalog_);
  ASSERT_TRUE(second.ok() && second->ok()) << second->ToString();
  EXPECT_EQ(second->succeeded, 4) << second->ToString();

  lake::LakeCatalog fresh((dir_ / "fresh").string());
  WriteSilver(fresh);
  WriteRegistrations(fresh, changed_registrations);
  WriteValues(fresh, changed_values);
  auto rebuilt = Run(fresh, /*full=*/true);
  ASSERT_TRUE(rebuilt.ok() && rebuilt->ok());
  for (const auto& [table, columns] : std::vector<std::pair<std::string, std::string>>{
           {"gold.reporting_rate", kRateColumns},
           {"gold.outlier",
            "de, coc, aoc, ou, pe, value, z_score, modified_z_score, "
            "is_z_outlier, is_modified_z_outlier, is_min_max_outlier"},
           {"gold.validation_violation", "rule, ou, pe, aoc, left_side, right_side"},
           {"gold.dq_summary", "data_set, ou, pe, expected, actual, \"values\", violations"}}) {
    EXPECT_EQ(Rows(*catalog_, table, columns), Rows(fresh, table, columns)) << table;
  }
  // The change shows: fB's March registration makes D's March actual 1.
  EXPECT_EQ(Rows(*catalog_, "gold.reporting_rate", "actual",
                 "data_set = 'M' AND ou = 'D' AND pe = '202403'"),
            std::vector<std::string>{"(1.0)"});
}

// gold.validation_violation is partitioned by the start year of the rule's period and recomputes
// only the years a change reaches, equal to a full rebuild. Q at fA also has a FinancialApril value
// 9 for 2024April (2024-04-01..2025-03-31, silver.data_value's 2024): it is the only stored period
// containing the start of January and February 2025 (r_q: 9 == 8 false).
//   1. silver.period gains 202501 and 202502 (year 2025), no value changes: no row of 2025 exists
//      in the table or in silver.data_value, yet 2025 is recomputed (the period's own year):
//      r_q at 202501 and 202502, 2 rows read, 1 file added, none removed; 2024's file stays.
//   2. A value for A at fA in 202501 (30, category option combo 1) arrives in silver.data_value's
//      2025: 2025 and 2026 are recomputed from 2024..2026, within them only the periods
//      overlapping January (period_scope). 2025 holds r_q twice and r_cp (A 30, C missing: left 30,
//      right 0); every other rule skips (B and C missing) or holds (r_ne: 30 <> 30 + 5). 2 rows
//      read (January's; r_q at 202502 is copied), 2025's file replaced.
TEST_F(GoldQualityTest, ValidationViolationsRecomputeOnlyTheYearsAChangeReaches) {
  const std::string financial =
      ",('dataElemQ01','2024April','fA','catOptCom01','aoc1',9.0,'NUMBER')";
  const std::string periods_2025 =
      std::string(kPeriods) +
      " UNION ALL SELECT * FROM (VALUES ('202501','Monthly',DATE '2025-01-01',DATE '2025-01-31',"
      "31,2025,NULL,'2025Q1','2025'), ('202502','Monthly',DATE '2025-02-01',DATE '2025-02-28',28,"
      "2025,NULL,'2025Q1','2025'))";
  const std::string january = "('dataElemA01','202501','fA','catOptCom01','aoc1',30.0,'INTEGER')";
  // The last run recomputed 2025 (and 2026, empty) alone: `rows_in` rows, one file added,
  // `files_removed` removed; 2025's violations `expected`.
  auto ExpectYear2025 = [&](int64_t rows_in, int64_t files_removed,
                            const std::vector<std::string>& expected) {
    ExpectPartialRun("gold.validation_violation", rows_in, 1, files_removed);
    EXPECT_EQ(Rows(*catalog_, "gold.validation_violation", "rule, pe, left_side, right_side, year",
                   "year = 2025"),
              expected);
  };
  WriteSilver(*catalog_);
  WriteValues(*catalog_, std::string(kValues) + financial);
  RunOk(*catalog_);
  const std::vector<std::string> violations_2024 =
      Rows(*catalog_, "gold.validation_violation", "rule, pe, left_side, right_side, year");
  ASSERT_EQ(violations_2024.size(), 12u);  // ValidationRulesEveryOperatorAndStrategy's, all 2024

  Write(*catalog_, "silver.period", periods_2025);
  RunOk(*catalog_);
  ExpectYear2025(/*rows_in=*/2, /*files_removed=*/0,
                 {"(r_q, 202501, 9.0, 8.0, 2025)", "(r_q, 202502, 9.0, 8.0, 2025)"});

  {
    lake::WriteOptions options;
    options.mode = lake::WriteMode::kReplacePartitions;
    options.partition_columns = {"year"};
    options.replace_partitions = {{{"year", std::string("2025")}}};
    auto written = catalog_->Table(*lake::ParseTableName("silver.data_value"))
                       .Write(*connection_, ValuesSql(january), options);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
  }
  RunOk(*catalog_);
  ExpectYear2025(/*rows_in=*/2, /*files_removed=*/1,
                 {"(r_cp, 202501, 30.0, 0.0, 2025)", "(r_q, 202501, 9.0, 8.0, 2025)",
                  "(r_q, 202502, 9.0, 8.0, 2025)"});
  EXPECT_EQ(Rows(*catalog_, "gold.validation_violation", "rule, pe, left_side, right_side, year",
                 "year = 2024"),
            violations_2024);

  lake::LakeCatalog fresh((dir_ / "fresh").string());
  WriteSilver(fresh);
  WriteValues(fresh, std::string(kValues) + financial + "," + january);
  Write(fresh, "silver.period", periods_2025);
  auto rebuilt = Run(fresh, /*full=*/true);
  ASSERT_TRUE(rebuilt.ok() && rebuilt->ok());
  for (const char* table : {"gold.validation_violation", "gold.dq_summary"}) {
    const std::string columns = std::string(table) == "gold.dq_summary"
                                    ? "data_set, ou, pe, \"values\", violations"
                                    : "rule, ou, pe, aoc, left_side, right_side, year";
    EXPECT_EQ(Rows(*catalog_, table, columns), Rows(fresh, table, columns)) << table;
  }
}

// gold.reporting_rate and silver.complete_registration are partitioned by the year of DHIS2's
// period structure (a week by its start + 3 days: 2025W1, 2024-12-30..2025-01-05, is 2025's, as its
// month 202501 is): a new month's registrations and period rows recompute that year alone.
TEST_F(GoldQualityTest, ReportingRatesRecomputeOnlyTheYearsAChangeReaches) {
  std::string registrations_2024;
  {
    std::string rows = kRegistrations;
    for (size_t at = rows.find("00+00')"); at != std::string::npos;
         at = rows.find("00+00')", at + 1)) {
      rows.replace(at, 7, "00+00',2024)");
    }
    registrations_2024 = rows;
  }
  const std::string week = "('W','2025W1','fA','aoc1',true,'2025-01-06 12:00:00+00',2025)";
  const std::string periods_week =
      kPeriodsJanuary2025 +
      " UNION ALL SELECT * FROM (VALUES ('2025W1','Weekly',DATE '2024-12-30',DATE '2025-01-05',7,"
      "2024,'202501','2025Q1','2025'))";
  auto expect_run = [&](int64_t rows_in, int64_t files_removed) {
    ExpectPartialRun("gold.reporting_rate", rows_in, 1, files_removed);
  };
  const std::string columns = kRateColumns + ", year";
  WriteSilver(*catalog_);
  Write(*catalog_, "silver.complete_registration", RegistrationsByYear(registrations_2024),
        {"year"});
  RunOk(*catalog_);
  const std::vector<std::string> rows_2024 = Rows(*catalog_, "gold.reporting_rate", columns);
  ASSERT_EQ(rows_2024, Rows(*catalog_, "gold.reporting_rate", columns, "year = 2024"));

  // January 2025 arrives: its period row and fA's M registration (completed 2025-02-10, 10 whole
  // days after the 31st: on time). Open all of 2025: fA and fB (fC closed in 2024). At fA, fB, D,
  // the region and the world (5 units) x 202501, 2025Q1, 2025: 15 rows, 2025 alone, no file
  // removed. At D: expected 2 x span 1, 2 x floor(91 / 30) = 6, 2 x floor(365 / 30) = 24; actual 1.
  Write(*catalog_, "silver.period", kPeriodsJanuary2025);
  WriteRegistrationsOf2025(*catalog_, kJanuary2025, lake::WriteMode::kReplacePartitions);
  RunOk(*catalog_);
  expect_run(/*rows_in=*/15, /*files_removed=*/0);
  EXPECT_EQ(Rows(*catalog_, "gold.reporting_rate", kRateColumns,
                 "data_set = 'M' AND ou = 'D' AND year = 2025"),
            (std::vector<std::string>{"(M, D, 3, 2025, Yearly, 24.0, 1.0, 1.0, 4.167, 4.167)",
                                      "(M, D, 3, 202501, Monthly, 2.0, 1.0, 1.0, 50.0, 50.0)",
                                      "(M, D, 3, 2025Q1, Quarterly, 6.0, 1.0, 1.0, 16.667, "
                                      "16.667)"}));
  EXPECT_EQ(Rows(*catalog_, "gold.reporting_rate", columns, "year = 2024"), rows_2024);

  // The week 2025W1 starts in 2024 (its start year names 2024, recomputed and left as it was) and
  // belongs to 2025 (its Yearly period): W at fA, D, the region and the world x 2025W1, 202501,
  // 2025Q1, 2025 are 16 more rows of 2025 (31), one file replaced. At fA: expected 1 x 1, 1 x
  // floor(30 / 7) = 4, 1 x floor(91 / 7) = 13, 1 x floor(365 / 7) = 52; completed a whole day after
  // the week's end (2 timely days): on time.
  Write(*catalog_, "silver.period", periods_week);
  WriteRegistrationsOf2025(*catalog_, kJanuary2025 + "," + week,
                           lake::WriteMode::kReplacePartitions);
  RunOk(*catalog_);
  expect_run(/*rows_in=*/static_cast<int64_t>(rows_2024.size()) + 31, /*files_removed=*/1);
  EXPECT_EQ(
      Rows(*catalog_, "gold.reporting_rate", columns,
           "data_set = 'W' AND ou = 'fA' AND "
           "pe LIKE '2025%'"),
      (std::vector<std::string>{"(W, fA, 4, 2025, Yearly, 52.0, 1.0, 1.0, 1.923, 1.923, 2025)",
                                "(W, fA, 4, 202501, Monthly, 4.0, 1.0, 1.0, 25.0, 25.0, 2025)",
                                "(W, fA, 4, 2025Q1, Quarterly, 13.0, 1.0, 1.0, 7.692, 7.692, 2025)",
                                "(W, fA, 4, 2025W1, Weekly, 1.0, 1.0, 1.0, 100.0, 100.0, 2025)"}));
  EXPECT_EQ(Rows(*catalog_, "gold.reporting_rate", columns, "year = 2024"), rows_2024);
  lake::LakeCatalog fresh((dir_ / "fresh").string());
  WriteSilver(fresh);
  Write(fresh, "silver.complete_registration", RegistrationsByYear(registrations_2024), {"year"});
  WriteRegistrationsOf2025(fresh, kJanuary2025 + "," + week, lake::WriteMode::kReplacePartitions);
  Write(fresh, "silver.period", periods_week);
  auto rebuilt = Run(fresh, /*full=*/true);
  ASSERT_TRUE(rebuilt.ok() && rebuilt->ok());
  EXPECT_EQ(Rows(*catalog_, "gold.reporting_rate", columns),
            Rows(fresh, "gold.reporting_rate", columns));
  const std::string summary_columns = "data_set, ou, pe, expected, actual, \"values\"";
  EXPECT_EQ(Rows(*catalog_, "gold.dq_summary", summary_columns),
            Rows(fresh, "gold.dq_summary", summary_columns));
}

// Within a year, gold.reporting_rate recomputes only the periods a change reaches (period_scope:
// silver.period's rows overlapping a changed period, with the longer periods they belong to) and
// copies the year's other rows. 2025's query periods of M: 202501, 202502, 2025Q1, 2025 at fA, fB,
// D, the region and the world (fC closed in 2024): 5 rows each.
//   1. January: its period row and fA's registration: 202501, 2025Q1, 2025 recomputed, 15 rows
//      read, 2025 is new (no file removed).
//   2. February: its period row and fB's registration (2025-03-05, 5 days after the 28th: on
//      time), appended: 202502, 2025Q1, 2025 recomputed (15 rows read), January's 5 rows copied;
//      2025's file replaced. At D: 202502 expected 2, actual 1 (50%); 2025Q1 expected 2 x
//      floor(91 / 30) = 6, actual 2 (33.333%); 2025 expected 2 x floor(365 / 30) = 24 (8.333%).
//   3. A late report: fB's January registration (2025-02-12, on time) arrives after February's:
//      January's periods are recomputed (15 rows), February's copied as they were. At D: 202501
//      actual 2 (100%), 2025Q1 actual 3 (50%), 2025 actual 3 (12.5%).
// Each step equals a full rebuild from the same silver.
TEST_F(GoldQualityTest, ReportingRatesRecomputeOnlyThePeriodsAChangeReaches) {
  const std::string february = "('M','202502','fB','aoc1',true,'2025-03-05 10:00:00+00',2025)";
  const std::string late = "('M','202501','fB','aoc1',true,'2025-02-12 10:00:00+00',2025)";
  const std::string periods_february =
      kPeriodsJanuary2025 +
      " UNION ALL SELECT * FROM (VALUES ('202502','Monthly',DATE '2025-02-01',DATE '2025-02-28',"
      "28,2025,NULL,'2025Q1','2025'))";
  // silver as it is after `step` (1..3) of the above.
  auto write_silver = [&](lake::LakeCatalog& catalog, int step) {
    WriteSilver(catalog);
    Write(catalog, "silver.complete_registration", RegistrationsByYear(kJanuary2025), {"year"});
    Write(catalog, "silver.period", step == 1 ? kPeriodsJanuary2025 : periods_february);
    if (step >= 2) WriteRegistrationsOf2025(catalog, february, lake::WriteMode::kAppend);
    if (step >= 3) WriteRegistrationsOf2025(catalog, late, lake::WriteMode::kAppend);
  };
  const std::string columns = kRateColumns + ", year";
  auto expect_as_full = [&](int step) {
    lake::LakeCatalog fresh((dir_ / ("fresh" + std::to_string(step))).string());
    write_silver(fresh, step);
    auto rebuilt = Run(fresh, /*full=*/true);
    ASSERT_TRUE(rebuilt.ok() && rebuilt->ok());
    EXPECT_EQ(Rows(*catalog_, "gold.reporting_rate", columns),
              Rows(fresh, "gold.reporting_rate", columns))
        << "step " << step;
  };
  auto at_d = [&](const std::string& pe) {
    return Rows(*catalog_, "gold.reporting_rate", kRateColumns,
                "data_set = 'M' AND ou = 'D' AND pe = '" + pe + "'");
  };
  WriteSilver(*catalog_);
  Write(*catalog_, "silver.complete_registration", RegistrationsByYear(kJanuary2025), {"year"});
  RunOk(*catalog_);
  ASSERT_EQ(Rows(*catalog_, "gold.reporting_rate", columns, "year = 2025").size(), 0u);

  Write(*catalog_, "silver.period", kPeriodsJanuary2025);
  RunOk(*catalog_);
  ExpectPartialRun("gold.reporting_rate", /*rows_in=*/15, /*files_added=*/1, /*files_removed=*/0);
  expect_as_full(1);

  Write(*catalog_, "silver.period", periods_february);
  WriteRegistrationsOf2025(*catalog_, february, lake::WriteMode::kAppend);
  RunOk(*catalog_);
  ExpectPartialRun("gold.reporting_rate", /*rows_in=*/15, /*files_added=*/1, /*files_removed=*/1);
  EXPECT_EQ(Rows(*catalog_, "gold.reporting_rate", columns, "year = 2025").size(), 20u);
  EXPECT_EQ(at_d("202502"),
            (std::vector<std::string>{"(M, D, 3, 202502, Monthly, 2.0, 1.0, 1.0, 50.0, 50.0)"}));
  EXPECT_EQ(
      at_d("2025Q1"),
      (std::vector<std::string>{"(M, D, 3, 2025Q1, Quarterly, 6.0, 2.0, 2.0, 33.333, 33.333)"}));
  EXPECT_EQ(at_d("2025"),
            (std::vector<std::string>{"(M, D, 3, 2025, Yearly, 24.0, 2.0, 2.0, 8.333, 8.333)"}));
  expect_as_full(2);
  const std::vector<std::string> february_rows =
      Rows(*catalog_, "gold.reporting_rate", columns, "pe = '202502'");

  WriteRegistrationsOf2025(*catalog_, late, lake::WriteMode::kAppend);
  RunOk(*catalog_);
  ExpectPartialRun("gold.reporting_rate", /*rows_in=*/15, /*files_added=*/1, /*files_removed=*/1);
  EXPECT_EQ(at_d("202501"),
            (std::vector<std::string>{"(M, D, 3, 202501, Monthly, 2.0, 2.0, 2.0, 100.0, 100.0)"}));
  EXPECT_EQ(at_d("2025Q1"),
            (std::vector<std::string>{"(M, D, 3, 2025Q1, Quarterly, 6.0, 3.0, 3.0, 50.0, 50.0)"}));
  EXPECT_EQ(at_d("2025"),
            (std::vector<std::string>{"(M, D, 3, 2025, Yearly, 24.0, 3.0, 3.0, 12.5, 12.5)"}));
  EXPECT_EQ(Rows(*catalog_, "gold.reporting_rate", columns, "pe = '202502'"), february_rows);
  expect_as_full(3);
}

// A timing, not a check (run with --gtest_also_run_disabled_tests): the four models over a
// synthetic silver of 1,000 facilities in 50 districts, 5 monthly data sets of 10 elements each,
// 60 months (3M values), 285,000 registrations and 20 validation rules.
TEST_F(GoldQualityTest, DISABLED_TimingOnThreeMillionValues) {
  lake::LakeCatalog& lake = *catalog_;
  Write(lake, "silver.org_unit",
        "SELECT 'ou' || CAST(i AS VARCHAR) AS uid, CASE WHEN i = 0 THEN 1 WHEN i <= 50 THEN 3 "
        "ELSE 4 END AS level, 'ou0' AS level1_uid, CASE WHEN i = 0 THEN NULL ELSE 'r' END AS "
        "level2_uid, CASE WHEN i = 0 THEN NULL WHEN i <= 50 THEN 'ou' || CAST(i AS VARCHAR) ELSE "
        "'ou' || CAST(1 + i % 50 AS VARCHAR) END AS level3_uid, CASE WHEN i > 50 THEN 'ou' || "
        "CAST(i AS VARCHAR) END AS level4_uid, CAST(NULL AS VARCHAR) AS level5_uid, CAST(NULL AS "
        "VARCHAR) AS level6_uid, CAST(NULL AS VARCHAR) AS level7_uid, CAST(NULL AS VARCHAR) AS "
        "level8_uid, CASE WHEN i % 97 = 0 THEN DATE '2022-06-15' END AS opening_date, CAST(NULL "
        "AS DATE) AS closed_date, CAST(NULL AS TIMESTAMPTZ) AS valid_from, CAST(NULL AS "
        "TIMESTAMPTZ) AS valid_to FROM range(0, 1051) AS t(i)");
  Write(lake, "silver.period",
        "SELECT strftime(d, '%Y%m') AS pe, 'Monthly' AS period_type, CAST(d AS DATE) AS "
        "start_date, CAST(d + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS end_date, 30 AS days, "
        "year(d) AS year, CAST(NULL AS VARCHAR) AS monthly, CAST(year(d) AS VARCHAR) || 'Q' || "
        "CAST(quarter(d) AS VARCHAR) AS quarterly, CAST(year(d) AS VARCHAR) AS yearly FROM "
        "range(TIMESTAMP '2020-01-01', TIMESTAMP '2025-01-01', INTERVAL 1 MONTH) AS t(d)");
  ASSERT_TRUE(lake.Register(*connection_, *lake::ParseTableName("silver.period")).ok());
  Write(lake, "silver.data_set",
        "SELECT 'ds' || CAST(i AS VARCHAR) AS uid, 'Monthly' AS period_type, 15.0 AS timely_days "
        "FROM range(5) AS t(i)");
  Write(lake, "silver.data_set_org_unit",
        "SELECT 'ds' || CAST(d AS VARCHAR) AS data_set, 'ou' || CAST(i AS VARCHAR) AS ou FROM "
        "range(5) AS a(d), range(51, 1051) AS b(i)");
  Write(lake, "silver.data_set_element",
        "SELECT 'ds' || CAST(e // 10 AS VARCHAR) AS data_set, 'dataElem' || lpad(CAST(e AS "
        "VARCHAR), 3, '0') AS de FROM range(50) AS t(e)");
  Write(lake, "silver.complete_registration",
        "SELECT 'ds' || CAST(d AS VARCHAR) AS data_set, p.pe, 'ou' || CAST(i AS VARCHAR) AS ou, "
        "'aoc' AS aoc, (i + d) % 10 <> 0 AS completed, CAST(p.end_date + (i % 30) * INTERVAL 1 "
        "DAY AS TIMESTAMPTZ) AS completed_at FROM range(5) AS a(d), range(51, 1051) AS b(i), "
        "silver.period p WHERE (i * 7 + d) % 20 <> 0");
  Write(lake, "silver.data_value",
        "SELECT 'dataElem' || lpad(CAST(e AS VARCHAR), 3, '0') AS de, p.pe, 'ou' || CAST(i AS "
        "VARCHAR) AS ou, 'coc' AS coc, 'aoc' AS aoc, CAST((i * 31 + e * 7 + p.year) % 100 AS "
        "DOUBLE) AS value, 'INTEGER' AS value_type, p.period_type, p.start_date, p.end_date, "
        "p.year FROM range(50) AS a(e), range(51, 1051) AS b(i), silver.period p");
  Write(lake, "silver.min_max",
        "SELECT 'dataElem' || lpad(CAST(e AS VARCHAR), 3, '0') AS de, 'ou' || CAST(i AS VARCHAR) "
        "AS ou, 'coc' AS coc, 5.0 AS min, 95.0 AS max, true AS generated FROM range(50) AS a(e), "
        "range(51, 1051) AS b(i)");
  Write(lake, "silver.validation_rule",
        "SELECT 'rule' || CAST(r AS VARCHAR) AS uid, '#{dataElem' || lpad(CAST(2 * r AS VARCHAR), "
        "3, '0') || '}' AS left_expression, '#{dataElem' || lpad(CAST(2 * r + 1 AS VARCHAR), 3, "
        "'0') || '} * 2' AS right_expression, 'less_than_or_equal_to' AS operator, 'MEDIUM' AS "
        "importance, 'Monthly' AS period_type, CAST(NULL AS VARCHAR) AS "
        "left_missing_value_strategy, CAST(NULL AS VARCHAR) AS right_missing_value_strategy, "
        "CAST(NULL AS VARCHAR) AS organisation_unit_levels FROM range(20) AS t(r)");
  auto start = std::chrono::steady_clock::now();
  auto summary = Run(lake);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(summary.ok() && summary->ok()) << summary->ToString();
  std::printf("%s\nall four models: %.2f s\n", summary->ToString().c_str(), seconds);
}

}  // namespace
}  // namespace dhl::pipeline
