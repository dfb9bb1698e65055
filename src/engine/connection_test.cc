#include "engine/connection.h"

#include <gtest/gtest.h>

#include "engine/database.h"

namespace dhl::engine {
namespace {

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open({.threads = 2});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_.emplace(std::move(db).value());
    auto connection = db_->Connect();
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    connection_.emplace(std::move(connection).value());
  }
  std::optional<Database> db_;
  std::optional<Connection> connection_;
};

TEST_F(ConnectionTest, QueryReturnsTypedCells) {
  auto result = connection_->Query(
      "SELECT 42::BIGINT AS n, 2.5::DOUBLE AS d, 'x' AS s, NULL::INTEGER AS z, true AS b, "
      "DATE '2024-02-29' AS day, 12.30::DECIMAL(10,2) AS dec");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->row_count(), 1u);
  EXPECT_EQ(result->column_count(), 7u);
  EXPECT_EQ(result->column_name(0), "n");
  EXPECT_EQ(result->column_type(0), "BIGINT");
  EXPECT_EQ(result->column_type(6), "DECIMAL(10,2)");
  EXPECT_EQ(result->GetInt64(0, 0), 42);
  EXPECT_EQ(result->GetDouble(1, 0), 2.5);
  EXPECT_EQ(result->GetString(2, 0), "x");
  EXPECT_TRUE(result->IsNull(3, 0));
  EXPECT_EQ(result->GetString(3, 0), std::nullopt);
  EXPECT_EQ(result->GetBool(4, 0), true);
  EXPECT_EQ(result->GetString(5, 0), "2024-02-29");
  EXPECT_EQ(std::get<double>(result->GetValue(6, 0)), 12.3);
}

TEST_F(ConnectionTest, TimestampsWithTimeZoneReadAsUtcText) {
  // DuckDB's own rendering in a UTC session, which its C API's varchar cast leaves empty.
  auto result = connection_->Query(
      "SELECT TIMESTAMPTZ '2024-01-01 10:00:00+00' AS a, TIMESTAMPTZ '2024-03-05 "
      "23:59:58.1234+02' AS b, TIMESTAMPTZ '1969-12-31 23:00:00+00' AS c, "
      "CAST(TIMESTAMPTZ '2024-01-01 10:00:00+00' AS VARCHAR) AS own");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->GetString(0, 0), "2024-01-01 10:00:00+00");
  EXPECT_EQ(result->GetString(0, 0), result->GetString(3, 0));
  EXPECT_EQ(result->GetString(1, 0), "2024-03-05 21:59:58.1234+00");
  EXPECT_EQ(result->GetString(2, 0), "1969-12-31 23:00:00+00");
  EXPECT_EQ(std::get<std::string>(result->GetValue(0, 0)), "2024-01-01 10:00:00+00");
}

TEST_F(ConnectionTest, ErrorsCarryTheSqlAndDuckDbsMessage) {
  auto result = connection_->Query("SELECT * FROM no_such_table");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kSql);
  EXPECT_NE(result.status().message().find("no_such_table"), std::string::npos);
  EXPECT_NE(result.status().message().find("[in: SELECT * FROM no_such_table]"), std::string::npos);
}

TEST_F(ConnectionTest, PreparedStatementsBindParameters) {
  ASSERT_TRUE(connection_->Execute("CREATE TABLE t (id BIGINT, name VARCHAR, v DOUBLE)").ok());
  auto insert = connection_->Prepare("INSERT INTO t VALUES ($1, $2, $3)");
  ASSERT_TRUE(insert.ok()) << insert.status().ToString();
  EXPECT_EQ(insert->parameter_count(), 3u);
  EXPECT_EQ(insert->kind(), StatementKind::kInsert);
  ASSERT_TRUE(insert->BindAll({int64_t{1}, std::string("it's"), 1.5}).ok());
  ASSERT_TRUE(insert->Execute().ok());
  ASSERT_TRUE(insert->BindAll({int64_t{2}, std::monostate{}, 2.5}).ok());
  ASSERT_TRUE(insert->Execute().ok());
  EXPECT_FALSE(insert->BindAll({int64_t{2}}).ok());
  auto result =
      connection_->Query("SELECT count(*), sum(v), max(name) FROM t WHERE id > $1", {int64_t{0}});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->GetInt64(0, 0), 2);
  EXPECT_EQ(result->GetDouble(1, 0), 4.0);
  EXPECT_EQ(result->GetString(2, 0), "it's");
}

TEST_F(ConnectionTest, AppenderAppendsRows) {
  ASSERT_TRUE(connection_->Execute("CREATE TABLE a (id BIGINT, name VARCHAR, ok BOOLEAN)").ok());
  {
    auto appender = connection_->CreateAppender("", "a");
    ASSERT_TRUE(appender.ok()) << appender.status().ToString();
    for (int64_t i = 0; i < 1000; ++i) {
      ASSERT_TRUE(appender->Append(i).ok());
      ASSERT_TRUE(appender->Append(std::string("n") + std::to_string(i)).ok());
      ASSERT_TRUE(appender->Append(i % 2 == 0).ok());
      ASSERT_TRUE(appender->EndRow().ok());
    }
    ASSERT_TRUE(appender->Close().ok());
  }
  auto result = connection_->Query("SELECT count(*), sum(id), count(*) FILTER (WHERE ok) FROM a");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->GetInt64(0, 0), 1000);
  EXPECT_EQ(result->GetInt64(1, 0), 999 * 1000 / 2);
  EXPECT_EQ(result->GetInt64(2, 0), 500);
}

