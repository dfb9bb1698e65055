#include "base/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace dhl {
namespace {
constexpr int kBarWidth = 24;
constexpr std::chrono::milliseconds kTerminalInterval{100};
}  // namespace

std::string HumanCount(double value) {
  if (value < 1000) {
    return fmt::format("{:.0f}", value);
  }
  if (value < 1e6) {
    return fmt::format("{:.1f}k", value / 1e3);
  }
  if (value < 1e9) {
    return fmt::format("{:.1f}M", value / 1e6);
  }
  return fmt::format("{:.1f}G", value / 1e9);
}

std::string HumanBytes(double bytes) {
  if (bytes < 1e3) {
    return fmt::format("{:.0f} B", bytes);
  }
  if (bytes < 1e6) {
    return fmt::format("{:.1f} kB", bytes / 1e3);
  }
  if (bytes < 1e9) {
    return fmt::format("{:.1f} MB", bytes / 1e6);
  }
  return fmt::format("{:.2f} GB", bytes / 1e9);
}

std::string HumanDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) {
    return "?";
  }
  auto total = static_cast<int64_t>(std::llround(seconds));
  if (total >= 3600) {
    return fmt::format("{}h{:02d}m", total / 3600, (total % 3600) / 60);
  }
  if (total >= 60) {
    return fmt::format("{}m{:02d}s", total / 60, total % 60);
  }
  return fmt::format("{}s", total);
}

Progress::Progress(ProgressOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : &SystemClock::Instance()),
      terminal_(options_.terminal.value_or(isatty(fileno(options_.out)) == 1)),
      start_(clock_->Steady()),
      last_draw_(start_) {}

Progress::~Progress() { Finish(); }

void Progress::Add(int64_t count, int64_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    count_ += count;
    bytes_ += bytes;
  }
  MaybeDraw(false);
}

void Progress::SetTotal(int64_t total) {
  std::lock_guard<std::mutex> lock(mutex_);
  options_.total = total;
}

int64_t Progress::count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return count_;
}

std::string Progress::Line(bool final_line) const {
  double elapsed = std::chrono::duration<double>(clock_->Steady() - start_).count();
  double rate = elapsed > 0 ? static_cast<double>(count_) / elapsed : 0;
  std::string line = options_.label + " ";
  if (options_.total && *options_.total > 0) {
    double fraction =
        std::clamp(static_cast<double>(count_) / static_cast<double>(*options_.total), 0.0, 1.0);
    if (terminal_) {
      int filled = static_cast<int>(fraction * kBarWidth);
      line += '[';
      line.append(static_cast<size_t>(filled), '#');
      line.append(static_cast<size_t>(kBarWidth - filled), '.');
      line += "] ";
    }
    line += fmt::format("{}/{} {} ({:.0f}%)", HumanCount(static_cast<double>(count_)),
                        HumanCount(static_cast<double>(*options_.total)), options_.unit,
                        fraction * 100);
  } else {
    line += fmt::format("{} {}", HumanCount(static_cast<double>(count_)), options_.unit);
  }
  if (bytes_ > 0) {
    line += ", " + HumanBytes(static_cast<double>(bytes_));
  }
  line += fmt::format(", {}/s", HumanCount(rate));
  if (final_line) {
    line += ", done in " + HumanDuration(elapsed);
  } else if (options_.total && *options_.total > count_ && rate > 0) {
    line += ", ETA " + HumanDuration(static_cast<double>(*options_.total - count_) / rate);
  }
  return line;
}

void Progress::MaybeDraw(bool force) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) {
    return;
  }
  auto now = clock_->Steady();
  auto interval = terminal_ ? kTerminalInterval : options_.plain_interval;
  if (!force && now - last_draw_ < interval) {
    return;
  }
  last_draw_ = now;
  std::string line = Line(false);
  if (terminal_) {
    fmt::print(options_.out, "\r\033[2K{}", line);
  } else {
    fmt::print(options_.out, "{}\n", line);
  }
  std::fflush(options_.out);
}

void Progress::Finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) {
    return;
  }
  finished_ = true;
  std::string line = Line(true);
  if (terminal_) {
    fmt::print(options_.out, "\r\033[2K{}\n", line);
  } else {
    fmt::print(options_.out, "{}\n", line);
  }
  std::fflush(options_.out);
}

}  // namespace dhl
