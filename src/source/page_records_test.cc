// The streamed reader of flat record lists (simdjson on-demand) against pages written by hand, and
// the document check in front of it.
#include "source/page_records.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dhl::source {
namespace {

// "member=value|member=<null>|…#record" per record, from ForEachListedRecord.
std::vector<std::string> Listed(std::string text, std::string_view key,
                                const std::vector<std::string>& members) {
  std::vector<std::string> rows;
  Status status = CheckJsonText(text, "page");
  EXPECT_TRUE(status.ok()) << status.ToString();
  status = ForEachListedRecord(
      text, key, members,
      [&](const ListedMembers& values, std::string_view record) -> Status {
        std::string row;
        for (size_t i = 0; i < members.size(); ++i) {
          row += (i == 0 ? "" : "|") + members[i] + "=" +
                 (values[i] ? std::string(*values[i]) : std::string("<null>"));
        }
        rows.push_back(row + "#" + std::string(record));
        return Status::Ok();
      },
      "page");
  EXPECT_TRUE(status.ok()) << status.ToString();
  return rows;
}

TEST(PageRecordsTest, ListedRecordsGiveMembersAsBronzeWantsThemAndTheRecordAsReceived) {
  // Strings unescaped; numbers, booleans, objects and arrays as written; null and missing alike;
  // a repeated member's last value; items that are not objects skipped; the pager not read.
  std::string page = R"({"pager":{"page":1},"completeDataSetRegistrations":[
    {"period":"202401","storedBy":"Jos\u00e9 \"J\"","completed":true,"n":12.50 ,
     "source":{"id":"a1"},"list":[1, 2],"z":null},
    "not a record", 7,
    {"period":"2024Q1","period":"2024Q2","completed":false}]})";
  std::vector<std::string> rows =
      Listed(page, "completeDataSetRegistrations",
             {"period", "storedBy", "completed", "n", "source", "list", "z", "absent"});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0],
            "period=202401|storedBy=José \"J\"|completed=true|n=12.50|source={\"id\":\"a1\"}|"
            "list=[1, 2]|z=<null>|absent=<null>#"
            R"({"period":"202401","storedBy":"Jos\u00e9 \"J\"","completed":true,"n":12.50 ,
     "source":{"id":"a1"},"list":[1, 2],"z":null})");
  EXPECT_EQ(rows[1],
            "period=2024Q2|storedBy=<null>|completed=false|n=<null>|source=<null>|list=<null>|"
            "z=<null>|absent=<null>#"
            R"({"period":"2024Q1","period":"2024Q2","completed":false})");
}

TEST(PageRecordsTest, ListedRecordsFollowCollectRecordsRules) {
  // A top-level array with an empty key; `instances` when the key is absent; nothing otherwise.
  EXPECT_EQ(Listed(R"([{"id":"x"}])", "", {"id"}),
            (std::vector<std::string>{"id=x#{\"id\":\"x\"}"}));
  EXPECT_EQ(Listed(R"({"instances":[{"id":"y"}]})", "events", {"id"}),
            (std::vector<std::string>{"id=y#{\"id\":\"y\"}"}));
  EXPECT_TRUE(Listed(R"([{"id":"x"}])", "events", {"id"}).empty());
  EXPECT_TRUE(Listed(R"({"events":{"id":"x"}})", "events", {"id"}).empty());
  EXPECT_TRUE(Listed(R"("text")", "events", {"id"}).empty());
  EXPECT_TRUE(Listed(R"({"events":[]})", "events", {"id"}).empty());
}

TEST(PageRecordsTest, CheckJsonTextRefusesCutShortDeepAndBadBytes) {
  std::string cut = R"({"completeDataSetRegistrations":[{"period":"2024)";
  Status status = CheckJsonText(cut, "GET /api/x");
  EXPECT_EQ(status.code(), StatusCode::kCorruption) << status.ToString();
  EXPECT_NE(status.message().find("GET /api/x: not complete JSON"), std::string::npos);
  std::string deep =
      "{\"a\":[{\"id\":\"r1\",\"deep\":" + std::string(100, '[') + std::string(100, ']') + "}]}";
  status = CheckJsonText(deep, "GET /api/y");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_NE(status.message().find("GET /api/y: JSON nested more than 64 levels deep"),
            std::string::npos);
  std::string bad = "{\"a\":[{\"id\":\"r2\",\"storedBy\":\"ab\xff\"}]}";
  status = CheckJsonText(bad, "GET /api/z");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_NE(status.message().find("r2"), std::string::npos) << status.ToString();
  std::string fine = R"({"a":[1,{"b":[true,null,"c"]}]})";
  EXPECT_TRUE(CheckJsonText(fine, "GET /api/ok").ok());
}

}  // namespace
}  // namespace dhl::source
