// What reaches bronze hashed: notes, user names, configured event data elements, and every
// attribute value when the attribute metadata is missing. Expected hashes were computed apart from
// the code, with Python's hmac module: hmac.new(b"a" * 64, value.encode(),
// hashlib.sha256).hexdigest().
#include "source/personal_data_hasher.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "base/test_paths.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "source/export_folder_source.h"

namespace dhl::source {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kKey(64, 'a');
const std::string kData = std::string(DHL_SOURCE_DIR) + "/tests/data/source/dhis2-core";
// HMAC-SHA256 (key "a" * 64) of each value, from Python.
constexpr const char* kNote = "fe5daa283b8b4868908d16af87401f4de929bb86764548a6129a7e277facca78";
constexpr const char* kMale = "0a41dc09af76eaba88ff7c5449e1b270c50bb7150a7b9f6e77a3726f7487d948";
constexpr const char* kAdmin = "c705f9cfb8a647a1547141b8804141d90d8b944c5b13ef4fea23fcdeb0e99061";
constexpr const char* kJane = "46686308b40d34ac85833979d75c8317c1bffc32c0f620b7339481169bef803f";
constexpr const char* kDoe = "27df6123793aed0b1553eff64a3eca88569cfb33a260ca0cffdcc9c9908999c4";
constexpr const char* kJohn = "5d71f578f048dd7de28fc27cf44a47737ba2fb0e0817017d7115027fe1ef35c8";
constexpr const char* kBravo = "a4958255e4a0409b6f35b3bc29e734b2380c4dbf9c90ac7c593e7818e92a1416";

TEST(PersonalDataHasherTest, NotesUserNamesAndListedDataElementsAreHashed) {
  // An event as the tracker API (2.41) answers it, with a user object and a note.
  json event = json::parse(R"({
    "event": "uairHTqZ5ye", "storedBy": "admin", "completedBy": "admin",
    "createdBy": {"uid": "xE7jOejl9FI", "username": "admin", "firstName": "Jane", "surname": "Doe"},
    "dataValues": [
      {"dataElement": "ZrqtjjveTFc", "value": "Male", "storedBy": "admin"},
      {"dataElement": "BuZ5LGNfGEU", "value": "33"}],
    "notes": [{"note": "mqh4bCTtd7C", "value": "note", "storedBy": "admin"}]})");
  PersonalDataHasher hasher(kKey, PersonalDataRules{.data_elements = {"ZrqtjjveTFc"}});
  EXPECT_EQ(hasher.Apply(event), 9);
  EXPECT_EQ(event["storedBy"], kAdmin);
  EXPECT_EQ(event["completedBy"], kAdmin);
  EXPECT_EQ(event["createdBy"]["uid"], "xE7jOejl9FI");  // an id, not a name: kept
  EXPECT_EQ(event["createdBy"]["username"], kAdmin);
  EXPECT_EQ(event["createdBy"]["firstName"], kJane);
  EXPECT_EQ(event["createdBy"]["surname"], kDoe);
  EXPECT_EQ(event["dataValues"][0]["value"], kMale);
  EXPECT_EQ(event["dataValues"][0]["storedBy"], kAdmin);
  EXPECT_EQ(event["dataValues"][1]["value"], "33");  // not listed: clinical values stay readable
  EXPECT_EQ(event["notes"][0]["value"], kNote);
  EXPECT_EQ(event["notes"][0]["note"], "mqh4bCTtd7C");
}

