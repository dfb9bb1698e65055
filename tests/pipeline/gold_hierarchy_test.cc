// [gold] hierarchy = current | as_of_period (src/pipeline/hierarchy_generator.h,
// docs/gold_aggregate.md): gold.aggregate and gold.reporting_rate over a hand-made history of
// silver.org_unit, every figure worked out by hand in the comment beside it.
//
// N (1) > R1, R2 (2) > D1, D2 under R1, D3 (3) > F1..F4 (4). The history:
// - F1 moves from D1 to D2 on 2024-07-01 (its own new version);
// - D3 moves from R2 to R1 on 2024-04-15 (a new version of D3 only: F3's single version already
//   holds the rewritten path /N/R1/D3/F3, as DHIS2 rewrites descendants' paths without a version);
// - F4 (under D1) closes on 2024-09-30 (a version from 2024-10-02 with that closedDate).
// Monthly SUM values of 2024 (deCases0001): F1 1, F2 10, F3 100 every month, F4 1000 January to
// September. A LAST element (deStock): F1 5 in March, 7 in September.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "lake/lake_catalog.h"
#include "pipeline/dimension_generators.h"
#include "pipeline/hierarchy_generator.h"
#include "pipeline/pipeline_runner.h"
#include "pipeline/sql_subset_check.h"
#include "tests/pipeline/model_lake_fixture.h"

namespace dhl::pipeline {
namespace {

// One version of an org unit: its path from the root, its dates (SQL literals or NULL).
std::string Version(const std::vector<std::string>& path, const std::string& valid_from,
                    const std::string& valid_to, const std::string& closed_date = "NULL") {
  std::string row =
      "SELECT '" + path.back() + "' AS uid, " + std::to_string(path.size()) + " AS level";
  for (size_t level = 1; level <= 8; ++level) {
    row += ", " +
           (level <= path.size() ? "'" + path[level - 1] + "'"
                                 : std::string("CAST(NULL AS VARCHAR)")) +
           " AS level" + std::to_string(level) + "_uid";
  }
  auto timestamp = [](const std::string& text) {
    return text == "NULL" ? std::string("CAST(NULL AS TIMESTAMPTZ)") : "TIMESTAMPTZ '" + text + "'";
  };
  return row + ", " + timestamp(valid_from) + " AS valid_from, " + timestamp(valid_to) +
         " AS valid_to, CAST(NULL AS DATE) AS opening_date, " +
         (closed_date == "NULL" ? std::string("CAST(NULL AS DATE)")
                                : "DATE '" + closed_date + "'") +
         " AS closed_date";
}

// The history above; without `f1_moves` F1 has one version under D1 (the lake before the move).
std::string OrgUnits(bool f1_moves = true) {
  const std::string f1_moves_at = "2024-07-01 10:00:00+00";
  const std::string d3_moves = "2024-04-15 09:00:00+00";
  const std::string f4_closes = "2024-10-02 08:00:00+00";
  std::vector<std::string> versions = {
      Version({"N"}, "NULL", "NULL"),
      Version({"N", "R1"}, "NULL", "NULL"),
      Version({"N", "R2"}, "NULL", "NULL"),
      Version({"N", "R1", "D1"}, "NULL", "NULL"),
      Version({"N", "R1", "D2"}, "NULL", "NULL"),
      Version({"N", "R2", "D3"}, "NULL", d3_moves),
      Version({"N", "R1", "D3"}, d3_moves, "NULL"),
      Version({"N", "R1", "D1", "F1"}, "NULL", f1_moves_at),
      Version({"N", "R1", "D2", "F1"}, f1_moves_at, "NULL"),
      Version({"N", "R1", "D2", "F2"}, "NULL", "NULL"),
      Version({"N", "R1", "D3", "F3"}, "NULL", "NULL"),
      Version({"N", "R1", "D1", "F4"}, "NULL", f4_closes),
      Version({"N", "R1", "D1", "F4"}, f4_closes, "NULL", "2024-09-30"),
  };
  if (!f1_moves) {
    versions.erase(versions.begin() + 7, versions.begin() + 9);
    versions.push_back(Version({"N", "R1", "D1", "F1"}, "NULL", "NULL"));
  }
  std::string sql;
  for (const std::string& version : versions) sql += (sql.empty() ? "" : " UNION ALL ") + version;
  return sql;
}

std::vector<std::string> PeriodIds() {
  std::vector<std::string> ids = {"2024", "2024Q1", "2024Q2", "2024Q3", "2024Q4"};
  for (int month = 1; month <= 12; ++month) {
    ids.push_back(std::string("2024") + (month < 10 ? "0" : "") + std::to_string(month));
  }
  return ids;
}

class GoldHierarchyTest : public ModelLakeFixture {
 protected:
  void SetUp() override {
    ModelLakeFixture::SetUp();
    UseModels({"gold/analytics.sql", "gold/aggregate.sql", "gold/reporting_rate.sql",
               "gold/indicator_value.sql"});
  }

