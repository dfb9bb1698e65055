// End-to-end: the test DAG in tests/data/pipeline/models over bronze tables written here.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/test_paths.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "pipeline/model.h"
#include "pipeline/model_set.h"
#include "pipeline/pipeline_runner.h"
#include "pipeline/sql_subset_check.h"

namespace dhl::pipeline {
namespace {

namespace fs = std::filesystem;
const std::string kModels = std::string(DHL_SOURCE_DIR) + "/tests/data/pipeline/models";

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dhl_pipeline_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    auto database = engine::Database::Open();
    ASSERT_TRUE(database.ok()) << database.status().ToString();
    database_.emplace(std::move(*database));
    auto connection = database_->Connect();
    ASSERT_TRUE(connection.ok());
    connection_.emplace(std::move(*connection));
    catalog_.emplace((dir_ / "lake").string());
    auto models = ModelSet::LoadDirectory(kModels);
    ASSERT_TRUE(models.ok()) << models.status().ToString();
    models_.emplace(std::move(*models));
  }
  void TearDown() override { fs::remove_all(dir_); }

  void AppendBronze(lake::LakeCatalog& catalog, const std::string& table, const std::string& values,
                    const std::string& columns) {
    auto name = lake::ParseTableName(table);
    ASSERT_TRUE(name.ok());
    lake::DeltaTable delta = catalog.Table(*name);
    lake::WriteOptions options;
    auto written = delta.Write(
        *connection_, "SELECT * FROM (VALUES " + values + ") AS t(" + columns + ")", options);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
  }
  void AppendValues(lake::LakeCatalog& catalog, const std::string& values) {
    AppendBronze(catalog, "bronze.data_value_raw", values,
                 "de, pe, ou, value, last_updated, deleted, year");
  }

  std::vector<std::string> Rows(lake::LakeCatalog& catalog, const std::string& table,
                                const std::string& columns) {
    auto name = lake::ParseTableName(table);
    EXPECT_TRUE(catalog.Register(*connection_, *name).ok());
    auto result = connection_->Query("SELECT CAST(ROW(" + columns + ") AS VARCHAR) FROM " + table);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    std::vector<std::string> rows;
    for (size_t row = 0; result.ok() && row < result->row_count(); ++row) {
      rows.push_back(result->GetString(0, row).value_or("NULL"));
    }
    std::sort(rows.begin(), rows.end());
    return rows;
  }

  int64_t Version(lake::LakeCatalog& catalog, const std::string& table) {
    auto name = lake::ParseTableName(table);
    auto snapshot = catalog.Table(*name).Load(*connection_);
    return snapshot.ok() ? snapshot->version : -1;
  }

  fs::path dir_;
  std::optional<engine::Database> database_;
  std::optional<engine::Connection> connection_;
  std::optional<lake::LakeCatalog> catalog_;
  std::optional<ModelSet> models_;
};

const char* kBatch1 =
    "('a','202401','ou1','1',1,false,2024), ('b','202401','ou1','2',1,false,2024),"
    "('a','202301','ou2','5',1,false,2023), ('c','202401','ou2','x',1,false,2024)";
// A change, a re-delivery, a deletion, an invalid latest version, a late older version.
const char* kBatch2 =
    "('a','202401','ou1','10',2,false,2024), ('b','202401','ou1','2',1,false,2024),"
    "('a','202301','ou2','5',2,true,2023), ('b','202401','ou1','bad',3,false,2024),"
    "('d','202402','ou2','4',1,false,2024), ('c','202401','ou2','7',0,false,2024)";

