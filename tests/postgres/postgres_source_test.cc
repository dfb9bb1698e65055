// The database source (`sync --source postgresql://...`) against a real PostgreSQL 15 holding the
// simulator's country in DHIS2's schema (`sim --write-postgres`). One server for the whole suite
// (tests/postgres/postgres_server.h), small scale. What must hold:
//   * the same country extracted through the Web API and through the database gives identical
//     silver and gold tables (every table, every row; the columns recording how a row arrived
//     aside);
//   * the 2.38-2.40 schema (the 2.41 renames in reverse) extracts the same bronze data values;
//   * wrong password, unreachable host, a database that is not DHIS2, a DHIS2 too old: a one-line
//     error naming the problem, exit 1, nothing written to the lake, the password nowhere;
//   * an extraction killed (SIGKILL) at random points ten times and then rerun leaves the same
//     bronze as one clean run;
//   * confidential attribute values DHIS2 stored encrypted are read with [postgres]
//     encryption_key (vectors made by OpenSSL's command line and by Jasypt) and land hashed; a
//     wrong key is an error naming the attribute before anything is written; without a key they
//     are left out, never landed as empty.
// The cases share one written country (database dhis2_same) and the lake the first case syncs from
// it (writing the country and a full sync are most of the suite's time): the case that mutates the
// country runs last, and each case builds what it needs when run alone.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/hash.h"
#include "base/test_paths.h"
#include "base/text.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "pipeline/sync_runner.h"
#include "postgres_server.h"
#include "sim/postgres_country_writer.h"
#include "sim/sim_command.h"
#include "sim/simulator.h"
#include "source/dhis2_encryption.h"
#include "source/postgres_connection.h"

namespace dhl {
namespace {

namespace fs = std::filesystem;

testing::PostgresServer* server = nullptr;

class ServerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    server_ = std::make_unique<testing::PostgresServer>();
    server = server_.get();
    ::setenv("PGPASSWORD", testing::PostgresServer::kPassword, 1);
    ::setenv("PGCONNECT_TIMEOUT", "5", 1);
  }
  void TearDown() override {
    fs::remove_all(fs::temp_directory_path() / ("dhl_pgsrc_shared_" + std::to_string(getpid())));
    server = nullptr;
    server_.reset();
  }

 private:
  std::unique_ptr<testing::PostgresServer> server_;
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new ServerEnvironment);

// Columns that record how a row arrived (or, for data_value.created, a field the simulator's
// dataValueSets.csv leaves out but the database holds).
const std::set<std::string> kArrivalColumns = {"_run_id", "_ingested_at", "_source", "_chunk",
                                               "run_id",  "ingested_at",  "_batch"};

// Tables built from what the database source does not read yet (program indicators,
// relationships).

