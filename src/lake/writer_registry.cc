#include "lake/writer_registry.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <vector>

#include "base/file.h"
#include "base/hash.h"
#include "base/text.h"

namespace dhl::lake {
namespace {

constexpr std::string_view kSuffix = ".writer";

Status ErrnoError(std::string_view what, const std::string& path, int error) {
  return IoError(fmt::format("{}: {} failed: {}", path, what, std::strerror(error)));
}

Status WriteAll(int fd, const std::string& path, std::string_view content) {
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return ErrnoError("write", path, errno);
    }
    written += static_cast<size_t>(n);
  }
  return Status::Ok();
}

// Whether the registration file `path` is held by a live writer. A file nobody locks is a dead
// writer's: it is removed and reported as not live.
Result<bool> IsLive(const std::string& path) {
  DHL_ASSIGN_OR_RETURN(bool held, IsFlockHeld(path));
  if (!held) ::unlink(path.c_str());
  return held;
}

}  // namespace

WriterRegistry::Registration::Registration(Registration&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_), start_ms_(other.start_ms_) {
  other.fd_ = -1;
}

WriterRegistry::Registration& WriterRegistry::Registration::operator=(
    Registration&& other) noexcept {
  if (this != &other) {
    Release();
    path_ = std::move(other.path_);
    fd_ = other.fd_;
    start_ms_ = other.start_ms_;
    other.fd_ = -1;
  }
  return *this;
}

WriterRegistry::Registration::~Registration() { Release(); }

void WriterRegistry::Registration::Release() {
  if (fd_ >= 0) {
    ::unlink(path_.c_str());
    ::close(fd_);  // releases the lock
    fd_ = -1;
  }
}

WriterRegistry::WriterRegistry(std::string folder, const Clock& clock)
    : folder_(std::move(folder)), clock_(&clock) {}

Result<WriterRegistry::Registration> WriterRegistry::Register(std::string_view what) const {
  std::error_code error;
  std::filesystem::create_directories(folder_, error);
  if (error) {
    return IoError(fmt::format("{}: create directories failed: {}", folder_, error.message()));
  }
  const int64_t start_ms = ToEpochMillis(clock_->Now());
  const std::string id = Uuid4();
  // Written and locked under a hidden name, then renamed: a visible registration is always locked.
  const std::string temporary = folder_ + "/.tmp-" + id;
  const std::string path = fmt::format("{}/{:013d}-{}{}", folder_, start_ms, id, kSuffix);
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    return ErrnoError("create", temporary, errno);
  }
  Registration registration(temporary, fd, start_ms);
  if (::flock(fd, LOCK_EX) != 0) {
    return ErrnoError("flock", temporary, errno);
  }
  nlohmann::json content = {
      {"pid", static_cast<int64_t>(::getpid())}, {"start_ms", start_ms}, {"what", what}};
  DHL_RETURN_IF_ERROR(WriteAll(
      fd, temporary, content.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return ErrnoError("rename", path, errno);
  }
  registration.path_ = path;
  return registration;
}

Result<std::optional<int64_t>> WriterRegistry::OldestStart() const {
  DIR* dir = ::opendir(folder_.c_str());
  if (dir == nullptr) {
    return errno == ENOENT ? Result<std::optional<int64_t>>(std::optional<int64_t>())
                           : ErrnoError("list", folder_, errno);
  }
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name.ends_with(kSuffix) && !name.starts_with(".")) {
      names.push_back(std::move(name));
    }
  }
  ::closedir(dir);
  std::optional<int64_t> oldest;
  for (const auto& name : names) {
    const std::string path = folder_ + "/" + name;
    DHL_ASSIGN_OR_RETURN(bool live, IsLive(path));
    if (!live) {
      continue;
    }
    auto start = ParseInt64(std::string_view(name).substr(0, name.find('-')), "writer start");
    if (!start.ok()) {
      return Corruption(fmt::format("{}: {}", path, start.status().message()));
    }
    oldest = std::min(oldest.value_or(*start), *start);
  }
  return oldest;
}

}  // namespace dhl::lake
