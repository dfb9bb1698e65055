// End to end: DHIS2 expressions compiled to SQL and run in DuckDB over a table of generated item
// values agree with the C++ evaluator on the same inputs; the Spark rendering is checked as text.
#include "dhis2/expression_sql.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "dhis2/expression.h"
#include "dhis2/expression_evaluator.h"
#include "engine/connection.h"
#include "engine/database.h"
#include "sql/literal.h"

namespace dhl::dhis2 {
namespace {

constexpr int kRowCount = 240;
constexpr int kItemCount = 6;
const char* const kUids[kItemCount] = {"fbfJHSPpUQD", "h0xKKjijTdI", "cYeuwXTCPkU",
                                       "Jtf34kNZhzP", "pq2XI5kz2BY", "PT59n8BQbqM"};

// Items map to the columns i0..i5 of the cells table (by uid; modifiers are not generated here).
ItemSqlFunction ColumnsOf(sql::Dialect dialect) {
  return [dialect](const ItemKey& key) -> Result<std::string> {
    for (int i = 0; i < kItemCount; ++i) {
      if (key.uid0 == kUids[i] && key.uid1.empty() && key.modifiers.empty()) {
        return sql::QuoteIdentifier("i" + std::to_string(i), dialect);
      }
    }
    return NotFound("no column for " + key.ToString());
  };
}

Expression Parse(std::string_view text) {
  Result<Expression> expression = ParseExpression(text, ExpressionMode::kIndicatorExpression);
  EXPECT_TRUE(expression.ok()) << text << ": " << expression.status().ToString();
  return expression.ok() ? *expression : Expression();
}

std::string Compile(std::string_view text, sql::Dialect dialect,
                    MissingValueStrategy strategy = MissingValueStrategy::kSkipIfAllValuesMissing) {
  SqlCompileOptions options;
  options.dialect = dialect;
  options.missing_value_strategy = strategy;
  options.days_sql = dialect == sql::Dialect::kSpark ? "`days`" : "\"days\"";
  Result<std::string> sql = CompileExpressionToSql(Parse(text), ColumnsOf(dialect), options);
  EXPECT_TRUE(sql.ok()) << text << ": " << sql.status().ToString();
  return sql.ok() ? *sql : "";
}

TEST(ExpressionSqlTextTest, BothDialects) {
  EXPECT_EQ(Compile("#{fbfJHSPpUQD} / #{h0xKKjijTdI}", sql::Dialect::kDuckDb),
            "(CASE WHEN (\"i0\") IS NULL AND (\"i1\") IS NULL THEN NULL ELSE "
            "COALESCE(((COALESCE((\"i0\"), 0e+00)) / NULLIF(COALESCE((\"i1\"), 0e+00), 0)), 0e+00) "
            "END)");
  EXPECT_EQ(Compile("#{fbfJHSPpUQD} / #{h0xKKjijTdI}", sql::Dialect::kSpark),
            "(CASE WHEN (`i0`) IS NULL AND (`i1`) IS NULL THEN NULL ELSE "
            "COALESCE(try_divide(COALESCE((`i0`), 0e+00), COALESCE((`i1`), 0e+00)), 0e+00) END)");
  EXPECT_EQ(Compile("#{fbfJHSPpUQD} + #{h0xKKjijTdI}", sql::Dialect::kSpark,
                    MissingValueStrategy::kSkipIfAnyValueMissing),
            "(CASE WHEN (`i0`) IS NULL OR (`i1`) IS NULL THEN NULL ELSE "
            "COALESCE((COALESCE((`i0`), 0e+00) + COALESCE((`i1`), 0e+00)), 0e+00) END)");
  EXPECT_EQ(Compile("isNull(#{fbfJHSPpUQD}) || 2 ^ 3 > 7", sql::Dialect::kDuckDb,
                    MissingValueStrategy::kNeverSkip),
            "COALESCE(CAST((((\"i0\") IS NULL) OR (power(2e+00, 3e+00) > 7e+00)) AS DOUBLE), "
            "0e+00)");
  EXPECT_EQ(Compile("if(#{fbfJHSPpUQD} > 1, null, -[days])", sql::Dialect::kSpark,
                    MissingValueStrategy::kNeverSkip),
            "(CASE WHEN ((COALESCE((`i0`), 0e+00) > 1e+00)) THEN CAST(NULL AS DOUBLE) WHEN NOT "
            "((COALESCE((`i0`), 0e+00) > 1e+00)) THEN (- (`days`)) END)");
  EXPECT_EQ(Compile("log(#{fbfJHSPpUQD}, 2) + greatest(1, 2) % 3", sql::Dialect::kSpark,
                    MissingValueStrategy::kNeverSkip),
            "COALESCE((try_divide((CASE WHEN (COALESCE((`i0`), 0e+00)) > 0 THEN "
            "ln((COALESCE((`i0`), 0e+00))) END), (CASE WHEN (2e+00) > 0 THEN ln((2e+00)) END)) + "
            "((greatest(1e+00, 2e+00)) % NULLIF(3e+00, 0))), 0e+00)");
  EXPECT_EQ(Compile("containsItems('a,b', 'b')", sql::Dialect::kSpark),
            "COALESCE(CAST((array_contains(split('a,b', '\\\\Q,\\\\E'), 'b')) AS DOUBLE), 0e+00)");
}

TEST(ExpressionSqlTextTest, UnsupportedAndMissingColumns) {
  SqlCompileOptions options;
  // I{} goes to the item function (the caller says what a program indicator is, or why not).
  for (std::string_view text : {"if(orgUnit.group(CXw2yu5fodb), 1, 0)", "normDistCum(1, 0, 1)",
                                "subExpression(#{fbfJHSPpUQD})"}) {
    EXPECT_EQ(CompileExpressionToSql(Parse(text), ColumnsOf(sql::Dialect::kDuckDb), options)
                  .status()
                  .code(),
              StatusCode::kUnsupported)
        << text;
  }
  Result<std::string> missing = CompileExpressionToSql(Parse("#{fbfJHSPpUQD.pq2XI5kz2BY}"),
                                                       ColumnsOf(sql::Dialect::kDuckDb), options);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(CompileExpressionToSql(Parse("[days]"), ColumnsOf(sql::Dialect::kDuckDb), options)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

// subExpression(): inside, items are bare columns (a missing value stays NULL, no replacement by 0,
// no missing value strategy: JdbcSubexpressionQueryGenerator's SQL); outside, the call's column
// counts like an item. Inside isNull() it is not counted.
TEST(ExpressionSqlTextTest, SubexpressionsInsideAndOut) {
  Expression expression =
      Parse("subExpression(#{fbfJHSPpUQD} / #{h0xKKjijTdI} > 2) + #{cYeuwXTCPkU}");
  const ExpressionNode& call = expression.root().children[0];
  SqlCompileOptions options;
  Result<std::string> inside =
      CompileSubexpressionToSql(expression, call, ColumnsOf(sql::Dialect::kDuckDb), options);
  ASSERT_TRUE(inside.ok()) << inside.status().ToString();
  EXPECT_EQ(inside->find("COALESCE"), std::string::npos) << *inside;
  EXPECT_NE(inside->find("\"i0\""), std::string::npos) << *inside;
  EXPECT_NE(inside->find("\"i1\""), std::string::npos) << *inside;
  EXPECT_EQ(inside->find("\"i2\""), std::string::npos) << *inside;

  options.subexpression_sql = [](const ExpressionNode& node) -> Result<std::string> {
    EXPECT_EQ(node.function, Function::kSubExpression);
    return std::string("s0");
  };
  Result<std::string> outside =
      CompileExpressionToSql(expression, ColumnsOf(sql::Dialect::kDuckDb), options);
  ASSERT_TRUE(outside.ok()) << outside.status().ToString();
  // Both the subexpression and i2 count: no value only when both are missing.
  EXPECT_NE(outside->find("(s0) IS NULL AND (\"i2\") IS NULL"), std::string::npos) << *outside;
  EXPECT_NE(outside->find("COALESCE((s0), 0"), std::string::npos) << *outside;
  EXPECT_EQ(outside->find("\"i0\""), std::string::npos) << *outside;

  Expression guarded = Parse("isNull(subExpression(#{fbfJHSPpUQD}))");
  Result<std::string> uncounted =
      CompileExpressionToSql(guarded, ColumnsOf(sql::Dialect::kDuckDb), options);
  ASSERT_TRUE(uncounted.ok()) << uncounted.status().ToString();
  EXPECT_EQ(uncounted->find("CASE WHEN"), std::string::npos) << *uncounted;
  EXPECT_NE(uncounted->find("((s0) IS NULL)"), std::string::npos) << *uncounted;

  // Text inside is refused.
  Expression text = Parse("subExpression('a')");
  EXPECT_EQ(CompileSubexpressionToSql(text, text.root(), ColumnsOf(sql::Dialect::kDuckDb), options)
                .status()
                .code(),
            StatusCode::kUnsupported);
}

// A generator of expressions over the six items, reaching into what the SQL must reproduce:
// division and modulo by zero, nulls inside arithmetic, null-tolerant functions over counted items,
// three-valued logic, booleans as numbers and numbers as booleans. It avoids only non-finite values
// (log of non-positive numbers, huge powers), where the SQL deliberately yields NULL.
class Generator {
 public:
  explicit Generator(uint32_t seed) : random_(seed) {}
  int Below(int n) { return static_cast<int>(random_() % static_cast<uint32_t>(n)); }
  bool Chance(int percent) { return Below(100) < percent; }

  std::string Item() { return std::string("#{") + kUids[Below(kItemCount)] + "}"; }
  std::string Literal() {
    return Chance(80) ? std::to_string(Below(10)) : std::to_string(Below(10)) + ".25";
  }

  std::string Number(int depth) {
    if (depth <= 0) {
      int pick = Below(10);
      return pick < 5 ? Item() : pick < 9 ? Literal() : "[days]";
    }
    std::string a = "(" + Number(depth - 1) + ")";
    std::string b = "(" + Number(depth - 1) + ")";
    switch (Below(20)) {
      case 0:
        return a + " + " + b;
      case 1:
        return a + " - " + b;
      case 2:
        return a + " * " + b;
      case 3:
      case 4:
        return a + " / " + b;
      case 5:
        return a + " % " + b;
      case 6:
        return Item() + " ^ " + std::to_string(Below(4));
      case 7:
        return "-" + a;
      case 8:
        return "if(" + Boolean(depth - 1) + ", " + Number(depth - 1) + ", " + Number(depth - 1) +
               ")";
      case 9:
        return std::string(Chance(50) ? "greatest(" : "least(") + Number(depth - 1) + ", " +
               Number(depth - 1) + (Chance(50) ? ", " + Number(depth - 1) : "") + ")";
      case 10:
        return "firstNonNull(" + Item() + ", " + Number(depth - 1) + ")";
      case 11:
        return "removeZeros(" + Number(depth - 1) + ")";
      case 12:
        return "log(" + Item() + " ^ 2 + 1)";
      case 13:
        return "log10(" + Item() + " ^ 2 + 2) + log(" + Item() + " ^ 2 + 1, 3)";
      case 14:
        return Chance(50) ? "null" : a + " + null";
      case 15:
        return "if(" + Number(depth - 1) + ", 1, 2)";  // a number as a condition
      case 16:
        return "(" + Boolean(depth - 1) + ") * 3";  // a boolean as a number
      default:
        return Number(0);
    }
  }

  std::string Boolean(int depth) {
    if (depth <= 0) {
      return Chance(50) ? "true" : "false";
    }
    static const char* const kComparisons[] = {"<", ">", "<=", ">=", "==", "!="};
    switch (Below(8)) {
      case 0:
      case 1:
        return "(" + Number(depth - 1) + ") " + kComparisons[Below(6)] + " (" + Number(depth - 1) +
               ")";
      case 2:
        return "(" + Boolean(depth - 1) + ") && (" + Boolean(depth - 1) + ")";
      case 3:
        return "(" + Boolean(depth - 1) + ") || (" + Boolean(depth - 1) + ")";
      case 4:
        return "!(" + Boolean(depth - 1) + ")";
      case 5:
        return std::string(Chance(50) ? "isNull(" : "isNotNull(") + Number(depth - 1) + ")";
      case 6:
        return "if(" + Boolean(depth - 1) + ", " + Boolean(depth - 1) + ", null)";
      default:
        return Chance(50) ? "true" : "false";
    }
  }

  std::optional<double> Value() {
    int pick = Below(100);
    if (pick < 25) {
      return std::nullopt;
    }
    if (pick < 40) {
      return 0.0;
    }
    if (pick < 50) {
      return -static_cast<double>(Below(20));
    }
    return Below(60) / (Chance(70) ? 1.0 : 4.0);
  }

 private:
  std::mt19937 random_;
};

struct Cells {
  std::vector<std::vector<std::optional<double>>> values;  // [row][item]
  std::vector<double> days;
};

Cells LoadCells(engine::Connection& connection) {
  Cells cells;
  Generator generator(7);
  std::string create = "CREATE TABLE cells (cell INTEGER, days DOUBLE";
  for (int i = 0; i < kItemCount; ++i) {
    create += ", i" + std::to_string(i) + " DOUBLE";
  }
  EXPECT_TRUE(connection.Execute(create + ")").ok());
  Result<engine::Appender> appender = connection.CreateAppender("main", "cells");
  EXPECT_TRUE(appender.ok()) << appender.status().ToString();
  const double kDays[] = {28, 30, 31, 91, 365, 366};
  for (int row = 0; row < kRowCount; ++row) {
    std::vector<std::optional<double>> values;
    for (int i = 0; i < kItemCount; ++i) {
      values.push_back(generator.Value());
    }
    double days = kDays[generator.Below(6)];
    EXPECT_TRUE(appender->Append(static_cast<int64_t>(row)).ok());
    EXPECT_TRUE(appender->Append(days).ok());
    for (const std::optional<double>& value : values) {
      EXPECT_TRUE((value ? appender->Append(*value) : appender->AppendNull()).ok());
    }
    EXPECT_TRUE(appender->EndRow().ok());
    cells.values.push_back(std::move(values));
    cells.days.push_back(days);
  }
  EXPECT_TRUE(appender->Close().ok());
  return cells;
}

std::vector<std::optional<double>> ItemValuesFor(const Expression& expression,
                                                 const std::vector<std::optional<double>>& row) {
  std::vector<std::optional<double>> values;
  for (const ItemKey& key : expression.items()) {
    int index = static_cast<int>(std::find(std::begin(kUids), std::end(kUids), key.uid0) -
                                 std::begin(kUids));
    values.push_back(row[index]);
  }
  return values;
}

bool Agree(std::optional<double> sql, std::optional<double> evaluated) {
  if (!sql || !evaluated) {
    return !sql && !evaluated;
  }
  double scale = std::max({1.0, std::fabs(*sql), std::fabs(*evaluated)});
  return std::fabs(*sql - *evaluated) <= 1e-9 * scale;
}

TEST(ExpressionSqlDuckDbTest, CompiledSqlAgreesWithTheEvaluator) {
  Result<engine::Database> database = engine::Database::Open();
  ASSERT_TRUE(database.ok()) << database.status().ToString();
  Result<engine::Connection> connection = database->Connect();
  ASSERT_TRUE(connection.ok()) << connection.status().ToString();
  Cells cells = LoadCells(*connection);

  Generator generator(20261123);
  constexpr int kExpressionCount = 1200;
  constexpr int kPerQuery = 40;
  const MissingValueStrategy kStrategies[] = {MissingValueStrategy::kSkipIfAnyValueMissing,
                                              MissingValueStrategy::kSkipIfAllValuesMissing,
                                              MissingValueStrategy::kNeverSkip};
  int compared = 0;
  int nulls = 0;
  std::vector<std::string> disagreements;
  for (int batch = 0; batch < kExpressionCount / kPerQuery; ++batch) {
    std::vector<Expression> expressions;
    std::vector<MissingValueStrategy> strategies;
    std::string query = "SELECT cell";
    for (int k = 0; k < kPerQuery; ++k) {
      std::string text =
          generator.Chance(80) ? generator.Number(1 + generator.Below(4)) : generator.Boolean(3);
      Expression expression = Parse(text);
      MissingValueStrategy strategy = kStrategies[generator.Below(3)];
      SqlCompileOptions options;
      options.missing_value_strategy = strategy;
      options.days_sql = "\"days\"";
      Result<std::string> sql =
          CompileExpressionToSql(expression, ColumnsOf(sql::Dialect::kDuckDb), options);
      ASSERT_TRUE(sql.ok()) << text << ": " << sql.status().ToString();
      // The Spark rendering of the same expression compiles too.
      options.dialect = sql::Dialect::kSpark;
      options.days_sql = "`days`";
      ASSERT_TRUE(
          CompileExpressionToSql(expression, ColumnsOf(sql::Dialect::kSpark), options).ok());
      query += ",\n  " + *sql;
      expressions.push_back(std::move(expression));
      strategies.push_back(strategy);
    }
    query += "\nFROM cells ORDER BY cell";
    Result<engine::QueryResult> result = connection->Query(query);
    ASSERT_TRUE(result.ok()) << result.status().ToString() << "\n" << query;
    ASSERT_EQ(result->row_count(), static_cast<size_t>(kRowCount));
    for (int k = 0; k < kPerQuery; ++k) {
      for (int row = 0; row < kRowCount; ++row) {
        EvaluationOptions options;
        options.missing_value_strategy = strategies[k];
        options.days = cells.days[row];
        std::vector<std::optional<double>> values =
            ItemValuesFor(expressions[k], cells.values[row]);
        Result<ExpressionValue> evaluated = EvaluateExpression(
            expressions[k], std::span<const std::optional<double>>(values), options);
        ASSERT_TRUE(evaluated.ok()) << evaluated.status().ToString();
        std::optional<double> expected = evaluated->AsNumber();
        std::optional<double> actual = result->GetDouble(k + 1, row);
        ++compared;
        nulls += expected ? 0 : 1;
        if (!Agree(actual, expected)) {
          std::string row_text;
          for (const auto& value : cells.values[row]) {
            row_text += value ? std::to_string(*value) + " " : "NULL ";
          }
          disagreements.push_back(
              expressions[k].text() + " [" + std::string(MissingValueStrategyName(strategies[k])) +
              "] row " + row_text + "days " + std::to_string(cells.days[row]) + ": SQL " +
              (actual ? std::to_string(*actual) : "NULL") + ", evaluator " + evaluated->ToString());
        }
      }
    }
  }
  std::cout << compared << " cells compared (" << nulls << " without a value), "
            << disagreements.size() << " disagreements\n";
  for (size_t i = 0; i < disagreements.size() && i < 15; ++i) {
    ADD_FAILURE() << disagreements[i];
  }
  EXPECT_TRUE(disagreements.empty());
}

TEST(ExpressionSqlDuckDbTest, IndicatorAnc1Coverage) {
  Result<engine::Database> database = engine::Database::Open();
  ASSERT_TRUE(database.ok());
  Result<engine::Connection> connection = database->Connect();
  ASSERT_TRUE(connection.ok());
  // ANC 1st visits and expected pregnancies at clinic uNEhNuBUr0i, June-August 2023, plus a month
  // without visits, one without a denominator and one with a zero denominator.
  ASSERT_TRUE(
      connection
          ->Execute("CREATE TABLE cells (pe VARCHAR, days DOUBLE, i0 DOUBLE, i1 DOUBLE);"
                    "INSERT INTO cells VALUES ('202306', 30, 10, 71), ('202307', 31, 20, 71),"
                    "('202308', 31, 7, 71), ('202309', 30, NULL, 71), "
                    "('202310', 31, 5, NULL), ('202311', 30, 5, 0);")
          .ok());
  Expression numerator = Parse("#{fbfJHSPpUQD}");
  Expression denominator = Parse("#{h0xKKjijTdI}");
  IndicatorFormula formula{&numerator, &denominator, 100, true};
  Result<std::string> sql = CompileIndicatorToSql(formula, ColumnsOf(sql::Dialect::kDuckDb),
                                                  sql::Dialect::kDuckDb, "\"days\"");
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  Result<std::string> spark = CompileIndicatorToSql(formula, ColumnsOf(sql::Dialect::kSpark),
                                                    sql::Dialect::kSpark, "`days`");
  ASSERT_TRUE(spark.ok());
  EXPECT_EQ(spark->find("NULLIF"), std::string::npos);
  EXPECT_NE(spark->find("try_divide("), std::string::npos);
  Result<engine::QueryResult> result =
      connection->Query("SELECT pe, " + *sql + " FROM cells ORDER BY pe");
  ASSERT_TRUE(result.ok()) << result.status().ToString() << "\n" << *sql;
  ASSERT_EQ(result->row_count(), 6u);
  // 10 / 71 * 100 * 365 / 30 and the July and August answers of the 2.36 recording.
  EXPECT_NEAR(*result->GetDouble(1, 0), 365000.0 / 2130.0, 1e-9);
  EXPECT_NEAR(*result->GetDouble(1, 1), 331.7, 0.05);
  EXPECT_NEAR(*result->GetDouble(1, 2), 116.1, 0.05);
  EXPECT_FALSE(result->GetDouble(1, 3).has_value());  // no numerator value at all
  EXPECT_FALSE(result->GetDouble(1, 4).has_value());  // no denominator
  EXPECT_FALSE(result->GetDouble(1, 5).has_value());  // zero denominator
}

// What sql/dialect.h promises about DuckDB, checked in DuckDB.
TEST(ExpressionSqlDuckDbTest, DialectSemantics) {
  Result<engine::Database> database = engine::Database::Open();
  ASSERT_TRUE(database.ok());
  Result<engine::Connection> connection = database->Connect();
  ASSERT_TRUE(connection.ok());
  const sql::Dialect d = sql::Dialect::kDuckDb;
  std::string null = sql::NullLiteral();
  Result<engine::QueryResult> r = connection->Query(
      "SELECT " + sql::Greatest({"1e+00", null, "3e+00"}, d) + ", " +
      sql::Least({null, "2e+00"}, d) + ", " + sql::Greatest({null, null}, d) + ", " +
      sql::SafeDivide("1e+00", "0e+00", d) + ", " + sql::SafeModulo("(-7e+00)", "3e+00", d) + ", " +
      sql::SafeModulo("7.5e+00", "0e+00", d) + ", " + sql::Ln("0e+00", d) + ", " +
      sql::Ln("(-1e+00)", d) + ", " + sql::Log10("1e+03", d) + ", " +
      sql::Power("(-2e+00)", "3e+00", d) + ", " + sql::NumberLiteral(0.1) + " + " +
      sql::NumberLiteral(0.2) + ", " + sql::StringLiteral("it's", d) + " || " +
      sql::StringLiteral("\\n", d) + ", " + sql::NumberLiteral(1e300) + " * 10");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->GetDouble(0, 0), 3);
  EXPECT_EQ(r->GetDouble(1, 0), 2);
  EXPECT_FALSE(r->GetDouble(2, 0).has_value());
  EXPECT_FALSE(r->GetDouble(3, 0).has_value());
  EXPECT_EQ(r->GetDouble(4, 0), -1);  // truncated remainder, as Java and fmod
  EXPECT_FALSE(r->GetDouble(5, 0).has_value());
  EXPECT_FALSE(r->GetDouble(6, 0).has_value());
  EXPECT_FALSE(r->GetDouble(7, 0).has_value());
  EXPECT_EQ(r->GetDouble(8, 0), 3);
  EXPECT_EQ(r->GetDouble(9, 0), -8);
  EXPECT_EQ(r->column_type(10), "DOUBLE");  // not DECIMAL
  EXPECT_EQ(r->GetDouble(10, 0), 0.1 + 0.2);
  EXPECT_EQ(r->GetString(11, 0), "it's\\n");
  EXPECT_EQ(r->GetDouble(12, 0), 1e301);
  // Quoted identifiers with quotes inside reach the column.
  Result<std::string> column = sql::QuoteIdentifier("#{a\"b}", d);
  ASSERT_TRUE(column.ok());
  Result<engine::QueryResult> q = connection->Query("SELECT 5 AS " + *column + ";");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->column_name(0), "#{a\"b}");
}

// One indicator over a million org unit x period cells in a single query (a measurement, printed).
TEST(ExpressionSqlDuckDbTest, MillionCellsInOneQuery) {
  Result<engine::Database> database = engine::Database::Open();
  ASSERT_TRUE(database.ok());
  Result<engine::Connection> connection = database->Connect();
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE(
      connection
          ->Execute("CREATE TABLE cells AS SELECT range AS cell, 30.0 AS days, "
                    "CASE WHEN range % 7 = 0 THEN NULL ELSE (range % 50)::DOUBLE END AS i0, "
                    "CASE WHEN range % 11 = 0 THEN NULL ELSE (range % 13)::DOUBLE END AS i1, "
                    "(range % 100 + 1)::DOUBLE AS i2 FROM range(1000000)")
          .ok());
  Expression numerator = Parse("#{fbfJHSPpUQD} + #{h0xKKjijTdI}");
  Expression denominator = Parse("#{cYeuwXTCPkU}");
  IndicatorFormula formula{&numerator, &denominator, 100, true};
  Result<std::string> sql = CompileIndicatorToSql(formula, ColumnsOf(sql::Dialect::kDuckDb),
                                                  sql::Dialect::kDuckDb, "\"days\"");
  ASSERT_TRUE(sql.ok());
  auto start = std::chrono::steady_clock::now();
  Result<engine::QueryResult> result =
      connection->Query("SELECT count(v), sum(v) FROM (SELECT " + *sql + " AS v FROM cells)");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  std::cout << "indicator over 1000000 cells in one DuckDB query: " << seconds << " s, "
            << *result->GetInt64(0, 0) << " values\n";
  EXPECT_GT(*result->GetInt64(0, 0), 900000);
}

}  // namespace
}  // namespace dhl::dhis2
