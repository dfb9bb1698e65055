// Program indicators compiled to SQL and run in DuckDB over a hand-written programme
// (tests/data/program_indicators/tracker_fixture.sql): every value equals the one worked out by
// hand in hand_computed.json (each V{} variable, d2: function, boundary type and aggregation type;
// events outside the periods, deleted records, repeatable stages, missing values). The same
// indicators render for Spark, and dhis2-core's own test expressions compile or are refused naming
// the indicator and the character.
#include "dhis2/program_indicator_sql.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "base/hash.h"
#include "base/test_paths.h"
#include "engine/connection.h"
#include "engine/database.h"

namespace dhl::dhis2 {
namespace {

const std::string kData = std::string(DHL_SOURCE_DIR) + "/tests/data/program_indicators/";
constexpr char kHashKey[] = "test-key";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

ProgramIndicatorRelations Relations() {
  ProgramIndicatorRelations relations;
  relations.events = "events";
  relations.enrollments = "enrollments";
  relations.event_values = "event_values";
  relations.attribute_values = "attribute_values";
  relations.relationships = "relationships";
  relations.constants = "constants";
  relations.program_stages = "program_stages";
  relations.org_units = "org_units";
  relations.tracked_entities = "tracked_entities";
  relations.periods = "periods";
  return relations;
}

ProgramIndicatorSqlOptions Options(sql::Dialect dialect = sql::Dialect::kDuckDb) {
  ProgramIndicatorSqlOptions options;
  options.dialect = dialect;
  options.org_unit_levels = 3;
  options.value_kind = [](std::string_view uid) {
    return uid == "DeOutcome01" ? ProgramValueKind::kText : ProgramValueKind::kNumber;
  };
  options.stage_is_repeatable = [](std::string_view stage) { return stage == "StageVisit1"; };
  options.hashed_attributes = {"AtName00001"};
  options.hash_key = kHashKey;
  return options;
}

class ProgramIndicatorSqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = engine::Database::Open();
    ASSERT_TRUE(database.ok()) << database.status().ToString();
    database_ = std::make_unique<engine::Database>(std::move(*database));
    auto connection = database_->Connect();
    ASSERT_TRUE(connection.ok());
    connection_ = std::make_unique<engine::Connection>(std::move(*connection));
    std::string fixture = ReadFile(kData + "tracker_fixture.sql");
    ASSERT_FALSE(fixture.empty());
    ReplaceAll(fixture, "__HMAC_Aminata__", HmacSha256Hex(kHashKey, "Aminata"));
    ReplaceAll(fixture, "__HMAC_Hawa__", HmacSha256Hex(kHashKey, "Hawa"));
    Status loaded = connection_->Execute(fixture);
    ASSERT_TRUE(loaded.ok()) << loaded.ToString();
  }

  // (ou, pe) -> value.
  Result<std::map<std::pair<std::string, std::string>, double>> Run(const std::string& query) {
    DHL_ASSIGN_OR_RETURN(engine::QueryResult result,
                         connection_->Query("SELECT ou, pe, value FROM (" + query + ") AS q"));
    std::map<std::pair<std::string, std::string>, double> values;
    for (size_t row = 0; row < result.row_count(); ++row) {
      auto key = std::make_pair(result.GetString(0, row).value_or(""),
                                result.GetString(1, row).value_or(""));
      EXPECT_EQ(values.count(key), 0u) << "two rows for " << key.first << " " << key.second;
      values[key] = result.GetDouble(2, row).value_or(NAN);
    }
    return values;
  }

  std::unique_ptr<engine::Database> database_;
  std::unique_ptr<engine::Connection> connection_;
};

TEST_F(ProgramIndicatorSqlTest, HandComputedValues) {
  nlohmann::json cases = nlohmann::json::parse(ReadFile(kData + "hand_computed.json"));
  ASSERT_GE(cases.size(), 50u);
  for (const auto& test_case : cases) {
    std::string name = test_case.at("name").get<std::string>();
    Result<ProgramIndicator> indicator = ProgramIndicatorFromJson(test_case.at("indicator"));
    ASSERT_TRUE(indicator.ok()) << name << ": " << indicator.status().ToString();
    Result<std::string> query = CompileProgramIndicatorToSql(*indicator, Relations(), Options());
    if (test_case.contains("error")) {
      ASSERT_FALSE(query.ok()) << name;
      EXPECT_NE(query.status().message().find(test_case["error"].get<std::string>()),
                std::string::npos)
          << name << ": " << query.status().ToString();
      continue;
    }
    ASSERT_TRUE(query.ok()) << name << ": " << query.status().ToString();
    auto values = Run(*query);
    ASSERT_TRUE(values.ok()) << name << ": " << values.status().ToString() << "\n" << *query;
    for (const auto& expected : test_case.at("expect")) {
      auto key = std::make_pair(expected[0].get<std::string>(), expected[1].get<std::string>());
      auto found = values->find(key);
      ASSERT_NE(found, values->end()) << name << ": no value at " << key.first << " " << key.second;
      EXPECT_NEAR(found->second, expected[2].get<double>(), 1e-9)
          << name << " at " << key.first << " " << key.second << " (" << test_case.value("why", "")
          << ")";
    }
    for (const auto& absent : test_case.value("absent", nlohmann::json::array())) {
      auto key = std::make_pair(absent[0].get<std::string>(), absent[1].get<std::string>());
      EXPECT_EQ(values->count(key), 0u)
          << name << ": a value at " << key.first << " " << key.second;
    }
  }
}

