#include "dhis2/period.h"

#include <array>
#include <cstdint>
#include <exception>
#include <nlohmann/json.hpp>

namespace dhl::dhis2 {
namespace {

using std::chrono::days;
using std::chrono::year_month_day;

constexpr int kMonthsPerYear = 12;
// Longest id prefix quoted in an error message.
constexpr std::size_t kMaxQuotedIdLength = 64;

Date MakeDate(int year, int month, int day) {
  return Date{std::chrono::year{year} / std::chrono::month{static_cast<unsigned>(month)} /
              std::chrono::day{static_cast<unsigned>(day)}};
}

int IsoWeekday(Date date) { return static_cast<int>(std::chrono::weekday{date}.iso_encoding()); }

// ISO weekday (1 = Monday ... 7 = Sunday) on which weeks of a weekly type start.
int FirstDayOfWeek(PeriodType type) {
  switch (type) {
    case PeriodType::kWeeklyWednesday:
      return 3;
    case PeriodType::kWeeklyThursday:
      return 4;
    case PeriodType::kWeeklyFriday:
      return 5;
    case PeriodType::kWeeklySaturday:
      return 6;
    case PeriodType::kWeeklySunday:
      return 7;
    default:
      return 1;
  }
}

std::string_view WeekInfix(PeriodType type) {
  switch (type) {
    case PeriodType::kWeeklyWednesday:
      return "WedW";
    case PeriodType::kWeeklyThursday:
      return "ThuW";
    case PeriodType::kWeeklyFriday:
      return "FriW";
    case PeriodType::kWeeklySaturday:
      return "SatW";
    case PeriodType::kWeeklySunday:
      return "SunW";
    case PeriodType::kBiWeekly:
      return "BiW";
    default:
      return "W";
  }
}

Date StartOfWeek(Date date, int first_day) {
  return date - days{(IsoWeekday(date) - first_day + kDaysPerWeek) % kDaysPerWeek};
}

// Week 1 of a week-based year is the week (starting on `first_day`) that holds 4 January: it is
// the first week with at least four days in the year (WeekFields.of(first_day, 4)).
Date FirstWeekStart(int year, int first_day) {
  return StartOfWeek(MakeDate(year, 1, 4), first_day);
}

// The week-based year of the week starting on `week_start`: the year of its fourth day.
int WeekYear(Date week_start) { return YearOf(week_start + days{3}); }

int WeeksInWeekYear(int year, int first_day) {
  return static_cast<int>(
      (FirstWeekStart(year + 1, first_day) - FirstWeekStart(year, first_day)).count() /
      kDaysPerWeek);
}

// 1-based number of the week starting on `week_start` within week-based year `week_year`.
int WeekNumber(Date week_start, int week_year, int first_day) {
  return static_cast<int>((week_start - FirstWeekStart(week_year, first_day)).count() /
                          kDaysPerWeek) +
         1;
}

// Month-based types: periods of `length` months, aligned so that one starts in `anchor_month`.
struct MonthRule {
  int anchor_month;
  int length;
};

MonthRule MonthRuleOf(PeriodType type) {
  switch (type) {
    case PeriodType::kMonthly:
      return {1, 1};
    case PeriodType::kBiMonthly:
      return {1, 2};
    case PeriodType::kQuarterly:
      return {1, 3};
    case PeriodType::kQuarterlyNov:
      return {11, 3};
    case PeriodType::kSixMonthly:
      return {1, 6};
    case PeriodType::kSixMonthlyApril:
      return {4, 6};
    case PeriodType::kSixMonthlyNov:
      return {11, 6};
    case PeriodType::kFinancialFeb:
      return {2, 12};
    case PeriodType::kFinancialApril:
      return {4, 12};
    case PeriodType::kFinancialJuly:
      return {7, 12};
    case PeriodType::kFinancialAug:
      return {8, 12};
    case PeriodType::kFinancialSep:
      return {9, 12};
    case PeriodType::kFinancialOct:
      return {10, 12};
    case PeriodType::kFinancialNov:
      return {11, 12};
    default:  // kYearly
      return {1, 12};
  }
}

std::string_view FinancialSuffix(PeriodType type) {
  switch (type) {
    case PeriodType::kFinancialFeb:
      return "Feb";
    case PeriodType::kFinancialApril:
      return "April";
    case PeriodType::kFinancialJuly:
      return "July";
    case PeriodType::kFinancialAug:
      return "Aug";
    case PeriodType::kFinancialSep:
      return "Sep";
    case PeriodType::kFinancialOct:
      return "Oct";
    default:
      return "Nov";
  }
}

// Months counted from year 0: year * 12 + (month - 1).
std::int64_t MonthIndex(Date date) {
  year_month_day ymd{date};
  return static_cast<std::int64_t>(static_cast<int>(ymd.year())) * kMonthsPerYear +
         static_cast<unsigned>(ymd.month()) - 1;
}

Date MonthIndexToDate(std::int64_t index) {
  std::int64_t year = index >= 0 ? index / kMonthsPerYear : -((-index + 11) / kMonthsPerYear);
  int month = static_cast<int>(index - year * kMonthsPerYear) + 1;
  return MakeDate(static_cast<int>(year), month, 1);
}

void AppendNumber(std::string* out, std::int64_t value, int min_digits) {
  if (value < 0) {
    out->push_back('-');
    value = -value;
  }
  std::array<char, 24> buffer{};
  int length = 0;
  do {
    buffer[static_cast<std::size_t>(length++)] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  for (int i = length; i < min_digits; ++i) {
    out->push_back('0');
  }
  while (length > 0) {
    out->push_back(buffer[static_cast<std::size_t>(--length)]);
  }
}

void AppendYear(std::string* out, int year) { AppendNumber(out, year, 4); }

// Parses an all-digit string; false when empty or any other character appears.
bool ParseDigits(std::string_view text, int* value) {
  if (text.empty() || text.size() > 9) {
    return false;
  }
  int result = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
    result = result * 10 + (c - '0');
  }
  *value = result;
  return true;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

Status InvalidId(std::string_view id, std::string_view reason) {
  std::string message = "period id \"";
  message.append(id.substr(0, kMaxQuotedIdLength));
  if (id.size() > kMaxQuotedIdLength) {
    message.append("...");
  }
  message.append("\": ");
  message.append(reason);
  return InvalidArgument(std::move(message));
}

std::string Describe(std::string_view what, int value, std::string_view range) {
  std::string text(what);
  text.push_back(' ');
  AppendNumber(&text, value, 1);
  text.append(" is not in ");
  text.append(range);
  return text;
}

}  // namespace

std::strong_ordering operator<=>(const Period& a, const Period& b) {
  if (auto order = a.start_ <=> b.start_; order != 0) {
    return order;
  }
  if (auto order = static_cast<int>(a.type_) <=> static_cast<int>(b.type_); order != 0) {
    return order;
  }
  return a.end_ <=> b.end_;
}

std::string Period::id() const {
  std::string out;
  out.reserve(16);
  AppendId(&out);
  return out;
}

void Period::AppendId(std::string* out) const {
  year_month_day ymd{start_};
  int year = static_cast<int>(ymd.year());
  int month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  switch (type_) {
    case PeriodType::kDaily:
      AppendYear(out, year);
      AppendNumber(out, month, 2);
      AppendNumber(out, static_cast<unsigned>(ymd.day()), 2);
      return;
    case PeriodType::kWeekly:
    case PeriodType::kWeeklyWednesday:
    case PeriodType::kWeeklyThursday:
    case PeriodType::kWeeklyFriday:
    case PeriodType::kWeeklySaturday:
    case PeriodType::kWeeklySunday: {
      int first_day = FirstDayOfWeek(type_);
      int week_year = WeekYear(start_);
      AppendYear(out, week_year);
      out->append(WeekInfix(type_));
      AppendNumber(out, WeekNumber(start_, week_year, first_day), 1);
      return;
    }
    case PeriodType::kBiWeekly: {
      int week_year = WeekYear(start_);
      AppendYear(out, week_year);
      out->append("BiW");
      AppendNumber(out, (WeekNumber(start_, week_year, 1) + 1) / 2, 1);
      return;
    }
    case PeriodType::kMonthly:
      AppendYear(out, year);
      AppendNumber(out, month, 2);
      return;
    case PeriodType::kBiMonthly:
      AppendYear(out, year);
      AppendNumber(out, (month + 1) / 2, 2);
      out->push_back('B');
      return;
    case PeriodType::kQuarterly:
      AppendYear(out, year);
      out->push_back('Q');
      AppendNumber(out, (month + 2) / 3, 1);
      return;
    case PeriodType::kQuarterlyNov:
      // Starts in Nov (Q1, named by the next year), Feb (Q2), May (Q3), Aug (Q4).
      AppendYear(out, month == 11 ? year + 1 : year);
      out->append("NovQ");
      AppendNumber(out, ((month + 1) % kMonthsPerYear) / 3 + 1, 1);
      return;
    case PeriodType::kSixMonthly:
      AppendYear(out, year);
      out->append(month == 1 ? "S1" : "S2");
      return;
    case PeriodType::kSixMonthlyApril:
      AppendYear(out, year);
      out->append(month == 4 ? "AprilS1" : "AprilS2");
      return;
    case PeriodType::kSixMonthlyNov:
      AppendYear(out, month == 11 ? year + 1 : year);
      out->append(month == 11 ? "NovS1" : "NovS2");
      return;
    case PeriodType::kYearly:
      AppendYear(out, year);
      return;
    case PeriodType::kFinancialNov:
      AppendYear(out, year + 1);
      out->append("Nov");
      return;
    default:  // the other financial types: the start year
      AppendYear(out, year);
      out->append(FinancialSuffix(type_));
      return;
  }
}

std::string FormatDate(Date date) {
  year_month_day ymd{date};
  std::string out;
  out.reserve(10);
  AppendYear(&out, static_cast<int>(ymd.year()));
  out.push_back('-');
  AppendNumber(&out, static_cast<unsigned>(ymd.month()), 2);
  out.push_back('-');
  AppendNumber(&out, static_cast<unsigned>(ymd.day()), 2);
  return out;
}

Result<Date> ParseDate(std::string_view text) {
  int year = 0;
  int month = 0;
  int day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
      !ParseDigits(text.substr(0, 4), &year) || !ParseDigits(text.substr(5, 2), &month) ||
      !ParseDigits(text.substr(8, 2), &day)) {
    return InvalidArgument("date \"" + std::string(text.substr(0, kMaxQuotedIdLength)) +
                           "\" is not of the form yyyy-MM-dd");
  }
  year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                     std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) {
    return InvalidArgument("date \"" + std::string(text) + "\" is not a calendar day");
  }
  return Date{ymd};
}

