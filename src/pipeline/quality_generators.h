// Settings of the data-quality gold models and the generators that render them.
//
// When a data set registration is on time, by the rule of the DHIS2 server's version: the
// `timely` column of dhis2-core's completeness analytics table (JdbcCompletenessTableManager),
// which changed twice:
//   2.36 .. 2.41.1      whole days:      date(completed) - period end       <= timely days
//   2.41.2 .. 2.41.7    fractional days: (completed - period end 00:00) / 1d <= timely days
//   2.41.8 .., 2.42+    fractional days: (completed - period end 00:00) / 1d <= timely days + 1
// (tags checked in dhis2-core: ffaaa0cb03b "Support fractional timeliness days" reached 2.41.2 and
// 2.42.0; fe81bbe3dae "Offset start time for timeliness calculation" reached 2.41.8 and 2.42.0).
// Times are UTC instants here; DHIS2 compares in the server's time zone.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "pipeline/generator.h"
#include "sql/dialect.h"

namespace dhl::pipeline {

enum class TimelinessRule {
  kWholeDays,              // before 2.41.2
  kFractionalDays,         // 2.41.2 to 2.41.7
  kFractionalDaysPlusOne,  // 2.41.8 and later 2.41, 2.42 and later
};

// The rule of a server version "2.41.0", "2.41.8.1", "2.42-SNAPSHOT" ...; an empty version means
// the newest rule. An unreadable version is an invalid-argument error naming it.
Result<TimelinessRule> TimelinessRuleForVersion(std::string_view version);

// A boolean SQL condition, TRUE when the registration is on time, over three SQL expressions:
// `completed_at` (TIMESTAMPTZ), `end_date` (DATE, the period's last day) and `timely_days`
// (DOUBLE). NULL when completed_at is NULL.
std::string OnTimeSql(TimelinessRule rule, std::string_view completed_at, std::string_view end_date,
                      std::string_view timely_days, sql::Dialect dialect);

// Generator 'reporting_rate_on_time' (models/gold/reporting_rate.sql): OnTimeSql over the columns
// completed_at, end_date and timely_days of the row, by server_version's rule.
Result<std::string> GenerateReportingRateOnTime(const GeneratorContext& context);

// Generator 'outlier_thresholds' (models/gold/outlier.sql): a one-row SELECT of z_threshold and
// modified_z_threshold (DOUBLE).
Result<std::string> GenerateOutlierThresholds(const GeneratorContext& context);

// Generator 'outlier_series' (models/gold/outlier.sql), called as generated('outlier_series',
// 'silver.min_max'): a SELECT over the model's CTE `value` (de, pe, ou, coc, aoc, value, year) of
// each value with its series' statistics (series = de, ou, coc, aoc) and its min-max bounds: de,
// coc, aoc, ou, pe, value, year, mean, std_dev, median, mad, min, max. The figures are the same in
// both dialects (the model's header comment says how each is computed); the way differs:
//   DuckDB  one grouping per series collecting its values (list_median for the median and the
//           MAD: percentile_cont(0.5), bit for bit) and its rows, which are unnested at the end:
//           no join of the values back to their series. Integer sums (HUGEINT) where every value
//           of the series is an integer below 2^31 in magnitude, DECIMAL(38, 10) sums over the
//           list otherwise. A row's period goes through the grouping as its integer key in the
//           model's CTE `period_key` (pe, k), the id where that CTE does not hold it.
//   Spark   percentile_cont for the median, a second grouping of the values joined to the first
//           for the MAD, and each value joined to its series (Spark's SQL has no list lambdas
//           we could share: DuckDB macros cannot take lambdas); integer sums as DECIMAL(38, 0).
Result<std::string> GenerateOutlierSeries(const GeneratorContext& context);

// Generator 'dq_district_level' (models/gold/dq_summary.sql): the level as an integer literal.
Result<std::string> GenerateDqDistrictLevel(const GeneratorContext& context);

// Generator 'scope_years' (models/gold/reporting_rate.sql): a condition on a column `year`, TRUE
// when the run computes the whole table, else `year IN (...)` over the partitions it recomputes
// (integers), so that a partitioned run computes only the rows it keeps.
Result<std::string> GenerateScopeYears(const GeneratorContext& context);

// 'reporting_rate_levels' (gold.reporting_rate): the CTE definitions `level_8 AS (…), …, level_1
// AS (…)` rolling the model's `leaf_cell` (q_id, node_id, level, expected, actual, actual_on_time)
// up its `node_parent` (node_id, parent_id) one level at a time: level k is level k + 1's cells
// grouped by parent node with the cells of level-k nodes themselves (silver.org_unit holds levels
// 1 to 8: a deeper unit is quarantined).
Result<std::string> GenerateReportingRateLevels(const GeneratorContext& context);

// 'reporting_rate_node_cells' (gold.reporting_rate): the union of the levels' cells, as a
// subquery's text, for the model to read where it needs them (a CTE read twice would be
// materialised again; each level is already).
Result<std::string> GenerateReportingRateNodeCells(const GeneratorContext& context);

}  // namespace dhl::pipeline