fs::path TempDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("dhl_pgsrc_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

sim::SimOptions SmallCountry() {
  sim::SimOptions options;
  options.port = 0;
  options.seed = 7;
  return options;
}

// Writes the simulator's country into a new database `name`, its confidential attribute values
// encrypted with `encryption_password` as DHIS2 stores them. With `fresh` false the database keeps
// its tables and the writer replaces their rows.
void WriteCountry(
    const std::string& name, const sim::SimOptions& options, bool fresh = true,
    const std::string& encryption_password = source::kDhis2DefaultEncryptionPassword) {
  if (fresh) {
    ASSERT_TRUE(
        server->Psql("postgres", "DROP DATABASE IF EXISTS " + name + "; CREATE DATABASE " + name));
  }
  sim::Simulator simulator(options, SystemClock::Instance());
  auto written = sim::WriteCountryToPostgres(simulator, server->Uri(name), "", encryption_password);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  ASSERT_GT(written->data_values, 10000);
}

// The country every case reads (database dhis2_same), written once per process; written again
// when the mutating case changed it.
bool shared_country_written = false;
bool shared_country_mutated = false;
const char* const kSharedCountry = "dhis2_same";

void EnsureSharedCountry() {
  if (shared_country_written && !shared_country_mutated) return;
  WriteCountry(kSharedCountry, SmallCountry());
  shared_country_written = !::testing::Test::HasFatalFailure();
  shared_country_mutated = false;
}

pipeline::SyncOptions SyncTo(const fs::path& lake, const std::string& source);

// The lake synced from the shared country by the first case (silver and gold from the database
// source), kept for the cases after it; synced here when that case did not run.
fs::path SharedDatabaseLake() {
  static const fs::path lake =
      fs::temp_directory_path() / ("dhl_pgsrc_shared_" + std::to_string(getpid())) / "db";
  if (!fs::exists(lake / "bronze")) {
    EnsureSharedCountry();
    pipeline::SyncOptions options = SyncTo(lake, server->Uri(kSharedCountry));
    // JSON tables landed in files of 10 x page_size = 50 records (LandJsonRows), as a large
    // database's are in files of 10,000: every JSON table of the small country spans several.
    options.extract.page_size = 5;
    auto synced = pipeline::RunSync(options);
    EXPECT_TRUE(synced.ok()) << synced.status().ToString();
    if (synced.ok()) {
      EXPECT_TRUE(synced->ok()) << synced->ToText();
    }
  }
  return lake;
}

pipeline::SyncOptions SyncTo(const fs::path& lake, const std::string& source) {
  pipeline::SyncOptions options;
  options.lake_dir = lake.string();
  options.source = source;
  options.secrets.username = "admin";
  options.secrets.password = "district";
  options.secrets.hash_key = std::string(64, 'c');
  // The simulated server's dhis.conf sets no encryption.password: DHIS2's built-in one.
  options.secrets.postgres_encryption_key = source::kDhis2DefaultEncryptionPassword;
  options.extract.first_year = 2023;
  options.progress = false;
  return options;
}

// `list` ("a", "b", ...) with column `column` read through `expression` instead.
std::string ReplaceColumn(const std::string& list, const std::string& column,
                          const std::string& expression) {
  std::string quoted = "\"" + column + "\"";
  std::string out = list;
  size_t at = out.find(quoted);
  if (at != std::string::npos) {
    out.replace(at, quoted.size(), expression + " AS " + quoted);
  }
  return out;
}

// Compares every table of `layers` in two lakes, row for row, arrival columns aside. Returns the
// differences, one line per table that differs.
std::vector<std::string> CompareLakes(const fs::path& left, const fs::path& right,
                                      const std::vector<std::string>& layers,
                                      const std::set<std::string>& skipped = {},
                                      const std::map<std::string, std::string>& filters = {}) {
  std::vector<std::string> differences;
  auto database = engine::Database::Open();
  EXPECT_TRUE(database.ok());
  auto connection = database->Connect();
  EXPECT_TRUE(connection.ok());
  lake::LakeCatalog left_catalog(left.string());
  lake::LakeCatalog right_catalog(right.string());
  auto tables = left_catalog.ListTables();
  EXPECT_TRUE(tables.ok());
  std::vector<lake::TableName> selected;
  for (const lake::TableName& name : *tables) {
    if (std::find(layers.begin(), layers.end(), name.layer) != layers.end() &&
        skipped.count(name.ToString()) == 0) {
      selected.push_back(name);
    }
  }
  // The left lake's tables copied into main, then the right lake's registered as views.
  EXPECT_TRUE(left_catalog.RegisterAll(*connection).ok());
  for (const lake::TableName& name : selected) {
    Status copied = connection->Execute("CREATE TABLE main.\"left_" + name.layer + "_" + name.name +
                                        "\" AS SELECT * FROM " + name.ToString());
    EXPECT_TRUE(copied.ok()) << copied.ToString();
  }
  EXPECT_TRUE(right_catalog.RegisterAll(*connection).ok());
  int compared = 0;
  for (const lake::TableName& name : selected) {
    if (!right_catalog.Table(name).Exists()) {
      differences.push_back(name.ToString() + ": missing on the right");
      continue;
    }
    std::string left_table = "main.\"left_" + name.layer + "_" + name.name + "\"";
    auto columns = connection->Query(
        "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM " + left_table + ")");
    std::string list;
    if (columns.ok()) {
      for (size_t row = 0; row < columns->row_count(); ++row) {
        std::string column = columns->GetString(0, row).value_or("");
        if (kArrivalColumns.count(column) > 0) {
          continue;
        }
        std::string quoted = "\"" + column + "\"";
        // Sums of doubles depend on the order rows arrive in (the last bits differ): compared
        // at single precision, after rounding away noise around zero.
        if (columns->GetString(1, row).value_or("") == "DOUBLE") {
          quoted = "CAST(round(" + quoted + ", 9) AS FLOAT) AS " + quoted;
        }
        list += (list.empty() ? "" : ", ") + quoted;
      }
    }
    // What differs by the simulator's choices rather than by source: its dataValueSets.csv has no
    // `created` column (the database has the value), and its JSON writes an integral coordinate as
    // 10.0 where PostGIS writes 10.
    std::string key = name.ToString();
    if (key == "silver.data_value") {
      list = ReplaceColumn(list, "created", "NULL");
    } else if (key == "silver.rejects") {
      list = ReplaceColumn(list, "record",
                           "regexp_replace(record, '\"created\":(\"[^\"]*\"|null),', '')");
    } else if (key == "silver.program_indicator") {
      // The object as received: the API's carries fields the database query does not build.
      list = ReplaceColumn(list, "object", "NULL");
    } else if (key == "silver.org_unit") {
      list = ReplaceColumn(list, "geometry", "regexp_replace(geometry, '\\.0([],])', '\\1', 'g')");
    }
    std::string where;
    if (auto filter = filters.find(key); filter != filters.end()) {
      where = " WHERE " + filter->second;
    }
    std::string left_sql = "SELECT " + list + " FROM " + left_table + where;
    std::string right_sql = "SELECT " + list + " FROM " + name.ToString() + where;
    auto counted =
        connection->Query("SELECT (SELECT count(*) FROM (" + left_sql + " EXCEPT ALL " + right_sql +
                          ")), " + "(SELECT count(*) FROM (" + right_sql + " EXCEPT ALL " +
                          left_sql + ")), (SELECT count(*) FROM (" + left_sql + "))");
    if (!counted.ok()) {
      differences.push_back(name.ToString() + ": " + counted.status().ToString());
      continue;
    }
    ++compared;
    int64_t only_left = counted->GetInt64(0, 0).value_or(-1);
    int64_t only_right = counted->GetInt64(1, 0).value_or(-1);
    if (only_left == 0 && only_right == 0) {
      continue;
    }
    std::string example;
    for (const auto& [label, sql] :
         {std::pair<std::string, std::string>{"left", left_sql + " EXCEPT ALL " + right_sql},
          {"right", right_sql + " EXCEPT ALL " + left_sql}}) {
      auto row = connection->Query("SELECT * FROM (" + sql + ") LIMIT 1");
      if (row.ok() && row->row_count() > 0) {
        example += " " + label + ":";
        for (size_t c = 0; c < row->column_count(); ++c) {
          example += " " + row->column_name(c) + "=" + row->GetString(c, 0).value_or("NULL");
        }
      }
    }
    differences.push_back(name.ToString() + ": " + std::to_string(only_left) + " rows only left, " +
                          std::to_string(only_right) + " only right, of " +
                          std::to_string(counted->GetInt64(2, 0).value_or(0)) + ";" + example);
  }
  EXPECT_GT(compared, 5);
  return differences;
}

class PostgresSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(server, nullptr);
    ASSERT_TRUE(server->ok()) << "PostgreSQL 15 did not start; see " << server->dir();
  }
};

