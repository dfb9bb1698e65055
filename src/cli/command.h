// How sub-commands plug into the CLI: each Add*Command registers its CLI11 sub-command and the action
// to run when it is chosen. An action returns the process exit code: 0 success, 1 a failure its
// message explains (printed by the action), 2 wrong usage.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "cli/config.h"

namespace dhl::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

using Action = std::function<int(const Config&)>;

// Each sets `*action` when its sub-command is parsed.
void AddPeriodCommand(CLI::App& app, Action* action);
void AddSqlCommand(CLI::App& app, Action* action);
void AddLakeCommands(CLI::App& app, Action* action);
void AddDemoCommand(CLI::App& app, Action* action);
void AddSyncCommand(CLI::App& app, Action* action);
void AddInitCommand(CLI::App& app, Action* action);
void AddSimCommand(CLI::App& app, Action* action);
void AddExportCommand(CLI::App& app, Action* action);
void AddServeCommand(CLI::App& app, Action* action);

// Prints "error: <status message>" to stderr and returns kExitFailure (or kExitUsage for an
// invalid-argument status when `usage_on_invalid` is set).
int ReportFailure(const Status& status, bool usage_on_invalid = false);

}  // namespace dhl::cli
