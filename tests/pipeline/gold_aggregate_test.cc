// gold.analytics and gold.aggregate (models/gold/{analytics,aggregate}.sql) over hand-made silver
// tables. Every expected figure is worked out by hand from DHIS2's rules (docs/gold_aggregate.md)
// in the comment beside it; the incremental runs are compared with a full rebuild.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dhis2/period.h"
#include "dhis2/period_type.h"
#include "engine/database.h"
#include "http/curl_transport.h"
#include "lake/lake_catalog.h"
#include "pipeline/aggregate_generators.h"
#include "pipeline/model_set.h"
#include "pipeline/pipeline_runner.h"
#include "pipeline/sql_subset_check.h"
#include "serve/analytics.h"
#include "serve/server.h"
#include "tests/pipeline/model_lake_fixture.h"

namespace dhl::pipeline {
namespace {

namespace fs = std::filesystem;

// Org units: W (1) > D (2) > fA, fB (3); an older version of fA under another parent must not
// count.
constexpr const char* kOrgUnits =
    "SELECT uid, level, level1_uid, level2_uid, level3_uid, CAST(NULL AS VARCHAR) AS level4_uid, "
    "CAST(NULL AS VARCHAR) AS level5_uid, CAST(NULL AS VARCHAR) AS level6_uid, "
    "CAST(NULL AS VARCHAR) AS level7_uid, CAST(NULL AS VARCHAR) AS level8_uid, valid_to "
    "FROM (VALUES "
    "('W', 1, 'W', NULL, NULL, NULL), ('D', 2, 'W', 'D', NULL, NULL),"
    "('fA', 3, 'W', 'D', 'fA', NULL), ('fB', 3, 'W', 'D', 'fB', NULL),"
    "('fA', 3, 'W', 'X', 'fA', TIMESTAMPTZ '2020-01-01 00:00:00+00')"
    ") AS t(uid, level, level1_uid, level2_uid, level3_uid, valid_to)";

// silver.period from src/dhis2: the months, quarters and years 2023-2025 with every structure
// column (NULL where the type is not longer than the row's own, as the silver model writes it).
std::string Periods() {
  using dhis2::PeriodType;
  std::vector<std::string> rows;
  dhis2::Date first = *dhis2::ParseDate("2023-01-01");
  dhis2::Date last = *dhis2::ParseDate("2025-12-31");
  std::string columns = "pe, period_type, start_date, end_date, days, year";
  for (PeriodType type : dhis2::kAllPeriodTypes) {
    columns += ", " + std::string(dhis2::PeriodTypeColumnName(type));
  }
  for (PeriodType own : {PeriodType::kMonthly, PeriodType::kQuarterly, PeriodType::kYearly}) {
    for (const dhis2::Period& period : dhis2::PeriodsBetween(own, first, last)) {
      std::string row = "('" + period.id() + "', '" + std::string(dhis2::PeriodTypeName(own)) +
                        "', DATE '" + dhis2::FormatDate(period.start()) + "', DATE '" +
                        dhis2::FormatDate(period.end()) + "', " + std::to_string(period.days()) +
                        ", " + dhis2::FormatDate(period.start()).substr(0, 4);
      for (PeriodType type : dhis2::kAllPeriodTypes) {
        auto structure = type == own ? std::nullopt : dhis2::StructurePeriod(period, type);
        row += structure ? ", '" + structure->id() + "'" : ", CAST(NULL AS VARCHAR)";
      }
      rows.push_back(row + ")");
    }
  }
  std::string values;
  for (const std::string& row : rows) values += (values.empty() ? "" : ", ") + row;
  return "SELECT * FROM (VALUES " + values + ") AS t(" + columns + ")";
}

// Data elements: (uid, value_type, aggregation_type, zero_is_significant); data set M (Monthly)
// holds all but the yearly ones, which are in Y (Yearly).
constexpr const char* kDataElements =
    "('deSum','INTEGER','SUM',false), ('deAvg','INTEGER','AVERAGE',false),"
    "('deAvgSum','INTEGER','AVERAGE_SUM_ORG_UNIT',false), ('deLast','INTEGER','LAST',false),"
    "('deLastAvg','INTEGER','LAST_AVERAGE_ORG_UNIT',false),"
    "('deLastLast','INTEGER','LAST_LAST_ORG_UNIT',false),"
    "('deLip','INTEGER','LAST_IN_PERIOD',false),"
    "('deLipAvg','INTEGER','LAST_IN_PERIOD_AVERAGE_ORG_UNIT',false),"
    "('deFirst','INTEGER','FIRST',false), ('deFirstAvg','INTEGER','FIRST_AVERAGE_ORG_UNIT',false),"
    "('deFirstFirst','INTEGER','FIRST_FIRST_ORG_UNIT',false), ('deMin','INTEGER','MIN',false),"
    "('deMax','INTEGER','MAX',false), ('deMinSum','INTEGER','MIN_SUM_ORG_UNIT',false),"
    "('deMaxSum','INTEGER','MAX_SUM_ORG_UNIT',false), ('deCount','INTEGER','COUNT',false),"
    "('deStd','INTEGER','STDDEV',false), ('deVar','INTEGER','VARIANCE',false),"
    "('deNone','INTEGER','NONE',false), ('deBool','BOOLEAN','AVERAGE',false),"
    "('deZero','INTEGER','SUM',true), ('deText','TEXT','NONE',false),"
    "('dePop','INTEGER','AVERAGE_SUM_ORG_UNIT',false), ('dePopSum','INTEGER','SUM',false)";

// Values (de, pe, ou, coc, stored text); the aoc is always aocDef. cocM/cocF are the options
// optM/optF of category catSex.
constexpr const char* kValues =
    // SUM: D 2024Q1 = 10+5+20+7+3 = 45 (5 values; fB's '0' is dropped), male 37, female 8.
    "('deSum','202401','fA','cocM','10'), ('deSum','202401','fA','cocF','5'),"
    "('deSum','202402','fA','cocM','20'), ('deSum','202401','fB','cocM','7'),"
    "('deSum','202403','fB','cocF','3'), ('deSum','202402','fB','cocM','0'),"
    // AVERAGE keeps zeros: D 2024Q1 = avg(10, 20, 0, 30) = 15; D 202401 = avg(10, 0) = 5.
    "('deAvg','202401','fA','cocM','10'), ('deAvg','202402','fA','cocM','20'),"
    "('deAvg','202401','fB','cocM','0'), ('deAvg','202402','fB','cocM','30'),"
    // AVERAGE_SUM_ORG_UNIT: D 2024Q1 = (100*31 + 200*29 + 300*31 + 50*31) / 91 = 19750 / 91.
    "('deAvgSum','202401','fA','cocM','100'), ('deAvgSum','202402','fA','cocM','200'),"
    "('deAvgSum','202403','fA','cocM','300'), ('deAvgSum','202401','fB','cocM','50'),"
    // LAST: fA 40 (Dec), 50 (Jan), 60 (Feb), its March '0' dropped; fB only 5 in December.
    "('deLast','202312','fA','cocM','40'), ('deLast','202401','fA','cocM','50'),"
    "('deLast','202402','fA','cocM','60'), ('deLast','202403','fA','cocM','0'),"
    "('deLast','202312','fB','cocM','5'),"
    "('deLastAvg','202312','fA','cocM','40'), ('deLastAvg','202401','fA','cocM','50'),"
    "('deLastAvg','202402','fA','cocM','60'), ('deLastAvg','202312','fB','cocM','5'),"
    "('deLastLast','202401','fA','cocM','8'), ('deLastLast','202402','fB','cocM','9'),"
    "('deLip','202312','fA','cocM','70'), ('deLip','202401','fA','cocM','11'),"
    "('deLip','202402','fA','cocM','12'), ('deLip','202312','fB','cocM','3'),"
    "('deLipAvg','202401','fA','cocM','10'), ('deLipAvg','202402','fA','cocM','20'),"
    "('deLipAvg','202401','fB','cocM','4'),"
    "('deFirst','202312','fA','cocM','1'), ('deFirst','202401','fA','cocM','2'),"
    "('deFirst','202402','fB','cocM','3'),"
    "('deFirstAvg','202312','fA','cocM','1'), ('deFirstAvg','202401','fA','cocM','2'),"
    "('deFirstAvg','202402','fB','cocM','3'),"
    "('deFirstFirst','202402','fA','cocM','5'), ('deFirstFirst','202401','fB','cocM','6'),"
    "('deMin','202401','fA','cocM','5'), ('deMin','202402','fA','cocM','3'),"
    "('deMin','202401','fB','cocM','4'),"
    "('deMax','202401','fA','cocM','5'), ('deMax','202402','fA','cocM','3'),"
    "('deMax','202401','fB','cocM','4'),"
    "('deMinSum','202401','fA','cocM','5'), ('deMinSum','202402','fA','cocM','3'),"
    "('deMinSum','202401','fB','cocM','4'), ('deMinSum','202403','fB','cocM','8'),"
    "('deMaxSum','202401','fA','cocM','5'), ('deMaxSum','202402','fA','cocM','3'),"
    "('deMaxSum','202401','fB','cocM','4'), ('deMaxSum','202403','fB','cocM','8'),"
    "('deCount','202401','fA','cocM','5'), ('deCount','202402','fA','cocM','3'),"
    "('deCount','202401','fB','cocM','4'),"
    // STDDEV / VARIANCE over 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations 32.
    "('deStd','202401','fA','cocM','2'), ('deStd','202401','fA','cocF','4'),"
    "('deStd','202402','fA','cocM','4'), ('deStd','202402','fA','cocF','4'),"
    "('deStd','202403','fA','cocM','5'), ('deStd','202401','fB','cocM','5'),"
    "('deStd','202402','fB','cocM','7'), ('deStd','202403','fB','cocM','9'),"
    "('deVar','202401','fA','cocM','2'), ('deVar','202401','fA','cocF','4'),"
    "('deVar','202402','fA','cocM','4'), ('deVar','202402','fA','cocF','4'),"
    "('deVar','202403','fA','cocM','5'), ('deVar','202401','fB','cocM','5'),"
    "('deVar','202402','fB','cocM','7'), ('deVar','202403','fB','cocM','9'),"
    "('deNone','202401','fA','cocM','5'), ('deNone','202401','fB','cocM','5'),"
    "('deNone','202402','fA','cocM','1'), ('deNone','202402','fB','cocM','2'),"
    "('deBool','202401','fA','cocM','true'), ('deBool','202402','fA','cocM','false'),"
    "('deBool','202401','fB','cocM','true'),"
    "('deZero','202401','fA','cocM','0'), ('deZero','202402','fA','cocM','4'),"
    "('deText','202401','fA','cocM','hello'),"
    // Yearly population (AVERAGE_SUM_ORG_UNIT, data set Y): 2024 fA 732 + fB 366; 2025 fA 730.
    "('dePop','2024','fA','cocM','732'), ('dePop','2024','fB','cocM','366'),"
    "('dePop','2025','fA','cocM','730'), ('dePopSum','2024','fA','cocM','100')";

// A test id as a DHIS2 uid (11 letters and digits, the first a letter, as the analytics API
// requires): padded with zeros ('fA' -> 'fA000000000'), or cut ('deFirstFirst' -> 'deFirstFirs').
std::string LongUid(const std::string& id) {
  return id.size() >= 11 ? id.substr(0, 11) : id + std::string(11 - id.size(), '0');
}

// Each quoted id of the silver tables' SQL as LongUid.
std::string LongUids(const std::string& sql) {
  static const std::regex kId(
      "'(de[A-Za-z]+|W|D|X|fA|fB|coc[MF]|aocDef|aoc[AB]|catSex|opt[MF]|ccSex|ccDefault|M|Y)'");
  std::string out;
  auto last = sql.cbegin();
  for (std::sregex_iterator it(sql.begin(), sql.end(), kId), end; it != end; ++it) {
    out.append(last, sql.cbegin() + it->position());
    out += "'" + LongUid((*it)[1].str()) + "'";
    last = sql.cbegin() + it->position() + it->length();
  }
  out.append(last, sql.cend());
  return out;
}

class GoldAggregateTest : public ModelLakeFixture {
 protected:
  void SetUp() override {
    ModelLakeFixture::SetUp();
    UseModels({"gold/analytics.sql", "gold/aggregate.sql"});
  }