// Each call's line, counted across comments, quoted text holding line breaks and calls on one
// line (the lines are counted on as the text is read, not from its start for each call); a
// word ending in "ref" or a qualified .ref( is not a call.
TEST(FindRefCallsTest, GivesEachCallsLine) {
  const std::string text =
      "SELECT * FROM ref('silver.a')\n"                                       // line 1
      "-- ref('silver.not_a_call')\n"                                         // line 2
      "JOIN ref('silver.b') b ON TRUE JOIN ref('silver.c') c\n"               // line 3
      "WHERE x = 'two\nlines' AND myref('silver.d') AND s.ref('silver.e')\n"  // lines 4-5
      "/* a\nblock */\n"                                                      // lines 6-7
      "UNION ALL SELECT * FROM REF ( 'gold.f' )\n";                           // line 8
  auto calls = FindRefCalls("m.sql", text);
  ASSERT_TRUE(calls.ok()) << calls.status().ToString();
  std::vector<std::pair<std::string, int>> found;
  for (const RefCall& call : *calls) found.emplace_back(call.table.ToString(), call.line);
  EXPECT_EQ(found, (std::vector<std::pair<std::string, int>>{
                       {"silver.a", 1}, {"silver.b", 3}, {"silver.c", 3}, {"gold.f", 8}}));
}

TEST_F(PipelineTest, RunsIncrementallyAndMatchesAFullRebuild) {
  AppendBronze(*catalog_, "bronze.org_unit_raw", "('ou1','One'), ('ou2','Two')", "ou, name");
  AppendValues(*catalog_, kBatch1);
  auto first = RunPipeline(*catalog_, *connection_, *models_, RunOptions{});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->succeeded, 3) << first->ToString();
  const std::string columns = "de, pe, ou, value, last_updated";
  EXPECT_EQ(Rows(*catalog_, "silver.data_value", columns),
            (std::vector<std::string>{"(a, 202301, ou2, 5, 1)", "(a, 202401, ou1, 1, 1)",
                                      "(b, 202401, ou1, 2, 1)"}));
  EXPECT_EQ(Rows(*catalog_, "silver.rejects", "table_name, expectation"),
            (std::vector<std::string>{"(silver.data_value, value_is_number)"}));

  // A second run in a row commits nothing to the model tables.
  int64_t silver_version = Version(*catalog_, "silver.data_value");
  int64_t gold_version = Version(*catalog_, "gold.value_by_ou");
  auto second = RunPipeline(*catalog_, *connection_, *models_, RunOptions{});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->succeeded, 0) << second->ToString();
  EXPECT_EQ(Version(*catalog_, "silver.data_value"), silver_version);
  EXPECT_EQ(Version(*catalog_, "gold.value_by_ou"), gold_version);

  AppendValues(*catalog_, kBatch2);
  auto third = RunPipeline(*catalog_, *connection_, *models_, RunOptions{});
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->succeeded, 2) << third->ToString();  // org_unit unchanged
  EXPECT_EQ(Rows(*catalog_, "silver.data_value", columns),
            (std::vector<std::string>{"(a, 202401, ou1, 10, 2)", "(d, 202402, ou2, 4, 1)"}));
  // c's latest version (value 'x', last_updated 1) is invalid: the late older version 7@0 does not
  // bring the key back.
  EXPECT_EQ(Rows(*catalog_, "gold.value_by_ou", "ou, total, value_count"),
            (std::vector<std::string>{"(ou1, 10.0, 1)", "(ou2, 4.0, 1)"}));

  // A full rebuild from scratch in another lake gives the same tables.
  lake::LakeCatalog fresh((dir_ / "fresh").string());
  AppendBronze(fresh, "bronze.org_unit_raw", "('ou1','One'), ('ou2','Two')", "ou, name");
  AppendValues(fresh, kBatch1);
  AppendValues(fresh, kBatch2);
  RunOptions full;
  full.full = true;
  auto rebuilt = RunPipeline(fresh, *connection_, *models_, full);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  EXPECT_EQ(Rows(fresh, "silver.data_value", columns + ", deleted, year"),
            Rows(*catalog_, "silver.data_value", columns + ", deleted, year"));
  EXPECT_EQ(Rows(fresh, "gold.value_by_ou", "ou, name, total, value_count"),
            Rows(*catalog_, "gold.value_by_ou", "ou, name, total, value_count"));
  // dq results: value_is_number failed once in the first run.
  EXPECT_EQ(Rows(*catalog_, "ops.dq_result", "expectation, rows_failing")[0], "(ou_present, 0)");
}

