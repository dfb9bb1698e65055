#include "source/postgres_extractor.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "base/hash.h"
#include "base/logging.h"
#include "base/text.h"
#include "dhis2/period.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "source/bronze_writer.h"
#include "source/dhis2_database_schema.h"
#include "source/dhis2_encryption.h"
#include "source/landing_file.h"
#include "source/plan_runner.h"
#include "source/postgres_connection.h"
#include "source/watermark_store.h"
#include "sql/literal.h"

namespace dhl::source {
namespace {

namespace fs = std::filesystem;

constexpr const char* kChunkPath = "postgres";  // Chunk::path of every database chunk
constexpr const char* kSourcePrefix = "postgres:";

// A timestamp without a zone as DHIS2's API writes metadata timestamps.
std::string Ts(std::string_view column) {
  return fmt::format("to_char({}, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS')", column);
}

// {"id": uid} of a referenced object, or NULL.
std::string Ref(std::string_view table, std::string_view id_column, std::string_view value) {
  return fmt::format("(SELECT json_build_object('id', r.uid) FROM {} r WHERE r.{} = {})", table,
                     id_column, value);
}

// [{"id": uid}, ...] of the objects link table `link` lists for `owner` (its `owner_column`),
// `target_column` of the link naming `id_column` of `table`, ordered by `order`.
std::string RefList(std::string_view link, std::string_view owner_column, std::string_view owner,
                    std::string_view target_column, std::string_view table,
                    std::string_view id_column, std::string_view order) {
  return fmt::format(
      "COALESCE((SELECT json_agg(json_build_object('id', r.uid) ORDER BY {}) FROM {} l JOIN {} r "
      "ON r.{} = l.{} WHERE l.{} = {}), '[]'::json)",
      order, link, table, id_column, target_column, owner_column, owner);
}

struct MetadataQuery {
  std::string table;  // bronze table
  std::string key;    // the API's list member
  std::string sql;    // one JSON object per row, ordered by uid; `{since}` is the filter
};

// The metadata objects in the API's field names (those silver reads, and the identifying ones).
std::vector<MetadataQuery> MetadataQueries(const Dhis2DatabaseSchema& schema) {
  auto common = [](std::string_view alias) {
    return fmt::format(
        "'id', {0}.uid, 'code', {0}.code, 'name', {0}.name, 'created', {1}, 'lastUpdated', {2}",
        alias, Ts(std::string(alias) + ".created"), Ts(std::string(alias) + ".lastupdated"));
  };
  auto query = [&](std::string table, std::string key, std::string from, std::string alias,
                   std::string fields) {
    return MetadataQuery{
        std::move(table), std::move(key),
        fmt::format("SELECT json_build_object({}{}{})::text FROM {} {} WHERE {{since}} ORDER BY "
                    "{}.uid",
                    common(alias), fields.empty() ? "" : ", ", fields, from, alias, alias)};
  };
  std::string geometry = schema.has_postgis ? ", 'geometry', ST_AsGeoJSON(o.geometry)::json" : "";
  std::vector<MetadataQuery> queries;
  queries.push_back(query("metadata_organisation_unit_level", "organisationUnitLevels",
                          "orgunitlevel", "l", "'level', l.level"));
  queries.push_back(query(
      "metadata_organisation_unit", "organisationUnits", "organisationunit", "o",
      fmt::format("'shortName', o.shortname, 'level', o.hierarchylevel, 'path', o.path, 'parent', "
                  "{}, 'openingDate', {}, 'closedDate', {}{}",
                  Ref("organisationunit", "organisationunitid", "o.parentid"), Ts("o.openingdate"),
                  Ts("o.closeddate"), geometry)));
  queries.push_back(
      query("metadata_organisation_unit_group", "organisationUnitGroups", "orgunitgroup", "g",
            "'shortName', g.shortname, 'organisationUnits', " +
                RefList("orgunitgroupmembers", "orgunitgroupid", "g.orgunitgroupid",
                        "organisationunitid", "organisationunit", "organisationunitid", "r.uid")));
  queries.push_back(query(
      "metadata_organisation_unit_group_set", "organisationUnitGroupSets", "orgunitgroupset", "s",
      "'shortName', s.shortname, 'dataDimension', s.datadimension, "
      "'organisationUnitGroups', " +
          RefList("orgunitgroupsetmembers", "orgunitgroupsetid", "s.orgunitgroupsetid",
                  "orgunitgroupid", "orgunitgroup", "orgunitgroupid", "r.uid")));
  queries.push_back(query("metadata_category_option", "categoryOptions", schema.category_option,
                          "c",
                          fmt::format("'shortName', c.shortname, 'startDate', {}, 'endDate', {}",
                                      Ts("c.startdate"), Ts("c.enddate"))));
  queries.push_back(query(
      "metadata_category", "categories", schema.category, "c",
      "'shortName', c.shortname, 'dataDimension', c.datadimension, 'dataDimensionType', "
      "c.datadimensiontype, 'categoryOptions', " +
          RefList("categories_categoryoptions", "categoryid", "c.categoryid", "categoryoptionid",
                  schema.category_option, "categoryoptionid", "l.sort_order")));
  queries.push_back(
      query("metadata_category_combo", "categoryCombos", "categorycombo", "c",
            "'dataDimensionType', c.datadimensiontype, 'skipTotal', c.skiptotal, 'categories', " +
                RefList("categorycombos_categories", "categorycomboid", "c.categorycomboid",
                        "categoryid", schema.category, "categoryid", "l.sort_order") +
                ", 'categoryOptionCombos', " +
                RefList("categorycombos_optioncombos", "categorycomboid", "c.categorycomboid",
                        "categoryoptioncomboid", "categoryoptioncombo", "categoryoptioncomboid",
                        "r.uid")));
  queries.push_back(query(
      "metadata_category_option_combo", "categoryOptionCombos", "categoryoptioncombo", "c",
      "'ignoreApproval', c.ignoreapproval, 'categoryCombo', "
      "(SELECT json_build_object('id', r.uid) FROM categorycombos_optioncombos l JOIN "
      "categorycombo r ON r.categorycomboid = l.categorycomboid WHERE l.categoryoptioncomboid = "
      "c.categoryoptioncomboid LIMIT 1), 'categoryOptions', " +
          RefList("categoryoptioncombos_categoryoptions", "categoryoptioncomboid",
                  "c.categoryoptioncomboid", "categoryoptionid", schema.category_option,
                  "categoryoptionid", "r.uid")));
  queries.push_back(query(
      "metadata_data_element", "dataElements", "dataelement", "d",
      "'shortName', d.shortname, 'valueType', d.valuetype, 'aggregationType', d.aggregationtype, "
      "'domainType', d.domaintype, 'zeroIsSignificant', d.zeroissignificant, 'categoryCombo', " +
          Ref("categorycombo", "categorycomboid", "d.categorycomboid") + ", 'optionSet', " +
          Ref("optionset", "optionsetid", "d.optionsetid")));
  queries.push_back(
      query("metadata_data_element_group", "dataElementGroups", "dataelementgroup", "g",
            "'shortName', g.shortname, 'dataElements', " +
                RefList("dataelementgroupmembers", "dataelementgroupid", "g.dataelementgroupid",
                        "dataelementid", "dataelement", "dataelementid", "r.uid")));
  queries.push_back(query(
      "metadata_data_set", "dataSets", "dataset", "d",
      "'shortName', d.shortname, 'periodType', (SELECT p.name FROM periodtype p WHERE "
      "p.periodtypeid = d.periodtypeid), 'categoryCombo', " +
          Ref("categorycombo", "categorycomboid", "d.categorycomboid") +
          ", 'timelyDays', d.timelydays, 'expiryDays', d.expirydays, 'openFuturePeriods', "
          "d.openfutureperiods, 'dataSetElements', COALESCE((SELECT json_agg(json_build_object("
          "'dataSet', json_build_object('id', d.uid), 'dataElement', json_build_object('id', "
          "e.uid), 'categoryCombo', (SELECT json_build_object('id', cc.uid) FROM categorycombo cc "
          "WHERE cc.categorycomboid = m.categorycomboid)) ORDER BY e.uid) FROM datasetelement m "
          "JOIN dataelement e ON e.dataelementid = m.dataelementid WHERE m.datasetid = "
          "d.datasetid), '[]'::json), 'organisationUnits', " +
          RefList("datasetsource", "datasetid", "d.datasetid", "sourceid", "organisationunit",
                  "organisationunitid", "r.uid")));
  queries.push_back(query("metadata_indicator_type", "indicatorTypes", "indicatortype", "t",
                          "'factor', t.indicatorfactor, 'number', t.indicatornumber"));
  queries.push_back(
      query("metadata_indicator", "indicators", "indicator", "i",
            "'shortName', i.shortname, 'numerator', i.numerator, 'numeratorDescription', "
            "i.numeratordescription, 'denominator', i.denominator, 'denominatorDescription', "
            "i.denominatordescription, 'annualized', i.annualized, 'decimals', i.decimals, "
            "'indicatorType', " +
                Ref("indicatortype", "indicatortypeid", "i.indicatortypeid")));
  queries.push_back(query(
      "metadata_indicator_group", "indicatorGroups", "indicatorgroup", "g",
      "'indicators', " + RefList("indicatorgroupmembers", "indicatorgroupid", "g.indicatorgroupid",
                                 "indicatorid", "indicator", "indicatorid", "r.uid")));
  queries.push_back(query("metadata_constant", "constants", "constant", "c",
                          "'shortName', c.shortname, 'value', c.value"));
  auto side = [](std::string_view id) {
    return fmt::format(
        "(SELECT json_build_object('expression', e.expression, 'description', e.description, "
        "'missingValueStrategy', e.missingvaluestrategy, 'slidingWindow', e.slidingwindow) FROM "
        "expression e WHERE e.expressionid = {})",
        id);
  };
  queries.push_back(query("metadata_validation_rule", "validationRules", "validationrule", "v",
                          "'importance', v.importance, 'operator', v.operator, 'periodType', "
                          "(SELECT p.name FROM periodtype p WHERE p.periodtypeid = "
                          "v.periodtypeid), 'leftSide', " +
                              side("v.leftexpressionid") + ", 'rightSide', " +
                              side("v.rightexpressionid")));
  // Predictors as /api/predictors lists them: the generator and the skip test as expression
  // objects (the skip test absent when there is none), the levels as references.
  queries.push_back(
      query("metadata_predictor", "predictors", "predictor", "p",
            "'shortName', p.shortname, 'output', " +
                Ref("dataelement", "dataelementid", "p.generatoroutput") + ", 'outputCombo', " +
                Ref("categoryoptioncombo", "categoryoptioncomboid", "p.generatoroutputcombo") +
                ", 'periodType', (SELECT t.name FROM periodtype t WHERE t.periodtypeid = "
                "p.periodtypeid), 'generator', " +
                side("p.generatorexpressionid") + ", 'sampleSkipTest', " +
                side("p.skiptestexpressionid") +
                ", 'sequentialSampleCount', p.sequentialsamplecount, 'annualSampleCount', "
                "p.annualsamplecount, 'sequentialSkipCount', p.sequentialskipcount, "
                "'organisationUnitLevels', " +
                RefList("predictororgunitlevels", "predictorid", "p.predictorid", "orgunitlevelid",
                        "orgunitlevel", "orgunitlevelid", "r.level") +
                ", 'organisationUnitDescendants', p.organisationunitdescendants"));
  queries.push_back(
      query("metadata_option_set", "optionSets", "optionset", "o", "'valueType', o.valuetype"));
  if (schema.has_deleted_object) {
    // Deleted metadata as /api/deletedObjects lists it; `{since}` filters on the deletion time.
    queries.push_back({"deleted_object", "deletedObjects",
                       "SELECT json_build_object('klass', d.klass, 'uid', d.uid, 'code', d.code, "
                       "'deletedAt', " +
                           Ts("d.deleted_at") +
                           ", 'deletedBy', d.deleted_by)::text FROM (SELECT *, deleted_at AS "
                           "lastupdated FROM deletedobject) d WHERE {since} ORDER BY d.uid, "
                           "d.deleted_at"});
  }
  if (!schema.has_tracker) {
    return queries;
  }
  queries.push_back(query("metadata_tracked_entity_attribute", "trackedEntityAttributes",
                          "trackedentityattribute", "a",
                          "'shortName', a.shortname, 'valueType', a.valuetype, 'aggregationType', "
                          "a.aggregationtype, 'confidential', COALESCE(a.confidential, false), "
                          "'unique', COALESCE(a.uniquefield, false)"));
  queries.push_back(query(
      "metadata_program", "programs", "program", "p",
      "'shortName', p.shortname, 'programType', p.type, 'trackedEntityType', " +
          Ref("trackedentitytype", "trackedentitytypeid", "p.trackedentitytypeid") +
          ", 'categoryCombo', " + Ref("categorycombo", "categorycomboid", "p.categorycomboid") +
          ", 'programStages', COALESCE((SELECT json_agg(json_build_object('id', s.uid) ORDER BY "
          "s.uid) FROM programstage s WHERE s.programid = p.programid), '[]'::json)"));
  queries.push_back(query(
      "metadata_program_stage", "programStages", "programstage", "s",
      "'repeatable', s.repeatable, 'program', " + Ref("program", "programid", "s.programid")));
  if (schema.has_program_indicator) {
    // Boundaries as /api/programIndicators lists them (keys in the API's JSON order, absent when
    // null), in the order they were stored.
    queries.push_back(query(
        "metadata_program_indicator", "programIndicators", "programindicator", "i",
        "'shortName', i.shortname, 'program', " + Ref("program", "programid", "i.programid") +
            ", 'analyticsType', i.analyticstype, 'expression', i.expression, 'filter', i.filter, "
            "'aggregationType', i.aggregationtype, 'decimals', i.decimals, 'orgUnitField', "
            "i.orgunitfield, 'analyticsPeriodBoundaries', COALESCE((SELECT "
            "json_agg(json_strip_nulls(json_build_object('analyticsPeriodBoundaryType', "
            "b.analyticsperiodboundarytype, 'boundaryTarget', b.boundarytarget, "
            "'offsetPeriodType', t.name, 'offsetPeriods', CASE WHEN t.name IS NOT NULL THEN "
            "b.offsetperiods END)) ORDER BY b.periodboundaryid) FROM periodboundary b LEFT JOIN "
            "periodtype t ON t.periodtypeid = b.offsetperiodtypeid WHERE b.programindicatorid = "
            "i.programindicatorid), '[]'::json)"));
  }
  return queries;
}

// The database's period rows in `where` (over period p) as a VALUES list of (periodid, DHIS2 id),
// the ids computed from startdate, enddate and the period type's name with src/dhis2.
Result<std::string> PeriodValues(PostgresConnection& connection, const std::string& where) {
  DHL_ASSIGN_OR_RETURN(
      PostgresRows rows,
      connection.Query("SELECT p.periodid, t.name, p.startdate, p.enddate FROM period p JOIN "
                       "periodtype t ON t.periodtypeid = p.periodtypeid WHERE " +
                       where));
  std::string values;
  for (const auto& row : rows.rows) {
    std::string id = row[0].value_or("");
    std::string type_name = row[1].value_or("");
    Result<dhis2::PeriodType> type = dhis2::ParsePeriodType(type_name);
    Result<dhis2::Date> start = dhis2::ParseDate(row[2].value_or(""));
    Result<dhis2::Date> end = dhis2::ParseDate(row[3].value_or(""));
    if (!type.ok() || !start.ok() || !end.ok()) {
      return InvalidArgument(
          fmt::format("period {} ({} {}..{}): not a period DHIS2's ISO calendar knows", id,
                      type_name, row[2].value_or(""), row[3].value_or("")));
    }
    dhis2::Period period = dhis2::PeriodContaining(*type, *start);
    if (period.start() != *start || period.end() != *end) {
      return InvalidArgument(fmt::format("period {} ({} {}..{}): the dates are not one {} period",
                                         id, type_name, row[2].value_or(""), row[3].value_or(""),
                                         type_name));
    }
    values += values.empty() ? "(" : ",(";
    values += id;
    values += ",'";
    values += period.id();
    values += "')";
  }
  if (values.empty()) {
    return std::string("(VALUES (CAST(NULL AS bigint), CAST(NULL AS text)))");
  }
  return "(VALUES " + values + ")";
}

// From this many confidential values stored encrypted (and a key to read them), the tracked
// entities are read in one chunk per worker (half a second of decryption or more).
constexpr int64_t kEncryptedValuesPerPart = 1000;

std::string ChunkParam(const Chunk& chunk, std::string_view name) {
  for (const auto& [key, value] : chunk.params) {
    if (key == name) {
      return value;
    }
  }
  return "";
}

// The period filter of a data chunk ("year" or everything) over period p.
std::string PeriodWhere(const Chunk& chunk) {
  std::string year = ChunkParam(chunk, "year");
  if (year.empty()) {
    return "TRUE";
  }
  return fmt::format("p.startdate >= DATE '{0}-01-01' AND p.startdate <= DATE '{0}-12-31'", year);
}

std::string SinceWhere(const Chunk& chunk, std::string_view column) {
  std::string since = ChunkParam(chunk, "since");
  return since.empty()
             ? "TRUE"
             : fmt::format("{} > CAST({} AS timestamp)", column, sql::StringLiteral(since));
}

// One worker's connection: its own REPEATABLE READ READ ONLY transaction on the shared snapshot.
class WorkerSession {
 public:
  WorkerSession(PostgresConnectOptions connect, std::string snapshot, int statement_timeout)
      : connect_(std::move(connect)),
        snapshot_(std::move(snapshot)),
        statement_timeout_(statement_timeout) {}

