// DHIS2 periods of the ISO calendar: parsing and formatting period ids, the period of a type that
// contains a date, the periods of a type over a date range, and DHIS2's period structure (the
// period of every longer type a period belongs to).
//
// Semantics follow dhis2-core (dhis-api org/hisp/dhis/period/Period.java `Input.of` for the id
// grammar, calendar/DateUnitPeriodTypeParser.java for the dates of an id, each *PeriodType's
// createPeriod / getIsoDate for the period of a date). Summary of the id formats:
//   - Daily yyyyMMdd (also yyyy-MM-dd); Monthly yyyyMM (also yyyy-MM); BiMonthly yyyyNNB.
//   - Weekly yyyyWn, WeeklyWednesday yyyyWedWn, WeeklyThursday yyyyThuWn, WeeklyFriday
//     yyyyFriWn, WeeklySaturday yyyySatWn, WeeklySunday yyyySunWn, BiWeekly yyyyBiWn; n may be
//     zero-padded to two digits, as dhis2-core accepts (2024W01 is 2024W1).
//   - Quarterly yyyyQn, QuarterlyNov yyyyNovQn, SixMonthly yyyySn, SixMonthlyApril yyyyAprilSn,
//     SixMonthlyNov yyyyNovSn.
//   - Yearly yyyy, FinancialFeb yyyyFeb, FinancialApril yyyyApril, FinancialJuly yyyyJuly,
//     FinancialAug yyyyAug, FinancialSep yyyySep, FinancialOct yyyyOct, FinancialNov yyyyNov.
// Weekly types number weeks as java.time WeekFields.of(<first day>, 4): week 1 is the first week
// with at least four days in the year, and the year in the id is that week-based year (2025W1
// starts 2024-12-30). BiWeekly n is ISO weeks 2n-1 and 2n of the ISO week-based year; in a year of
// 53 ISO weeks BiW27 is week 53 plus week 1 of the next year (overlapping the next BiW1), as in
// dhis2-core. The Nov types are named by the year they END in (2025Nov = 2024-11-01..2025-10-31,
// 2024NovQ1 = 2023-11-01..2024-01-31, 2025NovS1 = 2024-11-01..2025-04-30); the other financial
// and SixMonthlyApril types by the year they start in.
//
// Dates are std::chrono::sys_days (proleptic Gregorian). All functions are pure, thread-safe and
// keep no state; ParsePeriodId allocates only to build an error message.
#pragma once

#include <chrono>
#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "dhis2/period_type.h"

namespace dhl::dhis2 {

using Date = std::chrono::sys_days;

// "yyyy-MM-dd".
std::string FormatDate(Date date);

// Parses "yyyy-MM-dd" (exactly that shape, a real calendar day) or fails naming the text.
Result<Date> ParseDate(std::string_view text);

// DHIS2's DateUtils.DAYS_IN_YEAR (annualised indicators) and the days of a week.
inline constexpr double kDaysInYear = 365;
inline constexpr int kDaysPerWeek = 7;

// The calendar year of `date` (2024 for 2024-02-29).
inline int YearOf(Date date) { return static_cast<int>(std::chrono::year_month_day{date}.year()); }

// One DHIS2 period: a type and the first and last day it covers. A Period is a small value (12
// bytes); its id is computed on demand. Periods compare by start date, then type, then end date.
class Period {
 public:
  PeriodType type() const { return type_; }
  Date start() const { return start_; }
  // The last day of the period (inclusive).
  Date end() const { return end_; }
  // Number of days covered, end - start + 1.
  int days() const { return static_cast<int>((end_ - start_).count()) + 1; }
  // The canonical DHIS2 id ("2024Q1", "20240229", "2025W1", "2025Nov").
  std::string id() const;
  // Appends the id to `out` (no allocation when `out` has room).
  void AppendId(std::string* out) const;
  // True if `date` lies within [start(), end()].
  bool Contains(Date date) const { return start_ <= date && date <= end_; }

  friend bool operator==(const Period&, const Period&) = default;
  friend std::strong_ordering operator<=>(const Period& a, const Period& b);

 private:
  friend Result<Period> ParsePeriodId(std::string_view id);
  friend Period PeriodContaining(PeriodType type, Date date);
  Period(PeriodType type, Date start, Date end) : type_(type), start_(start), end_(end) {}

  PeriodType type_;
  Date start_;
  Date end_;
};

// Parses a DHIS2 period id. A malformed or non-existent id (202413, 2023Q0, 2024S3, 2024W53 when
// 2024 has 52 ISO weeks, 2024-02-30, "", "abc") is an invalid-argument error whose message names
// the id and the reason. Period::id() of the result is the canonical form (2024-02 -> 202402).
Result<Period> ParsePeriodId(std::string_view id);

// The period of `type` that contains `date` (dhis2-core PeriodType.createPeriod(date)).
Period PeriodContaining(PeriodType type, Date date);

// The period `offset` periods of the same type after `period` (before it when negative), as
// dhis2-core's PeriodType.getShiftedPeriod (what `.periodOffset(n)` reads): 202401 shifted by -1
// is 202312, 2024Q1 by -1 is 2023Q4, 2024W1 by -1 is 2023W52. |offset| is at most 10000 periods.
Period ShiftPeriod(const Period& period, int offset);

// The periods of `type` that overlap [first, last], in order of start date; empty when
// first > last. Consecutive periods follow each other without gaps; BiWeekly's BiW27 (see
// above) overlaps the next year's BiW1.
std::vector<Period> PeriodsBetween(PeriodType type, Date first, Date last);

// DHIS2's period structure (dhis2-core IdentifiableObjectUtils.getPeriodByPeriodType, used by
// PeriodType.getPeriodTypePeriods to fill analytics_rs_periodstructure): the period of `type`
// that `period` belongs to is the period of `type` containing the period's START date, or, when
// `period` is of one of the six Weekly types (not BiWeekly), its start date plus 3 days (the day
// that decides which year a week belongs to). So 2024W5 (2024-01-29..02-04) belongs to 202402 and
// 2024Q4 to 2024Nov (2023-11-01..2024-10-31) although only its October lies inside.
// Returns `period` itself when `type` is the period's own type, and nullopt when `type` is not
// longer (its frequency order is not greater): types of the same length (Weekly and
// WeeklyWednesday, Quarterly and QuarterlyNov, Yearly and the Financial types) are not mapped.
std::optional<Period> StructurePeriod(const Period& period, PeriodType type);

// StructurePeriod for every type longer than the period's own, in kAllPeriodTypes order.
std::vector<Period> LongerStructurePeriods(const Period& period);

// The `period` command's answer for one id, as one JSON object without a newline:
//   {"id": "2024Q1", "type": "Quarterly", "start": "2024-01-01", "end": "2024-03-31", "days": 91,
//    "periods": {"SixMonthly": "2024S1", "SixMonthlyApril": "2023AprilS2", ...}}
// where "id" is the canonical id and "periods" holds LongerStructurePeriods keyed by type name;
// or {"id": "<id as given>", "error": "<message>"} for an invalid id. Sets *ok (when not null) to
// whether the id was valid. Invalid UTF-8 in the given id is replaced in the output.
std::string PeriodJsonLine(std::string_view id, bool* ok);

}  // namespace dhl::dhis2
