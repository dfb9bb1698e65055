// Writes the data files of one commit (docs/delta.md §6): the rows of a query become target-sized
// Parquet files under the table root, described as `add` actions with statistics.
//
// DuckDB's COPY writes each group of rows into a hidden staging folder under the root (outside our
// FileSystem); every file is fsynced there, moved into place whole, and the folders holding it are
// fsynced, so a commit never names a file that a crash could truncate. A DataFileWriter holds a
// reference to the FileSystem, which must outlive it. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/connection.h"
#include "lake/actions.h"
#include "lake/file_system.h"
#include "lake/schema.h"

namespace dhl::lake {

class DataFileWriter {
 public:
  DataFileWriter(std::string root, FileSystem& file_system);

  // Writes the rows of `select_sql` (data columns only) into files under `directory` (relative to
  // the root, "" for the root itself), each an add with partition `values`. An IoError, with
  // nothing of the group kept, when COPY reported rows but the staging folder holds no file
  // (another process removed it): the writer never takes a vanished folder for an empty input.
  Status WriteGroup(engine::Connection& connection, const std::string& select_sql,
                    const PartitionValues& values, const std::string& directory,
                    int64_t target_file_size);

  // Where the rows of one staged partition go: their partition values and folder under the root.
  struct Partition {
    PartitionValues values;
    std::string directory;
  };
  // Writes the rows of `select_sql` with one COPY ... PARTITION_BY (`key_column`), the input read
  // once: each staged folder `key_column=K` becomes the files of partition `partition_of(K)` (an
  // error there stops the write: nothing is committed). The files hold the other columns. DuckDB
  // cannot split partitioned output by size, so a staged file over the target size is split again
  // by WriteGroup, reading that file alone.
  Status WritePartitioned(engine::Connection& connection, const std::string& select_sql,
                          const std::string& key_column,
                          const std::function<Result<Partition>(const std::string&)>& partition_of,
                          int64_t target_file_size);

  // Computes the statistics of every file written and drops files with no rows. They come from the
  // files' Parquet footers (one parquet_metadata query, no row read); a file whose footer cannot
  // give exactly what reading it would (a double column with NaN or an infinity, a string maximum
  // DuckDB truncated, ...) is read. An IoError when the files hold fewer or more rows than COPY
  // reported writing. A write of fewer than `footer_minimum_bytes` is read whole (cheaper).
  Status ComputeStatistics(engine::Connection& connection,
                           const std::vector<SchemaField>& data_columns,
                           int64_t footer_minimum_bytes);

  // Deletes every file written (a failed or abandoned write): nothing of it is left to add.
  void DeleteFiles();
  // After ComputeStatistics: keeps the files `keep` accepts, deleting the others (their rows and
  // bytes no longer counted).
  void KeepFiles(const std::function<bool(const AddFile&)>& keep);

  std::vector<AddFile>& adds() { return adds_; }
  int64_t rows() const { return rows_; }
  int64_t bytes() const { return bytes_; }
  // Files ComputeStatistics read because their footers could not answer exactly.
  int64_t files_read_for_statistics() const { return files_read_for_statistics_; }

 private:
  // Deletes one written file; a file that cannot be deleted stays, with a warning.
  void DeleteFile(const std::string& path);
  // Moves the files of `staging` into `directory` as adds; returns how many it moved.
  Result<int64_t> MoveIntoPlace(const std::string& staging, const PartitionValues& values,
                                const std::string& directory);
  // fsyncs `dir` and each folder above it up to the root's parent, once per writer.
  Status SyncFolders(const std::string& dir);

  std::string root_;
  FileSystem& file_system_;
  std::vector<AddFile> adds_;
  std::vector<std::string> local_paths_;  // adds_[i]'s file is local_paths_[i]
  std::vector<int64_t> add_rows_;         // adds_[i]'s rows, after ComputeStatistics
  std::set<std::string> synced_folders_;
  int64_t rows_copied_ = 0;  // what COPY reported
  int64_t rows_ = 0;
  int64_t bytes_ = 0;
  int64_t files_read_for_statistics_ = 0;
};

}  // namespace dhl::lake
