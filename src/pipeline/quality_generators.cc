#include "pipeline/quality_generators.h"

#include <fmt/format.h>

#include <charconv>
#include <utility>
#include <vector>

#include "base/text.h"
#include "sql/literal.h"

namespace dhl::pipeline {
namespace {

std::string DoubleLiteral(double value) {
  return "CAST(" + sql::NumberLiteral(value) + " AS DOUBLE)";
}

// The leading numbers of a version: "2.41.8.1" -> {2, 41, 8, 1}; "2.42-SNAPSHOT" -> {2, 42}.
std::vector<int> VersionNumbers(std::string_view version) {
  std::vector<int> numbers;
  const char* p = version.data();
  const char* end = p + version.size();
  while (p < end) {
    int number = 0;
    auto [next, error] = std::from_chars(p, end, number);
    if (error != std::errc()) break;
    numbers.push_back(number);
    p = next;
    if (p < end && *p == '.') {
      ++p;
    } else {
      break;
    }
  }
  return numbers;
}

}  // namespace

Result<TimelinessRule> TimelinessRuleForVersion(std::string_view version) {
  if (version.empty()) return TimelinessRule::kFractionalDaysPlusOne;
  std::vector<int> v = VersionNumbers(version);
  if (v.size() < 2 || v[0] != 2) {
    return InvalidArgument("server version '" + std::string(version) +
                           "' is not a DHIS2 version such as 2.41.0");
  }
  int minor = v[1];
  int patch = v.size() > 2 ? v[2] : 0;
  if (minor < 41 || (minor == 41 && patch < 2)) return TimelinessRule::kWholeDays;
  if (minor == 41 && patch < 8) return TimelinessRule::kFractionalDays;
  return TimelinessRule::kFractionalDaysPlusOne;
}

std::string OnTimeSql(TimelinessRule rule, std::string_view completed_at, std::string_view end_date,
                      std::string_view timely_days, sql::Dialect dialect) {
  std::string c(completed_at);
  std::string e(end_date);
  std::string t(timely_days);
  if (rule == TimelinessRule::kWholeDays) {
    // Days between the UTC date of completion and the period's end date.
    std::string days = dialect == sql::Dialect::kSpark
                           ? "datediff(to_date(" + c + "), " + e + ")"
                           : "(CAST(floor(epoch(" + c + ") / 86400) AS BIGINT) - CAST(epoch(CAST(" +
                                 e + " AS TIMESTAMP)) / 86400 AS BIGINT))";
    return "(" + days + " <= " + t + ")";
  }
  std::string seconds =
      dialect == sql::Dialect::kSpark
          ? "(unix_timestamp(" + c + ") - unix_timestamp(CAST(" + e + " AS TIMESTAMP)))"
          : "(epoch(" + c + ") - epoch(CAST(" + e + " AS TIMESTAMP)))";
  std::string limit = rule == TimelinessRule::kFractionalDays ? t : "(" + t + " + 1)";
  return "(" + seconds + " / 86400.0 <= " + limit + ")";
}

Result<std::string> GenerateReportingRateOnTime(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(TimelinessRule rule,
                       TimelinessRuleForVersion(context.Settings().quality.server_version));
  return OnTimeSql(rule, "completed_at", "end_date", "timely_days", context.dialect);
}

Result<std::string> GenerateOutlierThresholds(const GeneratorContext& context) {
  return "SELECT " + DoubleLiteral(context.Settings().quality.z_threshold) + " AS z_threshold, " +
         DoubleLiteral(context.Settings().quality.modified_z_threshold) +
         " AS modified_z_threshold";
}

Result<std::string> GenerateDqDistrictLevel(const GeneratorContext& context) {
  return std::to_string(context.Settings().quality.district_level);
}

Result<std::string> GenerateScopeYears(const GeneratorContext& context) {
  if (context.partitions == nullptr) return std::string("TRUE");
  std::vector<std::string> years;
  for (const std::string& partition : *context.partitions) {
    int64_t year = 0;
    auto [end, error] =
        std::from_chars(partition.data(), partition.data() + partition.size(), year);
    if (error != std::errc() || end != partition.data() + partition.size()) {
      return InvalidArgument("partition year '" + partition + "' is not a number");
    }
    years.push_back(sql::IntegerLiteral(year));
  }
  if (years.empty()) return std::string("FALSE");
  return "year IN (" + Join(years, ", ") + ")";
}

}  // namespace dhl::pipeline
