// Per-resource watermarks in ops.watermark (columns: resource, run_id, watermark TIMESTAMPTZ (the
// server's serverDate when the run was planned, as a UTC instant), since (the lower bound that run
// used, server local time), completed_at TIMESTAMPTZ). A row is appended when every chunk of a plan
// has committed, with txn appId "<run_id>:<resource>", so a resumed run records it once. Holds
// references to the connection and catalogue; not thread-safe.
#pragma once

#include <optional>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "engine/connection.h"
#include "lake/lake_catalog.h"
#include "source/extraction_plan.h"

namespace dhl::source {

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

 private:
  engine::Connection& connection_;
  const lake::LakeCatalog& catalog_;
  const Clock& clock_;
};

}  // namespace dhl::source
