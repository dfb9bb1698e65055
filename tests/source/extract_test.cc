// End-to-end tests of the extractor: recorded DHIS2 payloads served by a replay server (or read
// from an export folder) land in bronze record for record; retries, give-up messages, fail-fast
// errors, incremental runs, personal-data hashing, and exactly-once under SIGKILL of the CLI.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "base/file.h"
#include "base/hash.h"
#include "base/test_paths.h"
#include "engine/database.h"
#include "http/curl_transport.h"
#include "http/sleeper.h"
#include "lake/lake_catalog.h"
#include "replay_server.h"
#include "source/bronze_table.h"
#include "source/export_folder_source.h"
#include "source/invalid_utf8.h"
#include "source/secrets.h"
#include "source/web_api_extractor.h"

namespace dhl::source {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Fault;
using testing::ReadJsonFile;
using testing::ReplayData;
using testing::ReplayServer;

const std::string kData = std::string(DHL_SOURCE_DIR) + "/tests/data/source";
const std::string kHashKey = std::string(64, 'a');

// The folders TempDir made, removed when the test program exits (a failing test's folder stays
// while it runs, for a look with a debugger).
struct TempDirs {
  std::vector<fs::path> made;
  ~TempDirs() {
    std::error_code ignored;
    for (const fs::path& dir : made) fs::remove_all(dir, ignored);
  }
};

fs::path TempDir(const std::string& name) {
  static TempDirs dirs;
  fs::path dir = fs::temp_directory_path() /
                 fmt::format("dhl_extract_{}_{}_{}", name, ::getpid(), std::rand());
  fs::remove_all(dir);
  fs::create_directories(dir);
  dirs.made.push_back(dir);
  return dir;
}

ReplayData SierraLeone() {
  std::string dir = kData + "/sierra-leone-2.36/";
  ReplayData data;
  data.system_info = ReadJsonFile(dir + "api_get_1.json");
  auto pages = [&](const std::string& key, std::vector<std::string> files) {
    for (const auto& file : files) {
      json page = ReadJsonFile(dir + file);
      data.AddList(key, page.is_array() ? page : page[key]);
    }
  };
  pages("organisationUnits", {"organisation_units_1.json", "organisation_units_2.json"});
  pages("organisationUnitLevels", {"organisation_unit_levels_1.json"});
  pages("organisationUnitGroups", {"organisation_unit_groups_1.json"});
  pages("dataElements", {"data_elements_1.json", "data_elements_2.json"});
  pages("dataElementGroups", {"data_element_groups_1.json"});
  pages("categoryOptionCombos", {"category_option_combos_1.json"});
  pages("dataSets", {"datasets_1.json"});
  pages("indicators", {"indicators_1.json"});
  pages("indicatorGroups", {"indicator_groups_1.json"});
  for (const char* file :
       {"data_value_sets_get_dataset_1.json", "data_value_sets_get_dataset_2.json",
        "data_value_sets_get_dataset_3.json", "data_value_sets_get_start_end_1.json"}) {
    data.AddDataValues(ReadJsonFile(dir + file)["dataValues"]);
  }
  return data;
}

// dhis2-core's payloads (and the Android SDK's 2.41 tracker envelopes) behind a 2.41 system info.
ReplayData Dhis2Core() {
  std::string dir = kData + "/dhis2-core/";
  ReplayData data;
  data.system_info = ReadJsonFile(kData + "/sierra-leone-2.36/api_get_1.json");
  data.system_info["version"] = "2.41.0";
  for (const char* file :
       {"dhis-test-e2e__aggregate__metadata.json", "dhis-test-e2e__setup__tracker_metadata.json",
        "dhis-test-integration__dxf2__ou_with_levels.json"}) {
    json metadata = ReadJsonFile(dir + file);
    for (const auto& [key, value] : metadata.items()) {
      if (value.is_array()) {
        data.AddList(key, value);
      }
    }
  }
  // The import payload has no level or path: a server computes them from the parents.
  for (auto& unit : data.lists["organisationUnits"]) {
    if (unit.contains("parent")) {
      std::string parent = unit["parent"].value("id", "");
      unit["level"] = 2;
      unit["path"] = "/" + parent + "/" + unit.value("id", unit.value("name", ""));
    } else {
      unit["level"] = 1;
      unit["path"] = "/" + unit.value("id", "");
    }
  }
  data.AddDataValues(
      ReadJsonFile(dir + "dhis-test-e2e__aggregate__dataValues_bulk.json")["dataValues"]);
  std::set<std::string> seen;
  int generated = 0;
  auto add = [&](const std::string& kind, const char* id_key, json record) {
    if (seen.insert(kind + record.value(id_key, "")).second) {
      data.tracker[kind].push_back(std::move(record));
    }
  };
  for (const char* file : {"dhis-test-e2e__tracker__importer__trackedEntities__"
                           "trackedEntitiesWithEnrollmentsAndEvents.json",
                           "dhis-test-e2e__tracker__importer__trackedEntities__"
                           "trackedEntitiesWithEnrollmentsEventsAndRelationships.json"}) {
    json payload = ReadJsonFile(dir + file);
    for (json te : payload["trackedEntities"]) {
      for (json enrollment : te.value("enrollments", json::array())) {
        // Import payloads may leave uids to the server, which assigns them on import.
        if (!enrollment.contains("enrollment")) {
          enrollment["enrollment"] = fmt::format("Enrollm{:04d}", generated++);
        }
        enrollment["trackedEntity"] = te.value("trackedEntity", "");
        for (json event : enrollment.value("events", json::array())) {
          if (!event.contains("event")) {
            event["event"] = fmt::format("EventUi{:04d}", generated++);
          }
          event["enrollment"] = enrollment["enrollment"];
          add("events", "event", event);
        }
        enrollment.erase("events");
        add("enrollments", "enrollment", enrollment);
      }
      te.erase("enrollments");
      add("trackedEntities", "trackedEntity", te);
    }
  }
  json events = ReadJsonFile(dir + "dhis-test-e2e__tracker__importer__events__events.json");
  for (const auto& event : events["events"]) {
    add("events", "event", event);
  }
  std::string sdk = kData + "/android-sdk/";
  json sdk_entities = ReadJsonFile(
      sdk + "trackedentity__new_tracker_importer_tracked_entities_greater_equal_v41.json");
  // The SDK's older recording of the same two persons lists their relationships (each lists both).
  json sdk_relationships = ReadJsonFile(
      kData + "/../dhis2/android-sdk/trackedentity__new_tracker_importer_tracked_entities.json");
  for (json te : sdk_entities["trackedEntities"]) {
    for (const auto& older : sdk_relationships["instances"]) {
      if (older.value("trackedEntity", "") == te.value("trackedEntity", "")) {
        te["relationships"] = older["relationships"];
      }
    }
    add("trackedEntities", "trackedEntity", te);
  }
  json sdk_events = ReadJsonFile(sdk + "event__new_tracker_importer_events_greater_equal_v41.json");
  for (const auto& event : sdk_events["events"]) {
    add("events", "event", event);
  }
  // A server lists the programs of the records it holds, with registration when they have
  // enrollments (the payloads come from several test setups).
  std::map<std::string, bool> programs;
  for (const auto& event : data.tracker["events"]) {
    programs.emplace(event.value("program", ""), false);
  }
  for (const auto& enrollment : data.tracker["enrollments"]) {
    programs[enrollment.value("program", "")] = true;
  }
  for (auto& program : data.lists["programs"]) {
    auto found = programs.find(program.value("id", ""));
    if (found != programs.end() && found->second) {
      program["programType"] = "WITH_REGISTRATION";
    }
    programs.erase(program.value("id", ""));
  }
  for (const auto& [id, registration] : programs) {
    data.lists["programs"].push_back(
        {{"id", id}, {"programType", registration ? "WITH_REGISTRATION" : "WITHOUT_REGISTRATION"}});
  }
  return data;
}

ExtractOptions TestOptions() {
  ExtractOptions options;
  options.first_year = 2023;
  options.org_unit_level = 1;
  options.concurrency = 4;
  options.personal_attributes = {"dIVt4l5vIOa", "kZeSYCgaHTk", "cejWyOfXge6"};
  return options;
}

Secrets TestSecrets(const std::string& url, const std::string& password = "district") {
  Secrets secrets;
  secrets.url = url;
  secrets.username = "admin";
  secrets.password = password;
  secrets.hash_key = kHashKey;
  return secrets;
}

Result<ExtractSummary> Extract(const fs::path& lake, const std::string& url,
                               ExtractOptions options = TestOptions(),
                               const std::string& password = "district",
                               http::Sleeper* sleeper = nullptr) {
  ExtractorEnvironment environment;
  environment.transports = [] { return std::make_unique<http::CurlTransport>(); };
  environment.sleeper = sleeper;
  environment.show_progress = false;
  WebApiExtractor extractor(lake.string(), options, TestSecrets(url, password), environment);
  return extractor.Run();
}

// Runs queries over every table of a lake.
class LakeReader {
 public:
  explicit LakeReader(const fs::path& lake)
      : database_(engine::Database::Open().value()), connection_(database_.Connect().value()) {
    lake::LakeCatalog catalog(lake.string());
    auto registered = catalog.RegisterAll(connection_);
    EXPECT_TRUE(registered.ok()) << registered.status().ToString();
    auto names = catalog.ListTables();
    for (const auto& name : names.value()) {
      tables_.insert(name.ToString());
    }
  }
  bool Has(const std::string& table) const { return tables_.count(table) > 0; }
  int64_t Count(const std::string& sql) {
    auto result = connection_.Query(sql);
    EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
    return result.ok() ? result->GetInt64(0, 0).value_or(-1) : -1;
  }
  std::string Text(const std::string& sql) {
    auto result = connection_.Query(sql);
    EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
    return result.ok() && result->row_count() > 0 ? result->GetString(0, 0).value_or("") : "";
  }
  // Every bronze row, ingestion columns aside, as sorted text per table.
  std::map<std::string, std::multiset<std::string>> BronzeContent() {
    std::map<std::string, std::multiset<std::string>> content;
    for (const std::string& table : tables_) {
      if (table.rfind("bronze.", 0) != 0) {
        continue;
      }
      auto result = connection_.Query(
          "SELECT * EXCLUDE (_run_id, _ingested_at, _source, _chunk) FROM " + table);
      EXPECT_TRUE(result.ok()) << result.status().ToString();
      for (size_t row = 0; row < result->row_count(); ++row) {
        std::string line;
        for (size_t column = 0; column < result->column_count(); ++column) {
          line += result->GetString(column, row).value_or("<null>") + "|";
        }
        content[table].insert(line);
      }
    }
    return content;
  }

