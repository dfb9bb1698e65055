// Our periods against DHIS2's own JavaScript period library, @dhis2/multi-calendar-dates 2.1.2
// (tests/oracle/period_oracle.mjs, run with node), over 1990-2040:
//   - every period the oracle generates, for every type and year, parses from its id to the same
//     dates, and every period we produce over the same span is one the oracle generates;
//   - the oracle's own parse of a sample of ids gives the same dates as ours;
//   - the period containing a date, for sampled dates and every day around the new years where
//     weeks change year.
// Known differences, asserted exactly so that a change on either side shows up:
//   - FinancialNov, QuarterlyNov and SixMonthlyNov: the oracle has the same date ranges but names
//     them by the year they start in (2024Nov, 2024NovemberQ1, 2024NovemberS1); dhis2-core, and
//     we, name them by the year they end in (2025Nov, 2025NovQ1, 2025NovS1). Only dates are
//     compared for them; the names are checked by hand in period_test.cc.
//   - BiWeekly in years of 53 ISO weeks: dhis2-core has BiW27 (week 53 and the next year's week
//     1); the oracle neither generates nor parses it, and for a day of week 53 returns a bi-week
//     that does not contain the day (the next year's BiW1, or the year's BiW26 for 1-3 January).
// The test fails (does not skip) when node or the oracle cannot run. The library is slow: the full
// range needs about two minutes of CPU, spread over three node processes, so by default (CI) the
// types shorter than a year and the dates are checked on a fixed random sample of the years (seed
// kSampleSeed: two of the years with 53 ISO weeks, four others); DHL_PERIOD_ORACLE=full checks
// every year 1990-2040, as before a release (README, "Tests").
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "base/test_paths.h"
#include "dhis2/period.h"

