// `dhis2lake sync [--source URL|DIR] [--full] [--only extract,silver,gold] [--models NAME,…]
// [--engine duckdb|databricks]`: extraction into bronze, then the silver and gold models
// (pipeline::RunSync does the work). Credentials come from the environment or the secrets file
// only.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "databricks/databricks_engine.h"
#include "pipeline/sync_runner.h"
#include "source/extract_options.h"
#include "source/secrets.h"

namespace dhl::cli {
namespace {

struct SyncArgs {
  std::string source;
  bool full = false;
  std::string only;
  std::vector<std::string> models;
  std::string engine = "duckdb";
};

// The engine the models run on: the embedded DuckDB, or a Databricks SQL warehouse
// (src/databricks/databricks_engine.h; settings in [databricks] of the configuration file).
Result<pipeline::ModelEngine> EngineFor(const std::string& engine, const std::string& config_file) {
  if (engine == "duckdb") {
    return pipeline::ModelEngine();  // RunSync's default: the embedded DuckDB
  }
  if (engine == "databricks") {
    return databricks::MakeDatabricksEngine(source::ProcessEnvironment(), config_file);
  }
  return InvalidArgument("--engine " + engine + ": unknown engine (duckdb or databricks)");
}

int RunSync(const Config& config, const SyncArgs& args) {
  pipeline::SyncOptions options;
  options.lake_dir = config.lake_dir;
  options.memory_limit_bytes = config.memory_limit_bytes;
  options.settings = config.settings;
  options.source = args.source;
  options.full = args.full;
  options.models = args.models;
  if (!args.only.empty()) {
    Result<std::set<pipeline::SyncStage>> stages = pipeline::ParseSyncStages(args.only);
    if (!stages.ok()) {
      return ReportFailure(stages.status(), /*usage_on_invalid=*/true);
    }
    options.stages = std::move(*stages);
  }
  Result<pipeline::ModelEngine> engine = EngineFor(args.engine, config.config_file);
  if (!engine.ok()) {
    // Missing Databricks settings or credentials are a failure to run, not a misspelt flag.
    return ReportFailure(engine.status(),
                         /*usage_on_invalid=*/args.engine != "databricks");
  }
  options.run_models = std::move(*engine);
  Result<source::ExtractOptions> extract = source::LoadExtractOptions(config.config_file);
  if (!extract.ok()) {
    return ReportFailure(extract.status(), /*usage_on_invalid=*/true);
  }
  options.extract = std::move(*extract);
  options.extract.only = args.only;
  Result<source::Secrets> secrets = source::LoadSecrets(source::ProcessEnvironment());
  if (!secrets.ok()) {
    return ReportFailure(secrets.status());
  }
  options.secrets = std::move(*secrets);
  Result<pipeline::SyncSummary> summary = pipeline::RunSync(options);
  if (!summary.ok()) {
    // A bad selector is wrong usage; anything else a failure the message explains.
    return ReportFailure(summary.status(),
                         /*usage_on_invalid=*/summary.status().message().rfind("--models", 0) == 0);
  }
  fmt::print(stdout, "{}", summary->ToText());
  std::fflush(stdout);
  return summary->ok() ? kExitOk : kExitFailure;
}

}  // namespace

void AddSyncCommand(CLI::App& app, Action* action) {
  auto args = std::make_shared<SyncArgs>();
  CLI::App* command = app.add_subcommand(
      "sync", "Extract DHIS2 into bronze, then build silver and gold (incremental by default)");
  command->add_option("--source", args->source,
                      "A DHIS2 server URL (default DHIS2_URL), a folder of DHIS2 exports, or "
                      "DHIS2's database as postgresql://USER@HOST:PORT/DBNAME");
  command->add_flag("--full", args->full,
                    "Fetch everything again and rebuild every selected model from its inputs");
  command->add_option("--only", args->only,
                      "Stages to run, comma-separated: extract, silver, gold (default all)");
  command
      ->add_option("--models", args->models,
                   "Models to run (layer.table or table; NAME+ adds its descendants, +NAME its "
                   "ancestors, as dbt's selectors); default all")
      ->delimiter(',');
  command
      ->add_option("--engine", args->engine, "Where the models run: duckdb (default) or databricks")
      ->check(CLI::IsMember({"duckdb", "databricks"}));
  command->callback([action, args] {
    *action = [args](const Config& config) { return RunSync(config, *args); };
  });
}

}  // namespace dhl::cli