Result<Period> ParsePeriodId(std::string_view id) {
  if (id.empty()) {
    return InvalidId(id, "empty");
  }
  int year = 0;
  if (id.size() < 4 || !ParseDigits(id.substr(0, 4), &year)) {
    return InvalidId(id, "does not start with a four-digit year");
  }
  std::string_view rest = id.substr(4);
  auto month_period = [&](PeriodType type, std::int64_t start_index) {
    int length = MonthRuleOf(type).length;
    return Period(type, MonthIndexToDate(start_index),
                  MonthIndexToDate(start_index + length) - days{1});
  };
  const std::int64_t january = static_cast<std::int64_t>(year) * kMonthsPerYear;

  if (rest.empty()) {
    return month_period(PeriodType::kYearly, january);
  }

  // Daily and Monthly: yyyyMMdd, yyyy-MM-dd, yyyyMM, yyyy-MM.
  int month = 0;
  int day = 0;
  bool is_daily = false;
  bool is_monthly = false;
  if (rest.size() == 4 && ParseDigits(rest, &month)) {
    is_daily = true;
    ParseDigits(rest.substr(0, 2), &month);
    ParseDigits(rest.substr(2, 2), &day);
  } else if (rest.size() == 6 && rest[0] == '-' && rest[3] == '-' &&
             ParseDigits(rest.substr(1, 2), &month) && ParseDigits(rest.substr(4, 2), &day)) {
    is_daily = true;
  } else if (rest.size() == 2 && ParseDigits(rest, &month)) {
    is_monthly = true;
  } else if (rest.size() == 3 && rest[0] == '-' && ParseDigits(rest.substr(1), &month)) {
    is_monthly = true;
  }
  if (is_daily || is_monthly) {
    if (month < 1 || month > kMonthsPerYear) {
      return InvalidId(id, Describe("month", month, "1..12"));
    }
    if (is_monthly) {
      return month_period(PeriodType::kMonthly, january + month - 1);
    }
    year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                       std::chrono::day{static_cast<unsigned>(day)}};
    if (!ymd.ok()) {
      std::string reason = "day ";
      AppendNumber(&reason, day, 1);
      reason.append(" does not exist in ");
      AppendYear(&reason, year);
      reason.push_back('-');
      AppendNumber(&reason, month, 2);
      return InvalidId(id, reason);
    }
    return Period(PeriodType::kDaily, Date{ymd}, Date{ymd});
  }

  // Weekly types and BiWeekly: <infix><n>, n of one or two digits.
  // Financial years first: "Sep" must not be read as six-monthly "S".
  for (PeriodType type :
       {PeriodType::kFinancialFeb, PeriodType::kFinancialApril, PeriodType::kFinancialJuly,
        PeriodType::kFinancialAug, PeriodType::kFinancialSep, PeriodType::kFinancialOct,
        PeriodType::kFinancialNov}) {
    if (rest == FinancialSuffix(type)) {
      int anchor = MonthRuleOf(type).anchor_month;
      std::int64_t start = type == PeriodType::kFinancialNov ? january - 2 : january + anchor - 1;
      return month_period(type, start);
    }
  }

  // The longer infixes before plain "W".
  for (PeriodType type : {PeriodType::kWeeklyWednesday, PeriodType::kWeeklyThursday,
                          PeriodType::kWeeklyFriday, PeriodType::kWeeklySaturday,
                          PeriodType::kWeeklySunday, PeriodType::kBiWeekly, PeriodType::kWeekly}) {
    std::string_view infix = WeekInfix(type);
    if (!StartsWith(rest, infix)) {
      continue;
    }
    std::string_view number = rest.substr(infix.size());
    int week = 0;
    if (number.size() > 2 || !ParseDigits(number, &week)) {
      return InvalidId(
          id, "expected a week number of one or two digits after \"" + std::string(infix) + "\"");
    }
    int first_day = FirstDayOfWeek(type);
    int weeks = WeeksInWeekYear(year, first_day);
    bool biweekly = type == PeriodType::kBiWeekly;
    int periods = biweekly ? (weeks + 1) / 2 : weeks;
    if (week < 1 || week > periods) {
      std::string reason = biweekly ? "bi-week " : "week ";
      AppendNumber(&reason, week, 1);
      reason.append(" does not exist in ");
      AppendYear(&reason, year);
      reason.append(", which has ");
      AppendNumber(&reason, periods, 1);
      reason.append(biweekly ? " bi-weeks" : " weeks");
      if (!biweekly && type != PeriodType::kWeekly) {
        reason.append(" of type ");
        reason.append(PeriodTypeName(type));
      }
      return InvalidId(id, reason);
    }
    int span = biweekly ? 2 * kDaysPerWeek : kDaysPerWeek;
    Date start = FirstWeekStart(year, first_day) + days{(week - 1) * span};
    return Period(type, start, start + days{span - 1});
  }

  // BiMonthly: yyyyNNB.
  if (rest.size() == 3 && rest[2] == 'B' && ParseDigits(rest.substr(0, 2), &month)) {
    if (month < 1 || month > 6) {
      return InvalidId(id, Describe("bi-month", month, "01..06"));
    }
    return month_period(PeriodType::kBiMonthly, january + 2 * (month - 1));
  }

  // Quarters and halves: <infix><one digit>.
  struct Numbered {
    std::string_view infix;
    PeriodType type;
  };
  constexpr std::array<Numbered, 5> kNumbered = {{
      {"Q", PeriodType::kQuarterly},
      {"S", PeriodType::kSixMonthly},
      {"NovQ", PeriodType::kQuarterlyNov},
      {"NovS", PeriodType::kSixMonthlyNov},
      {"AprilS", PeriodType::kSixMonthlyApril},
  }};
  for (const Numbered& numbered : kNumbered) {
    if (!StartsWith(rest, numbered.infix)) {
      continue;
    }
    std::string_view digits = rest.substr(numbered.infix.size());
    int number = 0;
    if (digits.size() != 1 || !ParseDigits(digits, &number)) {
      return InvalidId(id, "expected one digit after \"" + std::string(numbered.infix) + "\"");
    }
    bool quarter =
        numbered.type == PeriodType::kQuarterly || numbered.type == PeriodType::kQuarterlyNov;
    if (number < 1 || number > (quarter ? 4 : 2)) {
      return InvalidId(id, Describe(quarter ? "quarter" : "six-month period", number,
                                    quarter ? "1..4" : "1..2"));
    }
    std::int64_t start = january;
    switch (numbered.type) {
      case PeriodType::kQuarterly:
        start = january + 3 * (number - 1);
        break;
      case PeriodType::kSixMonthly:
        start = january + 6 * (number - 1);
        break;
      case PeriodType::kQuarterlyNov:  // Q1 starts in November of the previous year
        start = january - 2 + 3 * (number - 1);
        break;
      case PeriodType::kSixMonthlyNov:  // S1 starts in November of the previous year
        start = january - 2 + 6 * (number - 1);
        break;
      default:  // kSixMonthlyApril: S1 starts in April of the year
        start = january + 3 + 6 * (number - 1);
        break;
    }
    return month_period(numbered.type, start);
  }

  return InvalidId(id, "\"" + std::string(rest.substr(0, kMaxQuotedIdLength)) +
                           "\" after the year is not a DHIS2 period format (expected e.g. "
                           "yyyyMMdd, yyyyWn, yyyyBiWn, yyyyMM, yyyyNNB, yyyyQn, yyyySn, "
                           "yyyyAprilSn, yyyyNovQn, yyyyNovSn, yyyy, yyyyApril, yyyyNov)");
}

