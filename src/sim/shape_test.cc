// The simulator's answers against real recorded DHIS2 responses (tests/data/dhis2, see
// PROVENANCE.md): the same keys and the same JSON types, recursively. A key the recording has in
// every object must be in ours; a key we add must be in the recording, unless listed with the
// reason we add it.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "base/test_paths.h"
#include "http/curl_transport.h"
#include "sim/country.h"
#include "sim/sim_command.h"
#include "sim/simulator.h"

namespace dhl::sim {
namespace {

using nlohmann::json;

// The union of the shapes of many JSON values.
struct Shape {
  std::set<std::string> scalar_types;  // "string", "number", "boolean", "null"
  bool is_object = false, is_array = false;
  std::map<std::string, Shape> keys;
  std::set<std::string> required;  // keys present in every object seen
  int objects_seen = 0;
  std::unique_ptr<Shape> element;

  void Add(const json& value) {
    if (value.is_object()) {
      is_object = true;
      std::set<std::string> present;
      for (const auto& [key, child] : value.items()) {
        keys[key].Add(child);
        present.insert(key);
      }
      if (objects_seen == 0) {
        required = present;
      } else {
        std::set<std::string> both;
        std::set_intersection(required.begin(), required.end(), present.begin(), present.end(),
                              std::inserter(both, both.begin()));
        required = both;
      }
      ++objects_seen;
    } else if (value.is_array()) {
      is_array = true;
      for (const auto& item : value) {
        if (!element) {
          element = std::make_unique<Shape>();
        }
        element->Add(item);
      }
    } else if (value.is_string()) {
      scalar_types.insert("string");
    } else if (value.is_number()) {
      scalar_types.insert("number");
    } else if (value.is_boolean()) {
      scalar_types.insert("boolean");
    } else {
      scalar_types.insert("null");
    }
  }
};

// Compares our shape with the recorded one; returns the differences.
void Compare(const Shape& ours, const Shape& recorded, const std::string& path,
             const std::set<std::string>& allowed_extra, std::vector<std::string>& errors) {
  // A union may mix kinds (GeoJSON coordinates nest 1 to 4 deep): ours may use any kind recorded.
  if ((ours.is_object && !recorded.is_object) || (ours.is_array && !recorded.is_array)) {
    errors.push_back(path + ": object/array kind not in the recording");
    return;
  }
  for (const std::string& type : ours.scalar_types) {
    bool recorded_anything =
        recorded.is_object || recorded.is_array || !recorded.scalar_types.empty();
    if (recorded_anything && !recorded.scalar_types.count(type) && type != "null") {
      errors.push_back(fmt::format("{}: type {} not in the recording ({})", path, type,
                                   fmt::join(recorded.scalar_types, ",")));
    }
  }
  if (ours.is_object) {
    for (const auto& [key, child] : ours.keys) {
      std::string child_path = path + "." + key;
      auto found = recorded.keys.find(key);
      if (found == recorded.keys.end()) {
        if (!allowed_extra.count(child_path)) {
          errors.push_back(child_path + ": not in the recording");
        }
        continue;
      }
      Compare(child, found->second, child_path, allowed_extra, errors);
    }
    for (const std::string& key : recorded.required) {
      if (!ours.keys.count(key) && !allowed_extra.count(path + "." + key + "?")) {
        errors.push_back(path + "." + key + ": always in the recording, missing in ours");
      }
    }
  }
  if (ours.is_array && ours.element && recorded.element) {
    Compare(*ours.element, *recorded.element, path + "[]", allowed_extra, errors);
  }
}

json ReadRecording(const std::string& name) {
  std::ifstream in(std::string(DHL_SOURCE_DIR) + "/tests/data/dhis2/" + name);
  std::stringstream text;
  text << in.rdbuf();
  json value = json::parse(text.str(), nullptr, false);
  EXPECT_FALSE(value.is_discarded()) << name;
  return value;
}

class ShapeTest : public ::testing::Test {
 protected:
  json Get(SimServer& server, const std::string& path) {
    http::CurlTransport transport;
    http::HttpRequest request;
    request.url = server.base_url() + path;
    request.headers = {{"Authorization", "Basic YWRtaW46ZGlzdHJpY3Q="}};
    http::StringSink sink;
    Status status = transport.Send(request, sink);
    EXPECT_TRUE(status.ok()) << status.ToString();
    EXPECT_EQ(sink.head().status, 200) << path << ": " << sink.body().substr(0, 300);
    return json::parse(sink.body(), nullptr, false);
  }

