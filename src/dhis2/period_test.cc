// Hand-checked period ids, the structure mapping, invalid ids and the `period` JSON line.
// Expected dates come from dhis2-core (AdxPeriodTest, DateUnitPeriodTypeParser, the *PeriodType
// classes) and from a calendar, never from the code under test.
#include "dhis2/period.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dhl::dhis2 {
namespace {

struct Case {
  const char* id;
  PeriodType type;
  const char* start;
  const char* end;
  const char* canonical;  // nullptr: the id itself
};

Date D(const char* text) { return ParseDate(text).value(); }

TEST(PeriodTest, ParsesEveryTypeToDhis2Dates) {
  const std::vector<Case> cases = {
      {"20240229", PeriodType::kDaily, "2024-02-29", "2024-02-29", nullptr},
      {"2024-02-29", PeriodType::kDaily, "2024-02-29", "2024-02-29", "20240229"},
      {"19991231", PeriodType::kDaily, "1999-12-31", "1999-12-31", nullptr},
      {"2024W1", PeriodType::kWeekly, "2024-01-01", "2024-01-07", nullptr},
      {"2024W01", PeriodType::kWeekly, "2024-01-01", "2024-01-07", "2024W1"},
      {"2024W5", PeriodType::kWeekly, "2024-01-29", "2024-02-04", nullptr},
      {"2024W52", PeriodType::kWeekly, "2024-12-23", "2024-12-29", nullptr},
      {"2025W1", PeriodType::kWeekly, "2024-12-30", "2025-01-05", nullptr},
      {"2020W53", PeriodType::kWeekly, "2020-12-28", "2021-01-03", nullptr},
      {"2004W53", PeriodType::kWeekly, "2004-12-27", "2005-01-02", nullptr},
      {"2009W53", PeriodType::kWeekly, "2009-12-28", "2010-01-03", nullptr},
      {"2015W53", PeriodType::kWeekly, "2015-12-28", "2016-01-03", nullptr},
      {"2026W53", PeriodType::kWeekly, "2026-12-28", "2027-01-03", nullptr},
      {"2032W53", PeriodType::kWeekly, "2032-12-27", "2033-01-02", nullptr},
      {"2037W53", PeriodType::kWeekly, "2037-12-28", "2038-01-03", nullptr},
      {"2010W1", PeriodType::kWeekly, "2010-01-04", "2010-01-10", nullptr},
      {"2022WedW1", PeriodType::kWeeklyWednesday, "2021-12-29", "2022-01-04", nullptr},
      {"2022ThuW1", PeriodType::kWeeklyThursday, "2021-12-30", "2022-01-05", nullptr},
      {"2024FriW1", PeriodType::kWeeklyFriday, "2023-12-29", "2024-01-04", nullptr},
      {"2024SatW1", PeriodType::kWeeklySaturday, "2023-12-30", "2024-01-05", nullptr},
      {"2024SunW1", PeriodType::kWeeklySunday, "2023-12-31", "2024-01-06", nullptr},
      {"2024BiW1", PeriodType::kBiWeekly, "2024-01-01", "2024-01-14", nullptr},
      {"2024BiW26", PeriodType::kBiWeekly, "2024-12-16", "2024-12-29", nullptr},
      {"2020BiW27", PeriodType::kBiWeekly, "2020-12-28", "2021-01-10", nullptr},
      {"2021BiW1", PeriodType::kBiWeekly, "2021-01-04", "2021-01-17", nullptr},
      {"202402", PeriodType::kMonthly, "2024-02-01", "2024-02-29", nullptr},
      {"2024-02", PeriodType::kMonthly, "2024-02-01", "2024-02-29", "202402"},
      {"202312", PeriodType::kMonthly, "2023-12-01", "2023-12-31", nullptr},
      {"202401B", PeriodType::kBiMonthly, "2024-01-01", "2024-02-29", nullptr},
      {"202406B", PeriodType::kBiMonthly, "2024-11-01", "2024-12-31", nullptr},
      {"2024Q1", PeriodType::kQuarterly, "2024-01-01", "2024-03-31", nullptr},
      {"2024Q2", PeriodType::kQuarterly, "2024-04-01", "2024-06-30", nullptr},
      {"2024NovQ1", PeriodType::kQuarterlyNov, "2023-11-01", "2024-01-31", nullptr},
      {"2024NovQ2", PeriodType::kQuarterlyNov, "2024-02-01", "2024-04-30", nullptr},
      {"2024NovQ3", PeriodType::kQuarterlyNov, "2024-05-01", "2024-07-31", nullptr},
      {"2024NovQ4", PeriodType::kQuarterlyNov, "2024-08-01", "2024-10-31", nullptr},
      {"2024S1", PeriodType::kSixMonthly, "2024-01-01", "2024-06-30", nullptr},
      {"2024S2", PeriodType::kSixMonthly, "2024-07-01", "2024-12-31", nullptr},
      {"2024AprilS1", PeriodType::kSixMonthlyApril, "2024-04-01", "2024-09-30", nullptr},
      {"2024AprilS2", PeriodType::kSixMonthlyApril, "2024-10-01", "2025-03-31", nullptr},
      {"2025NovS1", PeriodType::kSixMonthlyNov, "2024-11-01", "2025-04-30", nullptr},
      {"2025NovS2", PeriodType::kSixMonthlyNov, "2025-05-01", "2025-10-31", nullptr},
      {"2022NovS2", PeriodType::kSixMonthlyNov, "2022-05-01", "2022-10-31", nullptr},
      {"2024", PeriodType::kYearly, "2024-01-01", "2024-12-31", nullptr},
      {"2024Feb", PeriodType::kFinancialFeb, "2024-02-01", "2025-01-31", nullptr},
      {"2024April", PeriodType::kFinancialApril, "2024-04-01", "2025-03-31", nullptr},
      {"2024July", PeriodType::kFinancialJuly, "2024-07-01", "2025-06-30", nullptr},
      {"2024Aug", PeriodType::kFinancialAug, "2024-08-01", "2025-07-31", nullptr},
      {"2024Sep", PeriodType::kFinancialSep, "2024-09-01", "2025-08-31", nullptr},
      {"2024Oct", PeriodType::kFinancialOct, "2024-10-01", "2025-09-30", nullptr},
      {"2025Nov", PeriodType::kFinancialNov, "2024-11-01", "2025-10-31", nullptr},
      {"2022Nov", PeriodType::kFinancialNov, "2021-11-01", "2022-10-31", nullptr},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.id);
    Result<Period> period = ParsePeriodId(c.id);
    ASSERT_TRUE(period.ok()) << period.status().ToString();
    EXPECT_EQ(period->type(), c.type);
    EXPECT_EQ(FormatDate(period->start()), c.start);
    EXPECT_EQ(FormatDate(period->end()), c.end);
    EXPECT_EQ(period->days(), (D(c.end) - D(c.start)).count() + 1);
    EXPECT_EQ(period->id(), c.canonical != nullptr ? c.canonical : c.id);
    // The period containing its own start (and end) date is itself, except BiWeekly's BiW27
    // whose second week belongs to the next year's BiW1.
    EXPECT_EQ(PeriodContaining(c.type, period->start()), *period);
    if (std::string(c.id) != "2020BiW27") {
      EXPECT_EQ(PeriodContaining(c.type, period->end()), *period);
    }
  }
}

