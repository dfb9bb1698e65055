#include "engine/memory_limit.h"

#include <gtest/gtest.h>

#include "engine/connection.h"

namespace dhl::engine {
namespace {

TEST(MemoryLimitTest, ParsesDuckDbUnits) {
  EXPECT_EQ(ParseMemorySize("4GB").ValueOr(-1), 4000000000);
  EXPECT_EQ(ParseMemorySize("4 GiB").ValueOr(-1), int64_t{4} << 30);
  EXPECT_EQ(ParseMemorySize("1.5gib").ValueOr(-1), int64_t{3} << 29);
  EXPECT_EQ(ParseMemorySize("512MB").ValueOr(-1), 512000000);
  EXPECT_EQ(ParseMemorySize("100MiB").ValueOr(-1), int64_t{100} << 20);
  EXPECT_EQ(ParseMemorySize("2000000000").ValueOr(-1), 2000000000);
  EXPECT_EQ(ParseMemorySize("1TB").ValueOr(-1), 1000000000000);
}

TEST(MemoryLimitTest, ShareOfTheMachine) {
  int64_t physical = PhysicalMemoryBytes();
  ASSERT_GT(physical, 0);
  auto half = ParseMemorySize("50%");
  ASSERT_TRUE(half.ok()) << half.status().ToString();
  EXPECT_NEAR(static_cast<double>(*half), physical / 2.0, 1.0);
  EXPECT_EQ(DefaultMemoryLimitBytes(), std::max<int64_t>(physical / 2, int64_t{1} << 30));
}

TEST(MemoryLimitTest, RefusesNonsenseNamingTheText) {
  for (const char* text : {"", "lots", "4XB", "-1GB", "0%", "150%", "1KB", "GB"}) {
    auto parsed = ParseMemorySize(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_NE(parsed.status().message().find(std::string("\"") + text + "\""), std::string::npos)
        << parsed.status().message();
  }
}

TEST(MemoryLimitTest, FormatsForPeople) {
  EXPECT_EQ(FormatMemorySize(int64_t{3} << 29), "1.5 GiB");
  EXPECT_EQ(FormatMemorySize(int64_t{100} << 20), "100 MiB");
}

TEST(MemoryLimitTest, ModelEngineSettingsReachDuckDb) {
  DatabaseOptions options = ModelEngineOptions("/some/lake", int64_t{3} << 30);
  EXPECT_EQ(options.temp_directory.value_or(""), "/some/lake/_system/tmp");
  options.temp_directory = ::testing::TempDir() + "dhl_memory_limit_spill";
  auto database = Database::Open(options);
  ASSERT_TRUE(database.ok()) << database.status().ToString();
  auto connection = database->Connect();
  ASSERT_TRUE(connection.ok());
  auto result = connection->Query(
      "SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order'), "
      "current_setting('temp_directory')");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->GetString(0, 0), "3.0 GiB");
  EXPECT_EQ(result->GetString(1, 0), "false");
  EXPECT_EQ(result->GetString(2, 0), *options.temp_directory);
}

}  // namespace
}  // namespace dhl::engine
