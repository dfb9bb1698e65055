#include "source/extract_summary.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/progress.h"

namespace dhl::source {

int64_t ExtractSummary::records() const {
  int64_t total = 0;
  for (const auto& resource : resources) {
    total += resource.records;
  }
  return total;
}

int64_t ExtractSummary::bytes() const {
  int64_t total = 0;
  for (const auto& resource : resources) {
    total += resource.bytes;
  }
  return total;
}

std::string ExtractSummary::ToText() const {
  std::string text;
  for (const auto& resource : resources) {
    std::string unchanged;
    if (resource.chunks_unchanged > 0) {
      unchanged = fmt::format(" (unchanged: {} chunks, {} records not appended)",
                              resource.chunks_unchanged, resource.records_unchanged);
    }
    text += fmt::format(
        "  {:<22} run {}{}: {} chunks ({} already committed), {} records{}, {} in {}\n",
        resource.resource, resource.run_id, resource.resumed ? " (resumed)" : "", resource.chunks,
        resource.chunks_skipped, resource.records, unchanged,
        HumanBytes(static_cast<double>(resource.bytes)), HumanDuration(resource.seconds));
  }
  double elapsed = std::max(1e-3, seconds);
  text += fmt::format("extract: {} records, {} in {} ({} records/s, {}/s)\n", records(),
                      HumanBytes(static_cast<double>(bytes())), HumanDuration(seconds),
                      HumanCount(static_cast<double>(records()) / elapsed),
                      HumanBytes(static_cast<double>(bytes()) / elapsed));
  return text;
}

}  // namespace dhl::source