TEST(PeriodTypeTest, MetadataAsDhis2HasIt) {
  // Names from dhis2-core PeriodTypeEnum, frequency orders from the *PeriodType classes.
  struct Expected {
    PeriodType type;
    const char* name;
    const char* column;
    int frequency_order;
  };
  const std::vector<Expected> expected = {
      {PeriodType::kDaily, "Daily", "daily", 1},
      {PeriodType::kWeekly, "Weekly", "weekly", 7},
      {PeriodType::kWeeklyWednesday, "WeeklyWednesday", "weeklywednesday", 7},
      {PeriodType::kWeeklyThursday, "WeeklyThursday", "weeklythursday", 7},
      {PeriodType::kWeeklyFriday, "WeeklyFriday", "weeklyfriday", 7},
      {PeriodType::kWeeklySaturday, "WeeklySaturday", "weeklysaturday", 7},
      {PeriodType::kWeeklySunday, "WeeklySunday", "weeklysunday", 7},
      {PeriodType::kBiWeekly, "BiWeekly", "biweekly", 14},
      {PeriodType::kMonthly, "Monthly", "monthly", 30},
      {PeriodType::kBiMonthly, "BiMonthly", "bimonthly", 61},
      {PeriodType::kQuarterly, "Quarterly", "quarterly", 91},
      {PeriodType::kQuarterlyNov, "QuarterlyNov", "quarterlynov", 91},
      {PeriodType::kSixMonthly, "SixMonthly", "sixmonthly", 182},
      {PeriodType::kSixMonthlyApril, "SixMonthlyApril", "sixmonthlyapril", 182},
      {PeriodType::kSixMonthlyNov, "SixMonthlyNov", "sixmonthlynov", 182},
      {PeriodType::kYearly, "Yearly", "yearly", 365},
      {PeriodType::kFinancialFeb, "FinancialFeb", "financialfeb", 365},
      {PeriodType::kFinancialApril, "FinancialApril", "financialapril", 365},
      {PeriodType::kFinancialJuly, "FinancialJuly", "financialjuly", 365},
      {PeriodType::kFinancialAug, "FinancialAug", "financialaug", 365},
      {PeriodType::kFinancialSep, "FinancialSep", "financialsep", 365},
      {PeriodType::kFinancialOct, "FinancialOct", "financialoct", 365},
      {PeriodType::kFinancialNov, "FinancialNov", "financialnov", 365},
  };
  ASSERT_EQ(expected.size(), kAllPeriodTypes.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const Expected& e = expected[i];
    EXPECT_EQ(kAllPeriodTypes[i], e.type);
    EXPECT_EQ(PeriodTypeName(e.type), e.name);
    EXPECT_EQ(PeriodTypeColumnName(e.type), e.column);
    EXPECT_EQ(FrequencyOrder(e.type), e.frequency_order);
    EXPECT_EQ(ParsePeriodType(e.name).value(), e.type);
    EXPECT_EQ(ParsePeriodType(e.column).value(), e.type);  // case-insensitive, as DHIS2
  }
  EXPECT_TRUE(IsWeeklyType(PeriodType::kWeeklySunday));
  EXPECT_FALSE(IsWeeklyType(PeriodType::kBiWeekly));
  EXPECT_TRUE(IsFinancialType(PeriodType::kFinancialNov));
  EXPECT_FALSE(IsFinancialType(PeriodType::kYearly));
  Result<PeriodType> unknown = ParsePeriodType("TwoYearly");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("\"TwoYearly\""), std::string::npos);
  EXPECT_FALSE(ParsePeriodType("").ok());
}

