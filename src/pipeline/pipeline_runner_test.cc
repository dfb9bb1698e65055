// The runner under a bounded engine: a model the memory limit cannot hold fails alone, naming the
// model and the limit, its table left as it was; temporary tables do not outlive their model.
#include "pipeline/pipeline_runner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/test_paths.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "pipeline/content_fingerprint.h"
#include "pipeline/model.h"
#include "pipeline/model_set.h"
#include "sql/dialect.h"

namespace dhl::pipeline {
namespace {

namespace fs = std::filesystem;

class PipelineRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The process id too: the same test run at once from another checkout must not share it.
    dir_ = fs::path(::testing::TempDir()) /
           ("dhl_runner_" + std::to_string(::getpid()) + "_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "spill");
    engine::DatabaseOptions options;
    options.memory_limit = "64MB";
    options.temp_directory = (dir_ / "spill").string();
    auto database = engine::Database::Open(options);
    ASSERT_TRUE(database.ok()) << database.status().ToString();
    database_.emplace(std::move(*database));
    auto connection = database_->Connect();
    ASSERT_TRUE(connection.ok());
    connection_.emplace(std::move(*connection));
    catalog_.emplace((dir_ / "lake").string());
  }
  void TearDown() override { fs::remove_all(dir_); }

  void WriteSizes(int64_t n) {
    lake::WriteOptions overwrite;
    overwrite.mode = lake::WriteMode::kOverwrite;
    auto written = catalog_->Table({"bronze", "sizes"})
                       .Write(*connection_, "SELECT CAST(" + std::to_string(n) + " AS BIGINT) AS n",
                              overwrite);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
  }
  void Write(const std::string& table, const std::string& select, bool overwrite) {
    lake::WriteOptions options;
    options.mode = overwrite ? lake::WriteMode::kOverwrite : lake::WriteMode::kAppend;
    auto name = lake::ParseTableName(table);
    ASSERT_TRUE(name.ok());
    auto written = catalog_->Table(*name).Write(*connection_, select, options);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
  }
  std::vector<std::string> Rows(const std::string& table, const std::string& columns) {
    auto name = lake::ParseTableName(table);
    EXPECT_TRUE(catalog_->Register(*connection_, *name).ok());
    auto result = connection_->Query("SELECT CAST(ROW(" + columns + ") AS VARCHAR) FROM " + table +
                                     " ORDER BY 1");
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    std::vector<std::string> rows;
    for (size_t row = 0; result.ok() && row < result->row_count(); ++row) {
      rows.push_back(result->GetString(0, row).value_or("NULL"));
    }
    return rows;
  }
  ModelResult Run(const ModelSet& models, const std::string& model, bool full = false) {
    RunOptions options;
    options.full = full;
    return Run(models, model, options);
  }
  ModelResult Run(const ModelSet& models, const std::string& model, const RunOptions& options) {
    auto summary = RunPipeline(*catalog_, *connection_, models, options);
    EXPECT_TRUE(summary.ok()) << summary.status().ToString();
    if (!summary.ok()) return ModelResult{};
    EXPECT_TRUE(summary->ok()) << summary->ToString();
    for (const ModelResult& result : summary->models) {
      if (result.name.ToString() == model) return result;
    }
    return ModelResult{};
  }
  // The fingerprints ops.model_run recorded with `model`'s commit of `version`; nullopt when it
  // recorded none.
  std::optional<TableFingerprints> RecordedFingerprints(const std::string& model, int64_t version) {
    EXPECT_TRUE(catalog_->Register(*connection_, {"ops", "model_run"}).ok());
    auto recorded = connection_->Query("SELECT fingerprints FROM ops.model_run WHERE model = '" +
                                       model + "' AND version = " + std::to_string(version));
    EXPECT_TRUE(recorded.ok()) << recorded.status().ToString();
    if (!recorded.ok() || recorded->row_count() == 0) return std::nullopt;
    return ParseTableFingerprints(recorded->GetString(0, 0).value_or(""));
  }
  // A model (file `path`) keeping each key k's latest version by ts, deleted when gone: `rest` is
  // its further header lines and its SELECT.
  static Result<ModelSet> LatestVersions(const std::string& path, const std::string& rest) {
    return ModelSet::LoadMap(
        {{path,
          "-- materialized: incremental\n-- unique_key: k\n-- order_by: ts\n-- deleted: gone\n" +
              rest}});
  }
  // silver.fact: LatestVersions of bronze.fact (k, year, v, ts, gone), partitioned by year.
  static Result<ModelSet> YearlyFacts() {
    return LatestVersions(
        "silver/fact.sql",
        "-- partition_by: year\n"
        "SELECT k, CAST(year AS INTEGER) AS year, v, ts, gone FROM ref('bronze.fact')");
  }
  // bronze.fact's rows from SQL tuples (k, year, v, ts, gone).
  static std::string FactRows(const std::string& tuples) {
    return "SELECT * FROM (VALUES " + tuples + ") AS r(k, year, v, ts, gone)";
  }
  // The Parquet files under the folder of `table` (committed or not).
  int64_t DataFiles(const std::string& layer, const std::string& table) {
    int64_t files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir_ / "lake" / layer / table)) {
      files += entry.is_regular_file() && entry.path().extension() == ".parquet" ? 1 : 0;
    }
    return files;
  }
  // bronze.values for the batch_by tests: i = 0..144, g a (50 rows), b (30), c (30), d (20), e
  // (10), NULL (5); even i in 2023, odd in 2024; v the SQL `v` over i. With `year`, that partition
  // alone is replaced.
  void WriteGroupValues(const std::string& v,
                        const std::optional<std::string>& year = std::nullopt) {
    lake::WriteOptions options;
    options.partition_columns = {"year"};
    options.mode = lake::WriteMode::kOverwrite;
    std::string rows =
        "SELECT CAST(2023 + i % 2 AS INTEGER) AS year, CASE WHEN i < 50 THEN 'a' WHEN i < 80 "
        "THEN 'b' WHEN i < 110 THEN 'c' WHEN i < 130 THEN 'd' WHEN i < 140 THEN 'e' END AS g, " +
        v + " AS v FROM range(145) AS t(i)";
    if (year.has_value()) {
      options.mode = lake::WriteMode::kReplacePartitions;
      options.replace_partitions = {{{"year", *year}}};
      rows = "SELECT * FROM (" + rows + ") WHERE year = " + *year;
    }
    auto written = catalog_->Table({"bronze", "values"}).Write(*connection_, rows, options);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
  }
  // gold.by_group over bronze.values in pieces by g (1000 bytes a row): count and `sum` (as s)
  // per year and g, expectation not_e (g <> 'e') with `action`.
  static Result<ModelSet> ByGroup(const std::string& sum, const std::string& action) {
    return ModelSet::LoadMap(
        {{"gold/by_group.sql",
          "-- materialized: partitioned\n-- partition_by: year\n-- partition_inputs: "
          "bronze.values\n-- batch_by: g\n-- batch_row_bytes: 1000\n"
          "-- expect: not_e | COALESCE(g, '') <> 'e' | " +
              action +
              "\n"
              "SELECT year, g, count(*) AS n, " +
              sum + " AS s FROM ref('bronze.values') GROUP BY year, g"}});
  }
  int64_t Version(const lake::TableName& table) {
    auto snapshot = catalog_->Table(table).Load(*connection_);
    return snapshot.ok() ? snapshot->version : -1;
  }

  fs::path dir_;
  std::optional<engine::Database> database_;
  std::optional<engine::Connection> connection_;
  std::optional<lake::LakeCatalog> catalog_;
};

