#include "lake/partition_path.h"

#include <gtest/gtest.h>

namespace dhl::lake {
namespace {

// Examples from the protocol and from the golden tables (Hive escaping, then URI encoding).
TEST(PartitionPathTest, HiveThenUriEscaping) {
  EXPECT_EQ(HiveEscape("bar+%21"), "bar+%2521");
  EXPECT_EQ(UriEncodePath("_2=bar+%2521/part-0.parquet"), "_2=bar+%252521/part-0.parquet");
  EXPECT_EQ(HiveEscape("2020-01-01 08:09:10.001"), "2020-01-01 08%3A09%3A10.001");
  EXPECT_EQ(UriEncodePath("part=2020-01-01 08%3A09%3A10.001/f.parquet"),
            "part=2020-01-01%2008%253A09%253A10.001/f.parquet");
  EXPECT_EQ(HiveEscape("a/b=c?d#e"), "a%2Fb%3Dc%3Fd%23e");
  EXPECT_EQ(HiveEscape("é x+"), "é x+");
  EXPECT_EQ(UriEncodePath("é"), "%C3%A9");
  EXPECT_EQ(HiveEscape(std::string("tab\there")), "tab%09here");
}

TEST(PartitionPathTest, DecodeIsTheInverse) {
  for (std::string path : {"p=a%2Fb/x.parquet", "p=é +/y.parquet", "plain.parquet", "q=%25/z"}) {
    auto decoded = UriDecodePath(UriEncodePath(path));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, path);
  }
  EXPECT_EQ(UriDecodePath("a%2").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(UriDecodePath("a%zz").status().code(), StatusCode::kCorruption);
}

TEST(PartitionPathTest, DirectoriesFollowThePartitionColumns) {
  EXPECT_EQ(PartitionDirectory({"year", "ou"}, {{"ou", "a/b"}, {"year", "2024"}}),
            "year=2024/ou=a%2Fb");
  EXPECT_EQ(PartitionDirectory({"k"}, {{"k", std::nullopt}}), "k=__HIVE_DEFAULT_PARTITION__");
  EXPECT_EQ(PartitionDirectory({"k"}, {{"k", ""}}), "k=__HIVE_DEFAULT_PARTITION__");
  EXPECT_EQ(PartitionDirectory({}, {}), "");
}

}  // namespace
}  // namespace dhl::lake
