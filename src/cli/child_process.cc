#include "cli/child_process.h"

#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

extern char** environ;

namespace dhl::cli {

Result<ChildProcess> ChildProcess::StartSelf(const std::vector<std::string>& arguments,
                                             const std::map<std::string, std::string>& environment,
                                             bool capture_stdout) {
  std::error_code error;
  std::string executable = std::filesystem::read_symlink("/proc/self/exe", error).string();
  if (error) {
    return IoError("cannot find this executable (/proc/self/exe): " + error.message());
  }
  std::vector<std::string> argv_text = {executable};
  argv_text.insert(argv_text.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (std::string& text : argv_text) {
    argv.push_back(text.data());
  }
  argv.push_back(nullptr);
  std::map<std::string, std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text = *entry;
    size_t equals = text.find('=');
    if (equals != std::string::npos) {
      merged[text.substr(0, equals)] = text.substr(equals + 1);
    }
  }
  for (const auto& [name, value] : environment) {
    merged[name] = value;
  }
  std::vector<std::string> env_text;
  for (const auto& [name, value] : merged) {
    env_text.push_back(name + "=" + value);
  }
  std::vector<char*> envp;
  for (std::string& text : env_text) {
    envp.push_back(text.data());
  }
  envp.push_back(nullptr);

  int pipe_fds[2] = {-1, -1};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (capture_stdout) {
    if (pipe(pipe_fds) != 0) {
      posix_spawn_file_actions_destroy(&actions);
      return IoError(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
    }
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
  }
  // The child gets the default signal mask and dispositions, whatever the parent blocks.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attributes, &empty);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  int spawned =
      posix_spawn(&pid, executable.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (capture_stdout) {
    close(pipe_fds[1]);
  }
  if (spawned != 0) {
    if (capture_stdout) {
      close(pipe_fds[0]);
    }
    return IoError(fmt::format("cannot start {} {}: {}", executable,
                               arguments.empty() ? "" : arguments[0], std::strerror(spawned)));
  }
  return ChildProcess(pid, capture_stdout ? pipe_fds[0] : -1);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), stdout_fd_(other.stdout_fd_), buffer_(std::move(other.buffer_)) {
  other.pid_ = -1;
  other.stdout_fd_ = -1;
}

ChildProcess::~ChildProcess() {
  Terminate();
  if (stdout_fd_ >= 0) {
    close(stdout_fd_);
  }
}

std::optional<std::string> ChildProcess::ReadLine() {
  while (true) {
    size_t newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    if (stdout_fd_ < 0) {
      return std::nullopt;
    }
    char chunk[4096];
    ssize_t got = read(stdout_fd_, chunk, sizeof(chunk));
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      close(stdout_fd_);
      stdout_fd_ = -1;
      if (buffer_.empty()) {
        return std::nullopt;
      }
      std::string rest = std::move(buffer_);
      buffer_.clear();
      return rest;
    }
    buffer_.append(chunk, static_cast<size_t>(got));
  }
}

int ChildProcess::Wait() {
  if (pid_ <= 0) {
    return 0;
  }
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

void ChildProcess::Terminate() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    Wait();
  }
}

}  // namespace dhl::cli
