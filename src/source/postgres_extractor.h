// Extracts DHIS2 straight from its PostgreSQL database (`sync --source postgresql://...`) into the
// same bronze tables and columns as the Web API source, through the same saved plans, plan runner,
// BronzeWriter and watermarks (so silver and gold neither know nor care where a row came from).
//
// One Run:
//   1. connects (password order in postgres_connection.h), opens one REPEATABLE READ READ ONLY
//      transaction (statement_timeout set, application_name=dhis2lake), reads the DHIS2 schema
//      (dhis2_database_schema.h), the calendar (a non-ISO calendar is refused) and the database's
//      now(); wrong credentials, an unreachable host, a database that is not DHIS2 or is too old
//      fail here, before anything is written to the lake;
//   2. exports that transaction's snapshot, so every worker connection reads the same snapshot;
//   3. finishes unfinished database plans found in lake/_landing, then plans and runs metadata,
//      data_value (chunked by year of period start; COPY ... TO STDOUT in CSV streamed into the
//      landing file, which DuckDB reads into bronze) and complete_registration. The watermark is
//      the database's now() at the snapshot; incremental runs read lastupdated > watermark minus
//      the overlap, deleted values arriving as deletions.
// A chunk cancelled by a conflict with recovery (hot standby) is retried in a new transaction on
// the same snapshot, up to max_tries. Timestamps without a zone are read in the server's zone:
// [source] time_zone, else the database's TimeZone setting. Not thread-safe itself.
#pragma once

#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "source/extract_options.h"
#include "source/secrets.h"
#include "source/web_api_extractor.h"

namespace dhl::source {

class PostgresExtractor {
 public:
  // `uri` is the libpq URI as given (it may hold a password; it is never logged or stored
  // unmasked).
  PostgresExtractor(std::string lake_dir, std::string uri, ExtractOptions options, Secrets secrets,
                    const Clock& clock, bool show_progress);

  Result<ExtractSummary> Run();

 private:
  std::string lake_dir_;
  std::string uri_;
  ExtractOptions options_;
  Secrets secrets_;
  const Clock& clock_;
  bool show_progress_;
};

}  // namespace dhl::source
