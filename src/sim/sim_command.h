// What the CLI's `sim` sub-command calls.
//
//   RunSimCommand(options)  binds options.host:options.port (0 = a free port), prints
//                           "listening on http://127.0.0.1:PORT" as the first line on stdout,
//                           serves until SIGINT or SIGTERM, then stops gracefully; returns the exit
//                           code (0, or 1 after printing "error: ..." to stderr, 2 for bad
//                           options).
//   StatsJson(options)      the `--stats` object for the options' scale, seed and --mutate, without
//                           binding a port (one line, no trailing newline).
//
// SimServer is the same server for tests and `demo`: start it in-process on port 0, read its port,
// stop it (or let the destructor do so).
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "sim/sim_options.h"

namespace dhl::http {
class HttpServer;
}

namespace dhl::sim {

class Simulator;

int RunSimCommand(const SimOptions& options);
Result<std::string> StatsJson(const SimOptions& options);

class SimServer {
 public:
  // `clock` (default: the system clock) must outlive the server.
  explicit SimServer(SimOptions options, const Clock& clock = SystemClock::Instance());
  ~SimServer();

  // Builds the country and binds; returns the bound port.
  Result<int> Start();
  void Stop();
  void Wait();
  int port() const { return port_; }
  std::string base_url() const;  // "http://127.0.0.1:PORT"
  Simulator& simulator() { return *simulator_; }

 private:
  SimOptions options_;
  const Clock& clock_;
  std::unique_ptr<Simulator> simulator_;
  std::unique_ptr<http::HttpServer> server_;
  int port_ = 0;
};

}  // namespace dhl::sim