  // gold.analytics (`analytics_columns`) and gold.aggregate of the test's lake equal those of
  // `fresh`, a lake built in one full run.
  void ExpectGoldEqualsFresh(lake::LakeCatalog& fresh, const std::string& analytics_columns) {
    for (const char* table : {"gold.analytics", "gold.aggregate"}) {
      std::string columns = std::string(table) == "gold.analytics"
                                ? analytics_columns
                                : "de, coc, category, category_option, aoc, ou, ou_level, pe, "
                                  "period_type, round(value, 9), count, year";
      std::vector<std::string> incremental = Rows(*catalog_, table, columns);
      std::vector<std::string> full = Rows(fresh, table, columns);
      EXPECT_EQ(incremental.size(), full.size()) << table;
      EXPECT_TRUE(incremental == full) << table;
    }
  }

  // gold.predicted_value rows (predictor prA, in analytics) from (de, pe, ou, coc, value) tuples.
  std::string Predictions(const std::string& rows) {
    return "SELECT 'prA' AS predictor, t.de, t.coc, 'aocDef' AS aoc, t.ou, t.pe, "
           "CAST(t.value AS DOUBLE) AS value, CAST(t.value AS VARCHAR) AS value_text, "
           "p.period_type, p.start_date, p.end_date, p.year, TRUE AS in_analytics FROM (VALUES " +
           rows + ") AS t(de, pe, ou, coc, value) JOIN (" + Periods() + ") AS p ON p.pe = t.pe";
  }

  // The last run appended `rows` rows to gold.analytics: no partition rewritten.
  void ExpectAnalyticsAppended(int64_t rows) {
    bool saw_analytics = false;
    for (const ModelResult& model : last_summary_.models) {
      if (model.name.name != "analytics") continue;
      saw_analytics = true;
      EXPECT_EQ(model.status, ModelStatus::kSucceeded);
      EXPECT_EQ(model.full_reason, "");
      EXPECT_EQ(model.rows_in, rows);
      EXPECT_EQ(model.rows_out, rows);
      EXPECT_EQ(model.files_removed, 0);
      EXPECT_EQ(model.files_added, 1);
    }
    EXPECT_TRUE(saw_analytics);
  }

  // Gold equals a lake built in one full run from kValues and `values`, with the predictions
  // `predictions` (tuples for Predictions).
  void ExpectGoldEqualsFullBuild(const std::string& values, const std::string& predictions) {
    lake::LakeCatalog fresh((dir_ / "fresh").string());
    WriteSilver(fresh, std::string(kValues) + ", " + values);
    Write(fresh, "gold.predicted_value", Predictions(predictions), {"year"});
    auto summary = Run(fresh, true);
    ASSERT_TRUE(summary.ok() && summary->ok());
    ExpectGoldEqualsFresh(fresh,
                          "de, coc, aoc, ou, pe, level, level2_uid, monthly, quarterly, "
                          "yearly, value, value_text, days, value_x_days, year");
  }

  // gold.predicted_value's 2025 rewritten with `rows`, as the predictor run rewrites a year.
  void ReplacePredictions2025(const std::string& rows) {
    auto name = lake::ParseTableName("gold.predicted_value");
    lake::WriteOptions options;
    options.mode = lake::WriteMode::kReplacePartitions;
    options.partition_columns = {"year"};
    options.replace_partitions = {{{"year", std::string("2025")}}};
    ASSERT_TRUE(catalog_->Table(*name).Write(*connection_, Predictions(rows), options).ok());
  }

  // Values (de, pe, ou, coc, stored text) under aocDef, or (de, pe, ou, coc, aoc, stored text)
  // when `with_aoc`.
  std::string ValuesSql(const std::string& values, bool with_aoc = false) {
    return "SELECT t.de, t.pe, t.ou, t.coc, " +
           std::string(with_aoc ? "t.aoc" : "'aocDef' AS aoc") +
           ", "
           "CASE WHEN t.text = 'true' THEN 1.0 WHEN t.text = 'false' THEN 0.0 "
           "ELSE TRY_CAST(t.text AS DOUBLE) END AS value, t.text AS value_text, "
           "d.value_type, p.period_type, p.start_date, p.end_date, p.year "
           "FROM (VALUES " +
           values + ") AS t(de, pe, ou, coc, " + (with_aoc ? "aoc, " : "") + "text) JOIN (" +
           Periods() + ") AS p ON p.pe = t.pe JOIN (SELECT * FROM (VALUES " + kDataElements +
           ") AS e(uid, value_type, aggregation_type, zero_is_significant)) AS d ON d.uid = t.de";
  }

  // silver.data_value's 2024 rewritten with the 2024 rows of `values` (ValuesSql's tuples).
  void ReplaceValues2024(const std::string& values) {
    auto name = lake::ParseTableName("silver.data_value");
    lake::WriteOptions options;
    options.mode = lake::WriteMode::kReplacePartitions;
    options.replace_partitions = {{{"year", std::string("2024")}}};
    auto written = catalog_->Table(*name).Write(
        *connection_, "SELECT * FROM (" + ValuesSql(values) + ") WHERE year = 2024", options);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
  }

  void WriteSilver(lake::LakeCatalog& catalog, const std::string& values = kValues,
                   bool with_aoc = false) {
    auto Write = [&](lake::LakeCatalog& into, const std::string& table, const std::string& select,
                     const std::vector<std::string>& partitions = {}) {
      ModelLakeFixture::Write(into, table, long_uids_ ? LongUids(select) : select, partitions);
    };
    Write(catalog, "silver.org_unit", kOrgUnits);
    Write(catalog, "silver.period", Periods());
    Write(catalog, "silver.data_element",
          std::string("SELECT uid, value_type, aggregation_type, 'AGGREGATE' AS domain_type, "
                      "zero_is_significant FROM (VALUES ") +
              kDataElements + ") AS t(uid, value_type, aggregation_type, zero_is_significant)");
    Write(catalog, "silver.data_set",
          "SELECT * FROM (VALUES ('M','Monthly'), ('Y','Yearly')) AS t(uid, period_type)");
    Write(catalog, "silver.data_set_element",
          std::string("SELECT CASE WHEN uid LIKE 'dePop%' THEN 'Y' ELSE 'M' END AS data_set, uid "
                      "AS de FROM (VALUES ") +
              kDataElements + ") AS t(uid, value_type, aggregation_type, zero_is_significant)");
    Write(catalog, "silver.category_option_combo",
          "SELECT * FROM (VALUES ('cocM','ccSex','optM'), ('cocF','ccSex','optF'), "
          "('aocDef','ccDefault',NULL), ('aocA','ccFund',NULL), ('aocB','ccFund',NULL)) AS t(uid, "
          "category_combo, catSex)");
    Write(catalog, "silver.category_option_combo_option",
          "SELECT * FROM (VALUES ('cocM','catSex','optM'), ('cocF','catSex','optF')) AS t(coc, "
          "category, category_option)");
    Write(catalog, "silver.category",
          std::string("SELECT * FROM (VALUES ('catSex', 'Sex', ") +
              (sex_is_data_dimension_ ? "true" : "false") + ")) AS t(uid, name, data_dimension)");
    Write(catalog, "silver.data_value", ValuesSql(values, with_aoc), {"year"});
  }

  // The value of one gold.aggregate total cell (coc and category NULL); NAN when absent.
  double Cell(const std::string& de, const std::string& ou, const std::string& pe,
              const std::string& grain = "coc IS NULL AND category IS NULL") {
    auto rows = Rows(*catalog_, "gold.aggregate", "value",
                     "de = '" + de + "' AND ou = '" + ou + "' AND pe = '" + pe + "' AND " + grain);
    if (rows.empty()) return NAN;
    EXPECT_EQ(rows.size(), 1u) << de << " " << ou << " " << pe;
    return std::stod(rows[0].substr(1, rows[0].size() - 2));
  }
  int64_t Count(const std::string& de, const std::string& ou, const std::string& pe) {
    auto rows = Rows(*catalog_, "gold.aggregate", "count",
                     "de = '" + de + "' AND ou = '" + ou + "' AND pe = '" + pe +
                         "' AND coc IS NULL AND category IS NULL");
    if (rows.size() != 1) return -1;
    return std::stoll(rows[0].substr(1, rows[0].size() - 2));
  }

  // Asks the analytics API (a server on a free loopback port over this lake, stopped after) for
  // the option cells of catSex of `elements` x `periods` x the four units, unrounded
  // (skipRounding): its rows (de, option, pe, ou, value). First writes the metadata the API reads
  // (names, paths) for the lake's uids (long_uids_).
  std::set<std::vector<std::string>> AskOptionCells(const std::set<std::string>& elements,
                                                    const std::set<std::string>& periods) {
    const std::string w = LongUid("W"), d = LongUid("D"), fa = LongUid("fA"), fb = LongUid("fB");
    Write("silver.org_unit",
          fmt::format("SELECT *, uid AS short_name, TRUE AS is_current FROM (VALUES ('{0}', "
                      "'World', 1, '/{0}'), ('{1}', 'District', 2, '/{0}/{1}'), ('{2}', 'Facility "
                      "A', 3, '/{0}/{1}/{2}'), ('{3}', 'Facility B', 3, '/{0}/{1}/{3}')) AS t(uid, "
                      "name, level, path)",
                      w, d, fa, fb));
    Write(
        "silver.data_element",
        LongUids(std::string("SELECT uid, uid AS name, uid AS short_name, aggregation_type, "
                             "'ccSex' AS category_combo, value_type FROM (VALUES ") +
                 kDataElements + ") AS t(uid, value_type, aggregation_type, zero_is_significant)"));
    Write("silver.data_set", LongUids("SELECT * FROM (VALUES ('M', 'Monthly', 'Monthly'), ('Y', "
                                      "'Yearly', 'Yearly')) AS t(uid, name, period_type)"));
    Write("silver.category_option_combo",
          LongUids("SELECT * FROM (VALUES ('cocM', 'Male', 'ccSex'), ('cocF', 'Female', 'ccSex'), "
                   "('aocDef', 'default', 'ccDefault')) AS t(uid, name, category_combo)"));
    Write("silver.category_option",
          LongUids("SELECT * FROM (VALUES ('optM', 'Male'), ('optF', 'Female')) AS t(uid, name)"));
    serve::ServerOptions options;
    options.port = 0;
    options.lake_dir = LakeDir().string();
    options.sorted_copies = false;
    serve::Server server(options);
    auto port = server.Start();
    EXPECT_TRUE(port.ok()) << port.status().ToString();
    std::set<std::vector<std::string>> rows;
    if (!port.ok()) return rows;
    auto join = [](const std::set<std::string>& items) {
      std::string joined;
      for (const std::string& item : items) joined += (joined.empty() ? "" : ";") + item;
      return joined;
    };
    http::CurlTransport transport;
    http::HttpRequest request;
    request.url = fmt::format(
        "http://127.0.0.1:{}/api/analytics?dimension=dx:{}&dimension={}&dimension=pe:{}&"
        "dimension=ou:{}&skipRounding=true&skipMeta=true",
        *port, join(elements), LongUid("catSex"), join(periods), join({w, d, fa, fb}));
    http::StringSink sink;
    Status sent = transport.Send(request, sink);
    EXPECT_TRUE(sent.ok()) << sent.ToString();
    EXPECT_EQ(sink.head().status, 200) << sink.body();
    server.Stop();
    if (sink.head().status != 200) return rows;
    nlohmann::json answer = nlohmann::json::parse(sink.body());
    for (const auto& row : answer["rows"]) {
      rows.insert(row.get<std::vector<std::string>>());
    }
    return rows;
  }

