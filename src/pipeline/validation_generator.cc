#include "pipeline/validation_generator.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <optional>
#include <set>
#include <utility>

#include "base/logging.h"
#include "base/text.h"
#include "dhis2/expression.h"
#include "dhis2/expression_evaluator.h"
#include "dhis2/expression_sql.h"
#include "dhis2/period_type.h"
#include "sql/literal.h"

namespace dhl::pipeline {
namespace {

// DHIS2's Operator names and the SQL comparison each one tests (the pairs have none).
std::optional<std::string> ComparisonSql(std::string_view operator_name) {
  static const std::map<std::string, std::string, std::less<>> kOperators = {
      {"equal_to", "="},       {"not_equal_to", "<>"},
      {"greater_than", ">"},   {"greater_than_or_equal_to", ">="},
      {"less_than", "<"},      {"less_than_or_equal_to", "<="},
      {"compulsory_pair", ""}, {"exclusive_pair", ""}};
  auto found = kOperators.find(operator_name);
  if (found == kOperators.end()) return std::nullopt;
  return found->second;
}

// A rule ready to render: both sides parsed, its strategies, levels and data elements.
struct CompiledRule {
  const ValidationRuleRow* row = nullptr;
  dhis2::Expression left;
  dhis2::Expression right;
  dhis2::MissingValueStrategy left_strategy = dhis2::MissingValueStrategy::kSkipIfAllValuesMissing;
  dhis2::MissingValueStrategy right_strategy = dhis2::MissingValueStrategy::kSkipIfAllValuesMissing;
  std::string comparison;  // empty for the pair operators
  std::vector<int> levels;
  std::set<std::string> data_elements;
  std::set<std::string> program_indicators;
};

Result<dhis2::MissingValueStrategy> Strategy(std::string_view name) {
  std::string trimmed(Trim(name));
  if (trimmed.empty()) return dhis2::MissingValueStrategy::kSkipIfAllValuesMissing;
  auto strategy = dhis2::ParseMissingValueStrategy(trimmed);
  if (!strategy) return InvalidArgument("unknown missing value strategy '" + trimmed + "'");
  return *strategy;
}

// The position of the first node of item `index` in the tree, or 0.
size_t ItemPosition(const dhis2::ExpressionNode& node, int index) {
  if (node.kind == dhis2::NodeKind::kItem && node.item_index == index) return node.position;
  for (const dhis2::ExpressionNode& child : node.children) {
    size_t position = ItemPosition(child, index);
    if (position != 0 || (child.kind == dhis2::NodeKind::kItem && child.item_index == index)) {
      return position;
    }
  }
  return 0;
}

Result<dhis2::Expression> ParseSide(std::string_view text, std::string_view side,
                                    std::set<std::string>* data_elements,
                                    std::set<std::string>* program_indicators) {
  auto parsed = dhis2::ParseExpression(text, dhis2::ExpressionMode::kValidationRuleExpression);
  if (!parsed.ok()) return parsed.status().WithContext(std::string(side) + " side");
  for (size_t index = 0; index < parsed->items().size(); ++index) {
    const dhis2::ItemKey& item = parsed->items()[index];
    if (item.type == dhis2::ItemType::kConstant ||
        item.type == dhis2::ItemType::kOrgUnitGroupCount) {
      continue;
    }
    if (item.type == dhis2::ItemType::kProgramIndicator && item.modifiers.empty()) {
      program_indicators->insert(item.uid0);
      continue;
    }
    if (item.type != dhis2::ItemType::kDataElement || !item.modifiers.empty()) {
      return Unsupported(std::string(side) + " side \"" + std::string(text) + "\": item " +
                         item.ToString() + " at character " +
                         std::to_string(ItemPosition(parsed->root(), static_cast<int>(index))) +
                         " is not computed in validation rules (data elements, operands, I{}, "
                         "C{}, OUG{} and [days] are)");
    }
    data_elements->insert(item.uid0);
  }
  return parsed;
}

Result<CompiledRule> CompileRule(const ValidationRuleRow& row) {
  CompiledRule rule;
  rule.row = &row;
  auto comparison = ComparisonSql(row.operator_name);
  if (!comparison) return InvalidArgument("unknown operator '" + row.operator_name + "'");
  rule.comparison = *comparison;
  DHL_ASSIGN_OR_RETURN(rule.left_strategy, Strategy(row.left_missing_value_strategy));
  DHL_ASSIGN_OR_RETURN(rule.right_strategy, Strategy(row.right_missing_value_strategy));
  DHL_RETURN_IF_ERROR(dhis2::ParsePeriodType(row.period_type).status());
  DHL_ASSIGN_OR_RETURN(rule.left, ParseSide(row.left_expression, "left", &rule.data_elements,
                                            &rule.program_indicators));
  DHL_ASSIGN_OR_RETURN(rule.right, ParseSide(row.right_expression, "right", &rule.data_elements,
                                             &rule.program_indicators));
  if (rule.data_elements.empty()) {
    return InvalidArgument("no data element on either side: no stored value to validate");
  }
  for (std::string_view part : Split(row.organisation_unit_levels, ',')) {
    std::string level(Trim(part));
    if (level.empty()) continue;
    int number = 0;
    for (char c : level) {
      if (c < '0' || c > '9' || number > 100) {
        return InvalidArgument("organisation unit level '" + level + "' is not a number");
      }
      number = number * 10 + (c - '0');
    }
    rule.levels.push_back(number);
  }
  return rule;
}

// The pivot column of one item in its period type's cells.
struct ItemColumn {
  std::string name;       // quoted
  std::string aggregate;  // SUM(CASE WHEN ... THEN value END)
};

std::string EmptyViolationSelect() {
  return "SELECT CAST(NULL AS STRING) AS rule, CAST(NULL AS STRING) AS ou, "
         "CAST(NULL AS STRING) AS pe, CAST(NULL AS STRING) AS aoc, CAST(NULL AS DOUBLE) AS "
         "left_side, CAST(NULL AS DOUBLE) AS right_side, CAST(NULL AS STRING) AS operator, "
         "CAST(NULL AS STRING) AS importance, CAST(NULL AS STRING) AS period_type, "
         "CAST(NULL AS STRING) AS data_elements, CAST('0' AS INT) AS year FROM (SELECT 1 AS one) "
         "AS empty WHERE 1 = 0";
}

}  // namespace

Result<std::string> ValidationViolationSql(const ValidationInputs& inputs, sql::Dialect dialect,
                                           std::vector<std::string>* skipped,
                                           std::vector<ExpressionStatus>* statuses) {
  // One status per rule: computed unless refused below.
  std::map<std::string, ExpressionStatus> status_of;
  auto refuse = [&](const std::string& uid, const std::string& reason) {
    std::string line = uid + ": " + reason;
    LogWarn("gold.validation_violation leaves out rule {}", line);
    if (skipped != nullptr) skipped->push_back("validation rule " + line);
    status_of[uid] = ExpressionStatus{"validation_rule", uid, false, reason, CharacterIn(reason)};
  };
  struct Report {
    std::map<std::string, ExpressionStatus>& status_of;
    std::vector<ExpressionStatus>* statuses;
    ~Report() {
      if (statuses == nullptr) return;
      for (auto& [uid, status] : status_of) statuses->push_back(std::move(status));
    }
  } report{status_of, statuses};
  // Rules by period type (the type's canonical name).
  std::map<dhis2::PeriodType, std::vector<CompiledRule>> by_type;
  for (const ValidationRuleRow& row : inputs.rules) {
    status_of[row.uid] = ExpressionStatus{"validation_rule", row.uid, true, "", std::nullopt};
    auto compiled = CompileRule(row);
    if (!compiled.ok()) {
      refuse(row.uid, compiled.status().message());
      continue;
    }
    std::string unknown;
    for (const std::string& uid : compiled->program_indicators) {
      if (inputs.program_indicators.count(uid) == 0 && unknown.empty()) unknown = uid;
    }
    if (!unknown.empty()) {
      refuse(row.uid, "I{" + unknown + "}: no such program indicator (silver.program_indicator)");
      continue;
    }
    dhis2::PeriodType type = *dhis2::ParsePeriodType(row.period_type);
    by_type[type].push_back(std::move(*compiled));
  }
  if (by_type.empty()) return EmptyViolationSelect();

  std::vector<std::string> ctes;
  std::vector<std::string> selects;
  int type_index = 0;
  for (auto& [type, type_rules] : by_type) {
    std::string type_name(dhis2::PeriodTypeName(type));
    std::string suffix = std::to_string(type_index++);
    // Stored period types whose values count for this type's periods.
    std::vector<std::string> allowed;
    for (dhis2::PeriodType other : dhis2::kAllPeriodTypes) {
      if (dhis2::FrequencyOrder(other) >= dhis2::FrequencyOrder(type)) {
        allowed.push_back(sql::StringLiteral(dhis2::PeriodTypeName(other), dialect));
      }
    }
    std::set<std::string> data_elements;
    for (const CompiledRule& rule : type_rules) {
      data_elements.insert(rule.data_elements.begin(), rule.data_elements.end());
    }
    // Elements whose stored values are all of this type (or none): a period's value is the stored
    // value of the same period, joined by id. The others (values of longer types too, or types
    // unknown): the values of stored periods containing the period's start date, the shortest
    // (earliest end) winning, per cell (the window partitions by element, so the two groups of
    // elements are independent).
    std::vector<std::string> own_type_literals;
    std::vector<std::string> de_literals;
    for (const std::string& de : data_elements) {
      bool own_type_only = false;
      if (inputs.stored_period_types) {
        auto stored = inputs.stored_period_types->find(de);
        own_type_only = stored == inputs.stored_period_types->end() ||
                        (stored->second.size() == 1 && *stored->second.begin() == type_name);
      }
      (own_type_only ? own_type_literals : de_literals).push_back(sql::StringLiteral(de, dialect));
    }
    const std::string type_literal = sql::StringLiteral(type_name, dialect);
    const std::string rule_periods =
        "(SELECT pe, start_date, days, year FROM ref('silver.period') WHERE period_type = " +
        type_literal + ") AS rp";
    std::vector<std::string> item_selects;
    if (!own_type_literals.empty()) {
      item_selects.push_back(
          "SELECT rp.pe, dv.ou, dv.aoc, dv.de, dv.coc, dv.value, rp.days, rp.year FROM " +
          rule_periods +
          " JOIN (SELECT de, coc, ou, aoc, value, pe FROM ref('silver.data_value') WHERE value IS "
          "NOT NULL AND de IN (" +
          Join(own_type_literals, ", ") + ") AND period_type = " + type_literal +
          ") AS dv ON dv.pe = rp.pe");
    }
    if (!de_literals.empty()) {
      item_selects.push_back(
          "SELECT pe, ou, aoc, de, coc, value, days, year FROM (SELECT rp.pe, dv.ou, dv.aoc, "
          "dv.de, dv.coc, dv.value, rp.days, rp.year, dv.end_date, MIN(dv.end_date) OVER "
          "(PARTITION BY rp.pe, dv.ou, dv.aoc, dv.de, dv.coc) AS shortest_end FROM " +
          rule_periods +
          " JOIN (SELECT de, coc, ou, aoc, value, start_date, end_date FROM "
          "ref('silver.data_value') WHERE value IS NOT NULL AND de IN (" +
          Join(de_literals, ", ") + ") AND period_type IN (" + Join(allowed, ", ") +
          ")) AS dv ON dv.start_date <= rp.start_date AND dv.end_date >= rp.start_date) AS "
          "ranked WHERE end_date = shortest_end");
    }

    // The item relation: values at each period of this type.
    std::string items = "items_" + suffix;
    ctes.push_back(items + " AS (" + Join(item_selects, " UNION ALL ") + ")");

    // The cells: one column per distinct item of this type's rules.
    std::map<dhis2::ItemKey, ItemColumn> columns;
    std::map<std::string, std::string> groups;  // OUG{} group -> column of the cells
    for (const CompiledRule& rule : type_rules) {
      for (const dhis2::Expression* side : {&rule.left, &rule.right}) {
        for (const dhis2::ItemKey& item : side->items()) {
          if (item.type == dhis2::ItemType::kOrgUnitGroupCount) {
            groups.emplace(item.uid0, "g" + std::to_string(groups.size()));
            continue;
          }
          if (item.type != dhis2::ItemType::kDataElement || columns.count(item) > 0) continue;
          std::string condition = "de = " + sql::StringLiteral(item.uid0, dialect);
          if (!item.uid1.empty() && item.uid1 != "*") {
            condition += " AND coc = " + sql::StringLiteral(item.uid1, dialect);
          }
          if (!item.uid2.empty() && item.uid2 != "*") {
            condition += " AND aoc = " + sql::StringLiteral(item.uid2, dialect);
          }
          ItemColumn column;
          column.name = sql::QuoteName("i" + std::to_string(columns.size()), dialect);
          column.aggregate = "SUM(CASE WHEN " + condition + " THEN value END) AS " + column.name;
          columns.emplace(item, std::move(column));
        }
      }
    }
    std::vector<std::string> aggregates;
    for (const auto& [item, column] : columns) aggregates.push_back(column.aggregate);
    // I{}: the program indicator's value for the org unit and period (gold.program_indicator_value
    // holds it at every level, per period of its types; no attribute option combo).
    std::map<std::string, std::string> indicator_columns;  // program indicator -> column
    for (const CompiledRule& rule : type_rules) {
      for (const std::string& uid : rule.program_indicators) {
        indicator_columns.emplace(uid, "q" + std::to_string(indicator_columns.size()));
      }
    }
    std::string indicator_select;
    std::string indicator_join;
    if (!indicator_columns.empty()) {
      std::vector<std::string> pivots;
      std::vector<std::string> uids;
      for (const auto& [uid, column] : indicator_columns) {
        pivots.push_back("MAX(CASE WHEN program_indicator = " + sql::StringLiteral(uid, dialect) +
                         " THEN value END) AS " + column);
        uids.push_back(sql::StringLiteral(uid, dialect));
        indicator_select += ", q." + column;
      }
      std::string values = "program_indicator_" + suffix;
      ctes.push_back(values + " AS (SELECT ou, pe, " + Join(pivots, ", ") +
                     " FROM ref('gold.program_indicator_value') WHERE period_type = " +
                     sql::StringLiteral(type_name, dialect) + " AND program_indicator IN (" +
                     Join(uids, ", ") + ") GROUP BY ou, pe)");
      indicator_join = " LEFT JOIN " + values + " AS q ON q.ou = c.ou AND q.pe = c.pe";
    }
    // OUG{}: the group's members in each org unit's subtree (ItemOrgUnitGroupCount).
    std::string group_columns;
    std::string group_join;
    if (!groups.empty()) {
      std::vector<std::string> counts;
      std::vector<std::string> uids;
      for (const auto& [group, column] : groups) {
        counts.push_back(
            "CAST(COUNT(CASE WHEN m.group_uid = " + sql::StringLiteral(group, dialect) +
            " THEN 1 END) AS DOUBLE) AS " + column);
        uids.push_back(sql::StringLiteral(group, dialect));
        group_columns += ", g." + column;
      }
      std::string group_count = "group_count_" + suffix;
      ctes.push_back(group_count + " AS (SELECT an.ou, " + Join(counts, ", ") +
                     " FROM ref('silver.org_unit_group_member') m JOIN (" +
                     OrgUnitAncestorSelect() + ") AS an ON an.uid = m.ou WHERE m.group_uid IN (" +
                     Join(uids, ", ") + ") GROUP BY an.ou)");
      group_join = " LEFT JOIN " + group_count + " AS g ON g.ou = c.ou";
    }
    std::string cells = "cells_" + suffix;
    ctes.push_back(cells + " AS (SELECT c.*, o.level" + group_columns + indicator_select +
                   " FROM (SELECT pe, ou, aoc, days, year, " + Join(aggregates, ", ") + " FROM " +
                   items +
                   " GROUP BY pe, ou, aoc, days, year) AS c JOIN (SELECT uid, level FROM "
                   "ref('silver.org_unit') WHERE valid_to IS NULL) AS o ON o.uid = c.ou" +
                   group_join + indicator_join + ")");

    dhis2::ItemSqlFunction item_sql = [&columns, &groups, &indicator_columns, &inputs,
                                       dialect](const dhis2::ItemKey& item) -> Result<std::string> {
      if (item.type == dhis2::ItemType::kProgramIndicator) {
        return indicator_columns.at(item.uid0);
      }
      if (item.type == dhis2::ItemType::kConstant) {
        auto constant = inputs.constants.find(item.uid0);
        if (constant == inputs.constants.end()) {
          return NotFound("no such constant (silver.constant)");
        }
        return sql::NumberLiteral(constant->second);
      }
      if (item.type == dhis2::ItemType::kOrgUnitGroupCount) {
        // DHIS2 counts 0 for a subtree without members.
        return "COALESCE(" + groups.at(item.uid0) + ", " + sql::NumberLiteral(0) + ")";
      }
      auto found = columns.find(item);
      if (found == columns.end()) return Internal("no column for item " + item.ToString());
      return found->second.name;
    };
    for (const CompiledRule& rule : type_rules) {
      dhis2::SqlCompileOptions left_options;
      left_options.dialect = dialect;
      left_options.missing_value_strategy = rule.left_strategy;
      left_options.days_sql = "days";
      left_options.item_counts = [](const dhis2::ItemKey& item) {
        return item.type != dhis2::ItemType::kConstant &&
               item.type != dhis2::ItemType::kOrgUnitGroupCount;
      };
      dhis2::SqlCompileOptions right_options = left_options;
      right_options.missing_value_strategy = rule.right_strategy;
      auto left = dhis2::CompileExpressionToSql(rule.left, item_sql, left_options);
      auto right = dhis2::CompileExpressionToSql(rule.right, item_sql, right_options);
      if (!left.ok() || !right.ok()) {
        refuse(rule.row->uid, left.ok() ? "right side: " + right.status().message()
                                        : "left side: " + left.status().message());
        continue;
      }
      std::string where;
      if (!rule.levels.empty()) {
        std::vector<std::string> levels;
        for (int level : rule.levels) levels.push_back(std::to_string(level));
        where = " WHERE level IN (" + Join(levels, ", ") + ")";
      }
      // NEVER_SKIP sides count a NULL (e.g. a division by zero) as 0, as DHIS2 does.
      auto side = [](const std::string& sql_text, dhis2::MissingValueStrategy strategy) {
        return strategy == dhis2::MissingValueStrategy::kNeverSkip
                   ? "COALESCE(CAST(" + sql_text + " AS DOUBLE), 0)"
                   : "CAST(" + sql_text + " AS DOUBLE)";
      };
      std::string violation;
      if (rule.row->operator_name == "compulsory_pair") {
        violation = "(l IS NULL) <> (r IS NULL)";
      } else if (rule.row->operator_name == "exclusive_pair") {
        violation = "l IS NOT NULL AND r IS NOT NULL";
      } else {
        violation = "l IS NOT NULL AND r IS NOT NULL AND NOT (l " + rule.comparison + " r)";
      }
      std::vector<std::string> des(rule.data_elements.begin(), rule.data_elements.end());
      selects.push_back(
          "SELECT " + sql::StringLiteral(rule.row->uid, dialect) +
          " AS rule, ou, pe, aoc, COALESCE(l, 0) AS left_side, COALESCE(r, 0) AS right_side, " +
          sql::StringLiteral(rule.row->operator_name, dialect) + " AS operator, " +
          sql::StringLiteral(rule.row->importance, dialect) + " AS importance, " +
          sql::StringLiteral(type_name, dialect) + " AS period_type, " +
          sql::StringLiteral(Join(des, ","), dialect) +
          " AS data_elements, year FROM (SELECT ou, pe, aoc, year, " +
          side(*left, rule.left_strategy) + " AS l, " + side(*right, rule.right_strategy) +
          " AS r FROM " + cells + where + ") AS s WHERE " + violation);
    }
  }
  if (selects.empty()) return EmptyViolationSelect();
  return "WITH " + Join(ctes, ",\n") + "\n" + Join(selects, "\nUNION ALL\n");
}

Result<std::string> GenerateValidationViolation(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(std::string relation,
                       context.relation(lake::TableName{"silver", "validation_rule"}));
  DHL_ASSIGN_OR_RETURN(
      auto result,
      context.connection->Query(
          "SELECT uid, left_expression, right_expression, operator, importance, period_type, "
          "left_missing_value_strategy, right_missing_value_strategy, "
          "CAST(organisation_unit_levels AS VARCHAR) FROM " +
          relation + " ORDER BY uid"));
  ValidationInputs inputs;
  for (size_t row = 0; row < result.row_count(); ++row) {
    auto text = [&](size_t column) { return result.GetString(column, row).value_or(""); };
    inputs.rules.push_back(ValidationRuleRow{text(0), text(1), text(2), text(3), text(4), text(5),
                                             text(6), text(7), text(8)});
  }
  DHL_ASSIGN_OR_RETURN(std::string constants,
                       context.relation(lake::TableName{"silver", "constant"}));
  DHL_ASSIGN_OR_RETURN(auto constant_rows,
                       context.connection->Query("SELECT uid, CAST(value AS DOUBLE) FROM " +
                                                 constants + " WHERE uid IS NOT NULL"));
  for (size_t row = 0; row < constant_rows.row_count(); ++row) {
    auto value = constant_rows.GetDouble(1, row);
    if (value) inputs.constants[*constant_rows.GetString(0, row)] = *value;
  }
  DHL_ASSIGN_OR_RETURN(std::string indicators,
                       context.relation(lake::TableName{"silver", "program_indicator"}));
  DHL_ASSIGN_OR_RETURN(auto indicator_rows,
                       context.connection->Query("SELECT DISTINCT uid FROM " + indicators +
                                                 " WHERE uid IS NOT NULL"));
  for (size_t row = 0; row < indicator_rows.row_count(); ++row) {
    inputs.program_indicators.insert(*indicator_rows.GetString(0, row));
  }
  DHL_ASSIGN_OR_RETURN(std::string values,
                       context.relation(lake::TableName{"silver", "data_value"}));
  DHL_ASSIGN_OR_RETURN(auto type_rows,
                       context.connection->Query("SELECT DISTINCT de, period_type FROM " + values +
                                                 " WHERE value IS NOT NULL AND de IS NOT NULL"));
  auto& stored = inputs.stored_period_types.emplace();
  for (size_t row = 0; row < type_rows.row_count(); ++row) {
    stored[*type_rows.GetString(0, row)].insert(type_rows.GetString(1, row).value_or(""));
  }
  return ValidationViolationSql(inputs, context.dialect, context.warnings,
                                context.expression_status);
}

}  // namespace dhl::pipeline