// A source table that does not exist yet (a server without tracker data, a folder without min-max
// values) skips the models that need it, with the reason, and fails nothing.
TEST_F(PipelineTest, MissingSourceSkipsOnlyTheModelsThatNeedIt) {
  AppendValues(*catalog_, kBatch1);  // no bronze.org_unit_raw
  auto summary = RunPipeline(*catalog_, *connection_, *models_, RunOptions{});
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_TRUE(summary->ok()) << summary->ToString();
  std::map<std::string, ModelResult> results;
  for (const ModelResult& result : summary->models) results[result.name.ToString()] = result;
  EXPECT_EQ(results["silver.data_value"].status, ModelStatus::kSucceeded);
  EXPECT_EQ(results["silver.org_unit"].status, ModelStatus::kMissingInput);
  EXPECT_NE(results["silver.org_unit"].error.find("bronze.org_unit_raw"), std::string::npos)
      << results["silver.org_unit"].error;
  EXPECT_EQ(results["gold.value_by_ou"].status, ModelStatus::kMissingInput);
  EXPECT_NE(summary->ToString().find("silver.org_unit: missing_input"), std::string::npos)
      << summary->ToString();
}

TEST_F(PipelineTest, FailExpectationStopsOnlyDescendantsAndTheNextRunRetries) {
  AppendBronze(*catalog_, "bronze.numbers", "(1), (-2)", "n");
  auto models = ModelSet::LoadMap(
      {{"silver/positive.sql",
        "-- materialized: table\n-- expect: is_positive | n > 0 | fail\nSELECT n FROM "
        "ref('bronze.numbers')"},
       {"gold/total.sql", "-- materialized: table\nSELECT SUM(n) AS s FROM ref('silver.positive')"},
       {"silver/copy.sql",
        "-- materialized: table\n-- expect: small | n < 2 | warn\nSELECT n FROM "
        "ref('bronze.numbers')"}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  auto summary = RunPipeline(*catalog_, *connection_, *models, RunOptions{});
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->failed, 1) << summary->ToString();
  EXPECT_EQ(summary->succeeded, 1) << summary->ToString();  // silver.copy still ran
  EXPECT_EQ(summary->skipped, 1) << summary->ToString();    // gold.total: upstream failed
  std::string text = summary->ToString();
  EXPECT_NE(text.find("is_positive"), std::string::npos) << text;
  EXPECT_NE(text.find("-2"), std::string::npos) << text;  // the sample row
  EXPECT_NE(text.find("gold.total: upstream_failed"), std::string::npos) << text;
  EXPECT_EQ(
      Rows(*catalog_, "ops.dq_result", "model, expectation, action, rows_failing, rows_total"),
      (std::vector<std::string>{"(silver.copy, small, warn, 0, 2)",
                                "(silver.positive, is_positive, fail, 1, 2)"}));
  // Fix the data (a new bronze version): the failed model and its descendant run again.
  auto fixed = lake::ParseTableName("bronze.numbers");
  lake::WriteOptions overwrite;
  overwrite.mode = lake::WriteMode::kOverwrite;
  ASSERT_TRUE(catalog_->Table(*fixed).Write(*connection_, "SELECT 3 AS n", overwrite).ok());
  auto again = RunPipeline(*catalog_, *connection_, *models, RunOptions{});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->succeeded, 3) << again->ToString();
  EXPECT_EQ(Rows(*catalog_, "gold.total", "s"), std::vector<std::string>{"(3)"});
}

