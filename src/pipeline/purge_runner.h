// `dhis2lake purge` as one function: hashes the personal data a lake holds in clear text (landed
// before hashing was configured, or before a rule was added), then removes every file that held it.
//
// Steps, each reported in the summary:
//   1. the rules: the configuration's personal attributes and event data elements, the attributes
//      bronze's metadata flags confidential (source::PurgeRules);
//   2. bronze: each tracker table with a clear-text value is rewritten in one "PURGE" commit
//      (source::PersonalDataPurge; values already hashed are kept, so a second purge changes
//      nothing);
//   3. `_landing`: tracker pages hashed in place, export-folder copies deleted;
//   4. the models that read a tracker table, and their descendants, are rebuilt from their inputs
//      (a full run of those models; silver.rejects loses their rows first, the rebuild writes them
//      again hashed);
//   5. the error text of those models' earlier runs in ops.model_run replaced (an error may quote
//      a value); vacuum with force and no retention of the purged bronze tables, the rebuilt
//      tables, silver.rejects and ops.model_run, then their log cut to the latest version (a
//      checkpoint; older commits' file statistics quote values): the replaced files are deleted,
//      and readers holding an older version of those tables (a running `serve`, time travel) lose
//      it.
// Steps 4 and 5 run whenever step 2 changed a table or a marker (`_system/purge_pending`) says an
// earlier purge stopped before finishing them. A dry run reads and lists, changing nothing.
// Not thread-safe; no sync may run on the lake meanwhile.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "pipeline/generator_settings.h"
#include "pipeline/model_set.h"
#include "source/extract_options.h"
#include "source/personal_data_purge.h"
#include "source/secrets.h"

namespace dhl::pipeline {

struct PurgeOptions {
  std::string lake_dir;
  bool dry_run = false;
  source::ExtractOptions extract;       // personal_attributes, personal_data_elements
  source::Secrets secrets;              // hash_key
  const ModelSet* model_set = nullptr;  // nullptr = the embedded models
  GeneratorSettings settings;
  int64_t memory_limit_bytes = 0;
  bool progress = true;
};

struct VacuumedTable {
  lake::TableName table;
  int64_t files = 0;
  int64_t bytes = 0;
  int64_t log_files = 0;  // commits and checkpoints of older versions deleted
  int64_t version = 0;    // the version the log now starts at
};

struct PurgeSummary {
  bool dry_run = false;
  bool every_attribute = false;  // no attribute metadata: every attribute value counted personal
  std::vector<source::TablePurge> bronze;
  source::LandingPurge landing;
  std::vector<lake::TableName> rebuilt;  // models rebuilt (in a dry run: that would be)
  int64_t rejects_removed = 0;           // silver.rejects rows of the rebuilt models
  // ops.model_run rows of the rebuilt models (or of models no longer defined) whose error text
  // was replaced: a failing cast quotes the value it failed on.
  int64_t errors_removed = 0;
  std::vector<VacuumedTable> vacuumed;
  // Lines for people: per table rows rewritten and values hashed, landing files, models rebuilt,
  // files removed, and the warning about readers of old versions.
  std::string ToText() const;
};

Result<PurgeSummary> RunPurge(const PurgeOptions& options);

}  // namespace dhl::pipeline
