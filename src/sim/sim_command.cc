#include "sim/sim_command.h"

#include <fmt/format.h>
#include <pthread.h>

#include <csignal>
#include <cstdio>

#include "http/http_server.h"
#include "sim/simulator.h"

namespace dhl::sim {

SimServer::SimServer(SimOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

SimServer::~SimServer() { Stop(); }

Result<int> SimServer::Start() {
  DHL_RETURN_IF_ERROR(ValidateSimOptions(options_));
  simulator_ = std::make_unique<Simulator>(options_, clock_);
  server_ = std::make_unique<http::HttpServer>();
  simulator_->RegisterRoutes(*server_);
  DHL_ASSIGN_OR_RETURN(port_, server_->Start(options_.host, options_.port));
  return port_;
}

void SimServer::Stop() {
  if (server_) {
    server_->Stop();
  }
}

void SimServer::Wait() {
  if (server_) {
    server_->Wait();
  }
}

std::string SimServer::base_url() const {
  return fmt::format("http://{}:{}", options_.host, port_);
}

Result<std::string> StatsJson(const SimOptions& options) {
  DHL_RETURN_IF_ERROR(ValidateSimOptions(options));
  Simulator simulator(options, SystemClock::Instance());
  return simulator.StatsJson();
}

int RunSimCommand(const SimOptions& options) {
  Status valid = ValidateSimOptions(options);
  if (!valid.ok()) {
    std::fprintf(stderr, "error: %s\n", valid.message().c_str());
    return 2;
  }
  // Block SIGINT/SIGTERM in this thread and the server threads started below; this thread waits
  // for them with sigwait and then stops the server gracefully.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &signals, &previous);
  SimServer server(options);
  auto port = server.Start();
  if (!port.ok()) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    std::fprintf(stderr, "error: %s\n", port.status().message().c_str());
    return 1;
  }
  std::printf("listening on http://%s:%d\n", options.host.c_str(), *port);
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  server.Stop();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return 0;
}

}  // namespace dhl::sim
