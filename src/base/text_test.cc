#include "base/text.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dhl {
namespace {

TEST(TextTest, TrimLowerUpperSplit) {
  EXPECT_EQ(Trim("  a b \t\n"), "a b");
  EXPECT_EQ(Trim(" \t "), "");
  EXPECT_EQ(AsciiLower("FinancialApril É"), "financialapril É");
  EXPECT_EQ(AsciiUpper("sum_org"), "SUM_ORG");
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string_view>{"a", "", "b"}));
  EXPECT_EQ(Split("", ','), (std::vector<std::string_view>{""}));
}

TEST(TextTest, JoinAndWithoutTrailingSemicolons) {
  EXPECT_EQ(Join({"a", "b", "c"}, ", "), "a, b, c");
  EXPECT_EQ(Join({"a"}, " || "), "a");
  EXPECT_EQ(Join({}, ", "), "");
  EXPECT_EQ(Join({"", ""}, "-"), "-");
  EXPECT_EQ(WithoutTrailingSemicolons("SELECT 1;\n"), "SELECT 1");
  EXPECT_EQ(WithoutTrailingSemicolons("SELECT ';' ; ;\t\r\n "), "SELECT ';'");
  EXPECT_EQ(WithoutTrailingSemicolons("SELECT 1"), "SELECT 1");
  EXPECT_EQ(WithoutTrailingSemicolons(" ;; "), "");
}

TEST(TextTest, ParseInt64TakesOnlyWholeDecimalIntegers) {
  EXPECT_EQ(ParseInt64("0", "n").ValueOr(-1), 0);
  EXPECT_EQ(ParseInt64("-42", "n").ValueOr(0), -42);
  EXPECT_EQ(ParseInt64("00000000000000000017", "version").ValueOr(0), 17);
  EXPECT_EQ(ParseInt64("9223372036854775807", "n").ValueOr(0), INT64_MAX);
  EXPECT_EQ(ParseInt64("-9223372036854775808", "n").ValueOr(0), INT64_MIN);
  for (const char* bad : {"", "-", "+1", " 1", "1 ", "1.5", "12a", "0x10", "1e3", "--1"}) {
    auto parsed = ParseInt64(bad, "page size");
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message(),
              std::string("page size \"") + bad + "\" is not an integer");
  }
  // A 20-digit Delta commit file name (std::stoll throws on it).
  auto huge = ParseInt64("99999999999999999999", "commit version");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().message(), "commit version \"99999999999999999999\" is out of range");
  EXPECT_FALSE(ParseInt64("-9223372036854775809", "n").ok());
  // A long text is cut in the message.
  auto long_text = ParseInt64(std::string(100, 'x'), "n");
  EXPECT_EQ(long_text.status().message(),
            "n \"" + std::string(40, 'x') + "...\" (100 bytes) is not an integer");
}

TEST(TextTest, ParseInt64WithinARange) {
  EXPECT_EQ(ParseInt64("10", "delta.checkpointInterval", 1, INT32_MAX).ValueOr(0), 10);
  auto zero = ParseInt64("0", "delta.checkpointInterval", 1, INT32_MAX);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().message(),
            "delta.checkpointInterval \"0\" is out of range [1, 2147483647]");
  EXPECT_FALSE(ParseInt64("2147483648", "n", 1, INT32_MAX).ok());
  EXPECT_FALSE(ParseInt64("ten", "n", 1, INT32_MAX).ok());
}

// RFC 4180: fields with a comma, a quote or a line break are quoted, inner quotes doubled.
TEST(TextTest, CsvTableQuotesWhatNeedsIt) {
  EXPECT_EQ(CsvTable({"ou", "name"}, {{"a1", "Bo, District"}, {"b2", "say \"hi\""}, {"c3", ""}}),
            "ou,name\na1,\"Bo, District\"\nb2,\"say \"\"hi\"\"\"\nc3,\n");
  EXPECT_EQ(CsvTable({"x"}, {}), "x\n");
}

TEST(Base64, RoundTripsAndRefusesNonCanonicalText) {
  // RFC 4648 section 10.
  const std::vector<std::pair<std::string, std::string>> cases = {{"", ""},
                                                                  {"f", "Zg=="},
                                                                  {"fo", "Zm8="},
                                                                  {"foo", "Zm9v"},
                                                                  {"foob", "Zm9vYg=="},
                                                                  {"fooba", "Zm9vYmE="},
                                                                  {"foobar", "Zm9vYmFy"}};
  for (const auto& [bytes, text] : cases) {
    EXPECT_EQ(Base64Encode(bytes), text);
    EXPECT_EQ(Base64Decode(text).value_or("<none>"), bytes) << text;
  }
  EXPECT_EQ(Base64Decode("//4=").value_or(""), std::string("\xff\xfe", 2));
  EXPECT_EQ(Base64Encode(std::string("\xff\xfe", 2)), "//4=");
  for (const char* bad :
       {"Zg", "Zg=", "Zh==", "Zm9=", "Z===", "Zm9v\n", "Zm 9", "=Zm9", "Zg==Zg=="}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace dhl
