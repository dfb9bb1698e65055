#include "sql/shared_sql.h"

#include <cctype>
#include <optional>

#include "base/text.h"
#include "sql/literal.h"

namespace dhl::sql {
namespace {

bool IsWordByte(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// A token with its place in the text.
struct Span {
  SqlToken token;
  size_t begin = 0;
  size_t end = 0;
};

// Decodes a quoted run starting at `begin` (the quote character) read in `dialect`; returns the end
// offset (one past the closing quote, or the text's end when unterminated).
size_t ReadQuoted(std::string_view text, size_t begin, Dialect dialect, std::string& value) {
  char quote = text[begin];
  bool backslash_escapes = dialect == Dialect::kSpark && quote == '\'';
  size_t i = begin + 1;
  while (i < text.size()) {
    char c = text[i];
    if (backslash_escapes && c == '\\' && i + 1 < text.size()) {
      char next = text[i + 1];
      value += next == 'n' ? '\n' : next == 't' ? '\t' : next == '0' ? '\0' : next;
      i += 2;
      continue;
    }
    if (c == quote) {
      if (i + 1 < text.size() && text[i + 1] == quote) {  // doubled quote
        value += quote;
        i += 2;
        continue;
      }
      return i + 1;
    }
    value += c;
    ++i;
  }
  return text.size();
}

// The next token at or after `position`, skipping white space and comments; nullopt at the end.
std::optional<Span> NextToken(std::string_view text, size_t position, Dialect dialect) {
  size_t i = position;
  while (i < text.size()) {
    char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < text.size() && text[i + 1] == '-') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      size_t end = text.find("*/", i + 2);
      i = end == std::string_view::npos ? text.size() : end + 2;
    } else {
      break;
    }
  }
  if (i >= text.size()) {
    return std::nullopt;
  }
  Span span;
  span.begin = i;
  char c = text[i];
  if (c == '\'' || c == '"' || c == '`') {
    span.token.kind = c == '\'' ? SqlToken::Kind::kString : SqlToken::Kind::kQuotedIdentifier;
    span.end = ReadQuoted(text, i, dialect, span.token.value);
  } else if (std::isdigit(static_cast<unsigned char>(c)) ||
             (c == '.' && i + 1 < text.size() &&
              std::isdigit(static_cast<unsigned char>(text[i + 1])))) {
    size_t end = i;
    while (end < text.size() && (IsWordByte(text[end]) || text[end] == '.' ||
                                 ((text[end] == '+' || text[end] == '-') &&
                                  (text[end - 1] == 'e' || text[end - 1] == 'E')))) {
      ++end;
    }
    span.token.kind = SqlToken::Kind::kNumber;
    span.end = end;
    span.token.value = std::string(text.substr(i, end - i));
  } else if (IsWordByte(c)) {
    size_t end = i;
    while (end < text.size() && IsWordByte(text[end])) ++end;
    span.token.kind = SqlToken::Kind::kWord;
    span.end = end;
    span.token.value = AsciiUpper(text.substr(i, end - i));
  } else {
    static constexpr std::string_view kTwoChar[] = {"::", "->", "**", "//", "||",
                                                    "<>", "!=", ">=", "<=", "=="};
    size_t length = 1;
    for (std::string_view two : kTwoChar) {
      if (text.substr(i, 2) == two) length = 2;
    }
    span.token.kind = SqlToken::Kind::kSymbol;
    span.end = i + length;
    span.token.value = std::string(text.substr(i, length));
  }
  span.token.text = std::string(text.substr(span.begin, span.end - span.begin));
  return span;
}

}  // namespace

std::string SparkTypeName(std::string_view duckdb_type) {
  std::string upper = AsciiUpper(Trim(duckdb_type));
  if (upper == "VARCHAR" || upper == "TEXT" || upper == "STRING" || upper == "CHAR" ||
      upper == "BPCHAR") {
    return "STRING";
  }
  if (upper == "TIMESTAMPTZ" || upper == "TIMESTAMP WITH TIME ZONE") {
    return "TIMESTAMP";
  }
  if (upper == "HUGEINT") {
    return "DECIMAL(38, 0)";
  }
  if (upper == "BLOB" || upper == "BYTEA") {
    return "BINARY";
  }
  return std::string(Trim(duckdb_type));
}

