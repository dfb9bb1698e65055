#include "serve/lake_views.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/hash.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "lake/temp_lake_fixture.h"

namespace dhl::serve {
namespace {

namespace fs = std::filesystem;

class LakeViewsTest : public lake::TempLakeFixture {
 protected:
  void SetUp() override {
    TempLakeFixture::SetUp();
    auto written =
        catalog_->Table({"gold", "aggregate"})
            .Write(*connection_, "SELECT 'a' AS de, 42.0 AS value", lake::WriteOptions{});
    ASSERT_TRUE(written.ok()) << written.status().ToString();
  }
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
  fs::create_directories(LakeDir() / "silver" / "broken" / "_delta_log");
  std::ofstream(LakeDir() / "silver" / "broken" / "_delta_log" / "00000000000000000000.json")
      << "this is not json\n";
  LakeViews views(LakeDir().string());
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
  std::ofstream(LakeDir() / "silver" / "broken" / "_delta_log" / "00000000000000000001.json")
      << "still not json\n";
  auto changed = views.Current();
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(changed->get(), first->get());
  EXPECT_EQ(views.builds(), 2);
}

TEST_F(LakeViewsTest, SqlRunsOnItsOwnDatabase) {
  LakeViews views(LakeDir().string());
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

TEST_F(LakeViewsTest, TheSqlDatabaseIsBuiltOnItsFirstUse) {
  LakeViews views(LakeDir().string());
  auto generation = views.Current();
  ASSERT_TRUE(generation.ok()) << generation.status().ToString();
  EXPECT_FALSE((*generation)->sql_database_built());
  {
    auto analytics = (*generation)->Lease();
    ASSERT_TRUE(analytics.ok());
    EXPECT_EQ(FirstCell(**analytics, "SELECT CAST(value AS INTEGER) FROM gold.aggregate"), "42");
  }
  EXPECT_FALSE((*generation)->sql_database_built());
  auto sql = (*generation)->LeaseSql();
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  EXPECT_TRUE((*generation)->sql_database_built());
  EXPECT_EQ(FirstCell(**sql, "SELECT CAST(value AS INTEGER) FROM gold.aggregate"), "42");
}

TEST_F(LakeViewsTest, AGenerationNewerThanTheListingServesIt) {
  LakeViews views(LakeDir().string());
  auto first = views.Current();
  ASSERT_TRUE(first.ok());
  TableVersions listed = (*first)->versions();
  EXPECT_TRUE((*first)->Covers(listed));
  TableVersions older = listed;
  older[{"gold", "aggregate"}] -= 1;
  EXPECT_TRUE((*first)->Covers(older));
  TableVersions newer = listed;
  newer[{"gold", "aggregate"}] += 1;
  EXPECT_FALSE((*first)->Covers(newer));
  TableVersions more = listed;
  more[{"gold", "other"}] = 0;
  EXPECT_FALSE((*first)->Covers(more));
}

// The sorted copy holds the same rows as the Parquet files, in key order, and a new version is
// read from its Parquet files until its own copy is ready.
TEST_F(LakeViewsTest, SortedCopiesServeTheSameRows) {
  lake::LakeCatalog catalog(LakeDir().string());
  // 50,000 rows written in an order unrelated to the key (de = n * 7919 mod 50,000).
  const std::string rows =
      "SELECT 'de' || lpad(CAST((range * 7919) % 50000 AS VARCHAR), 5, '0') AS de, "
      "CAST(range AS DOUBLE) AS value FROM range(50000)";
  lake::WriteOptions overwrite;
  overwrite.mode = lake::WriteMode::kOverwrite;
  ASSERT_TRUE(catalog.Table({"gold", "aggregate"}).Write(*connection_, rows, overwrite).ok());
  LakeViewsOptions options;
  ServingCopiesOptions copies;
  copies.dir = (dir_ / "copies").string();  // beside the lake
  copies.order_by = {{{"gold", "aggregate"}, "de"}};
  copies.rows_per_sort = 7000;  // eight ranges, sorted one at a time
  options.copies = copies;
  LakeViews views(LakeDir().string(), options);
  auto parquet = views.Current();
  ASSERT_TRUE(parquet.ok());
  EXPECT_TRUE((*parquet)->copied().empty());
  views.copies()->WaitIdle();
  auto copied = views.Current();
  ASSERT_TRUE(copied.ok());
  ASSERT_EQ((*copied)->copied().count({"gold", "aggregate"}), 1u);
  {
    auto lease = (*copied)->Lease();
    ASSERT_TRUE(lease.ok());
    // Sum of 0..49999 = 1,249,975,000; de00000 is row 0; the rows come in key order.
    EXPECT_EQ(FirstCell(**lease, "SELECT CAST(sum(value) AS BIGINT) FROM gold.aggregate"),
              "1249975000");
    EXPECT_EQ(FirstCell(**lease,
                        "SELECT CAST(value AS BIGINT) FROM gold.aggregate WHERE de = "
                        "'de07919'"),
              "1");
    EXPECT_EQ(FirstCell(**lease,
                        "SELECT bool_and(de = expected) FROM (SELECT de, 'de' || "
                        "lpad(CAST(row_number() OVER () - 1 AS VARCHAR), 5, '0') AS "
                        "expected FROM gold.aggregate)"),
              "true");
  }
  ASSERT_TRUE(catalog.Table({"gold", "aggregate"})
                  .Write(*connection_, "SELECT 'a' AS de, 7.0 AS value", overwrite)
                  .ok());
  auto changed = views.Current();
  ASSERT_TRUE(changed.ok());
  {
    auto lease = (*changed)->Lease();
    ASSERT_TRUE(lease.ok());
    EXPECT_EQ(FirstCell(**lease, "SELECT CAST(sum(value) AS BIGINT) FROM gold.aggregate"), "7");
  }
  views.copies()->WaitIdle();
  auto recopied = views.Current();
  ASSERT_TRUE(recopied.ok());
  EXPECT_EQ((*recopied)->copied().count({"gold", "aggregate"}), 1u);
  auto lease = (*recopied)->Lease();
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(FirstCell(**lease, "SELECT CAST(sum(value) AS BIGINT) FROM gold.aggregate"), "7");
  // The older generation still reads its own copy.
  auto old_lease = (*copied)->Lease();
  ASSERT_TRUE(old_lease.ok());
  EXPECT_EQ(FirstCell(**old_lease, "SELECT count(*) FROM gold.aggregate"), "50000");
}

}  // namespace
}  // namespace dhl::serve