  // The connection inside an open transaction (opened, or reopened after a failure).
  Result<PostgresConnection*> Get() {
    if (!connection_) {
      DHL_ASSIGN_OR_RETURN(PostgresConnection connection, PostgresConnection::Open(connect_));
      connection_.emplace(std::move(connection));
      in_transaction_ = false;
    }
    if (!in_transaction_) {
      DHL_RETURN_IF_ERROR(connection_->Execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
      if (!snapshot_.empty()) {
        Status imported =
            connection_->Execute("SET TRANSACTION SNAPSHOT " + sql::StringLiteral(snapshot_));
        if (!imported.ok()) {
          // The planner's transaction ended (a resumed plan): read a snapshot of our own.
          LogDebug("extract: snapshot {} not importable; a new snapshot", snapshot_);
          snapshot_.clear();
          DHL_RETURN_IF_ERROR(connection_->Execute("ROLLBACK"));
          DHL_RETURN_IF_ERROR(
              connection_->Execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
        }
      }
      DHL_RETURN_IF_ERROR(connection_->Execute(
          fmt::format("SET LOCAL statement_timeout = {}", statement_timeout_ * 1000)));
      in_transaction_ = true;
    }
    return &*connection_;
  }

  // After a failed statement the transaction is aborted: roll it back (or drop the connection).
  void Reset() {
    if (connection_ && !connection_->Execute("ROLLBACK").ok()) {
      connection_.reset();
    }
    in_transaction_ = false;
  }

 private:
  PostgresConnectOptions connect_;
  std::string snapshot_;
  int statement_timeout_;
  std::optional<PostgresConnection> connection_;
  bool in_transaction_ = false;
};

// Everything the chunk fetchers share.
struct FetchContext {
  Dhis2DatabaseSchema schema;
  std::vector<MetadataQuery> metadata;
  const PersonalDataHasher* hasher = nullptr;
  // With [postgres] encryption_key: reads the confidential values DHIS2 stored encrypted.
  const Dhis2ValueDecryptor* decryptor = nullptr;
  int max_tries = 10;
  // JSON tables are landed in pages of this many records (LandJsonRows).
  int64_t records_per_json_file = 10000;
};

// Tracker records in the tracker API's shapes (2.41 field names); `{since}` is the filter. With
// `encrypted`, a tracked entity's attributes also carry the values stored encrypted, as
// `encryptedValue` beside a null `value` (DecryptAttributes replaces them before hashing).
std::string TrackerSql(const Dhis2DatabaseSchema& schema, const std::string& table,
                       bool encrypted) {
  const std::string& te_id = schema.tracked_entity_id;
  const std::string& en_id = schema.enrollment_id;
  if (table == "tracked_entity") {
    return fmt::format(
        "SELECT json_build_object('trackedEntity', te.uid, 'trackedEntityType', tt.uid, "
        "'orgUnit', ou.uid, 'createdAt', {}, 'updatedAt', {}, 'deleted', te.deleted, 'inactive', "
        "te.inactive, 'attributes', COALESCE((SELECT json_agg(json_build_object('attribute', "
        "a.uid, 'value', v.value, 'createdAt', {}, 'updatedAt', {}{}) ORDER BY a.uid) FROM "
        "trackedentityattributevalue v JOIN trackedentityattribute a ON "
        "a.trackedentityattributeid = v.trackedentityattributeid WHERE v.{} = te.{} AND {}), "
        "'[]'::json))::text FROM {} te JOIN trackedentitytype tt ON "
        "tt.trackedentitytypeid = te.trackedentitytypeid JOIN organisationunit ou ON "
        "ou.organisationunitid = te.organisationunitid WHERE {{since}} ORDER BY te.uid",
        Ts("te.created"), Ts("te.lastupdated"), Ts("v.created"), Ts("v.lastupdated"),
        encrypted ? ", 'encryptedValue', CASE WHEN v.value IS NULL THEN v.encryptedvalue END" : "",
        te_id, te_id,
        encrypted ? "(v.value IS NOT NULL OR v.encryptedvalue IS NOT NULL)" : "v.value IS NOT NULL",
        schema.tracked_entity);
  }
  if (table == "enrollment") {
    return fmt::format(
        "SELECT json_build_object('enrollment', en.uid, 'trackedEntity', te.uid, 'program', "
        "pr.uid, 'orgUnit', ou.uid, 'status', en.status, 'enrolledAt', {}, 'occurredAt', {}, "
        "'createdAt', {}, 'updatedAt', {}, 'completedAt', {}, 'deleted', en.deleted, "
        "'followUp', en.followup, 'attributes', '[]'::json)::text FROM {} en JOIN program pr ON "
        "pr.programid = en.programid LEFT JOIN {} te ON te.{} = en.{} JOIN organisationunit ou "
        "ON ou.organisationunitid = en.organisationunitid WHERE {{since}} ORDER BY en.uid",
        Ts("en.enrollmentdate"), Ts("en." + schema.enrollment_occurred), Ts("en.created"),
        Ts("en.lastupdated"), Ts("en." + schema.enrollment_completed), schema.enrollment,
        schema.tracked_entity, te_id, te_id);
  }
  if (table == "relationship") {
    // Each end as the 2.41 API writes it: {"trackedEntity": {"trackedEntity": uid}}, or the
    // enrollment or event (relationshipitem's columns carry the tracker tables' id names).
    auto end = [&](const std::string& item) {
      return fmt::format(
          "CASE WHEN {0}.{1} IS NOT NULL THEN json_build_object('trackedEntity', "
          "json_build_object('trackedEntity', (SELECT x.uid FROM {2} x WHERE x.{1} = {0}.{1}))) "
          "WHEN {0}.{3} IS NOT NULL THEN json_build_object('enrollment', "
          "json_build_object('enrollment', (SELECT x.uid FROM {4} x WHERE x.{3} = {0}.{3}))) "
          "WHEN {0}.{5} IS NOT NULL THEN json_build_object('event', json_build_object('event', "
          "(SELECT x.uid FROM {6} x WHERE x.{5} = {0}.{5}))) END",
          item, te_id, schema.tracked_entity, en_id, schema.enrollment, schema.event_id,
          schema.event);
    };
    return fmt::format(
        "SELECT json_build_object('relationship', r.uid, 'relationshipType', rt.uid, "
        "'relationshipName', rt.name, 'bidirectional', rt.bidirectional, 'createdAt', {}, "
        "'updatedAt', {}, 'deleted', r.deleted, 'from', {}, 'to', {})::text FROM relationship r "
        "JOIN relationshiptype rt ON rt.relationshiptypeid = r.relationshiptypeid JOIN "
        "relationshipitem fi ON fi.relationshipitemid = r.from_relationshipitemid JOIN "
        "relationshipitem ti ON ti.relationshipitemid = r.to_relationshipitemid WHERE {{since}} "
        "ORDER BY r.uid",
        Ts("r.created"), Ts("r.lastupdated"), end("fi"), end("ti"));
  }
  // eventdatavalues {"<de uid>": {"value", "created", "lastUpdated", "storedBy",
  // "providedElsewhere"}} flattened as the API does.
  return fmt::format(
      "SELECT json_build_object('event', e.uid, 'program', pr.uid, 'programStage', ps.uid, "
      "'enrollment', en.uid, 'trackedEntity', te.uid, 'orgUnit', ou.uid, 'status', e.status, "
      "'occurredAt', {}, 'scheduledAt', {}, 'createdAt', {}, 'updatedAt', {}, 'completedAt', {}, "
      "'deleted', e.deleted, 'storedBy', e.storedby, 'attributeOptionCombo', aoc.uid, "
      "'dataValues', COALESCE((SELECT json_agg(json_build_object('dataElement', d.key, 'value', "
      "d.value->>'value', 'createdAt', d.value->>'created', 'updatedAt', d.value->>'lastUpdated', "
      "'storedBy', d.value->>'storedBy', 'providedElsewhere', "
      "COALESCE((d.value->>'providedElsewhere')::boolean, false)) ORDER BY d.key) FROM "
      "jsonb_each(e.eventdatavalues) d), '[]'::json))::text FROM {} e JOIN programstage ps ON "
      "ps.programstageid = e.programstageid JOIN program pr ON pr.programid = ps.programid JOIN "
      "{} en ON en.{} = e.{} LEFT JOIN {} te ON te.{} = en.{} JOIN organisationunit ou ON "
      "ou.organisationunitid = e.organisationunitid JOIN categoryoptioncombo aoc ON "
      "aoc.categoryoptioncomboid = e.attributeoptioncomboid WHERE {{since}} ORDER BY e.uid",
      Ts("e." + schema.event_occurred), Ts("e." + schema.event_scheduled), Ts("e.created"),
      Ts("e.lastupdated"), Ts("e.completeddate"), schema.event, schema.enrollment, en_id, en_id,
      schema.tracked_entity, te_id, te_id);
}

// Replaces the `encryptedValue` of each of a tracked entity's attributes (TrackerSql) by its clear
// text in `value`. An error names the tracked entity and the attribute, never the value.
Status DecryptAttributes(nlohmann::json& record, const Dhis2ValueDecryptor& decryptor) {
  auto attributes = record.find("attributes");
  if (attributes == record.end() || !attributes->is_array()) {
    return Status::Ok();
  }
  for (nlohmann::json& attribute : *attributes) {
    auto encrypted = attribute.find("encryptedValue");
    if (encrypted == attribute.end()) {
      continue;
    }
    if (encrypted->is_string()) {
      Result<std::string> clear = decryptor.Decrypt(encrypted->get<std::string>());
      if (!clear.ok()) {
        return InvalidArgument(fmt::format(
            "tracked entity {}: the encrypted value of confidential attribute {}: {} ([postgres] "
            "encryption_key must be the server's dhis.conf encryption.password)",
            record.value("trackedEntity", std::string("?")),
            attribute.value("attribute", std::string("?")), clear.status().message()));
      }
      attribute["value"] = std::move(*clear);
    }
    attribute.erase("encryptedValue");
  }
  return Status::Ok();
}

// Writes the JSON rows of `sql` into a landing file as {"key": [row, ...]}; with `hasher`, each
// row's personal attributes are hashed before it reaches the file (with `decryptor`, the values
// stored encrypted are decrypted first).
struct LandedFiles {
  std::vector<std::string> files;
  int64_t bytes = 0;
};

// Writes the rows of `sql` (one JSON text per row) as the pages (PageFilePath) of the chunk
// `stem`, `{"key":[...]}` documents of at most `records_per_file` records each, then its marker:
// the bronze writer parses a tracker file whole, so a chunk holding a whole table (the database
// has no pages) is landed in pages, as the Web API's are, and memory stays flat in table size.
Result<LandedFiles> LandJsonRows(PostgresConnection& connection, const std::string& sql,
                                 const std::string& key, const std::string& stem,
                                 int64_t records_per_file,
                                 const PersonalDataHasher* hasher = nullptr,
                                 const Dhis2ValueDecryptor* decryptor = nullptr) {
  LandedFiles landed;
  std::optional<LandingFile> file;
  int64_t in_file = 0;
  auto close = [&]() -> Status {
    DHL_RETURN_IF_ERROR(file->Write("]}"));
    landed.bytes += file->bytes();
    return file->Commit();
  };
  auto open = [&]() -> Status {
    file.emplace(PageFilePath(stem, static_cast<int>(landed.files.size()) + 1));
    landed.files.push_back(file->path());
    in_file = 0;
    DHL_RETURN_IF_ERROR(file->Begin(http::HttpResponseHead{}));
    return file->Write("{\"" + key + "\":[");
  };
  DHL_RETURN_IF_ERROR(open());
  auto write_row = [&](const PostgresRow& row) -> Status {
    if (!row[0]) {
      return Status::Ok();
    }
    if (in_file == records_per_file) {
      DHL_RETURN_IF_ERROR(close());
      DHL_RETURN_IF_ERROR(open());
    }
    if (in_file > 0) {
      DHL_RETURN_IF_ERROR(file->Write(","));
    }
    ++in_file;
    if (hasher == nullptr) {
      return file->Write(*row[0]);
    }
    nlohmann::json record = nlohmann::json::parse(*row[0], nullptr, false);
    if (record.is_discarded()) {
      return Internal("the database returned a record that is not JSON");
    }
    if (decryptor != nullptr) {
      DHL_RETURN_IF_ERROR(DecryptAttributes(record, *decryptor));
    }
    hasher->Apply(record);
    return file->Write(record.dump());
  };
  DHL_RETURN_IF_ERROR(connection.ForEachRow(sql, write_row));
  DHL_RETURN_IF_ERROR(close());
  DHL_RETURN_IF_ERROR(MarkPagesLanded(stem, landed.files));
  return landed;
}

// Streams `sql` (a COPY ... TO STDOUT) into a landing file.
Result<LandedFiles> LandCopy(PostgresConnection& connection, const std::string& sql,
                             const std::string& path) {
  LandingFile file(path);
  DHL_RETURN_IF_ERROR(file.Begin(http::HttpResponseHead{}));
  DHL_ASSIGN_OR_RETURN(int64_t bytes, connection.CopyOut(sql, [&](std::string_view data) {
    return file.Write(data);
  }));
  DHL_RETURN_IF_ERROR(file.Commit());
  return LandedFiles{{path}, bytes};
}

Result<LandedFiles> LandDataValues(PostgresConnection& connection, const Chunk& chunk,
                                   const std::string& stem) {
  DHL_ASSIGN_OR_RETURN(std::string periods, PeriodValues(connection, PeriodWhere(chunk)));
  return LandCopy(
      connection,
      fmt::format(
          "COPY (SELECT de.uid AS dataelement, p.iso AS period, ou.uid AS orgunit, coc.uid AS "
          "categoryoptioncombo, aoc.uid AS attributeoptioncombo, v.value, v.storedby, {} AS "
          "created, {} AS lastupdated, v.comment, v.followup::text AS followup, v.deleted::text "
          "AS deleted FROM datavalue v JOIN {} AS p(periodid, iso) ON p.periodid = v.periodid "
          "JOIN dataelement de ON de.dataelementid = v.dataelementid "
          "JOIN organisationunit ou ON ou.organisationunitid = v.sourceid "
          "JOIN categoryoptioncombo coc ON coc.categoryoptioncomboid = v.categoryoptioncomboid "
          "JOIN categoryoptioncombo aoc ON aoc.categoryoptioncomboid = v.attributeoptioncomboid "
          "WHERE {}) TO STDOUT WITH (FORMAT csv, HEADER true)",
          Ts("v.created"), Ts("v.lastupdated"), periods, SinceWhere(chunk, "v.lastupdated")),
      stem + ".csv");
}

// Registrations by COPY as CSV under bronze.complete_registration's column names (bronze builds
// each row's record from them): no JSON built per row, no sort, no row-at-a-time protocol. A chunk
// planned as JSON (a plan an earlier version saved, resumed) gets the same rows as JSON objects.
Result<LandedFiles> LandRegistrations(PostgresConnection& connection, const Chunk& chunk,
                                      const std::string& stem, int64_t records_per_file) {
  DHL_ASSIGN_OR_RETURN(std::string periods, PeriodValues(connection, PeriodWhere(chunk)));
  std::string select = fmt::format(
      "SELECT p.iso AS period, ds.uid AS \"dataSet\", ou.uid AS \"organisationUnit\", aoc.uid "
      "AS \"attributeOptionCombo\", {} AS date, r.storedby AS \"storedBy\", r.completed::text "
      "AS completed, {} AS \"lastUpdated\", r.lastupdatedby AS \"lastUpdatedBy\" FROM "
      "completedatasetregistration r JOIN {} AS p(periodid, iso) ON p.periodid = r.periodid JOIN "
      "dataset ds ON ds.datasetid = r.datasetid JOIN organisationunit ou ON "
      "ou.organisationunitid = r.sourceid JOIN categoryoptioncombo aoc ON "
      "aoc.categoryoptioncomboid = r.attributeoptioncomboid",
      Ts("r.date"), Ts("r.lastupdated"), periods);
  if (chunk.format == ChunkFormat::kCsv) {
    return LandCopy(connection, "COPY (" + select + ") TO STDOUT WITH (FORMAT csv, HEADER true)",
                    stem + ".csv");
  }
  return LandJsonRows(connection, "SELECT row_to_json(x)::text FROM (" + select + ") x",
                      "completeDataSetRegistrations", stem, records_per_file);
}

// The windows a database run's registrations cover: every data set x root org unit x period of
// the data set's period type that the database holds. The registrations are read whole each run,
// so a registration a later run no longer finds was deleted (silver.complete_registration).
Result<LandedFiles> LandRegistrationWindows(PostgresConnection& connection, const Chunk& chunk,
                                            const std::string& stem, int64_t records_per_file) {
  DHL_ASSIGN_OR_RETURN(std::string periods, PeriodValues(connection, "TRUE"));
  std::string sql = fmt::format(
      "SELECT json_build_object('dataSet', ds.uid, 'orgUnit', root.uid, 'period', p.iso)::text "
      "FROM dataset ds JOIN period dp ON dp.periodtypeid = ds.periodtypeid "
      "JOIN {} AS p(periodid, iso) ON p.periodid = dp.periodid "
      "CROSS JOIN (SELECT uid FROM organisationunit WHERE parentid IS NULL) AS root "
      "ORDER BY ds.uid, root.uid, p.iso",
      periods);
  return LandJsonRows(connection, sql, chunk.records_key, stem, records_per_file);
}

// Lands one chunk of a database plan into `directory`.
Result<FetchedChunk> FetchDatabaseChunk(WorkerSession& session, const FetchContext& context,
                                        const Chunk& chunk, const std::string& directory) {
  FetchedChunk fetched;
  std::string stem = fmt::format("{}/{:06d}", directory, chunk.sequence);
  // Landed before an interruption: a CSV chunk's one file is put in place whole, a JSON chunk's
  // pages are listed by its marker.
  if (chunk.format == ChunkFormat::kCsv) {
    if (fs::exists(stem + ".csv")) {
      fetched.files.push_back(stem + ".csv");
      return fetched;
    }
  } else if (fetched.files = LandedPages(stem); !fetched.files.empty()) {
    return fetched;
  }
  const int64_t per_file = context.records_per_json_file;
  Status last;
  for (int attempt = 1; attempt <= std::max(1, context.max_tries); ++attempt) {
    Result<PostgresConnection*> connection = session.Get();
    if (!connection.ok()) {
      return connection.status();
    }
    Result<LandedFiles> landed = Internal("chunk " + chunk.id + ": unknown table " + chunk.table);
    if (chunk.table == "data_value") {
      landed = LandDataValues(**connection, chunk, stem);
    } else if (chunk.table == "complete_registration") {
      landed = LandRegistrations(**connection, chunk, stem, per_file);
    } else if (chunk.table == "complete_registration_window") {
      landed = LandRegistrationWindows(**connection, chunk, stem, per_file);
    } else if (chunk.table == "min_max_data_element") {
      landed = LandJsonRows(
          **connection,
          "SELECT json_build_object('source', json_build_object('id', ou.uid), 'dataElement', "
          "json_build_object('id', de.uid), 'optionCombo', json_build_object('id', coc.uid), "
          "'min', m.minimumvalue, 'max', m.maximumvalue, 'generated', m.generatedvalue)::text "
          "FROM minmaxdataelement m JOIN organisationunit ou ON ou.organisationunitid = "
          "m.sourceid JOIN dataelement de ON de.dataelementid = m.dataelementid JOIN "
          "categoryoptioncombo coc ON coc.categoryoptioncomboid = m.categoryoptioncomboid ORDER "
          "BY de.uid, ou.uid, coc.uid",
          chunk.records_key, stem, per_file);
    } else if (chunk.table == "tracked_entity" || chunk.table == "enrollment" ||
               chunk.table == "event" || chunk.table == "relationship") {
      std::string sql = TrackerSql(context.schema, chunk.table, context.decryptor != nullptr);
      std::string alias = chunk.table == "tracked_entity" ? "te"
                          : chunk.table == "enrollment"   ? "en"
                          : chunk.table == "relationship" ? "r"
                                                          : "e";
      std::string where = SinceWhere(chunk, alias + ".lastupdated");
      if (std::string part = ChunkParam(chunk, "part"); !part.empty()) {
        // One part of the tracked entities ("i/n": those whose internal id is i modulo n), so
        // that the workers share the decryption of their confidential values.
        size_t slash = part.find('/');
        if (slash == std::string::npos) {
          return InvalidArgument(fmt::format(
              "chunk {} of the saved plan: part \"{}\" is not \"i/n\"", chunk.id, part));
        }
        DHL_ASSIGN_OR_RETURN(int64_t index, ParseInt64(part.substr(0, slash), "chunk part"));
        DHL_ASSIGN_OR_RETURN(int64_t parts, ParseInt64(part.substr(slash + 1), "chunk parts"));
        if (parts < 1 || index < 0 || index >= parts) {
          return InvalidArgument(
              fmt::format("chunk {} of the saved plan: part \"{}\" is not \"i/n\" with 0 <= i < n",
                          chunk.id, part));
        }
        where +=
            fmt::format(" AND te.{} % {} = {}", context.schema.tracked_entity_id, parts, index);
      }
      sql.replace(sql.find("{since}"), 7, where);
      landed = LandJsonRows(**connection, sql, chunk.records_key, stem, per_file, context.hasher,
                            context.decryptor);
    } else {
      for (const MetadataQuery& query : context.metadata) {
        if (query.table == chunk.table) {
          std::string sql = query.sql;
          size_t at = sql.find("{since}");
          std::string alias = sql.substr(0, sql.rfind(" WHERE {since}"));
          alias = alias.substr(alias.rfind(' ') + 1);
          sql.replace(at, 7, SinceWhere(chunk, alias + ".lastupdated"));
          landed = LandJsonRows(**connection, sql, query.key, stem, per_file);
        }
      }
    }
    if (landed.ok()) {
      fetched.files = std::move(landed->files);
      fetched.bytes = landed->bytes;
      return fetched;
    }
    session.Reset();
    last = landed.status();
    if (last.code() != StatusCode::kConflict) {
      return last;
    }
    LogWarn("extract: chunk {} cancelled ({}); retrying in a new transaction", chunk.id,
            last.message());
  }
  return last;
}

// The calendar DHIS2 is set to (systemsetting keyCalendar); an empty string means ISO 8601.
Result<std::string> Calendar(PostgresConnection& connection) {
  DHL_ASSIGN_OR_RETURN(PostgresRows rows,
                       connection.Query("SELECT convert_from(value, 'UTF8') FROM systemsetting "
                                        "WHERE name = 'keyCalendar'"));
  if (rows.rows.empty() || !rows.rows[0][0]) {
    return std::string();
  }
  std::string value = *rows.rows[0][0];
  for (const char* calendar :
       {"ethiopian", "nepali", "coptic", "islamic", "julian", "persian", "thai", "gregorian"}) {
    if (value.find(calendar) != std::string::npos) {
      return std::string(calendar);
    }
  }
  return std::string();
}

// The planning context: one run's metadata.
struct DatabasePlanner {
  std::string run_id;
  std::string source;
  std::string version;
  std::string time_zone;
  std::string watermark;
  std::string created_at;

  ExtractionPlan NewPlan(const std::string& resource, const std::string& since) const {
    ExtractionPlan plan;
    plan.run_id = run_id;
    plan.resource = resource;
    plan.source = source;
    plan.server_version = version;
    plan.server_time_zone = time_zone;
    plan.watermark = watermark;
    plan.since = since;
    plan.created_at = created_at;
    return plan;
  }

  static void Add(ExtractionPlan& plan, Chunk chunk) {
    chunk.sequence = static_cast<int64_t>(plan.chunks.size()) + 1;
    chunk.id = fmt::format("{}/{:06d}", plan.resource, chunk.sequence);
    chunk.path = kChunkPath;
    plan.chunks.push_back(std::move(chunk));
  }
};

}  // namespace

PostgresExtractor::PostgresExtractor(std::string lake_dir, std::string uri, ExtractOptions options,
                                     Secrets secrets, const Clock& clock, bool show_progress)
    : lake_dir_(std::move(lake_dir)),
      uri_(std::move(uri)),
      options_(std::move(options)),
      secrets_(std::move(secrets)),
      clock_(clock),
      show_progress_(show_progress) {}

Result<ExtractSummary> PostgresExtractor::Run() {
  auto started = clock_.Steady();
  std::string masked = MaskPostgresUri(uri_);
  if (PostgresUriHasPassword(uri_)) {
    LogWarn(
        "extract: {} carries a password; prefer PGPASSWORD, [postgres] password in the "
        "secrets file or ~/.pgpass",
        masked);
  }
  PostgresConnectOptions connect;
  connect.uri = uri_;
  connect.password = secrets_.postgres_password;

  // 1. Connect, open the snapshot, check the schema: all before anything is written.
  DHL_ASSIGN_OR_RETURN(PostgresConnection planner, PostgresConnection::Open(connect));
  DHL_RETURN_IF_ERROR(planner.Execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
  DHL_RETURN_IF_ERROR(planner.Execute(
      fmt::format("SET LOCAL statement_timeout = {}", options_.statement_timeout_seconds * 1000)));
  DHL_ASSIGN_OR_RETURN(Dhis2DatabaseSchema schema, DetectDhis2Schema(planner));
  DHL_ASSIGN_OR_RETURN(std::string calendar, Calendar(planner));
  if (!calendar.empty() && calendar != "gregorian") {
    return Unsupported(fmt::format(
        "PostgreSQL {}: DHIS2 is set to the {} calendar; its period ids are not ISO 8601 ones "
        "and the database source does not convert them (use the Web API source)",
        masked, calendar));
  }
  DHL_ASSIGN_OR_RETURN(
      PostgresRows clock_rows,
      planner.Query("SELECT to_char(now() AT TIME ZONE 'UTC', "
                    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), current_setting('TimeZone'), "
                    "extract(year FROM now())::int"));
  std::string watermark = clock_rows.rows.at(0)[0].value_or("");
  std::string time_zone =
      !options_.time_zone.empty() ? options_.time_zone : clock_rows.rows.at(0)[1].value_or("UTC");
  std::string snapshot;
  Result<PostgresRows> exported = planner.Query("SELECT pg_export_snapshot()");
  if (exported.ok() && !exported->rows.empty()) {
    snapshot = exported->rows[0][0].value_or("");
  }
  int workers = std::max(1, options_.concurrency);
  if (snapshot.empty()) {
    // A hot standby before PostgreSQL 10 cannot export snapshots: one connection reads all.
    LogWarn("extract: {} cannot export its snapshot; one connection reads everything", masked);
    workers = 1;
  }
  LogInfo("extract: DHIS2 schema {} in {} (timestamps in {})", schema.version, masked, time_zone);

  // Personal attributes: DHIS2's confidential flag plus the configured uids or codes, and any
  // attribute with values stored encrypted (confidential when they were written). Those values are
  // read with [postgres] encryption_key, checked here on one value of each attribute before
  // anything is written; without the key they are reported and left out, never landed as empty.
  std::set<std::string> personal(options_.personal_attributes.begin(),
                                 options_.personal_attributes.end());
  std::optional<Dhis2ValueDecryptor> decryptor;
  int64_t encrypted_values = 0;
  if (!secrets_.postgres_encryption_key.empty()) {
    decryptor.emplace(secrets_.postgres_encryption_key);
  }
  if (schema.has_tracker) {
    DHL_ASSIGN_OR_RETURN(PostgresRows attributes,
                         planner.Query("SELECT uid, code, COALESCE(confidential, false) FROM "
                                       "trackedentityattribute"));
    for (const auto& row : attributes.rows) {
      std::string code = row[1].value_or("");
      if (row[2].value_or("f") == "t" || (!code.empty() && personal.count(code) > 0)) {
        personal.insert(row[0].value_or(""));
      }
    }
    DHL_ASSIGN_OR_RETURN(
        PostgresRows encrypted,
        planner.Query(
            "SELECT a.uid, a.name, count(*), min(v.encryptedvalue) FROM "
            "trackedentityattributevalue v JOIN trackedentityattribute a ON "
            "a.trackedentityattributeid = v.trackedentityattributeid WHERE v.value IS "
            "NULL AND v.encryptedvalue IS NOT NULL GROUP BY a.uid, a.name ORDER BY a.uid"));
    for (const auto& row : encrypted.rows) {
      std::string uid = row[0].value_or("");
      std::string name = row[1].value_or("");
      std::string count = row[2].value_or("0");
      personal.insert(uid);
      encrypted_values += ParseInt64(count, "a count").ValueOr(0);
      if (!decryptor) {
        LogWarn(
            "extract: {} values of confidential attribute {} ({}) are stored encrypted and are "
            "unavailable: they are left out, not landed as empty (put the server's dhis.conf "
            "encryption.password in [postgres] encryption_key of the secrets file to read them)",
            count, uid, name);
        continue;
      }
      Result<std::string> sample = decryptor->Decrypt(row[3].value_or(""));
      if (!sample.ok()) {
        return InvalidArgument(fmt::format(
            "PostgreSQL {}: [postgres] encryption_key does not decrypt the stored values of "
            "confidential attribute {} ({}): {}; it must be the server's dhis.conf "
            "encryption.password (DHIS2's built-in one when dhis.conf sets none)",
            masked, uid, name, sample.status().message()));
      }
      LogInfo(
          "extract: {} values of confidential attribute {} ({}) are stored encrypted: read "
          "with [postgres] encryption_key, hashed before they are written",
          count, uid, name);
    }
  }
  PersonalDataHasher hasher(
      secrets_.hash_key,
      PersonalDataRules{.attributes = personal,
                        .data_elements = {options_.personal_data_elements.begin(),
                                          options_.personal_data_elements.end()},
                        .geometry = options_.personal_geometry});

  FetchContext context;
  context.schema = schema;
  context.hasher = &hasher;
  context.decryptor = decryptor ? &*decryptor : nullptr;
  context.metadata = MetadataQueries(schema);
  context.max_tries = options_.max_tries;
  context.records_per_json_file = 10 * static_cast<int64_t>(std::max(1, options_.page_size));

  DHL_ASSIGN_OR_RETURN(engine::Database database,
                       engine::Database::Open(engine::ExtractorDatabaseOptions()));
  DHL_ASSIGN_OR_RETURN(engine::Connection connection, database.Connect());
  lake::LakeCatalog catalog(lake_dir_);
  BronzeWriter writer(connection, catalog, clock_);
  WatermarkStore watermarks(connection, catalog, clock_);

  std::vector<std::unique_ptr<WorkerSession>> sessions;
  for (int i = 0; i < workers; ++i) {
    sessions.push_back(
        std::make_unique<WorkerSession>(connect, snapshot, options_.statement_timeout_seconds));
  }
  ChunkFetcher fetch = [&](const Chunk& chunk, const std::string& directory,
                           int worker) -> Result<FetchedChunk> {
    return FetchDatabaseChunk(*sessions[static_cast<size_t>(worker) % sessions.size()], context,
                              chunk, directory);
  };
  PlanRunnerOptions run_options;
  run_options.concurrency = workers;
  run_options.show_progress = show_progress_;

  ExtractSummary summary;
  summary.server_version = schema.version;
  auto run = [&](const ExtractionPlan& plan, bool resumed) -> Status {
    PlanRunnerOptions these = run_options;
    these.delete_landing_when_done = plan.resource == "tracker" && !options_.keep_tracker_landing;
    return RunPlanInto(summary, lake_dir_, plan, writer, watermarks, fetch, /*hasher=*/nullptr,
                       these, resumed);
  };

  // 2. Finish what an interrupted run of this database left.
  ExpireLanding(lake_dir_, options_.landing_retention_days);
  std::string source = kSourcePrefix + masked;
  DHL_ASSIGN_OR_RETURN(std::vector<ExtractionPlan> unfinished, UnfinishedPlans(lake_dir_));
  for (const ExtractionPlan& plan : unfinished) {
    if (plan.chunks.empty() || plan.chunks.front().path != kChunkPath) {
      continue;  // a Web API or export-folder run: resumed by its own source
    }
    if (plan.source != source) {
      LogWarn("extract: run {} of {} was planned against {}; it is resumed from {}", plan.run_id,
              plan.resource, plan.source, source);
    }
    LogInfo("extract: resuming run {} of {} from its saved plan", plan.run_id, plan.resource);
    DHL_RETURN_IF_ERROR(run(plan, /*resumed=*/true));
  }

  // 3. Plan and run each resource.
  DatabasePlanner planner_context{Uuid4(),        source,
                                  schema.version, time_zone,
                                  watermark,      FormatIsoUtcMillis(ToEpochMillis(clock_.Now()))};
  auto since = [&](const std::string& resource) -> Result<std::optional<std::string>> {
    if (options_.full) {
      return std::optional<std::string>();
    }
    return watermarks.Since(resource, time_zone, options_.overlap_seconds);
  };
  auto plan_and_run = [&](const ExtractionPlan& plan) -> Status {
    DHL_RETURN_IF_ERROR(SavePlan(lake_dir_, plan));
    return run(plan, /*resumed=*/false);
  };
  // The years holding rows of `table`: its period ids grouped in one scan first. DHIS2 has no
  // index leading with periodid (datavalue's key starts with dataelementid), so a per-period
  // EXISTS became a nested loop scanning the whole key index once per period (medium, 273
  // periods: 21 s; grouped first: 0.3 s).
  auto years = [&](const std::string& table) -> Result<std::vector<int>> {
    DHL_ASSIGN_OR_RETURN(
        PostgresRows rows,
        planner.Query(fmt::format("SELECT DISTINCT extract(year FROM p.startdate)::int AS y FROM "
                                  "period p JOIN (SELECT periodid FROM {} GROUP BY periodid) v ON "
                                  "v.periodid = p.periodid ORDER BY y",
                                  table)));
    std::vector<int> list;
    for (const auto& row : rows.rows) {
      DHL_ASSIGN_OR_RETURN(int64_t year,
                           ParseInt64(row[0].value_or(""), "the year of a period of " + table));
      list.push_back(static_cast<int>(year));
    }
    return list;
  };

  DHL_ASSIGN_OR_RETURN(auto metadata_since, since("metadata"));
  ExtractionPlan metadata = planner_context.NewPlan("metadata", metadata_since.value_or(""));
  for (const MetadataQuery& query : context.metadata) {
    Chunk chunk;
    chunk.table = query.table;
    chunk.records_key = query.key;
    if (metadata_since) {
      chunk.params.emplace_back("since", *metadata_since);
    }
    DatabasePlanner::Add(metadata, std::move(chunk));
  }
  DHL_RETURN_IF_ERROR(plan_and_run(metadata));

  // Min-max ranges: the whole list each run (silver keeps the latest run's), when the table exists.
  ExtractionPlan min_max = planner_context.NewPlan("min_max_data_element", "");
  min_max.append_unchanged = options_.full;
  if (schema.has_min_max) {
    Chunk chunk;
    chunk.table = "min_max_data_element";
    chunk.records_key = "minMaxDataElements";
    chunk.snapshot = true;  // an unchanged list is not appended again (plan_runner.h)
    DatabasePlanner::Add(min_max, std::move(chunk));
    DHL_RETURN_IF_ERROR(plan_and_run(min_max));
  }

  DHL_ASSIGN_OR_RETURN(auto values_since, since("data_value"));
  ExtractionPlan values = planner_context.NewPlan("data_value", values_since.value_or(""));
  if (values_since) {
    Chunk chunk;
    chunk.table = "data_value";
    chunk.format = ChunkFormat::kCsv;
    chunk.params.emplace_back("since", *values_since);
    DatabasePlanner::Add(values, std::move(chunk));
  } else {
    DHL_ASSIGN_OR_RETURN(std::vector<int> value_years, years("datavalue"));
    for (int year : value_years) {
      Chunk chunk;
      chunk.table = "data_value";
      chunk.format = ChunkFormat::kCsv;
      chunk.params.emplace_back("year", std::to_string(year));
      DatabasePlanner::Add(values, std::move(chunk));
    }
  }
  DHL_RETURN_IF_ERROR(plan_and_run(values));

  // Registrations have no deleted flag (DHIS2 deletes the row) and a lastupdated that older
  // versions leave empty: every run reads them all, year by year, as a snapshot, then records the
  // windows it covered (a registration gone from the database leaves silver).
  // Snapshots, so an unchanged run appends neither registrations nor windows (plan_runner.h).
  ExtractionPlan registrations = planner_context.NewPlan("complete_registration", "");
  registrations.append_unchanged = options_.full;
  DHL_ASSIGN_OR_RETURN(std::vector<int> registration_years, years("completedatasetregistration"));
  for (int year : registration_years) {
    Chunk chunk;
    chunk.table = "complete_registration";
    chunk.format = ChunkFormat::kCsv;
    chunk.snapshot = true;
    chunk.params.emplace_back("year", std::to_string(year));
    DatabasePlanner::Add(registrations, std::move(chunk));
  }
  Chunk windows;
  windows.table = "complete_registration_window";
  windows.records_key = "windows";
  windows.snapshot = true;
  DatabasePlanner::Add(registrations, std::move(windows));
  DHL_RETURN_IF_ERROR(plan_and_run(registrations));

  if (schema.has_tracker) {
    DHL_ASSIGN_OR_RETURN(auto tracker_since, since("tracker"));
    ExtractionPlan tracker = planner_context.NewPlan("tracker", tracker_since.value_or(""));
    // Decrypting a confidential value costs about 0.5 ms (two key derivations): with many, the
    // tracked entities are read in one part per worker, which decrypt them side by side.
    const int parts = decryptor && encrypted_values >= kEncryptedValuesPerPart ? workers : 1;
    for (const auto& [table, key] :
         {std::pair<const char*, const char*>{"tracked_entity", "trackedEntities"},
          {"enrollment", "enrollments"},
          {"event", "events"}}) {
      for (int part = 0; part < (std::string_view(table) == "tracked_entity" ? parts : 1); ++part) {
        Chunk chunk;
        chunk.table = table;
        chunk.records_key = key;
        if (tracker_since) {
          chunk.params.emplace_back("since", *tracker_since);
        }
        if (std::string_view(table) == "tracked_entity" && parts > 1) {
          chunk.params.emplace_back("part", fmt::format("{}/{}", part, parts));
        }
        DatabasePlanner::Add(tracker, std::move(chunk));
      }
    }
    if (schema.has_relationship) {
      Chunk chunk;
      chunk.table = "relationship";
      chunk.records_key = "relationships";
      if (tracker_since) {
        chunk.params.emplace_back("since", *tracker_since);
      }
      DatabasePlanner::Add(tracker, std::move(chunk));
    }
    DHL_RETURN_IF_ERROR(plan_and_run(tracker));
  }

  DHL_RETURN_IF_ERROR(planner.Execute("COMMIT"));
  summary.seconds = std::chrono::duration<double>(clock_.Steady() - started).count();
  return summary;
}

}  // namespace dhl::source
