// End-to-end: `dhis2lake sync` as a user runs it, from the simulator (`dhis2lake sim --scale
// small`) and from an export folder of real recorded payloads, into a temporary lake; silver is
// checked against figures computed independently of the models (the simulator's own --stats, a
// plain validity check of each rejected value, values read by hand from the recordings).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "base/test_paths.h"
#include "engine/database.h"
#include "http/curl_transport.h"
#include "lake/lake_catalog.h"

namespace dhl {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kRecordings = std::string(DHL_SOURCE_DIR) + "/tests/data/source";
const std::string kHashKey = std::string(64, 'b');

fs::path TempDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / fmt::format("dhl_sync_{}_{}", name, ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Runs `command` through the shell; returns (exit code, stdout and stderr).
std::pair<int, std::string> Run(const std::string& command, const fs::path& log) {
  int status = std::system((command + " > " + log.string() + " 2>&1").c_str());
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return {code, ReadFile(log)};
}

// `dhis2lake sim --port 0 ...` in a child process, stopped (SIGTERM) by the destructor.
class Simulator {
 public:
  explicit Simulator(const std::vector<std::string>& flags) {
    int fds[2];
    if (::pipe(fds) != 0) {
      return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      std::vector<std::string> args = {DHL_CLI, "sim", "--port", "0"};
      args.insert(args.end(), flags.begin(), flags.end());
      std::vector<char*> argv;
      for (std::string& arg : args) {
        argv.push_back(arg.data());
      }
      argv.push_back(nullptr);
      ::execv(DHL_CLI, argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    std::string line;
    char c = 0;
    while (::read(fds[0], &c, 1) == 1 && c != '\n') {
      line += c;
    }
    ::close(fds[0]);
    const std::string prefix = "listening on ";
    if (line.rfind(prefix + "http://127.0.0.1:", 0) == 0) {
      url_ = line.substr(prefix.size());
    }
  }
  ~Simulator() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  const std::string& url() const { return url_; }

  // POST /admin/mutate?share=F; returns the answer's body ("" on failure).
  std::string Mutate(double share) const {
    http::CurlTransport transport;
    http::HttpRequest request;
    request.method = "POST";
    request.url = fmt::format("{}/admin/mutate?share={}", url_, share);
    request.headers = {{"Authorization", "Basic YWRtaW46ZGlzdHJpY3Q="}};  // admin:district
    http::StringSink sink;
    if (!transport.Send(request, sink).ok() || sink.head().status != 200) {
      return "";
    }
    return sink.body();
  }

 private:
  pid_t pid_ = -1;
  std::string url_;
};

json SimStats(const std::string& flags, const fs::path& dir) {
  auto [code, output] = Run(fmt::format("{} sim --stats {}", DHL_CLI, flags), dir / "stats.json");
  EXPECT_EQ(code, 0) << output;
  return json::parse(output, nullptr, /*allow_exceptions=*/false);
}

// A lake folder with its secrets and configuration, synced through the CLI.
struct Workspace {
  fs::path dir;
  explicit Workspace(const std::string& name, const std::string& source_settings = "")
      : dir(TempDir(name)) {
    std::ofstream(dir / "secrets.toml") << "hash_key = \"" << kHashKey << "\"\n";
    std::ofstream(dir / "dhis2lake.toml") << "[source]\nfirst_year = 2023\n" << source_settings;
  }
  ~Workspace() { fs::remove_all(dir); }
  fs::path lake() const { return dir / "lake"; }

  std::pair<int, std::string> Sync(const std::string& url, const std::string& flags = "") const {
    return Run(fmt::format("env DHIS2_USERNAME=admin DHIS2_PASSWORD=district DHIS2LAKE_SECRETS={} "
                           "{} --lake {} --config {} sync --source {} {}",
                           (dir / "secrets.toml").string(), DHL_CLI, lake().string(),
                           (dir / "dhis2lake.toml").string(), url, flags),
               dir / "sync.log");
  }
};

// An in-memory DuckDB over a lake's tables (registered at their latest versions on creation).
class LakeReader {
 public:
  explicit LakeReader(const fs::path& lake) : catalog_(lake.string()) {
    auto database = engine::Database::Open();
    EXPECT_TRUE(database.ok());
    database_.emplace(std::move(*database));
    auto connection = database_->Connect();
    EXPECT_TRUE(connection.ok());
    connection_.emplace(std::move(*connection));
    auto registered = catalog_.RegisterAll(*connection_);
    EXPECT_TRUE(registered.ok()) << registered.status().ToString();
  }

  Result<engine::QueryResult> Query(const std::string& sql) {
    auto result = connection_->Query(sql);
    EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
    return result;
  }
  int64_t Count(const std::string& sql) {
    auto result = Query(sql);
    return result.ok() && result->row_count() > 0 ? result->GetInt64(0, 0).value_or(-1) : -1;
  }
  std::vector<std::string> Strings(const std::string& sql) {
    auto result = Query(sql);
    std::vector<std::string> rows;
    for (size_t row = 0; result.ok() && row < result->row_count(); ++row) {
      rows.push_back(result->GetString(0, row).value_or("NULL"));
    }
    return rows;
  }
  bool Has(const std::string& table) {
    auto name = lake::ParseTableName(table);
    return name.ok() && catalog_.Table(*name).Exists();
  }

  // The silver and gold tables with their Delta versions.
  std::map<std::string, int64_t> Versions() {
    std::map<std::string, int64_t> versions;
    auto tables = catalog_.ListTables();
    EXPECT_TRUE(tables.ok());
    for (const lake::TableName& name : tables.ok() ? *tables : std::vector<lake::TableName>()) {
      if (name.layer != "silver" && name.layer != "gold") {
        continue;
      }
      auto snapshot = catalog_.Table(name).Load(*connection_);
      versions[name.ToString()] = snapshot.ok() ? snapshot->version : -1;
    }
    return versions;
  }

  // The table's rows, sorted, as text: ingestion columns (a leading '_') left out and doubles
  // written with 10 significant digits and 9 decimals (sums may differ in the last bits between
  // runs).
  std::vector<std::string> Content(const std::string& table) {
    auto columns = Query("DESCRIBE " + table);
    std::vector<std::string> items;
    for (size_t row = 0; columns.ok() && row < columns->row_count(); ++row) {
      std::string name = columns->GetString(0, row).value_or("");
      std::string type = columns->GetString(1, row).value_or("");
      if (name.empty() || name[0] == '_') {
        continue;
      }
      std::string quoted = "\"" + name + "\"";
      items.push_back(type == "DOUBLE" || type == "FLOAT"
                          ? "format('{:.10g}', round(" + quoted + ", 9) + 0.0)"
                          : quoted);
    }
    std::string list;
    for (const std::string& item : items) {
      list += (list.empty() ? "" : ", ") + item;
    }
    std::vector<std::string> rows =
        Strings("SELECT CAST(ROW(" + list + ") AS VARCHAR) FROM " + table);
    std::sort(rows.begin(), rows.end());
    return rows;
  }

 private:
  std::optional<engine::Database> database_;
  std::optional<engine::Connection> connection_;
  lake::LakeCatalog catalog_;
};

// Whether `text` is a valid value of DHIS2 value type `type`, for the types the simulator uses
// (written from DHIS2's rules, independently of the silver model): its invalid values are "12a" in
// a NUMBER, negative counts, percentages over 100 and "maybe" in a BOOLEAN.
bool ValidValue(const std::string& type, const std::string& text) {
  static const std::regex number("^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$");
  static const std::regex zero_or_positive("^(0|[1-9][0-9]*)$");
  static const std::regex positive("^[1-9][0-9]*$");
  if (type == "NUMBER") {
    return std::regex_match(text, number);
  }
  if (type == "INTEGER_ZERO_OR_POSITIVE") {
    return std::regex_match(text, zero_or_positive);
  }
  if (type == "INTEGER_POSITIVE") {
    return std::regex_match(text, positive);
  }
  if (type == "PERCENTAGE") {
    return std::regex_match(text, number) && std::stod(text) >= 0 && std::stod(text) <= 100;
  }
  if (type == "BOOLEAN") {
    return text == "true" || text == "false";
  }
  return true;  // TEXT and the rest: anything
}

// A reject's record without its ingestion fields (a leading '_'), as canonical JSON text.
std::string RecordWithoutIngestion(const std::string& record) {
  json parsed = json::parse(record, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    return record;
  }
  for (auto it = parsed.begin(); it != parsed.end();) {
    it = it.key().rfind('_', 0) == 0 ? parsed.erase(it) : std::next(it);
  }
  return parsed.dump();
}

bool HasSilverModels(LakeReader& reader) { return reader.Has("silver.data_value"); }

// The simulator cases share one simulator (`sim --scale small`) and one lake synced from it once
// (the most expensive steps): the first case checks that lake against the simulator's counts and
// syncs it again unchanged; the second mutates the simulator, syncs the same lake incrementally and
// compares it with a --full sync into a fresh lake. gtest runs them in the order written (the first
// fails if the simulator was already mutated, under --gtest_shuffle say). Either runs alone too.
// The lake re-fetches the registrations of every period since 2023 (`trailing_periods = 220`, see
// the second case).
class SyncTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    workspace_ = new Workspace("sim", "trailing_periods = 220\n");
    stats_ = new json(SimStats("--scale small", workspace_->dir));
    simulator_ = new Simulator({"--scale", "small"});
    first_sync_ = new std::pair<int, std::string>(-1, "the simulator did not start");
    if (!simulator_->url().empty()) *first_sync_ = workspace_->Sync(simulator_->url());
  }
  static void TearDownTestSuite() {
    delete first_sync_;
    delete simulator_;
    delete stats_;
    delete workspace_;
  }

  static Workspace* workspace_;
  static json* stats_;                              // sim --stats of the unmutated simulator
  static Simulator* simulator_;                     // shared; the second case mutates it
  static std::pair<int, std::string>* first_sync_;  // exit code and output of the first sync
  static bool mutated_;
};

Workspace* SyncTest::workspace_ = nullptr;
json* SyncTest::stats_ = nullptr;
Simulator* SyncTest::simulator_ = nullptr;
std::pair<int, std::string>* SyncTest::first_sync_ = nullptr;
bool SyncTest::mutated_ = false;

// One sync from the simulator: every silver count equals the simulator's own, every rejected value
// is invalid for its type and carries that reason, the summary counts it; a second sync changes no
// silver or gold table.
TEST_F(SyncTest, SimulatorSyncMatchesTheSimulatorsCountsAndASecondSyncChangesNothing) {
  ASSERT_FALSE(mutated_) << "this case must run before the mutating one (gtest's written order)";
  const Workspace& workspace = *workspace_;
  const json& stats = *stats_;
  ASSERT_TRUE(stats.is_object());
  const Simulator& simulator = *simulator_;
  ASSERT_FALSE(simulator.url().empty());
  const auto& [code, output] = *first_sync_;
  ASSERT_EQ(code, 0) << output;
  LakeReader reader(workspace.lake());
  if (!HasSilverModels(reader)) {
    GTEST_SKIP() << "the binary embeds no silver.data_value model yet\n" << output;
  }
  const int64_t live = stats["data_values"]["live"];
  const int64_t invalid = stats["data_values"]["invalid"];
  EXPECT_EQ(reader.Count("SELECT count(*) FROM silver.data_value"), live - invalid);
  EXPECT_EQ(reader.Count("SELECT count(*) FROM silver.complete_registration"),
            stats["complete_registrations"].get<int64_t>());
  EXPECT_EQ(reader.Count("SELECT count(*) FROM silver.event"), stats["events"].get<int64_t>());
  EXPECT_EQ(reader.Count("SELECT count(*) FROM silver.enrollment"),
            stats["enrollments"].get<int64_t>());
  EXPECT_EQ(reader.Count("SELECT count(*) FROM silver.tracked_entity"),
            stats["tracked_entities"].get<int64_t>());
  EXPECT_EQ(reader.Count("SELECT count(*) FROM silver.org_unit WHERE valid_to IS NULL"),
            stats["org_units"].get<int64_t>());
  EXPECT_EQ(reader.Count("SELECT count(*) FROM silver.data_element"),
            stats["data_elements"].get<int64_t>());
  EXPECT_EQ(reader.Count("SELECT count(*) FROM silver.indicator"),
            stats["indicators"].get<int64_t>());

  // Each rejected data value is one the simulator made invalid, with that reason.
  auto queried = reader.Query(
      "SELECT expectation, record FROM silver.rejects WHERE table_name = 'silver.data_value'");
  ASSERT_TRUE(queried.ok());
  const engine::QueryResult& rejects = *queried;
  EXPECT_EQ(static_cast<int64_t>(rejects.row_count()), invalid);
  std::set<std::string> keys;
  for (size_t row = 0; row < rejects.row_count(); ++row) {
    std::string record = rejects.GetString(1, row).value_or("{}");
    EXPECT_EQ(rejects.GetString(0, row).value_or(""), "value_invalid_for_value_type") << record;
    json value = json::parse(record, nullptr, false);
    ASSERT_TRUE(value.is_object()) << record;
    std::string type = value.value("value_type", "");
    std::string text =
        value["value_text"].is_string() ? value["value_text"].get<std::string>() : "";
    EXPECT_FALSE(ValidValue(type, text)) << record;
    keys.insert(fmt::format("{}/{}/{}/{}/{}", value.value("de", ""), value.value("pe", ""),
                            value.value("ou", ""), value.value("coc", ""), value.value("aoc", "")));
  }
  EXPECT_EQ(static_cast<int64_t>(keys.size()), invalid);
  // A rejected key is not in silver.
  EXPECT_EQ(reader.Count("SELECT count(*) FROM silver.data_value d JOIN (SELECT "
                         "json_extract_string(record, '$.de') AS de, json_extract_string(record, "
                         "'$.pe') AS pe, json_extract_string(record, '$.ou') AS ou, "
                         "json_extract_string(record, '$.coc') AS coc, json_extract_string(record, "
                         "'$.aoc') AS aoc FROM silver.rejects WHERE table_name = "
                         "'silver.data_value') r USING (de, pe, ou, coc, aoc)"),
            0);
  // The summary counts the rejects by kind.
  EXPECT_NE(output.find(fmt::format(
                "quarantine silver.data_value: {} rows value_invalid_for_value_type", invalid)),
            std::string::npos)
      << output;

  std::map<std::string, int64_t> before = reader.Versions();
  auto [second_code, second_output] = workspace.Sync(simulator.url());
  ASSERT_EQ(second_code, 0) << second_output;
  EXPECT_EQ(LakeReader(workspace.lake()).Versions(), before) << second_output;
}

// After POST /admin/mutate an incremental sync gives the tables a --full sync into a fresh lake
// gives, and the counts of the mutated simulator.
//
// Complete registrations: DHIS2's API serves no deleted registrations and has no lastUpdated
// filter, so an incremental extraction sees a registration removed (or re-dated) only in the
// trailing periods it re-fetches (`trailing_periods`, default 12 of the data set's period type);
// older ones need `sync --full`. The mutation touches registrations of every period since 2023, so
// this lake re-fetches them all (220 periods: every week since January 2023). A removed
// registration is simply absent from the answer; the run's windows
// (bronze.complete_registration_window) make silver drop it, so every table equals the fresh
// lake's, reporting rates and the data-quality summary included.
TEST_F(SyncTest, IncrementalSyncAfterMutationEqualsAFullSyncIntoAFreshLake) {
  const Workspace& incremental = *workspace_;
  Workspace fresh("fresh");
  const double share = 0.05;
  json stats = SimStats(fmt::format("--scale small --mutate {}", share), fresh.dir);
  ASSERT_TRUE(stats.is_object());
  const Simulator& simulator = *simulator_;
  ASSERT_FALSE(simulator.url().empty());
  const auto& [code, output] = *first_sync_;
  ASSERT_EQ(code, 0) << output;
  if (LakeReader reader(incremental.lake()); !HasSilverModels(reader)) {
    GTEST_SKIP() << "the binary embeds no silver.data_value model yet";
  }
  mutated_ = true;
  ASSERT_NE(simulator.Mutate(share), "");
  auto [again_code, again_output] = incremental.Sync(simulator.url());
  ASSERT_EQ(again_code, 0) << again_output;
  auto [full_code, full_output] = fresh.Sync(simulator.url(), "--full");
  ASSERT_EQ(full_code, 0) << full_output;

  LakeReader a(incremental.lake());
  LakeReader b(fresh.lake());
  EXPECT_EQ(
      a.Count("SELECT count(*) FROM silver.data_value"),
      stats["data_values"]["live"].get<int64_t>() - stats["data_values"]["invalid"].get<int64_t>());
  EXPECT_EQ(b.Count("SELECT count(*) FROM silver.complete_registration"),
            stats["complete_registrations"].get<int64_t>());
  EXPECT_EQ(a.Count("SELECT count(*) FROM silver.event"), stats["events"].get<int64_t>());
  EXPECT_EQ(a.Count("SELECT count(*) FROM silver.tracked_entity"),
            stats["tracked_entities"].get<int64_t>());

  EXPECT_EQ(a.Count("SELECT count(*) FROM silver.complete_registration"),
            stats["complete_registrations"].get<int64_t>());
  EXPECT_GT(a.Count("SELECT count(*) FROM bronze.complete_registration_window"), 0);
  std::map<std::string, int64_t> tables = b.Versions();
  EXPECT_EQ(a.Versions().size(), tables.size());
  for (const auto& [table, version] : tables) {
    if (table == "silver.rejects") {
      continue;
    }
    std::vector<std::string> expected = b.Content(table);
    std::vector<std::string> actual = a.Content(table);
    std::vector<std::string> missing;
    std::vector<std::string> extra;
    std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(),
                        std::back_inserter(missing));
    std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(),
                        std::back_inserter(extra));
    EXPECT_EQ(actual.size(), expected.size()) << table;
    EXPECT_TRUE(missing.empty() && extra.empty())
        << table << ": " << missing.size()
        << " rows of the full sync missing (first: " << (missing.empty() ? "" : missing[0]) << "), "
        << extra.size() << " rows it lacks (first: " << (extra.empty() ? "" : extra[0]) << ")";
  }
  // silver.rejects is a log: the incremental lake holds every reject of the fresh one (and those of
  // versions it saw before the mutation).
  std::set<std::string> logged;
  for (const std::string& row : a.Strings("SELECT concat(table_name, '|', expectation, '|', "
                                          "record) FROM silver.rejects")) {
    size_t bar = row.find('|', row.find('|') + 1);
    logged.insert(row.substr(0, bar + 1) + RecordWithoutIngestion(row.substr(bar + 1)));
  }
  for (const std::string& row : b.Strings("SELECT concat(table_name, '|', expectation, '|', "
                                          "record) FROM silver.rejects")) {
    size_t bar = row.find('|', row.find('|') + 1);
    EXPECT_EQ(logged.count(row.substr(0, bar + 1) + RecordWithoutIngestion(row.substr(bar + 1))),
              1u)
        << row;
  }
}

