// Which DHIS2 schema a database holds, and the names of the tables and columns the database source
// reads in it. DHIS2 2.41 renamed tracker and category tables and some date columns (dhis2-core
// migrations V2_41_20 to V2_41_38); 2.38 to 2.40 are read through those renames in reverse.
//
// The version comes from flyway_schema_history (the highest successful migration) when that table
// exists, otherwise it is inferred from the tables present. A database lacking DHIS2's core tables
// is refused as "not DHIS2"; a schema older than 2.38 (by Flyway) or missing a table or column the
// source reads is refused naming what is missing.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "source/postgres_connection.h"

namespace dhl::source {

struct Dhis2DatabaseSchema {
  std::string version;       // "2.42.3" from Flyway, or "2.41+" / "2.38-2.40" when inferred
  bool renamed_2_41 = true;  // the 2.41 names (event, enrollment, category, ...)
  bool has_postgis = false;  // organisationunit.geometry readable with ST_AsGeoJSON
  // Table names as this schema spells them.
  std::string category = "category";
  std::string category_option = "categoryoption";
  std::string event = "event";
  std::string enrollment = "enrollment";
  std::string tracked_entity = "trackedentity";
  // Column names as this schema spells them.
  std::string event_id = "eventid";
  std::string enrollment_id = "enrollmentid";
  std::string tracked_entity_id = "trackedentityid";
  std::string event_scheduled = "scheduleddate";
  std::string event_occurred = "occurreddate";
  std::string enrollment_completed = "completeddate";
  std::string enrollment_occurred = "occurreddate";
  bool has_tracker = true;             // the tracker tables exist
  bool has_min_max = false;            // minmaxdataelement exists
  bool has_deleted_object = false;     // deletedobject exists (metadata deletions)
  bool has_program_indicator = false;  // programindicator and periodboundary exist
  bool has_relationship = false;       // relationship, relationshipitem and relationshiptype exist
};

// Reads the schema through `connection` (inside the caller's transaction).
Result<Dhis2DatabaseSchema> DetectDhis2Schema(PostgresConnection& connection);

}  // namespace dhl::source
