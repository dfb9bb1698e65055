// What an extraction does, read from the [source] section of dhis2lake.toml (every key optional;
// defaults below). `InitConfigText` is the commented file `dhis2lake init` writes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace dhl::source {

enum class ChunkBy { kDataSet, kDataElementGroup };

struct ExtractOptions {
  std::string url;         // [source] url; DHIS2_URL and the secrets file win over it
  int concurrency = 4;     // downloads at once
  int org_unit_level = 2;  // chunks are subtrees rooted at this level
  ChunkBy chunk_by = ChunkBy::kDataSet;
  int first_year = 2000;      // first syncs: one window before it, yearly windows from it
  int trailing_periods = 12;  // complete registrations re-fetched each run
  int overlap_seconds = 300;  // incremental windows reach back this far before the watermark
  int page_size = 1000;       // metadata pages; tracker pages use min(page_size, 500)
  int max_tries = 10;         // per request (at least 1)
  int max_backoff_ms = 5000;
  int landing_retention_days = 7;     // finished runs' landing files older than this are deleted
  bool keep_tracker_landing = false;  // keep tracker pages (personal attributes hashed) in _landing
  std::vector<std::string> personal_attributes;  // uids or codes, beside DHIS2's confidential flag
  // Event data elements (uids) whose values are hashed; none by default, so that program
  // indicators over ordinary clinical values keep working.
  std::vector<std::string> personal_data_elements;
  // Tracker records' `geometry` hashed (PersonalDataRules::geometry); off by default.
  bool personal_geometry = false;
  // The database source (--source postgresql://...): the zone of its timestamps without a zone
  // (empty: the database's TimeZone setting) and the statement_timeout of its queries (0: none).
  std::string time_zone;
  int statement_timeout_seconds = 3600;
  bool full = false;  // --full
  std::string only;   // --only, empty = every stage (only extract exists today)
};

// Reads [source] from `config_file` (empty: defaults). Unknown keys are errors naming the key.
Result<ExtractOptions> LoadExtractOptions(const std::string& config_file);

// The commented dhis2lake.toml that `init` writes.
std::string InitConfigText();

}  // namespace dhl::source
