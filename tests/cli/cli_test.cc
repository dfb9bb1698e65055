// The CLI contract of DESIGN.md, through the real binary: exit codes, output formats, the lake
// commands, and clear errors that leave the lake unchanged.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "base/test_paths.h"

namespace {

namespace fs = std::filesystem;

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dhis2lake-cli-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs the binary in the test's folder (so the default ./lake is the test's own), its standard
  // input read from `input`.
  CliRun Cli(const std::vector<std::string>& args, const std::string& input = "/dev/null") {
    std::string command = "cd " + ShellQuote(dir_.string()) + " && " + ShellQuote(DHL_CLI);
    for (const auto& arg : args) {
      command += " " + ShellQuote(arg);
    }
    command += " >" + ShellQuote((dir_ / "stdout").string()) + " 2>" +
               ShellQuote((dir_ / "stderr").string()) + " <" + ShellQuote(input);
    int status = std::system(command.c_str());
    CliRun run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = ReadFile(dir_ / "stdout");
    run.err = ReadFile(dir_ / "stderr");
    return run;
  }

  // The first column of the first row of `query` over the test's ./lake, through `dhis2lake sql`
  // (-1 when there is none).
  int64_t SqlCount(const std::string& query) {
    CliRun run = Cli({"--lake", "lake", "sql", query, "--format", "csv"});
    EXPECT_EQ(run.exit_code, 0) << query << "\n" << run.err;
    std::stringstream lines(run.out);
    std::string header;
    std::string value;
    std::getline(lines, header);
    std::getline(lines, value);
    return value.empty() ? -1 : std::stoll(value);
  }

  fs::path Write(const std::string& name, const std::string& text) {
    fs::path path = dir_ / name;
    std::ofstream(path) << text;
    return path;
  }

  std::vector<nlohmann::json> JsonLines(const std::string& text) {
    std::vector<nlohmann::json> lines;
    std::stringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      lines.push_back(nlohmann::json::parse(line));
    }
    return lines;
  }

  fs::path dir_;
};

