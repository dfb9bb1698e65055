// The simulator at small scale synced all the way to gold (RunSync in-process), gold.aggregate
// checked against plain queries over silver written here, independently of the models: SUM
// elements per district and month, the yearly population (AVERAGE_SUM_ORG_UNIT) spread over the
// months of its year, and LAST elements per quarter by a lateral "latest value up to the quarter's
// end" per series; and gold.program_indicator_value and the event and enrollment analytics tables
// against plain queries (the second case).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>

#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "pipeline/embedded_models.h"
#include "pipeline/model_set.h"
#include "pipeline/pipeline_runner.h"
#include "pipeline/sync_runner.h"
#include "sim/sim_command.h"

namespace dhl::pipeline {
namespace {

namespace fs = std::filesystem;

// One sync of the small simulator for the suite (the costly part); each case reads its lake.
class GoldSimulatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("dhl_gold_simulator_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    summary_ = new std::string;
    sim::SimOptions sim_options;
    sim_options.port = 0;
    sim::SimServer server(sim_options);
    auto port = server.Start();
    if (!port.ok()) {
      *summary_ = "the simulator did not start: " + port.status().ToString();
      return;
    }
    SyncOptions options;
    options.lake_dir = LakeDir();
    options.source = server.base_url();
    options.secrets.username = "admin";
    options.secrets.password = "district";
    options.secrets.hash_key = std::string(64, 'b');
    options.extract.first_year = 2023;
    options.progress = false;
    // Program indicators also by ISO week ([gold] program_indicator_period_types).
    options.settings.program_indicator.period_types = {"Weekly", "Monthly", "Quarterly", "Yearly"};
    auto summary = RunSync(options);
    server.Stop();
    if (!summary.ok()) {
      *summary_ = "sync failed: " + summary.status().ToString();
      return;
    }
    synced_ = summary->models_failed == 0;
    *summary_ = summary->ToText();
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
    delete summary_;
  }
  static std::string LakeDir() { return (*dir_ / "lake").string(); }
  // A copy of the synced lake named `name`, for a case that runs models over it.
  static std::string CopyOfLake(const std::string& name) {
    fs::path lake = *dir_ / name;
    fs::remove_all(lake);
    fs::copy(LakeDir(), lake, fs::copy_options::recursive);
    return lake.string();
  }

  // A database with `catalog`'s tables registered, for count() and text() (first cell of a query).
  void Open(const lake::LakeCatalog& catalog) {
    auto database = engine::Database::Open();
    ASSERT_TRUE(database.ok()) << database.status().ToString();
    database_.emplace(std::move(*database));
    auto connection = database_->Connect();
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    connection_.emplace(std::move(*connection));
    ASSERT_TRUE(catalog.RegisterAll(*connection_).ok());
  }
  int64_t count(const std::string& sql) {
    auto result = connection_->Query(sql);
    EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
    return result.ok() ? result->GetInt64(0, 0).value_or(-1) : -1;
  }
  std::string text(const std::string& sql) {
    auto result = connection_->Query(sql);
    EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
    return result.ok() ? result->GetString(0, 0).value_or("") : std::string();
  }

