// `dhis2lake sync --engine databricks` after extraction: runs the lake's pipeline on a Databricks
// SQL warehouse. The plan (bundle_plan.h, the statements `export databricks` writes) is computed
// from the local lake; the live data files of each table the loads read (bronze, and ref.* imports)
// go to the Unity Catalog volume through the Files API (each file once: files already there are
// skipped; files an OPTIMIZE rewrote, dataChange = false, are not sent since their rows were); then
// the set-up, the loads and the models run through the Statement Execution API in DAG order. A
// failing task stops only its descendants, as locally. With this engine Databricks owns silver and
// gold: one writer per table. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "databricks/bundle_plan.h"
#include "databricks/databricks_client.h"
#include "engine/connection.h"
#include "lake/lake_catalog.h"
#include "pipeline/model_set.h"

namespace dhl::databricks {

struct DatabricksRunOptions {
  SparkNames names;
  std::string warehouse_id;
  std::string run_id;                 // names the run in silver.rejects and ops.dq_result
  std::function<bool()> interrupted;  // checked between files and statements and while polling
  const pipeline::GeneratorRegistry* generators = nullptr;
  pipeline::GeneratorSettings settings;  // RunOptions::settings
  // Model task keys to run (TaskKey); empty = all. Loads always run.
  std::set<std::string> models;
};

struct DatabricksTaskResult {
  std::string key;
  lake::TableName table;
  std::string status;  // "succeeded", "failed", "upstream failed", "not selected"
  std::string error;
  int statements = 0;
};

struct DatabricksRunSummary {
  int files_uploaded = 0;
  int files_present = 0;  // already in the volume
  int64_t bytes_uploaded = 0;
  std::vector<DatabricksTaskResult> tasks;  // setup first, then in run order
  int failed = 0;
  bool ok() const { return failed == 0; }
  std::string ToString() const;
};

// Errors that stop everything (no plan, an upload or the set-up failing, an interrupt) are a
// Status; a failing load or model is recorded in the summary and its descendants are skipped.
Result<DatabricksRunSummary> RunOnDatabricks(const lake::LakeCatalog& catalog,
                                             engine::Connection& connection,
                                             const pipeline::ModelSet& models,
                                             DatabricksClient& client,
                                             const DatabricksRunOptions& options);

}  // namespace dhl::databricks
