#include "base/step_times.h"

#include <gtest/gtest.h>

#include <string>

namespace dhl {
namespace {

TEST(StepTimesTest, StepsAddUpInFirstUseOrder) {
  StepTimes times;
  EXPECT_TRUE(times.empty());
  times.Add("write", 1.0, 1.5);
  times.Add("materialise", 2.0, 3.25);
  times.Add("write", 0.5, 0.25);
  EXPECT_EQ(times.ToString(), "write 1.50 s (1.75 CPU s), materialise 2.00 s (3.25 CPU s)");
}

TEST(StepTimesTest, AScopeTimesTheWorkInsideIt) {
  StepTimes times;
  double before = ProcessCpuSeconds();
  {
    auto scope = times.Time("spin");
    volatile double sink = 0;
    while (ProcessCpuSeconds() - before < 0.02) sink = sink + 1;
  }
  EXPECT_FALSE(times.empty());
  // The spin's CPU time (at least 0.02 s) is in the step: "spin W s (C CPU s)" with C >= 0.02.
  std::string text = times.ToString();
  ASSERT_EQ(text.rfind("spin ", 0), 0u) << text;
  size_t open = text.find('(');
  ASSERT_NE(open, std::string::npos) << text;
  EXPECT_GE(std::stod(text.substr(open + 1)), 0.02) << text;
}

}  // namespace
}  // namespace dhl
