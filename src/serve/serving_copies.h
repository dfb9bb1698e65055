// Sorted copies of the gold tables analytics reads by key, so that an uncached answer reads a few
// row groups instead of scanning the table. Gold Parquet files are written in no particular order:
// every row group holds every indicator and org unit, so a request for two indicators at one
// district's units scans about half of gold.indicator_value (1.2 million rows at medium scale).
// A copy is a DuckDB database file holding the rows of one table version (one table `rows`, the
// view's columns and types) ordered by `order_by` (the request's key, period, org unit), so that
// DuckDB's zone maps skip all but the rows asked for. The rows are sorted in ranges of the key of
// about rows_per_sort rows each (one sort of a whole medium-scale gold.aggregate, 15.6 million
// rows, ran out of a 2 GB memory limit).
//
// Copies are built on a background thread, one at a time, from the snapshot a generation holds,
// into `dir` (created; removed with the ServingCopies): until a table version's copy is ready,
// requests read the Delta table's Parquet files as before. Find() answers the ready copy of a table
// version and schedules the build of a missing one; epoch() changes whenever a copy becomes ready,
// so that LakeViews builds a generation that reads it. A build that fails is logged and not retried
// for that version. Once a newer version's copy is ready the older file is deleted (generations
// that attached it keep reading it through their open handle).
//
// Thread safety: every method may be called from several threads at once.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "engine/connection.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "lake/snapshot.h"

namespace dhl::serve {

struct ServingCopiesOptions {
  std::string dir;  // where copy files go (created; removed at destruction)
  // The tables to copy and the ORDER BY list of each.
  std::map<lake::TableName, std::string> order_by;
  engine::DatabaseOptions engine;  // the builder's database (threads, memory limit)
  // Rows one sort holds at most: a table is copied in ranges of its first ORDER BY column (text)
  // holding about this many rows each (a single key value may hold more), one sort per range.
  int64_t rows_per_sort = 2'000'000;
  // Rows per row group of the copy (DuckDB's default is 122,880): the unit its zone maps skip.
  int64_t row_group_size = 8192;
};

class ServingCopies {
 public:
  ServingCopies(const lake::LakeCatalog& catalog, ServingCopiesOptions options);
  ~ServingCopies();
  ServingCopies(const ServingCopies&) = delete;
  ServingCopies& operator=(const ServingCopies&) = delete;

  // Whether `table` is one this copies.
  bool Copies(const lake::TableName& table) const;
  // The file of the ready copy of `table` at `snapshot`'s version; std::nullopt (and a build is
  // queued unless one ran) when there is none. Queued builds start at StartQueued (so that the
  // smallest of those a generation queues goes first).
  std::optional<std::string> Find(const lake::TableName& table,
                                  const std::shared_ptr<const lake::Snapshot>& snapshot);
  void StartQueued();
  // Changes each time a copy becomes ready.
  int64_t epoch() const;
  // Blocks until no build is queued or running; for tests and benches.
  void WaitIdle();

 private:
  struct Job {
    lake::TableName table;
    std::shared_ptr<const lake::Snapshot> snapshot;
  };
  void Work();
  Status Build(const Job& job, const std::string& file);
  // Writes the rows of view main.source into table `rows` of a new database `file`, in order.
  Status Copy(engine::Connection& connection, const lake::TableName& table,
              const std::string& file);
  std::string FileOf(const lake::TableName& table, int64_t version) const;

  const lake::LakeCatalog& catalog_;
  ServingCopiesOptions options_;
  bool usable_ = true;  // false when `dir` could not be created
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Job> queue_;
  bool busy_ = false;
  engine::Connection* building_ = nullptr;  // the build's connection while it runs
  bool stopping_ = false;
  int64_t epoch_ = 0;
  std::map<lake::TableName, std::pair<int64_t, std::string>> ready_;  // table -> version, file
  std::set<std::pair<lake::TableName, int64_t>> tried_;  // versions queued, built or failed
  std::thread worker_;
};

}  // namespace dhl::serve
