#include "sql/literal.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace dhl::sql {
namespace {

TEST(QuoteIdentifierTest, DuckDbDoublesDoubleQuotes) {
  EXPECT_EQ(*QuoteIdentifier("value", Dialect::kDuckDb), "\"value\"");
  EXPECT_EQ(*QuoteIdentifier("a\"b", Dialect::kDuckDb), "\"a\"\"b\"");
  EXPECT_EQ(*QuoteIdentifier("#{de.coc}", Dialect::kDuckDb), "\"#{de.coc}\"");
  EXPECT_EQ(*QuoteIdentifier("a`b", Dialect::kDuckDb), "\"a`b\"");
}

TEST(QuoteIdentifierTest, SparkDoublesBackticks) {
  EXPECT_EQ(*QuoteIdentifier("value", Dialect::kSpark), "`value`");
  EXPECT_EQ(*QuoteIdentifier("a`b", Dialect::kSpark), "`a``b`");
  EXPECT_EQ(*QuoteIdentifier("a\"b", Dialect::kSpark), "`a\"b`");
}

TEST(QuoteIdentifierTest, RejectsEmptyAndNul) {
  EXPECT_EQ(QuoteIdentifier("", Dialect::kDuckDb).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(QuoteIdentifier(std::string("a\0b", 3), Dialect::kSpark).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(StringLiteralTest, DuckDbDoublesQuotesAndKeepsBackslashes) {
  EXPECT_EQ(StringLiteral("it's", Dialect::kDuckDb), "'it''s'");
  EXPECT_EQ(StringLiteral("a\\b", Dialect::kDuckDb), "'a\\b'");
  EXPECT_EQ(StringLiteral("", Dialect::kDuckDb), "''");
  EXPECT_EQ(StringLiteral(std::string("a\0b", 3), Dialect::kDuckDb), "('a' || chr(0) || 'b')");
}

TEST(StringLiteralTest, SparkEscapesWithBackslashes) {
  EXPECT_EQ(StringLiteral("it's", Dialect::kSpark), "'it\\'s'");
  EXPECT_EQ(StringLiteral("a\\b", Dialect::kSpark), "'a\\\\b'");
  EXPECT_EQ(StringLiteral(std::string("a\0b", 3), Dialect::kSpark), "'a\\u0000b'");
}

TEST(NumberLiteralTest, ScientificDoublesParenthesisedWhenNegative) {
  EXPECT_EQ(NumberLiteral(0), "0e+00");
  EXPECT_EQ(NumberLiteral(1.5), "1.5e+00");
  EXPECT_EQ(NumberLiteral(100), "1e+02");
  EXPECT_EQ(NumberLiteral(0.1), "1e-01");
  EXPECT_EQ(NumberLiteral(-2), "(-2e+00)");
  EXPECT_EQ(NumberLiteral(1.0 / 3), "3.333333333333333e-01");
  EXPECT_EQ(NumberLiteral(std::numeric_limits<double>::quiet_NaN()), "CAST('NaN' AS DOUBLE)");
  EXPECT_EQ(NumberLiteral(std::numeric_limits<double>::infinity()), "CAST('Infinity' AS DOUBLE)");
  EXPECT_EQ(NumberLiteral(-std::numeric_limits<double>::infinity()), "CAST('-Infinity' AS DOUBLE)");
}

TEST(NumberLiteralTest, RoundTrips) {
  for (double value : {0.1, 1e-300, 123456789.123456789, 5e-324, 1.7976931348623157e308}) {
    std::string text = NumberLiteral(value);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), value) << text;
  }
}

TEST(OtherLiteralTest, IntegersBooleansNull) {
  EXPECT_EQ(IntegerLiteral(42), "42");
  EXPECT_EQ(IntegerLiteral(-7), "(-7)");
  EXPECT_EQ(BooleanLiteral(true), "TRUE");
  EXPECT_EQ(BooleanLiteral(false), "FALSE");
  EXPECT_EQ(NullLiteral(), "CAST(NULL AS DOUBLE)");
}

}  // namespace
}  // namespace dhl::sql
