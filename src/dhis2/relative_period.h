// The relative periods of DHIS2's analytics API (pe=LAST_12_MONTHS;THIS_QUARTER...), resolved
// against a reference date to fixed periods.
//
// The keywords and their meaning are dhis2-core's RelativePeriodEnum and
// RelativePeriods.getRelativePeriods (dhis-api org/hisp/dhis/period/). In short, for reference
// date D:
//   THIS_x is the period containing D (the current, unfinished period is included);
//   LAST_x is the period containing D minus one x (LAST_MONTH: D minus one month);
//   LAST_n_xS are the n periods ending with LAST_x (LAST_12_MONTHS on 2024-03-15 is
//     202303..202402; LAST_4_QUARTERS is 2023Q1..2023Q4); LAST_n_DAYS ends yesterday;
//   xS_THIS_YEAR / xS_LAST_YEAR are all periods of the calendar year of D / of D minus 12 months,
//     future ones included; LAST_5_YEARS and LAST_10_YEARS end with last year;
//   the FINANCIAL_YEAR keywords use the financial-year type given in the options (DHIS2's system
//     setting analyticsFinancialYearStart, default FINANCIAL_YEAR_OCTOBER = FinancialOct);
//     LAST_FINANCIAL_YEAR is the one containing D minus 12 months;
//   the WEEK keywords (not BIWEEK) use the weekly type given in the options (DHIS2's
//     analyticsWeeklyStart, default Weekly).
// Month arithmetic clamps the day as Joda-Time does (2024-03-31 minus one month is 2024-02-29).
// Two of dhis2-core's quirks are kept on purpose, so that answers match a DHIS2 server:
//   LAST_6_BIMONTHS starts from (D minus 2 months) = M and goes back (M's month % 2) + 10 months,
//     so when D is in an odd month (the first month of a bi-month) the six bi-months end with the
//     one BEFORE LAST_BIMONTH (on 2024-03-15: 202301B..202306B, not 202302B..202401B);
//   WEEKS_THIS_YEAR starts at week 1 of D's calendar year and counts the ISO weeks of the ISO
//     week-year that holds 1 January of that week's start year (Joda weeksInYear), so in 2021
//     it lists 53 weeks, 2021W1..2021W52 and 2022W1.
// Resolution is pure and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "dhis2/period.h"
#include "dhis2/period_type.h"

namespace dhl::dhis2 {

// In dhis2-core's RelativePeriodEnum order.
enum class RelativePeriod : std::uint8_t {
  kToday,
  kYesterday,
  kLast3Days,
  kLast7Days,
  kLast14Days,
  kLast30Days,
  kLast60Days,
  kLast90Days,
  kLast180Days,
  kThisMonth,
  kLastMonth,
  kThisBimonth,
  kLastBimonth,
  kThisQuarter,
  kLastQuarter,
  kThisSixMonth,
  kLastSixMonth,
  kWeeksThisYear,
  kMonthsThisYear,
  kBimonthsThisYear,
  kQuartersThisYear,
  kThisYear,
  kMonthsLastYear,
  kQuartersLastYear,
  kLastYear,
  kLast5Years,
  kLast10Years,
  kLast12Months,
  kLast6Months,
  kLast3Months,
  kLast6Bimonths,
  kLast4Quarters,
  kLast2Sixmonths,
  kThisFinancialYear,
  kLastFinancialYear,
  kLast5FinancialYears,
  kLast10FinancialYears,
  kThisWeek,
  kLastWeek,
  kThisBiweek,
  kLastBiweek,
  kLast4Weeks,
  kLast4Biweeks,
  kLast12Weeks,
  kLast52Weeks,
};

inline constexpr int kRelativePeriodCount = 45;

// The keyword as the API spells it: "LAST_12_MONTHS", "THIS_FINANCIAL_YEAR", ...
std::string_view RelativePeriodName(RelativePeriod relative);

// The keyword `name` (exact, upper case as in the API), or an invalid-argument error naming it.
Result<RelativePeriod> ParseRelativePeriod(std::string_view name);

// The settings a resolution depends on besides the date.
struct RelativePeriodOptions {
  // A Financial* type: the system setting analyticsFinancialYearStart.
  PeriodType financial_year = PeriodType::kFinancialOct;
  // One of the six Weekly* types: the system setting analyticsWeeklyStart.
  PeriodType weekly = PeriodType::kWeekly;
};

// The fixed periods `relative` means on `today`, in DHIS2's order (oldest first). Fails with an
// invalid argument only when the options name a type of the wrong kind.
Result<std::vector<Period>> ResolveRelativePeriod(RelativePeriod relative, Date today,
                                                  const RelativePeriodOptions& options = {});

}  // namespace dhl::dhis2
