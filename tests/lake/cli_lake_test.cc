// The lake through the CLI (`import`, `tables`, `history`, `sql`, `optimize`, `vacuum`), as a user
// runs it: expected answers are computed from the CSV files the test writes, not by the lake.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/hash.h"
#include "base/test_paths.h"

namespace {

namespace fs = std::filesystem;

struct CliRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

#ifdef DHL_CLI
CliRun RunCli(const fs::path& lake, const std::string& arguments) {
  const std::string command =
      std::string(DHL_CLI) + " --lake '" + lake.string() + "' " + arguments + " 2>&1";
  CliRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return run;
  }
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    run.output.append(buffer.data(), n);
  }
  int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST(CliLakeTest, ImportQueryHistoryOptimizeVacuum) {
  const fs::path dir = fs::temp_directory_path() / ("dhl_cli_lake_" + dhl::Uuid4());
  fs::create_directories(dir);
  const fs::path lake = dir / "lake";
  // Two batches of (ou, year, value); sums computed here: batch a = 1+2+3 = 6, batch b = 10+20
  // = 30.
  std::ofstream(dir / "a.csv") << "ou,year,value\nOU1,2023,1\nOU2,2023,2\nOU1,2024,3\n";
  std::ofstream(dir / "b.csv") << "ou,year,value\nOU3,2024,10\nOU3,2025,20\n";
  std::ofstream(dir / "bad.csv") << "ou,year,value\nOU4,notayear,1,2,3\n\"open\n";

  CliRun imported =
      RunCli(lake, "import silver.sample '" + (dir / "a.csv").string() + "' --partition-by year");
  ASSERT_EQ(imported.exit_code, 0) << imported.output;
  imported = RunCli(lake, "import silver.sample '" + (dir / "b.csv").string() + "'");
  ASSERT_EQ(imported.exit_code, 0) << imported.output;
  EXPECT_TRUE(fs::exists(lake / "silver" / "sample" / "_delta_log" / "00000000000000000001.json"));
  EXPECT_TRUE(fs::exists(lake / "silver" / "sample" / "year=2025"));

  const std::string totals =
      "sql \"SELECT count(*) AS n, sum(value) AS total, count(DISTINCT year) AS years FROM "
      "silver.sample\" --format csv";
  CliRun query = RunCli(lake, totals);
  ASSERT_EQ(query.exit_code, 0) << query.output;
  EXPECT_NE(query.output.find("n,total,years\n5,36,3"), std::string::npos) << query.output;

  CliRun bad = RunCli(lake, "import silver.sample '" + (dir / "bad.csv").string() + "'");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("bad.csv"), std::string::npos) << bad.output;
  CliRun missing = RunCli(lake, "import silver.sample '" + (dir / "none.csv").string() + "'");
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  query = RunCli(lake, totals);
  EXPECT_NE(query.output.find("5,36,3"), std::string::npos) << "table changed: " << query.output;

  CliRun tables = RunCli(lake, "tables");
  EXPECT_EQ(tables.exit_code, 0) << tables.output;
  EXPECT_NE(tables.output.find("silver.sample"), std::string::npos) << tables.output;
  CliRun history = RunCli(lake, "history silver.sample");
  EXPECT_EQ(history.exit_code, 0) << history.output;
  EXPECT_NE(history.output.find("WRITE"), std::string::npos) << history.output;

  CliRun optimized = RunCli(lake, "optimize silver.sample");
  EXPECT_EQ(optimized.exit_code, 0) << optimized.output;
  CliRun vacuumed = RunCli(lake, "vacuum silver.sample --dry-run");
  EXPECT_EQ(vacuumed.exit_code, 0) << vacuumed.output;
  query = RunCli(lake, totals);
  EXPECT_NE(query.output.find("5,36,3"), std::string::npos) << query.output;

  CliRun not_a_table = RunCli(lake, "history silver.nothing");
  EXPECT_EQ(not_a_table.exit_code, 1) << not_a_table.output;
  std::error_code ignored;
  fs::remove_all(dir, ignored);
}
#endif

}  // namespace
