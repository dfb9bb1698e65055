// What /api/system/info tells an extractor: the version (which endpoints and envelopes to use), the
// server's clock (watermarks come from serverDate, never from our clock) and its time zone
// (timestamps without a zone are read in it).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace dhl::source {

struct SystemInfo {
  std::string version;      // as received, e.g. "2.36.13.2"
  int major = 0;            // 2
  int minor = 0;            // 36
  std::string server_date;  // as received, local time of the server, e.g. "2024-07-26T17:56:11.240"
  std::string time_zone;    // serverTimeZoneId, "Etc/UTC" when absent
  std::string calendar;     // "iso8601" when absent

  bool SupportsAggregate() const { return major > 2 || (major == 2 && minor >= 36); }
  bool SupportsTracker() const { return major > 2 || (major == 2 && minor >= 39); }
  // From 2.41 tracker lists come as {"pager": ..., "<kind>": [...]}, before as {"instances":
  // [...]}.
  bool TrackerPagerEnvelope() const { return major > 2 || (major == 2 && minor >= 41); }
};

// Parses a /api/system/info body. Errors (kInvalidArgument) say the server is not a DHIS2 server
// (`url_for_messages` names it) when the body is not JSON or lacks a version, and kUnsupported for
// a version before 2.36 or a non-ISO calendar.
Result<SystemInfo> ParseSystemInfo(std::string_view body, std::string_view url_for_messages);

}  // namespace dhl::source
