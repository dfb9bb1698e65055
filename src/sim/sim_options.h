// The simulator's settings, as the `sim` sub-command's flags give them (see docs/simulator.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace dhl::sim {

enum class Scale { kSmall, kMedium, kLarge };

Result<Scale> ParseScale(std::string_view text);  // "small" | "medium" | "large"
std::string_view ScaleName(Scale scale);

struct SimOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 = a free port
  Scale scale = Scale::kSmall;
  uint64_t seed = 1;
  std::string dhis2_version = "2.41.0";  // 2.36 to 2.42; decides the tracker envelope
  double fault_rate = 0.0;               // share of /api requests answered with a fault
  double mutate = 0.0;                   // share of the data changed, added or deleted at start
  std::string username = "admin";
  std::string password = "district";
  std::string api_token = "d2pat_simulatorSimulatorSimulat0000000001";
  int slow_ms = 1500;  // how long a "slow" fault waits before answering
  // The latest N calendar months (today's included) are withheld: the values and registrations of
  // periods starting in them are not served until POST /admin/release (docs/simulator.md).
  int hold_back_months = 0;
};

// Checks ranges: fault_rate and mutate in [0, 1], a version 2.36..2.42, a port in 0..65535.
Status ValidateSimOptions(const SimOptions& options);

// The minor version of "2.41.0" (41), or an error.
Result<int> Dhis2MinorVersion(std::string_view version);

}  // namespace dhl::sim
