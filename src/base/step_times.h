// Where a piece of work spends its time, step by step, for debug logs: per named step, the wall
// seconds and the CPU seconds of the whole process (every thread, the embedded engine's included,
// so a step's CPU seconds exceed its wall seconds when the engine runs in parallel, and include
// whatever other threads of the process did meanwhile). Not thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace dhl {

// CPU seconds the process has used so far (user and system, all threads).
double ProcessCpuSeconds();

class StepTimes {
 public:
  // Times from its construction to its destruction, added to `step` of `times`.
  class Scope {
   public:
    Scope(StepTimes& times, std::string_view step);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    StepTimes& times_;
    std::string step_;
    std::chrono::steady_clock::time_point wall_start_;
    double cpu_start_;
  };

  Scope Time(std::string_view step) { return Scope(*this, step); }
  // Adds to `step` (created at the end of the list when new).
  void Add(std::string_view step, double wall_seconds, double cpu_seconds);
  bool empty() const { return steps_.empty(); }
  // "materialise 3.10 s (5.02 CPU s), expectations 0.40 s (0.61 CPU s)", steps in first-use order.
  std::string ToString() const;

 private:
  struct Step {
    std::string name;
    double wall = 0;
    double cpu = 0;
  };
  std::vector<Step> steps_;
};

}  // namespace dhl
