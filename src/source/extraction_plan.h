// The saved plan of one resource's extraction run (lake/_landing/<resource>/<run_id>/plan.json),
// written before anything is fetched. Its chunks commit to bronze in plan order; chunk `sequence`
// is the Delta txn version under appId = run_id, so a resumed run commits each chunk exactly once.
// The watermark is the server's clock when the plan was made; it is stored in ops.watermark once
// every chunk has committed.
//
// plan.json: {"run_id", "resource", "source", "server_version", "server_time_zone", "watermark",
// "since", "created_at", "append_unchanged", "chunks": [{"sequence", "id", "table", "path",
// "params": [[k, v], ...], "format", "records_key", "paged", "file", "snapshot"}]}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace dhl::source {

enum class ChunkFormat { kJson, kCsv };

struct Chunk {
  int64_t sequence = 0;  // 1-based position in the plan; the txn version
  std::string id;        // "<resource>/<sequence, 6 digits>": _chunk and landing file names
  std::string table;     // bronze table name without the layer, e.g. "data_value"
  std::string path;      // the API path, e.g. "/api/dataValueSets.csv" (empty for files)
  std::vector<std::pair<std::string, std::string>> params;
  ChunkFormat format = ChunkFormat::kJson;
  std::string records_key;  // JSON member holding the records ("dataValues", "instances", ...)
  bool paged = false;       // follow page=1,2,... until the last page
  std::string file;         // export folder source: the file to read instead of a URL
  // The request has no incremental filter: every run fetches the same snapshot again (min-max
  // ranges, registration windows). A plan whose chunks are all snapshots and whose landed content
  // equals the last committed delivery of the same plan is not appended again (plan_runner.h).
  bool snapshot = false;
};

struct ExtractionPlan {
  std::string run_id;
  std::string resource;  // "metadata", "data_value", "complete_registration", ...
  std::string source;    // the masked server URL or the export folder
  std::string server_version;
  std::string server_time_zone;  // for timestamps without a zone
  std::string watermark;         // UTC ISO instant of serverDate at planning time; may be empty
  std::string since;             // the lower bound used (server local time), empty on full runs
  std::string created_at;        // UTC ISO
  // `sync --full`: a snapshot plan is appended even when its content is unchanged (the user's way
  // to land everything again).
  bool append_unchanged = false;
  std::vector<Chunk> chunks;

  std::string ToJson() const;
  static Result<ExtractionPlan> FromJson(std::string_view text, std::string_view name);
};

}  // namespace dhl::source
