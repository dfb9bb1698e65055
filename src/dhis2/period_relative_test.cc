// Relative periods resolved against fixed dates. Expectations are worked out by hand from
// dhis2-core's RelativePeriods.java, or copied from its RelativePeriodsTest (marked "core").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dhis2/relative_period.h"

namespace dhl::dhis2 {
namespace {

Date D(const char* text) { return ParseDate(text).value(); }

std::vector<std::string> Ids(const char* keyword, const char* date,
                             RelativePeriodOptions options = {}) {
  RelativePeriod relative = ParseRelativePeriod(keyword).value();
  Result<std::vector<Period>> periods = ResolveRelativePeriod(relative, D(date), options);
  EXPECT_TRUE(periods.ok()) << periods.status().ToString();
  std::vector<std::string> ids;
  if (periods.ok()) {
    for (const Period& period : *periods) {
      ids.push_back(period.id());
    }
  }
  return ids;
}

using Ids_ = std::vector<std::string>;

// "first..last" and the count, for long lists.
std::string Span(const std::vector<std::string>& ids) {
  return ids.empty() ? ""
                     : ids.front() + ".." + ids.back() + " (" + std::to_string(ids.size()) + ")";
}

constexpr const char* kDay = "2024-03-15";  // a Friday in ISO week 11

TEST(RelativePeriodTest, Days) {
  EXPECT_EQ(Ids("TODAY", kDay), Ids_{"20240315"});
  EXPECT_EQ(Ids("YESTERDAY", kDay), Ids_{"20240314"});
  EXPECT_EQ(Ids("YESTERDAY", "2024-03-01"), Ids_{"20240229"});
  EXPECT_EQ(Ids("LAST_3_DAYS", kDay), (Ids_{"20240312", "20240313", "20240314"}));
  EXPECT_EQ(Span(Ids("LAST_7_DAYS", kDay)), "20240308..20240314 (7)");
  EXPECT_EQ(Span(Ids("LAST_14_DAYS", kDay)), "20240301..20240314 (14)");
  EXPECT_EQ(Span(Ids("LAST_30_DAYS", kDay)), "20240214..20240314 (30)");
  EXPECT_EQ(Span(Ids("LAST_60_DAYS", kDay)), "20240115..20240314 (60)");
  EXPECT_EQ(Span(Ids("LAST_90_DAYS", kDay)), "20231216..20240314 (90)");
  EXPECT_EQ(Span(Ids("LAST_180_DAYS", kDay)), "20230917..20240314 (180)");
  // core: LAST_3_DAYS on 2001-07-04.
  EXPECT_EQ(Ids("LAST_3_DAYS", "2001-07-04"), (Ids_{"20010701", "20010702", "20010703"}));
}

TEST(RelativePeriodTest, Weeks) {
  EXPECT_EQ(Ids("THIS_WEEK", kDay), Ids_{"2024W11"});
  EXPECT_EQ(Ids("LAST_WEEK", kDay), Ids_{"2024W10"});
  EXPECT_EQ(Ids("LAST_4_WEEKS", kDay), (Ids_{"2024W7", "2024W8", "2024W9", "2024W10"}));
  EXPECT_EQ(Span(Ids("LAST_12_WEEKS", kDay)), "2023W51..2024W10 (12)");
  EXPECT_EQ(Span(Ids("LAST_52_WEEKS", kDay)), "2023W11..2024W10 (52)");
  EXPECT_EQ(Span(Ids("WEEKS_THIS_YEAR", kDay)), "2024W1..2024W52 (52)");
  EXPECT_EQ(Ids("THIS_WEEK", "2024-12-31"), Ids_{"2025W1"});
  EXPECT_EQ(Ids("LAST_WEEK", "2021-01-08"), Ids_{"2020W53"});
  // The weekly start setting.
  RelativePeriodOptions sunday;
  sunday.weekly = PeriodType::kWeeklySunday;
  EXPECT_EQ(Ids("THIS_WEEK", kDay, sunday), Ids_{"2024SunW11"});  // 2024-03-10..16
  // core: testLast4WeeksStartingOnSunday, testLast12WeeksStartingOnFriday,
  // testLast52WeeksStartingOnSaturday, testWeeksThisYearStartingOnWednesday.
  EXPECT_EQ(Ids("LAST_4_WEEKS", "2001-04-01", sunday).front(), "2001SunW10");
  RelativePeriodOptions friday;
  friday.weekly = PeriodType::kWeeklyFriday;
  EXPECT_EQ(Span(Ids("LAST_12_WEEKS", "2001-04-01", friday)), "2001FriW2..2001FriW13 (12)");
  RelativePeriodOptions saturday;
  saturday.weekly = PeriodType::kWeeklySaturday;
  std::vector<std::string> weeks = Ids("LAST_52_WEEKS", "2001-04-01", saturday);
  ASSERT_EQ(weeks.size(), 52u);
  EXPECT_EQ(weeks[0], "2000SatW14");
  EXPECT_EQ(weeks[11], "2000SatW25");
  RelativePeriodOptions wednesday;
  wednesday.weekly = PeriodType::kWeeklyWednesday;
  weeks = Ids("WEEKS_THIS_YEAR", "2001-06-01", wednesday);
  ASSERT_EQ(weeks.size(), 52u);
  EXPECT_EQ(weeks[0], "2001WedW1");
  EXPECT_EQ(weeks[11], "2001WedW12");
}

TEST(RelativePeriodTest, WeeksThisYearKeepsDhis2Counting) {
  // dhis2-core counts the ISO weeks of the week-year holding 1 January of week 1's start year:
  // 2021 (week 1 starts 2021-01-04; 1 January 2021 is in 2020W53) lists 53 weeks, 2020 (week 1
  // starts 2019-12-30; 2019 has 52) misses 2020W53, and so does 2026.
  EXPECT_EQ(Span(Ids("WEEKS_THIS_YEAR", "2021-06-01")), "2021W1..2022W1 (53)");
  EXPECT_EQ(Span(Ids("WEEKS_THIS_YEAR", "2020-06-01")), "2020W1..2020W52 (52)");
  EXPECT_EQ(Span(Ids("WEEKS_THIS_YEAR", "2026-06-01")), "2026W1..2026W52 (52)");  // 2025 has 52
}

TEST(RelativePeriodTest, BiWeeks) {
  EXPECT_EQ(Ids("THIS_BIWEEK", kDay), Ids_{"2024BiW6"});  // weeks 11-12
  EXPECT_EQ(Ids("LAST_BIWEEK", kDay), Ids_{"2024BiW5"});
  EXPECT_EQ(Ids("LAST_4_BIWEEKS", kDay), (Ids_{"2024BiW2", "2024BiW3", "2024BiW4", "2024BiW5"}));
  // core: testGetLast4BiWeeks on 2002-01-01: 2001-11-05..11-18 ... 2001-12-17..12-30.
  RelativePeriod last4 = RelativePeriod::kLast4Biweeks;
  std::vector<Period> periods = ResolveRelativePeriod(last4, D("2002-01-01")).value();
  ASSERT_EQ(periods.size(), 4u);
  EXPECT_EQ(FormatDate(periods[0].start()), "2001-11-05");
  EXPECT_EQ(FormatDate(periods[0].end()), "2001-11-18");
  EXPECT_EQ(FormatDate(periods[3].start()), "2001-12-17");
  EXPECT_EQ(FormatDate(periods[3].end()), "2001-12-30");
}

TEST(RelativePeriodTest, Months) {
  EXPECT_EQ(Ids("THIS_MONTH", kDay), Ids_{"202403"});
  EXPECT_EQ(Ids("LAST_MONTH", kDay), Ids_{"202402"});
  EXPECT_EQ(Ids("LAST_MONTH", "2024-03-31"), Ids_{"202402"});
  EXPECT_EQ(Ids("LAST_3_MONTHS", kDay), (Ids_{"202312", "202401", "202402"}));
  EXPECT_EQ(Span(Ids("LAST_6_MONTHS", kDay)), "202309..202402 (6)");
  EXPECT_EQ(Span(Ids("LAST_12_MONTHS", kDay)), "202303..202402 (12)");
  EXPECT_EQ(Span(Ids("MONTHS_THIS_YEAR", kDay)), "202401..202412 (12)");
  EXPECT_EQ(Span(Ids("MONTHS_LAST_YEAR", kDay)), "202301..202312 (12)");
  // core: testGetLast12Months on 2001-01-01.
  EXPECT_EQ(Span(Ids("LAST_12_MONTHS", "2001-01-01")), "200001..200012 (12)");
}

TEST(RelativePeriodTest, BiMonths) {
  EXPECT_EQ(Ids("THIS_BIMONTH", kDay), Ids_{"202402B"});
  EXPECT_EQ(Ids("LAST_BIMONTH", kDay), Ids_{"202401B"});
  EXPECT_EQ(Span(Ids("BIMONTHS_THIS_YEAR", kDay)), "202401B..202406B (6)");
  // core: testGetLastBiMonth on 2001-07-15 is 2001-05-01..06-30.
  EXPECT_EQ(Ids("LAST_BIMONTH", "2001-07-15"), Ids_{"200103B"});
  // dhis2-core's rolling bi-months: from an even month they end with LAST_BIMONTH ...
  EXPECT_EQ(Span(Ids("LAST_6_BIMONTHS", "2024-04-15")), "202302B..202401B (6)");
  // ... from an odd month with the one before it (BiMonthlyPeriodType.generateRollingPeriods).
  EXPECT_EQ(Span(Ids("LAST_6_BIMONTHS", kDay)), "202301B..202306B (6)");
}

TEST(RelativePeriodTest, QuartersAndHalves) {
  EXPECT_EQ(Ids("THIS_QUARTER", kDay), Ids_{"2024Q1"});
  EXPECT_EQ(Ids("LAST_QUARTER", kDay), Ids_{"2023Q4"});
  EXPECT_EQ(Ids("LAST_4_QUARTERS", kDay), (Ids_{"2023Q1", "2023Q2", "2023Q3", "2023Q4"}));
  EXPECT_EQ(Ids("LAST_4_QUARTERS", "2024-05-31"), (Ids_{"2023Q2", "2023Q3", "2023Q4", "2024Q1"}));
  EXPECT_EQ(Ids("QUARTERS_THIS_YEAR", kDay), (Ids_{"2024Q1", "2024Q2", "2024Q3", "2024Q4"}));
  EXPECT_EQ(Ids("QUARTERS_LAST_YEAR", kDay), (Ids_{"2023Q1", "2023Q2", "2023Q3", "2023Q4"}));
  EXPECT_EQ(Ids("THIS_SIX_MONTH", kDay), Ids_{"2024S1"});
  EXPECT_EQ(Ids("LAST_SIX_MONTH", kDay), Ids_{"2023S2"});
  EXPECT_EQ(Ids("LAST_2_SIXMONTHS", kDay), (Ids_{"2023S1", "2023S2"}));
  EXPECT_EQ(Ids("LAST_2_SIXMONTHS", "2024-08-31"), (Ids_{"2023S2", "2024S1"}));
}

TEST(RelativePeriodTest, Years) {
  EXPECT_EQ(Ids("THIS_YEAR", kDay), Ids_{"2024"});
  EXPECT_EQ(Ids("LAST_YEAR", kDay), Ids_{"2023"});
  EXPECT_EQ(Ids("LAST_5_YEARS", kDay), (Ids_{"2019", "2020", "2021", "2022", "2023"}));
  EXPECT_EQ(Span(Ids("LAST_10_YEARS", kDay)), "2014..2023 (10)");
  EXPECT_EQ(Ids("LAST_YEAR", "2024-02-29"), Ids_{"2023"});
}

TEST(RelativePeriodTest, FinancialYears) {
  // Default: DHIS2's analyticsFinancialYearStart default, FINANCIAL_YEAR_OCTOBER.
  EXPECT_EQ(Ids("THIS_FINANCIAL_YEAR", kDay), Ids_{"2023Oct"});
  EXPECT_EQ(Ids("LAST_FINANCIAL_YEAR", kDay), Ids_{"2022Oct"});
  EXPECT_EQ(Span(Ids("LAST_5_FINANCIAL_YEARS", kDay)), "2018Oct..2022Oct (5)");
  EXPECT_EQ(Span(Ids("LAST_10_FINANCIAL_YEARS", kDay)), "2013Oct..2022Oct (10)");
  EXPECT_EQ(Ids("THIS_FINANCIAL_YEAR", "2024-10-01"), Ids_{"2024Oct"});
  // core: testGetLast10FinancialYears on 2001-01-01: 1990-10-01 ... 1999-10-01.
  EXPECT_EQ(Span(Ids("LAST_10_FINANCIAL_YEARS", "2001-01-01")), "1990Oct..1999Oct (10)");
  RelativePeriodOptions april;
  april.financial_year = PeriodType::kFinancialApril;
  EXPECT_EQ(Ids("THIS_FINANCIAL_YEAR", kDay, april), Ids_{"2023April"});
  EXPECT_EQ(Ids("LAST_FINANCIAL_YEAR", kDay, april), Ids_{"2022April"});
  EXPECT_EQ(Span(Ids("LAST_5_FINANCIAL_YEARS", kDay, april)), "2018April..2022April (5)");
  EXPECT_EQ(Ids("THIS_FINANCIAL_YEAR", "2024-04-01", april), Ids_{"2024April"});
  RelativePeriodOptions july;
  july.financial_year = PeriodType::kFinancialJuly;
  EXPECT_EQ(Ids("THIS_FINANCIAL_YEAR", kDay, july), Ids_{"2023July"});
  RelativePeriodOptions november;
  november.financial_year = PeriodType::kFinancialNov;
  EXPECT_EQ(Ids("THIS_FINANCIAL_YEAR", kDay, november), Ids_{"2024Nov"});
  EXPECT_EQ(Ids("LAST_FINANCIAL_YEAR", kDay, november), Ids_{"2023Nov"});
}

TEST(RelativePeriodTest, EveryKeywordResolvesAndRoundTrips) {
  for (int i = 0; i < kRelativePeriodCount; ++i) {
    RelativePeriod relative = static_cast<RelativePeriod>(i);
    std::string_view name = RelativePeriodName(relative);
    SCOPED_TRACE(std::string(name));
    EXPECT_EQ(ParseRelativePeriod(name).value(), relative);
    for (const char* date : {"2024-03-15", "2024-12-31", "2021-01-01", "2020-12-31"}) {
      Result<std::vector<Period>> periods = ResolveRelativePeriod(relative, D(date));
      ASSERT_TRUE(periods.ok());
      EXPECT_FALSE(periods->empty());
      for (std::size_t k = 1; k < periods->size(); ++k) {
        EXPECT_LT((*periods)[k - 1].start(), (*periods)[k].start());
      }
    }
  }
  EXPECT_FALSE(ParseRelativePeriod("LAST_13_MONTHS").ok());
  EXPECT_FALSE(ParseRelativePeriod("last_12_months").ok());
}

TEST(RelativePeriodTest, RejectsOptionsOfTheWrongKind) {
  RelativePeriodOptions wrong;
  wrong.financial_year = PeriodType::kYearly;
  EXPECT_FALSE(ResolveRelativePeriod(RelativePeriod::kThisFinancialYear, D(kDay), wrong).ok());
  RelativePeriodOptions wrong_week;
  wrong_week.weekly = PeriodType::kBiWeekly;
  EXPECT_FALSE(ResolveRelativePeriod(RelativePeriod::kThisWeek, D(kDay), wrong_week).ok());
}

}  // namespace
}  // namespace dhl::dhis2