TEST(PeriodTest, DaysPerType) {
  EXPECT_EQ(ParsePeriodId("2024Q1")->days(), 91);
  EXPECT_EQ(ParsePeriodId("2023Q1")->days(), 90);
  EXPECT_EQ(ParsePeriodId("2024")->days(), 366);
  EXPECT_EQ(ParsePeriodId("2024W9")->days(), 7);
  EXPECT_EQ(ParsePeriodId("2024BiW9")->days(), 14);
  EXPECT_EQ(ParsePeriodId("2024Feb")->days(), 366);  // holds 2024-02-29
  EXPECT_EQ(ParsePeriodId("2024April")->days(), 365);
}

TEST(PeriodTest, InvalidIdsNameTheIdAndTheReason) {
  struct Bad {
    std::string id;
    std::string reason;  // a fragment the message must contain
  };
  const std::vector<Bad> cases = {
      {"2024W53", "week 53 does not exist in 2024, which has 52 weeks"},
      {"2021W53", "week 53 does not exist in 2021"},
      {"2024W0", "week 0 does not exist"},
      {"2024W", "week number"},
      {"2024W123", "week number"},
      {"2024FriW54", "week 54 does not exist"},
      {"2021BiW27", "bi-week 27 does not exist in 2021, which has 26 bi-weeks"},
      {"202413", "month 13 is not in 1..12"},
      {"202400", "month 0 is not in 1..12"},
      {"2024-13", "month 13"},
      {"2023Q0", "quarter 0 is not in 1..4"},
      {"2023Q5", "quarter 5"},
      {"2023NovQ5", "quarter 5"},
      {"2024S3", "six-month period 3 is not in 1..2"},
      {"2024AprilS0", "six-month period 0"},
      {"2024NovS3", "six-month period 3"},
      {"202407B", "bi-month 7 is not in 01..06"},
      {"202400B", "bi-month 0"},
      {"", "empty"},
      {"abc", "four-digit year"},
      {"garbage", "four-digit year"},
      {"24Q1", "four-digit year"},
      {"2024-02-30", "day 30 does not exist in 2024-02"},
      {"20240230", "day 30 does not exist in 2024-02"},
      {"20230229", "day 29 does not exist in 2023-02"},
      {"2024-1-01", "not a DHIS2 period format"},
      {"2024Q1x", "one digit"},
      {"2024March", "not a DHIS2 period format"},
      {"2024nov", "not a DHIS2 period format"},
      {"2024w1", "not a DHIS2 period format"},
      {" 2024", "four-digit year"},
      {"2024 ", "not a DHIS2 period format"},
      {"2024TwoYearly", "not a DHIS2 period format"},
  };
  for (const Bad& bad : cases) {
    SCOPED_TRACE(bad.id);
    Result<Period> period = ParsePeriodId(bad.id);
    ASSERT_FALSE(period.ok()) << period->id();
    EXPECT_EQ(period.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(period.status().message().find("period id \"" + bad.id + "\""), std::string::npos)
        << period.status().message();
    EXPECT_NE(period.status().message().find(bad.reason), std::string::npos)
        << period.status().message();
  }
}

TEST(PeriodTest, ContainingPeriodOfDates) {
  EXPECT_EQ(PeriodContaining(PeriodType::kWeekly, D("2024-12-31")).id(), "2025W1");
  EXPECT_EQ(PeriodContaining(PeriodType::kWeekly, D("2021-01-03")).id(), "2020W53");
  EXPECT_EQ(PeriodContaining(PeriodType::kWeeklySunday, D("2024-01-06")).id(), "2024SunW1");
  EXPECT_EQ(PeriodContaining(PeriodType::kBiWeekly, D("2020-12-30")).id(), "2020BiW27");
  EXPECT_EQ(PeriodContaining(PeriodType::kBiWeekly, D("2021-01-05")).id(), "2021BiW1");
  EXPECT_EQ(PeriodContaining(PeriodType::kBiWeekly, D("2024-01-10")).id(), "2024BiW1");
  EXPECT_EQ(PeriodContaining(PeriodType::kQuarterlyNov, D("2024-01-15")).id(), "2024NovQ1");
  EXPECT_EQ(PeriodContaining(PeriodType::kQuarterlyNov, D("2024-11-15")).id(), "2025NovQ1");
  EXPECT_EQ(PeriodContaining(PeriodType::kQuarterlyNov, D("2024-10-31")).id(), "2024NovQ4");
  EXPECT_EQ(PeriodContaining(PeriodType::kSixMonthlyNov, D("2024-04-30")).id(), "2024NovS1");
  EXPECT_EQ(PeriodContaining(PeriodType::kSixMonthlyNov, D("2024-05-01")).id(), "2024NovS2");
  EXPECT_EQ(PeriodContaining(PeriodType::kSixMonthlyApril, D("2024-03-31")).id(), "2023AprilS2");
  EXPECT_EQ(PeriodContaining(PeriodType::kFinancialNov, D("2024-11-01")).id(), "2025Nov");
  EXPECT_EQ(PeriodContaining(PeriodType::kFinancialApril, D("2024-03-31")).id(), "2023April");
  EXPECT_EQ(PeriodContaining(PeriodType::kBiMonthly, D("2024-04-30")).id(), "202402B");
}

TEST(PeriodTest, PeriodsBetweenDates) {
  std::vector<std::string> ids;
  for (const Period& period :
       PeriodsBetween(PeriodType::kQuarterly, D("2023-11-15"), D("2024-04-01"))) {
    ids.push_back(period.id());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"2023Q4", "2024Q1", "2024Q2"}));
  ids.clear();
  for (const Period& period :
       PeriodsBetween(PeriodType::kBiWeekly, D("2020-12-01"), D("2021-01-20"))) {
    ids.push_back(period.id());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"2020BiW25", "2020BiW26", "2020BiW27", "2021BiW1",
                                           "2021BiW2"}));
  EXPECT_TRUE(PeriodsBetween(PeriodType::kDaily, D("2024-01-02"), D("2024-01-01")).empty());
  EXPECT_EQ(PeriodsBetween(PeriodType::kDaily, D("2024-01-01"), D("2024-12-31")).size(), 366u);
  EXPECT_EQ(PeriodsBetween(PeriodType::kWeekly, D("2020-12-28"), D("2020-12-28")).front().id(),
            "2020W53");
}

