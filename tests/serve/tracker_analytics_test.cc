// /api/analytics/events/aggregate/PROGRAM and /api/analytics/enrollments/aggregate/PROGRAM end to
// end: a small hand-written tracker lake in silver (deleted and skipped events, events outside the
// periods, a scheduled event, a repeatable stage, a missing value, another programme), the gold
// models gold.event_analytics, gold.enrollment_analytics and gold.tracker_value run over it, then a
// Server on a free loopback port answering over HTTP. Every expected count is worked out by hand
// from the rows below (the comments next to each expectation say which records count).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "http/curl_transport.h"
#include "serve/server.h"
#include "tests/pipeline/model_lake_fixture.h"

namespace dhl::serve {
namespace {

using nlohmann::json;

constexpr char kProgram[] = "IpHINAT79UW";     // Child Programme
constexpr char kBirth[] = "A03MvHHogjR";       // stage Birth
constexpr char kPostnatal[] = "ZzYYXq4fJie";   // stage Baby Postnatal (repeatable)
constexpr char kOtherStage[] = "PUZaKR0Jh2k";  // a stage of the other programme
constexpr char kCountry[] = "ImspTQPwCqd";
constexpr char kBo[] = "O6uvpzGd5pu";
constexpr char kBombali[] = "fdc6uOvgoji";
constexpr char kTonko[] = "uNEhNuBUr0i";      // clinic in Bo / Badjia
constexpr char kBcg[] = "bx6fsa0t90x";        // BOOLEAN
constexpr char kWeight[] = "UXz7xuGCEhU";     // NUMBER
constexpr char kFeeding[] = "X8zyunlgUfM";    // TEXT
constexpr char kGender[] = "cejWyOfXge6";     // attribute, TEXT
constexpr char kFirstName[] = "w75KJ2mc4zz";  // attribute, confidential

// Sierra Leone > Bo > Badjia > Tonko clinic; Sierra Leone > Bombali > Bombali Sebora.
const char kOrgUnits[] = R"(
SELECT uid, name, name AS short_name, level, path, TRUE AS is_current,
       CAST(NULL AS TIMESTAMP) AS valid_to,
       split_part(path, '/', 2) AS level1_uid, nullif(split_part(path, '/', 3), '') AS level2_uid,
       nullif(split_part(path, '/', 4), '') AS level3_uid,
       nullif(split_part(path, '/', 5), '') AS level4_uid, CAST(NULL AS VARCHAR) AS level5_uid,
       CAST(NULL AS VARCHAR) AS level6_uid, CAST(NULL AS VARCHAR) AS level7_uid,
       CAST(NULL AS VARCHAR) AS level8_uid
FROM (VALUES
  ('ImspTQPwCqd', 'Sierra Leone', 1, '/ImspTQPwCqd'),
  ('O6uvpzGd5pu', 'Bo', 2, '/ImspTQPwCqd/O6uvpzGd5pu'),
  ('fdc6uOvgoji', 'Bombali', 2, '/ImspTQPwCqd/fdc6uOvgoji'),
  ('YuQRtpLP10I', 'Badjia', 3, '/ImspTQPwCqd/O6uvpzGd5pu/YuQRtpLP10I'),
  ('KKkLOTpMXGV', 'Bombali Sebora', 3, '/ImspTQPwCqd/fdc6uOvgoji/KKkLOTpMXGV'),
  ('uNEhNuBUr0i', 'Tonko Maternity Clinic', 4, '/ImspTQPwCqd/O6uvpzGd5pu/YuQRtpLP10I/uNEhNuBUr0i'))
  AS t(uid, name, level, path))";

// enrollmentF is deleted, enrollmentE is from 2023, enrollmentG belongs to the other programme.
const char kEnrollments[] = R"(
SELECT enrollment, program, tracked_entity, ou, status, CAST(enrolled AS TIMESTAMP) AS enrolled_at,
       CAST(enrolled AS TIMESTAMP) AS occurred_at, CAST(enrolled AS TIMESTAMP) AS created_at,
       CAST(enrolled AS TIMESTAMP) AS updated_at, CAST(NULL AS TIMESTAMP) AS completed_at,
       FALSE AS follow_up, deleted
FROM (VALUES
  ('enrollmentA', 'IpHINAT79UW', 'trackedEntA', 'uNEhNuBUr0i', 'ACTIVE', '2024-01-10', FALSE),
  ('enrollmentB', 'IpHINAT79UW', 'trackedEntB', 'uNEhNuBUr0i', 'COMPLETED', '2024-01-20', FALSE),
  ('enrollmentC', 'IpHINAT79UW', 'trackedEntC', 'KKkLOTpMXGV', 'ACTIVE', '2024-02-05', FALSE),
  ('enrollmentD', 'IpHINAT79UW', 'trackedEntD', 'YuQRtpLP10I', 'ACTIVE', '2024-03-15', FALSE),
  ('enrollmentE', 'IpHINAT79UW', 'trackedEntE', 'uNEhNuBUr0i', 'ACTIVE', '2023-12-30', FALSE),
  ('enrollmentF', 'IpHINAT79UW', 'trackedEntF', 'uNEhNuBUr0i', 'ACTIVE', '2024-01-12', TRUE),
  ('enrollmentG', 'WSGAb5XwJ3Y', 'trackedEntG', 'uNEhNuBUr0i', 'ACTIVE', '2024-01-15', FALSE))
  AS t(enrollment, program, tracked_entity, ou, status, enrolled, deleted))";

