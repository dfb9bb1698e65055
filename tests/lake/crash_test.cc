// Crash safety: a writer process commits batches with txn in a loop and is SIGKILLed at random
// points, many times. After each kill the table must read as its last committed version, with every
// committed batch present exactly once, and the next writer must resume after it.
//
// The writer is this test binary re-invoked with DHL_LAKE_CRASH_TABLE set (test CrashWriter.Run).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include "base/hash.h"
#include "engine/database.h"
#include "lake/delta_table.h"

namespace dhl::lake {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTableVariable = "DHL_LAKE_CRASH_TABLE";
constexpr const char* kAppId = "crash-writer";
constexpr int kRowsPerBatch = 100;

std::string BatchSql(int64_t batch) {
  return "SELECT (" + std::to_string(batch) + " * 1000 + range)::BIGINT AS id, " +
         std::to_string(batch) + "::BIGINT AS batch, 'b' || range AS label FROM range(" +
         std::to_string(kRowsPerBatch) + ")";
}

// The child: commits batch after batch, each carrying txn (kAppId, batch), until killed.
TEST(CrashWriter, Run) {
  const char* root = std::getenv(kTableVariable);
  if (root == nullptr) {
    GTEST_SKIP() << "only runs as the child of CrashSafetyTest";
  }
  auto db = engine::Database::Open({.threads = 1});
  ASSERT_TRUE(db.ok());
  auto connection = db->Connect();
  ASSERT_TRUE(connection.ok());
  DeltaTable table(root);
  for (int i = 0; i < 100000; ++i) {
    auto snapshot = table.Load(*connection);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
    int64_t batch = snapshot->TransactionVersion(kAppId).value_or(-1) + 1;
    auto written = table.Write(*connection, BatchSql(batch),
                               {.partition_columns = {}, .transactions = {{kAppId, batch, {}}}});
    ASSERT_TRUE(written.ok()) << written.status().ToString();
  }
}

class CrashSafetyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dhl_lake_crash_" + Uuid4());
    fs::create_directories(dir_);
    auto db = engine::Database::Open({.threads = 2});
    ASSERT_TRUE(db.ok());
    db_.emplace(std::move(db).value());
    auto connection = db_->Connect();
    ASSERT_TRUE(connection.ok());
    connection_.emplace(std::move(connection).value());
  }
  void TearDown() override {
    connection_.reset();
    db_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  pid_t StartWriter(const std::string& root) {
    pid_t pid = fork();
    if (pid == 0) {
      setenv(kTableVariable, root.c_str(), 1);
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, STDOUT_FILENO);
      execl("/proc/self/exe", "crash_writer", "--gtest_filter=CrashWriter.Run", nullptr);
      _exit(127);
    }
    return pid;
  }

  // Checks the table: contiguous readable log, batches 0..T each exactly once where T is the txn.
  int64_t Verify(DeltaTable& table) {
    auto snapshot = table.Load(*connection_);
    EXPECT_TRUE(snapshot.ok()) << snapshot.status().ToString();
    if (!snapshot.ok()) {
      return -1;
    }
    const int64_t last_batch = snapshot->TransactionVersion(kAppId).value_or(-1);
    Status status = table.CreateView(*connection_, *snapshot, "t", "v");
    EXPECT_TRUE(status.ok()) << status.ToString();
    auto counts = connection_->Query(
        "SELECT count(*), count(DISTINCT id), count(DISTINCT batch), coalesce(max(batch), -1) FROM "
        "t.v");
    EXPECT_TRUE(counts.ok()) << counts.status().ToString();
    EXPECT_EQ(counts->GetInt64(0, 0), (last_batch + 1) * kRowsPerBatch)
        << "lost or duplicated rows";
    EXPECT_EQ(counts->GetInt64(1, 0), (last_batch + 1) * kRowsPerBatch) << "duplicated rows";
    EXPECT_EQ(counts->GetInt64(2, 0), last_batch + 1);
    EXPECT_EQ(counts->GetInt64(3, 0), last_batch);
    // Every version of the log is present and each commit holds one batch.
    EXPECT_EQ(snapshot->version, last_batch);
    return last_batch;
  }

  fs::path dir_;
  std::optional<engine::Database> db_;
  std::optional<engine::Connection> connection_;
};

TEST_F(CrashSafetyTest, KilledWritersNeverLeaveAHalfCommittedTable) {
  const std::string root = (dir_ / "t").string();
  DeltaTable table(root);
  auto created = table.Write(*connection_, BatchSql(0), {.transactions = {{kAppId, 0, {}}}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::mt19937 random(12345);
  std::uniform_int_distribution<int> delay_ms(20, 600);
  int64_t previous = 0;
  constexpr int kKills = 30;
  for (int kill_number = 0; kill_number < kKills; ++kill_number) {
    pid_t pid = StartWriter(root);
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
    ::kill(pid, SIGKILL);
    int wait_status = 0;
    ::waitpid(pid, &wait_status, 0);
    // The child dies only by our signal (a failing child would exit with a code instead).
    EXPECT_TRUE(WIFSIGNALED(wait_status))
        << "writer exited on its own: " << WEXITSTATUS(wait_status);
    int64_t last = Verify(table);
    ASSERT_GE(last, previous) << "a committed batch disappeared";
    previous = last;
  }
  // Writing resumes after the last committed batch.
  auto resumed = table.Write(*connection_, BatchSql(previous + 1),
                             {.transactions = {{kAppId, previous + 1, {}}}});
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(Verify(table), previous + 1);
  EXPECT_GT(previous, 3) << "the writers committed too little to test anything";
  std::cerr << "committed " << previous + 1 << " batches across " << kKills << " kills\n";
}

}  // namespace
}  // namespace dhl::lake
