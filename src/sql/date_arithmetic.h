// Date arithmetic in the two SQL dialects (program indicators' boundaries and d2: date functions).
// Like dialect.h, every function takes complete SQL operands and returns one SQL expression; only
// the spellings that differ between DuckDB and Spark SQL live here. `date` operands are DATE or
// TIMESTAMP(TZ) expressions; sessions run in UTC, so a timestamp's date is its UTC date. Pure and
// thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "sql/dialect.h"

namespace dhl::sql {

// The date `days` days after `date` (negative: before), as DATE. DuckDB
// `CAST(d + INTERVAL (n) DAY AS DATE)`, Spark `date_add(d, n)`.
std::string AddDays(std::string_view date, int days, Dialect dialect);

// The date `months` calendar months after `date`, clamped to the month's last day (31 January plus
// one month is 28 or 29 February) in both engines. DuckDB INTERVAL, Spark add_months.
std::string AddMonths(std::string_view date, int months, Dialect dialect);

// Whole days from `start` to `end` (end - start; negative when end is earlier), counted between
// their dates. DuckDB date_diff('day', ..), Spark datediff(end, start).
std::string DaysBetween(std::string_view start, std::string_view end, Dialect dialect);

// Seconds since 1970-01-01 UTC of a timestamp, as DOUBLE. DuckDB epoch(), Spark unix_timestamp().
std::string EpochSeconds(std::string_view timestamp, Dialect dialect);

}  // namespace dhl::sql
