#include "pipeline/indicator_generator.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <tuple>
#include <utility>

#include "base/logging.h"
#include "base/text.h"
#include "dhis2/aggregation_type.h"
#include "dhis2/expression.h"
#include "dhis2/expression_evaluator.h"
#include "dhis2/expression_sql.h"
#include "dhis2/period.h"
#include "dhis2/value_type.h"
#include "pipeline/dimension_generators.h"
#include "sql/literal.h"

namespace dhl::pipeline {
namespace {

// A gold.aggregate item: data element, category option combo ("" = every combo) and attribute
// option combo ("" = every combo).
// `offset`: the item's .periodOffset(n), read from the period n periods away.
struct AggregateKey {
  std::string de;
  std::string coc;
  std::string aoc;
  int offset = 0;
  friend auto operator<=>(const AggregateKey&, const AggregateKey&) = default;
};

struct ProgramIndicatorKey {
  std::string uid;
  int offset = 0;
  friend auto operator<=>(const ProgramIndicatorKey&, const ProgramIndicatorKey&) = default;
};

struct RateKey {
  std::string data_set;
  std::string metric;
  int offset = 0;
  friend auto operator<=>(const RateKey&, const RateKey&) = default;
};

// Where each reference item lives, or why it cannot be used.
struct ReferenceItem {
  const ReferenceTable* table = nullptr;
  std::vector<dhis2::Period> periods;
  std::string error;  // non-empty: the item cannot serve
};

std::map<std::string, ReferenceItem> ResolveReferenceItems(const IndicatorInputs& inputs) {
  std::map<std::string, ReferenceItem> items;
  for (const ReferenceTable& table : inputs.reference_tables) {
    for (const auto& [item, periods] : table.periods_by_item) {
      ReferenceItem& entry = items[item];
      if (entry.table != nullptr) {
        entry.error = "reference item " + item + " is in both " + entry.table->table.ToString() +
                      " and " + table.table.ToString();
        continue;
      }
      entry.table = &table;
      std::set<dhis2::PeriodType> types;
      for (const std::string& pe : periods) {
        auto period = dhis2::ParsePeriodId(pe);
        if (!period.ok()) {
          entry.error =
              table.table.ToString() + ": item " + item + ": " + period.status().message();
          break;
        }
        types.insert(period->type());
        entry.periods.push_back(*period);
      }
      if (entry.error.empty() && types.size() > 1) {
        std::vector<std::string> names;
        for (dhis2::PeriodType type : types) names.emplace_back(dhis2::PeriodTypeName(type));
        entry.error = table.table.ToString() + ": item " + item +
                      " has periods of several types (" + Join(names, ", ") +
                      "); DHIS2 aggregates a data element from one period type";
      }
    }
  }
  return items;
}

// How a stored reference period R serves the periods of type `type`: (period, weight) pairs.
// A longer R (or one of the same length but another type) serves, whole, every period that starts
// inside it (DHIS2's disaggregation: DataQueryParams.getDataPeriodAggregationPeriodMap maps a
// query period to the data period containing its start date); a shorter R adds value x its days /
// the period's days to the period it belongs to (sum(daysxvalue) / days, AVERAGE_SUM_ORG_UNIT).
std::vector<std::pair<dhis2::Period, double>> ServedPeriods(const dhis2::Period& stored,
                                                            dhis2::PeriodType type) {
  std::vector<std::pair<dhis2::Period, double>> served;
  int stored_order = dhis2::FrequencyOrder(stored.type());
  int order = dhis2::FrequencyOrder(type);
  if (order < stored_order || (order == stored_order && type != stored.type())) {
    for (const dhis2::Period& period : dhis2::PeriodsBetween(type, stored.start(), stored.end())) {
      if (stored.Contains(period.start())) served.emplace_back(period, 1.0);
    }
    return served;
  }
  std::optional<dhis2::Period> target = dhis2::StructurePeriod(stored, type);
  if (target) {
    served.emplace_back(*target, static_cast<double>(stored.days()) / target->days());
  }
  return served;
}

std::string EmptyIndicatorSelect() {
  return "SELECT CAST(NULL AS STRING) AS indicator, CAST(NULL AS STRING) AS ou, "
         "CAST(NULL AS INT) AS ou_level, CAST(NULL AS STRING) AS pe, CAST(NULL AS STRING) AS "
         "period_type, CAST(NULL AS DOUBLE) AS numerator, CAST(NULL AS DOUBLE) AS denominator, "
         "CAST(NULL AS DOUBLE) AS factor, CAST(NULL AS DOUBLE) AS value, CAST(NULL AS DOUBLE) AS "
         "multiplier, CAST(NULL AS DOUBLE) AS divisor, CAST(NULL AS BOOLEAN) AS annualized, "
         "CAST(NULL AS INT) AS days, CAST(NULL AS INT) AS year FROM (SELECT 1 AS one) AS empty "
         "WHERE 1 = 0";
}

// The compiled numerator and denominator of one indicator.
struct CompiledIndicator {
  const IndicatorDefinition* definition = nullptr;
  std::string numerator;
  std::string denominator;
};

class ItemColumns;

// Compiles one indicator, or says why not (defined below; N{} items compile their indicator).
Result<CompiledIndicator> CompileIndicator(const IndicatorDefinition& definition,
                                           ItemColumns& columns, sql::Dialect dialect);

// Assigns pivot columns to items while indicators are compiled; an indicator that fails leaves
// its columns behind (harmless: they are computed but unused).
class ItemColumns {
 public:
  ItemColumns(const IndicatorInputs& inputs, sql::Dialect dialect)
      : inputs_(inputs), dialect_(dialect), reference_items_(ResolveReferenceItems(inputs)) {
    for (const IndicatorDefinition& definition : inputs.indicators) {
      indicators_[definition.uid] = &definition;
    }
  }