  bool long_uids_ = false;             // WriteSilver writes the ids as uids (LongUids)
  bool sex_is_data_dimension_ = true;  // silver.category's data_dimension of catSex
};

TEST_F(GoldAggregateTest, ModelsStayInTheSharedSqlSubset) {
  for (const char* name : {"analytics", "aggregate"}) {
    auto violations = CheckSharedSubset(ReadModel(std::string("gold/") + name + ".sql"));
    for (const SubsetViolation& violation : violations) {
      ADD_FAILURE() << violation.ToString(name);
    }
  }
}

TEST_F(GoldAggregateTest, AnalyticsRowsCarryTheStructures) {
  WriteSilver(*catalog_);
  RunOk(*catalog_);
  // fA's January male SUM value: level 3 under W > D, the month in 2024Q1, 2024 and the financial
  // year 2023April, 31 days, 10 x 31 = 310, sex male.
  EXPECT_EQ(Rows(*catalog_, "gold.analytics",
                 "level, level1_uid, level2_uid, level3_uid, level4_uid, monthly, quarterly, "
                 "yearly, financialapril, days, value, value_x_days, \"catSex\", year",
                 "de = 'deSum' AND ou = 'fA' AND pe = '202401' AND coc = 'cocM'"),
            (std::vector<std::string>{
                "(3, W, D, fA, NULL, 202401, 2024Q1, 2024, 2023April, 31, 10.0, 310.0, optM, "
                "2024)"}));
  // Zeros: the SUM's and LAST's '0' are not loaded, AVERAGE's is, zeroIsSignificant's only with
  // the setting; the text value is loaded with its text.
  EXPECT_TRUE(Rows(*catalog_, "gold.analytics", "value", "de = 'deSum' AND value = 0").empty());
  EXPECT_TRUE(Rows(*catalog_, "gold.analytics", "value", "de = 'deLast' AND value = 0").empty());
  EXPECT_EQ(Rows(*catalog_, "gold.analytics", "value", "de = 'deAvg' AND value = 0").size(), 1u);
  EXPECT_TRUE(Rows(*catalog_, "gold.analytics", "value", "de = 'deZero' AND value = 0").empty());
  EXPECT_EQ(Rows(*catalog_, "gold.analytics", "value_text, value", "de = 'deText'"),
            (std::vector<std::string>{"(hello, NULL)"}));
  // A yearly value: its own year in `yearly`, no month, 366 days.
  EXPECT_EQ(Rows(*catalog_, "gold.analytics", "monthly, yearly, days, value_x_days",
                 "de = 'dePop' AND ou = 'fB'"),
            (std::vector<std::string>{"(NULL, 2024, 366, 133956.0)"}));

  AggregateParameters parameters;
  parameters.include_zero_values_in_analytics = true;
  run_options_.settings.aggregate = parameters;
  RunOk(*catalog_, /*full=*/true);
  EXPECT_EQ(Rows(*catalog_, "gold.analytics", "value", "de = 'deZero' AND value = 0").size(), 1u);
  EXPECT_TRUE(Rows(*catalog_, "gold.analytics", "value", "de = 'deSum' AND value = 0").empty());
}

TEST_F(GoldAggregateTest, EveryAggregationTypeAsDhis2) {
  WriteSilver(*catalog_);
  RunOk(*catalog_);
  // SUM: D 2024Q1 45 of 5 values; per coc male 10+20+7 = 37, female 5+3 = 8; per option optM
  // 37; fA 202401 15; D 202401 10+5+7 = 22; W 2024 45; the zero did not count.
  EXPECT_DOUBLE_EQ(Cell("deSum", "D", "2024Q1"), 45);
  EXPECT_EQ(Count("deSum", "D", "2024Q1"), 5);
  EXPECT_DOUBLE_EQ(Cell("deSum", "D", "2024Q1", "coc = 'cocM'"), 37);
  EXPECT_DOUBLE_EQ(Cell("deSum", "D", "2024Q1", "coc = 'cocF'"), 8);
  EXPECT_DOUBLE_EQ(Cell("deSum", "D", "2024Q1", "category = 'catSex' AND category_option = 'optM'"),
                   37);
  EXPECT_DOUBLE_EQ(Cell("deSum", "fA", "202401"), 15);
  EXPECT_DOUBLE_EQ(Cell("deSum", "D", "202401"), 22);
  EXPECT_DOUBLE_EQ(Cell("deSum", "W", "2024"), 45);
  EXPECT_EQ(Rows(*catalog_, "gold.aggregate", "ou_level, period_type",
                 "de = 'deSum' AND ou = 'W' AND pe = '2024' AND coc IS NULL AND category IS NULL"),
            (std::vector<std::string>{"(1, Yearly)"}));
  // AVERAGE: plain mean of the rows, zeros kept: avg(10, 20, 0, 30) = 15; January avg(10, 0) = 5.
  EXPECT_DOUBLE_EQ(Cell("deAvg", "D", "2024Q1"), 15);
  EXPECT_DOUBLE_EQ(Cell("deAvg", "D", "202401"), 5);
  EXPECT_DOUBLE_EQ(Cell("deAvg", "fA", "2024Q1"), 15);
  // AVERAGE_SUM_ORG_UNIT: days-weighted over the query period, summed over units:
  // D 2024Q1 = 19750 / 91; fA 2024Q1 = (3100 + 5800 + 9300) / 91 = 200; D 202401 =
  // (3100 + 1550) / 31 = 150; D 2024 = 19750 / 366.
  EXPECT_DOUBLE_EQ(Cell("deAvgSum", "D", "2024Q1"), 19750.0 / 91);
  EXPECT_DOUBLE_EQ(Cell("deAvgSum", "fA", "2024Q1"), 200);
  EXPECT_DOUBLE_EQ(Cell("deAvgSum", "D", "202401"), 150);
  EXPECT_DOUBLE_EQ(Cell("deAvgSum", "D", "2024"), 19750.0 / 366);
  // LAST: each unit's latest value up to the period's end, looking back: 2024Q1 fA 60 (February;
  // March's zero was not loaded) + fB 5 (December 2023) = 65; 202401 50 + 5 = 55; 202403 65;
  // 2023 40 + 5 = 45.
  EXPECT_DOUBLE_EQ(Cell("deLast", "D", "2024Q1"), 65);
  EXPECT_DOUBLE_EQ(Cell("deLast", "D", "202401"), 55);
  EXPECT_DOUBLE_EQ(Cell("deLast", "D", "202403"), 65);
  EXPECT_DOUBLE_EQ(Cell("deLast", "D", "2023"), 45);
  EXPECT_DOUBLE_EQ(Cell("deLast", "fB", "202402"), 5);
  // The look-back continues to the end of the data (2025): fA still 60 + fB 5 in 2025Q4.
  EXPECT_DOUBLE_EQ(Cell("deLast", "D", "2025Q4"), 65);
  // LAST_AVERAGE_ORG_UNIT: the units' latest values averaged: avg(60, 5) = 32.5; 202401
  // avg(50, 5) = 27.5.
  EXPECT_DOUBLE_EQ(Cell("deLastAvg", "D", "2024Q1"), 32.5);
  EXPECT_DOUBLE_EQ(Cell("deLastAvg", "D", "202401"), 27.5);
  // LAST_LAST_ORG_UNIT: the single latest value of all units: fB's February 9; fA alone 8;
  // January only fA's 8.
  EXPECT_DOUBLE_EQ(Cell("deLastLast", "D", "2024Q1"), 9);
  EXPECT_DOUBLE_EQ(Cell("deLastLast", "fA", "2024Q1"), 8);
  EXPECT_DOUBLE_EQ(Cell("deLastLast", "D", "202401"), 8);
  EXPECT_EQ(Count("deLastLast", "D", "2024Q1"), 1);
  // LAST_IN_PERIOD: only values inside the period: 2024Q1 fA 12 (fB has none) = 12; no value in
  // March; 202312 70 + 3 = 73.
  EXPECT_DOUBLE_EQ(Cell("deLip", "D", "2024Q1"), 12);
  EXPECT_TRUE(std::isnan(Cell("deLip", "D", "202403")));
  EXPECT_DOUBLE_EQ(Cell("deLip", "D", "202312"), 73);
  // LAST_IN_PERIOD_AVERAGE_ORG_UNIT: avg(fA 20, fB 4) = 12; January avg(10, 4) = 7.
  EXPECT_DOUBLE_EQ(Cell("deLipAvg", "D", "2024Q1"), 12);
  EXPECT_DOUBLE_EQ(Cell("deLipAvg", "D", "202401"), 7);
  // FIRST: each unit's earliest value in the 10 years before the period's end: 2024Q1 fA 1
  // (December) + fB 3 = 4; 202401 fA 1 only (fB's first ends in February) = 1.
  EXPECT_DOUBLE_EQ(Cell("deFirst", "D", "2024Q1"), 4);
  EXPECT_DOUBLE_EQ(Cell("deFirst", "D", "202401"), 1);
  EXPECT_DOUBLE_EQ(Cell("deFirst", "D", "202312"), 1);
  // FIRST_AVERAGE_ORG_UNIT: avg(1, 3) = 2.
  EXPECT_DOUBLE_EQ(Cell("deFirstAvg", "D", "2024Q1"), 2);
  // FIRST_FIRST_ORG_UNIT: the single earliest of all units: fB's January 6.
  EXPECT_DOUBLE_EQ(Cell("deFirstFirst", "D", "2024Q1"), 6);
  EXPECT_DOUBLE_EQ(Cell("deFirstFirst", "fA", "2024Q1"), 5);
  // MIN and MAX over all values: 3 and 5; January 4 and 5.
  EXPECT_DOUBLE_EQ(Cell("deMin", "D", "2024Q1"), 3);
  EXPECT_DOUBLE_EQ(Cell("deMin", "D", "202401"), 4);
  EXPECT_DOUBLE_EQ(Cell("deMax", "D", "2024Q1"), 5);
  EXPECT_DOUBLE_EQ(Cell("deMax", "D", "202401"), 5);
  // MIN_SUM_ORG_UNIT: each unit's minimum over the period, summed: 3 + 4 = 7; January 5 + 4 = 9.
  // MAX_SUM_ORG_UNIT: 5 + 8 = 13.
  EXPECT_DOUBLE_EQ(Cell("deMinSum", "D", "2024Q1"), 7);
  EXPECT_DOUBLE_EQ(Cell("deMinSum", "D", "202401"), 9);
  EXPECT_DOUBLE_EQ(Cell("deMinSum", "W", "2024"), 7);
  EXPECT_DOUBLE_EQ(Cell("deMaxSum", "D", "2024Q1"), 13);
  // COUNT: 3 values in the quarter, 2 in January.
  EXPECT_DOUBLE_EQ(Cell("deCount", "D", "2024Q1"), 3);
  EXPECT_DOUBLE_EQ(Cell("deCount", "D", "202401"), 2);
  // STDDEV and VARIANCE (sample): 32 / 7 and its root; fA alone 2, 4, 4, 4, 5: mean 3.8, squared
  // deviations 4.8, variance 1.2.
  EXPECT_NEAR(Cell("deVar", "D", "2024Q1"), 32.0 / 7, 1e-9);
  EXPECT_NEAR(Cell("deStd", "D", "2024Q1"), std::sqrt(32.0 / 7), 1e-9);
  EXPECT_NEAR(Cell("deStd", "fA", "2024Q1"), std::sqrt(1.2), 1e-9);
  // One value has no sample deviation: fB's January alone.
  EXPECT_TRUE(std::isnan(Cell("deStd", "fB", "202401")));
  // NONE is not aggregated: one answer only where the values agree (January 5 and 5), none in
  // February (1 and 2); a unit's single value stands.
  EXPECT_DOUBLE_EQ(Cell("deNone", "D", "202401"), 5);
  EXPECT_TRUE(std::isnan(Cell("deNone", "D", "202402")));
  EXPECT_DOUBLE_EQ(Cell("deNone", "fA", "202402"), 1);
  // Boolean AVERAGE: percent of days true: (31 + 0 + 31) / (31 + 29 + 31) * 100; January 100.
  EXPECT_NEAR(Cell("deBool", "D", "2024Q1"), 62.0 / 91 * 100, 1e-9);
  EXPECT_DOUBLE_EQ(Cell("deBool", "D", "202401"), 100);
  // zeroIsSignificant without the setting: only the 4 counts.
  EXPECT_DOUBLE_EQ(Cell("deZero", "D", "2024Q1"), 4);
  EXPECT_EQ(Count("deZero", "D", "2024Q1"), 1);
  // Text is not aggregated.
  EXPECT_TRUE(Rows(*catalog_, "gold.aggregate", "value", "de = 'deText'").empty());
}

TEST_F(GoldAggregateTest, DisaggregationOfYearlyData) {
  WriteSilver(*catalog_);
  RunOk(*catalog_);
  // Yearly AVERAGE_SUM_ORG_UNIT population, queried monthly: computed at 2024 as
  // (732 x 366 + 366 x 366) / 366 = 1098 and copied to every month and quarter of 2024; fA 732.
  EXPECT_DOUBLE_EQ(Cell("dePop", "D", "202402"), 1098);
  EXPECT_DOUBLE_EQ(Cell("dePop", "D", "202407"), 1098);
  EXPECT_DOUBLE_EQ(Cell("dePop", "D", "2024Q3"), 1098);
  EXPECT_DOUBLE_EQ(Cell("dePop", "fA", "202412"), 732);
  EXPECT_DOUBLE_EQ(Cell("dePop", "D", "2024"), 1098);
  EXPECT_DOUBLE_EQ(Cell("dePop", "D", "202503"), 730);
  EXPECT_TRUE(std::isnan(Cell("dePop", "D", "202312")));  // no 2023 value
  // Yearly SUM data is never disaggregated: no month, only the year.
  EXPECT_TRUE(std::isnan(Cell("dePopSum", "fA", "202402")));
  EXPECT_DOUBLE_EQ(Cell("dePopSum", "fA", "2024"), 100);
  // Monthly data is not spread into... there is nothing shorter: monthly SUM data has no daily
  // type configured, and Monthly queries of it are its own months.
  EXPECT_EQ(Rows(*catalog_, "gold.aggregate", "pe",
                 "de = 'deSum' AND ou = 'W' AND coc IS NULL AND category IS NULL "
                 "AND period_type = 'Monthly'"),
            (std::vector<std::string>{"(202401)", "(202402)", "(202403)"}));

  // A financial year spans two data years: FY2024April = 1098 x 9/12 + 730 x 3/12 = 1006;
  // FY2023April has only 2024's part: 1098 (DHIS2 copies the single value).
  AggregateParameters parameters;
  parameters.period_types = {"Monthly", "Quarterly", "Yearly", "FinancialApril"};
  run_options_.settings.aggregate = parameters;
  RunOk(*catalog_, /*full=*/true);
  EXPECT_DOUBLE_EQ(Cell("dePop", "D", "2024April"), 1006);
  EXPECT_DOUBLE_EQ(Cell("dePop", "D", "2023April"), 1098);
  // Monthly SUM data in a financial year: the months whose start lies in it (structure).
  EXPECT_DOUBLE_EQ(Cell("deSum", "D", "2023April"), 45);
  run_options_.settings.aggregate = AggregateParameters{{"Fortnightly"}, true, false};
  auto refused = Run(*catalog_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("'Fortnightly' is not a DHIS2 period type"),
            std::string::npos)
      << refused.status().ToString();
}

TEST_F(GoldAggregateTest, IncrementalEqualsFullRebuild) {
  WriteSilver(*catalog_);
  RunOk(*catalog_);
  // Change 2024 only: fA's January SUM male 10 -> 12 and its LAST February 60 -> 61, and delete
  // fB's March SUM; 2023 and 2025 stay as they are.
  std::string changed = kValues;
  auto replace = [&changed](const std::string& from, const std::string& to) {
    size_t at = changed.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    changed.replace(at, from.size(), to);
  };
  replace("('deSum','202401','fA','cocM','10')", "('deSum','202401','fA','cocM','12')");
  replace("('deLast','202402','fA','cocM','60')", "('deLast','202402','fA','cocM','61')");
  replace("('deSum','202403','fB','cocF','3'), ", "");
  ReplaceValues2024(changed);
  RunOk(*catalog_);
  // gold.analytics recomputed only 2024's rows.
  auto analytics = Rows(*catalog_, "gold.analytics", "de", "year = 2024");
  for (const ModelResult& model : last_summary_.models) {
    if (model.name.name == "analytics") {
      EXPECT_EQ(model.status, ModelStatus::kSucceeded);
      EXPECT_EQ(model.rows_out, static_cast<int64_t>(analytics.size()));
    }
  }
  EXPECT_DOUBLE_EQ(Cell("deSum", "D", "2024Q1"), 44);   // 12 + 5 + 20 + 7
  EXPECT_DOUBLE_EQ(Cell("deLast", "D", "2025Q4"), 66);  // 61 + 5, a year later
  EXPECT_DOUBLE_EQ(Cell("deLast", "D", "2023"), 45);

  // A second lake with the changed values from the start, built in one full run.
  lake::LakeCatalog fresh((dir_ / "fresh").string());
  WriteSilver(fresh, changed);
  auto summary = Run(fresh, true);
  ASSERT_TRUE(summary.ok() && summary->ok());
  ExpectGoldEqualsFresh(fresh,
                        "de, coc, aoc, ou, pe, level, level2_uid, monthly, quarterly, "
                        "value, value_text, days, value_x_days, year");
}

// batch_by de (docs/models.md): with room for one gold.analytics row a piece, every element is
// computed alone, and the rows are those of one query, in a full build and in a run that
// recomputes some years.
TEST_F(GoldAggregateTest, ElementsComputedInPiecesGiveTheRowsOfOneQuery) {
  WriteSilver(*catalog_);
  run_options_.batch_memory_bytes = 1;
  RunOk(*catalog_, true);
  const int64_t elements = static_cast<int64_t>(
      QueryRows(*catalog_, "gold.analytics", "SELECT DISTINCT de FROM gold.analytics").size());
  auto aggregate_pieces = [&] {
    for (const ModelResult& model : last_summary_.models) {
      if (model.name.name == "aggregate") return model.pieces;
    }
    return int64_t{-1};
  };
  EXPECT_GT(elements, 5);
  EXPECT_EQ(aggregate_pieces(), elements);
  EXPECT_DOUBLE_EQ(Cell("deSum", "D", "2024Q1"), 45);
  EXPECT_DOUBLE_EQ(Cell("deLast", "D", "2023"), 45);

  lake::LakeCatalog fresh((dir_ / "fresh").string());
  WriteSilver(fresh);
  run_options_.batch_memory_bytes = 0;
  RunOk(fresh, true);
  EXPECT_EQ(aggregate_pieces(), 0);
  ExpectGoldEqualsFresh(fresh, "de, coc, aoc, ou, pe, value, days, year");

  // 2024 changes (fA's January SUM male 10 -> 12, its LAST February 60 -> 61): the years it
  // reaches are recomputed in pieces, and equal a fresh lake's one query.
  std::string changed = kValues;
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"('deSum','202401','fA','cocM','10')",
                                            "('deSum','202401','fA','cocM','12')"},
        {"('deLast','202402','fA','cocM','60')", "('deLast','202402','fA','cocM','61')"}}) {
    size_t at = changed.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    changed.replace(at, from.size(), to);
  }
  ReplaceValues2024(changed);
  run_options_.batch_memory_bytes = 1;
  RunOk(*catalog_);
  EXPECT_GT(aggregate_pieces(), 1);
  EXPECT_DOUBLE_EQ(Cell("deSum", "D", "2024Q1"), 47);   // 12 + 5 + 20 + 3 + 7
  EXPECT_DOUBLE_EQ(Cell("deLast", "D", "2025Q4"), 66);  // 61 + 5, a year later
  lake::LakeCatalog changed_fresh((dir_ / "changed_fresh").string());
  WriteSilver(changed_fresh, changed);
  run_options_.batch_memory_bytes = 0;
  RunOk(changed_fresh, true);
  ExpectGoldEqualsFresh(changed_fresh, "de, coc, aoc, ou, pe, value, days, year");
}

