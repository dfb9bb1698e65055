// `dhis2lake serve [--port N] [--bind ADDR]`: the lake over HTTP (see src/serve/server.h).
// Configuration (dhis2lake.toml):
//   [serve]
//   port = 8080            # 0 = a free port
//   bind = "127.0.0.1"     # another address needs tokens
//   row_limit = 10000      # rows an /api/sql answer holds at most
//   byte_limit = 33554432  # bytes an /api/sql answer holds at most (refused beyond)
//   timeout = 30           # seconds a query may run
//   cache_entries = 1000   # analytics answers kept
//   [[serve.tokens]]
//   token = "…"            # or token_env = "NAME": the secret is read from that environment
//   variable org_units = ["uid", …] # subtree roots; omitted = the whole country (an empty list
//   is refused: it must not widen a token meant to see nothing to the whole country)
#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cli/command.h"
#include "serve/server.h"
#include "serve/server_config.h"

namespace dhl::cli {

std::string FindWebDist() {
  std::error_code error;
  std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) {
    return "";
  }
  for (std::filesystem::path dir = executable.parent_path(); !dir.empty();
       dir = dir.parent_path()) {
    for (const char* candidate : {"share/dhis2lake/web", "web/dist"}) {
      std::filesystem::path index = dir / candidate / "index.html";
      if (std::filesystem::is_regular_file(index, error)) {
        return (dir / candidate).string();
      }
    }
    if (dir == dir.parent_path()) {
      break;
    }
  }
  return "";
}

int ServeUntilSignal(const serve::ServerOptions& options,
                     const std::function<void(int port)>& on_listening) {
  // SIGINT/SIGTERM are blocked here and in the server's threads; this thread waits for them and
  // stops the server gracefully.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &signals, &previous);
  serve::Server server(options);
  Result<int> port = server.Start();
  if (!port.ok()) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return ReportFailure(port.status());
  }
  std::string host =
      options.bind.find(':') != std::string::npos ? "[" + options.bind + "]" : options.bind;
  fmt::print(stdout, "listening on http://{}:{}\n", host, *port);
  std::fflush(stdout);
  if (on_listening) {
    on_listening(*port);
  }
  int received = 0;
  sigwait(&signals, &received);
  server.Stop();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return kExitOk;
}

void AddServeCommand(CLI::App& app, Action* action) {
  struct Args {
    std::optional<int> port;
    std::optional<std::string> bind;
  };
  auto args = std::make_shared<Args>();
  CLI::App* command = app.add_subcommand(
      "serve", "Serve the analytics API, SQL API, dashboards, /metrics and /health");
  command->add_option("--port", args->port, "Port (default 8080; 0 = a free port)")
      ->check(CLI::Range(0, 65535));
  command->add_option("--bind", args->bind,
                      "Address to bind (default 127.0.0.1; another needs [[serve.tokens]])");
  command->callback([action, args] {
    *action = [args](const Config& config) {
      serve::ServerOptions options;
      options.lake_dir = config.lake_dir;
      Status configured = serve::ApplyServeConfig(config.config_file, options);
      if (!configured.ok()) {
        return ReportFailure(configured);
      }
      if (args->port.has_value()) {
        options.port = *args->port;
      }
      if (args->bind.has_value()) {
        options.bind = *args->bind;
      }
      options.web_dir = FindWebDist();
      return ServeUntilSignal(options, nullptr);
    };
  });
}

}  // namespace dhl::cli