std::string StructureId(const char* id, PeriodType type) {
  std::optional<Period> period = StructurePeriod(ParsePeriodId(id).value(), type);
  return period ? period->id() : "-";
}

TEST(PeriodTest, StructureAssignsByStartDate) {
  // Weekly: start + 3 days. 2024W5 = 2024-01-29..02-04 belongs to February.
  EXPECT_EQ(StructureId("2024W5", PeriodType::kMonthly), "202402");
  EXPECT_EQ(StructureId("2024W5", PeriodType::kBiWeekly), "2024BiW3");
  EXPECT_EQ(StructureId("2024W1", PeriodType::kYearly), "2024");
  EXPECT_EQ(StructureId("2025W1", PeriodType::kYearly), "2025");  // 2024-12-30..2025-01-05
  EXPECT_EQ(StructureId("2025W1", PeriodType::kMonthly), "202501");
  EXPECT_EQ(StructureId("2020W53", PeriodType::kYearly), "2020");  // 2020-12-28 + 3 = 12-31
  EXPECT_EQ(StructureId("2015W53", PeriodType::kYearly), "2015");
  EXPECT_EQ(StructureId("2024SunW1", PeriodType::kYearly), "2024");     // 2023-12-31 + 3
  EXPECT_EQ(StructureId("2024W9", PeriodType::kMonthly), "202402");     // 02-26 + 3 = 02-29
  EXPECT_EQ(StructureId("2024W13", PeriodType::kQuarterly), "2024Q1");  // 03-25 + 3 = 03-28
  EXPECT_EQ(StructureId("2024W14", PeriodType::kQuarterly), "2024Q2");  // 04-01
  // BiWeekly: by its start date, no shift. 2024BiW3 = 2024-01-29..02-11 belongs to January.
  EXPECT_EQ(StructureId("2024BiW3", PeriodType::kMonthly), "202401");
  EXPECT_EQ(StructureId("2020BiW27", PeriodType::kYearly), "2020");
  // Month-based types: by start date.
  EXPECT_EQ(StructureId("2024Q4", PeriodType::kFinancialNov), "2024Nov");
  EXPECT_EQ(StructureId("2024Q4", PeriodType::kFinancialOct), "2024Oct");
  EXPECT_EQ(StructureId("2024Q4", PeriodType::kFinancialApril), "2024April");
  EXPECT_EQ(StructureId("2024Q1", PeriodType::kSixMonthlyNov), "2024NovS1");
  EXPECT_EQ(StructureId("2024Q1", PeriodType::kSixMonthlyApril), "2023AprilS2");
  EXPECT_EQ(StructureId("2024NovQ1", PeriodType::kYearly), "2023");
  EXPECT_EQ(StructureId("2024NovQ1", PeriodType::kSixMonthly), "2023S2");
  EXPECT_EQ(StructureId("202406B", PeriodType::kQuarterly), "2024Q4");
  EXPECT_EQ(StructureId("202402B", PeriodType::kQuarterly), "2024Q1");  // Mar-Apr: by March
  EXPECT_EQ(StructureId("20241231", PeriodType::kWeekly), "2025W1");
  EXPECT_EQ(StructureId("20241231", PeriodType::kFinancialNov), "2025Nov");
  // Same type: itself. Same length or shorter: none.
  EXPECT_EQ(StructureId("2024Q1", PeriodType::kQuarterly), "2024Q1");
  EXPECT_EQ(StructureId("2024Q1", PeriodType::kQuarterlyNov), "-");
  EXPECT_EQ(StructureId("2024W5", PeriodType::kWeeklyWednesday), "-");
  EXPECT_EQ(StructureId("2024", PeriodType::kFinancialApril), "-");
  EXPECT_EQ(StructureId("2024S1", PeriodType::kSixMonthlyApril), "-");
  EXPECT_EQ(StructureId("2024", PeriodType::kMonthly), "-");
}