  // The indicators being compiled, outermost first: N{} items nest them; a repeat is a cycle.
  std::vector<std::string> stack;

  // The SQL of an item in the pivoted cell row, or why it cannot be compiled.
  Result<std::string> Sql(const dhis2::ItemKey& item);

  std::map<AggregateKey, int> aggregate;
  std::map<RateKey, int> rates;
  std::map<ProgramIndicatorKey, int> program_indicators;
  std::map<std::string, int> references;  // reference item -> column
  std::map<std::string, int> groups;      // org unit group -> column (g<n>)
  // subExpression(...) calls: each is one pivot column, computed from gold.analytics.
  struct Subexpression {
    std::string value_sql;              // over the columns x0, x1, ... of one unit and period
    std::vector<std::string> item_sql;  // x<k>: the per-unit aggregate of one item
    std::set<std::string> elements;     // the data elements its items read
    int column = 0;
  };
  std::vector<Subexpression> subexpressions;
  int column_count = 0;

  // The pivot column of a subExpression(...) call of `expression`, or why it cannot be compiled.
  Result<std::string> SubexpressionSql(const dhis2::Expression& expression,
                                       const dhis2::ExpressionNode& call);
  const std::map<std::string, ReferenceItem>& reference_items() const { return reference_items_; }

 private:
  std::string Column(int index) const { return "i" + std::to_string(index); }
  template <typename Key>
  int ColumnFor(std::map<Key, int>& columns, const Key& key) {
    auto [it, inserted] = columns.emplace(key, column_count);
    if (inserted) ++column_count;
    return it->second;
  }

  // The value of N{uid}: the indicator's formula inline, NULL where it has no value.
  Result<std::string> NestedIndicator(const std::string& uid);