namespace dhl::dhis2 {
namespace {

struct OracleType {
  const char* name;
  PeriodType type;
  bool same_ids;  // false for the Nov types, named differently by the oracle
};

constexpr OracleType kOracleTypes[] = {
    {"DAILY", PeriodType::kDaily, true},
    {"WEEKLY", PeriodType::kWeekly, true},
    {"WEEKLYWED", PeriodType::kWeeklyWednesday, true},
    {"WEEKLYTHU", PeriodType::kWeeklyThursday, true},
    {"WEEKLYFRI", PeriodType::kWeeklyFriday, true},
    {"WEEKLYSAT", PeriodType::kWeeklySaturday, true},
    {"WEEKLYSUN", PeriodType::kWeeklySunday, true},
    {"BIWEEKLY", PeriodType::kBiWeekly, true},
    {"MONTHLY", PeriodType::kMonthly, true},
    {"BIMONTHLY", PeriodType::kBiMonthly, true},
    {"QUARTERLY", PeriodType::kQuarterly, true},
    {"QUARTERLYNOV", PeriodType::kQuarterlyNov, false},
    {"SIXMONTHLY", PeriodType::kSixMonthly, true},
    {"SIXMONTHLYAPR", PeriodType::kSixMonthlyApril, true},
    {"SIXMONTHLYNOV", PeriodType::kSixMonthlyNov, false},
    {"YEARLY", PeriodType::kYearly, true},
    {"FYFEB", PeriodType::kFinancialFeb, true},
    {"FYAPR", PeriodType::kFinancialApril, true},
    {"FYJUL", PeriodType::kFinancialJuly, true},
    {"FYAUG", PeriodType::kFinancialAug, true},
    {"FYSEP", PeriodType::kFinancialSep, true},
    {"FYOCT", PeriodType::kFinancialOct, true},
    {"FYNOV", PeriodType::kFinancialNov, false},
};

const OracleType* FindOracleType(const std::string& name) {
  for (const OracleType& type : kOracleTypes) {
    if (name == type.name) {
      return &type;
    }
  }
  return nullptr;
}

// ISO week-based years with 53 weeks between 1990 and 2040 (a calendar fact: years starting on a
// Thursday, and leap years starting on a Wednesday).
const std::set<int> kIsoYearsWith53Weeks = {1992, 1998, 2004, 2009, 2015, 2020, 2026, 2032, 2037};

constexpr int kFirstYear = 1990;
constexpr int kLastYear = 2040;
constexpr int kYearCount = kLastYear - kFirstYear + 1;

// The years the oracle covers: every one with DHL_PERIOD_ORACLE=full, else a sample drawn with a
// fixed seed (std::mt19937's sequence is fixed by the standard; the distributions are not, so the
// draw takes its raw output modulo the pool size).
constexpr std::uint32_t kSampleSeed = 20261203;
constexpr int kSampled53WeekYears = 2;
constexpr int kSampledOtherYears = 4;

bool FullRange() {
  const char* mode = std::getenv("DHL_PERIOD_ORACLE");
  return mode != nullptr && std::string(mode) == "full";
}

std::set<int> OracleYears() {
  std::set<int> years;
  if (FullRange()) {
    for (int year = kFirstYear; year <= kLastYear; ++year) years.insert(year);
    return years;
  }
  std::mt19937 random(kSampleSeed);
  auto draw = [&](std::vector<int> pool, int count) {
    for (int i = 0; i < count && !pool.empty(); ++i) {
      size_t at = random() % pool.size();
      years.insert(pool[at]);
      pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(at));
    }
  };
  std::vector<int> long_years;
  std::vector<int> other_years;
  for (int year = kFirstYear; year <= kLastYear; ++year) {
    (kIsoYearsWith53Weeks.count(year) > 0 ? long_years : other_years).push_back(year);
  }
  draw(long_years, kSampled53WeekYears);
  draw(other_years, kSampledOtherYears);
  return years;
}

// The least count of comparisons whose full-range minimum is `full`: on a sample, scaled by the
// share of the years it covers, less a tenth (the years differ slightly in size).
double MinimumCompared(double full, const std::set<int>& years) {
  if (FullRange()) return full;
  return full * 0.9 * static_cast<double>(years.size()) / kYearCount;
}

std::string JoinYears(const std::set<int>& years) {
  std::string text;
  for (int year : years) text += (text.empty() ? "" : ",") + std::to_string(year);
  return text;
}

struct Record {
  std::string kind;
  std::string type;
  int year = 0;  // the year a "gen" record was generated for (0 for the yearly types)
  std::string id;
  std::string start;
  std::string end;
  std::string date;
};

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class PeriodOracleTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    records_ = new std::vector<Record>();
    error_ = new std::string();
    years_ = new std::set<int>(OracleYears());
    if (std::system("command -v node >/dev/null 2>&1") != 0) {
      *error_ =
          "node is not on the PATH: the oracle tests need node (20+) to run "
          "tests/oracle/period_oracle.mjs";
      return;
    }
    const std::string script = std::string(DHL_SOURCE_DIR) + "/tests/oracle/period_oracle.mjs";
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("dhl_period_oracle_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    // The library is slow (minutes for all of it): three processes share the work.
    std::string node = "node '" + script + "' --years " + std::to_string(kFirstYear) + ":" +
                       std::to_string(kLastYear) + " ";
    std::string window_years =
        "1991,1993,1999,2000,2001,2005,2010,2016,2021,2024,2025,2027,2033,2038,2040";
    const std::string date_step = "97";
    if (!FullRange()) {
      node += "--sample-years " + JoinYears(*years_) + " ";
      // The days around the new year that ends each sampled year (where weeks and bi-weeks of a
      // 53-week year end); answering a date is the slow call, so the step stays.
      std::set<int> windows;
      for (int year : *years_) windows.insert(std::min(year + 1, kLastYear));
      window_years = JoinYears(windows);
    }
    const std::string command =
        "cd '" + dir.string() + "' || exit 1; " +  //
        node + "--no-generate --date-step " + date_step + " --window-years " + window_years +
        " > dates.jsonl 2> dates.err & d=$!; " +  //
        node + "--types WEEKLY,WEEKLYWED,WEEKLYTHU,WEEKLYFRI,WEEKLYSAT,WEEKLYSUN " +
        "> weeks.jsonl 2> weeks.err & w=$!; " +  //
        node + "--types DAILY,BIWEEKLY,MONTHLY,BIMONTHLY,QUARTERLY,QUARTERLYNOV,SIXMONTHLY," +
        "SIXMONTHLYAPR,SIXMONTHLYNOV,YEARLY,FYFEB,FYAPR,FYJUL,FYAUG,FYSEP,FYOCT,FYNOV " +
        "> other.jsonl 2> other.err; o=$?; wait $d; d=$?; wait $w; w=$?; exit $((o | d | w))";
    int status = std::system(command.c_str());
    if (status != 0) {
      *error_ = "the oracle failed (status " + std::to_string(status) +
                "): " + ReadFile(dir / "dates.err") + ReadFile(dir / "weeks.err") +
                ReadFile(dir / "other.err");
      std::filesystem::remove_all(dir);
      return;
    }
    for (const char* file : {"dates.jsonl", "weeks.jsonl", "other.jsonl"}) {
      std::ifstream in(dir / file);
      if (!in) {
        *error_ = std::string("cannot read the oracle's output ") + file;
        break;
      }
      std::string line;
      bool done = false;
      while (std::getline(in, line)) {
        nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (json.is_discarded() || !json.is_object()) {
          *error_ = std::string("unreadable oracle line in ") + file + ": " + line;
          break;
        }
        Record record;
        record.kind = json.value("k", "");
        if (record.kind == "done") {
          done = true;
          continue;
        }
        if (record.kind == "error") {
          *error_ += "oracle error: " + line + "\n";
          continue;
        }
        record.type = json.value("t", "");
        record.year = json.value("y", 0);
        record.id = json.value("id", "");
        record.start = json.value("s", "");
        record.end = json.value("e", "");
        record.date = json.value("d", "");
        records_->push_back(std::move(record));
      }
      if (!done && error_->empty()) {
        *error_ = std::string("the oracle's output ") + file + " has no final line";
      }
    }
    std::filesystem::remove_all(dir);
  }

