// Invalid UTF-8 is reported with its offset and record, and refused before anything lands. The
// byte sequences are the well-formed and ill-formed examples of the Unicode Standard, chapter 3,
// table 3-7 (well-formed UTF-8 byte sequences).
#include "source/invalid_utf8.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "source/export_folder_source.h"

namespace dhl::source {
namespace {

namespace fs = std::filesystem;

TEST(InvalidUtf8Test, FindsTheFirstIllFormedByte) {
  EXPECT_EQ(FirstInvalidUtf8("plain"), std::nullopt);
  EXPECT_EQ(FirstInvalidUtf8("K\xC3\xA9nema \xE2\x82\xAC \xF0\x9F\x98\x80"), std::nullopt);
  EXPECT_EQ(FirstInvalidUtf8("Kenema \xE9t\xE9"), 7u);   // Latin-1 é
  EXPECT_EQ(FirstInvalidUtf8("a\xC0\xAF"), 1u);          // overlong '/'
  EXPECT_EQ(FirstInvalidUtf8("a\xED\xA0\x80"), 1u);      // a surrogate, U+D800
  EXPECT_EQ(FirstInvalidUtf8("a\xF4\x90\x80\x80"), 1u);  // over U+10FFFF
  EXPECT_EQ(FirstInvalidUtf8("ab\x80"), 2u);             // a lone continuation byte
  EXPECT_EQ(FirstInvalidUtf8("ab\xE2\x82"), 2u);         // cut short
}

TEST(InvalidUtf8Test, TheErrorNamesTheRecordAndTheByte) {
  std::string page = R"({"events": [{"event": "uairHTqZ5ye", "notes": [{"value": "ok"}]},
    {"event": "QsAhMiZtnl2", "notes": [{"value": "caf)"
                     "\xE9"
                     R"("}]}]})";
  Status status = CheckUtf8(page, "export folder: events.json");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("export folder: events.json: invalid UTF-8 at byte"),
            std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("(0xE9), in the record \"event\": \"QsAhMiZtnl2\""),
            std::string::npos)
      << status.message();
  EXPECT_TRUE(CheckUtf8(R"({"events": [)", "x").ok());  // malformed otherwise: not this error
  EXPECT_TRUE(CheckUtf8("{\"value\": \"\xE2\x82", "x").ok());  // cut at the end: a retry may fix
}

TEST(InvalidUtf8Test, AnExportFileWithBadBytesIsRefusedNamingTheRecord) {
  fs::path dir =
      fs::temp_directory_path() / fmt::format("dhl_invalid_utf8_{}_{}", ::getpid(), std::rand());
  fs::create_directories(dir / "export");
  std::ofstream(dir / "export" / "events.json")
      << "{\"events\": [{\"event\": \"QsAhMiZtnl2\", \"orgUnit\": \"DiszpKrYNg8\", "
         "\"notes\": [{\"value\": \"Bo \xE9t\xE9\"}]}]}";
  Secrets secrets;
  secrets.hash_key = std::string(64, 'a');
  ExportFolderSource source((dir / "lake").string(), (dir / "export").string(), ExtractOptions{},
                            secrets, SystemClock::Instance(), false);
  Result<ExtractSummary> summary = source.Run();
  ASSERT_FALSE(summary.ok());
  EXPECT_NE(summary.status().message().find("invalid UTF-8"), std::string::npos)
      << summary.status().ToString();
  EXPECT_NE(summary.status().message().find("QsAhMiZtnl2"), std::string::npos)
      << summary.status().ToString();
  EXPECT_FALSE(fs::exists(dir / "lake" / "bronze" / "event"));  // nothing landed
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dhl::source
