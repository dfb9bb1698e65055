// The bundle rendered from a test DAG (tests/data/databricks/models) over a lake written here:
// every Spark statement parses with sqlglot's Spark dialect and uses only allow-listed functions
// (tests/databricks/spark_sql_check.py); the forms sqlglot 10.6 cannot parse match hand-reviewed
// golden text; the job's task graph is the model DAG; databricks.yml has the fields the bundle
// schema requires; incremental models merge as the issue specifies.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/test_paths.h"
#include "databricks/bundle_plan.h"
#include "databricks/bundle_writer.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "pipeline/embedded_models.h"
#include "pipeline/model_set.h"
#include "sql/dialect.h"

namespace dhl::databricks {
namespace {

namespace fs = std::filesystem;
const std::string kData = std::string(DHL_SOURCE_DIR) + "/tests/data/databricks";
const std::string kChecker = std::string(DHL_SOURCE_DIR) + "/tests/databricks/spark_sql_check.py";

bool HavePython(const char* module) {
  std::string command = std::string("/usr/bin/python3 -c 'import ") + module + "' 2>/dev/null";
  return std::system(command.c_str()) == 0;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `command`, returning its standard output and exit status.
std::pair<std::string, int> RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {"", -1};
  char buffer[4096];
  size_t read;
  while ((read = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, read);
  int status = pclose(pipe);
  return {output, WEXITSTATUS(status)};
}

// Compares `text` with the golden file tests/data/databricks/golden/<name>; with
// DHL_UPDATE_GOLDEN=1 in the environment the file is rewritten instead (review the diff before
// committing it).
void ExpectGolden(const std::string& text, const std::string& name) {
  fs::path path = kData + "/golden/" + name;
  if (std::getenv("DHL_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << text;
    return;
  }
  EXPECT_EQ(text, ReadFile(path)) << "golden file " << path;
}

// Statements sqlglot 10.6 cannot parse (the issue lists them): checked against golden text.
bool UnparseableForm(const std::string& statement) {
  return statement.rfind("COPY INTO", 0) == 0 || statement.rfind("CREATE VOLUME", 0) == 0 ||
         (statement.rfind("ALTER TABLE", 0) == 0 &&
          statement.find("SET TBLPROPERTIES") != std::string::npos);
}

pipeline::GeneratorRegistry TestGenerators() {
  pipeline::GeneratorRegistry registry;
  registry.Add("share", [](const pipeline::GeneratorContext& context) -> Result<std::string> {
    return sql::SafeDivide("SUM(v.value)", "COUNT(*)", context.dialect);
  });
  return registry;
}

class BundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dhl_bundle_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    auto database = engine::Database::Open();
    ASSERT_TRUE(database.ok()) << database.status().ToString();
    database_.emplace(std::move(*database));
    auto connection = database_->Connect();
    ASSERT_TRUE(connection.ok());
    connection_.emplace(std::move(*connection));
    catalog_.emplace((dir_ / "lake").string());
    registry_ = TestGenerators();
  }
  void TearDown() override { fs::remove_all(dir_); }

  void WriteBronze() {
    Write("bronze.data_value",
          "SELECT * FROM (VALUES ('de1', '202401', 'ou1', '5', CAST(NULL AS VARCHAR), "
          "TIMESTAMPTZ '2024-02-01 00:00:00+00', FALSE, 'run1', TIMESTAMPTZ '2024-02-02 "
          "00:00:00+00', 'api', 'c1')) AS t(dataElement, period, orgUnit, value, comment, "
          "lastUpdated, deleted, _run_id, _ingested_at, _source, _chunk)");
    Write("bronze.metadata_organisation_unit",
          "SELECT * FROM (VALUES ('ou1', 'Bo', '3', '{}')) AS t(id, name, level, object)");
  }
  void Write(const std::string& table, const std::string& select) {
    auto name = lake::ParseTableName(table);
    ASSERT_TRUE(name.ok());
    auto written = catalog_->Table(*name).Write(*connection_, select, lake::WriteOptions());
    ASSERT_TRUE(written.ok()) << written.status().ToString();
  }

  SparkNames Names() {
    SparkNames names;
    names.catalog = "health";
    names.schemas["silver"] = "dhis2_silver";
    return names;
  }

  Result<BundlePlan> Plan(const pipeline::ModelSet& models) {
    PlanOptions options;
    options.names = Names();
    options.generators = &registry_;
    return PlanBundle(*catalog_, *connection_, models, options);
  }

  // Runs the sqlglot checker over every parseable statement of the plan; returns its report.
  std::pair<std::string, int> CheckSpark(const BundlePlan& plan) {
    nlohmann::json statements = nlohmann::json::array();
    auto add = [&](const std::string& where, const std::vector<std::string>& list) {
      for (size_t i = 0; i < list.size(); ++i) {
        if (UnparseableForm(list[i])) continue;
        statements.push_back({{"where", where + "#" + std::to_string(i)}, {"sql", list[i]}});
      }
    };
    add("setup", plan.setup);
    for (const BundleTask& task : plan.tasks) add(task.key, task.statements);
    fs::create_directories(dir_);
    fs::path file = dir_ / "statements.json";
    std::ofstream(file) << statements.dump(1);
    return RunCommand("/usr/bin/python3 " + kChecker + " " + file.string() + " 2>&1");
  }

  fs::path dir_;
  std::optional<engine::Database> database_;
  std::optional<engine::Connection> connection_;
  std::optional<lake::LakeCatalog> catalog_;
  pipeline::GeneratorRegistry registry_;
};

TEST_F(BundleTest, SparkStatementsParseAndUseOnlyAllowedFunctions) {
  if (!HavePython("sqlglot")) GTEST_SKIP() << "/usr/bin/python3 with sqlglot is not installed";
  WriteBronze();
  auto models = pipeline::ModelSet::LoadDirectory(kData + "/models");
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  auto plan = Plan(*models);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto [report, status] = CheckSpark(*plan);
  EXPECT_EQ(status, 0) << report;
  EXPECT_NE(report.find("0 problems"), std::string::npos) << report;
}

// The checker is not a test that cannot fail: DuckDB-only functions and syntax are reported.
TEST_F(BundleTest, CheckerRejectsDuckDbOnlySql) {
  if (!HavePython("sqlglot")) GTEST_SKIP() << "/usr/bin/python3 with sqlglot is not installed";
  BundlePlan plan;
  plan.setup = {"SELECT list_contains(string_split(a, ','), 'x') FROM t",
                "SELECT strftime(d, '%Y'), epoch_ms(t) FROM t", "SELECT FROM WHERE"};
  auto [report, status] = CheckSpark(plan);
  EXPECT_EQ(status, 1) << report;
  for (const char* expected :
       {"LIST_CONTAINS", "STRING_SPLIT", "STRFTIME", "EPOCH_MS", "setup#2: does not parse"}) {
    EXPECT_NE(report.find(expected), std::string::npos) << expected << "\n" << report;
  }
}

TEST_F(BundleTest, UnparseableFormsMatchGoldenText) {
  WriteBronze();
  auto models = pipeline::ModelSet::LoadDirectory(kData + "/models");
  ASSERT_TRUE(models.ok());
  auto plan = Plan(*models);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::string forms;
  for (const std::string& statement : plan->setup) {
    if (UnparseableForm(statement)) forms += statement + ";\n";
  }
  for (const BundleTask& task : plan->tasks) {
    for (const std::string& statement : task.statements) {
      if (UnparseableForm(statement)) forms += statement + ";\n";
    }
  }
  ExpectGolden(forms, "unparseable_forms.sql");
}

TEST_F(BundleTest, IncrementalModelMergesTheLatestRowPerKey) {
  WriteBronze();
  auto models = pipeline::ModelSet::LoadDirectory(kData + "/models");
  ASSERT_TRUE(models.ok());
  auto plan = Plan(*models);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const BundleTask* task = plan->Find("silver_data_value");
  ASSERT_NE(task, nullptr);
  std::string text;
  for (const std::string& statement : task->statements) text += statement + ";\n";
  ExpectGolden(text, "silver_data_value.sql");
  EXPECT_EQ(text.find("NOT MATCHED BY SOURCE"), std::string::npos);
}

TEST_F(BundleTest, TableModelRendersRefsQuotedNamesAndGeneratedSql) {
  WriteBronze();
  auto models = pipeline::ModelSet::LoadDirectory(kData + "/models");
  ASSERT_TRUE(models.ok());
  auto plan = Plan(*models);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const BundleTask* task = plan->Find("gold_total");
  ASSERT_NE(task, nullptr);
  std::string text;
  for (const std::string& statement : task->statements) text += statement + ";\n";
  ExpectGolden(text, "gold_total.sql");
  EXPECT_TRUE(task->embeds_metadata);
}

// The job's tasks and depends_on are the model DAG, read back from the written YAML; the fields
// the bundle schema requires are present (bundle.name; per task task_key; sql_task.warehouse_id
// and file.path), targets dev and prod have valid modes.
TEST_F(BundleTest, WrittenBundleCarriesTheDagAndRequiredFields) {
  if (!HavePython("yaml")) GTEST_SKIP() << "/usr/bin/python3 with PyYAML is not installed";
  WriteBronze();
  auto models = pipeline::ModelSet::LoadDirectory(kData + "/models");
  ASSERT_TRUE(models.ok());
  auto plan = Plan(*models);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  BundleOptions options;
  auto written = WriteBundle((dir_ / "bundle").string(), *plan, Names(), options);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  auto yaml = [&](const std::string& relative) {
    auto [text, status] = RunCommand(
        "/usr/bin/python3 -c \"import yaml, json, sys; "
        "print(json.dumps(yaml.safe_load(open(sys.argv[1]))))\" " +
        (dir_ / "bundle" / relative).string());
    EXPECT_EQ(status, 0) << text;
    return nlohmann::json::parse(text, nullptr, false);
  };
  nlohmann::json root = yaml("databricks.yml");
  ASSERT_TRUE(root.is_object());
  EXPECT_EQ(root["bundle"]["name"], "dhis2lake");
  EXPECT_EQ(root["targets"]["dev"]["mode"], "development");
  EXPECT_EQ(root["targets"]["prod"]["mode"], "production");
  for (const char* variable : {"catalog", "bronze_schema", "silver_schema", "gold_schema",
                               "ops_schema", "volume", "warehouse_id"}) {
    EXPECT_TRUE(root["variables"].contains(variable)) << variable;
  }
  EXPECT_EQ(root["variables"]["silver_schema"]["default"], "dhis2_silver");
  EXPECT_EQ(root["include"][0], "resources/*.yml");
  // Only keys the bundle schema knows at the top level.
  std::set<std::string> known = {"artifacts", "bundle",  "experimental", "include",  "permissions",
                                 "presets",   "python",  "resources",    "run_as",   "scripts",
                                 "sync",      "targets", "variables",    "workspace"};
  for (const auto& [key, value] : root.items()) EXPECT_TRUE(known.count(key)) << key;

  nlohmann::json job = yaml("resources/dhis2lake_pipeline.job.yml");
  const nlohmann::json& tasks = job["resources"]["jobs"]["dhis2lake_pipeline"]["tasks"];
  ASSERT_TRUE(tasks.is_array());
  std::map<std::string, std::set<std::string>> graph;
  for (const nlohmann::json& task : tasks) {
    ASSERT_TRUE(task.contains("task_key"));
    ASSERT_TRUE(task["sql_task"].contains("warehouse_id"));
    std::string path = task["sql_task"]["file"]["path"];
    EXPECT_TRUE(fs::exists(dir_ / "bundle" / "resources" / path)) << path;
    std::set<std::string>& inputs = graph[task["task_key"]];
    for (const nlohmann::json& dependency : task.value("depends_on", nlohmann::json::array())) {
      inputs.insert(dependency["task_key"].get<std::string>());
    }
  }
  // The DAG as the models declare it, written out independently of the plan.
  std::map<std::string, std::set<std::string>> expected = {
      {"setup", {}},
      {"load_bronze_data_value", {"setup"}},
      {"load_bronze_metadata_constant", {"setup"}},
      {"load_bronze_metadata_organisation_unit", {"setup"}},
      {"silver_constant", {"load_bronze_metadata_constant"}},
      {"silver_data_value", {"load_bronze_data_value"}},
      {"silver_org_unit", {"load_bronze_metadata_organisation_unit"}},
      {"gold_total", {"silver_data_value", "silver_org_unit"}}};
  EXPECT_EQ(graph, expected);
  // And the same graph from the ModelSet.
  for (const pipeline::Model& model : models->models()) {
    std::set<std::string> inputs;
    for (const pipeline::Ref& ref : model.refs) {
      inputs.insert(TaskKey(ref.table, models->Find(ref.table) == nullptr));
    }
    EXPECT_EQ(graph[TaskKey(model.name, false)], inputs) << model.name.ToString();
  }
  std::string readme = ReadFile(dir_ / "bundle" / "README.md");
  EXPECT_NE(readme.find("`src/gold/total.sql` (generated: share)"), std::string::npos) << readme;
  EXPECT_EQ(readme.find("src/silver/data_value.sql"), std::string::npos) << readme;
}

// The shipped models (models/**.sql) render and pass the Spark check over a lake holding only
// stand-ins for the bronze tables, once every input the models read is a bronze table or a model.
TEST_F(BundleTest, ShippedModelsRenderToCheckedSpark) {
  if (!HavePython("sqlglot")) GTEST_SKIP() << "/usr/bin/python3 with sqlglot is not installed";
  auto models = pipeline::ModelSet::LoadMap(pipeline::EmbeddedModels());
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  for (const lake::TableName& source : models->Sources()) {
    if (source.layer != "bronze") {
      GTEST_SKIP() << "the shipped models read " << source.ToString()
                   << ", which no shipped model produces yet";
    }
  }
  PlanOptions options;
  options.names = Names();
  auto plan = PlanBundle(*catalog_, *connection_, *models, options);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto [report, status] = CheckSpark(*plan);
  EXPECT_EQ(status, 0) << report;
}

}  // namespace
}  // namespace dhl::databricks