  static void TearDownTestSuite() {
    delete records_;
    delete error_;
    delete years_;
  }

  void SetUp() override {
    ASSERT_TRUE(error_->empty()) << *error_;
    ASSERT_FALSE(records_->empty()) << "the oracle printed no periods";
  }

  static std::vector<Record>* records_;
  static std::string* error_;
  static std::set<int>* years_;  // the years of the types shorter than a year and of the dates
};

std::vector<Record>* PeriodOracleTest::records_ = nullptr;
std::string* PeriodOracleTest::error_ = nullptr;
std::set<int>* PeriodOracleTest::years_ = nullptr;

Date D(const std::string& text) { return ParseDate(text).value(); }

TEST_F(PeriodOracleTest, EveryTypeAndYearIsCovered) {
  std::map<std::string, std::set<std::string>> years;
  std::map<std::string, std::set<int>> generated_for;
  for (const Record& record : *records_) {
    if (record.kind == "gen") {
      years[record.type].insert(record.start.substr(0, 4));
      if (record.year != 0) generated_for[record.type].insert(record.year);
    }
  }
  for (const OracleType& type : kOracleTypes) {
    // The yearly types always cover the whole range; the others the range or the sample.
    if (FullRange() || generated_for[type.name].empty()) {
      EXPECT_GE(years[type.name].size(), 51u) << type.name;
    } else {
      EXPECT_EQ(generated_for[type.name], *years_) << type.name;
    }
  }
}

