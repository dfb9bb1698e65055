// The real Sierra Leone recordings (DHIS2 2.36.13, tests/data/source/sierra-leone-2.36 and the
// analytics answers in tests/data/pipeline/sierra-leone-2.36; provenance in their PROVENANCE.md):
// built through the export-folder source from the recorded metadata, supplemented with what the
// recording lacks but DHIS2 has, then bronze -> silver -> gold by the shipped models; gold, and the
// analytics API over it, must reproduce the six recorded indicator answers and the six data
// element answers within DHIS2 2.36's rounding (one decimal).
//
// The supplement is only what the fixtures' README lists as missing from the recording; what the
// recording does not hold at all (constants, registrations, validation rules, tracker data, ...)
// is not made up: the models read it as empty ("absent is empty", src/pipeline/absent_input.h).
// The supplement (what the recorded lists leave out; tests/data/source/PROVENANCE.md):
// - the indicator type of ANC 1 and ANC 2 coverage (Uvn6LCg7dVU, OdiHJayrsKo): 'Per cent',
//   factor 100, and their annualisation (both annualised in the demo database);
// - the category combo of the two ANC elements and their option combos Fixed and Outreach (a uid
//   made up for it: the recording names none);
// - the period types of the data sets holding the three elements: Population (aLpVgfXiz0f,
//   holding Expected pregnancies h0xKKjijTdI) Yearly, Reproductive Health (QX4ZTUbOt3a, holding
//   the ANC visits) Monthly;
// - the data values behind the answers: at one clinic a SUM element's answer is its raw value, so
//   ANC 1st visits (fbfJHSPpUQD, Fixed pq2XI5kz2BY) 10, 20, 7 and ANC 2nd visits (cYeuwXTCPkU,
//   Fixed) 11, 14, 9 for 202306..202308; and the clinic's Expected pregnancies for 2023, held as
//   DHIS2 holds it: a data value of the AVERAGE_SUM_ORG_UNIT element h0xKKjijTdI in the Yearly
//   period 2023, of 71 (10 / 71 x 100 x 365 / 30 = 171.36, the recorded 171.4).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/test_paths.h"
#include "engine/database.h"
#include "http/curl_transport.h"
#include "lake/lake_catalog.h"
#include "pipeline/embedded_models.h"
#include "pipeline/model_set.h"
#include "pipeline/pipeline_runner.h"
#include "serve/server.h"
#include "source/export_folder_source.h"

