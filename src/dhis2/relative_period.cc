#include "dhis2/relative_period.h"

#include <algorithm>
#include <string>

#include "dhis2/period.h"

namespace dhl::dhis2 {
namespace {

using std::chrono::days;
using std::chrono::months;
using std::chrono::year_month_day;

constexpr std::array<std::string_view, kRelativePeriodCount> kRelativePeriodNames = {
    "TODAY",
    "YESTERDAY",
    "LAST_3_DAYS",
    "LAST_7_DAYS",
    "LAST_14_DAYS",
    "LAST_30_DAYS",
    "LAST_60_DAYS",
    "LAST_90_DAYS",
    "LAST_180_DAYS",
    "THIS_MONTH",
    "LAST_MONTH",
    "THIS_BIMONTH",
    "LAST_BIMONTH",
    "THIS_QUARTER",
    "LAST_QUARTER",
    "THIS_SIX_MONTH",
    "LAST_SIX_MONTH",
    "WEEKS_THIS_YEAR",
    "MONTHS_THIS_YEAR",
    "BIMONTHS_THIS_YEAR",
    "QUARTERS_THIS_YEAR",
    "THIS_YEAR",
    "MONTHS_LAST_YEAR",
    "QUARTERS_LAST_YEAR",
    "LAST_YEAR",
    "LAST_5_YEARS",
    "LAST_10_YEARS",
    "LAST_12_MONTHS",
    "LAST_6_MONTHS",
    "LAST_3_MONTHS",
    "LAST_6_BIMONTHS",
    "LAST_4_QUARTERS",
    "LAST_2_SIXMONTHS",
    "THIS_FINANCIAL_YEAR",
    "LAST_FINANCIAL_YEAR",
    "LAST_5_FINANCIAL_YEARS",
    "LAST_10_FINANCIAL_YEARS",
    "THIS_WEEK",
    "LAST_WEEK",
    "THIS_BIWEEK",
    "LAST_BIWEEK",
    "LAST_4_WEEKS",
    "LAST_4_BIWEEKS",
    "LAST_12_WEEKS",
    "LAST_52_WEEKS",
};

// Joda-Time's minusMonths: the same day of the month, clamped to the month's last day.
Date MinusMonths(Date date, int count) {
  year_month_day ymd{date};
  std::chrono::year_month target = ymd.year() / ymd.month() - months{count};
  std::chrono::day last = (target / std::chrono::last).day();
  return Date{target / std::min(ymd.day(), last)};
}

Date FirstOfYear(Date date) { return Date{year_month_day{date}.year() / 1 / 1}; }

// The `count` periods of `type` ending with the one containing `date`, oldest first.
std::vector<Period> Ending(PeriodType type, Date date, int count) {
  std::vector<Period> periods;
  periods.reserve(static_cast<std::size_t>(count));
  Period period = PeriodContaining(type, date);
  for (int i = 0; i < count; ++i) {
    periods.push_back(period);
    period = PeriodContaining(type, period.start() - days{1});
  }
  std::reverse(periods.begin(), periods.end());
  return periods;
}

// The periods of a month-based `type` that start in the calendar year of `date`.
std::vector<Period> OfCalendarYear(PeriodType type, Date date) {
  Date first = FirstOfYear(date);
  Date last = Date{year_month_day{date}.year() / 12 / 31};
  return PeriodsBetween(type, first, last);
}

// The last `count` days before `today`.
std::vector<Period> LastDays(Date today, int count) {
  return Ending(PeriodType::kDaily, today - days{1}, count);
}

// dhis2-core BiWeeklyAbstractPeriodType.generateRollingPeriods: from the start of the bi-week
// containing `date`, 26 periods, each the bi-week containing start - 350 days + 2k weeks.
std::vector<Period> BiWeeksEnding(Date date, int count) {
  constexpr int kRollingBiWeeks = 26;
  Date start = PeriodContaining(PeriodType::kBiWeekly, date).start();
  std::vector<Period> periods;
  for (int k = kRollingBiWeeks - count; k < kRollingBiWeeks; ++k) {
    periods.push_back(PeriodContaining(PeriodType::kBiWeekly, start - days{350} + days{14 * k}));
  }
  return periods;
}

// ISO (Monday) weeks in the ISO week-based year that holds 1 January of `year` (Joda's
// weekOfWeekyear().getMaximumValue() for that day).
int IsoWeeksOfYearHoldingJanuaryFirst(int year) {
  Period week = PeriodContaining(PeriodType::kWeekly, Date{std::chrono::year{year} / 1 / 1});
  Date thursday = week.start() + days{3};
  std::chrono::year week_year = year_month_day{thursday}.year();
  Date first = PeriodContaining(PeriodType::kWeekly, Date{week_year / 1 / 4}).start();
  Date next =
      PeriodContaining(PeriodType::kWeekly, Date{(week_year + std::chrono::years{1}) / 1 / 4})
          .start();
  return static_cast<int>((next - first).count() / kDaysPerWeek);
}

// dhis2-core WeeklyAbstractPeriodType.generatePeriods (see the header for its quirk).
std::vector<Period> WeeksOfYear(PeriodType weekly, Date date) {
  Date january_fourth = Date{year_month_day{date}.year() / 1 / 4};
  Date start = PeriodContaining(weekly, january_fourth).start();
  int count = IsoWeeksOfYearHoldingJanuaryFirst(static_cast<int>(year_month_day{start}.year()));
  std::vector<Period> periods;
  for (int k = 0; k < count; ++k) {
    periods.push_back(PeriodContaining(weekly, start + days{kDaysPerWeek * k}));
  }
  return periods;
}

// dhis2-core BiMonthlyPeriodType.generateRollingPeriods (see the header for its quirk).
std::vector<Period> LastSixBiMonths(Date today) {
  Date reference = MinusMonths(today, 2);
  year_month_day ymd{reference};
  int month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  Date first = MinusMonths(Date{ymd.year() / ymd.month() / 1}, month % 2 + 10);
  std::vector<Period> periods;
  for (int k = 0; k < 6; ++k) {
    periods.push_back(PeriodContaining(PeriodType::kBiMonthly, MinusMonths(first, -2 * k)));
  }
  return periods;
}

}  // namespace

std::string_view RelativePeriodName(RelativePeriod relative) {
  return kRelativePeriodNames[static_cast<std::size_t>(relative)];
}

Result<RelativePeriod> ParseRelativePeriod(std::string_view name) {
  for (std::size_t i = 0; i < kRelativePeriodNames.size(); ++i) {
    if (kRelativePeriodNames[i] == name) {
      return static_cast<RelativePeriod>(i);
    }
  }
  return InvalidArgument("relative period \"" + std::string(name.substr(0, 64)) +
                         "\" is not one of DHIS2's relative periods (TODAY, LAST_12_MONTHS, "
                         "THIS_QUARTER, ...)");
}

Result<std::vector<Period>> ResolveRelativePeriod(RelativePeriod relative, Date today,
                                                  const RelativePeriodOptions& options) {
  if (!IsFinancialType(options.financial_year)) {
    return InvalidArgument(
        "relative periods: the financial year type must be a Financial* "
        "period type, not " +
        std::string(PeriodTypeName(options.financial_year)));
  }
  if (!IsWeeklyType(options.weekly)) {
    return InvalidArgument(
        "relative periods: the weekly type must be one of the Weekly* period "
        "types, not " +
        std::string(PeriodTypeName(options.weekly)));
  }
  const PeriodType weekly = options.weekly;
  const PeriodType financial = options.financial_year;
  const Date year_ago = MinusMonths(today, 12);
  auto one = [](PeriodType type, Date date) {
    return std::vector<Period>{PeriodContaining(type, date)};
  };

  switch (relative) {
    case RelativePeriod::kToday:
      return one(PeriodType::kDaily, today);
    case RelativePeriod::kYesterday:
      return one(PeriodType::kDaily, today - days{1});
    case RelativePeriod::kLast3Days:
      return LastDays(today, 3);
    case RelativePeriod::kLast7Days:
      return LastDays(today, 7);
    case RelativePeriod::kLast14Days:
      return LastDays(today, 14);
    case RelativePeriod::kLast30Days:
      return LastDays(today, 30);
    case RelativePeriod::kLast60Days:
      return LastDays(today, 60);
    case RelativePeriod::kLast90Days:
      return LastDays(today, 90);
    case RelativePeriod::kLast180Days:
      return LastDays(today, 180);
    case RelativePeriod::kThisMonth:
      return one(PeriodType::kMonthly, today);
    case RelativePeriod::kLastMonth:
      return one(PeriodType::kMonthly, MinusMonths(today, 1));
    case RelativePeriod::kThisBimonth:
      return one(PeriodType::kBiMonthly, today);
    case RelativePeriod::kLastBimonth:
      return one(PeriodType::kBiMonthly, MinusMonths(today, 2));
    case RelativePeriod::kThisQuarter:
      return one(PeriodType::kQuarterly, today);
    case RelativePeriod::kLastQuarter:
      return one(PeriodType::kQuarterly, MinusMonths(today, 3));
    case RelativePeriod::kThisSixMonth:
      return one(PeriodType::kSixMonthly, today);
    case RelativePeriod::kLastSixMonth:
      return one(PeriodType::kSixMonthly, MinusMonths(today, 6));
    case RelativePeriod::kWeeksThisYear:
      return WeeksOfYear(weekly, today);
    case RelativePeriod::kMonthsThisYear:
      return OfCalendarYear(PeriodType::kMonthly, today);
    case RelativePeriod::kBimonthsThisYear:
      return OfCalendarYear(PeriodType::kBiMonthly, today);
    case RelativePeriod::kQuartersThisYear:
      return OfCalendarYear(PeriodType::kQuarterly, today);
    case RelativePeriod::kThisYear:
      return one(PeriodType::kYearly, today);
    case RelativePeriod::kMonthsLastYear:
      return OfCalendarYear(PeriodType::kMonthly, year_ago);
    case RelativePeriod::kQuartersLastYear:
      return OfCalendarYear(PeriodType::kQuarterly, year_ago);
    case RelativePeriod::kLastYear:
      return one(PeriodType::kYearly, year_ago);
    case RelativePeriod::kLast5Years:
      return Ending(PeriodType::kYearly, year_ago, 5);
    case RelativePeriod::kLast10Years:
      return Ending(PeriodType::kYearly, year_ago, 10);
    case RelativePeriod::kLast12Months:
      return Ending(PeriodType::kMonthly, MinusMonths(today, 1), 12);
    case RelativePeriod::kLast6Months:
      return Ending(PeriodType::kMonthly, MinusMonths(today, 1), 6);
    case RelativePeriod::kLast3Months:
      return Ending(PeriodType::kMonthly, MinusMonths(today, 1), 3);
    case RelativePeriod::kLast6Bimonths:
      return LastSixBiMonths(today);
    case RelativePeriod::kLast4Quarters:
      return Ending(PeriodType::kQuarterly, MinusMonths(today, 3), 4);
    case RelativePeriod::kLast2Sixmonths:
      return Ending(PeriodType::kSixMonthly, MinusMonths(today, 6), 2);
    case RelativePeriod::kThisFinancialYear:
      return one(financial, today);
    case RelativePeriod::kLastFinancialYear:
      return one(financial, year_ago);
    case RelativePeriod::kLast5FinancialYears:
      return Ending(financial, year_ago, 5);
    case RelativePeriod::kLast10FinancialYears:
      return Ending(financial, year_ago, 10);
    case RelativePeriod::kThisWeek:
      return one(weekly, today);
    case RelativePeriod::kLastWeek:
      return one(weekly, today - days{kDaysPerWeek});
    case RelativePeriod::kThisBiweek:
      return one(PeriodType::kBiWeekly, today);
    case RelativePeriod::kLastBiweek:
      return one(PeriodType::kBiWeekly, today - days{2 * kDaysPerWeek});
    case RelativePeriod::kLast4Weeks:
      return Ending(weekly, today - days{kDaysPerWeek}, 4);
    case RelativePeriod::kLast4Biweeks:
      return BiWeeksEnding(today - days{2 * kDaysPerWeek}, 4);
    case RelativePeriod::kLast12Weeks:
      return Ending(weekly, today - days{kDaysPerWeek}, 12);
    case RelativePeriod::kLast52Weeks:
      return Ending(weekly, today - days{kDaysPerWeek}, 52);
  }
  return Internal("relative period out of range");
}

}  // namespace dhl::dhis2
