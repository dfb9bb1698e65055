// Commits batches of chunks of an extraction plan to their bronze table: reads the chunks' landing
// files (or the export file), turns each record into a row of the table's columns (bronze_table.h)
// plus the ingestion columns, and appends them with a Delta txn (appId = run id, version = the
// batch's last chunk sequence) and delta.appendOnly=true. A batch whose txn is already in the table
// is not written again.
//
// CSV files (dataValueSets.csv) are read by DuckDB straight from the file (never held in memory);
// their lower-case columns are renamed to DHIS2's JSON names, values untouched. JSON files are
// parsed one page at a time. Holds references to the connection and catalogue; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "engine/connection.h"
#include "lake/lake_catalog.h"
#include "source/extraction_plan.h"
#include "source/personal_data_hasher.h"

namespace dhl::source {

struct BatchResult {
  int64_t records = 0;
  bool already_committed = false;
};

class BronzeWriter {
 public:
  BronzeWriter(engine::Connection& connection, const lake::LakeCatalog& catalog,
               const Clock& clock);

  // The highest chunk sequence of `run_id` committed to bronze `table` (0 when none).
  Result<int64_t> CommittedSequence(const std::string& table, const std::string& run_id);

  // The Delta version of bronze `table` (-1 when it does not exist or has no commit yet).
  Result<int64_t> TableVersion(const std::string& table);

  // Commits several chunks of one table in ONE Delta commit whose txn version is the last chunk's
  // sequence. The chunks must be consecutive in plan order (every chunk of the table between them
  // included), in increasing sequence, all of the same table and format. A batch whose last chunk
  // is at or below the table's committed sequence is already committed (nothing is written); one
  // that straddles it is an internal error. One commit per batch instead of
  // per chunk keeps bronze from filling with small files and the log from growing per chunk.
  // Each chunk is read from its files (its pages, in order). When `hasher` is given, personal
  // attributes are hashed before the rows are built (files from the server were hashed already).
  struct ChunkFiles {
    const Chunk* chunk = nullptr;
    std::vector<std::string> files;
  };
  Result<BatchResult> CommitBatch(const ExtractionPlan& plan, const std::vector<ChunkFiles>& batch,
                                  const PersonalDataHasher* hasher);

 private:
  // The latest snapshot of bronze `table`; nullopt when it has none.
  Result<std::optional<lake::Snapshot>> LoadTable(const std::string& table);

  engine::Connection& connection_;
  const lake::LakeCatalog& catalog_;
  const Clock& clock_;
  bool macro_ready_ = false;
};

// The most a file read whole may hold once decompressed (a gzip bomb stops here).
inline constexpr int64_t kMaxReadBytes = int64_t{2} << 30;  // 2 GiB

// Reads a whole file, transparently gunzipping `.gz` (and plain) files. A file that holds (or
// inflates to) more than `max_bytes` is an error naming it, reported before more is read.
Result<std::string> ReadMaybeGzipped(const std::string& path, int64_t max_bytes = kMaxReadBytes);
// The same from an open file descriptor (read from its current offset; `fd` stays open and owned
// by the caller); `name` names the file in messages.
Result<std::string> ReadMaybeGzippedFrom(int fd, const std::string& name,
                                         int64_t max_bytes = kMaxReadBytes);
// The same bytes handed to `piece` 64 KiB at a time, not held whole (files hashed as read); an
// error `piece` returns stops the reading and is returned.
Status ReadMaybeGzippedPieces(int fd, const std::string& name,
                              const std::function<Status(std::string_view)>& piece);

}  // namespace dhl::source
