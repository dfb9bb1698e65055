// How sub-commands plug into the CLI: each Add*Command registers its CLI11 sub-command and the
// action to run when it is chosen. An action returns the process exit code: 0 success, 1 a failure
// its message explains (printed by the action), 2 wrong usage.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "cli/config.h"
#include "serve/server.h"

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
void AddPurgeCommand(CLI::App& app, Action* action);

// Prints "error: <status message>" to stderr and returns kExitFailure (or kExitUsage for an
// invalid-argument status when `usage_on_invalid` is set).
int ReportFailure(const Status& status, bool usage_on_invalid = false);

// The built dashboard (web/dist or share/dhis2lake/web), looked for beside the executable and in
// its ancestors (a build tree inside the source tree finds <source>/web/dist), never relative to
// the working directory; empty when there is none.
std::string FindWebDist();

// Serves `options` until SIGINT or SIGTERM: prints `listening on http://HOST:PORT` first, then
// calls `on_listening` (may be empty). Returns the exit code.
int ServeUntilSignal(const serve::ServerOptions& options,
                     const std::function<void(int port)>& on_listening);

}  // namespace dhl::cli
