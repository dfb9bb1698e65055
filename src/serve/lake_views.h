// The lake as the server reads it: an in-memory DuckDB holding one view `layer.name` per table at
// the version that was current when the generation was built. Once its views exist a generation
// disables external access (only the snapshots' own data files stay readable, through
// allowed_paths) and locks its configuration, so that SQL run on it cannot read other files, change
// settings or attach databases.
//
// A generation holds two databases with the same views: one for analytics and the server's own
// queries (Lease), one for callers' SQL (LeaseSql). Every connection to one DuckDB database shares
// its catalog, so SQL that slipped past /api/sql's checks could still not change the views
// analytics reads. Each database gets the memory limit and thread count of LakeViewsOptions. The
// SQL database is built on the generation's first LeaseSql (from the snapshots the generation
// holds), so that commits followed only by analytics requests build one database, not two.
//
// LakeViews hands out the current generation; Current() first compares every table's latest
// version (a listing of each `_delta_log`) with the generation's and builds a new generation when a
// table was added, removed or committed to (a generation already newer than a request's listing
// serves it). A build loads only the snapshots of tables whose
// version changed (the others are kept from the previous build) and runs outside LakeViews' lock:
// requests that list the generation's versions get it at once, only those that list newer ones
// wait for the one build in flight (a request never reads a lake older than its start). Requests
// keep their generation (a shared_ptr) for their whole run, so a writer committing meanwhile never
// changes what they read. A table that cannot be loaded is skipped with a warning and remembered
// with its listed version, so that it makes no rebuild until it gets another version.
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
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/connection.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "lake/snapshot.h"
#include "serve/serving_copies.h"

namespace dhl::serve {

// Table -> its Delta version.
using TableVersions = std::map<lake::TableName, int64_t>;
// Table -> its loaded snapshot (shared between generations that hold the same version).
using TableSnapshots = std::map<lake::TableName, std::shared_ptr<const lake::Snapshot>>;

class LakeGeneration;

struct LakeViewsOptions {
  engine::DatabaseOptions analytics;  // the database analytics (and the server's routes) read
  engine::DatabaseOptions sql;        // the database /api/sql runs on
  // Sorted copies (serving_copies.h) that the analytics database reads instead of those tables'
  // Parquet files once they are ready; none when unset.
  std::optional<ServingCopiesOptions> copies;
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
  // skipped()). A snapshot of `known` at a table's listed version is used instead of loading it.
  // Where `copies` has a ready sorted copy of a table version, the analytics database reads it
  // (attached read-only) instead of the Parquet files.
  static Result<std::shared_ptr<LakeGeneration>> Build(const lake::LakeCatalog& catalog,
                                                       const TableVersions& listed,
                                                       const LakeViewsOptions& options = {},
                                                       const TableSnapshots& known = {},
                                                       ServingCopies* copies = nullptr);

  const TableVersions& versions() const { return versions_; }
  // The version of `table` in this generation, std::nullopt when the table is not in it.
  std::optional<int64_t> VersionOf(const lake::TableName& table) const;
  // Commit time (ms since the epoch) of each table's current version.
  const std::map<lake::TableName, int64_t>& commit_times_ms() const { return commit_times_ms_; }

  // Tables listed at build that could not be loaded, with their listed versions.
  const TableVersions& skipped() const { return skipped_; }
  // The snapshots the views read.
  const TableSnapshots& snapshots() const { return snapshots_; }
  // Whether this generation serves a request that listed `listed`: the same tables, each at the
  // listed version or a later one (a skipped table counting at the version it was listed with).
  bool Covers(const TableVersions& listed) const;
  // Whether the SQL database has been built (by a LeaseSql); for tests.
  bool sql_database_built() const;
  // The tables whose analytics view reads a sorted copy; for tests.
  const std::set<lake::TableName>& copied() const { return copied_; }
  // ServingCopies::epoch() when the build began.
  int64_t copies_epoch() const { return copies_epoch_; }

  // A connection of this generation's analytics database (a pooled one, or a new one).
  Result<ConnectionLease> Lease();
  // A connection of this generation's SQL database (for callers' queries).
  Result<ConnectionLease> LeaseSql();

 private:
  friend class ConnectionLease;
  LakeGeneration() = default;
  void Return(std::unique_ptr<engine::Connection> connection, bool sql);
  Result<ConnectionLease> LeaseFrom(bool sql);
  // Builds the SQL database's views once (under sql_build_mutex_).
  Status BuildSqlDatabase();

  const lake::LakeCatalog* catalog_ = nullptr;  // outlives the generation (LakeViews owns it)
  LakeViewsOptions options_;
  std::optional<engine::Database> database_;
  std::optional<engine::Database> sql_database_;
  TableVersions versions_;
  TableVersions skipped_;
  TableSnapshots snapshots_;
  std::vector<std::string> readable_files_;  // the snapshots' data files
  std::set<lake::TableName> copied_;
  int64_t copies_epoch_ = 0;
  std::map<lake::TableName, int64_t> commit_times_ms_;
  mutable std::mutex sql_build_mutex_;
  bool sql_built_ = false;
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
  // The sorted copies, when LakeViewsOptions asked for them.
  ServingCopies* copies() { return copies_.get(); }
  // Generations built so far; for tests.
  int64_t builds() const;

 private:
  lake::LakeCatalog catalog_;
  LakeViewsOptions options_;
  std::unique_ptr<ServingCopies> copies_;  // after catalog_, which it reads
  int64_t builds_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable built_;  // a build in flight ended
  bool building_ = false;          // one build at a time, outside mutex_
  std::shared_ptr<LakeGeneration> current_;
};

}  // namespace dhl::serve
