// Our reader against real Delta tables written by Spark (kernel-rs golden tables, with their
// expected contents as Parquet) and delta-rs (tests/data/delta/PROVENANCE.md). Expected rows are
// read by DuckDB directly from the expected Parquet files and compared with our view as sorted
// multisets.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/test_paths.h"
#include "engine/database.h"
#include "lake/delta_table.h"

namespace dhl::lake {
namespace {

const std::string kData = std::string(DHL_SOURCE_DIR) + "/tests/data/delta";

class ConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = engine::Database::Open({.threads = 2});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_.emplace(std::move(db).value());
    auto connection = db_->Connect();
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    connection_.emplace(std::move(connection).value());
  }

  // Registers `root` as view t.v at `version` (latest by default).
  Status Register(const std::string& root, std::optional<int64_t> version = {}) {
    DeltaTable table(root);
    auto snapshot = table.Load(*connection_, {.version = version});
    if (!snapshot.ok()) {
      return snapshot.status();
    }
    return table.CreateView(*connection_, *snapshot, "t", "v");
  }

  int64_t Count(const std::string& sql) {
    auto result = connection_->Query(sql);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) {
      return -1;
    }
    return result->GetInt64(0, 0).value_or(-1);
  }

  // Rows of the view minus rows of `expected_sql` and the reverse, as multisets, over `columns`.
  void ExpectSameRows(const std::string& expected_sql, const std::string& columns) {
    const std::string view = "SELECT " + columns + " FROM t.v";
    const std::string expected = "SELECT " + columns + " FROM (" + expected_sql + ")";
    EXPECT_EQ(Count("SELECT count(*) FROM t.v"),
              Count("SELECT count(*) FROM (" + expected_sql + ")"));
    EXPECT_EQ(Count("SELECT count(*) FROM (" + view + " EXCEPT ALL " + expected + ")"), 0)
        << "rows of the view not expected";
    EXPECT_EQ(Count("SELECT count(*) FROM (" + expected + " EXCEPT ALL " + view + ")"), 0)
        << "expected rows missing from the view";
  }

  std::string ColumnsOf(const std::string& sql) {
    auto result = connection_->Query("DESCRIBE " + sql);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    std::string columns;
    for (size_t row = 0; result.ok() && row < result->row_count(); ++row) {
      columns += (columns.empty() ? "\"" : ", \"") + result->GetString(0, row).value_or("") + "\"";
    }
    return columns;
  }

  std::optional<engine::Database> db_;
  std::optional<engine::Connection> connection_;
};

class GoldenTableTest : public ConformanceTest,
                        public ::testing::WithParamInterface<const char*> {};

TEST_P(GoldenTableTest, ReadsTheExpectedRows) {
  const std::string base = kData + "/kernel-rs-golden/" + GetParam();
  Status status = Register(base + "/delta");
  ASSERT_TRUE(status.ok()) << status.ToString();
  const std::string expected = "SELECT * FROM read_parquet('" + base + "/expected/*.parquet')";
  ExpectSameRows(expected, ColumnsOf(expected));
}

INSTANTIATE_TEST_SUITE_P(
    KernelGolden, GoldenTableTest,
    ::testing::Values("basic-decimal-table", "basic-with-inserts-deletes-checkpoint",
                      "basic-with-inserts-overwrite-restore", "data-reader-array-primitives",
                      "data-reader-date-types-utc", "data-reader-escaped-chars", "data-reader-map",
                      "data-reader-nested-struct", "data-reader-primitives",
                      "data-reader-timestamp_ntz", "data-skipping-basic-stats-all-types",
                      "kernel-timestamp-int96", "kernel-timestamp-timestamp_micros",
                      "kernel-timestamp-timestamp_millis", "parquet-all-types",
                      "snapshot-data2-deleted"),
    [](const ::testing::TestParamInfo<const char*>& param_info) {
      std::string name = param_info.param;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) {
          c = '_';
        }
      }
      return name;
    });

