#include "sql/shared_sql.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/test_paths.h"

namespace dhl::sql {
namespace {

namespace fs = std::filesystem;

TEST(SharedSqlTest, DuckDbRenderingIsTheText) {
  std::string text = "SELECT \"values\", 'a\\b' FROM t -- c\n";
  EXPECT_EQ(RenderShared(text, Dialect::kDuckDb), text);
}

TEST(SharedSqlTest, SparkRenderingOfTheLexicalDifferences) {
  EXPECT_EQ(RenderShared("SELECT \"values\", \"a\"\"b\" FROM t", Dialect::kSpark),
            "SELECT `values`, `a\"b` FROM t");
  EXPECT_EQ(RenderShared("SELECT 'a\\b', 'it''s'", Dialect::kSpark), "SELECT 'a\\\\b', 'it\\'s'");
  EXPECT_EQ(RenderShared("SELECT CAST(x AS VARCHAR), TRY_CAST(y AS TIMESTAMPTZ), "
                         "CAST(z AS timestamp with time zone), CAST(w AS VARCHAR(10))",
                         Dialect::kSpark),
            "SELECT CAST(x AS STRING), TRY_CAST(y AS TIMESTAMP), CAST(z AS TIMESTAMP), "
            "CAST(w AS VARCHAR(10))");
  // A column named like a type is left alone outside CAST; comments are kept byte for byte.
  EXPECT_EQ(RenderShared("SELECT text AS varchar -- \"x\" 'y\\'\nFROM t", Dialect::kSpark),
            "SELECT text AS varchar -- \"x\" 'y\\'\nFROM t");
  // Nested casts: the AS of the outer CAST is found after the inner one closes.
  EXPECT_EQ(RenderShared("CAST(CAST(a AS DOUBLE) + 1 AS VARCHAR)", Dialect::kSpark),
            "CAST(CAST(a AS DOUBLE) + 1 AS STRING)");
}

TEST(SharedSqlTest, ReplaceCallsReadsSparkStrings) {
  std::string spark = "SELECT 'it\\'s ref(''x'')', r FROM ref('silver.a') JOIN REF('gold.b')";
  std::string out = ReplaceCalls(spark, Dialect::kSpark, "ref",
                                 [](const std::string& argument) { return "<" + argument + ">"; });
  EXPECT_EQ(out, "SELECT 'it\\'s ref(''x'')', r FROM <silver.a> JOIN <gold.b>");
}

// The dialect table: a model's DuckDB and Spark renderings differ only in quoted identifiers (same
// name), string literals (same value) and CAST type names (as SparkTypeName maps them), token by
// token, for every shipped model and the bundle's test models.
TEST(SharedSqlTest, ModelRenderingsDifferOnlyWhereTheDialectTableSays) {
  int files = 0;
  for (const char* folder : {"/models", "/tests/data/databricks/models"}) {
    fs::path root = fs::path(DHL_SOURCE_DIR) / (std::string(folder).substr(1));
    if (!fs::exists(root)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (entry.path().extension() != ".sql") continue;
      ++files;
      std::ifstream in(entry.path());
      std::stringstream buffer;
      buffer << in.rdbuf();
      std::string text = buffer.str();
      std::vector<SqlToken> duck =
          TokenizeSql(RenderShared(text, Dialect::kDuckDb), Dialect::kDuckDb);
      std::vector<SqlToken> spark =
          TokenizeSql(RenderShared(text, Dialect::kSpark), Dialect::kSpark);
      size_t s = 0;
      for (size_t d = 0; d < duck.size(); ++d, ++s) {
        ASSERT_LT(s, spark.size()) << entry.path();
        const SqlToken& a = duck[d];
        const SqlToken& b = spark[s];
        if (a.text == b.text) continue;
        std::string where = entry.path().string() + ": " + a.text + " vs " + b.text;
        if (a.kind == SqlToken::Kind::kQuotedIdentifier) {
          EXPECT_EQ(b.kind, SqlToken::Kind::kQuotedIdentifier) << where;
          EXPECT_EQ(a.value, b.value) << where;
          EXPECT_EQ(b.text.front(), '`') << where;
        } else if (a.kind == SqlToken::Kind::kString) {
          EXPECT_EQ(b.kind, SqlToken::Kind::kString) << where;
          EXPECT_EQ(a.value, b.value) << where;
        } else if (a.kind == SqlToken::Kind::kWord) {
          std::string type = a.value;
          if (type == "TIMESTAMP" && d + 3 < duck.size() && duck[d + 1].value == "WITH") {
            type = "TIMESTAMP WITH TIME ZONE";
            d += 3;
          }
          std::string mapped = SparkTypeName(type);
          EXPECT_NE(mapped, type) << where << ": not in the dialect table";
          // DECIMAL(38, 0) is six tokens.
          std::vector<SqlToken> expected = TokenizeSql(mapped, Dialect::kSpark);
          for (size_t k = 0; k < expected.size(); ++k, ++s) {
            ASSERT_LT(s, spark.size()) << where;
            EXPECT_EQ(spark[s].value, expected[k].value) << where;
          }
          --s;
        } else {
          ADD_FAILURE() << where << ": differs outside the dialect table";
        }
      }
      EXPECT_EQ(s, spark.size()) << entry.path();
    }
  }
  EXPECT_GE(files, 3);
}

}  // namespace
}  // namespace dhl::sql
