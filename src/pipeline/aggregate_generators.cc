#include "pipeline/aggregate_generators.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "dhis2/aggregation_type.h"
#include "dhis2/expression.h"
#include "dhis2/period.h"
#include "dhis2/period_type.h"
#include "dhis2/value_type.h"
#include "pipeline/dimension_generators.h"
#include "sql/literal.h"

namespace dhl::pipeline {
namespace {

using dhis2::AggregationType;
using dhis2::AnalyticsDataType;
using dhis2::PeriodType;

// A typed relation over literal rows: `SELECT CAST(c1 AS T1) AS c1, … FROM (VALUES …) AS t(…)`,
// or one that yields no row when `rows` is empty. Each row holds SQL literals.
std::string Relation(const std::vector<std::pair<std::string, std::string>>& columns,
                     const std::vector<std::vector<std::string>>& rows, sql::Dialect dialect) {
  std::vector<std::string> items;
  std::vector<std::string> names;
  for (const auto& [name, type] : columns) {
    std::string quoted = sql::QuoteName(name, dialect);
    names.push_back(quoted);
    items.push_back("CAST(" + (rows.empty() ? std::string("NULL") : quoted) + " AS " + type +
                    ") AS " + quoted);
  }
  if (rows.empty()) return fmt::format("SELECT {} WHERE 1 = 0", fmt::join(items, ", "));
  std::vector<std::string> tuples;
  tuples.reserve(rows.size());
  for (const auto& row : rows)
    tuples.push_back("(" + fmt::format("{}", fmt::join(row, ", ")) + ")");
  return fmt::format("SELECT {} FROM (VALUES {}) AS _rows({})", fmt::join(items, ", "),
                     fmt::join(tuples, ", "), fmt::join(names, ", "));
}

std::string DateLiteral(dhis2::Date date) { return "DATE '" + dhis2::FormatDate(date) + "'"; }

std::string_view DataTypeName(AnalyticsDataType type) {
  switch (type) {
    case AnalyticsDataType::kNumeric:
      return "NUMERIC";
    case AnalyticsDataType::kBoolean:
      return "BOOLEAN";
    case AnalyticsDataType::kText:
      return "TEXT";
  }
  return "TEXT";
}

Result<std::vector<std::string>> ColumnNames(const GeneratorContext& context,
                                             const std::string& relation) {
  DHL_ASSIGN_OR_RETURN(auto result,
                       context.connection->Query("SELECT * FROM " + relation + " WHERE 1 = 0"));
  std::vector<std::string> names;
  for (size_t column = 0; column < result.column_count(); ++column) {
    names.push_back(result.column_name(column));
  }
  return names;
}

// The outer aggregate of a rule, named by the form AggregateValueSql gives it (the SQL model
// evaluates each form over partial sums, so that org-unit levels roll up set-based).
Result<std::string> FormulaName(dhis2::AnalyticsAggregation aggregation,
                                AnalyticsDataType data_type) {
  std::string sql = dhis2::AggregateValueSql(aggregation, data_type, 7);
  if (sql == "sum(value_x_days) / 7") return std::string("days_weighted");
  if (sql == "sum(value_x_days) / sum(days) * 100") return std::string("percent_of_days");
  for (std::string_view function :
       {"sum", "avg", "count", "stddev_samp", "var_samp", "min", "max"}) {
    if (sql == std::string(function) + "(value)") return std::string(function);
  }
  return Internal("aggregate_rules: no formula for the aggregate expression " + sql);
}

std::string_view SelectionName(dhis2::TimeSelection selection) {
  switch (selection) {
    case dhis2::TimeSelection::kAllInQueryPeriod:
      return "all";
    case dhis2::TimeSelection::kLatestWithLookBack:
      return "last";
    case dhis2::TimeSelection::kEarliestWithLookBack:
      return "first";
    case dhis2::TimeSelection::kLatestInQueryPeriod:
      return "last_in_period";
    case dhis2::TimeSelection::kMinOrMaxPerOrgUnit:
      return "min_max";
  }
  return "all";
}

struct ElementRule {
  std::string de;
  AggregationType type = AggregationType::kSum;
  AnalyticsDataType data_type = AnalyticsDataType::kNumeric;
  std::optional<PeriodType> data_period_type;
  std::vector<PeriodType> query_types;  // sorted, distinct
};

// The aggregatable data elements with their rules and query period types.
Result<std::vector<ElementRule>> ElementRules(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(std::string elements,
                       context.relation(lake::TableName{"silver", "data_element"}));
  DHL_ASSIGN_OR_RETURN(std::string data_sets,
                       context.relation(lake::TableName{"silver", "data_set"}));
  DHL_ASSIGN_OR_RETURN(std::string members,
                       context.relation(lake::TableName{"silver", "data_set_element"}));
  DHL_ASSIGN_OR_RETURN(auto element_columns, ColumnNames(context, elements));
  bool has_domain = std::find(element_columns.begin(), element_columns.end(), "domain_type") !=
                    element_columns.end();
  DHL_ASSIGN_OR_RETURN(
      auto rows,
      context.connection->Query(
          "SELECT e.uid, CAST(e.value_type AS VARCHAR), CAST(e.aggregation_type AS VARCHAR), "
          "CAST(s.period_type AS VARCHAR) FROM " +
          elements + " e LEFT JOIN " + members + " m ON m.de = e.uid LEFT JOIN " + data_sets +
          " s ON s.uid = m.data_set" +
          (has_domain ? " WHERE COALESCE(e.domain_type, 'AGGREGATE') = 'AGGREGATE'" : "") +
          " ORDER BY 1, 4"));
  const AggregateParameters& parameters = context.Settings().aggregate;
  std::vector<PeriodType> configured;
  for (const std::string& name : parameters.period_types) {
    DHL_ASSIGN_OR_RETURN(PeriodType type, dhis2::ParsePeriodType(name));
    configured.push_back(type);
  }
  std::vector<ElementRule> rules;
  for (size_t row = 0; row < rows.row_count(); ++row) {
    std::string de = rows.GetString(0, row).value_or("");
    if (rules.empty() || rules.back().de != de) {
      std::string value_type = rows.GetString(1, row).value_or("");
      auto parsed_value_type = dhis2::ParseValueType(value_type);
      if (!parsed_value_type.ok()) {
        return InvalidArgument("data element " + de + ": value type '" + value_type +
                               "' is not a DHIS2 value type");
      }
      AnalyticsDataType data_type = dhis2::AnalyticsDataTypeOf(*parsed_value_type);
      // A NULL aggregation type is DHIS2's default for a new data element, SUM.
      std::string aggregation = rows.GetString(2, row).value_or("SUM");
      auto type = dhis2::ParseAggregationType(aggregation);
      if (!type.ok()) {
        return InvalidArgument("data element " + de + ": aggregation type '" + aggregation +
                               "' is not a DHIS2 aggregation type");
      }
      ElementRule rule;
      rule.de = de;
      rule.type = *type;
      rule.data_type = data_type;
      rule.query_types = configured;
      rules.push_back(std::move(rule));
    }
    ElementRule& rule = rules.back();
    if (auto name = rows.GetString(3, row); name.has_value()) {
      auto type = dhis2::ParsePeriodType(*name);
      if (!type.ok()) {
        return InvalidArgument("data element " + de + ": a data set's period type '" + *name +
                               "' is not a DHIS2 period type");
      }
      if (parameters.data_set_period_types) rule.query_types.push_back(*type);
      // DataElement.getPeriodType: the data set with the highest collection frequency
      // (DataSetFrequencyComparator: the smallest frequency order first).
      if (!rule.data_period_type.has_value() ||
          dhis2::FrequencyOrder(*type) < dhis2::FrequencyOrder(*rule.data_period_type)) {
        rule.data_period_type = *type;
      }
    }
  }
  std::vector<ElementRule> aggregatable;
  for (ElementRule& rule : rules) {
    if (rule.data_type == AnalyticsDataType::kText) continue;  // text is not aggregated
    std::sort(rule.query_types.begin(), rule.query_types.end());
    rule.query_types.erase(std::unique(rule.query_types.begin(), rule.query_types.end()),
                           rule.query_types.end());
    aggregatable.push_back(std::move(rule));
  }
  return aggregatable;
}

bool Disaggregates(const ElementRule& rule, PeriodType query_type) {
  int data_days =
      rule.data_period_type.has_value() ? dhis2::FrequencyOrder(*rule.data_period_type) : 0;
  return dhis2::IsDisaggregation(rule.type, dhis2::FrequencyOrder(query_type), data_days,
                                 rule.data_period_type == query_type);
}

// Java's LocalDate/Joda addYears(-10): the same month and day, the 29th of February becoming the
// 28th.
dhis2::Date TenYearsBefore(dhis2::Date date) {
  std::chrono::year_month_day day{date};
  std::chrono::year_month_day earlier{day.year() - std::chrono::years(10), day.month(), day.day()};
  if (!earlier.ok()) {
    earlier = std::chrono::year_month_day_last{earlier.year(),
                                               std::chrono::month_day_last{earlier.month()}};
  }
  return std::chrono::sys_days{earlier};
}

// The dates gold.analytics covers: [min start, max end], nullopt when it is empty.
Result<std::optional<std::pair<dhis2::Date, dhis2::Date>>> AnalyticsSpan(
    const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(std::string analytics,
                       context.relation(lake::TableName{"gold", "analytics"}));
  DHL_ASSIGN_OR_RETURN(auto span,
                       context.connection->Query("SELECT CAST(MIN(start_date) AS VARCHAR), "
                                                 "CAST(MAX(end_date) AS VARCHAR) FROM " +
                                                 analytics));
  auto first = span.GetString(0, 0);
  auto last = span.GetString(1, 0);
  if (!first.has_value() || !last.has_value()) {
    return std::optional<std::pair<dhis2::Date, dhis2::Date>>();
  }
  DHL_ASSIGN_OR_RETURN(dhis2::Date first_date, dhis2::ParseDate(*first));
  DHL_ASSIGN_OR_RETURN(dhis2::Date last_date, dhis2::ParseDate(*last));
  return std::optional<std::pair<dhis2::Date, dhis2::Date>>(std::make_pair(first_date, last_date));
}

std::string Text(std::string_view value, sql::Dialect dialect) {
  return sql::StringLiteral(value, dialect);
}

}  // namespace

Result<std::string> GenerateAnalyticsValueTypes(const GeneratorContext& context) {
  std::vector<std::vector<std::string>> rows;
  for (dhis2::ValueType type : dhis2::kAllValueTypes) {
    rows.push_back({Text(dhis2::ValueTypeName(type), context.dialect),
                    Text(DataTypeName(dhis2::AnalyticsDataTypeOf(type)), context.dialect)});
  }
  return Relation({{"value_type", "VARCHAR"}, {"data_type", "VARCHAR"}}, rows, context.dialect);
}

Result<std::string> GenerateAnalyticsZeroRule(const GeneratorContext& context) {
  bool setting = context.Settings().aggregate.include_zero_values_in_analytics;
  std::vector<std::vector<std::string>> rows;
  for (AggregationType type : dhis2::kAllAggregationTypes) {
    for (bool significant : {false, true}) {
      rows.push_back({Text(dhis2::AggregationTypeName(type), context.dialect),
                      sql::BooleanLiteral(significant),
                      sql::BooleanLiteral(dhis2::KeepsZero(type, significant, setting))});
    }
  }
  return Relation({{"aggregation_type", "VARCHAR"},
                   {"zero_is_significant", "BOOLEAN"},
                   {"keeps_zero", "BOOLEAN"}},
                  rows, context.dialect);
}

Result<std::string> GenerateAnalyticsPeriodColumns(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(std::string periods, context.relation(lake::TableName{"silver", "period"}));
  DHL_ASSIGN_OR_RETURN(auto columns, ColumnNames(context, periods));
  std::set<std::string> present(columns.begin(), columns.end());
  std::vector<std::string> items;
  for (PeriodType type : dhis2::kAllPeriodTypes) {
    std::string column(dhis2::PeriodTypeColumnName(type));
    std::string quoted = sql::QuoteName(column, context.dialect);
    std::string structure = present.count(column) > 0 ? "CAST(p." + quoted + " AS VARCHAR)"
                                                      : std::string("CAST(NULL AS VARCHAR)");
    std::string value =
        "CASE WHEN p.period_type = " + Text(dhis2::PeriodTypeName(type), context.dialect) +
        " THEN p.pe ELSE " + structure + " END";
    if (context.dialect == sql::Dialect::kDuckDb) {
      // Each column's text from the dictionary of its values over the periods.
      DHL_ASSIGN_OR_RETURN(std::string dictionary,
                           TextDictionaryOver(context, periods + " AS p", value));
      value = "CAST(" + value + " AS " + dictionary + ")";
    }
    items.push_back(value + " AS " + quoted);
  }
  return fmt::format("{}", fmt::join(items, ", "));
}

Result<std::string> GenerateAnalyticsLevelColumns(const GeneratorContext& context) {
  const lake::TableName units{"silver", "org_unit"};
  std::vector<std::string> items;
  for (int level = 1; level <= kOrgUnitLevels; ++level) {
    DHL_ASSIGN_OR_RETURN(
        std::string item,
        TextColumnFromDictionary(context, units, "level" + std::to_string(level) + "_uid"));
    items.push_back(std::move(item));
  }
  return fmt::format("{}", fmt::join(items, ", "));
}

// The category columns of silver.category_option_combo (one per category, named by its uid).
Result<std::vector<std::string>> ComboCategoryColumns(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(std::string combos,
                       context.relation(lake::TableName{"silver", "category_option_combo"}));
  DHL_ASSIGN_OR_RETURN(auto columns, ColumnNames(context, combos));
  static const std::set<std::string> kFixed = {
      "uid", "code", "name", "category_combo", "short_name", "last_updated", "ignore_approval"};
  std::vector<std::string> categories;
  for (const std::string& column : columns) {
    if (kFixed.count(column) > 0 || column.empty() || column[0] == '_') continue;
    categories.push_back(column);
  }
  return categories;
}

Result<std::string> GenerateAnalyticsComboColumns(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(auto categories, ComboCategoryColumns(context));
  const lake::TableName combos{"silver", "category_option_combo"};
  std::string items = "uid";
  for (const std::string& column : categories) {
    DHL_ASSIGN_OR_RETURN(std::string item, TextColumnFromDictionary(context, combos, column));
    items += ", " + item;
  }
  return items;
}

Result<std::string> GenerateAnalyticsCategoryColumns(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(auto categories, ComboCategoryColumns(context));
  std::string items;
  for (const std::string& column : categories) {
    std::string quoted = sql::QuoteName(column, context.dialect);
    items += ", COALESCE(c." + quoted + ", a." + quoted + ") AS " + quoted;
  }
  return items;
}

Result<std::string> GenerateAggregateRules(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(auto rules, ElementRules(context));
  std::vector<std::vector<std::string>> rows;
  for (const ElementRule& rule : rules) {
    dhis2::AnalyticsAggregation aggregation = dhis2::ToAnalyticsAggregation(rule.type);
    dhis2::TimeSelection selection = dhis2::GetTimeSelection(aggregation);
    std::string formula;
    if (rule.type == AggregationType::kNone) {
      // DataQueryParams.isAggregation() is false for NONE: DHIS2 selects the raw values without a
      // GROUP BY and keeps whichever row comes last, so only a cell whose values agree has one
      // answer.
      formula = "single";
    } else {
      DHL_ASSIGN_OR_RETURN(formula, FormulaName(aggregation, rule.data_type));
    }
    std::string min_max =
        selection == dhis2::TimeSelection::kMinOrMaxPerOrgUnit
            ? std::string(aggregation.time_rule == AggregationType::kMin ? "min" : "max")
            : std::string();
    for (PeriodType query_type : rule.query_types) {
      rows.push_back(
          {Text(rule.de, context.dialect), Text(dhis2::PeriodTypeName(query_type), context.dialect),
           Text(SelectionName(selection), context.dialect), Text(formula, context.dialect),
           sql::BooleanLiteral(dhis2::RanksAcrossOrgUnits(aggregation)),
           sql::BooleanLiteral(Disaggregates(rule, query_type)),
           rule.data_period_type.has_value()
               ? Text(dhis2::PeriodTypeName(*rule.data_period_type), context.dialect)
               : std::string("NULL"),
           min_max.empty() ? std::string("NULL") : Text(min_max, context.dialect),
           sql::BooleanLiteral(dhis2::CombinationAcrossCombos(rule.type, rule.data_type,
                                                              dhis2::IsFinancialType(query_type)) !=
                               dhis2::ComboCombination::kNone)});
    }
  }
  return Relation({{"de", "VARCHAR"},
                   {"period_type", "VARCHAR"},
                   {"selection", "VARCHAR"},
                   {"formula", "VARCHAR"},
                   {"ranks_across", "BOOLEAN"},
                   {"disaggregation", "BOOLEAN"},
                   {"data_period_type", "VARCHAR"},
                   {"min_max", "VARCHAR"},
                   {"combines", "BOOLEAN"}},
                  rows, context.dialect);
}

Result<std::string> GenerateAggregateAocElements(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(std::string indicators,
                       context.relation(lake::TableName{"silver", "indicator"}));
  DHL_ASSIGN_OR_RETURN(auto expressions, context.connection->Query(
                                             "SELECT numerator FROM " + indicators +
                                             " UNION ALL SELECT denominator FROM " + indicators));
  std::set<std::pair<std::string, std::string>> pairs;
  for (size_t row = 0; row < expressions.row_count(); ++row) {
    auto text = expressions.GetString(0, row);
    if (!text.has_value()) continue;
    // An expression that does not parse references nothing here; gold.indicator_value reports it.
    auto parsed = dhis2::ParseExpression(*text, dhis2::ExpressionMode::kIndicatorExpression);
    if (!parsed.ok()) continue;
    for (const dhis2::ItemKey& item : parsed->items()) {
      if (item.type == dhis2::ItemType::kDataElement && !item.uid2.empty() && item.uid2 != "*") {
        pairs.emplace(item.uid0, item.uid2);
      }
    }
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& [de, aoc] : pairs) {
    rows.push_back({Text(de, context.dialect), Text(aoc, context.dialect)});
  }
  return Relation({{"de", "VARCHAR"}, {"aoc", "VARCHAR"}}, rows, context.dialect);
}

// Every query period of the rules' query types over the data's dates (none without data), by type.
Result<std::vector<std::pair<PeriodType, dhis2::Period>>> QueryPeriods(
    const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(auto rules, ElementRules(context));
  std::set<PeriodType> types;
  for (const ElementRule& rule : rules)
    types.insert(rule.query_types.begin(), rule.query_types.end());
  DHL_ASSIGN_OR_RETURN(auto span, AnalyticsSpan(context));
  std::vector<std::pair<PeriodType, dhis2::Period>> periods;
  if (!span.has_value()) return periods;
  for (PeriodType type : types) {
    for (const dhis2::Period& period : dhis2::PeriodsBetween(type, span->first, span->second)) {
      periods.emplace_back(type, period);
    }
  }
  return periods;
}

Result<std::string> GenerateAggregateQueryPeriods(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(auto periods, QueryPeriods(context));
  std::set<std::string> years;
  if (context.partitions != nullptr)
    years.insert(context.partitions->begin(), context.partitions->end());
  std::vector<std::vector<std::string>> rows;
  for (const auto& [type, period] : periods) {
    int year = dhis2::YearOf(period.end());
    if (context.partitions != nullptr && years.count(std::to_string(year)) == 0) continue;
    rows.push_back({Text(period.id(), context.dialect),
                    Text(dhis2::PeriodTypeName(type), context.dialect), DateLiteral(period.start()),
                    DateLiteral(period.end()), sql::IntegerLiteral(period.days()),
                    sql::IntegerLiteral(year), DateLiteral(TenYearsBefore(period.end()))});
  }
  return Relation({{"pe", "VARCHAR"},
                   {"period_type", "VARCHAR"},
                   {"start_date", "DATE"},
                   {"end_date", "DATE"},
                   {"days", "INTEGER"},
                   {"year", "INTEGER"},
                   {"look_back_start", "DATE"}},
                  rows, context.dialect);
}

Result<std::string> GenerateAggregatePeriodDictionary(const GeneratorContext& context) {
  if (context.dialect != sql::Dialect::kDuckDb) return TextDictionaryType({}, context.dialect);
  DHL_ASSIGN_OR_RETURN(auto periods, QueryPeriods(context));
  std::vector<std::string> ids;
  for (const auto& [type, period] : periods) ids.push_back(period.id());
  return TextDictionaryType(std::move(ids), context.dialect);
}

Result<std::string> GeneratePeriodTypeDictionary(const GeneratorContext& context) {
  std::vector<std::string> names;
  for (PeriodType type : dhis2::kAllPeriodTypes) {
    names.emplace_back(dhis2::PeriodTypeName(type));
  }
  return TextDictionaryType(std::move(names), context.dialect);
}

Result<std::string> GenerateAggregateOrdinaryYears(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(auto partition_years, context.PartitionYears());
  if (!partition_years) return std::string("TRUE");
  std::set<int64_t> years;
  for (int64_t year : *partition_years) {
    for (int64_t reach : {year - 1, year}) years.insert(reach);
  }
  if (years.empty()) return std::string("FALSE");
  std::string items;
  for (int64_t year : years) items += (items.empty() ? "" : ", ") + sql::IntegerLiteral(year);
  return "year IN (" + items + ")";
}

Result<std::string> GenerateAggregateDisaggregationPeriods(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(auto rules, ElementRules(context));
  std::set<std::pair<PeriodType, PeriodType>> pairs;  // (query type, data period type)
  for (const ElementRule& rule : rules) {
    for (PeriodType query_type : rule.query_types) {
      if (Disaggregates(rule, query_type)) pairs.insert({query_type, *rule.data_period_type});
    }
  }
  DHL_ASSIGN_OR_RETURN(auto span, AnalyticsSpan(context));
  std::set<std::string> years;
  if (context.partitions != nullptr)
    years.insert(context.partitions->begin(), context.partitions->end());
  std::vector<std::vector<std::string>> rows;
  if (span.has_value()) {
    for (const auto& [query_type, data_type] : pairs) {
      for (const dhis2::Period& period :
           dhis2::PeriodsBetween(query_type, span->first, span->second)) {
        if (context.partitions != nullptr &&
            years.count(std::to_string(dhis2::YearOf(period.end()))) == 0) {
          continue;
        }
        std::vector<dhis2::Period> data_periods = {
            dhis2::PeriodContaining(data_type, period.start())};
        // PeriodType.spansMultipleCalendarYears: the financial types.
        if (dhis2::IsFinancialType(query_type)) {
          dhis2::Period second = dhis2::PeriodContaining(data_type, period.end());
          if (second != data_periods[0]) data_periods.push_back(second);
        }
        // AnalyticsUtils.getBaseMonth: the zero-based month the financial year starts in. The
        // weight of each part in YearlyWeightedAverage (linear: its value at 1 and 0).
        int base_month = static_cast<int>(static_cast<unsigned>(
                             std::chrono::year_month_day{period.start()}.month())) -
                         1;
        for (size_t part = 0; part < data_periods.size(); ++part) {
          rows.push_back({Text(period.id(), context.dialect),
                          Text(dhis2::PeriodTypeName(query_type), context.dialect),
                          Text(dhis2::PeriodTypeName(data_type), context.dialect),
                          Text(data_periods[part].id(), context.dialect),
                          sql::IntegerLiteral(data_periods[part].days()),
                          sql::IntegerLiteral(static_cast<int64_t>(part) + 1),
                          sql::NumberLiteral(dhis2::YearlyWeightedAverage(
                              part == 0 ? 1.0 : 0.0, part == 1 ? 1.0 : 0.0, base_month))});
        }
      }
    }
  }
  return Relation({{"pe", "VARCHAR"},
                   {"period_type", "VARCHAR"},
                   {"data_period_type", "VARCHAR"},
                   {"data_pe", "VARCHAR"},
                   {"data_days", "INTEGER"},
                   {"part", "INTEGER"},
                   {"weight", "DOUBLE"}},
                  rows, context.dialect);
}

Result<std::string> GenerateAggregatePeriodMap(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(auto rules, ElementRules(context));
  std::set<PeriodType> types;
  for (const ElementRule& rule : rules) {
    types.insert(rule.query_types.begin(), rule.query_types.end());
    for (PeriodType query_type : rule.query_types) {
      if (Disaggregates(rule, query_type)) types.insert(*rule.data_period_type);
    }
  }
  DHL_ASSIGN_OR_RETURN(std::string analytics,
                       context.relation(lake::TableName{"gold", "analytics"}));
  DHL_ASSIGN_OR_RETURN(auto periods,
                       context.connection->Query("SELECT DISTINCT CAST(pe AS VARCHAR) FROM " +
                                                 analytics + " WHERE pe IS NOT NULL ORDER BY 1"));
  std::vector<std::vector<std::string>> rows;
  for (size_t row = 0; row < periods.row_count(); ++row) {
    std::string id = periods.GetString(0, row).value_or("");
    auto period = dhis2::ParsePeriodId(id);
    if (!period.ok()) {
      return InvalidArgument("gold.analytics: period '" + id + "' is not a DHIS2 period id");
    }
    for (PeriodType type : types) {
      std::optional<dhis2::Period> cell = type == period->type()
                                              ? std::optional<dhis2::Period>(*period)
                                              : dhis2::StructurePeriod(*period, type);
      if (!cell.has_value()) continue;
      rows.push_back({Text(id, context.dialect), Text(dhis2::PeriodTypeName(type), context.dialect),
                      Text(cell->id(), context.dialect)});
    }
  }
  return Relation({{"pe", "VARCHAR"}, {"period_type", "VARCHAR"}, {"cp", "VARCHAR"}}, rows,
                  context.dialect);
}

Result<std::string> GenerateAggregateLevelCells(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(std::string units, context.relation(lake::TableName{"silver", "org_unit"}));
  DHL_ASSIGN_OR_RETURN(auto columns, ColumnNames(context, units));
  bool versioned = std::find(columns.begin(), columns.end(), "valid_to") != columns.end();
  DHL_ASSIGN_OR_RETURN(auto deepest,
                       context.connection->Query("SELECT CAST(MAX(level) AS BIGINT) FROM " + units +
                                                 (versioned ? " WHERE valid_to IS NULL" : "")));
  int64_t levels = deepest.row_count() > 0 ? deepest.GetInt64(0, 0).value_or(1) : 1;
  if (levels < 1) levels = 1;
  if (levels > 8) {
    return InvalidArgument("silver.org_unit: level " + std::to_string(levels) +
                           " is deeper than the 8 levels gold.analytics carries");
  }
  const bool every_option_grain = context.Settings().aggregate.every_option_grain;
  const std::string keys = "de_id, cp_id, grain_id";
  const std::string partials = "n, s, ss, mn, mx, svd, sd";
  // The cells of one level as the roll-up's input and output: the deepest level is unit_cell's
  // rows of that level, read where needed rather than copied.
  auto level_rows = [&](int64_t level) {
    if (level == levels) {
      return fmt::format(
          "SELECT {}, ou_id, parent_id, {}, mn AS sum_mn, mx AS sum_mx FROM unit_cell "
          "WHERE ou_level = {}",
          keys, partials, level);
    }
    return fmt::format("SELECT {}, ou_id, parent_id, {}, sum_mn, sum_mx FROM level_{}", keys,
                       partials, level);
  };
  std::vector<std::string> ctes;
  for (int64_t level = levels - 1; level >= 1; --level) {
    ctes.push_back(fmt::format(
        "level_{0} AS (\n"
        "  SELECT c.de_id, c.cp_id, c.grain_id, c.ou_id, u.parent_id, c.n, c.s, c.ss, c.mn, c.mx,\n"
        "         c.svd, c.sd, c.sum_mn, c.sum_mx\n"
        "  FROM (\n"
        "    SELECT {2}, ou_id, SUM(n) AS n, SUM(s) AS s, SUM(ss) AS ss, MIN(mn) AS mn,\n"
        "           MAX(mx) AS mx, SUM(svd) AS svd, SUM(sd) AS sd, SUM(sum_mn) AS sum_mn,\n"
        "           SUM(sum_mx) AS sum_mx\n"
        "    FROM (\n"
        "      SELECT {2}, parent_id AS ou_id, {3}, sum_mn, sum_mx FROM ({1}) child\n"
        "      UNION ALL\n"
        "      SELECT {2}, ou_id, {3}, mn, mx FROM unit_cell WHERE ou_level = {0}\n"
        "    ) v\n"
        "    GROUP BY {2}, ou_id\n"
        "  ) c\n"
        "  JOIN unit u ON u.ou_id = c.ou_id\n"
        ")",
        level, level_rows(level + 1), keys, partials));
  }
  // The union of the levels, twice: each consumer reads the levels themselves (no copy of the
  // union), one the query periods' cells, the other the disaggregated data periods'. Beside each
  // level's option-combo cells, the total and per-option cells grouped from them (derived_grain;
  // not per_unit_grains elements, which rolled those grains up themselves; so their sum_mn and
  // sum_mx, read by MIN/MAX_SUM_ORG_UNIT only, stay NULL instead of being summed).
  for (bool disaggregated : {false, true}) {
    std::vector<std::string> parts;
    for (int64_t level = 1; level <= levels; ++level) {
      parts.push_back(
          fmt::format("  SELECT c.{1}, c.ou_id, {0} AS ou_level, c.{2}, c.sum_mn, c.sum_mx\n"
                      "  FROM ({3}) c\n"
                      "  JOIN cell_period p ON p.cp_id = c.cp_id AND {4}p.disaggregated",
                      level, "de_id, c.cp_id, c.grain_id", "n, c.s, c.ss, c.mn, c.mx, c.svd, c.sd",
                      level_rows(level), disaggregated ? "" : "NOT "));
      // Which per-option cells are written (docs/gold_aggregate.md, "Grains"): those the API
      // cannot combine from the option-combo cells (NOT k.combines) always; the others only for
      // data-dimension categories above the deepest level (or all, every_option_grain).
      std::string options;
      if (!every_option_grain) {
        options = level == levels ? " AND (NOT d.per_option OR NOT k.combines)"
                                  : " AND (NOT d.per_option OR d.data_dimension OR NOT k.combines)";
      }
      // Grouped from the option-combo cells; for one_combo elements (one option combo in this
      // run) each derived cell has one option-combo cell: relabelled, no grouping.
      auto derived_from = [&](bool one_combo) {
        return fmt::format(
            "  FROM ({0}) c\n"
            "  JOIN cell_rule k\n"
            "    ON k.de_id = c.de_id AND k.cp_id = c.cp_id AND {1}k.disaggregated\n"
            "   AND NOT k.per_unit_grains AND {2}k.one_combo\n"
            "  JOIN derived_grain d ON d.own_grain_id = c.grain_id{3}\n",
            level_rows(level), disaggregated ? "" : "NOT ", one_combo ? "" : "NOT ", options);
      };
      parts.push_back(fmt::format(
          "  SELECT c.de_id, c.cp_id, d.grain_id, c.ou_id, {0} AS ou_level, SUM(c.n), SUM(c.s),\n"
          "         SUM(c.ss), MIN(c.mn), MAX(c.mx), SUM(c.svd), SUM(c.sd), CAST(NULL AS DOUBLE),\n"
          "         CAST(NULL AS DOUBLE)\n"
          "{1}"
          "  GROUP BY c.de_id, c.cp_id, d.grain_id, c.ou_id",
          level, derived_from(false)));
      parts.push_back(fmt::format(
          "  SELECT c.de_id, c.cp_id, d.grain_id, c.ou_id, {0} AS ou_level, c.n, c.s, c.ss, c.mn,\n"
          "         c.mx, c.svd, c.sd, CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE)\n"
          "{1}",
          level, derived_from(true)));
    }
    std::string cells = fmt::format("{}", fmt::join(parts, "\n  UNION ALL\n"));
    if (context.Settings().hierarchy == Hierarchy::kAsOfPeriod) {
      // A unit that moved has a node under each chain of ancestors; its cells are the sums of its
      // nodes' partial sums, published under its first node (unit.unit_id).
      cells = fmt::format(
          "  SELECT c.de_id, c.cp_id, c.grain_id, u.unit_id AS ou_id, c.ou_level, SUM(c.n) AS n,\n"
          "         SUM(c.s) AS s, SUM(c.ss) AS ss, MIN(c.mn) AS mn, MAX(c.mx) AS mx,\n"
          "         SUM(c.svd) AS svd, SUM(c.sd) AS sd, SUM(c.sum_mn) AS sum_mn,\n"
          "         SUM(c.sum_mx) AS sum_mx\n"
          "  FROM (\n{}\n  ) c\n"
          "  JOIN unit u ON u.ou_id = c.ou_id\n"
          "  GROUP BY c.de_id, c.cp_id, c.grain_id, u.unit_id, c.ou_level",
          cells);
    }
    ctes.push_back(std::string(disaggregated ? "disaggregated_level_cell" : "level_cell") +
                   " AS (\n" + cells + "\n)");
  }
  return fmt::format("{}", fmt::join(ctes, ",\n"));
}

Result<std::string> GenerateAggregateCellValue(const GeneratorContext& context) {
  (void)context;
  return std::string(
      "CASE\n"
      "  WHEN r.selection = 'min_max' THEN CASE WHEN r.min_max = 'min' THEN c.sum_mn ELSE c.sum_mx "
      "END\n"
      "  WHEN r.formula = 'days_weighted' THEN c.svd / r.days\n"
      "  WHEN r.formula = 'percent_of_days' THEN CASE WHEN c.sd > 0 THEN c.svd / c.sd * 100 END\n"
      "  WHEN r.formula = 'avg' THEN c.s / c.n\n"
      "  WHEN r.formula = 'count' THEN CAST(c.n AS DOUBLE)\n"
      "  WHEN r.formula = 'stddev_samp' THEN\n"
      "    CASE WHEN c.n > 1 THEN SQRT(CASE WHEN c.ss - c.s * c.s / c.n > 0\n"
      "                                     THEN (c.ss - c.s * c.s / c.n) / (c.n - 1)\n"
      "                                     ELSE 0 END) END\n"
      "  WHEN r.formula = 'var_samp' THEN\n"
      "    CASE WHEN c.n > 1 THEN CASE WHEN c.ss - c.s * c.s / c.n > 0\n"
      "                                THEN (c.ss - c.s * c.s / c.n) / (c.n - 1)\n"
      "                                ELSE 0 END END\n"
      "  WHEN r.formula = 'min' THEN c.mn\n"
      "  WHEN r.formula = 'max' THEN c.mx\n"
      "  WHEN r.formula = 'single' THEN CASE WHEN c.mn = c.mx THEN c.mn END\n"
      "  ELSE c.s\n"
      "END");
}
}  // namespace dhl::pipeline