  // The silver tables above; `f1_moves` and F2's December value vary for the incremental test.
  void WriteSilver(lake::LakeCatalog& catalog, bool f1_moves = true, int f2_december = 10) {
    const std::string periods = PeriodRowsSql(PeriodIds(), sql::Dialect::kDuckDb);
    Write(catalog, "silver.org_unit", OrgUnits(f1_moves));
    Write(catalog, "silver.period", periods);
    Write(
        catalog, "silver.data_element",
        "SELECT * FROM (VALUES ('deCases0001', 'INTEGER', 'SUM', 'AGGREGATE', FALSE), ('deStock', "
        "'INTEGER', 'LAST', 'AGGREGATE', FALSE)) AS t(uid, value_type, aggregation_type, "
        "domain_type, zero_is_significant)");
    Write(catalog, "silver.data_set",
          "SELECT * FROM (VALUES ('dsMonthly01', 'Monthly', 15.0)) AS t(uid, period_type, "
          "timely_days)");
    Write(catalog, "silver.data_set_element",
          "SELECT * FROM (VALUES ('dsMonthly01', 'deCases0001'), ('dsMonthly01', 'deStock')) AS "
          "t(data_set, de)");
    Write(catalog, "silver.data_set_org_unit",
          "SELECT * FROM (VALUES ('dsMonthly01', 'F1'), ('dsMonthly01', 'F2'), ('dsMonthly01', "
          "'F3'), ('dsMonthly01', 'F4')) AS "
          "t(data_set, ou)");
    // F1 completes March (under D1 then) and August (under D2).
    Write(catalog, "silver.complete_registration",
          "SELECT * FROM (VALUES ('dsMonthly01', '202403', 'F1', 'aocDef', TRUE, TIMESTAMPTZ "
          "'2024-04-02 00:00:00+00'), ('dsMonthly01', '202408', 'F1', 'aocDef', TRUE, TIMESTAMPTZ "
          "'2024-09-02 00:00:00+00')) AS t(data_set, pe, ou, aoc, completed, completed_at)");
    Write(catalog, "silver.category_option_combo",
          "SELECT * FROM (VALUES ('cocDef', 'ccDefault'), ('aocDef', 'ccDefault')) AS t(uid, "
          "category_combo)");
    Write(catalog, "silver.category_option_combo_option",
          "SELECT * FROM (VALUES ('cocDef', 'catDefault', 'optDefault')) AS t(coc, category, "
          "category_option) WHERE FALSE");
    Write(catalog, "silver.category",
          "SELECT * FROM (VALUES ('catDefault', 'default', FALSE)) AS t(uid, name, "
          "data_dimension)");
    // inCases: deCases0001 x 1; inReports: dsMonthly01's actual reports over expected, in percent.
    Write(catalog, "silver.indicator",
          "SELECT * FROM (VALUES ('inCases', '#{deCases0001}', '1', CAST(1 AS DOUBLE), FALSE), "
          "('inReports', 'R{dsMonthly01.ACTUAL_REPORTS}', 'R{dsMonthly01.EXPECTED_REPORTS}', "
          "CAST(100 AS DOUBLE), "
          "FALSE)) AS t(uid, numerator, denominator, factor, annualized)");
    Write(catalog, "silver.constant",
          "SELECT * FROM (VALUES ('constNone1', 1.0)) AS t(uid, value) WHERE FALSE");
    Write(catalog, "silver.org_unit_group_member",
          "SELECT * FROM (VALUES ('grpNone0001', 'N')) AS t(group_uid, ou) WHERE FALSE");
    Write(catalog, "silver.program_indicator",
          "SELECT * FROM (VALUES ('piNone00001')) AS t(uid) WHERE FALSE");
    Write(catalog, "gold.program_indicator_value",
          "SELECT 'piNone00001' AS program_indicator, 'N' AS ou, 1 AS ou_level, '2024' AS pe, "
          "'Yearly' AS period_type, CAST(1 AS DOUBLE) AS value WHERE FALSE");
    std::string values =
        "SELECT 'deCases0001' AS de, p.pe, f.ou, CASE WHEN f.ou = 'F2' AND p.pe = '202412' THEN " +
        std::to_string(f2_december) + " ELSE f.value END AS value FROM (" + periods +
        ") p CROSS JOIN (VALUES ('F1', 1), ('F2', 10), ('F3', 100), ('F4', 1000)) AS f(ou, value) "
        "WHERE p.period_type = 'Monthly' AND (f.ou <> 'F4' OR p.pe <= '202409') "
        "UNION ALL SELECT * FROM (VALUES ('deStock', '202403', 'F1', 5), ('deStock', '202409', "
        "'F1', 7)) AS s(de, pe, ou, value)";
    Write(catalog, "silver.data_value",
          "SELECT v.de, v.pe, v.ou, 'cocDef' AS coc, 'aocDef' AS aoc, CAST(v.value AS DOUBLE) AS "
          "value, CAST(v.value AS VARCHAR) AS value_text, p.period_type, p.start_date, p.end_date, "
          "p.year FROM (" +
              values + ") v JOIN (" + periods + ") p ON p.pe = v.pe",
          {"year"});
  }

