#include "lake/optimistic_commit.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>

#include "base/logging.h"
#include "base/text.h"
#include "lake/partition_path.h"
#include "lake/schema.h"

namespace dhl::lake {
namespace {

// Whether `winner` is version 0 creating the table just as `ours` would (an append): same schema,
// same partitioning, no reader features. Then our commit may follow it without its own metadata.
bool CreatesTheSameTable(const LogEntry& winner, const LogEntry& ours) {
  if (winner.version != 0 || !winner.metadata || !ours.metadata) {
    return false;
  }
  auto other = Schema::Parse(winner.metadata->schema_string);
  return other.ok() && other->ToSchemaString() == ours.metadata->schema_string &&
         winner.metadata->partition_columns == ours.metadata->partition_columns &&
         !(winner.protocol && winner.protocol->reader_features);
}

}  // namespace

std::optional<std::string> FindConflict(const LogEntry& winner, const ConflictScope& scope) {
  if (winner.protocol) {
    return "it changed the protocol";
  }
  if (winner.metadata) {
    return "it changed the table metadata (schema, partitioning or configuration)";
  }
  for (const auto& txn : winner.transactions) {
    if (scope.app_ids.contains(txn.app_id)) {
      return fmt::format("it committed a txn for appId '{}' (version {})", txn.app_id, txn.version);
    }
  }
  if (scope.blind_append) {
    return std::nullopt;
  }
  for (const auto& remove : winner.removes) {
    auto decoded = UriDecodePath(remove.path);
    if (decoded.ok() && scope.removed_paths.contains(*decoded)) {
      return fmt::format("it removed file {} that this commit also removes", remove.path);
    }
  }
  for (const auto& add : winner.adds) {
    if (!add.data_change) {
      continue;
    }
    if (scope.any_add_conflicts) {
      return fmt::format("it added file {} to the table this commit overwrites", add.path);
    }
    for (const auto& partition : scope.read_partitions) {
      if (SamePartition(add.partition_values, partition)) {
        return fmt::format("it added file {} to partition {} that this commit replaces", add.path,
                           PartitionText(partition));
      }
    }
  }
  return std::nullopt;
}

Result<CommitOutcome> CommitWithRetry(DeltaLog& log, CommitRequest request) {
  LogEntry& entry = request.entry;
  CommitOutcome outcome;
  int64_t version = request.first_version;
  for (int attempt = 1;; ++attempt) {
    outcome.attempts = attempt;
    Status committed = log.WriteCommit(version, entry);
    if (committed.ok()) {
      outcome.version = version;
      return outcome;
    }
    if (committed.code() != StatusCode::kConflict) {
      return committed.WithContext(request.context);
    }
    if (attempt >= request.max_attempts) {
      return Conflict(fmt::format("{}: gave up after {} attempts: other writers keep winning",
                                  request.context, attempt));
    }
    // Another writer won `version`: check every winning commit, then retry after the latest.
    DHL_ASSIGN_OR_RETURN(int64_t latest, log.LatestVersion());
    for (int64_t winner = version; winner <= latest; ++winner) {
      auto winning = log.ReadCommit(winner);
      if (!winning.ok()) {
        return winning.status().WithContext(request.context);
      }
      if (request.may_join_concurrent_create && CreatesTheSameTable(*winning, entry)) {
        // The table was created concurrently as we would have: our append goes on after it.
        winning->protocol.reset();
        winning->metadata.reset();
        entry.protocol.reset();
        entry.metadata.reset();
      }
      if (auto reason = FindConflict(*winning, request.scope)) {
        return Conflict(fmt::format("{}: concurrent commit {} conflicts with this write: {}",
                                    request.context, log.CommitPath(winner), *reason));
      }
    }
    if (entry.commit_info) {
      entry.commit_info->read_version = latest;
    }
    version = latest + 1;
  }
}

Result<int> CheckpointInterval(const std::map<std::string, std::string>& configuration,
                               int fallback) {
  auto it = configuration.find("delta.checkpointInterval");
  if (it == configuration.end()) {
    return std::max(1, fallback);
  }
  auto parsed = ParseInt64(it->second, "delta.checkpointInterval", 1, INT_MAX);
  if (!parsed.ok()) {
    return Corruption(parsed.status().message());
  }
  return static_cast<int>(*parsed);
}

void CheckpointIfDue(engine::Connection& connection, DeltaLog& log, int64_t version, int interval) {
  if (version <= 0 || interval <= 0 || version % interval != 0) {
    return;
  }
  auto at = log.Load(connection, version);
  Status checkpointed = at.ok() ? log.WriteCheckpoint(connection, *at) : at.status();
  if (!checkpointed.ok()) {
    LogWarn("{}: checkpoint at version {} not written: {}", log.table_root(), version,
            checkpointed.ToString());
  }
}

}  // namespace dhl::lake