TEST_F(ProgramIndicatorSqlTest, HashedAttributeNeedsTheKey) {
  ProgramIndicator indicator;
  indicator.uid = "PrgIndHash1";
  indicator.program = "ProgramAnc1";
  indicator.analytics_type = AnalyticsType::kEnrollment;
  indicator.expression = "V{enrollment_count}";
  indicator.filter = "A{AtName00001} != 'Hawa'";
  indicator.aggregation_type = AggregationType::kCount;
  auto values = Run(CompileProgramIndicatorToSql(indicator, Relations(), Options()).value());
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(values->at({"CountrySim1", "2024Q1"}), 1);  // TrackedEnt1 (TrackedEnt3 has no name)
  ProgramIndicatorSqlOptions no_key = Options();
  no_key.hash_key.clear();
  Result<std::string> refused = CompileProgramIndicatorToSql(indicator, Relations(), no_key);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "program indicator PrgIndHash1 (filter): attribute AtName00001 is stored hashed and "
            "no hashing key was given at character 0");
}

// dhis2-core's program indicator test expressions: every one that parses also compiles, as an
// event and as an enrollment indicator, or is refused with a message naming the indicator and the
// character; DuckDB accepts the SQL of those that compile.
TEST_F(ProgramIndicatorSqlTest, Dhis2CoreTestExpressionsCompile) {
  nlohmann::json fixtures = nlohmann::json::parse(ReadFile(kData + "dhis2_core_expressions.json"));
  int compiled = 0;
  int refused = 0;
  for (const auto& fixture : fixtures) {
    std::string text = fixture.at("expression").get<std::string>();
    bool is_filter = fixture.at("kind") == "filter";
    for (AnalyticsType type : {AnalyticsType::kEvent, AnalyticsType::kEnrollment}) {
      ProgramIndicator indicator;
      indicator.uid = "CoreTest001";
      indicator.program = "ProgramAnc1";
      indicator.analytics_type = type;
      indicator.expression = is_filter ? "V{event_count}" : text;
      indicator.filter = is_filter ? text : "";
      indicator.aggregation_type = AggregationType::kSum;
      Result<std::string> query = CompileProgramIndicatorToSql(indicator, Relations(), Options());
      if (!query.ok()) {
        std::string message = query.status().message();
        EXPECT_EQ(message.rfind("program indicator CoreTest001 (", 0), 0u) << message;
        EXPECT_NE(message.find(" at character "), std::string::npos) << message;
        ++refused;
        continue;
      }
      EXPECT_FALSE(fixture.contains("expected_error")) << text;
      Result<engine::QueryResult> result = connection_->Query("EXPLAIN " + *query);
      EXPECT_TRUE(result.ok()) << text << ": " << result.status().ToString() << "\n" << *query;
      ++compiled;
    }
  }
  std::printf("dhis2-core expressions: %d compiled, %d refused (event and enrollment)\n", compiled,
              refused);
  // Refused: the 6 fixtures DHIS2 itself refuses (twice each), expressions whose value is a date
  // (V{event_date}, V{creation_date} + V{creation_date}, d2:maxValue(PS_EVENTDATE:..): 5, twice
  // each) and d2:countIfCondition against an item (twice each of 2).
  EXPECT_EQ(compiled, 110);
  EXPECT_EQ(refused, 26);
}

// Every hand-computed indicator rendered for Spark parses as Spark SQL and calls only Spark
// functions (tests/databricks/spark_sql_check.py with sqlglot, as the models' tests do).
TEST(ProgramIndicatorSqlTextTest, EveryIndicatorRendersToSparkSql) {
  if (std::system("/usr/bin/python3 -c 'import sqlglot' 2>/dev/null") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with sqlglot is not installed";
  }
  nlohmann::json cases = nlohmann::json::parse(ReadFile(kData + "hand_computed.json"));
  nlohmann::json statements = nlohmann::json::array();
  for (const auto& test_case : cases) {
    Result<ProgramIndicator> indicator = ProgramIndicatorFromJson(test_case.at("indicator"));
    ASSERT_TRUE(indicator.ok());
    Result<std::string> query =
        CompileProgramIndicatorToSql(*indicator, Relations(), Options(sql::Dialect::kSpark));
    if (query.ok()) {
      statements.push_back({{"where", test_case.at("name")}, {"sql", *query}});
    }
  }
  EXPECT_GE(statements.size(), 50u);
  std::string file = ::testing::TempDir() + "dhl_program_indicator_spark.json";
  std::ofstream(file) << statements.dump();
  EXPECT_EQ(std::system(("/usr/bin/python3 " + std::string(DHL_SOURCE_DIR) +
                         "/tests/databricks/spark_sql_check.py " + file)
                            .c_str()),
            0);
}

TEST(ProgramIndicatorSqlTextTest, SparkRendering) {
  ProgramIndicator indicator;
  indicator.uid = "PrgIndSpark";
  indicator.program = "ProgramAnc1";
  indicator.analytics_type = AnalyticsType::kEnrollment;
  indicator.expression = "d2:daysBetween(V{enrollment_date}, PS_EVENTDATE:StageDelivr)";
  indicator.boundaries = {
      {"ENROLLMENT_DATE", BoundaryType::kAfterStartOfReportingPeriod, -1, PeriodType::kMonthly}};
  Result<std::string> query =
      CompileProgramIndicatorToSql(indicator, Relations(), Options(sql::Dialect::kSpark));
  ASSERT_TRUE(query.ok()) << query.status().ToString();
  EXPECT_NE(query->find("datediff(CAST("), std::string::npos) << *query;
  EXPECT_NE(query->find("add_months(p.start_date, -1)"), std::string::npos) << *query;
  EXPECT_EQ(query->find("INTERVAL"), std::string::npos) << *query;
}

}  // namespace
}  // namespace dhl::dhis2