TEST_F(PostgresSourceTest, WebApiAndDatabaseGiveIdenticalSilverAndGold) {
  sim::SimOptions options = SmallCountry();
  EnsureSharedCountry();
  fs::path dir = TempDir("same");
  sim::SimServer api(options);
  auto port = api.Start();
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  auto from_api = pipeline::RunSync(SyncTo(dir / "api", api.base_url()));
  api.Stop();
  ASSERT_TRUE(from_api.ok()) << from_api.status().ToString();
  std::vector<std::string> differences =
      CompareLakes(dir / "api", SharedDatabaseLake(), {"silver", "gold"});
  std::string text;
  for (const std::string& line : differences) {
    text += line + "\n";
  }
  EXPECT_TRUE(differences.empty()) << text;
  // The database lake's JSON chunks were landed in several files each (page_size 5): the
  // org units' chunk among them, whose 50-record files hold every unit once (the comparison).
  int later_files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(SharedDatabaseLake() / "_landing")) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with("_p00002.json")) ++later_files;
  }
  EXPECT_GT(later_files, 0);
  // Not vacuous for confidential attributes either: the database holds their values encrypted
  // only (as DHIS2 does; the Web API serves them in clear), the others in clear only.
  auto stored = source::PostgresConnection::Open({.uri = server->Uri(kSharedCountry)});
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  auto kinds = stored->Query(
      "SELECT count(*) FILTER (WHERE a.confidential AND v.value IS NULL AND v.encryptedvalue IS "
      "NOT NULL), count(*) FILTER (WHERE a.confidential AND v.value IS NOT NULL), count(*) FILTER "
      "(WHERE NOT a.confidential AND v.encryptedvalue IS NOT NULL), count(*) FILTER (WHERE NOT "
      "a.confidential AND v.value IS NOT NULL) FROM trackedentityattributevalue v JOIN "
      "trackedentityattribute a USING (trackedentityattributeid)");
  ASSERT_TRUE(kinds.ok()) << kinds.status().ToString();
  EXPECT_GE(std::stoll(kinds->rows[0][0].value_or("0")), 1000);  // split in parts (below)
  EXPECT_EQ(kinds->rows[0][1].value_or(""), "0");
  EXPECT_EQ(kinds->rows[0][2].value_or(""), "0");
  EXPECT_GT(std::stoll(kinds->rows[0][3].value_or("0")), 300);
  // The comparison is not vacuous for predictions: both of the simulator's predictors (read from
  // `predictor`, `expression` and `predictororgunitlevels`) predicted values from the database.
  auto database = engine::Database::Open();
  ASSERT_TRUE(database.ok());
  auto connection = database->Connect();
  ASSERT_TRUE(connection.ok());
  lake::LakeCatalog catalog(SharedDatabaseLake().string());
  ASSERT_TRUE(catalog.RegisterAll(*connection).ok());
  auto predicted = connection->Query(
      "SELECT count(DISTINCT predictor), count(*), count(DISTINCT ou) FROM gold.predicted_value");
  ASSERT_TRUE(predicted.ok()) << predicted.status().ToString();
  EXPECT_EQ(predicted->GetInt64(0, 0).value_or(0), 2);
  EXPECT_GT(predicted->GetInt64(1, 0).value_or(0), 0);
  auto districts = connection->Query(
      "SELECT count(*) FROM silver.org_unit WHERE level = 3 AND valid_to IS NULL");
  ASSERT_TRUE(districts.ok()) << districts.status().ToString();
  EXPECT_EQ(predicted->GetInt64(2, 0), districts->GetInt64(0, 0));  // district level only
  // The encrypted values (over 1000: 300 persons, 4 confidential attributes) were decrypted by the
  // four workers side by side: the tracked entities in one chunk each, every person once.
  auto parts = connection->Query(
      "SELECT count(DISTINCT _chunk), count(*), count(DISTINCT trackedEntity) FROM "
      "bronze.tracked_entity");
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  EXPECT_EQ(parts->GetInt64(0, 0).value_or(0), 4);
  EXPECT_EQ(parts->GetInt64(1, 0).value_or(0), 300);
  EXPECT_EQ(parts->GetInt64(2, 0).value_or(0), 300);
  if (differences.empty()) {
    fs::remove_all(dir);
  }
}