TEST_F(CliTest, HelpVersionAndUsageErrors) {
  CliRun help = Cli({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* command :
       {"sql", "import", "tables", "history", "vacuum", "optimize", "period"}) {
    EXPECT_NE(help.out.find(command), std::string::npos) << command;
  }
  CliRun version = Cli({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("dhis2lake ", 0), 0u) << version.out;
  EXPECT_EQ(Cli({"no-such-command"}).exit_code, 2);
  EXPECT_EQ(Cli({}).exit_code, 2);
  EXPECT_EQ(Cli({"sql"}).exit_code, 2);
  EXPECT_EQ(Cli({"sql", "SELECT 1", "--format", "xml"}).exit_code, 2);
  EXPECT_EQ(Cli({"--log-level", "loud", "tables"}).exit_code, 2);
  EXPECT_EQ(Cli({"history", "not a table name"}).exit_code, 2);
}

TEST_F(CliTest, PeriodPrintsTheContractsJsonLines) {
  CliRun run = Cli({"period", "2024Q1", "2024W5"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto lines = JsonLines(run.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["id"], "2024Q1");
  EXPECT_EQ(lines[0]["type"], "Quarterly");
  EXPECT_EQ(lines[0]["start"], "2024-01-01");
  EXPECT_EQ(lines[0]["end"], "2024-03-31");
  EXPECT_EQ(lines[0]["days"], 91);
  EXPECT_EQ(lines[0]["periods"]["SixMonthly"], "2024S1");
  EXPECT_EQ(lines[0]["periods"]["Yearly"], "2024");
  // 2024W5 runs 29 January to 4 February; DHIS2 puts it in February (start date + 3 days).
  EXPECT_EQ(lines[1]["start"], "2024-01-29");
  EXPECT_EQ(lines[1]["periods"]["Monthly"], "202402");

  CliRun bad = Cli({"period", "2024Q1", "2024W53"});
  EXPECT_EQ(bad.exit_code, 1);
  auto bad_lines = JsonLines(bad.out);
  ASSERT_EQ(bad_lines.size(), 2u);
  EXPECT_EQ(bad_lines[1]["id"], "2024W53");
  EXPECT_TRUE(bad_lines[1].contains("error"));
  EXPECT_FALSE(bad_lines[1].contains("start"));
}

TEST_F(CliTest, SqlFormats) {
  const std::string query =
      "SELECT 1 AS n, 'a,b' AS s, NULL AS z, 2.5 AS d UNION ALL "
      "SELECT 2, 'say \"hi\"', 'x', -1 ORDER BY n";
  CliRun csv = Cli({"sql", query, "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out, "n,s,z,d\n1,\"a,b\",,2.5\n2,\"say \"\"hi\"\"\",x,-1.0\n");
  CliRun json = Cli({"sql", query, "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto rows = JsonLines(json.out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], nlohmann::json::parse(R"({"n":1,"s":"a,b","z":null,"d":2.5})"));
  EXPECT_EQ(rows[1]["s"], "say \"hi\"");
  CliRun table = Cli({"sql", query});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("(2 rows)"), std::string::npos) << table.out;
  CliRun error = Cli({"sql", "SELECT * FROM silver.nothing_here"});
  EXPECT_EQ(error.exit_code, 1);
  EXPECT_NE(error.err.find("silver.nothing_here"), std::string::npos) << error.err;
  // `-` reads the SQL from standard input: a query longer than one argument may be (128 KiB).
  std::string long_query = "SELECT 1 AS n";
  while (long_query.size() < 200 * 1024) long_query += " -- padding\n";
  CliRun piped = Cli({"sql", "-", "--format", "csv"}, Write("query.sql", long_query).string());
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.out, "n\n1\n");
  CliRun enums = Cli({"sql", "SELECT CAST('b' AS ENUM('a', 'b')) AS e", "--format", "csv"});
  ASSERT_EQ(enums.exit_code, 0) << enums.err;
  EXPECT_EQ(enums.out, "e\nb\n");
  CliRun empty = Cli({"sql", "-"});
  EXPECT_EQ(empty.exit_code, 2) << empty.err;
  EXPECT_NE(empty.err.find("standard input holds no SQL"), std::string::npos) << empty.err;
}

TEST_F(CliTest, ImportTablesHistorySql) {
  Write("pop.csv",
        "item,ou,pe,value\nDkmMEcubiPv,O6uvpzGd5pu,2023,100\n"
        "DkmMEcubiPv,fdc6uOvgoji,2023,250\nDkmMEcubiPv,O6uvpzGd5pu,2024,110\n");
  CliRun first = Cli({"import", "ref.population", "pop.csv", "--partition-by", "pe"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_TRUE(fs::exists(dir_ / "lake" / "ref" / "population" / "_delta_log" /
                         "00000000000000000000.json"));
  Write("more.csv", "item,ou,pe,value\nDkmMEcubiPv,fdc6uOvgoji,2024,260\n");
  CliRun second = Cli({"import", "ref.population", "more.csv"});
  ASSERT_EQ(second.exit_code, 0) << second.err;

  CliRun sum =
      Cli({"sql", "SELECT pe, sum(value) AS total FROM ref.population GROUP BY pe ORDER BY pe",
           "--format", "csv"});
  ASSERT_EQ(sum.exit_code, 0) << sum.err;
  EXPECT_EQ(sum.out, "pe,total\n2023,350\n2024,370\n");

  CliRun tables = Cli({"tables", "--format", "json"});
  ASSERT_EQ(tables.exit_code, 0) << tables.err;
  auto listed = JsonLines(tables.out);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["table"], "ref.population");
  EXPECT_EQ(listed[0]["version"], 1);
  EXPECT_EQ(listed[0]["rows"], 4);

  CliRun history = Cli({"history", "ref.population", "--format", "json"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  auto versions = JsonLines(history.out);
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0]["version"], 1);  // newest first
  EXPECT_EQ(versions[1]["version"], 0);

  // --overwrite replaces every row.
  CliRun overwrite = Cli({"import", "ref.population", "more.csv", "--overwrite"});
  ASSERT_EQ(overwrite.exit_code, 0) << overwrite.err;
  CliRun count = Cli({"sql", "SELECT count(*) AS n FROM ref.population", "--format", "csv"});
  EXPECT_EQ(count.out, "n\n1\n");

  // The lake is found from any folder through --lake.
  CliRun elsewhere = Cli({"--lake", (dir_ / "lake").string(), "sql",
                          "SELECT count(*) AS n FROM ref.population", "--format", "csv"});
  EXPECT_EQ(elsewhere.out, "n\n1\n");
}

TEST_F(CliTest, BadInputNamesTheFileAndLeavesTheTableUnchanged) {
  Write("good.csv", "id,value\n1,10\n2,20\n");
  ASSERT_EQ(Cli({"import", "ref.sample", "good.csv"}).exit_code, 0);
  // A value that cannot be a BIGINT in the table's existing column.
  Write("bad.csv", "id,value\n3,thirty\n");
  CliRun bad = Cli({"import", "ref.sample", "bad.csv"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("bad.csv"), std::string::npos) << bad.err;
  Write("bad.json", "{\"id\": 1, \"value\": ");
  CliRun bad_json = Cli({"import", "ref.sample", "bad.json"});
  EXPECT_EQ(bad_json.exit_code, 1);
  EXPECT_NE(bad_json.err.find("bad.json"), std::string::npos) << bad_json.err;
  CliRun missing = Cli({"import", "ref.sample", "no-such-file.csv"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no-such-file.csv"), std::string::npos) << missing.err;
  CliRun count =
      Cli({"sql", "SELECT count(*) AS n, sum(value) AS s FROM ref.sample", "--format", "csv"});
  EXPECT_EQ(count.out, "n,s\n2,30\n");
  CliRun history = Cli({"history", "ref.sample", "--format", "csv"});
  EXPECT_EQ(std::count(history.out.begin(), history.out.end(), '\n'), 2) << history.out;
  CliRun not_a_table = Cli({"history", "ref.nothing"});
  EXPECT_EQ(not_a_table.exit_code, 1);
  EXPECT_NE(not_a_table.err.find("ref.nothing"), std::string::npos) << not_a_table.err;
}

TEST_F(CliTest, OptimizeAndVacuum) {
  for (int i = 0; i < 4; ++i) {
    Write("part.csv", "id,value\n" + std::to_string(i) + "," + std::to_string(i * 10) + "\n");
    ASSERT_EQ(Cli({"import", "ref.small", "part.csv"}).exit_code, 0);
  }
  CliRun optimize = Cli({"optimize", "ref.small"});
  ASSERT_EQ(optimize.exit_code, 0) << optimize.err;
  EXPECT_NE(optimize.out.find("compacted 4 files into 1"), std::string::npos) << optimize.out;
  CliRun count =
      Cli({"sql", "SELECT count(*) AS n, sum(value) AS s FROM ref.small", "--format", "csv"});
  EXPECT_EQ(count.out, "n,s\n4,60\n");
  // The compacted files are still needed for time travel within the retention period.
  CliRun keep = Cli({"vacuum", "ref.small", "--dry-run"});
  ASSERT_EQ(keep.exit_code, 0) << keep.err;
  EXPECT_NE(keep.out.find("would delete 0 files"), std::string::npos) << keep.out;
  // Under 168 hours only with --force (as Delta refuses it), and then nothing is deleted.
  CliRun refused = Cli({"vacuum", "ref.small", "--retention-hours", "0"});
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(refused.err.find("under the 168 hours minimum"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;
  CliRun still = Cli({"vacuum", "ref.small", "--retention-hours", "167.9", "--dry-run"});
  EXPECT_EQ(still.exit_code, 1) << still.out;
  CliRun unchanged = Cli({"vacuum", "ref.small", "--retention-hours", "0", "--force", "--dry-run"});
  EXPECT_NE(unchanged.out.find("would delete 4 files"), std::string::npos) << unchanged.out;
  CliRun vacuum = Cli({"vacuum", "ref.small", "--retention-hours", "0", "--force"});
  ASSERT_EQ(vacuum.exit_code, 0) << vacuum.err;
  EXPECT_NE(vacuum.out.find("deleted 4 files"), std::string::npos) << vacuum.out;
  CliRun after =
      Cli({"sql", "SELECT count(*) AS n, sum(value) AS s FROM ref.small", "--format", "csv"});
  EXPECT_EQ(after.out, "n,s\n4,60\n");
}

}  // namespace

// `[gold]` settings are read, checked, and a misspelt or wrong one is refused naming the key.
TEST_F(CliTest, GoldSettingsInTheConfigurationAreChecked) {
  Write("good.toml",
        "[gold]\naggregate_period_types = [\"Monthly\", \"Yearly\"]\n"
        "include_zero_values_in_analytics = true\noutlier_z_threshold = 2.5\n"
        "dq_district_level = 2\nserver_version = \"2.40.1\"\npredictor_years = 3\n"
        "predictor_level_placeholders = { \"<OU_LEVEL_FACILITY_UID>\" = 4 }\n"
        "program_indicator_period_types = [\"Weekly\", \"Monthly\"]\n"
        "hierarchy = \"as_of_period\"\n");
  EXPECT_EQ(Cli({"--config", "good.toml", "tables"}).exit_code, 0);

  Write("hierarchy.toml", "[gold]\nhierarchy = \"as_of\"\n");
  CliRun hierarchy = Cli({"--config", "hierarchy.toml", "tables"});
  EXPECT_EQ(hierarchy.exit_code, 2);
  EXPECT_NE(
      hierarchy.err.find("[gold] hierarchy: hierarchy 'as_of' is not current or as_of_period"),
      std::string::npos)
      << hierarchy.err;

  Write("placeholder.toml",
        "[gold]\npredictor_level_placeholders = { \"<OU_LEVEL_FACILITY_UID>\" = \"four\" }\n");
  CliRun placeholder = Cli({"--config", "placeholder.toml", "tables"});
  EXPECT_EQ(placeholder.exit_code, 2);
  EXPECT_NE(placeholder.err.find(
                "[gold] predictor_level_placeholders.<OU_LEVEL_FACILITY_UID>: expected a level "
                "number"),
            std::string::npos)
      << placeholder.err;
  Write("weeks.toml", "[gold]\nprogram_indicator_period_types = [\"Fortnightly\"]\n");
  CliRun weeks = Cli({"--config", "weeks.toml", "tables"});
  EXPECT_EQ(weeks.exit_code, 2);
  EXPECT_NE(weeks.err.find("program indicator period types"), std::string::npos) << weeks.err;
  Write("years.toml", "[gold]\npredictor_years = 0\n");
  CliRun years = Cli({"--config", "years.toml", "tables"});
  EXPECT_EQ(years.exit_code, 2);
  EXPECT_NE(years.err.find("predictor years 0 is not 1..100"), std::string::npos) << years.err;

  Write("misspelt.toml", "[gold]\noutlier_z_treshold = 2.5\n");
  CliRun misspelt = Cli({"--config", "misspelt.toml", "tables"});
  EXPECT_EQ(misspelt.exit_code, 2);
  EXPECT_NE(misspelt.err.find("[gold] outlier_z_treshold: unknown setting"), std::string::npos)
      << misspelt.err;

  Write("level.toml", "[gold]\ndq_district_level = 9\n");
  CliRun level = Cli({"--config", "level.toml", "tables"});
  EXPECT_EQ(level.exit_code, 2);
  EXPECT_NE(level.err.find("district level 9 is not an org unit level 1..8"), std::string::npos)
      << level.err;

  Write("type.toml", "[gold]\naggregate_period_types = [\"Monthly\", \"Fortnightly\"]\n");
  CliRun type = Cli({"--config", "type.toml", "tables"});
  EXPECT_EQ(type.exit_code, 2);
  EXPECT_NE(type.err.find("'Fortnightly' is not a DHIS2 period type"), std::string::npos)
      << type.err;
}

// Real payloads through `sync --source DIR` with nothing added (tests/data/source/dhis2-core,
// dhis2-core's own test files; PROVENANCE.md): every data value ends in silver.data_value or in
// silver.rejects with a reason, never in both, never lost. Values sent without option combos are
// keyed by the default combo (DHIS2's import does so), not rejected; tracker records without a uid
// (import files, where the server assigns one) are rejected with the reason.
TEST_F(CliTest, RealPayloadsEveryDataValueEndsInSilverOrRejects) {
  ::setenv("XDG_CONFIG_HOME", dir_.c_str(), 1);
  fs::copy(fs::path(DHL_SOURCE_DIR) / "tests/data/source/dhis2-core", dir_ / "core");
  CliRun sync = Cli({"--lake", "lake", "sync", "--source", "core"});
  ASSERT_EQ(sync.exit_code, 0) << sync.out << sync.err;
  auto count = [&](const std::string& query) { return SqlCount(query); };
  const std::string bronze_keys =
      "SELECT DISTINCT dataElement AS de, period AS pe, orgUnit AS ou, "
      "COALESCE(categoryOptionCombo, 'HllvX50cXC0') AS coc, COALESCE(attributeOptionCombo, "
      "'HllvX50cXC0') AS aoc FROM bronze.data_value";
  const std::string rejected_keys =
      "SELECT DISTINCT json_extract_string(record, '$.de') AS de, json_extract_string(record, "
      "'$.pe') AS pe, json_extract_string(record, '$.ou') AS ou, json_extract_string(record, "
      "'$.coc') AS coc, json_extract_string(record, '$.aoc') AS aoc FROM silver.rejects WHERE "
      "table_name = 'silver.data_value'";
  const std::string silver_keys = "SELECT de, pe, ou, coc, aoc FROM silver.data_value";
  // 231 bulk values (their org units are not in the files: rejected) and dataValueSetJ's one.
  EXPECT_EQ(count("SELECT count(*) FROM (" + bronze_keys + ")"), 232);
  EXPECT_EQ(count("SELECT count(*) FROM (" + bronze_keys + " EXCEPT (" + silver_keys +
                  " UNION ALL " + rejected_keys + "))"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM (" + silver_keys + " INTERSECT " + rejected_keys + ")"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM silver.rejects WHERE table_name = 'silver.data_value' AND "
                  "(reason IS NULL OR expectation IS NULL)"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM silver.rejects WHERE expectation = "
                  "'unknown_category_option_combo'"),
            0);
  // Two events and two enrollments of the importer files carry no uid.
  EXPECT_EQ(count("SELECT count(*) FROM silver.event WHERE event IS NULL"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM silver.event"),
            count("SELECT count(DISTINCT event) FROM bronze.event"));
  EXPECT_GE(count("SELECT count(*) FROM silver.rejects WHERE table_name = 'silver.event' AND "
                  "expectation = 'has_uid'"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM silver.enrollment WHERE enrollment IS NULL"), 0);
}

// The Android SDK's recorded payloads (tests/data/source/android-sdk, PROVENANCE.md) through `sync
// --source DIR`, nothing added: the counts below were read off the files by hand (distinct keys and
// uids). 2.39/2.40's `instances` envelopes are read by the kind of their records; option combos
// nested in category combos land; the deprecated /api/trackedEntityInstances file is skipped with
// a warning naming it.
TEST_F(CliTest, AndroidSdkPayloadsEveryRecordEndsInSilverOrRejects) {
  ::setenv("XDG_CONFIG_HOME", dir_.c_str(), 1);
  fs::copy(fs::path(DHL_SOURCE_DIR) / "tests/data/source/android-sdk", dir_ / "sdk");
  CliRun sync = Cli({"--lake", "lake", "sync", "--source", "sdk"});
  ASSERT_EQ(sync.exit_code, 0) << sync.out << sync.err;
  auto count = [&](const std::string& query) { return SqlCount(query); };
  std::string output = sync.out + sync.err;
  EXPECT_NE(output.find("trackedentity__tracked_entity_instances.json holds nothing"),
            std::string::npos)
      << output;
  EXPECT_EQ(output.find("new_tracker_importer_events_lower_v41.json holds nothing"),
            std::string::npos)
      << output;
  // 7 distinct data value keys in the two data value files, every one valid (their option combos
  // are nested in category__category_combos.json).
  EXPECT_EQ(count("SELECT count(*) FROM silver.data_value"), 7);
  EXPECT_EQ(count("SELECT count(*) FROM silver.rejects WHERE table_name = 'silver.data_value'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM silver.category_option_combo WHERE category_combo IS NULL"),
            0);
  // 4 registrations: 3 in silver, the one of period "false_period" rejected with the reason.
  EXPECT_EQ(count("SELECT count(*) FROM silver.complete_registration"), 3);
  EXPECT_EQ(count("SELECT count(*) FROM silver.rejects WHERE table_name = "
                  "'silver.complete_registration' AND expectation = 'invalid_period' AND "
                  "json_extract_string(record, '$.pe') = 'false_period'"),
            1);
  // Tracker: 4 events, 2 enrollments, 2 tracked entities (those nested in the 2.41 and
  // `instances` envelopes, the old /api/events list), none rejected.
  EXPECT_EQ(count("SELECT count(*) FROM silver.event"), 4);
  EXPECT_EQ(count("SELECT count(*) FROM silver.enrollment"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM silver.tracked_entity"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM silver.rejects WHERE table_name IN ('silver.event', "
                  "'silver.enrollment', 'silver.tracked_entity')"),
            0);
}
