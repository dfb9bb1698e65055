// Writing tables and reading them back: round trips of every write mode at every version, what the
// log entries carry, txn idempotency, checkpoints (ours against Spark's schema, multi-part, without
// _last_checkpoint), time travel, file skipping, vacuum, optimize, append-only tables, conflicts
// and the errors of bad input. Expected rows are built independently in DuckDB tables.
#include "lake/delta_table.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "base/hash.h"
#include "base/test_paths.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "lake/partition_path.h"
#include "lake/writer_registry.h"

namespace dhl::lake {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::string kData = std::string(DHL_SOURCE_DIR) + "/tests/data/delta";

std::vector<json> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<json> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(json::parse(line));
  }
  return lines;
}

std::string Commit(const std::string& root, int64_t version) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020lld.json", static_cast<long long>(version));
  return root + "/_delta_log/" + name;
}

// Forwards every call to the local file system; fakes override what they inject faults into.
class ForwardingFileSystem : public FileSystem {
 public:
  Result<std::vector<FileInfo>> List(const std::string& path) override { return local_.List(path); }
  Result<FileInfo> Stat(const std::string& path) override { return local_.Stat(path); }
  Result<std::string> Read(const std::string& path) override { return local_.Read(path); }
  Status PutIfAbsent(const std::string& path, std::string_view content) override {
    return local_.PutIfAbsent(path, content);
  }
  Status Replace(const std::string& path, std::string_view content) override {
    return local_.Replace(path, content);
  }
  Status MoveIfAbsent(const std::string& from, const std::string& to) override {
    return local_.MoveIfAbsent(from, to);
  }
  Status Sync(const std::string& path) override { return local_.Sync(path); }
  Status CreateDirectories(const std::string& path) override {
    return local_.CreateDirectories(path);
  }
  Status Delete(const std::string& path) override { return local_.Delete(path); }
  Status DeleteRecursively(const std::string& path) override {
    return local_.DeleteRecursively(path);
  }

 protected:
  LocalFileSystem local_;
};

// Runs `before_commit` once before the next commit file is created (to let a competing writer win
// the race).
class RacingFileSystem final : public ForwardingFileSystem {
 public:
  std::function<void()> before_commit;
  Status PutIfAbsent(const std::string& path, std::string_view content) override {
    if (before_commit && path.ends_with(".json")) {
      auto run = std::move(before_commit);
      before_commit = nullptr;
      run();
    }
    return local_.PutIfAbsent(path, content);
  }
};

// Remembers which files written outside it (by DuckDB's COPY) reached their final name without an
// fsync, and truncates them on DropUnsyncedData(), as a power loss may (LevelDB's
// FaultInjectionTestEnv::DropUnsyncedFileData). Files written through PutIfAbsent/Replace are
// fsynced by the local file system itself.
class UnsyncedDataFileSystem final : public ForwardingFileSystem {
 public:
  Status Sync(const std::string& path) override {
    synced_.insert(path);
    return local_.Sync(path);
  }
  Status MoveIfAbsent(const std::string& from, const std::string& to) override {
    Status moved = local_.MoveIfAbsent(from, to);
    if (moved.ok() && !synced_.contains(from)) {
      unsynced_.push_back(to);
    }
    return moved;
  }
  // Returns how many files lost their data.
  size_t DropUnsyncedData() {
    size_t dropped = 0;
    for (const auto& path : unsynced_) {
      std::error_code error;
      if (fs::exists(path, error)) {
        fs::resize_file(path, fs::file_size(path) / 3);
        ++dropped;
      }
    }
    unsynced_.clear();
    return dropped;
  }

 private:
  std::set<std::string> synced_;
  std::vector<std::string> unsynced_;
};

// Removes a write's staging folder just before the writer lists it, as a concurrent
// `vacuum --force` may.
class VanishingStagingFileSystem final : public ForwardingFileSystem {
 public:
  Result<std::vector<FileInfo>> List(const std::string& path) override {
    if (path.find("/.staging-") != std::string::npos) {
      (void)local_.DeleteRecursively(path);
    }
    return local_.List(path);
  }
};

class DeltaTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dhl_lake_test_" + Uuid4());
    fs::create_directories(dir_);
    auto db = engine::Database::Open({.threads = 2});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_.emplace(std::move(db).value());
    auto connection = db_->Connect();
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    connection_.emplace(std::move(connection).value());
    clock_.Set(ToEpochMillis(std::chrono::system_clock::now()));
  }
  void TearDown() override {
    connection_.reset();
    db_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string Root(const std::string& name = "t") { return (dir_ / name).string(); }
  DeltaTable Table(const std::string& name = "t") {
    return DeltaTable(Root(name), file_system_, clock_);
  }

  WriteResult MustWrite(DeltaTable& table, const std::string& sql, WriteOptions options) {
    auto result = table.Write(*connection_, sql, options);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    clock_.Advance(std::chrono::seconds(1));
    return result.ok() ? *result : WriteResult{};
  }

  void Exec(const std::string& sql) {
    Status status = connection_->Execute(sql);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  int64_t Count(const std::string& sql) {
    auto result = connection_->Query(sql);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? result->GetInt64(0, 0).value_or(-1) : -1;
  }

  std::string String(const std::string& sql) {
    auto result = connection_->Query(sql);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() && result->row_count() > 0 ? result->GetString(0, 0).value_or("NULL") : "";
  }

  // Registers the table at `version` as view t.v.
  void View(DeltaTable& table, VersionSpec spec = {}, const FileFilter& filter = FileFilter()) {
    auto snapshot = table.Load(*connection_, spec);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
    Status status = table.CreateView(*connection_, *snapshot, "t", "v", filter);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  // The view t.v holds exactly the rows of `expected` (a query), as multisets over `columns`.
  void ExpectViewEquals(const std::string& expected, const std::string& columns = "*") {
    const std::string view = "SELECT " + columns + " FROM t.v";
    const std::string want = "SELECT " + columns + " FROM (" + expected + ")";
    EXPECT_EQ(Count("SELECT count(*) FROM t.v"), Count("SELECT count(*) FROM (" + expected + ")"));
    EXPECT_EQ(Count("SELECT count(*) FROM (" + view + " EXCEPT ALL " + want + ")"), 0);
    EXPECT_EQ(Count("SELECT count(*) FROM (" + want + " EXCEPT ALL " + view + ")"), 0);
  }

  fs::path dir_;
  LocalFileSystem file_system_;
  FakeClock clock_;
  std::optional<engine::Database> db_;
  std::optional<engine::Connection> connection_;
};

constexpr const char* kRowsV0 =
    "SELECT * FROM (VALUES (1::BIGINT, 'EU', 10.50::DECIMAL(10,2), TIMESTAMPTZ '2025-01-01 "
    "10:00:00+00'),"
    " (2, 'EU', 20.00, TIMESTAMPTZ '2025-01-02 11:30:00.123456+00'),"
    " (3, 'US', 5.25, TIMESTAMPTZ '2025-01-03 09:15:00+00')) AS r(id, region, amount, ts)";

TEST_F(DeltaTableTest, EveryVersionReadsBackWhatWasWritten) {
  DeltaTable table = Table();
  Exec(std::string("CREATE TABLE v0 AS ") + kRowsV0);
  MustWrite(table, "SELECT * FROM v0",
            {.mode = WriteMode::kCreate, .partition_columns = {"region"}});
  // v1: append (one new partition)
  Exec(
      "CREATE TABLE batch1 AS SELECT * FROM (VALUES (4::BIGINT, 'US', 1.00::DECIMAL(10,2), "
      "TIMESTAMPTZ '2025-02-01 00:00:00+00'), (5, 'AF', NULL, NULL)) AS r(id, region, amount, ts)");
  MustWrite(table, "SELECT * FROM batch1", {.mode = WriteMode::kAppend});
  Exec("CREATE TABLE v1 AS SELECT * FROM v0 UNION ALL SELECT * FROM batch1");
  // v2: replace partition EU
  Exec(
      "CREATE TABLE eu AS SELECT * FROM (VALUES (6::BIGINT, 'EU', 7.75::DECIMAL(10,2), "
      "TIMESTAMPTZ '2025-01-04 08:00:00+00')) AS r(id, region, amount, ts)");
  MustWrite(table, "SELECT * FROM eu",
            {.mode = WriteMode::kReplacePartitions, .replace_partitions = {{{"region", "EU"}}}});
  Exec("CREATE TABLE v2 AS SELECT * FROM v1 WHERE region <> 'EU' UNION ALL SELECT * FROM eu");
  // v3: overwrite (different columns order and a new column)
  Exec("CREATE TABLE v3 AS SELECT 'x' AS region, 9::BIGINT AS id, 1.5::DOUBLE AS score");
  MustWrite(table, "SELECT * FROM v3", {.mode = WriteMode::kOverwrite, .partition_columns = {}});

  for (int version = 0; version <= 3; ++version) {
    SCOPED_TRACE(version);
    View(table, {.version = version});
    ExpectViewEquals("SELECT * FROM v" + std::to_string(version),
                     version == 3 ? "id, region, score" : "id, region, amount, ts");
  }
  // The view's columns are the table's, with their Delta types mapped back.
  View(table, {.version = 0});
  EXPECT_EQ(String("SELECT string_agg(column_name || ' ' || data_type, ', ') FROM "
                   "information_schema.columns WHERE table_schema = 't' AND table_name = 'v'"),
            "id BIGINT, region VARCHAR, amount DECIMAL(10,2), ts TIMESTAMP WITH TIME ZONE");
}

TEST_F(DeltaTableTest, LogEntriesCarryWhatTheProtocolRequires) {
  DeltaTable table = Table();
  MustWrite(table, kRowsV0,
            {.mode = WriteMode::kCreate,
             .partition_columns = {"region"},
             .transactions = {{"loader", 1, {}}}});
  auto lines = ReadLines(Commit(Root(), 0));
  ASSERT_EQ(lines.size(), 6u);  // commitInfo, protocol, metaData, 2 adds, txn
  ASSERT_TRUE(lines[0].contains("commitInfo"));
  const json& info = lines[0]["commitInfo"];
  EXPECT_TRUE(info["timestamp"].is_number_integer());
  EXPECT_EQ(info["operation"], "WRITE");
  EXPECT_EQ(info["operationParameters"]["mode"], "ErrorIfExists");
  EXPECT_EQ(info["operationParameters"]["partitionBy"], "[\"region\"]");
  EXPECT_EQ(info["isBlindAppend"], true);
  EXPECT_EQ(lines[1], json::parse(R"j({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})j"));
  const json& meta = lines[2]["metaData"];
  EXPECT_EQ(meta["format"], json::parse(R"j({"provider":"parquet","options":{}})j"));
  EXPECT_EQ(meta["partitionColumns"], json::parse(R"j(["region"])j"));
  EXPECT_EQ(meta["configuration"], json::object());
  EXPECT_TRUE(meta["createdTime"].is_number_integer());
  EXPECT_EQ(meta["id"].get<std::string>().size(), 36u);
  EXPECT_EQ(
      meta["schemaString"],
      R"j({"fields":[{"metadata":{},"name":"id","nullable":true,"type":"long"},)j"
      R"j({"metadata":{},"name":"region","nullable":true,"type":"string"},)j"
      R"j({"metadata":{},"name":"amount","nullable":true,"type":"decimal(10,2)"},)j"
      R"j({"metadata":{},"name":"ts","nullable":true,"type":"timestamp"}],"type":"struct"})j");
  std::map<std::string, json> adds;
  for (size_t i = 3; i < 5; ++i) {
    const json& add = lines[i]["add"];
    ASSERT_TRUE(add.is_object()) << lines[i];
    adds[add["partitionValues"]["region"]] = add;
    EXPECT_TRUE(std::regex_match(
        add["path"].get<std::string>(),
        std::regex("region=(EU|US)/part-00000-[0-9a-f-]{36}\\.c000\\.snappy\\.parquet")))
        << add["path"];
    EXPECT_EQ(add["size"].get<int64_t>(),
              static_cast<int64_t>(fs::file_size(Root() + "/" + add["path"].get<std::string>())));
    EXPECT_TRUE(add["modificationTime"].is_number_integer());
    EXPECT_EQ(add["dataChange"], true);
  }
  EXPECT_EQ(
      json::parse(adds["EU"]["stats"].get<std::string>()),
      json::parse(
          R"j({"numRecords":2,"minValues":{"id":1,"amount":10.50,"ts":"2025-01-01T10:00:00.000Z"},)j"
          R"j("maxValues":{"id":2,"amount":20.00,"ts":"2025-01-02T11:30:00.123Z"},)j"
          R"j("nullCount":{"id":0,"amount":0,"ts":0}})j"));
  // Decimals are written verbatim, never through a double.
  EXPECT_NE(adds["EU"]["stats"].get<std::string>().find("\"amount\":10.50"), std::string::npos);
  EXPECT_EQ(lines[5]["txn"]["appId"], "loader");
  EXPECT_EQ(lines[5]["txn"]["version"], 1);
  EXPECT_TRUE(lines[5]["txn"]["lastUpdated"].is_number_integer());

  // A replace writes removes byte-identical to the adds, with the tombstone fields.
  MustWrite(
      table,
      "SELECT 7::BIGINT AS id, 'EU' AS region, 1::DECIMAL(10,2) AS amount, NULL::TIMESTAMPTZ AS ts",
      {.mode = WriteMode::kReplacePartitions, .replace_partitions = {{{"region", "EU"}}}});
  auto replaced = ReadLines(Commit(Root(), 1));
  ASSERT_TRUE(replaced[1].contains("remove")) << replaced[1];
  const json& remove = replaced[1]["remove"];
  EXPECT_EQ(remove["path"], adds["EU"]["path"]);
  EXPECT_EQ(remove["dataChange"], true);
  EXPECT_EQ(remove["extendedFileMetadata"], true);
  EXPECT_EQ(remove["size"], adds["EU"]["size"]);
  EXPECT_EQ(remove["partitionValues"], adds["EU"]["partitionValues"]);
  EXPECT_TRUE(remove["deletionTimestamp"].is_number_integer());
  EXPECT_EQ(replaced[0]["commitInfo"]["operationParameters"]["predicate"], "[\"(region = 'EU')\"]");
  EXPECT_EQ(replaced[0]["commitInfo"]["readVersion"], 0);
}

TEST_F(DeltaTableTest, StatisticsFollowTheRules) {
  DeltaTable table = Table();
  const std::string long_text(40, 'z');
  MustWrite(table,
            "SELECT * FROM (VALUES ('a', '" + long_text +
                "', 1.5::DOUBLE, 'nan'::DOUBLE, "
                "TIMESTAMPTZ '2024-05-06 07:08:09.999999+00', DATE '2024-01-31', true, [1, 2]), "
                "('b', 'short', NULL, 1.0, NULL, NULL, NULL, NULL)) AS r(s, long_s, d, nan_d, ts, "
                "day, flag, list)",
            {.mode = WriteMode::kCreate});
  auto lines = ReadLines(Commit(Root(), 0));
  json stats = json::parse(lines.back()["add"]["stats"].get<std::string>());
  EXPECT_EQ(stats["numRecords"], 2);
  EXPECT_EQ(stats["minValues"]["s"], "a");
  EXPECT_EQ(stats["maxValues"]["s"], "b");
  EXPECT_FALSE(stats["minValues"].contains("long_s"));  // over 32 characters
  EXPECT_EQ(stats["minValues"]["d"], 1.5);
  EXPECT_FALSE(stats["minValues"].contains("nan_d"));  // NaN
  EXPECT_FALSE(stats["maxValues"].contains("nan_d"));
  EXPECT_EQ(stats["maxValues"]["ts"], "2024-05-06T07:08:09.999Z");  // truncated to ms
  EXPECT_EQ(stats["minValues"]["day"], "2024-01-31");
  EXPECT_EQ(stats["nullCount"]["d"], 1);
  EXPECT_EQ(stats["nullCount"]["flag"], 1);
  EXPECT_FALSE(stats["nullCount"].contains("list"));
  EXPECT_FALSE(stats["minValues"].contains("flag"));
}

// Statistics come from the Parquet footers (per row group min, max and null count), and a file is
// read only when its footer cannot give exactly the rules' answer. Rows 0..19999 in one file of
// two row groups (16,384 rows each at a 1 MB target); the special values sit in different row
// groups. Expected figures by hand from the generating expressions.
TEST_F(DeltaTableTest, StatisticsFromFootersFollowTheRules) {
  const std::string footer_columns =
      "i::BIGINT AS id, CASE WHEN i = 0 THEN 0.1 ELSE i / 4.0 + 1 END::DOUBLE AS d, "
      "'k' || lpad(i::VARCHAR, 5, '0') AS s, "
      // A 301-character value in the second row group: its truncated maximum stays under 'c'.
      "CASE WHEN i = 18000 THEN 'b' || repeat('y', 300) WHEN i = 100 THEN 'c' ELSE 'a' || i END "
      "AS hidden_long, "
      // The least value is 300 characters: truncated in the footer, over the 32 kept.
      "CASE WHEN i = 7 THEN repeat('a', 300) ELSE 'q' || i END AS long_min, "
      "NULL::INTEGER AS nothing, CASE WHEN i >= 15000 THEN NULL ELSE i END::INTEGER AS some_null, "
      "DATE '2024-01-01' + (i % 366)::INTEGER AS day, "
      "TIMESTAMPTZ '2024-05-06 07:08:09.999999+00' + to_microseconds(i) AS ts, "
      "CAST(i * 0.01 AS DECIMAL(10,2)) AS amount, i % 2 = 0 AS flag";
  const std::string read_columns =
      // NaN, an infinity, a greatest value DuckDB cannot truncate (non-ASCII bytes only).
      "CASE WHEN i = 18000 THEN 'nan'::DOUBLE ELSE i END AS nan_d, "
      "CASE WHEN i = 3 THEN '-inf'::DOUBLE ELSE i END AS inf_d, "
      "CASE WHEN i = 17000 THEN repeat('é', 200) ELSE 'x' || i END AS wide_max";
  auto check = [&](DeltaTable& table, const std::string& select, int64_t files_read) {
    auto written =
        table.Write(*connection_, select,
                    {.target_file_size = 1024 * 1024, .footer_statistics_minimum_bytes = 0});
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    ASSERT_EQ(written->files_added, 1);
    EXPECT_EQ(written->files_read_for_statistics, files_read);
    auto snapshot = table.Load(*connection_);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
    const AddFile& add = snapshot->files.begin()->second;
    EXPECT_EQ(Count("SELECT count(*) FROM parquet_metadata('" +
                    snapshot->FilePath(snapshot->files.begin()->first) + "') WHERE column_id = 0"),
              2);
    ASSERT_TRUE(add.stats.has_value());
    const std::string& text = *add.stats;
    json stats = json::parse(text);
    EXPECT_EQ(stats["numRecords"], 20000);
    EXPECT_EQ(stats["minValues"]["id"], 0);
    EXPECT_EQ(stats["maxValues"]["id"], 19999);
    EXPECT_EQ(stats["minValues"]["d"], 0.1);
    EXPECT_EQ(stats["maxValues"]["d"], 5000.75);
    EXPECT_EQ(stats["minValues"]["s"], "k00000");
    EXPECT_EQ(stats["maxValues"]["s"], "k19999");
    EXPECT_EQ(stats["minValues"]["hidden_long"], "a0");
    EXPECT_EQ(stats["maxValues"]["hidden_long"], "c");
    EXPECT_FALSE(stats["minValues"].contains("long_min"));
    EXPECT_FALSE(stats["maxValues"].contains("long_min"));
    EXPECT_EQ(stats["nullCount"]["nothing"], 20000);
    EXPECT_FALSE(stats["minValues"].contains("nothing"));
    EXPECT_EQ(stats["nullCount"]["some_null"], 5000);
    EXPECT_EQ(stats["minValues"]["some_null"], 0);
    EXPECT_EQ(stats["maxValues"]["some_null"], 14999);
    EXPECT_EQ(stats["minValues"]["day"], "2024-01-01");
    EXPECT_EQ(stats["maxValues"]["day"], "2024-12-31");
    EXPECT_EQ(stats["minValues"]["ts"], "2024-05-06T07:08:09.999Z");
    EXPECT_EQ(stats["maxValues"]["ts"], "2024-05-06T07:08:10.019Z");  // .019998, to ms
    EXPECT_NE(text.find("\"amount\":0.00"), std::string::npos) << text;
    EXPECT_NE(text.find("\"amount\":199.99"), std::string::npos) << text;
    EXPECT_EQ(stats["nullCount"]["flag"], 0);
    EXPECT_FALSE(stats["minValues"].contains("flag"));
    EXPECT_EQ(stats["nullCount"]["id"], 0);
    if (files_read == 0) return;
    EXPECT_FALSE(stats["minValues"].contains("nan_d"));
    EXPECT_FALSE(stats["maxValues"].contains("nan_d"));
    EXPECT_EQ(stats["nullCount"]["nan_d"], 0);
    EXPECT_FALSE(stats["minValues"].contains("inf_d"));
    EXPECT_FALSE(stats["maxValues"].contains("inf_d"));
    EXPECT_FALSE(stats["minValues"].contains("wide_max"));
    EXPECT_FALSE(stats["maxValues"].contains("wide_max"));
  };
  const std::string rows = " FROM (SELECT range AS i FROM range(20000) ORDER BY range)";
  DeltaTable from_footers = Table("footers");
  check(from_footers, "SELECT " + footer_columns + rows, 0);
  DeltaTable read = Table("read");
  check(read, "SELECT " + footer_columns + ", " + read_columns + rows, 1);
  // A small write (under 16 MB by default) is read whole.
  auto small = Table("small").Write(*connection_, "SELECT 1 AS x", {});
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(small->files_read_for_statistics, 1);
}

TEST_F(DeltaTableTest, TxnMakesRecommitsNoOps) {
  DeltaTable table = Table();
  auto first = MustWrite(table, "SELECT 1::BIGINT AS id", {.transactions = {{"run-a", 1, {}}}});
  EXPECT_FALSE(first.already_committed);
  auto again = MustWrite(table, "SELECT 1::BIGINT AS id", {.transactions = {{"run-a", 1, {}}}});
  EXPECT_TRUE(again.already_committed);
  EXPECT_EQ(again.version, 0);
  auto older = MustWrite(table, "SELECT 1::BIGINT AS id", {.transactions = {{"run-a", 0, {}}}});
  EXPECT_TRUE(older.already_committed);
  // Two appIds share one commit.
  auto shared = MustWrite(table, "SELECT 2::BIGINT AS id",
                          {.transactions = {{"run-a", 2, {}}, {"run-b", 7, {}}}});
  EXPECT_EQ(shared.version, 1);
  auto snapshot = table.Load(*connection_);
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->TransactionVersion("run-a"), 2);
  EXPECT_EQ(snapshot->TransactionVersion("run-b"), 7);
  View(table);
  EXPECT_EQ(Count("SELECT count(*) FROM t.v"), 2);
  // A batch whose txns are partly committed is refused, not half applied.
  auto partial = table.Write(*connection_, "SELECT 3::BIGINT AS id",
                             {.transactions = {{"run-a", 2, {}}, {"run-c", 1, {}}}});
  EXPECT_EQ(partial.status().code(), StatusCode::kConflict);
}

// before_commit sees the rows as the table will hold them (partition columns included, from the
// files just written) and decides: false or an error abandons the write, its files deleted.
TEST_F(DeltaTableTest, BeforeCommitSeesTheWrittenRowsAndMayAbandonTheWrite) {
  DeltaTable table = Table();
  MustWrite(table, kRowsV0, {.mode = WriteMode::kOverwrite, .partition_columns = {"region"}});
  auto parquet_files = [&] {
    int count = 0;
    for (const auto& entry : fs::recursive_directory_iterator(Root())) {
      count += entry.path().extension() == ".parquet" ? 1 : 0;
    }
    return count;
  };
  ASSERT_EQ(parquet_files(), 2);  // EU and US
  const std::string rows_v1 =
      "SELECT id + 10 AS id, region, amount, ts FROM (" + std::string(kRowsV0) + ")";
  std::string seen;
  WriteOptions options{.mode = WriteMode::kOverwrite, .partition_columns = {"region"}};
  options.before_commit = [&](const std::string& written) -> Result<bool> {
    seen = String("SELECT string_agg(id || ':' || region, ',' ORDER BY id) FROM (" + written + ")");
    return false;
  };
  WriteResult abandoned = MustWrite(table, rows_v1, options);
  EXPECT_TRUE(abandoned.abandoned);
  EXPECT_EQ(abandoned.version, 0);
  EXPECT_EQ(seen, "11:EU,12:EU,13:US");
  EXPECT_EQ(parquet_files(), 2);
  View(table);
  ExpectViewEquals(kRowsV0);

  options.before_commit = [&](const std::string&) -> Result<bool> { return InvalidArgument("no"); };
  auto failed = table.Write(*connection_, rows_v1, options);
  EXPECT_EQ(failed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parquet_files(), 2);

  options.before_commit = [&](const std::string&) -> Result<bool> { return true; };
  WriteResult committed = MustWrite(table, rows_v1, options);
  EXPECT_FALSE(committed.abandoned);
  EXPECT_EQ(committed.version, 1);
  EXPECT_EQ(parquet_files(), 4);
  View(table);
  ExpectViewEquals(rows_v1);
}

// Lists a checkpoint's Parquet schema as "path type converted repetition", one per leaf or group.
std::map<std::string, std::string> CheckpointSchema(engine::Connection& connection,
                                                    const std::string& file,
                                                    std::vector<std::string>* order) {
  auto result = connection.Query(
      "SELECT name, coalesce(type, ''), coalesce(converted_type, ''), coalesce(repetition_type, "
      "''), "
      "coalesce(num_children, 0) FROM parquet_schema('" +
      file + "')");
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  std::map<std::string, std::string> fields;
  std::vector<std::pair<std::string, int64_t>> stack;  // (path, children left)
  for (size_t row = 0; result.ok() && row < result->row_count(); ++row) {
    std::string name = *result->GetString(0, row);
    int64_t children = *result->GetInt64(4, row);
    std::string path = stack.empty() ? "" : stack.back().first + "/" + name;
    if (!stack.empty()) {
      --stack.back().second;
    }
    if (row > 0) {
      std::string type = *result->GetString(1, row);
      std::string converted = *result->GetString(2, row);
      // INT_32/INT_64 annotations on INT32/INT64 say what the physical type already says (signed).
      if ((type == "INT64" && converted == "INT_64") ||
          (type == "INT32" && converted == "INT_32")) {
        converted = "";
      }
      fields[path] = type + " " + converted + " " + *result->GetString(3, row);
      order->push_back(path);
    }
    if (children > 0) {
      stack.push_back({path, children});
    }
    while (!stack.empty() && stack.back().second == 0) {
      stack.pop_back();
    }
  }
  return fields;
}

TEST_F(DeltaTableTest, CheckpointEveryTenCommitsWithSparksSchema) {
  DeltaTable table = Table();
  for (int i = 0; i <= 10; ++i) {
    MustWrite(table,
              "SELECT " + std::to_string(i) + "::BIGINT AS id, 'p' || (" + std::to_string(i) +
                  " % 2) AS part",
              {.partition_columns = {"part"}, .transactions = {{"app", i, {}}}});
  }
  const std::string checkpoint = Root() + "/_delta_log/00000000000000000010.checkpoint.parquet";
  ASSERT_TRUE(fs::exists(checkpoint));
  auto last = json::parse(std::ifstream(Root() + "/_delta_log/_last_checkpoint"));
  EXPECT_EQ(last["version"], 10);
  EXPECT_EQ(last["numOfAddFiles"], 11);
  EXPECT_EQ(last["size"], 1 + 1 + 1 + 11);  // protocol, metaData, txn, adds
  EXPECT_EQ(last["sizeInBytes"], static_cast<int64_t>(fs::file_size(checkpoint)));

  // Field by field against Spark's checkpoints: same path, physical type, annotation, repetition,
  // and the same order among siblings.
  std::vector<std::string> ours_order;
  auto ours = CheckpointSchema(*connection_, checkpoint, &ours_order);
  ASSERT_FALSE(ours.empty());
  for (const char* spark_case : {"checkpoint", "basic-with-inserts-deletes-checkpoint"}) {
    SCOPED_TRACE(spark_case);
    std::vector<std::string> spark_order;
    auto spark = CheckpointSchema(*connection_,
                                  kData + "/kernel-rs-golden/" + spark_case +
                                      "/delta/_delta_log/00000000000000000010.checkpoint.parquet",
                                  &spark_order);
    for (const auto& [path, description] : ours) {
      ASSERT_TRUE(spark.contains(path)) << path << " is not in Spark's checkpoint";
      EXPECT_EQ(description, spark[path]) << path;
    }
    size_t next = 0;
    for (const auto& path : ours_order) {
      auto it = std::find(spark_order.begin() + next, spark_order.end(), path);
      ASSERT_NE(it, spark_order.end()) << path << " is out of Spark's order";
      next = static_cast<size_t>(it - spark_order.begin()) + 1;
    }
  }
  EXPECT_TRUE(ours.contains("/add/partitionValues/key_value/key"));
  EXPECT_TRUE(ours.contains("/metaData/partitionColumns/list/element"));

  // The checkpoint alone rebuilds the state: without commits 0..9 the table still reads.
  for (int version = 0; version < 10; ++version) {
    fs::remove(Commit(Root(), version));
  }
  auto snapshot = table.Load(*connection_);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  EXPECT_EQ(snapshot->version, 10);
  EXPECT_EQ(snapshot->files.size(), 11u);
  EXPECT_EQ(snapshot->TransactionVersion("app"), 10);
  View(table);
  EXPECT_EQ(Count("SELECT sum(id) FROM t.v"), 55);
  EXPECT_EQ(Count("SELECT count(*) FROM t.v WHERE part = 'p1'"), 5);

  // Without _last_checkpoint the log is listed.
  fs::remove(Root() + "/_delta_log/_last_checkpoint");
  MustWrite(table, "SELECT 11::BIGINT AS id, 'p1' AS part", {});
  auto listed = table.Load(*connection_);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->version, 11);
  EXPECT_EQ(listed->files.size(), 12u);

  // _last_checkpoint only moves forward.
  for (int i = 12; i <= 20; ++i) {
    MustWrite(table, "SELECT 1::BIGINT AS id, 'p0' AS part", {});
  }
  EXPECT_EQ(json::parse(std::ifstream(Root() + "/_delta_log/_last_checkpoint"))["version"], 20);
  fs::remove(checkpoint);
  Status rewritten = table.log().WriteCheckpoint(*connection_, *snapshot);  // version 10
  ASSERT_TRUE(rewritten.ok()) << rewritten.ToString();
  EXPECT_TRUE(fs::exists(checkpoint));
  EXPECT_EQ(json::parse(std::ifstream(Root() + "/_delta_log/_last_checkpoint"))["version"], 20);
}