// A sync straight after the mutated one: the extraction re-delivers what changed within its
// overlap (`overlap_seconds`, 300 by default: the mutated values, events and registrations), so
// models run (and the summary says why), but nothing changed: no silver or gold table gets a
// version. A version fetched again by a later run is not a re-delivery (`deliveries` counts within
// one run), TIMESTAMP columns and parallel double sums compare as unchanged, and silver.rejects
// logs nothing it already holds.
TEST_F(SyncTest, ASyncAfterTheMutatedOneCommitsNothing) {
  const Workspace& workspace = *workspace_;
  const auto& [code, output] = *first_sync_;
  ASSERT_EQ(code, 0) << output;
  if (!mutated_) GTEST_SKIP() << "runs after the mutating case (gtest's written order)";
  LakeReader before(workspace.lake());
  std::map<std::string, int64_t> versions = before.Versions();
  std::vector<std::string> values = before.Content("silver.data_value");
  auto [again_code, again_output] = workspace.Sync(simulator_->url());
  ASSERT_EQ(again_code, 0) << again_output;
  EXPECT_NE(again_output.find("; ran: inputs moved: bronze."), std::string::npos) << again_output;
  LakeReader after(workspace.lake());
  std::map<std::string, int64_t> now = after.Versions();
  for (const auto& [table, version] : versions) {
    if (table.rfind("silver.", 0) != 0 && table.rfind("gold.", 0) != 0) continue;
    EXPECT_EQ(now[table], version) << table << "\n" << again_output;
  }
  EXPECT_EQ(after.Content("silver.data_value"), values);
}

