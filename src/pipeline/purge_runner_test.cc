// `dhis2lake purge` end to end on dhis2-core's real tracker payloads (tests/data/source): a lake
// landed without hashing (as before hashing existed: BronzeWriter given no hasher), with silver
// and gold built and clear-text pages in _landing, is purged; then no clear-text value remains in
// any file under the lake, bronze, silver and gold equal a lake landed with hashing from the
// start, and a second purge changes nothing.
#include "pipeline/purge_runner.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "base/test_paths.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "pipeline/embedded_models.h"
#include "pipeline/sync_runner.h"
#include "source/bronze_writer.h"
#include "source/export_folder_source.h"
#include "source/extraction_plan.h"
#include "source/landing_file.h"

namespace dhl::pipeline {
namespace {

namespace fs = std::filesystem;

const std::string kKey(64, 'a');
const std::string kData = std::string(DHL_SOURCE_DIR) + "/tests/data/source/dhis2-core";
// Values of the two attributes the configuration names personal, found nowhere else in the data.
const std::vector<std::string> kClearValues = {"John", "Bravo", "Test:Test", "Test,Test"};
const std::vector<std::string> kTrackerTables = {"enrollment", "event", "relationship",
                                                 "tracked_entity"};

fs::path TempDir(const std::string& name) {
  fs::path dir =
      fs::temp_directory_path() / fmt::format("dhl_purge_{}_{}_{}", name, ::getpid(), std::rand());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

source::ExtractOptions Extract() {
  source::ExtractOptions options;
  options.personal_attributes = {"dIVt4l5vIOa", "kZeSYCgaHTk"};
  options.personal_data_elements = {"ZrqtjjveTFc"};
  return options;
}

source::Secrets TestSecrets() {
  source::Secrets secrets;
  secrets.hash_key = kKey;
  return secrets;
}

// The export folder: tracker metadata, tracked entities with enrollments and events, and events.
fs::path ExportFolder(const fs::path& dir) {
  fs::path folder = dir / "export";
  fs::create_directories(folder);
  fs::copy_file(kData + "/dhis-test-e2e__setup__tracker_metadata.json", folder / "a_metadata.json");
  fs::copy_file(kData +
                    "/dhis-test-e2e__tracker__importer__trackedEntities__"
                    "trackedEntitiesWithEnrollmentsAndEvents.json",
                folder / "b_tracked_entities.json");
  fs::copy_file(kData + "/dhis-test-e2e__tracker__importer__events__events.json",
                folder / "c_events.json");
  return folder;
}

void AddChunk(source::ExtractionPlan& plan, const fs::path& file, const std::string& table,
              const std::string& key) {
  source::Chunk chunk;
  chunk.sequence = static_cast<int64_t>(plan.chunks.size()) + 1;
  chunk.id = fmt::format("{}/{:06d}", plan.resource, chunk.sequence);
  chunk.table = table;
  chunk.file = file.string();
  chunk.records_key = key;
  plan.chunks.push_back(std::move(chunk));
}

// Lands the folder's files into bronze as dhis2lake did before hashing existed: no hasher.
void LandInClearText(const fs::path& folder, const fs::path& lake) {
  source::ExtractionPlan plan;
  plan.run_id = "clear-text-run";
  plan.resource = "export";
  plan.source = "folder:" + folder.string();
  plan.server_time_zone = "Etc/UTC";
  for (const source::MetadataType& type : source::MetadataTypes()) {
    std::ifstream in(folder / "a_metadata.json");
    std::stringstream text;
    text << in.rdbuf();
    if (nlohmann::json::parse(text.str()).contains(type.key)) {
      AddChunk(plan, folder / "a_metadata.json", type.table, type.key);
    }
  }
  const fs::path entities = folder / "b_tracked_entities.json";
  AddChunk(plan, entities, "tracked_entity", "trackedEntities");
  AddChunk(plan, entities, "relationship", "trackedEntities[].relationships");
  AddChunk(plan, entities, "enrollment", "trackedEntities[].enrollments");
  AddChunk(plan, entities, "event", "trackedEntities[].enrollments[].events");
  AddChunk(plan, folder / "c_events.json", "event", "events");
  engine::Database database = engine::Database::Open().value();
  engine::Connection connection = database.Connect().value();
  lake::LakeCatalog catalog(lake.string());
  source::BronzeWriter writer(connection, catalog, SystemClock::Instance());
  for (const source::Chunk& chunk : plan.chunks) {
    auto written = writer.CommitBatch(plan, {{&chunk, {chunk.file}}}, /*hasher=*/nullptr);
    ASSERT_TRUE(written.ok()) << chunk.id << ": " << written.status().ToString();
  }
}

void BuildModels(const fs::path& lake, const ModelSet& models, int failures = 0) {
  SyncOptions options;
  options.lake_dir = lake.string();
  options.stages = {SyncStage::kSilver, SyncStage::kGold};
  options.extract = Extract();
  options.model_set = &models;
  options.progress = false;
  auto summary = RunSync(options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->models_failed, failures) << summary->ToText();
}

PurgeOptions Purge(const fs::path& lake, const ModelSet& models) {
  PurgeOptions options;
  options.lake_dir = lake.string();
  options.extract = Extract();
  options.secrets = TestSecrets();
  options.model_set = &models;
  options.progress = false;
  return options;
}

std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Every file under `lake` holding one of kClearValues: in its bytes, or in any row of a Parquet
// file read back as text (compression could hide a value from the byte search).
std::vector<std::string> FilesWithClearText(const fs::path& lake, engine::Connection& connection) {
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(lake)) {
    if (!entry.is_regular_file()) {
      continue;
    }
    const std::string path = entry.path().string();
    std::string bytes = ReadBytes(entry.path());
    for (const std::string& value : kClearValues) {
      if (bytes.find(value) != std::string::npos) {
        found.push_back(path + " (bytes: " + value + ")");
      }
    }
    if (entry.path().extension() == ".parquet") {
      for (const std::string& value : kClearValues) {
        auto rows = connection.Query(
            fmt::format("SELECT count(*) FROM read_parquet('{}') AS t WHERE CAST(t AS VARCHAR) "
                        "LIKE '%{}%'",
                        path, value));
        EXPECT_TRUE(rows.ok()) << path << ": " << rows.status().ToString();
        if (rows.ok() && rows->GetInt64(0, 0).value_or(0) > 0) {
          found.push_back(path + " (rows: " + value + ")");
        }
      }
    }
  }
  return found;
}

// Rows of `table` in one lake and not the other (both ways), leaving out the columns whose name
// starts with '_' (ingestion and run columns).
int64_t Differences(const fs::path& lake_a, const fs::path& lake_b, const lake::TableName& table) {
  engine::Database database = engine::Database::Open().value();
  engine::Connection connection = database.Connect().value();
  lake::LakeCatalog a(lake_a.string());
  lake::LakeCatalog b(lake_b.string());
  EXPECT_TRUE(connection.Execute("CREATE SCHEMA a; CREATE SCHEMA b").ok());
  auto view = [&](lake::LakeCatalog& catalog, const std::string& schema) {
    lake::DeltaTable delta = catalog.Table(table);
    auto snapshot = delta.Load(connection);
    EXPECT_TRUE(snapshot.ok()) << table.ToString() << ": " << snapshot.status().ToString();
    EXPECT_TRUE(delta.CreateView(connection, *snapshot, schema, "t").ok());
  };
  view(a, "a");
  view(b, "b");
  auto count = connection.Query(
      "SELECT (SELECT count(*) FROM (SELECT COLUMNS(c -> NOT starts_with(c, '_')) FROM a.t EXCEPT "
      "ALL SELECT COLUMNS(c -> NOT starts_with(c, '_')) FROM b.t)) + (SELECT count(*) FROM "
      "(SELECT COLUMNS(c -> NOT starts_with(c, '_')) FROM b.t EXCEPT ALL SELECT COLUMNS(c -> NOT "
      "starts_with(c, '_')) FROM a.t))");
  EXPECT_TRUE(count.ok()) << count.status().ToString();
  return count.ok() ? count->GetInt64(0, 0).value_or(-1) : -1;
}

TEST(PurgeRunnerTest, ALakeLandedInClearTextEndsAsIfHashedFromTheStart) {
  fs::path dir = TempDir("clear");
  fs::path folder = ExportFolder(dir);
  // With a model whose cast fails on a clear-text name, quoting it in its error (ops.model_run):
  // over hashed values it finds no row and succeeds.
  std::map<std::string, std::string> files = EmbeddedModels();
  files["gold/zz_casts_names.sql"] =
      "-- materialized: table\nSELECT CAST(value AS INT) AS n FROM "
      "ref('silver.tracked_entity_attribute') WHERE value LIKE 'Jo%'\n";
  auto models = ModelSet::LoadMap(files);
  ASSERT_TRUE(models.ok()) << models.status().ToString();

  // Lake A: landed with hashing from the start.
  const fs::path hashed = dir / "hashed";
  source::ExportFolderSource source(hashed.string(), folder.string(), Extract(), TestSecrets(),
                                    SystemClock::Instance(), false);
  auto extracted = source.Run();
  ASSERT_TRUE(extracted.ok()) << extracted.status().ToString();
  BuildModels(hashed, *models);

  // Lake B: landed in clear text, silver and gold built over it, clear pages in _landing: a
  // finished server run that kept its tracker pages and an interrupted export-folder run's copy.
  const fs::path clear = dir / "clear";
  LandInClearText(folder, clear);
  BuildModels(clear, *models, /*failures=*/1);
  source::ExtractionPlan server_run;
  server_run.run_id = "server-run";
  server_run.resource = "tracker";
  server_run.source = "http://127.0.0.1:1";
  source::Chunk page_chunk;
  page_chunk.sequence = 1;
  page_chunk.id = "tracker/000001";
  page_chunk.table = "tracked_entity";
  page_chunk.records_key = "trackedEntities";
  server_run.chunks.push_back(page_chunk);
  const fs::path server_folder = clear / "_landing" / "tracker" / "server-run";
  fs::create_directories(server_folder);
  ASSERT_TRUE(
      source::WriteFileAtomically((server_folder / "plan.json").string(), server_run.ToJson())
          .ok());
  fs::copy_file(folder / "b_tracked_entities.json", server_folder / "000001_p00001.json");
  source::ExtractionPlan export_run = server_run;
  export_run.run_id = "export-run";
  export_run.resource = "export";
  export_run.source = "folder:" + folder.string();
  const fs::path export_folder = clear / "_landing" / "export" / "export-run";
  fs::create_directories(export_folder);
  ASSERT_TRUE(
      source::WriteFileAtomically((export_folder / "plan.json").string(), export_run.ToJson())
          .ok());
  fs::copy_file(folder / "b_tracked_entities.json", export_folder / "0123abcd.json");

  engine::Database database = engine::Database::Open().value();
  engine::Connection connection = database.Connect().value();
  ASSERT_FALSE(FilesWithClearText(clear, connection).empty());  // the test sees clear text

  // A dry run lists and changes nothing.
  PurgeOptions dry = Purge(clear, *models);
  dry.dry_run = true;
  auto listed = RunPurge(dry);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_FALSE(listed->rebuilt.empty());
  EXPECT_EQ(listed->landing.pages_hashed.size(), 1u);
  EXPECT_EQ(listed->landing.copies_removed.size(), 1u);
  EXPECT_TRUE(fs::exists(export_folder / "0123abcd.json"));
  EXPECT_FALSE(FilesWithClearText(clear, connection).empty());

  auto purged = RunPurge(Purge(clear, *models));
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  const std::string text = purged->ToText();
  EXPECT_NE(text.find("readers holding them"), std::string::npos) << text;
  EXPECT_EQ(purged->errors_removed, 1) << text;  // zz_casts_names's, quoting "John"
  int64_t rewritten = 0;
  for (const source::TablePurge& table : purged->bronze) {
    rewritten += table.rows_rewritten;
    if (table.rows_rewritten > 0) {
      EXPECT_TRUE(table.version.has_value()) << table.table.ToString();
    }
  }
  // Every tracked entity (attributes), event (storedBy of values, the note, Male/Female) changed.
  EXPECT_GT(rewritten, 0) << text;
  EXPECT_EQ(FilesWithClearText(clear, connection), std::vector<std::string>{}) << text;
  // The user name "admin" (storedBy of event data values) is gone from bronze.event's data files
  // and from its log (older commits' file statistics, minValues/maxValues, quote values).
  for (const auto& entry : fs::recursive_directory_iterator(clear / "bronze" / "event")) {
    if (entry.is_regular_file()) {
      EXPECT_EQ(ReadBytes(entry.path()).find("admin"), std::string::npos) << entry.path();
    }
  }
  EXPECT_TRUE(fs::exists(export_folder / "plan.json"));
  EXPECT_FALSE(fs::exists(export_folder / "0123abcd.json"));

  // Bronze, silver and gold answer as the lake hashed from the start.
  for (const std::string& name : kTrackerTables) {
    if (lake::LakeCatalog(hashed.string()).Table({"bronze", name}).Exists()) {
      EXPECT_EQ(Differences(hashed, clear, {"bronze", name}), 0) << name;
    }
  }
  for (const lake::TableName& name : purged->rebuilt) {
    bool in_hashed = lake::LakeCatalog(hashed.string()).Table(name).Exists();
    EXPECT_EQ(in_hashed, lake::LakeCatalog(clear.string()).Table(name).Exists()) << name.ToString();
    if (in_hashed) {
      EXPECT_EQ(Differences(hashed, clear, name), 0) << name.ToString();
    }
  }
  auto history = lake::LakeCatalog(clear.string()).Table({"bronze", "tracked_entity"}).History();
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  EXPECT_EQ(history->front().operation, "PURGE");

  // A second purge finds nothing to hash and commits nothing.
  auto again = RunPurge(Purge(clear, *models));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  for (const source::TablePurge& table : again->bronze) {
    EXPECT_EQ(table.rows_rewritten, 0) << table.table.ToString();
    EXPECT_FALSE(table.version.has_value());
  }
  EXPECT_TRUE(again->landing.pages_hashed.empty());
  EXPECT_TRUE(again->rebuilt.empty());
  EXPECT_TRUE(again->vacuumed.empty());
  fs::remove_all(dir);
}

// A purge cut short after bronze is hashed (here: a model that reads a tracker table fails in the
// rebuild) says so and leaves its marker; the next purge, finding nothing left to hash in bronze,
// still finishes the rebuild and the deletions: the lake ends as if hashed from the start.
TEST(PurgeRunnerTest, APurgeCutShortIsFinishedByTheNext) {
  fs::path dir = TempDir("cut");
  fs::path folder = ExportFolder(dir);
  auto models = ModelSet::LoadMap(EmbeddedModels());
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  std::map<std::string, std::string> files = EmbeddedModels();
  files["gold/zz_fails_in_rebuild.sql"] =
      "-- materialized: table\nSELECT CAST(tracked_entity AS INT) AS n FROM "
      "ref('silver.tracked_entity')\n";
  auto failing = ModelSet::LoadMap(files);
  ASSERT_TRUE(failing.ok()) << failing.status().ToString();

  const fs::path hashed = dir / "hashed";
  source::ExportFolderSource source(hashed.string(), folder.string(), Extract(), TestSecrets(),
                                    SystemClock::Instance(), false);
  ASSERT_TRUE(source.Run().ok());
  BuildModels(hashed, *models);
  const fs::path clear = dir / "clear";
  LandInClearText(folder, clear);
  BuildModels(clear, *models);

  auto cut = RunPurge(Purge(clear, *failing));
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.status().message().find("gold.zz_fails_in_rebuild"), std::string::npos)
      << cut.status().ToString();
  EXPECT_NE(cut.status().message().find("run purge again to finish"), std::string::npos)
      << cut.status().ToString();
  EXPECT_TRUE(fs::exists(clear / "_system" / "purge_pending"));

  auto finished = RunPurge(Purge(clear, *models));
  ASSERT_TRUE(finished.ok()) << finished.status().ToString();
  for (const source::TablePurge& table : finished->bronze) {
    EXPECT_EQ(table.rows_rewritten, 0) << table.table.ToString();  // hashed by the first
  }
  EXPECT_FALSE(finished->rebuilt.empty());
  EXPECT_FALSE(fs::exists(clear / "_system" / "purge_pending"));
  engine::Database database = engine::Database::Open().value();
  engine::Connection connection = database.Connect().value();
  EXPECT_EQ(FilesWithClearText(clear, connection), std::vector<std::string>{});
  for (const lake::TableName& name : finished->rebuilt) {
    if (lake::LakeCatalog(hashed.string()).Table(name).Exists()) {
      EXPECT_EQ(Differences(hashed, clear, name), 0) << name.ToString();
    }
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dhl::pipeline