// A timing, not a check: run with --gtest_also_run_disabled_tests.
TEST_F(PipelineTest, DISABLED_IncrementalVersusFullOnAMillionRows) {
  AppendBronze(*catalog_, "bronze.org_unit_raw", "('ou1','One'), ('ou2','Two')", "ou, name");
  auto bronze = lake::ParseTableName("bronze.data_value_raw");
  lake::WriteOptions append;
  auto rows = [](int64_t from, int64_t count, int64_t version) {
    return "SELECT 'de' || CAST(i % 1000 AS VARCHAR) AS de, CAST(2000 + (i / 1000) % 25 AS "
           "VARCHAR) "
           "AS pe, CASE WHEN i % 2 = 0 THEN 'ou1' ELSE 'ou2' END AS ou, CAST(i % 97 AS VARCHAR) AS "
           "value, CAST(" +
           std::to_string(version) +
           " AS BIGINT) AS last_updated, FALSE AS deleted, "
           "CAST(2000 + (i / 1000) % 25 AS INTEGER) AS year FROM range(" +
           std::to_string(from) + ", " + std::to_string(from + count) + ") AS t(i)";
  };
  ASSERT_TRUE(catalog_->Table(*bronze).Write(*connection_, rows(0, 1000000, 1), append).ok());
  auto timed = [&](const RunOptions& options) {
    auto start = std::chrono::steady_clock::now();
    auto summary = RunPipeline(*catalog_, *connection_, *models_, options);
    EXPECT_TRUE(summary.ok());
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  double first = timed(RunOptions{});
  ASSERT_TRUE(catalog_->Table(*bronze).Write(*connection_, rows(0, 1000, 2), append).ok());
  double incremental = timed(RunOptions{});
  RunOptions full;
  full.full = true;
  double rebuild = timed(full);
  std::printf("1M rows: first run %.2f s, incremental (1k changed) %.2f s, full rebuild %.2f s\n",
              first, incremental, rebuild);
}

// A generator reads a declared input (depends_on) through its relation and returns text that itself
// refs an input; the model is re-run when the declared input changes.
TEST_F(PipelineTest, GeneratedSqlReadsDeclaredInputsAndReRunsWhenTheyChange) {
  lake::LakeCatalog catalog((dir_ / "gen").string());
  AppendBronze(catalog, "bronze.factor", "(2.0)", "f");
  AppendBronze(catalog, "bronze.item", "('a', 1.0), ('b', 5.0)", "item, v");
  GeneratorRegistry registry;
  int calls = 0;
  registry.Add("scaled", [&](const GeneratorContext& context) -> Result<std::string> {
    ++calls;
    DHL_ASSIGN_OR_RETURN(std::string factor_view,
                         context.relation(lake::TableName{"bronze", "factor"}));
    DHL_ASSIGN_OR_RETURN(auto result, context.connection->Query("SELECT f FROM " + factor_view));
    std::string factor = result.GetString(0, 0).value_or("NULL");
    return "SELECT item, v * " + factor + " AS scaled FROM ref('bronze.item')";
  });
  auto models =
      ModelSet::LoadMap({{"silver/scaled.sql",
                          "-- materialized: table\n-- depends_on: bronze.factor, bronze.item\n"
                          "SELECT * FROM (generated('scaled')) AS g"}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  ASSERT_EQ(models->models()[0].refs.size(), 2u);
  RunOptions options;
  options.generators = &registry;
  auto first = RunPipeline(catalog, *connection_, *models, options);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->ok()) << first->ToString();
  EXPECT_EQ(Rows(catalog, "silver.scaled", "item, scaled"),
            (std::vector<std::string>{"(a, 2.00)", "(b, 10.00)"}));
  auto unchanged = RunPipeline(catalog, *connection_, *models, options);
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(unchanged->succeeded, 0);
  lake::DeltaTable factor = catalog.Table(lake::TableName{"bronze", "factor"});
  lake::WriteOptions overwrite;
  overwrite.mode = lake::WriteMode::kOverwrite;
  ASSERT_TRUE(factor.Write(*connection_, "SELECT 3.0 AS f", overwrite).ok());
  auto again = RunPipeline(catalog, *connection_, *models, options);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->succeeded, 1);
  EXPECT_EQ(Rows(catalog, "silver.scaled", "item, scaled"),
            (std::vector<std::string>{"(a, 3.00)", "(b, 15.00)"}));

  // Unknown generators and undeclared refs in generated text fail the model, naming the call.
  registry.Add("sneaky", [](const GeneratorContext&) -> Result<std::string> {
    return std::string("SELECT * FROM ref('bronze.factor')");
  });
  auto bad = ModelSet::LoadMap(
      {{"silver/bad.sql",
        "-- materialized: table\n-- depends_on: bronze.item\n"
        "SELECT * FROM (generated('sneaky')) AS g"},
       {"silver/missing.sql", "-- materialized: table\nSELECT * FROM (generated('nope')) AS g"}});
  ASSERT_TRUE(bad.ok()) << bad.status().ToString();
  auto failed = RunPipeline(catalog, *connection_, *bad, options);
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  EXPECT_EQ(failed->failed, 2);
  for (const ModelResult& result : failed->models) {
    if (result.name.name == "bad") {
      EXPECT_NE(result.error.find("silver/bad.sql:3: generated('sneaky')"), std::string::npos)
          << result.error;
      EXPECT_NE(result.error.find("does not declare"), std::string::npos) << result.error;
    } else {
      EXPECT_NE(result.error.find("no generator of that name"), std::string::npos) << result.error;
    }
  }
  EXPECT_GE(calls, 2);
}

// A text column cast to its dictionary (generated('text_dictionary')) is written as text: a Delta
// string column whose values read back as they were, the Parquet column dictionary-encoded from
// the enum (RLE_DICTIONARY, where DuckDB writes a VARCHAR column's own dictionary as
// PLAIN_DICTIONARY), and a later run with a value the first dictionary lacked writes it too.
TEST_F(PipelineTest, TextFromADictionaryIsWrittenAsText) {
  lake::LakeCatalog catalog((dir_ / "dict").string());
  AppendBronze(catalog, "bronze.item", "('b', 5.0), ('a', 1.0), ('b', 2.0)", "item, v");
  auto models = ModelSet::LoadMap(
      {{"silver/labelled.sql",
        "-- materialized: table\n"
        "SELECT CAST(item AS generated('text_dictionary', 'bronze.item', 'item')) AS item, v\n"
        "FROM ref('bronze.item')"}});
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  auto first = RunPipeline(catalog, *connection_, *models, RunOptions{});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->ok()) << first->ToString();
  EXPECT_EQ(Rows(catalog, "silver.labelled", "item, v"),
            (std::vector<std::string>{"(a, 1.0)", "(b, 2.0)", "(b, 5.0)"}));
  auto snapshot = catalog.Table(lake::TableName{"silver", "labelled"}).Load(*connection_);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  const lake::SchemaField* item = snapshot->schema.Find("item");
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(lake::DeltaTypeName(item->type), "string");
  ASSERT_EQ(snapshot->files.size(), 1u);
  auto encodings = connection_->Query(
      "SELECT string_agg(DISTINCT encodings, ',') FROM parquet_metadata('" +
      (dir_ / "dict" / "silver" / "labelled" / snapshot->files.begin()->first).string() +
      "') WHERE path_in_schema = 'item'");
  ASSERT_TRUE(encodings.ok()) << encodings.status().ToString();
  EXPECT_EQ(encodings->GetString(0, 0).value_or(""), "RLE_DICTIONARY");

  AppendBronze(catalog, "bronze.item", "('c', 7.0)", "item, v");
  auto second = RunPipeline(catalog, *connection_, *models, RunOptions{});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_TRUE(second->ok()) << second->ToString();
  EXPECT_EQ(Rows(catalog, "silver.labelled", "item, v"),
            (std::vector<std::string>{"(a, 1.0)", "(b, 2.0)", "(b, 5.0)", "(c, 7.0)"}));
}