// Its legacy timestamp partition strings were written in PST (see PROVENANCE.md): every other
// column must match, and the timestamp column differs by exactly the PST offset.
TEST_F(ConformanceTest, PartitionValuesOfEveryTypeIncludingNull) {
  const std::string base = kData + "/kernel-rs-golden/data-reader-partition-values";
  Status status = Register(base + "/delta");
  ASSERT_TRUE(status.ok()) << status.ToString();
  const std::string expected = "SELECT * FROM read_parquet('" + base + "/expected/*.parquet')";
  std::string columns;
  auto described = connection_->Query("DESCRIBE " + expected);
  ASSERT_TRUE(described.ok());
  for (size_t row = 0; row < described->row_count(); ++row) {
    std::string name = *described->GetString(0, row);
    if (name != "as_timestamp") {
      columns += (columns.empty() ? "\"" : ", \"") + name + "\"";
    }
  }
  ExpectSameRows(expected, columns);
  EXPECT_EQ(Count("SELECT count(*) FROM t.v WHERE as_timestamp IS NOT NULL AND as_timestamp <> "
                  "TIMESTAMPTZ '2021-09-08 11:11:11+00'"),
            0);
}

TEST_F(ConformanceTest, CheckpointAndLastCheckpoint) {
  // 15 commits, a Spark checkpoint at 10 named by _last_checkpoint: replay 11..14 from it.
  const std::string root = kData + "/kernel-rs-golden/checkpoint/delta";
  DeltaTable table(root);
  auto snapshot = table.Load(*connection_);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  EXPECT_EQ(snapshot->version, 14);
  // Every earlier version is reachable too (the log is complete).
  for (int64_t version : {0, 5, 10, 14}) {
    auto at = table.Load(*connection_, {.version = version});
    ASSERT_TRUE(at.ok()) << at.status().ToString();
    EXPECT_EQ(at->version, version);
  }
}

struct DeltaRsCase {
  const char* name;
  const char* check_sql;  // counts rows that violate an expectation on partition values, or nullptr
};

class DeltaRsTableTest : public ConformanceTest,
                         public ::testing::WithParamInterface<DeltaRsCase> {};

// The expected rows are computed independently of our reader: the log is replayed in SQL (the last
// action per path wins), and the live files are read by DuckDB directly. Partition values are
// checked by hand-written expectations from the directory names.
TEST_P(DeltaRsTableTest, ReadsTheTable) {
  const DeltaRsCase& c = GetParam();
  const std::string root = kData + "/delta-rs/" + c.name;
  Status status = Register(root);
  ASSERT_TRUE(status.ok()) << status.ToString();
  auto live = connection_->Query(
      "WITH actions AS (SELECT CAST(regexp_extract(filename, '(\\d{20})\\.json$', 1) AS BIGINT) AS "
      "version, add, remove FROM read_json('" +
      root +
      "/_delta_log/*.json', filename=true, "
      "format='newline_delimited', columns={add: 'STRUCT(path VARCHAR)', remove: 'STRUCT(path "
      "VARCHAR)'})), events AS (SELECT version, add.path AS path, 1 AS added FROM actions WHERE "
      "add "
      "IS NOT NULL UNION ALL SELECT version, remove.path, 0 FROM actions WHERE remove IS NOT NULL) "
      "SELECT url_decode(path) FROM events GROUP BY path HAVING arg_max(added, version) = 1");
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  ASSERT_GT(live->row_count(), 0u);
  std::string files;
  for (size_t row = 0; row < live->row_count(); ++row) {
    files += (files.empty() ? "'" : ", '") + root + "/" + *live->GetString(0, row) + "'";
  }
  const std::string expected = "SELECT * FROM read_parquet([" + files + "], union_by_name=true)";
  // Data columns: those of the view that the files hold (partition columns are not in them).
  auto snapshot = DeltaTable(root).Load(*connection_);
  ASSERT_TRUE(snapshot.ok());
  std::string columns;
  for (const auto& field : snapshot->schema.fields()) {
    const auto& partitions = snapshot->metadata.partition_columns;
    if (std::find(partitions.begin(), partitions.end(), field.name) == partitions.end()) {
      columns += (columns.empty() ? "\"" : ", \"") + field.name + "\"";
    }
  }
  ExpectSameRows(expected, columns);
  if (c.check_sql != nullptr) {
    EXPECT_EQ(Count(c.check_sql), 0) << c.check_sql;
  }
}

