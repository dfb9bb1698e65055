#include "base/text.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace dhl {
namespace {
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

constexpr size_t kQuotedTextLimit = 40;

// `text` quoted for a message, cut to a readable length.
std::string Quoted(std::string_view text) {
  if (text.size() > kQuotedTextLimit) {
    return fmt::format("\"{}...\" ({} bytes)", text.substr(0, kQuotedTextLimit), text.size());
  }
  return fmt::format("\"{}\"", text);
}
}  // namespace

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && IsSpace(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

std::string AsciiUpper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return out;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      pieces.push_back(text.substr(start));
      return pieces;
    }
    pieces.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string joined;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      joined += separator;
    }
    joined += parts[i];
  }
  return joined;
}

std::string_view WithoutTrailingSemicolons(std::string_view sql) {
  while (!sql.empty() && (IsSpace(sql.back()) || sql.back() == ';')) {
    sql.remove_suffix(1);
  }
  return sql;
}

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    return std::string(text);
  }
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') {
      quoted += '"';
    }
    quoted += c;
  }
  return quoted + "\"";
}

std::string CsvTable(const std::vector<std::string>& header,
                     const std::vector<std::vector<std::string>>& rows) {
  std::string text;
  auto line = [&](const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) {
      text += (i == 0 ? "" : ",") + CsvField(fields[i]);
    }
    text += "\n";
  };
  line(header);
  for (const std::vector<std::string>& row : rows) line(row);
  return text;
}

Result<int64_t> ParseInt64(std::string_view text, std::string_view what) {
  const size_t digits_start = !text.empty() && text.front() == '-' ? 1 : 0;
  if (text.size() == digits_start) {
    return InvalidArgument(fmt::format("{} {} is not an integer", what, Quoted(text)));
  }
  for (size_t i = digits_start; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return InvalidArgument(fmt::format("{} {} is not an integer", what, Quoted(text)));
    }
  }
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range) {
    return InvalidArgument(fmt::format("{} {} is out of range", what, Quoted(text)));
  }
  if (error != std::errc() || end != text.data() + text.size()) {
    return InvalidArgument(fmt::format("{} {} is not an integer", what, Quoted(text)));
  }
  return value;
}

Result<int64_t> ParseInt64(std::string_view text, std::string_view what, int64_t minimum,
                           int64_t maximum) {
  DHL_ASSIGN_OR_RETURN(int64_t value, ParseInt64(text, what));
  if (value < minimum || value > maximum) {
    return InvalidArgument(
        fmt::format("{} {} is out of range [{}, {}]", what, Quoted(text), minimum, maximum));
  }
  return value;
}

namespace {
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    size_t left = std::min<size_t>(3, bytes.size() - i);
    uint32_t n = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16;
    if (left > 1) n |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8;
    if (left > 2) n |= static_cast<uint8_t>(bytes[i + 2]);
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += left > 1 ? kBase64Alphabet[(n >> 6) & 63] : '=';
    out += left > 2 ? kBase64Alphabet[n & 63] : '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return std::nullopt;
  }
  size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t buffer = 0;
  size_t characters = text.size() - padding;
  for (size_t i = 0; i < characters; ++i) {
    int v = value(text[i]);
    if (v < 0) {
      return std::nullopt;
    }
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    if (i % 4 == 3) {
      out += static_cast<char>((buffer >> 16) & 0xFF);
      out += static_cast<char>((buffer >> 8) & 0xFF);
      out += static_cast<char>(buffer & 0xFF);
      buffer = 0;
    }
  }
  if (padding == 1) {  // 3 characters: 18 bits, 2 bytes and 2 zero bits
    if ((buffer & 0x3) != 0) return std::nullopt;
    out += static_cast<char>((buffer >> 10) & 0xFF);
    out += static_cast<char>((buffer >> 2) & 0xFF);
  } else if (padding == 2) {  // 2 characters: 12 bits, 1 byte and 4 zero bits
    if ((buffer & 0xF) != 0) return std::nullopt;
    out += static_cast<char>((buffer >> 4) & 0xFF);
  }
  return out;
}

}  // namespace dhl