// gold.aggregate is partitioned by the year its query period ends in, so a changed year reaches
// that year and the later ones (LAST/FIRST look-backs), never an earlier one. Run with and without
// a financial type: FY2024April ends in 2025, so 2025's population reaches it in partition 2025.
TEST_F(GoldAggregateTest, ALaterYearLeavesEarlierPartitionsAlone) {
  for (bool financial : {false, true}) {
    SCOPED_TRACE(financial ? "with FinancialApril" : "Monthly, Quarterly, Yearly");
    std::filesystem::remove_all(dir_ / "incremental");
    std::filesystem::remove_all(dir_ / "fresh");
    lake::LakeCatalog lake((dir_ / "incremental").string());
    AggregateParameters parameters;
    if (financial) parameters.period_types = {"Monthly", "Quarterly", "Yearly", "FinancialApril"};
    run_options_.settings.aggregate = parameters;
    WriteSilver(lake);
    auto first = Run(lake, false);
    ASSERT_TRUE(first.ok() && first->ok());
    std::vector<std::string> before_2025 = Rows(
        lake, "gold.aggregate", "de, coc, category, category_option, ou, pe, value", "year < 2025");
    ASSERT_FALSE(before_2025.empty());
    // 2025's population 730 -> 365: gold.analytics rewrites 2025, gold.aggregate recomputes the
    // partitions of 2025 and later (FY2025April ends in 2026), reading 2024 and 2025 for its
    // ordinary rules.
    std::string changed = kValues;
    std::string from = "('dePop','2025','fA','cocM','730')";
    changed.replace(changed.find(from), from.size(), "('dePop','2025','fA','cocM','365')");
    auto name = lake::ParseTableName("silver.data_value");
    lake::WriteOptions options;
    options.mode = lake::WriteMode::kReplacePartitions;
    options.replace_partitions = {{{"year", std::string("2025")}}};
    ASSERT_TRUE(lake.Table(*name)
                    .Write(*connection_,
                           "SELECT * FROM (" + ValuesSql(changed) + ") WHERE year = 2025", options)
                    .ok());
    auto second = Run(lake, false);
    ASSERT_TRUE(second.ok() && second->ok());
    int64_t rows_from_2025 =
        static_cast<int64_t>(Rows(lake, "gold.aggregate", "de", "year >= 2025").size());
    int64_t partitions_from_2025 = static_cast<int64_t>(
        QueryRows(lake, "gold.aggregate",
                  "SELECT DISTINCT year FROM gold.aggregate WHERE year >= 2025")
            .size());
    bool saw_aggregate = false;
    for (const ModelResult& model : second->models) {
      if (model.name.name != "aggregate") continue;
      saw_aggregate = true;
      EXPECT_EQ(model.status, ModelStatus::kSucceeded);
      EXPECT_EQ(model.full_reason, "");
      EXPECT_EQ(model.rows_out, rows_from_2025);
      // One file per partition: 2025's, and with the financial type 2026's (FY2025April, whose
      // only data year is 2025: its population is 2025's, copied); 2023 and 2024 keep theirs.
      EXPECT_EQ(model.files_removed, partitions_from_2025);
      EXPECT_EQ(model.files_added, partitions_from_2025);
    }
    EXPECT_TRUE(saw_aggregate);
    EXPECT_EQ(partitions_from_2025, financial ? 2 : 1);
    EXPECT_TRUE(Rows(lake, "gold.aggregate", "de, coc, category, category_option, ou, pe, value",
                     "year < 2025") == before_2025);
    catalog_.emplace((dir_ / "incremental").string());
    EXPECT_DOUBLE_EQ(Cell("dePop", "D", "202503"), 365);
    // FY2024April = 1098 x 9/12 + 365 x 3/12 (AnalyticsUtils.calculateYearlyWeightedAverage).
    if (financial) {
      EXPECT_DOUBLE_EQ(Cell("dePop", "D", "2024April"), 1098 * 0.75 + 365 * 0.25);
    }
    lake::LakeCatalog fresh((dir_ / "fresh").string());
    WriteSilver(fresh, changed);
    auto summary = Run(fresh, true);
    ASSERT_TRUE(summary.ok() && summary->ok());
    std::string columns =
        "de, coc, category, category_option, ou, ou_level, pe, period_type, round(value, 9), "
        "count, year";
    EXPECT_TRUE(Rows(lake, "gold.aggregate", columns) == Rows(fresh, "gold.aggregate", columns));
  }
}

