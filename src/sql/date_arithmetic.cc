#include "sql/date_arithmetic.h"

namespace dhl::sql {

std::string AddDays(std::string_view date, int days, Dialect dialect) {
  if (dialect == Dialect::kSpark) {
    return "date_add(" + std::string(date) + ", " + std::to_string(days) + ")";
  }
  return "CAST((" + std::string(date) + ") + INTERVAL (" + std::to_string(days) + ") DAY AS DATE)";
}

std::string AddMonths(std::string_view date, int months, Dialect dialect) {
  if (dialect == Dialect::kSpark) {
    return "add_months(" + std::string(date) + ", " + std::to_string(months) + ")";
  }
  return "CAST((" + std::string(date) + ") + INTERVAL (" + std::to_string(months) +
         ") MONTH AS DATE)";
}

std::string DaysBetween(std::string_view start, std::string_view end, Dialect dialect) {
  if (dialect == Dialect::kSpark) {
    return "datediff(CAST(" + std::string(end) + " AS DATE), CAST(" + std::string(start) +
           " AS DATE))";
  }
  return "date_diff('day', CAST(" + std::string(start) + " AS DATE), CAST(" + std::string(end) +
         " AS DATE))";
}

std::string EpochSeconds(std::string_view timestamp, Dialect dialect) {
  if (dialect == Dialect::kSpark) {
    return "CAST(unix_timestamp(" + std::string(timestamp) + ") AS DOUBLE)";
  }
  return "epoch(" + std::string(timestamp) + ")";
}

}  // namespace dhl::sql