 private:
  engine::Database database_;
  engine::Connection connection_;
  std::set<std::string> tables_;
};

// Checks that every record the server holds is in bronze (distinct keys, counted from the
// payloads).
void ExpectEveryRecord(const ReplayData& data, LakeReader& reader) {
  for (const MetadataType& type : MetadataTypes()) {
    auto found = data.lists.find(type.key);
    std::set<std::string> ids;
    if (found != data.lists.end()) {
      for (const auto& object : found->second) {
        ids.insert(object.value("id", object.value("name", "")));
      }
    }
    std::string table = "bronze." + type.table;
    int64_t landed = reader.Has(table)
                         ? reader.Count("SELECT count(DISTINCT coalesce(id, name)) FROM " + table)
                         : 0;
    EXPECT_EQ(landed, static_cast<int64_t>(ids.size())) << table;
  }
  std::set<std::string> keys;
  for (const auto& value : data.data_values) {
    keys.insert(ReplayData::Key(value));
  }
  int64_t values = reader.Has("bronze.data_value")
                       ? reader.Count(
                             "SELECT count(DISTINCT concat_ws('/', dataElement, period, orgUnit, "
                             "categoryOptionCombo, attributeOptionCombo)) FROM bronze.data_value")
                       : 0;
  EXPECT_EQ(values, static_cast<int64_t>(keys.size()));
  const std::pair<const char*, const char*> kTracker[] = {
      {"trackedEntities", "tracked_entity"}, {"enrollments", "enrollment"}, {"events", "event"}};
  const std::map<std::string, std::string> kId = {
      {"trackedEntities", "trackedEntity"}, {"enrollments", "enrollment"}, {"events", "event"}};
  for (const auto& [key, table] : kTracker) {
    auto found = data.tracker.find(key);
    int64_t expected = found == data.tracker.end() ? 0 : static_cast<int64_t>(found->second.size());
    std::string name = std::string("bronze.") + table;
    int64_t landed =
        reader.Has(name)
            ? reader.Count(fmt::format("SELECT count(DISTINCT {}) FROM {}", kId.at(key), name))
            : 0;
    EXPECT_EQ(landed, expected) << name;
  }
  std::set<std::string> relationships;
  for (const auto& te : data.tracker.count("trackedEntities") ? data.tracker.at("trackedEntities")
                                                              : std::vector<json>{}) {
    for (const auto& relationship : te.value("relationships", json::array())) {
      relationships.insert(relationship.value("relationship", ""));
    }
  }
  int64_t landed =
      reader.Has("bronze.relationship")
          ? reader.Count("SELECT count(DISTINCT relationship) FROM bronze.relationship")
          : 0;
  EXPECT_EQ(landed, static_cast<int64_t>(relationships.size())) << "bronze.relationship";
}

std::vector<std::string> PersonalValues(const ReplayData& data) {
  ExtractOptions options = TestOptions();
  std::set<std::string> personal(options.personal_attributes.begin(),
                                 options.personal_attributes.end());
  std::vector<std::string> values;
  std::function<void(const json&)> walk = [&](const json& node) {
    if (node.is_object()) {
      if (node.contains("attribute") && node.contains("value") && node["value"].is_string() &&
          personal.count(node["attribute"].get<std::string>()) > 0) {
        values.push_back(node["value"].get<std::string>());
      }
      for (auto item = node.begin(); item != node.end(); ++item) {
        walk(item.value());
      }
    } else if (node.is_array()) {
      for (const auto& v : node) {
        walk(v);
      }
    }
  };
  for (const auto& [kind, records] : data.tracker) {
    for (const auto& record : records) {
      walk(record);
    }
  }
  return values;
}

void ExpectNoClearText(const fs::path& lake, const std::vector<std::string>& values) {
  for (const auto& entry : fs::recursive_directory_iterator(lake)) {
    if (!entry.is_regular_file()) {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const std::string& value : values) {
      EXPECT_EQ(bytes.find(value), std::string::npos)
          << "clear personal value \"" << value << "\" in " << entry.path();
    }
  }
}

TEST(ExtractTest, SierraLeoneReplayLandsEveryRecord) {
  ReplayServer server(SierraLeone());
  int port = server.Start().value();
  fs::path lake = TempDir("sl") / "lake";
  auto started = std::chrono::steady_clock::now();
  Result<ExtractSummary> summary = Extract(lake, fmt::format("http://127.0.0.1:{}", port));
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "Sierra Leone replay: %lld records, %.1f MB in %.2f s: %.0f records/s, %.2f MB/s, %d "
      "requests\n",
      static_cast<long long>(summary->records()), summary->bytes() / 1e6, seconds,
      summary->records() / seconds, summary->bytes() / 1e6 / seconds, server.requests());
  std::printf("%s", summary->ToText().c_str());
  LakeReader reader(lake);
  ExpectEveryRecord(server.data(), reader);
  // Plans are saved; timestamps are UTC instants; CSV columns renamed, values untouched.
  EXPECT_FALSE(fs::is_empty(lake / "_landing" / "data_value"));
  EXPECT_EQ(
      reader.Text(
          "SELECT CAST(lastUpdated AS VARCHAR) FROM bronze.data_value WHERE dataElement = "
          "'UOlfIjgN8X6' AND period = '202306' AND categoryOptionCombo = 'psbwp3CQEhs' LIMIT 1"),
      "2010-07-23 00:00:00+00");
  EXPECT_EQ(reader.Count("SELECT count(*) FROM ops.watermark WHERE watermark = TIMESTAMPTZ "
                         "'2024-07-26 17:56:11.24+00'"),
            4);
  // A second run is incremental: nothing changed, so nothing new arrives.
  Result<ExtractSummary> again = Extract(lake, fmt::format("http://127.0.0.1:{}", port));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  LakeReader second(lake);
  EXPECT_EQ(second.Count("SELECT count(*) FROM bronze.data_value"),
            reader.Count("SELECT count(*) FROM bronze.data_value"));
}

