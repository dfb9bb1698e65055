// A child process of this executable (`dhis2lake demo` runs `dhis2lake sim` and `dhis2lake sync`
// as children), with its standard output readable line by line through a pipe. The destructor
// ends a child still running (SIGTERM, then waits for it).
//
// Thread safety: one thread uses a ChildProcess at a time.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace dhl::cli {

class ChildProcess {
 public:
  // Starts `/proc/self/exe` with `arguments` (argv[1..]) and the current environment plus
  // `environment` (which overrides). `capture_stdout`: the child's stdout goes to a pipe read by
  // ReadLine; otherwise it shares ours. The child's stderr is always ours.
  static Result<ChildProcess> StartSelf(const std::vector<std::string>& arguments,
                                        const std::map<std::string, std::string>& environment,
                                        bool capture_stdout);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  // The next line of the child's stdout without its newline; std::nullopt at end of output.
  std::optional<std::string> ReadLine();
  // Waits for the child to end; its exit code (128 + signal when a signal ended it).
  int Wait();
  // Sends SIGTERM and waits.
  void Terminate();

 private:
  ChildProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
};

}  // namespace dhl::cli
