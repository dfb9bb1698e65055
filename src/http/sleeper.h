// Waiting comes in through this interface so that retry tests run instantly: SystemSleeper really
// sleeps; FakeSleeper records the waits and moves a FakeClock forward instead. Both are
// thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <vector>

#include "base/clock.h"

namespace dhl::http {

class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void SleepFor(std::chrono::milliseconds duration) = 0;
};

class SystemSleeper final : public Sleeper {
 public:
  void SleepFor(std::chrono::milliseconds duration) override;
};

class FakeSleeper final : public Sleeper {
 public:
  // `clock`, when given, must outlive this sleeper and is advanced by every wait.
  explicit FakeSleeper(FakeClock* clock = nullptr) : clock_(clock) {}
  void SleepFor(std::chrono::milliseconds duration) override;
  std::vector<std::chrono::milliseconds> waits() const;
  std::chrono::milliseconds total() const;

 private:
  FakeClock* clock_;
  mutable std::mutex mutex_;
  std::vector<std::chrono::milliseconds> waits_;
};

}  // namespace dhl::http