TEST_F(PostgresSourceTest, Schema240ReadsAsSchema242) {
  EnsureSharedCountry();
  // The same database as 2.38-2.40 name it: the 2.41 renames (V2_41_20..38) in reverse.
  ASSERT_TRUE(server->Psql("postgres", std::string("DROP DATABASE IF EXISTS dhis2_240; CREATE "
                                                   "DATABASE dhis2_240 TEMPLATE ") +
                                           kSharedCountry));
  ASSERT_TRUE(server->Psql(
      "dhis2_240",
      "ALTER TABLE category RENAME TO dataelementcategory; "
      "ALTER TABLE categoryoption RENAME TO dataelementcategoryoption; "
      "ALTER TABLE event RENAME TO programstageinstance; "
      "ALTER TABLE programstageinstance RENAME COLUMN eventid TO programstageinstanceid; "
      "ALTER TABLE programstageinstance RENAME COLUMN enrollmentid TO programinstanceid; "
      "ALTER TABLE programstageinstance RENAME COLUMN scheduleddate TO duedate; "
      "ALTER TABLE programstageinstance RENAME COLUMN occurreddate TO executiondate; "
      "ALTER TABLE enrollment RENAME TO programinstance; "
      "ALTER TABLE programinstance RENAME COLUMN enrollmentid TO programinstanceid; "
      "ALTER TABLE programinstance RENAME COLUMN trackedentityid TO trackedentityinstanceid; "
      "ALTER TABLE programinstance RENAME COLUMN completeddate TO enddate; "
      "ALTER TABLE programinstance RENAME COLUMN occurreddate TO incidentdate; "
      "ALTER TABLE trackedentity RENAME TO trackedentityinstance; "
      "ALTER TABLE trackedentityattributevalue RENAME COLUMN trackedentityid TO "
      "trackedentityinstanceid; "
      "ALTER TABLE trackedentityinstance RENAME COLUMN trackedentityid TO "
      "trackedentityinstanceid; "
      "ALTER TABLE relationshipitem RENAME COLUMN eventid TO programstageinstanceid; "
      "ALTER TABLE relationshipitem RENAME COLUMN enrollmentid TO programinstanceid; "
      "ALTER TABLE relationshipitem RENAME COLUMN trackedentityid TO trackedentityinstanceid"));
  fs::path dir = TempDir("schema240");
  for (const char* name : {kSharedCountry, "dhis2_240"}) {
    pipeline::SyncOptions sync = SyncTo(dir / name, server->Uri(name));
    sync.stages = {pipeline::SyncStage::kExtract};
    auto summary = pipeline::RunSync(sync);
    ASSERT_TRUE(summary.ok()) << name << ": " << summary.status().ToString();
  }
  std::vector<std::string> differences =
      CompareLakes(dir / kSharedCountry, dir / "dhis2_240", {"bronze"});
  std::string text;
  for (const std::string& line : differences) {
    text += line + "\n";
  }
  EXPECT_TRUE(differences.empty()) << text;
  fs::remove_all(dir);
}

