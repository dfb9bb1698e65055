#include "pipeline/program_indicator_generator.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "base/logging.h"
#include "dhis2/period.h"
#include "dhis2/program_expression.h"
#include "dhis2/program_indicator.h"
#include "dhis2/program_indicator_sql.h"
#include "dhis2/value_type.h"
#include "pipeline/aggregate_generators.h"
#include "pipeline/dimension_generators.h"
#include "sql/literal.h"

namespace dhl::pipeline {
namespace {

// OK unless the indicator's expression or filter reads a data element the extraction hashed
// (ProgramIndicatorParameters): then an error naming it, since the figure would be computed over
// hash text. A text that does not parse is left to the compiler's own error.
Status RefuseHashedReads(const dhis2::ProgramIndicator& indicator,
                         const std::vector<std::string>& hashed) {
  if (hashed.empty()) return Status::Ok();
  for (const std::string* text : {&indicator.expression, &indicator.filter}) {
    if (text->empty()) continue;
    Result<dhis2::ProgramExpression> parsed = dhis2::ParseProgramExpression(*text);
    if (!parsed.ok()) continue;
    for (const auto& [stage, element] : parsed->data_elements()) {
      if (std::find(hashed.begin(), hashed.end(), element) != hashed.end()) {
        return InvalidArgument(
            "its " + std::string(text == &indicator.expression ? "expression" : "filter") +
            " reads data element " + element +
            ", whose values are hashed ([source] personal_data_elements)");
      }
    }
  }
  return Status::Ok();
}

Result<engine::QueryResult> Read(const GeneratorContext& context, const char* layer,
                                 const char* table, const std::string& select) {
  DHL_ASSIGN_OR_RETURN(std::string relation, context.relation(lake::TableName{layer, table}));
  std::string sql = select;
  sql.replace(sql.find("{}"), 2, relation);
  return context.connection->Query(sql);
}

dhis2::ProgramValueKind KindOf(std::string_view value_type) {
  Result<dhis2::ValueType> type = dhis2::ParseValueType(value_type);
  if (!type.ok()) {
    return dhis2::ProgramValueKind::kNumber;
  }
  switch (*type) {
    case dhis2::ValueType::kDate:
    case dhis2::ValueType::kDateTime:
    case dhis2::ValueType::kAge:
      return dhis2::ProgramValueKind::kDate;
    case dhis2::ValueType::kBoolean:
    case dhis2::ValueType::kTrueOnly:
      return dhis2::ProgramValueKind::kBoolean;
    case dhis2::ValueType::kNumber:
    case dhis2::ValueType::kUnitInterval:
    case dhis2::ValueType::kPercentage:
    case dhis2::ValueType::kInteger:
    case dhis2::ValueType::kIntegerPositive:
    case dhis2::ValueType::kIntegerNegative:
    case dhis2::ValueType::kIntegerZeroOrPositive:
      return dhis2::ProgramValueKind::kNumber;
    default:
      return dhis2::ProgramValueKind::kText;
  }
}

// The CTE holding the periods of the run (PeriodRowsSql), named in every indicator's query.
constexpr std::string_view kPeriodRelation = "pi_period";
// The CTE holding the current org units with their level columns.
constexpr std::string_view kOrgUnitRelation = "pi_org_unit";

// The period ids of the configured types from the first to the last date of the tracker data.
Result<std::vector<std::string>> PeriodIds(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(engine::QueryResult range,
                       Read(context, "silver", "event",
                            "SELECT CAST(min(occurred_at) AS DATE), CAST(max(greatest(occurred_at, "
                            "scheduled_at)) AS DATE) FROM {}"));
  DHL_ASSIGN_OR_RETURN(
      engine::QueryResult enrolled,
      Read(context, "silver", "enrollment",
           "SELECT CAST(min(least(enrolled_at, occurred_at)) AS DATE), CAST(max(enrolled_at) AS "
           "DATE) FROM {}"));
  std::vector<std::string> ids;
  std::optional<dhis2::Date> first, last;
  for (engine::QueryResult* result : {&range, &enrolled}) {
    for (size_t column = 0; column < 2; ++column) {
      auto text = result->row_count() > 0 ? result->GetString(column, 0) : std::nullopt;
      if (!text || text->size() < 10) {
        continue;
      }
      Result<dhis2::Period> day =
          dhis2::ParsePeriodId(text->substr(0, 4) + text->substr(5, 2) + text->substr(8, 2));
      if (!day.ok()) {
        continue;
      }
      dhis2::Date date = day->start();
      first = first ? std::min(*first, date) : date;
      last = last ? std::max(*last, date) : date;
    }
  }
  if (!first) {
    return ids;
  }
  const GeneratorSettings defaults;
  const GeneratorSettings& settings = context.settings != nullptr ? *context.settings : defaults;
  for (const std::string& name : settings.program_indicator.period_types) {
    DHL_ASSIGN_OR_RETURN(dhis2::PeriodType type, dhis2::ParsePeriodType(name));
    for (const dhis2::Period& period : dhis2::PeriodsBetween(type, *first, *last)) {
      ids.push_back(period.id());
    }
  }
  return ids;
}

}  // namespace

Result<std::string> GenerateProgramIndicatorValue(const GeneratorContext& context) {
  sql::Dialect dialect = context.dialect;
  dhis2::ProgramIndicatorSqlOptions options;
  options.dialect = dialect;
  options.org_unit_levels = kOrgUnitLevels;

  // Value kinds of data elements and attributes; confidential attributes; stages.
  auto kinds = std::make_shared<std::map<std::string, dhis2::ProgramValueKind, std::less<>>>();
  DHL_ASSIGN_OR_RETURN(engine::QueryResult elements,
                       Read(context, "silver", "data_element", "SELECT uid, value_type FROM {}"));
  for (size_t row = 0; row < elements.row_count(); ++row) {
    (*kinds)[elements.GetString(0, row).value_or("")] =
        KindOf(elements.GetString(1, row).value_or(""));
  }
  DHL_ASSIGN_OR_RETURN(engine::QueryResult attributes,
                       Read(context, "bronze", "metadata_tracked_entity_attribute",
                            "SELECT id, max(json_extract_string(object, '$.valueType')), "
                            "max(CAST(json_extract_string(object, '$.confidential') AS VARCHAR)) "
                            "FROM {} GROUP BY id"));
  for (size_t row = 0; row < attributes.row_count(); ++row) {
    std::string uid = attributes.GetString(0, row).value_or("");
    (*kinds)[uid] = KindOf(attributes.GetString(1, row).value_or(""));
    if (attributes.GetString(2, row).value_or("") == "true") {
      options.hashed_attributes.insert(uid);
    }
  }
  options.value_kind = [kinds](std::string_view uid) {
    auto found = kinds->find(uid);
    return found == kinds->end() ? dhis2::ProgramValueKind::kNumber : found->second;
  };
  auto repeatable = std::make_shared<std::set<std::string, std::less<>>>();
  DHL_ASSIGN_OR_RETURN(
      engine::QueryResult stages,
      Read(context, "bronze", "metadata_program_stage",
           "SELECT id FROM {} GROUP BY id HAVING max(CAST(json_extract_string(object, "
           "'$.repeatable') AS VARCHAR)) = 'true'"));
  for (size_t row = 0; row < stages.row_count(); ++row) {
    repeatable->insert(stages.GetString(0, row).value_or(""));
  }
  options.stage_is_repeatable = [repeatable](std::string_view stage) {
    return repeatable->count(stage) > 0;
  };

  DHL_ASSIGN_OR_RETURN(std::vector<std::string> period_ids, PeriodIds(context));
  dhis2::ProgramIndicatorRelations relations;
  relations.events = "ref('silver.event')";
  relations.enrollments = "ref('silver.enrollment')";
  relations.event_values = "ref('silver.event_data_value')";
  relations.attribute_values =
      "(SELECT tracked_entity, attribute, value AS value_text FROM "
      "ref('silver.tracked_entity_attribute'))";
  relations.relationships = "ref('silver.relationship')";
  relations.constants = "ref('silver.constant')";
  relations.tracked_entities =
      "(SELECT tracked_entity, ou FROM ref('silver.tracked_entity') WHERE NOT "
      "COALESCE(deleted, FALSE))";
  relations.program_stages =
      "(SELECT id AS uid, max(name) AS name FROM ref('bronze.metadata_program_stage') GROUP BY id)";
  // Each level's unit (the units the rows are grouped by) as the dictionary of silver.org_unit's
  // uids, the periods and their types as the dictionaries of theirs (below): every indicator
  // groups its rows by small integers instead of texts, and the Parquet writer takes each row
  // group's dictionary from them instead of hashing every row's text.
  // The dictionary holds every uid the level columns hold (a path may name a unit the table
  // lacks), so that no cast fails.
  DHL_ASSIGN_OR_RETURN(std::string units, context.relation({"silver", "org_unit"}));
  std::string level_uids;
  for (int level = 1; level <= kOrgUnitLevels; ++level) {
    level_uids += fmt::format("{}SELECT level{}_uid AS u FROM {}", level > 1 ? " UNION ALL " : "",
                              level, units);
  }
  DHL_ASSIGN_OR_RETURN(std::string unit_type,
                       TextDictionaryOver(context, "(" + level_uids + ") AS levels", "u"));
  std::string unit_columns;
  for (int level = 1; level <= kOrgUnitLevels; ++level) {
    unit_columns += fmt::format(", CAST(level{0}_uid AS {1}) AS level{0}_uid", level, unit_type);
  }
  // Once, as a CTE like the periods (the dictionary's text inlined into each indicator's query
  // made a 10 MB query at medium scale).
  relations.org_units = std::string(kOrgUnitRelation);
  // The periods once, as a CTE every indicator's query reads: inlined into each of them (29 at
  // medium scale), the period rows made up most of a 0.7 MB query whose planning took a third of
  // the model's CPU time.
  relations.periods = std::string(kPeriodRelation);

  DHL_ASSIGN_OR_RETURN(engine::QueryResult indicators,
                       Read(context, "silver", "program_indicator",
                            "SELECT uid, CAST(object AS VARCHAR) FROM {} ORDER BY uid"));
  const std::vector<std::string>& hashed =
      context.Settings().program_indicator.hashed_data_elements;
  std::vector<std::string> selects;
  std::vector<std::string> indicator_uids;
  for (size_t row = 0; row < indicators.row_count(); ++row) {
    indicator_uids.push_back(indicators.GetString(0, row).value_or(""));
  }
  const std::string indicator_type = TextDictionaryType(std::move(indicator_uids), dialect);
  for (size_t row = 0; row < indicators.row_count(); ++row) {
    std::string uid = indicators.GetString(0, row).value_or("");
    nlohmann::json object =
        nlohmann::json::parse(indicators.GetString(1, row).value_or(""), nullptr, false);
    Result<dhis2::ProgramIndicator> indicator = dhis2::ProgramIndicatorFromJson(object);
    Status readable = indicator.ok() ? RefuseHashedReads(*indicator, hashed) : indicator.status();
    Result<std::string> query =
        readable.ok() ? dhis2::CompileProgramIndicatorToSql(*indicator, relations, options)
                      : Result<std::string>(readable);
    if (context.expression_status != nullptr) {
      std::string reason = query.ok() ? "" : query.status().message();
      context.expression_status->push_back(
          ExpressionStatus{"program_indicator", uid, query.ok(), reason,
                           query.ok() ? std::nullopt : CharacterIn(reason)});
    }
    if (!query.ok() || period_ids.empty()) {
      std::string reason =
          query.ok() ? "no tracker data to compute periods from" : query.status().message();
      std::string warning = "program indicator " + uid + " left out: " + reason;
      LogWarn("{}", warning);
      if (context.warnings != nullptr) {
        context.warnings->push_back(warning);
      }
      continue;
    }
    selects.push_back(fmt::format(
        "SELECT CAST(program_indicator AS {}) AS program_indicator, ou, ou_level, pe, period_type, "
        "value FROM ({}) AS pi_{}",
        indicator_type, *query, selects.size()));
  }
  if (selects.empty()) {
    return std::string(
        "SELECT CAST(NULL AS STRING) AS program_indicator, CAST(NULL AS STRING) AS ou, CAST(NULL "
        "AS INT) AS ou_level, CAST(NULL AS STRING) AS pe, CAST(NULL AS STRING) AS period_type, "
        "CAST(NULL AS DOUBLE) AS value FROM (SELECT 1 AS one) AS empty WHERE 1 = 0");
  }
  std::string period_columns;
  for (dhis2::PeriodType type : dhis2::kAllPeriodTypes) {
    period_columns += ", " + sql::QuoteName(dhis2::PeriodTypeColumnName(type), dialect);
  }
  DHL_ASSIGN_OR_RETURN(std::string period_type_dictionary, GeneratePeriodTypeDictionary(context));
  const std::string with = fmt::format(
      "WITH {} AS (SELECT CAST(pe AS {}) AS pe, CAST(period_type AS {}) AS period_type, "
      "start_date, end_date, days, year{} FROM ({}) AS p),\n{} AS (SELECT uid{} FROM "
      "ref('silver.org_unit') WHERE is_current)\n",
      // PeriodIds gives canonical ids (Period::id()), as PeriodRowsSql writes them.
      kPeriodRelation, TextDictionaryType(period_ids, dialect), period_type_dictionary,
      period_columns, PeriodRowsSql(period_ids, dialect), kOrgUnitRelation, unit_columns);
  // The query of the indicators [first, end).
  auto query_of = [&](size_t first, size_t end) {
    std::string query = with;
    for (size_t i = first; i < end; ++i) {
      query += (i > first ? "\nUNION ALL\n" : "") + selects[i];
    }
    return query;
  };
  // One query of every indicator holds each indicator's state to its end: at medium scale, 29
  // indicators 1.3 s and 0.42 GB, 290 (the same ones ten times) 32 s and 3.2 GB, and out of memory
  // under a 2 GB limit. Groups of indicators_per_query run one after the other.
  const size_t per_query =
      static_cast<size_t>(std::max(1, context.Settings().program_indicator.indicators_per_query));
  if (context.query_groups != nullptr && dialect == sql::Dialect::kDuckDb &&
      selects.size() > per_query) {
    for (size_t first = 0; first < selects.size(); first += per_query) {
      context.query_groups->push_back(query_of(first, std::min(selects.size(), first + per_query)));
    }
  }
  return query_of(0, selects.size());
}

}  // namespace dhl::pipeline
