#include "lake/file_filter.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace dhl::lake {
namespace {

using nlohmann::json;

enum class Kind { kNumber, kText, kTimestamp, kOther };

Kind KindOf(const json& type) {
  if (!type.is_string()) {
    return Kind::kOther;
  }
  const std::string name = type.get<std::string>();
  if (name == "long" || name == "integer" || name == "short" || name == "byte" || name == "float" ||
      name == "double" || name.starts_with("decimal")) {
    return Kind::kNumber;
  }
  if (name == "string" || name == "date") {
    return Kind::kText;
  }
  if (name == "timestamp") {
    return Kind::kTimestamp;
  }
  return Kind::kOther;
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Epoch microseconds of "YYYY-MM-DD[ T]HH:MM:SS[.ffffff][Z|+hh:mm|-hh:mm]" or "YYYY-MM-DD" (UTC
// unless an offset is given).
std::optional<int64_t> ParseTimestampMicros(const std::string& text) {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%d-%u-%u%n", &year, &month, &day, &consumed) != 3) {
    return std::nullopt;
  }
  int64_t micros = DaysFromCivil(year, month, day) * 86400LL * 1000000;
  size_t pos = static_cast<size_t>(consumed);
  if (pos >= text.size()) {
    return micros;
  }
  unsigned hour = 0;
  unsigned minute = 0;
  unsigned second = 0;
  if (std::sscanf(text.c_str() + pos + 1, "%u:%u:%u%n", &hour, &minute, &second, &consumed) != 3) {
    return std::nullopt;
  }
  micros += ((hour * 60LL + minute) * 60 + second) * 1000000;
  pos += 1 + static_cast<size_t>(consumed);
  if (pos < text.size() && text[pos] == '.') {
    int64_t fraction = 0;
    int digits = 0;
    ++pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      if (digits < 6) {
        fraction = fraction * 10 + (text[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    while (digits < 6) {
      fraction *= 10;
      ++digits;
    }
    micros += fraction;
  }
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    unsigned offset_hour = 0;
    unsigned offset_minute = 0;
    std::sscanf(text.c_str() + pos + 1, "%u:%u", &offset_hour, &offset_minute);
    int64_t offset = (offset_hour * 60LL + offset_minute) * 60 * 1000000;
    micros += text[pos] == '+' ? -offset : offset;
  }
  return micros;
}

// A comparable value of the column's kind: a double for numbers, micros for timestamps, the text
// otherwise.
struct Comparable {
  double number = 0;
  int64_t micros = 0;
  std::string text;
};

std::optional<Comparable> FromText(Kind kind, const std::string& text) {
  Comparable value;
  if (kind == Kind::kNumber) {
    char* end = nullptr;
    value.number = std::strtod(text.c_str(), &end);
    if (end == text.c_str()) {
      return std::nullopt;
    }
  } else if (kind == Kind::kTimestamp) {
    auto micros = ParseTimestampMicros(text);
    if (!micros) {
      return std::nullopt;
    }
    value.micros = *micros;
  } else {
    value.text = text;
  }
  return value;
}

std::optional<Comparable> FromJson(Kind kind, const json& stat) {
  if (kind == Kind::kNumber && stat.is_number()) {
    Comparable value;
    value.number = stat.get<double>();
    return value;
  }
  if (stat.is_string()) {
    return FromText(kind, stat.get<std::string>());
  }
  return std::nullopt;
}

// -1, 0, 1.
int Compare(Kind kind, const Comparable& a, const Comparable& b) {
  if (kind == Kind::kNumber) {
    return a.number < b.number ? -1 : (a.number > b.number ? 1 : 0);
  }
  if (kind == Kind::kTimestamp) {
    return a.micros < b.micros ? -1 : (a.micros > b.micros ? 1 : 0);
  }
  return a.text < b.text ? -1 : (a.text > b.text ? 1 : 0);
}

// Whether some value in [min, max] (either bound may be unknown) can satisfy `op value`.
bool RangeMayMatch(Kind kind, CompareOp op, const std::optional<Comparable>& min,
                   const std::optional<Comparable>& max, const Comparable& value) {
  switch (op) {
    case CompareOp::kEqual:
    case CompareOp::kIn:
      return !(min && Compare(kind, *min, value) > 0) && !(max && Compare(kind, *max, value) < 0);
    case CompareOp::kLess:
      return !(min && Compare(kind, *min, value) >= 0);
    case CompareOp::kLessOrEqual:
      return !(min && Compare(kind, *min, value) > 0);
    case CompareOp::kGreater:
      return !(max && Compare(kind, *max, value) <= 0);
    case CompareOp::kGreaterOrEqual:
      return !(max && Compare(kind, *max, value) < 0);
    case CompareOp::kIsNull:
      return true;
  }
  return true;
}

bool ConditionMayMatch(const ColumnCondition& condition, const AddFile& file, const Schema& schema,
                       const std::vector<std::string>& partition_columns,
                       const std::optional<FileStatistics>& stats) {
  const SchemaField* field = schema.Find(condition.column);
  if (field == nullptr) {
    return true;
  }
  const Kind kind = KindOf(field->type);
  const bool is_partition = std::find(partition_columns.begin(), partition_columns.end(),
                                      condition.column) != partition_columns.end();
  if (is_partition) {
    auto it = file.partition_values.find(condition.column);
    bool is_null = it == file.partition_values.end() || !it->second ||
                   (it->second->empty() && field->type != "string");
    if (condition.op == CompareOp::kIsNull) {
      return is_null;
    }
    if (is_null) {
      return false;  // NULL satisfies no comparison
    }
    if (kind == Kind::kOther) {
      return true;
    }
    auto value = FromText(kind, *it->second);
    if (!value) {
      return true;
    }
    for (const auto& literal : condition.values) {
      auto target = FromText(kind, literal);
      if (!target || RangeMayMatch(kind, condition.op, value, value, *target)) {
        return true;
      }
    }
    return false;
  }
  if (!stats || kind == Kind::kOther) {
    return true;
  }
  auto nulls = stats->null_count.find(condition.column);
  if (condition.op == CompareOp::kIsNull) {
    return nulls == stats->null_count.end() || nulls->second > 0;
  }
  if (nulls != stats->null_count.end() && stats->num_records &&
      nulls->second == *stats->num_records) {
    return false;  // every value is NULL
  }
  std::optional<Comparable> min;
  std::optional<Comparable> max;
  if (auto it = stats->min_values.find(condition.column); it != stats->min_values.end()) {
    min = FromJson(kind, it->second);
  }
  if (auto it = stats->max_values.find(condition.column); it != stats->max_values.end()) {
    // A string max may have been truncated by its writer (Spark: 32 chars): not an upper bound.
    if (!(kind == Kind::kText && it->second.is_string() &&
          it->second.get<std::string>().size() >= 32)) {
      max = FromJson(kind, it->second);
    }
  }
  if (max && kind == Kind::kTimestamp) {
    max->micros += 999;  // stats are truncated to milliseconds
  }
  for (const auto& literal : condition.values) {
    auto target = FromText(kind, literal);
    if (!target || RangeMayMatch(kind, condition.op, min, max, *target)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool FileFilter::MayMatch(const AddFile& file, const Schema& schema,
                          const std::vector<std::string>& partition_columns) const {
  if (conditions_.empty()) {
    return true;
  }
  const auto stats = ParseFileStatistics(file.stats);
  for (const auto& condition : conditions_) {
    if (!ConditionMayMatch(condition, file, schema, partition_columns, stats)) {
      return false;
    }
  }
  return true;
}

}  // namespace dhl::lake
