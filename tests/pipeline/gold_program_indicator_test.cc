// The simulator at small scale synced to gold (RunSync in-process): gold.program_indicator_value
// equals straightforward per-event and per-enrollment queries over silver written here, without
// src/dhis2's compiler, for an event count, a distinct count of persons, an average of a data
// element and an enrollment indicator with a cohort boundary; every program indicator of the
// simulator is computed (none left out).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "pipeline/sync_runner.h"
#include "sim/sim_command.h"

namespace dhl::pipeline {
namespace {

namespace fs = std::filesystem;

class GoldProgramIndicatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dhl_gold_pi_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(GoldProgramIndicatorTest, ValuesEqualPlainQueriesOverSilver) {
  sim::SimOptions sim_options;
  sim_options.port = 0;
  sim::SimServer server(sim_options);
  auto port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  SyncOptions options;
  options.lake_dir = (dir_ / "lake").string();
  options.source = server.base_url();
  options.secrets.username = "admin";
  options.secrets.password = "district";
  options.secrets.hash_key = std::string(64, 'b');
  options.extract.first_year = 2023;
  options.progress = false;
  auto summary = RunSync(options);
  server.Stop();
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->models_failed, 0) << summary->ToText();
  lake::LakeCatalog catalog(options.lake_dir);
  if (!catalog.Table({"gold", "program_indicator_value"}).Exists()) {
    GTEST_FAIL() << "sync did not build gold.program_indicator_value:\n" << summary->ToText();
  }
  auto database = engine::Database::Open();
  ASSERT_TRUE(database.ok());
  auto connection = database->Connect();
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE(catalog.RegisterAll(*connection).ok());
  auto count = [&](const std::string& sql) -> int64_t {
    auto result = connection->Query(sql);
    EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
    return result.ok() ? result->GetInt64(0, 0).value_or(-1) : -1;
  };
  // The rows of gold for one indicator (by code), level and period type, against a plain query
  // giving (ou, pe, value): equal sets, values within 1e-9.
  auto expect_equal = [&](const std::string& code, int level, const std::string& period_type,
                          const std::string& plain) {
    std::string gold =
        "SELECT g.ou, g.pe, g.value FROM gold.program_indicator_value g JOIN "
        "silver.program_indicator p ON p.uid = g.program_indicator WHERE p.code = '" +
        code + "' AND g.ou_level = " + std::to_string(level) + " AND g.period_type = '" +
        period_type + "'";
    int64_t rows = count("SELECT count(*) FROM (" + plain + ") AS x");
    EXPECT_GT(rows, 0) << code;
    EXPECT_EQ(count("SELECT count(*) FROM (" + gold + ") AS g"), rows) << code;
    EXPECT_EQ(count("SELECT count(*) FROM (" + gold + ") AS g JOIN (" + plain +
                    ") AS x ON x.ou = g.ou AND x.pe = g.pe AND abs(x.value - g.value) < 1e-9"),
              rows)
        << code;
  };
  const std::string units = "(SELECT * FROM silver.org_unit WHERE valid_to IS NULL)";
  // The simulator has one programme; events without an event date belong to no period.
  const std::string events =
      "(SELECT * FROM silver.event WHERE NOT deleted AND occurred_at IS NOT NULL)";
  // ANC visits: events ACTIVE or COMPLETED per district and month of their event date.
  expect_equal("ANC_PI_VISITS", 3, "Monthly",
               "SELECT o.level3_uid AS ou, strftime(e.occurred_at, '%Y%m') AS pe, count(*) AS "
               "value FROM " +
                   events + " e JOIN " + units +
                   " o ON o.uid = e.ou WHERE e.status IN ('ACTIVE', 'COMPLETED') AND "
                   "e.occurred_at IS NOT NULL GROUP BY 1, 2");
  // Women seen: distinct persons per region and quarter (not the sum over districts).
  expect_equal("ANC_PI_WOMEN_SEEN", 2, "Quarterly",
               "SELECT o.level2_uid AS ou, strftime(e.occurred_at, '%Y') || 'Q' || "
               "CAST(quarter(e.occurred_at) AS VARCHAR) AS pe, count(DISTINCT e.tracked_entity) "
               "AS value FROM " +
                   events + " e JOIN " + units + " o ON o.uid = e.ou GROUP BY 1, 2");
  // Mean haemoglobin over the visits that have one, nationally per year.
  expect_equal("ANC_PI_HB_MEAN", 1, "Yearly",
               "SELECT o.level1_uid AS ou, strftime(e.occurred_at, '%Y') AS pe, avg(v.value) AS "
               "value FROM " +
                   events + " e JOIN " + units +
                   " o ON o.uid = e.ou JOIN silver.event_data_value v ON v.event = e.event JOIN "
                   "silver.data_element d ON d.uid = v.de AND d.code = 'HB' JOIN "
                   "bronze.metadata_program_stage s ON s.id = e.program_stage AND s.code = "
                   "'ANC_VISIT' WHERE v.value IS NOT NULL GROUP BY 1, 2");
  // Women enrolled per district and month of enrolment.
  expect_equal("ANC_PI_ENROLLED", 3, "Monthly",
               "SELECT o.level3_uid AS ou, strftime(n.enrolled_at, '%Y%m') AS pe, count(*) AS "
               "value FROM silver.enrollment n JOIN " +
                   units + " o ON o.uid = n.ou WHERE NOT n.deleted GROUP BY 1, 2");
  // Live births by the year of the delivery (the latest delivery event's date).
  expect_equal(
      "ANC_PI_LIVE_BIRTHS", 1, "Yearly",
      "SELECT o.level1_uid AS ou, strftime(d.delivered, '%Y') AS pe, sum(d.live) AS value FROM "
      "(SELECT e.enrollment, max(e.occurred_at) AS delivered, sum(CASE WHEN v.value_text = 'Live "
      "birth' THEN 1 ELSE 0 END) AS live FROM " +
          events +
          " e JOIN bronze.metadata_program_stage s ON s.id = e.program_stage AND s.code = "
          "'DELIVERY' LEFT JOIN silver.event_data_value v ON v.event = e.event AND v.de = (SELECT "
          "uid FROM silver.data_element WHERE code = 'DELIV_OUTCOME') GROUP BY 1) AS d JOIN "
          "silver.enrollment n ON n.enrollment = d.enrollment AND NOT n.deleted JOIN " +
          units + " o ON o.uid = n.ou GROUP BY 1, 2");
  // The event and enrollment analytics tables: one row per live record with its structures, and
  // their values in long form.
  EXPECT_EQ(count("SELECT count(*) FROM gold.event_analytics"),
            count("SELECT count(*) FROM silver.event WHERE NOT deleted"));
  EXPECT_EQ(count("SELECT count(*) FROM gold.event_analytics a JOIN silver.event e ON e.event = "
                  "a.event JOIN " +
                  units +
                  " o ON o.uid = e.ou WHERE a.level3_uid = o.level3_uid AND a.monthly = "
                  "strftime(e.occurred_at, '%Y%m') AND a.quarterly = strftime(e.occurred_at, "
                  "'%Y') || 'Q' || CAST(quarter(e.occurred_at) AS VARCHAR)"),
            count("SELECT count(*) FROM " + events));
  EXPECT_EQ(count("SELECT count(*) FROM gold.enrollment_analytics"),
            count("SELECT count(*) FROM silver.enrollment WHERE NOT deleted"));
  EXPECT_EQ(count("SELECT count(*) FROM gold.tracker_value WHERE item_type = 'data_element'"),
            count("SELECT count(*) FROM silver.event_data_value v JOIN silver.event e ON e.event "
                  "= v.event WHERE NOT e.deleted"));
  EXPECT_EQ(count("SELECT count(*) FROM gold.tracker_value WHERE item_type = 'attribute'"),
            count("SELECT count(*) FROM silver.tracked_entity_attribute a JOIN silver.enrollment "
                  "n ON n.tracked_entity = a.tracked_entity WHERE NOT n.deleted"));
  // Every program indicator of the simulator is computed (the one comparing nothing hashed).
  EXPECT_EQ(count("SELECT count(DISTINCT program_indicator) FROM gold.program_indicator_value"),
            count("SELECT count(*) FROM silver.program_indicator"))
      << summary->ToText();
}

}  // namespace
}  // namespace dhl::pipeline