// An export folder of real recorded payloads (the Sierra Leone demo, DHIS2 2.36) builds silver; the
// figures below are read by hand from the recorded files. The recording asked for no value types
// (tests/data/source/PROVENANCE.md): as the fixtures' README says, the test supplies them, NUMBER
// for every element, as the demo database holds its counts.
TEST_F(SyncTest, ExportFolderOfRecordedPayloadsBuildsSilver) {
  Workspace workspace("folder");
  fs::path folder = workspace.dir / "export";
  fs::copy(kRecordings + "/sierra-leone-2.36", folder);
  for (const char* file : {"data_elements_1.json", "data_elements_2.json"}) {
    json page = json::parse(ReadFile(folder / file));
    for (json& element : page["dataElements"]) {
      element["valueType"] = "NUMBER";
    }
    std::ofstream(folder / file) << page.dump();
  }
  auto [code, output] = workspace.Sync(folder.string());
  EXPECT_EQ(code, 0) << output;
  LakeReader reader(workspace.lake());
  // organisation_units_2.json: uNEhNuBUr0i is Tonko Maternity Clinic, level 4, path
  // /ImspTQPwCqd/fdc6uOvgoji/KKkLOTpMXGV/uNEhNuBUr0i (Sierra Leone / Bombali / Bombali Sebora).
  EXPECT_EQ(reader.Strings("SELECT concat(level, '|', parent, '|', level1_name, '|', level2_name, "
                           "'|', level3_name, '|', level4_name, '|', level2_uid) FROM "
                           "silver.org_unit WHERE uid = 'uNEhNuBUr0i' AND valid_to IS NULL"),
            std::vector<std::string>{"4|KKkLOTpMXGV|Sierra Leone|Bombali|Bombali Sebora|Tonko "
                                     "Maternity Clinic|fdc6uOvgoji"});
  EXPECT_EQ(reader.Count("SELECT count(*) FROM silver.org_unit WHERE valid_to IS NULL"), 1332);
  // The recording holds no category combos, categories or registrations, which silver's data
  // element, period and data value models read: the summary says so, and nothing fails.
  if (!reader.Has("silver.data_value")) {
    EXPECT_NE(output.find("silver.data_value"), std::string::npos) << output;
    EXPECT_NE(output.find("skipped, no input yet"), std::string::npos) << output;
    return;
  }
  // The four dataValueSets answers hold 180 values: 90 keys (26 elements, 37 element and option
  // combo pairs at uNEhNuBUr0i, June to August 2023), each delivered twice, identically (the
  // per-month answers and the start/end answer): 90 rows, none rejected.
  EXPECT_EQ(reader.Count("SELECT count(*) FROM silver.data_value"), 90);
  if (reader.Has("silver.rejects")) {  // written only when something is rejected
    EXPECT_EQ(reader.Count("SELECT count(*) FROM silver.rejects WHERE table_name = "
                           "'silver.data_value'"),
              0);
  }
  // data_value_sets_get_dataset_1.json: UOlfIjgN8X6 (Fully Immunized child, psbwp3CQEhs) at
  // uNEhNuBUr0i in June 2023 is "2", stored by bombali3; BCG doses given (s46m5MS0hxu,
  // Prlt0C1RF0s) is "9".
  EXPECT_EQ(reader.Strings("SELECT concat(value, '|', period_type, '|', start_date, '|', "
                           "end_date, '|', stored_by) FROM silver.data_value WHERE de = "
                           "'UOlfIjgN8X6' AND pe = '202306' AND ou = 'uNEhNuBUr0i' AND coc = "
                           "'psbwp3CQEhs' AND aoc = 'HllvX50cXC0'"),
            std::vector<std::string>{"2.0|Monthly|2023-06-01|2023-06-30|bombali3"});
  EXPECT_EQ(reader.Strings("SELECT CAST(value AS VARCHAR) FROM silver.data_value WHERE de = "
                           "'s46m5MS0hxu' AND pe = '202306' AND ou = 'uNEhNuBUr0i' AND coc = "
                           "'Prlt0C1RF0s'"),
            std::vector<std::string>{"9.0"});
}

}  // namespace
}  // namespace dhl
