// The `_delta_log` folder of one table: listing, log replay into a Snapshot (from the newest usable
// checkpoint, docs/delta.md §9), time travel, history, atomic commits (§7) and checkpoints (§8).
//
// A DeltaLog holds references to a FileSystem and a Clock that must outlive it. Reading a
// checkpoint and writing one need DuckDB, so those calls take a Connection, used for the duration
// of the call only. Not thread-safe; processes may share a table (commits are put-if-absent).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "engine/connection.h"
#include "lake/file_system.h"
#include "lake/log_entry.h"
#include "lake/snapshot.h"

namespace dhl::lake {

// One commit as `history` shows it.
struct HistoryEntry {
  int64_t version = 0;
  int64_t timestamp_ms = 0;
  std::string operation;
  std::map<std::string, std::string> operation_parameters;
  int64_t files_added = 0;
  int64_t files_removed = 0;
  std::optional<int64_t> rows_added;    // from the adds' stats; nullopt when a file has none
  std::optional<int64_t> rows_removed;  // from the removed files' stats (looked up in the log)
  int64_t bytes_added = 0;
  std::vector<Transaction> transactions;
};

// What the log folder holds (after ignoring what is not ours to read).
struct LogListing {
  std::vector<int64_t> commit_versions;  // sorted
  // Complete checkpoints: version -> the files (one for classic, all parts for multi-part).
  std::map<int64_t, std::vector<std::string>> checkpoints;
};

class DeltaLog {
 public:
  DeltaLog(std::string table_root, FileSystem& file_system, const Clock& clock);

  const std::string& table_root() const { return table_root_; }
  std::string log_dir() const;
  std::string CommitPath(int64_t version) const;

  // Whether `_delta_log` exists.
  bool Exists() const;
  // NotFound "<root>: not a Delta table (no _delta_log)" when there is no log.
  Result<LogListing> List() const;
  // The newest version (listing the log); NotFound when there is none.
  Result<int64_t> LatestVersion() const;

  // The snapshot at `version` (latest when nullopt). Checks the protocol (CheckReadable) unless
  // `check_features` is false. NotFound for a version the log no longer reaches.
  Result<Snapshot> Load(engine::Connection& connection, std::optional<int64_t> version = {},
                        bool check_features = true) const;
  // The snapshot of the latest version whose commit timestamp <= `timestamp_ms` (docs §9).
  // NotFound when the instant is before the earliest reachable commit.
  Result<Snapshot> LoadAtTimestamp(engine::Connection& connection, int64_t timestamp_ms) const;

  // One commit file, parsed.
  Result<LogEntry> ReadCommit(int64_t version) const;
  // Newest first; `limit` 0 means all reachable commits.
  Result<std::vector<HistoryEntry>> History(size_t limit = 0) const;
  // Commit timestamps of every listed commit (strictly increasing, docs §9), by version.
  Result<std::map<int64_t, int64_t>> CommitTimestamps() const;

  // Creates commit `version` with put-if-absent. Conflict when the version exists.
  Status WriteCommit(int64_t version, const LogEntry& entry);

  // Writes the classic checkpoint of `snapshot` and moves `_last_checkpoint` forward to it (never
  // back). Ok when that checkpoint already exists.
  Status WriteCheckpoint(engine::Connection& connection, const Snapshot& snapshot);
  // Writes the checkpoint of `snapshot`, then deletes every log file (commit, checkpoint, .crc) of
  // an earlier version: Delta's log cleanup done at once, so that the log no longer holds what
  // older versions said (their file statistics quote column values). Versions before the
  // snapshot's can no longer be read. For `dhis2lake purge`, after the files those versions
  // needed are vacuumed. Returns how many files were deleted.
  Result<int64_t> RemoveHistoryBefore(engine::Connection& connection, const Snapshot& snapshot);

 private:
  Result<std::optional<int64_t>> ReadLastCheckpointVersion() const;
  // The newest version `listing` reaches; NotFound when it holds none.
  Result<int64_t> LatestOf(const LogListing& listing) const;
  // Applies checkpoint `files` of `version` to the empty `snapshot`.
  Status StartFromCheckpoint(engine::Connection& connection, const std::vector<std::string>& files,
                             int64_t version, Snapshot* snapshot) const;
  // Applies commits start..target (each must be in `commits`) to `snapshot`.
  Status ReplayCommits(const std::set<int64_t>& commits, int64_t start, int64_t target,
                       Snapshot* snapshot) const;

  std::string table_root_;
  FileSystem* file_system_;
  const Clock* clock_;
};

}  // namespace dhl::lake
