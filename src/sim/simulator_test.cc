// The simulator served in-process on a free loopback port and fetched with the libcurl transport.
#include "sim/simulator.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "dhis2/value_type.h"
#include "http/curl_transport.h"
#include "http/retry_policy.h"
#include "sim/country.h"
#include "sim/sim_command.h"

namespace dhl::sim {
namespace {

using nlohmann::json;

struct Answer {
  Status status;
  int code = 0;
  http::HttpResponseHead head;
  std::string body;
};

class Client {
 public:
  explicit Client(std::string base) : base_(std::move(base)) {}
  Answer Get(const std::string& path,
             std::string authorization = "Basic YWRtaW46ZGlzdHJpY3Q=", bool gzip = false) {
    return Send("GET", path, std::move(authorization), gzip);
  }
  Answer Post(const std::string& path) {
    return Send("POST", path, "Basic YWRtaW46ZGlzdHJpY3Q=", false);
  }
  json GetJson(const std::string& path) {
    Answer answer = Get(path);
    EXPECT_TRUE(answer.status.ok()) << answer.status.ToString();
    EXPECT_EQ(answer.code, 200) << path << ": " << answer.body.substr(0, 300);
    return json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  }

 private:
  Answer Send(const std::string& method, const std::string& path, std::string authorization,
              bool gzip) {
    http::HttpRequest request;
    request.method = method;
    request.url = base_ + path;
    request.accept_gzip = gzip;
    if (!authorization.empty()) {
      request.headers.emplace_back("Authorization", std::move(authorization));
    }
    http::StringSink sink;
    Answer answer;
    answer.status = transport_.Send(request, sink);
    answer.code = sink.head().status;
    answer.head = sink.head();
    answer.body = sink.body();
    return answer;
  }
  std::string base_;
  http::CurlTransport transport_;
};

// 2026-11-23T12:00:00Z: a fixed "now" for byte-for-byte comparisons.
constexpr int64_t kFixedNow = 1795435200000;

SimOptions SmallOptions(uint64_t seed = 7) {
  SimOptions options;
  options.port = 0;
  options.seed = seed;
  options.scale = Scale::kSmall;
  return options;
}

TEST(SimulatorTest, GeneratesSmallScaleQuickly) {
  FakeClock clock(kFixedNow);
  auto start = std::chrono::steady_clock::now();
  Simulator simulator(SmallOptions(), clock);
  SimStats stats = simulator.Stats();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 3.0);
  EXPECT_GT(stats.live, 70000);
  EXPECT_LT(stats.live, 140000);
  EXPECT_GT(stats.deleted, 0);
  EXPECT_GT(stats.invalid, 0);
  EXPECT_LT(stats.invalid, stats.live / 100);
  EXPECT_GT(stats.complete_registrations, 0);
  EXPECT_GT(stats.events, stats.enrollments);
  EXPECT_EQ(stats.org_units, 1 + 4 + 12 + 24 + 56);
  std::printf("small scale: %s (%.2f s)\n", simulator.StatsJson().c_str(), seconds);
}

TEST(SimulatorTest, AuthenticationBasicTokenAnd401) {
  SimServer server(SmallOptions());
  ASSERT_TRUE(server.Start().ok());
  Client client(server.base_url());
  EXPECT_EQ(client.Get("/api/system/info", "").code, 401);
  EXPECT_EQ(client.Get("/api/system/info", "Basic YWRtaW46d3Jvbmc=").code, 401);  // admin:wrong
  EXPECT_EQ(client.Get("/api/system/info", "ApiToken d2pat_wrong").code, 401);
  Answer unauthorized = client.Get("/api/me", "");
  EXPECT_EQ(unauthorized.head.Header("WWW-Authenticate").value_or(""), "Basic realm=\"DHIS2\"");
  EXPECT_EQ(json::parse(unauthorized.body)["httpStatusCode"], 401);
  EXPECT_EQ(client.Get("/api/system/info").code, 200);
  EXPECT_EQ(client.Get("/api/system/info", "ApiToken " + SimOptions().api_token).code, 200);
  Answer ping = client.Get("/api/system/ping");
  EXPECT_EQ(ping.body, "pong");
  json info = client.GetJson("/api/system/info");
  EXPECT_EQ(info["version"], "2.41.0");
  EXPECT_EQ(info["calendar"], "iso8601");
  // serverDate is the real clock.
  std::string today =
      FormatLocalMillis(ToEpochMillis(std::chrono::system_clock::now())).substr(0, 10);
  EXPECT_EQ(info["serverDate"].get<std::string>().substr(0, 10), today);
}

std::string FetchAllCsv(Client& client, const Country& country, const std::string& extra = "") {
  std::string path = fmt::format(
      "/api/dataValueSets.csv?orgUnit={}&children=true&startDate=2000-01-01&endDate=2100-12-31{}",
      country.org_units[0].uid, extra);
  for (const auto& ds : country.data_sets) {
    path += "&dataSet=" + ds.uid;
  }
  Answer answer = client.Get(path);
  EXPECT_TRUE(answer.status.ok()) << answer.status.ToString();
  EXPECT_EQ(answer.code, 200) << answer.body.substr(0, 300);
  return answer.body;
}

std::vector<std::vector<std::string>> ParseCsv(const std::string& body) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (quoted) {
      if (c == '"' && i + 1 < body.size() && body[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field += c;
    }
  }
  return rows;
}

int CountAllPages(Client& client, const std::string& path, const std::string& list) {
  int count = 0;
  for (int page = 1; page < 10000; ++page) {
    json answer = client.GetJson(fmt::format("{}&page={}&pageSize=97", path, page));
    count += static_cast<int>(answer[list].size());
    if (!answer["pager"].contains("nextPage")) {
      break;
    }
  }
  return count;
}

TEST(SimulatorTest, StatsEqualWhatTheApiServes) {
  SimOptions options = SmallOptions(11);
  options.mutate = 0.05;
  SimServer server(options);
  ASSERT_TRUE(server.Start().ok());
  Client client(server.base_url());
  const Country& country = server.simulator().country();
  SimStats stats = server.simulator().Stats();
  auto cli_stats = StatsJson(options);
  ASSERT_TRUE(cli_stats.ok());
  EXPECT_EQ(*cli_stats, server.simulator().StatsJson());

  std::map<std::string, std::string> value_types;
  json elements = client.GetJson("/api/dataElements?paging=false&fields=id,valueType");
  for (const auto& de : elements["dataElements"]) {
    value_types[de["id"]] = de["valueType"];
  }
  auto rows = ParseCsv(FetchAllCsv(client, country, "&includeDeleted=true"));
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0],
            (std::vector<std::string>{"dataelement", "period", "orgunit", "categoryoptioncombo",
                                      "attributeoptioncombo", "value", "storedby", "lastupdated",
                                      "comment", "followup", "deleted"}));
  int64_t live = 0, deleted = 0, invalid = 0;
  std::set<std::string> keys;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    ASSERT_EQ(row.size(), 11u);
    EXPECT_TRUE(keys.insert(row[0] + row[1] + row[2] + row[3] + row[4]).second) << "duplicate key";
    if (row[10] == "true") {
      ++deleted;
      continue;
    }
    ++live;
    auto type = dhis2::ParseValueType(value_types[row[0]]);
    ASSERT_TRUE(type.ok());
    auto parsed = dhis2::ParseValue(*type, row[5]);
    bool negative_count = (*type == dhis2::ValueType::kIntegerZeroOrPositive ||
                           *type == dhis2::ValueType::kIntegerPositive) &&
                          row[5].starts_with("-");
    bool over_100 = *type == dhis2::ValueType::kPercentage && std::atof(row[5].c_str()) > 100;
    if (!parsed.ok() || negative_count || over_100) {
      ++invalid;
    }
  }
  EXPECT_EQ(live, stats.live);
  EXPECT_EQ(deleted, stats.deleted);
  EXPECT_EQ(invalid, stats.invalid);
  // Without includeDeleted only live values come.
  EXPECT_EQ(static_cast<int64_t>(ParseCsv(FetchAllCsv(client, country)).size()) - 1, stats.live);

  std::string registrations_path = fmt::format(
      "/api/"
      "completeDataSetRegistrations?orgUnit={}&children=true&startDate=2000-01-01&endDate=2100-01-"
      "01",
      country.org_units[0].uid);
  for (const auto& ds : country.data_sets) {
    registrations_path += "&dataSet=" + ds.uid;
  }
  EXPECT_EQ(static_cast<int64_t>(
                client.GetJson(registrations_path)["completeDataSetRegistrations"].size()),
            stats.complete_registrations);

  std::string program = country.programs[0].uid;
  EXPECT_EQ(CountAllPages(client, "/api/tracker/events?program=" + program, "events"),
            stats.events);
  EXPECT_EQ(CountAllPages(client, "/api/tracker/enrollments?program=" + program, "enrollments"),
            stats.enrollments);
  EXPECT_EQ(
      CountAllPages(client, "/api/tracker/trackedEntities?program=" + program, "trackedEntities"),
      stats.tracked_entities);
  EXPECT_EQ(CountAllPages(client, "/api/organisationUnits?fields=id", "organisationUnits"),
            stats.org_units);
  EXPECT_EQ(client.GetJson("/api/dataElements?fields=id")["pager"]["total"], stats.data_elements);
  EXPECT_EQ(client.GetJson("/api/indicators?fields=id")["pager"]["total"], stats.indicators);
}

