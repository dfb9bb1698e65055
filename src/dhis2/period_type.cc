#include "dhis2/period_type.h"

#include <string>

#include "base/text.h"

namespace dhl::dhis2 {
namespace {

struct PeriodTypeInfo {
  std::string_view name;
  std::string_view column;
  int frequency_order;
};

// Indexed by the enumerator value. Frequency orders are the constants of dhis2-core's
// *PeriodType classes (FREQUENCY_ORDER).
constexpr std::array<PeriodTypeInfo, kPeriodTypeCount> kInfo = {{
    {"Daily", "daily", 1},
    {"Weekly", "weekly", 7},
    {"WeeklyWednesday", "weeklywednesday", 7},
    {"WeeklyThursday", "weeklythursday", 7},
    {"WeeklyFriday", "weeklyfriday", 7},
    {"WeeklySaturday", "weeklysaturday", 7},
    {"WeeklySunday", "weeklysunday", 7},
    {"BiWeekly", "biweekly", 14},
    {"Monthly", "monthly", 30},
    {"BiMonthly", "bimonthly", 61},
    {"Quarterly", "quarterly", 91},
    {"QuarterlyNov", "quarterlynov", 91},
    {"SixMonthly", "sixmonthly", 182},
    {"SixMonthlyApril", "sixmonthlyapril", 182},
    {"SixMonthlyNov", "sixmonthlynov", 182},
    {"Yearly", "yearly", 365},
    {"FinancialFeb", "financialfeb", 365},
    {"FinancialApril", "financialapril", 365},
    {"FinancialJuly", "financialjuly", 365},
    {"FinancialAug", "financialaug", 365},
    {"FinancialSep", "financialsep", 365},
    {"FinancialOct", "financialoct", 365},
    {"FinancialNov", "financialnov", 365},
}};

const PeriodTypeInfo& Info(PeriodType type) { return kInfo[static_cast<std::size_t>(type)]; }

}  // namespace

std::string_view PeriodTypeName(PeriodType type) { return Info(type).name; }

std::string_view PeriodTypeColumnName(PeriodType type) { return Info(type).column; }

int FrequencyOrder(PeriodType type) { return Info(type).frequency_order; }

bool IsWeeklyType(PeriodType type) {
  return type >= PeriodType::kWeekly && type <= PeriodType::kWeeklySunday;
}

bool IsFinancialType(PeriodType type) {
  return type >= PeriodType::kFinancialFeb && type <= PeriodType::kFinancialNov;
}

Result<PeriodType> ParsePeriodType(std::string_view name) {
  for (PeriodType type : kAllPeriodTypes) {
    if (EqualsIgnoreCase(name, Info(type).name)) {
      return type;
    }
  }
  return InvalidArgument("period type \"" + std::string(name.substr(0, 64)) +
                         "\" is not a DHIS2 period type with ISO ids (Daily, Weekly, "
                         "WeeklyWednesday, ..., Monthly, Quarterly, ..., FinancialNov)");
}

}  // namespace dhl::dhis2
