// The server end to end over a hand-written lake: silver metadata and gold tables written as Delta
// tables in a temporary folder, a Server on a free loopback port, requests over HTTP. Expected
// figures come from plain queries on the same gold rows (or from the recorded DHIS2 answers), never
// from the code under test.
#include "serve/server.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/hash.h"
#include "base/test_paths.h"
#include "engine/connection.h"
#include "engine/database.h"
#include "http/curl_transport.h"
#include "lake/lake_catalog.h"
#include "lake/temp_lake_fixture.h"

namespace dhl::serve {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Sierra Leone's top of the hierarchy (uids of the demo database) and one clinic.
constexpr char kCountry[] = "ImspTQPwCqd";
constexpr char kBo[] = "O6uvpzGd5pu";
constexpr char kBombali[] = "fdc6uOvgoji";
constexpr char kBadjia[] = "YuQRtpLP10I";
constexpr char kBombaliSebora[] = "KKkLOTpMXGV";
constexpr char kTonko[] = "uNEhNuBUr0i";

const char kOrgUnits[] = R"(
SELECT * FROM (VALUES
  ('ImspTQPwCqd', 'Sierra Leone', 'SL', 1, '/ImspTQPwCqd', NULL, TRUE),
  ('O6uvpzGd5pu', 'Bo', 'Bo district', 2, '/ImspTQPwCqd/O6uvpzGd5pu', 'ImspTQPwCqd', TRUE),
  ('fdc6uOvgoji', 'Bombali', 'Bombali district', 2, '/ImspTQPwCqd/fdc6uOvgoji', 'ImspTQPwCqd', TRUE),
  ('YuQRtpLP10I', 'Badjia', 'Badjia', 3, '/ImspTQPwCqd/O6uvpzGd5pu/YuQRtpLP10I', 'O6uvpzGd5pu', TRUE),
  ('KKkLOTpMXGV', 'Bombali Sebora', 'B. Sebora', 3, '/ImspTQPwCqd/fdc6uOvgoji/KKkLOTpMXGV', 'fdc6uOvgoji', TRUE),
  ('uNEhNuBUr0i', 'Tonko Maternity Clinic', 'Tonko MCHP', 4,
   '/ImspTQPwCqd/O6uvpzGd5pu/YuQRtpLP10I/uNEhNuBUr0i', 'YuQRtpLP10I', TRUE),
  ('uNEhNuBUr0i', 'Tonko (old name)', 'Tonko', 4,
   '/ImspTQPwCqd/O6uvpzGd5pu/YuQRtpLP10I/uNEhNuBUr0i', 'YuQRtpLP10I', FALSE))
  AS t(uid, name, short_name, level, path, parent, is_current))";

// Every (de, split, ou, pe) cell with an arbitrary but fixed value, except the clinic's months,
// whose figures are the recorded ones (ANC 1st visits 10, 20, 7; 2nd visits 11, 14, 9; all Fixed).
// aoc is NULL on all of those (the totals over attribute option combos); ANC 1st visits also have
// per-aoc rows (an indicator's operand #{de.*.aoc} reads them) that no answer may add to the
// totals: 100000 everywhere.
const char kAggregate[] = R"(
WITH ou(ou, ou_level) AS (VALUES ('ImspTQPwCqd', 1), ('O6uvpzGd5pu', 2), ('fdc6uOvgoji', 2),
       ('YuQRtpLP10I', 3), ('KKkLOTpMXGV', 3), ('uNEhNuBUr0i', 4)),
     pe(pe, period_type) AS (VALUES ('202306', 'Monthly'), ('202307', 'Monthly'),
       ('202308', 'Monthly'), ('2023Q3', 'Quarterly'), ('2023', 'Yearly')),
     de(de) AS (VALUES ('fbfJHSPpUQD'), ('cYeuwXTCPkU')),
     split(coc, category, category_option) AS (VALUES (NULL, NULL, NULL),
       ('pq2XI5kz2BY', NULL, NULL), ('PT59n8BQbqM', NULL, NULL),
       (NULL, 'fMZEcRHuamy', 'qkPbeWaFsnU'), (NULL, 'fMZEcRHuamy', 'wbrDrL2aYEc')),
     clinic(de, pe, value) AS (VALUES ('fbfJHSPpUQD', '202306', 10.0), ('fbfJHSPpUQD', '202307', 20.0),
       ('fbfJHSPpUQD', '202308', 7.0), ('cYeuwXTCPkU', '202306', 11.0),
       ('cYeuwXTCPkU', '202307', 14.0), ('cYeuwXTCPkU', '202308', 9.0))
SELECT de, CAST(coc AS VARCHAR) AS coc, CAST(category AS VARCHAR) AS category,
       CAST(category_option AS VARCHAR) AS category_option, CAST(NULL AS VARCHAR) AS aoc, ou,
       ou_level, pe, period_type,
       CAST(1 + (length(de || ou || pe) * 37 + ascii(ou) * 11 + ascii(pe[-1:]) * 7 +
                 length(coalesce(coc, category_option, ''))) % 900 AS DOUBLE) AS value,
       CAST(1 + (ascii(ou) + ascii(pe[-1:])) % 9 AS BIGINT) AS count
FROM de, split, ou, pe
WHERE NOT (ou = 'uNEhNuBUr0i' AND period_type = 'Monthly')
UNION ALL
SELECT c.de, s.coc, s.category, s.category_option, NULL, 'uNEhNuBUr0i', 4, c.pe, 'Monthly',
       c.value, 1
FROM clinic c, (VALUES (NULL, NULL, NULL), ('pq2XI5kz2BY', NULL, NULL),
                       (NULL, 'fMZEcRHuamy', 'qkPbeWaFsnU')) s(coc, category, category_option)
UNION ALL
SELECT 'fbfJHSPpUQD', s.coc, NULL, NULL, 'aocFunded01', ou, ou_level, pe, period_type, 100000.0, 1
FROM ou, pe, (VALUES (NULL), ('pq2XI5kz2BY'), ('PT59n8BQbqM')) s(coc))";

// ANC 1 and 2 coverage: numerator visits, denominator expected pregnancies (71 a year at the
// clinic), the indicator type's factor 100, annualised (x 365 / days) as gold.indicator_value is.
// Rp268JB6Ne4 is a plain ratio kept to 2 decimals.
const char kIndicatorValue[] = R"(
WITH ou(ou, ou_level) AS (VALUES ('ImspTQPwCqd', 1), ('O6uvpzGd5pu', 2), ('fdc6uOvgoji', 2),
       ('YuQRtpLP10I', 3), ('KKkLOTpMXGV', 3)),
     pe(pe, period_type, days) AS (VALUES ('202306', 'Monthly', 30), ('202307', 'Monthly', 31),
       ('202308', 'Monthly', 31), ('2023Q3', 'Quarterly', 92)),
     ind(indicator, annualized) AS (VALUES ('Uvn6LCg7dVU', TRUE), ('OdiHJayrsKo', TRUE),
       ('Rp268JB6Ne4', FALSE)),
     raw AS (SELECT indicator, ou, ou_level, pe, period_type,
                    CAST(3 + (ascii(ou) * 13 + ascii(pe[-1:]) * 5 + length(indicator)) % 500 AS DOUBLE)
                      AS numerator,
                    CAST(40 + (ascii(ou) * 7 + length(ou)) % 300 AS DOUBLE) AS denominator,
                    CASE WHEN annualized THEN 100.0 ELSE 1.0 END AS factor,
                    CASE WHEN annualized THEN 365.0 / days ELSE 1.0 END AS annualisation
             FROM ind, ou, pe),
     clinic(indicator, pe, numerator, days) AS (VALUES ('Uvn6LCg7dVU', '202306', 10.0, 30),
       ('Uvn6LCg7dVU', '202307', 20.0, 31), ('Uvn6LCg7dVU', '202308', 7.0, 31),
       ('OdiHJayrsKo', '202306', 11.0, 30), ('OdiHJayrsKo', '202307', 14.0, 31),
       ('OdiHJayrsKo', '202308', 9.0, 31))
SELECT * EXCLUDE (annualisation), numerator / denominator * factor * annualisation AS value FROM raw
UNION ALL
SELECT indicator, 'uNEhNuBUr0i', 4, pe, 'Monthly', numerator, 71.0, 100.0,
       numerator / 71.0 * 100.0 * 365 / days FROM clinic)";

const char kReportingRate[] = R"(
WITH ou(ou, ou_level) AS (VALUES ('ImspTQPwCqd', 1), ('O6uvpzGd5pu', 2), ('fdc6uOvgoji', 2),
       ('YuQRtpLP10I', 3), ('KKkLOTpMXGV', 3), ('uNEhNuBUr0i', 4)),
     pe(pe, period_type) AS (VALUES ('202306', 'Monthly'), ('202307', 'Monthly'),
       ('202308', 'Monthly')),
     raw AS (SELECT 'BfMAe6Itzgt' AS data_set, ou, ou_level, pe, period_type,
                    CAST(5 + ascii(ou) % 20 AS DOUBLE) AS expected,
                    CAST((ascii(ou) + ascii(pe[-1:])) % (5 + ascii(ou) % 20) AS DOUBLE) AS actual
             FROM ou, pe)
SELECT *, floor(actual / 2) AS actual_on_time, actual / expected * 100 AS rate,
       floor(actual / 2) / expected * 100 AS rate_on_time FROM raw)";

struct TableRows {
  const char* table;
  const char* sql;
};

