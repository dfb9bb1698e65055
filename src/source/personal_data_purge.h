// `dhis2lake purge`, the source side: hashes the personal data that landed in clear text before
// hashing was configured (or before a rule was added), in bronze and in `_landing`.
//
// - Bronze: every tracker table (bronze_table.h, `tracker`) is read row by row; each row's
//   `record` goes through the PersonalDataHasher and, when a value was hashed, the row's text
//   columns are taken again from the hashed record (as BronzeWriter builds them). The table is then
//   rewritten in one Delta commit named "PURGE" (DeltaTable's guarded rewrite of an append-only
//   table): every row kept, ingestion columns and timestamps untouched. A table with nothing to
//   hash gets no commit.
// - `_landing`: the JSON pages of tracker chunks of server runs are hashed in place (atomically,
//   gzip kept); the copies an export-folder run made of its files (clear text by design, hashed
//   when committed) are deleted: a resumed run copies them again (RemoveExportCopies).
// The hasher's rules must keep values that already are hashes (keep_hashed_values), so a purge of
// a partly hashed lake, or a second purge, hashes nothing twice. Removing the replaced data files
// (vacuum) and rebuilding silver and gold is the caller's part (src/cli/purge_command.cc).
// Holds references to the connection, catalogue and hasher; not thread-safe; no other writer may
// run on the lake meanwhile (a concurrent append to a purged table makes the purge fail, nothing
// lost).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/connection.h"
#include "lake/lake_catalog.h"
#include "source/bronze_table.h"
#include "source/personal_data_hasher.h"

namespace dhl::source {

struct TablePurge {
  lake::TableName table;
  int64_t rows = 0;            // rows read
  int64_t rows_rewritten = 0;  // rows with at least one value hashed
  int64_t values_hashed = 0;
  int64_t files_replaced = 0;      // data files the PURGE commit removed
  std::optional<int64_t> version;  // the PURGE commit (nullopt: nothing to hash, or a dry run)
};

struct LandingPurge {
  std::vector<std::string> pages_hashed;    // tracker pages rewritten (or to rewrite), full paths
  std::vector<std::string> copies_removed;  // export-folder copies deleted (or to delete)
  int64_t values_hashed = 0;
};

// The purge's rules: the configured personal attributes (uids or codes), event data elements and
// geometry,
// the attributes the latest bronze.metadata_tracked_entity_attribute objects flag confidential,
// and every attribute value when there are tracker rows but neither that table nor configured
// attributes (as extraction does: the caller warns when `every_attribute` is set);
// keep_hashed_values set.
Result<PersonalDataRules> PurgeRules(engine::Connection& connection,
                                     const lake::LakeCatalog& catalog,
                                     const std::vector<std::string>& personal_attributes,
                                     const std::vector<std::string>& personal_data_elements,
                                     bool geometry);

class PersonalDataPurge {
 public:
  PersonalDataPurge(engine::Connection& connection, const lake::LakeCatalog& catalog,
                    const PersonalDataHasher& hasher)
      : connection_(connection), catalog_(catalog), hasher_(hasher) {}

  // Every tracker table of bronze that exists, in name order. With `dry_run` nothing is written.
  Result<std::vector<TablePurge>> PurgeBronze(bool dry_run);
  // One tracker table (which must exist).
  Result<TablePurge> PurgeTable(const BronzeTable& table, bool dry_run);
  // The landing folder as described above.
  Result<LandingPurge> PurgeLanding(bool dry_run);

 private:
  engine::Connection& connection_;
  const lake::LakeCatalog& catalog_;
  const PersonalDataHasher& hasher_;
};

// Deletes the copies unfinished export-folder runs made under `_landing` (plan.json kept: the run
// resumes and copies the files again); returns their paths. With `dry_run`, only lists them. An
// interrupted export-folder run leaves clear-text copies: every extraction starts with this.
std::vector<std::string> RemoveExportCopies(const std::string& lake_dir, bool dry_run = false);

}  // namespace dhl::source
