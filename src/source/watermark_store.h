// Per-resource watermarks in ops.watermark (columns: resource, run_id, watermark TIMESTAMPTZ (the
// server's serverDate when the run was planned, as a UTC instant), since (the lower bound that run
// used, server local time), completed_at TIMESTAMPTZ). A row is appended when every chunk of a plan
// has committed, with txn appId "<run_id>:<resource>", so a resumed run records it once. Holds
// references to the connection and catalogue; not thread-safe.
//
// Beside the watermarks, the last committed delivery of each snapshot resource (a plan whose chunks
// are all snapshots, extraction_plan.h), in <lake>/_system/snapshots.json: {"<resource>":
// {"fingerprint", "records", "versions": {"<bronze table>": version}}}. It is written only after
// the plan's bronze commits (a crash in between leaves the older entry, whose versions no longer
// match, so the next run appends an identical delivery once: harmless), never before.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "engine/connection.h"
#include "lake/lake_catalog.h"
#include "source/extraction_plan.h"

namespace dhl::source {

// The last committed delivery of a snapshot resource: the fingerprint of its plan (every chunk's
// request and landed content), the records it appended, and the Delta version of each of its bronze
// tables after its commits (-1: the table does not exist).
struct SnapshotDelivery {
  std::string fingerprint;
  int64_t records = 0;
  std::map<std::string, int64_t> versions;
  bool operator==(const SnapshotDelivery&) const = default;
};

class WatermarkStore {
 public:
  WatermarkStore(engine::Connection& connection, const lake::LakeCatalog& catalog,
                 const Clock& clock)
      : connection_(connection), catalog_(catalog), clock_(clock) {}

  // The latest watermark of `resource` minus `overlap_seconds`, as local time in `time_zone`
  // formatted for DHIS2 ("2024-07-26T17:51:11.240"); nullopt when the resource never completed.
  Result<std::optional<std::string>> Since(const std::string& resource,
                                           const std::string& time_zone, int overlap_seconds);

  // Records that `plan` completed.
  Status Record(const ExtractionPlan& plan);

  // The last committed delivery of snapshot resource `resource`; nullopt when none was recorded
  // (or the file is unreadable: the delivery is then appended again).
  std::optional<SnapshotDelivery> LastDelivery(const std::string& resource) const;
  // Records `delivery` as `resource`'s last (the file rewritten atomically).
  Status RecordDelivery(const std::string& resource, const SnapshotDelivery& delivery);

 private:
  engine::Connection& connection_;
  const lake::LakeCatalog& catalog_;
  const Clock& clock_;
};

}  // namespace dhl::source
