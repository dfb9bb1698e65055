#include "engine/memory_limit.h"

#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace dhl::engine {
namespace {

constexpr int64_t kKiB = 1024;
constexpr int64_t kMiB = kKiB * 1024;
constexpr int64_t kGiB = kMiB * 1024;
constexpr int64_t kMinimum = 16 * kMiB;

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

int64_t PhysicalMemoryBytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<int64_t>(pages) * static_cast<int64_t>(page_size);
}

int64_t DefaultMemoryLimitBytes() {
  int64_t half = PhysicalMemoryBytes() / 2;
  return half < kGiB ? kGiB : half;
}

Result<int64_t> ParseMemorySize(std::string_view text) {
  auto bad = [&](const std::string& reason) {
    return InvalidArgument("memory limit \"" + std::string(text) + "\": " + reason +
                           " (write e.g. 4GB, 3.5GiB, 512MB or 50%)");
  };
  size_t start = 0;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
  size_t end = start;
  while (end < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.')) {
    ++end;
  }
  if (end == start) return bad("no number");
  double number = 0;
  auto [parsed_end, error] = std::from_chars(text.data() + start, text.data() + end, number);
  if (error != std::errc() || parsed_end != text.data() + end || !std::isfinite(number)) {
    return bad("not a number");
  }
  std::string unit = Lower(text.substr(end));
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.front()))) unit.erase(0, 1);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.back()))) unit.pop_back();
  double scale = 0;
  if (unit.empty() || unit == "b" || unit == "bytes") {
    scale = 1;
  } else if (unit == "%") {
    if (number <= 0 || number > 100) return bad("a share must be above 0% and at most 100%");
    int64_t physical = PhysicalMemoryBytes();
    if (physical == 0) return bad("the machine's memory is unknown, so a share cannot be taken");
    scale = static_cast<double>(physical) / 100.0;
  } else if (unit == "kb") {
    scale = 1e3;
  } else if (unit == "mb") {
    scale = 1e6;
  } else if (unit == "gb") {
    scale = 1e9;
  } else if (unit == "tb") {
    scale = 1e12;
  } else if (unit == "kib") {
    scale = static_cast<double>(kKiB);
  } else if (unit == "mib") {
    scale = static_cast<double>(kMiB);
  } else if (unit == "gib") {
    scale = static_cast<double>(kGiB);
  } else if (unit == "tib") {
    scale = static_cast<double>(kGiB) * 1024.0;
  } else {
    return bad("unknown unit \"" + unit + "\"");
  }
  double bytes = number * scale;
  if (bytes > 9.0e18) return bad("too large");
  if (bytes < static_cast<double>(kMinimum)) return bad("below the engine's minimum of 16 MiB");
  return static_cast<int64_t>(bytes);
}

std::string FormatMemorySize(int64_t bytes) {
  char text[64];
  if (bytes >= kGiB) {
    std::snprintf(text, sizeof(text), "%.1f GiB", static_cast<double>(bytes) / kGiB);
  } else {
    std::snprintf(text, sizeof(text), "%.0f MiB", static_cast<double>(bytes) / kMiB);
  }
  return text;
}

std::string SpillDirectory(const std::string& lake_dir) {
  return (std::filesystem::path(lake_dir) / "_system" / "tmp").string();
}

DatabaseOptions ModelEngineOptions(const std::string& lake_dir, int64_t memory_limit_bytes) {
  DatabaseOptions options;
  int64_t limit = memory_limit_bytes > 0 ? memory_limit_bytes : DefaultMemoryLimitBytes();
  options.memory_limit = std::to_string(limit) + "B";
  options.temp_directory = SpillDirectory(lake_dir);
  options.preserve_insertion_order = false;
  return options;
}

}  // namespace dhl::engine
