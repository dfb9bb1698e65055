// The lake as the server reads it: an in-memory DuckDB holding one view `layer.name` per table at
// the version that was current when the generation was built. Once its views exist a generation
// disables external access (only the snapshots' own data files stay readable, through
// allowed_paths) and locks its configuration, so that SQL run on it cannot read other files, change
// settings or attach databases.
//
// A generation holds two databases with the same views: one for analytics and the server's own
// queries (Lease), one for callers' SQL (LeaseSql). Every connection to one DuckDB database shares
// its catalog, so SQL that slipped past /api/sql's checks could still not change the views
// analytics reads. Each database gets the memory limit and thread count of LakeViewsOptions.
//
// LakeViews hands out the current generation; Current() first compares every table's latest
// version (a listing of each `_delta_log`) with the generation's and builds a new generation when a
// table was added, removed or committed to. Requests keep their generation (a shared_ptr) for their
// whole run, so a writer committing meanwhile never blocks them nor changes what they read. A table
// that cannot be loaded is skipped with a warning and remembered with its listed version, so that
// it makes no rebuild until it gets another version.
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

struct LakeViewsOptions {
  engine::DatabaseOptions analytics;  // the database analytics (and the server's routes) read
  engine::DatabaseOptions sql;        // the database /api/sql runs on
};

// A connection borrowed from a generation's pool; returned to it on destruction.
class ConnectionLease {
 public:
  ConnectionLease(std::shared_ptr<LakeGeneration> generation, std::unique_ptr<engine::Connection> c,
                  bool sql);
  ConnectionLease(ConnectionLease&&) noexcept = default;
  ConnectionLease& operator=(ConnectionLease&&) noexcept = default;
  ~ConnectionLease();
  engine::Connection& operator*() { return *connection_; }
  engine::Connection* operator->() { return connection_.get(); }

 private:
  std::shared_ptr<LakeGeneration> generation_;
  std::unique_ptr<engine::Connection> connection_;
  bool sql_ = false;
};

class LakeGeneration : public std::enable_shared_from_this<LakeGeneration> {
 public:
  // Registers every table of `catalog` in a fresh in-memory database, then locks it down. Tables
  // that fail to load are skipped with a warning (as LakeCatalog::RegisterAll does).
  // `listed` is the listing the build answers (the versions of tables that fail to load are kept as
  // skipped()).
  static Result<std::shared_ptr<LakeGeneration>> Build(const lake::LakeCatalog& catalog,
                                                       const TableVersions& listed,
                                                       const LakeViewsOptions& options = {});

  const TableVersions& versions() const { return versions_; }
  // The version of `table` in this generation, std::nullopt when the table is not in it.
  std::optional<int64_t> VersionOf(const lake::TableName& table) const;
  // Commit time (ms since the epoch) of each table's current version.
  const std::map<lake::TableName, int64_t>& commit_times_ms() const { return commit_times_ms_; }

  // Tables listed at build that could not be loaded, with their listed versions.
  const TableVersions& skipped() const { return skipped_; }

  // A connection of this generation's analytics database (a pooled one, or a new one).
  Result<ConnectionLease> Lease();
  // A connection of this generation's SQL database (for callers' queries).
  Result<ConnectionLease> LeaseSql();

 private:
  friend class ConnectionLease;
  LakeGeneration() = default;
  void Return(std::unique_ptr<engine::Connection> connection, bool sql);
  Result<ConnectionLease> LeaseFrom(bool sql);

  std::optional<engine::Database> database_;
  std::optional<engine::Database> sql_database_;
  TableVersions versions_;
  TableVersions skipped_;
  std::map<lake::TableName, int64_t> commit_times_ms_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<engine::Connection>> idle_;
  std::vector<std::unique_ptr<engine::Connection>> idle_sql_;
};

class LakeViews {
 public:
  explicit LakeViews(std::string lake_dir, LakeViewsOptions options = {});

  // The generation matching the lake's current table versions (built when they changed).
  Result<std::shared_ptr<LakeGeneration>> Current();
  // The latest version of every table of the lake (listing only; no snapshot is loaded).
  Result<TableVersions> ListVersions() const;
  const lake::LakeCatalog& catalog() const { return catalog_; }
  // Generations built so far; for tests.
  int64_t builds() const;

 private:
  lake::LakeCatalog catalog_;
  LakeViewsOptions options_;
  int64_t builds_ = 0;
  mutable std::mutex mutex_;  // serialises rebuilds
  std::shared_ptr<LakeGeneration> current_;
};

}  // namespace dhl::serve
