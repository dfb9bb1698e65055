// Progress of long work. On a terminal: one line redrawn in place with a bar, counts, rate and ETA.
// Elsewhere (CI, a log file): a plain line at most every `plain_interval`, and one at the end.
// Add() is thread-safe; drawing is rate-limited so that calling Add() per record is cheap.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>

#include "base/clock.h"

namespace dhl {

struct ProgressOptions {
  std::string label;             // what is being done, e.g. "extract data values"
  std::optional<int64_t> total;  // the expected count, when known
  std::string unit = "items";    // what is counted
  std::FILE* out = stderr;       // where to draw
  std::optional<bool> terminal;  // default: whether `out` is a terminal
  std::chrono::milliseconds plain_interval{5000};
  const Clock* clock = nullptr;  // default: the system clock
};

class Progress {
 public:
  explicit Progress(ProgressOptions options);
  ~Progress();  // Finish()es if not done
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Add(int64_t count, int64_t bytes = 0);
  void SetTotal(int64_t total);
  // Draws the final line (with the elapsed time). Idempotent.
  void Finish();

  int64_t count() const;

  // The text of one progress line, without the terminal control characters. Exposed for tests.
  std::string Line(bool final_line) const;

 private:
  void MaybeDraw(bool force);

  ProgressOptions options_;
  const Clock* clock_;
  bool terminal_;
  mutable std::mutex mutex_;
  int64_t count_ = 0;
  int64_t bytes_ = 0;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "1.2k", "3.4M": counts for people.
std::string HumanCount(double value);
// "12.3 MB".
std::string HumanBytes(double bytes);
// "1h02m", "3m05s", "12s".
std::string HumanDuration(double seconds);

}  // namespace dhl
