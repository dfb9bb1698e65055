// Time comes in through this interface so that tests can drive it. SystemClock is the real one;
// FakeClock only moves when told. Both are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace dhl {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (for timestamps that are stored).
  virtual std::chrono::system_clock::time_point Now() const = 0;
  // Monotonic time (for durations and rates).
  virtual std::chrono::steady_clock::time_point Steady() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point Steady() const override {
    return std::chrono::steady_clock::now();
  }
  // A process-wide instance, for code paths that have no injected clock (the CLI's defaults).
  static const SystemClock& Instance();
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t epoch_ms = 0) : ms_(epoch_ms) {}
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms_.load()));
  }
  std::chrono::steady_clock::time_point Steady() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms_.load()));
  }
  void Advance(std::chrono::milliseconds by) { ms_ += by.count(); }
  void Set(int64_t epoch_ms) { ms_ = epoch_ms; }

 private:
  std::atomic<int64_t> ms_;
};

// Milliseconds since the Unix epoch.
int64_t ToEpochMillis(std::chrono::system_clock::time_point time);

// "2024-01-02T03:04:05.678Z" (UTC, milliseconds).
std::string FormatIsoUtcMillis(int64_t epoch_ms);

}  // namespace dhl