Period PeriodContaining(PeriodType type, Date date) {
  if (type == PeriodType::kDaily) {
    return Period(type, date, date);
  }
  if (IsWeeklyType(type)) {
    Date start = StartOfWeek(date, FirstDayOfWeek(type));
    return Period(type, start, start + days{kDaysPerWeek - 1});
  }
  if (type == PeriodType::kBiWeekly) {
    // Bi-weeks start on the Monday of an odd ISO week (dhis2-core adjustToStartOfBiWeek).
    Date start = StartOfWeek(date, 1);
    if (WeekNumber(start, WeekYear(start), 1) % 2 == 0) {
      start -= days{kDaysPerWeek};
    }
    return Period(type, start, start + days{2 * kDaysPerWeek - 1});
  }
  MonthRule rule = MonthRuleOf(type);
  std::int64_t index = MonthIndex(date);
  std::int64_t offset =
      ((index - (rule.anchor_month - 1)) % rule.length + rule.length) % rule.length;
  std::int64_t start = index - offset;
  return Period(type, MonthIndexToDate(start), MonthIndexToDate(start + rule.length) - days{1});
}

Period ShiftPeriod(const Period& period, int offset) {
  Period shifted = period;
  for (int step = 0; step < offset && step < 10000; ++step) {
    shifted = PeriodContaining(period.type(), shifted.end() + days{1});
  }
  for (int step = 0; step > offset && step > -10000; --step) {
    shifted = PeriodContaining(period.type(), shifted.start() - days{1});
  }
  return shifted;
}