// A newly arrived month: silver.period gains the row 202512 (a dimension rewritten, nothing in it
// changed) and silver.data_value its first December values, appended. The added period reaches only
// the values that reference it, all of them new, so gold.analytics appends their rows
// (append_inputs) and leaves its files as they were (before, any change to silver.period rebuilt
// every year); then a changed value of 2025 (a partition rewritten) recomputes 2025 alone. Both
// tables equal a full rebuild.
TEST_F(GoldAggregateTest, ANewMonthAppendsItsRows) {
  WriteSilver(*catalog_);
  Write(*catalog_, "silver.period", "SELECT * FROM (" + Periods() + ") WHERE pe <> '202512'");
  RunOk(*catalog_);
  std::vector<std::string> analytics_2023_2024 =
      Rows(*catalog_, "gold.analytics", "de, pe, ou, value", "year < 2025");
  ASSERT_FALSE(analytics_2023_2024.empty());

  // December arrives: its period row and two values.
  std::string december = "('deSum','202512','fA','cocM','9'), ('deSum','202512','fB','cocF','4')";
  Write(*catalog_, "silver.period", Periods());
  Append(*catalog_, "silver.data_value", ValuesSql(december));
  RunOk(*catalog_);
  ExpectAnalyticsAppended(2);  // the two December values, nothing else read
  // gold.aggregate recomputes 2025 alone (partitioned by the year a period ends in: no earlier
  // year reads December): one file replaced, 2023's and 2024's kept.
  int64_t aggregate_rows_2025 =
      static_cast<int64_t>(Rows(*catalog_, "gold.aggregate", "de", "year = 2025").size());
  for (const ModelResult& model : last_summary_.models) {
    if (model.name.name != "aggregate") continue;
    EXPECT_EQ(model.status, ModelStatus::kSucceeded);
    EXPECT_EQ(model.full_reason, "");
    EXPECT_EQ(model.rows_out, aggregate_rows_2025);
    EXPECT_EQ(model.files_removed, 1);
    EXPECT_EQ(model.files_added, 1);
  }
  EXPECT_DOUBLE_EQ(Cell("deSum", "D", "202512"), 13);  // 9 + 4
  EXPECT_DOUBLE_EQ(Cell("deSum", "D", "2025Q4"), 13);

  // fA's December value 9 -> 11: 2025 of silver.data_value rewritten; gold.analytics recomputes
  // 2025 (fA's population and the two December values), not 2023 or 2024.
  december = "('deSum','202512','fA','cocM','11'), ('deSum','202512','fB','cocF','4')";
  auto name = lake::ParseTableName("silver.data_value");
  lake::WriteOptions options;
  options.mode = lake::WriteMode::kReplacePartitions;
  options.replace_partitions = {{{"year", std::string("2025")}}};
  ASSERT_TRUE(catalog_->Table(*name)
                  .Write(*connection_,
                         "SELECT * FROM (" + ValuesSql(std::string(kValues) + ", " + december) +
                             ") WHERE year = 2025",
                         options)
                  .ok());
  RunOk(*catalog_);
  for (const ModelResult& model : last_summary_.models) {
    if (model.name.name != "analytics") continue;
    EXPECT_EQ(model.rows_in, 3);
    EXPECT_EQ(model.files_removed, 2);  // 2025's file of the first run and the appended one
  }
  EXPECT_DOUBLE_EQ(Cell("deSum", "D", "202512"), 15);  // 11 + 4
  EXPECT_TRUE(Rows(*catalog_, "gold.analytics", "de, pe, ou, value", "year < 2025") ==
              analytics_2023_2024);

  lake::LakeCatalog fresh((dir_ / "fresh").string());
  WriteSilver(fresh, std::string(kValues) + ", " + december);
  auto summary = Run(fresh, true);
  ASSERT_TRUE(summary.ok() && summary->ok());
  ExpectGoldEqualsFresh(fresh,
                        "de, coc, aoc, ou, pe, level, level2_uid, monthly, quarterly, "
                        "yearly, value, value_text, days, value_x_days, year");
}

// The predictions of a newly arrived month join its values (append_key: de, coc, aoc, ou, pe).
// gold.predicted_value's 2025 is rewritten with its November prediction and a new December one
// (as the predictor run rewrites the year); no key of the month's values or prediction is one 2025
// held, so gold.analytics reads the two values and the one prediction alone and appends their rows
// (before, any prediction in 2025 made the run recompute the year). Then a prediction for the key
// of a stored 2025 value (dePop 2025 fA) replaces that value: the year is recomputed. Both equal a
// full rebuild.
TEST_F(GoldAggregateTest, PredictionsOfANewMonthAppendTheirRows) {
  const std::string november = "('deSum','202511','fB','cocM',6)";
  const std::string predictions_2024 = "('deSum','202412','fA','cocF',2)";
  WriteSilver(*catalog_);
  Write(*catalog_, "silver.period", "SELECT * FROM (" + Periods() + ") WHERE pe <> '202512'");
  Write(*catalog_, "gold.predicted_value", Predictions(november + ", " + predictions_2024),
        {"year"});
  RunOk(*catalog_);
  std::vector<std::string> analytics_before_2025 =
      Rows(*catalog_, "gold.analytics", "de, pe, ou, coc, value", "year < 2025");
  ASSERT_EQ(Rows(*catalog_, "gold.analytics", "value", "de = 'deSum' AND pe = '202412'").size(),
            1u);

  // December arrives: its period row, two values and a prediction for a key without a value.
  const std::string december =
      "('deSum','202512','fA','cocM','9'), ('deSum','202512','fB','cocF','4')";
  const std::string december_prediction = "('deSum','202512','fB','cocM',5)";
  Write(*catalog_, "silver.period", Periods());
  Append(*catalog_, "silver.data_value", ValuesSql(december));
  ReplacePredictions2025(november + ", " + december_prediction);
  RunOk(*catalog_);
  ExpectAnalyticsAppended(3);  // the two December values and the December prediction
  EXPECT_DOUBLE_EQ(Cell("deSum", "D", "202512"), 18);  // 9 + 4 + the prediction 5
  EXPECT_DOUBLE_EQ(Cell("deSum", "D", "2025Q4"), 24);  // and November's prediction 6
  EXPECT_TRUE(Rows(*catalog_, "gold.analytics", "de, pe, ou, coc, value", "year < 2025") ==
              analytics_before_2025);

  // A prediction for dePop 2025 at fA, whose stored value 730 it replaces: recomputed, not
  // appended (2025's file of the first run and the appended one replaced).
  const std::string population = "('dePop','2025','fA','cocM',800)";
  ReplacePredictions2025(november + ", " + december_prediction + ", " + population);
  RunOk(*catalog_);
  for (const ModelResult& model : last_summary_.models) {
    if (model.name.name != "analytics") continue;
    EXPECT_EQ(model.status, ModelStatus::kSucceeded);
    EXPECT_EQ(model.files_removed, 2);
  }
  EXPECT_EQ(OneValue("gold.analytics", "value", "de = 'dePop' AND pe = '2025'"), 800.0);

  ExpectGoldEqualsFullBuild(december, november + ", " + december_prediction + ", " + population +
                                          ", " + predictions_2024);
}