TEST(SimulatorTest, SameSeedSameBytes) {
  FakeClock clock(kFixedNow);
  SimServer first(SmallOptions(3), clock);
  SimServer second(SmallOptions(3), clock);
  SimServer other(SmallOptions(4), clock);
  ASSERT_TRUE(first.Start().ok());
  ASSERT_TRUE(second.Start().ok());
  ASSERT_TRUE(other.Start().ok());
  Client a(first.base_url()), b(second.base_url()), c(other.base_url());
  const Country& country = first.simulator().country();
  std::string csv = FetchAllCsv(a, country, "&includeDeleted=true");
  EXPECT_EQ(csv, FetchAllCsv(b, country, "&includeDeleted=true"));
  EXPECT_GT(csv.size(), 1000000u);
  for (std::string path : {"/api/metadata", "/api/organisationUnits?paging=false&fields=*",
                           "/api/tracker/events?paging=false&program="}) {
    if (path.ends_with("=")) {
      path += country.programs[0].uid;
    }
    EXPECT_EQ(a.Get(path).body, b.Get(path).body) << path;
  }
  EXPECT_NE(a.Get("/api/organisationUnits?paging=false").body,
            c.Get("/api/organisationUnits?paging=false").body);
}

TEST(SimulatorTest, DataValueSetErrorsAndFormats) {
  SimServer server(SmallOptions());
  ASSERT_TRUE(server.Start().ok());
  Client client(server.base_url());
  const Country& country = server.simulator().country();
  const std::string ou = country.org_units[0].uid;
  const std::string ds = country.data_sets[0].uid;
  Answer missing_set = client.Get("/api/dataValueSets?period=202401&orgUnit=" + ou);
  EXPECT_EQ(missing_set.code, 409);
  json error = json::parse(missing_set.body);
  EXPECT_EQ(error["errorCode"], "E2001");
  EXPECT_EQ(error["httpStatus"], "Conflict");
  EXPECT_EQ(error["status"], "ERROR");
  EXPECT_EQ(
      json::parse(
          client.Get("/api/dataValueSets?dataSet=" + ds + "&orgUnit=" + ou).body)["errorCode"],
      "E2002");
  EXPECT_EQ(
      json::parse(
          client.Get("/api/dataValueSets?dataSet=" + ds + "&period=202401").body)["errorCode"],
      "E2006");
  EXPECT_EQ(json::parse(client
                            .Get("/api/dataValueSets?dataSet=" + ds + "&orgUnit=" + ou +
                                 "&lastUpdatedDuration=7x")
                            .body)["errorCode"],
            "E2005");

  // One set, one period, one org unit: the data value set header, as DHIS2 writes it.
  const OrgUnit& facility = country.org_units[country.facilities[0]];
  std::string period = country.data_sets[0].periods[14].id();
  json set = client.GetJson(
      fmt::format("/api/dataValueSets?dataSet={}&period={}&orgUnit={}", ds, period, facility.uid));
  EXPECT_EQ(set["dataSet"], ds);
  EXPECT_EQ(set["period"], period);
  EXPECT_EQ(set["orgUnit"], facility.uid);
  for (const auto& value : set["dataValues"]) {
    EXPECT_TRUE(value["value"].is_string());
    EXPECT_EQ(value["period"], period);
  }
  // CSV by Accept header and by suffix agree; gzip when asked.
  std::string path = fmt::format(
      "/api/"
      "dataValueSets.csv?dataSet={}&orgUnit={}&children=true&startDate=2024-01-01&endDate=2024-12-"
      "31",
      ds, ou);
  Answer plain = client.Get(path);
  Answer gzipped = client.Get(path, "Basic YWRtaW46ZGlzdHJpY3Q=", /*gzip=*/true);
  EXPECT_EQ(gzipped.head.Header("Content-Encoding").value_or(""), "gzip");
  EXPECT_EQ(plain.body, gzipped.body);
  EXPECT_EQ(plain.head.Header("Transfer-Encoding").value_or(""), "chunked");
  // Versioned paths.
  EXPECT_EQ(client.Get("/api/41/system/info").code, 200);
}