// Birth: one per enrollment, plus a deleted one (eventBirthX) and a skipped one (eventBirthS).
// Postnatal: A twice (Feb, Mar) and scheduled for April; B twice (Mar without a value); C once.
const char kEvents[] = R"(
SELECT event, program, program_stage, enrollment, tracked_entity, ou, status,
       CAST(occurred AS TIMESTAMP) AS occurred_at, CAST(scheduled AS TIMESTAMP) AS scheduled_at,
       CAST(coalesce(occurred, scheduled) AS TIMESTAMP) AS created_at,
       CAST(coalesce(occurred, scheduled) AS TIMESTAMP) AS updated_at,
       CAST(NULL AS TIMESTAMP) AS completed_at, 'HllvX50cXC0' AS aoc, deleted
FROM (VALUES
  ('eventBirthA', 'IpHINAT79UW', 'A03MvHHogjR', 'enrollmentA', 'trackedEntA', 'uNEhNuBUr0i',
   'COMPLETED', '2024-01-10', NULL, FALSE),
  ('eventBirthB', 'IpHINAT79UW', 'A03MvHHogjR', 'enrollmentB', 'trackedEntB', 'uNEhNuBUr0i',
   'COMPLETED', '2024-01-21', NULL, FALSE),
  ('eventBirthC', 'IpHINAT79UW', 'A03MvHHogjR', 'enrollmentC', 'trackedEntC', 'KKkLOTpMXGV',
   'ACTIVE', '2024-02-06', NULL, FALSE),
  ('eventBirthD', 'IpHINAT79UW', 'A03MvHHogjR', 'enrollmentD', 'trackedEntD', 'YuQRtpLP10I',
   'ACTIVE', '2024-03-16', NULL, FALSE),
  ('eventBirthE', 'IpHINAT79UW', 'A03MvHHogjR', 'enrollmentE', 'trackedEntE', 'uNEhNuBUr0i',
   'COMPLETED', '2023-12-30', NULL, FALSE),
  ('eventBirthX', 'IpHINAT79UW', 'A03MvHHogjR', 'enrollmentC', 'trackedEntC', 'KKkLOTpMXGV',
   'ACTIVE', '2024-02-07', NULL, TRUE),
  ('eventBirthS', 'IpHINAT79UW', 'A03MvHHogjR', 'enrollmentB', 'trackedEntB', 'uNEhNuBUr0i',
   'SKIPPED', '2024-01-25', NULL, FALSE),
  ('eventPostA2', 'IpHINAT79UW', 'ZzYYXq4fJie', 'enrollmentA', 'trackedEntA', 'uNEhNuBUr0i',
   'COMPLETED', '2024-02-10', NULL, FALSE),
  ('eventPostA3', 'IpHINAT79UW', 'ZzYYXq4fJie', 'enrollmentA', 'trackedEntA', 'uNEhNuBUr0i',
   'COMPLETED', '2024-03-10', NULL, FALSE),
  ('eventPostA4', 'IpHINAT79UW', 'ZzYYXq4fJie', 'enrollmentA', 'trackedEntA', 'uNEhNuBUr0i',
   'SCHEDULE', NULL, '2024-04-10', FALSE),
  ('eventPostB2', 'IpHINAT79UW', 'ZzYYXq4fJie', 'enrollmentB', 'trackedEntB', 'uNEhNuBUr0i',
   'ACTIVE', '2024-02-15', NULL, FALSE),
  ('eventPostB3', 'IpHINAT79UW', 'ZzYYXq4fJie', 'enrollmentB', 'trackedEntB', 'uNEhNuBUr0i',
   'ACTIVE', '2024-03-20', NULL, FALSE),
  ('eventPostC2', 'IpHINAT79UW', 'ZzYYXq4fJie', 'enrollmentC', 'trackedEntC', 'KKkLOTpMXGV',
   'ACTIVE', '2024-02-20', NULL, FALSE),
  ('eventOtherG', 'WSGAb5XwJ3Y', 'PUZaKR0Jh2k', 'enrollmentG', 'trackedEntG', 'uNEhNuBUr0i',
   'ACTIVE', '2024-01-15', NULL, FALSE))
  AS t(event, program, program_stage, enrollment, tracked_entity, ou, status, occurred, scheduled,
       deleted))";

// BCG (1/0), weight (grams), feeding (text). eventBirthD has no BCG value, eventPostB3 none at all.
const char kEventValues[] = R"(
SELECT event, de, CASE WHEN value_text = 'true' THEN 1.0 WHEN value_text = 'false' THEN 0.0
                       ELSE TRY_CAST(value_text AS DOUBLE) END AS value, value_text
FROM (VALUES
  ('eventBirthA', 'bx6fsa0t90x', 'true'), ('eventBirthB', 'bx6fsa0t90x', 'false'),
  ('eventBirthC', 'bx6fsa0t90x', 'true'), ('eventBirthE', 'bx6fsa0t90x', 'true'),
  ('eventBirthX', 'bx6fsa0t90x', 'true'),
  ('eventBirthA', 'UXz7xuGCEhU', '3200'), ('eventBirthB', 'UXz7xuGCEhU', '2800'),
  ('eventBirthC', 'UXz7xuGCEhU', '3500'), ('eventBirthD', 'UXz7xuGCEhU', '2400'),
  ('eventPostA2', 'X8zyunlgUfM', 'Exclusive'), ('eventPostA3', 'X8zyunlgUfM', 'Mixed'),
  ('eventPostB2', 'X8zyunlgUfM', 'Exclusive'), ('eventPostC2', 'X8zyunlgUfM', 'Replacement'))
  AS t(event, de, value_text))";

const char kAttributes[] = R"(
SELECT * FROM (VALUES
  ('trackedEntA', 'cejWyOfXge6', 'Female'), ('trackedEntB', 'cejWyOfXge6', 'Male'),
  ('trackedEntC', 'cejWyOfXge6', 'Female'), ('trackedEntD', 'cejWyOfXge6', 'Male'),
  ('trackedEntE', 'cejWyOfXge6', 'Female'), ('trackedEntA', 'w75KJ2mc4zz', 'a1b2c3hash'))
  AS t(tracked_entity, attribute, value))";

