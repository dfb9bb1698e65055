#include "pipeline/sync_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>

#include "base/logging.h"
#include "base/progress.h"
#include "base/text.h"
#include "engine/database.h"
#include "engine/memory_limit.h"
#include "engine/spill_folder.h"
#include "http/curl_transport.h"
#include "pipeline/embedded_models.h"
#include "source/export_folder_source.h"
#include "source/personal_data_purge.h"
#include "source/postgres_connection.h"
#include "source/postgres_extractor.h"

namespace dhl::pipeline {
namespace {

using lake::TableName;

bool IsUrl(std::string_view source) {
  return source.rfind("http://", 0) == 0 || source.rfind("https://", 0) == 0;
}

// The stage a model belongs to: its layer (a model of another layer runs with silver).
SyncStage StageOf(const TableName& model) {
  return model.layer == "gold" ? SyncStage::kGold : SyncStage::kSilver;
}

Result<source::ExtractSummary> Extract(const SyncOptions& options) {
  source::ExtractOptions extract = options.extract;
  extract.full = options.full;
  // An interrupted export-folder run left its copies of the folder's files (clear text: they are
  // hashed when committed): gone before anything else runs; resuming that run copies them again.
  for (const std::string& copy : source::RemoveExportCopies(options.lake_dir)) {
    LogInfo("extract: deleted {}, left by an interrupted export-folder run", copy);
  }
  if (source::IsPostgresUri(options.source)) {
    source::PostgresExtractor database(options.lake_dir, options.source, extract, options.secrets,
                                       SystemClock::Instance(), options.progress);
    return database.Run();
  }
  if (!options.source.empty() && !IsUrl(options.source)) {
    source::ExportFolderSource folder(options.lake_dir, options.source, extract, options.secrets,
                                      SystemClock::Instance(), options.progress);
    return folder.Run();
  }
  source::Secrets secrets = options.secrets;
  if (!options.source.empty()) {
    secrets.url = options.source;
  }
  source::ExtractorEnvironment environment;
  environment.transports = options.transports;
  if (!environment.transports) {
    environment.transports = [] { return std::make_unique<http::CurlTransport>(); };
  }
  environment.show_progress = options.progress;
  source::WebApiExtractor extractor(options.lake_dir, extract, secrets, environment);
  return extractor.Run();
}

// Rows flagged per expectation in run `run_id`.
Result<std::vector<ExpectationCount>> ExpectationCounts(lake::LakeCatalog& catalog,
                                                        engine::Connection& connection,
                                                        const std::string& run_id) {
  std::vector<ExpectationCount> counts;
  if (!catalog.Table(kDqResultTable).Exists()) {
    return counts;
  }
  DHL_RETURN_IF_ERROR(catalog.Register(connection, kDqResultTable));
  DHL_ASSIGN_OR_RETURN(
      engine::QueryResult result,
      connection.Query("SELECT model, expectation, action, CAST(sum(rows_failing) AS BIGINT) "
                       "FROM ops.dq_result WHERE run_id = $1 AND rows_failing > 0 "
                       "GROUP BY model, expectation, action ORDER BY model, expectation",
                       {engine::Value(run_id)}));
  for (size_t row = 0; row < result.row_count(); ++row) {
    ExpectationCount count;
    Result<TableName> model = lake::ParseTableName(result.GetString(0, row).value_or(""));
    if (!model.ok()) {
      continue;
    }
    count.model = *model;
    count.expectation = result.GetString(1, row).value_or("");
    count.action = result.GetString(2, row).value_or("");
    count.rows = result.GetInt64(3, row).value_or(0);
    counts.push_back(std::move(count));
  }
  return counts;
}

Status RunModels(const SyncOptions& options, const ModelSet& set,
                 const std::vector<TableName>& selected, SyncSummary& summary) {
  engine::DatabaseOptions database_options =
      engine::ModelEngineOptions(options.lake_dir, options.memory_limit_bytes);
  // The run's own spill folder (what a crashed run left is removed first); it outlives the engine.
  auto spill = engine::SpillFolder::Claim(options.lake_dir);
  if (!spill.ok()) return spill.status().WithContext("the engine's spill folder");
  database_options.temp_directory = spill->path();
  DHL_ASSIGN_OR_RETURN(engine::Database database, engine::Database::Open(database_options));
  DHL_ASSIGN_OR_RETURN(engine::Connection connection, database.Connect());
  lake::LakeCatalog catalog(options.lake_dir);
  RunOptions run;
  run.full = options.full;
  for (const TableName& name : selected) {
    run.models.push_back(name.ToString());
  }
  run.progress = options.progress;
  run.settings = options.settings;
  // What the extraction hashes, the program indicators must not read.
  run.settings.program_indicator.hashed_data_elements = options.extract.personal_data_elements;
  ModelEngine engine = options.run_models;
  if (!engine) {
    engine = [](lake::LakeCatalog& lake_catalog, engine::Connection& lake_connection,
                const ModelSet& models, const RunOptions& run_options) {
      return RunPipeline(lake_catalog, lake_connection, models, run_options);
    };
  }
  DHL_ASSIGN_OR_RETURN(RunSummary models, engine(catalog, connection, set, run));
  std::map<TableName, ModelStatus> status;
  for (const ModelResult& result : models.models) {
    status[result.name] = result.status;
    switch (result.status) {
      case ModelStatus::kSucceeded:
        ++summary.models_run;
        break;
      case ModelStatus::kUnchanged:
        ++summary.models_unchanged;
        break;
      case ModelStatus::kFailed:
        ++summary.models_failed;
        break;
      case ModelStatus::kUpstreamFailed:
        ++summary.models_skipped;
        break;
      case ModelStatus::kMissingInput:
        ++summary.models_missing_input;
        break;
      case ModelStatus::kNotSelected:
        break;
    }
    summary.rows_quarantined += result.rows_rejected;
    for (const TableName& input : result.empty_inputs) {
      if (std::find(summary.empty_inputs.begin(), summary.empty_inputs.end(), input) ==
          summary.empty_inputs.end()) {
        summary.empty_inputs.push_back(input);
      }
    }
    if (result.name.layer == "gold") {
      summary.gold_selected = true;
      if (result.status == ModelStatus::kSucceeded || result.status == ModelStatus::kUnchanged) {
        summary.gold_reached = true;
      }
    }
  }
  std::sort(summary.empty_inputs.begin(), summary.empty_inputs.end());
  for (const ModelResult& result : models.models) {
    if (result.status != ModelStatus::kFailed) {
      continue;
    }
    FailedModel failure;
    failure.model = result.name;
    failure.error = result.error;
    DHL_ASSIGN_OR_RETURN(std::vector<TableName> downstream,
                         set.Select({result.name.ToString()}, /*with_descendants=*/true));
    for (const TableName& name : downstream) {
      auto found = status.find(name);
      if (name != result.name && found != status.end() &&
          found->second == ModelStatus::kUpstreamFailed) {
        failure.skipped_descendants.push_back(name);
      }
    }
    summary.failures.push_back(std::move(failure));
  }
  DHL_ASSIGN_OR_RETURN(summary.expectations, ExpectationCounts(catalog, connection, models.run_id));
  summary.models = std::move(models);
  return Status::Ok();
}

}  // namespace

std::string_view SyncStageName(SyncStage stage) {
  switch (stage) {
    case SyncStage::kExtract:
      return "extract";
    case SyncStage::kSilver:
      return "silver";
    case SyncStage::kGold:
      return "gold";
  }
  return "unknown";
}

Result<std::set<SyncStage>> ParseSyncStages(std::string_view text) {
  std::set<SyncStage> stages;
  for (std::string_view piece : Split(text, ',')) {
    std::string_view name = Trim(piece);
    if (name == "extract") {
      stages.insert(SyncStage::kExtract);
    } else if (name == "silver") {
      stages.insert(SyncStage::kSilver);
    } else if (name == "gold") {
      stages.insert(SyncStage::kGold);
    } else {
      return InvalidArgument(fmt::format(
          "--only {}: unknown stage '{}' (the stages are extract, silver and gold)", text, name));
    }
  }
  return stages;
}

Result<std::vector<TableName>> SelectModels(const ModelSet& models,
                                            const std::vector<std::string>& selectors) {
  std::set<TableName> chosen;
  for (const std::string& selector : selectors) {
    std::string_view name = Trim(selector);
    bool ancestors = !name.empty() && name.front() == '+';
    if (ancestors) {
      name.remove_prefix(1);
    }
    bool descendants = !name.empty() && name.back() == '+';
    if (descendants) {
      name.remove_suffix(1);
    }
    TableName table;
    if (name.find('.') != std::string_view::npos) {
      Result<TableName> parsed = lake::ParseTableName(name);
      if (!parsed.ok()) {
        return InvalidArgument(fmt::format("--models {}: {}", selector, parsed.status().message()));
      }
      table = *parsed;
      if (models.Find(table) == nullptr) {
        return NotFound(fmt::format("--models {}: no model {}", selector, table.ToString()));
      }
    } else {
      std::vector<TableName> matches;
      for (const Model& model : models.models()) {
        if (model.name.name == name) {
          matches.push_back(model.name);
        }
      }
      if (matches.empty()) {
        return NotFound(fmt::format("--models {}: no model named {}", selector, name));
      }
      if (matches.size() > 1) {
        return InvalidArgument(
            fmt::format("--models {}: several layers have {} ({} and {}): "
                        "write layer.table",
                        selector, name, matches[0].ToString(), matches[1].ToString()));
      }
      table = matches[0];
    }
    chosen.insert(table);
    if (descendants) {
      DHL_ASSIGN_OR_RETURN(std::vector<TableName> downstream,
                           models.Select({table.ToString()}, /*with_descendants=*/true));
      chosen.insert(downstream.begin(), downstream.end());
    }
    if (ancestors) {
      std::vector<TableName> pending = {table};
      while (!pending.empty()) {
        const Model* model = models.Find(pending.back());
        pending.pop_back();
        for (const Ref& ref : model->refs) {
          if (models.Find(ref.table) != nullptr && chosen.insert(ref.table).second) {
            pending.push_back(ref.table);
          }
        }
      }
    }
  }
  std::vector<TableName> ordered;
  for (const Model& model : models.models()) {
    if (chosen.count(model.name) > 0) {
      ordered.push_back(model.name);
    }
  }
  return ordered;
}

std::string SyncSummary::ToText() const {
  std::string text;
  if (extract.has_value()) {
    text += extract->ToText();
  }
  if (models.has_value()) {
    for (const ModelResult& model : models->models) {
      if (model.status == ModelStatus::kSucceeded) {
        text += fmt::format("  {:<34} {} in, {} out, {} rejected, {}{}{}{}\n",
                            model.name.ToString(), model.rows_in, model.rows_out,
                            model.rows_rejected, HumanDuration(model.seconds),
                            model.pieces > 0 ? fmt::format(" in {} pieces", model.pieces) : "",
                            model.output_unchanged ? " (same result: nothing committed)" : "",
                            model.run_reason.empty() ? "" : "; ran: " + model.run_reason);
      } else if (model.status == ModelStatus::kMissingInput) {
        text +=
            fmt::format("  {:<34} skipped, no input yet: {}\n", model.name.ToString(), model.error);
      } else if (model.status == ModelStatus::kFailed) {
        text += fmt::format("  {:<34} FAILED: {}\n", model.name.ToString(), model.error);
      }
    }
    if (!empty_inputs.empty()) {
      std::string names;
      for (const TableName& name : empty_inputs) {
        names += (names.empty() ? "" : ", ") + name.ToString();
      }
      text += fmt::format("  empty inputs (not in the source; the models ran without them): {}\n",
                          names);
    }
    for (const ExpectationCount& count : expectations) {
      text += fmt::format("  {:<10} {}: {} rows {}\n", count.action, count.model.ToString(),
                          count.rows, count.expectation);
    }
    for (const FailedModel& failure : failures) {
      std::string skipped;
      for (const TableName& name : failure.skipped_descendants) {
        skipped += (skipped.empty() ? "" : ", ") + name.ToString();
      }
      text += fmt::format("  {} failed; skipped because of it: {}\n", failure.model.ToString(),
                          skipped.empty() ? "nothing" : skipped);
    }
    if (models->expressions_computed + models->expressions_refused > 0) {
      text += fmt::format(
          "  expressions: {} computed, {} refused (which and why: ops.expression_status)\n",
          models->expressions_computed, models->expressions_refused);
    }
    text += fmt::format(
        "models: {} run, {} unchanged, {} failed, {} skipped after a failure, {} without input; "
        "{} rows quarantined to silver.rejects (run {})\n",
        models_run, models_unchanged, models_failed, models_skipped, models_missing_input,
        rows_quarantined, models->run_id);
  }
  if (gold_selected && !gold_reached) {
    text += "sync: nothing reached gold (every gold model was skipped or failed: see above)\n";
  }
  text += fmt::format("sync: {} in {}\n", ok() ? "done" : "FAILED", HumanDuration(seconds));
  return text;
}

Result<SyncSummary> RunSync(const SyncOptions& options) {
  auto started = std::chrono::steady_clock::now();
  auto wanted = [&](SyncStage stage) {
    return options.stages.empty() || options.stages.count(stage) > 0;
  };
  SyncSummary summary;
  // Models are loaded and selected before extracting, so that a bad selector fails at once.
  std::optional<ModelSet> embedded;
  const ModelSet* set = options.model_set;
  if (set == nullptr) {
    DHL_ASSIGN_OR_RETURN(ModelSet loaded, ModelSet::LoadMap(EmbeddedModels()));
    embedded.emplace(std::move(loaded));
    set = &*embedded;
  }
  std::vector<TableName> candidates;
  if (options.models.empty()) {
    for (const Model& model : set->models()) {
      candidates.push_back(model.name);
    }
  } else {
    DHL_ASSIGN_OR_RETURN(candidates, SelectModels(*set, options.models));
  }
  std::vector<TableName> selected;
  for (const TableName& name : candidates) {
    if (wanted(StageOf(name))) {
      selected.push_back(name);
    }
  }

  if (wanted(SyncStage::kExtract)) {
    Result<source::ExtractSummary> extracted = Extract(options);
    if (!extracted.ok()) {
      return extracted.status().WithContext(
          "sync: extraction failed, models not run (the next sync resumes the extraction)");
    }
    summary.extract = std::move(*extracted);
  }
  if (!selected.empty()) {
    DHL_RETURN_IF_ERROR(RunModels(options, *set, selected, summary));
  } else if (!options.models.empty() || !options.stages.empty()) {
    if (wanted(SyncStage::kSilver) || wanted(SyncStage::kGold)) {
      LogWarn("sync: no model matches the selected stages and models");
    }
  }
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace dhl::pipeline
