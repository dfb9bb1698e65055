// `dhis2lake demo [--port N] [--scale small|medium|large]`: the first thing a newcomer runs. It
// starts the DHIS2 simulator (a child `dhis2lake sim --port 0`), syncs it into the lake (a child
// `dhis2lake sync --source URL`, credentials the simulator's admin/district), stops the simulator,
// then serves the lake and the dashboard on 127.0.0.1 (port 8080 unless told) until interrupted.
// As for every server, the first line on stdout is `listening on http://127.0.0.1:PORT`; progress
// and the sync's report go to stderr.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "cli/child_process.h"
#include "cli/command.h"

namespace dhl::cli {
namespace {

struct DemoArgs {
  int port = 8080;
  std::string scale = "small";
};

int RunDemo(const Config& config, const DemoArgs& args) {
  namespace fs = std::filesystem;
  std::string lake = fs::absolute(config.lake_dir).lexically_normal().string();
  fmt::print(stderr, "dhis2lake demo: a DHIS2 lakehouse in {}\n", lake);
  fmt::print(stderr, "== starting the DHIS2 simulator (scale {})\n", args.scale);
  Result<ChildProcess> simulator =
      ChildProcess::StartSelf({"sim", "--port", "0", "--scale", args.scale}, {}, true);
  if (!simulator.ok()) {
    return ReportFailure(simulator.status());
  }
  std::optional<std::string> first = simulator->ReadLine();
  const std::string prefix = "listening on ";
  if (!first.has_value() || first->rfind(prefix, 0) != 0) {
    return ReportFailure(
        IoError("the simulator did not start (its first line: " + first.value_or("none") + ")"));
  }
  std::string url = first->substr(prefix.size());
  fmt::print(stderr, "== syncing {} into {} (extract, silver, gold)\n", url, lake);
  std::vector<std::string> sync_args = {"--lake", lake};
  if (!config.config_file.empty()) {
    sync_args.insert(sync_args.end(), {"--config", config.config_file});
  }
  sync_args.insert(sync_args.end(), {"sync", "--source", url});
  Result<ChildProcess> sync = ChildProcess::StartSelf(
      sync_args, {{"DHIS2_USERNAME", "admin"}, {"DHIS2_PASSWORD", "district"}}, true);
  if (!sync.ok()) {
    return ReportFailure(sync.status());
  }
  while (std::optional<std::string> line = sync->ReadLine()) {
    fmt::print(stderr, "   {}\n", *line);
  }
  int synced = sync->Wait();
  simulator->Terminate();
  if (synced != 0) {
    fmt::print(stderr, "error: the sync failed (exit code {}); the lake is left as it is\n",
               synced);
    return kExitFailure;
  }
  serve::ServerOptions options;
  options.lake_dir = lake;
  options.port = args.port;
  options.web_dir = FindWebDist();
  if (options.web_dir.empty()) {
    fmt::print(stderr,
               "warning: the dashboard is not built (no web/dist): run `cd web && npm ci && npm "
               "run build`; the APIs are served without it\n");
  }
  return ServeUntilSignal(options, [](int port) {
    std::string base = fmt::format("http://127.0.0.1:{}", port);
    fmt::print(stdout,
               "\nThe dashboard:        {0}/\n"
               "DHIS2's analytics API: {0}/api/analytics?dimension=dx:<indicator>&"
               "dimension=pe:LAST_12_MONTHS&dimension=ou:USER_ORGUNIT\n"
               "Read-only SQL:        {0}/api/sql?q=SELECT%20*%20FROM%20gold.indicator_value%20"
               "LIMIT%2010\n"
               "Metrics:              {0}/metrics\n"
               "Press Ctrl-C to stop.\n",
               base);
    std::fflush(stdout);
  });
}

}  // namespace

void AddDemoCommand(CLI::App& app, Action* action) {
  auto args = std::make_shared<DemoArgs>();
  CLI::App* command = app.add_subcommand(
      "demo",
      "Simulator + full sync + dashboard on http://127.0.0.1:8080 (the first thing to run)");
  command->add_option("--port", args->port, "Port of the dashboard (default 8080; 0 = a free port)")
      ->check(CLI::Range(0, 65535));
  command->add_option("--scale", args->scale,
                      "Size of the simulated country: small, medium, large");
  command->callback([action, args] {
    *action = [args](const Config& config) { return RunDemo(config, *args); };
  });
}

}  // namespace dhl::cli