// Runs the CLI with `arguments` (stdout and stderr to files in `dir`); returns the exit code.
int RunCli(const fs::path& dir, const std::string& arguments, std::string* output) {
  std::string out = (dir / "cli.out").string();
  int status = std::system((std::string(DHL_CLI) + " " + arguments + " >" + out + " 2>&1").c_str());
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  *output = text.str();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Every file under `dir` holding `needle`.
std::vector<std::string> FilesHolding(const fs::path& dir, const std::string& needle) {
  std::vector<std::string> found;
  std::error_code error;
  for (const auto& entry : fs::recursive_directory_iterator(dir, error)) {
    if (!entry.is_regular_file()) {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find(needle) != std::string::npos) {
      found.push_back(entry.path().string());
    }
  }
  return found;
}

void WriteSecretsFile(const fs::path& dir) {
  fs::path secrets = dir / "secrets.toml";
  std::ofstream(secrets) << "hash_key = \"" << std::string(64, 'd')
                         << "\"\n[postgres]\nencryption_key = \""
                         << source::kDhis2DefaultEncryptionPassword << "\"\n";
  fs::permissions(secrets, fs::perms::owner_read | fs::perms::owner_write);
  ::setenv("DHIS2LAKE_SECRETS", secrets.c_str(), 1);
}

TEST_F(PostgresSourceTest, BadSourcesFailInOneLineWritingNothing) {
  fs::path dir = TempDir("errors");
  WriteSecretsFile(dir);
  ASSERT_TRUE(server->Psql("postgres",
                           "DROP DATABASE IF EXISTS not_dhis2; CREATE DATABASE "
                           "not_dhis2; DROP DATABASE IF EXISTS dhis2_237; "
                           "CREATE DATABASE dhis2_237"));
  // A DHIS2 2.37: its core tables, and Flyway saying 2.37.
  ASSERT_TRUE(server->Psql(
      "dhis2_237",
      "CREATE TABLE datavalue (x int); CREATE TABLE period (x int); CREATE TABLE periodtype (x "
      "int); CREATE TABLE organisationunit (x int); CREATE TABLE dataelement (x int); CREATE "
      "TABLE categorycombo (x int); CREATE TABLE categoryoptioncombo (x int); CREATE TABLE "
      "dataset (x int); CREATE TABLE flyway_schema_history (installed_rank int, version text, "
      "success boolean); INSERT INTO flyway_schema_history VALUES (1, '2.37.9', true)"));
  // A DHIS2 set to the Ethiopian calendar (DHIS2's tables, empty, and the setting).
  ASSERT_TRUE(server->Psql("postgres",
                           "DROP DATABASE IF EXISTS dhis2_ethiopian; CREATE DATABASE "
                           "dhis2_ethiopian"));
  ASSERT_TRUE(server->Psql("dhis2_ethiopian", sim::Dhis2SchemaSubsetDdl()));
  ASSERT_TRUE(server->Psql("dhis2_ethiopian",
                           "INSERT INTO systemsetting (systemsettingid, name, value) VALUES (1, "
                           "'keyCalendar', convert_to('ethiopian', 'UTF8'))"));
  const std::string wrong_password = "Wrong-pw-5Kz";
  struct Case {
    std::string uri;
    std::string expected;  // in the error line
  };
  std::string port = std::to_string(server->port());
  const std::vector<Case> cases = {
      {"postgresql://postgres:" + wrong_password + "@127.0.0.1:" + port + "/postgres",
       "wrong user or password"},
      {"postgresql://postgres@127.0.0.1:1/dhis2", "cannot connect"},
      {server->Uri("not_dhis2"), "not a DHIS2 database"},
      {server->Uri("dhis2_237"), "older than 2.38"},
      {server->Uri("dhis2_ethiopian"), "ethiopian calendar"},
  };
  for (const Case& item : cases) {
    SCOPED_TRACE(item.expected);
    fs::path lake = dir / "lake";
    fs::remove_all(lake);
    std::string output;
    int code = RunCli(dir, "--lake " + lake.string() + " sync --only extract --source " + item.uri,
                      &output);
    EXPECT_EQ(code, 1) << output;
    // The error is one line (a warning about a password in the URI may precede it).
    std::vector<std::string> lines;
    std::stringstream stream(output);
    for (std::string line; std::getline(stream, line);) {
      if (line.find("error") != std::string::npos) {
        lines.push_back(line);
      }
    }
    ASSERT_EQ(lines.size(), 1u) << output;
    EXPECT_NE(lines[0].find(item.expected), std::string::npos) << output;
    EXPECT_EQ(output.find(wrong_password), std::string::npos) << output;
    EXPECT_EQ(output.find(testing::PostgresServer::kPassword), std::string::npos) << output;
    // Nothing written: no table, no landing file.
    EXPECT_FALSE(fs::exists(lake / "bronze")) << output;
    EXPECT_FALSE(fs::exists(lake / "_landing")) << output;
  }
  fs::remove_all(dir);
}

// Every lake of this case reads a copy of the country in which 40 values were saved a minute
// before the database's clock (as on a server in use), and the killed lake's third run is left to
// finish, so the runs after it are incremental ones starting within those values' minute. The
// incremental window's overlap (source.overlap_seconds, 300 by default) re-reads on purpose what
// was saved in the minutes before the previous run's snapshot, more than one clean run holds: with
// it the killed lake held the 40 values once more for each run after the first complete one (400
// rows too many). So this case sets it to 0 and asserts what the snapshot guarantees: a value
// committed before a run's snapshot lands once. (Before, this case read the simulator's country as
// written, whose latest values are stamped up to its day start, 00:00 UTC, and until 48824ef up to
// 00:10: run in the minutes after midnight by a build fast enough to finish a run before the last
// kill, it found those values twice.)
TEST_F(PostgresSourceTest, KilledTenTimesThenRerunEqualsOneCleanRun) {
  EnsureSharedCountry();
  ASSERT_TRUE(server->Psql("postgres", std::string("DROP DATABASE IF EXISTS dhis2_killed; "
                                                   "CREATE DATABASE dhis2_killed TEMPLATE ") +
                                           kSharedCountry));
  ASSERT_TRUE(server->Psql(
      "dhis2_killed",
      "UPDATE datavalue SET lastupdated = now() - interval '1 minute' WHERE (dataelementid, "
      "periodid, sourceid, categoryoptioncomboid, attributeoptioncomboid) IN (SELECT "
      "dataelementid, periodid, sourceid, categoryoptioncomboid, attributeoptioncomboid FROM "
      "datavalue ORDER BY 1, 2, 3, 4, 5 LIMIT 40)"));
  fs::path dir = TempDir("kill");
  WriteSecretsFile(dir);
  // page_size 5: JSON tables landed in files of 50 records, so kills also fall between the files
  // of one chunk.
  std::ofstream(dir / "dhis2lake.toml") << "[source]\noverlap_seconds = 0\npage_size = 5\n";
  const std::string config = " --config " + (dir / "dhis2lake.toml").string();
  std::string uri = server->Uri("dhis2_killed");
  std::string output;
  ASSERT_EQ(
      RunCli(dir,
             "--lake " + (dir / "clean").string() + config + " sync --only extract --source " + uri,
             &output),
      0)
      << output;
  std::mt19937 random(12345);
  std::uniform_int_distribution<int> delay_ms(100, 2500);
  fs::path lake = dir / "killed";
  std::string command = std::string(DHL_CLI) + " --lake " + lake.string() + config +
                        " sync --only extract --source " + uri + " >/dev/null 2>&1";
  for (int round = 0; round < 10; ++round) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status = 0;
    if (round == 2) {
      ::waitpid(child, &status, 0);  // finishes what the kills left, and its own run
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
      continue;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
  }
  ASSERT_EQ(RunCli(dir, "--lake " + lake.string() + config + " sync --only extract --source " + uri,
                   &output),
            0)
      << output;
  // Data values exactly once; the other tables as sets (registrations are read whole each run).
  auto database = engine::Database::Open();
  ASSERT_TRUE(database.ok());
  auto connection = database->Connect();
  ASSERT_TRUE(connection.ok());
  lake::LakeCatalog clean((dir / "clean").string());
  lake::LakeCatalog killed(lake.string());
  auto tables = clean.ListTables();
  ASSERT_TRUE(tables.ok());
  ASSERT_TRUE(clean.RegisterAll(*connection).ok());
  int compared = 0;
  for (const lake::TableName& name : *tables) {
    if (name.layer != "bronze") {
      continue;
    }
    ASSERT_TRUE(connection
                    ->Execute("CREATE TABLE main.\"clean_" + name.name +
                              "\" AS SELECT * EXCLUDE (_run_id, _ingested_at, _chunk) FROM " +
                              name.ToString())
                    .ok());
  }
  ASSERT_TRUE(killed.RegisterAll(*connection).ok());
  for (const lake::TableName& name : *tables) {
    if (name.layer != "bronze") {
      continue;
    }
    SCOPED_TRACE(name.ToString());
    std::string left = "SELECT * FROM main.\"clean_" + name.name + "\"";
    std::string right = "SELECT * EXCLUDE (_run_id, _ingested_at, _chunk) FROM " + name.ToString();
    std::string op = name.name == "data_value" ? " EXCEPT ALL " : " EXCEPT ";
    auto counted = connection->Query("SELECT (SELECT count(*) FROM (" + left + op + right +
                                     ")), (SELECT count(*) FROM (" + right + op + left + "))");
    ASSERT_TRUE(counted.ok()) << counted.status().ToString();
    EXPECT_EQ(counted->GetInt64(0, 0).value_or(-1), 0);
    EXPECT_EQ(counted->GetInt64(1, 0).value_or(-1), 0);
    ++compared;
  }
  EXPECT_GT(compared, 10);
  // No password in any landing file, plan or table.
  EXPECT_TRUE(FilesHolding(dir / "killed", testing::PostgresServer::kPassword).empty());
  fs::remove_all(dir);
}

// Last: it mutates the shared country.
// The vectors of tests/data/source/dhis2-encryption encrypted with `password` (both makers):
// encrypted value -> clear text.
std::map<std::string, std::string> EncryptionVectors(const std::string& password) {
  std::map<std::string, std::string> vectors;
  for (const char* file : {"openssl_vectors.tsv", "jasypt_vectors.tsv"}) {
    std::ifstream in(std::string(DHL_SOURCE_DIR) + "/tests/data/source/dhis2-encryption/" + file);
    for (std::string line; std::getline(in, line);) {
      std::vector<std::string_view> fields = Split(line, '\t');
      if (fields.size() == 3 && fields[0] == password) {
        vectors[std::string(fields[2])] = std::string(fields[1]);
      }
    }
  }
  return vectors;
}

// trackedEntity -> the value of `attribute` in bronze.tracked_entity of `lake` (absent: no entry).
std::map<std::string, std::string> BronzeAttributeValues(const fs::path& lake,
                                                         const std::string& attribute) {
  std::map<std::string, std::string> values;
  auto database = engine::Database::Open();
  EXPECT_TRUE(database.ok());
  auto connection = database->Connect();
  EXPECT_TRUE(connection.ok());
  lake::LakeCatalog catalog(lake.string());
  EXPECT_TRUE(catalog.RegisterAll(*connection).ok());
  auto rows = connection->Query("SELECT trackedEntity, attributes FROM bronze.tracked_entity");
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  if (!rows.ok()) return values;
  for (size_t row = 0; row < rows->row_count(); ++row) {
    nlohmann::json list = nlohmann::json::parse(rows->GetString(1, row).value_or("[]"));
    for (const nlohmann::json& item : list) {
      if (item.value("attribute", "") == attribute && item.contains("value")) {
        values[rows->GetString(0, row).value_or("")] =
            item["value"].is_string() ? item["value"].get<std::string>() : item["value"].dump();
      }
    }
  }
  return values;
}

TEST_F(PostgresSourceTest, EncryptedConfidentialValuesAreDecryptedThenHashed) {
  EnsureSharedCountry();
  const std::string key = "xq3-Lm9!vR7#tB2@wN5$kP8%zz";
  std::map<std::string, std::string> vectors = EncryptionVectors(key);
  ASSERT_GE(vectors.size(), 4u);
  // The country written with `key` as the server's encryption.password, whose first confidential
  // attribute holds, for the first tracked entities (by uid), the vectors instead. The data values
  // are left out (this case reads tracker data).
  std::string values;
  int n = 0;
  for (const auto& [encrypted, clear] : vectors) {
    values += (values.empty() ? "" : ", ") + fmt::format("({}, '{}')", ++n, encrypted);
  }
  WriteCountry("dhis2_encrypted", SmallCountry(), /*fresh=*/true, key);
  ASSERT_TRUE(server->Psql(
      "dhis2_encrypted",
      "TRUNCATE datavalue, completedatasetregistration CASCADE; "
      "WITH attribute AS (SELECT trackedentityattributeid FROM trackedentityattribute WHERE "
      "confidential ORDER BY uid LIMIT 1), targets AS (SELECT v.trackedentityid, "
      "v.trackedentityattributeid, row_number() OVER (ORDER BY te.uid) AS n FROM "
      "trackedentityattributevalue v JOIN trackedentity te USING (trackedentityid) WHERE "
      "v.trackedentityattributeid = (SELECT trackedentityattributeid FROM attribute)), "
      "vectors(n, encrypted) AS (VALUES " +
          values +
          ") UPDATE trackedentityattributevalue v SET value = NULL, encryptedvalue = "
          "vectors.encrypted FROM targets JOIN vectors USING (n) WHERE v.trackedentityid = "
          "targets.trackedentityid AND v.trackedentityattributeid = "
          "targets.trackedentityattributeid"));
  // Which tracked entity holds which vector, and the attribute's uid, from the database.
  auto connection = source::PostgresConnection::Open({.uri = server->Uri("dhis2_encrypted")});
  ASSERT_TRUE(connection.ok()) << connection.status().ToString();
  std::string listed;
  for (const auto& [encrypted, clear] : vectors) {
    listed += (listed.empty() ? "'" : ", '") + encrypted + "'";
  }
  auto stored = connection->Query(
      "SELECT te.uid, a.uid, v.encryptedvalue FROM trackedentityattributevalue v JOIN "
      "trackedentity te USING (trackedentityid) JOIN trackedentityattribute a USING "
      "(trackedentityattributeid) WHERE v.encryptedvalue IN (" +
      listed + ")");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  ASSERT_EQ(stored->rows.size(), vectors.size());
  const std::string attribute = stored->rows[0][1].value_or("");
  auto sex_rows = connection->Query("SELECT uid FROM trackedentityattribute WHERE code = 'SEX'");
  ASSERT_TRUE(sex_rows.ok() && sex_rows->rows.size() == 1);
  const std::string sex = sex_rows->rows[0][0].value_or("");  // not confidential: in clear
  std::map<std::string, std::string> clear_by_entity;
  for (const auto& row : stored->rows) {
    clear_by_entity[row[0].value_or("")] = vectors.at(row[2].value_or(""));
  }

  fs::path dir = TempDir("encrypted");
  auto sync = [&](const std::string& name, const std::string& encryption_key) {
    pipeline::SyncOptions options = SyncTo(dir / name, server->Uri("dhis2_encrypted"));
    options.stages = {pipeline::SyncStage::kExtract};
    options.secrets.postgres_encryption_key = encryption_key;
    return pipeline::RunSync(options);
  };
  // A wrong key: an error naming the attribute, before anything is written.
  auto wrong = sync("wrong", "J7GhAs287hsSQlKd9g5");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("does not decrypt the stored values of confidential "
                                          "attribute " +
                                          attribute),
            std::string::npos)
      << wrong.status().ToString();
  EXPECT_EQ(wrong.status().message().find(key), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "wrong" / "bronze"));
  EXPECT_FALSE(fs::exists(dir / "wrong" / "_landing"));

  // The right key: each value lands as the HMAC of its clear text, like any confidential value.
  auto right = sync("right", key);
  ASSERT_TRUE(right.ok()) << right.status().ToString();
  ASSERT_TRUE(right->ok()) << right->ToText();
  std::map<std::string, std::string> landed = BronzeAttributeValues(dir / "right", attribute);
  for (const auto& [entity, clear] : clear_by_entity) {
    ASSERT_EQ(landed.count(entity), 1u) << entity;
    EXPECT_EQ(landed[entity], HmacSha256Hex(std::string(64, 'c'), clear)) << entity << " " << clear;
  }
  // The attribute's other values (which the simulator encrypted) are hashed too; no clear text
  // lands anywhere.
  EXPECT_GT(landed.size(), clear_by_entity.size());
  for (const auto& [entity, value] : landed) {
    EXPECT_TRUE(value.size() == 64 &&
                value.find_first_not_of("0123456789abcdef") == std::string::npos)
        << entity << ": " << value;
  }
  for (const auto& [entity, clear] : clear_by_entity) {
    if (clear.size() >= 6) {
      EXPECT_TRUE(FilesHolding(dir / "right", clear).empty()) << clear;
    }
  }

  // No key: the encrypted values (all of the attribute's) are left out, no entry at all, while
  // the attributes stored in clear land as before.
  auto none = sync("none", "");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(BronzeAttributeValues(dir / "none", attribute).empty());
  EXPECT_EQ(BronzeAttributeValues(dir / "none", sex).size(),
            BronzeAttributeValues(dir / "right", sex).size());
  EXPECT_GT(BronzeAttributeValues(dir / "none", sex).size(), 100u);
  fs::remove_all(dir);
}

