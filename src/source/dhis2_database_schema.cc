#include "source/dhis2_database_schema.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "base/logging.h"

namespace dhl::source {
namespace {

// The tables every DHIS2 database has had for a decade: without them it is not DHIS2.
const char* const kCoreTables[] = {"datavalue",           "period",      "periodtype",
                                   "organisationunit",    "dataelement", "categorycombo",
                                   "categoryoptioncombo", "dataset"};

constexpr int kOldestMinor = 38;

// (table, column) pairs present in the public schema.
Result<std::map<std::string, std::set<std::string>>> Columns(PostgresConnection& connection) {
  DHL_ASSIGN_OR_RETURN(
      PostgresRows rows,
      connection.Query("SELECT table_name, column_name FROM information_schema.columns "
                       "WHERE table_schema = current_schema()"));
  std::map<std::string, std::set<std::string>> columns;
  for (const auto& row : rows.rows) {
    columns[row[0].value_or("")].insert(row[1].value_or(""));
  }
  return columns;
}

// "2.41.20" -> {2, 41}; {0, 0} when it does not parse.
std::pair<int, int> MajorMinor(const std::string& version) {
  int major = 0;
  int minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &major, &minor) != 2) {
    return {0, 0};
  }
  return {major, minor};
}

}  // namespace

Result<Dhis2DatabaseSchema> DetectDhis2Schema(PostgresConnection& connection) {
  DHL_ASSIGN_OR_RETURN(auto columns, Columns(connection));
  std::vector<std::string> missing;
  for (const char* table : kCoreTables) {
    if (columns.count(table) == 0) {
      missing.push_back(table);
    }
  }
  if (missing.size() == std::size(kCoreTables)) {
    return InvalidArgument("PostgreSQL " + connection.masked_uri() +
                           ": not a DHIS2 database (none of DHIS2's tables datavalue, period, "
                           "organisationunit, dataelement, ... in schema public)");
  }
  if (!missing.empty()) {
    return InvalidArgument(fmt::format("PostgreSQL {}: not a complete DHIS2 database (missing {})",
                                       connection.masked_uri(), fmt::join(missing, ", ")));
  }
  Dhis2DatabaseSchema schema;
  if (columns.count("flyway_schema_history") > 0) {
    DHL_ASSIGN_OR_RETURN(
        PostgresRows rows,
        connection.Query("SELECT version FROM flyway_schema_history WHERE success AND version IS "
                         "NOT NULL ORDER BY installed_rank DESC LIMIT 1"));
    if (!rows.rows.empty() && rows.rows[0][0]) {
      schema.version = *rows.rows[0][0];
      auto [major, minor] = MajorMinor(schema.version);
      if (major == 2 && minor < kOldestMinor) {
        return Unsupported(fmt::format(
            "PostgreSQL {}: DHIS2 schema {} (flyway_schema_history) is older than 2.{}, the "
            "oldest the database source reads",
            connection.masked_uri(), schema.version, kOldestMinor));
      }
    }
  }
  bool new_names = columns.count("event") > 0 && columns.count("enrollment") > 0;
  bool old_names = columns.count("programstageinstance") > 0 && columns.count("programinstance");
  schema.renamed_2_41 = new_names || !old_names;
  if (!schema.renamed_2_41) {
    schema.category = "dataelementcategory";
    schema.category_option = "dataelementcategoryoption";
    schema.event = "programstageinstance";
    schema.enrollment = "programinstance";
    schema.tracked_entity = "trackedentityinstance";
    schema.event_id = "programstageinstanceid";
    schema.enrollment_id = "programinstanceid";
    schema.tracked_entity_id = "trackedentityinstanceid";
    schema.event_scheduled = "duedate";
    schema.event_occurred = "executiondate";
    schema.enrollment_completed = "enddate";
    schema.enrollment_occurred = "incidentdate";
  }
  if (schema.version.empty()) {
    schema.version = schema.renamed_2_41 ? "2.41+" : "2.38-2.40";
  }
  // Everything the source reads must be there: name what is not.
  std::vector<std::pair<std::string, std::string>> required = {
      {"datavalue", "lastupdated"},
      {"datavalue", "deleted"},
      {"organisationunit", "path"},
      {"organisationunit", "hierarchylevel"},
      {"orgunitlevel", "level"},
      {"orgunitgroup", "uid"},
      {"orgunitgroupmembers", "orgunitgroupid"},
      {schema.category, "datadimensiontype"},
      {schema.category_option, "uid"},
      {"categories_categoryoptions", "sort_order"},
      {"categorycombos_categories", "sort_order"},
      {"categorycombos_optioncombos", "categoryoptioncomboid"},
      {"categoryoptioncombos_categoryoptions", "categoryoptionid"},
      {"dataelement", "valuetype"},
      {"dataset", "periodtypeid"},
      {"datasetelement", "dataelementid"},
      {"datasetsource", "sourceid"},
      {"indicator", "numerator"},
      {"indicatortype", "indicatorfactor"},
      {"completedatasetregistration", "completed"},
  };
  for (const auto& [table, column] : required) {
    auto found = columns.find(table);
    if (found == columns.end()) {
      missing.push_back("table " + table);
    } else if (found->second.count(column) == 0) {
      missing.push_back("column " + table + "." + column);
    }
  }
  if (!missing.empty()) {
    return Unsupported(fmt::format(
        "PostgreSQL {}: DHIS2 schema {} lacks what 2.38 and later have ({}); older DHIS2 "
        "versions are not supported",
        connection.masked_uri(), schema.version, fmt::join(missing, ", ")));
  }
  schema.has_tracker = columns.count(schema.event) > 0 && columns.count(schema.enrollment) > 0 &&
                       columns.count(schema.tracked_entity) > 0;
  schema.has_min_max = columns.count("minmaxdataelement") > 0;
  schema.has_deleted_object = columns.count("deletedobject") > 0;
  schema.has_program_indicator =
      columns.count("programindicator") > 0 && columns.count("periodboundary") > 0;
  schema.has_relationship = columns.count("relationship") > 0 &&
                            columns.count("relationshipitem") > 0 &&
                            columns.count("relationshiptype") > 0;
  DHL_ASSIGN_OR_RETURN(
      PostgresRows postgis,
      connection.Query("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'"));
  schema.has_postgis = !postgis.rows.empty() && postgis.rows[0][0].value_or("0") != "0";
  return schema;
}

}  // namespace dhl::source
