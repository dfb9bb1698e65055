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

// A chunk landed in several pages: `<stem>_pNNNNN.json` (number from 1), then the `<stem>.done`
// marker listing them, written once every page is in place.
std::string PageFilePath(const std::string& stem, int number);
Status MarkPagesLanded(const std::string& stem, const std::vector<std::string>& files);
// The pages the chunk's marker lists when it exists and every page is there; empty otherwise
// (not landed, or to be fetched again).
std::vector<std::string> LandedPages(const std::string& stem);

}  // namespace dhl::source
