#include "tests/pipeline/model_lake_fixture.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <utility>

namespace dhl::pipeline {

namespace fs = std::filesystem;

std::string ReadModel(const std::string& relative) {
  std::ifstream in(std::string(DHL_SOURCE_DIR) + "/models/" + relative);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Result<ModelSet> LoadShippedModels(const std::vector<std::string>& relatives) {
  std::map<std::string, std::string> files;
  for (const std::string& relative : relatives) {
    std::string text = ReadModel(relative);
    if (text.empty()) return NotFound("models/" + relative + ": no such model file");
    files[relative] = std::move(text);
  }
  return ModelSet::LoadMap(files);
}

void ModelLakeFixture::SetUp() {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(test->test_suite_name()) + "_" + test->name();
  std::replace(name.begin(), name.end(), '/', '_');  // parameterized tests: Suite/Name/0
  dir_ = fs::temp_directory_path() /
         ("dhl_" + name + "_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  fs::remove_all(dir_);
  auto database = engine::Database::Open();
  ASSERT_TRUE(database.ok()) << database.status().ToString();
  database_.emplace(std::move(*database));
  auto connection = database_->Connect();
  ASSERT_TRUE(connection.ok()) << connection.status().ToString();
  connection_.emplace(std::move(*connection));
  catalog_.emplace((dir_ / "lake").string());
}

void ModelLakeFixture::TearDown() {
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

void ModelLakeFixture::UseModels(const std::vector<std::string>& relatives) {
  auto models = relatives.empty() ? ModelSet::LoadDirectory(std::string(DHL_SOURCE_DIR) + "/models")
                                  : LoadShippedModels(relatives);
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  models_.emplace(std::move(*models));
}

void ModelLakeFixture::Write(lake::LakeCatalog& catalog, const std::string& table,
                             const std::string& select,
                             const std::vector<std::string>& partitions) {
  auto name = lake::ParseTableName(table);
  ASSERT_TRUE(name.ok()) << name.status().ToString();
  lake::WriteOptions options;
  options.mode = lake::WriteMode::kOverwrite;
  options.partition_columns = partitions;
  auto written = catalog.Table(*name).Write(*connection_, select, options);
  ASSERT_TRUE(written.ok()) << table << ": " << written.status().ToString();
}

void ModelLakeFixture::Append(lake::LakeCatalog& catalog, const std::string& table,
                              const std::string& select) {
  auto name = lake::ParseTableName(table);
  ASSERT_TRUE(name.ok()) << name.status().ToString();
  lake::WriteOptions options;
  options.mode = lake::WriteMode::kAppend;
  auto written = catalog.Table(*name).Write(*connection_, select, options);
  ASSERT_TRUE(written.ok()) << table << ": " << written.status().ToString();
}

Result<RunSummary> ModelLakeFixture::Run(lake::LakeCatalog& catalog, bool full) {
  if (!models_) return InvalidArgument("the test chose no models (UseModels)");
  RunOptions options = run_options_;
  options.full = full;
  return RunPipeline(catalog, *connection_, *models_, options);
}

void ModelLakeFixture::RunOk(lake::LakeCatalog& catalog, bool full) {
  auto summary = Run(catalog, full);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->ok()) << summary->ToString();
  last_summary_ = *summary;
}

std::vector<std::string> ModelLakeFixture::QueryRows(lake::LakeCatalog& catalog,
                                                     const std::string& table,
                                                     const std::string& sql) {
  auto name = lake::ParseTableName(table);
  EXPECT_TRUE(name.ok()) << name.status().ToString();
  if (name.ok()) {
    Status registered = catalog.Register(*connection_, *name);
    EXPECT_TRUE(registered.ok()) << table << ": " << registered.ToString();
  }
  auto result = connection_->Query(sql);
  EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
  std::vector<std::string> rows;
  for (size_t row = 0; result.ok() && row < result->row_count(); ++row) {
    rows.push_back(result->GetString(0, row).value_or("NULL"));
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::vector<std::string> ModelLakeFixture::Rows(lake::LakeCatalog& catalog,
                                                const std::string& table,
                                                const std::string& columns,
                                                const std::string& where) {
  return QueryRows(
      catalog, table,
      "SELECT CAST(ROW(" + columns + ") AS VARCHAR) FROM " + table + " WHERE " + where);
}

}  // namespace dhl::pipeline
