// Quoting of identifiers and rendering of literals: the one place in the project that writes them.
//
// Every identifier or value that reaches SQL text goes through these functions; no other code may
// quote by hand. Identifiers: DuckDB "double quotes", Spark `back-ticks`, the quote character
// doubled inside. Strings: DuckDB 'single quotes' with '' for a quote and no backslash escapes;
// Spark 'single quotes' with backslash escapes (\\ and \'), which Spark applies by default. Numbers
// render as DOUBLE in both dialects (scientific notation, so neither engine reads them as DECIMAL),
// with the shortest text that reads back as the same double. All functions are pure and
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "sql/dialect.h"

namespace dhl::sql {

// A quoted identifier (a column, table or schema name, one part; join parts with '.').
// Invalid argument for an empty name or one holding a NUL byte, which neither engine can name.
Result<std::string> QuoteIdentifier(std::string_view name, Dialect dialect);

// The same for a name the caller has already validated or that comes from our own code (a column of
// a schema we parsed, a constant): an empty name renders as "" and a NUL byte is kept, both of
// which the engine then refuses with its own error.
std::string QuoteName(std::string_view name, Dialect dialect = Dialect::kDuckDb);

// A string literal holding exactly `value` (any bytes, NUL included).
std::string StringLiteral(std::string_view value, Dialect dialect = Dialect::kDuckDb);

// DuckDB's list literal of strings: ['a', 'b'] (each as StringLiteral), [] when empty.
std::string StringListLiteral(const std::vector<std::string>& values);

// A DOUBLE literal: `1.5e+00`, negatives parenthesised `(-2e+00)` so that `a - <literal>` can never
// form a `--` comment; NaN and infinities as CAST('NaN' AS DOUBLE) / CAST('Infinity' AS DOUBLE).
std::string NumberLiteral(double value);

// An integer literal (BIGINT-compatible): `42`, `(-7)`.
std::string IntegerLiteral(std::int64_t value);

// TRUE or FALSE.
std::string BooleanLiteral(bool value);

// NULL, typed as DOUBLE (`CAST(NULL AS DOUBLE)`) so it can stand where a number is expected.
std::string NullLiteral();

}  // namespace dhl::sql