const TableRows kTables[] = {
    {"silver.org_unit", kOrgUnits},
    {"silver.org_unit_group", "SELECT * FROM (VALUES ('RXL3lPSK8oG', 'Clinics')) t(uid, name)"},
    {"silver.org_unit_group_member",
     "SELECT * FROM (VALUES ('RXL3lPSK8oG', 'uNEhNuBUr0i'), ('RXL3lPSK8oG', 'KKkLOTpMXGV')) "
     "t(group_uid, ou)"},
    {"silver.data_element",
     "SELECT * FROM (VALUES ('fbfJHSPpUQD', 'ANC 1st visit', 'ANC1', 'SUM', 'fMZEcRHuamy1', "
     "'NUMBER'), ('cYeuwXTCPkU', 'ANC 2nd visit', 'ANC2', 'SUM', 'fMZEcRHuamy1', 'NUMBER'), "
     "('h0xKKjijTdI', 'Expected pregnancies', 'Exp. pregnancies', 'AVERAGE_SUM_ORG_UNIT', "
     "'bjDvmb4bfuf', 'NUMBER')) t(uid, name, short_name, aggregation_type, category_combo, "
     "value_type)"},
    {"silver.category_option_combo",
     "SELECT * FROM (VALUES ('pq2XI5kz2BY', 'Fixed', 'fMZEcRHuamy1'), ('PT59n8BQbqM', "
     "'Outreach', 'fMZEcRHuamy1'), ('HllvX50cXC0', 'default', 'bjDvmb4bfuf')) t(uid, name, "
     "category_combo)"},
    {"silver.category",
     "SELECT * FROM (VALUES ('fMZEcRHuamy', 'Location Fixed/Outreach')) t(uid, name)"},
    {"silver.category_option",
     "SELECT * FROM (VALUES ('qkPbeWaFsnU', 'Fixed'), ('wbrDrL2aYEc', 'Outreach')) t(uid, name)"},
    {"silver.category_option_combo_option",
     "SELECT * FROM (VALUES ('pq2XI5kz2BY', 'fMZEcRHuamy', 'qkPbeWaFsnU'), ('PT59n8BQbqM', "
     "'fMZEcRHuamy', 'wbrDrL2aYEc')) t(coc, category, category_option)"},
    {"silver.indicator",
     "SELECT * FROM (VALUES ('Uvn6LCg7dVU', 'ANC 1 Coverage', 'ANC 1 Cov', "
     "'#{fbfJHSPpUQD}', '#{h0xKKjijTdI}', 100.0, TRUE, CAST(NULL AS INTEGER)), "
     "('OdiHJayrsKo', 'ANC 2 Coverage', 'ANC 2 Cov', '#{cYeuwXTCPkU}', '#{h0xKKjijTdI}', "
     "100.0, TRUE, NULL), ('Rp268JB6Ne4', 'ANC 2 / ANC 1', 'ANC ratio', '#{cYeuwXTCPkU}', "
     "'#{fbfJHSPpUQD}', 1.0, FALSE, 2)) t(uid, name, short_name, numerator, denominator, factor, "
     "annualized, decimals)"},
    {"silver.data_set",
     "SELECT * FROM (VALUES ('BfMAe6Itzgt', 'Child Health', 'Monthly')) t(uid, name, "
     "period_type)"},
    {"gold.aggregate", kAggregate},
    {"gold.indicator_value", kIndicatorValue},
    {"gold.reporting_rate", kReportingRate},
    {"silver.program_indicator",
     "SELECT * FROM (VALUES ('piAncVisits', 'ANC visits (tracker)', 'ANC visits', "
     "CAST(NULL AS INTEGER))) t(uid, name, short_name, decimals)"},
    {"gold.program_indicator_value",
     "SELECT * FROM (VALUES ('piAncVisits', 'uNEhNuBUr0i', 4, '202306', 'Monthly', 3.0), "
     "('piAncVisits', 'uNEhNuBUr0i', 4, '202307', 'Monthly', 5.5), ('piAncVisits', "
     "'YuQRtpLP10I', 3, '202306', 'Monthly', 7.0)) t(program_indicator, ou, ou_level, pe, "
     "period_type, value)"},
    {"ops.pipeline_run",
     "SELECT * FROM (VALUES ('run-1', 'succeeded', TIMESTAMPTZ '2024-01-01 10:00:00+00', "
     "TIMESTAMPTZ '2024-01-01 10:05:00+00', TRUE, 12, 0, 0, 3400)) t(run_id, status, started_at, "
     "ended_at, full_refresh, models_succeeded, models_skipped, models_failed, rows_out)"},
    {"ops.model_run",
     "SELECT * FROM (VALUES ('run-1', 'gold.aggregate', 'succeeded', TIMESTAMPTZ '2024-01-01 "
     "10:01:00+00', TIMESTAMPTZ '2024-01-01 10:02:30+00', 100, 55, 0, CAST(NULL AS VARCHAR), "
     "'inputs moved: silver.data_value 3->4', '{\"rules\":2,\"partitions\":[]}')) "
     "t(run_id, model, status, started_at, ended_at, rows_in, rows_out, rows_rejected, error, "
     "run_reason, fingerprints)"},
};

struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
  json Json() const { return json::parse(body); }
};

class ServeTest : public lake::TempLakeFixture {
 protected:
  void SetUp() override {
    TempLakeFixture::SetUp();
    lake_dir_ = LakeDir();
    fs::create_directories(lake_dir_);
    for (const TableRows& table : kTables) {
      Write(table.table, table.sql);
    }
  }

  void TearDown() override {
    transport_.reset();
    server_.reset();
    TempLakeFixture::TearDown();
  }

  void Write(const std::string& name, const std::string& sql,
             lake::WriteMode mode = lake::WriteMode::kOverwrite) {
    lake::LakeCatalog catalog(lake_dir_.string());
    ASSERT_TRUE(catalog.RegisterAll(*connection_).ok());
    auto table_name = lake::ParseTableName(name);
    ASSERT_TRUE(table_name.ok());
    lake::WriteOptions options;
    options.mode = mode;
    auto written = catalog.Table(*table_name).Write(*connection_, sql, options);
    ASSERT_TRUE(written.ok()) << name << ": " << written.status().ToString();
  }

  void StartServer(std::vector<AccessToken> tokens = {},
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(30000),
                   size_t row_limit = 10000) {
    ServerOptions options;
    options.port = 0;
    options.lake_dir = lake_dir_.string();
    options.tokens = std::move(tokens);
    options.query_timeout = timeout;
    options.row_limit = row_limit;
    options.byte_limit = byte_limit_;
    options.sorted_copies = sorted_copies_;
    options.workers = workers_;
    options.queue = queue_;
    server_ = std::make_unique<Server>(options);
    auto port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    base_ = fmt::format("http://127.0.0.1:{}", *port);
    transport_ = std::make_unique<http::CurlTransport>();
  }

  Reply Get(const std::string& path_and_query, const std::string& token = "") {
    http::HttpRequest request;
    request.url = base_ + path_and_query;
    if (!token.empty()) {
      request.headers.emplace_back("Authorization", "Bearer " + token);
    }
    http::StringSink sink;
    Status sent = transport_->Send(request, sink);
    EXPECT_TRUE(sent.ok()) << sent.ToString();
    return {sink.head().status, sink.body(), sink.head().Header("Content-Type").value_or("")};
  }

  Reply Send(const std::string& method, const std::string& path, const http::HeaderList& headers,
             const std::string& body = "") {
    http::HttpRequest request;
    request.method = method;
    request.url = base_ + path;
    request.headers = headers;
    request.body = body;
    http::StringSink sink;
    http::CurlTransport transport;
    Status sent = transport.Send(request, sink);
    EXPECT_TRUE(sent.ok()) << sent.ToString();
    return {sink.head().status, sink.body(), sink.head().Header("Content-Type").value_or("")};
  }

  // The rows of a plain query on the test's own connection over the lake's current tables.
  std::vector<std::vector<std::string>> Plain(const std::string& sql) {
    lake::LakeCatalog catalog(lake_dir_.string());
    auto registered = catalog.RegisterAll(*connection_);
    EXPECT_TRUE(registered.ok());
    auto result = connection_->Query(sql);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    std::vector<std::vector<std::string>> rows;
    if (!result.ok()) {
      return rows;
    }
    for (size_t row = 0; row < result->row_count(); ++row) {
      std::vector<std::string> cells;
      for (size_t column = 0; column < result->column_count(); ++column) {
        cells.push_back(result->GetString(column, row).value_or(""));
      }
      rows.push_back(cells);
    }
    return rows;
  }

  static std::set<std::vector<std::string>> RowSet(const json& answer) {
    std::set<std::vector<std::string>> rows;
    for (const json& row : answer["rows"]) {
      rows.insert(row.get<std::vector<std::string>>());
    }
    return rows;
  }

  static std::set<std::vector<std::string>> RowSet(
      const std::vector<std::vector<std::string>>& rows) {
    return {rows.begin(), rows.end()};
  }

  static json Fixture(const std::string& name) {
    std::ifstream in(std::string(DHL_SOURCE_DIR) + "/tests/data/dhis2/sierra-leone-2.36/" + name);
    EXPECT_TRUE(in.good()) << name;
    return json::parse(in);
  }

  size_t byte_limit_ = 32 << 20;  // ServerOptions::byte_limit of StartServer
  bool sorted_copies_ = true;     // ServerOptions::sorted_copies of StartServer
  size_t workers_ = 64;           // ServerOptions::workers and queue of StartServer
  size_t queue_ = 256;
  // A thread asking /health every `every` until `done`, appending each status (0: no answer).
  std::thread MonitorHealth(const std::atomic<bool>& done, std::vector<int>& health,
                            std::chrono::milliseconds every) {
    return std::thread([this, &done, &health, every] {
      http::CurlTransport transport;
      while (!done) {
        http::HttpRequest request;
        request.url = base_ + "/health";
        request.idle_timeout = std::chrono::milliseconds(5000);
        http::StringSink sink;
        health.push_back(transport.Send(request, sink).ok() ? sink.head().status : 0);
        std::this_thread::sleep_for(every);
      }
    });
  }

