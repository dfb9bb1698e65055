// Invalid UTF-8 is found with its offset and record, and kept reversibly as private-use code points
// (U+F0000 + byte) so that the record lands as received. The byte sequences are the well-formed and
// ill-formed examples of the Unicode Standard, chapter 3, table 3-7 (well-formed UTF-8 byte
// sequences).
#include "source/invalid_utf8.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "engine/database.h"
#include "lake/lake_catalog.h"
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

// The UTF-8 of U+F0000 + b is F3 B0 (80 | b >> 6) (80 | b & 3F): by hand for 0xE9, 0xC0, 0xAF,
// 0x80 and 0xFF.
TEST(InvalidUtf8Test, EachIllFormedByteIsKeptAsAPrivateUseCodePoint) {
  std::string valid = "K\xC3\xA9nema \xF0\x9F\x98\x80";
  std::string unchanged = valid;
  EXPECT_EQ(RepairUtf8(unchanged).bytes, 0u);
  EXPECT_EQ(unchanged, valid);

  std::string latin1 = "{\"id\": \"abc\", \"name\": \"Kenema \xE9t\xE9\"}";
  std::string received = latin1;
  Utf8Repair repair = RepairUtf8(latin1);
  EXPECT_EQ(repair.bytes, 2u);
  EXPECT_EQ(repair.first_offset, 30u);
  EXPECT_EQ(repair.first_byte, 0xE9);
  EXPECT_EQ(repair.first_line, 1u);
  EXPECT_EQ(repair.record, "\"id\": \"abc\"");
  EXPECT_EQ(latin1, "{\"id\": \"abc\", \"name\": \"Kenema \xF3\xB0\x83\xA9t\xF3\xB0\x83\xA9\"}");
  EXPECT_EQ(FirstInvalidUtf8(latin1), std::nullopt);
  EXPECT_EQ(RecoverBytes(latin1), received);

  // An overlong form and a surrogate: every byte of the sequence, one code point each; a lone
  // continuation byte, a sequence cut short at the end, the highest byte.
  std::string mixed = "a\xC0\xAF b\xED\xA0\x80 \x80\xFF z\xE2\x82";
  std::string mixed_received = mixed;
  EXPECT_EQ(RepairUtf8(mixed).bytes, 9u);
  EXPECT_EQ(mixed,
            "a\xF3\xB0\x83\x80\xF3\xB0\x82\xAF b\xF3\xB0\x83\xAD\xF3\xB0\x82\xA0\xF3\xB0\x82\x80 "
            "\xF3\xB0\x82\x80\xF3\xB0\x83\xBF z\xF3\xB0\x83\xA2\xF3\xB0\x82\x82");
  EXPECT_EQ(RecoverBytes(mixed), mixed_received);
  EXPECT_EQ(RecoverBytes(valid), valid);
}

// An export folder's file with Latin-1 bytes lands, the bytes kept (recoverable), nothing refused.
TEST(InvalidUtf8Test, AnExportFileWithBadBytesLandsAsReceived) {
  fs::path dir =
      fs::temp_directory_path() / fmt::format("dhl_invalid_utf8_{}_{}", ::getpid(), std::rand());
  fs::create_directories(dir / "export");
  std::ofstream(dir / "export" / "events.json")
      << "{\"events\": [{\"event\": \"QsAhMiZtnl2\", \"orgUnit\": \"DiszpKrYNg8\", "
         "\"dataValues\": [{\"dataElement\": \"qrur9Dvnyt5\", \"value\": \"Bo \xE9t\xE9\"}]}]}";
  std::ofstream(dir / "export" / "values.csv")
      << "dataelement,period,orgunit,catoptcombo,attroptcombo,value,storedby,lastupdated,comment\n"
         "fbfJHSPpUQD,202306,uNEhNuBUr0i,pq2XI5kz2BY,HllvX50cXC0,10,admin,"
         "2023-07-01T10:00:00.000,caf\xE9\n";
  Secrets secrets;
  secrets.hash_key = std::string(64, 'a');
  ExportFolderSource source((dir / "lake").string(), (dir / "export").string(), ExtractOptions{},
                            secrets, SystemClock::Instance(), false);
  Result<ExtractSummary> summary = source.Run();
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  auto database = engine::Database::Open();
  ASSERT_TRUE(database.ok());
  auto connection = database->Connect();
  ASSERT_TRUE(connection.ok());
  lake::LakeCatalog catalog((dir / "lake").string());
  ASSERT_TRUE(catalog.RegisterAll(*connection).ok());
  auto text = [&](const std::string& sql) {
    auto result = connection->Query(sql);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() && result->row_count() == 1 ? result->GetString(0, 0).value_or("") : "";
  };
  EXPECT_EQ(RecoverBytes(text("SELECT dataValues FROM bronze.event")),
            "[{\"dataElement\":\"qrur9Dvnyt5\",\"value\":\"Bo \xE9t\xE9\"}]");
  EXPECT_EQ(RecoverBytes(text("SELECT comment FROM bronze.data_value")), "caf\xE9");
  EXPECT_EQ(text("SELECT value FROM bronze.data_value"), "10");
  // The repaired copy DuckDB read is gone.
  for (const auto& entry : fs::directory_iterator(dir / "lake" / "_system" / "tmp")) {
    EXPECT_EQ(entry.path().filename().string().rfind("utf8-repaired-", 0), std::string::npos)
        << entry.path();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dhl::source
