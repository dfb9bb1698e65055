#include "base/step_times.h"

#include <fmt/format.h>

#include <ctime>

namespace dhl {

double ProcessCpuSeconds() {
  timespec now{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now) != 0) return 0;
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

StepTimes::Scope::Scope(StepTimes& times, std::string_view step)
    : times_(times),
      step_(step),
      wall_start_(std::chrono::steady_clock::now()),
      cpu_start_(ProcessCpuSeconds()) {}

StepTimes::Scope::~Scope() {
  times_.Add(step_,
             std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start_).count(),
             ProcessCpuSeconds() - cpu_start_);
}

void StepTimes::Add(std::string_view step, double wall_seconds, double cpu_seconds) {
  for (Step& existing : steps_) {
    if (existing.name == step) {
      existing.wall += wall_seconds;
      existing.cpu += cpu_seconds;
      return;
    }
  }
  steps_.push_back(Step{std::string(step), wall_seconds, cpu_seconds});
}

std::string StepTimes::ToString() const {
  std::string text;
  for (const Step& step : steps_) {
    text += fmt::format("{}{} {:.2f} s ({:.2f} CPU s)", text.empty() ? "" : ", ", step.name,
                        step.wall, step.cpu);
  }
  return text;
}

}  // namespace dhl
