// The commit step every writer of a table shares (docs/delta.md §7): put-if-absent of the next
// version, and after losing the race, a check of every winning commit against what this commit
// read, then a retry after the newest; and the checkpoint a commit may owe (§8).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/connection.h"
#include "lake/actions.h"
#include "lake/delta_log.h"
#include "lake/log_entry.h"

namespace dhl::lake {

// What a commit read, so that a concurrent commit can be found to conflict with it.
struct ConflictScope {
  std::set<std::string> app_ids;                 // its txns' appIds
  bool blind_append = true;                      // it read nothing: only txns and metadata matter
  bool any_add_conflicts = false;                // a full overwrite: any data-changing add does
  std::vector<PartitionValues> read_partitions;  // replaced partitions: adds into them do
  std::set<std::string> removed_paths;           // decoded paths it removes: removing them too does
};

// Why `winner`, committed concurrently, conflicts with a commit of `scope`; nullopt when it does
// not.
std::optional<std::string> FindConflict(const LogEntry& winner, const ConflictScope& scope);

struct CommitRequest {
  std::string context;  // prefixes errors, e.g. "write to <root>"
  LogEntry entry;
  ConflictScope scope;
  int64_t first_version = 0;  // the version after the one read (0 when creating the table)
  int max_attempts = 100;
  // When the entry creates the table (protocol and metaData, version 0) as an append: a concurrent
  // create with the same schema and partitioning is joined instead of refused.
  bool may_join_concurrent_create = false;
};

struct CommitOutcome {
  int64_t version = -1;
  int attempts = 0;
};

// Commits `request.entry` at the first free version from `request.first_version`. Conflict naming
// the winning commit and the reason when a concurrent commit conflicts, or after max_attempts
// losses; any other error of the log as it is. On error nothing is committed.
Result<CommitOutcome> CommitWithRetry(DeltaLog& log, CommitRequest request);

// The table's checkpoint interval: its `delta.checkpointInterval` when set (Corruption unless a
// positive integer), else `fallback` (at least 1).
Result<int> CheckpointInterval(const std::map<std::string, std::string>& configuration,
                               int fallback);

// Writes the checkpoint of `version` when it is a positive multiple of `interval`. A failure is
// logged, not returned: the commit stands and readers replay the log instead.
void CheckpointIfDue(engine::Connection& connection, DeltaLog& log, int64_t version, int interval);

}  // namespace dhl::lake
