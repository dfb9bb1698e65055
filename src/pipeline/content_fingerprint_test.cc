#include "pipeline/content_fingerprint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "engine/database.h"
#include "lake/temp_lake_fixture.h"

namespace dhl::pipeline {
namespace {

// 2^k as a double.
double Power2(int k) { return std::ldexp(1.0, k); }

// 256 values that are not short binary fractions, summed first to last and last to first: the
// two sums differ in their last bits, as a parallel sum's do from run to run.
std::pair<double, double> SumInTwoOrders() {
  std::vector<double> values;
  for (int i = 0; i < 256; ++i) values.push_back(i * 0.1 + 1.0 / (i + 1));
  double forward = 0;
  for (double value : values) forward += value;
  double backward = 0;
  for (auto it = values.rbegin(); it != values.rend(); ++it) backward += *it;
  return {forward, backward};
}

TEST(FingerprintDoubleTest, TheLastBitsOfASumDoNotCount) {
  EXPECT_NE(0.1 + 0.2, 0.3);
  EXPECT_EQ(FingerprintDouble(0.1 + 0.2), FingerprintDouble(0.3));
  auto [forward, backward] = SumInTwoOrders();
  ASSERT_NE(forward, backward);  // else the case shows nothing
  EXPECT_EQ(FingerprintDouble(forward), FingerprintDouble(backward));
  // An average over 256 values, one unit in the last place apart.
  EXPECT_EQ(FingerprintDouble(54.519921875), FingerprintDouble(54.519921874999993));
}

TEST(FingerprintDoubleTest, ThirtyOneSignificantBitsCount) {
  EXPECT_NE(FingerprintDouble(1.0), FingerprintDouble(1.0000001));
  // One step of the grid at 1 is 2^-30; 2^-32 is under half a step.
  EXPECT_NE(FingerprintDouble(1.0), FingerprintDouble(1.0 + Power2(-30)));
  EXPECT_EQ(FingerprintDouble(1.0 + Power2(-32)), 1.0);
  // Whole numbers under 2^31 are themselves; between 2^33 and 2^34 the step is 8.
  EXPECT_EQ(FingerprintDouble(2147483647.0), 2147483647.0);
  EXPECT_EQ(FingerprintDouble(123456789.0), 123456789.0);
  EXPECT_NE(FingerprintDouble(123456789.0), FingerprintDouble(123456788.0));
  EXPECT_EQ(FingerprintDouble(12345678901.0), 12345678904.0);  // 5 past a multiple of 8: up
  EXPECT_EQ(FingerprintDouble(12345678899.0), 12345678896.0);  // 3 past: down
  // Signs are kept: rounding is of the magnitude.
  EXPECT_EQ(FingerprintDouble(-12345678901.0), -12345678904.0);
  EXPECT_EQ(FingerprintDouble(-7.0), -7.0);
}

// The boundary between two grid points lies 2^12 units in the last place below their midpoint
// (content_fingerprint.h). At 1 the grid points are 1 and 1 + 2^-30 and a unit is 2^-52.
TEST(FingerprintDoubleTest, TheBoundaryLiesBelowTheMidpoint) {
  const double boundary = 1.0 + Power2(-31) - Power2(-40);
  EXPECT_EQ(FingerprintDouble(boundary), 1.0 + Power2(-30));
  EXPECT_EQ(FingerprintDouble(std::nextafter(boundary, 0.0)), 1.0);
  // Midpoints have few significant bits; a few units of jitter either way keep their side.
  for (double midpoint : {1.0 + Power2(-31), 2147483649.0, 1073741824.5, 6.5 * Power2(-4)}) {
    double below = midpoint;
    double above = midpoint;
    for (int ulp = 0; ulp < 8; ++ulp) {
      below = std::nextafter(below, 0.0);
      above = std::nextafter(above, 1e300);
    }
    EXPECT_EQ(FingerprintDouble(below), FingerprintDouble(midpoint)) << midpoint;
    EXPECT_EQ(FingerprintDouble(above), FingerprintDouble(midpoint)) << midpoint;
  }
  EXPECT_EQ(FingerprintDouble(2147483649.0), 2147483650.0);
}

TEST(FingerprintDoubleTest, TinyValuesAreZeroAndSpecialValuesStay) {
  EXPECT_EQ(FingerprintDouble(1.45e-16), 0.0);
  EXPECT_EQ(FingerprintDouble(-9.9e-11), 0.0);
  EXPECT_FALSE(std::signbit(FingerprintDouble(-0.0)));
  EXPECT_NE(FingerprintDouble(1e-10), 0.0);
  EXPECT_NE(FingerprintDouble(1e-9), FingerprintDouble(0.0));
  const double infinity = std::numeric_limits<double>::infinity();
  EXPECT_EQ(FingerprintDouble(infinity), infinity);
  EXPECT_EQ(FingerprintDouble(-infinity), -infinity);
  EXPECT_TRUE(std::isnan(FingerprintDouble(std::nan(""))));
  const double largest = std::numeric_limits<double>::max();
  EXPECT_EQ(FingerprintDouble(largest), largest);  // rounding up would overflow
  EXPECT_EQ(FingerprintDouble(-largest), -largest);
}

// The rule applied by the engine to a table's rows: the whole query, as the runner runs it.
class ComputeFingerprintsTest : public lake::TempLakeFixture {
 protected:
  // The fingerprint of one DOUBLE column `x` holding `values` (SQL expressions) and a text column.
  RowFingerprint Fingerprint(const std::vector<std::string>& values) {
    std::string rows;
    for (const std::string& value : values) {
      rows += std::string(rows.empty() ? "" : ", ") + "('k', CAST(" + value + " AS DOUBLE))";
    }
    std::string relation = "(SELECT * FROM (VALUES " + rows + ") AS t(k, x))";
    auto fingerprints =
        ComputeFingerprints(*connection_, relation, {{"k", "VARCHAR"}, {"x", "DOUBLE"}}, {});
    EXPECT_TRUE(fingerprints.ok()) << fingerprints.status().ToString();
    if (!fingerprints.ok() || fingerprints->size() != 1) return {};
    return fingerprints->begin()->second;
  }
  static std::string Literal(double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
  }
};

TEST_F(ComputeFingerprintsTest, DoublesHashAsFingerprintDoubleGivesThem) {
  // In DOUBLE (0.1 + 0.2 would be DECIMAL arithmetic, exactly 0.3).
  const std::string sum = "CAST(0.1 AS DOUBLE) + CAST(0.2 AS DOUBLE)";
  auto exact = connection_->Query("SELECT " + sum + " = CAST(0.3 AS DOUBLE)");
  ASSERT_TRUE(exact.ok()) << exact.status().ToString();
  ASSERT_EQ(exact->GetBool(0, 0), false);
  EXPECT_EQ(Fingerprint({sum, "-0.0"}), Fingerprint({"0.3", "0.0"}));
  auto [forward, backward] = SumInTwoOrders();
  EXPECT_EQ(Fingerprint({Literal(forward)}), Fingerprint({Literal(backward)}));
  EXPECT_NE(Fingerprint({"1.0"}), Fingerprint({"1.0000001"}));
  EXPECT_NE(Fingerprint({"1.45e-16"}), Fingerprint({"NULL"}));  // 0, not NULL
  EXPECT_EQ(Fingerprint({"1.45e-16"}), Fingerprint({"0"}));
  EXPECT_NE(Fingerprint({"'inf'"}), Fingerprint({"'nan'"}));
  EXPECT_NE(Fingerprint({"'inf'"}), Fingerprint({"'-inf'"}));
  EXPECT_NE(Fingerprint({"1e300"}), Fingerprint({"'inf'"}));
  EXPECT_EQ(Fingerprint({"1.0", "2.0"}).rows, 2);
}

// A text column from a dictionary (ENUM) fingerprints as its text, and rows group into their
// partitions by the partition column's value, named as text.
TEST_F(ComputeFingerprintsTest, EnumTextHashesAsItsTextAndPartitionsAreNamedAsText) {
  const std::string rows = "(VALUES ('a', 2024), ('b', 2024), ('a', NULL)) AS t(k, year)";
  auto as_text = ComputeFingerprints(*connection_, "(SELECT * FROM " + rows + ")",
                                     {{"k", "VARCHAR"}}, {"year"});
  const std::string type = "ENUM('a', 'b')";
  auto as_enum = ComputeFingerprints(
      *connection_, "(SELECT CAST(k AS " + type + ") AS k, year FROM " + rows + ")", {{"k", type}},
      {"year"});
  ASSERT_TRUE(as_text.ok()) << as_text.status().ToString();
  ASSERT_TRUE(as_enum.ok()) << as_enum.status().ToString();
  EXPECT_EQ(*as_text, *as_enum);
  ASSERT_EQ(as_text->size(), 2u);
  const lake::PartitionValues year_2024{{"year", "2024"}};
  const lake::PartitionValues no_year{{"year", std::nullopt}};
  ASSERT_TRUE(as_text->count(year_2024));
  EXPECT_EQ(as_text->at(year_2024).rows, 2);
  ASSERT_TRUE(as_text->count(no_year));
  EXPECT_EQ(as_text->at(no_year).rows, 1);
}

// The function is the engine's: a second connection and a second database find or register it.
TEST_F(ComputeFingerprintsTest, AnyConnectionCanComputeThem) {
  RowFingerprint first = Fingerprint({"2.5"});
  auto other = database_->Connect();
  ASSERT_TRUE(other.ok());
  connection_.emplace(std::move(other).value());
  EXPECT_EQ(Fingerprint({"2.5"}), first);
  auto another_db = engine::Database::Open({.threads = 1});
  ASSERT_TRUE(another_db.ok());
  auto connection = another_db->Connect();
  ASSERT_TRUE(connection.ok());
  connection_.emplace(std::move(connection).value());
  database_.emplace(std::move(another_db).value());
  EXPECT_EQ(Fingerprint({"2.5"}), first);
}

}  // namespace
}  // namespace dhl::pipeline
