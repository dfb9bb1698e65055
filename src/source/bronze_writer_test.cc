// BronzeWriter::CommitBatch on CSV chunks: the files of a batch read together (one read_csv per
// header), each row keeping the chunk it came from, files with another header, header-only files
// and files holding ill-formed UTF-8 in the same batch.
#include "source/bronze_writer.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "base/clock.h"
#include "engine/database.h"
#include "lake/delta_table.h"
#include "lake/lake_catalog.h"
#include "source/landing_file.h"

namespace dhl::source {
namespace {

namespace fs = std::filesystem;

fs::path TempDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() /
                 fmt::format("dhl_bronze_writer_{}_{}_{}", name, ::getpid(), std::rand());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

constexpr const char* kHeader =
    "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,created,"
    "lastupdated,comment,followup,deleted\n";

class BronzeWriterTest : public ::testing::Test {
 protected:
  BronzeWriterTest()
      : lake_(TempDir("lake")),
        database_(engine::Database::Open().value()),
        connection_(database_.Connect().value()),
        catalog_(lake_.string()),
        writer_(connection_, catalog_, clock_) {
    plan_.run_id = "run-1";
    plan_.resource = "data_value";
    plan_.source = "http://test";
    plan_.server_time_zone = "Africa/Nairobi";  // UTC+3 all year
    for (int i = 1; i <= 4; ++i) {
      Chunk chunk;
      chunk.sequence = i;
      chunk.id = fmt::format("data_value/{:06d}", i);
      chunk.table = "data_value";
      chunk.format = ChunkFormat::kCsv;
      plan_.chunks.push_back(chunk);
    }
  }
  ~BronzeWriterTest() override { fs::remove_all(lake_); }

  std::string Land(int sequence, const std::string& body) {
    std::string path = (lake_ / fmt::format("landing/{:06d}.csv", sequence)).string();
    EXPECT_TRUE(WriteFileAtomically(path, body).ok());
    return path;
  }

  // Rows of bronze.data_value as "chunk|dataElement|period|value|comment|lastUpdated (UTC)".
  std::vector<std::string> Rows() {
    EXPECT_TRUE(catalog_.RegisterAll(connection_).ok());
    auto result = connection_.Query(
        "SELECT _chunk || '|' || dataElement || '|' || period || '|' || coalesce(value, '') || "
        "'|' || coalesce(comment, '') || '|' || coalesce(strftime(timezone('UTC', lastUpdated), "
        "'%Y-%m-%d %H:%M:%S'), '') FROM bronze.data_value ORDER BY 1");
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    std::vector<std::string> rows;
    for (size_t i = 0; result.ok() && i < result->row_count(); ++i) {
      rows.push_back(result->GetString(0, i).value_or("?"));
    }
    return rows;
  }

  fs::path lake_;
  engine::Database database_;
  engine::Connection connection_;
  lake::LakeCatalog catalog_;
  FakeClock clock_{1721995200000};
  BronzeWriter writer_;
  ExtractionPlan plan_;
};

TEST_F(BronzeWriterTest, ABatchOfCsvChunksKeepsEachRowsChunk) {
  std::vector<BronzeWriter::ChunkFiles> batch = {
      {&plan_.chunks[0],
       {Land(1, std::string(kHeader) +
                    "de1,202401,ou1,coc,aoc,5,admin,2024-01-02T00:00:00.000,"
                    "2024-03-01T10:00:00.000,,false,false\n"
                    "de2,202401,ou1,coc,aoc,6,admin,,2024-03-01T10:00:00.000Z,,,\n")}},
      // Same header; a comment holding the byte 0xFF (not UTF-8): the file is read repaired.
      {&plan_.chunks[1],
       {Land(2,
             std::string(kHeader) +
                 "de3,202402,ou2,coc,aoc,7,admin,,2024-03-01T10:00:00.000-05:00,bad \xFF byte,,\n" +
                 "de4,202402,ou2,coc,aoc,8,admin,,2024-03-01T10:00:00.000+0100,,,\n")}},
      // A header alone: no rows.
      {&plan_.chunks[2], {Land(3, kHeader)}},
      // Another header: other columns, in another order, quoted (read by DuckDB's sniffer).
      {&plan_.chunks[3],
       {Land(4,
             "\"period\",\"value\",\"dataelement\",\"orgunit\",\"lastupdated\"\n"
             "202403,9,de5,ou3,2024-03-01T23:30:00.000\n")}},
  };
  Result<BatchResult> written = writer_.CommitBatch(plan_, batch, nullptr);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->records, 5);
  EXPECT_FALSE(written->already_committed);
  // Nairobi's 10:00 is 07:00 UTC; a Z time is UTC; a time with an offset is read with it
  // (-05:00: 15:00 UTC, +0100: 09:00 UTC); 23:30 in Nairobi is 20:30 UTC the same day.
  // 0xFF is repaired to U+F00FF (bytes F3 B0 83 BF).
  EXPECT_EQ(Rows(),
            (std::vector<std::string>{
                "data_value/000001|de1|202401|5||2024-03-01 07:00:00",
                "data_value/000001|de2|202401|6||2024-03-01 10:00:00",
                "data_value/000002|de3|202402|7|bad \xF3\xB0\x83\xBF byte|2024-03-01 15:00:00",
                "data_value/000002|de4|202402|8||2024-03-01 09:00:00",
                "data_value/000004|de5|202403|9||2024-03-01 20:30:00",
            }));
  EXPECT_EQ(writer_.CommittedSequence("data_value", "run-1").ValueOr(-1), 4);
  // The same batch again is already committed: nothing written twice.
  Result<BatchResult> again = writer_.CommitBatch(plan_, batch, nullptr);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->already_committed);
  EXPECT_EQ(Rows().size(), 5u);
}

