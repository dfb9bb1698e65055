// Runs a ModelSet over a lake: models in dependency order, each only when an input changed since
// its last successful run (unless RunOptions::full), each result committed to its Delta table in
// one commit, expectations applied, and the run recorded in ops.pipeline_run, ops.model_run and
// ops.dq_result (docs/models.md).
//
// The caller's catalog and connection are used only during the call; the runner creates views
// `<layer>.<table>` and temporary tables prefixed `_pipeline_` on the connection, and drops those
// tables when each model is done. A model the engine's memory limit cannot hold fails alone (its
// error names the model and the limit; its table is left as it was) and only its descendants are
// skipped. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "engine/connection.h"
#include "lake/lake_catalog.h"
#include "pipeline/generator.h"
#include "pipeline/generator_settings.h"
#include "pipeline/model_set.h"

namespace dhl::pipeline {

// The ops tables the runner writes (shared/DESIGN.md).
inline const lake::TableName kPipelineRunTable{"ops", "pipeline_run"};
inline const lake::TableName kModelRunTable{"ops", "model_run"};
inline const lake::TableName kDqResultTable{"ops", "dq_result"};

struct RunOptions {
  bool full = false;                // rebuild every selected model from its whole inputs
  std::vector<std::string> models;  // "layer.table" to run; empty = all
  bool with_descendants = false;    // also run every model downstream of `models`
  std::string run_id;               // default: a new UUID
  std::string stop_after_layer;     // e.g. "silver": leave later layers alone; empty = all
  bool progress = false;            // draw a Progress line on stderr
  // What generated('name') calls in the models expand to; nullptr = BuiltinGenerators().
  const GeneratorRegistry* generators = nullptr;
  // Where run and model timestamps and durations come from; nullptr = SystemClock::Instance().
  const Clock* clock = nullptr;
  // What the generators render (generator_settings.h). Checked before anything runs (a bad
  // setting fails the run naming it); a changed setting reruns, in full, the models whose
  // generators render it, and their descendants.
  GeneratorSettings settings;
  // A rebuild of an incremental model looks for keys with several rows by sorting a hash of the
  // key, this many keys' worth of the batch at a time (each key holds about 30 bytes while
  // sorted; 64 when they were grouped).
  int64_t keys_per_grouping = 2'000'000;
  // The bytes free on the file system holding a folder (a rebuild checks them before staging its
  // rows); nullptr = engine::FreeDiskBytes. Tests give a full disk.
  std::function<Result<int64_t>(const std::string& folder)> free_disk_bytes;
  // A model with batch_by (model.h) is computed in pieces whose batch-input rows times its
  // batch_row_bytes fit in this many bytes; 0 = half the engine's memory limit.
  int64_t batch_memory_bytes = 0;
};

enum class ModelStatus {
  kSucceeded,
  kUnchanged,       // no input changed since its last successful run: skipped
  kUpstreamFailed,  // an input model failed in this run: skipped
  kFailed,
  kNotSelected,
  kMissingInput,  // an essential input does not exist (data values, org units or data elements
                  // not in bronze, an unknown table, or an input model never built): skipped,
                  // not a failure; ModelResult::error names it and how to get it. A bronze table
                  // the source did not deliver is not missing but empty (absent_input.h).
};

std::string_view ModelStatusName(ModelStatus status);

struct ModelResult {
  lake::TableName name;
  ModelStatus status = ModelStatus::kNotSelected;
  int64_t rows_in = 0;
  int64_t rows_out = 0;
  int64_t rows_rejected = 0;
  int64_t bytes = 0;
  int64_t version = -1;       // the committed Delta version, -1 when nothing was written
  int64_t files_added = 0;    // data files the commit added
  int64_t files_removed = 0;  // data files the commit removed (rewritten partitions, overwrites)
  // The model ran but its result equals the table (ingestion columns, those named with a leading
  // '_', aside): nothing was committed, so a re-delivery upstream changes no version downstream.
  bool output_unchanged = false;
  // Why an incremental model rebuilt in full instead (empty when it ran incrementally or was
  // asked for a full run), e.g. "input silver.x was rewritten (not only appended to)".
  std::string full_reason;
  // Why the model ran at all (empty when it did not): "full run requested", "no successful run
  // recorded", a changed definition, or "inputs moved: bronze.a 3->4, ...".
  std::string run_reason;
  double seconds = 0;
  // A model with batch_by computed in pieces: how many (0: in one query).
  int64_t pieces = 0;
  std::string error;
  // Bronze inputs the source did not deliver, read as empty tables (absent_input.h).
  std::vector<lake::TableName> empty_inputs;
  // What the model's generators left out and why (e.g. "indicator X: ..."), one line each.
  std::vector<std::string> warnings;
};

struct RunSummary {
  std::string run_id;
  std::vector<ModelResult> models;  // in run order
  int succeeded = 0;
  int skipped = 0;
  int failed = 0;
  // Indicators, validation rules, ... the generators compiled or refused in this run, as written
  // to ops.expression_status (object_type, uid, status computed|refused, reason, position,
  // run_id, recorded_at: the rows of the object types a run reports replace that type's rows).
  int expressions_computed = 0;
  int expressions_refused = 0;
  double seconds = 0;
  bool ok() const { return failed == 0; }
  // Several lines for people: one per model run or failed, then totals.
  std::string ToString() const;
};

// The model with its `depends_on: layer.*` inputs expanded into refs: every table of those layers
// in the lake now, sorted (the runner does this before each model; a Databricks rendering must do
// the same to see the same inputs).
Result<Model> WithLayerInputs(const Model& model, const lake::LakeCatalog& catalog);

// Runs the pipeline. Errors that stop the whole run (a missing source table, an unknown selected
// model, ops tables unwritable) are returned as a Status; a failing model is not: it is recorded in
// the summary and its descendants are skipped while the other models still run.
Result<RunSummary> RunPipeline(lake::LakeCatalog& catalog, engine::Connection& connection,
                               const ModelSet& models, const RunOptions& options);

// How a model in pieces (batch_by, docs/models.md) splits the batch inputs by their values:
// a batch_by value (its text; nullopt for NULL) and the batch inputs' rows holding it.
struct PieceValue {
  std::optional<std::string> value;
  int64_t rows = 0;
};

// The conditions over `batch_by` selecting each piece's rows of the batch inputs, whose values
// `values` lists in the column's order (NULL last), each piece holding at most `rows_per_piece`
// rows (a value with more is a piece alone). The values are cut in their order into pieces of
// consecutive values, one range each, unless that takes more pieces than putting them, largest
// first, into the first piece with room (a piece then holds scattered values). A piece's condition
// is a range for each run of consecutive values it holds, `(c >= 'lo' AND c <= 'hi')`, never an IN
// list: DuckDB pushes a range into the Parquet scan as a filter that decodes the other columns only
// for the rows it keeps, whereas an IN list (or ORs of equalities) becomes an optional filter that
// checks row-group statistics alone and lets every row through to a filter after the scan. Each
// piece then reads about its own rows instead of all of them (gold.aggregate at medium in 10
// pieces: 2 scans of 3.5 M rows a piece). A range holds no value of another piece: the values
// between its ends are the run's own. Hundreds of ranges in a piece (the data elements of a real
// DHIS2 scattered by size) scan no faster than an IN list, hence the pieces of consecutive values.
std::vector<std::string> PieceConditions(const std::string& batch_by,
                                         const std::vector<PieceValue>& values,
                                         int64_t rows_per_piece);

}  // namespace dhl::pipeline
