// `dhis2lake sync` as one function: extraction into bronze (from a DHIS2 server or an export
// folder), then the silver and gold models over the lake, then a summary for people (records
// extracted, models run / unchanged / failed, rows quarantined and warned per expectation, and
// which models were skipped because an ancestor failed).
//
// Stages and selection:
//   * `stages` (the CLI's --only): any of extract, silver, gold; empty = all three. A model runs
//   only
//     when its layer is a selected stage.
//   * `models` (--models): selectors as dbt's: `layer.table` or a bare `table` (when only one layer
//     has it) runs that model only; a trailing `+` adds every model downstream of it, a leading `+`
//     every model upstream of it (`+gold.aggregate+`). Empty = every model. Models not selected
//     keep their tables as they are.
// A failed model is recorded and skips only its descendants; the others run, the summary names the
// failure and what it skipped, and the next sync runs the failed model again (its last success
// still records the old input versions). A failed extraction stops the sync before the models (the
// next sync resumes the extraction from its saved plan).
//
// The models run on the engine `run_models` gives: by default the embedded DuckDB (RunPipeline);
// the Databricks engine plugs in there. Not thread-safe; one sync per lake at a time.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "pipeline/model_set.h"
#include "pipeline/pipeline_runner.h"
#include "source/extract_options.h"
#include "source/secrets.h"
#include "source/web_api_extractor.h"

namespace dhl::pipeline {

enum class SyncStage { kExtract, kSilver, kGold };

std::string_view SyncStageName(SyncStage stage);

// "extract,silver" -> {kExtract, kSilver}. InvalidArgument naming an unknown stage.
Result<std::set<SyncStage>> ParseSyncStages(std::string_view text);

// The models `selectors` name (see above), in the set's run order. InvalidArgument for a bare name
// that several layers hold, NotFound for an unknown model (both naming the selector).
Result<std::vector<lake::TableName>> SelectModels(const ModelSet& models,
                                                  const std::vector<std::string>& selectors);

// Runs the models of `set` as RunPipeline does (the engine hook). `options.models` is already the
// full selection (with_descendants false).
using ModelEngine =
    std::function<Result<RunSummary>(lake::LakeCatalog& catalog, engine::Connection& connection,
                                     const ModelSet& set, const RunOptions& options)>;

struct SyncOptions {
  std::string lake_dir;
  std::string source;  // a server URL (http:// or https://) or an export folder; empty = the
                       // secrets' / configuration's URL
  bool full = false;   // fetch everything again and rebuild every selected model from its inputs
  std::set<SyncStage> stages;       // empty = every stage
  std::vector<std::string> models;  // selectors; empty = every model
  source::ExtractOptions extract;   // [source] of the configuration
  source::Secrets secrets;
  // Transports for the Web API extractor; empty = libcurl.
  source::TransportFactory transports;
  bool progress = true;  // progress lines on stderr
  // The models to run; nullptr = the embedded ones (EmbeddedModels()).
  const ModelSet* model_set = nullptr;
  ModelEngine run_models;  // empty = RunPipeline on an in-memory DuckDB over the lake
  // Bytes the embedded engine that runs the models may hold (0 = half the machine's memory); it
  // spills under `<lake_dir>/_system/tmp` (engine/memory_limit.h).
  int64_t memory_limit_bytes = 0;
  // What gold's generators render (RunOptions::settings).
  GeneratorSettings settings;
};

// Rows an expectation flagged in this run (from ops.dq_result).
struct ExpectationCount {
  lake::TableName model;
  std::string expectation;
  std::string action;  // warn, quarantine, fail
  int64_t rows = 0;
};

// A failed model and the models it kept from running.
struct FailedModel {
  lake::TableName model;
  std::string error;
  std::vector<lake::TableName> skipped_descendants;
};

struct SyncSummary {
  std::optional<source::ExtractSummary> extract;  // set when the extract stage ran
  std::optional<RunSummary> models;               // set when a model stage ran
  std::vector<ExpectationCount> expectations;     // rows > 0 only, by model then expectation
  std::vector<FailedModel> failures;
  int models_run = 0;
  int models_unchanged = 0;
  int models_failed = 0;
  int models_skipped = 0;        // because an ancestor failed
  int models_missing_input = 0;  // an essential input does not exist yet (not a failure)
  int64_t rows_quarantined = 0;
  double seconds = 0;
  // Bronze tables the source did not deliver, which the models read as empty (absent_input.h).
  std::vector<lake::TableName> empty_inputs;
  bool gold_selected = false;  // some gold model was selected to run
  bool gold_reached = false;   // and at least one succeeded or was already up to date

  // No model failed, and when gold models were selected, at least one of them has a result.
  bool ok() const { return models_failed == 0 && (!gold_selected || gold_reached); }
  // Several lines for people: the extraction, one line per model that ran or failed, the counts
  // per expectation, the failures with what they skipped, then totals.
  std::string ToText() const;
};

// Runs the sync. A Status error is a failure that stops the sync as a whole (no source, an
// extraction that failed, a bad selector, an unusable lake); a failed model is not: see
// SyncSummary::ok().
Result<SyncSummary> RunSync(const SyncOptions& options);

}  // namespace dhl::pipeline