std::vector<Period> PeriodsBetween(PeriodType type, Date first, Date last) {
  std::vector<Period> periods;
  if (first > last) {
    return periods;
  }
  for (Period period = PeriodContaining(type, first); period.start() <= last;
       period = PeriodContaining(type, period.end() + days{1})) {
    periods.push_back(period);
  }
  return periods;
}

std::optional<Period> StructurePeriod(const Period& period, PeriodType type) {
  if (type == period.type()) {
    return period;
  }
  if (FrequencyOrder(type) <= FrequencyOrder(period.type())) {
    return std::nullopt;
  }
  Date date = period.start();
  if (IsWeeklyType(period.type())) {
    date += days{3};
  }
  return PeriodContaining(type, date);
}

std::vector<Period> LongerStructurePeriods(const Period& period) {
  std::vector<Period> periods;
  for (PeriodType type : kAllPeriodTypes) {
    if (type != period.type()) {
      if (std::optional<Period> longer = StructurePeriod(period, type)) {
        periods.push_back(*longer);
      }
    }
  }
  return periods;
}

namespace {

// A JSON string literal for `text`; invalid UTF-8 is replaced (U+FFFD).
std::string JsonString(std::string_view text) {
  try {
    return nlohmann::json(std::string(text))
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const std::exception&) {
    return "\"\"";
  }
}

}  // namespace

std::string PeriodJsonLine(std::string_view id, bool* ok) {
  Result<Period> parsed = ParsePeriodId(id);
  if (ok != nullptr) {
    *ok = parsed.ok();
  }
  std::string line = "{\"id\": ";
  if (!parsed.ok()) {
    line.append(JsonString(id));
    line.append(", \"error\": ");
    line.append(JsonString(parsed.status().message()));
    line.push_back('}');
    return line;
  }
  const Period& period = *parsed;
  line.push_back('"');
  period.AppendId(&line);
  line.append("\", \"type\": \"");
  line.append(PeriodTypeName(period.type()));
  line.append("\", \"start\": \"");
  line.append(FormatDate(period.start()));
  line.append("\", \"end\": \"");
  line.append(FormatDate(period.end()));
  line.append("\", \"days\": ");
  AppendNumber(&line, period.days(), 1);
  line.append(", \"periods\": {");
  bool first = true;
  for (const Period& longer : LongerStructurePeriods(period)) {
    line.append(first ? "\"" : ", \"");
    first = false;
    line.append(PeriodTypeName(longer.type()));
    line.append("\": \"");
    longer.AppendId(&line);
    line.push_back('"');
  }
  line.append("}}");
  return line;
}

}  // namespace dhl::dhis2