namespace dhl::pipeline {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kRecorded = fs::path(DHL_SOURCE_DIR) / "tests/data/source/sierra-leone-2.36";
const fs::path kAnswers = fs::path(DHL_SOURCE_DIR) / "tests/data/pipeline/sierra-leone-2.36";
constexpr const char* kClinic = "uNEhNuBUr0i";  // Tonko Maternity Clinic
constexpr const char* kDefaultCombo = "HllvX50cXC0";
constexpr const char* kPerCent = "hmSnCXmLYwt";   // a uid for the type: the recording has none
constexpr const char* kLocation = "dhlLocCombo";  // a uid for the ANC elements' category combo

json ReadJson(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

void WriteJson(const fs::path& path, const json& value) {
  std::ofstream out(path);
  out << value.dump();
}

// The models gold.indicator_value and gold.aggregate need, inputs first (the tracker models are
// left out: the recording holds no tracker data).
std::vector<std::string> NeededModels(const ModelSet& models) {
  std::set<std::string> needed;
  std::function<void(const lake::TableName&)> visit = [&](const lake::TableName& name) {
    const Model* model = models.Find(name);
    if (model == nullptr || !needed.insert(name.ToString()).second) return;
    for (const Ref& ref : model->refs) visit(ref.table);
  };
  visit(lake::TableName{"gold", "indicator_value"});
  visit(lake::TableName{"gold", "aggregate"});
  return {needed.begin(), needed.end()};
}

// Writes the export folder: the recorded extraction payloads, then the supplement.
void WriteExportFolder(const fs::path& folder) {
  fs::create_directories(folder);
  for (const auto& entry : fs::directory_iterator(kRecorded)) {
    fs::copy_file(entry.path(), folder / entry.path().filename());
  }
  // The two indicators again, with their type and annualisation (a later lastUpdated than the
  // recording's, which has none, so these versions win).
  json recorded_indicators = ReadJson(kRecorded / "indicators_1.json");
  json indicators = json::array();
  for (const json& indicator : recorded_indicators["indicators"]) {
    if (indicator["id"] == "Uvn6LCg7dVU" || indicator["id"] == "OdiHJayrsKo") {
      json supplemented = indicator;
      supplemented["indicatorType"] = {{"id", kPerCent}};
      supplemented["annualized"] = true;
      supplemented["lastUpdated"] = "2023-09-01T00:00:00.000";
      indicators.push_back(supplemented);
    }
  }
  ASSERT_EQ(indicators.size(), 2u);
  json recorded_data_sets = ReadJson(kRecorded / "datasets_1.json");
  json data_sets = json::array();
  for (const json& data_set : recorded_data_sets["dataSets"]) {
    if (data_set["id"] == "aLpVgfXiz0f" || data_set["id"] == "QX4ZTUbOt3a") {
      json supplemented = data_set;
      supplemented["periodType"] = data_set["id"] == "aLpVgfXiz0f" ? "Yearly" : "Monthly";
      supplemented["lastUpdated"] = "2023-09-01T00:00:00.000";
      data_sets.push_back(supplemented);
    }
  }
  ASSERT_EQ(data_sets.size(), 2u);
  // The ANC elements' category combo (Location Fixed/Outreach in the demo database), which the
  // recorded elements and option combos do not name: the analytics API's co dimension needs it.
  json elements = json::array();
  for (const char* file : {"data_elements_1.json", "data_elements_2.json"}) {
    json recorded_elements = ReadJson(kRecorded / file);
    for (const json& element : recorded_elements["dataElements"]) {
      if (element["id"] == "fbfJHSPpUQD" || element["id"] == "cYeuwXTCPkU") {
        json supplemented = element;
        supplemented["categoryCombo"] = {{"id", kLocation}};
        supplemented["lastUpdated"] = "2023-09-01T00:00:00.000";
        elements.push_back(supplemented);
      }
    }
  }
  ASSERT_EQ(elements.size(), 2u);
  json combos = json::array();
  json recorded_combos = ReadJson(kRecorded / "category_option_combos_1.json");
  for (const json& combo : recorded_combos["categoryOptionCombos"]) {
    if (combo["id"] == "pq2XI5kz2BY" || combo["id"] == "PT59n8BQbqM") {
      json supplemented = combo;
      supplemented["categoryCombo"] = {{"id", kLocation}};
      supplemented["lastUpdated"] = "2023-09-01T00:00:00.000";
      combos.push_back(supplemented);
    }
  }
  ASSERT_EQ(combos.size(), 2u);
  // DHIS2's default category, combo and option (the uids every DHIS2 database has; the recording
  // lists only the option combos), and the recorded org unit levels, an array the export folder
  // expects under its metadata key.
  json levels = ReadJson(kRecorded / "organisation_unit_levels_1.json");
  WriteJson(
      folder / "supplement_metadata.json",
      {{"indicatorTypes",
        {{{"id", kPerCent}, {"name", "Per cent"}, {"factor", 100}, {"number", false}}}},
       {"indicators", indicators},
       {"dataSets", data_sets},
       {"categories",
        {{{"id", "GLevLNI9wkl"},
          {"name", "default"},
          {"dataDimension", false},
          {"categoryOptions", {{{"id", "xYerKDKCefk"}}}}}}},
       {"categoryCombos",
        {{{"id", "bjDvmb4bfuf"}, {"name", "default"}, {"categories", {{{"id", "GLevLNI9wkl"}}}}},
         {{"id", kLocation}, {"name", "Location Fixed/Outreach"}}}},
       {"dataElements", elements},
       {"categoryOptionCombos", combos},
       {"categoryOptions", {{{"id", "xYerKDKCefk"}, {"name", "default"}}}},
       {"organisationUnitLevels", levels}});
  json values = json::array();
  auto value = [&](const std::string& de, const std::string& coc, const std::string& pe,
                   int number) {
    values.push_back({{"dataElement", de},
                      {"period", pe},
                      {"orgUnit", kClinic},
                      {"categoryOptionCombo", coc},
                      {"attributeOptionCombo", kDefaultCombo},
                      {"value", std::to_string(number)},
                      {"storedBy", "supplement"},
                      {"created", "2023-09-01T00:00:00.000+0000"},
                      {"lastUpdated", "2023-09-01T00:00:00.000+0000"},
                      {"followup", false}});
  };
  const std::string months[] = {"202306", "202307", "202308"};
  const int first_visits[] = {10, 20, 7};
  const int second_visits[] = {11, 14, 9};
  for (int i = 0; i < 3; ++i) {
    value("fbfJHSPpUQD", "pq2XI5kz2BY", months[i], first_visits[i]);
    value("cYeuwXTCPkU", "pq2XI5kz2BY", months[i], second_visits[i]);
  }
  value("h0xKKjijTdI", kDefaultCombo, "2023", 71);
  WriteJson(folder / "supplement_data_values.json", {{"dataValues", values}});
}

// Compares gold with the 12 recorded answers (one decimal, DHIS2 2.36's rounding).
void CheckRecordedAnswers(lake::LakeCatalog& catalog, engine::Connection* connection) {
  for (const char* table : {"aggregate", "indicator_value"}) {
    ASSERT_TRUE(catalog.Register(*connection, lake::TableName{"gold", table}).ok());
  }
  auto gold = [&](const std::string& sql) -> std::optional<double> {
    auto result = connection->Query(sql);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok() || result->row_count() != 1) {
      ADD_FAILURE() << sql << ": " << (result.ok() ? result->row_count() : 0) << " rows";
      return std::nullopt;
    }
    return result->GetDouble(0, 0);
  };
  int indicator_answers = 0;
  int element_answers = 0;
  for (int file = 1; file <= 3; ++file) {
    json indicator_answer =
        ReadJson(kAnswers / ("analytics_get_indicators_" + std::to_string(file) + ".json"));
    for (const json& row : indicator_answer["rows"]) {
      // dx, ou, pe, value
      double recorded = std::stod(row[3].get<std::string>());
      auto value = gold("SELECT value FROM gold.indicator_value WHERE indicator = '" +
                        row[0].get<std::string>() + "' AND ou = '" + row[1].get<std::string>() +
                        "' AND pe = '" + row[2].get<std::string>() + "'");
      ASSERT_TRUE(value) << row.dump();
      EXPECT_EQ(std::round(*value * 10) / 10, recorded) << row.dump() << ": gold " << *value;
      std::printf("%s %s %s: recorded %s, gold %.6f\n", row[0].get<std::string>().c_str(),
                  row[1].get<std::string>().c_str(), row[2].get<std::string>().c_str(),
                  row[3].get<std::string>().c_str(), *value);
      ++indicator_answers;
    }
    json element_answer =
        ReadJson(kAnswers / ("analytics_get_data_elements_" + std::to_string(file) + ".json"));
    for (const json& row : element_answer["rows"]) {
      // dx, co, ou, pe, value
      double recorded = std::stod(row[4].get<std::string>());
      auto value =
          gold("SELECT value FROM gold.aggregate WHERE de = '" + row[0].get<std::string>() +
               "' AND coc = '" + row[1].get<std::string>() + "' AND ou = '" +
               row[2].get<std::string>() + "' AND pe = '" + row[3].get<std::string>() + "'");
      ASSERT_TRUE(value) << row.dump();
      EXPECT_EQ(std::round(*value * 10) / 10, recorded) << row.dump() << ": gold " << *value;
      ++element_answers;
    }
  }
  EXPECT_EQ(indicator_answers, 6);
  EXPECT_EQ(element_answers, 6);
}

TEST(SierraLeoneIndicatorTest, GoldReproducesTheRecordedAnalyticsAnswers) {
  auto models = ModelSet::LoadMap(EmbeddedModels());
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  std::vector<std::string> needed = NeededModels(*models);
  for (const std::string& name : needed) {
    for (const Ref& ref : models->Find(*lake::ParseTableName(name))->refs) {
      if (ref.table.layer != "bronze" && models->Find(ref.table) == nullptr) {
        GTEST_SKIP() << name << " reads " << ref.table.ToString()
                     << ", which no shipped model produces yet";
      }
    }
  }

  fs::path dir =
      fs::temp_directory_path() /
      ("dhl_sierra_leone_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  fs::remove_all(dir);
  WriteExportFolder(dir / "export");
  source::ExtractOptions options;
  source::Secrets secrets;
  secrets.hash_key = "sierra-leone-test-key";
  source::ExportFolderSource export_source((dir / "lake").string(), (dir / "export").string(),
                                           options, secrets, SystemClock::Instance(), false);
  auto extracted = export_source.Run();
  ASSERT_TRUE(extracted.ok()) << extracted.status().ToString();

  auto database = engine::Database::Open();
  ASSERT_TRUE(database.ok());
  auto connection = database->Connect();
  ASSERT_TRUE(connection.ok());
  lake::LakeCatalog catalog((dir / "lake").string());
  RunOptions run;
  run.models = needed;
  auto summary = RunPipeline(catalog, *connection, *models, run);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->ok()) << summary->ToString();

  CheckRecordedAnswers(catalog, &*connection);
  fs::remove_all(dir);
}

// The analytics API over the lake answers the recorded requests with the recorded rows.
void CheckRecordedApiAnswers(const fs::path& lake_dir) {
  serve::ServerOptions options;
  options.port = 0;
  options.lake_dir = lake_dir.string();
  serve::Server server(options);
  auto port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  http::CurlTransport transport;
  auto rows = [](const json& answer) {
    std::set<std::vector<std::string>> set;
    for (const json& row : answer["rows"]) set.insert(row.get<std::vector<std::string>>());
    return set;
  };
  for (int month = 6; month <= 8; ++month) {
    for (const char* kind : {"indicators", "data_elements"}) {
      bool indicators = std::string(kind) == "indicators";
      http::HttpRequest request;
      request.url = "http://127.0.0.1:" + std::to_string(*port) + "/api/analytics?dimension=dx%3A" +
                    (indicators ? "Uvn6LCg7dVU%3BOdiHJayrsKo" : "fbfJHSPpUQD%3BcYeuwXTCPkU") +
                    "&dimension=ou%3AuNEhNuBUr0i&dimension=pe%3A20230" + std::to_string(month) +
                    (indicators ? "" : "&dimension=co%3A") +
                    "&paging=True&ignoreLimit=True&pageSize=1000";
      http::StringSink sink;
      Status sent = transport.Send(request, sink);
      ASSERT_TRUE(sent.ok()) << sent.ToString();
      ASSERT_EQ(sink.head().status, 200) << request.url << ": " << sink.body();
      json recorded = ReadJson(kAnswers / ("analytics_get_" + std::string(kind) + "_" +
                                           std::to_string(month - 5) + ".json"));
      EXPECT_EQ(rows(json::parse(sink.body())), rows(recorded)) << request.url;
    }
  }
  server.Stop();
}

// The same through the command line: one `dhis2lake sync --source DIR` from the folder to gold,
// then the analytics API over the lake it wrote.
TEST(SierraLeoneIndicatorTest, SyncCommandReproducesTheRecordedAnalyticsAnswers) {
  fs::path dir =
      fs::temp_directory_path() /
      ("dhl_sierra_leone_cli_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  fs::remove_all(dir);
  WriteExportFolder(dir / "export");
  std::ofstream(dir / "secrets.toml") << "hash_key = \"sierra-leone-test-key-of-32-characters\"\n";
  std::string command = "env DHIS2LAKE_SECRETS=" + (dir / "secrets.toml").string() + " " + DHL_CLI +
                        " --lake " + (dir / "lake").string() + " sync --source " +
                        (dir / "export").string() + " > " + (dir / "sync.log").string() + " 2>&1";
  int code = std::system(command.c_str());
  std::ifstream log(dir / "sync.log");
  std::stringstream text;
  text << log.rdbuf();
  ASSERT_EQ(code, 0) << text.str();
  // No model is skipped for want of what the recording lacks; the summary names what was empty.
  EXPECT_EQ(text.str().find("skipped, no input yet"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("empty inputs (not in the source; the models ran without them): "),
            std::string::npos)
      << text.str();
  for (const char* empty : {"bronze.complete_registration", "bronze.metadata_constant",
                            "bronze.metadata_validation_rule", "bronze.event"}) {
    EXPECT_NE(text.str().find(empty), std::string::npos) << empty << "\n" << text.str();
  }
  auto database = engine::Database::Open();
  ASSERT_TRUE(database.ok());
  auto connection = database->Connect();
  ASSERT_TRUE(connection.ok());
  lake::LakeCatalog catalog((dir / "lake").string());
  CheckRecordedAnswers(catalog, &*connection);
  CheckRecordedApiAnswers(dir / "lake");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dhl::pipeline
