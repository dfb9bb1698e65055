#include "pipeline/quality_generators.h"

#include <fmt/format.h>

#include <charconv>
#include <utility>
#include <vector>

#include "base/text.h"
#include "pipeline/dimension_generators.h"
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

Result<std::string> GenerateOutlierSeries(const GeneratorContext& context) {
  if (!context.table.has_value()) {
    return InvalidArgument("generated('outlier_series', ...) needs the min-max table");
  }
  const std::string min_max = "ref('" + context.table->ToString() + "')";
  // Exact sums (models/gold/outlier.sql says why): each value as DECIMAL(38, 10).
  const std::string exact_mean = "CAST(SUM(CAST(value AS DECIMAL(38, 10))) AS DOUBLE) / COUNT(*)";
  const std::string bounds =
      "LEFT JOIN " + min_max + " mm ON mm.de = s.de AND mm.ou = s.ou AND mm.coc = s.coc";
  if (context.dialect == sql::Dialect::kSpark) {
    // i as below (FLOOR, Spark's TRUNC being for dates); a series of such integers takes its
    // standard deviation from DECIMAL(38, 0) sums (int_std_dev), any other the two-pass one.
    return "SELECT v.de, v.coc, v.aoc, v.ou, v.pe, v.value, v.year, d.mean, d.std_dev, d.median, "
           "d.mad, d.min, d.max FROM value v JOIN (SELECT s.de, s.ou, s.coc, s.aoc, s.mean, "
           "s.std_dev, s.median, s.mad, mm.min, mm.max FROM (SELECT v.de, v.ou, v.coc, v.aoc, "
           "MAX(m.mean) AS mean, CASE WHEN MAX(m.fractions) = 0 THEN MAX(m.int_std_dev) ELSE "
           "SQRT(CAST(SUM(CAST((v.value - m.mean) * (v.value - m.mean) AS DECIMAL(38, 10))) AS "
           "DOUBLE) / COUNT(*)) END AS std_dev, MAX(m.median) AS median, percentile_cont(0.5) "
           "WITHIN GROUP (ORDER BY ABS(v.value - m.median) NULLS LAST) AS mad FROM value v JOIN "
           "(SELECT de, ou, coc, aoc, " +
           exact_mean +
           " AS mean, COUNT(*) - COUNT(i) AS fractions, SQRT(CAST(COUNT(*) * SUM(CAST(i * i AS "
           "DECIMAL(38, 0))) - SUM(CAST(i AS DECIMAL(38, 0))) * SUM(CAST(i AS DECIMAL(38, 0))) AS "
           "DOUBLE) / (COUNT(*) * COUNT(*))) AS int_std_dev, percentile_cont(0.5) WITHIN GROUP "
           "(ORDER BY value NULLS LAST) AS median FROM (SELECT *, CASE WHEN ABS(value) < "
           "2147483648 AND value = FLOOR(value) THEN CAST(value AS BIGINT) END AS i FROM value) "
           "AS vi GROUP BY de, ou, coc, aoc) m ON m.de = v.de AND m.ou = v.ou AND m.coc = v.coc "
           "AND m.aoc = v.aoc GROUP BY v.de, v.ou, v.coc, v.aoc) s " +
           bounds + ") d ON d.de = v.de AND d.ou = v.ou AND d.coc = v.coc AND d.aoc = v.aoc";
  }
  // DuckDB: one grouping per series (models/gold/outlier.sql says why each figure is computed so).
  // `i` is the value as a BIGINT when it is an integer below 2^31 in magnitude, else NULL: a series
  // without fractions (fractions = 0: every value has an `i`) takes its mean and standard
  // deviation from the integer sums sx = SUM(i) and sxx = SUM(i * i) (HUGEINT, exact), the others
  // from DECIMAL(38, 10) sums over its list of values. list_median is percentile_cont(0.5).
  // A row's period travels through the grouping as its integer key `k` in the model's CTE
  // `period_key` (silver.period's periods): a list of VARCHARs costs the grouping about twice the
  // memory and time of a list of integers (at large, an 18.6M-row piece took 21 CPU s and 3.2 GB
  // with the period ids, 12 CPU s and 2.1 GB with the keys). A period not in period_key (silver
  // quarantines those values, but nothing else forbids them) keeps its id in the list `others`.
  const std::string point =
      "struct_pack(k := x.k, pe := CAST(NULL AS VARCHAR), value := x.value, "
      "year := x.year)";
  const std::string other =
      "struct_pack(k := CAST(NULL AS BIGINT), pe := x.pe, value := x.value, "
      "year := x.year)";
  return "SELECT de, coc, aoc, ou, COALESCE(pk.pe, p.pe) AS pe, p.value AS value, p.year AS year, "
         "mean, std_dev, median, mad, min, max FROM (SELECT s.de, s.coc, s.aoc, s.ou, s.mean, "
         "s.std_dev, s.median, s.mad, mm.min, mm.max, UNNEST(list_concat(list_transform(s.points, "
         "x -> " +
         point + "), list_transform(s.others, x -> " + other +
         "))) AS p FROM (SELECT *, list_median(list_transform(vals, x -> ABS(x - median))) AS mad, "
         "CASE WHEN fractions = 0 THEN SQRT(CAST(n * sxx - sx * sx AS DOUBLE) / (n * n)) ELSE "
         "SQRT(CAST(list_sum(list_transform(vals, x -> CAST((x - mean) * (x - mean) AS "
         "DECIMAL(38, 10)))) AS DOUBLE) / n) END AS std_dev FROM (SELECT *, list_median(vals) AS "
         "median, CAST(CASE WHEN fractions = 0 THEN CAST(sx AS DECIMAL(38, 10)) ELSE "
         "list_sum(list_transform(vals, x -> CAST(x AS DECIMAL(38, 10)))) END AS DOUBLE) / n AS "
         "mean FROM (SELECT *, list_concat(list_transform(points, x -> x.value), "
         "list_transform(others, x -> x.value)) AS vals FROM (SELECT de, ou, coc, aoc, "
         "list(struct_pack(k := k, value := value, year := year)) FILTER (WHERE k IS NOT NULL) AS "
         "points, list(struct_pack(pe := pe, value := value, year := year)) FILTER (WHERE k IS "
         "NULL) AS others, COUNT(*) AS n, COUNT(*) - COUNT(i) AS fractions, SUM(i) AS sx, SUM(i * "
         "i) AS sxx FROM (SELECT v.*, pk.k, CASE WHEN value = TRUNC(value) AND ABS(value) < "
         "2147483648 THEN CAST(value AS BIGINT) END AS i FROM value v LEFT JOIN period_key pk ON "
         "pk.pe = v.pe) AS v GROUP BY de, ou, coc, aoc) AS grouped) AS listed) AS means) s " +
         bounds + ") AS unnested LEFT JOIN period_key pk ON pk.k = unnested.p.k";
}

