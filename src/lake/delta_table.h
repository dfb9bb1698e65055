// A Delta table we read and write (docs/delta.md): writes from a DuckDB query (create, append,
// overwrite, replace partitions, with `txn` idempotency and optimistic concurrency), snapshots and
// time travel, exposing a snapshot to SQL as a view, history, vacuum and optimize.
//
// A DeltaTable holds references to a FileSystem and a Clock that must outlive it. Every operation
// takes the caller's Connection and uses it only during the call; the SQL of a write's input runs
// on that connection (so it may read the caller's temporary tables). Not thread-safe; several
// processes may write one table at once (commits are put-if-absent and conflicts are checked).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "engine/connection.h"
#include "lake/delta_log.h"
#include "lake/file_filter.h"
#include "lake/file_system.h"
#include "lake/snapshot.h"
#include "lake/writer_registry.h"

namespace dhl::lake {

enum class WriteMode {
  kCreate,             // the table must not exist
  kAppend,             // creates the table when it does not exist
  kOverwrite,          // replaces every row (and may change the schema); creates when missing
  kReplacePartitions,  // replaces the rows of `replace_partitions` (replaceWhere)
};

inline constexpr int64_t kDefaultTargetFileSize = 128LL * 1024 * 1024;
// Writes adding fewer bytes take their file statistics by reading the files, not from the footers
// (DataFileWriter::ComputeStatistics: the footer query costs about half a CPU second at any size).
inline constexpr int64_t kFooterStatisticsMinimumBytes = 16LL * 1024 * 1024;

struct WriteOptions {
  WriteMode mode = WriteMode::kAppend;
  // Partition columns when the write creates the table or overwrites it; ignored (must be empty or
  // equal to the table's) otherwise.
  std::vector<std::string> partition_columns;
  // For kReplacePartitions: the partition tuples whose rows are replaced (values as the log writes
  // them, docs §5). Every input row must belong to one of them.
  std::vector<PartitionValues> replace_partitions;
  // Application transactions committed with the data (distinct appIds). When every one is already
  // committed at this version or later, the write does nothing and reports already_committed.
  std::vector<Transaction> transactions;
  // Table configuration when the write creates the table (e.g. {"delta.appendOnly","true"}).
  std::map<std::string, std::string> configuration;
  int64_t target_file_size = kDefaultTargetFileSize;
  int64_t footer_statistics_minimum_bytes = kFooterStatisticsMinimumBytes;
  // Commits N with N % interval == 0 write a checkpoint (table's delta.checkpointInterval wins).
  int checkpoint_interval = 10;
  int max_commit_attempts = 100;
  // A guarded rewrite (kOverwrite of an existing table only): when not empty, the overwrite is
  // accepted on an append-only table, must keep the table's schema and partitioning, and is
  // recorded in the history under this operation name (e.g. "PURGE"). For rewrites that keep
  // every row and replace some values (`dhis2lake purge` hashing personal data in bronze); a
  // concurrent append makes it fail with a conflict rather than lose the appended rows.
  std::string rewrite_operation;
  // When set, called after the data files are written and before the commit with one SELECT over
  // the rows as the table will hold them (the new files, read as a scan of the table reads them).
  // When it returns false, or an error, the write is abandoned: its files are deleted, nothing is
  // committed, and the result says `abandoned` (the error is returned). For a rewrite that must not
  // commit when its rows equal the table's (the pipeline's `table` models), decided on the files
  // written once rather than on a materialised copy of the rows.
  std::function<Result<bool>(const std::string& written_rows)> before_commit;
  // A write in pieces (a model computed a share of its inputs at a time): when above 1, the input
  // SELECT runs `pieces` times, before_piece(i) called before run i (to point the views it reads
  // at piece i's rows), each run's rows written into the table's files as they come; one commit
  // then adds them all. A failing piece deletes the files written: nothing is committed.
  int pieces = 1;
  std::function<Status(int piece)> before_piece;
  // When set, called after before_commit, as it is, and chooses what the commit keeps: nullopt,
  // every file; otherwise only the files of the partitions listed (the others are deleted), the
  // write becoming a replace of those partitions (kReplacePartitions); an empty list abandons the
  // write as before_commit's false does.
  std::function<Result<std::optional<std::vector<PartitionValues>>>(
      const std::string& written_rows)>
      partitions_kept;
};

struct WriteResult {
  int64_t version = -1;  // the committed version (or the current one if already committed)
  bool already_committed = false;  // every txn was already in the table: nothing was written
  bool abandoned = false;  // before_commit said no: nothing committed, `version` the table's
  int64_t rows_written = 0;
  int64_t files_added = 0;
  int64_t files_removed = 0;
  int64_t bytes_written = 0;
  int attempts = 0;  // commit attempts (1 when no other writer interfered)
  // Data files whose statistics were computed by reading them, because their Parquet footers
  // could not give them exactly (DataFileWriter::ComputeStatistics); the others' came from footers.
  int64_t files_read_for_statistics = 0;
};

// The shortest retention vacuum accepts without `force` (Delta's
// spark.databricks.delta.retentionDurationCheck): 7 days.
inline constexpr std::chrono::hours kMinimumVacuumRetention{24 * 7};

struct VacuumOptions {
  std::chrono::milliseconds retention = kMinimumVacuumRetention;
  bool dry_run = false;
  // Accept a retention under kMinimumVacuumRetention (files older versions still need go; files of
  // running writers are kept all the same).
  bool force = false;
};

struct VacuumResult {
  std::vector<std::string> files;  // deleted (or, in a dry run, to delete): paths under the root
  int64_t bytes = 0;
};

struct OptimizeOptions {
  int64_t target_file_size = kDefaultTargetFileSize;
  int min_files = 2;  // a partition is compacted when it has at least this many small files
  // As in WriteOptions: the table's delta.checkpointInterval wins over checkpoint_interval.
  int checkpoint_interval = 10;
  int max_commit_attempts = 100;
};

struct OptimizeResult {
  std::optional<int64_t> version;  // nullopt when there was nothing to compact
  int64_t files_removed = 0;
  int64_t files_added = 0;
  int64_t partitions_compacted = 0;
};

// Which snapshot a read sees.
struct VersionSpec {
  std::optional<int64_t> version;       // time travel by version
  std::optional<int64_t> timestamp_ms;  // time travel by timestamp (docs §9)
};

class DeltaTable {
 public:
  // `root` is the table's folder. Nothing is read until an operation runs. `writers_folder`, when
  // not empty, is the lake's writer registry (WriterRegistry): writes register there while they
  // run, and vacuum keeps every file younger than the oldest registered writer's start.
  DeltaTable(std::string root, FileSystem& file_system = LocalFileSystem::Instance(),
             const Clock& clock = SystemClock::Instance(), std::string writers_folder = "");