TEST(SimulatorTest, MetadataFieldsFiltersAndPaging) {
  SimServer server(SmallOptions());
  ASSERT_TRUE(server.Start().ok());
  Client client(server.base_url());
  json page = client.GetJson(
      "/api/organisationUnits?fields=id,name,parent[id,name]&filter=level:eq:5&pageSize=10&page=2");
  EXPECT_EQ(page["pager"]["total"], 56);
  EXPECT_EQ(page["pager"]["page"], 2);
  EXPECT_EQ(page["pager"]["pageCount"], 6);
  EXPECT_TRUE(page["pager"]["nextPage"].get<std::string>().find("page=3") != std::string::npos);
  ASSERT_EQ(page["organisationUnits"].size(), 10u);
  for (const auto& unit : page["organisationUnits"]) {
    EXPECT_EQ(unit.size(), 3u);
    EXPECT_TRUE(unit["parent"].contains("name"));
  }
  json ids = client.GetJson("/api/dataElements?paging=false&fields=id");
  std::string first = ids["dataElements"][0]["id"], second = ids["dataElements"][1]["id"];
  json picked = client.GetJson(fmt::format(
      "/api/dataElements?paging=false&fields=:all&filter=id:in:[{},{}]", first, second));
  ASSERT_EQ(picked["dataElements"].size(), 2u);
  EXPECT_TRUE(picked["dataElements"][0].contains("valueType"));
  EXPECT_TRUE(picked["dataElements"][0].contains("categoryCombo"));
  json none = client.GetJson("/api/dataElements?paging=false&filter=lastUpdated:gt:2100-01-01");
  EXPECT_TRUE(none["dataElements"].empty());
  json one = client.GetJson("/api/dataElements/" + first + "?fields=id,name,valueType");
  EXPECT_EQ(one["id"], first);
  json metadata = client.GetJson("/api/metadata?dataElements=true&indicators=true");
  EXPECT_TRUE(metadata.contains("dataElements"));
  EXPECT_TRUE(metadata.contains("indicators"));
  EXPECT_FALSE(metadata.contains("organisationUnits"));
  json personal =
      client.GetJson("/api/trackedEntityAttributes?paging=false&fields=name,confidential");
  int confidential = 0;
  for (const auto& attribute : personal["trackedEntityAttributes"]) {
    confidential += attribute["confidential"].get<bool>() ? 1 : 0;
  }
  EXPECT_GE(confidential, 3);
  json minmax = client.GetJson("/api/minMaxDataElements?pageSize=5");
  EXPECT_GT(minmax["pager"]["total"].get<int>(), 100);
  EXPECT_LT(minmax["minMaxDataElements"][0]["min"].get<int>(),
            minmax["minMaxDataElements"][0]["max"].get<int>());
  EXPECT_EQ(client.Get("/api/nothingHere").code, 404);
}

