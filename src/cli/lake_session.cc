#include "cli/lake_session.h"

#include <filesystem>
#include <system_error>

#include "engine/memory_limit.h"

namespace dhl::cli {

LakeSession::LakeSession(engine::Database database, engine::Connection connection,
                         std::string lake_dir)
    : database_(std::move(database)),
      connection_(std::move(connection)),
      catalog_(std::move(lake_dir)) {}

Result<LakeSession> LakeSession::Open(const std::string& lake_dir, bool register_tables,
                                      int64_t memory_limit_bytes) {
  engine::DatabaseOptions options = engine::ModelEngineOptions(lake_dir, memory_limit_bytes);
  // Readers keep the order a query's files give when it says no ORDER BY.
  options.preserve_insertion_order.reset();
  std::error_code error;
  if (!std::filesystem::is_directory(lake_dir, error) ||
      (!std::filesystem::create_directories(engine::SpillDirectory(lake_dir), error) && error)) {
    options.temp_directory.reset();  // no lake (yet), or a read-only one: DuckDB's default
  }
  DHL_ASSIGN_OR_RETURN(engine::Database database, engine::Database::Open(options));
  DHL_ASSIGN_OR_RETURN(engine::Connection connection, database.Connect());
  LakeSession session(std::move(database), std::move(connection), lake_dir);
  if (register_tables) {
    DHL_ASSIGN_OR_RETURN(session.skipped_, session.catalog_.RegisterAll(session.connection()));
  }
  return session;
}

}  // namespace dhl::cli
