// libFuzzer entry for the Delta checkpoint reader: the input is written as the only file of a
// table's log, `_delta_log/00000000000000000000.checkpoint.parquet`, and the table is loaded.
// DuckDB reads the Parquet; our code reads its column types, the add/remove/metaData/protocol rows,
// partition values and the schema string. Any input must load or fail cleanly with a message.
// Seeds are real checkpoints (tests/data/delta), so the run needs -max_len above their ~16 KiB.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/logging.h"
#include "engine/database.h"
#include "lake/delta_log.h"
#include "lake/file_system.h"

namespace {

struct Fixture {
  std::filesystem::path table;
  dhl::engine::Database database;
  dhl::engine::Connection connection;
};

std::filesystem::path TablePath() {
  return std::filesystem::temp_directory_path() /
         ("dhl_checkpoint_fuzz_" + std::to_string(::getpid()));
}

Fixture& TheFixture() {
  static Fixture* fixture = [] {
    // The reader warns on every unreadable checkpoint: only errors are worth printing here.
    dhl::InitLogging(dhl::LogLevel::kError, dhl::LogFormat::kText);
    std::filesystem::path table = TablePath();
    std::filesystem::create_directories(table / "_delta_log");
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(TablePath(), ignored);
    });
    dhl::engine::Database database = dhl::engine::Database::Open().value();
    dhl::engine::Connection connection = database.Connect().value();
    return new Fixture{table, std::move(database), std::move(connection)};
  }();
  return *fixture;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Fixture& fixture = TheFixture();
  {
    std::ofstream out(fixture.table / "_delta_log" / "00000000000000000000.checkpoint.parquet",
                      std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  dhl::lake::LocalFileSystem file_system;
  dhl::lake::DeltaLog log(fixture.table.string(), file_system, dhl::SystemClock::Instance());
  dhl::Result<dhl::lake::Snapshot> snapshot = log.Load(fixture.connection);
  if (!snapshot.ok() && snapshot.status().message().empty()) {
    std::abort();
  }
  if (snapshot.ok() && snapshot->version != 0) {
    std::abort();
  }
  return 0;
}
