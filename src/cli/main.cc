// dhis2lake: a lakehouse for DHIS2 data. See README.md for the commands.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "base/logging.h"
#include "cli/command.h"
#include "cli/config.h"

#ifndef DHL_VERSION
#define DHL_VERSION "0.0.0"
#endif

namespace dhl::cli {

int ReportFailure(const Status& status, bool usage_on_invalid) {
  fmt::print(stderr, "error: {}\n", status.message());
  if (usage_on_invalid && status.code() == StatusCode::kInvalidArgument) {
    return kExitUsage;
  }
  return kExitFailure;
}

namespace {

int Main(int argc, char** argv) {
  CLI::App app{"dhis2lake: DHIS2 data as a Delta Lake lakehouse (bronze, silver, gold)",
               "dhis2lake"};
  app.set_version_flag("--version", std::string("dhis2lake ") + DHL_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  GlobalFlags flags;
  std::string lake_dir;
  std::string config_file;
  std::string log_level;
  std::string log_format;
  std::string memory_limit;
  app.add_option("--lake", lake_dir, "Lake folder (default ./lake)");
  app.add_option("--config", config_file,
                 "Configuration file (default ./dhis2lake.toml when it exists)");
  app.add_option("--log-level", log_level, "debug, info, warn or error (default info)");
  app.add_option("--log-format", log_format, "text or json (default text)");
  app.add_option("--memory-limit", memory_limit,
                 "Memory the embedded engine may hold, e.g. 4GB or 50% (default half the "
                 "machine's); it spills under <lake>/_system/tmp beyond that");

  Action action;
  AddPeriodCommand(app, &action);
  AddSqlCommand(app, &action);
  AddLakeCommands(app, &action);
  AddDemoCommand(app, &action);
  AddSyncCommand(app, &action);
  AddInitCommand(app, &action);
  AddSimCommand(app, &action);
  AddExportCommand(app, &action);
  AddServeCommand(app, &action);
  AddPurgeCommand(app, &action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (!lake_dir.empty()) {
    flags.lake_dir = lake_dir;
  }
  if (!config_file.empty()) {
    flags.config_file = config_file;
  }
  if (!log_level.empty()) {
    flags.log_level = log_level;
  }
  if (!log_format.empty()) {
    flags.log_format = log_format;
  }
  if (!memory_limit.empty()) {
    flags.memory_limit = memory_limit;
  }
  Result<Config> config = LoadConfig(flags);
  if (!config.ok()) {
    return ReportFailure(config.status(), /*usage_on_invalid=*/true);
  }
  InitLogging(config->log_level, config->log_format);
  if (!action) {
    fmt::print(stderr, "error: no command given (see dhis2lake --help)\n");
    return kExitUsage;
  }
  return action(*config);
}

}  // namespace
}  // namespace dhl::cli

int main(int argc, char** argv) { return dhl::cli::Main(argc, argv); }