  // gold.aggregate's total of `de` at `ou` in `pe`; nullopt when there is no row.
  std::optional<double> Cell(const std::string& de, const std::string& ou, const std::string& pe) {
    return OneValue("gold.aggregate", "value",
                    "de = '" + de + "' AND ou = '" + ou + "' AND pe = '" + pe +
                        "' AND coc IS NULL AND category IS NULL");
  }
  // gold.reporting_rate's (expected, actual) of dsMonthly01 at `ou` in `pe`; nullopt when there is
  // no row.
  std::optional<std::pair<double, double>> Reports(const std::string& ou, const std::string& pe) {
    auto expected =
        OneValue("gold.reporting_rate", "expected",
                 "data_set = 'dsMonthly01' AND ou = '" + ou + "' AND pe = '" + pe + "'");
    auto actual = OneValue("gold.reporting_rate", "actual",
                           "data_set = 'dsMonthly01' AND ou = '" + ou + "' AND pe = '" + pe + "'");
    if (!expected || !actual) return std::nullopt;
    return std::make_pair(*expected, *actual);
  }

  // gold.indicator_value's value of `indicator` at `ou` in `pe`; nullopt when there is no row.
  std::optional<double> Indicator(const std::string& indicator, const std::string& ou,
                                  const std::string& pe) {
    return OneValue("gold.indicator_value", "value",
                    "indicator = '" + indicator + "' AND ou = '" + ou + "' AND pe = '" + pe + "'");
  }

