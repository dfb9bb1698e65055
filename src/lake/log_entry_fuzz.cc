// libFuzzer entry for the Delta log entry reader (a `_delta_log/NNN.json` commit file): any input
// must parse or fail cleanly, and an entry that parses must serialise to text that parses again to
// the same serialisation (what the log writer would write back is readable and stable).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lake/log_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  dhl::Result<dhl::lake::LogEntry> entry = dhl::lake::LogEntry::Parse(text, "fuzz.json");
  if (!entry.ok()) {
    if (entry.status().message().empty()) {
      std::abort();
    }
    return 0;
  }
  std::string serialized = entry->Serialize();
  dhl::Result<dhl::lake::LogEntry> again = dhl::lake::LogEntry::Parse(serialized, "again.json");
  if (!again.ok() || again->Serialize() != serialized) {
    std::abort();
  }
  return 0;
}
