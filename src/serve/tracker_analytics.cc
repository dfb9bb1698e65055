#include "serve/tracker_analytics.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "base/text.h"
#include "serve/analytics_query.h"
#include "serve/analytics_request.h"
#include "serve/lake_reader.h"
#include "serve/org_unit_resolver.h"
#include "serve/tracker_analytics_request.h"
#include "sql/literal.h"

namespace dhl::serve {
namespace {

using Json = nlohmann::ordered_json;
using analytics::LakeReader;
using analytics::OrgUnit;
using namespace tracker;  // NOLINT: the steps of this file's one function

const lake::TableName kEventAnalyticsTable{"gold", "event_analytics"};
const lake::TableName kEnrollmentAnalyticsTable{"gold", "enrollment_analytics"};
const lake::TableName kTrackerValueTable{"gold", "tracker_value"};
const lake::TableName kProgramTable{"bronze", "metadata_program"};
const lake::TableName kProgramStageTable{"bronze", "metadata_program_stage"};
const lake::TableName kAttributeTable{"bronze", "metadata_tracked_entity_attribute"};

constexpr int kDeepestLevel = 8;  // gold.*_analytics carry level1_uid .. level8_uid
constexpr char kCountedEventStatuses[] = "('ACTIVE', 'COMPLETED', 'SCHEDULE')";

// A query item resolved against the lake's metadata.
struct ResolvedItem {
  QueryItem item;
  bool attribute = false;
  std::string name;
  std::string value_type;  // DHIS2's value type
  bool numeric = false;    // compared and grouped by number (numeric and boolean types)
};

bool IsNumericType(std::string_view type) {
  return type == "NUMBER" || type == "UNIT_INTERVAL" || type == "PERCENTAGE" || type == "INTEGER" ||
         type == "INTEGER_POSITIVE" || type == "INTEGER_NEGATIVE" ||
         type == "INTEGER_ZERO_OR_POSITIVE" || type == "BOOLEAN" || type == "TRUE_ONLY";
}

std::string_view JavaType(std::string_view type) {
  if (type == "BOOLEAN" || type == "TRUE_ONLY") {
    return "java.lang.Boolean";
  }
  if (type.rfind("INTEGER", 0) == 0) {
    return "java.lang.Integer";
  }
  if (type == "NUMBER" || type == "UNIT_INTERVAL" || type == "PERCENTAGE") {
    return "java.lang.Double";
  }
  if (type == "DATE") {
    return "java.time.LocalDate";
  }
  if (type == "DATETIME") {
    return "java.time.LocalDateTime";
  }
  if (type == "ORGANISATION_UNIT") {
    return "org.hisp.dhis.organisationunit.OrganisationUnit";
  }
  return "java.lang.String";
}

// A filter value of a numeric item as a number (booleans also as true/false).
std::optional<double> NumberOf(std::string_view text, const ResolvedItem& item) {
  if (item.value_type == "BOOLEAN" || item.value_type == "TRUE_ONLY") {
    std::string lower = AsciiLower(text);
    if (lower == "true") {
      return 1.0;
    }
    if (lower == "false") {
      return 0.0;
    }
  }
  double number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return number;
}

std::string LikePattern(std::string_view value, std::string_view prefix, std::string_view suffix) {
  std::string escaped;
  for (char c : value) {
    if (c == '%' || c == '_' || c == '\\') {
      escaped += '\\';
    }
    escaped += c;
  }
  return sql::StringLiteral(std::string(prefix) + escaped + std::string(suffix));
}

// The SQL condition of `filter` on the item whose values are `alias`.value / `alias`.value_text
// (QueryFilter, AbstractJdbcEventAnalyticsManager: NE matches missing values too, NV is missing).
std::string FilterCondition(const ResolvedItem& item, const ItemFilter& filter,
                            const std::string& alias) {
  std::string number = alias + ".value";
  std::string text = alias + ".value_text";
  std::string column = item.numeric ? number : text;
  auto literal = [&](std::string_view value) {
    return item.numeric ? sql::NumberLiteral(*NumberOf(value, item))
                        : sql::StringLiteral(std::string(value));
  };
  std::string missing =
      item.numeric ? fmt::format("{} IS NULL", number) : fmt::format("coalesce({}, '') = ''", text);
  switch (filter.op) {
    case FilterOperator::kEq:
      return filter.value == "NV" ? missing : fmt::format("{} = {}", column, literal(filter.value));
    case FilterOperator::kNe:
      return filter.value == "NV"
                 ? fmt::format("NOT ({})", missing)
                 : fmt::format("({} OR {} <> {})", missing, column, literal(filter.value));
    case FilterOperator::kGt:
      return fmt::format("{} > {}", column, literal(filter.value));
    case FilterOperator::kGe:
      return fmt::format("{} >= {}", column, literal(filter.value));
    case FilterOperator::kLt:
      return fmt::format("{} < {}", column, literal(filter.value));
    case FilterOperator::kLe:
      return fmt::format("{} <= {}", column, literal(filter.value));
    case FilterOperator::kIn: {
      std::vector<std::string> values;
      bool with_missing = false;
      for (std::string_view part : Split(filter.value, ';')) {
        std::string_view value = Trim(part);
        if (value == "NV") {
          with_missing = true;
        } else if (!value.empty()) {
          values.push_back(literal(value));
        }
      }
      std::string condition =
          values.empty() ? "FALSE" : fmt::format("{} IN ({})", column, fmt::join(values, ", "));
      return with_missing ? fmt::format("({} OR {})", condition, missing) : condition;
    }
    case FilterOperator::kLike:
      return fmt::format("{} LIKE {} ESCAPE '\\'", text, LikePattern(filter.value, "%", "%"));
    case FilterOperator::kIlike:
      return fmt::format("{} ILIKE {} ESCAPE '\\'", text, LikePattern(filter.value, "%", "%"));
    case FilterOperator::kSw:
      return fmt::format("{} LIKE {} ESCAPE '\\'", text, LikePattern(filter.value, "", "%"));
    case FilterOperator::kEw:
      return fmt::format("{} LIKE {} ESCAPE '\\'", text, LikePattern(filter.value, "%", ""));
  }
  return "FALSE";
}

// Everything an answer needs, resolved.
struct Plan {
  TrackerEndpoint endpoint = TrackerEndpoint::kEvents;
  std::string program;
  TrackerRequestParameters parameters;
  std::vector<ResolvedItem> items;
  std::vector<OrgUnit> org_units;
  std::vector<dhis2::Period> periods;
  std::map<std::string, std::string> names;  // metaData items
  // Events endpoint: the stage whose events count (stage=, or the stage its items name).
  std::string event_stage;
  std::set<std::string> repeatable_stages;
  // startDate/endDate instead of periods.
  std::optional<std::pair<dhis2::Date, dhis2::Date>> date_range;
};

bool PeDimension(const TrackerRequestParameters& parameters) {
  return parameters.pe.has_value() && !parameters.pe->filter;
}

AnalyticsResult<bool> ResolveProgramAndStages(LakeReader& lake, Plan& plan) {
  const std::string& program = plan.program;
  if (!analytics::IsUid(program)) {
    return Refuse("E7129", fmt::format("Program is specified but does not exist: `{}`", program));
  }
  const lake::TableName& records =
      plan.endpoint == TrackerEndpoint::kEvents ? kEventAnalyticsTable : kEnrollmentAnalyticsTable;
  if (!lake.Has(records)) {
    return Refuse("", fmt::format("The lake has no {}.{} yet: run the pipeline over tracker data",
                                  records.layer, records.name));
  }
  std::string display = plan.parameters.short_names ? "json_extract_string(object, '$.shortName')"
                                                    : "CAST(NULL AS VARCHAR)";
  DHL_ASSIGN_OR_RETURN(
      std::optional<engine::QueryResult> programs,
      lake.Read(kProgramTable,
                fmt::format("SELECT max(coalesce({}, name)) FROM bronze.metadata_program "
                            "WHERE id = {}",
                            display, sql::StringLiteral(program))));
  if (programs.has_value()) {
    if (programs->row_count() == 0 || programs->IsNull(0, 0)) {
      return Refuse("E7129", fmt::format("Program is specified but does not exist: `{}`", program));
    }
    plan.names[program] = analytics::Text(*programs, 0, 0);
  } else {
    plan.names[program] = program;
  }
  std::vector<std::string> stages;
  if (!plan.parameters.stage.empty()) {
    stages.push_back(plan.parameters.stage);
  }
  for (const QueryItem& item : plan.parameters.items) {
    if (!item.stage.empty()) {
      analytics::AddUnique(stages, item.stage);
    }
  }
  if (stages.empty()) {
    return true;
  }
  DHL_ASSIGN_OR_RETURN(
      std::optional<engine::QueryResult> found,
      lake.Read(kProgramStageTable,
                fmt::format("SELECT id, max(coalesce({}, name)), "
                            "max(json_extract_string(object, '$.program.id')), "
                            "max(CAST(json_extract_string(object, '$.repeatable') AS VARCHAR)) "
                            "FROM bronze.metadata_program_stage WHERE id IN {} GROUP BY id",
                            display, analytics::InList(stages))));
  std::map<std::string, std::string> program_of;
  if (found.has_value()) {
    for (size_t row = 0; row < found->row_count(); ++row) {
      plan.names[analytics::Text(*found, 0, row)] = analytics::Text(*found, 1, row);
      program_of[analytics::Text(*found, 0, row)] = analytics::Text(*found, 2, row);
      if (analytics::Text(*found, 3, row) == "true") {
        plan.repeatable_stages.insert(analytics::Text(*found, 0, row));
      }
    }
  }
  for (const std::string& stage : stages) {
    auto owner = program_of.find(stage);
    if (owner == program_of.end()) {
      return Refuse("E7130",
                    fmt::format("Program stage is specified but does not exist: `{}`", stage));
    }
    if (!owner->second.empty() && owner->second != program) {
      return Refuse("E7245", fmt::format("Program stage `{}` does not belong to program `{}`",
                                         stage, program));
    }
  }
  return true;
}

AnalyticsResult<bool> ResolveItems(LakeReader& lake, Plan& plan) {
  std::vector<std::string> uids;
  for (const QueryItem& item : plan.parameters.items) {
    if (!item.program_status && !item.event_status) {
      analytics::AddUnique(uids, item.uid);
    }
  }
  if (plan.parameters.items.empty()) {
    return true;
  }
  if (uids.empty()) {
    uids.push_back("");  // PROGRAM_STATUS alone: the look-ups below find nothing
  }
  std::map<std::string, ResolvedItem> elements;
  std::map<std::string, std::pair<ResolvedItem, bool>> attributes;  // item, confidential
  DHL_ASSIGN_OR_RETURN(
      std::optional<engine::QueryResult> found_elements,
      lake.Read(analytics::kDataElementTable,
                fmt::format("SELECT uid, max(coalesce({}, name)), max(value_type) FROM "
                            "silver.data_element WHERE uid IN {} GROUP BY uid",
                            plan.parameters.short_names ? "short_name" : "CAST(NULL AS VARCHAR)",
                            analytics::InList(uids))));
  if (found_elements.has_value()) {
    for (size_t row = 0; row < found_elements->row_count(); ++row) {
      ResolvedItem element;
      element.name = analytics::Text(*found_elements, 1, row);
      element.value_type = analytics::Text(*found_elements, 2, row);
      elements[analytics::Text(*found_elements, 0, row)] = element;
    }
  }
  DHL_ASSIGN_OR_RETURN(
      std::optional<engine::QueryResult> found_attributes,
      lake.Read(
          kAttributeTable,
          fmt::format("SELECT id, max(coalesce({}, name)), "
                      "max(json_extract_string(object, '$.valueType')), "
                      "max(CAST(json_extract_string(object, '$.confidential') AS VARCHAR)) "
                      "FROM bronze.metadata_tracked_entity_attribute WHERE id IN {} "
                      "GROUP BY id",
                      plan.parameters.short_names ? "json_extract_string(object, '$.shortName')"
                                                  : "CAST(NULL AS VARCHAR)",
                      analytics::InList(uids))));
  if (found_attributes.has_value()) {
    for (size_t row = 0; row < found_attributes->row_count(); ++row) {
      ResolvedItem attribute;
      attribute.attribute = true;
      attribute.name = analytics::Text(*found_attributes, 1, row);
      attribute.value_type = analytics::Text(*found_attributes, 2, row);
      attributes[analytics::Text(*found_attributes, 0, row)] = {
          attribute, analytics::Text(*found_attributes, 3, row) == "true"};
    }
  }
  std::set<std::string> item_stages;
  for (const QueryItem& item : plan.parameters.items) {
    ResolvedItem resolved;
    if (item.program_status) {
      // ColumnHeader.PROGRAM_STATUS: the enrollment's status (on events, the event's enrollment).
      resolved.item = item;
      resolved.name = "Program status";
      resolved.value_type = "TEXT";
      plan.names[item.id] = resolved.name;
      plan.items.push_back(std::move(resolved));
      continue;
    }
    if (item.event_status) {
      if (plan.endpoint != TrackerEndpoint::kEvents) {
        return Refuse("", fmt::format("`{}.EVENT_STATUS` is answered on the events endpoint only",
                                      item.stage));
      }
      resolved.item = item;
      resolved.name = "Event status";
      resolved.value_type = "TEXT";
      item_stages.insert(item.stage);
      plan.names[item.id] = resolved.name;
      plan.items.push_back(std::move(resolved));
      continue;
    }
    if (item.stage_offset.has_value() && plan.endpoint == TrackerEndpoint::kEvents) {
      return Refuse("", fmt::format("Repeatable-stage indexes (`{}`) apply to the enrollments "
                                    "endpoint: on events a value is the event's own",
                                    item.id));
    }
    if (auto element = elements.find(item.uid); element != elements.end()) {
      resolved = element->second;
      if (item.stage.empty() && plan.endpoint == TrackerEndpoint::kEnrollments) {
        return Refuse("E7225", fmt::format("Program stage is mandatory for data element dimensions "
                                           "in enrollment analytics queries: `{}`",
                                           item.id));
      }
      if (!item.stage.empty()) {
        item_stages.insert(item.stage);
      }
    } else if (auto attribute = attributes.find(item.uid);
               attribute != attributes.end() && item.stage.empty()) {
      if (attribute->second.second) {
        return Refuse("", fmt::format("Attribute `{}` is confidential: the lake holds its values "
                                      "as HMAC hashes, so it can be neither a dimension nor a "
                                      "filter here",
                                      item.uid));
      }
      resolved = attribute->second.first;
    } else if (lake.metadata().program_indicators().count(item.uid) > 0 && item.stage.empty()) {
      return Refuse("", fmt::format("Program indicator `{}` is an item with aggregateData=true "
                                    "only (a value per indicator, org unit and period)",
                                    item.uid));
    } else {
      return Refuse("E7224", fmt::format("Item identifier does not reference any data element, "
                                         "attribute or indicator part of the program: `{}`",
                                         item.id));
    }
    resolved.item = item;
    resolved.numeric = IsNumericType(resolved.value_type);
    for (const ItemFilter& filter : item.filters) {
      bool textual = filter.op == FilterOperator::kLike || filter.op == FilterOperator::kIlike ||
                     filter.op == FilterOperator::kSw || filter.op == FilterOperator::kEw;
      if (!resolved.numeric || textual) {
        continue;
      }
      for (std::string_view part : Split(filter.value, ';')) {
        std::string_view value = Trim(part);
        if (value != "NV" && !NumberOf(value, resolved).has_value()) {
          return Refuse("E7234", fmt::format("Query filter: `{}` not valid for query item value "
                                             "type: `{}`",
                                             value, resolved.value_type));
        }
      }
    }
    plan.names[item.id] = resolved.name;
    plan.items.push_back(std::move(resolved));
  }
  if (plan.endpoint == TrackerEndpoint::kEvents && !plan.parameters.stage.empty()) {
    item_stages.insert(plan.parameters.stage);
  }
  if (plan.endpoint == TrackerEndpoint::kEvents && item_stages.size() > 1) {
    return Refuse("E7244", fmt::format("Multiple stages in stage-specific dimensions are not "
                                       "allowed: `{}`",
                                       fmt::join(item_stages, ", ")));
  }
  if (plan.endpoint == TrackerEndpoint::kEvents && item_stages.size() == 1) {
    plan.event_stage = *item_stages.begin();
  }
  return true;
}

// The column holding the date the periods apply to (see TrackerRequestParameters::date_field);
// "" when the endpoint has no such date.
std::string DayColumn(TrackerEndpoint endpoint, const std::string& field) {
  bool events = endpoint == TrackerEndpoint::kEvents;
  if (field.empty()) {
    return events ? "CASE WHEN status = 'SCHEDULE' THEN scheduled_at ELSE occurred_at END"
                  : "enrolled_at";
  }
  static const std::map<std::string, std::pair<std::string, std::string>> kColumns = {
      {"EVENT_DATE", {"occurred_at", ""}},
      {"SCHEDULED_DATE", {"scheduled_at", ""}},
      {"ENROLLMENT_DATE", {"enrolled_at", "enrolled_at"}},
      {"INCIDENT_DATE", {"incident_at", "incident_at"}},
      {"LAST_UPDATED", {"updated_at", "updated_at"}},
      {"CREATED", {"created_at", "created_at"}},
      {"COMPLETED", {"completed_at", "completed_at"}}};
  auto found = kColumns.find(field);
  if (found == kColumns.end()) {
    return "";
  }
  return events ? found->second.first : found->second.second;
}

// The records (events or enrollments) that can count, one row each: record, enrollment,
// tracked_entity, level1_uid .. level8_uid, day.
std::string RecordsSql(const Plan& plan) {
  const TrackerRequestParameters& parameters = plan.parameters;
  std::vector<std::string> where = {"program = " + sql::StringLiteral(plan.program)};
  std::string select;
  std::string table;
  if (plan.endpoint == TrackerEndpoint::kEvents) {
    table = "gold.event_analytics";
    select =
        "event AS record, enrollment, tracked_entity, ou, ou_level, enrollment_status AS "
        "program_status, CAST(" +
        DayColumn(plan.endpoint, parameters.date_field) + " AS DATE) AS day";
    where.push_back(fmt::format("status IN {}", kCountedEventStatuses));
    if (!plan.event_stage.empty()) {
      where.push_back("program_stage = " + sql::StringLiteral(plan.event_stage));
    }
    if (!parameters.event_statuses.empty()) {
      where.push_back("status IN " + analytics::InList(parameters.event_statuses));
    }
    if (!parameters.enrollment_statuses.empty()) {
      where.push_back("enrollment_status IN " + analytics::InList(parameters.enrollment_statuses));
    }
  } else {
    table = "gold.enrollment_analytics";
    select =
        "enrollment AS record, enrollment, tracked_entity, ou, ou_level, status AS program_status, "
        "CAST(" +
        DayColumn(plan.endpoint, parameters.date_field) + " AS DATE) AS day";
    if (!parameters.enrollment_statuses.empty()) {
      where.push_back("status IN " + analytics::InList(parameters.enrollment_statuses));
    }
  }
  for (int level = 1; level <= kDeepestLevel; ++level) {
    select += fmt::format(", level{}_uid", level);
  }
  return fmt::format("SELECT {} FROM {} WHERE {}", select, table, fmt::join(where, " AND "));
}

// The values of `item`, one row per record: record, value, value_text.
std::string ItemValuesSql(const Plan& plan, const ResolvedItem& item) {
  if (item.item.event_status) {
    return "SELECT event AS record, CAST(NULL AS DOUBLE) AS value, status AS value_text FROM "
           "gold.event_analytics";
  }
  std::string uid = sql::StringLiteral(item.item.uid);
  if (item.attribute) {
    return fmt::format(
        "SELECT enrollment AS record, value, value_text FROM gold.tracker_value WHERE item_type = "
        "'attribute' AND item = {}",
        uid);
  }
  std::string stage =
      item.item.stage.empty() ? "" : " AND program_stage = " + sql::StringLiteral(item.item.stage);
  if (plan.endpoint == TrackerEndpoint::kEvents) {
    return fmt::format(
        "SELECT event AS record, value, value_text FROM gold.tracker_value WHERE item_type = "
        "'data_element' AND item = {}{}",
        uid, stage);
  }
  // The value of one of the enrollment's events of the stage, not scheduled, ranked by occurred
  // date then creation (dhis2-core EnrollmentEventSubqueryBuilder, ProgramStageOffsetSqlBuilder):
  // index 0 (or none) the latest, -n the n-th before it, n > 0 the n-th from the first. On a
  // repeatable stage the ranked events are all of the stage's, so the latest one without a value
  // gives none (repeatableStageSubquery); on other stages only events with a value rank
  // (singleStageSubquery).
  int offset = item.item.stage_offset.value_or(0);
  std::string direction = offset > 0 ? "ASC NULLS LAST" : "DESC NULLS FIRST";
  int position = offset > 0 ? offset : 1 - offset;
  bool repeatable = plan.repeatable_stages.count(item.item.stage) > 0;
  return fmt::format(
      "SELECT record, value, value_text FROM (SELECT e.enrollment AS record, t.value, "
      "t.value_text, row_number() OVER (PARTITION BY e.enrollment ORDER BY e.occurred_at {0}, "
      "e.created_at {0}, e.event {0}) AS position FROM gold.event_analytics AS e LEFT JOIN "
      "(SELECT event, value, value_text FROM gold.tracker_value WHERE item_type = "
      "'data_element' AND item = {1}) AS t ON t.event = e.event WHERE e.program_stage = {2} AND "
      "e.status IN ('ACTIVE', 'COMPLETED'){3}) AS ranked WHERE position = {4}",
      direction, uid, sql::StringLiteral(item.item.stage),
      repeatable ? "" : " AND coalesce(t.value_text, '') <> ''", position);
}

// ouMode's condition on the record `r` for the unit `uid` at `level` (SQL texts).
std::string OrgUnitModeCondition(OrgUnitMode mode, const std::string& uid,
                                 const std::string& level) {
  switch (mode) {
    case OrgUnitMode::kSelected:
      return fmt::format(" AND r.ou = {}", uid);
    case OrgUnitMode::kChildren:
      return fmt::format(" AND r.ou_level = {} + 1", level);
    case OrgUnitMode::kDescendants:
      break;
  }
  return "";
}

std::string LevelColumn(const std::string& level_expression) {
  std::string sql = "CASE " + level_expression;
  for (int level = 1; level <= kDeepestLevel; ++level) {
    sql += fmt::format(" WHEN {0} THEN r.level{0}_uid", level);
  }
  return sql + " END";
}

std::string DayRange(dhis2::Date first, dhis2::Date last) {
  return fmt::format("r.day BETWEEN DATE {} AND DATE {}",
                     sql::StringLiteral(dhis2::FormatDate(first)),
                     sql::StringLiteral(dhis2::FormatDate(last)));
}

// The counting query: columns ou, pe (when dimensions), then each dimension item's value, then
// the count; ordered by the requested order of units and periods, then item values.
std::string CountSql(const Plan& plan) {
  const TrackerRequestParameters& parameters = plan.parameters;
  std::vector<std::string> joins;
  std::vector<std::string> where;
  std::vector<std::string> columns;
  std::vector<std::string> order;
  bool ou_dimension = !parameters.ou.has_value() ? false : !parameters.ou->filter;
  bool pe_dimension = PeDimension(parameters);
  if (ou_dimension) {
    std::vector<std::string> units;
    for (size_t i = 0; i < plan.org_units.size(); ++i) {
      units.push_back(fmt::format("({}, {}, {})", sql::StringLiteral(plan.org_units[i].uid),
                                  plan.org_units[i].level, i));
    }
    joins.push_back(fmt::format("JOIN (VALUES {}) AS u(uid, level, position) ON u.uid = {}{}",
                                fmt::join(units, ", "), LevelColumn("u.level"),
                                OrgUnitModeCondition(parameters.ou_mode, "u.uid", "u.level")));
    columns.push_back("u.uid");
    order.push_back("u.position");
  } else {
    std::vector<std::string> any;
    for (const OrgUnit& unit : plan.org_units) {
      any.push_back(
          fmt::format("(r.level{}_uid = {}{})", unit.level, sql::StringLiteral(unit.uid),
                      OrgUnitModeCondition(parameters.ou_mode, sql::StringLiteral(unit.uid),
                                           std::to_string(unit.level))));
    }
    where.push_back(fmt::format("({})", fmt::join(any, " OR ")));
  }
  if (pe_dimension) {
    std::vector<std::string> periods;
    for (size_t i = 0; i < plan.periods.size(); ++i) {
      const dhis2::Period& period = plan.periods[i];
      periods.push_back(fmt::format("({}, DATE {}, DATE {}, {})", sql::StringLiteral(period.id()),
                                    sql::StringLiteral(dhis2::FormatDate(period.start())),
                                    sql::StringLiteral(dhis2::FormatDate(period.end())), i));
    }
    joins.push_back(fmt::format(
        "JOIN (VALUES {}) AS p(pe, first_day, last_day, position) ON r.day BETWEEN p.first_day "
        "AND p.last_day",
        fmt::join(periods, ", ")));
    columns.push_back("p.pe");
    order.push_back("p.position");
  } else {
    std::vector<std::string> any;
    for (const dhis2::Period& period : plan.periods) {
      any.push_back(DayRange(period.start(), period.end()));
    }
    if (plan.date_range.has_value()) {
      any.push_back(DayRange(plan.date_range->first, plan.date_range->second));
    }
    where.push_back(fmt::format("({})", fmt::join(any, " OR ")));
  }
  for (size_t i = 0; i < plan.items.size(); ++i) {
    const ResolvedItem& item = plan.items[i];
    if (item.item.program_status) {
      for (const ItemFilter& filter : item.item.filters) {
        std::vector<std::string> statuses;
        for (std::string_view status : Split(filter.value, ';')) {
          statuses.push_back(sql::StringLiteral(std::string(status)));
        }
        where.push_back(fmt::format("r.program_status IN ({})", fmt::join(statuses, ", ")));
      }
      if (!item.item.filter) {
        columns.push_back("r.program_status");
        order.push_back("r.program_status NULLS LAST");
      }
      continue;
    }
    std::string alias = fmt::format("v{}", i);
    joins.push_back(fmt::format(
        "LEFT JOIN ({}) AS {} ON {}.record = r.{}", ItemValuesSql(plan, item), alias, alias,
        item.attribute && plan.endpoint == TrackerEndpoint::kEvents ? "enrollment" : "record"));
    for (const ItemFilter& filter : item.item.filters) {
      where.push_back(FilterCondition(item, filter, alias));
    }
    if (!item.item.filter) {
      std::string column = item.numeric ? alias + ".value" : alias + ".value_text";
      columns.push_back(column);
      order.push_back(column + " NULLS LAST");
    }
  }
  std::string count = "count(*)";
  if (parameters.output_type == OutputType::kEnrollment &&
      plan.endpoint == TrackerEndpoint::kEvents) {
    count = "count(DISTINCT r.enrollment)";
  } else if (parameters.output_type == OutputType::kTrackedEntity) {
    count = "count(DISTINCT r.tracked_entity)";
  }
  std::string select =
      columns.empty() ? count : fmt::format("{}, {}", fmt::join(columns, ", "), count);
  std::string sql =
      fmt::format("SELECT {} FROM ({}) AS r {}", select, RecordsSql(plan), fmt::join(joins, " "));
  if (!where.empty()) {
    sql += fmt::format(" WHERE {}", fmt::join(where, " AND "));
  }
  if (!columns.empty()) {
    std::vector<std::string> group = columns;
    for (const std::string& position : order) {
      if (position.ends_with(".position")) {
        group.push_back(position);
      }
    }
    sql += fmt::format(" GROUP BY {} ORDER BY {}", fmt::join(group, ", "), fmt::join(order, ", "));
  }
  return sql;
}

Json TrackerHeader(const std::string& name, const std::string& column, std::string_view value_type,
                   std::string_view java_type, bool meta) {
  return Json{{"name", name},      {"column", column}, {"valueType", value_type},
              {"type", java_type}, {"hidden", false},  {"meta", meta}};
}

std::string RenderTrackerAnswer(const Plan& plan, std::vector<std::vector<std::string>> rows,
                                const std::string& format) {
  // Query rows come as ou, pe, items, value; the endpoints order their columns differently.
  const TrackerRequestParameters& parameters = plan.parameters;
  bool ou_dimension = parameters.ou.has_value() && !parameters.ou->filter;
  bool pe_dimension = PeDimension(parameters);
  Json value_header = TrackerHeader("value", "Value", "NUMBER", "java.lang.Double", false);
  std::vector<Json> fixed;
  if (ou_dimension) {
    fixed.push_back(TrackerHeader("ou", "Organisation unit", "TEXT", "java.lang.String", true));
  }
  if (pe_dimension) {
    fixed.push_back(TrackerHeader("pe", "Period", "TEXT", "java.lang.String", true));
  }
  std::vector<Json> item_headers;
  for (const ResolvedItem& item : plan.items) {
    if (!item.item.filter) {
      item_headers.push_back(TrackerHeader(item.item.id, item.name,
                                           item.value_type.empty() ? "TEXT" : item.value_type,
                                           JavaType(item.value_type), true));
    }
  }
  Json headers = Json::array();
  size_t fixed_count = fixed.size();
  bool events = plan.endpoint == TrackerEndpoint::kEvents;
  std::vector<std::vector<std::string>> ordered;
  for (std::vector<std::string>& row : rows) {
    std::vector<std::string> out;
    auto fixed_part = [&] { out.insert(out.end(), row.begin(), row.begin() + fixed_count); };
    auto item_part = [&] { out.insert(out.end(), row.begin() + fixed_count, row.end() - 1); };
    if (events) {
      item_part();
      fixed_part();
      out.push_back(row.back());
    } else {
      out.push_back(row.back());
      fixed_part();
      item_part();
    }
    ordered.push_back(std::move(out));
  }
  if (events) {
    for (Json& header : item_headers) headers.push_back(header);
    for (Json& header : fixed) headers.push_back(header);
    headers.push_back(value_header);
  } else {
    headers.push_back(value_header);
    for (Json& header : fixed) headers.push_back(header);
    for (Json& header : item_headers) headers.push_back(header);
  }
  if (format == "csv") {
    std::vector<std::string> columns;
    for (const Json& header : headers) columns.push_back(header["column"].get<std::string>());
    return CsvTable(columns, ordered);
  }
  Json body;
  body["headers"] = headers;
  if (!parameters.skip_meta) {
    Json items = Json::object();
    Json dimensions = Json::object();
    for (const auto& [id, name] : plan.names) {
      items[id] = {{"name", name}};
    }
    items["ou"] = {{"name", "Organisation unit"}};
    items["pe"] = {{"name", "Period"}};
    Json pe_ids = Json::array();
    for (const dhis2::Period& period : plan.periods) {
      pe_ids.push_back(period.id());
      items[period.id()] = {{"name", PeriodDisplayName(period)}};
    }
    Json ou_ids = Json::array();
    for (const OrgUnit& unit : plan.org_units) {
      ou_ids.push_back(unit.uid);
      items[unit.uid] = {{"name", unit.name}};
    }
    dimensions["pe"] = pe_ids;
    dimensions["ou"] = ou_ids;
    for (const ResolvedItem& item : plan.items) {
      Json values = Json::array();
      if (item.item.program_status && !item.item.filters.empty()) {
        for (std::string_view status : Split(item.item.filters[0].value, ';')) {
          values.push_back(std::string(status));
        }
      }
      dimensions[item.item.id] = values;
    }
    Json meta;
    if (!events) {
      meta["pager"] = {{"page", 1}, {"pageSize", 50}, {"isLastPage", true}};
    }
    meta["items"] = items;
    meta["dimensions"] = dimensions;
    body["metaData"] = meta;
  }
  body["rows"] = ordered;
  body["height"] = ordered.size();
  body["width"] = headers.size();
  body["headerWidth"] = headers.size();
  return body.dump();
}

// aggregateData=true with program indicators as items (dhis2-core DefaultEventQueryPlanner
// .groupByQueryItems: one query per indicator; EventAggregateService: a `dy` "Data" column naming
// it, then ou, pe, value). The lake holds those values in gold.program_indicator_value, from which
// /api/analytics answers `dx=`: the request is answered by it with the indicators as dx, ou then
// pe, and the dx header renamed. Its refusals hold: a cell combining stored values (several units
// or periods as a filter, a period type gold does not hold) is refused.
AnalyticsResult<AnalyticsAnswer> AnswerProgramIndicatorItems(
    engine::Connection& connection, const TableVersions& tables, const AnalyticsMetadata& metadata,
    const TrackerAnalyticsRequest& request, const TrackerRequestParameters& parameters) {
  if (request.endpoint != TrackerEndpoint::kEvents) {
    return Refuse("", "Parameter aggregateData applies to the events endpoint here");
  }
  if (parameters.items.empty()) {
    return Refuse("",
                  "aggregateData=true needs program indicators as items (dimension=UID): the "
                  "lake does not aggregate data element values here");
  }
  bool other = parameters.start_date.has_value() || parameters.end_date.has_value() ||
               !parameters.date_field.empty() || parameters.ou_mode != OrgUnitMode::kDescendants ||
               !parameters.stage.empty() || !parameters.event_statuses.empty() ||
               !parameters.enrollment_statuses.empty() ||
               parameters.output_type != OutputType::kEvent || parameters.sort_order != 0 ||
               parameters.limit.has_value();
  if (other) {
    return Refuse("",
                  "With program indicators as items the lake's tracker analytics take pe, "
                  "ou, displayProperty, skipMeta, skipData and relativePeriodDate only");
  }
  LakeReader lake(connection, tables, metadata);
  std::vector<std::string> uids;
  for (const QueryItem& item : parameters.items) {
    if (item.program_status || !item.stage.empty() || item.filter || !item.filters.empty()) {
      return Refuse("", fmt::format("With aggregateData=true the items are program indicators "
                                    "given as dimensions, without filters: `{}`",
                                    item.id));
    }
    uids.push_back(item.uid);
  }
  std::map<std::string, std::string> program_of;
  DHL_ASSIGN_OR_RETURN(
      std::optional<engine::QueryResult> found,
      lake.Read(analytics::kProgramIndicatorTable,
                fmt::format("SELECT uid, max(program) FROM "
                            "silver.program_indicator WHERE uid IN {} GROUP BY uid",
                            analytics::InList(uids))));
  if (found.has_value()) {
    for (size_t row = 0; row < found->row_count(); ++row) {
      program_of[analytics::Text(*found, 0, row)] = analytics::Text(*found, 1, row);
    }
  }
  for (const std::string& uid : uids) {
    auto program = program_of.find(uid);
    if (program == program_of.end() || program->second != request.program) {
      return Refuse("E7224", fmt::format("Item identifier does not reference any data element, "
                                         "attribute or indicator part of the program: `{}`",
                                         uid));
    }
  }
  AnalyticsRequest inner = request.request;
  inner.format = "json";
  inner.params = {{"dimension", fmt::format("dx:{}", fmt::join(uids, ";"))}};
  for (const auto& [id, dimension] :
       {std::make_pair("ou", &parameters.ou), std::make_pair("pe", &parameters.pe)}) {
    if (dimension->has_value()) {
      inner.params.emplace_back((*dimension)->filter ? "filter" : "dimension",
                                fmt::format("{}:{}", id, fmt::join((*dimension)->items, ";")));
    }
  }
  if (parameters.short_names) {
    inner.params.emplace_back("displayProperty", "SHORTNAME");
  }
  inner.params.emplace_back("skipMeta", parameters.skip_meta ? "true" : "false");
  inner.params.emplace_back("skipData", parameters.skip_data ? "true" : "false");
  if (parameters.relative_period_date.has_value()) {
    Result<dhis2::Date> date = dhis2::ParseDate(*parameters.relative_period_date);
    if (!date.ok()) {
      return Refuse("E7135", fmt::format("Date time is not parsable: `{}`",
                                         *parameters.relative_period_date));
    }
    inner.today = *date;
  }
  DHL_ASSIGN_OR_RETURN(AnalyticsAnswer answer, RunAnalytics(connection, tables, metadata, inner));
  if (answer.status != 200) {
    return answer;  // the refusal, in DHIS2's envelope
  }
  Json body = Json::parse(answer.body, nullptr, false);
  if (!body.is_object() || !body.contains("headers")) {
    return answer;
  }
  std::vector<std::string> columns;
  for (Json& header : body["headers"]) {
    if (header.value("name", "") == "dx") {
      header["name"] = "dy";
      header["column"] = "Data";
    }
    columns.push_back(header.value("column", ""));
  }
  if (request.request.format == "csv") {
    std::vector<std::vector<std::string>> rows;
    for (const Json& row : body["rows"]) {
      rows.push_back(row.get<std::vector<std::string>>());
    }
    answer.content_type = "text/csv";
    answer.body = CsvTable(columns, rows);
  } else {
    answer.body = body.dump();
  }
  return answer;
}

AnalyticsResult<AnalyticsAnswer> AnswerTrackerRequest(engine::Connection& connection,
                                                      const TableVersions& tables,
                                                      const AnalyticsMetadata& metadata,
                                                      const TrackerAnalyticsRequest& request) {
  LakeReader lake(connection, tables, metadata);
  Plan plan;
  plan.endpoint = request.endpoint;
  plan.program = request.program;
  DHL_ASSIGN_OR_RETURN(plan.parameters, ParseTrackerRequest(request.request.params));
  const TrackerRequestParameters& parameters = plan.parameters;
  if (parameters.aggregate_data) {
    return AnswerProgramIndicatorItems(connection, tables, metadata, request, parameters);
  }
  if (DayColumn(plan.endpoint, parameters.date_field).empty()) {
    return Refuse("", fmt::format("{} applies to events (a stage's date): not to the enrollments "
                                  "endpoint here",
                                  parameters.date_field));
  }
  if (plan.endpoint == TrackerEndpoint::kEvents) {
    plan.event_stage = parameters.stage;  // or, below, the stage the items name
  }
  if (plan.endpoint == TrackerEndpoint::kEnrollments && !parameters.event_statuses.empty()) {
    return Refuse("", "Parameter eventStatus applies to the events endpoint, not to enrollments");
  }
  dhis2::Date today = request.request.today;
  if (parameters.relative_period_date.has_value()) {
    Result<dhis2::Date> date = dhis2::ParseDate(*parameters.relative_period_date);
    if (!date.ok()) {
      return Refuse("E7135", fmt::format("Date time is not parsable: `{}`",
                                         *parameters.relative_period_date));
    }
    today = *date;
  }
  DHL_ANALYTICS_RETURN_IF_ERROR(ResolveProgramAndStages(lake, plan));
  DHL_ANALYTICS_RETURN_IF_ERROR(ResolveItems(lake, plan));
  if (parameters.pe.has_value()) {
    DHL_ASSIGN_OR_RETURN(plan.periods,
                         analytics::ResolvePeriods(parameters.pe->items, today, plan.names));
  } else {
    plan.date_range.emplace(*dhis2::ParseDate(*parameters.start_date),
                            *dhis2::ParseDate(*parameters.end_date));
  }
  analytics::Options options;
  options.short_names = parameters.short_names;
  analytics::OrgUnitResolver resolver(lake, request.request, options);
  if (parameters.ou.has_value()) {
    DHL_ASSIGN_OR_RETURN(plan.org_units, resolver.Resolve(parameters.ou->items));
  } else {
    DHL_ASSIGN_OR_RETURN(plan.org_units, resolver.Roots());
  }
  if (plan.org_units.empty()) {
    return Refuse("E7200", "At least one organisation unit must be specified");
  }
  for (const OrgUnit& unit : plan.org_units) {
    if (unit.level < 1 || unit.level > kDeepestLevel) {
      return Refuse("", fmt::format("Org unit `{}` is at level {}: tracker analytics reach levels "
                                    "1 to {}",
                                    unit.uid, unit.level, kDeepestLevel));
    }
  }
  if (!plan.items.empty() && !lake.Has(kTrackerValueTable)) {
    return Refuse("", "The lake has no gold.tracker_value yet: run the pipeline over tracker data");
  }
  std::vector<std::vector<std::string>> rows;
  if (!parameters.skip_data) {
    if (!plan.items.empty()) {
      lake.Note(kTrackerValueTable);
    }
    if (plan.endpoint == TrackerEndpoint::kEnrollments && !plan.items.empty()) {
      lake.Note(kEventAnalyticsTable);
    }
    DHL_ASSIGN_OR_RETURN(
        std::optional<engine::QueryResult> result,
        lake.Read(plan.endpoint == TrackerEndpoint::kEvents ? kEventAnalyticsTable
                                                            : kEnrollmentAnalyticsTable,
                  CountSql(plan)));
    size_t columns = result->column_count();
    for (size_t row = 0; row < result->row_count(); ++row) {
      std::vector<std::string> cells;
      for (size_t column = 0; column < columns; ++column) {
        if (result->IsNull(column, row)) {
          cells.emplace_back();
        } else if (result->column_kind(column) == engine::ColumnKind::kNumber) {
          cells.push_back(FormatAnalyticsValue(*result->GetDouble(column, row)));
        } else {
          cells.push_back(analytics::Text(*result, column, row));
        }
      }
      if (cells.back() == "0") {
        continue;
      }
      rows.push_back(std::move(cells));
    }
    if (parameters.sort_order != 0) {
      std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
        double left = std::strtod(a.back().c_str(), nullptr);
        double right = std::strtod(b.back().c_str(), nullptr);
        return parameters.sort_order > 0 ? left < right : left > right;
      });
    }
    if (parameters.limit.has_value() && rows.size() > static_cast<size_t>(*parameters.limit)) {
      rows.resize(*parameters.limit);
    }
  }
  AnalyticsAnswer answer;
  answer.content_type = request.request.format == "csv" ? "text/csv" : "application/json";
  answer.body = RenderTrackerAnswer(plan, std::move(rows), request.request.format);
  answer.tables_read = lake.TablesRead();
  return answer;
}

}  // namespace

Result<AnalyticsAnswer> RunTrackerAnalytics(engine::Connection& connection,
                                            const TableVersions& tables,
                                            const AnalyticsMetadata& metadata,
                                            const TrackerAnalyticsRequest& request) {
  return AnswerOrConflict(AnswerTrackerRequest(connection, tables, metadata, request));
}

}  // namespace dhl::serve