TEST(ModelParseTest, ErrorsNameFileAndLine) {
  auto bad = ParseModel("m/silver/x.sql", "-- materialized: table\n-- colour: red\nSELECT 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("m/silver/x.sql:2:"), std::string::npos);
  auto cycle = ModelSet::LoadMap(
      {{"silver/a.sql", "-- materialized: table\nSELECT * FROM ref('silver.b')"},
       {"silver/b.sql", "-- materialized: table\n\nSELECT * FROM ref('silver.a')"}});
  ASSERT_FALSE(cycle.ok());
  EXPECT_NE(cycle.status().message().find("cycle"), std::string::npos) << cycle.status().ToString();
}

// generated('name', 'layer.table') hands the generator a table, which is an input of the model as a
// ref() is (latest_version also reads the deletions, bronze.deleted_object); a second argument that
// is not a table name is an error naming the line.
TEST(ModelParseTest, GeneratedTableIsAnInput) {
  auto model = ParseModel("m/silver/x.sql",
                          "-- materialized: table\n-- depends_on: bronze.a\n"
                          "WITH l AS (generated('latest_version',  'bronze.b' ))\n"
                          "SELECT * FROM l JOIN ref('bronze.c') AS c ON c.id = l.id");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  std::vector<std::string> inputs;
  for (const Ref& ref : model->refs) inputs.push_back(ref.table.ToString());
  EXPECT_EQ(inputs, (std::vector<std::string>{"bronze.a", "bronze.c", "bronze.b",
                                              "bronze.deleted_object"}));
  EXPECT_EQ(model->generated, (std::vector<std::string>{"latest_version"}));
  auto calls = FindGeneratedCalls("x",
                                  "SELECT 1 FROM (generated('g')) AS a, "
                                  "(generated('g', 'silver.t')) AS b");
  ASSERT_TRUE(calls.ok()) << calls.status().ToString();
  ASSERT_EQ(calls->size(), 2u);
  EXPECT_FALSE((*calls)[0].table.has_value());
  ASSERT_TRUE((*calls)[1].table.has_value());
  EXPECT_EQ((*calls)[1].table->ToString(), "silver.t");

  auto with_column = FindGeneratedCalls("x", "SELECT CAST(c AS generated('g', 'silver.t', 'c'))");
  ASSERT_TRUE(with_column.ok()) << with_column.status().ToString();
  ASSERT_EQ(with_column->size(), 1u);
  EXPECT_EQ((*with_column)[0].table->ToString(), "silver.t");
  EXPECT_EQ((*with_column)[0].column, "c");
  EXPECT_EQ((*calls)[1].column, "");
  auto bad_column = FindGeneratedCalls("x", "SELECT CAST(c AS generated('g', 'silver.t', 'c d'))");
  ASSERT_FALSE(bad_column.ok());
  EXPECT_NE(bad_column.status().message().find("not a column name"), std::string::npos)
      << bad_column.status().ToString();

  auto bad = ParseModel("m/silver/x.sql",
                        "-- materialized: table\nSELECT * FROM (generated('g', 'no table')) AS g");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("m/silver/x.sql:2: generated('g', 'no table')"),
            std::string::npos)
      << bad.status().ToString();
  auto unquoted = ParseModel("m/silver/x.sql",
                             "-- materialized: table\nSELECT * FROM (generated('g', b.t)) AS g");
  ASSERT_FALSE(unquoted.ok());
  EXPECT_NE(unquoted.status().message().find("optionally a quoted table"), std::string::npos)
      << unquoted.status().ToString();
}