  const std::string& root() const { return log_.table_root(); }
  bool Exists() const { return log_.Exists(); }
  DeltaLog& log() { return log_; }

  Result<Snapshot> Load(engine::Connection& connection, const VersionSpec& spec = {}) const;

  // Writes the rows of `input_sql` (one SELECT, run once on `connection`) as docs §6 says.
  Result<WriteResult> Write(engine::Connection& connection, std::string_view input_sql,
                            const WriteOptions& options);
  // Creates an empty table with `schema` (no data files).
  Result<WriteResult> CreateEmpty(const Schema& schema, const WriteOptions& options);

  // Creates schema `view_schema` if needed and (re)creates VIEW `view_schema`.`view_name` over the
  // snapshot's files (docs §10), dropping files `filter` rules out.
  Status CreateView(engine::Connection& connection, const Snapshot& snapshot,
                    std::string_view view_schema, std::string_view view_name,
                    const FileFilter& filter = FileFilter()) const;
  // The SELECT the view runs (for callers that inline it).
  Result<std::string> ScanSql(const Snapshot& snapshot,
                              const FileFilter& filter = FileFilter()) const;

  Result<std::vector<HistoryEntry>> History(size_t limit = 0) const { return log_.History(limit); }
  // Deletes the files under the root that no version within the retention needs (docs §12).
  // InvalidArgument, deleting nothing, for a retention under kMinimumVacuumRetention without
  // `force`. Never deletes a file younger than the oldest running writer's start.
  Result<VacuumResult> Vacuum(engine::Connection& connection, const VacuumOptions& options);
  Result<OptimizeResult> Optimize(engine::Connection& connection, const OptimizeOptions& options);

 private:
  // Registers a running writer (nullopt without a registry).
  Result<std::optional<WriterRegistry::Registration>> RegisterWriter() const;
  // Lists the files vacuum deletes: not in `keep` and not modified after `cutoff_ms`.
  Result<VacuumResult> UnneededFiles(const std::set<std::string>& keep, int64_t cutoff_ms);

  DeltaLog log_;
  FileSystem* file_system_;
  const Clock* clock_;
  std::optional<WriterRegistry> writers_;
};

}  // namespace dhl::lake