const char kDataElements[] = R"(
SELECT * FROM (VALUES
  ('bx6fsa0t90x', 'MCH BCG dose', 'BCG dose', 'SUM', 'bjDvmb4bfuf', 'BOOLEAN'),
  ('UXz7xuGCEhU', 'MCH Weight (g)', 'Weight', 'AVERAGE', 'bjDvmb4bfuf', 'NUMBER'),
  ('X8zyunlgUfM', 'MCH Infant Feeding', 'Feeding', 'NONE', 'bjDvmb4bfuf', 'TEXT'))
  AS t(uid, name, short_name, aggregation_type, category_combo, value_type))";

std::string MetadataRows(const std::string& values) {
  return "SELECT id, CAST(NULL AS VARCHAR) AS code, name, TIMESTAMP '2024-01-01' AS created, "
         "TIMESTAMP '2024-01-01' AS lastUpdated, object FROM (VALUES " +
         values + ") AS t(id, name, object)";
}

struct Reply {
  int status = 0;
  std::string body;
  json Json() const { return json::parse(body, nullptr, false); }
};

class TrackerAnalyticsTest : public pipeline::ModelLakeFixture {
 protected:
  void SetUp() override {
    ModelLakeFixture::SetUp();
    UseModels(
        {"gold/event_analytics.sql", "gold/enrollment_analytics.sql", "gold/tracker_value.sql"});
    Write("silver.org_unit", kOrgUnits);
    Write("silver.enrollment", kEnrollments);
    Write("silver.event", kEvents);
    Write("silver.event_data_value", kEventValues);
    Write("silver.tracked_entity_attribute", kAttributes);
    Write("silver.data_element", kDataElements);
    Write("bronze.metadata_program",
          MetadataRows("('IpHINAT79UW', 'Child Programme', '{\"shortName\":\"Child\"}'), "
                       "('WSGAb5XwJ3Y', 'WHO RMNCH Tracker', '{}')"));
    Write("bronze.metadata_program_stage",
          MetadataRows("('A03MvHHogjR', 'Birth', "
                       "'{\"program\":{\"id\":\"IpHINAT79UW\"},\"repeatable\":false}'), "
                       "('ZzYYXq4fJie', 'Baby Postnatal', "
                       "'{\"program\":{\"id\":\"IpHINAT79UW\"},\"repeatable\":true}'), "
                       "('PUZaKR0Jh2k', 'Previous deliveries', "
                       "'{\"program\":{\"id\":\"WSGAb5XwJ3Y\"}}')"));
    Write("bronze.metadata_tracked_entity_attribute",
          MetadataRows("('cejWyOfXge6', 'Gender', '{\"valueType\":\"TEXT\"}'), "
                       "('w75KJ2mc4zz', 'First name', "
                       "'{\"valueType\":\"TEXT\",\"confidential\":true}')"));
    RunOk(*catalog_);
    StartServer({});
  }

  void StartServer(std::vector<AccessToken> tokens) {
    server_.reset();
    ServerOptions options;
    options.port = 0;
    options.lake_dir = LakeDir().string();
    options.sorted_copies = false;
    options.tokens = std::move(tokens);
    server_ = std::make_unique<Server>(options);
    auto port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    base_ = fmt::format("http://127.0.0.1:{}", *port);
  }

  void TearDown() override {
    server_.reset();
    ModelLakeFixture::TearDown();
  }

  Reply Get(const std::string& path_and_query) {
    http::HttpRequest request;
    request.url = base_ + path_and_query;
    if (!token_.empty()) {
      request.headers.emplace_back("Authorization", "Bearer " + token_);
    }
    http::StringSink sink;
    http::CurlTransport transport;
    Status sent = transport.Send(request, sink);
    EXPECT_TRUE(sent.ok()) << sent.ToString();
    return {sink.head().status, sink.body()};
  }

  // The rows of a 200 answer to `query` on `endpoint` ("events" or "enrollments").
  json Rows(const std::string& endpoint, const std::string& query) {
    Reply reply = Get(fmt::format("/api/analytics/{}/aggregate/{}?{}", endpoint, kProgram, query));
    EXPECT_EQ(reply.status, 200) << query << ": " << reply.body;
    json answer = reply.Json();
    return answer.is_object() ? answer["rows"] : json();
  }

  // The errorCode of a refused `query` on `endpoint` (expects a 409), "" when it has none.
  std::string Refused(const std::string& endpoint, const std::string& query,
                      const std::string& program = kProgram) {
    Reply reply = Get(fmt::format("/api/analytics/{}/aggregate/{}?{}", endpoint, program, query));
    EXPECT_EQ(reply.status, 409) << query << ": " << reply.body;
    json answer = reply.Json();
    EXPECT_TRUE(answer.is_object() && answer.contains("message")) << reply.body;
    return answer.is_object() ? answer.value("errorCode", "") : "?";
  }

  std::unique_ptr<Server> server_;
  std::string base_;
  std::string token_;  // sent as a bearer token when set
};

TEST_F(TrackerAnalyticsTest, EventsByOrgUnitLevelAndPeriod) {
  // Birth events of 2024: A (Jan, Tonko in Bo), B (Jan, Tonko), C (Feb, Bombali Sebora), D (Mar,
  // Badjia in Bo). Not counted: E (2023-12-30), X (deleted), S (SKIPPED).
  json rows = Rows("events", fmt::format("dimension=ou:{};LEVEL-2&dimension=pe:202401;202402;"
                                         "202403;2024Q1&stage={}",
                                         kCountry, kBirth));
  // A uid given with LEVEL-n bounds the level's units (as /api/analytics): Bo and Bombali.
  json expected = json::array({{kBo, "202401", "2"},
                               {kBo, "202403", "1"},
                               {kBo, "2024Q1", "3"},
                               {kBombali, "202402", "1"},
                               {kBombali, "2024Q1", "1"}});
  EXPECT_EQ(rows, expected);
  EXPECT_EQ(Rows("events", fmt::format("dimension=ou:{};{}&dimension=pe:2024Q1&stage={}", kCountry,
                                       kBo, kBirth)),
            json::array({{kCountry, "2024Q1", "4"}, {kBo, "2024Q1", "3"}}));
  // Any period type: week 2 of 2024 (8-14 January) holds only eventBirthA (10 January).
  EXPECT_EQ(
      Rows("events", fmt::format("dimension=ou:{}&dimension=pe:2024W2&stage={}", kCountry, kBirth)),
      json::array({{kCountry, "2024W2", "1"}}));
}

