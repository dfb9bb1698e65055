#include "source/system_info.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace dhl::source {

Result<SystemInfo> ParseSystemInfo(std::string_view body, std::string_view url_for_messages) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::string not_dhis2 = std::string(url_for_messages) +
                          " is not a DHIS2 server (/api/system/info did not answer with a version)";
  if (!json.is_object() || !json.contains("version") || !json["version"].is_string()) {
    return InvalidArgument(not_dhis2);
  }
  SystemInfo info;
  info.version = json["version"].get<std::string>();
  if (std::sscanf(info.version.c_str(), "%d.%d", &info.major, &info.minor) != 2) {
    return InvalidArgument(not_dhis2 + ": version \"" + info.version + "\"");
  }
  if (json.contains("serverDate") && json["serverDate"].is_string()) {
    info.server_date = json["serverDate"].get<std::string>();
  }
  info.time_zone = json.value("serverTimeZoneId", std::string("Etc/UTC"));
  info.calendar = json.value("calendar", std::string("iso8601"));
  if (!info.SupportsAggregate()) {
    return Unsupported("DHIS2 " + info.version + " at " + std::string(url_for_messages) +
                       " is not supported: dhis2lake reads 2.36 and later");
  }
  if (info.server_date.empty()) {
    return InvalidArgument(not_dhis2 + ": no serverDate");
  }
  if (info.calendar != "iso8601") {
    return Unsupported("DHIS2 at " + std::string(url_for_messages) + " uses the " + info.calendar +
                       " calendar: dhis2lake reads ISO 8601 calendars only");
  }
  return info;
}

}  // namespace dhl::source
