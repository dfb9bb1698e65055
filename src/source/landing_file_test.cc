// LandingFile: a body is readable (Flush) before it is put in place, and only Commit puts it there;
// a file never committed leaves nothing behind.
#include "source/landing_file.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "base/file.h"

namespace dhl::source {
namespace {

namespace fs = std::filesystem;

fs::path TempPath(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / fmt::format("dhl_landing_file_{}", ::getpid());
  fs::create_directories(dir);
  return dir / name;
}

TEST(LandingFileTest, AFlushedBodyIsReadableBeforeCommitAndInPlaceOnlyAfter) {
  std::string path = TempPath("000001.json").string();
  {
    LandingFile file(path);
    ASSERT_TRUE(file.Begin({}).ok());
    ASSERT_TRUE(file.Write(R"({"completeDataSetRegistrations":[)").ok());
    ASSERT_TRUE(file.Write("]}").ok());
    ASSERT_TRUE(file.Flush().ok());
    EXPECT_EQ(ReadWholeFile(file.part_path()).value(), R"({"completeDataSetRegistrations":[]})");
    EXPECT_FALSE(fs::exists(path));
    ASSERT_TRUE(file.Commit().ok());
  }
  EXPECT_EQ(ReadWholeFile(path).value(), R"({"completeDataSetRegistrations":[]})");
  EXPECT_FALSE(fs::exists(path + ".part"));
  fs::remove_all(fs::path(path).parent_path());
}

TEST(LandingFileTest, ABodyNeverCommittedLeavesNoFile) {
  std::string path = TempPath("000002.json").string();
  {
    LandingFile file(path);
    ASSERT_TRUE(file.Begin({}).ok());
    ASSERT_TRUE(file.Write(R"({"completeDataSetRegistrations":[{"period":)").ok());
    ASSERT_TRUE(file.Flush().ok());
    EXPECT_TRUE(fs::exists(file.part_path()));
    // A new attempt starts the body again.
    ASSERT_TRUE(file.Begin({}).ok());
    ASSERT_TRUE(file.Write("{").ok());
    ASSERT_TRUE(file.Flush().ok());
    EXPECT_EQ(ReadWholeFile(file.part_path()).value(), "{");
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".part"));
  fs::remove_all(fs::path(path).parent_path());
}

}  // namespace
}  // namespace dhl::source