TEST(SimulatorTest, TrackerEnvelopePerVersion) {
  for (const char* version : {"2.40.3", "2.41.0", "2.42.1"}) {
    SimOptions options = SmallOptions();
    options.dhis2_version = version;
    SimServer server(options);
    ASSERT_TRUE(server.Start().ok());
    Client client(server.base_url());
    std::string program = server.simulator().country().programs[0].uid;
    EXPECT_EQ(client.Get("/api/tracker/trackedEntities").code, 400) << version;
    json events = client.GetJson("/api/tracker/events?pageSize=5&program=" + program);
    json entities = client.GetJson("/api/tracker/trackedEntities?pageSize=5&program=" + program);
    if (std::string(version) == "2.40.3") {
      EXPECT_EQ(events["instances"].size(), 5u);
      EXPECT_EQ(events["page"], 1);
      EXPECT_FALSE(events.contains("pager"));
      EXPECT_EQ(entities["instances"].size(), 5u);
    } else {
      EXPECT_EQ(events["events"].size(), 5u);
      EXPECT_EQ(events["pager"]["pageSize"], 5);
      EXPECT_TRUE(events["pager"].contains("nextPage"));
      EXPECT_EQ(entities["trackedEntities"].size(), 5u);
      EXPECT_EQ(events.contains("page"), std::string(version) == "2.41.0");
    }
  }
}

// Every page of a paged list, fetched in turn (`query` holds the rest of the query string).
std::vector<json> AllPages(Client& client, const std::string& path, const std::string& key,
                           const std::string& query, int page_size) {
  std::vector<json> objects;
  for (int page = 1; page < 10000; ++page) {
    json answer =
        client.GetJson(fmt::format("{}?{}&pageSize={}&page={}", path, query, page_size, page));
    for (const json& object : answer[key]) {
      objects.push_back(object);
    }
    if (answer[key].size() < static_cast<size_t>(page_size)) {
      break;
    }
  }
  return objects;
}