  fs::path lake_dir_;  // LakeDir()
  std::unique_ptr<Server> server_;
  std::unique_ptr<http::CurlTransport> transport_;
  std::string base_;
};

// Values as DHIS2 rounds them, written in SQL: one decimal, two below 1, integral values bare.
const char kRoundedDefault[] =
    "regexp_replace(regexp_replace(printf('%.10f', round({0}, CASE WHEN abs({0}) < 1 THEN 2 ELSE 1 "
    "END)), '0+$', ''), '\\.$', '')";

std::string Rounded(const std::string& expression) {
  return fmt::format(fmt::runtime(kRoundedDefault), expression);
}

// ---------------------------------------------------------------------------------------------
// The recorded DHIS2 answers

void ExpectSameShape(const json& ours, const json& recorded) {
  EXPECT_EQ(ours["headers"], recorded["headers"]);
  EXPECT_EQ(ours["metaData"]["dimensions"], recorded["metaData"]["dimensions"]);
  for (const auto& [id, item] : recorded["metaData"]["items"].items()) {
    ASSERT_TRUE(ours["metaData"]["items"].contains(id)) << id;
    EXPECT_EQ(ours["metaData"]["items"][id]["name"], item["name"]) << id;
  }
  std::set<std::vector<std::string>> our_rows;
  std::set<std::vector<std::string>> recorded_rows;
  for (const json& row : ours["rows"]) {
    our_rows.insert(row.get<std::vector<std::string>>());
  }
  for (const json& row : recorded["rows"]) {
    recorded_rows.insert(row.get<std::vector<std::string>>());
  }
  EXPECT_EQ(our_rows, recorded_rows);
  EXPECT_EQ(ours["width"], recorded["width"]);
  EXPECT_EQ(ours["height"], recorded["height"]);
  EXPECT_EQ(ours["headerWidth"], recorded["headerWidth"]);
}

TEST_F(ServeTest, DataElementsWithCoMatchTheRecordedAnswer) {
  StartServer();
  Reply reply =
      Get("/api/analytics?dimension=dx%3AfbfJHSPpUQD%3BcYeuwXTCPkU&dimension=ou%3AuNEhNuBUr0i&"
          "dimension=pe%3A202306&dimension=co%3A&paging=True&ignoreLimit=True&pageSize=1000");
  ASSERT_EQ(reply.status, 200) << reply.body;
  ExpectSameShape(reply.Json(), Fixture("analytics_get_data_elements_1.json"));
}

TEST_F(ServeTest, IndicatorsMatchTheRecordedAnswers) {
  StartServer();
  for (int month = 6; month <= 8; ++month) {
    Reply reply = Get(fmt::format(
        "/api/analytics?dimension=dx%3AUvn6LCg7dVU%3BOdiHJayrsKo&dimension=ou%3AuNEhNuBUr0i&"
        "dimension=pe%3A20230{}&paging=True&ignoreLimit=True&pageSize=1000",
        month));
    ASSERT_EQ(reply.status, 200) << reply.body;
    ExpectSameShape(reply.Json(),
                    Fixture(fmt::format("analytics_get_indicators_{}.json", month - 5)));
  }
}

// ---------------------------------------------------------------------------------------------
// Figures equal the gold figures

TEST_F(ServeTest, DataElementsByDistrictAndMonthEqualGold) {
  StartServer();
  Reply reply = Get(
      "/api/analytics.json?dimension=dx:fbfJHSPpUQD;cYeuwXTCPkU&dimension=pe:202306;202307;202308&"
      "dimension=ou:ImspTQPwCqd;LEVEL-2");
  ASSERT_EQ(reply.status, 200) << reply.body;
  json answer = reply.Json();
  EXPECT_EQ(answer["metaData"]["dimensions"]["ou"], json({kBo, kBombali}));
  EXPECT_EQ(answer["metaData"]["items"]["202307"]["name"], "July 2023");
  auto expected = Plain("SELECT de, ou, pe, " + Rounded("value") +
                        " FROM gold.aggregate WHERE coc IS NULL AND category IS NULL AND aoc IS "
                        "NULL AND ou_level = 2 AND "
                        "period_type = 'Monthly' AND pe LIKE '2023%'");
  EXPECT_EQ(expected.size(), 12u);
  // Headers in DHIS2's order: the request's (dx, pe, ou).
  EXPECT_EQ(answer["headers"][1]["name"], "pe");
  std::set<std::vector<std::string>> ours;
  for (const json& row : answer["rows"]) {
    ours.insert(std::vector<std::string>{row[0].get<std::string>(), row[2].get<std::string>(),
                                         row[1].get<std::string>(), row[3].get<std::string>()});
  }
  EXPECT_EQ(ours, RowSet(expected));
  EXPECT_EQ(answer["height"], 12);
}

TEST_F(ServeTest, IndicatorsRoundAsDhis2AndSkipRoundingKeepsTenDecimals) {
  StartServer();
  Reply rounded =
      Get("/api/analytics?dimension=dx:Uvn6LCg7dVU;Rp268JB6Ne4&dimension=pe:2023Q3&"
          "dimension=ou:LEVEL-3");
  ASSERT_EQ(rounded.status, 200) << rounded.body;
  auto expected = Plain(
      "SELECT indicator, pe, ou, CASE WHEN indicator = 'Rp268JB6Ne4' THEN "
      "regexp_replace(regexp_replace(printf('%.10f', round(value, 2)), '0+$', ''), '\\.$', '') "
      "ELSE " +
      Rounded("value") +
      " END FROM gold.indicator_value WHERE ou_level = 3 AND pe = '2023Q3' AND indicator IN "
      "('Uvn6LCg7dVU', 'Rp268JB6Ne4')");
  EXPECT_EQ(expected.size(), 4u);
  EXPECT_EQ(RowSet(rounded.Json()), RowSet(expected));

  Reply exact =
      Get("/api/analytics?dimension=dx:Uvn6LCg7dVU&dimension=pe:2023Q3&dimension=ou:LEVEL-3&"
          "skipRounding=TRUE");
  ASSERT_EQ(exact.status, 200) << exact.body;
  auto unrounded = Plain(
      "SELECT indicator, pe, ou, value FROM gold.indicator_value WHERE ou_level = 3 AND pe = "
      "'2023Q3' AND indicator = 'Uvn6LCg7dVU'");
  ASSERT_EQ(unrounded.size(), 2u);
  std::map<std::string, double> by_ou;
  for (const auto& row : unrounded) {
    by_ou[row[2]] = std::stod(row[3]);
  }
  for (const json& row : exact.Json()["rows"]) {
    double value = std::stod(row[3].get<std::string>());
    EXPECT_NEAR(value, by_ou[row[2].get<std::string>()], 1e-9);
    EXPECT_NE(row[3].get<std::string>().find('.'), std::string::npos);
  }
}

TEST_F(ServeTest, IncludeNumDenAddsDhis2sColumns) {
  StartServer();
  Reply reply =
      Get("/api/analytics?dimension=dx:Uvn6LCg7dVU&dimension=pe:202306&dimension=ou:uNEhNuBUr0i&"
          "includeNumDen=true");
  ASSERT_EQ(reply.status, 200) << reply.body;
  json answer = reply.Json();
  std::vector<std::string> names;
  for (const json& header : answer["headers"]) {
    names.push_back(header["name"]);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"dx", "pe", "ou", "value", "numerator", "denominator",
                                             "factor", "multiplier", "divisor"}));
  ASSERT_EQ(answer["rows"].size(), 1u);
  EXPECT_EQ(answer["rows"][0][3], "171.4");
  EXPECT_EQ(answer["rows"][0][4], "10");
  EXPECT_EQ(answer["rows"][0][5], "71");
  EXPECT_EQ(answer["rows"][0][6], "100");
  EXPECT_EQ(answer["rows"][0][7], "36500");  // x 365: annualised
  EXPECT_EQ(answer["rows"][0][8], "30");     // the days of June
  EXPECT_EQ(answer["width"], 9);
}

TEST_F(ServeTest, SeveralFilterPeriodsCombineAsDhis2Does) {
  StartServer();
  // A SUM data element over a quarter's months: the sum.
  Reply elements =
      Get("/api/analytics?dimension=dx:fbfJHSPpUQD&dimension=ou:O6uvpzGd5pu;fdc6uOvgoji&"
          "filter=pe:202306;202307;202308");
  ASSERT_EQ(elements.status, 200) << elements.body;
  auto sums = Plain(
      "SELECT de, ou, " + Rounded("sum(value)") +
      " FROM gold.aggregate WHERE coc IS NULL AND category IS NULL AND aoc IS NULL AND de = "
      "'fbfJHSPpUQD' AND ou "
      "IN ('O6uvpzGd5pu', 'fdc6uOvgoji') AND pe IN ('202306', '202307', '202308') GROUP BY de, ou");
  EXPECT_EQ(RowSet(elements.Json()), RowSet(sums));
  EXPECT_EQ(elements.Json()["headers"].size(), 3u);

  // An annualised coverage: visits summed, expected pregnancies (AVERAGE_SUM_ORG_UNIT) averaged
  // over the days, then x 100 x 365 / 92.
  Reply coverage =
      Get("/api/analytics?dimension=dx:Uvn6LCg7dVU&dimension=ou:uNEhNuBUr0i&"
          "filter=pe:202306;202307;202308");
  ASSERT_EQ(coverage.status, 200) << coverage.body;
  ASSERT_EQ(coverage.Json()["rows"].size(), 1u);
  // 37 visits / 71 x 100 x 365 / 92 = 206.75
  EXPECT_EQ(coverage.Json()["rows"][0][2], "206.8");

  // Reporting rates: summed actual over summed expected reports.
  Reply rates =
      Get("/api/analytics?dimension=dx:BfMAe6Itzgt.REPORTING_RATE;BfMAe6Itzgt.ACTUAL_REPORTS&"
          "dimension=ou:LEVEL-2&filter=pe:202306;202307;202308");
  ASSERT_EQ(rates.status, 200) << rates.body;
  auto expected = Plain(
      "SELECT 'BfMAe6Itzgt.REPORTING_RATE', ou, " + Rounded("sum(actual) / sum(expected) * 100") +
      " FROM gold.reporting_rate WHERE ou_level = 2 GROUP BY ou UNION ALL SELECT "
      "'BfMAe6Itzgt.ACTUAL_REPORTS', ou, " +
      Rounded("sum(actual)") + " FROM gold.reporting_rate WHERE ou_level = 2 GROUP BY ou");
  EXPECT_EQ(RowSet(rates.Json()), RowSet(expected));
}