TEST_F(TrackerAnalyticsTest, ScheduledEventsCountByTheirScheduledDate) {
  // Every stage at Tonko: Jan A-birth, B-birth; Feb A2, B2; Mar A3, B3; Apr A4 (SCHEDULE, dated by
  // its scheduled day). eventBirthS (SKIPPED) and the other programme's eventOtherG do not count.
  EXPECT_EQ(Rows("events",
                 fmt::format("dimension=ou:{}&dimension=pe:202401;202402;202403;202404", kTonko)),
            json::array({{kTonko, "202401", "2"},
                         {kTonko, "202402", "2"},
                         {kTonko, "202403", "2"},
                         {kTonko, "202404", "1"}}));
}

TEST_F(TrackerAnalyticsTest, OutputTypeCountsEventsEnrollmentsOrTrackedEntities) {
  // Tonko, Q1 2024: six events (A-birth, B-birth, A2, A3, B2, B3) of two enrollments (A, B).
  std::string query = fmt::format("dimension=ou:{}&filter=pe:2024Q1", kTonko);
  EXPECT_EQ(Rows("events", query), json::array({{kTonko, "6"}}));
  EXPECT_EQ(Rows("events", query + "&outputType=EVENT"), json::array({{kTonko, "6"}}));
  EXPECT_EQ(Rows("events", query + "&outputType=ENROLLMENT"), json::array({{kTonko, "2"}}));
  EXPECT_EQ(Rows("events", query + "&outputType=TRACKED_ENTITY_INSTANCE"),
            json::array({{kTonko, "2"}}));
}

TEST_F(TrackerAnalyticsTest, NumericItemFiltersCompareNumbers) {
  // Birth weights in 2024: A 3200, B 2800, C 3500, D 2400 (E is 2023).
  auto weights = [&](const std::string& filter) {
    return Rows("events", fmt::format("dimension={}.{}{}&dimension=ou:{}&filter=pe:2024&stage={}",
                                      kBirth, kWeight, filter, kCountry, kBirth));
  };
  EXPECT_EQ(
      weights(":GT:2500"),
      json::array({{"2800", kCountry, "1"}, {"3200", kCountry, "1"}, {"3500", kCountry, "1"}}));
  EXPECT_EQ(weights(":GE:2800:LT:3500"),
            json::array({{"2800", kCountry, "1"}, {"3200", kCountry, "1"}}));
  EXPECT_EQ(weights(":LE:2800"), json::array({{"2400", kCountry, "1"}, {"2800", kCountry, "1"}}));
  EXPECT_EQ(weights(":LT:2800"), json::array({{"2400", kCountry, "1"}}));
  EXPECT_EQ(weights(":EQ:3200"), json::array({{"3200", kCountry, "1"}}));
  EXPECT_EQ(weights(":IN:2400;3500"),
            json::array({{"2400", kCountry, "1"}, {"3500", kCountry, "1"}}));
  // As filter= the item is no column: NE counts B, C, D (the item's stage is the events' stage).
  EXPECT_EQ(Rows("events", fmt::format("filter={}.{}:NE:3200&dimension=ou:{}&filter=pe:2024",
                                       kBirth, kWeight, kCountry)),
            json::array({{kCountry, "3"}}));
}

TEST_F(TrackerAnalyticsTest, BooleanItemsGroupMissingValuesAndMatchNv) {
  // BCG in 2024: A 1, B 0, C 1, D none (X, deleted, is not counted).
  std::string base = fmt::format("dimension=ou:{}&filter=pe:2024", kCountry);
  EXPECT_EQ(Rows("events", fmt::format("dimension={}.{}&{}", kBirth, kBcg, base)),
            json::array({{"0", kCountry, "1"}, {"1", kCountry, "2"}, {"", kCountry, "1"}}));
  EXPECT_EQ(Rows("events", fmt::format("filter={}.{}:EQ:NV&{}", kBirth, kBcg, base)),
            json::array({{kCountry, "1"}}));
  EXPECT_EQ(Rows("events", fmt::format("filter={}.{}:EQ:true&{}", kBirth, kBcg, base)),
            json::array({{kCountry, "2"}}));
  EXPECT_EQ(Rows("events", fmt::format("filter={}.{}:NE:NV&{}", kBirth, kBcg, base)),
            json::array({{kCountry, "3"}}));
}

TEST_F(TrackerAnalyticsTest, TextItemFilters) {
  // Postnatal events in Q1 2024: A2 Exclusive, A3 Mixed, B2 Exclusive, B3 none, C2 Replacement.
  std::string base = fmt::format("dimension=ou:{}&dimension=pe:2024Q1", kCountry);
  auto feeding = [&](const std::string& filter) {
    return Rows("events", fmt::format("dimension={}.{}{}&{}", kPostnatal, kFeeding, filter, base));
  };
  EXPECT_EQ(feeding(":LIKE:xclu"), json::array({{"Exclusive", kCountry, "2024Q1", "2"}}));
  EXPECT_EQ(feeding(":LIKE:EXCLU"), json::array());  // LIKE is case-sensitive
  EXPECT_EQ(feeding(":ILIKE:EXCLU"), json::array({{"Exclusive", kCountry, "2024Q1", "2"}}));
  EXPECT_EQ(
      feeding(":IN:Mixed;Replacement"),
      json::array({{"Mixed", kCountry, "2024Q1", "1"}, {"Replacement", kCountry, "2024Q1", "1"}}));
  // NE keeps missing values (DHIS2's nullAndEmptyMatcher): A3, B3, C2.
  EXPECT_EQ(Rows("events", fmt::format("filter={}.{}:NE:Exclusive&{}", kPostnatal, kFeeding, base)),
            json::array({{kCountry, "2024Q1", "3"}}));
}