TEST_F(ConnectionTest, PrepareSingleRefusesSeveralStatements) {
  auto one = connection_->PrepareSingle("SELECT 1");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->kind(), StatementKind::kSelect);
  auto two = connection_->PrepareSingle("SELECT 1; DROP TABLE x");
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.status().message().find("exactly one"), std::string::npos);
  auto none = connection_->PrepareSingle("  ");
  EXPECT_FALSE(none.ok());
  auto bad = connection_->PrepareSingle("SELEC 1");
  EXPECT_FALSE(bad.ok());
}

// DuckDB's row-wise result functions read no ENUM cell ("" and never NULL); WithEnumsAsText reads
// such columns as their text, NULL kept, the other columns and the order untouched.
TEST_F(ConnectionTest, EnumColumnsReadAsTheirText) {
  const std::string sql =
      "SELECT CAST(x AS ENUM('a', 'b', 'c')) AS e, n FROM (VALUES ('c', 1), (NULL, 2), ('a', 3)) "
      "AS v(x, n) ORDER BY n;  ";
  auto prepared = connection_->PrepareSingle(sql);
  ASSERT_TRUE(prepared.ok()) << prepared.status().ToString();
  EXPECT_EQ(prepared->EnumColumns(), std::vector<std::string>{"e"});
  auto readable = connection_->WithEnumsAsText(std::move(*prepared), sql);
  ASSERT_TRUE(readable.ok()) << readable.status().ToString();
  EXPECT_TRUE(readable->EnumColumns().empty());
  auto result = readable->Execute();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->row_count(), 3u);
  EXPECT_EQ(result->column_name(0), "e");
  EXPECT_EQ(result->GetString(0, 0), "c");
  EXPECT_EQ(result->GetString(0, 1), std::nullopt);
  EXPECT_EQ(result->GetString(0, 2), "a");
  EXPECT_EQ(result->GetInt64(1, 2), 3);
  // Without ENUM columns the statement is returned as it is.
  auto plain = connection_->PrepareSingle("SELECT 'a' AS t");
  ASSERT_TRUE(plain.ok());
  auto same = connection_->WithEnumsAsText(std::move(*plain), "SELECT 'a' AS t");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->Execute()->GetString(0, 0), "a");
}

TEST_F(ConnectionTest, SessionTimeZoneIsUtc) {
  auto result = connection_->Query(
      "SELECT TIMESTAMPTZ '2024-01-01 12:00:00+02'::VARCHAR, current_setting('TimeZone')");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->GetString(0, 0), "2024-01-01 10:00:00+00");
  EXPECT_EQ(result->GetString(1, 0), "UTC");
}

double TimesTwoPlusOne(double value) { return value * 2 + 1; }

// A native DOUBLE function: applied to every value of a multi-chunk column (DuckDB's vectors hold
// 2048 rows), NULL kept NULL, seen by another connection, and registered twice without error.
TEST_F(ConnectionTest, ADoubleFunctionAppliesToEveryValueAndKeepsNulls) {
  ASSERT_TRUE(connection_->RegisterDoubleFunction("times_two_plus_one", TimesTwoPlusOne).ok());
  ASSERT_TRUE(connection_->RegisterDoubleFunction("times_two_plus_one", TimesTwoPlusOne).ok());
  // 5000 rows, every third NULL: the sum of 2i + 1 over the others, and the NULL count.
  auto result = connection_->Query(
      "SELECT sum(times_two_plus_one(v)), count(*) - count(times_two_plus_one(v)) FROM (SELECT "
      "CASE WHEN i % 3 = 0 THEN NULL ELSE CAST(i AS DOUBLE) END AS v FROM range(5000) t(i))");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  double expected = 0;
  for (int i = 0; i < 5000; ++i) expected += i % 3 == 0 ? 0 : 2.0 * i + 1;
  EXPECT_EQ(result->GetDouble(0, 0), expected);
  EXPECT_EQ(result->GetInt64(1, 0), 1667);
  auto other = db_->Connect();
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other->RegisterDoubleFunction("times_two_plus_one", TimesTwoPlusOne).ok());
  auto seen = other->Query("SELECT times_two_plus_one(-0.5), times_two_plus_one(NULL)");
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_EQ(seen->GetDouble(0, 0), 0.0);
  EXPECT_TRUE(seen->IsNull(1, 0));
}

TEST(DatabaseTest, RefusesABadSetting) {
  auto db = Database::Open({.memory_limit = "lots"});
  EXPECT_FALSE(db.ok());
}

}  // namespace
}  // namespace dhl::engine
