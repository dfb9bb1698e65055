// The simulator at small scale synced all the way to gold (RunSync in-process), gold.aggregate
// checked against plain queries over silver written here, independently of the models: SUM
// elements per district and month, the yearly population (AVERAGE_SUM_ORG_UNIT) spread over the
// months of its year, and LAST elements per quarter by a lateral "latest value up to the quarter's
// end" per series.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>

#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "pipeline/sync_runner.h"
#include "sim/sim_command.h"

namespace dhl::pipeline {
namespace {

namespace fs = std::filesystem;

class GoldSimulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dhl_gold_simulator_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(GoldSimulatorTest, AggregatesEqualPlainQueriesOverSilver) {
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

  lake::LakeCatalog catalog(options.lake_dir);
  if (!catalog.Table({"gold", "aggregate"}).Exists()) {
    GTEST_FAIL() << "sync did not build gold.aggregate:\n" << summary->ToText();
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

}  // namespace
}  // namespace dhl::pipeline