TEST_F(DeltaTableTest, ReadsMultiPartCheckpoints) {
  DeltaTable table = Table();
  for (int i = 0; i < 10; ++i) {
    MustWrite(table, "SELECT " + std::to_string(i) + "::BIGINT AS id",
              {.checkpoint_interval = 1000});
  }
  ASSERT_FALSE(fs::exists(Root() + "/_delta_log/00000000000000000009.checkpoint.parquet"));
  // Build a classic checkpoint at 9, then split its rows into a two-part checkpoint and drop the
  // classic one and the commits it covers: only the multi-part checkpoint can rebuild the table.
  auto snapshot = table.Load(*connection_);
  ASSERT_TRUE(snapshot.ok());
  ASSERT_TRUE(table.log().WriteCheckpoint(*connection_, *snapshot).ok());
  const std::string log = Root() + "/_delta_log/";
  const std::string classic = log + "00000000000000000009.checkpoint.parquet";
  Exec("COPY (SELECT * FROM read_parquet('" + classic + "') WHERE add IS NULL) TO '" + log +
       "00000000000000000009.checkpoint.0000000001.0000000002.parquet' (FORMAT PARQUET)");
  Exec("COPY (SELECT * FROM read_parquet('" + classic + "') WHERE add IS NOT NULL) TO '" + log +
       "00000000000000000009.checkpoint.0000000002.0000000002.parquet' (FORMAT PARQUET)");
  fs::remove(classic);
  fs::remove(log + "_last_checkpoint");
  for (int version = 0; version <= 9; ++version) {
    fs::remove(Commit(Root(), version));
  }
  auto loaded = table.Load(*connection_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->version, 9);
  EXPECT_EQ(loaded->files.size(), 10u);
  View(table);
  EXPECT_EQ(Count("SELECT sum(id) FROM t.v"), 45);
  // An incomplete multi-part checkpoint is not used.
  fs::remove(log + "00000000000000000009.checkpoint.0000000002.0000000002.parquet");
  EXPECT_FALSE(table.Load(*connection_).ok());
}

