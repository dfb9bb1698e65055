// The two SQL dialects the project renders: DuckDB (the embedded engine) and Spark SQL
// (Databricks).
//
// Models and compiled DHIS2 expressions are written once and rendered per dialect. Every function
// here takes operands that are already complete SQL expressions (rendered by the caller, quoted
// through sql/literal.h) and returns one parenthesised SQL expression, so results compose without
// precedence surprises. Only the constructs whose spelling or semantics differ between the two
// engines, or whose portable spelling is not obvious, live here; everything else is plain shared
// SQL.
//
// Semantics both renderings guarantee (checked against DuckDB 1.4 by tests; Spark from its
// reference):
// - SafeDivide / SafeModulo: NULL when the divisor is 0 or NULL, never an error (Spark's ANSI mode,
//   the Databricks default, raises DIVIDE_BY_ZERO for a plain `/` or `%`).
// - Greatest / Least: NULL arguments are skipped; NULL only when every argument is NULL (DuckDB and
//   Spark agree; note PostgreSQL agrees too, MySQL does not).
// - Ln / Log10: NULL for arguments <= 0 (DuckDB raises an error for ln(0) and ln(-1); Spark
//   returns NULL).
// - Power: IEEE pow; both engines spell it power(a, b).
// - Concat: NULL if any operand is NULL (the `||` operator in both; DuckDB's concat() would
//   skip NULLs).
// All functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dhl::sql {

enum class Dialect {
  kDuckDb,
  kSpark,
};

// "duckdb" or "spark".
std::string_view DialectName(Dialect dialect);

// a / b, NULL when b is 0 or NULL. DuckDB `(a / NULLIF(b, 0))`, Spark `try_divide(a, b)`.
std::string SafeDivide(std::string_view dividend, std::string_view divisor, Dialect dialect);

// a % b with the sign of a (truncated remainder, as C fmod and Java %), NULL when b is 0 or NULL.
std::string SafeModulo(std::string_view dividend, std::string_view divisor, Dialect dialect);

// greatest(...) / least(...) over at least one argument, skipping NULLs (Spark documents this:
// "skipping null values ... null if all parameters are null"; DuckDB checked by tests). A single
// argument is returned as it is, since Spark's functions need two.
std::string Greatest(const std::vector<std::string>& arguments, Dialect dialect);
std::string Least(const std::vector<std::string>& arguments, Dialect dialect);

// Natural and base-10 logarithm; NULL for x <= 0 or NULL.
std::string Ln(std::string_view x, Dialect dialect);
std::string Log10(std::string_view x, Dialect dialect);

// base raised to exponent.
std::string Power(std::string_view base, std::string_view exponent, Dialect dialect);

// CAST(x AS DOUBLE): booleans become 1.0 / 0.0, numeric strings their value.
std::string CastToDouble(std::string_view x, Dialect dialect);

// CASE WHEN condition THEN then_value ELSE else_value END (a NULL condition takes the ELSE branch,
// as SQL does; callers wanting NULL for a NULL condition use CaseWhenNullAware).
std::string CaseWhen(std::string_view condition, std::string_view then_value,
                     std::string_view else_value, Dialect dialect);

// Like CaseWhen, but NULL when the condition is NULL.
std::string CaseWhenNullAware(std::string_view condition, std::string_view then_value,
                              std::string_view else_value, Dialect dialect);

// String concatenation of at least one operand; NULL if any operand is NULL.
std::string Concat(const std::vector<std::string>& operands, Dialect dialect);

// TRUE when `item` is one of the `delimiter`-separated elements of `list` (exact match, no
// trimming). DuckDB list_contains(string_split(..)), Spark array_contains(split(..)) (the delimiter
// is quoted for Spark's regular-expression split).
std::string SplitContains(std::string_view list, char delimiter, std::string_view item,
                          Dialect dialect);

// JSON and arrays in models. The engines differ most here (DuckDB json_extract_string / unnest,
// Spark get_json_object / explode), so models call the Spark functions only, and DuckDB gets
// macros of the same names and meaning before any model runs (the pipeline runner executes these
// statements on its connection):
//   get_json_object(json_text, '$.path')  the value at the path as text (a string unquoted, an
//                                          object or array as JSON text), NULL when absent
//   sequence(start, stop)                  the integers start..stop (callers keep stop >= start:
//                                          Spark counts down otherwise)
//   explode(array)                         one row per element (in a SELECT list)
//   from_json(json_text, 'array<struct<a:string,b:string>>')  the array parsed once, as a list of
//                                          structs (fields read as `alias.a`; a number or object
//                                          in a string field comes as its JSON text, a missing
//                                          field as NULL); 'array<string>' gives a list of text.
//                                          Only these two schema forms, written without spaces.
//                                          NULL or not an array: no elements.
// json_array_length(json_text) is built into both. The Spark rendering of a model needs nothing.
// Array elements are read as explode(from_json(a, 'array<struct<id:string>>')) AS item, then
// item.id: each array is parsed once (reading '$[i]' per element re-parses it: quadratic).
std::vector<std::string> DuckDbSparkFunctionMacros();

}  // namespace dhl::sql
