#include "sql/dialect.h"

#include <gtest/gtest.h>

namespace dhl::sql {
namespace {

TEST(DialectTest, Names) {
  EXPECT_EQ(DialectName(Dialect::kDuckDb), "duckdb");
  EXPECT_EQ(DialectName(Dialect::kSpark), "spark");
}

TEST(DialectTest, SafeDivision) {
  EXPECT_EQ(SafeDivide("a", "b", Dialect::kDuckDb), "((a) / NULLIF(b, 0))");
  EXPECT_EQ(SafeDivide("a", "b", Dialect::kSpark), "try_divide(a, b)");
  EXPECT_EQ(SafeModulo("a", "b", Dialect::kDuckDb), "((a) % NULLIF(b, 0))");
  EXPECT_EQ(SafeModulo("a", "b", Dialect::kSpark), "((a) % NULLIF(b, 0))");
}

TEST(DialectTest, GreatestLeastLogPower) {
  EXPECT_EQ(Greatest({"a", "b"}, Dialect::kDuckDb), "greatest(a, b)");
  EXPECT_EQ(Least({"a", "b", "c"}, Dialect::kSpark), "least(a, b, c)");
  EXPECT_EQ(Greatest({"a"}, Dialect::kSpark), "(a)");
  EXPECT_EQ(Ln("x", Dialect::kDuckDb), "(CASE WHEN (x) > 0 THEN ln((x)) END)");
  EXPECT_EQ(Log10("x", Dialect::kSpark), "(CASE WHEN (x) > 0 THEN log10((x)) END)");
  EXPECT_EQ(Power("a", "b", Dialect::kSpark), "power(a, b)");
  EXPECT_EQ(CastToDouble("x", Dialect::kDuckDb), "CAST(x AS DOUBLE)");
}

TEST(DialectTest, ConditionalsAndStrings) {
  EXPECT_EQ(CaseWhen("c", "a", "b", Dialect::kDuckDb), "(CASE WHEN c THEN a ELSE b END)");
  EXPECT_EQ(CaseWhenNullAware("c", "a", "b", Dialect::kSpark),
            "(CASE WHEN (c) THEN a WHEN NOT (c) THEN b END)");
  EXPECT_EQ(Concat({"a", "b"}, Dialect::kDuckDb), "(a || b)");
  EXPECT_EQ(SplitContains("l", ',', "i", Dialect::kDuckDb),
            "list_contains(string_split(l, ','), i)");
  EXPECT_EQ(SplitContains("l", ',', "i", Dialect::kSpark),
            "array_contains(split(l, '\\\\Q,\\\\E'), i)");
}

}  // namespace
}  // namespace dhl::sql