TEST_F(DeltaTableTest, TimeTravelByTimestampAcrossPartitionChanges) {
  DeltaTable table = Table();
  const int64_t start = ToEpochMillis(clock_.Now());
  MustWrite(table, "SELECT 1::BIGINT AS id, 2023 AS year", {.partition_columns = {"year"}});
  MustWrite(table, "SELECT 2::BIGINT AS id, 2024 AS year", {});
  MustWrite(table, "SELECT 3::BIGINT AS id, 'x' AS kind",
            {.mode = WriteMode::kOverwrite, .partition_columns = {"kind"}});
  // Commits are 1 s apart on the fake clock.
  View(table, {.timestamp_ms = start + 1500});
  ExpectViewEquals("SELECT * FROM (VALUES (1::BIGINT, 2023), (2, 2024)) AS r(id, year)");
  View(table, {.timestamp_ms = start + 10});
  ExpectViewEquals("SELECT 1::BIGINT AS id, 2023 AS year");
  View(table, {.timestamp_ms = start + 5000});
  ExpectViewEquals("SELECT 3::BIGINT AS id, 'x' AS kind");
  auto before = table.Load(*connection_, {.timestamp_ms = start - 1});
  EXPECT_EQ(before.status().code(), StatusCode::kNotFound);
  auto history = table.History();
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].version, 2);
  EXPECT_EQ((*history)[0].operation_parameters.at("mode"), "Overwrite");
  EXPECT_EQ((*history)[0].rows_added, 1);
  EXPECT_EQ((*history)[0].rows_removed, 2);
  EXPECT_EQ((*history)[0].files_removed, 2);
  EXPECT_EQ((*history)[2].timestamp_ms, start);
}

TEST_F(DeltaTableTest, FiltersSkipFilesByPartitionAndStatistics) {
  DeltaTable table = Table();
  for (int year = 2020; year <= 2023; ++year) {
    MustWrite(table,
              "SELECT (range + " + std::to_string(year * 100) + ")::BIGINT AS id, " +
                  std::to_string(year) + " AS year, 'v' || range AS name FROM range(10)",
              {.partition_columns = {"year"}});
  }
  auto snapshot = table.Load(*connection_);
  ASSERT_TRUE(snapshot.ok());
  auto kept = [&](const FileFilter& filter) {
    int count = 0;
    for (const auto& [path, add] : snapshot->files) {
      count += filter.MayMatch(add, snapshot->schema, snapshot->metadata.partition_columns) ? 1 : 0;
    }
    return count;
  };
  EXPECT_EQ(kept(FileFilter({{"year", CompareOp::kEqual, {"2021"}}})), 1);
  EXPECT_EQ(kept(FileFilter({{"year", CompareOp::kGreaterOrEqual, {"2022"}}})), 2);
  EXPECT_EQ(kept(FileFilter({{"year", CompareOp::kIn, {"2020", "2023"}}})), 2);
  EXPECT_EQ(kept(FileFilter({{"id", CompareOp::kLess, {"202100"}}})), 1);
  EXPECT_EQ(kept(FileFilter({{"id", CompareOp::kEqual, {"202205"}}})), 1);
  EXPECT_EQ(kept(FileFilter({{"id", CompareOp::kGreater, {"999999"}}})), 0);
  EXPECT_EQ(kept(FileFilter({{"name", CompareOp::kEqual, {"zz"}}})), 0);
  EXPECT_EQ(kept(FileFilter({{"id", CompareOp::kIsNull, {}}})), 0);
  EXPECT_EQ(kept(FileFilter({{"unknown", CompareOp::kEqual, {"1"}}})), 4);
  // The filtered view returns the same answer as the full one for the filter's rows.
  View(table, {}, FileFilter({{"year", CompareOp::kEqual, {"2021"}}}));
  EXPECT_EQ(Count("SELECT count(*) FROM t.v WHERE year = 2021"), 10);
  EXPECT_EQ(Count("SELECT count(*) FROM t.v"), 10);
}

TEST_F(DeltaTableTest, EmptyTableReadsAsZeroRowsWithItsSchema) {
  DeltaTable table = Table();
  MustWrite(table, "SELECT 1::BIGINT AS id, 'a' AS region", {.partition_columns = {"region"}});
  MustWrite(table, "SELECT 1::BIGINT AS id, 'a' AS region WHERE false",
            {.mode = WriteMode::kReplacePartitions, .replace_partitions = {{{"region", "a"}}}});
  View(table);
  EXPECT_EQ(Count("SELECT count(*) FROM t.v"), 0);
  EXPECT_EQ(String("SELECT string_agg(column_name || ' ' || data_type, ', ') FROM "
                   "information_schema.columns WHERE table_schema = 't' AND table_name = 'v'"),
            "id BIGINT, region VARCHAR");
  // CreateEmpty makes a table with no files at all.
  DeltaTable empty = Table("empty");
  auto schema = Schema::FromDuckDb({"a", "b"}, {"INTEGER", "DATE"});
  ASSERT_TRUE(schema.ok());
  ASSERT_TRUE(empty.CreateEmpty(*schema, {}).ok());
  View(empty);
  EXPECT_EQ(Count("SELECT count(*) FROM t.v"), 0);
}

