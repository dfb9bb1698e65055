// Rendering of text written in the SQL subset DuckDB and Spark share (models/**.sql,
// docs/models.md) into one dialect: the one place where the spelling of shared SQL differs between
// the engines. The dialect functions of sql/dialect.h cover constructs whose semantics differ; this
// covers the lexical differences that remain in otherwise portable text:
//
//   construct                 DuckDB (as written)      Spark SQL
//   quoted identifier         "values"                 `values` ("x" is a string in Spark)
//   string literal            'a\b', 'it''s'           'a\\b', 'it\'s' (Spark applies escapes)
//   type name in CAST(x AS t) VARCHAR, TEXT, STRING    STRING
//                             TIMESTAMPTZ, TIMESTAMP   TIMESTAMP (an instant in both, see
//                             WITH TIME ZONE           docs/delta.md: Delta `timestamp`)
//                             HUGEINT                  DECIMAL(38, 0)
//                             BLOB                     BINARY
// Everything else (keywords, functions, operators, comments, white space) is kept byte for byte, so
// a model's two renderings differ only at the places this table lists (a test walks both renderings
// token by token to prove it). DuckDB rendering is the identity. Pure; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/dialect.h"

namespace dhl::sql {

// `text` (shared-subset SQL as written for DuckDB) in `dialect`.
std::string RenderShared(std::string_view text, Dialect dialect);

// One lexical token of SQL text, for callers that compare renderings: kind, and the text as
// written.
struct SqlToken {
  enum class Kind { kWord, kQuotedIdentifier, kString, kNumber, kSymbol };
  Kind kind = Kind::kSymbol;
  std::string text;  // as in the source (quotes included); words keep their case
  // The meaning: an identifier's or string's decoded value in the dialect it was read in; words
  // upper-cased.
  std::string value;
};

// The tokens of `text` read in `dialect` (comments and white space dropped).
std::vector<SqlToken> TokenizeSql(std::string_view text, Dialect dialect);

// `text` read in `dialect` with every call `function('argument')` (one string literal argument, the
// function name matched case-insensitively, outside comments and strings) replaced by
// `replacement(argument)`: how ref('layer.table') is resolved in text already in Spark spelling.
std::string ReplaceCalls(std::string_view text, Dialect dialect, std::string_view function,
                         const std::function<std::string(const std::string&)>& replacement);

// The Spark spelling of a DuckDB type name as it may appear in CAST(x AS type) (upper-cased input
// such as "VARCHAR", "TIMESTAMPTZ"); the name itself when the engines spell it alike.
std::string SparkTypeName(std::string_view duckdb_type);

}  // namespace dhl::sql