TEST(ExtractTest, Dhis2CoreReplayLandsEveryRecordAndHashesPersonalAttributes) {
  ReplayServer server(Dhis2Core());
  int port = server.Start().value();
  fs::path lake = TempDir("core") / "lake";
  ExtractOptions options = TestOptions();
  options.keep_tracker_landing = true;
  Result<ExtractSummary> summary = Extract(lake, fmt::format("http://127.0.0.1:{}", port), options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  LakeReader reader(lake);
  ExpectEveryRecord(server.data(), reader);
  std::vector<std::string> personal = PersonalValues(server.data());
  ASSERT_FALSE(personal.empty())
      << json(server.data().tracker["trackedEntities"]).dump().substr(0, 600);
  ExpectNoClearText(lake, personal);
  EXPECT_GT(reader.Count(fmt::format(
                "SELECT count(*) FROM bronze.tracked_entity WHERE attributes LIKE '%{}%'",
                HmacSha256Hex(kHashKey, "John"))),
            0);
  // The SDK's two relationships, each listed by both of its persons, with their ends as JSON.
  EXPECT_EQ(reader.Count("SELECT count(*) FROM bronze.relationship"), 4);
  EXPECT_EQ(reader.Text("SELECT concat_ws('|', relationshipType, relationshipName, "
                        "json_extract_string(\"from\", '$.trackedEntity.trackedEntity'), "
                        "json_extract_string(\"to\", '$.trackedEntity.trackedEntity'), "
                        "CAST(createdAt AS VARCHAR)) FROM bronze.relationship "
                        "WHERE relationship = 'AJOytZW7OaI' LIMIT 1"),
            "V2kkHafqs8G|Lab Sample to Person|nWrB0TfWlvh|nWrB0TfWlvD|2019-02-07 08:06:28.369+00");
}

// A server sending Latin-1 ("é" as the byte 0xE9, ill-formed UTF-8) in a CSV page of data values, a
// tracker page and a metadata page: nothing is refused, and bronze holds every record as a clean
// server's, each bad byte kept as U+F0000 + byte (invalid_utf8.h), from which the bytes received
// come back.
TEST(ExtractTest, Latin1BytesFromAServerLandAsReceived) {
  ReplayData data = Dhis2Core();
  ASSERT_FALSE(data.data_values.empty());
  data.data_values[0]["comment"] = "caf\xC3\xA9";
  ASSERT_FALSE(data.lists["dataElements"].empty());
  data.lists["dataElements"][0]["name"] = "Caf\xC3\xA9 visits";
  json* event_value = nullptr;
  for (json& event : data.tracker["events"]) {
    if (event.contains("dataValues") && !event["dataValues"].empty()) {
      event_value = &event["dataValues"][0];
      break;
    }
  }
  ASSERT_NE(event_value, nullptr);
  (*event_value)["value"] = "r\xC3\xA9sum\xC3\xA9";
  ReplayServer clean_server(data);
  int clean_port = clean_server.Start().value();
  fs::path clean = TempDir("utf8_clean") / "lake";
  ASSERT_TRUE(Extract(clean, fmt::format("http://127.0.0.1:{}", clean_port)).ok());
  ReplayServer latin1_server(data);
  latin1_server.SetFault([](const http::ServerRequest&) { return Fault::kLatin1; });
  int latin1_port = latin1_server.Start().value();
  fs::path latin1 = TempDir("utf8_latin1") / "lake";
  Result<ExtractSummary> summary = Extract(latin1, fmt::format("http://127.0.0.1:{}", latin1_port));
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();

  LakeReader reader(latin1);
  const std::string kKeptE9 = "\xF3\xB0\x83\xA9";  // U+F00E9
  EXPECT_EQ(reader.Text("SELECT comment FROM bronze.data_value WHERE comment LIKE 'caf%'"),
            "caf" + kKeptE9);
  EXPECT_EQ(RecoverBytes(reader.Text("SELECT comment FROM bronze.data_value WHERE comment LIKE "
                                     "'caf%'")),
            "caf\xE9");
  EXPECT_EQ(reader.Count("SELECT count(*) FROM bronze.metadata_data_element WHERE object LIKE "
                         "'%Caf" +
                         kKeptE9 + " visits%'"),
            1);
  EXPECT_EQ(reader.Count("SELECT count(*) FROM bronze.event WHERE dataValues LIKE '%r" + kKeptE9 +
                         "sum" + kKeptE9 + "%'"),
            1);
  // Everything else as a clean server's: with the kept bytes read as the "é" they stood for,
  // table for table, row for row.
  auto content = reader.BronzeContent();
  std::map<std::string, std::multiset<std::string>> read_back;
  for (const auto& [table, rows] : content) {
    for (std::string row : rows) {
      for (size_t at = row.find(kKeptE9); at != std::string::npos; at = row.find(kKeptE9, at)) {
        row.replace(at, kKeptE9.size(), "\xC3\xA9");
      }
      read_back[table].insert(row);
    }
  }
  EXPECT_EQ(read_back, LakeReader(clean).BronzeContent());
}

TEST(ExtractTest, ExportFolderLandsTheSameFixtures) {
  fs::path folder = TempDir("folder");
  fs::copy(kData + "/dhis2-core", folder / "dhis2-core");
  fs::copy(kData + "/sierra-leone-2.36", folder / "sl");
  fs::path lake = folder / "lake";
  ExportFolderSource source(lake.string(), folder.string() + "/dhis2-core", TestOptions(),
                            TestSecrets(""), SystemClock::Instance(), false);
  Result<ExtractSummary> summary = source.Run();
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ReplayData core = Dhis2Core();
  // The folder holds dhis2-core only (no Android SDK records).
  core.tracker.clear();
  LakeReader reader(lake);
  EXPECT_EQ(
      reader.Count(
          "SELECT count(DISTINCT concat_ws('/', dataElement, period, orgUnit, categoryOptionCombo, "
          "attributeOptionCombo)) FROM bronze.data_value"),
      232);  // 231 bulk values and dataValueSetJ's one
  EXPECT_EQ(reader.Count("SELECT count(DISTINCT id) FROM bronze.metadata_data_element"),
            static_cast<int64_t>(core.lists["dataElements"].size()));
  EXPECT_EQ(reader.Count("SELECT count(DISTINCT trackedEntity) FROM bronze.tracked_entity"), 4);
  EXPECT_EQ(reader.Count("SELECT count(*) FROM bronze.event WHERE event IS NOT NULL"),
            reader.Count("SELECT count(DISTINCT event) FROM bronze.event"));
  ExpectNoClearText(lake, {"John", "Bravo"});

  // The Sierra Leone recordings as a folder: every record lands (the filled-levels answer is a bare
  // array, which is no export shape, and is skipped).
  fs::path sl_lake = folder / "sl_lake";
  ExportFolderSource sl_source(sl_lake.string(), (folder / "sl").string(), TestOptions(),
                               TestSecrets(""), SystemClock::Instance(), false);
  ASSERT_TRUE(sl_source.Run().ok());
  ReplayData sierra_leone = SierraLeone();
  sierra_leone.lists.erase("organisationUnitLevels");
  LakeReader sl_reader(sl_lake);
  ExpectEveryRecord(sierra_leone, sl_reader);

  // A gzipped dataValueSets CSV with DHIS2's lower-case columns.
  fs::create_directories(folder / "csv");
  gzFile gz = gzopen((folder / "csv" / "values.csv.gz").c_str(), "wb");
  std::string csv =
      "dataelement,period,orgunit,catoptcombo,attroptcombo,value,storedby,lastupdated,comment,"
      "followup\n"
      "fbfJHSPpUQD,202306,uNEhNuBUr0i,pq2XI5kz2BY,HllvX50cXC0,10,admin,2023-07-01T10:00:00.000,\"a,"
      " b\",false\n"
      "cYeuwXTCPkU,202306,uNEhNuBUr0i,pq2XI5kz2BY,HllvX50cXC0,011,admin,2023-07-01T10:00:00.000,,"
      "true\n";
  gzwrite(gz, csv.data(), static_cast<unsigned>(csv.size()));
  gzclose(gz);
  fs::path csv_lake = folder / "csv_lake";
  ExportFolderSource csv_source(csv_lake.string(), (folder / "csv").string(), TestOptions(),
                                TestSecrets(""), SystemClock::Instance(), false);
  ASSERT_TRUE(csv_source.Run().ok());
  LakeReader csv_reader(csv_lake);
  EXPECT_EQ(csv_reader.Count(
                "SELECT count(*) FROM bronze.data_value WHERE categoryOptionCombo = 'pq2XI5kz2BY' "
                "AND (value = '011' AND followup OR value = '10' AND comment = 'a, b')"),
            2);

  // Relationships nested in an export's tracked entities (the SDK's recording, as a tracker
  // export shapes it) and at the top level.
  fs::create_directories(folder / "relationships");
  json persons = ReadJsonFile(
      kData + "/../dhis2/android-sdk/trackedentity__new_tracker_importer_tracked_entities.json");
  std::ofstream(folder / "relationships" / "persons.json")
      << json{{"trackedEntities", persons["instances"]}}.dump();
  std::ofstream(folder / "relationships" / "listed.json")
      << json{{"relationships", persons["instances"][0]["relationships"]}}.dump();
  fs::path relationship_lake = folder / "relationship_lake";
  ExportFolderSource relationship_source(relationship_lake.string(),
                                         (folder / "relationships").string(), TestOptions(),
                                         TestSecrets(""), SystemClock::Instance(), false);
  ASSERT_TRUE(relationship_source.Run().ok());
  LakeReader relationship_reader(relationship_lake);
  EXPECT_EQ(relationship_reader.Count("SELECT count(*) FROM bronze.relationship"), 6);
  EXPECT_EQ(relationship_reader.Count("SELECT count(DISTINCT relationship) FROM "
                                      "bronze.relationship WHERE relationshipType IN "
                                      "('V2kkHafqs8G', 'o51cUNONthg')"),
            2);
}

TEST(ExtractTest, RetriesGiveTheSameBronzeAsACleanRun) {
  ReplayServer clean_server(SierraLeone());
  int clean_port = clean_server.Start().value();
  fs::path clean = TempDir("clean") / "lake";
  ASSERT_TRUE(Extract(clean, fmt::format("http://127.0.0.1:{}", clean_port)).ok());

  ReplayServer faulty(SierraLeone());
  // Each distinct request fails on its first two attempts, with a fault kind that depends on the
  // request's order of arrival, then succeeds: every kind occurs, and no request can be unlucky
  // enough to exhaust its tries however the concurrent downloads interleave.
  std::mutex mutex;
  std::map<std::string, int> attempts;
  int distinct = 0;
  faulty.SetFault([&](const http::ServerRequest& request) {
    if (request.path == "/api/system/info") {
      return Fault::kNone;
    }
    std::string key = request.path;
    for (const auto& [name, value] : request.params) {
      key += "&" + name + "=" + value;
    }
    std::lock_guard<std::mutex> lock(mutex);
    auto [entry, inserted] = attempts.try_emplace(key, 0);
    if (inserted) {
      ++distinct;
    }
    int attempt = entry->second++;
    if (attempt >= 2) {
      return Fault::kNone;
    }
    constexpr Fault kKinds[] = {Fault::k500, Fault::k429, Fault::kTruncate, Fault::kHtml200};
    return kKinds[(distinct + attempt) % 4];
  });
  int port = faulty.Start().value();
  fs::path lake = TempDir("faulty") / "lake";
  http::FakeSleeper sleeper;
  Result<ExtractSummary> summary =
      Extract(lake, fmt::format("http://127.0.0.1:{}", port), TestOptions(), "district", &sleeper);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  bool retry_after_honoured = false;
  for (auto wait : sleeper.waits()) {
    retry_after_honoured = retry_after_honoured || wait == std::chrono::milliseconds(1000);
  }
  EXPECT_TRUE(retry_after_honoured);
  EXPECT_EQ(LakeReader(lake).BronzeContent(), LakeReader(clean).BronzeContent());
}

TEST(ExtractTest, GiveUpNamesTheChunkAndMasksCredentials) {
  ReplayServer server(SierraLeone());
  server.SetFault([](const http::ServerRequest& request) {
    return request.path == "/api/dataValueSets.csv" ? Fault::k500 : Fault::kNone;
  });
  int port = server.Start().value();
  fs::path lake = TempDir("giveup") / "lake";
  http::FakeSleeper sleeper;
  Result<ExtractSummary> summary =
      Extract(lake, fmt::format("http://admin:district@127.0.0.1:{}", port), TestOptions(),
              "district", &sleeper);
  ASSERT_FALSE(summary.ok());
  std::string message = summary.status().message();
  EXPECT_NE(message.find("chunk data_value/000001"), std::string::npos) << message;
  EXPECT_NE(message.find("/api/dataValueSets.csv?"), std::string::npos) << message;
  EXPECT_NE(message.find("10 tries"), std::string::npos) << message;
  EXPECT_EQ(message.find("district"), std::string::npos) << message;
  // The failed chunk left no trace in bronze.
  LakeReader reader(lake);
  EXPECT_FALSE(reader.Has("bronze.data_value"));
}

TEST(ExtractTest, WrongPasswordNotDhis2AndOldVersionFailAtOnce) {
  ReplayServer server(SierraLeone());
  int port = server.Start().value();
  fs::path lake = TempDir("fail") / "lake";
  http::FakeSleeper sleeper;
  Result<ExtractSummary> wrong =
      Extract(lake, fmt::format("http://127.0.0.1:{}", port), TestOptions(), "nope", &sleeper);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("authentication failed"), std::string::npos)
      << wrong.status().message();
  EXPECT_EQ(wrong.status().message().find("nope"), std::string::npos);
  EXPECT_EQ(server.requests(), 1);

  http::HttpServer other;
  other.Route("GET", ".*", [](const http::ServerRequest&, http::ServerResponse& response) {
    response.SetStatus(404);
    response.SetBody("<html>nothing here</html>", "text/html");
  });
  int other_port = other.Start().value();
  Result<ExtractSummary> not_dhis2 = Extract(lake, fmt::format("http://127.0.0.1:{}", other_port),
                                             TestOptions(), "district", &sleeper);
  ASSERT_FALSE(not_dhis2.ok());
  EXPECT_NE(not_dhis2.status().message().find("is not a DHIS2 server"), std::string::npos)
      << not_dhis2.status().message();

  ReplayData old_data = SierraLeone();
  old_data.system_info["version"] = "2.35.4";
  ReplayServer old_server(old_data);
  int old_port = old_server.Start().value();
  Result<ExtractSummary> old = Extract(lake, fmt::format("http://127.0.0.1:{}", old_port),
                                       TestOptions(), "district", &sleeper);
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.status().message().find("2.35.4"), std::string::npos) << old.status().message();
  EXPECT_NE(old.status().message().find("2.36 and later"), std::string::npos);
  EXPECT_EQ(old_server.requests(), 1);
  EXPECT_TRUE(sleeper.waits().empty());
  EXPECT_FALSE(fs::exists(lake / "bronze"));
}