// A second sync from an unchanged database appends no min-max ranges, registrations or windows (the
// database source's snapshots: read whole each run) and commits no silver or gold table.
TEST_F(PostgresSourceTest, ASecondSyncOfAnUnchangedDatabaseAppendsNoSnapshot) {
  EnsureSharedCountry();
  fs::path dir = TempDir("unchanged");
  fs::path shared = SharedDatabaseLake();
  ASSERT_FALSE(::testing::Test::HasFailure());
  fs::copy(shared, dir / "lake", fs::copy_options::recursive);
  auto versions = [&] {
    std::map<std::string, int64_t> tables;
    auto database = engine::Database::Open().value();
    auto connection = database.Connect().value();
    lake::LakeCatalog catalog((dir / "lake").string());
    auto names = catalog.ListTables();
    EXPECT_TRUE(names.ok());
    for (const lake::TableName& name : names.ok() ? *names : std::vector<lake::TableName>()) {
      if (name.layer == "ops") continue;
      auto snapshot = catalog.Table(name).Load(connection);
      tables[name.ToString()] = snapshot.ok() ? snapshot->version : -1;
    }
    return tables;
  };
  std::map<std::string, int64_t> before = versions();
  ASSERT_GT(before.count("bronze.min_max_data_element"), 0u);
  ASSERT_GT(before.count("bronze.complete_registration_window"), 0u);
  pipeline::SyncOptions options = SyncTo(dir / "lake", server->Uri(kSharedCountry));
  options.extract.page_size = 5;  // as the shared lake was landed: the same files
  // No overlap: the simulator stamps its records up to the country's "today" (midnight UTC), so
  // a run within overlap_seconds after midnight re-reads, by design, the records stamped in the
  // minutes before it and appends them again (silver keeps one of each). This case is about the
  // snapshots read whole each run, not about the incremental windows.
  options.extract.overlap_seconds = 0;
  auto again = pipeline::RunSync(options);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  std::string text = again->ToText();
  EXPECT_EQ(versions(), before) << text;
  EXPECT_NE(text.find("(unchanged: "), std::string::npos) << text;
  fs::remove_all(dir);
}

