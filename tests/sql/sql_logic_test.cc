// Model tests as data: every tests/sql/**/*.test file is one test case, run against a temporary
// lake with the shipped models (models/**.sql), in the spirit of DuckDB's sqllogictest files. The
// format (tests/sql/README.md) is a list of records separated by blank lines:
//
//   # a comment                      (a line starting with '#', anywhere)
//   models gold/analytics.sql gold/aggregate.sql
//                                    the shipped model files the runs use (every model if absent)
//   write silver.org_unit [partition_by year]
//   SELECT ...                       overwrites a lake table with the rows of the SELECT
//   append bronze.data_value
//   SELECT ...                       appends them, as the extractor appends to bronze
//   run [full]                       runs the models; every model must succeed
//   statement ok|error
//   SQL                              any SQL on the test's DuckDB, every lake table registered
//   query <one letter per column> [rowsort]
//   SELECT ...
//   ----
//   a<TAB>b                          the expected rows, cells as DuckDB's VARCHAR cast spells them
//                                    ("NULL" for NULL), compared in order unless rowsort
//
// A failure names the file and the line of its record.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/test_paths.h"
#include "base/text.h"
#include "tests/pipeline/model_lake_fixture.h"

namespace dhl::pipeline {
namespace {

namespace fs = std::filesystem;

const fs::path kTestRoot = fs::path(DHL_SOURCE_DIR) / "tests" / "sql";

struct Record {
  enum class Kind { kModels, kWrite, kAppend, kRun, kStatement, kQuery };
  Kind kind = Kind::kRun;
  int line = 0;
  std::vector<std::string> words;     // the header line's words after the first
  std::string sql;                    // write, append, statement, query
  std::vector<std::string> expected;  // query: the rows, cells joined by tabs
  bool expect_error = false;          // statement error
  bool rowsort = false;               // query
  size_t column_count = 0;            // query
};

std::vector<std::string> Words(std::string_view line) {
  std::vector<std::string> words;
  for (std::string_view word : Split(line, ' ')) {
    if (!Trim(word).empty()) words.emplace_back(Trim(word));
  }
  return words;
}

Status LineError(const std::string& file, int line, const std::string& message) {
  return InvalidArgument(file + ":" + std::to_string(line) + ": " + message);
}

// Splits `text` into records (blank lines separate them; '#' lines are comments).
Result<std::vector<Record>> ParseTestFile(const std::string& file, const std::string& text) {
  std::vector<std::string> lines;
  for (std::string_view line : Split(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
  }
  std::vector<Record> records;
  size_t i = 0;
  while (i < lines.size()) {
    std::string_view first = Trim(lines[i]);
    if (first.empty() || first.front() == '#') {
      ++i;
      continue;
    }
    Record record;
    record.line = static_cast<int>(i) + 1;
    std::vector<std::string> words = Words(first);
    const std::string keyword = words[0];
    record.words.assign(words.begin() + 1, words.end());
    ++i;
    // The record's body: the lines up to a blank one, comments left out.
    std::vector<std::string> body;
    for (; i < lines.size() && !Trim(lines[i]).empty(); ++i) {
      if (Trim(lines[i]).front() != '#') body.push_back(lines[i]);
    }
    auto join = [](auto begin, auto end) {
      std::string joined;
      for (auto it = begin; it != end; ++it) joined += (joined.empty() ? "" : "\n") + *it;
      return joined;
    };
    if (keyword == "models") {
      record.kind = Record::Kind::kModels;
    } else if (keyword == "write" || keyword == "append") {
      record.kind = keyword == "write" ? Record::Kind::kWrite : Record::Kind::kAppend;
      bool partitioned = record.words.size() == 3 && record.words[1] == "partition_by";
      if (record.words.size() != 1 && !(record.kind == Record::Kind::kWrite && partitioned)) {
        return LineError(file, record.line,
                         "want 'write layer.table [partition_by column]' or 'append layer.table'");
      }
      record.sql = join(body.begin(), body.end());
    } else if (keyword == "run") {
      record.kind = Record::Kind::kRun;
      if (!(record.words.empty() || (record.words.size() == 1 && record.words[0] == "full"))) {
        return LineError(file, record.line, "want 'run' or 'run full'");
      }
    } else if (keyword == "statement") {
      record.kind = Record::Kind::kStatement;
      if (record.words.size() != 1 || (record.words[0] != "ok" && record.words[0] != "error")) {
        return LineError(file, record.line, "want 'statement ok' or 'statement error'");
      }
      record.expect_error = record.words[0] == "error";
      record.sql = join(body.begin(), body.end());
    } else if (keyword == "query") {
      record.kind = Record::Kind::kQuery;
      if (record.words.empty() || record.words.size() > 2 ||
          (record.words.size() == 2 && record.words[1] != "rowsort")) {
        return LineError(file, record.line, "want 'query <column letters> [rowsort]'");
      }
      record.column_count = record.words[0].size();
      record.rowsort = record.words.size() == 2;
      auto separator = std::find(body.begin(), body.end(), "----");
      if (separator == body.end()) {
        return LineError(file, record.line, "a query needs '----' before its expected rows");
      }
      record.sql = join(body.begin(), separator);
      record.expected.assign(separator + 1, body.end());
    } else {
      return LineError(
          file, record.line,
          "unknown record '" + keyword + "' (want models, write, append, run, statement, query)");
    }
    if (record.sql.empty() &&
        (record.kind == Record::Kind::kWrite || record.kind == Record::Kind::kAppend ||
         record.kind == Record::Kind::kStatement || record.kind == Record::Kind::kQuery)) {
      return LineError(file, record.line, "the record has no SQL");
    }
    records.push_back(std::move(record));
  }
  return records;
}

// Every tests/sql/**/*.test, relative to tests/sql, sorted.
std::vector<std::string> TestFiles() {
  std::vector<std::string> files;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(kTestRoot, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (it->is_regular_file() && it->path().extension() == ".test") {
      files.push_back(fs::relative(it->path(), kTestRoot).generic_string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

class SqlLogicTest : public ModelLakeFixture, public ::testing::WithParamInterface<std::string> {
 protected:
  // Runs one record; a failure is reported with `where` (file:line).
  void RunRecord(const Record& record, const std::string& where) {
    switch (record.kind) {
      case Record::Kind::kModels: {
        std::vector<std::string> relatives = record.words;
        UseModels(relatives);
        return;
      }
      case Record::Kind::kWrite:
        Write(*catalog_, record.words[0], record.sql,
              record.words.size() == 3 ? std::vector<std::string>{record.words[2]}
                                       : std::vector<std::string>{});
        return;
      case Record::Kind::kAppend:
        Append(*catalog_, record.words[0], record.sql);
        return;
      case Record::Kind::kRun: {
        if (!models_) UseModels({});
        bool full = !record.words.empty();
        auto summary = Run(*catalog_, full);
        ASSERT_TRUE(summary.ok()) << where << ": " << summary.status().ToString();
        ASSERT_TRUE(summary->ok()) << where << ": " << summary->ToString();
        return;
      }
      case Record::Kind::kStatement: {
        RegisterTables(where);
        auto result = connection_->Query(record.sql);
        if (record.expect_error) {
          EXPECT_FALSE(result.ok()) << where << ": the statement succeeded";
        } else {
          EXPECT_TRUE(result.ok()) << where << ": " << result.status().ToString();
        }
        return;
      }
      case Record::Kind::kQuery:
        RunQuery(record, where);
        return;
    }
  }

  void RegisterTables(const std::string& where) {
    auto registered = catalog_->RegisterAll(*connection_);
    ASSERT_TRUE(registered.ok()) << where << ": " << registered.status().ToString();
  }

  void RunQuery(const Record& record, const std::string& where) {
    RegisterTables(where);
    auto result = connection_->Query(record.sql);
    ASSERT_TRUE(result.ok()) << where << ": " << result.status().ToString();
    ASSERT_EQ(result->column_count(), record.column_count)
        << where << ": the query has " << result->column_count() << " columns, the header says "
        << record.column_count;
    std::vector<std::string> actual;
    for (size_t row = 0; row < result->row_count(); ++row) {
      std::string line;
      for (size_t column = 0; column < result->column_count(); ++column) {
        if (column > 0) line += '\t';
        line += result->GetString(column, row).value_or("NULL");
      }
      actual.push_back(std::move(line));
    }
    std::vector<std::string> expected = record.expected;
    if (record.rowsort) {
      std::sort(actual.begin(), actual.end());
      std::sort(expected.begin(), expected.end());
    }
    if (actual == expected) return;
    // The rows only one side has (or, when both hold the same rows, the order) name the failure.
    std::vector<std::string> sorted_actual = actual;
    std::vector<std::string> sorted_expected = expected;
    std::sort(sorted_actual.begin(), sorted_actual.end());
    std::sort(sorted_expected.begin(), sorted_expected.end());
    std::vector<std::string> missing;
    std::vector<std::string> extra;
    std::set_difference(sorted_expected.begin(), sorted_expected.end(), sorted_actual.begin(),
                        sorted_actual.end(), std::back_inserter(missing));
    std::set_difference(sorted_actual.begin(), sorted_actual.end(), sorted_expected.begin(),
                        sorted_expected.end(), std::back_inserter(extra));
    std::string report;
    for (const std::string& row : missing) report += "\n  expected, not returned: " + row;
    for (const std::string& row : extra) report += "\n  returned, not expected: " + row;
    if (report.empty()) report = "\n  the same rows in another order (add rowsort?)";
    ADD_FAILURE() << where << ": " << actual.size() << " rows, " << expected.size() << " expected"
                  << report << "\n"
                  << record.sql;
  }
};

TEST_P(SqlLogicTest, File) {
  const std::string relative = GetParam();
  const std::string file = "tests/sql/" + relative;
  std::ifstream in(kTestRoot / relative);
  ASSERT_TRUE(in) << file << ": cannot read";
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto records = ParseTestFile(file, text);
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  ASSERT_FALSE(records->empty()) << file << ": no records";
  for (const Record& record : *records) {
    std::string where = file + ":" + std::to_string(record.line);
    SCOPED_TRACE(where);
    RunRecord(record, where);
    if (HasFatalFailure()) return;
  }
}

// The test's name: the file's path with every other character than a letter or digit as '_'.
std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param.substr(0, info.param.size() - std::string(".test").size());
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Files, SqlLogicTest, ::testing::ValuesIn(TestFiles()), TestName);

// The runner's own parser: its errors name the file and line.
TEST(SqlLogicParseTest, RecordsAndErrors) {
  auto records = ParseTestFile("x.test",
                               "# comment\nmodels gold/a.sql\n\nwrite silver.t partition_by year\n"
                               "SELECT 1 AS year\n\nrun full\n\nquery IT rowsort\nSELECT 1, 'a'\n"
                               "# a comment inside\n----\n1\ta\n");
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  ASSERT_EQ(records->size(), 4u);
  EXPECT_EQ((*records)[1].words, (std::vector<std::string>{"silver.t", "partition_by", "year"}));
  EXPECT_EQ((*records)[2].words, (std::vector<std::string>{"full"}));
  EXPECT_EQ((*records)[3].line, 9);
  EXPECT_EQ((*records)[3].column_count, 2u);
  EXPECT_TRUE((*records)[3].rowsort);
  EXPECT_EQ((*records)[3].sql, "SELECT 1, 'a'");
  EXPECT_EQ((*records)[3].expected, (std::vector<std::string>{"1\ta"}));

  auto no_separator = ParseTestFile("x.test", "\nquery I\nSELECT 1\n1\n");
  ASSERT_FALSE(no_separator.ok());
  EXPECT_NE(no_separator.status().message().find("x.test:2: a query needs '----'"),
            std::string::npos)
      << no_separator.status().ToString();
  auto unknown = ParseTestFile("x.test", "select 1\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("x.test:1: unknown record 'select'"), std::string::npos)
      << unknown.status().ToString();
}

}  // namespace
}  // namespace dhl::pipeline