TEST(ExtractTest, IncrementalRunBringsChangedAddedAndDeletedRecords) {
  ReplayData data;
  data.system_info = ReadJsonFile(kData + "/sierra-leone-2.36/api_get_1.json");
  data.system_info["serverDate"] = "2024-07-26T10:00:00.000";
  data.system_info["serverTimeZoneId"] = "Africa/Addis_Ababa";  // UTC+3
  data.lists["organisationUnits"] = {
      {{"id", "Root0000001"}, {"level", 1}, {"path", "/Root0000001"}},
      {{"id", "Child000001"}, {"level", 2}, {"path", "/Root0000001/Child000001"}}};
  data.lists["dataSets"] = {{{"id", "DataSet0001"},
                             {"periodType", "Monthly"},
                             {"dataSetElements", {{{"dataElement", {{"id", "DataElem001"}}}}}}}};
  auto value = [](const std::string& period, const std::string& v, const std::string& updated) {
    return json{{"dataElement", "DataElem001"},
                {"period", period},
                {"orgUnit", "Child000001"},
                {"categoryOptionCombo", "HllvX50cXC0"},
                {"attributeOptionCombo", "HllvX50cXC0"},
                {"value", v},
                {"lastUpdated", updated},
                {"created", updated}};
  };
  for (int month = 1; month <= 6; ++month) {
    data.data_values.push_back(
        value(fmt::format("20240{}", month), std::to_string(month), "2024-07-01T00:00:00.000"));
  }
  ReplayServer server(data);
  int port = server.Start().value();
  fs::path lake = TempDir("incremental") / "lake";
  ASSERT_TRUE(Extract(lake, fmt::format("http://127.0.0.1:{}", port)).ok());
  {
    LakeReader reader(lake);
    EXPECT_EQ(reader.Count("SELECT count(*) FROM bronze.data_value"), 6);
    // The watermark is the server's clock (10:00 in UTC+3), not ours.
    EXPECT_EQ(reader.Text("SELECT CAST(max(watermark) AS VARCHAR) FROM ops.watermark WHERE "
                          "resource = 'data_value'"),
              "2024-07-26 07:00:00+00");
  }
  {
    std::lock_guard lock(server.mutex());
    auto& values = server.data().data_values;
    values[0]["value"] = "100";
    values[0]["lastUpdated"] = "2024-07-26T11:00:00.000";
    values[1]["deleted"] = true;
    values[1]["lastUpdated"] = "2024-07-26T11:30:00.000";
    values.push_back(value("202407", "7", "2024-07-26T12:00:00.000"));
    // Changed inside the overlap window before the watermark: fetched again too.
    values[2]["lastUpdated"] = "2024-07-26T09:58:00.000";
    values[2]["value"] = "33";
    server.data().system_info["serverDate"] = "2024-07-26T13:00:00.000";
  }
  ASSERT_TRUE(Extract(lake, fmt::format("http://127.0.0.1:{}", port)).ok());
  LakeReader reader(lake);
  std::string second_run =
      reader.Text("SELECT _run_id FROM bronze.data_value ORDER BY _ingested_at DESC LIMIT 1");
  EXPECT_EQ(
      reader.Count("SELECT count(*) FROM bronze.data_value WHERE _run_id = '" + second_run + "'"),
      4);
  EXPECT_EQ(
      reader.Count(
          "SELECT count(*) FROM bronze.data_value WHERE _run_id = '" + second_run +
          "' AND ((period = '202401' AND value = '100') OR (period = '202402' AND deleted) OR "
          "(period = '202407' AND value = '7') OR (period = '202403' AND value = '33'))"),
      4);
}