TEST(SimulatorTest, MinMaxPagesAreTheRangesOfTheCountryInOrder) {
  SimServer server(SmallOptions());
  ASSERT_TRUE(server.Start().ok());
  Client client(server.base_url());
  const Country& c = server.simulator().country();
  // By hand from the country: a range per facility x data element with min-max x option combo,
  // min = floor(0.3 mean), max = ceil(2.5 mean + 5) with mean = base x unit size x combo share.
  std::vector<std::string> expected;
  std::set<std::string> elements_with_ranges;
  auto text = [](const std::string& ou, const std::string& de, const std::string& coc, int64_t min,
                 int64_t max) { return fmt::format("{}/{}/{}/{}/{}", ou, de, coc, min, max); };
  for (int ou : c.facilities) {
    for (const DataElement& de : c.data_elements) {
      if (!de.min_max) {
        continue;
      }
      elements_with_ranges.insert(de.uid);
      for (int coc : c.category_combos[de.combo].option_combos) {
        double mean = de.base * c.org_units[ou].size * c.category_option_combos[coc].share;
        expected.push_back(text(c.org_units[ou].uid, de.uid, c.category_option_combos[coc].uid,
                                static_cast<int64_t>(std::floor(mean * 0.3)),
                                static_cast<int64_t>(std::ceil(mean * 2.5 + 5))));
      }
    }
  }
  ASSERT_GT(expected.size(), 500u);
  auto texts = [&](const std::vector<json>& objects) {
    std::vector<std::string> out;
    for (const json& o : objects) {
      EXPECT_EQ(o["generated"], true);
      out.push_back(text(o["source"]["id"].get<std::string>(),
                         o["dataElement"]["id"].get<std::string>(),
                         o["optionCombo"]["id"].get<std::string>(), o["min"].get<int64_t>(),
                         o["max"].get<int64_t>()));
    }
    return out;
  };
  // Pages of an odd size, joined, are the whole list in order; so is the unpaged list.
  EXPECT_EQ(texts(AllPages(client, "/api/minMaxDataElements", "minMaxDataElements", "", 97)),
            expected);
  json unpaged = client.GetJson("/api/minMaxDataElements?paging=false");
  EXPECT_FALSE(unpaged.contains("pager"));
  EXPECT_EQ(texts(unpaged["minMaxDataElements"]), expected);
  json last = client.GetJson(
      fmt::format("/api/minMaxDataElements?pageSize=1000&page={}", (expected.size() + 999) / 1000));
  EXPECT_EQ(last["pager"]["total"], expected.size());
  EXPECT_FALSE(last["pager"].contains("nextPage"));
  EXPECT_EQ(last["minMaxDataElements"].size(), (expected.size() - 1) % 1000 + 1);
  // Filters as dhis2-core's MinMaxDataElementStore takes them (eq, in; all must hold): data
  // elements in groups partition the list; a unit and a range value select as by hand.
  std::vector<std::string> joined;
  std::vector<std::string> ids(elements_with_ranges.begin(), elements_with_ranges.end());
  for (size_t start = 0; start < ids.size(); start += 3) {
    std::string group;
    for (size_t i = start; i < std::min(ids.size(), start + 3); ++i) {
      group += (group.empty() ? "" : ",") + ids[i];
    }
    for (const std::string& range :
         texts(AllPages(client, "/api/minMaxDataElements", "minMaxDataElements",
                        "filter=dataElement.id:in:[" + group + "]", 500))) {
      joined.push_back(range);
    }
  }
  std::vector<std::string> sorted_expected = expected;
  std::sort(sorted_expected.begin(), sorted_expected.end());
  std::sort(joined.begin(), joined.end());
  EXPECT_EQ(joined, sorted_expected);
  std::string unit = c.org_units[c.facilities[1]].uid;
  std::string first_max = expected.front().substr(expected.front().rfind('/') + 1);
  std::vector<std::string> by_unit_and_max;
  for (const std::string& range : expected) {
    if (range.rfind(unit + "/", 0) == 0 && range.substr(range.rfind('/') + 1) == first_max) {
      by_unit_and_max.push_back(range);
    }
  }
  json selected =
      client.GetJson("/api/minMaxDataElements?paging=false&filter=source.id:eq:" + unit +
                     "&filter=max:eq:" + first_max);
  EXPECT_EQ(texts(selected["minMaxDataElements"]), by_unit_and_max);
}

