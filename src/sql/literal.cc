#include "sql/literal.h"

#include <charconv>
#include <cmath>
#include <string>
#include <system_error>

namespace dhl::sql {

Result<std::string> QuoteIdentifier(std::string_view name, Dialect dialect) {
  if (name.empty()) {
    return InvalidArgument("SQL identifier: empty name");
  }
  if (name.find('\0') != std::string_view::npos) {
    return InvalidArgument("SQL identifier: name holds a NUL byte");
  }
  return QuoteName(name, dialect);
}

std::string QuoteName(std::string_view name, Dialect dialect) {
  const char quote = dialect == Dialect::kSpark ? '`' : '"';
  std::string out;
  out.reserve(name.size() + 2);
  out += quote;
  for (char c : name) {
    if (c == quote) {
      out += quote;
    }
    out += c;
  }
  out += quote;
  return out;
}

std::string StringLiteral(std::string_view value, Dialect dialect) {
  std::string out;
  out.reserve(value.size() + 2);
  if (dialect == Dialect::kSpark) {
    out += '\'';
    for (char c : value) {
      if (c == '\\' || c == '\'') {
        out += '\\';
        out += c;
      } else if (c == '\0') {
        out += "\\u0000";
      } else {
        out += c;
      }
    }
    out += '\'';
    return out;
  }
  // DuckDB: no escape sequences inside '...'; a NUL byte is spliced in with chr(0).
  bool has_nul = value.find('\0') != std::string_view::npos;
  if (has_nul) {
    out += '(';
  }
  out += '\'';
  for (char c : value) {
    if (c == '\'') {
      out += "''";
    } else if (c == '\0') {
      out += "' || chr(0) || '";
    } else {
      out += c;
    }
  }
  out += '\'';
  if (has_nul) {
    out += ')';
  }
  return out;
}

std::string StringListLiteral(const std::vector<std::string>& values) {
  std::string list = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    list += (i > 0 ? ", " : "") + StringLiteral(values[i]);
  }
  return list + "]";
}

std::string NumberLiteral(double value) {
  if (std::isnan(value)) {
    return "CAST('NaN' AS DOUBLE)";
  }
  if (std::isinf(value)) {
    return value > 0 ? "CAST('Infinity' AS DOUBLE)" : "CAST('-Infinity' AS DOUBLE)";
  }
  char buffer[64];
  // Shortest round-trip text in scientific form: DOUBLE (not DECIMAL) in both engines.
  auto [end, error] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  if (error != std::errc()) {
    return "CAST('NaN' AS DOUBLE)";  // unreachable: 64 bytes always suffice
  }
  std::string text(buffer, end);
  if (text[0] == '-') {
    return "(" + text + ")";
  }
  return text;
}

std::string IntegerLiteral(std::int64_t value) {
  std::string text = std::to_string(value);
  if (value < 0) {
    return "(" + text + ")";
  }
  return text;
}

std::string BooleanLiteral(bool value) { return value ? "TRUE" : "FALSE"; }

std::string NullLiteral() { return "CAST(NULL AS DOUBLE)"; }

}  // namespace dhl::sql
