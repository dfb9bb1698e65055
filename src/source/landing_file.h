// A response streamed to a file in lake/_landing as it is received: written to `<path>.part` and
// renamed to `<path>` by Commit, so that a file without the suffix is always a complete response. A
// new attempt (ResponseSink::Begin again) truncates what the previous one wrote. Counts bytes.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "http/http_transport.h"

namespace dhl::source {

class LandingFile final : public http::ResponseSink {
 public:
  explicit LandingFile(std::string path);
  ~LandingFile() override;  // closes and removes an uncommitted .part file
  LandingFile(const LandingFile&) = delete;
  LandingFile& operator=(const LandingFile&) = delete;

  Status Begin(const http::HttpResponseHead& head) override;
  Status Write(std::string_view chunk) override;
  // Closes, flushes to disk and renames the .part file to the final path.
  Status Commit();
  // Flushes what was written so far to part_path() (not to disk), so that the body can be read,
  // and checked, before Commit puts it in place.
  Status Flush();

  std::string part_path() const { return path_ + ".part"; }

  int64_t bytes() const { return bytes_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  int64_t bytes_ = 0;
};

// Writes `data` to `path` atomically (temporary file, fsync, rename).
Status WriteFileAtomically(const std::string& path, std::string_view data);

}  // namespace dhl::source
