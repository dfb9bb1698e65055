// Settings of gold.analytics and gold.aggregate, and the generators that render DHIS2's analytics
// rules (src/dhis2/aggregation_type.h, value_type.h, period.h) into those models' SQL
// (docs/gold_aggregate.md). Each generator returns a relation (a SELECT usable as a subquery) or
// select items; none writes a query per cell: the rules become small tables the set-based SQL
// joins.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "pipeline/generator.h"

namespace dhl::pipeline {

// 'analytics_value_types': (value_type, data_type) for every DHIS2 value type, data_type NUMERIC,
// BOOLEAN or TEXT (AnalyticsDataTypeOf).
Result<std::string> GenerateAnalyticsValueTypes(const GeneratorContext& context);

// 'analytics_zero_rule': (aggregation_type, zero_is_significant, keeps_zero) for every aggregation
// type and both flags, by KeepsZero and the current include_zero_values_in_analytics.
Result<std::string> GenerateAnalyticsZeroRule(const GeneratorContext& context);

// 'analytics_period_columns': one select item per period type, `<column>` = the period of that
// type a period of silver.period (alias `p`) belongs to: the period itself (`p.pe`) for its own
// type (`p.period_type`), else its structure column, NULL when silver.period has no such column.
// Rendered once per period over silver.period (a small table the values join), not per value.
// In DuckDB each is cast to the dictionary of its values over silver.period (TextDictionaryType).
Result<std::string> GenerateAnalyticsPeriodColumns(const GeneratorContext& context);

// 'analytics_level_columns': the select items `level1_uid` .. `level8_uid` of silver.org_unit, each
// as text from the dictionary of its values (TextDictionaryOf): at a large country's facility
// level, above kTextDictionaryLimit units, plain text.
Result<std::string> GenerateAnalyticsLevelColumns(const GeneratorContext& context);

// 'aggregate_period_dictionary': the type gold.aggregate's `pe` is written as, TextDictionaryType
// of every query period aggregate_query_periods can give (each configured type over the data's
// dates, whatever the partitions).
Result<std::string> GenerateAggregatePeriodDictionary(const GeneratorContext& context);

// 'period_type_dictionary': TextDictionaryType of every DHIS2 period type's name.
Result<std::string> GeneratePeriodTypeDictionary(const GeneratorContext& context);

// 'analytics_combo_columns': the select items of silver.category_option_combo gold.analytics joins
// its combos with: `uid`, and every category column as text from the dictionary of its values
// (TextDictionaryOf), so that the value's options reach the write as dictionary entries.
Result<std::string> GenerateAnalyticsComboColumns(const GeneratorContext& context);

// 'analytics_category_columns': `, COALESCE(c.<category>, a.<category>) AS <category>` for every
// category column of silver.category_option_combo (aliases `c` for the value's coc, `a` for its
// aoc, each a row of analytics_combo_columns); empty when there is none.
Result<std::string> GenerateAnalyticsCategoryColumns(const GeneratorContext& context);

// 'aggregate_rules': one row per aggregatable data element (numeric or boolean value type, domain
// AGGREGATE) and query period type: (de, period_type, selection, formula, ranks_across,
// disaggregation, data_period_type, min_max, combines). `selection` is GetTimeSelection's ('all',
// 'last', 'first', 'last_in_period', 'min_max'), `formula` the outer aggregate AggregateValueSql
// gives
// ('days_weighted', 'percent_of_days', 'sum', 'avg', 'count', 'stddev_samp', 'var_samp', 'min',
// 'max', and 'single' for NONE, which DHIS2 does not aggregate), `disaggregation`
// IsDisaggregation's answer against the data element's data period type (the type of its most
// frequent data set, DataElement.getPeriodType), `min_max` the time rule for 'min_max' rows,
// `combines` whether a category option's cell follows from its option combos' cells
// (dhis2::CombinationAcrossCombos: the analytics API then combines them on demand).
// An unknown aggregation or value type is an invalid-argument error naming the data element.
Result<std::string> GenerateAggregateRules(const GeneratorContext& context);

// 'aggregate_aoc_elements': (de, aoc), the distinct (data element, attribute option combo) pairs
// that an operand `#{de.coc.aoc}` or `#{de.*.aoc}` of an indicator's numerator or denominator
// (silver.indicator) references: gold.aggregate computes per-aoc rows for those pairs only. Items
// without an aoc, or with `*`, add nothing; an expression that does not parse is left to
// gold.indicator_value, which reports it. No row when nothing references an aoc.
Result<std::string> GenerateAggregateAocElements(const GeneratorContext& context);

// 'aggregate_query_periods': every period of each query type of aggregate_rules that overlaps the
// dates of gold.analytics: (pe, period_type, start_date, end_date, days, year, look_back_start),
// look_back_start = end_date - 10 years as Java's addYears (29 Feb -> 28 Feb), the earliest start
// a LAST or FIRST value may have. `year` is the year the period ends in (gold.aggregate's
// partition: every value a cell reads starts in that year or before). When the run recomputes
// only some partitions, only the periods whose year is among them.
Result<std::string> GenerateAggregateQueryPeriods(const GeneratorContext& context);

// 'aggregate_ordinary_years': a condition on gold.analytics's `year` (its data period's start year)
// keeping the values the rules other than LAST and FIRST read for the partitions a run recomputes
// (gold.aggregate's `year`, its query period's end year): those years and the year before (a
// financial year, or a week starting in December, starts in the year before the one it ends in);
// `TRUE` when the run computes the whole table. LAST and FIRST read their ten-year look-back (the
// model's partition_window) apart.
Result<std::string> GenerateAggregateOrdinaryYears(const GeneratorContext& context);

// 'aggregate_disaggregation_periods': for each query period of a (query type, data period type)
// pair that some rule disaggregates, the data periods its value comes from
// (DataQueryParams.getDataPeriodAggregationPeriodMap): the data period containing its start date
// (part 1) and, when the query type spans two calendar years, the one containing its end date
// (part 2): (pe, period_type, data_period_type, data_pe, data_days, part, weight), weight the
// part's factor in YearlyWeightedAverage (used when both parts have a value).
Result<std::string> GenerateAggregateDisaggregationPeriods(const GeneratorContext& context);

// 'aggregate_period_map': (pe, period_type, cp) for every data period of gold.analytics and every
// period type a rule aggregates to or disaggregates from: cp is the period of that type the data
// period belongs to, as silver.period assigns it (the period itself for its own type, else
// dhis2::StructurePeriod; no row when the type is not longer). A small table the leaf values join
// instead of unpivoting gold.analytics's 23 structure columns. An unparsable period id in
// gold.analytics is an invalid-argument error naming it.
Result<std::string> GenerateAggregatePeriodMap(const GeneratorContext& context);

// 'aggregate_level_cells': the CTE definitions `level_<k> AS (…), …, level_cell AS (…),
// disaggregated_level_cell AS (…)` that roll the per-unit cells of the CTE `unit_cell` (de_id,
// cp_id, grain_id, ou_id, ou_level, parent_id, n, s, ss, mn, mx, svd, sd) up the hierarchy one
// level at a time: level k groups the cells of level k + 1 by their parent together with the cells
// of units of level k itself; `unit` (ou_id, parent_id) gives each grouped cell its parent. Only
// the levels silver.org_unit has (current versions) are written, the deepest read from unit_cell.
// level_cell is the union of the levels' cells (with ou_level, and sum_mn, sum_mx: the sums of the
// per-unit minima and maxima for MIN/MAX_SUM_ORG_UNIT) over the query periods of `cell_period`
// (cp_id, disaggregated), disaggregated_level_cell the same over its disaggregated data periods.
// Both add, per level, the cells of `derived_grain` (own_grain_id, grain_id, per_option,
// data_dimension) grouped from the option-combo cells, for the (element, cell period) pairs of
// `cell_rule` (de_id, cp_id, disaggregated, per_unit_grains, combines) without per_unit_grains: the
// totals always; the per-option cells where the rule does not combine across combos
// (aggregate_rules' `combines`), and for data-dimension categories above the deepest level
// (every one with AggregateParameters::every_option_grain).
Result<std::string> GenerateAggregateLevelCells(const GeneratorContext& context);

// 'aggregate_cell_value': the value of a cell as the rule's outer aggregate (AggregateValueSql's
// forms named by aggregate_rules' `formula`, MIN/MAX_SUM_ORG_UNIT by `min_max`) over the cell's
// partial sums: an expression over aliases `c` (n, s, ss, mn, mx, svd, sd, sum_mn, sum_mx) and `r`
// (aggregate_rules' selection, formula and min_max, with the cell period's days).
Result<std::string> GenerateAggregateCellValue(const GeneratorContext& context);

}  // namespace dhl::pipeline
