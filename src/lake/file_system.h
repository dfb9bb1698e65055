// The file operations the lake needs, behind an interface so that tests can inject faults. Paths
// are plain local paths (absolute or relative to the working directory). LocalFileSystem is POSIX;
// it is stateless and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace dhl::lake {

struct FileInfo {
  std::string name;  // the entry's name within its folder (List) or the path given (Stat)
  bool is_directory = false;
  int64_t size = 0;                  // Stat only (-1 from List)
  int64_t modification_time_ms = 0;  // epoch milliseconds; Stat only (-1 from List)
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // The entries of folder `path` (not recursive, no "." or ".."), in no particular order, with
  // their names and kinds only (listing a long log must not stat every file). NotFound when the
  // folder does not exist.
  virtual Result<std::vector<FileInfo>> List(const std::string& path) = 0;
  // NotFound when `path` does not exist.
  virtual Result<FileInfo> Stat(const std::string& path) = 0;
  virtual Result<std::string> Read(const std::string& path) = 0;
  // Creates `path` holding `content`, atomically and durably, only if it does not exist yet: the
  // content goes to a hidden temporary file beside it, is fsynced, then link()ed to `path`. Returns
  // Conflict when `path` already exists (another writer won); readers never see a partial file.
  virtual Status PutIfAbsent(const std::string& path, std::string_view content) = 0;
  // Atomically replaces (or creates) `path` with `content` (temporary file, fsync, rename()).
  virtual Status Replace(const std::string& path, std::string_view content) = 0;
  // link(from, to) then unlink(from): moves a complete file into place without overwriting
  // anything. Conflict when `to` exists.
  virtual Status MoveIfAbsent(const std::string& from, const std::string& to) = 0;
  // Flushes file or folder `path` to stable storage (fsync), for files written outside this
  // interface (DuckDB's COPY) before a commit names them, and for the folders holding them.
  virtual Status Sync(const std::string& path) = 0;
  // Like `mkdir -p`.
  virtual Status CreateDirectories(const std::string& path) = 0;
  // Deletes a file, or an empty folder. NotFound when absent.
  virtual Status Delete(const std::string& path) = 0;
  // Deletes a folder and all it holds; ok when absent.
  virtual Status DeleteRecursively(const std::string& path) = 0;
};

class LocalFileSystem final : public FileSystem {
 public:
  Result<std::vector<FileInfo>> List(const std::string& path) override;
  Result<FileInfo> Stat(const std::string& path) override;
  Result<std::string> Read(const std::string& path) override;
  Status PutIfAbsent(const std::string& path, std::string_view content) override;
  Status Replace(const std::string& path, std::string_view content) override;
  Status MoveIfAbsent(const std::string& from, const std::string& to) override;
  Status Sync(const std::string& path) override;
  Status CreateDirectories(const std::string& path) override;
  Status Delete(const std::string& path) override;
  Status DeleteRecursively(const std::string& path) override;

  // A process-wide instance for callers with nothing to inject (the CLI).
  static LocalFileSystem& Instance();
};

}  // namespace dhl::lake