TEST(PersonalDataHasherTest, APurgeKeepsValuesThatAreAlreadyHashes) {
  // A record half hashed (storedBy landed hashed, the note in clear text), as a purge finds it.
  json event = json::parse(fmt::format(
      R"({{"storedBy": "{}", "notes": [{{"value": "note", "storedBy": "{}"}}],
          "completedBy": "{}"}})",
      kAdmin, kAdmin, std::string(kAdmin).substr(0, 63)));
  PersonalDataHasher purge(kKey, PersonalDataRules{.keep_hashed_values = true});
  EXPECT_EQ(purge.Apply(event), 2);  // the note and the 63-digit value, not the two hashes
  EXPECT_EQ(event["storedBy"], kAdmin);
  EXPECT_EQ(event["notes"][0]["storedBy"], kAdmin);
  EXPECT_EQ(event["notes"][0]["value"], kNote);
  json again = event;
  EXPECT_EQ(purge.Apply(again), 0);  // a second purge changes nothing
  EXPECT_EQ(again, event);
  // Extraction hashes whatever it receives, hash-shaped or not.
  json received = json::parse(fmt::format(R"({{"storedBy": "{}"}})", kAdmin));
  PersonalDataHasher extraction(kKey, PersonalDataRules{});
  EXPECT_EQ(extraction.Apply(received), 1);
  EXPECT_NE(received["storedBy"], kAdmin);
  EXPECT_TRUE(IsPersonalDataHash(kAdmin));
  EXPECT_FALSE(IsPersonalDataHash(std::string(kAdmin).substr(1) + "A"));
}

TEST(PersonalDataHasherTest, GeometryIsHashedOnlyWhenConfigured) {
  // The hash of the GeoJSON's text as nlohmann writes it (keys sorted), from Python's hmac.
  constexpr const char* kPoint = "525dfb8e6fba0e0c343633b03aaa7b3086619f6ba2ecdf53fd03b4ed7c91767b";
  const json event = json::parse(
      R"({"event": "uairHTqZ5ye", "geometry": {"type": "Point", "coordinates": [-11.4, 8.1]}})");
  json kept = event;
  EXPECT_EQ(PersonalDataHasher(kKey, PersonalDataRules{}).Apply(kept), 0);
  EXPECT_EQ(kept, event);
  json hashed = event;
  EXPECT_EQ(PersonalDataHasher(kKey, PersonalDataRules{.geometry = true}).Apply(hashed), 1);
  EXPECT_EQ(hashed["geometry"], kPoint);
  EXPECT_EQ(hashed["event"], "uairHTqZ5ye");
}

TEST(PersonalDataHasherTest, EveryAttributeOrOnlyTheNamedOnes) {
  json entity = json::parse(R"({"attributes": [
    {"attribute": "dIVt4l5vIOa", "value": "John"}, {"attribute": "kZeSYCgaHTk", "value": "Bravo"}]})");
  json named = entity;
  PersonalDataHasher every(kKey, PersonalDataRules{.every_attribute = true});
  EXPECT_EQ(every.Apply(entity), 2);
  EXPECT_EQ(entity["attributes"][0]["value"], kJohn);
  EXPECT_EQ(entity["attributes"][1]["value"], kBravo);
  PersonalDataHasher one(kKey, PersonalDataRules{.attributes = {"dIVt4l5vIOa"}});
  EXPECT_EQ(one.Apply(named), 1);
  EXPECT_EQ(named["attributes"][0]["value"], kJohn);
  EXPECT_EQ(named["attributes"][1]["value"], "Bravo");
}

TEST(PersonalDataHasherTest, MalformedAttributeMetadataIsAnError) {
  std::set<std::string> personal = {"FIRST_NAME"};
  Status status = AddConfidentialAttributes(json::parse(R"([{"id": "w75KJ2mc4zz",
    "confidential": "yes"}])"),
                                            "export folder: a.json", personal);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("export folder: a.json"), std::string::npos);
  EXPECT_NE(status.message().find("not true or false"), std::string::npos) << status.ToString();
  ASSERT_TRUE(AddConfidentialAttributes(json::parse(R"([{"id": "w75KJ2mc4zz", "confidential": true},
    {"id": "zDhUuAYrxNC", "code": "FIRST_NAME"}, {"id": "cejWyOfXge6"}])"),
                                        "x", personal)
                  .ok());
  EXPECT_EQ(personal, (std::set<std::string>{"FIRST_NAME", "w75KJ2mc4zz", "zDhUuAYrxNC"}));
}