// Both directions: the oracle's periods are ours, and ours (over the span the oracle covers) are
// the oracle's.
TEST_F(PeriodOracleTest, GeneratedPeriodsAgreeBothWays) {
  using Interval = std::tuple<std::string, std::string, std::string>;  // start, end, id
  std::map<std::string, std::set<Interval>> oracle;
  // On a sample of years, ours are compared over each year's span separately (year 0: one span).
  std::map<std::string, std::map<int, std::set<Interval>>> oracle_by_year;
  for (const Record& record : *records_) {
    if (record.kind == "gen") {
      oracle[record.type].insert({record.start, record.end, record.id});
      oracle_by_year[record.type][FullRange() ? 0 : record.year].insert(
          {record.start, record.end, record.id});
    }
  }
  int compared = 0;
  std::set<std::string> only_ours_biweekly;
  for (const OracleType& type : kOracleTypes) {
    SCOPED_TRACE(type.name);
    const std::set<Interval>& theirs = oracle[type.name];
    ASSERT_FALSE(theirs.empty());
    // Oracle -> ours.
    for (const auto& [start, end, id] : theirs) {
      ++compared;
      if (type.same_ids) {
        Result<Period> period = ParsePeriodId(id);
        ASSERT_TRUE(period.ok()) << period.status().ToString();
        EXPECT_EQ(period->type(), type.type) << id;
        EXPECT_EQ(FormatDate(period->start()), start) << id;
        EXPECT_EQ(FormatDate(period->end()), end) << id;
        EXPECT_EQ(period->id(), id);
      }
      Period containing = PeriodContaining(type.type, D(start));
      EXPECT_EQ(FormatDate(containing.start()), start) << id;
      EXPECT_EQ(FormatDate(containing.end()), end) << id;
    }
    // Ours -> oracle, over the oracle's span of start dates.
    std::set<std::pair<std::string, std::string>> their_dates;
    std::set<std::string> their_ids;
    for (const auto& [start, end, id] : theirs) {
      their_dates.insert({start, end});
      their_ids.insert(id);
    }
    for (const auto& [year, spanned] : oracle_by_year[type.name]) {
      Date first = D(std::get<0>(*spanned.begin()));
      Date last = D(std::get<0>(*spanned.rbegin()));
      for (const Period& period : PeriodsBetween(type.type, first, last)) {
        if (period.start() < first) {
          continue;
        }
        std::string start = FormatDate(period.start());
        std::string end = FormatDate(period.end());
        bool known = their_dates.count({start, end}) > 0 &&
                     (!type.same_ids || their_ids.count(period.id()) > 0);
        if (!known && type.type == PeriodType::kBiWeekly) {
          only_ours_biweekly.insert(period.id());
          continue;
        }
        EXPECT_TRUE(known) << "ours only: " << period.id() << " " << start << ".." << end;
      }
    }
    // A year's span ends at its BiW26, so on a sample the BiW27 after it is looked at here.
    if (!FullRange() && type.type == PeriodType::kBiWeekly) {
      for (int year : *years_) {
        if (kIsoYearsWith53Weeks.count(year) == 0) continue;
        Result<Period> extra = ParsePeriodId(std::to_string(year) + "BiW27");
        ASSERT_TRUE(extra.ok()) << extra.status().ToString();
        if (their_dates.count({FormatDate(extra->start()), FormatDate(extra->end())}) == 0) {
          only_ours_biweekly.insert(extra->id());
        }
      }
    }
  }
  // The one known difference: BiW27 of the years with 53 ISO weeks.
  std::set<std::string> expected;
  for (int year : kIsoYearsWith53Weeks) {
    if (years_->count(year) > 0) expected.insert(std::to_string(year) + "BiW27");
  }
  EXPECT_EQ(only_ours_biweekly, expected);
  EXPECT_GT(compared, MinimumCompared(37000, *years_));
}