  const IndicatorInputs& inputs_;
  sql::Dialect dialect_;
  std::map<std::string, ReferenceItem> reference_items_;
  std::map<std::string, const IndicatorDefinition*> indicators_;
};

Result<std::string> ItemColumns::NestedIndicator(const std::string& uid) {
  auto found = indicators_.find(uid);
  if (found == indicators_.end()) return NotFound("no such indicator (silver.indicator)");
  if (std::find(stack.begin(), stack.end(), uid) != stack.end()) {
    std::string chain;
    for (const std::string& link : stack) chain += "N{" + link + "} -> ";
    return InvalidArgument("indicators refer to each other in a cycle: " + chain + "N{" + uid +
                           "}");
  }
  DHL_ASSIGN_OR_RETURN(CompiledIndicator nested, CompileIndicator(*found->second, *this, dialect_));
  const IndicatorDefinition& definition = *found->second;
  double multiplier = *definition.factor * (definition.annualized ? dhis2::kDaysInYear : 1);
  std::string divisor = "(" + nested.denominator + ")";
  if (definition.annualized) divisor += " * CAST(days AS DOUBLE)";
  // NULL when either side has no value or the denominator is 0 (DHIS2: the nested indicator has
  // no value, which the outer expression counts as missing).
  return sql::SafeDivide(
      "(" + nested.numerator + ") * " + sql::NumberLiteral(multiplier),
      "CASE WHEN (" + nested.denominator + ") = 0 THEN NULL ELSE " + divisor + " END", dialect_);
}

// The aggregate of one subExpression item's values within an org unit and cell period
// (JdbcSubexpressionQueryGenerator.getLowLevelAggregateFunction): the SQL aggregate of the
// element's time rule for numeric value types, MAX for the others.
std::string LowLevelAggregate(const ElementTypes* types) {
  if (types == nullptr) return "sum";
  if (!types->value_type.empty()) {
    auto value_type = dhis2::ParseValueType(types->value_type);
    if (value_type.ok() && !dhis2::IsNumeric(*value_type)) return "max";
  }
  auto aggregation = dhis2::ParseAggregationType(
      types->aggregation_type.empty() ? "SUM" : types->aggregation_type);
  if (!aggregation.ok()) return "sum";
  return std::string(
      dhis2::SqlAggregateFunction(dhis2::ToAnalyticsAggregation(*aggregation).time_rule));
}

Result<std::string> ItemColumns::SubexpressionSql(const dhis2::Expression& expression,
                                                  const dhis2::ExpressionNode& call) {
  Subexpression sub;
  std::map<std::tuple<std::string, std::string, std::string>, int> columns;
  auto text = [this](std::string_view value) { return sql::StringLiteral(value, dialect_); };
  dhis2::ItemSqlFunction inner = [&](const dhis2::ItemKey& item) -> Result<std::string> {
    if (item.type == dhis2::ItemType::kConstant) return Sql(item);
    if (item.type != dhis2::ItemType::kDataElement) {
      return Unsupported(
          "subExpression() may hold data elements, operands and constants only (dhis2-core "
          "FunctionSubexpression)");
    }
    if (!item.modifiers.empty()) {
      return Unsupported("query modifiers inside subExpression() are not compiled");
    }
    if (inputs_.data_elements.count(item.uid0) == 0) {
      return NotFound("no such data element (silver.data_element)");
    }
    std::string coc = item.uid1 == "*" ? "" : item.uid1;
    std::string aoc = item.uid2 == "*" ? "" : item.uid2;
    auto [it, inserted] =
        columns.emplace(std::tuple{item.uid0, coc, aoc}, static_cast<int>(columns.size()));
    if (inserted) {
      std::string condition = "a.de = " + text(item.uid0);
      if (!coc.empty()) condition += " AND a.coc = " + text(coc);
      if (!aoc.empty()) condition += " AND a.aoc = " + text(aoc);
      auto types = inputs_.element_types.find(item.uid0);
      sub.item_sql.push_back(
          LowLevelAggregate(types == inputs_.element_types.end() ? nullptr : &types->second) +
          "(CASE WHEN " + condition + " THEN a.value END) AS x" + std::to_string(it->second));
      sub.elements.insert(item.uid0);
    }
    return "x" + std::to_string(it->second);
  };
  dhis2::SqlCompileOptions options;
  options.dialect = dialect_;
  DHL_ASSIGN_OR_RETURN(sub.value_sql,
                       dhis2::CompileSubexpressionToSql(expression, call, inner, options));
  if (columns.empty()) {
    return InvalidArgument(
        "subExpression() must hold at least one data element or data element operand");
  }
  for (const Subexpression& existing : subexpressions) {
    if (existing.value_sql == sub.value_sql && existing.item_sql == sub.item_sql) {
      return Column(existing.column);
    }
  }
  sub.column = column_count++;
  subexpressions.push_back(std::move(sub));
  return Column(subexpressions.back().column);
}

Result<std::string> ItemColumns::Sql(const dhis2::ItemKey& item) {
  dhis2::QueryModifiers others = item.modifiers;
  others.period_offset = 0;
  if (!others.empty()) {
    return Unsupported(
        "query modifiers .aggregationType(), .minDate(), .maxDate() and .yearToDate() are not "
        "compiled");
  }
  const int offset = item.modifiers.period_offset;
  if (offset != 0 && item.type != dhis2::ItemType::kDataElement &&
      item.type != dhis2::ItemType::kReportingRate &&
      item.type != dhis2::ItemType::kProgramIndicator) {
    return Unsupported(
        ".periodOffset() is compiled on data elements, operands, reporting rates and program "
        "indicators only");
  }
  switch (item.type) {
    case dhis2::ItemType::kDataElement: {
      bool element = inputs_.data_elements.count(item.uid0) > 0;
      if (item.uid1.empty()) {
        auto reference = reference_items_.find(item.uid0);
        bool has_reference = reference != reference_items_.end();
        if (has_reference && !reference->second.error.empty()) {
          return InvalidArgument(reference->second.error);
        }
        if (!element && !has_reference) {
          return NotFound(
              "no such data element (silver.data_element) and no reference data item (ref.*)");
        }
        if (offset != 0 && !element) {
          return Unsupported(".periodOffset() is not compiled on reference data (ref.*)");
        }
        if (offset != 0) has_reference = false;  // reference data serves the unshifted period
        std::vector<std::string> sources;
        if (element) {
          sources.push_back(Column(ColumnFor(aggregate, AggregateKey{item.uid0, "", "", offset})));
        }
        if (has_reference) sources.push_back(Column(ColumnFor(references, item.uid0)));
        return sources.size() == 1 ? sources[0] : "COALESCE(" + Join(sources, ", ") + ")";
      }
      if (!element) {
        return NotFound("no such data element (silver.data_element)");
      }
      std::string coc = item.uid1 == "*" ? "" : item.uid1;
      std::string aoc = item.uid2 == "*" ? "" : item.uid2;
      if (!aoc.empty() && !inputs_.aggregate_has_aoc) {
        return Unsupported("gold.aggregate has no per attribute option combo rows (aoc column)");
      }
      return Column(ColumnFor(aggregate, AggregateKey{item.uid0, coc, aoc, offset}));
    }
    case dhis2::ItemType::kConstant: {
      auto constant = inputs_.constants.find(item.uid0);
      if (constant == inputs_.constants.end()) {
        return NotFound("no such constant (silver.constant)");
      }
      return sql::NumberLiteral(constant->second);
    }
    case dhis2::ItemType::kReportingRate:
      if (inputs_.data_sets.count(item.uid0) == 0) {
        return NotFound("no such data set (silver.data_set)");
      }
      return Column(ColumnFor(rates, RateKey{item.uid0, item.uid1, offset}));
    case dhis2::ItemType::kOrgUnitGroupCount: {
      auto [it, inserted] = groups.emplace(item.uid0, static_cast<int>(groups.size()));
      // DHIS2 counts 0 for a subtree without members (ItemOrgUnitGroupCount).
      return "COALESCE(g" + std::to_string(it->second) + ", " + sql::NumberLiteral(0) + ")";
    }
    case dhis2::ItemType::kIndicator:
      return NestedIndicator(item.uid0);
    case dhis2::ItemType::kProgramIndicator:
      if (inputs_.program_indicators.count(item.uid0) == 0) {
        return NotFound("no such program indicator (silver.program_indicator)");
      }
      return Column(ColumnFor(program_indicators, ProgramIndicatorKey{item.uid0, offset}));
    default:
      return Unsupported("program items are not compiled (aggregate only)");
  }
}

Result<CompiledIndicator> CompileIndicator(const IndicatorDefinition& definition,
                                           ItemColumns& columns, sql::Dialect dialect) {
  if (!definition.factor) {
    return InvalidArgument("no indicator type (factor)");
  }
  columns.stack.push_back(definition.uid);
  struct Pop {
    std::vector<std::string>& stack;
    ~Pop() { stack.pop_back(); }
  } pop{columns.stack};
  CompiledIndicator compiled;
  compiled.definition = &definition;
  dhis2::SqlCompileOptions options;
  options.dialect = dialect;
  options.missing_value_strategy = dhis2::MissingValueStrategy::kSkipIfAllValuesMissing;
  options.days_sql = "days";
  options.item_counts = [](const dhis2::ItemKey& item) {
    return item.type != dhis2::ItemType::kConstant &&
           item.type != dhis2::ItemType::kOrgUnitGroupCount;
  };
  dhis2::ItemSqlFunction item_sql = [&columns](const dhis2::ItemKey& item) {
    return columns.Sql(item);
  };
  for (auto [text, side, out] :
       {std::tuple{&definition.numerator, "numerator", &compiled.numerator},
        std::tuple{&definition.denominator, "denominator", &compiled.denominator}}) {
    auto parsed = dhis2::ParseExpression(*text, dhis2::ExpressionMode::kIndicatorExpression);
    if (!parsed.ok()) {
      return parsed.status().WithContext(std::string(side) + " \"" + *text + "\"");
    }
    options.subexpression_sql = [&columns, &parsed](const dhis2::ExpressionNode& call) {
      return columns.SubexpressionSql(*parsed, call);
    };
    auto sql_text = dhis2::CompileExpressionToSql(*parsed, item_sql, options);
    if (!sql_text.ok()) {
      if (columns.stack.size() > 1) return sql_text.status();  // the outermost names the side
      return sql_text.status().WithContext(side);
    }
    *out = "TRY_CAST(" + *sql_text + " AS DOUBLE)";
  }
  return compiled;
}

// Whether no period of `type` crosses a year boundary (its start, end and structure year agree).
bool WithinOneYear(dhis2::PeriodType type) {
  using dhis2::PeriodType;
  return type == PeriodType::kDaily || type == PeriodType::kMonthly ||
         type == PeriodType::kBiMonthly || type == PeriodType::kQuarterly ||
         type == PeriodType::kSixMonthly || type == PeriodType::kYearly;
}

std::string TypeList(const std::vector<dhis2::PeriodType>& types, sql::Dialect dialect) {
  std::vector<std::string> names;
  for (dhis2::PeriodType type : types) {
    names.push_back(sql::StringLiteral(dhis2::PeriodTypeName(type), dialect));
  }
  return Join(names, ", ");
}

}  // namespace

Result<std::pair<int, int>> IndicatorValueWindow(const IndicatorInputs& inputs) {
  ItemColumns columns(inputs, sql::Dialect::kDuckDb);
  for (const IndicatorDefinition& definition : inputs.indicators) {
    (void)CompileIndicator(definition, columns, sql::Dialect::kDuckDb);  // a failure reads nothing
  }
  int before = 0;  // the most periods an item reaches back
  int after = 0;   // and forward
  auto reach = [&](int offset) {
    before = std::max(before, -offset);
    after = std::max(after, offset);
  };
  for (const auto& [key, index] : columns.aggregate) reach(key.offset);
  for (const auto& [key, index] : columns.rates) reach(key.offset);
  bool crossing_types = false;
  for (dhis2::PeriodType type : inputs.period_types) {
    crossing_types = crossing_types || !WithinOneYear(type);
  }
  // gold.analytics' year is its value's start year, which may be the year before the cell's end
  // (a week starting 29-31 December, a financial year); gold.reporting_rate's year is its period's
  // structure year, the year before the end year for the periods that cross a year boundary.
  int extra = !columns.subexpressions.empty() || (!columns.rates.empty() && crossing_types);
  return std::pair<int, int>(-(before + extra), after);
}

Result<std::string> IndicatorValueSql(const IndicatorInputs& inputs, sql::Dialect dialect,
                                      std::vector<std::string>* skipped,
                                      std::vector<ExpressionStatus>* statuses) {
  if (inputs.period_types.empty()) {
    return InvalidArgument("gold.indicator_value: no period types");
  }
  ItemColumns columns(inputs, dialect);
  std::vector<CompiledIndicator> compiled;
  for (const IndicatorDefinition& definition : inputs.indicators) {
    auto indicator = CompileIndicator(definition, columns, dialect);
    ExpressionStatus status{"indicator", definition.uid, indicator.ok(), "", std::nullopt};
    if (!indicator.ok()) {
      status.reason = indicator.status().message();
      status.position = CharacterIn(status.reason);
      if (statuses != nullptr) statuses->push_back(std::move(status));
      std::string line = "indicator " + definition.uid + ": " + indicator.status().message();
      LogWarn("gold.indicator_value leaves out {}", line);
      if (skipped != nullptr) skipped->push_back(line);
      continue;
    }
    if (statuses != nullptr) statuses->push_back(std::move(status));
    compiled.push_back(std::move(*indicator));
  }
  if (compiled.empty() || columns.column_count == 0) {
    // Without any data item there are no cells (constant-only indicators have nowhere to go).
    if (!compiled.empty()) {
      std::string line = "no indicator reads a data item, so there are no cells to compute";
      LogWarn("gold.indicator_value: {}", line);
      if (skipped != nullptr) skipped->push_back(line);
    }
    return EmptyIndicatorSelect();
  }
  auto text = [dialect](std::string_view value) { return sql::StringLiteral(value, dialect); };
  std::string types = TypeList(inputs.period_types, dialect);

  std::vector<std::string> ctes;
  const std::string unit_text = inputs.org_unit_dictionary.empty()
                                    ? "uid"
                                    : "CAST(uid AS " + inputs.org_unit_dictionary + ")";
  ctes.push_back("org_unit AS (SELECT uid, " + unit_text +
                 " AS ou_text, level FROM ref('silver.org_unit') WHERE valid_to IS NULL)");
  ctes.push_back("ancestor AS (" + OrgUnitAncestorSelect() + ")");
  // The cell periods with their days (dhis2::Period: a leap year has 366).
  std::set<std::string> cell_periods;
  std::vector<std::string> period_rows;
  for (const std::string& pe : inputs.periods) {
    auto period = dhis2::ParsePeriodId(pe);
    if (!period.ok()) continue;
    if (std::find(inputs.period_types.begin(), inputs.period_types.end(), period->type()) ==
        inputs.period_types.end()) {
      continue;
    }
    const int year = dhis2::YearOf(period->end());
    if (inputs.years.has_value() && inputs.years->count(year) == 0) continue;
    cell_periods.insert(period->id());
    period_rows.push_back("(" + text(period->id()) + ", " +
                          text(dhis2::PeriodTypeName(period->type())) + ", " +
                          std::to_string(period->days()) + ", " + std::to_string(year) + ")");
  }
  if (period_rows.empty()) return EmptyIndicatorSelect();
  std::vector<std::string> type_names;
  for (dhis2::PeriodType type : inputs.period_types) {
    type_names.push_back(std::string(dhis2::PeriodTypeName(type)));
  }
  ctes.push_back("cell_period AS (SELECT pe, CAST(pe AS " +
                 TextDictionaryType({cell_periods.begin(), cell_periods.end()}, dialect) +
                 ") AS pe_text, CAST(period_type AS " + TextDictionaryType(type_names, dialect) +
                 ") AS period_type, days, year FROM (VALUES " + Join(period_rows, ", ") +
                 ") AS t(pe, period_type, days, year))");
  // .periodOffset(n): the value of the cell period's n-th neighbour of the same type
  // (dhis2::ShiftPeriod, DHIS2's PeriodType.getShiftedPeriod), whatever its type and year.
  std::set<int> offsets = {0};
  for (const auto& [key, index] : columns.aggregate) offsets.insert(key.offset);
  for (const auto& [key, index] : columns.rates) offsets.insert(key.offset);
  for (const auto& [key, index] : columns.program_indicators) offsets.insert(key.offset);
  std::vector<std::string> shift_rows;
  for (const std::string& pe : cell_periods) {
    dhis2::Period period = *dhis2::ParsePeriodId(pe);
    for (int offset : offsets) {
      shift_rows.push_back("(" + text(dhis2::ShiftPeriod(period, offset).id()) + ", " +
                           std::to_string(offset) + ", " + text(pe) + ")");
    }
  }
  ctes.push_back("period_shift AS (SELECT source_pe, pe_offset, pe FROM (VALUES " +
                 Join(shift_rows, ", ") + ") AS t(source_pe, pe_offset, pe))");

  // Long form of every item value: (ou, pe, item, value).
  std::vector<std::string> values;
  if (!columns.aggregate.empty()) {
    std::vector<std::string> rows;
    std::set<std::string> data_elements;
    for (const auto& [key, index] : columns.aggregate) {
      rows.push_back("(" + text(key.de) + ", " + text(key.coc) + ", " + text(key.aoc) + ", " +
                     std::to_string(key.offset) + ", " + std::to_string(index) + ")");
      data_elements.insert(text(key.de));
    }
    std::string on = "a.de = m.de AND COALESCE(a.coc, '') = m.coc";
    on += inputs.aggregate_has_aoc ? " AND COALESCE(a.aoc, '') = m.aoc" : "";
    on += inputs.aggregate_has_category ? " AND a.category IS NULL" : "";
    // The join keeps these data elements alone; the same list as a filter lets the scan skip
    // gold.aggregate's row groups of other elements (the table is written in pieces of data
    // elements, so its row groups hold few), which a join's keys do not.
    values.push_back(
        "SELECT a.ou, s.pe, m.item, a.value FROM ref('gold.aggregate') a JOIN (VALUES " +
        Join(rows, ", ") + ") AS m(de, coc, aoc, pe_offset, item) ON " + on +
        " JOIN period_shift s ON s.source_pe = a.pe AND s.pe_offset = m.pe_offset WHERE "
        "a.period_type IN (" +
        types + ") AND a.de IN (" +
        Join(std::vector<std::string>(data_elements.begin(), data_elements.end()), ", ") + ")");
  }
  if (!columns.rates.empty()) {
    std::vector<std::string> rows;
    for (const auto& [key, index] : columns.rates) {
      rows.push_back("(" + text(key.data_set) + ", " + text(key.metric) + ", " +
                     std::to_string(key.offset) + ", " + std::to_string(index) + ")");
    }
    values.push_back(
        "SELECT r.ou, s.pe, m.item, CASE m.metric WHEN 'REPORTING_RATE' THEN r.rate WHEN "
        "'REPORTING_RATE_ON_TIME' THEN r.rate_on_time WHEN 'ACTUAL_REPORTS' THEN r.actual WHEN "
        "'ACTUAL_REPORTS_ON_TIME' THEN r.actual_on_time ELSE r.expected END AS value FROM "
        "ref('gold.reporting_rate') r JOIN (VALUES " +
        Join(rows, ", ") +
        ") AS m(data_set, metric, pe_offset, item) ON r.data_set = m.data_set JOIN period_shift "
        "s ON s.source_pe = r.pe AND s.pe_offset = m.pe_offset WHERE r.period_type IN (" +
        types + ")");
  }
  if (!columns.program_indicators.empty()) {
    std::vector<std::string> rows;
    for (const auto& [key, index] : columns.program_indicators) {
      rows.push_back("(" + text(key.uid) + ", " + std::to_string(key.offset) + ", " +
                     std::to_string(index) + ")");
    }
    values.push_back(
        "SELECT p.ou, s.pe, m.item, p.value FROM ref('gold.program_indicator_value') p JOIN "
        "(VALUES " +
        Join(rows, ", ") +
        ") AS m(program_indicator, pe_offset, item) ON p.program_indicator = m.program_indicator "
        "JOIN period_shift s ON s.source_pe = p.pe AND s.pe_offset = m.pe_offset WHERE "
        "p.period_type IN (" +
        types + ")");
  }
  if (!columns.references.empty()) {
    // Per table: its items' columns and the periods their stored periods serve.
    std::map<const ReferenceTable*, std::vector<std::string>> items_by_table;
    std::map<const ReferenceTable*, std::map<std::string, std::vector<std::string>>> served;
    for (const auto& [item, index] : columns.references) {
      const ReferenceItem& reference = columns.reference_items().at(item);
      items_by_table[reference.table].push_back("(" + text(item) + ", " + std::to_string(index) +
                                                ")");
      for (const dhis2::Period& stored : reference.periods) {
        for (dhis2::PeriodType type : inputs.period_types) {
          for (const auto& [period, weight] : ServedPeriods(stored, type)) {
            if (cell_periods.count(period.id()) == 0) continue;
            served[reference.table][stored.id() + " " + period.id()] = {
                text(stored.id()), text(period.id()), sql::NumberLiteral(weight)};
          }
        }
      }
    }
    for (const auto& [table, items] : items_by_table) {
      std::vector<std::string> rows;
      for (const auto& [key, row] : served[table]) rows.push_back("(" + Join(row, ", ") + ")");
      if (rows.empty()) continue;
      values.push_back(
          "SELECT an.ou, w.pe, m.item, SUM(CAST(x.value AS DOUBLE) * w.weight) AS value FROM "
          "ref('" +
          table->table.ToString() + "') x JOIN (VALUES " + Join(items, ", ") +
          ") AS m(ref_item, item) ON CAST(x.item AS STRING) = m.ref_item JOIN (VALUES " +
          Join(rows, ", ") +
          ") AS w(stored_pe, pe, weight) ON w.stored_pe = CAST(x.pe AS STRING) JOIN ancestor an "
          "ON an.uid = CAST(x.ou AS STRING) WHERE x.value IS NOT NULL GROUP BY an.ou, w.pe, "
          "m.item");
    }
  }
  if (!columns.subexpressions.empty()) {
    // Per source org unit and cell period: each item aggregated within the unit (its period
    // column of gold.analytics names the cell period a value belongs to), the subexpression
    // evaluated, NULL dropped, the rest summed up the hierarchy (JdbcSubexpressionQueryGenerator).
    std::vector<std::string> period_of;
    for (dhis2::PeriodType type : inputs.period_types) {
      period_of.push_back("WHEN " + text(dhis2::PeriodTypeName(type)) + " THEN a." +
                          AsciiLower(dhis2::PeriodTypeName(type)));
    }
    std::vector<std::string> type_rows;
    for (dhis2::PeriodType type : inputs.period_types) {
      type_rows.push_back("(" + text(dhis2::PeriodTypeName(type)) + ")");
    }
    for (const auto& sub : columns.subexpressions) {
      std::vector<std::string> elements;
      for (const std::string& de : sub.elements) elements.push_back(text(de));
      values.push_back(
          "SELECT an.ou, u.pe, " + std::to_string(sub.column) +
          " AS item, SUM(u.value) AS value FROM (SELECT ou, pe, " + sub.value_sql +
          " AS value FROM (SELECT a.ou, cp.pe, " + Join(sub.item_sql, ", ") +
          " FROM (SELECT a.ou, a.de, a.coc, a.aoc, a.value, CASE t.period_type " +
          Join(period_of, " ") + " END AS pe FROM ref('gold.analytics') a CROSS JOIN (VALUES " +
          Join(type_rows, ", ") + ") AS t(period_type) WHERE a.de IN (" + Join(elements, ", ") +
          ") AND a.value IS NOT NULL) a JOIN cell_period cp ON cp.pe = a.pe GROUP BY a.ou, "
          "cp.pe) per_unit) u JOIN ancestor an ON an.uid = u.ou WHERE u.value IS NOT NULL "
          "GROUP BY an.ou, u.pe");
    }
  }
  if (values.empty()) return EmptyIndicatorSelect();
  ctes.push_back("item_value AS (" + Join(values, "\nUNION ALL\n") + ")");

  std::vector<std::string> pivot;
  for (int index = 0; index < columns.column_count; ++index) {
    pivot.push_back("SUM(CASE WHEN item = " + std::to_string(index) + " THEN value END) AS i" +
                    std::to_string(index));
  }
  ctes.push_back("cell AS (SELECT ou, pe, " + Join(pivot, ", ") +
                 " FROM item_value GROUP BY ou, pe)");
  std::string group_join;
  if (!columns.groups.empty()) {
    std::vector<std::string> counts;
    std::vector<std::string> uids;
    for (const auto& [group, index] : columns.groups) {
      counts.push_back("CAST(COUNT(CASE WHEN m.group_uid = " + text(group) +
                       " THEN 1 END) AS DOUBLE) AS g" + std::to_string(index));
      uids.push_back(text(group));
    }
    ctes.push_back("group_count AS (SELECT an.ou, " + Join(counts, ", ") +
                   " FROM ref('silver.org_unit_group_member') m JOIN ancestor an ON an.uid = "
                   "m.ou WHERE m.group_uid IN (" +
                   Join(uids, ", ") + ") GROUP BY an.ou)");
    group_join = " LEFT JOIN group_count g ON g.ou = c.ou";
  }

  std::vector<std::string> definitions;
  std::vector<std::string> indicator_uids;
  for (const auto& item : compiled) indicator_uids.push_back(item.definition->uid);
  const std::string indicator_type = TextDictionaryType(indicator_uids, dialect);
  std::string numerators = "CASE i.k";
  std::string denominators = "CASE i.k";
  for (size_t k = 0; k < compiled.size(); ++k) {
    const IndicatorDefinition& definition = *compiled[k].definition;
    definitions.push_back("(" + std::to_string(k) + ", " + text(definition.uid) + ", " +
                          sql::NumberLiteral(*definition.factor) + ", " +
                          sql::BooleanLiteral(definition.annualized) + ")");
    numerators += " WHEN " + std::to_string(k) + " THEN " + compiled[k].numerator;
    denominators += " WHEN " + std::to_string(k) + " THEN " + compiled[k].denominator;
  }
  numerators += " END";
  denominators += " END";
  ctes.push_back(
      "computed AS (SELECT CAST(i.indicator AS " + indicator_type +
      ") AS indicator, o.ou_text AS ou, o.level AS ou_level, p.pe_text AS pe, p.period_type, "
      "p.days, p.year, i.factor, i.annualized, " +
      numerators + " AS numerator, " + denominators +
      " AS denominator FROM cell c JOIN cell_period p ON p.pe = c.pe JOIN org_unit o ON o.uid = "
      "c.ou" +
      group_join + " CROSS JOIN (VALUES " + Join(definitions, ", ") +
      ") AS i(k, indicator, factor, annualized))");
  std::string multiplier = "(CAST(factor AS DOUBLE) * CASE WHEN annualized THEN " +
                           sql::NumberLiteral(dhis2::kDaysInYear) + " ELSE 1.0 END)";
  std::string divisor = "(CASE WHEN annualized THEN CAST(days AS DOUBLE) ELSE 1.0 END)";
  return "WITH " + Join(ctes, ",\n") +
         "\nSELECT indicator, ou, ou_level, pe, period_type, numerator, denominator, "
         "CAST(factor AS DOUBLE) AS factor, " +
         sql::SafeDivide("numerator * " + multiplier, "denominator * " + divisor, dialect) +
         " AS value, " + multiplier + " AS multiplier, " + divisor +
         " AS divisor, annualized, days, year FROM computed WHERE numerator IS NOT NULL AND "
         "denominator IS NOT NULL AND denominator <> 0";
}

namespace {

// The generators' inputs, read through context.relation; the cell periods only when
// `with_periods`.
Result<IndicatorInputs> ReadIndicatorInputs(const GeneratorContext& context, bool with_periods) {
  IndicatorInputs inputs;
  for (const std::string& name : context.Settings().indicator.period_types) {
    DHL_ASSIGN_OR_RETURN(dhis2::PeriodType type, dhis2::ParsePeriodType(name));
    inputs.period_types.push_back(type);
  }
  auto query = [&](const std::string& layer, const std::string& table,
                   const std::string& select) -> Result<engine::QueryResult> {
    DHL_ASSIGN_OR_RETURN(std::string relation, context.relation(lake::TableName{layer, table}));
    std::string sql = select;
    size_t at = sql.find("$T");
    sql.replace(at, 2, relation);
    return context.connection->Query(sql);
  };
  DHL_ASSIGN_OR_RETURN(auto indicators,
                       query("silver", "indicator",
                             "SELECT uid, numerator, denominator, CAST(factor AS DOUBLE), "
                             "CAST(annualized AS BOOLEAN) FROM $T ORDER BY uid"));
  for (size_t row = 0; row < indicators.row_count(); ++row) {
    IndicatorDefinition definition;
    definition.uid = indicators.GetString(0, row).value_or("");
    definition.numerator = indicators.GetString(1, row).value_or("");
    definition.denominator = indicators.GetString(2, row).value_or("");
    definition.factor = indicators.GetDouble(3, row);
    definition.annualized = indicators.GetBool(4, row).value_or(false);
    inputs.indicators.push_back(std::move(definition));
  }
  auto uids = [&](const std::string& table, std::set<std::string>& out) -> Status {
    DHL_ASSIGN_OR_RETURN(auto result, query("silver", table, "SELECT DISTINCT uid FROM $T"));
    for (size_t row = 0; row < result.row_count(); ++row) {
      if (auto uid = result.GetString(0, row)) out.insert(*uid);
    }
    return Status::Ok();
  };
  DHL_ASSIGN_OR_RETURN(auto elements,
                       query("silver", "data_element",
                             "SELECT uid, CAST(aggregation_type AS VARCHAR), CAST(value_type AS "
                             "VARCHAR) FROM $T WHERE uid IS NOT NULL"));
  for (size_t row = 0; row < elements.row_count(); ++row) {
    std::string uid = *elements.GetString(0, row);
    inputs.data_elements.insert(uid);
    inputs.element_types[uid] = ElementTypes{elements.GetString(1, row).value_or(""),
                                             elements.GetString(2, row).value_or("")};
  }
  DHL_RETURN_IF_ERROR(uids("data_set", inputs.data_sets));
  DHL_ASSIGN_OR_RETURN(auto constants,
                       query("silver", "constant", "SELECT uid, CAST(value AS DOUBLE) FROM $T"));
  for (size_t row = 0; row < constants.row_count(); ++row) {
    auto uid = constants.GetString(0, row);
    auto value = constants.GetDouble(1, row);
    if (uid && value) inputs.constants[*uid] = *value;
  }
  auto columns_of = [&](const lake::TableName& table) -> Result<std::set<std::string>> {
    DHL_ASSIGN_OR_RETURN(std::string relation, context.relation(table));
    DHL_ASSIGN_OR_RETURN(auto result,
                         context.connection->Query("SELECT * FROM " + relation + " LIMIT 0"));
    std::set<std::string> names;
    for (size_t column = 0; column < result.column_count(); ++column) {
      names.insert(result.column_name(column));
    }
    return names;
  };
  DHL_ASSIGN_OR_RETURN(auto aggregate_columns, columns_of(lake::TableName{"gold", "aggregate"}));
  DHL_ASSIGN_OR_RETURN(
      auto program_indicators,
      query("silver", "program_indicator", "SELECT DISTINCT uid FROM $T WHERE uid IS NOT NULL"));
  for (size_t row = 0; row < program_indicators.row_count(); ++row) {
    inputs.program_indicators.insert(*program_indicators.GetString(0, row));
  }
  for (const char* table : {"aggregate", "reporting_rate", "program_indicator_value"}) {
    if (!with_periods) break;
    DHL_ASSIGN_OR_RETURN(
        auto periods,
        query("gold", table, "SELECT DISTINCT CAST(pe AS VARCHAR) FROM $T WHERE pe IS NOT NULL"));
    for (size_t row = 0; row < periods.row_count(); ++row) {
      inputs.periods.insert(*periods.GetString(0, row));
    }
  }
  inputs.aggregate_has_aoc = aggregate_columns.count("aoc") > 0;
  inputs.aggregate_has_category = aggregate_columns.count("category") > 0;

  for (const Ref& input : context.model->refs) {
    if (input.table.layer != "ref") continue;
    DHL_ASSIGN_OR_RETURN(auto names, columns_of(input.table));
    if (names.count("item") == 0 || names.count("ou") == 0 || names.count("pe") == 0 ||
        names.count("value") == 0) {
      std::string line =
          input.table.ToString() +
          " is not reference data for indicators (needs columns item, ou, pe, value)";
      LogWarn("gold.indicator_value: {}", line);
      inputs.warnings.push_back(std::move(line));
      continue;
    }
    DHL_ASSIGN_OR_RETURN(std::string relation, context.relation(input.table));
    DHL_ASSIGN_OR_RETURN(auto pairs, context.connection->Query(
                                         "SELECT DISTINCT CAST(item AS VARCHAR), CAST(pe AS "
                                         "VARCHAR) FROM " +
                                         relation + " WHERE item IS NOT NULL AND pe IS NOT NULL"));
    ReferenceTable table;
    table.table = input.table;
    for (size_t row = 0; row < pairs.row_count(); ++row) {
      table.periods_by_item[*pairs.GetString(0, row)].insert(*pairs.GetString(1, row));
    }
    inputs.reference_tables.push_back(std::move(table));
  }
  return inputs;
}

}  // namespace

Result<std::string> GenerateIndicatorValue(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(IndicatorInputs inputs, ReadIndicatorInputs(context, /*periods=*/true));
  DHL_ASSIGN_OR_RETURN(inputs.org_unit_dictionary,
                       TextDictionaryOf(context, {"silver", "org_unit"}, "uid"));
  // A partitioned run: the cells of the years it recomputes (end years, gold.aggregate's).
  DHL_ASSIGN_OR_RETURN(auto partition_years, context.PartitionYears());
  if (partition_years) {
    inputs.years.emplace();
    for (int64_t year : *partition_years) inputs.years->insert(static_cast<int>(year));
  }
  std::vector<std::string> warnings = std::move(inputs.warnings);
  DHL_ASSIGN_OR_RETURN(std::string sql, IndicatorValueSql(inputs, context.dialect, &warnings,
                                                          context.expression_status));
  for (const std::string& warning : warnings) {
    if (context.warnings != nullptr) context.warnings->push_back(warning);
  }
  return sql;
}

Result<std::string> GenerateIndicatorValueWindow(const GeneratorContext& context) {
  DHL_ASSIGN_OR_RETURN(IndicatorInputs inputs, ReadIndicatorInputs(context, /*periods=*/false));
  DHL_ASSIGN_OR_RETURN(auto window, IndicatorValueWindow(inputs));
  return std::to_string(window.first) + ", " + std::to_string(window.second);
}

}  // namespace dhl::pipeline