TEST_F(ServeTest, SeveralFilterOrgUnitsAreSummed) {
  StartServer();
  Reply reply =
      Get("/api/analytics?dimension=dx:cYeuwXTCPkU&dimension=pe:202307;202308&"
          "filter=ou:YuQRtpLP10I;KKkLOTpMXGV");
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto expected =
      Plain("SELECT de, pe, " + Rounded("sum(value)") +
            " FROM gold.aggregate WHERE coc IS NULL AND category IS NULL AND aoc IS NULL AND de = "
            "'cYeuwXTCPkU' AND ou "
            "IN ('YuQRtpLP10I', 'KKkLOTpMXGV') AND pe IN ('202307', '202308') GROUP BY de, pe");
  EXPECT_EQ(RowSet(reply.Json()), RowSet(expected));
}

// dx= a program indicator: its value per org unit and period from gold.program_indicator_value;
// a cell combining several stored ones (filters) is refused, not summed (distinct counts do not
// add up).
TEST_F(ServeTest, ProgramIndicatorsAnswerFromGoldAndDoNotCombine) {
  StartServer();
  Reply reply =
      Get("/api/analytics?dimension=dx:piAncVisits&dimension=pe:202306;202307&"
          "dimension=ou:uNEhNuBUr0i;YuQRtpLP10I");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(RowSet(reply.Json()),
            (std::set<std::vector<std::string>>{{"piAncVisits", "202306", "uNEhNuBUr0i", "3"},
                                                {"piAncVisits", "202307", "uNEhNuBUr0i", "5.5"},
                                                {"piAncVisits", "202306", "YuQRtpLP10I", "7"}}));
  EXPECT_EQ(reply.Json()["metaData"]["items"]["piAncVisits"]["name"], "ANC visits (tracker)");
  Reply combined =
      Get("/api/analytics?dimension=dx:piAncVisits&dimension=pe:202306&filter=ou:uNEhNuBUr0i;"
          "YuQRtpLP10I");
  EXPECT_EQ(combined.status, 409) << combined.body;
  EXPECT_NE(combined.body.find("is stored per org unit and period"), std::string::npos)
      << combined.body;
}

TEST_F(ServeTest, OperandsCategoriesAndReportingRatesEqualGold) {
  StartServer();
  Reply operands =
      Get("/api/analytics?dimension=dx:fbfJHSPpUQD.PT59n8BQbqM&dimension=pe:2023&"
          "dimension=ou:LEVEL-2");
  ASSERT_EQ(operands.status, 200) << operands.body;
  EXPECT_EQ(operands.Json()["metaData"]["items"]["fbfJHSPpUQD.PT59n8BQbqM"]["name"],
            "ANC 1st visit Outreach");
  EXPECT_EQ(
      RowSet(operands.Json()),
      RowSet(Plain(
          "SELECT de || '.' || coc, pe, ou, " + Rounded("value") +
          " FROM gold.aggregate WHERE coc = 'PT59n8BQbqM' AND aoc IS NULL AND de = 'fbfJHSPpUQD' "
          "AND pe = '2023' AND ou_level = 2")));

  Reply category =
      Get("/api/analytics?dimension=dx:cYeuwXTCPkU&dimension=fMZEcRHuamy&dimension=pe:2023Q3&"
          "dimension=ou:ImspTQPwCqd");
  ASSERT_EQ(category.status, 200) << category.body;
  json answer = category.Json();
  EXPECT_EQ(answer["headers"][1]["name"], "fMZEcRHuamy");
  EXPECT_EQ(answer["headers"][1]["column"], "Location Fixed/Outreach");
  EXPECT_EQ(answer["metaData"]["dimensions"]["fMZEcRHuamy"], json({"qkPbeWaFsnU", "wbrDrL2aYEc"}));
  EXPECT_EQ(RowSet(answer),
            RowSet(Plain("SELECT de, category_option, pe, ou, " + Rounded("value") +
                         " FROM gold.aggregate WHERE category = 'fMZEcRHuamy' AND de = "
                         "'cYeuwXTCPkU' AND pe = '2023Q3' AND ou = 'ImspTQPwCqd'")));

  Reply rates = Get(
      "/api/analytics?dimension=dx:BfMAe6Itzgt.REPORTING_RATE;BfMAe6Itzgt.REPORTING_RATE_ON_TIME;"
      "BfMAe6Itzgt.ACTUAL_REPORTS;BfMAe6Itzgt.ACTUAL_REPORTS_ON_TIME;BfMAe6Itzgt.EXPECTED_REPORTS&"
      "dimension=pe:202306&dimension=ou:uNEhNuBUr0i");
  ASSERT_EQ(rates.status, 200) << rates.body;
  EXPECT_EQ(RowSet(rates.Json()),
            RowSet(Plain("SELECT data_set || '.' || metric, pe, ou, " + Rounded("v") +
                         " FROM gold.reporting_rate UNPIVOT (v FOR metric IN (rate AS "
                         "'REPORTING_RATE', rate_on_time AS 'REPORTING_RATE_ON_TIME', actual AS "
                         "'ACTUAL_REPORTS', actual_on_time AS 'ACTUAL_REPORTS_ON_TIME', expected "
                         "AS 'EXPECTED_REPORTS')) WHERE pe = '202306' AND ou = 'uNEhNuBUr0i'")));
  EXPECT_EQ(rates.Json()["metaData"]["items"]["BfMAe6Itzgt.REPORTING_RATE"]["name"],
            "Child Health Reporting rate");
}

TEST_F(ServeTest, OrgUnitForms) {
  StartServer();
  auto ou_of = [&](const std::string& ou) {
    Reply reply =
        Get("/api/analytics?dimension=dx:fbfJHSPpUQD&dimension=pe:2023&dimension=ou:" + ou);
    EXPECT_EQ(reply.status, 200) << ou << ": " << reply.body;
    return reply.status == 200 ? reply.Json()["metaData"]["dimensions"]["ou"] : json();
  };
  EXPECT_EQ(ou_of("LEVEL-3"), json({kBadjia, kBombaliSebora}));
  EXPECT_EQ(ou_of("O6uvpzGd5pu;LEVEL-3"), json({kBadjia}));
  EXPECT_EQ(ou_of("OU_GROUP-RXL3lPSK8oG"), json({kBombaliSebora, kTonko}));
  EXPECT_EQ(ou_of("O6uvpzGd5pu;OU_GROUP-RXL3lPSK8oG"), json({kTonko}));
  EXPECT_EQ(ou_of("USER_ORGUNIT"), json({kCountry}));
  EXPECT_EQ(ou_of("USER_ORGUNIT_CHILDREN"), json({kBo, kBombali}));
  EXPECT_EQ(ou_of("USER_ORGUNIT_GRANDCHILDREN"), json({kBadjia, kBombaliSebora}));
  EXPECT_EQ(ou_of("fdc6uOvgoji;O6uvpzGd5pu"), json({kBombali, kBo}));
}