// A JSON batch larger than the writer holds at once (16 MB of landed files) is written in pieces:
// every record once, with its chunk, in ONE commit of several data files.
TEST_F(BronzeWriterTest, ALargeJsonBatchIsWrittenInPiecesInOneCommit) {
  ExtractionPlan plan;
  plan.run_id = "run-2";
  plan.resource = "min_max_data_element";
  plan.source = "http://test";
  for (int i = 1; i <= 3; ++i) {
    Chunk chunk;
    chunk.sequence = i;
    chunk.id = fmt::format("min_max_data_element/{:06d}", i);
    chunk.table = "min_max_data_element";
    chunk.records_key = "minMaxDataElements";
    plan.chunks.push_back(chunk);
  }
  // Three files of 50,000 ranges (7-8 MiB each): the first two fit one piece, the third not.
  constexpr int kPerFile = 50000;
  std::vector<BronzeWriter::ChunkFiles> batch;
  for (int i = 1; i <= 3; ++i) {
    std::string body = "{\"minMaxDataElements\":[";
    for (int r = 0; r < kPerFile; ++r) {
      body += fmt::format(
          "{}{{\"source\":{{\"id\":\"ou{:07d}\"}},\"dataElement\":{{\"id\":\"de{}\"}},"
          "\"optionCombo\":{{\"id\":\"cocAAAAAAAA\"}},\"min\":{},\"max\":{},"
          "\"generated\":false,\"padding\":\"{}\"}}",
          r == 0 ? "" : ",", r, i, r, r + 10, std::string(10, 'x'));
    }
    body += "]}";
    std::string path = (lake_ / fmt::format("landing/mm{}.json", i)).string();
    ASSERT_TRUE(WriteFileAtomically(path, body).ok());
    ASSERT_GT(body.size(), 7u << 20);
    ASSERT_LT(body.size(), 8u << 20);
    batch.push_back({&plan.chunks[static_cast<size_t>(i - 1)], {path}});
  }
  Result<BatchResult> written = writer_.CommitBatch(plan, batch, nullptr);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->records, 3 * kPerFile);
  ASSERT_TRUE(catalog_.RegisterAll(connection_).ok());
  auto counts = connection_.Query(
      "SELECT _chunk, count(*), count(DISTINCT source), min(CAST(max AS INTEGER)) FROM "
      "bronze.min_max_data_element GROUP BY 1 ORDER BY 1");
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  ASSERT_EQ(counts->row_count(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(counts->GetString(0, i).value_or("?"),
              fmt::format("min_max_data_element/{:06d}", i + 1));
    EXPECT_EQ(counts->GetInt64(1, i).value_or(-1), kPerFile);
    EXPECT_EQ(counts->GetInt64(2, i).value_or(-1), kPerFile);
    EXPECT_EQ(counts->GetInt64(3, i).value_or(-1), 10);
  }
  // One commit (version 0) holding the pieces' files.
  lake::DeltaTable table = catalog_.Table({"bronze", "min_max_data_element"});
  auto snapshot = table.Load(connection_);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  EXPECT_EQ(snapshot->version, 0);
  EXPECT_GE(snapshot->files.size(), 2u);
  EXPECT_EQ(writer_.CommittedSequence("min_max_data_element", "run-2").ValueOr(-1), 3);
  Result<BatchResult> again = writer_.CommitBatch(plan, batch, nullptr);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->already_committed);
}

}  // namespace
}  // namespace dhl::source