TEST(PeriodTest, LongerStructurePeriodsCoverEveryLongerType) {
  Period daily = ParsePeriodId("20240101").value();
  EXPECT_EQ(LongerStructurePeriods(daily).size(), 22u);
  Period quarter = ParsePeriodId("2024Q1").value();
  std::vector<std::string> ids;
  for (const Period& period : LongerStructurePeriods(quarter)) {
    ids.push_back(period.id());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"2024S1", "2023AprilS2", "2024NovS1", "2024", "2023Feb",
                                           "2023April", "2023July", "2023Aug", "2023Sep", "2023Oct",
                                           "2024Nov"}));
  EXPECT_TRUE(LongerStructurePeriods(ParsePeriodId("2024Oct").value()).empty());
}

TEST(PeriodTest, JsonLineForValidId) {
  bool ok = false;
  std::string line = PeriodJsonLine("2024Q1", &ok);
  EXPECT_TRUE(ok);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.rfind("{\"id\": \"2024Q1\", \"type\": \"Quarterly\", \"start\": \"2024-01-01\", "
                       "\"end\": \"2024-03-31\", \"days\": 91, \"periods\": {\"SixMonthly\": "
                       "\"2024S1\", ",
                       0),
            0u)
      << line;
  nlohmann::json json = nlohmann::json::parse(line);
  EXPECT_EQ(json["periods"]["Yearly"], "2024");
  EXPECT_EQ(json["periods"]["FinancialNov"], "2024Nov");
  EXPECT_EQ(json["periods"]["SixMonthlyApril"], "2023AprilS2");
  EXPECT_FALSE(json["periods"].contains("Quarterly"));
  EXPECT_FALSE(json["periods"].contains("QuarterlyNov"));
  EXPECT_EQ(json["periods"].size(), 11u);

  json = nlohmann::json::parse(PeriodJsonLine("2024-02", &ok));
  EXPECT_TRUE(ok);
  EXPECT_EQ(json["id"], "202402");
  EXPECT_EQ(json["days"], 29);

  json = nlohmann::json::parse(PeriodJsonLine("2024W5", &ok));
  EXPECT_EQ(json["periods"]["Monthly"], "202402");
  EXPECT_EQ(json["periods"]["BiWeekly"], "2024BiW3");
  EXPECT_FALSE(json["periods"].contains("WeeklySunday"));
}