  static fs::path* dir_;
  static std::string* summary_;  // the sync's summary, or why it failed
  static bool synced_;           // the sync ran and no model failed
  std::optional<engine::Database> database_;
  std::optional<engine::Connection> connection_;
};

fs::path* GoldSimulatorTest::dir_ = nullptr;
std::string* GoldSimulatorTest::summary_ = nullptr;
bool GoldSimulatorTest::synced_ = false;

TEST_F(GoldSimulatorTest, AggregatesEqualPlainQueriesOverSilver) {
  ASSERT_TRUE(synced_) << *summary_;
  lake::LakeCatalog catalog(LakeDir());
  if (!catalog.Table({"gold", "aggregate"}).Exists()) {
    GTEST_FAIL() << "sync did not build gold.aggregate:\n" << *summary_;
  }
  ASSERT_NO_FATAL_FAILURE(Open(catalog));

  // SUM elements with monthly data, per district (level 3) and month: the sum and number of the
  // month's values of the district's facilities (zeros count nothing to a sum, and are not loaded).
  const std::string plain_sum =
      "SELECT v.de, o.level3_uid AS ou, v.pe, sum(v.value) AS value, count(*) AS n "
      "FROM silver.data_value v JOIN silver.data_element d ON d.uid = v.de "
      "JOIN silver.org_unit o ON o.uid = v.ou AND o.valid_to IS NULL "
      "WHERE d.aggregation_type = 'SUM' AND v.period_type = 'Monthly' AND v.value IS NOT NULL "
      "AND v.value_text <> '0' AND o.level3_uid IS NOT NULL GROUP BY 1, 2, 3";
  const std::string gold_sum =
      "SELECT de, ou, pe, value, count AS n FROM gold.aggregate WHERE coc IS NULL AND category IS "
      "NULL AND ou_level = 3 AND period_type = 'Monthly' AND de IN (SELECT v.de FROM "
      "silver.data_value v JOIN silver.data_element d ON d.uid = v.de WHERE d.aggregation_type = "
      "'SUM' AND v.period_type = 'Monthly')";
  int64_t plain_rows = count("SELECT count(*) FROM (" + plain_sum + ")");
  EXPECT_GT(plain_rows, 100);
  EXPECT_EQ(count("SELECT count(*) FROM (" + gold_sum + ")"), plain_rows);
  EXPECT_EQ(count("SELECT count(*) FROM (" + plain_sum + ") p JOIN (" + gold_sum +
                  ") g USING (de, ou, pe) WHERE abs(p.value - g.value) < 1e-6 AND p.n = g.n"),
            plain_rows);

  // The yearly population (AVERAGE_SUM_ORG_UNIT, Yearly data) in every month of its year at the
  // national level: sum(value x days) / days of the year = the sum of the facilities' values.
  const std::string plain_population =
      "SELECT v.de, CAST(v.year AS VARCHAR) AS year, sum(v.value) AS value FROM silver.data_value "
      "v JOIN silver.data_element d ON d.uid = v.de WHERE d.aggregation_type = "
      "'AVERAGE_SUM_ORG_UNIT' AND v.period_type = 'Yearly' AND v.value IS NOT NULL GROUP BY 1, 2";
  const std::string gold_population =
      "SELECT de, substring(pe, 1, 4) AS year, value FROM gold.aggregate WHERE coc IS NULL AND "
      "category IS NULL AND ou_level = 1 AND period_type = 'Monthly' AND de IN (SELECT de FROM (" +
      plain_population + "))";
  int64_t population_months = count("SELECT count(*) FROM (" + gold_population + ")");
  EXPECT_GE(population_months, 24);  // 12 months of at least two years
  EXPECT_EQ(count("SELECT count(*) FROM (" + gold_population + ") g JOIN (" + plain_population +
                  ") p USING (de, year) WHERE abs(p.value - g.value) < 1e-6"),
            population_months);

  // LAST elements per quarter at the national level: per series (ou, coc, aoc) the value with the
  // latest period (end, then start) ending by the quarter's end and starting at most ten years
  // before it, summed; stored zeros are not loaded for LAST.
  const std::string quarters =
      "SELECT DISTINCT g.de, g.pe, make_date(CAST(substring(g.pe, 1, 4) AS INTEGER), "
      "CAST(substring(g.pe, 6, 1) AS INTEGER) * 3, 1) + INTERVAL 1 MONTH - INTERVAL 1 DAY AS "
      "end_date FROM gold.aggregate g JOIN silver.data_element d ON d.uid = g.de WHERE "
      "d.aggregation_type = 'LAST' AND g.period_type = 'Quarterly'";
  const std::string plain_last =
      "SELECT q.de, q.pe, sum(x.value) AS value FROM (" + quarters +
      ") q, LATERAL (SELECT v.value FROM (SELECT value, row_number() OVER (PARTITION BY ou, coc, "
      "aoc ORDER BY end_date DESC, start_date DESC) AS r FROM silver.data_value v WHERE v.de = "
      "q.de AND v.end_date <= q.end_date AND v.start_date >= q.end_date - INTERVAL 10 YEAR AND "
      "v.value IS NOT NULL AND v.value_text <> '0') v WHERE v.r = 1) x GROUP BY 1, 2";
  const std::string gold_last =
      "SELECT de, pe, value FROM gold.aggregate WHERE coc IS NULL AND category IS NULL AND "
      "ou_level = 1 AND period_type = 'Quarterly' AND de IN (SELECT uid FROM silver.data_element "
      "WHERE aggregation_type = 'LAST')";
  int64_t last_rows = count("SELECT count(*) FROM (" + gold_last + ")");
  EXPECT_GT(last_rows, 4);
  EXPECT_EQ(count("SELECT count(*) FROM (" + plain_last + ")"), last_rows);
  EXPECT_EQ(count("SELECT count(*) FROM (" + plain_last + ") p JOIN (" + gold_last +
                  ") g USING (de, pe) WHERE abs(p.value - g.value) < 1e-6"),
            last_rows);
}

// gold.program_indicator_value equals straightforward per-event and per-enrollment queries over
// silver written here, without src/dhis2's compiler, for an event count, a distinct count of
// persons, an average of a data element and an enrollment indicator with a cohort boundary; every
// program indicator of the simulator is computed (none left out).
TEST_F(GoldSimulatorTest, ProgramIndicatorsEqualPlainQueriesOverSilver) {
  ASSERT_TRUE(synced_) << *summary_;
  lake::LakeCatalog catalog(LakeDir());
  if (!catalog.Table({"gold", "program_indicator_value"}).Exists()) {
    GTEST_FAIL() << "sync did not build gold.program_indicator_value:\n" << *summary_;
  }
  ASSERT_NO_FATAL_FAILURE(Open(catalog));
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
  // The same per district and ISO week (DHIS2's Weekly periods, 2024W1: weeks from Monday).
  expect_equal("ANC_PI_VISITS", 3, "Weekly",
               "SELECT o.level3_uid AS ou, CAST(isoyear(e.occurred_at) AS VARCHAR) || 'W' || "
               "CAST(week(e.occurred_at) AS VARCHAR) AS pe, count(*) AS value FROM " +
                   events + " e JOIN " + units +
                   " o ON o.uid = e.ou WHERE e.status IN ('ACTIVE', 'COMPLETED') GROUP BY 1, 2");
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
      << *summary_;
}

// A data element the extraction hashes ([source] personal_data_elements) is hash text in silver: a
// program indicator reading it is left out naming it, not computed over the hashes, and the changed
// setting alone reruns the model (no --full). The others are still computed.
TEST_F(GoldSimulatorTest, ProgramIndicatorsOverHashedDataElementsAreLeftOut) {
  ASSERT_TRUE(synced_) << *summary_;
  lake::LakeCatalog catalog(CopyOfLake("hashed"));
  ASSERT_NO_FATAL_FAILURE(Open(catalog));
  std::string hb = text("SELECT uid FROM silver.data_element WHERE code = 'HB'");
  std::string hb_mean =
      text("SELECT uid FROM silver.program_indicator WHERE code = 'ANC_PI_HB_MEAN'");
  ASSERT_FALSE(hb.empty());
  ASSERT_FALSE(hb_mean.empty());
  int64_t computed_before =
      count("SELECT count(DISTINCT program_indicator) FROM gold.program_indicator_value");

  // The indicators whose expression or filter names it as #{stage.HB}, read from their JSON text.
  int64_t reading_hb = count("SELECT count(*) FROM silver.program_indicator WHERE position('." +
                             hb + "}' IN CAST(object AS VARCHAR)) > 0");
  ASSERT_GT(reading_hb, 0);
  auto models = ModelSet::LoadMap(EmbeddedModels());
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  RunOptions options;
  options.models = {"gold.program_indicator_value"};
  options.settings.program_indicator.hashed_data_elements = {hb};
  auto run = RunPipeline(catalog, *connection_, *models, options);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  std::string warnings;
  for (const ModelResult& model : run->models) {
    if (model.name.ToString() != "gold.program_indicator_value") continue;
    EXPECT_EQ(model.status, ModelStatus::kSucceeded);
    EXPECT_NE(model.run_reason.find("definition changed"), std::string::npos) << model.run_reason;
    for (const std::string& warning : model.warnings) warnings += warning + "\n";
  }
  EXPECT_NE(warnings.find("program indicator " + hb_mean +
                          " left out: its expression reads data "
                          "element " +
                          hb + ", whose values are hashed"),
            std::string::npos)
      << warnings;
  ASSERT_TRUE(catalog.RegisterAll(*connection_).ok());
  EXPECT_EQ(count("SELECT count(*) FROM gold.program_indicator_value WHERE program_indicator = '" +
                  hb_mean + "'"),
            0);
  EXPECT_EQ(count("SELECT count(DISTINCT program_indicator) FROM gold.program_indicator_value"),
            computed_before - reading_hb);
  // ops.expression_status says the same: the ones reading the hashed element refused, naming it.
  EXPECT_EQ(count("SELECT count(*) FROM ops.expression_status WHERE object_type = "
                  "'program_indicator' AND status = 'refused' AND reason LIKE '%" +
                  hb + "%'"),
            reading_hb);
  EXPECT_EQ(count("SELECT count(*) FROM ops.expression_status WHERE uid = '" + hb_mean +
                  "' AND status = 'refused'"),
            1);
}

// Computed a few indicators at a time (one query per group, one commit), the model gives the rows
// the one query gave: the run finds the same result and commits nothing.
TEST_F(GoldSimulatorTest, ProgramIndicatorsInGroupsGiveTheOneQuerysRows) {
  ASSERT_TRUE(synced_) << *summary_;
  lake::LakeCatalog catalog(CopyOfLake("groups"));
  ASSERT_NO_FATAL_FAILURE(Open(catalog));
  auto models = ModelSet::LoadMap(EmbeddedModels());
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  RunOptions options;
  options.models = {"gold.program_indicator_value"};
  options.full = true;
  auto run_with = [&](int per_query) -> std::optional<ModelResult> {
    options.settings.program_indicator.indicators_per_query = per_query;
    auto run = RunPipeline(catalog, *connection_, *models, options);
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    if (!run.ok()) return std::nullopt;
    for (const ModelResult& model : run->models) {
      if (model.name.ToString() == "gold.program_indicator_value") return model;
    }
    return std::nullopt;
  };
  // One query (the default group holds every indicator of the small country)...
  auto one = run_with(30);
  ASSERT_TRUE(one.has_value());
  ASSERT_EQ(one->status, ModelStatus::kSucceeded) << one->error;
  EXPECT_EQ(one->pieces, 0);
  ASSERT_TRUE(catalog.RegisterAll(*connection_).ok());
  const int64_t indicators =
      count("SELECT count(DISTINCT program_indicator) FROM gold.program_indicator_value");
  ASSERT_GT(indicators, 8);
  // ... then four indicators a query: the same rows, so nothing is committed.
  auto grouped = run_with(4);
  ASSERT_TRUE(grouped.has_value());
  EXPECT_EQ(grouped->status, ModelStatus::kSucceeded) << grouped->error;
  EXPECT_GE(grouped->pieces, (indicators + 3) / 4);
  EXPECT_TRUE(grouped->output_unchanged);
  EXPECT_EQ(grouped->rows_out, one->rows_out);
  EXPECT_GT(one->rows_out, 0);
}

// gold.predicted_value for the simulator's two district-level predictors equals plain queries over
// silver written here: per district and month, the expected OPD consultations are the average of
// the district's monthly OPD totals (its facilities' values, every option combo) over the three
// previous months; the malaria threshold is avg + 2 x stddevSamp of the district's confirmed cases
// over the previous month and, in each of the two previous years, the same month and the months
// either side of it (DHIS2's sequential and annual samples). Both outputs are NUMBER elements,
// stored as DHIS2's MathUtils.roundFraction(x, 4) gives them: an integer from 4 whole digits up,
// else 4 significant digits (these positive values never fall on an exact half).
TEST_F(GoldSimulatorTest, PredictionsEqualPlainQueriesOverSilver) {
  ASSERT_TRUE(synced_) << *summary_;
  lake::LakeCatalog catalog(LakeDir());
  if (!catalog.Table({"gold", "predicted_value"}).Exists()) {
    GTEST_FAIL() << "sync did not build gold.predicted_value:\n" << *summary_;
  }
  ASSERT_NO_FATAL_FAILURE(Open(catalog));
  auto district_totals = [](const std::string& element_code) {
    return "SELECT o.level3_uid AS ou, v.start_date, sum(v.value) AS value FROM silver.data_value "
           "v "
           "JOIN silver.org_unit o ON o.uid = v.ou AND o.valid_to IS NULL WHERE v.de = (SELECT uid "
           "FROM silver.data_element WHERE code = '" +
           element_code + "') AND v.period_type = 'Monthly' AND v.value IS NOT NULL GROUP BY 1, 2";
  };
  auto predictions = [](const std::string& predictor_code) {
    return "SELECT ou, pe, value, make_date(CAST(substring(pe, 1, 4) AS INTEGER), "
           "CAST(substring(pe, 5, 2) AS INTEGER), 1) AS month FROM gold.predicted_value WHERE "
           "predictor = (SELECT uid FROM silver.predictor WHERE code = '" +
           predictor_code + "')";
  };
  auto dhis2_stored = [](const std::string& x) {
    return "CASE WHEN abs(" + x + ") <= 0.01 THEN 0 WHEN ceil(log10(abs(" + x +
           "))) >= 4 THEN round(" + x + ") ELSE round(" + x + ", CAST(4 - ceil(log10(abs(" + x +
           "))) AS INTEGER)) END";
  };
  int64_t districts =
      count("SELECT count(*) FROM silver.org_unit WHERE level = 3 AND valid_to IS NULL");
  ASSERT_GT(districts, 1);

  const std::string expected =
      "SELECT p.ou, p.pe, p.value, (SELECT avg(s.value) FROM (" + district_totals("OPD") +
      ") s WHERE s.ou = p.ou AND s.start_date >= p.month - INTERVAL 3 MONTH AND s.start_date < "
      "p.month) AS plain FROM (" +
      predictions("PRED_OPD_EXPECTED") + ") p";
  int64_t expected_rows = count("SELECT count(*) FROM (" + expected + ")");
  EXPECT_GE(expected_rows, 12 * districts);  // every district, at least a year of months
  EXPECT_EQ(count("SELECT count(DISTINCT ou) FROM (" + expected + ")"), districts);
  EXPECT_EQ(count("SELECT count(*) FROM (" + expected + ") WHERE abs(value - " +
                  dhis2_stored("plain") + ") < 1e-6"),
            expected_rows);
  // No district month with samples is left without a prediction, inside the predicted months.
  EXPECT_EQ(count("SELECT count(*) FROM (SELECT DISTINCT s.ou, m.month FROM (SELECT DISTINCT "
                  "month FROM (" +
                  predictions("PRED_OPD_EXPECTED") + ")) m JOIN (" + district_totals("OPD") +
                  ") s ON s.start_date >= m.month - INTERVAL 3 MONTH AND s.start_date < m.month)"),
            expected_rows);

  const std::string threshold =
      "SELECT p.ou, p.pe, p.value, (SELECT avg(s.value) + 2 * stddev_samp(s.value) FROM (" +
      district_totals("MAL_CONF") +
      ") s WHERE s.ou = p.ou AND date_diff('month', s.start_date, p.month) IN (1, 11, 12, 13, 23, "
      "24, 25)) AS plain FROM (" +
      predictions("PRED_MAL_THRESHOLD") + ") p";
  int64_t threshold_rows = count("SELECT count(*) FROM (" + threshold + ")");
  EXPECT_GE(threshold_rows, 12 * districts);
  EXPECT_EQ(count("SELECT count(*) FROM (" + threshold + ") WHERE abs(value - " +
                  dhis2_stored("plain") + ") < 1e-6"),
            threshold_rows);
}

}  // namespace
}  // namespace dhl::pipeline
