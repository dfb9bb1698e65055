#include "serve/analytics.h"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "serve/analytics_answer.h"
#include "serve/analytics_error.h"
#include "serve/analytics_query.h"
#include "serve/cell_combiner.h"
#include "serve/gold_reader.h"
#include "serve/lake_reader.h"
#include "serve/org_unit_resolver.h"

namespace dhl::serve {
namespace {

using Json = nlohmann::ordered_json;
using namespace analytics;  // NOLINT: the steps of this file's one function

constexpr char kJsonType[] = "application/json";
constexpr char kCsvType[] = "text/csv";

// Plans `request` (parse, resolve), reads the gold rows, combines the cells and renders them.
AnalyticsResult<AnalyticsAnswer> Answer(engine::Connection& connection, const TableVersions& tables,
                                        const AnalyticsMetadata& metadata,
                                        const AnalyticsRequest& request) {
  LakeReader lake(connection, tables, metadata);
  DHL_ASSIGN_OR_RETURN(Query query, ParseQuery(lake, request));
  OrgUnitResolver resolver(lake, request, query.options);
  const DimensionSpec* ou = nullptr;
  for (const DimensionSpec& spec : query.dimensions) {
    if (spec.id == "ou") {
      ou = &spec;
    }
  }
  if (ou == nullptr && query.filters.count("ou")) {
    ou = &query.filters.at("ou");
  }
  std::vector<OrgUnit> roots;
  DHL_ASSIGN_OR_RETURN(roots, resolver.Roots());
  if (ou != nullptr) {
    if (ou->items.empty()) {
      return Refuse("E7124",
                    "Dimension is present in query without any valid dimension options: "
                    "`ou`");
    }
    DHL_ASSIGN_OR_RETURN(query.org_units, resolver.Resolve(ou->items));
    if (query.org_units.empty()) {
      return Refuse("E7124",
                    "Dimension is present in query without any valid dimension options: "
                    "`ou`");
    }
  } else {
    // No ou: the caller's roots, as DHIS2 limits a user's data to their org units.
    query.org_units = roots;
    query.filters["ou"] = DimensionSpec{"ou", {}, true};
  }
  // Which output column each dimension fills, and the sort order of its items.
  std::vector<std::map<std::string, size_t>> order(query.dimensions.size());
  for (size_t d = 0; d < query.dimensions.size(); ++d) {
    const std::string& id = query.dimensions[d].id;
    std::vector<std::string> ids;
    if (id == "dx") {
      for (const DxItem& item : query.dx) {
        ids.push_back(item.id);
      }
    } else if (id == "pe") {
      for (const dhis2::Period& period : query.periods) {
        ids.push_back(period.id());
      }
    } else if (id == "ou") {
      for (const OrgUnit& unit : query.org_units) {
        ids.push_back(unit.uid);
      }
    } else {
      ids = query.category_items;
    }
    for (size_t i = 0; i < ids.size(); ++i) {
      order[d].emplace(ids[i], i);
    }
  }
  std::vector<std::vector<std::string>> rows;
  if (!query.options.skip_data) {
    DHL_ASSIGN_OR_RETURN(std::vector<GoldRow> gold, ReadGold(lake, query));
    std::map<std::vector<size_t>, std::vector<const GoldRow*>> cells;
    for (const GoldRow& row : gold) {
      std::vector<size_t> key;
      for (size_t d = 0; d < query.dimensions.size(); ++d) {
        const std::string& id = query.dimensions[d].id;
        std::string value = id == "dx"   ? query.dx[row.dx].id
                            : id == "pe" ? row.pe
                            : id == "ou" ? row.ou
                                         : row.category;
        auto found = order[d].find(value);
        if (found == order[d].end()) {
          key.clear();
          break;
        }
        key.push_back(found->second);
      }
      if (key.size() != query.dimensions.size()) {
        continue;
      }
      cells[key].push_back(&row);
    }
    SideCombinations sides;
    for (const auto& [key, cell_rows] : cells) {
      const DxItem& item = query.dx[cell_rows[0]->dx];
      DHL_ASSIGN_OR_RETURN(std::optional<Cell> cell,
                           CombineCell(lake, query, item, cell_rows, sides));
      if (!cell.has_value() || !std::isfinite(cell->value)) {
        continue;
      }
      std::vector<std::string> row;
      for (size_t d = 0; d < query.dimensions.size(); ++d) {
        const std::string& id = query.dimensions[d].id;
        const GoldRow& first = *cell_rows[0];
        row.push_back(id == "dx"   ? item.id
                      : id == "pe" ? first.pe
                      : id == "ou" ? first.ou
                                   : first.category);
      }
      bool skip = query.options.skip_rounding;
      row.push_back(FormatAnalyticsValue(RoundAnalyticsValue(cell->value, item.decimals, skip)));
      if (query.options.include_num_den) {
        auto optional_value = [&](const std::optional<double>& value) {
          return value.has_value()
                     ? FormatAnalyticsValue(RoundAnalyticsValue(*value, kDefaultDecimals, skip))
                     : std::string();
        };
        row.push_back(optional_value(cell->numerator));
        row.push_back(optional_value(cell->denominator));
        row.push_back(optional_value(cell->factor));
        row.push_back(optional_value(cell->multiplier));
        row.push_back(optional_value(cell->divisor));
      }
      rows.push_back(std::move(row));
    }
  }
  // Hierarchy metadata: each unit's ancestors from the caller's roots down to its parent.
  std::map<std::string, std::string> hierarchy;
  std::map<std::string, std::string> name_hierarchy;
  std::map<std::string, std::string> extra_names;
  if (!query.options.skip_meta && (query.options.hierarchy_meta || query.options.show_hierarchy)) {
    std::vector<std::string> ancestor_ids;
    for (const OrgUnit& unit : query.org_units) {
      for (const std::string& ancestor : unit.Ancestors()) {
        AddUnique(ancestor_ids, ancestor);
      }
    }
    DHL_ASSIGN_OR_RETURN(auto names, resolver.Names(ancestor_ids));
    std::set<std::string> root_ids;
    for (const OrgUnit& root : roots) {
      root_ids.insert(root.uid);
    }
    for (const OrgUnit& unit : query.org_units) {
      std::vector<std::string> chain;
      bool started = root_ids.count(unit.uid) > 0;
      for (const std::string& ancestor : unit.Ancestors()) {
        if (root_ids.count(ancestor)) {
          started = true;
        }
        if (started) {
          chain.push_back(ancestor);
        }
      }
      std::string graph;
      std::string name_graph;
      for (const std::string& ancestor : chain) {
        graph += (graph.empty() ? "" : "/") + ancestor;
        name_graph += names.count(ancestor) ? names[ancestor] + " / " : "";
        if (query.options.hierarchy_meta && names.count(ancestor)) {
          extra_names[ancestor] = names[ancestor];
        }
      }
      hierarchy[unit.uid] = graph;
      name_hierarchy[unit.uid] = name_graph + unit.name;
    }
  }
  AnalyticsAnswer answer;
  answer.content_type = request.format == "csv" ? kCsvType : kJsonType;
  answer.body = Render(query, rows, hierarchy, name_hierarchy, request.format, extra_names);
  answer.tables_read = lake.TablesRead();
  return answer;
}

}  // namespace

Result<AnalyticsAnswer> RunAnalytics(engine::Connection& connection, const TableVersions& tables,
                                     const AnalyticsMetadata& metadata,
                                     const AnalyticsRequest& request) {
  return AnswerOrConflict(Answer(connection, tables, metadata, request));
}

Result<AnalyticsAnswer> AnswerOrConflict(AnalyticsResult<AnalyticsAnswer> answer) {
  if (answer.ok()) {
    return std::move(answer).value();
  }
  AnalyticsError error = answer.status();
  if (!error.refused()) {
    return error.status();
  }
  return ConflictAnswer(error.refusal());
}

AnalyticsAnswer ConflictAnswer(const Refusal& refusal) {
  Json body = {{"httpStatus", "Conflict"},
               {"httpStatusCode", 409},
               {"status", "ERROR"},
               {"message", refusal.message}};
  if (!refusal.error_code.empty()) {
    body["errorCode"] = refusal.error_code;
  }
  AnalyticsAnswer conflict;
  conflict.status = 409;
  conflict.content_type = kJsonType;
  conflict.body = body.dump();
  return conflict;
}

}  // namespace dhl::serve
