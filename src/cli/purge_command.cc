// `dhis2lake purge [--dry-run]`: hashes the personal data the lake holds in clear text (landed
// before hashing was configured) in bronze and `_landing`, rebuilds what reads it and removes the
// old files (pipeline::RunPurge does the work; docs/extraction.md "Purge").
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "pipeline/purge_runner.h"
#include "source/extract_options.h"
#include "source/secrets.h"

namespace dhl::cli {
namespace {

int RunPurge(const Config& config, bool dry_run) {
  pipeline::PurgeOptions options;
  options.lake_dir = config.lake_dir;
  options.dry_run = dry_run;
  options.memory_limit_bytes = config.memory_limit_bytes;
  options.settings = config.settings;
  Result<source::ExtractOptions> extract = source::LoadExtractOptions(config.config_file);
  if (!extract.ok()) {
    return ReportFailure(extract.status(), /*usage_on_invalid=*/true);
  }
  options.extract = std::move(*extract);
  Result<source::Secrets> secrets = source::LoadSecrets(source::ProcessEnvironment());
  if (!secrets.ok()) {
    return ReportFailure(secrets.status());
  }
  options.secrets = std::move(*secrets);
  Result<pipeline::PurgeSummary> summary = pipeline::RunPurge(options);
  if (!summary.ok()) {
    return ReportFailure(summary.status());
  }
  fmt::print(stdout, "{}", summary->ToText());
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

void AddPurgeCommand(CLI::App& app, Action* action) {
  auto dry_run = std::make_shared<bool>(false);
  CLI::App* command = app.add_subcommand(
      "purge",
      "Hash personal data landed in clear text (bronze tracker tables, _landing pages), rebuild "
      "the models that read it and delete the old files (readers of old versions lose them)");
  command->add_flag("--dry-run", *dry_run, "List what would change; change nothing");
  command->callback([action, dry_run] {
    *action = [dry_run](const Config& config) { return RunPurge(config, *dry_run); };
  });
}

}  // namespace dhl::cli
