// Writes a Databricks Asset Bundle for a BundlePlan into a folder:
//   databricks.yml               bundle name, variables (catalog, schema per layer, volume, SQL
//                                warehouse id), targets dev (development mode) and prod
//   resources/<job>.job.yml      one job: a `setup` task, one task per bronze load and per model,
//                                depends_on mirroring the model DAG, each an sql_task on the
//                                warehouse
//   src/setup.sql                schemas, volume, tables with their properties
//   src/load/<layer>_<table>.sql COPY INTO, one per bronze table
//   src/<layer>/<table>.sql      one per model
//   README.md                    how to deploy and run it; which files embed metadata
// Files are rewritten in place; files of models that no longer exist are left (the README lists
// the files this export wrote). Not thread-safe for the same folder.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "databricks/bundle_plan.h"

namespace dhl::databricks {

struct BundleOptions {
  std::string bundle_name = "dhis2lake";
  std::string job_key = "dhis2lake_pipeline";
  std::string warehouse_id;  // default of var.warehouse_id; empty = required at deploy
  std::string host;          // workspace.host of both targets; empty = from the CLI's profile
};

// The relative path of a task's SQL file ("src/silver/data_value.sql").
std::string TaskFile(const BundleTask& task);

// Writes the bundle; returns the relative paths written, sorted.
Result<std::vector<std::string>> WriteBundle(const std::string& dir, const BundlePlan& plan,
                                             const SparkNames& names, const BundleOptions& options);

}  // namespace dhl::databricks
