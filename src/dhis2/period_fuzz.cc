// libFuzzer entry for the period id parser: any input must parse or fail cleanly, and a parsed
// period must survive a round trip through its canonical id and the structure mapping.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dhis2/period.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view id(reinterpret_cast<const char*>(data), size);
  dhl::Result<dhl::dhis2::Period> period = dhl::dhis2::ParsePeriodId(id);
  bool ok = false;
  std::string line = dhl::dhis2::PeriodJsonLine(id, &ok);
  if (ok != period.ok() || line.empty()) {
    std::abort();
  }
  if (!period.ok()) {
    return 0;
  }
  if (period->end() < period->start()) {
    std::abort();
  }
  dhl::Result<dhl::dhis2::Period> again = dhl::dhis2::ParsePeriodId(period->id());
  if (!again.ok() || !(*again == *period)) {
    std::abort();
  }
  for (const dhl::dhis2::Period& longer : dhl::dhis2::LongerStructurePeriods(*period)) {
    if (longer.end() < longer.start()) {
      std::abort();
    }
  }
  return 0;
}
