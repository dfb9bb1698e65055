// Generator 'validation_violation' (models/gold/validation_violation.sql): the whole SELECT of
// gold.validation_violation, compiled from silver.validation_rule by dhis2::CompileExpressionToSql,
// set-based (one query for every rule, org unit and period; never a query per cell).
//
// What it renders, following dhis2-core's DataValidationRunner (docs/gold_quality.md):
// - Per period type T of the rules, one item relation: the values of the rules' data elements at
//   each org unit (its own values, no descendants) for each period of type T in silver.period,
//   taken from stored periods of T or longer types that contain the period's start date, the
//   shortest such period winning (DeflatedDataValueParams.includedDate, addValueToDataMap).
// - The cells of T: every (org unit, period, attribute option combo) with a value of any item of
//   T's rules; their items pivoted into columns by conditional aggregation (#{de} sums its
//   category option combos, #{de.coc} one combo, #{de.coc.aoc} / #{de.*.aoc} one attribute combo).
// - Each rule selects from its type's cells at its organisation_unit_levels (all levels when none),
//   computes both sides with their missing-value strategies (SKIP_IF_ALL_VALUES_MISSING when
//   unset, as DHIS2's Expression), and keeps violations:
//     compulsory_pair: exactly one side NULL; exclusive_pair: both sides non-NULL;
//     other operators: a NULL side (possible only when it is not NEVER_SKIP) skips the cell,
//     otherwise a violation when NOT (left <op> right);
//   left_side and right_side are stored as DHIS2 stores them, NULL as 0.
// Output columns: rule, ou, pe, aoc, left_side, right_side, operator, importance, period_type,
// data_elements (the rule's data element uids, sorted, comma-separated; gold.dq_summary uses it),
// year (of the period's start, silver.period's: the model's partition).
// Items: #{de} and operands; C{constant} (silver.constant, a literal); OUG{group} (the members of
// silver.org_unit_group_member in the org unit's subtree, 0 when none); [days] (the period's
// days). C{} and OUG{} never count for the missing value strategy (as in indicators).
// A rule that cannot be compiled (a syntax error, an unknown operator or constant, items DHIS2's
// validation parser refuses such as N{}, subExpression() or period offsets, items not computed here
// such as R{} and I{}, no data element at all) is left out with a warning naming the rule and the
// reason.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "pipeline/generator.h"
#include "sql/dialect.h"

namespace dhl::pipeline {

struct ValidationRuleRow {
  std::string uid;
  std::string left_expression;
  std::string right_expression;
  std::string operator_name;  // equal_to, ..., compulsory_pair, exclusive_pair
  std::string importance;
  std::string period_type;
  std::string left_missing_value_strategy;   // empty = SKIP_IF_ALL_VALUES_MISSING
  std::string right_missing_value_strategy;  // empty = SKIP_IF_ALL_VALUES_MISSING
  std::string organisation_unit_levels;      // comma list, empty = all levels
};

// What the SQL is compiled from.
struct ValidationInputs {
  std::vector<ValidationRuleRow> rules;
  std::map<std::string, double> constants;   // silver.constant, for C{} items
  std::set<std::string> program_indicators;  // silver.program_indicator, for I{} items
  // The period types of each data element's stored values (silver.data_value, values not NULL),
  // when known: an element whose values are all of a rule's own period type takes each period's
  // value by its id (one stored period of that type contains the period's start: itself), not by
  // the range join and the shortest-period window the others need. nullopt: every element takes
  // the general path.
  std::optional<std::map<std::string, std::set<std::string>>> stored_period_types;
};

// The generated SELECT for the rules (ref() calls to silver.data_value, silver.period,
// silver.org_unit and, for OUG{}, silver.org_unit_group_member; for I{},
// gold.program_indicator_value). `skipped` (when not null) receives
// one "<uid>: <reason>" line per rule left out.
// `statuses` (when not null) receives every rule's ExpressionStatus (object_type
// "validation_rule"): computed, or refused with the reason and the character.
Result<std::string> ValidationViolationSql(const ValidationInputs& inputs, sql::Dialect dialect,
                                           std::vector<std::string>* skipped = nullptr,
                                           std::vector<ExpressionStatus>* statuses = nullptr);

// The generator: reads silver.validation_rule through context.relation, then
// ValidationViolationSql.
Result<std::string> GenerateValidationViolation(const GeneratorContext& context);

}  // namespace dhl::pipeline
