#include "engine/spill_folder.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <system_error>
#include <vector>

#include "base/file.h"
#include "base/hash.h"
#include "base/logging.h"
#include "engine/memory_limit.h"

namespace dhl::engine {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kLockSuffix = ".lock";

Status ErrnoError(std::string_view what, const std::string& path, int error) {
  return IoError(fmt::format("{}: {} failed: {}", path, what, std::strerror(error)));
}

// The bytes of the files under `path` (a file or a folder); what cannot be read counts 0.
int64_t BytesUnder(const fs::path& path) {
  std::error_code error;
  if (fs::is_regular_file(path, error)) {
    auto size = fs::file_size(path, error);
    return error ? 0 : static_cast<int64_t>(size);
  }
  int64_t bytes = 0;
  for (fs::recursive_directory_iterator it(path, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_regular_file(error)) {
      auto size = it->file_size(error);
      if (!error) bytes += static_cast<int64_t>(size);
    }
  }
  return bytes;
}

bool IsOlderReleaseFile(const std::string& name) {
  return (name.starts_with("rebuild-") && name.ends_with(".parquet")) ||
         name.starts_with("duckdb_temp_");
}

}  // namespace

Result<int64_t> SpillFolder::RemoveStale(const std::string& root) {
  std::error_code error;
  if (!fs::is_directory(root, error)) return int64_t{0};
  std::set<std::string> folders;
  std::set<std::string> locks;
  std::vector<fs::path> old_files;
  for (fs::directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with(".")) continue;  // a lock file being created
    std::error_code kind_error;
    if (it->is_directory(kind_error)) {
      folders.insert(name);
    } else if (name.ends_with(kLockSuffix)) {
      locks.insert(name.substr(0, name.size() - kLockSuffix.size()));
    } else if (IsOlderReleaseFile(name)) {
      old_files.push_back(it->path());
    }
  }
  if (error) return IoError("listing " + root + ": " + error.message());
  int64_t freed = 0;
  // A claim renames its locked lock file into place before it creates its folder, and removes
  // the folder before the lock file: a folder without a lock file, or whose lock nobody holds,
  // is an ended process's.
  folders.insert(locks.begin(), locks.end());
  for (const std::string& id : folders) {
    const std::string lock = root + "/" + id + std::string(kLockSuffix);
    DHL_ASSIGN_OR_RETURN(bool held, IsFlockHeld(lock));
    if (held) continue;
    const fs::path folder = fs::path(root) / id;
    int64_t bytes = BytesUnder(folder);
    fs::remove_all(folder, error);
    if (error) return IoError("removing " + folder.string() + ": " + error.message());
    freed += bytes;
    fs::remove(lock, error);
  }
  for (const fs::path& file : old_files) {
    int64_t bytes = BytesUnder(file);
    if (fs::remove(file, error)) freed += bytes;
  }
  if (freed > 0) {
    LogInfo("removed {} bytes of temporary files an ended process left in {}", freed, root);
  }
  return freed;
}

Result<SpillFolder> SpillFolder::Claim(const std::string& lake_dir) {
  const std::string root = SpillDirectory(lake_dir);
  std::error_code error;
  fs::create_directories(root, error);
  if (error) return IoError("creating " + root + ": " + error.message());
  DHL_RETURN_IF_ERROR(RemoveStale(root).status());
  const std::string id = Uuid4();
  const std::string temporary = root + "/." + id + std::string(kLockSuffix);
  const std::string lock = root + "/" + id + std::string(kLockSuffix);
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("create", temporary, errno);
  SpillFolder folder(root + "/" + id, temporary, fd);
  if (::flock(fd, LOCK_EX) != 0) return ErrnoError("flock", temporary, errno);
  std::string pid = std::to_string(::getpid());
  if (::write(fd, pid.data(), pid.size()) < 0) return ErrnoError("write", temporary, errno);
  if (::rename(temporary.c_str(), lock.c_str()) != 0) return ErrnoError("rename", lock, errno);
  folder.lock_path_ = lock;
  fs::create_directory(folder.path_, error);
  if (error) return IoError("creating " + folder.path_ + ": " + error.message());
  return folder;
}

SpillFolder::SpillFolder(SpillFolder&& other) noexcept
    : path_(std::move(other.path_)), lock_path_(std::move(other.lock_path_)), fd_(other.fd_) {
  other.fd_ = -1;
}

SpillFolder& SpillFolder::operator=(SpillFolder&& other) noexcept {
  if (this != &other) {
    Release();
    path_ = std::move(other.path_);
    lock_path_ = std::move(other.lock_path_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

SpillFolder::~SpillFolder() { Release(); }

void SpillFolder::Release() {
  if (fd_ < 0) return;
  std::error_code ignored;
  fs::remove_all(path_, ignored);
  ::unlink(lock_path_.c_str());
  ::close(fd_);  // releases the lock
  fd_ = -1;
}

Result<int64_t> FreeDiskBytes(const std::string& path) {
  fs::path existing = path;
  std::error_code error;
  while (!existing.empty() && !fs::exists(existing, error)) existing = existing.parent_path();
  fs::space_info space = fs::space(existing.empty() ? fs::path(".") : existing, error);
  if (error) return IoError("free space of " + path + ": " + error.message());
  return static_cast<int64_t>(space.available);
}

}  // namespace dhl::engine
