#include "lake/partition_path.h"

#include <fmt/format.h>

#include <cstring>

namespace dhl::lake {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

void AppendPercent(std::string* out, unsigned char c) {
  *out += '%';
  *out += kHex[c >> 4];
  *out += kHex[c & 0x0F];
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

std::string HiveEscape(std::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (char raw : value) {
    unsigned char c = static_cast<unsigned char>(raw);
    bool escape =
        (c >= 0x01 && c <= 0x1F) || c == 0x7F || std::strchr("\"#%'*/:=?\\{[]^", c) != nullptr;
    if (escape && c != 0) {
      AppendPercent(&escaped, c);
    } else {
      escaped += raw;
    }
  }
  return escaped;
}

std::string UriEncodePath(std::string_view path) {
  static constexpr std::string_view kAllowed = "-._~!$&'()*+,;=:@/";
  std::string encoded;
  encoded.reserve(path.size());
  for (char raw : path) {
    unsigned char c = static_cast<unsigned char>(raw);
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 kAllowed.find(raw) != std::string_view::npos;
    if (plain) {
      encoded += raw;
    } else {
      AppendPercent(&encoded, c);
    }
  }
  return encoded;
}

Result<std::string> UriDecodePath(std::string_view path) {
  std::string decoded;
  decoded.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      decoded += path[i];
      continue;
    }
    int high = i + 1 < path.size() ? HexValue(path[i + 1]) : -1;
    int low = i + 2 < path.size() ? HexValue(path[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return Corruption(fmt::format("path '{}' holds a '%' not followed by two hex digits", path));
    }
    decoded += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return decoded;
}

std::string PartitionDirectory(const std::vector<std::string>& partition_columns,
                               const PartitionValues& values) {
  std::string directory;
  for (const auto& column : partition_columns) {
    auto it = values.find(column);
    std::string value;
    if (it == values.end() || !it->second || it->second->empty()) {
      value = std::string(kHiveDefaultPartition);
    } else {
      value = HiveEscape(*it->second);
    }
    if (!directory.empty()) {
      directory += '/';
    }
    directory += HiveEscape(column) + "=" + value;
  }
  return directory;
}

bool SamePartition(const PartitionValues& file_values, const PartitionValues& wanted) {
  for (const auto& [column, value] : wanted) {
    auto it = file_values.find(column);
    std::optional<std::string> have;
    if (it != file_values.end() && it->second && !it->second->empty()) {
      have = it->second;
    }
    std::optional<std::string> want = value && !value->empty() ? value : std::nullopt;
    if (have != want) {
      return false;
    }
  }
  return true;
}

std::string PartitionText(const PartitionValues& values) {
  std::string text;
  for (const auto& [column, value] : values) {
    text += (text.empty() ? "" : ", ") + column + "=" + value.value_or("NULL");
  }
  return text;
}

}  // namespace dhl::lake
