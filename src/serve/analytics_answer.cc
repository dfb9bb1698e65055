#include "serve/analytics_answer.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "base/text.h"

namespace dhl::serve {
namespace analytics {
namespace {

using Json = nlohmann::ordered_json;

Json Header(std::string name, std::string column, bool meta) {
  return Json{{"name", std::move(name)},
              {"column", std::move(column)},
              {"valueType", meta ? "TEXT" : "NUMBER"},
              {"type", meta ? "java.lang.String" : "java.lang.Double"},
              {"hidden", false},
              {"meta", meta}};
}

}  // namespace

std::string Render(const Query& query, const std::vector<std::vector<std::string>>& rows,
                   const std::map<std::string, std::string>& hierarchy,
                   const std::map<std::string, std::string>& name_hierarchy,
                   const std::string& format,
                   const std::map<std::string, std::string>& extra_names) {
  Json headers = Json::array();
  std::vector<std::string> columns;
  auto column_name = [&](const std::string& id) -> std::string {
    if (id == "dx") {
      return "Data";
    }
    if (id == "pe") {
      return "Period";
    }
    if (id == "ou") {
      return "Organisation unit";
    }
    if (id == "co") {
      return "Category option combo";
    }
    auto found = query.names.find(id);
    return found == query.names.end() ? id : found->second;
  };
  for (const DimensionSpec& spec : query.dimensions) {
    headers.push_back(Header(spec.id, column_name(spec.id), true));
    columns.push_back(column_name(spec.id));
  }
  headers.push_back(Header("value", "Value", false));
  columns.push_back("Value");
  if (query.options.include_num_den) {
    for (const auto& [name, column] :
         std::vector<std::pair<std::string, std::string>>{{"numerator", "Numerator"},
                                                          {"denominator", "Denominator"},
                                                          {"factor", "Factor"},
                                                          {"multiplier", "Multiplier"},
                                                          {"divisor", "Divisor"}}) {
      headers.push_back(Header(name, column, false));
      columns.push_back(column);
    }
  }
  if (format == "csv") {
    return CsvTable(columns, rows);
  }
  Json body;
  body["headers"] = headers;
  if (!query.options.skip_meta) {
    Json items = Json::object();
    Json dimensions = Json::object();
    items["dx"] = {{"name", "Data"}};
    items["pe"] = {{"name", "Period"}};
    items["ou"] = {{"name", "Organisation unit"}};
    if (query.category_id == "co") {
      items["co"] = {{"name", "Category option combo"}};
    } else if (!query.category_id.empty()) {
      items[query.category_id] = {{"name", column_name(query.category_id)}};
    }
    auto add_item = [&](const std::string& id) {
      auto found = query.names.find(id);
      if (found != query.names.end()) {
        items[id] = {{"name", found->second}};
      }
    };
    Json dx_ids = Json::array();
    for (const DxItem& item : query.dx) {
      dx_ids.push_back(item.id);
      add_item(item.id);
    }
    Json pe_ids = Json::array();
    for (const dhis2::Period& period : query.periods) {
      pe_ids.push_back(period.id());
      add_item(period.id());
    }
    Json ou_ids = Json::array();
    for (const OrgUnit& unit : query.org_units) {
      ou_ids.push_back(unit.uid);
      items[unit.uid] = {{"name", unit.name}};
    }
    for (const auto& [id, name] : extra_names) {
      items[id] = {{"name", name}};
    }
    for (const auto& [id, name] : query.names) {
      if (!items.contains(id) && !id.empty() && std::isupper(static_cast<unsigned char>(id[0])) &&
          id.find('_') != std::string::npos) {
        items[id] = {{"name", name}};  // relative period keywords
      }
    }
    Json category_ids = Json::array();
    for (const std::string& id : query.category_items) {
      category_ids.push_back(id);
      add_item(id);
    }
    dimensions["dx"] = dx_ids;
    dimensions["pe"] = pe_ids;
    dimensions["ou"] = ou_ids;
    dimensions["co"] = query.category_id == "co" ? category_ids : Json::array();
    if (!query.category_id.empty() && query.category_id != "co") {
      dimensions[query.category_id] = category_ids;
    }
    Json meta;
    meta["items"] = items;
    meta["dimensions"] = dimensions;
    if (query.options.hierarchy_meta) {
      Json ou_hierarchy = Json::object();
      for (const auto& [uid, graph] : hierarchy) {
        ou_hierarchy[uid] = graph;
      }
      meta["ouHierarchy"] = ou_hierarchy;
    }
    if (query.options.show_hierarchy) {
      Json names = Json::object();
      for (const auto& [uid, graph] : name_hierarchy) {
        names[uid] = graph;
      }
      meta["ouNameHierarchy"] = names;
    }
    body["metaData"] = meta;
  }
  Json json_rows = Json::array();
  for (const std::vector<std::string>& row : rows) {
    json_rows.push_back(row);
  }
  body["rows"] = json_rows;
  body["height"] = rows.size();
  body["width"] = columns.size();
  body["headerWidth"] = columns.size();
  return body.dump();
}

}  // namespace analytics

namespace {

constexpr int kNoRoundingDecimals = 10;

}  // namespace

double RoundAnalyticsValue(double value, int decimals, bool skip_rounding) {
  int places = skip_rounding               ? kNoRoundingDecimals
               : decimals >= 0             ? decimals
               : (value < 1 && value > -1) ? 2
                                           : 1;
  double scale = std::pow(10.0, places);
  return std::round(value * scale) / scale;
}

std::string FormatAnalyticsValue(double value) {
  if (value == 0) {
    return "0";
  }
  if (std::floor(value) == value && std::fabs(value) < 1e15) {
    return fmt::format("{}", static_cast<int64_t>(value));
  }
  std::string text = fmt::format("{:.10f}", value);
  while (!text.empty() && text.back() == '0') {
    text.pop_back();
  }
  if (!text.empty() && text.back() == '.') {
    text.pop_back();
  }
  return text;
}

std::string PeriodDisplayName(const dhis2::Period& period) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  std::chrono::year_month_day start{period.start()};
  std::chrono::year_month_day end{period.end()};
  int start_year = static_cast<int>(start.year());
  int end_year = static_cast<int>(end.year());
  std::string_view start_month = kMonths[static_cast<unsigned>(start.month()) - 1];
  std::string_view end_month = kMonths[static_cast<unsigned>(end.month()) - 1];
  using dhis2::PeriodType;
  PeriodType type = period.type();
  std::string id = period.id();
  if (type == PeriodType::kDaily) {
    return dhis2::FormatDate(period.start());
  }
  if (dhis2::IsWeeklyType(type) || type == PeriodType::kBiWeekly) {
    std::string number = id.substr(id.find_last_of('W') + 1);
    return fmt::format("{} {} {} - {}", type == PeriodType::kBiWeekly ? "Bi-Week" : "Week", number,
                       dhis2::FormatDate(period.start()), dhis2::FormatDate(period.end()));
  }
  if (type == PeriodType::kMonthly) {
    return fmt::format("{} {}", start_month, start_year);
  }
  if (type == PeriodType::kYearly) {
    return std::to_string(start_year);
  }
  if (start_year == end_year) {
    return fmt::format("{} - {} {}", start_month, end_month, start_year);
  }
  return fmt::format("{} {} - {} {}", start_month, start_year, end_month, end_year);
}

}  // namespace dhl::serve