TEST_F(PeriodOracleTest, OracleParsesIdsToOurDates) {
  int compared = 0;
  for (const Record& record : *records_) {
    if (record.kind != "parse") {
      continue;
    }
    const OracleType* type = FindOracleType(record.type);
    ASSERT_NE(type, nullptr) << record.type;
    if (!type->same_ids) {
      continue;
    }
    Result<Period> period = ParsePeriodId(record.id);
    ASSERT_TRUE(period.ok()) << period.status().ToString();
    EXPECT_EQ(FormatDate(period->start()), record.start) << record.id;
    EXPECT_EQ(FormatDate(period->end()), record.end) << record.id;
    ++compared;
  }
  EXPECT_GT(compared, MinimumCompared(4000, *years_));
}

TEST_F(PeriodOracleTest, PeriodContainingDateAgrees) {
  int compared = 0;
  std::set<std::string> oracle_misses;  // oracle answers that do not contain the date
  for (const Record& record : *records_) {
    if (record.kind != "date") {
      continue;
    }
    const OracleType* type = FindOracleType(record.type);
    ASSERT_NE(type, nullptr) << record.type;
    Date date = D(record.date);
    Period ours = PeriodContaining(type->type, date);
    ASSERT_TRUE(ours.Contains(date));
    if (!(D(record.start) <= date && date <= D(record.end))) {
      oracle_misses.insert(record.type + " " + record.date + " -> " + record.id);
      // dhis2-core: a day of ISO week 53 is in that year's BiW27.
      EXPECT_EQ(type->type, PeriodType::kBiWeekly) << record.date;
      EXPECT_EQ(ours.id().substr(4), "BiW27") << record.date;
      continue;
    }
    ++compared;
    EXPECT_EQ(FormatDate(ours.start()), record.start) << record.type << " " << record.date;
    EXPECT_EQ(FormatDate(ours.end()), record.end) << record.type << " " << record.date;
    if (type->same_ids) {
      EXPECT_EQ(ours.id(), record.id) << record.type << " " << record.date;
    }
  }
  // The full range asks 312 dates (7176 answers); the sample about 70 (1600 answers).
  EXPECT_GT(compared, FullRange() ? 5000 : 1200);
  for (const std::string& miss : oracle_misses) {
    std::printf("oracle defect (period does not contain the date): %s\n", miss.c_str());
  }
}

TEST_F(PeriodOracleTest, OracleNamesNovTypesByStartYear) {
  // Recorded so that a change in the oracle is noticed: the oracle's 2024Nov is dhis2-core's
  // 2025Nov (2024-11-01..2025-10-31), its 2024NovemberQ1 our 2025NovQ1.
  bool seen_fy = false;
  bool seen_quarter = false;
  for (const Record& record : *records_) {
    if (record.kind != "gen") {
      continue;
    }
    if (record.type == "FYNOV" && record.id == "2024Nov") {
      seen_fy = true;
      EXPECT_EQ(record.start, "2024-11-01");
      EXPECT_EQ(ParsePeriodId("2025Nov")->start(), D(record.start));
    }
    // The full range holds 2024NovemberQ1; a sample of years the first quarter of any year.
    const bool quarter_one = record.id.size() == 14 && record.id.substr(4) == "NovemberQ1" &&
                             (!FullRange() || record.id == "2024NovemberQ1");
    if (record.type == "QUARTERLYNOV" && quarter_one) {
      seen_quarter = true;
      const int year = std::stoi(record.id.substr(0, 4));
      const std::string ours = std::to_string(year + 1) + "NovQ1";
      EXPECT_EQ(record.start, std::to_string(year) + "-11-01");
      EXPECT_EQ(ParsePeriodId(ours)->start(), D(record.start)) << ours;
      EXPECT_EQ(ParsePeriodId(ours)->end(), D(record.end)) << ours;
    }
  }
  EXPECT_TRUE(seen_fy);
  EXPECT_TRUE(seen_quarter);
}

}  // namespace
}  // namespace dhl::dhis2
