// Two processes append to one table at once, each batch with its own txn (distinct appIds): every
// batch is present exactly once and the versions are contiguous (never two commits with one
// version).
//
// The writers are this test binary re-invoked with DHL_LAKE_CONCURRENT_TABLE and
// DHL_LAKE_CONCURRENT_APP set (test ConcurrentWriter.Run).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "base/hash.h"
#include "engine/database.h"
#include "lake/delta_table.h"

namespace dhl::lake {
namespace {

namespace fs = std::filesystem;

constexpr int kBatches = 15;
constexpr int kRows = 10;

std::string BatchSql(const std::string& app, int batch) {
  return "SELECT '" + app + "' AS writer, " + std::to_string(batch) +
         "::BIGINT AS batch, range::BIGINT AS n FROM range(" + std::to_string(kRows) + ")";
}

TEST(ConcurrentWriter, Run) {
  const char* root = std::getenv("DHL_LAKE_CONCURRENT_TABLE");
  const char* app = std::getenv("DHL_LAKE_CONCURRENT_APP");
  if (root == nullptr || app == nullptr) {
    GTEST_SKIP() << "only runs as a child of ConcurrencyTest";
  }
  auto db = engine::Database::Open({.threads = 1});
  ASSERT_TRUE(db.ok());
  auto connection = db->Connect();
  ASSERT_TRUE(connection.ok());
  DeltaTable table(root);
  for (int batch = 1; batch <= kBatches; ++batch) {
    auto written =
        table.Write(*connection, BatchSql(app, batch), {.transactions = {{app, batch, {}}}});
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    ASSERT_FALSE(written->already_committed);
  }
}

TEST(ConcurrencyTest, TwoProcessesAppendingAtOnce) {
  const fs::path dir = fs::temp_directory_path() / ("dhl_lake_concurrent_" + Uuid4());
  const std::string root = (dir / "t").string();
  {
    auto db = engine::Database::Open({.threads = 2});
    ASSERT_TRUE(db.ok());
    auto connection = db->Connect();
    ASSERT_TRUE(connection.ok());
    auto created = DeltaTable(root).Write(*connection, BatchSql("none", 0) + " WHERE false",
                                          {.mode = WriteMode::kCreate});
    ASSERT_TRUE(created.ok()) << created.status().ToString();
  }
  std::vector<pid_t> children;
  for (const char* app : {"writer-a", "writer-b"}) {
    pid_t pid = fork();
    if (pid == 0) {
      setenv("DHL_LAKE_CONCURRENT_TABLE", root.c_str(), 1);
      setenv("DHL_LAKE_CONCURRENT_APP", app, 1);
      execl("/proc/self/exe", "concurrent_writer", "--gtest_filter=ConcurrentWriter.Run",
            "--gtest_brief=1", nullptr);
      _exit(127);
    }
    ASSERT_GT(pid, 0);
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a writer failed";
  }
  auto db = engine::Database::Open({.threads = 2});
  ASSERT_TRUE(db.ok());
  auto connection = db->Connect();
  ASSERT_TRUE(connection.ok());
  DeltaTable table(root);
  auto snapshot = table.Load(*connection);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  EXPECT_EQ(snapshot->version, 2 * kBatches);  // contiguous: 0 (create) + one commit per batch
  EXPECT_EQ(snapshot->TransactionVersion("writer-a"), kBatches);
  EXPECT_EQ(snapshot->TransactionVersion("writer-b"), kBatches);
  auto history = table.History();
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), static_cast<size_t>(2 * kBatches + 1));
  for (size_t i = 0; i < history->size(); ++i) {
    EXPECT_EQ((*history)[i].version, static_cast<int64_t>(history->size() - 1 - i));
  }
  ASSERT_TRUE(table.CreateView(*connection, *snapshot, "t", "v").ok());
  auto per_batch = connection->Query(
      "SELECT count(*) FROM (SELECT writer, batch, count(*) AS rows FROM t.v GROUP BY ALL) "
      "WHERE rows = " +
      std::to_string(kRows));
  ASSERT_TRUE(per_batch.ok());
  EXPECT_EQ(per_batch->GetInt64(0, 0), 2 * kBatches);
  auto total = connection->Query("SELECT count(*) FROM t.v");
  EXPECT_EQ(total->GetInt64(0, 0), 2 * kBatches * kRows);
  std::error_code ignored;
  fs::remove_all(dir, ignored);
}

}  // namespace
}  // namespace dhl::lake