// The predictor runs one period ahead: December's prediction (deSum 202512 fB cocM 5) is in
// gold.predicted_value before December's period row arrives, so gold.analytics has no row of it.
// When the period row arrives with December's values, the period reaches that old prediction but
// no row of gold.analytics: the prediction joins the append run (every row of its key is read, so
// the prediction still replaces the stored value of its key, fB cocM 4), and no file is rewritten
// (before, the old prediction made the run recompute 2025). Equal to a full rebuild.
TEST_F(GoldAggregateTest, APeriodRowArrivingAfterItsPredictionsStillAppends) {
  const std::string november = "('deSum','202511','fB','cocM',6)";
  const std::string december_prediction = "('deSum','202512','fB','cocM',5)";
  const std::string predictions_2024 = "('deSum','202412','fA','cocF',2)";
  const std::string gained = "('deSum','202512','fA','cocF',1)";
  WriteSilver(*catalog_);
  Write(*catalog_, "silver.period", "SELECT * FROM (" + Periods() + ") WHERE pe <> '202512'");
  Write(*catalog_, "gold.predicted_value",
        Predictions(november + ", " + december_prediction + ", " + predictions_2024), {"year"});
  RunOk(*catalog_);
  ASSERT_TRUE(Rows(*catalog_, "gold.analytics", "value", "pe = '202512'").empty());
  std::vector<std::string> analytics_before =
      Rows(*catalog_, "gold.analytics", "de, pe, ou, coc, value, year");

  // December arrives: its period row, two values (fB cocM is the old prediction's key) and the
  // predictor's 2025 rewritten with the same rows and one more.
  const std::string december =
      "('deSum','202512','fA','cocM','9'), ('deSum','202512','fB','cocM','4')";
  Write(*catalog_, "silver.period", Periods());
  Append(*catalog_, "silver.data_value", ValuesSql(december));
  ReplacePredictions2025(november + ", " + december_prediction + ", " + gained);
  RunOk(*catalog_);
  // fA cocM 9, the old prediction fB cocM 5 (not the value 4 it replaces), the gained fA cocF 1.
  ExpectAnalyticsAppended(3);
  EXPECT_DOUBLE_EQ(Cell("deSum", "D", "202512"), 15);  // 9 + 5 + 1
  EXPECT_DOUBLE_EQ(Cell("deSum", "D", "2025Q4"), 21);  // and November's prediction 6
  std::vector<std::string> analytics_kept =
      Rows(*catalog_, "gold.analytics", "de, pe, ou, coc, value, year", "pe <> '202512'");
  EXPECT_TRUE(analytics_kept == analytics_before);

  ExpectGoldEqualsFullBuild(
      december, november + ", " + december_prediction + ", " + gained + ", " + predictions_2024);
}

TEST_F(GoldAggregateTest, ValuesOnNonLeafUnitsCountAtTheirLevelAndAbove) {
  // D (level 2) and W (level 1) hold values of their own beside fA's (level 3).
  WriteSilver(*catalog_,
              "('deSum','202401','fA','cocM','10'), ('deSum','202401','D','cocM','100'),"
              "('deSum','202401','W','cocF','1000'),"
              "('deAvg','202401','fA','cocM','10'), ('deAvg','202401','D','cocM','40'),"
              "('deMinSum','202401','fA','cocM','5'), ('deMinSum','202402','fA','cocM','3'),"
              "('deMinSum','202401','D','cocM','7'), ('deMinSum','202402','D','cocM','2'),"
              "('deMax','202401','fA','cocM','5'), ('deMax','202402','D','cocM','9')");
  RunOk(*catalog_);
  // SUM: fA 10; D 10 + its own 100 = 110; W 110 + its own 1000 = 1110 (female 1000 only at W).
  EXPECT_DOUBLE_EQ(Cell("deSum", "fA", "202401"), 10);
  EXPECT_DOUBLE_EQ(Cell("deSum", "D", "202401"), 110);
  EXPECT_EQ(Count("deSum", "D", "202401"), 2);
  EXPECT_DOUBLE_EQ(Cell("deSum", "W", "202401"), 1110);
  EXPECT_DOUBLE_EQ(Cell("deSum", "W", "2024Q1", "coc = 'cocM'"), 110);
  EXPECT_DOUBLE_EQ(Cell("deSum", "W", "2024Q1", "coc = 'cocF'"), 1000);
  EXPECT_TRUE(std::isnan(Cell("deSum", "D", "202401", "coc = 'cocF'")));
  EXPECT_EQ(Rows(*catalog_, "gold.aggregate", "ou_level",
                 "de = 'deSum' AND ou = 'D' AND pe = '202401' AND coc IS NULL AND category IS "
                 "NULL"),
            (std::vector<std::string>{"(2)"}));
  // AVERAGE: avg(10, 40) = 25 at D and W, each value counted once.
  EXPECT_DOUBLE_EQ(Cell("deAvg", "D", "202401"), 25);
  EXPECT_DOUBLE_EQ(Cell("deAvg", "W", "202401"), 25);
  EXPECT_EQ(Count("deAvg", "W", "202401"), 2);
  // MIN_SUM_ORG_UNIT in 2024Q1: fA's minimum 3 plus D's own minimum 2 = 5, at D and W; fA 3.
  EXPECT_DOUBLE_EQ(Cell("deMinSum", "fA", "2024Q1"), 3);
  EXPECT_DOUBLE_EQ(Cell("deMinSum", "D", "2024Q1"), 5);
  EXPECT_DOUBLE_EQ(Cell("deMinSum", "W", "2024Q1"), 5);
  // MAX over fA's 5 and D's own 9: 9 at D and W, 5 at fA.
  EXPECT_DOUBLE_EQ(Cell("deMax", "W", "2024Q1"), 9);
  EXPECT_DOUBLE_EQ(Cell("deMax", "fA", "2024Q1"), 5);
  // No cell for fB, which has no value.
  EXPECT_TRUE(Rows(*catalog_, "gold.aggregate", "value", "ou = 'fB'").empty());
}

// A cell of a value's own period holds that value alone when its element's values carry one
// attribute option combo and one period type (single_member: the partial sums are the value's,
// not grouped); with a second attribute option combo the month of fA holds two values.
TEST_F(GoldAggregateTest, AnOwnPeriodCellOfSeveralAttributeOptionCombosAddsThemUp) {
  const std::string values =
      "('deSum','202401','fA','cocM','10'), ('deSum','202402','fA','cocM','20'),"
      "('deAvg','202401','fA','cocM','10'), ('deMax','202401','fA','cocM','5'),"
      "('deCount','202401','fA','cocM','7'), ('deCount','202401','fB','cocM','8')";
  WriteSilver(*catalog_, values);
  // The same keys under a second attribute option combo, aocB, for deSum, deAvg and deMax.
  std::string other = ValuesSql(
      "('deSum','202401','fA','cocM','6'), ('deAvg','202401','fA','cocM','20'),"
      "('deMax','202401','fA','cocM','9')");
  other.replace(other.find("'aocDef' AS aoc"), std::string("'aocDef'").size(), "'aocB'");
  Write(*catalog_, "silver.data_value", ValuesSql(values) + " UNION ALL " + other, {"year"});
  RunOk(*catalog_);
  // SUM: fA's January 10 + 6 = 16 (one cell, count 2), February 20 alone; D and 2024Q1 the same.
  EXPECT_DOUBLE_EQ(Cell("deSum", "fA", "202401"), 16);
  EXPECT_EQ(Count("deSum", "fA", "202401"), 2);
  EXPECT_DOUBLE_EQ(Cell("deSum", "fA", "202401", "coc = 'cocM'"), 16);
  EXPECT_DOUBLE_EQ(Cell("deSum", "fA", "202402"), 20);
  EXPECT_DOUBLE_EQ(Cell("deSum", "D", "202401"), 16);
  EXPECT_DOUBLE_EQ(Cell("deSum", "W", "2024Q1"), 36);
  // AVERAGE avg(10, 20) = 15; MAX max(5, 9) = 9.
  EXPECT_DOUBLE_EQ(Cell("deAvg", "fA", "202401"), 15);
  EXPECT_DOUBLE_EQ(Cell("deMax", "fA", "202401"), 9);
  // COUNT, one attribute option combo: each unit's month its one value, D both.
  EXPECT_DOUBLE_EQ(Cell("deCount", "fA", "202401"), 1);
  EXPECT_DOUBLE_EQ(Cell("deCount", "fB", "202401"), 1);
  EXPECT_DOUBLE_EQ(Cell("deCount", "D", "202401"), 2);
}

TEST_F(GoldAggregateTest, PerOptionCellsAtEveryLevelAndExactForEveryRule) {
  WriteSilver(*catalog_);
  RunOk(*catalog_);
  // Per-option cells above the deepest level for the data-dimension category catSex; at the deepest
  // level (the facilities fA, fB: level 3) only for rules that do not combine across option combos
  // (STDDEV, MIN_SUM_ORG_UNIT, NONE, AVERAGE on booleans, LAST_LAST_ORG_UNIT, ...): the analytics
  // API combines the others from the option-combo rows (OnDemandOptionCellsInTheApi below).
  EXPECT_EQ(QueryRows(*catalog_, "gold.aggregate",
                      "SELECT DISTINCT de FROM gold.aggregate WHERE category IS NOT NULL AND "
                      "ou_level = 3"),
            (std::vector<std::string>{"deBool", "deFirstFirst", "deLastLast", "deMaxSum",
                                      "deMinSum", "deNone", "deStd", "deVar"}));
  EXPECT_FALSE(
      Rows(*catalog_, "gold.aggregate", "de", "category IS NOT NULL AND ou_level = 2").empty());
  // SUM at facility fA: no per-option cell; its option-combo cells, male 10 + 20 = 30, female 5.
  EXPECT_TRUE(std::isnan(
      Cell("deSum", "fA", "2024Q1", "category = 'catSex' AND category_option = 'optM'")));
  EXPECT_DOUBLE_EQ(Cell("deSum", "fA", "2024Q1", "coc = 'cocM'"), 30);  // 10 + 20
  EXPECT_DOUBLE_EQ(Cell("deSum", "fA", "2024Q1", "coc = 'cocF'"), 5);
  EXPECT_DOUBLE_EQ(Cell("deSum", "fA", "2024Q1"), 35);  // 10 + 5 + 20
  const std::string male = "category = 'catSex' AND category_option = 'optM'";
  const std::string female = "category = 'catSex' AND category_option = 'optF'";
  // SUM per option at W: male 10 + 20 + 7 = 37, female 5 + 3 = 8.
  EXPECT_DOUBLE_EQ(Cell("deSum", "W", "2024Q1", male), 37);
  EXPECT_DOUBLE_EQ(Cell("deSum", "W", "2024Q1", female), 8);
  // STDDEV / VARIANCE per option at D: male 2, 4, 5, 5, 7, 9 (n 6, sum 32, sum of squares 200):
  // (200 - 32 * 32 / 6) / 5 = 88 / 15; female 4, 4: 0.
  EXPECT_NEAR(Cell("deVar", "D", "2024Q1", male), 88.0 / 15.0, 1e-9);
  EXPECT_NEAR(Cell("deStd", "D", "2024Q1", male), std::sqrt(88.0 / 15.0), 1e-9);
  EXPECT_NEAR(Cell("deStd", "D", "2024Q1", female), 0, 1e-9);
  // AVERAGE per option at W: avg(10, 20, 0, 30) = 15, all male. deAvg has values of cocM only (a
  // one_combo element): its total and male cells are its cocM cell relabelled, and no female cell.
  EXPECT_DOUBLE_EQ(Cell("deAvg", "W", "2024Q1", male), 15);
  EXPECT_DOUBLE_EQ(Cell("deAvg", "W", "2024Q1"), 15);
  EXPECT_DOUBLE_EQ(Cell("deAvg", "W", "2024Q1", "coc = 'cocM'"), 15);
  EXPECT_TRUE(std::isnan(Cell("deAvg", "W", "2024Q1", female)));
  EXPECT_TRUE(std::isnan(Cell("deAvg", "W", "2024Q1", "coc = 'cocF'")));
  // MIN_SUM_ORG_UNIT per option at D and W: each facility's own minimum, summed: fA min(5, 3) = 3
  // plus fB min(4, 8) = 4 = 7; none at the facility itself.
  EXPECT_DOUBLE_EQ(Cell("deMinSum", "D", "2024Q1", male), 7);
  EXPECT_DOUBLE_EQ(Cell("deMinSum", "W", "2024Q1", male), 7);
  // At the facility itself: its own minimum, min(5, 3) = 3.
  EXPECT_DOUBLE_EQ(Cell("deMinSum", "fA", "2024Q1", male), 3);
  // MAX_SUM_ORG_UNIT: fA max(5, 3) = 5 plus fB max(4, 8) = 8 = 13.
  EXPECT_DOUBLE_EQ(Cell("deMaxSum", "D", "2024Q1", male), 13);
  // NONE: January's two 5s agree (5); February's 1 and 2 do not (no row).
  EXPECT_DOUBLE_EQ(Cell("deNone", "D", "202401", male), 5);
  EXPECT_TRUE(std::isnan(Cell("deNone", "D", "202402", male)));
  // AVERAGE on booleans per option at D in January: fA true and fB true over 31 days each: 100.
  EXPECT_DOUBLE_EQ(Cell("deBool", "D", "202401", male), 100);
}