TEST_F(DeltaTableTest, TypesAreWrittenAsSparkReadsThem) {
  DeltaTable table = Table();
  MustWrite(table,
            "SELECT 1::TINYINT AS b, 2::SMALLINT AS s, 3::INTEGER AS i, 4::BIGINT AS l, "
            "5.5::FLOAT AS f, 6.5::DOUBLE AS d, true AS flag, 'x' AS str, '\\x01'::BLOB AS bin, "
            "DATE '2024-02-29' AS day, TIMESTAMP '2024-01-01 12:00:00' AS ts, "
            "TIMESTAMPTZ '2024-01-01 12:00:00+02' AS tstz, 12.30::DECIMAL(5,2) AS dec, "
            "12345678901234567890123456789012345678::HUGEINT AS huge, "
            "18446744073709551615::UBIGINT AS ubig, "
            "200::UTINYINT AS ut, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID AS id, "
            "[1, 2]::INTEGER[] AS list, MAP {'k': 1} AS map, {'x': 1, 'y': 'z'} AS st",
            {.mode = WriteMode::kCreate});
  auto snapshot = table.Load(*connection_);
  ASSERT_TRUE(snapshot.ok());
  std::string types;
  for (const auto& field : snapshot->schema.fields()) {
    types += field.name + ":" + DeltaTypeName(field.type) + " ";
  }
  EXPECT_EQ(types,
            "b:byte s:short i:integer l:long f:float d:double flag:boolean str:string bin:binary "
            "day:date ts:timestamp tstz:timestamp dec:decimal(5,2) huge:decimal(38,0) "
            "ubig:decimal(38,0) ut:short id:string list:array<integer> map:map<string,integer> "
            "st:struct<x:integer,y:string> ");
  // The Parquet file holds UTC-adjusted timestamps and no HUGEINT/unsigned/UUID columns.
  const std::string file = snapshot->FilePath(snapshot->files.begin()->first);
  EXPECT_EQ(Count("SELECT count(*) FROM parquet_schema('" + file +
                  "') WHERE name IN ('ts', 'tstz') "
                  "AND logical_type LIKE '%isAdjustedToUTC=1%'"),
            2);
  EXPECT_EQ(Count("SELECT count(*) FROM parquet_schema('" + file +
                  "') WHERE converted_type LIKE 'UINT%' "
                  "OR logical_type LIKE '%UUID%' OR (name = 'huge' AND type = 'DOUBLE')"),
            0);
  View(table);
  EXPECT_EQ(String("SELECT huge::VARCHAR FROM t.v"), "12345678901234567890123456789012345678");
  EXPECT_EQ(String("SELECT ts::VARCHAR FROM t.v"), "2024-01-01 12:00:00+00");
  EXPECT_EQ(String("SELECT tstz::VARCHAR FROM t.v"), "2024-01-01 10:00:00+00");
  EXPECT_EQ(String("SELECT st.y FROM t.v"), "z");
  EXPECT_EQ(String("SELECT map['k'] FROM t.v"), "1");
  // Types with no Delta equivalent are refused by name.
  auto refused = Table("bad").Write(*connection_, "SELECT INTERVAL 1 DAY AS span", {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(refused.status().message().find("\"span\""), std::string::npos);
  EXPECT_NE(refused.status().message().find("INTERVAL"), std::string::npos);
  EXPECT_FALSE(fs::exists(Root("bad") + "/_delta_log"));
}

TEST_F(DeltaTableTest, SpecialCharactersInPartitionValues) {
  DeltaTable table = Table();
  MustWrite(table,
            "SELECT * FROM (VALUES (1::BIGINT, 'a/b'), (2, 'x y'), (3, 'p%q=r:s'), (4, NULL), (5, "
            "'é+#')) "
            "AS r(id, p)",
            {.partition_columns = {"p"}});
  auto lines = ReadLines(Commit(Root(), 0));
  std::set<std::string> paths;
  for (const auto& line : lines) {
    if (line.contains("add")) {
      std::string path = line["add"]["path"];
      paths.insert(path.substr(0, path.find('/')));
      auto decoded = UriDecodePath(path);
      ASSERT_TRUE(decoded.ok());
      EXPECT_TRUE(fs::exists(Root() + "/" + *decoded)) << path;
    }
  }
  EXPECT_EQ(paths, (std::set<std::string>{"p=a%252Fb", "p=x%20y", "p=p%2525q%253Dr%253As",
                                          "p=__HIVE_DEFAULT_PARTITION__", "p=%C3%A9+%2523"}));
  View(table);
  ExpectViewEquals(
      "SELECT * FROM (VALUES (1::BIGINT, 'a/b'), (2, 'x y'), (3, 'p%q=r:s'), (4, NULL), "
      "(5, 'é+#')) AS r(id, p)");
}

// One COPY ... PARTITION_BY writes every partition: each tuple of several columns (NULL and ''
// apart, a date rendered as the log writes it) gets its own folder and files, and a replace
// rewrites only its partitions.
TEST_F(DeltaTableTest, SeveralPartitionColumnsInOneWrite) {
  DeltaTable table = Table();
  const std::string rows =
      "SELECT * FROM (VALUES (1::BIGINT, 'a', DATE '2024-01-31'), (2, 'a', NULL), "
      "(3, '', DATE '2024-01-31'), (4, NULL, DATE '2024-01-31'), (5, 'a', DATE '2024-01-31')) "
      "AS r(id, p, d)";
  auto written = MustWrite(table, rows, {.partition_columns = {"p", "d"}});
  EXPECT_EQ(written.files_added, 4);
  EXPECT_EQ(written.rows_written, 5);
  auto snapshot = table.Load(*connection_);
  ASSERT_TRUE(snapshot.ok());
  std::set<std::string> partitions;  // each file's partition values, NULL as "null"
  for (const auto& [path, add] : snapshot->files) {
    std::string text;
    for (const auto& [column, value] : add.partition_values) {
      text += column + "=" + (value ? "'" + *value + "'" : std::string("null")) + " ";
    }
    partitions.insert(text);
  }
  EXPECT_EQ(partitions, (std::set<std::string>{"d='2024-01-31' p='a' ", "d=null p='a' ",
                                               "d='2024-01-31' p='' ", "d='2024-01-31' p=null "}));
  View(table);
  ExpectViewEquals(rows);
  auto replaced = MustWrite(table, "SELECT 6::BIGINT AS id, 'a' AS p, DATE '2024-01-31' AS d",
                            {.mode = WriteMode::kReplacePartitions,
                             .replace_partitions = {{{"p", "a"}, {"d", "2024-01-31"}}}});
  EXPECT_EQ(replaced.files_removed, 1);
  EXPECT_EQ(replaced.files_added, 1);
  View(table);
  ExpectViewEquals(
      "SELECT * FROM (VALUES (6::BIGINT, 'a', DATE '2024-01-31'), (2, 'a', NULL), "
      "(3, '', DATE '2024-01-31'), (4, NULL, DATE '2024-01-31')) AS r(id, p, d)");
}

// One integral partition column is the write's key itself (no text per row): NULL, a negative and
// a large value each get their own folder and log value, and a replace finds its partition.
TEST_F(DeltaTableTest, AnIntegralPartitionColumnKeysTheWriteByItsValue) {
  DeltaTable table = Table();
  const std::string rows =
      "SELECT * FROM (VALUES (1::BIGINT, 2024), (2, NULL), (3, -5), (4, 2024), "
      "(5, 2147483647)) AS r(id, year)";
  auto written = MustWrite(table, rows, {.partition_columns = {"year"}});
  EXPECT_EQ(written.files_added, 4);
  EXPECT_EQ(written.rows_written, 5);
  auto snapshot = table.Load(*connection_);
  ASSERT_TRUE(snapshot.ok());
  std::set<std::string> partitions;
  for (const auto& [path, add] : snapshot->files) {
    auto value = add.partition_values.at("year");
    partitions.insert(value ? *value : "null");
    EXPECT_EQ(path.rfind(value ? "year=" + *value + "/" : "year=__HIVE_DEFAULT_PARTITION__/", 0),
              0u)
        << path;
  }
  EXPECT_EQ(partitions, (std::set<std::string>{"2024", "null", "-5", "2147483647"}));
  View(table);
  ExpectViewEquals(rows);
  auto replaced =
      MustWrite(table, "SELECT 6::BIGINT AS id, -5 AS year",
                {.mode = WriteMode::kReplacePartitions, .replace_partitions = {{{"year", "-5"}}}});
  EXPECT_EQ(replaced.files_removed, 1);
  EXPECT_EQ(replaced.files_added, 1);
  View(table);
  ExpectViewEquals(
      "SELECT * FROM (VALUES (1::BIGINT, 2024), (2, NULL), (6, -5), (4, 2024), "
      "(5, 2147483647)) AS r(id, year)");
}

TEST_F(DeltaTableTest, LargeWritesSplitIntoTargetSizedFiles) {
  DeltaTable table = Table();
  auto written = MustWrite(table,
                           "SELECT range AS id, md5(range::VARCHAR) AS digest, range % 3 AS part "
                           "FROM range(150000)",
                           {.partition_columns = {"part"}, .target_file_size = 1024 * 1024});
  EXPECT_GT(written.files_added, 3);  // about 2 MB per partition in 1 MB files
  EXPECT_EQ(written.rows_written, 150000);
  auto snapshot = table.Load(*connection_);
  ASSERT_TRUE(snapshot.ok());
  int64_t records = 0;
  for (const auto& [path, add] : snapshot->files) {
    records += *ParseFileStatistics(add.stats)->num_records;
  }
  EXPECT_EQ(records, 150000);
  View(table);
  EXPECT_EQ(Count("SELECT count(DISTINCT id) FROM t.v"), 150000);
  EXPECT_EQ(Count("SELECT count(*) FROM t.v WHERE part = id % 3"), 150000);
}

TEST_F(DeltaTableTest, RefusesToWriteNewerWriterVersions) {
  DeltaTable table = Table();
  MustWrite(table, "SELECT 1::BIGINT AS id", {});
  std::ofstream(Commit(Root(), 1))
      << R"j({"protocol":{"minReaderVersion":1,"minWriterVersion":4}})j"
      << "\n";
  auto refused = table.Write(*connection_, "SELECT 2::BIGINT AS id", {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(refused.status().message().find("minWriterVersion 4"), std::string::npos)
      << refused.status().ToString();
  View(table);  // reading is fine
  EXPECT_EQ(Count("SELECT count(*) FROM t.v"), 1);
  std::ofstream(Commit(Root(), 2))
      << R"j({"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors"]}})j"
      << "\n";
  auto unreadable = table.Load(*connection_);
  EXPECT_EQ(unreadable.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(unreadable.status().message().find("unsupported table feature 'deletionVectors'"),
            std::string::npos);
}

TEST_F(DeltaTableTest, VacuumKeepsWhatRetainedVersionsNeed) {
  DeltaTable table = Table();
  MustWrite(table, "SELECT 1::BIGINT AS id", {});
  MustWrite(table, "SELECT 2::BIGINT AS id", {.mode = WriteMode::kOverwrite});  // removes file 1
  clock_.Advance(std::chrono::hours(24 * 3));
  MustWrite(table, "SELECT 3::BIGINT AS id", {.mode = WriteMode::kOverwrite});  // removes file 2
  fs::create_directories(Root() + "/.staging-leftover");
  // 3 days after the last overwrite and 8 after the first: only file 1 is beyond the 7-day
  // retention (file 2 is needed by version 1..2, which are within it; file 3 is live).
  clock_.Advance(std::chrono::hours(24 * 5));
  auto snapshot = table.Load(*connection_);
  ASSERT_TRUE(snapshot.ok());
  auto v0 = table.Load(*connection_, {.version = 0});
  ASSERT_TRUE(v0.ok());
  const std::string first_file = v0->files.begin()->first;
  auto dry = table.Vacuum(*connection_, {.dry_run = true});
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  EXPECT_EQ(dry->files, (std::vector<std::string>{".staging-leftover/", first_file}));
  EXPECT_TRUE(fs::exists(Root() + "/" + first_file));
  auto done = table.Vacuum(*connection_, {});
  ASSERT_TRUE(done.ok());
  EXPECT_FALSE(fs::exists(Root() + "/" + first_file));
  EXPECT_FALSE(fs::exists(Root() + "/.staging-leftover"));
  View(table);
  EXPECT_EQ(Count("SELECT sum(id) FROM t.v"), 3);
  View(table, {.version = 1});
  EXPECT_EQ(Count("SELECT sum(id) FROM t.v"), 2);
  // With a zero retention every unreferenced file goes, live ones never.
  auto all = table.Vacuum(*connection_, {.retention = std::chrono::milliseconds(0), .force = true});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->files.size(), 1u);
  View(table);
  EXPECT_EQ(Count("SELECT sum(id) FROM t.v"), 3);
}

TEST_F(DeltaTableTest, OptimizeCompactsWithoutChangingData) {
  DeltaTable table = Table();
  for (int i = 0; i < 6; ++i) {
    MustWrite(table,
              "SELECT range::BIGINT AS id, " + std::to_string(i % 2) +
                  " AS part, 'r' || range AS label FROM range(" + std::to_string(i * 100) + ", " +
                  std::to_string(i * 100 + 100) + ")",
              {.partition_columns = {"part"}});
  }
  View(table);
  Exec("CREATE TABLE before AS SELECT * FROM t.v");
  auto result = table.Optimize(*connection_, {});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_TRUE(result->version.has_value());
  EXPECT_EQ(*result->version, 6);
  EXPECT_EQ(result->files_removed, 6);
  EXPECT_EQ(result->files_added, 2);
  EXPECT_EQ(result->partitions_compacted, 2);
  View(table);
  ExpectViewEquals("SELECT * FROM before");
  for (const auto& line : ReadLines(Commit(Root(), 6))) {
    for (const char* action : {"add", "remove"}) {
      if (line.contains(action)) {
        EXPECT_EQ(line[action]["dataChange"], false);
      }
    }
  }
  auto again = table.Optimize(*connection_, {});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->version.has_value());
}

TEST_F(DeltaTableTest, AppendOnlyTablesRefuseRemovals) {
  DeltaTable table = Table();
  MustWrite(table, "SELECT 1::BIGINT AS id", {.configuration = {{"delta.appendOnly", "true"}}});
  MustWrite(table, "SELECT 2::BIGINT AS id", {});
  auto overwrite =
      table.Write(*connection_, "SELECT 3::BIGINT AS id", {.mode = WriteMode::kOverwrite});
  ASSERT_FALSE(overwrite.ok());
  EXPECT_NE(overwrite.status().message().find("append-only"), std::string::npos);
  auto optimized = table.Optimize(*connection_, {});
  ASSERT_TRUE(optimized.ok()) << optimized.status().ToString();
  View(table);
  EXPECT_EQ(Count("SELECT sum(id) FROM t.v"), 3);
}

TEST_F(DeltaTableTest, AGuardedRewriteReplacesAnAppendOnlyTablesFilesInOneNamedCommit) {
  DeltaTable table = Table();
  MustWrite(table, "SELECT 1::BIGINT AS id, 'ann' AS name",
            {.configuration = {{"delta.appendOnly", "true"}}});
  MustWrite(table, "SELECT 2::BIGINT AS id, 'bob' AS name", {});
  // The schema must stay: a rewrite that adds a column is refused, the table unchanged.
  auto widened = table.Write(*connection_, "SELECT 1::BIGINT AS id, 'x' AS name, 1 AS extra",
                             {.mode = WriteMode::kOverwrite, .rewrite_operation = "PURGE"});
  ASSERT_FALSE(widened.ok());
  EXPECT_NE(widened.status().message().find("keeps the table's schema"), std::string::npos)
      << widened.status().ToString();
  auto rewritten = table.Write(*connection_,
                               "SELECT 1::BIGINT AS id, 'h1' AS name UNION ALL "
                               "SELECT 2::BIGINT, 'h2'",
                               {.mode = WriteMode::kOverwrite, .rewrite_operation = "PURGE"});
  ASSERT_TRUE(rewritten.ok()) << rewritten.status().ToString();
  EXPECT_EQ(rewritten->version, 2);
  EXPECT_EQ(rewritten->files_removed, 2);
  EXPECT_EQ(rewritten->rows_written, 2);
  View(table);
  EXPECT_EQ(Count("SELECT count(*) FROM t.v WHERE name IN ('h1', 'h2')"), 2);
  auto history = table.History();
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->front().operation, "PURGE");
  // Still append-only for every other writer.
  auto overwrite = table.Write(*connection_, "SELECT 3::BIGINT AS id, 'c' AS name",
                               {.mode = WriteMode::kOverwrite});
  ASSERT_FALSE(overwrite.ok());
  EXPECT_NE(overwrite.status().message().find("append-only"), std::string::npos);
}

TEST_F(DeltaTableTest, BadInputLeavesTheTableUnchanged) {
  DeltaTable table = Table();
  MustWrite(table, "SELECT 1::BIGINT AS id, 'a' AS name", {});
  auto expect_unchanged = [&] {
    auto latest = table.log().LatestVersion();
    ASSERT_TRUE(latest.ok());
    EXPECT_EQ(*latest, 0);
  };
  // Schema mismatch names the column and both types.
  auto mismatch = table.Write(*connection_, "SELECT 'x' AS id, 'b' AS name", {});
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(mismatch.status().message().find(
                "column \"id\" is string in the input but long in the table"),
            std::string::npos)
      << mismatch.status().ToString();
  auto missing = table.Write(*connection_, "SELECT 1::BIGINT AS id", {});
  EXPECT_NE(missing.status().message().find("\"name\""), std::string::npos);
  auto extra = table.Write(*connection_, "SELECT 1::BIGINT AS id, 'a' AS name, 2 AS more", {});
  EXPECT_NE(extra.status().message().find("\"more\""), std::string::npos);
  expect_unchanged();
  // Malformed CSV and JSON import sources: the error names the file.
  const std::string csv = (dir_ / "bad.csv").string();
  std::ofstream(csv) << "id,name\n1,a\n2,b,c,d\n\"unterminated\n";
  auto from_csv = ImportFile(*connection_, table, csv, {});
  ASSERT_FALSE(from_csv.ok());
  EXPECT_NE(from_csv.status().message().find("import " + csv), std::string::npos)
      << from_csv.status().ToString();
  EXPECT_NE(from_csv.status().message().find("sniffing file \"" + csv), std::string::npos)
      << from_csv.status().ToString();
  const std::string json_file = (dir_ / "bad.json").string();
  std::ofstream(json_file) << "{\"id\": 1, \"name\": \"a\"}\n{\"id\": 2, \"name\": \n";
  auto from_json = ImportFile(*connection_, table, json_file, {});
  ASSERT_FALSE(from_json.ok());
  EXPECT_NE(from_json.status().message().find("bad.json"), std::string::npos)
      << from_json.status().ToString();
  EXPECT_EQ(ImportSourceQuery((dir_ / "none.csv").string()).status().code(), StatusCode::kNotFound);
  expect_unchanged();
  View(table);
  EXPECT_EQ(Count("SELECT count(*) FROM t.v"), 1);
  // A replace whose input strays outside the replaced partitions commits nothing.
  DeltaTable parted = Table("parted");
  MustWrite(parted, "SELECT 1::BIGINT AS id, 'a' AS p", {.partition_columns = {"p"}});
  auto stray =
      parted.Write(*connection_, "SELECT 2::BIGINT AS id, 'b' AS p",
                   {.mode = WriteMode::kReplacePartitions, .replace_partitions = {{{"p", "a"}}}});
  ASSERT_FALSE(stray.ok());
  EXPECT_NE(stray.status().message().find("p=b"), std::string::npos);
  EXPECT_EQ(*parted.log().LatestVersion(), 0);
}

TEST_F(DeltaTableTest, CorruptedLogsAreReportedByFile) {
  DeltaTable table = Table();
  for (int i = 0; i < 3; ++i) {
    MustWrite(table, "SELECT 1::BIGINT AS id", {});
  }
  std::ofstream(Commit(Root(), 2), std::ios::app) << "{\"add\": {\"path\": \n";
  auto bad_json = table.Load(*connection_);
  ASSERT_FALSE(bad_json.ok());
  EXPECT_EQ(bad_json.status().code(), StatusCode::kCorruption);
  EXPECT_NE(bad_json.status().message().find("00000000000000000002.json line"), std::string::npos)
      << bad_json.status().ToString();
  auto write = table.Write(*connection_, "SELECT 1::BIGINT AS id", {});
  EXPECT_FALSE(write.ok());
  fs::remove(Commit(Root(), 2));
  MustWrite(table, "SELECT 1::BIGINT AS id", {});  // version 2 again
  fs::remove(Commit(Root(), 1));
  auto gap = table.Load(*connection_);
  ASSERT_FALSE(gap.ok());
  EXPECT_NE(gap.status().message().find("version 1 is missing"), std::string::npos)
      << gap.status().ToString();
}

TEST_F(DeltaTableTest, LosersOfTheCommitRaceRetryOrFail) {
  RacingFileSystem racing;
  DeltaTable table(Root(), racing, clock_);
  DeltaTable other(Root(), file_system_, clock_);
  MustWrite(other, "SELECT 1::BIGINT AS id, 'a' AS p", {.partition_columns = {"p"}});
  // A blind append that loses to another append retries as the next version.
  racing.before_commit = [&] { MustWrite(other, "SELECT 2::BIGINT AS id, 'b' AS p", {}); };
  auto appended = table.Write(*connection_, "SELECT 3::BIGINT AS id, 'a' AS p", {});
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  EXPECT_EQ(appended->version, 2);
  EXPECT_EQ(appended->attempts, 2);
  // A replace of partition a that loses to an append into a: conflict, nothing committed.
  racing.before_commit = [&] { MustWrite(other, "SELECT 4::BIGINT AS id, 'a' AS p", {}); };
  auto replaced =
      table.Write(*connection_, "SELECT 5::BIGINT AS id, 'a' AS p",
                  {.mode = WriteMode::kReplacePartitions, .replace_partitions = {{{"p", "a"}}}});
  ASSERT_FALSE(replaced.ok());
  EXPECT_EQ(replaced.status().code(), StatusCode::kConflict);
  EXPECT_NE(replaced.status().message().find("00000000000000000003.json"), std::string::npos)
      << replaced.status().ToString();
  // ... but a replace of partition b does not conflict with it.
  racing.before_commit = [&] { MustWrite(other, "SELECT 6::BIGINT AS id, 'a' AS p", {}); };
  auto replaced_b =
      table.Write(*connection_, "SELECT 7::BIGINT AS id, 'b' AS p",
                  {.mode = WriteMode::kReplacePartitions, .replace_partitions = {{{"p", "b"}}}});
  ASSERT_TRUE(replaced_b.ok()) << replaced_b.status().ToString();
  // A txn for the same appId committed by the winner: conflict.
  racing.before_commit = [&] {
    MustWrite(other, "SELECT 8::BIGINT AS id, 'a' AS p", {.transactions = {{"app", 1, {}}}});
  };
  auto same_app = table.Write(*connection_, "SELECT 9::BIGINT AS id, 'a' AS p",
                              {.transactions = {{"app", 2, {}}}});
  EXPECT_EQ(same_app.status().code(), StatusCode::kConflict);
  View(other);
  ExpectViewEquals(
      "SELECT * FROM (VALUES (1::BIGINT, 'a'), (2, 'b'), (3, 'a'), (4, 'a'), (6, 'a'), "
      "(7, 'b'), (8, 'a')) AS r(id, p) WHERE NOT (id = 2)");
}

TEST_F(DeltaTableTest, AppendsThatBothCreateTheTableBothLand) {
  RacingFileSystem racing;
  DeltaTable table(Root(), racing, clock_);
  DeltaTable other(Root(), file_system_, clock_);
  racing.before_commit = [&] { MustWrite(other, "SELECT 1::BIGINT AS id", {}); };
  auto appended = table.Write(*connection_, "SELECT 2::BIGINT AS id", {});
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  EXPECT_EQ(appended->version, 1);
  auto lines = ReadLines(Commit(Root(), 1));
  for (const auto& line : lines) {
    EXPECT_FALSE(line.contains("metaData") || line.contains("protocol")) << line;
  }
  View(table);
  EXPECT_EQ(Count("SELECT sum(id) FROM t.v"), 3);
  // A different schema cannot ride on the other writer's table.
  RacingFileSystem racing_again;
  DeltaTable second(Root("u"), racing_again, clock_);
  DeltaTable second_other(Root("u"), file_system_, clock_);
  racing_again.before_commit = [&] { MustWrite(second_other, "SELECT 1::BIGINT AS id", {}); };
  auto refused = second.Write(*connection_, "SELECT 'x' AS name", {});
  EXPECT_EQ(refused.status().code(), StatusCode::kConflict);
}

TEST_F(DeltaTableTest, ColumnsMissingFromDataFilesReadAsNull) {
  DeltaTable table = Table();
  MustWrite(table, "SELECT 1::BIGINT AS id, 'a' AS name, 'x' AS p", {.partition_columns = {"p"}});
  // Files written by another engine before a column was added: one beside a full file in partition
  // x, one alone in partition y.
  fs::create_directories(Root() + "/p=y");
  Exec("COPY (SELECT 2::BIGINT AS id) TO '" + Root() + "/p=x/old.parquet' (FORMAT PARQUET)");
  Exec("COPY (SELECT 3::BIGINT AS id) TO '" + Root() + "/p=y/old.parquet' (FORMAT PARQUET)");
  LogEntry entry;
  for (const char* path : {"p=x/old.parquet", "p=y/old.parquet"}) {
    AddFile add;
    add.path = path;
    add.partition_values = {{"p", std::string(path).substr(2, 1)}};
    add.size = static_cast<int64_t>(fs::file_size(Root() + "/" + path));
    entry.adds.push_back(add);
  }
  ASSERT_TRUE(table.log().WriteCommit(1, entry).ok());
  View(table);
  ExpectViewEquals(
      "SELECT * FROM (VALUES (1::BIGINT, 'a', 'x'), (2, NULL, 'x'), (3, NULL, 'y')) AS r(id, name, "
      "p)");
}

TEST_F(DeltaTableTest, CatalogueListsAndRegistersTables) {
  LakeCatalog catalog(dir_.string(), file_system_, clock_);
  auto none = catalog.ListTables();
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  DeltaTable a = catalog.Table({"silver", "data_value"});
  MustWrite(a, "SELECT 1::BIGINT AS id", {});
  DeltaTable b = catalog.Table({"bronze", "event"});
  MustWrite(b, "SELECT 'x' AS uid", {});
  fs::create_directories(dir_ / "_landing" / "x" / "_delta_log");
  fs::create_directories(dir_ / "gold" / "not_a_table");
  auto tables = catalog.ListTables();
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->size(), 2u);
  EXPECT_EQ((*tables)[0].ToString(), "bronze.event");
  EXPECT_EQ((*tables)[1].ToString(), "silver.data_value");
  auto skipped = catalog.RegisterAll(*connection_);
  ASSERT_TRUE(skipped.ok());
  EXPECT_TRUE(skipped->empty());
  EXPECT_EQ(Count("SELECT count(*) FROM silver.data_value JOIN bronze.event ON true"), 1);
  EXPECT_EQ(catalog.Open({"gold", "not_a_table"}).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(ParseTableName("silver").ok());
  EXPECT_FALSE(ParseTableName("_x.y").ok());
  EXPECT_TRUE(ParseTableName("ref.population").ok());
}

TEST_F(DeltaTableTest, VacuumRefusesARetentionUnderSevenDaysWithoutForce) {
  DeltaTable table = Table();
  MustWrite(table, "SELECT 1::BIGINT AS id", {});
  MustWrite(table, "SELECT 2::BIGINT AS id", {.mode = WriteMode::kOverwrite});  // removes file 1
  const std::string first_file = table.Load(*connection_, {.version = 0})->files.begin()->first;
  clock_.Advance(std::chrono::hours(1));
  for (auto retention :
       {std::chrono::milliseconds(0), std::chrono::milliseconds(167LL * 3600000)}) {
    auto refused = table.Vacuum(*connection_, {.retention = retention});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(refused.status().message().find("under the 168 hours minimum"), std::string::npos)
        << refused.status().ToString();
    EXPECT_TRUE(fs::exists(Root() + "/" + first_file));
  }
  auto forced =
      table.Vacuum(*connection_, {.retention = std::chrono::milliseconds(0), .force = true});
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  EXPECT_EQ(forced->files, std::vector<std::string>{first_file});
  EXPECT_FALSE(fs::exists(Root() + "/" + first_file));
}

TEST_F(DeltaTableTest, VacuumKeepsTheFilesOfRunningWriters) {
  LakeCatalog catalog(dir_.string(), file_system_, clock_);
  DeltaTable table = catalog.Table({"silver", "t"});
  const std::string root = catalog.TablePath({"silver", "t"});
  MustWrite(table, "SELECT 1::BIGINT AS id", {});
  // Another writer starts, then stages a file it has not committed yet (DuckDB stamps it with the
  // real clock; the fake clock is ahead of it by the writes' advances, so move it back).
  WriterRegistry registry(catalog.WritersFolder(), clock_);
  clock_.Set(ToEpochMillis(std::chrono::system_clock::now()) - 1000);
  auto running = registry.Register("silver.t");
  ASSERT_TRUE(running.ok()) << running.status().ToString();
  fs::create_directories(root + "/.staging-in-flight");
  std::ofstream(root + "/.staging-in-flight/part-0.parquet") << "staged";
  std::ofstream(root + "/uncommitted.parquet") << "moved into place, not yet committed";
  clock_.Advance(std::chrono::hours(1));
  auto kept =
      table.Vacuum(*connection_, {.retention = std::chrono::milliseconds(0), .force = true});
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_TRUE(kept->files.empty()) << kept->files.front();
  EXPECT_TRUE(fs::exists(root + "/uncommitted.parquet"));
  EXPECT_TRUE(fs::exists(root + "/.staging-in-flight/part-0.parquet"));
  // Once the writer is gone (here it ends; a killed one leaves a file nobody locks), they go.
  { auto ended = std::move(running).value(); }
  std::ofstream(catalog.WritersFolder() + "/0000000000001-dead.writer") << "{}";
  auto swept =
      table.Vacuum(*connection_, {.retention = std::chrono::milliseconds(0), .force = true});
  ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  EXPECT_EQ(swept->files, (std::vector<std::string>{".staging-in-flight/", "uncommitted.parquet"}));
  EXPECT_FALSE(fs::exists(catalog.WritersFolder() + "/0000000000001-dead.writer"));
  View(table);
  EXPECT_EQ(Count("SELECT sum(id) FROM t.v"), 1);
}

TEST_F(DeltaTableTest, CommittedVersionsSurviveLosingUnsyncedData) {
  UnsyncedDataFileSystem faulty;
  DeltaTable table(Root(), faulty, clock_);
  // Versions 1 and 2 of a partitioned table, then a checkpoint-writing optimize at version 2.
  MustWrite(table, "SELECT range AS id, range % 3 AS p FROM range(3000)",
            {.partition_columns = {"p"}, .checkpoint_interval = 2});
  MustWrite(table, "SELECT range AS id, range % 3 AS p FROM range(3000, 5000)",
            {.checkpoint_interval = 2});
  auto optimized = table.Optimize(*connection_, {.checkpoint_interval = 2});
  ASSERT_TRUE(optimized.ok()) << optimized.status().ToString();
  ASSERT_EQ(optimized->version, 2);
  // The power goes: whatever was not fsynced loses its tail.
  EXPECT_EQ(faulty.DropUnsyncedData(), 0u);
  DeltaTable after(Root(), file_system_, clock_);
  for (int64_t version : {0, 1, 2}) {
    View(after, {.version = version});
    EXPECT_EQ(Count("SELECT count(*) FROM t.v"), version == 0 ? 3000 : 5000);
  }
  EXPECT_TRUE(
      fs::exists(Commit(Root(), 2).substr(0, Commit(Root(), 2).size() - 4) + "checkpoint.parquet"));
}

TEST_F(DeltaTableTest, AVanishedStagingFolderCommitsNothing) {
  DeltaTable table = Table();
  MustWrite(table, "SELECT 1::BIGINT AS id, 'a' AS p", {.partition_columns = {"p"}});
  VanishingStagingFileSystem vanishing;
  DeltaTable racing(Root(), vanishing, clock_);
  for (WriteMode mode : {WriteMode::kOverwrite, WriteMode::kReplacePartitions}) {
    auto written = racing.Write(*connection_, "SELECT 2::BIGINT AS id, 'a' AS p",
                                {.mode = mode, .replace_partitions = {{{"p", "a"}}}});
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.status().code(), StatusCode::kIo);
    EXPECT_NE(written.status().message().find("holds no data file although COPY wrote 1 rows"),
              std::string::npos)
        << written.status().ToString();
  }
  EXPECT_EQ(*table.log().LatestVersion(), 0);
  View(table);
  EXPECT_EQ(Count("SELECT sum(id) FROM t.v"), 1);
  // An input with no rows still overwrites to an empty table.
  auto emptied = table.Write(*connection_, "SELECT 2::BIGINT AS id, 'a' AS p WHERE false",
                             {.mode = WriteMode::kOverwrite});
  ASSERT_TRUE(emptied.ok()) << emptied.status().ToString();
  EXPECT_EQ(emptied->files_removed, 1);
  EXPECT_EQ(emptied->files_added, 0);
}

TEST_F(DeltaTableTest, HostileLogFileNamesAndPathsAreCorruption) {
  DeltaTable table = Table();
  MustWrite(table, "SELECT 1::BIGINT AS id", {});
  const std::string log_dir = Root() + "/_delta_log";
  // A commit file name beyond int64 (std::stoll threw on it).
  std::ofstream(log_dir + "/99999999999999999999.json") << "{}\n";
  auto huge = table.Load(*connection_);
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), StatusCode::kCorruption);
  EXPECT_NE(huge.status().message().find("99999999999999999999.json: not a log file name"),
            std::string::npos)
      << huge.status().ToString();
  EXPECT_FALSE(table.Write(*connection_, "SELECT 2::BIGINT AS id", {}).ok());
  fs::remove(log_dir + "/99999999999999999999.json");
  // Adds pointing outside the table: absolute, file: URIs, climbing out with "..".
  std::ofstream(dir_ / "secret.parquet") << "not the table's";
  const std::string outside = (dir_ / "secret.parquet").string();
  for (const std::string& path : {outside, "file://" + outside, std::string("../secret.parquet"),
                                  std::string("a/../../secret.parquet")}) {
    LogEntry entry;
    AddFile add;
    add.path = UriEncodePath(path);
    add.size = 10;
    entry.adds.push_back(add);
    ASSERT_TRUE(table.log().WriteCommit(1, entry).ok());
    auto loaded = table.Load(*connection_);
    ASSERT_FALSE(loaded.ok()) << path;
    EXPECT_EQ(loaded.status().code(), StatusCode::kCorruption);
    EXPECT_NE(loaded.status().message().find("points outside the table"), std::string::npos)
        << loaded.status().ToString();
    EXPECT_FALSE(table.Write(*connection_, "SELECT 2::BIGINT AS id", {}).ok());
    fs::remove(Commit(Root(), 1));
  }
  // An absolute path inside the table is fine.
  LogEntry inside;
  AddFile add = table.Load(*connection_)->files.begin()->second;
  add.path = UriEncodePath(fs::absolute(Root() + "/" + add.path).string());
  inside.adds.push_back(add);
  ASSERT_TRUE(table.log().WriteCommit(1, inside).ok());
  View(table);
  EXPECT_EQ(Count("SELECT count(*) FROM t.v"), 2);
}

