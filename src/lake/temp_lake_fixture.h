// The gtest fixture every test of a lake on disk starts from: a folder of its own under the
// system's temporary folder (named after the test, removed by TearDown), an in-memory DuckDB with
// one connection, and the catalog of the lake in <folder>/lake. Header-only and included by tests
// only (the library itself never depends on gtest). Tests add their own tables and helpers on top
// (tests/pipeline/model_lake_fixture.h adds models and runs).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>

#include "engine/connection.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"

namespace dhl::lake {

class TempLakeFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(test->test_suite_name()) + "_" + test->name();
    std::replace(name.begin(), name.end(), '/', '_');  // parameterized tests: Suite/Name/0
    dir_ = std::filesystem::temp_directory_path() /
           ("dhl_" + name + "_" + std::to_string(::getpid()) + "_" +
            std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto database = engine::Database::Open();
    ASSERT_TRUE(database.ok()) << database.status().ToString();
    database_.emplace(std::move(*database));
    auto connection = database_->Connect();
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    connection_.emplace(std::move(*connection));
    catalog_.emplace(LakeDir().string());
  }

  void TearDown() override {
    catalog_.reset();
    connection_.reset();
    database_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // The lake's folder (created by the first write).
  std::filesystem::path LakeDir() const { return dir_ / "lake"; }

  std::filesystem::path dir_;
  std::optional<engine::Database> database_;
  std::optional<engine::Connection> connection_;
  std::optional<LakeCatalog> catalog_;
};

}  // namespace dhl::lake
