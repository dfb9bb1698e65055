// The lake as the server reads it: an in-memory DuckDB holding one view `layer.name` per table at
// the version that was current when the generation was built. Once its views exist a generation
// disables external access (only the snapshots' own data files stay readable, through
// allowed_paths) and locks its configuration, so that SQL run on it cannot read other files, change
// settings or attach databases.
//
// LakeViews hands out the current generation; Current() first compares every table's latest
// version (a listing of each `_delta_log`) with the generation's and builds a new generation when a
// table was added, removed or committed to. Requests keep their generation (a shared_ptr) for their
// whole run, so a writer committing meanwhile never blocks them nor changes what they read.
//
// Thread safety: LakeViews and LakeGeneration are safe to use from several threads; a leased
// Connection is used by one thread at a time.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/connection.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"

namespace dhl::serve {

// Table -> its Delta version.
using TableVersions = std::map<lake::TableName, int64_t>;

class LakeGeneration;

// A connection borrowed from a generation's pool; returned to it on destruction.
class ConnectionLease {
 public:
  ConnectionLease(std::shared_ptr<LakeGeneration> generation,
                  std::unique_ptr<engine::Connection> c);
  ConnectionLease(ConnectionLease&&) noexcept = default;
  ConnectionLease& operator=(ConnectionLease&&) noexcept = default;
  ~ConnectionLease();
  engine::Connection& operator*() { return *connection_; }
  engine::Connection* operator->() { return connection_.get(); }

 private:
  std::shared_ptr<LakeGeneration> generation_;
  std::unique_ptr<engine::Connection> connection_;
};

class LakeGeneration : public std::enable_shared_from_this<LakeGeneration> {
 public:
  // Registers every table of `catalog` in a fresh in-memory database, then locks it down. Tables
  // that fail to load are skipped with a warning (as LakeCatalog::RegisterAll does).
  static Result<std::shared_ptr<LakeGeneration>> Build(const lake::LakeCatalog& catalog);

  const TableVersions& versions() const { return versions_; }
  // The version of `table` in this generation, std::nullopt when the table is not in it.
  std::optional<int64_t> VersionOf(const lake::TableName& table) const;
  // Commit time (ms since the epoch) of each table's current version.
  const std::map<lake::TableName, int64_t>& commit_times_ms() const { return commit_times_ms_; }

  // A connection of this generation (a pooled one, or a new one).
  Result<ConnectionLease> Lease();

 private:
  friend class ConnectionLease;
  LakeGeneration() = default;
  void Return(std::unique_ptr<engine::Connection> connection);

  std::optional<engine::Database> database_;
  TableVersions versions_;
  std::map<lake::TableName, int64_t> commit_times_ms_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<engine::Connection>> idle_;
};

class LakeViews {
 public:
  explicit LakeViews(std::string lake_dir);

  // The generation matching the lake's current table versions (built when they changed).
  Result<std::shared_ptr<LakeGeneration>> Current();
  // The latest version of every table of the lake (listing only; no snapshot is loaded).
  Result<TableVersions> ListVersions() const;
  const lake::LakeCatalog& catalog() const { return catalog_; }

 private:
  lake::LakeCatalog catalog_;
  std::mutex mutex_;  // serialises rebuilds
  std::shared_ptr<LakeGeneration> current_;
};

}  // namespace dhl::serve