// Runs the CLI with the test's environment; returns its pid.
pid_t StartCli(const fs::path& dir, int port) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("DHIS2_URL", fmt::format("http://127.0.0.1:{}", port).c_str(), 1);
    ::setenv("DHIS2_USERNAME", "admin", 1);
    ::setenv("DHIS2_PASSWORD", "district", 1);
    ::setenv("DHIS2LAKE_SECRETS", (dir / "secrets.toml").c_str(), 1);
    std::string lake = (dir / "lake").string();
    std::string config = (dir / "dhis2lake.toml").string();
    std::string log = (dir / "cli.log").string();
    FILE* out = std::freopen(log.c_str(), "a", stdout);
    FILE* err = std::freopen(log.c_str(), "a", stderr);
    (void)out;
    (void)err;
    ::execl(DHL_CLI, DHL_CLI, "--lake", lake.c_str(), "--config", config.c_str(), "sync", "--only",
            "extract", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

int WaitCli(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ExtractTest, SigkilledSyncsThenRerunsGiveTheSameBronzeAsOneCleanRun) {
  ReplayServer server(SierraLeone());
  int port = server.Start().value();
  auto prepare = [&](const std::string& name) {
    fs::path dir = TempDir(name);
    std::ofstream(dir / "secrets.toml") << "hash_key = \"" << kHashKey << "\"\n";
    std::ofstream(dir / "dhis2lake.toml") << "[source]\nfirst_year = 2023\norg_unit_level = 1\n";
    return dir;
  };
  fs::path clean = prepare("cli_clean");
  ASSERT_EQ(WaitCli(StartCli(clean, port)), 0);
  fs::path killed = prepare("cli_killed");
  std::mt19937 random(12345);
  for (int kill = 0; kill < 4; ++kill) {
    pid_t pid = StartCli(killed, port);
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + random() % 1500));
    ::kill(pid, SIGKILL);
    WaitCli(pid);
  }
  ASSERT_EQ(WaitCli(StartCli(killed, port)), 0);
  std::ifstream log(killed / "cli.log");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  auto clean_content = LakeReader(clean / "lake").BronzeContent();
  auto killed_content = LakeReader(killed / "lake").BronzeContent();
  // Registration windows record what each run covered: the killed lake's extra runs (a run the
  // kill let finish, then the next sync's) covered the same periods again, so compare them as sets.
  for (auto* content : {&clean_content, &killed_content}) {
    auto& windows = (*content)["bronze.complete_registration_window"];
    std::set<std::string> distinct(windows.begin(), windows.end());
    windows = std::multiset<std::string>(distinct.begin(), distinct.end());
  }
  EXPECT_GT(clean_content["bronze.complete_registration_window"].size(), 0u);
  EXPECT_EQ(killed_content, clean_content) << text;
  EXPECT_GT(clean_content["bronze.data_value"].size(), 0u);
}

}  // namespace
}  // namespace dhl::source