INSTANTIATE_TEST_SUITE_P(
    DeltaRs, DeltaRsTableTest,
    ::testing::Values(
        DeltaRsCase{"simple_table", nullptr},
        DeltaRsCase{"delta-0.8.0-partitioned",
                    "SELECT count(*) + (SELECT 7 - count(*) FROM t.v) FROM t.v WHERE NOT ((year, "
                    "month, day) IN (('2020','1','1'), ('2020','2','3'), ('2020','2','5'), "
                    "('2021','4','5'), ('2021','12','4'), ('2021','12','20')))"},
        DeltaRsCase{
            "delta-0.8.0-null-partition",
            "SELECT abs(count(*) FILTER (WHERE k IS NULL) - 1) + abs(count(*) FILTER (WHERE "
            "k = 'A') - 1) FROM t.v"},
        DeltaRsCase{
            "delta-0.8.0-special-partition",
            "SELECT abs(count(*) FILTER (WHERE x = 'A/A') - 1) + abs(count(*) FILTER (WHERE "
            "x = 'B B') - 1) FROM t.v"},
        DeltaRsCase{"partition-type-primitives",
                    "SELECT 16 - count(DISTINCT (year, is_active, event_date, category)) FROM t.v "
                    "WHERE year IN (2020, 2021) AND category IN ('A', 'B') AND event_date IN (DATE "
                    "'2023-01-01', DATE '2023-01-02')"},
        DeltaRsCase{
            "delta-2.2.0-partitioned-types",
            "SELECT 3 - count(*) FROM t.v WHERE (c1, c2) IN ((5, 'b'), (6, 'a'), (4, 'c'))"},
        DeltaRsCase{"table_with_edge_timestamps", nullptr}),
    [](const ::testing::TestParamInfo<DeltaRsCase>& param_info) {
      std::string name = param_info.param.name;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) {
          c = '_';
        }
      }
      return name;
    });

TEST_F(ConformanceTest, CheckpointWithPartitionsReplaysTheLog) {
  // Log only (no data files): replay must still yield the snapshot's files and partitions.
  DeltaTable table(kData + "/delta-rs/checkpoint_with_partitions");
  auto snapshot = table.Load(*connection_);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  EXPECT_FALSE(snapshot->files.empty());
  for (const auto& [path, add] : snapshot->files) {
    EXPECT_EQ(add.partition_values.size(), snapshot->metadata.partition_columns.size()) << path;
  }
}

TEST_F(ConformanceTest, RefusesUnsupportedFeatures) {
  DeltaTable table(kData + "/delta-rs/simple_table_features");
  auto snapshot = table.Load(*connection_);
  ASSERT_FALSE(snapshot.ok());
  EXPECT_EQ(snapshot.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(snapshot.status().message().find("unsupported table feature"), std::string::npos);
  EXPECT_NE(snapshot.status().message().find("blahabl"), std::string::npos);
  EXPECT_NE(snapshot.status().message().find("deletionVectors"), std::string::npos);
}

TEST_F(ConformanceTest, NotADeltaTable) {
  DeltaTable table(kData + "/kernel-rs-golden/basic-decimal-table/expected");
  auto snapshot = table.Load(*connection_);
  ASSERT_FALSE(snapshot.ok());
  EXPECT_EQ(snapshot.status().code(), StatusCode::kNotFound);
  EXPECT_NE(snapshot.status().message().find("not a Delta table"), std::string::npos);
  EXPECT_NE(snapshot.status().message().find("basic-decimal-table/expected"), std::string::npos);
}

}  // namespace
}  // namespace dhl::lake