fs::path TempDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() /
                 fmt::format("dhl_privacy_{}_{}_{}", name, ::getpid(), std::rand());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Lands `folder` into `lake` with the test key, then answers `sql` (one text per row, in order).
std::vector<std::string> LandAndRead(const fs::path& folder, const fs::path& lake,
                                     const ExtractOptions& options, const std::string& sql) {
  Secrets secrets;
  secrets.hash_key = kKey;
  ExportFolderSource source(lake.string(), folder.string(), options, secrets,
                            SystemClock::Instance(), false);
  Result<ExtractSummary> summary = source.Run();
  EXPECT_TRUE(summary.ok()) << summary.status().ToString();
  engine::Database database = engine::Database::Open().value();
  engine::Connection connection = database.Connect().value();
  lake::LakeCatalog catalog(lake.string());
  EXPECT_TRUE(catalog.RegisterAll(connection).ok());
  Result<engine::QueryResult> result = connection.Query(sql);
  EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
  std::vector<std::string> rows;
  for (size_t row = 0; result.ok() && row < result->row_count(); ++row) {
    rows.push_back(result->GetString(0, row).value_or("<null>"));
  }
  return rows;
}

TEST(PersonalDataHasherTest, AnExportFolderLandsNotesAndListedDataElementsHashed) {
  // dhis2-core's e2e events (tests/data/source/PROVENANCE.md): one event has the note "note" and
  // the data value ZrqtjjveTFc = "Male".
  fs::path dir = TempDir("events");
  fs::create_directories(dir / "export");
  fs::copy_file(kData + "/dhis-test-e2e__tracker__importer__events__events.json",
                dir / "export" / "events.json");
  ExtractOptions options;
  options.personal_data_elements = {"ZrqtjjveTFc"};
  std::vector<std::string> rows =
      LandAndRead(dir / "export", dir / "lake", options,
                  "SELECT concat_ws('|', json_extract_string(record, '$.notes[0].value'), "
                  "json_extract_string(dataValues, '$[2].value'), json_extract_string(dataValues, "
                  "'$[0].value')) FROM bronze.event WHERE event = 'uairHTqZ5ye'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], fmt::format("{}|{}|33", kNote, kMale));
  fs::remove_all(dir);
}

TEST(PersonalDataHasherTest, WithoutAttributeMetadataEveryAttributeIsHashed) {
  // dhis2-core's e2e tracked entities (John / Bravo on Kj6vYde4LHh), and no trackedEntityAttributes
  // metadata in the folder.
  fs::path dir = TempDir("attributes");
  fs::create_directories(dir / "export");
  fs::copy_file(kData +
                    "/dhis-test-e2e__tracker__importer__trackedEntities__"
                    "trackedEntitiesWithEnrollmentsAndEvents.json",
                dir / "export" / "entities.json");
  const std::string sql =
      "SELECT json_extract_string(attributes, '$[' || CAST(i AS VARCHAR) || '].value') FROM "
      "bronze.tracked_entity, "
      "range(2) AS r(i) WHERE trackedEntity = 'Kj6vYde4LHh' ORDER BY i";
  EXPECT_EQ(LandAndRead(dir / "export", dir / "lake1", ExtractOptions(), sql),
            (std::vector<std::string>{kJohn, kBravo}));
  // The configuration names the personal ones: only those are hashed.
  ExtractOptions named;
  named.personal_attributes = {"dIVt4l5vIOa"};
  EXPECT_EQ(LandAndRead(dir / "export", dir / "lake2", named, sql),
            (std::vector<std::string>{kJohn, "Bravo"}));
  // Metadata saying none is confidential: none is hashed.
  std::ofstream(dir / "export" / "attributes.json")
      << R"({"trackedEntityAttributes": [{"id": "dIVt4l5vIOa", "confidential": false},
                                        {"id": "kZeSYCgaHTk", "confidential": false}]})";
  EXPECT_EQ(LandAndRead(dir / "export", dir / "lake3", ExtractOptions(), sql),
            (std::vector<std::string>{"John", "Bravo"}));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dhl::source
