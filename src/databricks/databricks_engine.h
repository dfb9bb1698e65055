// The `sync --engine databricks` engine: a pipeline::ModelEngine (the hook of
// pipeline/sync_runner.h) that runs the selected models on a Databricks SQL warehouse through
// RunOnDatabricks, after extraction ran locally as usual.
//
// Settings: the `[databricks]` table of the configuration file (all optional):
//   catalog = "main", volume = "landing", warehouse_id = "…",
//   bronze_schema / silver_schema / gold_schema / ops_schema / ref_schema = "dhis2_<layer>"
// The warehouse id may also come from DATABRICKS_WAREHOUSE_ID or the profile's warehouse_id;
// credentials as databricks_credentials.h says. Ctrl-C (SIGINT) while a statement runs cancels it.
#pragma once

#include <string>

#include "base/status.h"
#include "databricks/spark_names.h"
#include "pipeline/sync_runner.h"
#include "source/secrets.h"

namespace dhl::databricks {

struct DatabricksSettings {
  SparkNames names;
  std::string warehouse_id;
};

// The `[databricks]` table of `config_file` (empty = none). InvalidArgument naming the file and key
// for an unknown key or a value that is not a string.
Result<DatabricksSettings> LoadDatabricksSettings(const std::string& config_file);

// Resolves settings and credentials now (so that a missing token fails before extraction) and
// returns the engine. Errors name what is missing, never a secret.
Result<pipeline::ModelEngine> MakeDatabricksEngine(const source::EnvironmentLookup& environment,
                                                   const std::string& config_file);

}  // namespace dhl::databricks