// Each category option's cell the analytics API answers equals the per-option row gold.aggregate
// held before per-option rows were cut to data-dimension categories above the deepest level
// (every_option_grain, the old rule): same (element, option, period, org unit) cells, same values
// to 10 decimals, at every level, for every aggregatable element; and the facility's on-demand
// cells by hand.
TEST_F(GoldAggregateTest, OnDemandOptionCellsInTheApiEqualThePrecomputedOnes) {
  long_uids_ = true;
  WriteSilver(*catalog_);
  run_options_.settings.aggregate.every_option_grain = true;
  RunOk(*catalog_);
  const std::string category = LongUid("catSex");
  auto old_rows = Rows(*catalog_, "gold.aggregate", "de, category_option, pe, ou, value",
                       "category = '" + category + "'");
  ASSERT_GT(old_rows.size(), 100u);
  std::set<std::string> elements;
  std::set<std::string> periods;
  std::set<std::vector<std::string>> expected;
  {
    auto result = connection_->Query(
        "SELECT de, category_option, pe, ou, value FROM gold.aggregate WHERE category = '" +
        category + "'");
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    for (size_t row = 0; row < result->row_count(); ++row) {
      elements.insert(*result->GetString(0, row));
      periods.insert(*result->GetString(2, row));
      expected.insert({*result->GetString(0, row), *result->GetString(1, row),
                       *result->GetString(2, row), *result->GetString(3, row),
                       serve::FormatAnalyticsValue(serve::RoundAnalyticsValue(
                           *result->GetDouble(4, row), -1, /*skip_rounding=*/true))});
    }
  }
  run_options_.settings.aggregate.every_option_grain = false;
  RunOk(*catalog_, /*full=*/true);
  auto new_rows = Rows(*catalog_, "gold.aggregate", "de", "category IS NOT NULL");
  // The facilities' per-option rows of combining rules are gone (SUM among them).
  EXPECT_LT(new_rows.size(), old_rows.size());
  EXPECT_TRUE(Rows(*catalog_, "gold.aggregate", "de",
                   "category IS NOT NULL AND ou_level = 3 AND de = '" + LongUid("deSum") + "'")
                  .empty());

  const std::string fa = LongUid("fA");
  std::set<std::vector<std::string>> got = AskOptionCells(elements, periods);
  EXPECT_EQ(got.size(), expected.size());
  for (const auto& row : expected) {
    EXPECT_TRUE(got.count(row)) << "missing " << fmt::format("{}", fmt::join(row, " "));
  }
  for (const auto& row : got) {
    EXPECT_TRUE(expected.count(row)) << "extra " << fmt::format("{}", fmt::join(row, " "));
  }
  // By hand, at facility fA in 2024Q1 (combined on demand): SUM male 10 + 20 = 30, female 5;
  // AVERAGE male avg(10, 20) = 15; AVERAGE_SUM_ORG_UNIT male (100 x 31 + 200 x 29 + 300 x 31) / 91
  // = 200; COUNT male 2; MIN male min(5, 3) = 3; LAST male 60 (February; March's zero not
  // loaded). MIN_SUM_ORG_UNIT male 3 is a precomputed cell.
  auto cell = [&](const std::string& de, const std::string& option) {
    for (const auto& row : got) {
      if (row[0] == LongUid(de) && row[1] == LongUid(option) && row[2] == "2024Q1" &&
          row[3] == fa) {
        return row[4];
      }
    }
    return std::string("none");
  };
  EXPECT_EQ(cell("deSum", "optM"), "30");
  EXPECT_EQ(cell("deSum", "optF"), "5");
  EXPECT_EQ(cell("deAvg", "optM"), "15");
  EXPECT_EQ(cell("deAvgSum", "optM"), "200");
  EXPECT_EQ(cell("deCount", "optM"), "2");
  EXPECT_EQ(cell("deMin", "optM"), "3");
  EXPECT_EQ(cell("deLast", "optM"), "60");
  EXPECT_EQ(cell("deMinSum", "optM"), "3");
  EXPECT_EQ(cell("deAvg", "optF"), "none");
}

// A category that is not a data dimension has per-option rows only for the rules that do not
// combine; the API answers the others at every level from the option-combo rows.
TEST_F(GoldAggregateTest, OptionCellsOfANonDataDimensionCategoryAreCombinedOnDemand) {
  long_uids_ = true;
  sex_is_data_dimension_ = false;
  WriteSilver(*catalog_);
  RunOk(*catalog_);
  auto de = [](const std::string& id) { return "'" + LongUid(id) + "'"; };
  EXPECT_TRUE(Rows(*catalog_, "gold.aggregate", "de",
                   "category IS NOT NULL AND de IN (" + de("deSum") + ", " + de("deAvg") + ")")
                  .empty());
  EXPECT_FALSE(Rows(*catalog_, "gold.aggregate", "de",
                    "category IS NOT NULL AND ou_level = 1 AND de = " + de("deStd"))
                   .empty());
  auto got = AskOptionCells({LongUid("deSum"), LongUid("deAvg"), LongUid("deVar")}, {"2024Q1"});
  // By hand (kValues): SUM at W male 10 + 20 + 7 = 37, female 5 + 3 = 8; AVERAGE at D male
  // avg(10, 20, 0, 30) = 15; VARIANCE at D male 88 / 15 (precomputed, see
  // PerOptionCellsAtEveryLevelAndExactForEveryRule), to 10 decimals.
  auto has = [&](const std::string& id, const std::string& option, const std::string& ou,
                 const std::string& value) {
    return got.count({LongUid(id), LongUid(option), "2024Q1", LongUid(ou), value}) > 0;
  };
  EXPECT_TRUE(has("deSum", "optM", "W", "37"));
  EXPECT_TRUE(has("deSum", "optF", "W", "8"));
  EXPECT_TRUE(has("deSum", "optM", "fA", "30"));
  EXPECT_TRUE(has("deAvg", "optM", "D", "15"));
  EXPECT_TRUE(has("deVar", "optM", "D", "5.8666666667"));
}

// Values under two attribute option combos, aocA and aocB (de, pe, ou, coc, aoc, stored text).
constexpr const char* kAocValues =
    // SUM at D in 2024Q1: 10 + 5 + 7 + 100 + 50 = 172 in all; aocA 22 (male 17, female 5); aocB
    // 150. fA in January under aocA: 15.
    "('deSum','202401','fA','cocM','aocA','10'), ('deSum','202401','fA','cocF','aocA','5'),"
    "('deSum','202402','fB','cocM','aocA','7'), ('deSum','202401','fA','cocM','aocB','100'),"
    "('deSum','202402','fB','cocF','aocB','50'),"
    // AVERAGE at D in January: avg(10, 20, 90) = 40 in all; aocA avg(10, 20) = 15.
    "('deAvg','202401','fA','cocM','aocA','10'), ('deAvg','202401','fB','cocM','aocA','20'),"
    "('deAvg','202401','fA','cocM','aocB','90'),"
    // LAST, one series per (de, ou, coc, aoc): at D in 2024Q1 fA's aocA December 40 + its aocB
    // January 50 = 90 in all; aocA 40 (December's value, looked back to).
    "('deLast','202312','fA','cocM','aocA','40'), ('deLast','202401','fA','cocM','aocB','50'),"
    // MIN_SUM_ORG_UNIT at D in 2024Q1: each unit's minimum, summed: fA min(5, 3, 1) + fB 4 = 5 in
    // all; aocA fA min(5, 3) + fB 4 = 7.
    "('deMinSum','202401','fA','cocM','aocA','5'), ('deMinSum','202402','fA','cocM','aocA','3'),"
    "('deMinSum','202401','fA','cocM','aocB','1'), ('deMinSum','202401','fB','cocM','aocA','4'),"
    // LAST_LAST_ORG_UNIT at D in 2024Q1: the latest value of the subtree, fB's February 9 in all;
    // aocA fA's January 8.
    "('deLastLast','202401','fA','cocM','aocA','8'), "
    "('deLastLast','202402','fB','cocM','aocB','9')";

// Operands with an attribute option combo (#{de.coc.aoc}, #{de.*.aoc}; issue 12): gold.aggregate
// holds per-aoc rows for the (element, aoc) pairs some indicator references, and for those only,
// every rule exact over that aoc's values alone; the rows with aoc NULL are those of a lake where
// nothing references an aoc. gold.indicator_value computes `#{de.coc.aoc} / #{de.*.aoc}` from them.
// A new reference (a definitions change) rebuilds: the incremental lake equals a fresh one. The ids
// are written as uids (LongUid), as expressions need them.
class GoldAggregateAocTest : public GoldAggregateTest {
 protected:
  void SetUp() override {
    GoldAggregateTest::SetUp();
    UseModels({"gold/analytics.sql", "gold/aggregate.sql", "gold/indicator_value.sql"});
    long_uids_ = true;
  }