TEST_F(TrackerAnalyticsTest, EnrollmentsByLevelAndPeriod) {
  // Enrollments of the programme by enrollment date: A Jan (Bo), B Jan (Bo), C Feb (Bombali), D Mar
  // (Bo). E is 2023, F is deleted, G is another programme.
  EXPECT_EQ(Rows("enrollments", "dimension=ou:LEVEL-2&dimension=pe:202401;202402;202403;2024"),
            json::array({{"2", kBo, "202401"},
                         {"1", kBo, "202403"},
                         {"3", kBo, "2024"},
                         {"1", kBombali, "202402"},
                         {"1", kBombali, "2024"}}));
  EXPECT_EQ(Rows("enrollments", "dimension=ou:USER_ORGUNIT&filter=pe:2024&programStatus=COMPLETED"),
            json::array({{"1", kCountry}}));
}

TEST_F(TrackerAnalyticsTest, EnrollmentItemsReadTheLatestEventOfTheStage) {
  // Postnatal is repeatable: the latest event that is not scheduled counts, value or not
  // (repeatableStageSubquery): A -> A3 Mixed (A4 is only scheduled), B -> B3 (no value, not B2's
  // Exclusive), C -> C2 Replacement, D -> no postnatal event.
  std::string base = fmt::format("&dimension=ou:{}&filter=pe:2024", kCountry);
  auto feeding = [&](const std::string& index) {
    return Rows("enrollments",
                fmt::format("dimension={}{}.{}{}", kPostnatal, index, kFeeding, base));
  };
  json latest =
      json::array({{"1", kCountry, "Mixed"}, {"1", kCountry, "Replacement"}, {"2", kCountry, ""}});
  EXPECT_EQ(feeding(""), latest);
  EXPECT_EQ(feeding("[0]"), latest);
  // [-1], the event before the latest: A -> A2 Exclusive, B -> B2 Exclusive; C has one event and D
  // none.
  EXPECT_EQ(feeding("[-1]"), json::array({{"2", kCountry, "Exclusive"}, {"2", kCountry, ""}}));
  // [1], the first event: A2 Exclusive, B2 Exclusive, C2 Replacement; [2], the second: A3 Mixed,
  // B3 (no value).
  EXPECT_EQ(feeding("[1]"), json::array({{"2", kCountry, "Exclusive"},
                                         {"1", kCountry, "Replacement"},
                                         {"1", kCountry, ""}}));
  EXPECT_EQ(feeding("[2]"), json::array({{"1", kCountry, "Mixed"}, {"3", kCountry, ""}}));
  // Birth is not repeatable: only events with a value rank; BCG: A 1, B 0, C 1, D none.
  EXPECT_EQ(Rows("enrollments", fmt::format("dimension={}.{}{}", kBirth, kBcg, base)),
            json::array({{"1", kCountry, "0"}, {"2", kCountry, "1"}, {"1", kCountry, ""}}));
  // Attributes: A Female, B Male, C Female, D Male.
  EXPECT_EQ(Rows("enrollments",
                 fmt::format("dimension={}&dimension=ou:{}&filter=pe:2024", kGender, kCountry)),
            json::array({{"2", kCountry, "Female"}, {"2", kCountry, "Male"}}));
  // On events an attribute is the enrollment's: birth events of A and C.
  EXPECT_EQ(
      Rows("events", fmt::format("filter={}:EQ:Female&dimension=ou:{}&filter=pe:2024&stage={}",
                                 kGender, kCountry, kBirth)),
      json::array({{kCountry, "2"}}));
}

TEST_F(TrackerAnalyticsTest, AnswersHaveDhis2sShape) {
  Reply reply =
      Get(fmt::format("/api/analytics/enrollments/aggregate/{}.json?dimension=ou:{}&"
                      "dimension=pe:202401&dimension={}.{}",
                      kProgram, kTonko, kPostnatal, kFeeding));
  ASSERT_EQ(reply.status, 200) << reply.body;
  json answer = reply.Json();
  std::vector<std::string> names;
  for (const json& header : answer["headers"]) {
    names.push_back(header["name"]);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"value", "ou", "pe",
                                             std::string(kPostnatal) + "." + kFeeding}));
  EXPECT_EQ(answer["headers"][3]["column"], "MCH Infant Feeding");
  EXPECT_EQ(answer["headers"][0]["valueType"], "NUMBER");
  EXPECT_EQ(answer["width"], 4);
  EXPECT_EQ(answer["headerWidth"], 4);
  EXPECT_EQ(answer["height"], answer["rows"].size());
  // Enrollments A and B (January, Tonko): latest postnatal feeding Mixed (A3) and none (B3).
  EXPECT_EQ(answer["rows"],
            json::array({{"1", kTonko, "202401", "Mixed"}, {"1", kTonko, "202401", ""}}));
  const json& items = answer["metaData"]["items"];
  EXPECT_EQ(items[kProgram]["name"], "Child Programme");
  EXPECT_EQ(items[kPostnatal]["name"], "Baby Postnatal");
  EXPECT_EQ(items["202401"]["name"], "January 2024");
  EXPECT_EQ(items[kTonko]["name"], "Tonko Maternity Clinic");
  EXPECT_EQ(answer["metaData"]["dimensions"]["pe"], json::array({"202401"}));
  EXPECT_EQ(answer["metaData"]["dimensions"]["ou"], json::array({kTonko}));

  Reply csv =
      Get(fmt::format("/api/analytics/events/aggregate/{}.csv?dimension=ou:{}&"
                      "dimension=pe:202401&stage={}",
                      kProgram, kTonko, kBirth));
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.body, "Organisation unit,Period,Value\nuNEhNuBUr0i,202401,2\n");
  // Relative periods against relativePeriodDate: LAST_3_MONTHS of 2024-04-15 is Jan-Mar 2024.
  EXPECT_EQ(Rows("events", fmt::format("dimension=ou:{}&filter=pe:LAST_3_MONTHS&stage={}&"
                                       "relativePeriodDate=2024-04-15",
                                       kCountry, kBirth)),
            json::array({{kCountry, "4"}}));
}

