// What one extraction did, per resource (the sync summary's extract lines), whatever the source.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dhl::source {

struct ResourceSummary {
  std::string resource;
  std::string run_id;
  int64_t chunks = 0;
  int64_t chunks_skipped = 0;
  int64_t chunks_unchanged = 0;   // snapshot chunks equal to the last delivery: not appended
  int64_t records_unchanged = 0;  // the records that delivery held
  int64_t records = 0;
  int64_t bytes = 0;
  bool resumed = false;
  double seconds = 0;  // planning aside: downloads and commits
};

struct ExtractSummary {
  std::string server_version;
  std::vector<ResourceSummary> resources;
  double seconds = 0;
  int64_t records() const;
  int64_t bytes() const;
  // A few lines for a person: per resource chunks and records, totals, rates.
  std::string ToText() const;
};

}  // namespace dhl::source