  // The silver tables with kAocValues, and the inputs of gold.indicator_value with `indicators`
  // (uid, numerator, denominator, factor; the test ids inside the expressions as uids).
  void WriteLake(lake::LakeCatalog& catalog, const std::string& indicators) {
    WriteSilver(catalog, kAocValues, /*with_aoc=*/true);
    WriteIndicators(catalog, indicators);
    Write(catalog, "silver.constant",
          "SELECT CAST(NULL AS VARCHAR) AS uid, CAST(NULL AS DOUBLE) AS value WHERE FALSE");
    Write(catalog, "silver.org_unit_group_member",
          "SELECT CAST(NULL AS VARCHAR) AS group_uid, CAST(NULL AS VARCHAR) AS ou WHERE FALSE");
    Write(catalog, "silver.program_indicator", "SELECT CAST(NULL AS VARCHAR) AS uid WHERE FALSE");
    Write(catalog, "gold.reporting_rate",
          "SELECT CAST(NULL AS VARCHAR) AS data_set, CAST(NULL AS VARCHAR) AS ou, CAST(NULL AS "
          "INTEGER) AS ou_level, CAST(NULL AS VARCHAR) AS pe, CAST(NULL AS VARCHAR) AS "
          "period_type, CAST(NULL AS DOUBLE) AS expected, CAST(NULL AS DOUBLE) AS actual, "
          "CAST(NULL AS DOUBLE) AS actual_on_time, CAST(NULL AS DOUBLE) AS rate, CAST(NULL AS "
          "DOUBLE) AS rate_on_time WHERE FALSE");
    Write(catalog, "gold.program_indicator_value",
          "SELECT CAST(NULL AS VARCHAR) AS program_indicator, CAST(NULL AS VARCHAR) AS ou, "
          "CAST(NULL AS INTEGER) AS ou_level, CAST(NULL AS VARCHAR) AS pe, CAST(NULL AS VARCHAR) "
          "AS period_type, CAST(NULL AS DOUBLE) AS value WHERE FALSE");
  }

  void WriteIndicators(lake::LakeCatalog& catalog, const std::string& indicators) {
    static const std::regex kExpressionId("\\b(de[A-Za-z]+|coc[MF]|aoc[AB])\\b");
    std::string rows;
    auto last = indicators.cbegin();
    for (std::sregex_iterator it(indicators.begin(), indicators.end(), kExpressionId), end;
         it != end; ++it) {
      rows.append(last, indicators.cbegin() + it->position());
      rows += LongUid((*it)[1].str());
      last = indicators.cbegin() + it->position() + it->length();
    }
    rows.append(last, indicators.cend());
    Write(catalog, "silver.indicator",
          "SELECT uid, numerator, denominator, CAST(factor AS DOUBLE) AS factor, FALSE AS "
          "annualized FROM (VALUES " +
              rows + ") AS t(uid, numerator, denominator, factor)");
  }

  // The total (coc NULL) or option-combo cell of `de` under `aoc`; NAN when absent.
  double AocCell(const std::string& de, const std::string& ou, const std::string& pe,
                 const std::string& aoc, const std::string& coc = "") {
    return Cell(LongUid(de), LongUid(ou), pe,
                (coc.empty() ? std::string("coc IS NULL") : "coc = '" + LongUid(coc) + "'") +
                    " AND category IS NULL AND aoc = '" + LongUid(aoc) + "'");
  }
  // The total cell over all aocs (aoc NULL).
  double Total(const std::string& de, const std::string& ou, const std::string& pe) {
    return Cell(LongUid(de), LongUid(ou), pe, "coc IS NULL AND category IS NULL AND aoc IS NULL");
  }
  std::optional<double> IndicatorValue(const std::string& indicator, const std::string& ou,
                                       const std::string& pe) {
    return OneValue(
        "gold.indicator_value", "value",
        "indicator = '" + indicator + "' AND ou = '" + LongUid(ou) + "' AND pe = '" + pe + "'");
  }
};

// Male share of the SUM under aocA, and the other rules' aocA totals (each read by one operand).
constexpr const char* kAocIndicators =
    "('indShare', '#{deSum.cocM.aocA}', '#{deSum.*.aocA}', 100),"
    "('indRules', '#{deAvg.*.aocA} + #{deLast.*.aocA} + #{deMinSum.*.aocA} + "
    "#{deLastLast.*.aocA}', '1', 1),"
    "('indPlain', '#{deSum}', '1', 1)";

TEST_F(GoldAggregateAocTest, PerAocRowsOnlyForReferencedPairsAndTotalsUnchanged) {
  WriteLake(*catalog_, kAocIndicators);
  RunOk(*catalog_);
  // The totals, as without any aoc.
  EXPECT_DOUBLE_EQ(Total("deSum", "D", "2024Q1"), 172);
  EXPECT_DOUBLE_EQ(Total("deAvg", "D", "202401"), 40);
  EXPECT_DOUBLE_EQ(Total("deLast", "D", "2024Q1"), 90);
  EXPECT_DOUBLE_EQ(Total("deMinSum", "D", "2024Q1"), 5);
  EXPECT_DOUBLE_EQ(Total("deLastLast", "D", "2024Q1"), 9);
  // Per aocA, each rule over aocA's values only.
  EXPECT_DOUBLE_EQ(AocCell("deSum", "D", "2024Q1", "aocA"), 22);
  EXPECT_DOUBLE_EQ(AocCell("deSum", "W", "2024Q1", "aocA"), 22);
  EXPECT_DOUBLE_EQ(AocCell("deSum", "D", "2024Q1", "aocA", "cocM"), 17);
  EXPECT_DOUBLE_EQ(AocCell("deSum", "D", "2024Q1", "aocA", "cocF"), 5);
  EXPECT_DOUBLE_EQ(AocCell("deSum", "fA", "202401", "aocA"), 15);
  EXPECT_DOUBLE_EQ(AocCell("deAvg", "D", "202401", "aocA"), 15);
  EXPECT_DOUBLE_EQ(AocCell("deLast", "D", "2024Q1", "aocA"), 40);
  EXPECT_DOUBLE_EQ(AocCell("deMinSum", "D", "2024Q1", "aocA"), 7);
  EXPECT_DOUBLE_EQ(AocCell("deLastLast", "D", "2024Q1", "aocA"), 8);
  EXPECT_DOUBLE_EQ(AocCell("deLastLast", "W", "2024Q1", "aocA"), 8);
  // No row for aocB, which nothing references, nor for (element, aoc) pairs no operand names.
  EXPECT_EQ(CountWhere("gold.aggregate", "aoc = '" + LongUid("aocB") + "'"), 0);
  std::vector<std::string> pairs;
  for (const char* de : {"deAvg", "deLast", "deLastLast", "deMinSum", "deSum"}) {
    pairs.push_back("(" + LongUid(de) + ", " + LongUid("aocA") + ")");
  }
  std::sort(pairs.begin(), pairs.end());
  EXPECT_EQ(QueryRows(*catalog_, "gold.aggregate",
                      "SELECT DISTINCT CAST(ROW(de, aoc) AS VARCHAR) FROM gold.aggregate WHERE aoc "
                      "IS NOT NULL"),
            pairs);
  // The indicator: 17 / 22 x 100 at D (and W) in 2024Q1; at fA in January 10 / 15 x 100.
  ASSERT_TRUE(IndicatorValue("indShare", "D", "2024Q1").has_value());
  EXPECT_NEAR(*IndicatorValue("indShare", "D", "2024Q1"), 1700.0 / 22, 1e-9);
  EXPECT_NEAR(*IndicatorValue("indShare", "W", "2024Q1"), 1700.0 / 22, 1e-9);
  EXPECT_NEAR(*IndicatorValue("indShare", "fA", "202401"), 1000.0 / 15, 1e-9);
  // aocA's AVERAGE (avg(10, 20) = 15 in the quarter too) + LAST 40 + MIN_SUM 7 + LAST_LAST 8.
  EXPECT_NEAR(*IndicatorValue("indRules", "D", "2024Q1"), 15 + 40 + 7 + 8, 1e-9);
  EXPECT_NEAR(*IndicatorValue("indPlain", "D", "2024Q1"), 172, 1e-9);
  EXPECT_EQ(last_summary_.expressions_computed, 3);
  EXPECT_EQ(last_summary_.expressions_refused, 0);

  // A lake where no indicator references an aoc: no aoc row, and the same rows as the first
  // lake's aoc NULL rows.
  lake::LakeCatalog plain((dir_ / "plain").string());
  WriteLake(plain, "('indPlain', '#{deSum}', '1', 1)");
  RunOk(plain, true);
  EXPECT_EQ(Rows(plain, "gold.aggregate", "de", "aoc IS NOT NULL").size(), 0u);
  const std::string columns =
      "de, coc, category, category_option, ou, ou_level, pe, period_type, round(value, 9), count, "
      "year";
  std::vector<std::string> totals = Rows(*catalog_, "gold.aggregate", columns, "aoc IS NULL");
  EXPECT_GT(totals.size(), 100u);
  EXPECT_TRUE(totals == Rows(plain, "gold.aggregate", columns));
}

// Each referenced (element, aoc) pair is computed in its element's piece (batch_by de): the
// per-aoc rows and the totals in pieces equal those of one query.
TEST_F(GoldAggregateAocTest, PerAocRowsInPiecesEqualThoseOfOneQuery) {
  WriteLake(*catalog_, kAocIndicators);
  run_options_.batch_memory_bytes = 1;
  RunOk(*catalog_);
  EXPECT_DOUBLE_EQ(AocCell("deSum", "D", "2024Q1", "aocA", "cocM"), 17);
  EXPECT_DOUBLE_EQ(AocCell("deLastLast", "W", "2024Q1", "aocA"), 8);
  EXPECT_DOUBLE_EQ(Total("deSum", "D", "2024Q1"), 172);
  lake::LakeCatalog fresh((dir_ / "fresh").string());
  WriteLake(fresh, kAocIndicators);
  run_options_.batch_memory_bytes = 0;
  RunOk(fresh, true);
  ExpectGoldEqualsFresh(fresh, "de, coc, aoc, ou, pe, level, value, days, value_x_days, year");
}

TEST_F(GoldAggregateAocTest, ANewAocReferenceRebuildsAsAFullRun) {
  WriteLake(*catalog_, kAocIndicators);
  RunOk(*catalog_);
  EXPECT_EQ(CountWhere("gold.aggregate", "aoc = '" + LongUid("aocB") + "'"), 0);
  // An indicator now reads deSum under aocB: its rows appear, 150 at D in 2024Q1.
  const std::string more =
      std::string(kAocIndicators) + ", ('indFundB', '#{deSum.*.aocB}', '#{deSum}', 100)";
  WriteIndicators(*catalog_, more);
  RunOk(*catalog_);
  EXPECT_DOUBLE_EQ(AocCell("deSum", "D", "2024Q1", "aocB"), 150);
  EXPECT_DOUBLE_EQ(AocCell("deSum", "D", "2024Q1", "aocA"), 22);
  ASSERT_TRUE(IndicatorValue("indFundB", "D", "2024Q1").has_value());
  EXPECT_NEAR(*IndicatorValue("indFundB", "D", "2024Q1"), 15000.0 / 172, 1e-9);
  lake::LakeCatalog fresh((dir_ / "fresh").string());
  WriteLake(fresh, more);
  RunOk(fresh, true);
  ExpectGoldEqualsFresh(fresh, "de, coc, aoc, ou, pe, level, value, days, value_x_days, year");
}
}  // namespace
}  // namespace dhl::pipeline