TEST(SubsetCheckTest, EveryModelFileIsInTheSharedSubset) {
  for (const std::string& dir : {kModels, std::string(DHL_SOURCE_DIR) + "/models"}) {
    if (!fs::exists(dir)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (entry.path().extension() != ".sql") continue;
      auto models = ModelSet::LoadDirectory(entry.path().parent_path().string());
      std::ifstream in(entry.path());
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      for (const auto& violation : CheckSharedSubset(text)) {
        ADD_FAILURE() << violation.ToString(entry.path().string());
      }
    }
  }
}

TEST(SubsetCheckTest, RejectsDuckDbOnlyConstructs) {
  struct Case {
    const char* sql;
    bool ok;
  };
  const Case cases[] = {
      {"SELECT x::INT FROM t", false},
      {"SELECT * EXCLUDE (a) FROM t", false},
      {"SELECT strftime(d, '%Y') FROM t", false},
      {"SELECT a FROM t QUALIFY row_number() OVER (ORDER BY a NULLS LAST) = 1", false},
      {"SELECT a FROM t ORDER BY a", false},
      {"SELECT a FROM t ORDER BY a DESC NULLS LAST, b NULLS FIRST", true},
      {"SELECT CAST(x AS BIGINT) FROM t", false},
      {"SELECT CAST(FLOOR(x) AS BIGINT), CAST(x AS DOUBLE) FROM t -- x::INT", true},
      {"SELECT CAST(regexp_extract(x, '^[0-9]+', 0) AS INT) FROM t", true},
      {"SELECT CAST(substring(x, 1, 4) AS INT) FROM t", false},
      {"SELECT list_value(1) FROM t", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CheckSharedSubset(c.sql).empty(), c.ok) << c.sql;
  }
}

}  // namespace
}  // namespace dhl::pipeline
