#include "lake/log_entry.h"

#include <gtest/gtest.h>

namespace dhl::lake {
namespace {

TEST(LogEntryTest, ParsesEveryActionAndIgnoresUnknownOnes) {
  const std::string text =
      R"j({"commitInfo":{"timestamp":5,"operation":"WRITE","operationParameters":{"mode":"Append","n":3},"futureField":1}})j"
      "\n"
      R"j({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})j"
      "\n"
      R"j({"metaData":{"id":"m","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":["p"],"configuration":{"delta.appendOnly":"true"},"createdTime":1}})j"
      "\n"
      R"j({"add":{"path":"p=a/f.parquet","partitionValues":{"p":"a","q":null},"size":10,"modificationTime":2,"dataChange":true,"stats":"{\"numRecords\":4}","tags":{"x":"y"}}})j"
      "\n"
      R"j({"remove":{"path":"old.parquet","deletionTimestamp":3,"dataChange":true}})j"
      "\n"
      R"j({"txn":{"appId":"app","version":7,"lastUpdated":4}})j"
      "\n"
      R"j({"domainMetadata":{"domain":"d","configuration":"{}","removed":false}})j"
      "\n\n";
  auto entry = LogEntry::Parse(text, "00.json");
  ASSERT_TRUE(entry.ok()) << entry.status().ToString();
  EXPECT_EQ(entry->commit_info->operation, "WRITE");
  EXPECT_EQ(entry->commit_info->operation_parameters.at("n"), "3");
  EXPECT_EQ(entry->protocol->min_writer_version, 2);
  EXPECT_EQ(entry->metadata->partition_columns, std::vector<std::string>{"p"});
  EXPECT_EQ(entry->metadata->configuration.at("delta.appendOnly"), "true");
  ASSERT_EQ(entry->adds.size(), 1u);
  EXPECT_EQ(entry->adds[0].partition_values.at("q"), std::nullopt);
  EXPECT_EQ(ParseFileStatistics(entry->adds[0].stats)->num_records, 4);
  EXPECT_EQ(entry->removes[0].deletion_timestamp, 3);
  EXPECT_EQ(entry->transactions[0].version, 7);
  EXPECT_EQ(entry->other_actions, std::vector<std::string>{"domainMetadata"});

  // What we write parses back to the same actions, one action a line.
  auto again = LogEntry::Parse(entry->Serialize(), "again");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Serialize(), entry->Serialize());
  EXPECT_EQ(entry->Serialize().back(), '\n');
}

TEST(LogEntryTest, ErrorsNameTheFileAndLine) {
  auto bad = LogEntry::Parse("{\"txn\":{\"appId\":\"a\",\"version\":1}}\n{not json\n",
                             "_delta_log/7.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
  EXPECT_NE(bad.status().message().find("_delta_log/7.json line 2"), std::string::npos);
  auto no_path = LogEntry::Parse("{\"add\":{\"size\":1}}\n", "x.json");
  EXPECT_NE(no_path.status().message().find("x.json line 1: add without a path"),
            std::string::npos);
  auto not_object = LogEntry::Parse("[1,2]\n", "y.json");
  EXPECT_EQ(not_object.status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace dhl::lake
