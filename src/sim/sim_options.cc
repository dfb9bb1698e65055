#include "sim/sim_options.h"

#include <fmt/format.h>

#include <charconv>

namespace dhl::sim {

Result<Scale> ParseScale(std::string_view text) {
  if (text == "small") {
    return Scale::kSmall;
  }
  if (text == "medium") {
    return Scale::kMedium;
  }
  if (text == "large") {
    return Scale::kLarge;
  }
  return InvalidArgument(fmt::format("scale \"{}\" is not one of small, medium, large", text));
}

std::string_view ScaleName(Scale scale) {
  switch (scale) {
    case Scale::kSmall:
      return "small";
    case Scale::kMedium:
      return "medium";
    case Scale::kLarge:
      return "large";
  }
  return "small";
}

Result<int> Dhis2MinorVersion(std::string_view version) {
  if (!version.starts_with("2.")) {
    return InvalidArgument(fmt::format("DHIS2 version \"{}\" does not start with 2.", version));
  }
  std::string_view rest = version.substr(2);
  int minor = 0;
  auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), minor);
  if (error != std::errc() || (end != rest.data() + rest.size() && *end != '.')) {
    return InvalidArgument(fmt::format("DHIS2 version \"{}\" is not like 2.41.0", version));
  }
  return minor;
}

Status ValidateSimOptions(const SimOptions& options) {
  if (options.fault_rate < 0 || options.fault_rate > 1) {
    return InvalidArgument(fmt::format("--fault-rate {} is not within [0, 1]", options.fault_rate));
  }
  if (options.mutate < 0 || options.mutate > 1) {
    return InvalidArgument(fmt::format("--mutate {} is not within [0, 1]", options.mutate));
  }
  if (options.hold_back_months < 0 || options.hold_back_months > 12) {
    return InvalidArgument(
        fmt::format("--hold-back-months {} is not within 0..12", options.hold_back_months));
  }
  if (options.port < 0 || options.port > 65535) {
    return InvalidArgument(fmt::format("--port {} is not within 0..65535", options.port));
  }
  DHL_ASSIGN_OR_RETURN(int minor, Dhis2MinorVersion(options.dhis2_version));
  if (minor < 36 || minor > 42) {
    return InvalidArgument(
        fmt::format("--dhis2-version {} is not within 2.36..2.42", options.dhis2_version));
  }
  return Status::Ok();
}

}  // namespace dhl::sim