TEST_F(DeltaTableTest, CheckpointIntervalIsATableSettingReadStrictly) {
  DeltaTable bad = Table("bad");
  auto refused = bad.Write(*connection_, "SELECT 1::BIGINT AS id",
                           {.configuration = {{"delta.checkpointInterval", "ten"}}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("delta.checkpointInterval \"ten\" is not an integer"),
            std::string::npos)
      << refused.status().ToString();
  EXPECT_FALSE(bad.Exists());
  // A table whose log holds a bad value: writes and optimize refuse it, the table is unchanged.
  ASSERT_TRUE(bad.CreateEmpty(Schema(std::vector<SchemaField>{{"id", "long"}}),
                              {.configuration = {{"delta.checkpointInterval", "0"}}})
                  .ok());
  EXPECT_EQ(bad.Write(*connection_, "SELECT 1::BIGINT AS id", {}).status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(bad.Optimize(*connection_, {}).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(*bad.log().LatestVersion(), 0);
  // Optimize follows the table's interval (3), not a hard-coded 10.
  DeltaTable table = Table();
  for (int i = 0; i < 3; ++i) {
    MustWrite(table, "SELECT 1::BIGINT AS id",
              {.configuration = {{"delta.checkpointInterval", "3"}}});
  }
  EXPECT_FALSE(fs::exists(Root() + "/_delta_log/00000000000000000003.checkpoint.parquet"));
  auto optimized = table.Optimize(*connection_, {});
  ASSERT_TRUE(optimized.ok()) << optimized.status().ToString();
  ASSERT_EQ(optimized->version, 3);
  EXPECT_TRUE(fs::exists(Root() + "/_delta_log/00000000000000000003.checkpoint.parquet"));
}

TEST_F(DeltaTableTest, OptimizeGivesUpAfterMaxCommitAttempts) {
  RacingFileSystem racing;
  DeltaTable table(Root(), racing, clock_);
  for (int i = 0; i < 2; ++i) {
    MustWrite(table, "SELECT 1::BIGINT AS id", {});
  }
  DeltaTable other(Root(), file_system_, clock_);
  racing.before_commit = [&] { MustWrite(other, "SELECT 2::BIGINT AS id", {}); };
  auto optimized = table.Optimize(*connection_, {.max_commit_attempts = 1});
  ASSERT_FALSE(optimized.ok());
  EXPECT_EQ(optimized.status().code(), StatusCode::kConflict);
  EXPECT_NE(optimized.status().message().find("gave up after 1 attempts"), std::string::npos)
      << optimized.status().ToString();
  // With the default attempts the same race is retried and lands after the winner.
  racing.before_commit = [&] { MustWrite(other, "SELECT 3::BIGINT AS id", {}); };
  auto retried = table.Optimize(*connection_, {});
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(retried->version, 4);
  View(table);
  EXPECT_EQ(Count("SELECT sum(id) FROM t.v"), 7);
}

}  // namespace
}  // namespace dhl::lake
