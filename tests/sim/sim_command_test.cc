// The `dhis2lake sim` sub-command as a user runs it: `--stats` equals the library's answer, and the
// server prints its "listening on" line first, answers, and stops cleanly on SIGTERM. Skipped until
// the CLI offers the sub-command.
#include "sim/sim_command.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "base/test_paths.h"
#include "http/curl_transport.h"

namespace dhl::sim {
namespace {

#ifdef DHL_CLI
// Runs `command` and returns (exit code, stdout).
std::pair<int, std::string> RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return {-1, ""};
  }
  char buffer[4096];
  size_t read = 0;
  while ((read = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    output.append(buffer, read);
  }
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

bool CliHasSim() {
  auto [code, output] = RunCommand(std::string(DHL_CLI) + " sim --help 2>/dev/null");
  return code == 0;
}

TEST(SimCommandTest, StatsEqualTheLibrary) {
  if (!CliHasSim()) {
    GTEST_SKIP() << "dhis2lake has no sim sub-command yet";
  }
  auto [code, output] =
      RunCommand(std::string(DHL_CLI) + " sim --stats --scale small --seed 3 --mutate 0.02");
  ASSERT_EQ(code, 0) << output;
  SimOptions options;
  options.seed = 3;
  options.mutate = 0.02;
  auto expected = StatsJson(options);
  ASSERT_TRUE(expected.ok());
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) {
    output.pop_back();
  }
  EXPECT_EQ(output, *expected);
}

TEST(SimCommandTest, ServesUntilSigterm) {
  if (!CliHasSim()) {
    GTEST_SKIP() << "dhis2lake has no sim sub-command yet";
  }
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(DHL_CLI, DHL_CLI, "sim", "--port", "0", "--scale", "small", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char c = 0;
  while (read(out[0], &c, 1) == 1 && c != '\n') {
    line.push_back(c);
  }
  ASSERT_TRUE(line.starts_with("listening on http://127.0.0.1:")) << line;
  std::string base = line.substr(std::string("listening on ").size());
  http::CurlTransport transport;
  http::HttpRequest request;
  request.url = base + "/api/system/info";
  request.headers = {{"Authorization", "Basic YWRtaW46ZGlzdHJpY3Q="}};
  http::StringSink sink;
  ASSERT_TRUE(transport.Send(request, sink).ok());
  EXPECT_EQ(sink.head().status, 200);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  close(out[0]);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}
#else
TEST(SimCommandTest, NeedsTheCli) { GTEST_SKIP() << "built without the dhis2lake binary"; }
#endif

}  // namespace
}  // namespace dhl::sim