std::vector<SqlToken> TokenizeSql(std::string_view text, Dialect dialect) {
  std::vector<SqlToken> tokens;
  size_t position = 0;
  while (auto span = NextToken(text, position, dialect)) {
    position = span->end;
    tokens.push_back(std::move(span->token));
  }
  return tokens;
}

std::string ReplaceCalls(std::string_view text, Dialect dialect, std::string_view function,
                         const std::function<std::string(const std::string&)>& replacement) {
  std::string upper = AsciiUpper(function);
  std::string out;
  size_t copied = 0;
  size_t position = 0;
  while (auto span = NextToken(text, position, dialect)) {
    position = span->end;
    if (span->token.kind != SqlToken::Kind::kWord || span->token.value != upper) continue;
    auto open = NextToken(text, span->end, dialect);
    if (!open || open->token.value != "(") continue;
    auto argument = NextToken(text, open->end, dialect);
    if (!argument || argument->token.kind != SqlToken::Kind::kString) continue;
    auto close = NextToken(text, argument->end, dialect);
    if (!close || close->token.value != ")") continue;
    out.append(text.substr(copied, span->begin - copied));
    out += replacement(argument->token.value);
    copied = close->end;
    position = close->end;
  }
  out.append(text.substr(copied));
  return out;
}

std::string RenderShared(std::string_view text, Dialect dialect) {
  if (dialect == Dialect::kDuckDb) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  size_t position = 0;
  // Paren depths at which a CAST( / TRY_CAST( argument list is open; the word after AS at such a
  // depth is a type name.
  std::vector<int> cast_depths;
  int depth = 0;
  bool previous_was_cast = false;
  bool type_next = false;
  while (auto span = NextToken(text, position, Dialect::kDuckDb)) {
    out.append(text.substr(position, span->begin - position));  // white space and comments
    position = span->end;
    const SqlToken& token = span->token;
    bool is_cast = false;
    switch (token.kind) {
      case SqlToken::Kind::kQuotedIdentifier:
        out += token.text[0] == '"' ? QuoteName(token.value, Dialect::kSpark) : token.text;
        break;
      case SqlToken::Kind::kString:
        out += StringLiteral(token.value, Dialect::kSpark);
        break;
      case SqlToken::Kind::kWord: {
        if (type_next) {
          type_next = false;
          std::string type = token.value;
          // TIMESTAMP WITH TIME ZONE: three more words.
          if (type == "TIMESTAMP") {
            size_t lookahead = position;
            std::string words;
            bool matched = true;
            for (std::string_view expected : {"WITH", "TIME", "ZONE"}) {
              auto next = NextToken(text, lookahead, Dialect::kDuckDb);
              if (!next || next->token.value != expected) {
                matched = false;
                break;
              }
              lookahead = next->end;
            }
            if (matched) {
              type = "TIMESTAMP WITH TIME ZONE";
              position = lookahead;
            }
          }
          auto next = NextToken(text, position, Dialect::kDuckDb);
          bool has_length = next && next->token.value == "(";
          // A type Spark spells alike keeps its own spelling (a generated() placeholder there is
          // matched by its exact text).
          const std::string spark_type = SparkTypeName(type);
          out += has_length || spark_type == type ? token.text : spark_type;
          break;
        }
        is_cast = token.value == "CAST" || token.value == "TRY_CAST";
        if (token.value == "AS" && !cast_depths.empty() && cast_depths.back() == depth) {
          type_next = true;
        }
        out += token.text;
        break;
      }
      case SqlToken::Kind::kSymbol:
        if (token.value == "(") {
          ++depth;
          if (previous_was_cast) cast_depths.push_back(depth);
        } else if (token.value == ")") {
          if (!cast_depths.empty() && cast_depths.back() == depth) cast_depths.pop_back();
          --depth;
        }
        out += token.text;
        break;
      case SqlToken::Kind::kNumber:
        out += token.text;
        break;
    }
    previous_was_cast = is_cast;
  }
  out.append(text.substr(position));
  return out;
}

}  // namespace dhl::sql