TEST(PeriodTest, JsonLineForInvalidId) {
  bool ok = true;
  std::string line = PeriodJsonLine("2024W53", &ok);
  EXPECT_FALSE(ok);
  nlohmann::json json = nlohmann::json::parse(line);
  EXPECT_EQ(json.size(), 2u);
  EXPECT_EQ(json["id"], "2024W53");
  EXPECT_NE(json["error"].get<std::string>().find("52 weeks"), std::string::npos);
  // Quotes, control characters and invalid UTF-8 still give one valid JSON line.
  line = PeriodJsonLine(std::string("\"x\n\xff\x01", 5), &ok);
  EXPECT_FALSE(ok);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NO_THROW(json = nlohmann::json::parse(line));
  PeriodJsonLine("2024", nullptr);  // a null flag is allowed
}

TEST(PeriodTest, DatesFormatAndParse) {
  EXPECT_EQ(FormatDate(D("0999-01-02")), "0999-01-02");
  EXPECT_FALSE(ParseDate("2024-02-30").ok());
  EXPECT_FALSE(ParseDate("2024-2-03").ok());
  EXPECT_FALSE(ParseDate("").ok());
}

TEST(PeriodTest, OrderingIsByStartThenType) {
  Period month = ParsePeriodId("202401").value();
  Period quarter = ParsePeriodId("2024Q1").value();
  Period february = ParsePeriodId("202402").value();
  EXPECT_LT(month, quarter);
  EXPECT_LT(quarter, february);
  EXPECT_EQ(month, ParsePeriodId("2024-01").value());
}

// .periodOffset(n) reads the period n periods of the same type away (PeriodType.getShiftedPeriod).
TEST(PeriodTest, ShiftsAcrossYearBoundaries) {
  auto shifted = [](const char* id, int offset) {
    auto period = ParsePeriodId(id);
    EXPECT_TRUE(period.ok()) << id;
    return ShiftPeriod(*period, offset).id();
  };
  EXPECT_EQ(shifted("202401", -1), "202312");
  EXPECT_EQ(shifted("202312", 1), "202401");
  EXPECT_EQ(shifted("202402", -14), "202212");
  EXPECT_EQ(shifted("2024Q1", -1), "2023Q4");
  EXPECT_EQ(shifted("2024Q1", -4), "2023Q1");
  EXPECT_EQ(shifted("2024", -1), "2023");
  EXPECT_EQ(shifted("2024W1", -1), "2023W52");
  EXPECT_EQ(shifted("2021W1", -1), "2020W53");
  EXPECT_EQ(shifted("2024S1", -1), "2023S2");
  EXPECT_EQ(shifted("20240301", -1), "20240229");
  EXPECT_EQ(shifted("202405", 0), "202405");
}

}  // namespace
}  // namespace dhl::dhis2
