// A process's own folder for temporary files under the lake's `_system/tmp/` (DuckDB's spill
// files, a streamed rebuild's staged rows), so that a process never deletes, and DuckDB never
// reuses, a file of another process working on the same lake (a sync beside `serve` or `sql`).
//
// A folder `<lake>/_system/tmp/<id>/` belongs to the process holding an exclusive flock on
// `<lake>/_system/tmp/<id>.lock` (written and locked under a hidden name, then renamed, as
// lake::WriterRegistry does: a visible lock file is always locked by its creator while it lives).
// A folder whose lock nobody holds, or that has no lock file, is a crashed process's and is
// removed by the next Claim on the lake; so are the files releases before this one left directly
// in `_system/tmp` (`rebuild-*.parquet`, DuckDB's `duckdb_temp_*`). flock does not reach across
// NFS: processes on several machines must not share a lake's `_system/tmp`.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace dhl::engine {

class SpillFolder {
 public:
  // Removes the folders of ended processes (RemoveStale), then creates and locks a new folder.
  // IoError naming the path when `_system/tmp` cannot be created or written (a read-only lake).
  static Result<SpillFolder> Claim(const std::string& lake_dir);

  // Removes, under `root` (a lake's `_system/tmp`), every `<id>/` folder and `<id>.lock` file
  // whose lock no live process holds, and the top-level `rebuild-*.parquet` and `duckdb_temp_*`
  // files of older releases. Returns the bytes freed. A missing root frees nothing.
  static Result<int64_t> RemoveStale(const std::string& root);

  SpillFolder(SpillFolder&& other) noexcept;
  SpillFolder& operator=(SpillFolder&& other) noexcept;
  SpillFolder(const SpillFolder&) = delete;
  SpillFolder& operator=(const SpillFolder&) = delete;
  // Removes the folder with everything in it, then the lock file (then unlocks).
  ~SpillFolder();

  const std::string& path() const { return path_; }

 private:
  SpillFolder(std::string path, std::string lock_path, int fd)
      : path_(std::move(path)), lock_path_(std::move(lock_path)), fd_(fd) {}
  void Release();

  std::string path_;
  std::string lock_path_;
  int fd_ = -1;
};

// Bytes free for an unprivileged writer on the file system holding `path` (its nearest existing
// ancestor); an IoError naming the path when the system does not say.
Result<int64_t> FreeDiskBytes(const std::string& path);

}  // namespace dhl::engine
