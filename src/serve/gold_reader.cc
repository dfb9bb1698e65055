#include "serve/gold_reader.h"

#include <fmt/format.h>

#include <set>
#include <tuple>

#include "dhis2/period_type.h"
#include "sql/literal.h"

namespace dhl::serve::analytics {
namespace {

// The SQL of gold.aggregate's per-option cells of `query`'s category combined from the rows of
// the option combos holding each option, for the data elements whose rule combines across
// combos at the query's periods (dhis2::CombinationAcrossCombos; within `ou_pe`); empty when
// there is none. Columns de, category_option, ou, pe, value, count.
std::string CombinedOptionCells(LakeReader& lake, const Query& query, const std::string& ou_pe) {
  auto combos = lake.metadata().option_of_combo().find(query.category_id);
  if (combos == lake.metadata().option_of_combo().end()) {
    return "";
  }
  std::set<std::string> wanted(query.category_items.begin(), query.category_items.end());
  std::vector<std::string> pairs;
  for (const auto& [coc, option] : combos->second) {
    if (wanted.count(option) > 0) {
      pairs.push_back(fmt::format("({}, {})", sql::StringLiteral(coc), sql::StringLiteral(option)));
    }
  }
  // Per combination, the (element, periods) it holds for.
  std::map<dhis2::ComboCombination, std::vector<std::string>> clauses;
  std::set<std::string> seen;
  for (const DxItem& item : query.dx) {
    if (item.kind != DxKind::kDataElement || !seen.insert(item.uid).second) {
      continue;
    }
    std::map<dhis2::ComboCombination, std::vector<std::string>> periods;
    for (const dhis2::Period& period : query.periods) {
      periods[dhis2::CombinationAcrossCombos(item.aggregation, item.data_type,
                                             dhis2::IsFinancialType(period.type()))]
          .push_back(period.id());
    }
    for (const auto& [combination, ids] : periods) {
      if (combination == dhis2::ComboCombination::kNone) {
        continue;
      }
      clauses[combination].push_back(periods.size() == 1
                                         ? fmt::format("a.de = {}", sql::StringLiteral(item.uid))
                                         : fmt::format("(a.de = {} AND a.pe IN {})",
                                                       sql::StringLiteral(item.uid), InList(ids)));
    }
  }
  if (pairs.empty() || clauses.empty()) {
    return "";
  }
  lake.Note(kCocOptionTable);
  std::vector<std::string> cases;
  std::vector<std::string> all;
  for (const auto& [combination, elements] : clauses) {
    std::string condition = fmt::format("({})", fmt::join(elements, " OR "));
    all.push_back(condition);
    std::string_view value = combination == dhis2::ComboCombination::kSum ? "SUM(a.value)"
                             : combination == dhis2::ComboCombination::kMeanByCount
                                 ? "SUM(a.value * a.count) / SUM(a.count)"
                             : combination == dhis2::ComboCombination::kMin ? "MIN(a.value)"
                                                                            : "MAX(a.value)";
    cases.push_back(fmt::format("WHEN {} THEN {}", condition, value));
  }
  return fmt::format(
      "SELECT a.de, m.category_option, a.ou, a.pe, CASE {} END AS value, SUM(a.count) AS count "
      "FROM {}.{} a JOIN (VALUES {}) AS m(coc, category_option) ON m.coc = a.coc "
      "WHERE a.coc IS NOT NULL AND a.aoc IS NULL AND a.value IS NOT NULL AND ({}) AND {} "
      "GROUP BY a.de, m.category_option, a.ou, a.pe",
      fmt::join(cases, " "), kAggregateTable.layer, kAggregateTable.name, fmt::join(pairs, ", "),
      fmt::join(all, " OR "), ou_pe);
}

}  // namespace

AnalyticsResult<bool> ReadGoldColumns(LakeReader& lake, const GoldColumns& columns,
                                      const std::string& ou_pe, std::vector<GoldRow>& rows) {
  if (columns.keys.empty()) {
    return true;
  }
  std::string select = fmt::format("{}, {}, ou, pe", columns.key, columns.category);
  for (const auto& [sql, field] : columns.numbers) {
    select += ", " + sql;
  }
  DHL_ASSIGN_OR_RETURN(
      auto result,
      lake.Read(columns.table,
                fmt::format("SELECT {} FROM {} WHERE {} AND {} IN {} AND {}", select,
                            columns.source.empty() ? columns.table.layer + "." + columns.table.name
                                                   : "(" + columns.source + ") combined",
                            columns.condition, columns.key, InList(columns.keys), ou_pe)));
  if (!result.has_value()) {
    return true;
  }
  for (size_t row = 0; row < result->row_count(); ++row) {
    auto dx = columns.dx_of.find(Text(*result, 0, row));
    if (dx == columns.dx_of.end()) {
      continue;
    }
    GoldRow gold;
    gold.category = Text(*result, 1, row);
    gold.ou = Text(*result, 2, row);
    gold.pe = Text(*result, 3, row);
    for (size_t i = 0; i < columns.numbers.size(); ++i) {
      gold.*columns.numbers[i].second = result->GetDouble(4 + i, row).value_or(0);
    }
    for (size_t index : dx->second) {
      gold.dx = index;
      rows.push_back(gold);
    }
  }
  return true;
}

AnalyticsResult<std::vector<GoldRow>> ReadGold(LakeReader& lake, const Query& query) {
  std::vector<GoldRow> rows;
  std::vector<std::string> ou_ids;
  for (const OrgUnit& unit : query.org_units) {
    ou_ids.push_back(unit.uid);
  }
  std::vector<std::string> pe_ids;
  for (const dhis2::Period& period : query.periods) {
    pe_ids.push_back(period.id());
  }
  if (ou_ids.empty() || pe_ids.empty()) {
    return rows;
  }
  std::string ou_pe = fmt::format("ou IN {} AND pe IN {}", InList(ou_ids), InList(pe_ids));
  // gold.aggregate's rows over all attribute option combos (aoc NULL); its per-aoc rows, for the
  // operands indicators reference, would count the values twice.
  GoldColumns elements{kAggregateTable, "de"};
  elements.condition = "coc IS NULL AND category IS NULL AND aoc IS NULL AND value IS NOT NULL";
  if (query.category_id == "co") {
    elements.category = "coc";
    elements.condition =
        "coc IN " + InList(query.category_items) + " AND aoc IS NULL AND value IS NOT NULL";
  } else if (!query.category_id.empty()) {
    elements.category = "category_option";
    elements.condition = fmt::format(
        "coc IS NULL AND category = {} AND category_option IN {} AND aoc IS NULL AND value IS NOT "
        "NULL",
        sql::StringLiteral(query.category_id), InList(query.category_items));
  }
  elements.numbers = {{"value", &GoldRow::value}, {"count", &GoldRow::count}};
  GoldColumns operands{kAggregateTable, "de || '.' || coc"};
  operands.condition = "coc IS NOT NULL AND aoc IS NULL AND value IS NOT NULL";
  operands.numbers = elements.numbers;
  GoldColumns indicators{kIndicatorValueTable, "indicator"};
  indicators.condition = "value IS NOT NULL";
  indicators.numbers = {{"value", &GoldRow::value},
                        {"numerator", &GoldRow::numerator},
                        {"denominator", &GoldRow::denominator},
                        {"factor", &GoldRow::factor}};
  GoldColumns program_indicators{kProgramIndicatorValueTable, "program_indicator"};
  program_indicators.condition = "value IS NOT NULL";
  program_indicators.numbers = {{"value", &GoldRow::value}};
  // Reporting rates: one source per metric asked, whose value is that metric's column (a rate is
  // NULL where nothing was expected: no row).
  std::vector<GoldColumns> rates;
  auto add = [](GoldColumns& columns, const std::string& key, size_t dx) {
    AddUnique(columns.keys, key);
    columns.dx_of[key].push_back(dx);
  };
  for (size_t i = 0; i < query.dx.size(); ++i) {
    const DxItem& item = query.dx[i];
    switch (item.kind) {
      case DxKind::kDataElement:
        add(elements, item.uid, i);
        break;
      case DxKind::kOperand:
        add(operands, item.uid + "." + item.detail, i);
        break;
      case DxKind::kIndicator:
        add(indicators, item.uid, i);
        break;
      case DxKind::kProgramIndicator:
        add(program_indicators, item.uid, i);
        break;
      case DxKind::kReportingRate: {
        std::string value = item.detail == "REPORTING_RATE"           ? "rate"
                            : item.detail == "REPORTING_RATE_ON_TIME" ? "rate_on_time"
                            : item.detail == "ACTUAL_REPORTS"         ? "COALESCE(actual, 0)"
                            : item.detail == "ACTUAL_REPORTS_ON_TIME"
                                ? "COALESCE(actual_on_time, 0)"
                                : "COALESCE(expected, 0)";
        auto found = std::find_if(rates.begin(), rates.end(), [&](const GoldColumns& columns) {
          return columns.numbers[0].first == value;
        });
        if (found == rates.end()) {
          GoldColumns columns{kReportingRateTable, "data_set"};
          columns.condition = value + " IS NOT NULL";
          columns.numbers = {{value, &GoldRow::value},
                             {"expected", &GoldRow::expected},
                             {"actual", &GoldRow::actual},
                             {"actual_on_time", &GoldRow::actual_on_time}};
          rates.push_back(std::move(columns));
          found = rates.end() - 1;
        }
        add(*found, item.uid, i);
        break;
      }
    }
  }
  for (const GoldColumns* columns : {&elements, &operands, &indicators, &program_indicators}) {
    DHL_ANALYTICS_RETURN_IF_ERROR(ReadGoldColumns(lake, *columns, ou_pe, rows));
  }
  // A category's option cells gold.aggregate does not hold, combined from the option combos'.
  if (!query.category_id.empty() && query.category_id != "co" && !elements.keys.empty()) {
    GoldColumns combined = elements;
    combined.source = CombinedOptionCells(lake, query, ou_pe);
    combined.condition = "TRUE";
    if (!combined.source.empty()) {
      std::set<std::tuple<size_t, std::string, std::string, std::string>> held;
      for (const GoldRow& row : rows) {
        held.emplace(row.dx, row.category, row.ou, row.pe);
      }
      std::vector<GoldRow> on_demand;
      DHL_ANALYTICS_RETURN_IF_ERROR(ReadGoldColumns(lake, combined, ou_pe, on_demand));
      for (GoldRow& row : on_demand) {
        if (held.count(std::make_tuple(row.dx, row.category, row.ou, row.pe)) == 0) {
          rows.push_back(std::move(row));
        }
      }
    }
  }
  for (const GoldColumns& columns : rates) {
    DHL_ANALYTICS_RETURN_IF_ERROR(ReadGoldColumns(lake, columns, ou_pe, rows));
  }
  return rows;
}

}  // namespace dhl::serve::analytics
