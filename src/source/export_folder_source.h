// Lands a folder of DHIS2 exports, as DHIS2's Import/Export app writes them, in the same bronze
// tables as the Web API extractor (for air-gapped and archived data): metadata JSON in the
// /api/metadata shape (one chunk per type present), dataValueSets as JSON or CSV, tracker JSON
// (trackedEntities with nested enrollments and events, or enrollments / events lists), complete
// registrations and min-max values; each plain or gzipped (.gz). Install-time placeholders such as
// <OU_LEVEL_FACILITY_UID> are kept as the text they are. Personal attributes (confidential in the
// folder's metadata, or configured) are hashed before any row is built. A symbolic link whose
// target lies outside the folder is an error naming the link (nothing outside the folder is read).
//
// The run is planned like a server run (one chunk per file and table, saved in
// lake/_landing/export/<run_id>/plan.json) and commits exactly once; an interrupted run is resumed
// by the next `sync --source` of the same folder. Files are read where they are (no landing copy).
#pragma once

#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "source/extract_options.h"
#include "source/secrets.h"
#include "source/web_api_extractor.h"

namespace dhl::source {

class ExportFolderSource {
 public:
  ExportFolderSource(std::string lake_dir, std::string folder, ExtractOptions options,
                     Secrets secrets, const Clock& clock = SystemClock::Instance(),
                     bool show_progress = true);

  Result<ExtractSummary> Run();

 private:
  std::string lake_dir_;
  std::string folder_;
  ExtractOptions options_;
  Secrets secrets_;
  const Clock& clock_;
  bool show_progress_;
};

}  // namespace dhl::source