  void ExpectSameShape(const json& ours, const std::vector<json>& recordings,
                       const std::set<std::string>& allowed_extra = {}) {
    Shape our_shape, recorded_shape;
    our_shape.Add(ours);
    for (const json& recording : recordings) {
      recorded_shape.Add(recording);
    }
    std::vector<std::string> errors;
    Compare(our_shape, recorded_shape, "$", allowed_extra, errors);
    EXPECT_TRUE(errors.empty()) << fmt::format("{}", fmt::join(errors, "\n"));
  }

  SimServer& Server(const std::string& version = "2.36.13.2") {
    SimOptions options;
    options.port = 0;
    options.dhis2_version = version;
    servers_.push_back(std::make_unique<SimServer>(options));
    auto port = servers_.back()->Start();
    EXPECT_TRUE(port.ok());
    return *servers_.back();
  }

  std::vector<std::unique_ptr<SimServer>> servers_;
};

TEST_F(ShapeTest, SystemInfo) {
  SimServer& server = Server();
  ExpectSameShape(Get(server, "/api/system/info"),
                  {ReadRecording("sierra-leone-2.36/api_get_1.json")});
}

TEST_F(ShapeTest, MetadataLists) {
  SimServer& server = Server();
  // Page 2 of a list that has two, as in the recording.
  ExpectSameShape(
      Get(server,
          "/api/organisationUnits?fields=id%2Cname%2Clevel%2Cpath%2Cgeometry&pageSize=50&page=2"),
      {ReadRecording("sierra-leone-2.36/organisation_units_2.json")});
  // Page 1 of two.
  ExpectSameShape(
      Get(server,
          "/api/dataElements?fields=id%2Cname%2CaggregationType%2CzeroIsSignificant&pageSize=10"),
      {ReadRecording("sierra-leone-2.36/data_elements_1.json")});
  ExpectSameShape(Get(server, "/api/categoryOptionCombos?fields=id%2Cname&pageSize=1000"),
                  {ReadRecording("sierra-leone-2.36/category_option_combos_1.json")});
  ExpectSameShape(Get(server,
                      "/api/"
                      "dataSets?fields=id%2Cname%2CdataSetElements%2Cindicators%"
                      "2CorganisationUnits&pageSize=1000"),
                  {ReadRecording("sierra-leone-2.36/datasets_1.json")});
  ExpectSameShape(
      Get(server, "/api/indicators?fields=id%2Cname%2Cnumerator%2Cdenominator&pageSize=1000"),
      {ReadRecording("sierra-leone-2.36/indicators_1.json")});
  ExpectSameShape(Get(server, "/api/filledOrganisationUnitLevels"),
                  {ReadRecording("sierra-leone-2.36/organisation_unit_levels_1.json")});
}

TEST_F(ShapeTest, DataValueSet) {
  SimServer& server = Server();
  const Country& country = server.simulator().country();
  const DataSet& ds = country.data_sets[0];
  // A facility and month with a registration, so that the header carries completeDate as recorded.
  json ours;
  for (int facility : country.facilities) {
    ours =
        Get(server, fmt::format("/api/dataValueSets?dataSet={}&period={}&orgUnit={}&children=False",
                                ds.uid, ds.periods[30].id(), country.org_units[facility].uid));
    if (ours.contains("completeDate") && ours["dataValues"].size() > 5) {
      break;
    }
  }
  ExpectSameShape(
      ours, {ReadRecording("sierra-leone-2.36/data_value_sets_get_dataset_1.json")},
      {// DHIS2 writes a comment only when the value has one; the recorded values all had one.
       "$.dataValues[].comment?"});
}

TEST_F(ShapeTest, CompleteRegistrations) {
  SimServer& server = Server();
  const Country& country = server.simulator().country();
  json ours = Get(
      server,
      fmt::format("/api/completeDataSetRegistrations?dataSet={}&period={}&orgUnit={}&children=true",
                  country.data_sets[0].uid, country.data_sets[0].periods[3].id(),
                  country.org_units[0].uid));
  ASSERT_FALSE(ours["completeDataSetRegistrations"].empty());
  ExpectSameShape(
      ours, {ReadRecording("android-sdk/dataset__data_set_complete_registrations.json")},
      {// `completed` exists since 2.31 (unchecked registrations); the SDK fixture predates it.
       "$.completeDataSetRegistrations[].completed"});
}

const std::set<std::string> kTrackerExtras = {
    // Fields of the 2.41 tracker API that the SDK's trimmed fixtures leave out.
    "$.events[].trackedEntity", "$.events[].followUp", "$.events[].notes",
    "$.instances[].trackedEntity", "$.instances[].followUp", "$.instances[].notes",
    "$.trackedEntities[].inactive", "$.trackedEntities[].potentialDuplicate",
    "$.instances[].inactive", "$.instances[].potentialDuplicate",
    "$.trackedEntities[].attributes[].displayName", "$.trackedEntities[].attributes[].valueType",
    "$.instances[].attributes[].displayName", "$.instances[].attributes[].valueType",
    "$.trackedEntities[].createdAtClient", "$.trackedEntities[].updatedAtClient",
    // The recordings' events were completed ones with a location; ours carry neither.
    "$.events[].completedAt?", "$.events[].completedBy?", "$.instances[].completedAt?",
    "$.instances[].completedBy?", "$.events[].geometry?", "$.instances[].geometry?",
    "$.trackedEntities[].relationships?", "$.instances[].relationships?",
    "$.instances[].enrollments?", "$.trackedEntities[].enrollments?"};

// The recorded envelope with its items replaced by the SDK's full objects, so that item fields are
// checked too.
json WithItems(json envelope, const std::string& list, const json& items) {
  envelope[list] = items;
  return envelope;
}

TEST_F(ShapeTest, TrackerEnvelopesPerVersion) {
  json full_events =
      ReadRecording("android-sdk/event__new_tracker_importer_events.json")["instances"];
  json full_entities = ReadRecording(
      "android-sdk/trackedentity__new_tracker_importer_tracked_entities.json")["instances"];
  {
    SimServer& server = Server("2.40.3");
    std::string program = server.simulator().country().programs[0].uid;
    ExpectSameShape(
        Get(server, "/api/tracker/events?pageSize=5&program=" + program),
        {WithItems(ReadRecording("android-sdk/event__new_tracker_importer_events_lower_v41.json"),
                   "instances", full_events)},
        kTrackerExtras);
    ExpectSameShape(
        Get(server, "/api/tracker/trackedEntities?pageSize=5&program=" + program),
        {WithItems(
            ReadRecording(
                "android-sdk/trackedentity__new_tracker_importer_tracked_entities_lower_v41.json"),
            "instances", full_entities)},
        kTrackerExtras);
  }
  {
    SimServer& server = Server("2.41.0");
    std::string program = server.simulator().country().programs[0].uid;
    std::set<std::string> extras = kTrackerExtras;
    extras.insert("$.pager.nextPage");  // the recordings were single pages
    ExpectSameShape(
        Get(server, "/api/tracker/events?pageSize=5&program=" + program),
        {WithItems(
            ReadRecording("android-sdk/event__new_tracker_importer_events_greater_equal_v41.json"),
            "events", full_events)},
        extras);
    ExpectSameShape(
        Get(server, "/api/tracker/trackedEntities?pageSize=5&program=" + program),
        {WithItems(
            ReadRecording(
                "android-sdk/"
                "trackedentity__new_tracker_importer_tracked_entities_greater_equal_v41.json"),
            "trackedEntities", full_entities)},
        extras);
    json enrollments = Get(server, "/api/tracker/enrollments?pageSize=5&program=" + program);
    ExpectSameShape(
        enrollments["enrollments"][0],
        {ReadRecording("android-sdk/enrollment__new_tracker_importer_enrollment.json")},
        {"$.orgUnitName?", "$.completedBy?", "$.completedAt?", "$.events?", "$.relationships?"});
  }
}

}  // namespace
}  // namespace dhl::sim