TEST_F(PipelineRunnerTest, AModelOverTheMemoryLimitFailsAloneAndLeavesItsTable) {
  // silver.huge concatenates n numbers into one string: a single aggregate state that cannot
  // spill. n = 1000 fits in 64 MB; n = 30 million (some 250 MB of text) cannot.
  auto models = ModelSet::LoadMap(
      {{"silver/huge.sql",
        "-- materialized: table\n"
        "SELECT length(string_agg(CAST(i AS VARCHAR), ',')) AS chars FROM (SELECT unnest(range(n)) "
        "AS i FROM ref('bronze.sizes')) AS r"},
       {"gold/after_huge.sql", "-- materialized: table\nSELECT chars FROM ref('silver.huge')"},
       {"silver/small.sql", "-- materialized: table\nSELECT n FROM ref('bronze.sizes')"}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  WriteSizes(1000);
  auto first = RunPipeline(*catalog_, *connection_, *models, RunOptions{});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->succeeded, 3) << first->ToString();
  int64_t huge_version = Version({"silver", "huge"});
  int64_t after_version = Version({"gold", "after_huge"});
  ASSERT_GE(huge_version, 0);

  WriteSizes(30000000);
  auto second = RunPipeline(*catalog_, *connection_, *models, RunOptions{});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  std::map<std::string, ModelResult> results;
  for (const ModelResult& result : second->models) results[result.name.ToString()] = result;
  EXPECT_EQ(second->failed, 1) << second->ToString();
  EXPECT_EQ(results["silver.huge"].status, ModelStatus::kFailed);
  const std::string& error = results["silver.huge"].error;
  EXPECT_NE(error.find("model silver.huge needs more memory than the engine's limit of"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("MiB"), std::string::npos) << error;  // the limit, as DuckDB states it
  EXPECT_NE(error.find("--memory-limit"), std::string::npos) << error;
  EXPECT_EQ(results["gold.after_huge"].status, ModelStatus::kUpstreamFailed);
  EXPECT_EQ(results["silver.small"].status, ModelStatus::kSucceeded) << second->ToString();

  // The failed model's table and its descendant's are as they were.
  EXPECT_EQ(Version({"silver", "huge"}), huge_version);
  EXPECT_EQ(Version({"gold", "after_huge"}), after_version);
  ASSERT_TRUE(catalog_->Register(*connection_, {"silver", "huge"}).ok());
  auto chars = connection_->Query("SELECT chars FROM silver.huge");
  ASSERT_TRUE(chars.ok()) << chars.status().ToString();
  // "0,1,...,999": 10 + 90*2 + 900*3 digits and 999 commas.
  EXPECT_EQ(chars->GetInt64(0, 0), 10 + 180 + 2700 + 999);

  // No temporary table of the runner outlives its model, failed or not.
  auto temps = connection_->Query(
      "SELECT count(*) FROM duckdb_tables() WHERE temporary AND starts_with(table_name, "
      "'_pipeline_')");
  ASSERT_TRUE(temps.ok());
  EXPECT_EQ(temps->GetInt64(0, 0), 0);
}

TEST_F(PipelineRunnerTest, TimesComeFromTheGivenClock) {
  auto models = ModelSet::LoadMap(
      {{"silver/small.sql", "-- materialized: table\nSELECT n FROM ref('bronze.sizes')"}});
  ASSERT_TRUE(models.ok());
  WriteSizes(3);
  FakeClock clock(1700000000000);  // 2023-11-14T22:13:20Z
  RunOptions options;
  options.clock = &clock;
  auto summary = RunPipeline(*catalog_, *connection_, *models, options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->ok()) << summary->ToString();
  EXPECT_EQ(summary->seconds, 0);
  ASSERT_TRUE(catalog_->Register(*connection_, {"ops", "model_run"}).ok());
  auto times = connection_->Query(
      "SELECT CAST(started_at AS VARCHAR), CAST(ended_at AS VARCHAR) FROM ops.model_run");
  ASSERT_TRUE(times.ok()) << times.status().ToString();
  ASSERT_EQ(times->row_count(), 1u);
  EXPECT_EQ(times->GetString(0, 0), "2023-11-14 22:13:20+00");
  EXPECT_EQ(times->GetString(1, 0), "2023-11-14 22:13:20+00");
}

// An incremental fact over a dimension it looks up: a rewritten dimension reaches exactly the keys
// its changed rows name (recompute_on), and the result equals a full rebuild.
const char* kFact =
    "-- materialized: incremental\n"
    "-- unique_key: k\n"
    "-- order_by: ts\n"
    "-- recompute_on: silver.dim.uid = d\n"
    "-- recompute_on: silver.other.uid = d\n"
    "-- expect: unknown_dim | known | quarantine\n"
    "SELECT f.k, f.d, f.v, f.ts, m.kind, CASE WHEN m.kind = 'num' THEN TRY_CAST(f.v AS DOUBLE) "
    "END AS value, m.uid IS NOT NULL AS known FROM ref('bronze.fact') AS f "
    "LEFT JOIN ref('silver.dim') AS m ON m.uid = f.d "
    "LEFT JOIN ref('silver.other') AS o ON o.uid = f.d";
const char* kDim = "-- materialized: table\nSELECT uid, kind FROM ref('bronze.dim')";
// A second dimension (two recompute_on lines), never changed here.
const char* kOther = "-- materialized: table\nSELECT uid FROM ref('bronze.dim') WHERE uid = 'zz'";

TEST_F(PipelineRunnerTest, DimensionChangesReachOnlyTheKeysTheyName) {
  auto models = ModelSet::LoadMap(
      {{"silver/dim.sql", kDim}, {"silver/other.sql", kOther}, {"silver/fact.sql", kFact}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  Write("bronze.dim", "SELECT * FROM (VALUES ('a', 'num'), ('c', 'num')) AS t(uid, kind)", true);
  Write("bronze.fact",
        "SELECT * FROM (VALUES ('k1', 'a', '5', 1), ('k2', 'b', '7', 1), ('k3', 'c', '9', 1)) "
        "AS t(k, d, v, ts)",
        false);
  ModelResult first = Run(*models, "silver.fact");
  EXPECT_EQ(first.rows_in, 3);
  EXPECT_EQ(first.rows_rejected, 1);  // k2: no dimension row b yet
  const std::string columns = "k, d, kind, value";
  EXPECT_EQ(Rows("silver.fact", columns),
            (std::vector<std::string>{"(k1, a, num, 5.0)", "(k3, c, num, 9.0)"}));

  // The dimension is rewritten: a changes kind (its values are retyped), b arrives (the value
  // quarantined for it comes back); c is as it was, so k3 is not read again.
  Write("bronze.dim",
        "SELECT * FROM (VALUES ('a', 'text'), ('b', 'num'), ('c', 'num')) AS t(uid, kind)", true);
  ModelResult incremental = Run(*models, "silver.fact");
  EXPECT_EQ(incremental.status, ModelStatus::kSucceeded);
  EXPECT_EQ(incremental.full_reason, "");
  EXPECT_EQ(incremental.rows_in, 2);      // k1 and k2 only
  EXPECT_EQ(incremental.files_added, 1);  // the table is small and unpartitioned: one file
  EXPECT_EQ(incremental.files_removed, 1);
  std::vector<std::string> expected = {"(k1, a, text, NULL)", "(k2, b, num, 7.0)",
                                       "(k3, c, num, 9.0)"};
  EXPECT_EQ(Rows("silver.fact", columns), expected);

  // New fact rows alone: only they are read.
  Write("bronze.fact", "SELECT 'k4' AS k, 'c' AS d, '1' AS v, 1 AS ts", false);
  ModelResult appended = Run(*models, "silver.fact");
  EXPECT_EQ(appended.rows_in, 1);
  expected.push_back("(k4, c, num, 1.0)");
  EXPECT_EQ(Rows("silver.fact", columns), expected);

  // A re-delivered identical row: read, nothing committed.
  Write("bronze.fact", "SELECT 'k4' AS k, 'c' AS d, '1' AS v, 1 AS ts", false);
  ModelResult redelivered = Run(*models, "silver.fact");
  EXPECT_EQ(redelivered.rows_in, 2);  // both deliveries of k4
  EXPECT_TRUE(redelivered.output_unchanged);
  EXPECT_EQ(redelivered.version, -1);
  EXPECT_EQ(redelivered.files_added, 0);
  EXPECT_EQ(redelivered.files_removed, 0);
  EXPECT_EQ(Rows("silver.fact", columns), expected);

  // A full rebuild gives the same table.
  ModelResult full = Run(*models, "silver.fact", /*full=*/true);
  EXPECT_EQ(full.rows_in, 5);
  EXPECT_TRUE(full.output_unchanged);
  EXPECT_EQ(Rows("silver.fact", columns), expected);
}

// The latest version per key: keys with one row keep it, keys with several keep their latest, a
// deleted latest version removes the key; a NULL key part is a value (as PARTITION BY groups it),
// apart from ''. Incremental runs, with NULL key parts too, agree with a full rebuild.
TEST_F(PipelineRunnerTest, TheLatestVersionOfEachKeyIsKept) {
  const std::string header =
      "-- materialized: incremental\n-- unique_key: k, part\n-- order_by: ts\n-- deleted: gone\n";
  auto models = ModelSet::LoadMap(
      {{"silver/latest.sql", header + "SELECT k, part, v, ts, gone FROM ref('bronze.versions')"},
       {"silver/later.sql", header + "SELECT k, part, v, ts, gone FROM ref('bronze.later')"}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  const std::string rows =
      "SELECT * FROM (VALUES ('a', NULL, 1, 1, false), ('a', NULL, 2, 2, false), "
      "('b', 'x', 5, 1, false), ('c', 'y', 1, 1, false), ('c', 'y', 9, 2, true), "
      "('d', NULL, 3, 1, false), ('d', '', 4, 2, false)) AS t(k, part, v, ts, gone)";
  Write("bronze.versions", rows, false);
  Write("bronze.later", "SELECT * FROM (" + rows + ") WHERE part IS NOT NULL", false);
  ModelResult first = Run(*models, "silver.latest");
  EXPECT_EQ(first.rows_in, 7);
  EXPECT_EQ(first.rows_out, 4);
  const std::string columns = "k, part, v";
  EXPECT_EQ(Rows("silver.latest", columns),
            (std::vector<std::string>{"(a, NULL, 2)", "(b, x, 5)", "(d, '', 4)", "(d, NULL, 3)"}));
  EXPECT_TRUE(Run(*models, "silver.latest", /*full=*/true).output_unchanged);

  // Incremental with NULL key parts (a row-value IN / NOT IN would drop such keys): a newer version
  // of (a, NULL) wins, an older one of (d, NULL) is ignored, (d, '') and b stay.
  Write("bronze.versions",
        "SELECT * FROM (VALUES ('a', CAST(NULL AS VARCHAR), 7, 3, false), ('d', NULL, 0, 0, "
        "false)) AS t(k, part, v, ts, gone)",
        false);
  ModelResult with_nulls = Run(*models, "silver.latest");
  EXPECT_EQ(with_nulls.rows_in, 5);  // every version of (a, NULL) and (d, NULL)
  const std::vector<std::string> latest = {"(a, NULL, 7)", "(b, x, 5)", "(d, '', 4)",
                                           "(d, NULL, 3)"};
  EXPECT_EQ(Rows("silver.latest", columns), latest);
  EXPECT_TRUE(Run(*models, "silver.latest", /*full=*/true).output_unchanged);
  EXPECT_EQ(Rows("silver.latest", columns), latest);

  // b gets an older version (ignored), c comes back after its deletion with a newer one.
  EXPECT_EQ(Rows("silver.later", columns), (std::vector<std::string>{"(b, x, 5)", "(d, '', 4)"}));
  Write("bronze.later",
        "SELECT * FROM (VALUES ('b', 'x', 1, 0, false), ('c', 'y', 4, 3, false)) "
        "AS t(k, part, v, ts, gone)",
        false);
  ModelResult incremental = Run(*models, "silver.later");
  EXPECT_EQ(incremental.rows_in, 5);  // every version of b and c
  const std::vector<std::string> expected = {"(b, x, 5)", "(c, y, 4)", "(d, '', 4)"};
  EXPECT_EQ(Rows("silver.later", columns), expected);
  ModelResult full = Run(*models, "silver.later", /*full=*/true);
  EXPECT_EQ(full.rows_in, 6);
  EXPECT_TRUE(full.output_unchanged);
  EXPECT_EQ(Rows("silver.later", columns), expected);
}

// A rebuild finds the keys with several rows a share of the key hashes at a time: with two keys'
// worth per grouping, the 7 rows below go through 4 groupings, and every key with several rows
// (NULL key parts included) still keeps only its latest version, a deleted latest version dropping
// the key (the rows TheLatestVersionOfEachKeyIsKept works out by hand).
TEST_F(PipelineRunnerTest, ARebuildGroupsTheKeysInShares) {
  auto models = ModelSet::LoadMap(
      {{"silver/latest.sql",
        "-- materialized: incremental\n-- unique_key: k, part\n-- order_by: ts\n-- deleted: gone\n"
        "SELECT k, part, v, ts, gone FROM ref('bronze.versions')"}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  Write("bronze.versions",
        "SELECT * FROM (VALUES ('a', NULL, 1, 1, false), ('a', NULL, 2, 2, false), "
        "('b', 'x', 5, 1, false), ('c', 'y', 1, 1, false), ('c', 'y', 9, 2, true), "
        "('d', NULL, 3, 1, false), ('d', '', 4, 2, false)) AS t(k, part, v, ts, gone)",
        false);
  RunOptions options;
  options.full = true;
  options.keys_per_grouping = 2;
  ModelResult rebuilt = Run(*models, "silver.latest", options);
  EXPECT_EQ(rebuilt.rows_in, 7);
  EXPECT_EQ(rebuilt.rows_out, 4);
  EXPECT_EQ(Rows("silver.latest", "k, part, v"),
            (std::vector<std::string>{"(a, NULL, 2)", "(b, x, 5)", "(d, '', 4)", "(d, NULL, 3)"}));
}

// A full rebuild of an incremental model whose rows are twice the engine's memory limit, on an
// engine that cannot spill: the rows go to a Parquet file under the lake's _system/tmp, not into
// the engine's memory (materialised as a temporary table, they ran out of memory here). Four
// million rows of about 70 bytes, 128 MB: 3.6 million keys, the first 400,000 with a later second
// version; rows with i % 1000 = 999 are deletions and keys with k % 1000 = 13 fail a quarantine
// expectation. By hand: 3,600 keys deleted, 3,600 quarantined, 3,592,800 left, their ts (= i of
// the latest version) summing to 7,904,158,156,800.
TEST_F(PipelineRunnerTest, ARebuildLargerThanTheMemoryLimitIsStreamed) {
  engine::DatabaseOptions options;
  options.memory_limit = "128MB";
  options.temp_directory = "";               // nothing spills
  options.preserve_insertion_order = false;  // as ModelEngineOptions sets it
  auto database = engine::Database::Open(options);
  ASSERT_TRUE(database.ok()) << database.status().ToString();
  auto connection = database->Connect();
  ASSERT_TRUE(connection.ok());
  lake::WriteOptions append;
  append.mode = lake::WriteMode::kAppend;
  auto written = catalog_->Table({"bronze", "versions"})
                     .Write(*connection,
                            "SELECT i % 3600000 AS k, i AS ts, i % 1000 = 999 AS gone, "
                            "md5(CAST(i AS VARCHAR)) AS payload FROM range(4000000) AS t(i)",
                            append);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  auto models =
      LatestVersions("silver/latest.sql",
                     "-- partition_by: part\n"
                     "-- expect: not_thirteen | k % 1000 <> 13 | quarantine\n"
                     "SELECT k, k % 4 AS part, ts, gone, payload FROM ref('bronze.versions')");
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  RunOptions run;
  run.full = true;
  run.keys_per_grouping = 250000;  // each grouping of key hashes holds some 225,000 keys
  auto summary = RunPipeline(*catalog_, *connection, *models, run);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->ok()) << summary->ToString();
  const ModelResult& rebuilt = summary->models.front();
  EXPECT_EQ(rebuilt.rows_in, 4000000);
  EXPECT_EQ(rebuilt.rows_out, 3592800);
  EXPECT_EQ(rebuilt.rows_rejected, 3600);
  ASSERT_TRUE(catalog_->Register(*connection, {"silver", "latest"}).ok());
  auto totals = connection->Query(
      "SELECT count(*), sum(ts), count(*) FILTER (WHERE k % 1000 IN (13, 999)) FROM silver.latest");
  ASSERT_TRUE(totals.ok()) << totals.status().ToString();
  EXPECT_EQ(totals->GetInt64(0, 0).value_or(-1), 3592800);
  EXPECT_EQ(totals->GetString(1, 0).value_or(""), "7904158156800");
  EXPECT_EQ(totals->GetInt64(2, 0).value_or(-1), 0);
  // The staged file is gone with the model's temporary tables.
  ASSERT_TRUE(fs::is_directory(dir_ / "lake" / "_system" / "tmp"));
  EXPECT_TRUE(fs::is_empty(dir_ / "lake" / "_system" / "tmp"));
}

// A streamed rebuild's expectations, from the one collection of the rows failing any of them: 9
// staged rows, 3 left out before the expectations (k 1 and k 4's older versions, k 4's deleted
// latest one), so each expectation counts over 6 rows. By hand: positive fails on k 1 (-1), k 3
// (-300) and k 6 (NULL), small on k 2 (200) and k 6, even (warn) on k 1, k 5 and k 6: 3 + 2 rows
// rejected, k 6 logged once per expectation but leaving once, so 2 rows stay (k 5 and k 7).
TEST_F(PipelineRunnerTest, AStreamedRebuildsExpectationsCountRejectAndQuarantineInOneCollection) {
  Write("bronze.versions",
        "SELECT * FROM (VALUES (1, 1, 5, FALSE), (1, 2, -1, FALSE), (2, 1, 200, FALSE), "
        "(3, 1, -300, FALSE), (4, 1, 7, FALSE), (4, 2, 7, TRUE), (5, 1, 9, FALSE), "
        "(6, 3, NULL, FALSE), (7, 1, 8, FALSE)) AS t(k, ts, v, gone)",
        false);
  auto models = LatestVersions("silver/latest.sql",
                               "-- expect: positive | v > 0 | quarantine\n"
                               "-- expect: small | v < 100 | quarantine\n"
                               "-- expect: even | v % 2 = 0 | warn\n"
                               "SELECT k, ts, v, gone FROM ref('bronze.versions')");
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  RunOptions run;
  run.full = true;
  ModelResult result = Run(*models, "silver.latest", run);
  EXPECT_EQ(result.rows_in, 9);
  EXPECT_EQ(result.rows_rejected, 5);
  EXPECT_EQ(result.rows_out, 2);
  EXPECT_EQ(Rows("silver.latest", "k, ts, v"),
            (std::vector<std::string>{"(5, 1, 9)", "(7, 1, 8)"}));
  EXPECT_EQ(Rows("ops.dq_result", "expectation, action, rows_failing, rows_total"),
            (std::vector<std::string>{"(even, warn, 3, 6)", "(positive, quarantine, 3, 6)",
                                      "(small, quarantine, 2, 6)"}));
  EXPECT_EQ(Rows("silver.rejects", "expectation, record"),
            (std::vector<std::string>{R"((positive, '{"k":1,"ts":2,"v":-1,"gone":false}'))",
                                      R"((positive, '{"k":3,"ts":1,"v":-300,"gone":false}'))",
                                      R"((positive, '{"k":6,"ts":3,"v":null,"gone":false}'))",
                                      R"((small, '{"k":2,"ts":1,"v":200,"gone":false}'))",
                                      R"((small, '{"k":6,"ts":3,"v":null,"gone":false}'))"}));
}

// A rebuild stages its rows only when the disk has room for about twice its inputs' bytes (the
// staged rows and the table written from them); otherwise the model fails alone, naming the
// folder, the bytes needed and the bytes free, and its table stays as it was. What a crashed run
// left under _system/tmp is gone once a run has claimed its own folder there.
TEST_F(PipelineRunnerTest, ARebuildWithoutDiskSpaceFailsAloneNamingTheBytesNeeded) {
  Write("bronze.versions",
        "SELECT i % 4 AS k, i AS ts, md5(CAST(i AS VARCHAR)) AS payload FROM range(10) AS t(i)",
        false);
  Write("bronze.sizes", "SELECT CAST(3 AS BIGINT) AS n", true);
  auto models = ModelSet::LoadMap(
      {{"silver/latest.sql",
        "-- materialized: incremental\n-- unique_key: k\n-- order_by: ts\n"
        "SELECT k, ts, payload FROM ref('bronze.versions')"},
       {"gold/after_latest.sql", "-- materialized: table\nSELECT k FROM ref('silver.latest')"},
       {"silver/small.sql", "-- materialized: table\nSELECT n FROM ref('bronze.sizes')"}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  RunOptions run;
  run.full = true;
  ASSERT_EQ(Run(*models, "silver.latest", run).rows_out, 4);
  const int64_t latest_version = Version({"silver", "latest"});
  auto input = catalog_->Table({"bronze", "versions"}).Load(*connection_);
  ASSERT_TRUE(input.ok()) << input.status().ToString();
  const int64_t needed = 2 * input->total_bytes();
  ASSERT_GT(needed, 1000);

  // A crashed run's staged file and spill folder (no process holds its lock).
  const fs::path tmp = dir_ / "lake" / "_system" / "tmp";
  fs::create_directories(tmp / "crashed");
  { std::ofstream(tmp / "crashed" / "duckdb_temp_storage_S32K-0.tmp") << "spilled"; }
  { std::ofstream(tmp / "rebuild-crashed.parquet") << "staged"; }
  std::vector<std::string> asked;
  run.free_disk_bytes = [&](const std::string& folder) -> Result<int64_t> {
    asked.push_back(folder);
    return int64_t{1000};
  };
  auto summary = RunPipeline(*catalog_, *connection_, *models, run);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  std::map<std::string, ModelResult> results;
  for (const ModelResult& result : summary->models) results[result.name.ToString()] = result;
  EXPECT_EQ(summary->failed, 1) << summary->ToString();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(fs::path(asked[0]).parent_path(), tmp);
  EXPECT_EQ(results["silver.latest"].status, ModelStatus::kFailed);
  EXPECT_NE(results["silver.latest"].error.find(
                "model silver.latest: not enough free disk space to stage its rows in " + asked[0] +
                ": needs about " + std::to_string(needed) + " bytes"),
            std::string::npos)
      << results["silver.latest"].error;
  EXPECT_NE(results["silver.latest"].error.find("1000 bytes free"), std::string::npos);
  EXPECT_EQ(results["gold.after_latest"].status, ModelStatus::kUpstreamFailed);
  EXPECT_EQ(results["silver.small"].status, ModelStatus::kSucceeded);
  EXPECT_EQ(Version({"silver", "latest"}), latest_version);
  EXPECT_EQ(Rows("silver.latest", "k, ts"),
            (std::vector<std::string>{"(0, 8)", "(1, 9)", "(2, 6)", "(3, 7)"}));
  // The crashed run's files are gone, and the run's own folder with it.
  EXPECT_TRUE(fs::is_empty(tmp));
}

// key_input: the touched keys are recomputed from the bronze rows of those keys alone (one
// filtering scan), for keys new rows touch and keys a dimension change reaches. `rows_seen` counts
// what the model read of its input, so it shows the filter (a model honouring its key_input lines
// reads nothing else; this one does, on purpose, to make the reading visible).
TEST_F(PipelineRunnerTest, KeyInputReadsOnlyTheRowsOfTheTouchedKeys) {
  const char* counted =
      "-- materialized: incremental\n"
      "-- unique_key: k\n"
      "-- order_by: ts\n"
      "-- key_input: bronze.counted | k = lower(name)\n"
      "-- recompute_on: silver.dim.uid = k\n"
      "SELECT lower(c.name) AS k, max(c.ts) AS ts, count(*) AS versions, "
      "max(m.kind) AS kind, (SELECT count(*) FROM ref('bronze.counted')) AS rows_seen "
      "FROM ref('bronze.counted') AS c LEFT JOIN ref('silver.dim') AS m ON m.uid = lower(c.name) "
      "GROUP BY lower(c.name)";
  auto models = ModelSet::LoadMap({{"silver/dim.sql", kDim}, {"silver/counted.sql", counted}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  Write("bronze.dim", "SELECT * FROM (VALUES ('a', 'x'), ('c', 'x')) AS t(uid, kind)", true);
  Write("bronze.counted",
        "SELECT * FROM (VALUES ('a', 1), ('A', 2), ('b', 1), ('c', 1), ('C', 2), ('c', 3)) "
        "AS t(name, ts)",
        false);
  ModelResult first = Run(*models, "silver.counted");  // silver.dim runs first
  EXPECT_EQ(first.rows_out, 3);
  const std::string columns = "k, ts, versions, kind, rows_seen";
  EXPECT_EQ(Rows("silver.counted", columns),
            (std::vector<std::string>{"(a, 2, 2, x, 6)", "(b, 1, 1, NULL, 6)", "(c, 3, 3, x, 6)"}));

  // A new row of b: b is recomputed from its two rows alone (not from all seven).
  Write("bronze.counted", "SELECT 'B' AS name, 5 AS ts", false);
  ModelResult touched = Run(*models, "silver.counted");
  EXPECT_EQ(touched.status, ModelStatus::kSucceeded);
  EXPECT_EQ(touched.rows_in, 1);
  EXPECT_EQ(Rows("silver.counted", columns),
            (std::vector<std::string>{"(a, 2, 2, x, 6)", "(b, 5, 2, NULL, 2)", "(c, 3, 3, x, 6)"}));

  // The dimension changes c's kind: c is recomputed from its three rows alone.
  Write("bronze.dim", "SELECT * FROM (VALUES ('a', 'x'), ('c', 'y')) AS t(uid, kind)", true);
  ModelResult reached = Run(*models, "silver.counted");
  EXPECT_EQ(reached.status, ModelStatus::kSucceeded);
  EXPECT_EQ(reached.full_reason, "");
  EXPECT_EQ(reached.rows_in, 1);
  EXPECT_EQ(Rows("silver.counted", columns),
            (std::vector<std::string>{"(a, 2, 2, x, 6)", "(b, 5, 2, NULL, 2)", "(c, 3, 3, y, 3)"}));

  // Everything but rows_seen equals a full rebuild.
  ModelResult full = Run(*models, "silver.counted", /*full=*/true);
  EXPECT_EQ(full.rows_in, 3);
  EXPECT_EQ(Rows("silver.counted", "k, ts, versions, kind"),
            (std::vector<std::string>{"(a, 2, 2, x)", "(b, 5, 2, NULL)", "(c, 3, 3, y)"}));
}

// key_input lines naming a column: the scan is narrowed by that column's wanted values too (the
// touched keys' and a dimension change's), which must keep every row the key filter keeps: a
// touched key with a NULL part (IN never holds for NULL) and a key only a dimension change reaches.
TEST_F(PipelineRunnerTest, KeyInputByColumnKeepsNullKeysAndReachedKeys) {
  const char* pairs =
      "-- materialized: incremental\n"
      "-- unique_key: k, p\n"
      "-- order_by: ts\n"
      "-- key_input: bronze.pairs | k = name\n"
      "-- key_input: bronze.pairs | p = part\n"
      "-- recompute_on: silver.dim.uid = k\n"
      "SELECT c.name AS k, c.part AS p, max(c.ts) AS ts, count(*) AS versions, "
      "max(m.kind) AS kind, (SELECT count(*) FROM ref('bronze.pairs')) AS rows_seen "
      "FROM ref('bronze.pairs') AS c LEFT JOIN ref('silver.dim') AS m ON m.uid = c.name "
      "GROUP BY c.name, c.part";
  auto models = ModelSet::LoadMap({{"silver/dim.sql", kDim}, {"silver/pairs.sql", pairs}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  Write("bronze.dim", "SELECT * FROM (VALUES ('a', 'x'), ('c', 'x')) AS t(uid, kind)", true);
  Write("bronze.pairs",
        "SELECT * FROM (VALUES ('a', 'p1', 1), ('a', 'p1', 2), ('b', NULL, 1), ('b', 'p1', 1), "
        "('c', 'p2', 1), ('c', 'p2', 3)) AS t(name, part, ts)",
        false);
  ModelResult first = Run(*models, "silver.pairs");
  EXPECT_EQ(first.rows_out, 4);
  const std::string columns = "k, p, ts, versions, kind, rows_seen";

  // A new row of (b, NULL): recomputed from its two rows (the narrowing by part leaves out a
  // key with a NULL part, or it would drop the key's rows and keep the old version).
  Write("bronze.pairs", "SELECT 'b' AS name, CAST(NULL AS VARCHAR) AS part, 5 AS ts", false);
  ModelResult touched = Run(*models, "silver.pairs");
  EXPECT_EQ(touched.status, ModelStatus::kSucceeded);
  EXPECT_EQ(touched.rows_in, 1);
  EXPECT_EQ(Rows("silver.pairs", columns),
            (std::vector<std::string>{"(a, p1, 2, 2, x, 6)", "(b, NULL, 5, 2, NULL, 2)",
                                      "(b, p1, 1, 1, NULL, 6)", "(c, p2, 3, 2, x, 6)"}));

  // A new row of (a, p1) while the dimension changes c's kind: the name narrowing wants a (the
  // touched key) and c (the changed dimension row), so c is recomputed from its two rows; the
  // part narrowing is left out (the change reaches keys of any part).
  Write("bronze.pairs", "SELECT 'a' AS name, 'p1' AS part, 7 AS ts", false);
  Write("bronze.dim", "SELECT * FROM (VALUES ('a', 'x'), ('c', 'y')) AS t(uid, kind)", true);
  ModelResult reached = Run(*models, "silver.pairs");
  EXPECT_EQ(reached.status, ModelStatus::kSucceeded);
  EXPECT_EQ(reached.full_reason, "");
  EXPECT_EQ(reached.rows_in, 2);
  EXPECT_EQ(Rows("silver.pairs", columns),
            (std::vector<std::string>{"(a, p1, 7, 3, x, 5)", "(b, NULL, 5, 2, NULL, 2)",
                                      "(b, p1, 1, 1, NULL, 6)", "(c, p2, 3, 2, y, 5)"}));

  // Everything but rows_seen equals a full rebuild.
  Run(*models, "silver.pairs", /*full=*/true);
  EXPECT_EQ(Rows("silver.pairs", "k, p, ts, versions, kind"),
            (std::vector<std::string>{"(a, p1, 7, 3, x)", "(b, NULL, 5, 2, NULL)",
                                      "(b, p1, 1, 1, NULL)", "(c, p2, 3, 2, y)"}));
}

// unchanged_redelivery: a key whose added rows alone give the row the table holds is not
// recomputed (a registration re-fetched as it was); one changed, reached by a dimension change,
// or delivered twice in the new rows is, and the table equals a full rebuild throughout.
TEST_F(PipelineRunnerTest, UnchangedRedeliveryLeavesOutKeysDeliveredAgainAsTheyWere) {
  const char* delivered =
      "-- materialized: incremental\n"
      "-- unique_key: k\n"
      "-- order_by: ts\n"
      "-- key_input: bronze.delivered | k = name\n"
      "-- unchanged_redelivery: true\n"
      "-- recompute_on: silver.dim.uid = k\n"
      "SELECT c.name AS k, c.ts, c.payload, m.kind FROM ref('bronze.delivered') AS c "
      "LEFT JOIN ref('silver.dim') AS m ON m.uid = c.name";
  auto models = ModelSet::LoadMap({{"silver/dim.sql", kDim}, {"silver/delivered.sql", delivered}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  Write("bronze.dim", "SELECT * FROM (VALUES ('a', 'x'), ('b', 'x')) AS t(uid, kind)", true);
  Write("bronze.delivered",
        "SELECT * FROM (VALUES ('a', 1, 'p'), ('b', 1, 'q')) AS t(name, ts, payload)", false);
  EXPECT_EQ(Run(*models, "silver.delivered").rows_out, 2);
  const std::string columns = "k, ts, payload, kind";

  // a again as it was, b changed: only b is recomputed (its two rows; four without the check).
  Write("bronze.delivered",
        "SELECT * FROM (VALUES ('a', 1, 'p'), ('b', 2, 'r')) AS t(name, ts, payload)", false);
  ModelResult changed = Run(*models, "silver.delivered");
  EXPECT_EQ(changed.status, ModelStatus::kSucceeded);
  EXPECT_EQ(changed.rows_in, 2);
  EXPECT_EQ(Rows("silver.delivered", columns),
            (std::vector<std::string>{"(a, 1, p, x)", "(b, 2, r, x)"}));

  // a again as it was while the dimension changes a's kind: recomputed from its three rows.
  Write("bronze.delivered", "SELECT 'a' AS name, 1 AS ts, 'p' AS payload", false);
  Write("bronze.dim", "SELECT * FROM (VALUES ('a', 'y'), ('b', 'x')) AS t(uid, kind)", true);
  ModelResult reached = Run(*models, "silver.delivered");
  EXPECT_EQ(reached.full_reason, "");
  EXPECT_EQ(reached.rows_in, 3);
  EXPECT_EQ(Rows("silver.delivered", columns),
            (std::vector<std::string>{"(a, 1, p, y)", "(b, 2, r, x)"}));

  // b twice in the added rows: not one row, so recomputed (its four rows), with the same result.
  Write("bronze.delivered",
        "SELECT * FROM (VALUES ('b', 2, 'r'), ('b', 2, 'r')) AS t(name, ts, payload)", false);
  ModelResult twice = Run(*models, "silver.delivered");
  EXPECT_EQ(twice.rows_in, 4);
  EXPECT_EQ(Rows("silver.delivered", columns),
            (std::vector<std::string>{"(a, 1, p, y)", "(b, 2, r, x)"}));

  Run(*models, "silver.delivered", /*full=*/true);
  EXPECT_EQ(Rows("silver.delivered", columns),
            (std::vector<std::string>{"(a, 1, p, y)", "(b, 2, r, x)"}));
}

TEST(ModelHeaderTest, KeyInputMapsAKeyColumnOfAnIncrementalModel) {
  const std::string header = "-- materialized: incremental\n-- unique_key: k\n-- order_by: ts\n";
  const std::string body = "SELECT 1 AS k, 1 AS ts FROM ref('bronze.f')";
  auto good =
      ParseModel("silver/x.sql", header + "-- key_input: bronze.f | k = lower(name)\n" + body);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  ASSERT_EQ(good->key_inputs.size(), 1u);
  EXPECT_EQ(good->key_inputs[0].expression, "lower(name)");
  auto not_key = ParseModel("silver/x.sql", header + "-- key_input: bronze.f | ts = t\n" + body);
  ASSERT_FALSE(not_key.ok());
  EXPECT_NE(not_key.status().message().find("silver/x.sql:4: key_input: ts is not a unique_key"),
            std::string::npos)
      << not_key.status().message();
  auto malformed = ParseModel("silver/x.sql", header + "-- key_input: bronze.f k = name\n" + body);
  EXPECT_FALSE(malformed.ok());
  auto undeclared =
      ParseModel("silver/x.sql", header + "-- key_input: bronze.g | k = name\n" + body);
  ASSERT_FALSE(undeclared.ok());
  EXPECT_NE(undeclared.status().message().find("not an input"), std::string::npos);
  auto table =
      ParseModel("silver/x.sql", "-- materialized: table\n-- key_input: bronze.f | k = n\n" + body);
  EXPECT_FALSE(table.ok());
}

TEST_F(PipelineRunnerTest, ARewrittenInputWithoutAMappingRebuildsInFullAndSaysWhy) {
  std::string fact = kFact;
  fact.replace(fact.find("-- recompute_on: silver.dim.uid = d\n"),
               std::string("-- recompute_on: silver.dim.uid = d\n").size(), "");
  auto models = ModelSet::LoadMap(
      {{"silver/dim.sql", kDim}, {"silver/other.sql", kOther}, {"silver/fact.sql", fact}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  Write("bronze.dim", "SELECT 'a' AS uid, 'num' AS kind", true);
  Write("bronze.fact",
        "SELECT * FROM (VALUES ('k1', 'a', '5', 1), ('k2', 'a', '6', 1)) AS t(k, d, v, ts)", false);
  Run(*models, "silver.fact");
  Write("bronze.dim", "SELECT 'a' AS uid, 'text' AS kind", true);
  RunOptions options;
  auto summary = RunPipeline(*catalog_, *connection_, *models, options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const ModelResult& result = summary->models.back();
  ASSERT_EQ(result.name.ToString(), "silver.fact");
  EXPECT_EQ(result.rows_in, 2);
  EXPECT_EQ(result.full_reason, "input silver.dim was rewritten (not only appended to)");
  EXPECT_NE(summary->ToString().find("rebuilt in full: input silver.dim was rewritten"),
            std::string::npos)
      << summary->ToString();
  EXPECT_EQ(Rows("silver.fact", "k, value"),
            (std::vector<std::string>{"(k1, NULL)", "(k2, NULL)"}));
}

// A model's definition (its file, the layout version) is recorded with each run: a changed model
// rebuilds in full, and so do its descendants, each saying why.
TEST_F(PipelineRunnerTest, AChangedDefinitionRebuildsTheModelAndItsDescendants) {
  const std::string gold = "-- materialized: table\nSELECT k, value FROM ref('silver.fact')";
  auto models = ModelSet::LoadMap({{"silver/dim.sql", kDim},
                                   {"silver/other.sql", kOther},
                                   {"silver/fact.sql", kFact},
                                   {"gold/copy.sql", gold}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  Write("bronze.dim", "SELECT 'a' AS uid, 'num' AS kind", true);
  Write("bronze.fact", "SELECT 'k1' AS k, 'a' AS d, '5' AS v, 1 AS ts", false);
  Run(*models, "silver.fact");
  std::string changed = std::string(kFact) + " WHERE f.v <> '0'";
  auto edited = ModelSet::LoadMap({{"silver/dim.sql", kDim},
                                   {"silver/other.sql", kOther},
                                   {"silver/fact.sql", changed},
                                   {"gold/copy.sql", gold}});
  ASSERT_TRUE(edited.ok()) << edited.status().ToString();
  auto summary = RunPipeline(*catalog_, *connection_, *edited, RunOptions{});
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  std::map<std::string, ModelResult> results;
  for (const ModelResult& result : summary->models) results[result.name.ToString()] = result;
  EXPECT_EQ(results["silver.dim"].status, ModelStatus::kUnchanged);
  EXPECT_EQ(results["silver.fact"].status, ModelStatus::kSucceeded);
  EXPECT_EQ(results["silver.fact"].full_reason,
            "its definition changed (SQL, header, settings or layout)");
  EXPECT_EQ(results["silver.fact"].rows_in, 1);
  EXPECT_TRUE(results["silver.fact"].output_unchanged);  // same rows: nothing committed
  EXPECT_EQ(results["gold.copy"].status, ModelStatus::kSucceeded);
  EXPECT_EQ(results["gold.copy"].full_reason, "input silver.fact was rebuilt in full");
  EXPECT_NE(summary->ToString().find("rebuilt in full: its definition changed"), std::string::npos)
      << summary->ToString();
  auto again = RunPipeline(*catalog_, *connection_, *edited, RunOptions{});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->succeeded, 0) << again->ToString();
}

// A lake written by the release before definition fingerprints (tests/data/pipeline/lake_v1, see
// its PROVENANCE): the first run rebuilds every model in full and says why, bronze is not
// rewritten, the tables hold what a fresh build holds, and the next run is unchanged.
TEST_F(PipelineRunnerTest, UpgradesALakeOfAnOlderRelease) {
  fs::path lake = dir_ / "old_lake";
  fs::copy(std::string(DHL_SOURCE_DIR) + "/tests/data/pipeline/lake_v1", lake,
           fs::copy_options::recursive);
  catalog_.emplace(lake.string());
  auto models =
      ModelSet::LoadDirectory(std::string(DHL_SOURCE_DIR) + "/tests/data/pipeline/models");
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  int64_t bronze_values = Version({"bronze", "data_value_raw"});
  int64_t bronze_units = Version({"bronze", "org_unit_raw"});
  ASSERT_EQ(bronze_values, 1);
  auto summary = RunPipeline(*catalog_, *connection_, *models, RunOptions{});
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->ok()) << summary->ToString();
  EXPECT_EQ(summary->succeeded, 3) << summary->ToString();
  for (const ModelResult& result : summary->models) {
    EXPECT_EQ(result.full_reason, "its last run was recorded by an older release")
        << result.name.ToString();
    EXPECT_TRUE(result.output_unchanged) << result.name.ToString();  // same rows: no commit
  }
  EXPECT_EQ(Version({"bronze", "data_value_raw"}), bronze_values);
  EXPECT_EQ(Version({"bronze", "org_unit_raw"}), bronze_units);
  // The writer's two batches, hand-applied: a changed to 10 in 202401, a deleted in 202301, b
  // unchanged, c invalid (quarantined), d new.
  EXPECT_EQ(Rows("silver.data_value", "de, pe, ou, value"),
            (std::vector<std::string>{"(a, 202401, ou1, 10)", "(b, 202401, ou1, 2)",
                                      "(d, 202402, ou2, 4)"}));
  // ops.model_run gained its new columns; the old release's rows hold NULL there.
  ASSERT_TRUE(catalog_->Register(*connection_, {"ops", "model_run"}).ok());
  auto ops = connection_->Query(
      "SELECT count(*) FILTER (WHERE files_added IS NULL), count(*) FILTER (WHERE full_reason = "
      "'its last run was recorded by an older release') FROM ops.model_run");
  ASSERT_TRUE(ops.ok()) << ops.status().ToString();
  EXPECT_EQ(ops->GetInt64(0, 0), 5);  // the writer's 3 + 2 model runs
  EXPECT_EQ(ops->GetInt64(1, 0), 3);
  auto again = RunPipeline(*catalog_, *connection_, *models, RunOptions{});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->succeeded, 0) << again->ToString();
}

// Whether a model's new rows equal its table is decided by fingerprints (content_fingerprint.h):
// each case gives bronze.rows one content, runs silver.copy (a table model copying it), then
// another content, and checks whether the second run committed a version.
class ContentChangeTest : public PipelineRunnerTest {
 protected:
  void SetUp() override {
    PipelineRunnerTest::SetUp();
    auto models = ModelSet::LoadMap(
        {{"silver/copy.sql", "-- materialized: table\nSELECT * FROM ref('bronze.rows')"}});
    ASSERT_TRUE(models.ok()) << models.status().ToString();
    models_.emplace(std::move(*models));
  }
  // Rows (k, v, n, t, _ingested_at) as SQL VALUES tuples.
  static std::string Values(const std::string& tuples) {
    return "SELECT k, v, CAST(n AS DOUBLE) AS n, CAST(t AS TIMESTAMP) AS t, "
           "CAST(i AS BIGINT) AS _ingested_at FROM (VALUES " +
           tuples + ") AS r(k, v, n, t, i)";
  }
  // Whether replacing the content `before` with `after` commits a new version of silver.copy.
  bool Commits(const std::string& before, const std::string& after) {
    Write("bronze.rows", Values(before), true);
    Run(*models_, "silver.copy");
    int64_t version = Version({"silver", "copy"});
    Write("bronze.rows", Values(after), true);
    ModelResult result = Run(*models_, "silver.copy");
    EXPECT_EQ(result.status, ModelStatus::kSucceeded);
    EXPECT_EQ(result.run_reason.rfind("inputs moved: bronze.rows ", 0), 0u) << result.run_reason;
    bool committed = Version({"silver", "copy"}) != version;
    EXPECT_EQ(committed, !result.output_unchanged);
    EXPECT_EQ(committed, result.version != -1);
    return committed;
  }

  std::optional<ModelSet> models_;
};

const char* kBase = "('a', 'x', 1.5, '2024-01-02 03:04:05', 1), ('b', 'y', 2, NULL, 1)";

TEST_F(ContentChangeTest, ARerunWithTheSameRowsCommitsNothing) {
  // Same rows, other order, other ingestion column, a TIMESTAMP column (stored as TIMESTAMPTZ).
  EXPECT_FALSE(Commits(kBase, "('b', 'y', 2, NULL, 7), ('a', 'x', 1.5, '2024-01-02 03:04:05', 8)"));
  int64_t version = Version({"silver", "copy"});
  ModelResult rerun = Run(*models_, "silver.copy", /*full=*/true);
  EXPECT_TRUE(rerun.output_unchanged);
  EXPECT_EQ(rerun.run_reason, "full run requested");
  EXPECT_EQ(Version({"silver", "copy"}), version);
}

TEST_F(ContentChangeTest, OneChangedValueIsAChange) {
  EXPECT_TRUE(
      Commits(kBase, "('a', 'x', 1.5, '2024-01-02 03:04:05', 1), ('b', 'y', 2.5, NULL, 1)"));
  EXPECT_TRUE(Commits(kBase, "('a', 'x', 1.5, '2024-01-02 03:04:06', 1), ('b', 'y', 2, NULL, 1)"));
}

TEST_F(ContentChangeTest, TwoRowsSwappingAValueIsAChange) {
  EXPECT_TRUE(Commits(kBase, "('a', 'y', 1.5, '2024-01-02 03:04:05', 1), ('b', 'x', 2, NULL, 1)"));
}

TEST_F(ContentChangeTest, ADuplicatedRowIsAChange) {
  EXPECT_TRUE(Commits(kBase, std::string(kBase) + ", ('b', 'y', 2, NULL, 1)"));
  // Two copies of a against one of a and one of b, the same count.
  EXPECT_TRUE(Commits("('a', 'x', 1, NULL, 1), ('b', 'x', 1, NULL, 1)",
                      "('a', 'x', 1, NULL, 1), ('a', 'x', 1, NULL, 1)"));
}

TEST_F(ContentChangeTest, NullDiffersFromEmptyTextAndZero) {
  EXPECT_TRUE(Commits("('a', NULL, 1, NULL, 1)", "('a', '', 1, NULL, 1)"));
  EXPECT_TRUE(Commits("('a', 'x', NULL, NULL, 1)", "('a', 'x', 0, NULL, 1)"));
  // A value moving to the neighbouring column.
  EXPECT_TRUE(Commits("('a', NULL, 1, NULL, 1)", "(NULL, 'a', 1, NULL, 1)"));
}

TEST_F(ContentChangeTest, TheSameValuesInOtherColumnsAreAChange) {
  Write("bronze.rows", Values(kBase), true);
  Run(*models_, "silver.copy");
  int64_t version = Version({"silver", "copy"});
  // k and v trade places: the same multiset of values per row, other columns.
  Write("bronze.rows", "SELECT v AS k, k AS v, n, t, _ingested_at FROM (" + Values(kBase) + ")",
        true);
  ModelResult swapped = Run(*models_, "silver.copy");
  EXPECT_FALSE(swapped.output_unchanged);
  EXPECT_EQ(swapped.version, version + 1);
  // The same columns in another order: written (the table takes the new order).
  Write("bronze.rows", "SELECT v, k, n, t, _ingested_at FROM (" + Values(kBase) + ")", true);
  ModelResult reordered = Run(*models_, "silver.copy");
  EXPECT_FALSE(reordered.output_unchanged);
  EXPECT_EQ(reordered.version, version + 2);
}

// Doubles compare as FingerprintDouble rounds them: 31 significant bits, under 1e-10 as 0
// (content_fingerprint_test.cc has the rule's own cases).
TEST_F(ContentChangeTest, DoublesCompareAtThirtyOneSignificantBits) {
  // 0.1 + 0.2 is 0.30000000000000004 in DOUBLE (in DECIMAL, as SQL's literals are, exactly 0.3):
  // the last bits a parallel sum flips are not a change; -0.0 is 0.0; NaN is NaN.
  EXPECT_FALSE(
      Commits("('a', 'x', 0.1::DOUBLE + 0.2::DOUBLE, NULL, 1), ('b', 'x', 0.0, NULL, 1), "
              "('c', 'x', 'nan'::DOUBLE, NULL, 1)",
              "('a', 'x', 0.3, NULL, 1), ('b', 'x', -0.0, NULL, 1), "
              "('c', 'x', 'nan'::DOUBLE, NULL, 1)"));
  // An average over 256 values, 54.519921875, one unit in the last place apart.
  EXPECT_FALSE(
      Commits("('a', 'x', 54.519921875, NULL, 1)", "('a', 'x', 54.519921874999993, NULL, 1)"));
  // Nor is what is left when such sums cancel, or a change of 2e-5 at 1234567.89 (a step of the
  // grid there is 2^-10, 0.00098; both round to 1234567.8896484375).
  EXPECT_FALSE(Commits("('a', 'x', 1.45e-16, NULL, 1), ('b', 'x', 1234567.8901, NULL, 1)",
                       "('a', 'x', 0, NULL, 1), ('b', 'x', 1234567.89012, NULL, 1)"));
  // A change of more than a step is, and so is 1e-9.
  EXPECT_TRUE(Commits("('a', 'x', 1234567.891, NULL, 1)", "('a', 'x', 1234567.892, NULL, 1)"));
  EXPECT_TRUE(Commits("('a', 'x', 0, NULL, 1)", "('a', 'x', 1e-9, NULL, 1)"));
  // Whole numbers: under 2^31 a unit is a change, a sum one unit in the last place off a whole
  // number is not; between 2^33 and 2^34 the step is 8 (12345678901 and 12345678902 both round to
  // 12345678904, 12345678911 to 12345678912).
  EXPECT_TRUE(Commits("('a', 'x', 2147483646, NULL, 1)", "('a', 'x', 2147483647, NULL, 1)"));
  EXPECT_TRUE(Commits("('a', 'x', -7, NULL, 1)", "('a', 'x', 7, NULL, 1)"));
  EXPECT_FALSE(Commits("('a', 'x', 5, NULL, 1), ('b', 'x', 999999999, NULL, 1)",
                       "('a', 'x', 5.000000000000001, NULL, 1), "
                       "('b', 'x', 999999999.0000001, NULL, 1)"));
  EXPECT_FALSE(Commits("('a', 'x', 12345678901, NULL, 1)", "('a', 'x', 12345678902, NULL, 1)"));
  EXPECT_TRUE(Commits("('a', 'x', 12345678901, NULL, 1)", "('a', 'x', 12345678911, NULL, 1)"));
}

// A table model over its existing table writes its rows once, straight from its SQL, and compares
// the files written with the table's fingerprints before the commit: the same rows delete them
// (nothing committed, no file left behind), other rows replace the table's one file.
TEST_F(ContentChangeTest, ARewriteIsDecidedOnTheFilesWrittenAndLeavesNoneBehind) {
  auto parquet_files = [&] {
    int count = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir_ / "lake" / "silver" / "copy")) {
      count += entry.path().extension() == ".parquet" ? 1 : 0;
    }
    return count;
  };
  EXPECT_FALSE(Commits(kBase, kBase));
  EXPECT_EQ(parquet_files(), 1);  // the first build's; the rerun's was deleted
  Write("bronze.rows", Values("('a', 'x', 1.5, NULL, 1)"), true);
  ModelResult changed = Run(*models_, "silver.copy");
  EXPECT_FALSE(changed.output_unchanged);
  EXPECT_EQ(changed.rows_out, 1);
  EXPECT_EQ(changed.files_added, 1);
  EXPECT_EQ(changed.files_removed, 1);
  EXPECT_EQ(parquet_files(), 2);  // the removed file stays for time travel until a vacuum
  EXPECT_EQ(Rows("silver.copy", "k, v"), (std::vector<std::string>{"(a, x)"}));
  // The fingerprints recorded from the files written stand for the new version.
  EXPECT_TRUE(Run(*models_, "silver.copy", /*full=*/true).output_unchanged);
  EXPECT_EQ(parquet_files(), 2);
}

// The table's fingerprints are recorded with the run (ops.model_run.fingerprints) and stand for it
// only while it keeps that version: a table rewritten outside the runner still compares right.
TEST_F(ContentChangeTest, RecordedFingerprintsHoldOnlyForTheVersionTheyDescribe) {
  EXPECT_FALSE(Commits(kBase, kBase));
  int64_t version = Version({"silver", "copy"});
  ASSERT_TRUE(catalog_->Register(*connection_, {"ops", "model_run"}).ok());
  auto recorded = connection_->Query(
      "SELECT fingerprints FROM ops.model_run WHERE model = 'silver.copy' ORDER BY ended_at DESC, "
      "version LIMIT 1");
  ASSERT_TRUE(recorded.ok()) << recorded.status().ToString();
  auto fingerprints = ParseTableFingerprints(recorded->GetString(0, 0).value_or(""));
  ASSERT_TRUE(fingerprints.has_value()) << recorded->GetString(0, 0).value_or("NULL");
  EXPECT_EQ(fingerprints->version, version);
  ASSERT_EQ(fingerprints->partitions.size(), 1u);
  EXPECT_EQ(fingerprints->partitions.begin()->second.rows, 2);

  // Someone else rewrites the table (a row added): the same input must be written again.
  ASSERT_TRUE(catalog_->Register(*connection_, {"silver", "copy"}).ok());
  Write("silver.copy",
        "SELECT k, v, n, t, _ingested_at FROM silver.copy UNION ALL SELECT 'c', 'z', 3, NULL, 1",
        true);
  Write("bronze.rows", Values(kBase), true);
  ModelResult rerun = Run(*models_, "silver.copy");
  EXPECT_FALSE(rerun.output_unchanged);
  EXPECT_EQ(rerun.version, version + 2);
  EXPECT_EQ(Rows("silver.copy", "k, v"), (std::vector<std::string>{"(a, x)", "(b, y)"}));
}

// A partition's fingerprint after removing some of its rows and adding others is the one of the
// rows it then holds, computed by reading them; a partition left without rows has none.
TEST_F(PipelineRunnerTest, FingerprintsAddUpToThoseOfTheRowsLeft) {
  const std::vector<std::pair<std::string, std::string>> columns = {{"year", "INTEGER"},
                                                                    {"v", "VARCHAR"}};
  auto rows = [](const std::string& tuples) {
    return "(SELECT * FROM (VALUES " + tuples + ") AS r(year, v))";
  };
  auto fingerprints = [&](const std::string& tuples) {
    auto computed = ComputeFingerprints(*connection_, rows(tuples), columns, {"year"});
    EXPECT_TRUE(computed.ok()) << computed.status().ToString();
    return computed.ok() ? *computed : Fingerprints{};
  };
  Fingerprints base = fingerprints("(2020, 'a'), (2020, 'b'), (2021, 'c'), (2022, 'd')");
  Fingerprints removed = fingerprints("(2020, 'b'), (2021, 'c')");
  Fingerprints added = fingerprints("(2020, 'e'), (2020, 'b'), (2023, 'f')");
  auto sums = AddFingerprints(*connection_, base, added, removed);
  ASSERT_TRUE(sums.ok()) << sums.status().ToString();
  EXPECT_EQ(*sums, fingerprints("(2020, 'a'), (2020, 'e'), (2020, 'b'), (2022, 'd'), (2023, 'f')"));
  EXPECT_EQ(sums->count({{"year", std::string("2021")}}), 0u);
  // Without partition columns the one tuple stays, with no rows.
  auto whole = [&](const std::string& tuples) {
    auto computed = ComputeFingerprints(*connection_, rows(tuples), columns, {});
    EXPECT_TRUE(computed.ok()) << computed.status().ToString();
    return computed.ok() ? *computed : Fingerprints{};
  };
  auto emptied = AddFingerprints(*connection_, whole("(2020, 'a')"), {}, whole("(2020, 'a')"));
  ASSERT_TRUE(emptied.ok()) << emptied.status().ToString();
  EXPECT_EQ(*emptied, (Fingerprints{{{}, RowFingerprint{0, "0", "0"}}}));
}

TEST(ContentFingerprintTest, RecordedTextRoundTrips) {
  TableFingerprints fingerprints;
  fingerprints.version = 7;
  fingerprints.format = "1/v1.4.4";
  fingerprints.partition_columns = {"year", "kind"};
  fingerprints.partitions[{{"year", "2024"}, {"kind", std::nullopt}}] = {3, "-12", "40"};
  fingerprints.partitions[{{"year", "2025"}, {"kind", "x"}}] = {1, "18446744073709551615", "0"};
  auto parsed = ParseTableFingerprints(TableFingerprintsText(fingerprints));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->version, 7);
  EXPECT_EQ(parsed->format, fingerprints.format);
  EXPECT_EQ(parsed->partition_columns, fingerprints.partition_columns);
  EXPECT_EQ(parsed->partitions, fingerprints.partitions);
  EXPECT_FALSE(ParseTableFingerprints("").has_value());
  EXPECT_FALSE(ParseTableFingerprints("{\"version\": 1}").has_value());
}

// An incremental model partitioned by year replaces only the touched partitions whose rows
// changed, with the table read (no fingerprints recorded yet) and with the recorded fingerprints.
TEST_F(PipelineRunnerTest, AnIncrementalRunReplacesOnlyTheTouchedPartitionsThatChanged) {
  auto models = ModelSet::LoadMap(
      {{"silver/fact.sql",
        "-- materialized: incremental\n-- unique_key: k\n-- order_by: ts\n-- partition_by: year\n"
        "SELECT k, CAST(year AS INTEGER) AS year, v, ts FROM ref('bronze.fact')"}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  auto rows = [](const std::string& tuples) {
    return "SELECT * FROM (VALUES " + tuples + ") AS r(k, year, v, ts)";
  };
  Write("bronze.fact", rows("('a', 2020, 1, 1), ('b', 2021, 2, 1), ('c', 2022, 3, 1)"), false);
  EXPECT_EQ(Run(*models, "silver.fact").files_added, 3);
  // b re-delivered as it was (2021 touched, unchanged), c changed (2022): one partition replaced.
  Write("bronze.fact", rows("('b', 2021, 2, 1), ('c', 2022, 4, 2)"), false);
  ModelResult read = Run(*models, "silver.fact");
  EXPECT_EQ(read.rows_in, 4);  // the touched keys' rows in the whole input: b twice, c's two
  EXPECT_EQ(read.files_added, 1);
  EXPECT_EQ(read.files_removed, 1);
  // Again, now against the fingerprints the last run recorded: a touched, b as it was.
  Write("bronze.fact", rows("('a', 2020, 5, 2), ('b', 2021, 2, 1)"), false);
  ModelResult recorded = Run(*models, "silver.fact");
  EXPECT_EQ(recorded.files_added, 1);
  EXPECT_EQ(recorded.files_removed, 1);
  EXPECT_EQ(Rows("silver.fact", "k, year, v"),
            (std::vector<std::string>{"(a, 2020, 5)", "(b, 2021, 2)", "(c, 2022, 4)"}));
  // Only re-deliveries: nothing committed.
  Write("bronze.fact", rows("('a', 2020, 5, 2), ('c', 2022, 4, 2)"), false);
  ModelResult same = Run(*models, "silver.fact");
  EXPECT_TRUE(same.output_unchanged);
  EXPECT_EQ(same.version, -1);
}

// New keys alone (a newly arrived month): their latest versions, those not deleted, are appended
// and no file is rewritten; the recorded fingerprints are carried forward (the sums add up), so a
// full rebuild afterwards finds nothing to commit without reading the table. A key already in the
// table takes the ordinary path (its partition rewritten).
TEST_F(PipelineRunnerTest, NewKeysAloneAreAppended) {
  auto models = YearlyFacts();
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  auto rows = FactRows;
  Write("bronze.fact", rows("('a', 2020, 1, 1, false), ('b', 2021, 2, 1, false)"), false);
  ModelResult first = Run(*models, "silver.fact");
  EXPECT_EQ(first.files_added, 2);
  // The first write records its fingerprints (from the rows at hand, not by reading the table).
  auto first_fingerprints = RecordedFingerprints("silver.fact", first.version);
  ASSERT_TRUE(first_fingerprints.has_value());
  EXPECT_EQ(first_fingerprints->version, first.version);
  EXPECT_EQ(first_fingerprints->partitions.size(), 2u);
  EXPECT_TRUE(Run(*models, "silver.fact", /*full=*/true).output_unchanged);

  // c in two versions, d deleted at once, e: all new keys.
  Write("bronze.fact",
        rows("('c', 2021, 3, 1, false), ('c', 2021, 4, 2, false), ('d', 2022, 5, 1, true), "
             "('e', 2021, 6, 1, false)"),
        false);
  ModelResult appended = Run(*models, "silver.fact");
  EXPECT_EQ(appended.status, ModelStatus::kSucceeded);
  EXPECT_EQ(appended.rows_in, 4);
  EXPECT_EQ(appended.rows_out, 2);  // c's latest and e
  EXPECT_EQ(appended.files_added, 1);
  EXPECT_EQ(appended.files_removed, 0);
  const std::vector<std::string> expected = {"(a, 2020, 1)", "(b, 2021, 2)", "(c, 2021, 4)",
                                             "(e, 2021, 6)"};
  EXPECT_EQ(Rows("silver.fact", "k, year, v"), expected);
  auto fingerprints = RecordedFingerprints("silver.fact", appended.version);
  ASSERT_TRUE(fingerprints.has_value());
  EXPECT_EQ(fingerprints->version, appended.version);
  EXPECT_EQ((fingerprints->partitions[{{"year", std::string("2021")}}].rows), 3);
  EXPECT_EQ((fingerprints->partitions[{{"year", std::string("2020")}}].rows), 1);
  ModelResult full = Run(*models, "silver.fact", /*full=*/true);
  EXPECT_TRUE(full.output_unchanged);
  EXPECT_EQ(full.rows_out, 4);
  EXPECT_EQ(Rows("silver.fact", "k, year, v"), expected);

  // A new version of b (in the table) and a new key f: the ordinary path, 2021 rewritten.
  Write("bronze.fact", rows("('b', 2021, 7, 2, false), ('f', 2021, 8, 1, false)"), false);
  ModelResult changed = Run(*models, "silver.fact");
  EXPECT_EQ(changed.files_removed, 2);  // 2021's first file and the appended one
  EXPECT_EQ(changed.files_added, 1);
  EXPECT_EQ(Rows("silver.fact", "k, year, v"),
            (std::vector<std::string>{"(a, 2020, 1)", "(b, 2021, 7)", "(c, 2021, 4)",
                                      "(e, 2021, 6)", "(f, 2021, 8)"}));
  EXPECT_TRUE(Run(*models, "silver.fact", /*full=*/true).output_unchanged);

  // b re-delivered as the table holds it (an extractor's overlap fetches it again) beside a new
  // key g: b's row stays, g is appended, no file is rewritten.
  Write("bronze.fact", rows("('b', 2021, 7, 2, false), ('g', 2022, 9, 1, false)"), false);
  ModelResult redelivered = Run(*models, "silver.fact");
  EXPECT_EQ(redelivered.full_reason, "");
  EXPECT_EQ(redelivered.rows_out, 1);  // g
  EXPECT_EQ(redelivered.files_removed, 0);
  EXPECT_EQ(redelivered.files_added, 1);
  const std::vector<std::string> with_g = {"(a, 2020, 1)", "(b, 2021, 7)", "(c, 2021, 4)",
                                           "(e, 2021, 6)", "(f, 2021, 8)", "(g, 2022, 9)"};
  EXPECT_EQ(Rows("silver.fact", "k, year, v"), with_g);
  EXPECT_TRUE(Run(*models, "silver.fact", /*full=*/true).output_unchanged);

  // b re-delivered again beside c deleted: c is known and changed, so the ordinary path rewrites
  // 2021 without it.
  Write("bronze.fact", rows("('b', 2021, 7, 2, false), ('c', 2021, 4, 3, true)"), false);
  ModelResult deleted = Run(*models, "silver.fact");
  EXPECT_GT(deleted.files_removed, 0);
  EXPECT_EQ(Rows("silver.fact", "k, year, v"),
            (std::vector<std::string>{"(a, 2020, 1)", "(b, 2021, 7)", "(e, 2021, 6)",
                                      "(f, 2021, 8)", "(g, 2022, 9)"}));
  EXPECT_TRUE(Run(*models, "silver.fact", /*full=*/true).output_unchanged);
}

// An incremental run that rewrites partitions streams the touched keys' latest rows and the
// table's other rows of those partitions straight into files, then commits only the partitions
// whose rows changed: a partition touched by a re-delivery alone keeps its file (the one written
// for it is deleted), and a run that changes nothing commits nothing.
TEST_F(PipelineRunnerTest, AnIncrementalRewriteCommitsOnlyTheChangedPartitions) {
  auto models = YearlyFacts();
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  auto rows = FactRows;
  auto data_files = [&]() { return DataFiles("silver", "fact"); };
  Write("bronze.fact",
        rows("('a', 2020, 1, 1, false), ('b', 2021, 2, 1, false), ('d', 2021, 4, 1, false), "
             "('c', 2022, 3, 1, false)"),
        false);
  ModelResult first = Run(*models, "silver.fact");
  ASSERT_EQ(first.status, ModelStatus::kSucceeded) << first.error;
  EXPECT_EQ(first.files_added, 3);
  EXPECT_EQ(data_files(), 3);

  // a re-delivered as it was (2020 touched, its rows the same), b's new version (2021 changed).
  Write("bronze.fact", rows("('a', 2020, 1, 1, false), ('b', 2021, 5, 2, false)"), false);
  ModelResult changed = Run(*models, "silver.fact");
  ASSERT_EQ(changed.status, ModelStatus::kSucceeded) << changed.error;
  EXPECT_EQ(changed.full_reason, "");
  EXPECT_FALSE(changed.output_unchanged);
  EXPECT_EQ(changed.rows_in, 4);   // every version of a and b
  EXPECT_EQ(changed.rows_out, 3);  // 2020 and 2021 as written: a, b's latest and d (copied)
  EXPECT_EQ(changed.files_added, 1);
  EXPECT_EQ(changed.files_removed, 1);
  // The three files of the first run and 2021's new one: the 2020 file written is gone.
  EXPECT_EQ(data_files(), 4);
  const std::vector<std::string> expected = {"(a, 2020, 1)", "(b, 2021, 5)", "(c, 2022, 3)",
                                             "(d, 2021, 4)"};
  EXPECT_EQ(Rows("silver.fact", "k, year, v"), expected);
  auto fingerprints = RecordedFingerprints("silver.fact", changed.version);
  ASSERT_TRUE(fingerprints.has_value());
  EXPECT_EQ((fingerprints->partitions[{{"year", std::string("2021")}}].rows), 2);
  EXPECT_EQ((fingerprints->partitions[{{"year", std::string("2020")}}].rows), 1);

  // b's latest version re-delivered: 2021 is written again, the same rows: nothing committed.
  Write("bronze.fact", rows("('b', 2021, 5, 2, false)"), false);
  ModelResult same = Run(*models, "silver.fact");
  ASSERT_EQ(same.status, ModelStatus::kSucceeded) << same.error;
  EXPECT_TRUE(same.output_unchanged);
  EXPECT_EQ(same.files_added + same.files_removed, 0);
  EXPECT_EQ(Version({"silver", "fact"}), changed.version);
  EXPECT_EQ(data_files(), 4);
  EXPECT_EQ(Rows("silver.fact", "k, year, v"), expected);
  // The incremental result is the full one.
  EXPECT_TRUE(Run(*models, "silver.fact", /*full=*/true).output_unchanged);
}

// An incremental rewrite takes its fingerprints from the table's recorded ones, less the rows of
// the touched keys the table held, plus the keys' new rows (AddFingerprints), instead of reading
// the files it wrote: the recorded fingerprints equal those of the table read whole, also when a
// partition is left without rows and when a touched partition keeps its rows.
TEST_F(PipelineRunnerTest, AnIncrementalRewriteDerivesItsFingerprintsFromTheRecordedOnes) {
  auto models = YearlyFacts();
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  auto rows = FactRows;
  Write("bronze.fact",
        rows("('a', 2020, 1, 1, false), ('b', 2021, 2, 1, false), ('d', 2021, 4, 1, false), "
             "('c', 2022, 3, 1, false), ('e', 2020, 5, 1, false)"),
        false);
  ModelResult first = Run(*models, "silver.fact");
  ASSERT_EQ(first.status, ModelStatus::kSucceeded) << first.error;
  // a changed (2020), b deleted (2021), c deleted (2022 left without rows), a new key f (2021).
  Write("bronze.fact",
        rows("('a', 2020, 6, 2, false), ('b', 2021, 2, 2, true), ('c', 2022, 3, 2, true), "
             "('f', 2021, 7, 1, false)"),
        false);
  ModelResult changed = Run(*models, "silver.fact");
  ASSERT_EQ(changed.status, ModelStatus::kSucceeded) << changed.error;
  EXPECT_EQ(changed.full_reason, "");
  EXPECT_EQ(changed.rows_in, 7);   // every version of a, b, c and f
  EXPECT_EQ(changed.rows_out, 4);  // 2020 (a, e), 2021 (d, f), 2022 none
  EXPECT_EQ(changed.files_added, 2);
  EXPECT_EQ(changed.files_removed, 3);
  EXPECT_EQ(
      Rows("silver.fact", "k, year, v"),
      (std::vector<std::string>{"(a, 2020, 6)", "(d, 2021, 4)", "(e, 2020, 5)", "(f, 2021, 7)"}));
  auto recorded = RecordedFingerprints("silver.fact", changed.version);
  ASSERT_TRUE(recorded.has_value());
  EXPECT_EQ(recorded->version, changed.version);
  ASSERT_TRUE(catalog_->Register(*connection_, {"silver", "fact"}).ok());
  // The table read whole: every column is compared (none is an ingestion column).
  auto read_whole = [&]() {
    EXPECT_TRUE(catalog_->Register(*connection_, {"silver", "fact"}).ok());
    auto columns =
        connection_->Query("SELECT column_name, column_type FROM (DESCRIBE silver.fact)");
    EXPECT_TRUE(columns.ok()) << columns.status().ToString();
    std::vector<std::pair<std::string, std::string>> compared;
    for (size_t row = 0; columns.ok() && row < columns->row_count(); ++row) {
      compared.emplace_back(columns->GetString(0, row).value_or(""),
                            columns->GetString(1, row).value_or(""));
    }
    auto read = ComputeFingerprints(*connection_, "silver.fact", compared, {"year"});
    EXPECT_TRUE(read.ok()) << read.status().ToString();
    return read.ok() ? *read : Fingerprints{};
  };
  EXPECT_EQ(recorded->partitions, read_whole());
  EXPECT_EQ(recorded->partitions.count({{"year", std::string("2022")}}), 0u);

  // a changed again beside d re-delivered as the table holds it: 2021 is written the same and
  // keeps its file; 2020 alone is committed.
  Write("bronze.fact", rows("('a', 2020, 9, 3, false), ('d', 2021, 4, 1, false)"), false);
  ModelResult again = Run(*models, "silver.fact");
  ASSERT_EQ(again.status, ModelStatus::kSucceeded) << again.error;
  EXPECT_EQ(again.files_added, 1);
  EXPECT_EQ(again.files_removed, 1);
  auto recorded_again = RecordedFingerprints("silver.fact", again.version);
  ASSERT_TRUE(recorded_again.has_value());
  EXPECT_EQ(recorded_again->partitions, read_whole());
  EXPECT_EQ(
      Rows("silver.fact", "k, year, v"),
      (std::vector<std::string>{"(a, 2020, 9)", "(d, 2021, 4)", "(e, 2020, 5)", "(f, 2021, 7)"}));
  EXPECT_TRUE(Run(*models, "silver.fact", /*full=*/true).output_unchanged);
}

// A table written straight from its SQL (a first build: no materialised rows) records its
// fingerprints too, read once from the written files, so that the next run compares with them
// instead of reading the table: per partition, the row count of the written rows.
TEST_F(PipelineRunnerTest, AStraightWriteRecordsItsFingerprints) {
  auto models =
      ModelSet::LoadMap({{"gold/fact.sql",
                          "-- materialized: table\n-- partition_by: year\n"
                          "SELECT k, CAST(year AS INTEGER) AS year, v FROM ref('bronze.fact')"}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  Write("bronze.fact",
        "SELECT * FROM (VALUES ('a', 2020, 1), ('b', 2021, 2), ('c', 2021, 3)) AS r(k, year, v)",
        false);
  ModelResult first = Run(*models, "gold.fact");
  ASSERT_EQ(first.status, ModelStatus::kSucceeded) << first.error;
  EXPECT_EQ(first.files_added, 2);
  auto fingerprints = RecordedFingerprints("gold.fact", first.version);
  ASSERT_TRUE(fingerprints.has_value());
  EXPECT_EQ(fingerprints->version, first.version);
  EXPECT_EQ(fingerprints->partition_columns, (std::vector<std::string>{"year"}));
  ASSERT_EQ(fingerprints->partitions.size(), 2u);
  EXPECT_EQ(fingerprints->partitions.at({{"year", "2020"}}).rows, 1);
  EXPECT_EQ(fingerprints->partitions.at({{"year", "2021"}}).rows, 2);
  // They stand for the table: the same rows again commit nothing; a changed row commits its year.
  EXPECT_TRUE(Run(*models, "gold.fact", /*full=*/true).output_unchanged);
  Write("bronze.fact",
        "SELECT * FROM (VALUES ('a', 2020, 1), ('b', 2021, 2), ('c', 2021, 4)) "
        "AS r(k, year, v)",
        true);
  ModelResult changed = Run(*models, "gold.fact");
  EXPECT_FALSE(changed.output_unchanged);
  EXPECT_EQ(changed.files_removed, 1);
  EXPECT_EQ(Rows("gold.fact", "k, v"), (std::vector<std::string>{"(a, 1)", "(b, 2)", "(c, 4)"}));
}

// Expectations are counted in one scan; one that cannot run is named with its line.
TEST_F(PipelineRunnerTest, ExpectationsAreCountedTogetherAndABadOneIsNamed) {
  auto models =
      ModelSet::LoadMap({{"silver/checked.sql",
                          "-- materialized: table\n"
                          "-- expect: positive | n > 0 | warn\n"
                          "-- expect: small | n < 3 | quarantine\n"
                          "SELECT n FROM (VALUES (1), (2), (3), (-1), (NULL)) AS t(n)"},
                         {"silver/bad.sql",
                          "-- materialized: table\n-- expect: fine | n > 0 | warn\n"
                          "-- expect: no_such_column | missing > 0 | warn\nSELECT 1 AS n"}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  auto summary = RunPipeline(*catalog_, *connection_, *models, RunOptions{});
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  std::map<std::string, ModelResult> results;
  for (const ModelResult& result : summary->models) results[result.name.ToString()] = result;
  // n > 0 fails for -1 and NULL; n < 3 for 3 and NULL (quarantined: 3 rows left).
  EXPECT_EQ(results["silver.checked"].status, ModelStatus::kSucceeded);
  EXPECT_EQ(results["silver.checked"].rows_rejected, 2);
  EXPECT_EQ(results["silver.checked"].rows_out, 3);
  EXPECT_EQ(Rows("ops.dq_result", "expectation, rows_failing, rows_total"),
            (std::vector<std::string>{"(positive, 2, 5)", "(small, 2, 5)"}));
  EXPECT_EQ(results["silver.bad"].status, ModelStatus::kFailed);
  EXPECT_NE(results["silver.bad"].error.find("silver/bad.sql:3: expectation no_such_column"),
            std::string::npos)
      << results["silver.bad"].error;
}

// A table partitioned by year: a change rewrites only the partitions whose rows changed.
TEST_F(PipelineRunnerTest, AChangeRewritesOnlyThePartitionsItTouches) {
  auto models = ModelSet::LoadMap(
      {{"silver/by_year.sql",
        "-- materialized: table\n-- partition_by: year\nSELECT * FROM ref('bronze.rows')"}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  auto rows = [](const std::string& tuples) {
    return "SELECT CAST(year AS INTEGER) AS year, k, CAST(n AS DOUBLE) AS n FROM (VALUES " +
           tuples + ") AS r(year, k, n)";
  };
  Write("bronze.rows", rows("(2020, 'a', 1), (2020, 'b', 2), (2021, 'a', 3), (2022, 'a', 4)"),
        true);
  ModelResult first = Run(*models, "silver.by_year");
  EXPECT_EQ(first.files_added, 3);  // one file per year
  EXPECT_EQ(first.files_removed, 0);

  // 2021 changes, 2022 goes, 2023 comes, 2020 stays: three partitions, and 2020's file is kept.
  Write("bronze.rows", rows("(2020, 'b', 2), (2020, 'a', 1), (2021, 'a', 3.5), (2023, 'a', 5)"),
        true);
  ModelResult second = Run(*models, "silver.by_year");
  EXPECT_FALSE(second.output_unchanged);
  EXPECT_EQ(second.files_added, 2);    // 2021 and 2023
  EXPECT_EQ(second.files_removed, 2);  // 2021 and 2022
  EXPECT_EQ(Rows("silver.by_year", "year, k, n"),
            (std::vector<std::string>{"(2020, a, 1.0)", "(2020, b, 2.0)", "(2021, a, 3.5)",
                                      "(2023, a, 5.0)"}));
  auto snapshot = catalog_->Table({"silver", "by_year"}).Load(*connection_);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  EXPECT_EQ(snapshot->files.size(), 3u);

  // The same rows again: nothing committed.
  Write("bronze.rows", rows("(2020, 'b', 2), (2020, 'a', 1), (2021, 'a', 3.5), (2023, 'a', 5)"),
        true);
  ModelResult third = Run(*models, "silver.by_year");
  EXPECT_TRUE(third.output_unchanged);
  EXPECT_EQ(third.version, -1);
  EXPECT_EQ(third.files_added + third.files_removed, 0);
}

// batch_by: a partitioned model whose partition inputs hold more rows than one piece may is
// computed one bucket of batch_by values at a time, each piece staged, all committed at once; the
// result is the one query's, and a failing piece leaves the table as it was.
TEST_F(PipelineRunnerTest, AModelTooLargeForOnePieceIsComputedInPiecesAndCommittedOnce) {
  WriteGroupValues("CAST(i AS DOUBLE)");
  auto model = [](const std::string& sum) { return ByGroup(sum, "quarantine"); };
  auto models = model("sum(v)");
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  const fs::path staging = dir_ / "lake" / "_system" / "tmp";
  // 60 rows a piece, cut in the values' order: a (50), b (30) + c (30), d (20) + e (10) + NULL (5)
  // (PieceConditions).
  RunOptions pieces;
  pieces.full = true;
  pieces.batch_memory_bytes = 60 * 1000;
  ModelResult first = Run(*models, "gold.by_group", pieces);
  EXPECT_EQ(first.pieces, 3);
  EXPECT_EQ(first.rows_in, 12);  // six groups in two years
  EXPECT_EQ(first.rows_out, 10);
  EXPECT_EQ(first.rows_rejected, 2);  // e's
  // Sums of even and odd i per group, by hand: a 0..48 even 600, odd 1..49 625, ...
  const std::vector<std::string> expected = {"(2023, NULL, 3, 426.0)", "(2023, a, 25, 600.0)",
                                             "(2023, b, 15, 960.0)",   "(2023, c, 15, 1410.0)",
                                             "(2023, d, 10, 1190.0)",  "(2024, NULL, 2, 284.0)",
                                             "(2024, a, 25, 625.0)",   "(2024, b, 15, 975.0)",
                                             "(2024, c, 15, 1425.0)",  "(2024, d, 10, 1200.0)"};
  EXPECT_EQ(Rows("gold.by_group", "year, g, n, s"), expected);
  const int64_t built = Version({"gold", "by_group"});
  EXPECT_EQ(built, 0);  // one commit
  ASSERT_TRUE(fs::is_directory(staging));
  EXPECT_TRUE(fs::is_empty(staging));  // the pieces' files are gone

  // In one query (the engine's 64 MB hold all 145 rows): the same rows, so nothing is committed.
  RunOptions whole;
  whole.full = true;
  ModelResult again = Run(*models, "gold.by_group", whole);
  EXPECT_EQ(again.pieces, 0);
  EXPECT_TRUE(again.output_unchanged);
  EXPECT_EQ(Version({"gold", "by_group"}), built);

  // 2024's a values change: the run recomputes 2024 alone, its 72 rows in two pieces (a, b, c:
  // 55; d, e, NULL: 17), and replaces that partition only.
  WriteGroupValues("CAST(i AS DOUBLE) + CASE WHEN i < 50 THEN 1 ELSE 0 END", "2024");
  pieces.full = false;
  ModelResult scoped = Run(*models, "gold.by_group", pieces);
  EXPECT_EQ(scoped.pieces, 2);
  EXPECT_EQ(scoped.rows_in, 6);
  EXPECT_EQ(scoped.files_removed, 1);
  EXPECT_EQ(scoped.files_added, 1);
  std::vector<std::string> changed = expected;
  changed[6] = "(2024, a, 25, 650.0)";
  EXPECT_EQ(Rows("gold.by_group", "year, g, n, s"), changed);
  const int64_t scoped_version = Version({"gold", "by_group"});
  EXPECT_EQ(scoped_version, built + 1);

  // A piece that fails (d's rows do not cast) after others were staged: the model fails, its
  // table is as it was, and no staged file is left.
  auto failing = model("sum(v) + CAST(CASE WHEN g = 'd' THEN 'x' ELSE '0' END AS DOUBLE)");
  ASSERT_TRUE(failing.ok()) << failing.status().ToString();
  auto summary = RunPipeline(*catalog_, *connection_, *failing, pieces);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_EQ(summary->models.size(), 1u);
  EXPECT_EQ(summary->models[0].status, ModelStatus::kFailed);
  EXPECT_NE(summary->models[0].error.find("x"), std::string::npos) << summary->models[0].error;
  EXPECT_EQ(Version({"gold", "by_group"}), scoped_version);
  EXPECT_EQ(Rows("gold.by_group", "year, g, n, s"), changed);
  EXPECT_TRUE(fs::is_empty(staging));
}

// batch_by on a table model: the batch inputs it names are narrowed to each piece's values, the
// other inputs are read whole, and the pieces' rows replace the table in one commit.
TEST_F(PipelineRunnerTest, ATableModelTooLargeForOnePieceIsComputedInPiecesAndCommittedOnce) {
  // i = 0..144: g a (50 rows), b (30), c (30), d (20), e (10), NULL (5); v = i.
  lake::WriteOptions options;
  options.mode = lake::WriteMode::kOverwrite;
  auto written = catalog_->Table({"bronze", "values"})
                     .Write(*connection_,
                            "SELECT CASE WHEN i < 50 THEN 'a' WHEN i < 80 THEN 'b' WHEN i < 110 "
                            "THEN 'c' WHEN i < 130 THEN 'd' WHEN i < 140 THEN 'e' END AS g, "
                            "CAST(i AS DOUBLE) AS v FROM range(145) AS t(i)",
                            options);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  // Read whole by every piece (no g column to narrow it by).
  written = catalog_->Table({"bronze", "factor"})
                .Write(*connection_, "SELECT CAST(10 AS DOUBLE) AS f", options);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  // Each row with its group's median: a group's rows must all be in one piece.
  auto models = ModelSet::LoadMap(
      {{"gold/by_row.sql",
        "-- materialized: table\n-- batch_by: g\n-- batch_inputs: bronze.values\n"
        "-- batch_row_bytes: 1000\n"
        "SELECT v.g, v.v, m.median * f.f AS m FROM ref('bronze.values') v JOIN (SELECT g, "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS median FROM ref('bronze.values') "
        "GROUP BY g) m ON m.g IS NOT DISTINCT FROM v.g CROSS JOIN ref('bronze.factor') f"}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  // 60 rows a piece: a (50), b (30) + c (30), d (20) + e (10) + NULL (5).
  RunOptions pieces;
  pieces.full = true;
  pieces.batch_memory_bytes = 60 * 1000;
  ModelResult first = Run(*models, "gold.by_row", pieces);
  EXPECT_EQ(first.pieces, 3);
  EXPECT_EQ(first.rows_in, 145);
  EXPECT_EQ(first.rows_out, 145);
  EXPECT_EQ(Version({"gold", "by_row"}), 0);  // one commit
  // Medians by hand (v = i): a 0..49 24.5, b 50..79 64.5, c 80..109 94.5, d 110..129 119.5,
  // e 130..139 134.5, NULL 140..144 142; times 10.
  std::map<std::string, int> counted;
  for (const std::string& row : Rows("gold.by_row", "g, m")) ++counted[row];
  const std::map<std::string, int> expected = {{"(NULL, 1420.0)", 5}, {"(a, 245.0)", 50},
                                               {"(b, 645.0)", 30},    {"(c, 945.0)", 30},
                                               {"(d, 1195.0)", 20},   {"(e, 1345.0)", 10}};
  EXPECT_EQ(counted, expected);
  // Nothing staged: with no quarantine the pieces are written straight into the table.
  EXPECT_FALSE(fs::exists(dir_ / "lake" / "_system" / "tmp"));

  // In one query: the same rows, nothing committed.
  RunOptions whole;
  whole.full = true;
  ModelResult again = Run(*models, "gold.by_row", whole);
  EXPECT_EQ(again.pieces, 0);
  EXPECT_TRUE(again.output_unchanged);
  EXPECT_EQ(Version({"gold", "by_row"}), 0);
}

// A piece reads its values as ranges of consecutive values (so that the scan filters them before
// decoding the other columns), in the batch_by column's own order: for an integer column
// 2 < 7 < 10 < 100, whereas as text "10" < "100" < "2" < "7". The piece {100, 2} is read as 2..2
// and 100..100 (in text order it would be one range 100..2, which holds no integer), the piece
// {10, 7} as 7..10; each row in exactly one piece.
// Pieces of consecutive values, one range each, when that takes no more pieces than packing the
// largest values first; the largest-first packing, with a range per run of its values, when
// cutting in order would take more.
TEST(PieceConditionsTest, ConsecutiveValuesMakeOnePieceEachUnlessThatTakesMorePieces) {
  auto values = [](std::vector<std::pair<const char*, int64_t>> counts) {
    std::vector<PieceValue> result;
    for (const auto& [value, rows] : counts) {
      result.push_back(
          PieceValue{value == nullptr ? std::nullopt : std::optional<std::string>(value), rows});
    }
    return result;
  };
  // 60 rows a piece. In order: a..f (60), g (50) and NULL (5): two pieces, as largest first
  // (g + a, then b..f + NULL), whose first piece would read two ranges.
  EXPECT_EQ(PieceConditions("g",
                            values({{"a", 10},
                                    {"b", 10},
                                    {"c", 10},
                                    {"d", 10},
                                    {"e", 10},
                                    {"f", 10},
                                    {"g", 50},
                                    {nullptr, 5}}),
                            60),
            (std::vector<std::string>{"(\"g\" >= 'a' AND \"g\" <= 'f')",
                                      "(\"g\" >= 'g' AND \"g\" <= 'g') OR \"g\" IS NULL"}));
  // In order a (40) | b (40) + c (20) | d (20) takes three pieces; largest first two: a + c,
  // b + d, each two ranges.
  EXPECT_EQ(PieceConditions("g", values({{"a", 40}, {"b", 40}, {"c", 20}, {"d", 20}}), 60),
            (std::vector<std::string>{
                "(\"g\" >= 'a' AND \"g\" <= 'a') OR (\"g\" >= 'c' AND \"g\" <= 'c')",
                "(\"g\" >= 'b' AND \"g\" <= 'b') OR (\"g\" >= 'd' AND \"g\" <= 'd')"}));
  // A value with more rows than a piece holds is a piece alone.
  EXPECT_EQ(PieceConditions("g", values({{"a", 100}, {"b", 10}}), 60),
            (std::vector<std::string>{"(\"g\" >= 'a' AND \"g\" <= 'a')",
                                      "(\"g\" >= 'b' AND \"g\" <= 'b')"}));
}

TEST_F(PipelineRunnerTest, PiecesOfAnIntegerColumnReadRangesInItsOwnOrder) {
  // k 100 (40 rows), 2 (20), 10 (30), NULL (5) in bronze.values; 7 (25) in bronze.extra; v = i.
  Write("bronze.values",
        "SELECT CASE WHEN i < 40 THEN 100 WHEN i < 60 THEN 2 WHEN i < 90 THEN 10 END AS k, "
        "CAST(i AS DOUBLE) AS v FROM range(95) AS t(i)",
        true);
  Write("bronze.extra", "SELECT 7 AS k, CAST(i AS DOUBLE) AS v FROM range(100, 125) AS t(i)", true);
  auto models = ModelSet::LoadMap(
      {{"gold/by_key.sql",
        "-- materialized: table\n-- batch_by: k\n-- batch_inputs: bronze.values, bronze.extra\n"
        "-- batch_row_bytes: 1000\n"
        "SELECT k, count(*) AS n, sum(v) AS s FROM (SELECT k, v FROM ref('bronze.values') "
        "UNION ALL SELECT k, v FROM ref('bronze.extra')) a GROUP BY k"}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  // 60 rows a piece (cut in order, 2 + 7, 10, 100 + NULL would take three), largest first into
  // the first piece with room: 100 (40) + 2 (20); 10 (30) +
  // 7 (25) + NULL (5).
  RunOptions pieces;
  pieces.full = true;
  pieces.batch_memory_bytes = 60 * 1000;
  ModelResult first = Run(*models, "gold.by_key", pieces);
  EXPECT_EQ(first.pieces, 2);
  EXPECT_EQ(first.rows_out, 5);
  // Sums by hand: 100 = 0..39 = 780, 2 = 40..59 = 990, 10 = 60..89 = 2235, NULL = 90..94 = 460,
  // 7 = 100..124 = 2800 (rows in text order).
  EXPECT_EQ(Rows("gold.by_key", "k, n, s"),
            (std::vector<std::string>{"(10, 30, 2235.0)", "(100, 40, 780.0)", "(2, 20, 990.0)",
                                      "(7, 25, 2800.0)", "(NULL, 5, 460.0)"}));
  // In one query: the same rows, nothing committed.
  RunOptions whole;
  whole.full = true;
  ModelResult again = Run(*models, "gold.by_key", whole);
  EXPECT_EQ(again.pieces, 0);
  EXPECT_TRUE(again.output_unchanged);
}

// A model in pieces whose expectations do not quarantine: each piece is written straight into the
// table's files (one file per piece and year), committed at once, with no staged copy; the
// fingerprints of the files written leave out the partitions whose rows did not change, and a
// failing piece leaves no file behind.
TEST_F(PipelineRunnerTest, PiecesWithoutQuarantineAreWrittenStraightIntoTheTable) {
  WriteGroupValues("CAST(i AS DOUBLE)");
  auto data_files = [&]() { return DataFiles("gold", "by_group"); };
  auto models = ByGroup("sum(v)", "warn");
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  // 60 rows a piece: a, b + c, d + e + NULL: three pieces, each with rows in both years.
  RunOptions pieces;
  pieces.full = true;
  pieces.batch_memory_bytes = 60 * 1000;
  ModelResult first = Run(*models, "gold.by_group", pieces);
  EXPECT_EQ(first.pieces, 3);
  EXPECT_EQ(first.rows_out, 12);  // e's rows stay (the expectation warns)
  EXPECT_EQ(first.files_added, 6);
  EXPECT_EQ(Version({"gold", "by_group"}), 0);
  EXPECT_EQ(data_files(), 6);
  EXPECT_EQ(Rows("ops.dq_result", "expectation, rows_failing, rows_total"),
            (std::vector<std::string>{"(not_e, 2, 12)"}));
  // Sums by hand: a even 0..48 = 600, odd 1..49 = 625; e even 130..138 = 670, odd 131..139 = 675.
  const std::vector<std::string> expected = {
      "(2023, NULL, 3, 426.0)", "(2023, a, 25, 600.0)",  "(2023, b, 15, 960.0)",
      "(2023, c, 15, 1410.0)",  "(2023, d, 10, 1190.0)", "(2023, e, 5, 670.0)",
      "(2024, NULL, 2, 284.0)", "(2024, a, 25, 625.0)",  "(2024, b, 15, 975.0)",
      "(2024, c, 15, 1425.0)",  "(2024, d, 10, 1200.0)", "(2024, e, 5, 675.0)"};
  EXPECT_EQ(Rows("gold.by_group", "year, g, n, s"), expected);
  // The fingerprints recorded from the files written: the same rows in one query commit nothing.
  RunOptions whole;
  whole.full = true;
  EXPECT_TRUE(Run(*models, "gold.by_group", whole).output_unchanged);
  // The same rows in pieces: nothing committed, and the files written are gone.
  ModelResult same = Run(*models, "gold.by_group", pieces);
  EXPECT_EQ(same.pieces, 3);
  EXPECT_TRUE(same.output_unchanged);
  EXPECT_EQ(Version({"gold", "by_group"}), 0);
  EXPECT_EQ(data_files(), 6);

  // 2024's values change (each + 1000: n 25 a → s + 25,000): a full run in pieces commits 2024's
  // three new files alone, 2023's are deleted unused.
  WriteGroupValues("CAST(i AS DOUBLE) + CASE WHEN i % 2 = 1 THEN 1000 ELSE 0 END");
  ModelResult changed = Run(*models, "gold.by_group", pieces);
  EXPECT_EQ(changed.files_added, 3);
  EXPECT_EQ(changed.files_removed, 3);
  EXPECT_EQ(Version({"gold", "by_group"}), 1);
  EXPECT_EQ(data_files(), 9);  // the removed files stay for time travel
  auto rows = Rows("gold.by_group", "year, g, n, s");
  ASSERT_EQ(rows.size(), 12u);
  EXPECT_EQ(rows[0], "(2023, NULL, 3, 426.0)");
  EXPECT_EQ(rows[7], "(2024, a, 25, 25625.0)");

  // A piece that fails (d's rows do not cast) after others were written: the model fails, the
  // table is as it was and the files written are gone.
  auto failing =
      ByGroup("sum(v) + CAST(CASE WHEN g = 'd' THEN 'x' ELSE '0' END AS DOUBLE)", "warn");
  ASSERT_TRUE(failing.ok()) << failing.status().ToString();
  auto summary = RunPipeline(*catalog_, *connection_, *failing, pieces);
  ASSERT_TRUE(summary.ok() && summary->models.size() == 1u);
  EXPECT_EQ(summary->models[0].status, ModelStatus::kFailed) << summary->ToString();
  EXPECT_EQ(Version({"gold", "by_group"}), 1);
  EXPECT_EQ(Rows("gold.by_group", "year, g, n, s"), rows);
  EXPECT_EQ(data_files(), 9);
}

// period_scope names the period column of a partitioned model; a table model has no partitions to
// recompute a period of.
TEST(ModelHeaderTest, PeriodScopeIsForPartitionedModels) {
  const std::string body = "SELECT 'x' AS pe, 2020 AS year FROM ref('bronze.f')";
  auto ok = ParseModel("gold/x.sql",
                       "-- materialized: partitioned\n-- partition_by: year\n-- "
                       "partition_inputs: bronze.f\n-- period_scope:  pe \n" +
                           body);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->period_scope, "pe");
  auto table = ParseModel("gold/x.sql", "-- materialized: table\n-- period_scope: pe\n" + body);
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.status().message().find("period_scope apply only to 'materialized: partitioned'"),
            std::string::npos)
      << table.status().message();
}

TEST(ModelHeaderTest, BatchByNeedsItsRowBytesAndBatchInputs) {
  const std::string body = "SELECT 1 AS k, 2020 AS year FROM ref('bronze.f')";
  const std::string partitioned =
      "-- materialized: partitioned\n-- partition_by: year\n-- partition_inputs: bronze.f\n";
  auto ok =
      ParseModel("gold/x.sql", partitioned + "-- batch_by: k\n-- batch_row_bytes: 500\n" + body);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->batch_by, "k");
  EXPECT_EQ(ok->batch_row_bytes, 500);
  auto alone = ParseModel("gold/x.sql", partitioned + "-- batch_by: k\n" + body);
  ASSERT_FALSE(alone.ok());
  EXPECT_NE(alone.status().message().find("batch_by and batch_row_bytes go together"),
            std::string::npos)
      << alone.status().message();
  auto zero =
      ParseModel("gold/x.sql", partitioned + "-- batch_by: k\n-- batch_row_bytes: 0\n" + body);
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("gold/x.sql:5: batch_row_bytes"), std::string::npos)
      << zero.status().message();
  auto table = ParseModel("gold/x.sql",
                          "-- materialized: table\n-- batch_by: k\n-- "
                          "batch_row_bytes: 500\n" +
                              body);
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.status().message().find("table' model needs batch_inputs"), std::string::npos)
      << table.status().message();
  auto table_inputs = ParseModel("gold/x.sql",
                                 "-- materialized: table\n-- batch_by: k\n-- batch_inputs: "
                                 "bronze.values\n-- batch_row_bytes: 500\n" +
                                     body);
  ASSERT_TRUE(table_inputs.ok()) << table_inputs.status().ToString();
  EXPECT_EQ(table_inputs->batch_inputs, std::vector<lake::TableName>({{"bronze", "values"}}));
  EXPECT_EQ(ok->batch_inputs, ok->partition_inputs);  // a partitioned model's default
  auto incremental = ParseModel("gold/x.sql",
                                "-- materialized: incremental\n-- unique_key: k\n-- order_by: "
                                "k\n-- batch_by: k\n-- batch_row_bytes: 500\n" +
                                    body);
  ASSERT_FALSE(incremental.ok());
  EXPECT_NE(incremental.status().message().find("only to 'materialized: table' or 'partitioned'"),
            std::string::npos)
      << incremental.status().message();
  auto inputs_alone =
      ParseModel("gold/x.sql", partitioned + "-- batch_inputs: bronze.values\n" + body);
  ASSERT_FALSE(inputs_alone.ok());
  EXPECT_NE(inputs_alone.status().message().find("batch_inputs needs batch_by"), std::string::npos)
      << inputs_alone.status().message();
}

TEST(ModelHeaderTest, RecomputeOnNamesAnInputAndColumns) {
  auto bad = ParseModel("silver/x.sql",
                        "-- materialized: incremental\n-- unique_key: k\n-- order_by: ts\n"
                        "-- recompute_on: silver.dim = d\nSELECT 1 AS k FROM ref('bronze.f')");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("silver/x.sql:4: recompute_on"), std::string::npos)
      << bad.status().message();
  auto undeclared = ParseModel("silver/x.sql",
                               "-- materialized: incremental\n-- unique_key: k\n-- order_by: ts\n"
                               "-- recompute_on: silver.dim.uid = d\nSELECT 1 AS k FROM "
                               "ref('bronze.f')");
  ASSERT_FALSE(undeclared.ok());
  EXPECT_NE(undeclared.status().message().find("not an input"), std::string::npos)
      << undeclared.status().message();
  auto table = ParseModel("silver/x.sql",
                          "-- materialized: table\n-- recompute_on: bronze.f.uid = d\n"
                          "SELECT 1 AS k FROM ref('bronze.f')");
  EXPECT_FALSE(table.ok());
}

// The Spark from_json + explode pair on DuckDB (sql::DuckDbSparkFunctionMacros): each array parsed
// once, fields by name, numbers and objects in string fields as their JSON text.
TEST_F(PipelineRunnerTest, FromJsonMacroExplodesArraysOfStructs) {
  for (const std::string& macro : sql::DuckDbSparkFunctionMacros()) {
    ASSERT_TRUE(connection_->Execute(macro).ok()) << macro;
  }
  auto rows = connection_->Query(
      "SELECT k, item.id, item.value FROM (SELECT k, explode(from_json(j, "
      "'array<struct<id:string,value:string>>')) AS item FROM (VALUES (1, '[{\"id\": \"a\", "
      "\"value\": 3.5}, {\"id\": \"b\", \"value\": {\"x\": 1}}, {\"value\": \"t\"}]'), "
      "(2, '[]'), (3, NULL), (4, '{\"id\": \"not an array\"}')) AS t(k, j)) ORDER BY k, 2 "
      "NULLS LAST");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->row_count(), 3u);
  EXPECT_EQ(rows->GetString(1, 0), "a");
  EXPECT_EQ(rows->GetString(2, 0), "3.5");
  EXPECT_EQ(rows->GetString(1, 1), "b");
  EXPECT_EQ(rows->GetString(2, 1), "{\"x\":1}");
  EXPECT_EQ(rows->GetString(1, 2), std::nullopt);
  EXPECT_EQ(rows->GetString(2, 2), "t");
  auto strings = connection_->Query(
      "SELECT explode(from_json('[\"x\", \"y\"]', 'array<string>')) AS s ORDER BY s");
  ASSERT_TRUE(strings.ok()) << strings.status().ToString();
  ASSERT_EQ(strings->row_count(), 2u);
  EXPECT_EQ(strings->GetString(0, 1), "y");
}

}  // namespace
}  // namespace dhl::pipeline
