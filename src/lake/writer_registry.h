// The writers running on a lake, registered in one folder (the lake's `_system/writers/`,
// DESIGN.md), so that vacuum never deletes a file a writer has written but not yet committed: it
// keeps every file younger than the oldest running writer's start (docs/delta.md §12).
//
// A registration is a file `<start ms>-<uuid>.writer` holding the writer's start and process id.
// Its owner holds an exclusive flock on it for as long as the registration lives; a file nobody
// holds a lock on belongs to a writer that died without unregistering, and is ignored (and
// removed). Works across processes on one machine (flock does not reach across NFS). A
// WriterRegistry holds a reference to the Clock, which must outlive it; it is thread-safe (each
// call opens its own files).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace dhl::lake {

class WriterRegistry {
 public:
  // One live registration; unregisters (unlock, delete) when destroyed. Move-only.
  class Registration {
   public:
    Registration(Registration&& other) noexcept;
    Registration& operator=(Registration&& other) noexcept;
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    ~Registration();

    int64_t start_ms() const { return start_ms_; }
    const std::string& path() const { return path_; }

   private:
    friend class WriterRegistry;
    Registration(std::string path, int fd, int64_t start_ms)
        : path_(std::move(path)), fd_(fd), start_ms_(start_ms) {}
    void Release();

    std::string path_;
    int fd_ = -1;
    int64_t start_ms_ = 0;
  };

  WriterRegistry(std::string folder, const Clock& clock);

  const std::string& folder() const { return folder_; }

  // Registers a writer starting now; `what` (e.g. the table written) is recorded for people
  // reading the folder. IoError when the folder cannot be created or the file written.
  Result<Registration> Register(std::string_view what) const;

  // The start (epoch ms) of the oldest live registration; nullopt when none (or no folder).
  // Registrations of dead writers are removed on the way.
  Result<std::optional<int64_t>> OldestStart() const;

 private:
  std::string folder_;
  const Clock* clock_;
};

}  // namespace dhl::lake
