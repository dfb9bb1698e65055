// Generator 'indicator_value' (models/gold/indicator_value.sql): the whole SELECT of
// gold.indicator_value, every indicator of silver.indicator compiled by
// dhis2::CompileExpressionToSql into one SQL expression over a pivot of its items, so that every
// indicator, org unit (all levels) and period is computed by one set-based query (never a query per
// cell). docs/indicators.md describes the rules and their dhis2-core sources; in short, as
// DefaultExpressionService. getIndicatorValueObject:
//   numerator and denominator each with SKIP_IF_ALL_VALUES_MISSING (a missing counted item is 0; no
//   value when every counted item is missing; C{} and OUG{} never count), no row when either is
//   missing or the denominator is 0, otherwise
//   value = numerator * multiplier / (denominator * divisor), multiplier = the indicator type's
//   factor (x 365 when annualised), divisor = the days of the period when annualised, else 1.
// Items:
//   #{de}, #{de.coc}, #{de.coc.aoc}, #{de.*.aoc}  gold.aggregate (coc NULL = the element's total;
//                          per-attribute-option-combo operands need its optional `aoc` column)
//   #{item}                reference data: an item of a ref.* table (item, ou, pe, value) that is
//                          not a data element, or one whose gold.aggregate value is missing; summed
//                          over the org unit's subtree, a longer period's value serving each period
//                          that starts inside it, shorter periods' values averaged by days (DHIS2's
//                          AVERAGE_SUM_ORG_UNIT, the aggregation of population data elements)
//   C{constant}            silver.constant, as a literal
//   R{ds.METRIC}           gold.reporting_rate (REPORTING_RATE, REPORTING_RATE_ON_TIME,
//                          ACTUAL_REPORTS, ACTUAL_REPORTS_ON_TIME, EXPECTED_REPORTS)
//   I{programIndicator}    gold.program_indicator_value (the program indicator's value for the
//                          org unit and period, as tracker analytics computed it)
//   OUG{group}             members of silver.org_unit_group_member in the org unit's subtree
//   [days]                 the days of the period
//   subExpression(expr)    gold.analytics: `expr` per source org unit and cell period over its
//                          items each aggregated within the unit by the element's time rule
//                          (numeric types; MAX otherwise), NULL results dropped, the rest summed up
//                          the hierarchy (dhis2-core JdbcSubexpressionQueryGenerator); only data
//                          elements, operands and constants may appear inside
// The cells are the org unit x period pairs (periods of the configured types that gold.aggregate or
// gold.reporting_rate hold) where some item has a value. An indicator that cannot be compiled (a
// syntax error, N{}, program items, period offsets and other modifiers, an unknown data element,
// data set or constant, a missing indicator type factor, functions the compiler does not render) is
// left out: a warning names it and the reason, in the log and in the model's RunSummary warnings.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "dhis2/period_type.h"
#include "lake/lake_catalog.h"
#include "pipeline/generator.h"
#include "sql/dialect.h"

namespace dhl::pipeline {

struct IndicatorDefinition {
  std::string uid;
  std::string numerator;
  std::string denominator;
  std::optional<double> factor;  // the indicator type's factor; nullopt = no type
  bool annualized = false;
};

// The distinct (item, period id) pairs of one reference table.
struct ReferenceTable {
  lake::TableName table;
  std::map<std::string, std::set<std::string>> periods_by_item;
};

// What the SQL is compiled against: the indicators and the metadata their items are checked with.
// A data element's types as silver.data_element holds them (names; empty = unknown).
struct ElementTypes {
  std::string aggregation_type;
  std::string value_type;
};

struct IndicatorInputs {
  std::vector<IndicatorDefinition> indicators;
  std::set<std::string> data_elements;
  // The types of the data elements, for the per-unit aggregate inside subExpression(); an element
  // missing here aggregates as SUM over NUMBER.
  std::map<std::string, ElementTypes> element_types;
  std::set<std::string> data_sets;
  std::set<std::string> program_indicators;  // silver.program_indicator, for I{} items
  std::map<std::string, double> constants;
  std::vector<ReferenceTable> reference_tables;
  // Optional gold.aggregate columns: `aoc` (per attribute option combo rows, NULL = all) and
  // `category` (per category option rows, which the items leave aside).
  bool aggregate_has_aoc = false;
  bool aggregate_has_category = true;
  std::vector<dhis2::PeriodType> period_types;
  // The periods of the cells: those of the configured types that gold.aggregate,
  // gold.reporting_rate and gold.program_indicator_value hold (ids; others are ignored). Their days
  // are computed here, since silver.period holds only the periods of stored data.
  std::set<std::string> periods;
  // A partitioned run: only the cell periods ending in these years (gold.indicator_value's `year`,
  // gold.aggregate's); nullopt = every year.
  std::optional<std::set<int>> years;
  // What reading the inputs left out (a ref.* table that is not reference data).
  std::vector<std::string> warnings;
  // The type the rows' `ou` is written as: the dictionary of silver.org_unit's uids
  // (TextDictionaryOf; plain text when empty). The indicators, periods and period types are cast to
  // the dictionaries of their values too, once per cell period or indicator, so that the Parquet
  // writer takes each row group's dictionary from them instead of hashing every row's text.
  std::string org_unit_dictionary;
};

// The generated SELECT (ref() calls to the tables the model declares). `skipped` (when not null)
// receives one "indicator <uid>: <reason>" line per indicator left out, also logged as warnings.
// `statuses` (when not null) receives every indicator's ExpressionStatus (object_type
// "indicator"): computed, or refused with the reason and the character.
Result<std::string> IndicatorValueSql(const IndicatorInputs& inputs, sql::Dialect dialect,
                                      std::vector<std::string>* skipped = nullptr,
                                      std::vector<ExpressionStatus>* statuses = nullptr);

// gold.indicator_value's partition window (docs/models.md, partition_window): the year of a
// cell is the year its period ends in, so an item .periodOffset(n) reads the years up to n before
// (n < 0) or after it; one more year before when a subExpression() reads gold.analytics (whose
// year is its value's start year) or a reporting rate is read for periods that cross a year
// boundary (gold.reporting_rate's year is the structure year). (low, high).
Result<std::pair<int, int>> IndicatorValueWindow(const IndicatorInputs& inputs);

// The generator: reads the metadata and the ref.* tables through context.relation, then
// IndicatorValueSql with context.Settings().indicator; skipped indicators go to context.warnings.
Result<std::string> GenerateIndicatorValue(const GeneratorContext& context);

// Generator 'indicator_value_window' (the model's `partition_window`): IndicatorValueWindow as
// "low, high".
Result<std::string> GenerateIndicatorValueWindow(const GeneratorContext& context);

}  // namespace dhl::pipeline
