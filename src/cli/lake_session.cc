#include "cli/lake_session.h"

#include <filesystem>
#include <system_error>

#include "engine/memory_limit.h"

namespace dhl::cli {

LakeSession::LakeSession(std::optional<engine::SpillFolder> spill, engine::Database database,
                         engine::Connection connection, std::string lake_dir)
    : spill_(std::move(spill)),
      database_(std::move(database)),
      connection_(std::move(connection)),
      catalog_(std::move(lake_dir)) {}

Result<LakeSession> LakeSession::Open(const std::string& lake_dir, bool register_tables,
                                      int64_t memory_limit_bytes) {
  engine::DatabaseOptions options = engine::ModelEngineOptions(lake_dir, memory_limit_bytes);
  // Readers keep the order a query's files give when it says no ORDER BY.
  options.preserve_insertion_order.reset();
  std::optional<engine::SpillFolder> spill;
  std::error_code error;
  if (std::filesystem::is_directory(lake_dir, error)) {
    auto claimed = engine::SpillFolder::Claim(lake_dir);
    if (claimed.ok()) spill = std::move(*claimed);
  }
  if (spill.has_value()) {
    options.temp_directory = spill->path();
  } else {
    options.temp_directory.reset();  // no lake (yet), or a read-only one: DuckDB's default
  }
  DHL_ASSIGN_OR_RETURN(engine::Database database, engine::Database::Open(options));
  DHL_ASSIGN_OR_RETURN(engine::Connection connection, database.Connect());
  LakeSession session(std::move(spill), std::move(database), std::move(connection), lake_dir);
  if (register_tables) {
    DHL_ASSIGN_OR_RETURN(session.skipped_, session.catalog_.RegisterAll(session.connection()));
  }
  return session;
}

}  // namespace dhl::cli