namespace dhl::source {
namespace {

// The simulator (`dhis2lake sim`) serves a synthetic country; a full extract holds every record its
// --stats counts (tracker counts are of records not deleted; the extract also brings the deleted
// ones).
TEST(ExtractTest, FullExtractFromTheSimulatorHoldsEveryRecordItServes) {
  fs::path dir = TempDir("sim");
  std::string stats_file = (dir / "stats.json").string();
  ASSERT_EQ(
      std::system(fmt::format("{} sim --scale small --stats > {}", DHL_CLI, stats_file).c_str()),
      0);
  json stats = ReadJsonFile(stats_file);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fds[1], 1);
    ::close(pipe_fds[0]);
    ::execl(DHL_CLI, DHL_CLI, "sim", "--port", "0", "--scale", "small",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  std::string line;
  char c;
  while (::read(pipe_fds[0], &c, 1) == 1 && c != '\n') {
    line += c;
  }
  ASSERT_EQ(line.rfind("listening on http://127.0.0.1:", 0), 0u) << line;
  std::string url = line.substr(std::string("listening on ").size());
  fs::path lake = dir / "lake";
  ExtractOptions options;
  options.personal_attributes = {};
  Result<ExtractSummary> summary = Extract(lake, url, options);
  // The ranges the simulator lists, as its pager counts them.
  http::CurlTransport transport;
  http::HttpRequest request;
  request.url = url + "/api/minMaxDataElements?pageSize=1";
  request.headers.emplace_back("Authorization", "Basic YWRtaW46ZGlzdHJpY3Q=");
  http::StringSink sink;
  ASSERT_TRUE(transport.Send(request, sink).ok());
  int64_t ranges = json::parse(sink.body())["pager"]["total"].get<int64_t>();
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  ::close(pipe_fds[0]);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  std::printf("simulator (small): %s", summary->ToText().c_str());
  LakeReader reader(lake);
  EXPECT_EQ(
      reader.Count(
          "SELECT count(DISTINCT concat_ws('/', dataElement, period, orgUnit, categoryOptionCombo, "
          "attributeOptionCombo)) FROM bronze.data_value"),
      stats["data_values"]["live"].get<int64_t>() + stats["data_values"]["deleted"].get<int64_t>());
  EXPECT_EQ(reader.Count("SELECT count(*) FROM bronze.data_value WHERE deleted"),
            stats["data_values"]["deleted"].get<int64_t>());
  EXPECT_EQ(reader.Count("SELECT count(DISTINCT concat_ws('/', dataSet, period, organisationUnit, "
                         "attributeOptionCombo)) FROM bronze.complete_registration"),
            stats["complete_registrations"].get<int64_t>());
  // Registrations keep each record's text as received; its members are the columns.
  EXPECT_EQ(reader.Count("SELECT count(*) FROM bronze.complete_registration WHERE "
                         "json_extract_string(record, '$.period') IS DISTINCT FROM period OR "
                         "json_extract_string(record, '$.organisationUnit') IS DISTINCT FROM "
                         "organisationUnit OR json_extract_string(record, '$.storedBy') IS "
                         "DISTINCT FROM storedBy OR json_extract(record, '$.completed')::BOOLEAN "
                         "IS DISTINCT FROM completed"),
            0);
  // Min-max ranges come in several chunks (groups of data elements), each range once.
  auto min_max =
      std::find_if(summary->resources.begin(), summary->resources.end(),
                   [](const ResourceSummary& r) { return r.resource == "min_max_data_element"; });
  ASSERT_NE(min_max, summary->resources.end());
  EXPECT_GE(min_max->chunks, 4);
  EXPECT_GT(ranges, 500);
  EXPECT_EQ(reader.Count("SELECT count(*) FROM bronze.min_max_data_element"), ranges);
  EXPECT_EQ(reader.Count("SELECT count(DISTINCT concat_ws('/', source, dataElement, optionCombo)) "
                         "FROM bronze.min_max_data_element"),
            ranges);
  EXPECT_EQ(reader.Count("SELECT count(*) FROM bronze.min_max_data_element WHERE NOT generated OR "
                         "TRY_CAST(min AS INTEGER) > TRY_CAST(max AS INTEGER) OR "
                         "json_extract_string(source, '$.id') IS NULL"),
            0);
  EXPECT_EQ(
      reader.Count(
          "SELECT count(DISTINCT event) FROM bronze.event WHERE NOT coalesce(deleted, false)"),
      stats["events"].get<int64_t>());
  EXPECT_EQ(reader.Count("SELECT count(DISTINCT enrollment) FROM bronze.enrollment WHERE NOT "
                         "coalesce(deleted, false)"),
            stats["enrollments"].get<int64_t>());
  EXPECT_EQ(reader.Count("SELECT count(DISTINCT trackedEntity) FROM bronze.tracked_entity WHERE "
                         "NOT coalesce(deleted, false)"),
            stats["tracked_entities"].get<int64_t>());
  EXPECT_EQ(reader.Count("SELECT count(DISTINCT id) FROM bronze.metadata_organisation_unit"),
            stats["org_units"].get<int64_t>());
  EXPECT_EQ(reader.Count("SELECT count(DISTINCT id) FROM bronze.metadata_data_element"),
            stats["data_elements"].get<int64_t>());
  EXPECT_EQ(reader.Count("SELECT count(DISTINCT id) FROM bronze.metadata_indicator"),
            stats["indicators"].get<int64_t>());
  // Program indicators with their boundaries, relationship types, and relationships between
  // persons the extract holds (each listed once by each of its two persons).
  EXPECT_GE(reader.Count("SELECT count(DISTINCT id) FROM bronze.metadata_program_indicator"), 20);
  EXPECT_EQ(reader.Count("SELECT count(*) FROM bronze.metadata_program_indicator WHERE "
                         "json_array_length(json_extract(object, '$.analyticsPeriodBoundaries')) "
                         "= 0"),
            0);
  EXPECT_EQ(reader.Count("SELECT count(DISTINCT id) FROM bronze.metadata_relationship_type"), 1);
  int64_t relationships = reader.Count(
      "SELECT count(DISTINCT relationship) FROM "
      "bronze.relationship");
  EXPECT_GT(relationships, 0);
  EXPECT_EQ(reader.Count("SELECT count(*) FROM bronze.relationship"), 2 * relationships);
  EXPECT_EQ(reader.Count("SELECT count(*) FROM bronze.relationship r WHERE NOT EXISTS (SELECT 1 "
                         "FROM bronze.tracked_entity t WHERE t.trackedEntity = "
                         "json_extract_string(r.\"to\", '$.trackedEntity.trackedEntity'))"),
            0);
}

}  // namespace
}  // namespace dhl::source