TEST(SimulatorTest, TrackerPagesJoinedAreTheUnpagedList) {
  SimServer server(SmallOptions());
  ASSERT_TRUE(server.Start().ok());
  Client client(server.base_url());
  std::string program = server.simulator().country().programs[0].uid;
  for (const char* kind : {"events", "enrollments", "trackedEntities"}) {
    std::string path = std::string("/api/tracker/") + kind;
    std::string query = "program=" + program + "&includeDeleted=true";
    json unpaged = client.GetJson(path + "?" + query + "&paging=false");
    ASSERT_GT(unpaged[kind].size(), 100u) << kind;
    std::vector<json> pages = AllPages(client, path, kind, query, 77);
    EXPECT_EQ(json(pages), unpaged[kind]) << kind;
    json counted = client.GetJson(path + "?" + query + "&pageSize=77&totalPages=true");
    EXPECT_EQ(counted["pager"]["total"], unpaged[kind].size()) << kind;
  }
  // Relationships travel with both their persons.
  json people =
      client.GetJson("/api/tracker/trackedEntities?program=" + program +
                     "&includeDeleted=true&paging=false&fields=trackedEntity,relationships");
  std::map<std::string, int> listed;
  for (const json& person : people["trackedEntities"]) {
    for (const json& relationship : person["relationships"]) {
      ++listed[relationship["relationship"].get<std::string>()];
      std::string from = relationship["from"]["trackedEntity"]["trackedEntity"];
      std::string to = relationship["to"]["trackedEntity"]["trackedEntity"];
      EXPECT_TRUE(person["trackedEntity"] == from || person["trackedEntity"] == to);
    }
  }
  ASSERT_GT(listed.size(), 10u);
  for (const auto& [uid, count] : listed) {
    EXPECT_EQ(count, 2) << uid;
  }
}

TEST(SimulatorTest, MutateChangesTheShareAndLastUpdatedFindsExactlyThem) {
  SimServer server(SmallOptions(21));
  ASSERT_TRUE(server.Start().ok());
  Client client(server.base_url());
  const Country& country = server.simulator().country();
  auto snapshot = [&]() {
    std::map<std::string, std::string> rows;
    auto parsed = ParseCsv(FetchAllCsv(client, country, "&includeDeleted=true"));
    for (size_t i = 1; i < parsed.size(); ++i) {
      const auto& r = parsed[i];
      rows[r[0] + "|" + r[1] + "|" + r[2] + "|" + r[3] + "|" + r[4]] =
          r[5] + "|" + r[7] + "|" + r[10];
    }
    return rows;
  };
  auto before = snapshot();
  // Nothing is stamped after the country's "now" (the start of its day): a round stamped with the
  // clock must be newer than every value it replaces, even just after midnight.
  std::string now = FormatLocalMillis(country.as_of_ms);
  auto all = ParseCsv(FetchAllCsv(client, country, "&includeDeleted=true"));
  ASSERT_GT(all.size(), 1000u);
  for (size_t i = 1; i < all.size(); ++i) {
    ASSERT_LT(all[i][7].substr(0, 23), now) << all[i][0] << " " << all[i][1] << " " << all[i][2];
  }
  SimStats stats_before = server.simulator().Stats();
  Answer mutated = client.Post("/admin/mutate?share=0.1");
  ASSERT_EQ(mutated.code, 200) << mutated.body;
  json round = json::parse(mutated.body);
  EXPECT_EQ(round["round"], 1);
  std::string stamp = round["lastUpdated"];
  auto after = snapshot();
  std::set<std::string> changed;
  for (const auto& [key, row] : after) {
    auto found = before.find(key);
    if (found == before.end() || found->second != row) {
      changed.insert(key);
    }
  }
  double share = static_cast<double>(changed.size()) / static_cast<double>(stats_before.live);
  EXPECT_GT(share, 0.08);
  EXPECT_LT(share, 0.14);
  // lastUpdated filtering returns exactly the changed records, each stamped with the round's time.
  auto since = ParseCsv(FetchAllCsv(client, country, "&includeDeleted=true&lastUpdated=" + stamp));
  std::set<std::string> returned;
  for (size_t i = 1; i < since.size(); ++i) {
    const auto& r = since[i];
    returned.insert(r[0] + "|" + r[1] + "|" + r[2] + "|" + r[3] + "|" + r[4]);
    EXPECT_EQ(r[7].substr(0, 23), stamp);
  }
  EXPECT_EQ(returned, changed);
  // Deleted values are visible only with includeDeleted.
  SimStats stats_after = server.simulator().Stats();
  EXPECT_GT(stats_after.deleted, stats_before.deleted);
  std::string program = country.programs[0].uid;
  json changed_events =
      client.GetJson("/api/tracker/events?paging=false&includeDeleted=true&program=" + program +
                     "&updatedAfter=" + stamp);
  EXPECT_FALSE(changed_events["events"].empty());
  for (const auto& event : changed_events["events"]) {
    EXPECT_EQ(event["updatedAt"], stamp);
  }
  // The same mutation history gives the same state: --mutate 0.1 at start equals one round of 0.1.
  SimOptions replay_options = SmallOptions(21);
  replay_options.mutate = 0.1;
  Simulator replay(replay_options, SystemClock::Instance());
  EXPECT_EQ(replay.StatsJson(), server.simulator().StatsJson());
}

