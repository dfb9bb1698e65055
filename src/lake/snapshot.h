// The state of a Delta table at one version: protocol, metadata, schema, live files, tombstones and
// application transactions, as log replay (DeltaLog) reconciles them. A value: cheap to move, safe
// to share read-only between threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "lake/actions.h"
#include "lake/schema.h"

namespace dhl::lake {

class Snapshot {
 public:
  std::string table_root;  // the table's folder
  int64_t version = -1;
  int64_t timestamp_ms = 0;  // the commit timestamp of `version` (docs/delta.md §9)
  Protocol protocol;
  Metadata metadata;
  Schema schema;
  // Live files keyed by their URI-decoded path (relative to the root, or absolute).
  std::map<std::string, AddFile> files;
  // Removed files keyed by decoded path (kept for vacuum and checkpoints).
  std::map<std::string, RemoveFile> tombstones;
  std::map<std::string, Transaction> transactions;  // by appId

  // The latest committed version of `app_id`, if any.
  std::optional<int64_t> TransactionVersion(const std::string& app_id) const;
  bool append_only() const;
  // The absolute (or root-relative joined) path of a live file given its decoded key.
  std::string FilePath(const std::string& decoded_path) const;
  // Corruption unless `decoded_path` (an add's path) names a file inside the table's folder: a
  // relative path that does not climb out with "..", or an absolute one (or file: URI) under the
  // root. A log must not make a reader open files elsewhere (docs/delta.md §2).
  Status CheckInsideTable(const std::string& decoded_path) const;
  int64_t total_bytes() const;
  // Sum of numRecords over live files; std::nullopt when a file has no stats.
  std::optional<int64_t> total_rows() const;

  // Unsupported ("unsupported table feature '<name>'") unless we can read the table (docs §1).
  Status CheckReadable() const;
  // Unsupported unless we can write it (docs §1).
  Status CheckWritable() const;
};

}  // namespace dhl::lake
