#include "http/sleeper.h"

#include <thread>

namespace dhl::http {

void SystemSleeper::SleepFor(std::chrono::milliseconds duration) {
  std::this_thread::sleep_for(duration);
}

void FakeSleeper::SleepFor(std::chrono::milliseconds duration) {
  std::lock_guard lock(mutex_);
  waits_.push_back(duration);
  if (clock_ != nullptr) {
    clock_->Advance(duration);
  }
}

std::vector<std::chrono::milliseconds> FakeSleeper::waits() const {
  std::lock_guard lock(mutex_);
  return waits_;
}

std::chrono::milliseconds FakeSleeper::total() const {
  std::lock_guard lock(mutex_);
  std::chrono::milliseconds sum{0};
  for (auto wait : waits_) {
    sum += wait;
  }
  return sum;
}

}  // namespace dhl::http