// --hold-back-months 1 at 2026-11-23: the periods starting on or after 2026-11-01 are not served
// until POST /admin/release, which serves them stamped as newly arrived. Compared with a simulator
// of the same seed and day holding nothing back.
TEST(SimulatorTest, HeldBackMonthsAreServedOnlyAfterTheRelease) {
  FakeClock clock(kFixedNow);
  SimServer whole(SmallOptions(23), clock);
  ASSERT_TRUE(whole.Start().ok());
  SimOptions options = SmallOptions(23);
  options.hold_back_months = 1;
  SimServer held(options, clock);
  ASSERT_TRUE(held.Start().ok());
  Client whole_client(whole.base_url());
  Client held_client(held.base_url());
  const Country& country = held.simulator().country();
  // key -> value|deleted, and the keys of periods starting in November 2026.
  std::set<std::string> november;
  auto rows_of = [&](Client& client, const std::string& extra) {
    std::map<std::string, std::string> rows;
    auto parsed = ParseCsv(FetchAllCsv(client, country, "&includeDeleted=true" + extra));
    for (size_t i = 1; i < parsed.size(); ++i) {
      const auto& r = parsed[i];
      std::string key = r[0] + "|" + r[1] + "|" + r[2] + "|" + r[3] + "|" + r[4];
      rows[key] = r[5] + "|" + r[10];
      auto period = dhis2::ParsePeriodId(r[1]);
      EXPECT_TRUE(period.ok()) << r[1];
      if (period.ok() &&
          period->start() >= dhis2::Date(std::chrono::year(2026) / std::chrono::November / 1)) {
        november.insert(key);
      }
    }
    return rows;
  };
  auto everything = rows_of(whole_client, "");
  ASSERT_FALSE(november.empty());
  const std::set<std::string> arriving = november;
  november.clear();
  auto before = rows_of(held_client, "");
  EXPECT_TRUE(november.empty());
  auto expected = everything;
  for (const std::string& key : arriving) expected.erase(key);
  EXPECT_EQ(before, expected);
  EXPECT_LT(held.simulator().Stats().complete_registrations,
            whole.simulator().Stats().complete_registrations);

  clock.Advance(std::chrono::hours(2));
  Answer released = held_client.Post("/admin/release");
  ASSERT_EQ(released.code, 200) << released.body;
  json answer = json::parse(released.body);
  EXPECT_EQ(answer["released_from"], "2026-11-01");
  std::string stamp = answer["lastUpdated"];
  EXPECT_EQ(rows_of(held_client, ""), everything);
  EXPECT_EQ(held.simulator().StatsJson(), whole.simulator().StatsJson());
  // lastUpdated=<stamp> finds exactly the released values, each stamped with the release.
  auto since =
      ParseCsv(FetchAllCsv(held_client, country, "&includeDeleted=true&lastUpdated=" + stamp));
  std::set<std::string> returned;
  for (size_t i = 1; i < since.size(); ++i) {
    const auto& r = since[i];
    returned.insert(r[0] + "|" + r[1] + "|" + r[2] + "|" + r[3] + "|" + r[4]);
    EXPECT_EQ(r[7].substr(0, 23), stamp);
  }
  EXPECT_EQ(returned, arriving);
  EXPECT_EQ(held_client.Post("/admin/release").code, 409);
}

