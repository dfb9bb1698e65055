#include "lake/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "base/file.h"
#include "base/hash.h"

namespace dhl::lake {
namespace {

Status ErrnoStatus(const std::string& what, const std::string& path, int error) {
  std::string message = path + ": " + what + " failed: " + std::strerror(error);
  if (error == ENOENT) {
    return NotFound(message);
  }
  if (error == EEXIST) {
    return Conflict(message);
  }
  return IoError(message);
}

std::string ParentOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) {
    return ".";
  }
  if (slash == 0) {
    return "/";
  }
  return path.substr(0, slash);
}

// fsync of a file or a folder (opened read-only, as fsync needs no write access).
Status SyncPath(const std::string& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return ErrnoStatus("open", path, errno);
  }
  if (::fsync(fd.get()) != 0) {
    return ErrnoStatus("fsync", path, errno);
  }
  return Status::Ok();
}

Status SyncDirectory(const std::string& dir) { return SyncPath(dir); }

// Writes `content` to a new hidden temporary file in `dir` and fsyncs it; returns its path.
Result<std::string> WriteTemporary(const std::string& dir, std::string_view content) {
  std::string tmp = dir + "/.tmp-" + Uuid4();
  FileDescriptor fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
    return ErrnoStatus("create", tmp, errno);
  }
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      Status status = ErrnoStatus("write", tmp, errno);
      ::unlink(tmp.c_str());
      return status;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    Status status = ErrnoStatus("fsync", tmp, errno);
    ::unlink(tmp.c_str());
    return status;
  }
  if (::close(fd.Release()) != 0) {
    Status status = ErrnoStatus("close", tmp, errno);
    ::unlink(tmp.c_str());
    return status;
  }
  return tmp;
}

}  // namespace

LocalFileSystem& LocalFileSystem::Instance() {
  static LocalFileSystem file_system;
  return file_system;
}

Result<std::vector<FileInfo>> LocalFileSystem::List(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) {
    return ErrnoStatus("list", path, errno);
  }
  std::vector<FileInfo> entries;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") {
      continue;
    }
    if (entry->d_type != DT_UNKNOWN && entry->d_type != DT_LNK) {
      entries.push_back({name, entry->d_type == DT_DIR, -1, -1});
      continue;
    }
    struct stat info {};
    if (::fstatat(::dirfd(dir), name.c_str(), &info, 0) != 0) {
      continue;  // vanished while listing
    }
    entries.push_back({name, S_ISDIR(info.st_mode), -1, -1});
  }
  ::closedir(dir);
  return entries;
}

Result<FileInfo> LocalFileSystem::Stat(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return ErrnoStatus("stat", path, errno);
  }
  return FileInfo{
      path, S_ISDIR(info.st_mode), static_cast<int64_t>(info.st_size),
      static_cast<int64_t>(info.st_mtim.tv_sec) * 1000 + info.st_mtim.tv_nsec / 1000000};
}

Result<std::string> LocalFileSystem::Read(const std::string& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return ErrnoStatus("open", path, errno);
  }
  std::string content;
  char buffer[1 << 16];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return ErrnoStatus("read", path, errno);
    }
    if (n == 0) {
      break;
    }
    content.append(buffer, static_cast<size_t>(n));
  }
  return content;
}

Status LocalFileSystem::PutIfAbsent(const std::string& path, std::string_view content) {
  std::string dir = ParentOf(path);
  DHL_ASSIGN_OR_RETURN(std::string tmp, WriteTemporary(dir, content));
  return MoveIfAbsent(tmp, path);
}

Status LocalFileSystem::Replace(const std::string& path, std::string_view content) {
  std::string dir = ParentOf(path);
  DHL_ASSIGN_OR_RETURN(std::string tmp, WriteTemporary(dir, content));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status status = ErrnoStatus("rename", path, errno);
    ::unlink(tmp.c_str());
    return status;
  }
  return SyncDirectory(dir);
}

Status LocalFileSystem::MoveIfAbsent(const std::string& from, const std::string& to) {
  if (::link(from.c_str(), to.c_str()) != 0) {
    int error = errno;
    ::unlink(from.c_str());
    return ErrnoStatus("link", to, error);
  }
  ::unlink(from.c_str());
  return SyncDirectory(ParentOf(to));
}

Status LocalFileSystem::Sync(const std::string& path) { return SyncPath(path); }

Status LocalFileSystem::CreateDirectories(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) {
    return IoError(path + ": create directories failed: " + error.message());
  }
  return Status::Ok();
}

Status LocalFileSystem::Delete(const std::string& path) {
  if (::remove(path.c_str()) != 0) {
    return ErrnoStatus("delete", path, errno);
  }
  return Status::Ok();
}

Status LocalFileSystem::DeleteRecursively(const std::string& path) {
  std::error_code error;
  std::filesystem::remove_all(path, error);
  if (error) {
    return IoError(path + ": delete failed: " + error.message());
  }
  return Status::Ok();
}

}  // namespace dhl::lake
