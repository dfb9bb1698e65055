// Everything the Databricks side runs, computed from the models and the local lake: the set-up
// statements, then one task per bronze load and per model with its statements and the tasks it
// depends on (the model DAG: a model's task depends on the tasks of its refs and depends_on
// tables). Both `export databricks` (bundle_writer.h) and `sync --engine databricks`
// (databricks_runner.h) work from a plan, so the bundle and the direct run execute the same text.
// Inputs named `depends_on: layer.*` are the tables of that layer in the lake at planning time
// (pipeline::WithLayerInputs), loaded from the volume like bronze.
//
// Column types come from the lake: a table that exists is described as it is; a model whose table
// does not exist yet is described by its DuckDB rendering over its (described) inputs; a bronze
// table missing from the lake by its definition in source/bronze_table.h. Generated SQL
// (generated('name')) is expanded with the Spark dialect against the lake's metadata: such tasks
// are marked `embeds_metadata`. Not thread-safe (uses the connection).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "databricks/spark_names.h"
#include "databricks/spark_renderer.h"
#include "engine/connection.h"
#include "lake/lake_catalog.h"
#include "pipeline/generator.h"
#include "pipeline/model_set.h"

namespace dhl::databricks {

struct BundleTask {
  std::string key;        // "load_bronze_data_value", "silver_data_value"
  lake::TableName table;  // the table it writes
  bool load = false;      // a bronze COPY INTO (else a model)
  // A load of a bronze table the source never delivered (not in the lake): nothing to upload or
  // copy; the empty table the set-up creates stands in ("absent is empty", docs/models.md).
  bool absent = false;
  std::vector<std::string> depends_on;  // task keys, sorted
  std::vector<std::string> statements;  // Spark SQL, in order, without trailing ';'
  bool embeds_metadata = false;         // text from generated(): re-export when metadata changes
  std::vector<std::string> generators;  // their names
};

struct BundlePlan {
  std::vector<SparkTable> tables;  // bronze sources, models, rejects, dq_result
  std::vector<std::string> setup;  // statements of the set-up task
  std::vector<BundleTask> tasks;   // loads first, then models in dependency order
  const BundleTask* Find(const std::string& key) const;
};

// The task key of a bronze load or a model.
std::string TaskKey(const lake::TableName& table, bool load);

struct PlanOptions {
  SparkNames names;
  // The Spark expression naming a run in rejects and dq_result; default: the job's day.
  std::string run_id_sql = "concat('databricks-', CAST(current_date() AS STRING))";
  const pipeline::GeneratorRegistry* generators = nullptr;  // nullptr = BuiltinGenerators()
  // What the generators render into the bundle's SQL, as in a local run (RunOptions::settings).
  pipeline::GeneratorSettings settings;
};

// `connection` is an in-memory DuckDB on which the plan registers the lake's tables as views.
Result<BundlePlan> PlanBundle(const lake::LakeCatalog& catalog, engine::Connection& connection,
                              const pipeline::ModelSet& models, const PlanOptions& options);

}  // namespace dhl::databricks
