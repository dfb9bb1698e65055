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

// Generator 'dq_district_level' (models/gold/dq_summary.sql): the level as an integer literal.
Result<std::string> GenerateDqDistrictLevel(const GeneratorContext& context);

// Generator 'scope_years' (models/gold/reporting_rate.sql): a condition on a column `year`, TRUE
// when the run computes the whole table, else `year IN (...)` over the partitions it recomputes
// (integers), so that a partitioned run computes only the rows it keeps.
Result<std::string> GenerateScopeYears(const GeneratorContext& context);

}  // namespace dhl::pipeline