TEST_F(TrackerAnalyticsTest, BadRequestsGetDhis2sErrorCodes) {
  std::string ok = fmt::format("dimension=ou:{}&dimension=pe:2024", kCountry);
  EXPECT_EQ(Refused("events", ok, "AAAAAAAAAAA"), "E7129");  // no such programme
  EXPECT_EQ(Refused("events", ok + "&stage=BBBBBBBBBBB"), "E7130");
  EXPECT_EQ(Refused("events", ok + "&stage=" + kOtherStage), "E7245");
  EXPECT_EQ(Refused("events", fmt::format("dimension=ou:{}", kCountry)), "E7205");
  EXPECT_EQ(Refused("events", "dimension=pe:2024&dimension=ou:"), "E7200");
  EXPECT_EQ(Refused("events", ok + "&dimension=pe:2023"), "E7201");
  EXPECT_EQ(Refused("events",
                    ok + fmt::format("&dimension={0}.{1}&filter={0}.{1}:GT:1", kBirth, kWeight)),
            "E7202");
  EXPECT_EQ(Refused("events", ok + "&dimension=CCCCCCCCCCC"), "E7224");
  EXPECT_EQ(Refused("enrollments", ok + "&dimension=" + kFeeding), "E7225");
  EXPECT_EQ(Refused("events", ok + fmt::format("&dimension={}.{}:XX:1", kBirth, kWeight)), "E7222");
  EXPECT_EQ(Refused("events", ok + fmt::format("&dimension={}.{}:GT", kBirth, kWeight)), "E7222");
  EXPECT_EQ(Refused("events", ok + fmt::format("&dimension={}.{}:GT:NV", kBirth, kWeight)),
            "E7229");
  EXPECT_EQ(Refused("events", ok + fmt::format("&dimension={}.{}:GT:heavy", kBirth, kWeight)),
            "E7234");
  EXPECT_EQ(Refused("events", ok + fmt::format("&dimension={}.{}&dimension={}.{}", kBirth, kWeight,
                                               kPostnatal, kFeeding)),
            "E7244");
  EXPECT_EQ(Refused("events", ok + "&dimension=not-an-item"), "E7226");
  EXPECT_EQ(Refused("events", ok + "&relativePeriodDate=tomorrow"), "E7135");
  EXPECT_EQ(Refused("events", ok + "&dimension=A03MvHHogjR[x]." + std::string(kWeight)), "E7226");
  // Not implemented here: said so, without a DHIS2 code.
  EXPECT_EQ(Refused("events", ok + "&dimension=EVENT_DATE"), "");
  EXPECT_EQ(Refused("events", ok + "&ouMode=ACCESSIBLE"), "");
  EXPECT_EQ(Refused("events", ok + fmt::format("&dimension={}[-1].{}", kPostnatal, kFeeding)), "");
  EXPECT_EQ(Refused("events", ok + "&outputType=VISIT"), "");
  EXPECT_EQ(Refused("events", ok + "&dimension=" + kFirstName), "");  // confidential
  EXPECT_EQ(Refused("enrollments", ok + "&eventStatus=ACTIVE"), "");
}

TEST_F(TrackerAnalyticsTest, ProgramStatusIsADimensionOrAFilter) {
  // Enrollments of 2024: A ACTIVE, B COMPLETED, C ACTIVE, D ACTIVE.
  Reply reply = Get(fmt::format(
      "/api/analytics/enrollments/aggregate/{}?dimension=PROGRAM_STATUS&dimension=ou:{}&"
      "filter=pe:2024",
      kProgram, kCountry));
  ASSERT_EQ(reply.status, 200) << reply.body;
  json answer = reply.Json();
  EXPECT_EQ(answer["rows"], json::array({{"3", kCountry, "ACTIVE"}, {"1", kCountry, "COMPLETED"}}));
  EXPECT_EQ(answer["headers"][2]["name"], "programstatus");
  EXPECT_EQ(answer["headers"][2]["column"], "Program status");
  // On events it is the enrollment's status: 2024 birth events of COMPLETED enrollments: B.
  std::string events = fmt::format("dimension=ou:{}&filter=pe:2024&stage={}", kCountry, kBirth);
  EXPECT_EQ(Rows("events", events + "&filter=PROGRAM_STATUS:COMPLETED"),
            json::array({{kCountry, "1"}}));
  // With statuses as a dimension it filters too: ACTIVE births A, C, D; no CANCELLED one.
  EXPECT_EQ(Rows("events", events + "&dimension=programstatus:ACTIVE;CANCELLED"),
            json::array({{"ACTIVE", kCountry, "3"}}));
  EXPECT_EQ(Refused("events", events + "&filter=PROGRAM_STATUS"), "E7222");
  EXPECT_EQ(Refused("events", events + "&dimension=PROGRAM_STATUS:DONE"), "E7222");
}

