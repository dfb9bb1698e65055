// What every command that reads the lake needs: an in-memory DuckDB with every table of the lake
// registered as a view `layer.table` at its latest version. Each process opens its own, so readers
// never block each other or a writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/connection.h"
#include "engine/database.h"
#include "engine/spill_folder.h"
#include "lake/lake_catalog.h"

namespace dhl::cli {

class LakeSession {
 public:
  // Opens the engine, bounded to `memory_limit_bytes` (0 = engine::DefaultMemoryLimitBytes()) and
  // spilling into a folder of its own under `<lake_dir>/_system/tmp` (engine::SpillFolder) when
  // the lake folder exists and is writable; registers the lake's tables when `register_tables`.
  static Result<LakeSession> Open(const std::string& lake_dir, bool register_tables,
                                  int64_t memory_limit_bytes = 0);

  engine::Connection& connection() { return *connection_; }
  lake::LakeCatalog& catalog() { return catalog_; }
  // Tables that could not be registered (with the reason), already logged as warnings.
  const std::vector<std::string>& skipped() const { return skipped_; }

 private:
  LakeSession(std::optional<engine::SpillFolder> spill, engine::Database database,
              engine::Connection connection, std::string lake_dir);
  std::optional<engine::SpillFolder> spill_;  // outlives the engine spilling into it
  engine::Database database_;
  std::optional<engine::Connection> connection_;
  lake::LakeCatalog catalog_;
  std::vector<std::string> skipped_;
};

}  // namespace dhl::cli
