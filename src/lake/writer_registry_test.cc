// The writer registry: live registrations bound vacuum by the oldest start, ended ones vanish, and
// a registration its process left behind without a lock (a killed writer) is ignored and removed,
// also when the writer was another process.
#include "lake/writer_registry.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/hash.h"

namespace dhl::lake {
namespace {

namespace fs = std::filesystem;

class WriterRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = (fs::temp_directory_path() / ("dhl_writers_" + Uuid4()) / "_system/writers").string();
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(fs::path(folder_).parent_path().parent_path(), ignored);
  }

  size_t FileCount() const {
    std::error_code error;
    size_t count = 0;
    for (auto it = fs::directory_iterator(folder_, error); !error && it != fs::end(it); ++it) {
      ++count;
    }
    return count;
  }

  std::string folder_;
  FakeClock clock_{1'700'000'000'000};
};

TEST_F(WriterRegistryTest, TheOldestLiveWriterBoundsVacuum) {
  WriterRegistry registry(folder_, clock_);
  auto none = registry.OldestStart();
  ASSERT_TRUE(none.ok()) << none.status().ToString();  // no folder yet
  EXPECT_FALSE(none->has_value());
  auto first = registry.Register("silver.a");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  clock_.Advance(std::chrono::seconds(5));
  auto second = registry.Register("silver.b");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->start_ms(), 1'700'000'000'000);
  EXPECT_EQ(second->start_ms(), 1'700'000'005'000);
  EXPECT_EQ(registry.OldestStart()->value_or(-1), 1'700'000'000'000);
  { auto ended = std::move(first).value(); }
  EXPECT_EQ(registry.OldestStart()->value_or(-1), 1'700'000'005'000);
  { auto ended = std::move(second).value(); }
  EXPECT_FALSE(registry.OldestStart()->has_value());
  EXPECT_EQ(FileCount(), 0u);
}

TEST_F(WriterRegistryTest, RegistrationsOfDeadWritersAreIgnoredAndRemoved) {
  WriterRegistry registry(folder_, clock_);
  auto live = registry.Register("silver.a");
  ASSERT_TRUE(live.ok());
  // Left behind by a killed writer: nobody holds its lock.
  std::ofstream(folder_ + "/0000000000001-killed.writer") << "{}";
  EXPECT_EQ(registry.OldestStart()->value_or(-1), 1'700'000'000'000);
  EXPECT_FALSE(fs::exists(folder_ + "/0000000000001-killed.writer"));
  // A writer in another process is live while it runs, and dead once it is killed.
  int to_child[2];
  int from_child[2];
  ASSERT_EQ(::pipe(to_child), 0);
  ASSERT_EQ(::pipe(from_child), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    FakeClock early(1'600'000'000'000);
    auto registration = WriterRegistry(folder_, early).Register("bronze.x");
    char byte = registration.ok() ? 'y' : 'n';
    (void)!::write(from_child[1], &byte, 1);
    (void)!::read(to_child[0], &byte, 1);  // until the parent has looked
    ::_exit(0);                            // no destructor: the file stays, unlocked
  }
  char byte = 0;
  ASSERT_EQ(::read(from_child[0], &byte, 1), 1);
  ASSERT_EQ(byte, 'y');
  EXPECT_EQ(registry.OldestStart()->value_or(-1), 1'600'000'000'000);
  ASSERT_EQ(::write(to_child[1], "x", 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(registry.OldestStart()->value_or(-1), 1'700'000'000'000);
  EXPECT_EQ(FileCount(), 1u);
  for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) {
    ::close(fd);
  }
}

}  // namespace
}  // namespace dhl::lake