TEST_F(TrackerAnalyticsTest, AStagesEventStatusIsAnItem) {
  // 2024 postnatal events: A2, A3 COMPLETED; B2, B3, C2 ACTIVE; A4 SCHEDULE (April).
  Reply reply =
      Get(fmt::format("/api/analytics/events/aggregate/{}?dimension={}.EVENT_STATUS&"
                      "dimension=ou:{}&filter=pe:2024",
                      kProgram, kPostnatal, kCountry));
  ASSERT_EQ(reply.status, 200) << reply.body;
  json answer = reply.Json();
  EXPECT_EQ(answer["rows"], json::array({{"ACTIVE", kCountry, "3"},
                                         {"COMPLETED", kCountry, "2"},
                                         {"SCHEDULE", kCountry, "1"}}));
  EXPECT_EQ(answer["headers"][0]["name"], std::string(kPostnatal) + ".eventstatus");
  EXPECT_EQ(answer["headers"][0]["column"], "Event status");
  // As a filter, and it names the events' stage: 2024 births A and B are COMPLETED.
  EXPECT_EQ(Rows("events", fmt::format("filter={}.EVENT_STATUS:EQ:COMPLETED&dimension=ou:{}&"
                                       "filter=pe:2024",
                                       kBirth, kCountry)),
            json::array({{kCountry, "2"}}));
  EXPECT_EQ(Refused("enrollments", fmt::format("dimension={}.EVENT_STATUS&dimension=ou:{}&"
                                               "filter=pe:2024",
                                               kPostnatal, kCountry)),
            "");
}

TEST_F(TrackerAnalyticsTest, StaticDateDimensionsArePeriodsOfThatDate) {
  // April 2024 at Tonko: A4 is scheduled for 10 April and has no event date, so it counts by its
  // scheduled date (pe, SCHEDULED_DATE) but not by EVENT_DATE.
  std::string tonko = fmt::format("dimension=ou:{}", kTonko);
  EXPECT_EQ(Rows("events", tonko + "&dimension=pe:202404"), json::array({{kTonko, "202404", "1"}}));
  EXPECT_EQ(Rows("events", tonko + "&dimension=SCHEDULED_DATE:202404"),
            json::array({{kTonko, "202404", "1"}}));
  EXPECT_EQ(Rows("events", tonko + "&dimension=EVENT_DATE:202404"), json::array());
  // Postnatal events by their enrollment's date: January enrollments A and B hold A2, A3, A4, B2,
  // B3 (none of them happened in January).
  std::string postnatal = fmt::format("dimension=ou:{}&stage={}", kCountry, kPostnatal);
  EXPECT_EQ(Rows("events", postnatal + "&dimension=ENROLLMENT_DATE:202401"),
            json::array({{kCountry, "202401", "5"}}));
  EXPECT_EQ(Rows("events", postnatal + "&dimension=pe:202401"), json::array());
  // Enrollments by incident date (equal to the enrollment date in these rows): A, B in January.
  EXPECT_EQ(
      Rows("enrollments", fmt::format("dimension=ou:{}&filter=INCIDENT_DATE:202401", kCountry)),
      json::array({{"2", kCountry}}));
  EXPECT_EQ(
      Refused("enrollments", fmt::format("dimension=ou:{}&dimension=EVENT_DATE:2024", kCountry)),
      "");
  EXPECT_EQ(Refused("events", tonko + "&dimension=EVENT_DATE:2024&dimension=pe:2024"), "E7201");
  EXPECT_EQ(Refused("events", tonko + "&dimension=EVENT_DATE:GT:2024-01-01"), "");
}

TEST_F(TrackerAnalyticsTest, StartAndEndDatesInsteadOfPeriods) {
  // Birth events from 15 January to 10 February 2024: B (21 Jan) and C (6 Feb); A (10 Jan) and D
  // (16 Mar) lie outside. No pe column.
  Reply reply = Get(fmt::format(
      "/api/analytics/events/aggregate/{}?dimension=ou:{}&stage={}&startDate=2024-01-15&"
      "endDate=2024-02-10",
      kProgram, kCountry, kBirth));
  ASSERT_EQ(reply.status, 200) << reply.body;
  json answer = reply.Json();
  EXPECT_EQ(answer["rows"], json::array({{kCountry, "2"}}));
  EXPECT_EQ(answer["metaData"]["dimensions"]["pe"], json::array());
  // Enrollments of January 2024 by enrollment date: A and B (F is deleted, G another programme).
  EXPECT_EQ(Rows("enrollments", fmt::format("dimension=ou:{}&startDate=2024-01-01&"
                                            "endDate=2024-01-31",
                                            kCountry)),
            json::array({{"2", kCountry}}));
  std::string ou = fmt::format("dimension=ou:{}", kCountry);
  EXPECT_EQ(Refused("events", ou + "&dimension=pe:2024&startDate=2024-01-01"), "E7105");
  EXPECT_EQ(Refused("events", ou + "&startDate=2024-02-01&endDate=2024-01-01"), "E7206");
  EXPECT_EQ(Refused("events", ou + "&startDate=2024-02-01"), "E7205");
  EXPECT_EQ(Refused("events", ou + "&startDate=2024-02-30&endDate=2024-03-01"), "E7135");
}

TEST_F(TrackerAnalyticsTest, OuModeSelectsTheSubtreeTheChildrenOrTheUnit) {
  // 2024 birth events under Bo: A and B at Tonko (level 4), D at Badjia (level 3, Bo's child).
  auto births = [&](const std::string& ou, const std::string& mode) {
    return Rows("events", fmt::format("dimension=ou:{}&filter=pe:2024&stage={}{}", ou, kBirth,
                                      mode.empty() ? "" : "&ouMode=" + mode));
  };
  EXPECT_EQ(births(kBo, ""), json::array({{kBo, "3"}}));
  EXPECT_EQ(births(kBo, "DESCENDANTS"), json::array({{kBo, "3"}}));
  EXPECT_EQ(births(kBo, "CHILDREN"), json::array({{kBo, "1"}}));
  EXPECT_EQ(births(kBo, "SELECTED"), json::array());
  EXPECT_EQ(births("YuQRtpLP10I", "SELECTED"), json::array({{"YuQRtpLP10I", "1"}}));
  EXPECT_EQ(births(kTonko, "SELECTED"), json::array({{kTonko, "2"}}));
  // As a filter too: Bo's children hold D alone.
  EXPECT_EQ(Rows("events",
                 fmt::format("filter=ou:{}&filter=pe:2024&stage={}&ouMode=CHILDREN", kBo, kBirth)),
            json::array({{"1"}}));
}