TEST_F(ServeTest, OptionsAndPaths) {
  StartServer();
  const std::string query = "dimension=dx:fbfJHSPpUQD&dimension=pe:202306&dimension=ou:LEVEL-4";
  json meta_less = Get("/api/41/analytics.json?" + query + "&skipMeta=True").Json();
  EXPECT_FALSE(meta_less.contains("metaData"));
  EXPECT_EQ(meta_less["rows"], json::parse(R"([["fbfJHSPpUQD", "202306", "uNEhNuBUr0i", "10"]])"));
  json data_less = Get("/api/analytics?" + query + "&skipData=TRUE").Json();
  EXPECT_EQ(data_less["rows"], json::array());
  EXPECT_EQ(data_less["height"], 0);
  EXPECT_EQ(data_less["metaData"]["dimensions"]["ou"], json({kTonko}));

  json hierarchy = Get("/api/analytics?" + query + "&hierarchyMeta=true&showHierarchy=true").Json();
  EXPECT_EQ(hierarchy["metaData"]["ouHierarchy"][kTonko], "ImspTQPwCqd/O6uvpzGd5pu/YuQRtpLP10I");
  EXPECT_EQ(hierarchy["metaData"]["items"][kBadjia]["name"], "Badjia");
  EXPECT_EQ(hierarchy["metaData"]["ouNameHierarchy"][kTonko],
            "Sierra Leone / Bo / Badjia / Tonko Maternity Clinic");

  json short_names = Get("/api/analytics?" + query + "&displayProperty=SHORTNAME").Json();
  EXPECT_EQ(short_names["metaData"]["items"][kTonko]["name"], "Tonko MCHP");
  EXPECT_EQ(short_names["metaData"]["items"]["fbfJHSPpUQD"]["name"], "ANC1");

  Reply csv = Get("/api/analytics.csv?" + query);
  EXPECT_EQ(csv.status, 200);
  EXPECT_NE(csv.content_type.find("text/csv"), std::string::npos);
  EXPECT_EQ(csv.body, "Data,Period,Organisation unit,Value\nfbfJHSPpUQD,202306,uNEhNuBUr0i,10\n");

  json relative = Get("/api/analytics?dimension=dx:fbfJHSPpUQD&dimension=pe:THIS_YEAR;LAST_YEAR&"
                      "dimension=ou:ImspTQPwCqd")
                      .Json();
  auto now = std::chrono::year_month_day(
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
  int year = static_cast<int>(now.year());
  EXPECT_EQ(relative["metaData"]["dimensions"]["pe"],
            json({std::to_string(year), std::to_string(year - 1)}));
}

TEST_F(ServeTest, CountAndAverageAggregationTypes) {
  StartServer();
  const std::string query =
      "/api/analytics?dimension=dx:fbfJHSPpUQD&dimension=pe:2023Q3&dimension=ou:ImspTQPwCqd";
  auto gold = Plain(
      "SELECT value, count FROM gold.aggregate WHERE de = 'fbfJHSPpUQD' AND aoc IS NULL AND coc IS "
      "NULL AND "
      "category IS NULL AND pe = '2023Q3' AND ou = 'ImspTQPwCqd'");
  ASSERT_EQ(gold.size(), 1u);
  json count = Get(query + "&aggregationType=COUNT").Json();
  EXPECT_EQ(count["rows"][0][3], gold[0][1]);
  json average = Get(query + "&aggregationType=AVERAGE").Json();
  double mean = std::stod(gold[0][0]) / std::stod(gold[0][1]);
  EXPECT_NEAR(std::stod(average["rows"][0][3].get<std::string>()), mean, 0.051);
}

// ---------------------------------------------------------------------------------------------
// Bad parameters

TEST_F(ServeTest, EveryBadParameterGetsADhis2StyleConflict) {
  StartServer();
  struct Case {
    std::string query;
    std::string code;     // empty: no DHIS2 code applies
    std::string message;  // a part of the message
  };
  const std::vector<Case> cases = {
      {"filter=dx:fbfJHSPpUQD&filter=pe:2023", "E7101", "At least one dimension"},
      {"dimension=pe:2023&dimension=ou:ImspTQPwCqd", "E7102", "data dimension item"},
      {"dimension=dx:fbfJHSPpUQD&dimension=ou:ImspTQPwCqd", "E7104", "At least one period"},
      {"dimension=dx:fbfJHSPpUQD&dimension=pe:2023&filter=pe:2022", "E7103",
       "dimension and filter simultaneously: `pe`"},
      {"dimension=dx:fbfJHSPpUQD&dimension=pe:2023&dimension=pe:2022", "E7111",
       "more than once: `pe`"},
      {"dimension=dx:fbfJHSPpUQD&dimension=pe:2023&filter=co", "E7110", "as filter"},
      {"dimension=pe:2023&filter=dx:Uvn6LCg7dVU;OdiHJayrsKo", "E7108", "single indicator"},
      {"dimension=pe:2023&filter=dx:BfMAe6Itzgt.REPORTING_RATE;BfMAe6Itzgt.ACTUAL_REPORTS", "E7109",
       "single reporting rate"},
      {"dimension=dx:Uvn6LCg7dVU&dimension=pe:2023&dimension=co", "E7114", "`co`"},
      {"dimension=dx:fbfJHSPpUQD&dimension=pe:2023&dimension=xyz:a", "E7125", "`xyz`"},
      {"dimension=dx:fbfJHSPpUQD&dimension=pe:2023&dimension=Zzzzzzzzzzz", "E7125",
       "`Zzzzzzzzzzz`"},
      {"dimension=dx:fbfJHSPpUQD&dimension=pe:2023M13", "E7124", "`2023M13`"},
      {"dimension=dx:fbfJHSPpUQD&dimension=pe:LAST_13_MONTHS", "E7124", "`LAST_13_MONTHS`"},
      {"dimension=dx:Xxxxxxxxxxx&dimension=pe:2023", "E7124", "`Xxxxxxxxxxx`"},
      {"dimension=dx:fbfJHSPpUQD.Xxxxxxxxxxx&dimension=pe:2023", "E7124",
       "`fbfJHSPpUQD.Xxxxxxxxxxx`"},
      {"dimension=dx:BfMAe6Itzgt.NOT_A_METRIC&dimension=pe:2023", "E7124", "NOT_A_METRIC"},
      {"dimension=dx:fbf;bad&dimension=pe:2023", "E7124", "`fbf`"},
      {"dimension=dx:fbfJHSPpUQD&dimension=pe:2023&dimension=ou:Xxxxxxxxxxx", "E7124",
       "Org unit does not exist: `Xxxxxxxxxxx`"},
      {"dimension=dx:fbfJHSPpUQD&dimension=pe:2023&dimension=ou:LEVEL-x", "E7124", "`LEVEL-x`"},
      {"dimension=dx:fbfJHSPpUQD&dimension=pe:2023&dimension=ou:LEVEL-9", "E7124", "`ou`"},
      {"dimension=dx:fbfJHSPpUQD&dimension=pe:2023&dimension=ou:OU_GROUP-x", "E7124",
       "`OU_GROUP-x`"},
      {"dimension=dx:fbfJHSPpUQD&dimension=pe:2023&skipMeta=yes", "", "skipMeta"},
      {"dimension=dx:fbfJHSPpUQD&dimension=pe:2023&displayProperty=CODE", "", "displayProperty"},
      {"dimension=dx:fbfJHSPpUQD&dimension=pe:2023&aggregationType=MEDIAN", "", "aggregationType"},
      {"dimension=dx:fbfJHSPpUQD&dimension=pe:2023&aggregationType=MAX", "", "MAX"},
      {"dimension=dx:fbfJHSPpUQD&dimension=pe:2023&dimension=co&dimension=fMZEcRHuamy", "",
       "Only one of co"},
      {"dimension=dx:fbfJHSPpUQD&startDate=2023-01-01&endDate=2023-12-31", "",
       "is not supported: give periods"},
  };
  for (const Case& c : cases) {
    Reply reply = Get("/api/analytics?" + c.query);
    ASSERT_EQ(reply.status, 409) << c.query << ": " << reply.body;
    json body = reply.Json();
    EXPECT_EQ(body["httpStatus"], "Conflict") << c.query;
    EXPECT_EQ(body["httpStatusCode"], 409) << c.query;
    EXPECT_EQ(body["status"], "ERROR") << c.query;
    if (c.code.empty()) {
      EXPECT_FALSE(body.contains("errorCode")) << c.query;
    } else {
      EXPECT_EQ(body.value("errorCode", ""), c.code) << c.query << ": " << body["message"];
    }
    EXPECT_NE(body["message"].get<std::string>().find(c.message), std::string::npos)
        << c.query << ": " << body["message"];
  }
}

// ---------------------------------------------------------------------------------------------
// Access

TEST_F(ServeTest, ADistrictTokenNeverSeesAnotherDistrict) {
  StartServer({{"country-secret", {}}, {"bo-secret", {kBo}}});
  const std::string bo = "bo-secret";
  EXPECT_EQ(Get("/health").status, 200);
  EXPECT_EQ(Get("/api/analytics?dimension=dx:fbfJHSPpUQD&dimension=pe:2023").status, 401);
  EXPECT_EQ(Get("/api/analytics?dimension=dx:fbfJHSPpUQD&dimension=pe:2023", "wrong").status, 401);
  EXPECT_EQ(Get("/api/me").status, 401);
  EXPECT_EQ(Get("/metrics").status, 401);

  // The other district, asked for by uid, as a filter, or among others: refused.
  for (const std::string& ou :
       {std::string("dimension=ou:") + kBombali, std::string("filter=ou:") + kBombali,
        std::string("dimension=ou:") + kBo + ";" + kBombali,
        std::string("dimension=ou:") + kCountry, std::string("dimension=ou:") + kBombaliSebora,
        std::string("dimension=ou:") + kBombali + ";LEVEL-3"}) {
    Reply reply = Get("/api/analytics?dimension=dx:fbfJHSPpUQD&dimension=pe:2023&" + ou, bo);
    EXPECT_EQ(reply.status, 409) << ou;
    EXPECT_EQ(reply.Json().value("errorCode", ""), "E7120") << ou;
  }
  // Levels, groups and USER_ORGUNIT stay inside the district.
  json levels =
      Get("/api/analytics?dimension=dx:fbfJHSPpUQD&dimension=pe:2023&dimension=ou:LEVEL-2;LEVEL-3",
          bo)
          .Json();
  EXPECT_EQ(levels["metaData"]["dimensions"]["ou"], json({kBo, kBadjia}));
  for (const json& row : levels["rows"]) {
    EXPECT_TRUE(row[2] == kBo || row[2] == kBadjia) << row;
  }
  json group = Get("/api/analytics?dimension=dx:fbfJHSPpUQD&dimension=pe:2023&"
                   "dimension=ou:OU_GROUP-RXL3lPSK8oG",
                   bo)
                   .Json();
  EXPECT_EQ(group["metaData"]["dimensions"]["ou"], json({kTonko}));
  json user = Get("/api/analytics?dimension=dx:fbfJHSPpUQD&dimension=pe:2023&dimension=ou:"
                  "USER_ORGUNIT",
                  bo)
                  .Json();
  EXPECT_EQ(user["metaData"]["dimensions"]["ou"], json({kBo}));
  // No ou at all: Bo's figure, not the country's.
  json implicit = Get("/api/analytics?dimension=dx:fbfJHSPpUQD&dimension=pe:2023", bo).Json();
  auto bo_value = Plain("SELECT " + Rounded("value") +
                        " FROM gold.aggregate WHERE de = 'fbfJHSPpUQD' AND aoc IS NULL AND coc IS "
                        "NULL AND category IS NULL AND pe "
                        "= '2023' AND ou = 'O6uvpzGd5pu'");
  ASSERT_EQ(implicit["rows"].size(), 1u);
  EXPECT_EQ(implicit["rows"][0][2], bo_value[0][0]);
  // The country token's cached answer to the same request is not served to Bo.
  json country = Get("/api/analytics?dimension=dx:fbfJHSPpUQD&dimension=pe:2023&dimension=ou:"
                     "USER_ORGUNIT",
                     "country-secret")
                     .Json();
  EXPECT_EQ(country["metaData"]["dimensions"]["ou"], json({kCountry}));
  json again = Get("/api/analytics?dimension=dx:fbfJHSPpUQD&dimension=pe:2023&dimension=ou:"
                   "USER_ORGUNIT",
                   bo)
                   .Json();
  EXPECT_EQ(again["metaData"]["dimensions"]["ou"], json({kBo}));

  // SQL cannot honour a scope: refused to the district, allowed to the country.
  EXPECT_EQ(Get("/api/sql?q=SELECT%201", bo).status, 403);
  EXPECT_EQ(Get("/api/sql?q=SELECT%201", "country-secret").status, 200);
  json me = Get("/api/me", bo).Json();
  EXPECT_EQ(me["organisationUnits"], json::parse(R"([{"id": "O6uvpzGd5pu"}])"));
  // Runs, data quality and metrics carry no org-unit figures.
  EXPECT_EQ(Get("/api/runs", bo).status, 200);
  EXPECT_EQ(Get("/api/dq", bo).status, 200);
  Reply metrics = Get("/metrics", bo);
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.body.find(kBombali), std::string::npos);
}

