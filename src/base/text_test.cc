#include "base/text.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace dhl