TEST_F(TrackerAnalyticsTest, ProgramIndicatorItemsWithAggregateData) {
  // gold.program_indicator_value as the pipeline computes it for an average birth weight (2024
  // births: A 3200 and B 2800 in January and D 2400 in March at Bo, C 3500 in February at
  // Bombali): Q1 country (3200 + 2800 + 3500 + 2400) / 4 = 2975, Bo 8400 / 3 = 2800, Bombali
  // 3500; January at Bo 3000. piOtherProg belongs to the other programme.
  Write("silver.program_indicator",
        "SELECT * FROM (VALUES ('piBirthWt01', 'Average birth weight', 'Birth weight', "
        "'IpHINAT79UW', CAST(NULL AS INT)), ('piOtherProg', 'Other', 'Other', 'WSGAb5XwJ3Y', "
        "CAST(NULL AS INT))) AS t(uid, name, short_name, program, decimals)");
  Write("gold.program_indicator_value",
        "SELECT * FROM (VALUES ('piBirthWt01', 'ImspTQPwCqd', 1, '2024Q1', 'Quarterly', 2975.0), "
        "('piBirthWt01', 'O6uvpzGd5pu', 2, '2024Q1', 'Quarterly', 2800.0), ('piBirthWt01', "
        "'fdc6uOvgoji', 2, '2024Q1', 'Quarterly', 3500.0), ('piBirthWt01', 'O6uvpzGd5pu', 2, "
        "'202401', 'Monthly', 3000.0)) AS t(program_indicator, ou, ou_level, pe, period_type, "
        "value)");
  StartServer({});
  std::string query = fmt::format(
      "dimension=ou:{};{}&dimension=pe:202401;2024Q1&dimension=piBirthWt01&aggregateData=true", kBo,
      kBombali);
  Reply reply = Get(fmt::format("/api/analytics/events/aggregate/{}?{}", kProgram, query));
  ASSERT_EQ(reply.status, 200) << reply.body;
  json answer = reply.Json();
  std::vector<std::string> names;
  for (const json& header : answer["headers"]) {
    names.push_back(header["name"]);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"dy", "ou", "pe", "value"}));
  EXPECT_EQ(answer["headers"][0]["column"], "Data");
  std::set<std::vector<std::string>> rows;
  for (const json& row : answer["rows"]) {
    rows.insert(row.get<std::vector<std::string>>());
  }
  EXPECT_EQ(rows,
            (std::set<std::vector<std::string>>{{"piBirthWt01", kBo, "202401", "3000"},
                                                {"piBirthWt01", kBo, "2024Q1", "2800"},
                                                {"piBirthWt01", kBombali, "2024Q1", "3500"}}));
  EXPECT_EQ(answer["metaData"]["items"]["piBirthWt01"]["name"], "Average birth weight");
  // As a filter the country's single value; a filter over two units would combine stored values
  // (refused, as /api/analytics does).
  EXPECT_EQ(Rows("events", fmt::format("dimension=ou:{}&filter=pe:2024Q1&dimension=piBirthWt01&"
                                       "aggregateData=true",
                                       kCountry)),
            json::array({{"piBirthWt01", kCountry, "2975"}}));
  Reply combined =
      Get(fmt::format("/api/analytics/events/aggregate/{}?filter=ou:{};{}&"
                      "dimension=pe:2024Q1&dimension=piBirthWt01&aggregateData=true",
                      kProgram, kBo, kBombali));
  EXPECT_EQ(combined.status, 409) << combined.body;
  Reply csv =
      Get(fmt::format("/api/analytics/events/aggregate/{}.csv?dimension=ou:{}&"
                      "dimension=pe:202401&dimension=piBirthWt01&aggregateData=true",
                      kProgram, kBo));
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.body, fmt::format("Data,Organisation unit,Period,Value\npiBirthWt01,{},202401,"
                                  "3000\n",
                                  kBo));
  std::string pe = fmt::format("dimension=ou:{}&dimension=pe:2024Q1", kCountry);
  EXPECT_EQ(Refused("events", pe + "&dimension=piBirthWt01"), "");  // needs aggregateData
  EXPECT_EQ(Refused("events", pe + "&dimension=piOtherProg&aggregateData=true"), "E7224");
  EXPECT_EQ(Refused("enrollments", pe + "&dimension=piBirthWt01&aggregateData=true"), "");
  EXPECT_EQ(Refused("events", pe + "&dimension=piBirthWt01&aggregateData=true&ouMode=CHILDREN"),
            "");
}

TEST_F(TrackerAnalyticsTest, AScopedTokenCountsOnlyItsSubtree) {
  StartServer({AccessToken{"bo-token", {kBo}}});
  token_ = "bo-token";
  EXPECT_EQ(Refused("events", fmt::format("dimension=ou:{}&dimension=pe:2024", kBombali)), "E7120");
  // Without ou the token's roots are the filter: Bo's birth events of 2024 are A, B and D.
  EXPECT_EQ(Rows("events", fmt::format("filter=pe:2024&stage={}", kBirth)), json::array({{"3"}}));
  // USER_ORGUNIT is Bo: enrollments A, B and D of 2024.
  EXPECT_EQ(Rows("enrollments", "dimension=ou:USER_ORGUNIT&filter=pe:2024"),
            json::array({{"3", kBo}}));
}

}  // namespace
}  // namespace dhl::serve
