#include "tests/pipeline/model_lake_fixture.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <utility>

#include "base/test_paths.h"

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

void ModelLakeFixture::ExpectPartialRun(const std::string& model, int64_t rows_in,
                                        int64_t files_added, int64_t files_removed) {
  bool ran = false;
  for (const ModelResult& result : last_summary_.models) {
    if (result.name.ToString() != model) continue;
    ran = true;
    EXPECT_EQ(result.full_reason, "") << model;
    EXPECT_EQ(result.rows_in, rows_in) << model;
    EXPECT_EQ(result.files_added, files_added) << model;
    EXPECT_EQ(result.files_removed, files_removed) << model;
  }
  EXPECT_TRUE(ran) << model << " did not run";
}

void ModelLakeFixture::RegisterLatest(lake::LakeCatalog& catalog, const std::string& table) {
  auto name = lake::ParseTableName(table);
  EXPECT_TRUE(name.ok()) << name.status().ToString();
  if (name.ok()) {
    Status registered = catalog.Register(*connection_, *name);
    EXPECT_TRUE(registered.ok()) << table << ": " << registered.ToString();
  }
}

std::vector<std::string> ModelLakeFixture::QueryRows(lake::LakeCatalog& catalog,
                                                     const std::string& table,
                                                     const std::string& sql) {
  RegisterLatest(catalog, table);
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

std::optional<double> ModelLakeFixture::OneValue(const std::string& table,
                                                 const std::string& column,
                                                 const std::string& where) {
  RegisterLatest(*catalog_, table);
  std::string sql = "SELECT " + column + " FROM " + table + " WHERE " + where;
  auto result = connection_->Query(sql);
  EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
  if (!result.ok() || result->row_count() == 0) return std::nullopt;
  EXPECT_EQ(result->row_count(), 1u) << sql;
  return result->GetDouble(0, 0);
}

int64_t ModelLakeFixture::CountWhere(const std::string& table, const std::string& where) {
  RegisterLatest(*catalog_, table);
  std::string sql = "SELECT count(*) FROM " + table + " WHERE " + where;
  auto result = connection_->Query(sql);
  EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
  return result.ok() ? result->GetInt64(0, 0).value_or(-1) : -1;
}

}  // namespace dhl::pipeline