TEST(ServeStartTest, RefusesAnotherAddressWithoutTokens) {
  ServerOptions options;
  options.bind = "0.0.0.0";
  options.port = 0;
  options.lake_dir = (fs::temp_directory_path() / ("dhl_serve_empty_" + Uuid4())).string();
  Server server(options);
  Result<int> port = server.Start();
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(port.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(port.status().message().find("without tokens"), std::string::npos);
  EXPECT_TRUE(IsLoopback("127.0.0.1"));
  EXPECT_TRUE(IsLoopback("::1"));
  EXPECT_FALSE(IsLoopback("0.0.0.0"));
  EXPECT_FALSE(IsLoopback("10.0.0.1"));
}

// ---------------------------------------------------------------------------------------------
// The cache

TEST_F(ServeTest, CacheIsInvalidatedByANewVersionAndComputesOnceForConcurrentRequests) {
  StartServer();
  const std::string query =
      "/api/analytics?dimension=dx:fbfJHSPpUQD&dimension=pe:2023&dimension=ou:fdc6uOvgoji";
  json first = Get(query).Json();
  int64_t computed = server_->analytics_computations();
  json second = Get(query).Json();
  EXPECT_EQ(server_->analytics_computations(), computed);
  EXPECT_EQ(first, second);
  // A parameter order or boolean spelling does not make another request.
  Get("/api/analytics?dimension=ou:fdc6uOvgoji&dimension=dx:fbfJHSPpUQD&dimension=pe:2023");
  EXPECT_EQ(server_->analytics_computations(), computed);
  // A new version of gold.aggregate: recomputed, with the new figure.
  Write("gold.aggregate",
        "SELECT * REPLACE (CASE WHEN ou = 'fdc6uOvgoji' AND pe = '2023' THEN 4242.0 ELSE value "
        "END AS value) FROM gold.aggregate");
  int64_t before = server_->analytics_computations();
  json third = Get(query).Json();
  EXPECT_EQ(server_->analytics_computations(), before + 1);
  EXPECT_EQ(third["rows"][0][3], "4242");

  // Concurrent identical requests: one computation.
  const std::string fresh =
      "/api/analytics?dimension=dx:cYeuwXTCPkU&dimension=pe:2023&dimension=ou:LEVEL-3";
  int64_t start = server_->analytics_computations();
  std::vector<std::thread> threads;
  std::vector<int> statuses(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      http::CurlTransport transport;
      http::HttpRequest request;
      request.url = base_ + fresh;
      http::StringSink sink;
      if (transport.Send(request, sink).ok()) {
        statuses[i] = sink.head().status;
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(statuses, std::vector<int>(8, 200));
  EXPECT_EQ(server_->analytics_computations(), start + 1);
}

// ---------------------------------------------------------------------------------------------
// SQL

TEST_F(ServeTest, MetadataIsLoadedOncePerVersionOfTheSilverTables) {
  StartServer();
  const std::vector<std::string> queries = {
      "dimension=dx:fbfJHSPpUQD&dimension=pe:2023&dimension=ou:fdc6uOvgoji",
      "dimension=dx:Uvn6LCg7dVU&dimension=pe:202306;202307&dimension=ou:LEVEL-3",
      "dimension=dx:BfMAe6Itzgt.REPORTING_RATE&dimension=pe:202307&dimension=ou:LEVEL-2",
      "dimension=dx:fbfJHSPpUQD&dimension=pe:2023&dimension=fMZEcRHuamy&dimension=ou:ImspTQPwCqd",
  };
  for (const std::string& query : queries) {
    EXPECT_EQ(Get("/api/analytics?" + query).status, 200) << query;
  }
  EXPECT_EQ(server_->metadata_loads(), 1);
  // A gold commit changes no metadata: the next distinct answers still use the loaded copy.
  Write("gold.aggregate", "SELECT * FROM gold.aggregate");
  EXPECT_EQ(Get("/api/analytics?dimension=dx:cYeuwXTCPkU&dimension=pe:2023").status, 200);
  EXPECT_EQ(server_->metadata_loads(), 1);
  // A new version of silver.org_unit is loaded, and answers use its names.
  Write("silver.org_unit",
        "SELECT * REPLACE (CASE WHEN uid = 'fdc6uOvgoji' THEN 'Bombali District' ELSE name END "
        "AS name) FROM silver.org_unit");
  json renamed = Get("/api/analytics?" + queries[0]).Json();
  EXPECT_EQ(server_->metadata_loads(), 2);
  EXPECT_EQ(renamed["metaData"]["items"]["fdc6uOvgoji"]["name"], "Bombali District");
}

std::string Escape(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

TEST_F(ServeTest, SqlAnswersReadOnlyQueriesInJsonAndCsv) {
  StartServer({}, std::chrono::milliseconds(30000), 3);
  Reply reply = Get("/api/sql?q=" + Escape("SELECT uid, level FROM silver.org_unit WHERE "
                                           "is_current ORDER BY level, uid"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  json body = reply.Json();
  EXPECT_EQ(body["columns"][0]["name"], "uid");
  EXPECT_EQ(body["rows"].size(), 3u);  // the row limit
  EXPECT_EQ(body["truncated"], true);
  EXPECT_EQ(body["rows"][0], json::parse(R"(["ImspTQPwCqd", 1])"));
  Reply csv = Get("/api/sql?format=csv&q=" + Escape("SELECT 'a,b' AS x, 2 AS y"));
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body, "x,y\n\"a,b\",2\n");
  // An ENUM column answers its text (DuckDB's row-wise result API reads none).
  Reply enums = Get("/api/sql?format=csv&q=" +
                    Escape("SELECT CAST(x AS ENUM('p', 'q')) AS e FROM (VALUES ('q'), (NULL)) AS "
                           "v(x)"));
  EXPECT_EQ(enums.status, 200) << enums.body;
  EXPECT_EQ(enums.body, "e\nq\n\n");
  Reply explain = Get("/api/sql?q=" + Escape("EXPLAIN SELECT * FROM gold.aggregate"));
  EXPECT_EQ(explain.status, 200) << explain.body;
}

TEST_F(ServeTest, SqlAnswersAreCappedWhileTheyAreProduced) {
  byte_limit_ = 10000;
  StartServer({}, std::chrono::milliseconds(30000), 3);
  // A billion rows (8 GB materialised, past the SQL database's 1 GB memory limit): the engine
  // stops after the row limit.
  Reply many = Get("/api/sql?q=" + Escape("SELECT range AS n FROM range(1000000000);"));
  ASSERT_EQ(many.status, 200) << many.body;
  EXPECT_EQ(many.Json()["rows"], json::parse("[[0], [1], [2]]"));
  EXPECT_EQ(many.Json()["truncated"], true);
  EXPECT_EQ(many.Json()["row_count"], 3);
  Reply csv = Get("/api/sql?format=csv&q=" + Escape("SELECT range AS n FROM range(1000000000)"));
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.body, "n\n0\n1\n2\n");
  // 3 rows of 4,000 characters pass the 10,000-byte cap at the third row.
  for (const char* format : {"json", "csv"}) {
    Reply wide = Get(fmt::format("/api/sql?format={}&q=", format) +
                     Escape("SELECT repeat('x', 4000) AS text FROM range(3)"));
    EXPECT_EQ(wide.status, 400) << wide.body;
    EXPECT_NE(wide.body.find("cap of 10000 bytes at row 3"), std::string::npos) << wide.body;
  }
  Reply fits = Get("/api/sql?q=" + Escape("SELECT repeat('x', 4000) AS text FROM range(2)"));
  EXPECT_EQ(fits.status, 200) << fits.body.substr(0, 200);
  // Statements the wrapper cannot hold still run (capped after they are materialised).
  Reply trailing_comment = Get("/api/sql?q=" + Escape("SELECT 42 AS n; -- the answer"));
  ASSERT_EQ(trailing_comment.status, 200) << trailing_comment.body;
  EXPECT_EQ(trailing_comment.Json()["rows"], json::parse("[[42]]"));
}

TEST_F(ServeTest, SqlRefusesEverythingButReading) {
  StartServer();
  std::string lake_file;
  for (const auto& entry : fs::recursive_directory_iterator(lake_dir_ / "gold" / "aggregate")) {
    if (entry.path().extension() == ".parquet") {
      lake_file = entry.path().string();
    }
  }
  ASSERT_FALSE(lake_file.empty());
  fs::path outside = lake_dir_ / "outside.csv";
  {
    std::ofstream out(outside);
    out << "secret\n42\n";
  }
  const std::vector<std::string> refused = {
      "INSERT INTO gold.aggregate SELECT * FROM gold.aggregate",
      "UPDATE silver.org_unit SET name = 'x'",
      "DELETE FROM silver.org_unit",
      "CREATE TABLE t AS SELECT 1",
      "CREATE VIEW v AS SELECT 1",
      "DROP VIEW silver.org_unit",
      "ALTER VIEW silver.org_unit RENAME TO x",
      "ATTACH '" + (lake_dir_ / "x.duckdb").string() + "' AS x",
      "COPY (SELECT 1) TO '" + (lake_dir_ / "out.csv").string() + "'",
      "SELECT * FROM read_csv('" + outside.string() + "')",
      "SELECT * FROM read_text('/etc/passwd')",
      "SELECT * FROM read_parquet('/etc/passwd')",
      "SELECT * FROM '" + outside.string() + "'",
      "SET enable_external_access = true",
      "SET memory_limit = '1GB'",
      "RESET lock_configuration",
      "PRAGMA enable_profiling",
      "INSTALL httpfs",
      "LOAD httpfs",
      "SELECT 1; SELECT 2",
      "SELECT 1; DROP VIEW silver.org_unit",
      "CALL pragma_version()",
      "CHECKPOINT",
      "EXPORT DATABASE '" + (lake_dir_ / "export").string() + "'",
      // EXPLAIN ANALYZE runs the statement it explains: only a SELECT may be explained.
      "EXPLAIN ANALYZE DROP VIEW gold.aggregate",
      "explain analyse CREATE OR REPLACE VIEW gold.aggregate AS SELECT 1 AS x",
      "/* a comment */ EXPLAIN ANALYZE -- another\n DROP VIEW silver.org_unit",
      "EXPLAIN CREATE TABLE t AS SELECT 1",
      "EXPLAIN ANALYZE SELECT 1; DROP VIEW silver.org_unit",
  };
  for (const std::string& sql : refused) {
    Reply reply = Get("/api/sql?q=" + Escape(sql));
    EXPECT_TRUE(reply.status == 400 || reply.status == 403) << sql << ": " << reply.body;
    EXPECT_EQ(reply.Json()["status"], "ERROR") << sql;
  }
  EXPECT_FALSE(fs::exists(lake_dir_ / "out.csv"));
  EXPECT_FALSE(fs::exists(lake_dir_ / "x.duckdb"));
  // Catalogue pragmas that DuckDB itself turns into SELECTs of table functions only read.
  EXPECT_EQ(Get("/api/sql?q=" + Escape("PRAGMA table_info('silver.org_unit')")).status, 200);
  // The views still answer, and the snapshot's own files stay readable.
  EXPECT_EQ(
      Get("/api/sql?q=" + Escape("SELECT count(*) FROM silver.org_unit")).Json()["rows"][0][0], 7);
  EXPECT_EQ(Get("/api/sql?q=" + Escape("SELECT count(*) FROM gold.aggregate")).status, 200);
  Reply analytics =
      Get("/api/analytics?dimension=dx:fbfJHSPpUQD&dimension=pe:202306&dimension=ou:"
          "LEVEL-4");
  EXPECT_EQ(analytics.Json()["rows"],
            json::parse(R"([["fbfJHSPpUQD", "202306", "uNEhNuBUr0i", "10"]])"));
  Reply own = Get("/api/sql?q=" + Escape("SELECT count(*) FROM read_parquet('" + lake_file + "')"));
  EXPECT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(Get("/api/sql").status, 400);
  EXPECT_EQ(Get("/api/sql?q=SELECT%201&format=xml").status, 400);
}

TEST_F(ServeTest, SqlQueriesStopAtTheTimeout) {
  StartServer({}, std::chrono::milliseconds(200));
  Reply reply = Get("/api/sql?q=" + Escape("SELECT sum(a.range * b.range) FROM range(100000000) a, "
                                           "range(100000000) b"));
  EXPECT_EQ(reply.status, 408) << reply.body;
  EXPECT_NE(reply.body.find("timeout"), std::string::npos);
  EXPECT_EQ(Get("/api/sql?q=SELECT%201").status, 200);  // the connection is usable again
}

// ---------------------------------------------------------------------------------------------
// Hardening

TEST(ServeLoopbackTest, OnlyLoopbackAddressesAreLoopback) {
  const std::vector<std::pair<std::string, bool>> cases = {
      {"127.0.0.1", true},
      {"127.1.2.3", true},
      {"localhost", true},
      {"::1", true},
      {"[::1]", true},
      {"127.evil.com", false},
      {"127.0.0.1.evil.com", false},
      {"127.0.0.256", false},
      {"evil.com", false},
      {"0.0.0.0", false},
      {"10.0.0.1", false},
      {"", false},
  };
  for (const auto& [host, loopback] : cases) {
    EXPECT_EQ(IsLoopback(host), loopback) << host;
  }
}

TEST_F(ServeTest, OpenModeAnswersOnlyLoopbackHostsAndSameSiteRequests) {
  StartServer();
  struct Case {
    std::string method;
    std::string path;
    http::HeaderList headers;
    int status;
  };
  const std::string sql = "/api/sql?q=SELECT%201";
  const std::vector<Case> cases = {
      {"GET", sql, {}, 200},
      {"GET", sql, {{"Host", "localhost:8080"}}, 200},
      {"GET", sql, {{"Host", "evil.com"}}, 403},
      {"GET", sql, {{"Host", "127.evil.com"}}, 403},  // DNS rebinding names the attacker's host
      {"GET",
       "/api/analytics?dimension=dx:fbfJHSPpUQD&dimension=pe:2023",
       {{"Host", "evil.com"}},
       403},
      {"GET", sql, {{"Origin", "http://127.0.0.1:3000"}}, 200},
      {"GET", sql, {{"Origin", "https://evil.com"}}, 403},
      {"GET", sql, {{"Origin", "null"}}, 403},
      {"GET", sql, {{"Sec-Fetch-Site", "cross-site"}}, 403},
      {"GET", sql, {{"Sec-Fetch-Site", "same-origin"}}, 200},
      // A cross-site form post.
      {"POST",
       "/api/sql",
       {{"Content-Type", "application/x-www-form-urlencoded"}, {"Origin", "http://evil.com"}},
       403},
      {"POST", "/api/sql", {{"Content-Type", "application/x-www-form-urlencoded"}}, 200},
      {"GET", "/health", {{"Host", "evil.com"}}, 200},
  };
  for (const Case& c : cases) {
    Reply reply = Send(c.method, c.path, c.headers, c.method == "POST" ? "q=SELECT%201" : "");
    EXPECT_EQ(reply.status, c.status)
        << c.method << " " << c.path << " " << c.headers.size() << ": " << reply.body;
  }
}

TEST_F(ServeTest, RequestBodiesAreLimitedAndNeverInflated) {
  StartServer();
  const http::HeaderList form = {{"Content-Type", "application/x-www-form-urlencoded"}};
  std::string padding(70 * 1024, ' ');
  EXPECT_EQ(Send("POST", "/api/sql", form, "q=SELECT%201").status, 200);
  EXPECT_EQ(Send("POST", "/api/sql", form, "q=SELECT%201" + padding).status, 413);
  EXPECT_EQ(Send("POST", "/api/41/sql", form, "q=SELECT%201" + padding).status, 413);
  http::HeaderList gzip = form;
  gzip.emplace_back("Content-Encoding", "gzip");
  EXPECT_EQ(Send("POST", "/api/sql", gzip, "q=SELECT%201").status, 415);
  EXPECT_EQ(Send("POST", "/api/sql", form, std::string(2 << 20, 'x')).status, 413);
  EXPECT_EQ(Get("/health").status, 200);
}

TEST_F(ServeTest, FailuresAnswerARequestIdNotTheDetail) {
  sorted_copies_ = false;  // a sorted copy would still hold the rows of the deleted files
  StartServer();
  // Data files gone under a committed version: reading them fails inside DuckDB, whose message
  // names the file's absolute path.
  for (const auto& entry :
       fs::recursive_directory_iterator(lake_dir_ / "gold" / "indicator_value")) {
    if (entry.path().extension() == ".parquet") {
      fs::remove(entry.path());
    }
  }
  Reply reply =
      Get("/api/analytics?dimension=dx:Uvn6LCg7dVU&dimension=pe:2023&dimension=ou:"
          "ImspTQPwCqd");
  ASSERT_EQ(reply.status, 500) << reply.body;
  EXPECT_EQ(reply.body.find(lake_dir_.string()), std::string::npos) << reply.body;
  EXPECT_EQ(reply.body.find("parquet"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("request id"), std::string::npos) << reply.body;
}

TEST_F(ServeTest, RunsDoNotQuoteModelErrors) {
  Write("ops.model_run",
        "SELECT 'run-1' AS run_id, 'silver.event' AS model, 'failed' AS status, TIMESTAMPTZ "
        "'2024-01-01 10:01:00+00' AS started_at, TIMESTAMPTZ '2024-01-01 10:02:30+00' AS "
        "ended_at, 100 AS rows_in, 55 AS rows_out, 0 AS rows_rejected, 'Conversion Error: Could "
        "not convert string ''Fatmata Kamara'' to INT32' AS error");
  StartServer();
  Reply runs = Get("/api/runs");
  ASSERT_EQ(runs.status, 200) << runs.body;
  EXPECT_EQ(runs.body.find("Fatmata"), std::string::npos) << runs.body;
  EXPECT_EQ(runs.Json()["model_runs"][0]["status"], "failed");
  EXPECT_TRUE(runs.Json()["model_runs"][0]["error"].is_string());
}

// The peak resident memory of this process (the server runs in it), in bytes.
int64_t PeakResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::stoll(line.substr(6)) * 1024;
    }
  }
  return -1;
}

// 200 concurrent requests mixing analytics, /api/sql and 10 MiB POSTs while new versions are
// committed: every answer is right (the clinic's hand-written June figure, the 7 org unit rows) or
// a clean refusal, /health answers throughout, memory stays under 1.5 GiB (the test's own DuckDB
// included). Each commit makes the next requests build a generation (outside LakeViews' lock, from
// the unchanged tables' snapshots, the /api/sql database only when /api/sql asks).
TEST_F(ServeTest, UnderLoadEveryAnswerIsRightOrACleanRefusal) {
  StartServer();
  constexpr int kClients = 50;
  constexpr int kRequestsEach = 4;
  std::atomic<bool> done{false};
  std::atomic<int> commits{0};
  std::thread writer([&] {
    while (!done) {  // new versions, same figures, as a sync commits them
      Write("gold.aggregate", "SELECT * FROM gold.aggregate");
      ++commits;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  });
  std::vector<int> health;  // /health's statuses, polled every 20 ms until `done`
  std::thread monitor = MonitorHealth(done, health, std::chrono::milliseconds(20));
  std::mutex mutex;
  std::vector<std::string> wrong;
  std::map<int, int> statuses;
  std::vector<std::thread> clients;
  const std::string big(10 << 20, 'x');
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      http::CurlTransport transport;
      for (int i = 0; i < kRequestsEach; ++i) {
        int kind = (c + i) % 3;
        http::HttpRequest request;
        request.idle_timeout = std::chrono::milliseconds(60000);
        if (kind == 0) {
          request.url = base_ + fmt::format(
                                    "/api/analytics?dimension=dx:fbfJHSPpUQD&dimension=pe:202306&"
                                    "dimension=ou:uNEhNuBUr0i&skipMeta={}&includeNumDen={}",
                                    i % 2 == 0 ? "true" : "false", c % 2 == 0 ? "true" : "false");
        } else if (kind == 1) {
          request.url = base_ + "/api/sql?q=" + Escape("SELECT count(*) FROM silver.org_unit");
        } else {
          request.method = "POST";
          request.url = base_ + "/api/sql";
          request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
          request.body = "q=" + big;
        }
        http::StringSink sink;
        Status sent = transport.Send(request, sink);
        int status = sent.ok() ? sink.head().status : 0;
        bool right = false;
        if (status == 503 || (status == 413 && kind == 2)) {
          right = true;
        } else if (status == 200 && kind == 0) {
          json body = json::parse(sink.body(), nullptr, false);
          right = !body.is_discarded() && body["rows"].size() == 1 && body["rows"][0][3] == "10";
        } else if (status == 200 && kind == 1) {
          json body = json::parse(sink.body(), nullptr, false);
          right = !body.is_discarded() && body["rows"][0][0] == 7;
        }
        std::lock_guard<std::mutex> lock(mutex);
        ++statuses[status];
        if (!right) {
          wrong.push_back(fmt::format("{} -> {} {}", request.url.substr(0, 120), status,
                                      sent.ok() ? sink.body().substr(0, 200) : sent.ToString()));
        }
      }
    });
  }
  for (std::thread& client : clients) {
    client.join();
  }
  done = true;
  writer.join();
  monitor.join();
  EXPECT_TRUE(wrong.empty()) << wrong.size() << " wrong answers, the first: " << wrong[0];
  int answered = 0;
  for (const auto& [status, count] : statuses) {
    answered += count;
  }
  EXPECT_EQ(answered, kClients * kRequestsEach);
  EXPECT_GT(commits.load(), 0);
  ASSERT_FALSE(health.empty());
  EXPECT_EQ(std::count(health.begin(), health.end(), 200), static_cast<long>(health.size()));
  EXPECT_LT(PeakResidentBytes(), int64_t{1536} << 20);
}