Result<std::string> GenerateDqDistrictLevel(const GeneratorContext& context) {
  return std::to_string(context.Settings().quality.district_level);
}

Result<std::string> GenerateScopeYears(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(auto partition_years, context.PartitionYears());
  if (!partition_years) return std::string("TRUE");
  if (partition_years->empty()) return std::string("FALSE");
  std::vector<std::string> years;
  for (int64_t year : *partition_years) years.push_back(sql::IntegerLiteral(year));
  return "year IN (" + Join(years, ", ") + ")";
}

Result<std::string> GenerateReportingRateLevels(const GeneratorContext&) {
  std::vector<std::string> levels;
  for (int level = kOrgUnitLevels; level >= 1; --level) {
    const std::string own = fmt::format(
        "SELECT q_id, node_id, expected, actual, actual_on_time FROM leaf_cell WHERE level = {}",
        level);
    const std::string cells =
        level == kOrgUnitLevels
            ? own
            : fmt::format(
                  "SELECT l.q_id, k.parent_id AS node_id, l.expected, l.actual, l.actual_on_time "
                  "FROM level_{} l JOIN node_parent k ON k.node_id = l.node_id UNION ALL {}",
                  level + 1, own);
    levels.push_back(fmt::format(
        "level_{} AS (SELECT c.q_id, c.node_id, SUM(c.expected) AS expected, SUM(c.actual) AS "
        "actual, SUM(c.actual_on_time) AS actual_on_time FROM ({}) AS c GROUP BY c.q_id, "
        "c.node_id)",
        level, cells));
  }
  return Join(levels, ",\n");
}

Result<std::string> GenerateReportingRateNodeCells(const GeneratorContext&) {
  std::vector<std::string> levels;
  for (int level = 1; level <= kOrgUnitLevels; ++level) {
    levels.push_back(fmt::format("SELECT * FROM level_{}", level));
  }
  return Join(levels, " UNION ALL ");
}

}  // namespace dhl::pipeline
