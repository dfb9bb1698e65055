// Whole-file reads for small files (plans, markers, static assets), lock-file probes: errors as
// values.
#pragma once

#include <unistd.h>

#include <string>
#include <utility>

#include "base/status.h"

namespace dhl {

// Owns an open file descriptor (-1: none) and closes it when it goes.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&&) = delete;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // The descriptor, no longer owned (the caller closes it).
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// The bytes of the file at `path`; an I/O error naming the path when it cannot be opened or read.
Result<std::string> ReadWholeFile(const std::string& path);

// Whether a live process holds a flock on the file at `path` (false when it does not exist): the
// lock files of lake::WriterRegistry and engine::SpillFolder, whose owners hold them exclusively
// for as long as they live. flock does not reach across NFS.
Result<bool> IsFlockHeld(const std::string& path);

}  // namespace dhl
