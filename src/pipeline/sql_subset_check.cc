#include "pipeline/sql_subset_check.h"

#include <cctype>
#include <set>

namespace dhl::pipeline {
namespace {

struct Token {
  std::string text;  // upper-cased for words; the symbol otherwise; "'" for a string literal
  int line = 0;
  bool word = false;
};

std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  int line = 1;
  size_t i = 0;
  auto count_lines = [&](size_t from, size_t to) {
    for (size_t k = from; k < to && k < text.size(); ++k) {
      if (text[k] == '\n') ++line;
    }
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < text.size() && text[i + 1] == '-') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      size_t end = text.find("*/", i + 2);
      end = end == std::string_view::npos ? text.size() : end + 2;
      count_lines(i, end);
      i = end;
    } else if (c == '\'' || c == '"' || c == '`') {
      size_t end = text.find(c, i + 1);
      end = end == std::string_view::npos ? text.size() : end + 1;
      tokens.push_back(Token{c == '\'' ? "'" : "IDENT", line, c != '\''});
      count_lines(i, end);
      i = end;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      size_t end = i;
      while (end < text.size() &&
             (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) {
        ++end;
      }
      std::string word(text.substr(i, end - i));
      for (char& ch : word) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      tokens.push_back(Token{word, line, true});
      i = end;
    } else {
      static const char* kTwoChar[] = {"::", "->", "**", "//", "||", "<>", "!=", ">=", "<="};
      std::string symbol(1, c);
      for (const char* two : kTwoChar) {
        if (text.substr(i, 2) == two) symbol = two;
      }
      tokens.push_back(Token{symbol, line, false});
      i += symbol.size();
    }
  }
  return tokens;
}

// Functions DuckDB has and Spark lacks (or has with another meaning).
const std::set<std::string>& DuckDbOnlyFunctions() {
  static const std::set<std::string> functions = {"STRUCT_PACK",     "STRFTIME",
                                                  "STRPTIME",        "EPOCH_MS",
                                                  "EPOCH",           "LIST_VALUE",
                                                  "ARRAY_AGG",       "STRING_AGG",
                                                  "REGEXP_MATCHES",  "LIST",
                                                  "UNNEST",          "TRY_STRPTIME",
                                                  "DATE_DIFF",       "DATEDIFF",
                                                  "STR_SPLIT",       "STRING_SPLIT",
                                                  "ARG_MAX",         "ARG_MIN",
                                                  "GEN_RANDOM_UUID", "TODAY",
                                                  "READ_CSV",        "READ_PARQUET",
                                                  "READ_JSON",       "MAKE_TIMESTAMP",
                                                  "TO_JSON",         "JSON_EXTRACT_STRING"};
  return functions;
}

const std::set<std::string>& IntegerTypes() {
  static const std::set<std::string> types = {"INT",     "INTEGER", "BIGINT",  "SMALLINT",
                                              "TINYINT", "LONG",    "HUGEINT", "UBIGINT"};
  return types;
}

const std::set<std::string>& RoundingFunctions() {
  static const std::set<std::string> functions = {"FLOOR", "CEIL", "CEILING", "ROUND"};
  return functions;
}

// The end of an ORDER BY clause at its parenthesis depth.
bool EndsOrderBy(const Token& token) {
  static const std::set<std::string> enders = {"LIMIT",  "OFFSET",    "ROWS",   "RANGE", "UNION",
                                               "EXCEPT", "INTERSECT", "WINDOW", "FETCH"};
  return token.text == ")" || token.text == ";" || (token.word && enders.count(token.text) > 0);
}

}  // namespace

std::string SubsetViolation::ToString(std::string_view path) const {
  return std::string(path) + ":" + std::to_string(line) + ": " + message;
}

std::vector<SubsetViolation> CheckSharedSubset(std::string_view text) {
  std::vector<SubsetViolation> violations;
  std::vector<Token> tokens = Tokenize(text);
  auto next_is = [&](size_t i, std::string_view value) {
    return i + 1 < tokens.size() && tokens[i + 1].text == value;
  };
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& token = tokens[i];
    if (token.text == "::") {
      violations.push_back({token.line, "'::' casts are DuckDB-only: write CAST(x AS type)"});
    } else if (token.text == "->" || token.text == "**" || token.text == "//") {
      violations.push_back({token.line, "operator '" + token.text + "' is DuckDB-only"});
    } else if (token.word && token.text == "QUALIFY") {
      violations.push_back(
          {token.line, "QUALIFY is not in Apache Spark SQL: filter a window in a subquery"});
    } else if (token.word &&
               (token.text == "EXCLUDE" || token.text == "REPLACE" || token.text == "COLUMNS") &&
               i > 0 && (tokens[i - 1].text == "*" || next_is(i, "(")) &&
               tokens[i - 1].text == "*") {
      violations.push_back(
          {token.line, "SELECT * " + token.text + " is DuckDB-only: list the columns"});
    } else if (token.word && next_is(i, "(") && (i == 0 || tokens[i - 1].text != ".") &&
               (DuckDbOnlyFunctions().count(token.text) > 0 || token.text.rfind("LIST_", 0) == 0)) {
      violations.push_back(
          {token.line, "function " + token.text + "() is DuckDB-only (not in the shared subset)"});
    } else if (token.word && token.text == "CAST" && next_is(i, "(")) {
      // CAST(<expr> AS <integer type>): DuckDB rounds a double, Spark truncates; demand an explicit
      // FLOOR/CEIL/ROUND, a string literal or text a regexp_extract took out (the models extract
      // digits only: both engines read them alike) as the argument.
      int depth = 0;
      size_t close = i + 1;
      for (; close < tokens.size(); ++close) {
        if (tokens[close].text == "(") ++depth;
        if (tokens[close].text == ")" && --depth == 0) break;
      }
      if (close < tokens.size() && close >= i + 4 && tokens[close - 2].text == "AS" &&
          IntegerTypes().count(tokens[close - 1].text) > 0) {
        const Token& first = tokens[i + 2];
        bool explicit_rounding = RoundingFunctions().count(first.text) > 0 || first.text == "'" ||
                                 first.text == "REGEXP_EXTRACT";
        if (!explicit_rounding) {
          violations.push_back(
              {token.line,
               "integer CAST must take FLOOR(), CEIL() or ROUND() of its argument (DuckDB rounds "
               "a double, Spark truncates)"});
        }
      }
    } else if (token.word && token.text == "ORDER" && next_is(i, "BY")) {
      // Each item of the clause must say NULLS FIRST or NULLS LAST (the engines' defaults differ).
      int depth = 0;
      bool has_nulls = false;
      size_t k = i + 2;
      for (; k < tokens.size(); ++k) {
        const Token& item = tokens[k];
        if (depth == 0 && (EndsOrderBy(item) || item.text == ",")) {
          if (!has_nulls) {
            violations.push_back(
                {item.line, "ORDER BY item without NULLS FIRST/LAST (DuckDB and Spark differ)"});
          }
          has_nulls = false;
          if (item.text != ",") break;
          continue;
        }
        if (item.text == "(") ++depth;
        if (item.text == ")") --depth;
        if (item.word && item.text == "NULLS") has_nulls = true;
      }
      if (k >= tokens.size() && !has_nulls) {
        violations.push_back({tokens.back().line,
                              "ORDER BY item without NULLS FIRST/LAST (DuckDB and Spark differ)"});
      }
    } else if (token.word && token.text == "FROM" && i == 0) {
      violations.push_back({token.line, "FROM-first queries are DuckDB-only"});
    }
  }
  return violations;
}

}  // namespace dhl::pipeline