TEST_F(ServeTest, OverloadedTheRestAreRefusedWith503AndHealthStillAnswers) {
  // 2 workers and a queue of 2 for 30 clients starting together, each keeping its connection (so
  // its worker) for three requests: most connections find the queue full.
  workers_ = 2;
  queue_ = 2;
  StartServer();
  constexpr int kClients = 30;
  constexpr int kRequestsEach = 3;
  std::atomic<bool> done{false};
  std::vector<int> health;  // /health's statuses, polled every 10 ms until `done`
  std::thread monitor = MonitorHealth(done, health, std::chrono::milliseconds(10));
  std::mutex mutex;
  std::condition_variable go;
  bool started = false;
  std::vector<std::string> wrong;
  std::map<int, int> statuses;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      {
        std::unique_lock<std::mutex> lock(mutex);
        go.wait(lock, [&] { return started; });
      }
      http::CurlTransport transport;
      for (int i = 0; i < kRequestsEach; ++i) {
        bool analytics = (c + i) % 2 == 0;
        http::HttpRequest request;
        request.idle_timeout = std::chrono::milliseconds(60000);
        request.url = base_ + (analytics ? std::string("/api/analytics?dimension=dx:fbfJHSPpUQD&"
                                                       "dimension=pe:202306&dimension=ou:"
                                                       "uNEhNuBUr0i&skipMeta=true")
                                         : "/api/sql?q=" + Escape("SELECT count(*) FROM "
                                                                  "silver.org_unit"));
        http::StringSink sink;
        Status sent = transport.Send(request, sink);
        int status = sent.ok() ? sink.head().status : 0;
        bool right = status == 503 && sink.head().Header("Retry-After").has_value();
        if (status == 200) {
          json body = json::parse(sink.body(), nullptr, false);
          right = !body.is_discarded() &&
                  (analytics ? body["rows"].size() == 1 && body["rows"][0][3] == "10"
                             : body["rows"][0][0] == 7);
        }
        std::lock_guard<std::mutex> lock(mutex);
        ++statuses[status];
        if (!right) {
          wrong.push_back(fmt::format("{} -> {} {}", request.url.substr(0, 120), status,
                                      sent.ok() ? sink.body().substr(0, 200) : sent.ToString()));
        }
      }
    });
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    started = true;
  }
  go.notify_all();
  for (std::thread& client : clients) {
    client.join();
  }
  done = true;
  monitor.join();
  EXPECT_TRUE(wrong.empty()) << wrong.size() << " wrong answers, the first: " << wrong[0];
  EXPECT_EQ(statuses[200] + statuses[503], kClients * kRequestsEach);
  EXPECT_GT(statuses[503], 0) << "the pool never filled";
  EXPECT_GT(statuses[200], 0);
  ASSERT_FALSE(health.empty());
  EXPECT_EQ(std::count(health.begin(), health.end(), 200), static_cast<long>(health.size()));
}

