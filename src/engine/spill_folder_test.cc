#include "engine/spill_folder.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "base/hash.h"

namespace dhl::engine {
namespace {

namespace fs = std::filesystem;

void WriteBytes(const fs::path& path, size_t bytes) {
  std::ofstream out(path, std::ios::binary);
  out << std::string(bytes, 'x');
}

class SpillFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lake_ = fs::path(::testing::TempDir()) / ("dhl_spill_folder_" + Uuid4());
    root_ = lake_ / "_system" / "tmp";
  }
  void TearDown() override { fs::remove_all(lake_); }

  fs::path lake_;
  fs::path root_;
};

// What a crashed run left is removed at the next claim, what live processes hold is not: a folder
// whose lock file nobody holds (1000 bytes), a folder without a lock file (200 bytes), an older
// release's staged rebuild (500) and DuckDB spill file (300) go, 2000 bytes in all; the folders
// of two live claims and a live lock held by a descriptor of its own (as another process would)
// stay, and so does a file the runner does not own.
TEST_F(SpillFolderTest, AClaimRemovesWhatEndedProcessesLeftAndNothingLive) {
  auto first = SpillFolder::Claim(lake_.string());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = SpillFolder::Claim(lake_.string());
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_NE(first->path(), second->path());
  EXPECT_EQ(fs::path(first->path()).parent_path(), root_);
  WriteBytes(fs::path(first->path()) / "rebuild-a.parquet", 700);
  WriteBytes(fs::path(second->path()) / "duckdb_temp_storage_S32K-0.tmp", 900);

  fs::create_directories(root_ / "dead");
  WriteBytes(root_ / "dead" / "rebuild-b.parquet", 1000);
  WriteBytes(root_ / "dead.lock", 0);
  fs::create_directories(root_ / "orphan" / "nested");
  WriteBytes(root_ / "orphan" / "nested" / "x", 200);
  WriteBytes(root_ / "rebuild-old.parquet", 500);
  WriteBytes(root_ / "duckdb_temp_block-3.block", 300);
  WriteBytes(root_ / "utf8-repaired-1-0.csv", 50);
  // Held by another open file description, as a live process of another kind would hold it.
  fs::create_directories(root_ / "other");
  WriteBytes(root_ / "other" / "f", 10);
  WriteBytes(root_ / "other.lock", 0);
  int held = ::open((root_ / "other.lock").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(held, 0);
  ASSERT_EQ(::flock(held, LOCK_EX), 0);

  auto freed = SpillFolder::RemoveStale(root_.string());
  ASSERT_TRUE(freed.ok()) << freed.status().ToString();
  EXPECT_EQ(*freed, 2000);
  EXPECT_FALSE(fs::exists(root_ / "dead"));
  EXPECT_FALSE(fs::exists(root_ / "dead.lock"));
  EXPECT_FALSE(fs::exists(root_ / "orphan"));
  EXPECT_FALSE(fs::exists(root_ / "rebuild-old.parquet"));
  EXPECT_FALSE(fs::exists(root_ / "duckdb_temp_block-3.block"));
  EXPECT_TRUE(fs::exists(root_ / "utf8-repaired-1-0.csv"));
  EXPECT_EQ(fs::file_size(fs::path(first->path()) / "rebuild-a.parquet"), 700u);
  EXPECT_EQ(fs::file_size(fs::path(second->path()) / "duckdb_temp_storage_S32K-0.tmp"), 900u);
  EXPECT_EQ(fs::file_size(root_ / "other" / "f"), 10u);

  // Once its holder ends, the other folder goes too; nothing more the second time.
  ::close(held);
  freed = SpillFolder::RemoveStale(root_.string());
  ASSERT_TRUE(freed.ok()) << freed.status().ToString();
  EXPECT_EQ(*freed, 10);
  EXPECT_FALSE(fs::exists(root_ / "other.lock"));
  EXPECT_TRUE(fs::exists(first->path()));
}

// A claim's folder and lock file go when it ends; the folder's contents with it.
TEST_F(SpillFolderTest, AnEndedClaimLeavesNothing) {
  {
    auto claim = SpillFolder::Claim(lake_.string());
    ASSERT_TRUE(claim.ok()) << claim.status().ToString();
    EXPECT_TRUE(fs::exists(claim->path() + ".lock"));
    WriteBytes(fs::path(claim->path()) / "staged.parquet", 10);
    SpillFolder moved = std::move(*claim);
    EXPECT_TRUE(fs::is_directory(moved.path()));
  }
  EXPECT_TRUE(fs::is_empty(root_));
  auto free = FreeDiskBytes((root_ / "not" / "yet").string());
  ASSERT_TRUE(free.ok()) << free.status().ToString();
  EXPECT_GT(*free, 0);
}

}  // namespace
}  // namespace dhl::engine