  void UseHierarchy(Hierarchy hierarchy) { run_options_.settings.hierarchy = hierarchy; }
};

using Pair = std::pair<double, double>;

// DHIS2's behaviour: every period over today's hierarchy.
TEST_F(GoldHierarchyTest, CurrentRollsEveryPeriodUpTodaysHierarchy) {
  WriteSilver(*catalog_);
  RunOk(*catalog_);
  // 2024: D1 F4's 9 x 1000 = 9000; D2 F1's 12 x 1 + F2's 12 x 10 = 132; D3 12 x 100 = 1200; R1
  // all of them 10332; R2 nothing; N 10332.
  EXPECT_EQ(Cell("deCases0001", "D1", "2024"), 9000);
  EXPECT_EQ(Cell("deCases0001", "D2", "2024"), 132);
  EXPECT_EQ(Cell("deCases0001", "D3", "2024"), 1200);
  EXPECT_EQ(Cell("deCases0001", "R1", "2024"), 10332);
  EXPECT_FALSE(Cell("deCases0001", "R2", "2024"));
  EXPECT_EQ(Cell("deCases0001", "N", "2024"), 10332);
  // 2024Q1: R1 3 + 30 + 300 + 3000 = 3333. June at D1: F4's 1000.
  EXPECT_EQ(Cell("deCases0001", "R1", "2024Q1"), 3333);
  EXPECT_EQ(Cell("deCases0001", "D1", "202406"), 1000);
  // LAST: F1's latest by the end of Q2 is March's 5, by the end of Q4 September's 7, both at D2.
  EXPECT_EQ(Cell("deStock", "D2", "2024Q2"), 5);
  EXPECT_EQ(Cell("deStock", "D2", "2024Q4"), 7);
  EXPECT_FALSE(Cell("deStock", "D1", "2024Q2"));
  // Expected reports of March: D1 F4 (1), D2 F1 and F2 (2), R1 all four; F1's March report counts
  // at D2. October: F4 is closed (30 September), D1 expects none.
  EXPECT_EQ(Reports("D1", "202403"), Pair(1, 0));
  EXPECT_EQ(Reports("D2", "202403"), Pair(2, 1));
  EXPECT_EQ(Reports("R1", "202403"), Pair(4, 1));
  EXPECT_FALSE(Reports("R2", "202403"));
  EXPECT_FALSE(Reports("D1", "202410"));
  EXPECT_EQ(Reports("N", "202410"), Pair(3, 0));
  // The indicators read those: inCases at R1 in 2024 10332, none at R2; inReports at D2 in March
  // 1 / 2 x 100 = 50, at D1 0 / 1.
  EXPECT_EQ(Indicator("inCases", "R1", "2024"), 10332);
  EXPECT_FALSE(Indicator("inCases", "R2", "2024"));
  EXPECT_EQ(Indicator("inReports", "D2", "202403"), 50);
  EXPECT_EQ(Indicator("inReports", "D1", "202403"), 0);
}

// as_of_period: each value along its unit's ancestors at the end date of its period.
TEST_F(GoldHierarchyTest, AsOfPeriodRollsEachValueUpTheHierarchyOfItsPeriod) {
  UseHierarchy(Hierarchy::kAsOfPeriod);
  WriteSilver(*catalog_);
  RunOk(*catalog_);
  // 2024: D1 F1's January-June 6 + F4's 9000 = 9006; D2 F1's July-December 6 + F2's 120 = 126; D3
  // all its 1200 (two nodes, one cell); R1 D1 + D2 + D3's April-December 900 = 10032; R2 D3's
  // January-March 300; N 10332 as under current.
  EXPECT_EQ(Cell("deCases0001", "D1", "2024"), 9006);
  EXPECT_EQ(Cell("deCases0001", "D2", "2024"), 126);
  EXPECT_EQ(Cell("deCases0001", "D3", "2024"), 1200);
  EXPECT_EQ(Cell("deCases0001", "R1", "2024"), 10032);
  EXPECT_EQ(Cell("deCases0001", "R2", "2024"), 300);
  EXPECT_EQ(Cell("deCases0001", "N", "2024"), 10332);
  // A unit's own cells do not depend on where it was: F1 12, F3 1200.
  EXPECT_EQ(Cell("deCases0001", "F1", "2024"), 12);
  EXPECT_EQ(Cell("deCases0001", "F3", "2024"), 1200);
  // 2024Q1: R1 D1 (3 + 3000) + D2 30 = 3033, R2 300; April (ends 30 April, after D3's move on the
  // 15th) at R1; June (ends 30 June, before F1's move) at D1: 1 + 1000; July at D2: 1 + 10.
  EXPECT_EQ(Cell("deCases0001", "R1", "2024Q1"), 3033);
  EXPECT_EQ(Cell("deCases0001", "R2", "2024Q1"), 300);
  EXPECT_FALSE(Cell("deCases0001", "R2", "202404"));
  EXPECT_EQ(Cell("deCases0001", "R1", "202404"), 1111);
  EXPECT_EQ(Cell("deCases0001", "D1", "202406"), 1001);
  EXPECT_EQ(Cell("deCases0001", "D2", "202407"), 11);
  // LAST follows the unit's series: by the end of Q2 March's 5 at D1 (where F1 was in March); by
  // the end of Q4 September's 7 at D2, and nothing at D1 (its March value is not the latest).
  EXPECT_EQ(Cell("deStock", "D1", "2024Q2"), 5);
  EXPECT_FALSE(Cell("deStock", "D2", "2024Q2"));
  EXPECT_EQ(Cell("deStock", "D2", "2024Q4"), 7);
  EXPECT_FALSE(Cell("deStock", "D1", "2024Q4"));
  EXPECT_EQ(Cell("deStock", "N", "2024Q4"), 7);
  // Expected reports of March by the units' places on 31 March: D1 F1 and F4 (2, F1's report 1),
  // D2 F2 (1), R1 F1, F2, F4 (3), R2 F3 (1), N 4. October: F1 at D2, F4 closed: D1 none, N 3.
  // F1's August report counts at D2.
  EXPECT_EQ(Reports("D1", "202403"), Pair(2, 1));
  EXPECT_EQ(Reports("D2", "202403"), Pair(1, 0));
  EXPECT_EQ(Reports("R1", "202403"), Pair(3, 1));
  EXPECT_EQ(Reports("R2", "202403"), Pair(1, 0));
  EXPECT_EQ(Reports("N", "202403"), Pair(4, 1));
  EXPECT_FALSE(Reports("D1", "202410"));
  EXPECT_EQ(Reports("N", "202410"), Pair(3, 0));
  EXPECT_EQ(Reports("D2", "202408"), Pair(2, 1));
  // 2024Q1 (span 3 months): R2 expects F3 3 times; R1 F1, F2, F4: 9, with F1's March report.
  EXPECT_EQ(Reports("R2", "2024Q1"), Pair(3, 0));
  EXPECT_EQ(Reports("R1", "2024Q1"), Pair(9, 1));
  // The indicators read those: inCases at R1 in 2024 10032, at R2 300; inReports at D1 in March
  // 1 / 2 x 100 = 50, at D2 0 / 1.
  EXPECT_EQ(Indicator("inCases", "R1", "2024"), 10032);
  EXPECT_EQ(Indicator("inCases", "R2", "2024"), 300);
  EXPECT_EQ(Indicator("inReports", "D1", "202403"), 50);
  EXPECT_EQ(Indicator("inReports", "D2", "202403"), 0);
}

// A unit that changes level: F2 leaves D2 (level 4) for a place right under R1 (level 3) on
// 2024-07-01, completing March (at level 4 then) and August (at level 3). Its own row of 2024 is
// one row, by its place on 31 December (level 3): expected 1 unit x 12 months, actual its 2 reports
// (each registration counts at the unit whatever its level was). R1 (level 2 throughout) expects
// F1, F2 and F3 for the year (F4 closed on 30 September): 36, actual F1's 2 and F2's 2.
TEST_F(GoldHierarchyTest, AsOfPeriodAUnitThatChangesLevelHasOneRowPerPeriod) {
  UseHierarchy(Hierarchy::kAsOfPeriod);
  WriteSilver(*catalog_);
  const std::string f2_moves = "2024-07-01 10:00:00+00";
  std::string units = OrgUnits();
  const std::string f2 = Version({"N", "R1", "D2", "F2"}, "NULL", "NULL");
  ASSERT_NE(units.find(f2), std::string::npos);
  units.replace(units.find(f2), f2.size(),
                Version({"N", "R1", "D2", "F2"}, "NULL", f2_moves) + " UNION ALL " +
                    Version({"N", "R1", "F2"}, f2_moves, "NULL"));
  Write(*catalog_, "silver.org_unit", units);
  Write(*catalog_, "silver.complete_registration",
        "SELECT * FROM (VALUES ('dsMonthly01', '202403', 'F1', 'aocDef', TRUE, TIMESTAMPTZ "
        "'2024-04-02 00:00:00+00'), ('dsMonthly01', '202408', 'F1', 'aocDef', TRUE, TIMESTAMPTZ "
        "'2024-09-02 00:00:00+00'), ('dsMonthly01', '202403', 'F2', 'aocDef', TRUE, TIMESTAMPTZ "
        "'2024-04-03 00:00:00+00'), ('dsMonthly01', '202408', 'F2', 'aocDef', TRUE, TIMESTAMPTZ "
        "'2024-09-03 00:00:00+00')) AS t(data_set, pe, ou, aoc, completed, completed_at)");
  RunOk(*catalog_);
  const std::string f2_year = "data_set = 'dsMonthly01' AND ou = 'F2' AND pe = '2024'";
  EXPECT_EQ(CountWhere("gold.reporting_rate", f2_year), 1);
  EXPECT_EQ(OneValue("gold.reporting_rate", "ou_level", f2_year), 3);
  EXPECT_EQ(Reports("F2", "2024"), Pair(12, 2));
  // Each month by F2's place at its end: March at level 4 (1 of 1), August at level 3 (1 of 1).
  EXPECT_EQ(OneValue("gold.reporting_rate", "ou_level",
                     "data_set = 'dsMonthly01' AND ou = 'F2' AND pe = '202403'"),
            4);
  EXPECT_EQ(Reports("F2", "202403"), Pair(1, 1));
  EXPECT_EQ(Reports("F2", "202408"), Pair(1, 1));
  EXPECT_EQ(
      CountWhere("gold.reporting_rate", "data_set = 'dsMonthly01' AND ou = 'R1' AND pe = '2024'"),
      1);
  EXPECT_EQ(Reports("R1", "2024"), Pair(36, 4));
}

// Both renderings of the hierarchy, in both dialects, stay in the SQL the Databricks bundle runs
// too (the shared subset of DuckDB and Spark).
TEST_F(GoldHierarchyTest, AncestryStaysInTheSharedSqlSubset) {
  for (Hierarchy hierarchy : {Hierarchy::kCurrent, Hierarchy::kAsOfPeriod}) {
    for (sql::Dialect dialect : {sql::Dialect::kDuckDb, sql::Dialect::kSpark}) {
      GeneratorSettings settings;
      settings.hierarchy = hierarchy;
      GeneratorContext context;
      context.dialect = dialect;
      context.settings = &settings;
      auto ctes = GenerateOrgUnitAncestryWithDates(context);
      ASSERT_TRUE(ctes.ok()) << ctes.status().ToString();
      std::string name =
          std::string(HierarchyName(hierarchy)) + "/" + std::string(sql::DialectName(dialect));
      for (const SubsetViolation& violation :
           CheckSharedSubset("WITH " + *ctes + "\nSELECT * FROM ancestry")) {
        ADD_FAILURE() << violation.ToString(name);
      }
    }
  }
  for (const char* model : {"gold/aggregate.sql", "gold/reporting_rate.sql"}) {
    for (const SubsetViolation& violation : CheckSharedSubset(ReadModel(model))) {
      ADD_FAILURE() << violation.ToString(model);
    }
  }
}

// The setting is part of the models' definitions: changing it reruns gold.aggregate and
// gold.reporting_rate, and the incremental run equals a full build with the setting from the start.
TEST_F(GoldHierarchyTest, ChangingTheSettingRebuildsWhatDependsOnIt) {
  WriteSilver(*catalog_);
  RunOk(*catalog_);
  RunOk(*catalog_);
  for (const ModelResult& model : last_summary_.models) {
    EXPECT_EQ(model.status, ModelStatus::kUnchanged) << model.name.name;
  }
  UseHierarchy(Hierarchy::kAsOfPeriod);
  RunOk(*catalog_);
  for (const ModelResult& model : last_summary_.models) {
    bool depends = model.name.name == "aggregate" || model.name.name == "reporting_rate" ||
                   model.name.name == "indicator_value";
    EXPECT_EQ(model.status, depends ? ModelStatus::kSucceeded : ModelStatus::kUnchanged)
        << model.name.name;
  }
  EXPECT_EQ(Cell("deCases0001", "R2", "2024"), 300);

  lake::LakeCatalog fresh((dir_ / "fresh").string());
  WriteSilver(fresh);
  auto summary = Run(fresh, /*full=*/true);
  ASSERT_TRUE(summary.ok() && summary->ok());
  const std::string aggregate = "de, coc, category, category_option, ou, ou_level, pe, value";
  const std::string reporting = "data_set, ou, ou_level, pe, expected, actual, rate";
  EXPECT_EQ(Rows(*catalog_, "gold.aggregate", aggregate), Rows(fresh, "gold.aggregate", aggregate));
  EXPECT_EQ(Rows(*catalog_, "gold.reporting_rate", reporting),
            Rows(fresh, "gold.reporting_rate", reporting));
  EXPECT_GT(Rows(fresh, "gold.aggregate", aggregate).size(), 100u);
  const std::string indicators = "indicator, ou, pe, value";
  EXPECT_EQ(Rows(*catalog_, "gold.indicator_value", indicators),
            Rows(fresh, "gold.indicator_value", indicators));

  // Back to current: the figures of today's hierarchy again.
  UseHierarchy(Hierarchy::kCurrent);
  RunOk(*catalog_);
  EXPECT_FALSE(Cell("deCases0001", "R2", "2024"));
  EXPECT_EQ(Cell("deCases0001", "D2", "2024"), 132);
}

// as_of_period incrementally: F1's move arrives after a first build (a new version of F1 in
// silver.org_unit) together with a changed value (F2's December 10 -> 20). The run recomputes the
// three models that roll up the hierarchy, each equal to a full build with both from the start.
TEST_F(GoldHierarchyTest, AsOfPeriodIncrementalEqualsFull) {
  UseHierarchy(Hierarchy::kAsOfPeriod);
  WriteSilver(*catalog_, /*f1_moves=*/false);
  RunOk(*catalog_);
  // Before the move F1's 12 count at D1 all year: D1 12 + 9000, D2 F2's 120.
  EXPECT_EQ(Cell("deCases0001", "D1", "2024"), 9012);
  EXPECT_EQ(Cell("deCases0001", "D2", "2024"), 120);
  EXPECT_EQ(Reports("D1", "202408"), Pair(2, 1));

  WriteSilver(*catalog_, /*f1_moves=*/true, /*f2_december=*/20);
  RunOk(*catalog_);
  for (const ModelResult& model : last_summary_.models) {
    bool rolls_up = model.name.name == "aggregate" || model.name.name == "reporting_rate" ||
                    model.name.name == "indicator_value";
    if (rolls_up) {
      EXPECT_EQ(model.status, ModelStatus::kSucceeded) << model.name.name;
      EXPECT_GT(model.rows_in, 0) << model.name.name;
      EXPECT_GT(model.files_added, 0) << model.name.name;
    }
  }
  // After: D1 F1's January-June 6 + 9000 = 9006; D2 F1's July-December 6 + F2's 110 + 20 = 136;
  // R1 and N 9006 + 136 + 1200 = 10342 (D3's January-March 300 at R2, R1 10042). F1's August
  // report now counts at D2 (F1 and F2 expected there).
  EXPECT_EQ(Cell("deCases0001", "D1", "2024"), 9006);
  EXPECT_EQ(Cell("deCases0001", "D2", "2024"), 136);
  EXPECT_EQ(Cell("deCases0001", "R1", "2024"), 10042);
  EXPECT_EQ(Cell("deCases0001", "N", "2024"), 10342);
  EXPECT_EQ(Reports("D2", "202408"), Pair(2, 1));
  EXPECT_EQ(Reports("D1", "202408"), Pair(1, 0));
  EXPECT_EQ(Indicator("inCases", "D2", "2024"), 136);

  lake::LakeCatalog fresh((dir_ / "fresh").string());
  WriteSilver(fresh, /*f1_moves=*/true, /*f2_december=*/20);
  auto summary = Run(fresh, /*full=*/true);
  ASSERT_TRUE(summary.ok() && summary->ok());
  const std::string aggregate = "de, coc, category, category_option, ou, ou_level, pe, value";
  const std::string reporting = "data_set, ou, ou_level, pe, expected, actual, rate";
  const std::string indicators = "indicator, ou, pe, value";
  EXPECT_EQ(Rows(*catalog_, "gold.aggregate", aggregate), Rows(fresh, "gold.aggregate", aggregate));
  EXPECT_EQ(Rows(*catalog_, "gold.reporting_rate", reporting),
            Rows(fresh, "gold.reporting_rate", reporting));
  EXPECT_EQ(Rows(*catalog_, "gold.indicator_value", indicators),
            Rows(fresh, "gold.indicator_value", indicators));
}

}  // namespace
}  // namespace dhl::pipeline