TEST(SimulatorTest, FaultInjectionProducesEveryKindAndRetriesRecover) {
  SimOptions options = SmallOptions(5);
  options.fault_rate = 1.0;
  options.slow_ms = 5;
  SimServer server(options);
  ASSERT_TRUE(server.Start().ok());
  std::map<std::string, int> kinds;
  for (int i = 0; i < 80; ++i) {
    http::CurlTransport transport;  // a fresh connection: a reset one is not reused
    http::HttpRequest request;
    request.url = server.base_url() + "/api/system/info";
    request.headers = {{"Authorization", "Basic YWRtaW46ZGlzdHJpY3Q="}};
    http::StringSink sink;
    Status status = transport.Send(request, sink);
    std::string fault = sink.head().Header("X-Sim-Fault").value_or("");
    if (!status.ok()) {
      EXPECT_EQ(status.code(), StatusCode::kHttpRetryable);
      kinds[fault.empty() ? "reset" : "truncated"]++;
    } else if (sink.head().status == 429) {
      EXPECT_EQ(sink.head().Header("Retry-After").value_or(""), "1");
      kinds["429"]++;
    } else if (sink.head().status == 200 && sink.body().starts_with("<!DOCTYPE html")) {
      kinds["html"]++;
    } else if (sink.head().status == 200) {
      kinds["slow"]++;
    } else {
      kinds[std::to_string(sink.head().status)]++;
    }
  }
  for (const char* kind : {"500", "502", "503", "429", "slow", "reset", "truncated", "html"}) {
    EXPECT_GT(kinds[kind], 0) << kind;
  }
  // With a 30% fault rate the retry policy gets every answer through.
  SimOptions some = SmallOptions(5);
  some.fault_rate = 0.3;
  some.slow_ms = 5;
  SimServer flaky(some);
  ASSERT_TRUE(flaky.Start().ok());
  http::CurlTransport transport;
  http::FakeSleeper sleeper;
  http::RetryPolicy policy(transport, sleeper);
  for (int i = 0; i < 20; ++i) {
    http::HttpRequest request;
    request.url = flaky.base_url() + "/api/system/info";
    request.headers = {{"Authorization", "Basic YWRtaW46ZGlzdHJpY3Q="}};
    http::StringSink sink;
    Status status = policy.Send(request, sink);
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_TRUE(json::accept(sink.body()));
  }
}

}  // namespace
}  // namespace dhl::sim

namespace dhl::sim {
namespace {

// Serving rate of CSV dataValueSets over loopback. Slow at medium scale: run by hand with
// --gtest_also_run_disabled_tests (SIM_BENCH_SCALE=medium to include medium).
class CountingSink final : public http::ResponseSink {
 public:
  Status Begin(const http::HttpResponseHead&) override {
    bytes = 0;
    lines = 0;
    return Status::Ok();
  }
  Status Write(std::string_view chunk) override {
    bytes += chunk.size();
    lines += static_cast<size_t>(std::count(chunk.begin(), chunk.end(), '\n'));
    return Status::Ok();
  }
  size_t bytes = 0, lines = 0;
};

TEST(SimulatorBenchmark, DISABLED_ServingRate) {
  std::vector<Scale> scales = {Scale::kSmall};
  if (const char* env = std::getenv("SIM_BENCH_SCALE"); env && std::string(env) == "medium") {
    scales.push_back(Scale::kMedium);
  } else if (env && std::string(env) == "large") {
    scales = {Scale::kLarge};  // build and --stats only: serving 50M values takes minutes
  }
  for (Scale scale : scales) {
    SimOptions options;
    options.port = 0;
    options.scale = scale;
    auto start = std::chrono::steady_clock::now();
    SimServer server(options);
    ASSERT_TRUE(server.Start().ok());
    double build = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const Country& country = server.simulator().country();
    std::string path = fmt::format(
        "/api/dataValueSets.csv?orgUnit={}&children=true&startDate=2000-01-01&endDate=2100-12-31",
        country.org_units[0].uid);
    for (const auto& ds : country.data_sets) {
      path += "&dataSet=" + ds.uid;
    }
    for (bool gzip : {false, true}) {
      if (scale == Scale::kLarge) {
        break;
      }
      http::CurlTransport transport;
      http::HttpRequest request;
      request.url = server.base_url() + path;
      request.accept_gzip = gzip;
      request.headers = {{"Authorization", "Basic YWRtaW46ZGlzdHJpY3Q="}};
      CountingSink sink;
      start = std::chrono::steady_clock::now();
      ASSERT_TRUE(transport.Send(request, sink).ok());
      double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("%s%s: build %.2f s, %zu values, %.1f MB in %.2f s = %.0f values/s, %.1f MB/s\n",
                  std::string(ScaleName(scale)).c_str(), gzip ? " (gzip)" : "", build,
                  sink.lines - 1, static_cast<double>(sink.bytes) / 1e6, seconds,
                  static_cast<double>(sink.lines - 1) / seconds,
                  static_cast<double>(sink.bytes) / 1e6 / seconds);
    }
    start = std::chrono::steady_clock::now();
    std::string stats = server.simulator().StatsJson();
    std::printf("%s stats in %.2f s: %s\n", std::string(ScaleName(scale)).c_str(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                stats.c_str());
  }
}

}  // namespace
}  // namespace dhl::sim
