// The fixed period types of DHIS2's ISO calendar and their metadata.
//
// The enumerators follow dhis2-core's PeriodType.PERIOD_TYPES list (dhis-api
// org/hisp/dhis/period/PeriodType.java), which is also the column order of DHIS2's
// analytics_rs_periodstructure table. TwoYearly is left out: it has no ISO period id.
// Everything here is constant data; all functions are thread-safe and do not allocate.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace dhl::dhis2 {

enum class PeriodType : std::uint8_t {
  kDaily,
  kWeekly,           // weeks start on Monday (ISO weeks)
  kWeeklyWednesday,  // weeks start on Wednesday
  kWeeklyThursday,
  kWeeklyFriday,
  kWeeklySaturday,
  kWeeklySunday,
  kBiWeekly,  // pairs of ISO weeks (2n-1, 2n)
  kMonthly,
  kBiMonthly,
  kQuarterly,
  kQuarterlyNov,  // quarters from November; named by the year they end in
  kSixMonthly,
  kSixMonthlyApril,  // halves from April; named by the year they start in
  kSixMonthlyNov,    // halves from November; named by the year S1 ends in
  kYearly,
  kFinancialFeb,  // financial years are named by the year they start in ...
  kFinancialApril,
  kFinancialJuly,
  kFinancialAug,
  kFinancialSep,
  kFinancialOct,
  kFinancialNov,  // ... except FinancialNov, named by the year it ends in
};

inline constexpr int kPeriodTypeCount = 23;

// Every period type, in DHIS2's PERIOD_TYPES order (shortest first).
inline constexpr std::array<PeriodType, kPeriodTypeCount> kAllPeriodTypes = {
    PeriodType::kDaily,          PeriodType::kWeekly,          PeriodType::kWeeklyWednesday,
    PeriodType::kWeeklyThursday, PeriodType::kWeeklyFriday,    PeriodType::kWeeklySaturday,
    PeriodType::kWeeklySunday,   PeriodType::kBiWeekly,        PeriodType::kMonthly,
    PeriodType::kBiMonthly,      PeriodType::kQuarterly,       PeriodType::kQuarterlyNov,
    PeriodType::kSixMonthly,     PeriodType::kSixMonthlyApril, PeriodType::kSixMonthlyNov,
    PeriodType::kYearly,         PeriodType::kFinancialFeb,    PeriodType::kFinancialApril,
    PeriodType::kFinancialJuly,  PeriodType::kFinancialAug,    PeriodType::kFinancialSep,
    PeriodType::kFinancialOct,   PeriodType::kFinancialNov,
};

// The name DHIS2 uses in metadata (`periodType` of a data set) and in the API: "Quarterly",
// "FinancialApril", "WeeklyWednesday", ...
std::string_view PeriodTypeName(PeriodType type);

// The lower-case name DHIS2 gives the type's column in analytics tables: "quarterly",
// "financialapril", ...
std::string_view PeriodTypeColumnName(PeriodType type);

// DHIS2's frequency order, the nominal length in days: Daily 1, the Weekly types 7, BiWeekly 14,
// Monthly 30, BiMonthly 61, Quarterly types 91, SixMonthly types 182, Yearly and Financial types
// 365. A type is "longer" than another when its frequency order is strictly greater.
int FrequencyOrder(PeriodType type);

// True for the six types whose periods are single weeks (Weekly, WeeklyWednesday, ...,
// WeeklySunday); false for BiWeekly, as in dhis2-core (WeeklyAbstractPeriodType).
bool IsWeeklyType(PeriodType type);

// True for FinancialFeb ... FinancialNov.
bool IsFinancialType(PeriodType type);

// The type named `name`, matched case-insensitively against PeriodTypeName (DHIS2's
// PeriodType.getByNameIgnoreCase). An unknown name (including DHIS2's "TwoYearly", which has no
// ISO ids) is an invalid-argument error naming it.
Result<PeriodType> ParsePeriodType(std::string_view name);

}  // namespace dhl::dhis2
