#include "serve/lake_views.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/hash.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"

namespace dhl::serve {
namespace {

namespace fs = std::filesystem;

class LakeViewsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dhl_lake_views_test_" + Uuid4());
    fs::create_directories(dir_);
    auto database = engine::Database::Open();
    ASSERT_TRUE(database.ok());
    database_.emplace(std::move(*database));
    auto connection = database_->Connect();
    ASSERT_TRUE(connection.ok());
    connection_.emplace(std::move(*connection));
    lake::LakeCatalog catalog(dir_.string());
    auto written =
        catalog.Table({"gold", "aggregate"})
            .Write(*connection_, "SELECT 'a' AS de, 42.0 AS value", lake::WriteOptions{});
    ASSERT_TRUE(written.ok()) << written.status().ToString();
  }
  void TearDown() override {
    connection_.reset();
    database_.reset();
    std::error_code error;
    fs::remove_all(dir_, error);
  }

  fs::path dir_;
  std::optional<engine::Database> database_;
  std::optional<engine::Connection> connection_;
};

std::string FirstCell(engine::Connection& connection, const std::string& sql) {
  auto result = connection.Query(sql);
  if (!result.ok()) {
    return "error: " + result.status().message();
  }
  return result->GetString(0, 0).value_or("");
}

TEST_F(LakeViewsTest, AnUnreadableTableMakesNoRebuildUntilItChanges) {
  // A table whose only commit is not a Delta log entry.
  fs::create_directories(dir_ / "silver" / "broken" / "_delta_log");
  std::ofstream(dir_ / "silver" / "broken" / "_delta_log" / "00000000000000000000.json")
      << "this is not json\n";
  LakeViews views(dir_.string());
  auto first = views.Current();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ((*first)->skipped().count({"silver", "broken"}), 1u);
  for (int i = 0; i < 3; ++i) {
    auto again = views.Current();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->get(), first->get());
  }
  EXPECT_EQ(views.builds(), 1);
  // Another version of the broken table: one rebuild.
  std::ofstream(dir_ / "silver" / "broken" / "_delta_log" / "00000000000000000001.json")
      << "still not json\n";
  auto changed = views.Current();
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(changed->get(), first->get());
  EXPECT_EQ(views.builds(), 2);
}

TEST_F(LakeViewsTest, SqlRunsOnItsOwnDatabase) {
  LakeViews views(dir_.string());
  auto generation = views.Current();
  ASSERT_TRUE(generation.ok()) << generation.status().ToString();
  {
    auto sql = (*generation)->LeaseSql();
    ASSERT_TRUE(sql.ok());
    EXPECT_EQ(FirstCell(**sql, "SELECT CAST(value AS INTEGER) FROM gold.aggregate"), "42");
    // Whatever reaches the SQL database, even a statement /api/sql would refuse, stays there.
    ASSERT_TRUE((*sql)->Execute("DROP VIEW gold.aggregate").ok());
    ASSERT_TRUE(
        (*sql)->Execute("CREATE VIEW gold.aggregate AS SELECT 'a' AS de, -1 AS value").ok());
    EXPECT_EQ(FirstCell(**sql, "SELECT CAST(value AS INTEGER) FROM gold.aggregate"), "-1");
  }
  auto analytics = (*generation)->Lease();
  ASSERT_TRUE(analytics.ok());
  EXPECT_EQ(FirstCell(**analytics, "SELECT CAST(value AS INTEGER) FROM gold.aggregate"), "42");
}

}  // namespace
}  // namespace dhl::serve