namespace dhl::source {
namespace {

TEST(ExtractTest, SecretsFileIsCreatedOnceWithMode0600AndTheEnvironmentWins) {
  fs::path dir = TempDir("secrets");
  std::map<std::string, std::string> variables = {{"XDG_CONFIG_HOME", dir.string()}};
  EnvironmentLookup environment = [&](std::string_view name) -> std::optional<std::string> {
    auto found = variables.find(std::string(name));
    return found == variables.end() ? std::nullopt : std::optional<std::string>(found->second);
  };
  Result<Secrets> first = LoadSecrets(environment);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->file, (dir / "dhis2lake" / "secrets.toml").string());
  EXPECT_EQ(fs::status(first->file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(first->hash_key.size(), 64u);
  Result<Secrets> second = LoadSecrets(environment);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->hash_key, first->hash_key);

  std::ofstream(dir / "named.toml")
      << "hash_key = \"" << kHashKey << "\"\n[dhis2]\nurl = \"http://file\"\n"
      << "username = \"u\"\npassword = \"p\"\n";
  variables["DHIS2LAKE_SECRETS"] = (dir / "named.toml").string();
  Result<Secrets> named = LoadSecrets(environment);
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->url, "http://file");
  EXPECT_EQ(named->AuthorizationHeader(), "Basic dTpw");
  variables["DHIS2_URL"] = "http://env";
  variables["DHIS2_TOKEN"] = "d2pat_abc";
  named = LoadSecrets(environment);
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->url, "http://env");
  EXPECT_EQ(named->AuthorizationHeader(), "ApiToken d2pat_abc");
  variables["DHIS2LAKE_SECRETS"] = (dir / "missing.toml").string();
  EXPECT_FALSE(LoadSecrets(environment).ok());
}

}  // namespace
}  // namespace dhl::source

