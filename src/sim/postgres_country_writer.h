// `dhis2lake sim --write-postgres URI`: writes the simulator's country (the same metadata, data
// values and complete registrations it serves over HTTP, mutations included) into a PostgreSQL
// database in DHIS2 2.42's schema, so the database source and the Web API source can be compared
// row for row.
//
// When the database lacks DHIS2's tables they are created from the DDL subset the project ships
// (tests/data/dhis2_schema/dhis2_2_42_subset.sql, embedded at build time; PostGIS required). When
// they exist, the tables the simulator fills are emptied and written again, in one transaction.
// Internal ids are the objects' positions (1-based). Timestamps are written as the simulated
// server's local time, Etc/UTC, and the database's TimeZone is set to Etc/UTC. The default
// category objects (uids bjDvmb4bfuf, GLevLNI9wkl, xYerKDKCefk, HllvX50cXC0) are part of the
// country, as DHIS2 creates them at start-up. Tracker: the programme, its stages and attributes,
// persons with their attribute values (those of confidential attributes encrypted as
// DHIS2 2.38-2.42 stores them: value NULL, encryptedvalue written with dhis.conf's
// encryption.password; see source/dhis2_encryption.h), enrollments and events (data values in
// event.eventdatavalues as DHIS2 stores them).
#pragma once

#include <string>

#include "base/status.h"
#include "sim/simulator.h"
#include "source/dhis2_encryption.h"

namespace dhl::sim {

struct PostgresWriteSummary {
  int64_t data_values = 0;
  int64_t registrations = 0;
  int64_t org_units = 0;
  bool created_schema = false;
};

// `password`: the secrets file's [postgres] password (used after one in the URI and PGPASSWORD).
// `encryption_password`: the simulated server's dhis.conf encryption.password (DHIS2's built-in one
// by default), which the database source reads with [postgres] encryption_key.
Result<PostgresWriteSummary> WriteCountryToPostgres(
    const Simulator& simulator, const std::string& uri, const std::string& password,
    const std::string& encryption_password = source::kDhis2DefaultEncryptionPassword);

// The embedded DDL subset.
const std::string& Dhis2SchemaSubsetDdl();

}  // namespace dhl::sim