TEST_F(PostgresSourceTest, IncrementalAfterMutationsEqualsFreshFull) {
  sim::SimOptions options = SmallCountry();
  EnsureSharedCountry();
  fs::path dir = TempDir("incremental");
  std::string uri = server->Uri(kSharedCountry);
  // The first sync: a copy of the lake the first case synced from the same country.
  fs::path shared = SharedDatabaseLake();
  ASSERT_FALSE(::testing::Test::HasFailure());
  fs::copy(shared, dir / "incremental", fs::copy_options::recursive);
  // The simulator's mutation round (values changed, deleted and added, registrations too),
  // stamped now, written over the same tables. The cases before this one read the unmutated
  // country; this one runs last (gtest's written order), and a case run after it writes the
  // country again.
  options.mutate = 0.05;
  shared_country_mutated = true;
  WriteCountry(kSharedCountry, options, /*fresh=*/false);
  auto incremental = pipeline::RunSync(SyncTo(dir / "incremental", uri));
  ASSERT_TRUE(incremental.ok()) << incremental.status().ToString();
  auto full = pipeline::RunSync(SyncTo(dir / "full", uri));
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  // Not compared: silver.rejects is a log of every run's rejected records, so an incremental lake
  // also holds the rejects of values changed since. Registrations the mutation deleted leave the
  // incremental lake through the run's registration windows, so reporting rates and the
  // data-quality summary are compared.
  std::vector<std::string> differences =
      CompareLakes(dir / "full", dir / "incremental", {"silver", "gold"}, {"silver.rejects"});
  std::string text;
  for (const std::string& line : differences) {
    text += line + "\n";
  }
  EXPECT_TRUE(differences.empty()) << text;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dhl