// ---------------------------------------------------------------------------------------------
// Monitoring and DHIS2-like objects

TEST_F(ServeTest, RunsDqMetricsSystemInfoAndMe) {
  StartServer();
  json runs = Get("/api/runs").Json();
  ASSERT_EQ(runs["pipeline_runs"].size(), 1u);
  EXPECT_EQ(runs["pipeline_runs"][0]["run_id"], "run-1");
  EXPECT_EQ(runs["pipeline_runs"][0]["started_at"], "2024-01-01T10:00:00+00:00");  // ISO 8601
  EXPECT_EQ(runs["model_runs"][0]["model"], "gold.aggregate");
  EXPECT_EQ(runs["model_runs"][0]["run_reason"], "inputs moved: silver.data_value 3->4");
  EXPECT_FALSE(runs["model_runs"][0].contains("fingerprints"));  // the runner's bookkeeping
  EXPECT_EQ(Get("/api/runs?limit=x").status, 400);
  json dq = Get("/api/dq").Json();
  EXPECT_EQ(dq["dq_results"], json::array());  // no ops.dq_result in this lake
  Reply metrics = Get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.content_type.find("text/plain"), std::string::npos);
  EXPECT_NE(metrics.body.find("dhis2lake_pipeline_runs{status=\"succeeded\"} 1\n"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("dhis2lake_model_run_seconds{model=\"gold.aggregate\"} 90"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("dhis2lake_table_version{table=\"gold.aggregate\"} 0\n"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("dhis2lake_table_freshness_seconds{table=\"gold.aggregate\"}"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("# TYPE dhis2lake_http_request_duration_seconds histogram"),
            std::string::npos);
  json info = Get("/api/system/info").Json();
  EXPECT_EQ(info["calendar"], "iso8601");
  EXPECT_TRUE(info.contains("version"));
  json me = Get("/api/41/me.json").Json();
  EXPECT_EQ(me["organisationUnits"], json::parse(R"([{"id": "ImspTQPwCqd"}])"));
  EXPECT_EQ(Get("/api/nothing").status, 404);
}

}  // namespace
}  // namespace dhl::serve
