#include "base/progress.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace dhl {
namespace {

std::string ReadAll(std::FILE* file) {
  std::rewind(file);
  std::string text;
  char buffer[256];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
    text.append(buffer, n);
  }
  return text;
}

TEST(ProgressTest, PlainLinesCarryCountsRateAndEta) {
  FakeClock clock(0);
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    Progress progress({.label = "extract",
                       .total = 1000,
                       .unit = "values",
                       .out = out,
                       .terminal = false,
                       .plain_interval = std::chrono::milliseconds(5000),
                       .clock = &clock});
    clock.Advance(std::chrono::seconds(10));
    progress.Add(250);  // 25 values/s; 750 left -> 30 s
    EXPECT_EQ(progress.Line(false), "extract 250/1.0k values (25%), 25/s, ETA 30s");
    clock.Advance(std::chrono::seconds(1));
    progress.Add(10);  // within the interval of the previous line: not drawn
    clock.Advance(std::chrono::seconds(29));
    progress.Add(740);
  }
  std::string text = ReadAll(out);
  std::fclose(out);
  EXPECT_EQ(text,
            "extract 250/1.0k values (25%), 25/s, ETA 30s\n"
            "extract 1.0k/1.0k values (100%), 25/s\n"
            "extract 1.0k/1.0k values (100%), 25/s, done in 40s\n");
}

TEST(ProgressTest, HumanUnits) {
  EXPECT_EQ(HumanCount(999), "999");
  EXPECT_EQ(HumanCount(1500), "1.5k");
  EXPECT_EQ(HumanCount(2'500'000), "2.5M");
  EXPECT_EQ(HumanBytes(12'300'000), "12.3 MB");
  EXPECT_EQ(HumanDuration(3725), "1h02m");
  EXPECT_EQ(HumanDuration(185), "3m05s");
}

}  // namespace
}  // namespace dhl