namespace dhl::source {
namespace {

// Before 2.41 the tracker lists come as {"page", "pageSize", "instances"}: same records, same
// bronze.
TEST(ExtractTest, TrackerEnvelopeBefore241LandsTheSameRecords) {
  ReplayData data = Dhis2Core();
  data.system_info["version"] = "2.40.3";
  ReplayServer server(data);
  int port = server.Start().value();
  fs::path lake = TempDir("v240") / "lake";
  ExtractOptions options = TestOptions();
  options.page_size = 2;  // several pages per chunk
  Result<ExtractSummary> summary = Extract(lake, fmt::format("http://127.0.0.1:{}", port), options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  LakeReader reader(lake);
  ExpectEveryRecord(server.data(), reader);
  ExpectNoClearText(lake, PersonalValues(server.data()));
}

}  // namespace
}  // namespace dhl::source

namespace dhl::source {
namespace {

// A server whose min-max ranges and registrations (snapshots: no lastUpdated filter, re-fetched
// whole each run) a test changes between runs.
ReplayData SnapshotServerData() {
  ReplayData data;
  data.system_info = ReadJsonFile(kData + "/sierra-leone-2.36/api_get_1.json");
  data.system_info["serverDate"] = "2024-07-26T10:00:00.000";
  data.lists["organisationUnits"] = {
      {{"id", "Root0000001"}, {"level", 1}, {"path", "/Root0000001"}},
      {{"id", "Child000001"},
       {"level", 2},
       {"path", "/Root0000001/Child000001"},
       {"parent", {{"id", "Root0000001"}}}},
      {{"id", "Child000002"},
       {"level", 2},
       {"path", "/Root0000001/Child000002"},
       {"parent", {{"id", "Root0000001"}}}}};
  data.lists["dataElements"] = {{{"id", "DataElem001"}, {"valueType", "NUMBER"}}};
  data.lists["dataSets"] = {{{"id", "DataSet0001"},
                             {"periodType", "Monthly"},
                             {"dataSetElements", {{{"dataElement", {{"id", "DataElem001"}}}}}}}};
  auto range = [](const std::string& unit, int max) {
    return json{{"source", {{"id", unit}}},
                {"dataElement", {{"id", "DataElem001"}}},
                {"optionCombo", {{"id", "HllvX50cXC0"}}},
                {"min", 1},
                {"max", max},
                {"generated", false}};
  };
  data.lists["minMaxDataElements"] = {range("Child000001", 10), range("Child000002", 20)};
  // silver.period (and so silver.complete_registration) needs a data value.
  data.data_values = {{{"dataElement", "DataElem001"},
                       {"period", "202406"},
                       {"orgUnit", "Child000001"},
                       {"categoryOptionCombo", "HllvX50cXC0"},
                       {"attributeOptionCombo", "HllvX50cXC0"},
                       {"value", "5"},
                       {"lastUpdated", "2024-07-01T00:00:00.000"},
                       {"created", "2024-07-01T00:00:00.000"}}};
  auto registration = [](const std::string& unit, const std::string& period) {
    return json{{"period", period},
                {"dataSet", "DataSet0001"},
                {"organisationUnit", unit},
                {"attributeOptionCombo", "HllvX50cXC0"},
                {"date", "2024-07-01T00:00:00.000"},
                {"storedBy", "admin"},
                {"completed", true},
                {"lastUpdated", "2024-07-01T00:00:00.000"}};
  };
  data.registrations = {registration("Child000001", "202405"),
                        registration("Child000001", "202406"),
                        registration("Child000002", "202406")};
  return data;
}

const std::vector<std::string> kSnapshotTables = {"bronze.min_max_data_element",
                                                  "bronze.complete_registration",
                                                  "bronze.complete_registration_window"};

// Each snapshot table's Delta version and row count.
std::map<std::string, std::pair<int64_t, int64_t>> SnapshotTables(const fs::path& lake) {
  auto database = engine::Database::Open().value();
  auto connection = database.Connect().value();
  lake::LakeCatalog catalog(lake.string());
  EXPECT_TRUE(catalog.RegisterAll(connection).ok());
  std::map<std::string, std::pair<int64_t, int64_t>> tables;
  for (const std::string& name : kSnapshotTables) {
    auto snapshot = catalog.Table(lake::ParseTableName(name).value()).Load(connection);
    auto count = connection.Query("SELECT count(*) FROM " + name);
    tables[name] = {snapshot.ok() ? snapshot->version : -1,
                    count.ok() ? count->GetInt64(0, 0).value_or(-1) : -1};
  }
  return tables;
}

const ResourceSummary* Line(const ExtractSummary& summary, const std::string& resource) {
  for (const ResourceSummary& line : summary.resources) {
    if (line.resource == resource) return &line;
  }
  return nullptr;
}

// The silver models run by the CLI over `lake`; then the rows of silver.min_max and
// silver.complete_registration (their DHIS2 columns), sorted, as text.
std::vector<std::string> SilverSnapshots(const fs::path& lake) {
  std::string log = (lake.parent_path() / "silver.log").string();
  EXPECT_EQ(std::system(fmt::format("{} --lake {} sync --only silver > {} 2>&1", DHL_CLI,
                                    lake.string(), log)
                            .c_str()),
            0);
  auto database = engine::Database::Open().value();
  auto connection = database.Connect().value();
  lake::LakeCatalog catalog(lake.string());
  EXPECT_TRUE(catalog.RegisterAll(connection).ok());
  std::vector<std::string> rows;
  for (const char* sql :
       {"SELECT concat_ws('|', 'min_max', de, ou, coc, min, max, generated) FROM silver.min_max",
        "SELECT concat_ws('|', 'registration', data_set, pe, ou, aoc, completed) FROM "
        "silver.complete_registration"}) {
    auto result = connection.Query(sql);
    EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString() << "\n"
                             << ReadWholeFile(log).ValueOr("");
    for (size_t row = 0; result.ok() && row < result->row_count(); ++row) {
      rows.push_back(result->GetString(0, row).value_or("NULL"));
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// A run that fetches the same min-max ranges and registration windows as the last committed
// delivery appends nothing to their bronze tables (same Delta versions, same rows) and says so;
// a change to one range or one registration appends the whole resource again, and silver then
// equals a --full extraction into a fresh lake (the deleted registration gone from both).
TEST(ExtractTest, UnchangedSnapshotsAreNotAppendedAgain) {
  ReplayServer server(SnapshotServerData());
  std::string url = fmt::format("http://127.0.0.1:{}", server.Start().value());
  fs::path lake = TempDir("snapshots") / "lake";
  ASSERT_TRUE(Extract(lake, url).ok());  // full: registrations by yearly windows
  Result<ExtractSummary> second = Extract(lake, url);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  // The min-max plan is the same in full and incremental runs: unchanged already; the trailing
  // registration windows are other requests than the full run's yearly windows: appended.
  EXPECT_EQ(Line(*second, "min_max_data_element")->chunks_unchanged, 1);
  EXPECT_EQ(Line(*second, "min_max_data_element")->records_unchanged, 2);
  EXPECT_EQ(Line(*second, "complete_registration")->chunks_unchanged, 0);
  // 3 registrations and 12 windows (one root x the trailing 12 months).
  EXPECT_EQ(Line(*second, "complete_registration")->records, 3 + 12);
  auto before = SnapshotTables(lake);
  EXPECT_EQ(before["bronze.min_max_data_element"].second, 2);
  EXPECT_EQ(before["bronze.complete_registration"].second, 6);

  Result<ExtractSummary> third = Extract(lake, url);
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ(SnapshotTables(lake), before);
  // One registration chunk (one data set x one root x the trailing months) and the window chunk.
  EXPECT_EQ(Line(*third, "complete_registration")->chunks_unchanged, 2);
  EXPECT_EQ(Line(*third, "complete_registration")->records_unchanged, 3 + 12);
  EXPECT_EQ(Line(*third, "complete_registration")->records, 0);
  EXPECT_EQ(Line(*third, "min_max_data_element")->chunks_unchanged, 1);
  EXPECT_NE(third->ToText().find("(unchanged: 2 chunks, 15 records not appended)"),
            std::string::npos)
      << third->ToText();
  std::vector<std::string> silver = SilverSnapshots(lake);
  EXPECT_EQ(silver.size(), 5u);

  {
    std::lock_guard lock(server.mutex());
    server.data().lists["minMaxDataElements"][1]["max"] = 25;
    server.data().registrations.pop_back();  // DHIS2 hard-deletes: Child000002's 202406 is gone
  }
  Result<ExtractSummary> changed = Extract(lake, url);
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_EQ(Line(*changed, "min_max_data_element")->records, 2);  // the whole list again
  EXPECT_EQ(Line(*changed, "complete_registration")->records, 2 + 12);
  auto after = SnapshotTables(lake);
  EXPECT_EQ(after["bronze.min_max_data_element"].second, 4);
  EXPECT_EQ(after["bronze.complete_registration"].second, 8);
  EXPECT_GT(after["bronze.complete_registration_window"].second,
            before["bronze.complete_registration_window"].second);

  fs::path fresh = TempDir("snapshots_fresh") / "lake";
  ExtractOptions full = TestOptions();
  full.full = true;
  ASSERT_TRUE(Extract(fresh, url, full).ok());
  std::vector<std::string> expected = SilverSnapshots(fresh);
  EXPECT_EQ(SilverSnapshots(lake), expected);
  EXPECT_EQ(std::count(expected.begin(), expected.end(),
                       "min_max|DataElem001|Child000002|HllvX50cXC0|1.0|25.0|false"),
            1)
      << fmt::format("{}", fmt::join(expected, "\n"));
  EXPECT_EQ(std::count_if(expected.begin(), expected.end(),
                          [](const std::string& row) {
                            return row.find("Child000002") != std::string::npos &&
                                   row.rfind("registration", 0) == 0;
                          }),
            0);

  // `--full` appends the snapshots even though nothing changed.
  auto unchanged = SnapshotTables(fresh);
  ASSERT_TRUE(Extract(fresh, url, full).ok());
  auto refetched = SnapshotTables(fresh);
  EXPECT_EQ(refetched["bronze.min_max_data_element"].second,
            2 * unchanged["bronze.min_max_data_element"].second);
  EXPECT_EQ(refetched["bronze.complete_registration"].second,
            2 * unchanged["bronze.complete_registration"].second);
}

// A run killed after its bronze commits and before it recorded its delivery leaves the older
// record, which no longer matches the tables' versions: the next run appends the same delivery
// once more (silver unchanged), and the one after appends nothing. Even when the server went back
// to that older content meanwhile, it is appended, since bronze's latest delivery is another.
TEST(ExtractTest, ADeliveryCommittedButNotRecordedIsAppendedOnceMore) {
  ReplayServer server(SnapshotServerData());
  std::string url = fmt::format("http://127.0.0.1:{}", server.Start().value());
  fs::path lake = TempDir("snapshot_crash") / "lake";
  fs::path record = lake / "_system" / "snapshots.json";
  for (int run = 0; run < 2; ++run) {
    ASSERT_TRUE(Extract(lake, url).ok());
  }
  std::vector<std::string> original = SilverSnapshots(lake);
  fs::path saved = lake.parent_path() / "snapshots.saved.json";
  fs::copy_file(record, saved);

  // Changed, committed, and the record put back as a kill before it was written leaves it.
  {
    std::lock_guard lock(server.mutex());
    server.data().lists["minMaxDataElements"][0]["max"] = 99;
  }
  ASSERT_TRUE(Extract(lake, url).ok());
  std::vector<std::string> changed = SilverSnapshots(lake);
  EXPECT_NE(changed, original);
  fs::copy_file(saved, record, fs::copy_options::overwrite_existing);
  auto before = SnapshotTables(lake);
  Result<ExtractSummary> again = Extract(lake, url);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(Line(*again, "min_max_data_element")->records, 2);
  EXPECT_EQ(Line(*again, "complete_registration")->records, 0);  // not committed meanwhile
  EXPECT_EQ(SilverSnapshots(lake), changed);
  auto appended = SnapshotTables(lake);
  ASSERT_TRUE(Extract(lake, url).ok());
  EXPECT_EQ(SnapshotTables(lake), appended);
  EXPECT_EQ(appended["bronze.min_max_data_element"].second,
            before["bronze.min_max_data_element"].second + 2);

  // The server back at the recorded content while bronze's latest delivery is the changed one.
  fs::copy_file(saved, record, fs::copy_options::overwrite_existing);
  {
    std::lock_guard lock(server.mutex());
    server.data().lists["minMaxDataElements"][0]["max"] = 10;
  }
  Result<ExtractSummary> back = Extract(lake, url);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(Line(*back, "min_max_data_element")->records, 2);
  EXPECT_EQ(SilverSnapshots(lake), original);
}

}  // namespace
}  // namespace dhl::source
