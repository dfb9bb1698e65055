#include "sql/dialect.h"

#include <string>

#include "base/text.h"
#include "sql/literal.h"

namespace dhl::sql {
namespace {

std::string Parenthesise(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 2);
  out += '(';
  out += sql;
  out += ')';
  return out;
}

// ln/log10 guarded so that non-positive arguments give NULL in both engines.
std::string GuardedLog(std::string_view function, std::string_view x) {
  std::string arg = Parenthesise(x);
  return "(CASE WHEN " + arg + " > 0 THEN " + std::string(function) + "(" + arg + ") END)";
}

}  // namespace

std::string_view DialectName(Dialect dialect) {
  switch (dialect) {
    case Dialect::kDuckDb:
      return "duckdb";
    case Dialect::kSpark:
      return "spark";
  }
  return "unknown";
}

std::string SafeDivide(std::string_view dividend, std::string_view divisor, Dialect dialect) {
  if (dialect == Dialect::kSpark) {
    return "try_divide(" + std::string(dividend) + ", " + std::string(divisor) + ")";
  }
  return "(" + Parenthesise(dividend) + " / NULLIF(" + std::string(divisor) + ", 0))";
}

std::string SafeModulo(std::string_view dividend, std::string_view divisor, Dialect dialect) {
  // Both engines compute a truncated remainder for DOUBLE operands (fmod / Java %). NULLIF keeps a
  // zero divisor from raising under Spark's ANSI mode; try_mod only exists from Spark 4.0.
  (void)dialect;
  return "(" + Parenthesise(dividend) + " % NULLIF(" + std::string(divisor) + ", 0))";
}

std::string Greatest(const std::vector<std::string>& arguments, Dialect dialect) {
  (void)dialect;  // same spelling and NULL-skipping semantics in both
  if (arguments.size() == 1) {
    return Parenthesise(arguments[0]);  // Spark's greatest() needs two arguments
  }
  return "greatest(" + Join(arguments, ", ") + ")";
}

std::string Least(const std::vector<std::string>& arguments, Dialect dialect) {
  (void)dialect;
  if (arguments.size() == 1) {
    return Parenthesise(arguments[0]);
  }
  return "least(" + Join(arguments, ", ") + ")";
}

std::string Ln(std::string_view x, Dialect dialect) {
  (void)dialect;
  return GuardedLog("ln", x);
}

std::string Log10(std::string_view x, Dialect dialect) {
  (void)dialect;
  return GuardedLog("log10", x);
}

std::string Power(std::string_view base, std::string_view exponent, Dialect dialect) {
  (void)dialect;
  return "power(" + std::string(base) + ", " + std::string(exponent) + ")";
}

std::string CastToDouble(std::string_view x, Dialect dialect) {
  (void)dialect;
  return "CAST(" + std::string(x) + " AS DOUBLE)";
}

std::string CaseWhen(std::string_view condition, std::string_view then_value,
                     std::string_view else_value, Dialect dialect) {
  (void)dialect;
  return "(CASE WHEN " + std::string(condition) + " THEN " + std::string(then_value) + " ELSE " +
         std::string(else_value) + " END)";
}

std::string CaseWhenNullAware(std::string_view condition, std::string_view then_value,
                              std::string_view else_value, Dialect dialect) {
  (void)dialect;
  std::string cond = Parenthesise(condition);
  return "(CASE WHEN " + cond + " THEN " + std::string(then_value) + " WHEN NOT " + cond +
         " THEN " + std::string(else_value) + " END)";
}

std::string Concat(const std::vector<std::string>& operands, Dialect dialect) {
  (void)dialect;
  return "(" + Join(operands, " || ") + ")";
}

std::string SplitContains(std::string_view list, char delimiter, std::string_view item,
                          Dialect dialect) {
  std::string delimiter_text(1, delimiter);
  if (dialect == Dialect::kSpark) {
    // split() takes a Java regular expression: \Q...\E quotes the delimiter literally.
    return "array_contains(split(" + std::string(list) + ", " +
           StringLiteral("\\Q" + delimiter_text + "\\E", dialect) + "), " + std::string(item) + ")";
  }
  return "list_contains(string_split(" + std::string(list) + ", " +
         StringLiteral(delimiter_text, dialect) + "), " + std::string(item) + ")";
}

std::vector<std::string> DuckDbSparkFunctionMacros() {
  return {
      "CREATE OR REPLACE TEMP MACRO get_json_object(json_text, json_path) AS "
      "json_extract_string(json_text, json_path)",
      "CREATE OR REPLACE TEMP MACRO sequence(first_value, last_value) AS "
      "generate_series(CAST(first_value AS BIGINT), CAST(last_value AS BIGINT))",
      "CREATE OR REPLACE TEMP MACRO explode(elements) AS unnest(elements)",
      // Spark's schema text turned into json_transform's structure while binding (the
      // translation folds to a constant): array<struct<a:string,b:string>> becomes
      // [{"a":"VARCHAR","b":"VARCHAR"}], array<string> becomes ["VARCHAR"].
      "CREATE OR REPLACE TEMP MACRO from_json(json_text, spark_schema) AS "
      "json_transform(json_text, regexp_replace(replace(replace(replace(spark_schema, "
      "'array<struct<', '[{'), '>>', '}]'), 'array<string>', '[\"VARCHAR\"]'), "
      "'([A-Za-z_][A-Za-z0-9_]*):string', '\"\\1\":\"VARCHAR\"', 'g'))",
  };
}

}  // namespace dhl::sql
