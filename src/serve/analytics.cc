#include "serve/analytics.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <set>
#include <string_view>

#include "base/text.h"
#include "dhis2/aggregation_type.h"
#include "dhis2/expression.h"
#include "dhis2/relative_period.h"
#include "sql/literal.h"

namespace dhl::serve {
namespace {

using Json = nlohmann::ordered_json;
using dhis2::AggregationType;

constexpr char kJsonType[] = "application/json";
constexpr char kCsvType[] = "text/csv";
constexpr int kDefaultDecimals = -1;
constexpr int kNoRoundingDecimals = 10;
constexpr double kDaysInYear = 365;

// A bad parameter travels as InvalidArgument "Exxxx message" (or "- message" without a DHIS2 code)
// up to RunAnalytics, which answers it with 409.
constexpr char kBadMarker[] = "analytics-409:";

Status Bad(std::string_view code, std::string message) {
  return InvalidArgument(fmt::format("{}{} {}", kBadMarker, code.empty() ? "-" : code, message));
}

bool IsUid(std::string_view text) {
  if (text.size() != 11 || !std::isalpha(static_cast<unsigned char>(text[0]))) {
    return false;
  }
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

std::string InList(const std::vector<std::string>& values) {
  std::string text = "(";
  for (size_t i = 0; i < values.size(); ++i) {
    text += (i == 0 ? "" : ", ") + sql::StringLiteral(values[i]);
  }
  return text + ")";
}

template <typename T>
void AddUnique(std::vector<T>& list, const T& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) {
    list.push_back(value);
  }
}

// ---------------------------------------------------------------------------------------------
// The request

struct DimensionSpec {
  std::string id;  // dx, pe, ou, co or a category uid
  std::vector<std::string> items;
  bool filter = false;
};

struct Options {
  bool skip_meta = false;
  bool skip_data = false;
  bool include_num_den = false;
  bool hierarchy_meta = false;
  bool show_hierarchy = false;
  bool skip_rounding = false;
  bool short_names = false;
  std::optional<AggregationType> aggregation_type;  // unset = each item's own
};

Result<bool> ParseBoolean(std::string_view name, std::string_view value) {
  std::string lower = AsciiLower(Trim(value));
  if (lower == "true") {
    return true;
  }
  if (lower == "false") {
    return false;
  }
  return Bad(
      "", fmt::format("Invalid value `{}` for parameter {}: expected true or false", value, name));
}

Result<DimensionSpec> ParseDimension(std::string_view text, bool filter) {
  DimensionSpec spec;
  spec.filter = filter;
  size_t colon = text.find(':');
  spec.id = std::string(Trim(text.substr(0, colon)));
  if (spec.id.empty()) {
    return Bad("E7125",
               fmt::format("Dimension identifier does not reference any dimension: `{}`", text));
  }
  if (colon != std::string_view::npos) {
    for (std::string_view item : Split(text.substr(colon + 1), ';')) {
      std::string trimmed(Trim(item));
      if (!trimmed.empty()) {
        AddUnique(spec.items, trimmed);
      }
    }
  }
  return spec;
}

// ---------------------------------------------------------------------------------------------
// What the lake knows

enum class DxKind { kIndicator, kDataElement, kOperand, kReportingRate };

struct DxItem {
  std::string id;  // as requested: uid, de.coc or ds.METRIC
  DxKind kind = DxKind::kDataElement;
  std::string uid;     // indicator, data element or data set
  std::string detail;  // coc of an operand, metric of a reporting rate
  std::string name;
  int decimals = kDefaultDecimals;
  AggregationType aggregation = AggregationType::kSum;
  std::string category_combo;
  // Indicators.
  std::optional<double> factor;
  bool annualized = false;
  std::string numerator;
  std::string denominator;
};

struct OrgUnit {
  std::string uid;
  std::string name;
  int level = 0;
  std::string path;  // "/root/…/uid"
  std::vector<std::string> Ancestors() const {
    std::vector<std::string> ancestors;
    for (std::string_view part : Split(path, '/')) {
      if (!part.empty() && part != uid) {
        ancestors.emplace_back(part);
      }
    }
    return ancestors;
  }
  bool Within(const std::string& root) const {
    if (uid == root) {
      return true;
    }
    for (std::string_view part : Split(path, '/')) {
      if (part == root) {
        return true;
      }
    }
    return false;
  }
};

class LakeReader {
 public:
  LakeReader(engine::Connection& connection, const TableVersions& tables)
      : connection_(connection), tables_(tables) {}

  bool Has(const lake::TableName& table) const { return tables_.count(table) > 0; }

  // Rows of `sql` reading `table`; no rows when the lake has no such table.
  Result<std::optional<engine::QueryResult>> Read(const lake::TableName& table,
                                                  const std::string& sql) {
    if (!Has(table)) {
      return std::optional<engine::QueryResult>();
    }
    AddUnique(read_, table);
    DHL_ASSIGN_OR_RETURN(engine::QueryResult result, connection_.Query(sql));
    return std::optional<engine::QueryResult>(std::move(result));
  }

  // Records that an answer read `table` through a subquery.
  void Note(const lake::TableName& table) { AddUnique(read_, table); }

  std::vector<lake::TableName> TablesRead() const { return read_; }

 private:
  engine::Connection& connection_;
  const TableVersions& tables_;
  std::vector<lake::TableName> read_;
};

const lake::TableName kIndicatorTable{"silver", "indicator"};
const lake::TableName kDataElementTable{"silver", "data_element"};
const lake::TableName kDataSetTable{"silver", "data_set"};
const lake::TableName kCocTable{"silver", "category_option_combo"};
const lake::TableName kCocOptionTable{"silver", "category_option_combo_option"};
const lake::TableName kCategoryTable{"silver", "category"};
const lake::TableName kCategoryOptionTable{"silver", "category_option"};
const lake::TableName kOrgUnitTable{"silver", "org_unit"};
const lake::TableName kGroupMemberTable{"silver", "org_unit_group_member"};
const lake::TableName kGroupTable{"silver", "org_unit_group"};
const lake::TableName kAggregateTable{"gold", "aggregate"};
const lake::TableName kIndicatorValueTable{"gold", "indicator_value"};
const lake::TableName kReportingRateTable{"gold", "reporting_rate"};

std::string Text(const engine::QueryResult& result, size_t column, size_t row) {
  return result.GetString(column, row).value_or("");
}

std::string NameColumn(const Options& options, bool has_short_name = true) {
  return options.short_names && has_short_name ? "COALESCE(short_name, name)" : "name";
}

std::string_view MetricName(std::string_view metric) {
  if (metric == "REPORTING_RATE") {
    return "Reporting rate";
  }
  if (metric == "REPORTING_RATE_ON_TIME") {
    return "Reporting rate on time";
  }
  if (metric == "ACTUAL_REPORTS") {
    return "Actual reports";
  }
  if (metric == "ACTUAL_REPORTS_ON_TIME") {
    return "Actual reports on time";
  }
  return "Expected reports";
}

bool IsMetric(std::string_view text) {
  for (std::string_view metric : dhis2::kReportingRateMetrics) {
    if (metric == text) {
      return true;
    }
  }
  return false;
}

// Resolves the dx items to indicators, data elements, operands and reporting rates.
Result<std::vector<DxItem>> ResolveDx(LakeReader& lake, const std::vector<std::string>& ids,
                                      const Options& options) {
  std::vector<std::string> uids;
  std::vector<std::string> cocs;
  for (const std::string& id : ids) {
    std::vector<std::string_view> parts = Split(id, '.');
    if (parts.size() > 2 || !IsUid(parts[0]) ||
        (parts.size() == 2 && !IsUid(parts[1]) && !IsMetric(parts[1]))) {
      return Bad("E7124", fmt::format("Data item is not a valid indicator, data element, operand "
                                      "(de.coc) or reporting rate (ds.METRIC): `{}`",
                                      id));
    }
    AddUnique(uids, std::string(parts[0]));
    if (parts.size() == 2 && IsUid(parts[1])) {
      AddUnique(cocs, std::string(parts[1]));
    }
  }
  std::map<std::string, DxItem> indicators;
  std::map<std::string, DxItem> elements;
  std::map<std::string, std::string> data_sets;
  std::map<std::string, std::string> coc_names;
  DHL_ASSIGN_OR_RETURN(
      auto indicator_rows,
      lake.Read(kIndicatorTable,
                fmt::format("SELECT uid, {}, decimals, factor, annualized, numerator, denominator "
                            "FROM silver.indicator WHERE uid IN {}",
                            NameColumn(options), InList(uids))));
  if (indicator_rows.has_value()) {
    for (size_t row = 0; row < indicator_rows->row_count(); ++row) {
      DxItem item;
      item.kind = DxKind::kIndicator;
      item.uid = Text(*indicator_rows, 0, row);
      item.name = Text(*indicator_rows, 1, row);
      item.decimals = static_cast<int>(indicator_rows->GetInt64(2, row).value_or(kDefaultDecimals));
      item.factor = indicator_rows->GetDouble(3, row);
      item.annualized = indicator_rows->GetBool(4, row).value_or(false);
      item.numerator = Text(*indicator_rows, 5, row);
      item.denominator = Text(*indicator_rows, 6, row);
      indicators[item.uid] = item;
    }
  }
  DHL_ASSIGN_OR_RETURN(
      auto element_rows,
      lake.Read(kDataElementTable, fmt::format("SELECT uid, {}, aggregation_type, category_combo "
                                               "FROM silver.data_element WHERE uid IN {}",
                                               NameColumn(options), InList(uids))));
  if (element_rows.has_value()) {
    for (size_t row = 0; row < element_rows->row_count(); ++row) {
      DxItem item;
      item.kind = DxKind::kDataElement;
      item.uid = Text(*element_rows, 0, row);
      item.name = Text(*element_rows, 1, row);
      Result<AggregationType> type = dhis2::ParseAggregationType(Text(*element_rows, 2, row));
      item.aggregation = type.ok() ? *type : AggregationType::kSum;
      item.category_combo = Text(*element_rows, 3, row);
      elements[item.uid] = item;
    }
  }
  DHL_ASSIGN_OR_RETURN(
      auto data_set_rows,
      lake.Read(kDataSetTable, fmt::format("SELECT uid, name FROM silver.data_set WHERE uid IN {}",
                                           InList(uids))));
  if (data_set_rows.has_value()) {
    for (size_t row = 0; row < data_set_rows->row_count(); ++row) {
      data_sets[Text(*data_set_rows, 0, row)] = Text(*data_set_rows, 1, row);
    }
  }
  if (!cocs.empty()) {
    DHL_ASSIGN_OR_RETURN(auto coc_rows,
                         lake.Read(kCocTable, fmt::format("SELECT uid, name FROM "
                                                          "silver.category_option_combo WHERE uid "
                                                          "IN {}",
                                                          InList(cocs))));
    if (coc_rows.has_value()) {
      for (size_t row = 0; row < coc_rows->row_count(); ++row) {
        coc_names[Text(*coc_rows, 0, row)] = Text(*coc_rows, 1, row);
      }
    }
  }
  std::vector<DxItem> items;
  for (const std::string& id : ids) {
    std::vector<std::string_view> parts = Split(id, '.');
    std::string uid(parts[0]);
    DxItem item;
    if (parts.size() == 1) {
      if (auto found = indicators.find(uid); found != indicators.end()) {
        item = found->second;
      } else if (auto element = elements.find(uid); element != elements.end()) {
        item = element->second;
      } else {
        return Bad("E7124", fmt::format("Data item does not exist as an indicator or a data "
                                        "element: `{}`",
                                        id));
      }
    } else if (IsMetric(parts[1])) {
      auto found = data_sets.find(uid);
      if (found == data_sets.end()) {
        return Bad("E7124", fmt::format("Reporting rate refers to a data set that does not exist: "
                                        "`{}`",
                                        id));
      }
      item.kind = DxKind::kReportingRate;
      item.uid = uid;
      item.detail = std::string(parts[1]);
      item.name = fmt::format("{} {}", found->second, MetricName(parts[1]));
    } else {
      auto element = elements.find(uid);
      auto coc = coc_names.find(std::string(parts[1]));
      if (element == elements.end() || coc == coc_names.end()) {
        return Bad("E7124", fmt::format("Operand refers to a data element or category option "
                                        "combo that does not exist: `{}`",
                                        id));
      }
      item = element->second;
      item.kind = DxKind::kOperand;
      item.detail = coc->first;
      item.name = fmt::format("{} {}", element->second.name, coc->second);
    }
    item.id = id;
    items.push_back(std::move(item));
  }
  return items;
}

Result<std::vector<dhis2::Period>> ResolvePeriods(const std::vector<std::string>& ids,
                                                  dhis2::Date today,
                                                  std::map<std::string, std::string>& names) {
  std::vector<dhis2::Period> periods;
  for (const std::string& id : ids) {
    Result<dhis2::RelativePeriod> relative = dhis2::ParseRelativePeriod(id);
    if (relative.ok()) {
      DHL_ASSIGN_OR_RETURN(std::vector<dhis2::Period> resolved,
                           dhis2::ResolveRelativePeriod(*relative, today));
      for (const dhis2::Period& period : resolved) {
        AddUnique(periods, period);
      }
      std::string name = AsciiLower(id);
      std::replace(name.begin(), name.end(), '_', ' ');
      name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
      names[id] = name;
      continue;
    }
    Result<dhis2::Period> period = dhis2::ParsePeriodId(id);
    if (!period.ok()) {
      return Bad("E7124",
                 fmt::format("Period is neither a period id nor a relative period: `{}`", id));
    }
    AddUnique(periods, *period);
  }
  return periods;
}

// The org units of an ou dimension, checked against the caller's scope.
class OrgUnitResolver {
 public:
  OrgUnitResolver(LakeReader& lake, const AnalyticsRequest& request, const Options& options)
      : lake_(lake), request_(request), options_(options) {}

  // The caller's roots: the token's org units, else the hierarchy's level-1 units.
  Result<std::vector<OrgUnit>> Roots() {
    if (!request_.ou_scope.empty()) {
      return Load(fmt::format("uid IN {}", InList(request_.ou_scope)));
    }
    return Load("level = 1");
  }

  Result<std::vector<OrgUnit>> Resolve(const std::vector<std::string>& items) {
    std::vector<std::string> uids;
    std::vector<int> levels;
    std::vector<std::string> groups;
    std::vector<int> user_depths;  // 0, 1, 2 for USER_ORGUNIT, _CHILDREN, _GRANDCHILDREN
    for (const std::string& item : items) {
      if (item.rfind("LEVEL-", 0) == 0) {
        std::string number = item.substr(6);
        if (number.empty() || number.size() > 2 ||
            !std::all_of(number.begin(), number.end(), ::isdigit) || std::stoi(number) < 1) {
          return Bad("E7124", fmt::format("Org unit level is not a positive number: `{}`", item));
        }
        levels.push_back(std::stoi(number));
      } else if (item.rfind("OU_GROUP-", 0) == 0) {
        std::string group = item.substr(9);
        if (!IsUid(group)) {
          return Bad("E7124", fmt::format("Org unit group is not a uid: `{}`", item));
        }
        groups.push_back(group);
      } else if (item == "USER_ORGUNIT") {
        user_depths.push_back(0);
      } else if (item == "USER_ORGUNIT_CHILDREN") {
        user_depths.push_back(1);
      } else if (item == "USER_ORGUNIT_GRANDCHILDREN") {
        user_depths.push_back(2);
      } else if (IsUid(item)) {
        uids.push_back(item);
      } else {
        return Bad("E7124", fmt::format("Org unit is not a uid, LEVEL-n, OU_GROUP-uid or "
                                        "USER_ORGUNIT: `{}`",
                                        item));
      }
    }
    std::vector<OrgUnit> units;
    std::vector<OrgUnit> named;
    if (!uids.empty()) {
      DHL_ASSIGN_OR_RETURN(std::vector<OrgUnit> loaded,
                           Load(fmt::format("uid IN {}", InList(uids))));
      for (const std::string& uid : uids) {  // in the order asked, as DHIS2 keeps it
        auto found = std::find_if(loaded.begin(), loaded.end(),
                                  [&](const OrgUnit& unit) { return unit.uid == uid; });
        if (found == loaded.end()) {
          return Bad("E7124", fmt::format("Org unit does not exist: `{}`", uid));
        }
        DHL_RETURN_IF_ERROR(CheckScope(*found));
        Append(named, {*found});
      }
    }
    std::vector<OrgUnit> boundaries = named;
    if (boundaries.empty() && (!levels.empty() || !groups.empty())) {
      DHL_ASSIGN_OR_RETURN(boundaries, Roots());
    }
    if (levels.empty() && groups.empty()) {
      units = named;
    }
    std::string within = "(";
    for (size_t i = 0; i < boundaries.size(); ++i) {
      within += fmt::format("{}contains(path, {})", i == 0 ? "" : " OR ",
                            sql::StringLiteral("/" + boundaries[i].uid));
    }
    within += boundaries.empty() ? "FALSE)" : ")";
    for (int level : levels) {
      DHL_ASSIGN_OR_RETURN(std::vector<OrgUnit> found,
                           Load(fmt::format("level = {} AND {}", level, within)));
      Append(units, found);
    }
    if (!groups.empty()) {
      if (!lake_.Has(kGroupMemberTable)) {
        return Bad("E7124",
                   "Org unit groups are not in the lake (no silver.org_unit_group_member)");
      }
      lake_.Note(kGroupMemberTable);
      DHL_ASSIGN_OR_RETURN(std::vector<OrgUnit> found,
                           Load(fmt::format("uid IN (SELECT ou FROM silver.org_unit_group_member "
                                            "WHERE group_uid IN {}) AND {}",
                                            InList(groups), within)));
      Append(units, found);
    }
    if (!user_depths.empty()) {
      DHL_ASSIGN_OR_RETURN(std::vector<OrgUnit> roots, Roots());
      for (int depth : user_depths) {
        for (const OrgUnit& root : roots) {
          if (depth == 0) {
            Append(units, {root});
            continue;
          }
          DHL_ASSIGN_OR_RETURN(
              std::vector<OrgUnit> found,
              Load(fmt::format("level = {} AND contains(path, {})", root.level + depth,
                               sql::StringLiteral("/" + root.uid))));
          Append(units, found);
        }
      }
    }
    for (const OrgUnit& unit : units) {
      DHL_RETURN_IF_ERROR(CheckScope(unit));
    }
    return units;
  }

  // Names of `uids` (ancestors for hierarchy metadata).
  Result<std::map<std::string, std::string>> Names(const std::vector<std::string>& uids) {
    std::map<std::string, std::string> names;
    if (uids.empty()) {
      return names;
    }
    DHL_ASSIGN_OR_RETURN(std::vector<OrgUnit> units, Load(fmt::format("uid IN {}", InList(uids))));
    for (const OrgUnit& unit : units) {
      names[unit.uid] = unit.name;
    }
    return names;
  }

 private:
  Status CheckScope(const OrgUnit& unit) const {
    if (request_.ou_scope.empty()) {
      return Status::Ok();
    }
    for (const std::string& root : request_.ou_scope) {
      if (unit.Within(root)) {
        return Status::Ok();
      }
    }
    return Bad("E7120", fmt::format("User: `{}` is not allowed to view org unit: `{}`",
                                    request_.caller, unit.uid));
  }

  static void Append(std::vector<OrgUnit>& units, const std::vector<OrgUnit>& more) {
    for (const OrgUnit& unit : more) {
      if (std::none_of(units.begin(), units.end(),
                       [&](const OrgUnit& held) { return held.uid == unit.uid; })) {
        units.push_back(unit);
      }
    }
  }

  Result<std::vector<OrgUnit>> Load(const std::string& condition) {
    std::vector<OrgUnit> units;
    DHL_ASSIGN_OR_RETURN(
        auto rows, lake_.Read(kOrgUnitTable,
                              fmt::format("SELECT uid, {}, level, path FROM silver.org_unit WHERE "
                                          "COALESCE(is_current, TRUE) AND ({}) ORDER BY name, uid",
                                          NameColumn(options_), condition)));
    if (!rows.has_value()) {
      return Bad("E7124", "Org units are not in the lake (no silver.org_unit)");
    }
    for (size_t row = 0; row < rows->row_count(); ++row) {
      units.push_back({Text(*rows, 0, row), Text(*rows, 1, row),
                       static_cast<int>(rows->GetInt64(2, row).value_or(0)), Text(*rows, 3, row)});
    }
    return units;
  }

  LakeReader& lake_;
  const AnalyticsRequest& request_;
  const Options& options_;
};

// ---------------------------------------------------------------------------------------------
// Values

// One gold row, before the filters' items are combined.
struct GoldRow {
  size_t dx = 0;         // index into the dx items
  std::string category;  // coc (co dimension) or category option; empty otherwise
  std::string ou;
  std::string pe;
  double value = 0;
  double count = 0;
  double numerator = 0;
  double denominator = 0;
  double factor = 0;
  double expected = 0;
  double actual = 0;
  double actual_on_time = 0;
  bool has_num_den = false;
};

struct Cell {
  double value = 0;
  // Indicators only: DHIS2's includeNumDen columns (value = numerator x multiplier /
  // (denominator x divisor); multiplier = factor, x 365 when annualised; divisor = days or 1).
  std::optional<double> numerator;
  std::optional<double> denominator;
  std::optional<double> factor;
  std::optional<double> multiplier;
  std::optional<double> divisor;
};

// How an indicator side combines over several periods: summed (counts) or averaged weighted by
// days (stocks such as populations).
enum class TimeCombination { kSum, kAverage };

struct Query {
  std::vector<DimensionSpec> dimensions;  // output order
  std::map<std::string, DimensionSpec> filters;
  Options options;
  std::vector<DxItem> dx;
  std::vector<dhis2::Period> periods;        // pe dimension or filter
  std::vector<OrgUnit> org_units;            // ou dimension or filter (or the roots)
  std::vector<std::string> category_items;   // co / category dimension or filter items
  std::string category_id;                   // "co", a category uid, or empty
  std::map<std::string, std::string> names;  // item names for metaData
};

Result<TimeCombination> SideCombination(LakeReader& lake, const std::string& expression,
                                        const std::string& indicator) {
  Result<dhis2::Expression> parsed =
      dhis2::ParseExpression(expression, dhis2::ExpressionMode::kIndicatorExpression);
  if (!parsed.ok()) {
    return Bad("E7133", fmt::format("Indicator `{}` has an expression that does not parse: {}",
                                    indicator, parsed.status().message()));
  }
  std::vector<std::string> elements;
  bool referenced_other = false;
  for (const dhis2::ItemKey& key : parsed->items()) {
    if (key.type == dhis2::ItemType::kDataElement) {
      AddUnique(elements, key.uid0);
    } else if (key.type != dhis2::ItemType::kConstant &&
               key.type != dhis2::ItemType::kOrgUnitGroupCount) {
      referenced_other = true;
    }
  }
  if (referenced_other) {
    return Bad("", fmt::format("Indicator `{}` refers to reporting rates, indicators or program "
                               "items: it cannot be combined over several filter periods; ask for "
                               "the periods as a dimension",
                               indicator));
  }
  std::set<TimeCombination> seen;
  if (!elements.empty()) {
    DHL_ASSIGN_OR_RETURN(
        auto rows, lake.Read(kDataElementTable, fmt::format("SELECT uid, aggregation_type FROM "
                                                            "silver.data_element WHERE uid IN {}",
                                                            InList(elements))));
    std::set<std::string> known;
    if (rows.has_value()) {
      for (size_t row = 0; row < rows->row_count(); ++row) {
        known.insert(Text(*rows, 0, row));
        Result<AggregationType> type = dhis2::ParseAggregationType(Text(*rows, 1, row));
        dhis2::AggregationType time_rule =
            dhis2::ToAnalyticsAggregation(type.ok() ? *type : AggregationType::kSum).time_rule;
        if (time_rule == AggregationType::kSum || time_rule == AggregationType::kCount) {
          seen.insert(TimeCombination::kSum);
        } else if (time_rule == AggregationType::kAverage) {
          seen.insert(TimeCombination::kAverage);
        } else {
          return Bad("", fmt::format("Indicator `{}` uses data element `{}` whose aggregation type "
                                     "{} cannot be combined over several filter periods; ask for "
                                     "the periods as a dimension",
                                     indicator, Text(*rows, 0, row), Text(*rows, 1, row)));
        }
      }
    }
    // Items that are not data elements are reference data (#{item} of a ref table, such as
    // population estimates): stocks, averaged over time.
    if (known.size() < elements.size()) {
      seen.insert(TimeCombination::kAverage);
    }
  }
  if (seen.size() > 1) {
    return Bad("", fmt::format("Indicator `{}` mixes summed and averaged data elements in one "
                               "side: it cannot be combined over several filter periods; ask for "
                               "the periods as a dimension",
                               indicator));
  }
  return seen.empty() ? TimeCombination::kAverage : *seen.begin();
}

// Combines values across org units or categories (`rule` the org-unit rule).
Result<double> CombineAcross(AggregationType rule, const std::vector<double>& values,
                             const DxItem& item) {
  switch (rule) {
    case AggregationType::kSum:
    case AggregationType::kCount:
      return std::accumulate(values.begin(), values.end(), 0.0);
    case AggregationType::kAverage:
      return std::accumulate(values.begin(), values.end(), 0.0) / values.size();
    case AggregationType::kMin:
      return *std::min_element(values.begin(), values.end());
    case AggregationType::kMax:
      return *std::max_element(values.begin(), values.end());
    default:
      return Bad("E7115", fmt::format("Data element `{}` has aggregation type {}: its values "
                                      "cannot be combined across several filter org units",
                                      item.id, dhis2::AggregationTypeName(item.aggregation)));
  }
}

// Combines per-period values over time (`rule` the time rule); `periods` are the values' periods.
Result<double> CombineOverTime(AggregationType rule,
                               const std::vector<std::pair<dhis2::Period, double>>& values,
                               const DxItem& item) {
  double sum = 0;
  double weighted = 0;
  double days = 0;
  for (const auto& [period, value] : values) {
    sum += value;
    weighted += value * period.days();
    days += period.days();
  }
  switch (rule) {
    case AggregationType::kSum:
    case AggregationType::kCount:
      return sum;
    case AggregationType::kAverage:
      return weighted / days;
    case AggregationType::kLast:
    case AggregationType::kLastInPeriod:
      return std::max_element(values.begin(), values.end(),
                              [](const auto& a, const auto& b) { return a.first < b.first; })
          ->second;
    case AggregationType::kFirst:
      return std::min_element(values.begin(), values.end(),
                              [](const auto& a, const auto& b) { return a.first < b.first; })
          ->second;
    case AggregationType::kMin:
      return std::min_element(values.begin(), values.end(),
                              [](const auto& a, const auto& b) { return a.second < b.second; })
          ->second;
    case AggregationType::kMax:
      return std::max_element(values.begin(), values.end(),
                              [](const auto& a, const auto& b) { return a.second < b.second; })
          ->second;
    default:
      return Bad("E7115", fmt::format("Data element `{}` has aggregation type {}: its values "
                                      "cannot be combined over several filter periods",
                                      item.id, dhis2::AggregationTypeName(item.aggregation)));
  }
}

// The value of one output cell from its gold rows (one row unless filters hold several items).
Result<std::optional<Cell>> CombineCell(LakeReader& lake, const Query& query, const DxItem& item,
                                        const std::vector<const GoldRow*>& rows,
                                        std::map<std::string, TimeCombination[2]>& sides) {
  std::map<std::string, dhis2::Period> period_of;
  for (const dhis2::Period& period : query.periods) {
    period_of.emplace(period.id(), period);
  }
  // Group by period: across org units (and categories) first, then over time.
  std::map<std::string, std::vector<const GoldRow*>> by_period;
  for (const GoldRow* row : rows) {
    by_period[row->pe].push_back(row);
  }
  const std::optional<AggregationType>& override_type = query.options.aggregation_type;
  if (item.kind == DxKind::kDataElement || item.kind == DxKind::kOperand) {
    AggregationType type = item.aggregation;
    bool use_count = override_type == AggregationType::kCount;
    bool average_of_sum =
        override_type == AggregationType::kAverage && item.aggregation == AggregationType::kSum;
    if (override_type.has_value() && !use_count && !average_of_sum && *override_type != type &&
        *override_type != AggregationType::kDefault) {
      return Bad("",
                 fmt::format("aggregationType {} is not available for data element `{}` "
                             "(aggregation type {}): the lake holds its values aggregated as "
                             "{}; use DEFAULT, COUNT, or AVERAGE for SUM elements",
                             dhis2::AggregationTypeName(*override_type), item.id,
                             dhis2::AggregationTypeName(type), dhis2::AggregationTypeName(type)));
    }
    if (use_count) {
      type = AggregationType::kCount;
    }
    dhis2::AnalyticsAggregation rules = dhis2::ToAnalyticsAggregation(type);
    std::vector<std::pair<dhis2::Period, double>> per_period;
    std::vector<std::pair<dhis2::Period, double>> counts;
    for (const auto& [pe, period_rows] : by_period) {
      std::vector<double> values;
      double count = 0;
      for (const GoldRow* row : period_rows) {
        values.push_back(use_count ? row->count : row->value);
        count += row->count;
      }
      DHL_ASSIGN_OR_RETURN(double value, period_rows.size() == 1
                                             ? Result<double>(values[0])
                                             : CombineAcross(rules.org_unit_rule, values, item));
      per_period.emplace_back(period_of.at(pe), value);
      counts.emplace_back(period_of.at(pe), count);
    }
    double value = per_period[0].second;
    if (per_period.size() > 1) {
      DHL_ASSIGN_OR_RETURN(value, CombineOverTime(rules.time_rule, per_period, item));
    }
    if (average_of_sum) {
      double count = 0;
      for (const auto& entry : counts) {
        count += entry.second;
      }
      if (count == 0) {
        return std::optional<Cell>();
      }
      double sum = 0;
      for (const auto& entry : per_period) {
        sum += entry.second;
      }
      value = sum / count;
    }
    return std::optional<Cell>(Cell{value, std::nullopt, std::nullopt, std::nullopt});
  }
  if (item.kind == DxKind::kReportingRate) {
    if (rows.size() == 1) {
      const GoldRow& row = *rows[0];
      return std::optional<Cell>(Cell{row.value, std::nullopt, std::nullopt, std::nullopt});
    }
    double expected = 0;
    double actual = 0;
    double on_time = 0;
    for (const GoldRow* row : rows) {
      expected += row->expected;
      actual += row->actual;
      on_time += row->actual_on_time;
    }
    double value = 0;
    if (item.detail == "EXPECTED_REPORTS") {
      value = expected;
    } else if (item.detail == "ACTUAL_REPORTS") {
      value = actual;
    } else if (item.detail == "ACTUAL_REPORTS_ON_TIME") {
      value = on_time;
    } else {
      if (expected == 0) {
        return std::optional<Cell>();
      }
      value = (item.detail == "REPORTING_RATE" ? actual : on_time) / expected * 100;
    }
    return std::optional<Cell>(Cell{value, std::nullopt, std::nullopt, std::nullopt});
  }
  // Indicators.
  if (override_type.has_value() && *override_type != AggregationType::kDefault) {
    return Bad("", fmt::format("aggregationType {} is not available for indicator `{}`: the lake "
                               "holds indicator values computed with each data element's own "
                               "aggregation type; use DEFAULT",
                               dhis2::AggregationTypeName(*override_type), item.id));
  }
  // gold.indicator_value's factor is the indicator type's; annualisation is by the days asked.
  auto cell = [&item](double value, double numerator, double denominator, double factor,
                      double days) {
    double multiplier = item.annualized ? factor * kDaysInYear : factor;
    double divisor = item.annualized ? days : 1;
    return std::optional<Cell>(Cell{value, numerator, denominator, factor, multiplier, divisor});
  };
  if (rows.size() == 1) {
    const GoldRow& row = *rows[0];
    return cell(row.value, row.numerator, row.denominator, row.factor, period_of.at(row.pe).days());
  }
  std::vector<std::pair<dhis2::Period, double>> numerators;
  std::vector<std::pair<dhis2::Period, double>> denominators;
  double factor = rows[0]->factor;
  for (const auto& [pe, period_rows] : by_period) {
    double numerator = 0;
    double denominator = 0;
    for (const GoldRow* row : period_rows) {
      numerator += row->numerator;
      denominator += row->denominator;
    }
    numerators.emplace_back(period_of.at(pe), numerator);
    denominators.emplace_back(period_of.at(pe), denominator);
  }
  double numerator = numerators[0].second;
  double denominator = denominators[0].second;
  if (numerators.size() > 1) {
    if (!sides.count(item.uid)) {
      DHL_ASSIGN_OR_RETURN(TimeCombination top, SideCombination(lake, item.numerator, item.id));
      DHL_ASSIGN_OR_RETURN(TimeCombination bottom,
                           SideCombination(lake, item.denominator, item.id));
      sides[item.uid][0] = top;
      sides[item.uid][1] = bottom;
    }
    auto combine = [](TimeCombination how, const std::vector<std::pair<dhis2::Period, double>>& v) {
      double sum = 0;
      double weighted = 0;
      double days = 0;
      for (const auto& [period, value] : v) {
        sum += value;
        weighted += value * period.days();
        days += period.days();
      }
      return how == TimeCombination::kSum ? sum : weighted / days;
    };
    numerator = combine(sides[item.uid][0], numerators);
    denominator = combine(sides[item.uid][1], denominators);
  }
  double days = 0;
  for (const auto& entry : numerators) {
    days += entry.first.days();
  }
  if (denominator == 0) {
    return std::optional<Cell>();
  }
  double annualisation = item.annualized ? kDaysInYear / days : 1;
  return cell(numerator / denominator * factor * annualisation, numerator, denominator, factor,
              days);
}

Result<std::vector<GoldRow>> ReadGold(LakeReader& lake, const Query& query) {
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
  std::string where = fmt::format("ou IN {} AND pe IN {}", InList(ou_ids), InList(pe_ids));
  std::map<std::string, std::vector<size_t>> by_key;  // de / de.coc / indicator / ds -> dx indexes
  std::vector<std::string> elements;
  std::vector<std::string> operands;
  std::vector<std::string> indicators;
  std::vector<std::string> data_sets;
  for (size_t i = 0; i < query.dx.size(); ++i) {
    const DxItem& item = query.dx[i];
    switch (item.kind) {
      case DxKind::kDataElement:
        AddUnique(elements, item.uid);
        by_key["de:" + item.uid].push_back(i);
        break;
      case DxKind::kOperand:
        AddUnique(operands, item.uid + "." + item.detail);
        by_key["op:" + item.uid + "." + item.detail].push_back(i);
        break;
      case DxKind::kIndicator:
        AddUnique(indicators, item.uid);
        by_key["in:" + item.uid].push_back(i);
        break;
      case DxKind::kReportingRate:
        AddUnique(data_sets, item.uid);
        by_key["ds:" + item.uid].push_back(i);
        break;
    }
  }
  auto number = [](const engine::QueryResult& result, size_t column, size_t row) {
    return result.GetDouble(column, row).value_or(0);
  };
  if (!elements.empty()) {
    std::string category = "NULL";
    std::string condition = "coc IS NULL AND category IS NULL";
    if (query.category_id == "co") {
      category = "coc";
      condition = "coc IN " + InList(query.category_items);
    } else if (!query.category_id.empty()) {
      category = "category_option";
      condition = fmt::format("coc IS NULL AND category = {} AND category_option IN {}",
                              sql::StringLiteral(query.category_id), InList(query.category_items));
    }
    DHL_ASSIGN_OR_RETURN(
        auto result,
        lake.Read(kAggregateTable,
                  fmt::format("SELECT de, {}, ou, pe, value, count FROM gold.aggregate WHERE {} "
                              "AND de IN {} AND {} AND value IS NOT NULL",
                              category, condition, InList(elements), where)));
    if (result.has_value()) {
      for (size_t row = 0; row < result->row_count(); ++row) {
        for (size_t dx : by_key["de:" + Text(*result, 0, row)]) {
          GoldRow gold;
          gold.dx = dx;
          gold.category = Text(*result, 1, row);
          gold.ou = Text(*result, 2, row);
          gold.pe = Text(*result, 3, row);
          gold.value = number(*result, 4, row);
          gold.count = number(*result, 5, row);
          rows.push_back(gold);
        }
      }
    }
  }
  if (!operands.empty()) {
    DHL_ASSIGN_OR_RETURN(
        auto result,
        lake.Read(kAggregateTable,
                  fmt::format("SELECT de || '.' || coc, ou, pe, value, count FROM gold.aggregate "
                              "WHERE coc IS NOT NULL AND de || '.' || coc IN {} AND {} AND value "
                              "IS NOT NULL",
                              InList(operands), where)));
    if (result.has_value()) {
      for (size_t row = 0; row < result->row_count(); ++row) {
        for (size_t dx : by_key["op:" + Text(*result, 0, row)]) {
          GoldRow gold;
          gold.dx = dx;
          gold.ou = Text(*result, 1, row);
          gold.pe = Text(*result, 2, row);
          gold.value = number(*result, 3, row);
          gold.count = number(*result, 4, row);
          rows.push_back(gold);
        }
      }
    }
  }
  if (!indicators.empty()) {
    DHL_ASSIGN_OR_RETURN(
        auto result,
        lake.Read(kIndicatorValueTable,
                  fmt::format("SELECT indicator, ou, pe, value, numerator, denominator, factor "
                              "FROM gold.indicator_value WHERE indicator IN {} AND {} AND value "
                              "IS NOT NULL",
                              InList(indicators), where)));
    if (result.has_value()) {
      for (size_t row = 0; row < result->row_count(); ++row) {
        for (size_t dx : by_key["in:" + Text(*result, 0, row)]) {
          GoldRow gold;
          gold.dx = dx;
          gold.ou = Text(*result, 1, row);
          gold.pe = Text(*result, 2, row);
          gold.value = number(*result, 3, row);
          gold.numerator = number(*result, 4, row);
          gold.denominator = number(*result, 5, row);
          gold.factor = number(*result, 6, row);
          gold.has_num_den = true;
          rows.push_back(gold);
        }
      }
    }
  }
  if (!data_sets.empty()) {
    DHL_ASSIGN_OR_RETURN(
        auto result,
        lake.Read(kReportingRateTable,
                  fmt::format("SELECT data_set, ou, pe, expected, actual, actual_on_time, rate, "
                              "rate_on_time FROM gold.reporting_rate WHERE data_set IN {} AND {}",
                              InList(data_sets), where)));
    if (result.has_value()) {
      for (size_t row = 0; row < result->row_count(); ++row) {
        for (size_t dx : by_key["ds:" + Text(*result, 0, row)]) {
          const std::string& metric = query.dx[dx].detail;
          GoldRow gold;
          gold.dx = dx;
          gold.ou = Text(*result, 1, row);
          gold.pe = Text(*result, 2, row);
          gold.expected = number(*result, 3, row);
          gold.actual = number(*result, 4, row);
          gold.actual_on_time = number(*result, 5, row);
          std::optional<double> value;
          if (metric == "REPORTING_RATE") {
            value = result->GetDouble(6, row);
          } else if (metric == "REPORTING_RATE_ON_TIME") {
            value = result->GetDouble(7, row);
          } else if (metric == "ACTUAL_REPORTS") {
            value = gold.actual;
          } else if (metric == "ACTUAL_REPORTS_ON_TIME") {
            value = gold.actual_on_time;
          } else {
            value = gold.expected;
          }
          if (!value.has_value()) {
            continue;
          }
          gold.value = *value;
          rows.push_back(gold);
        }
      }
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// The answer

Json Header(std::string name, std::string column, bool meta) {
  return Json{{"name", std::move(name)},
              {"column", std::move(column)},
              {"valueType", meta ? "TEXT" : "NUMBER"},
              {"type", meta ? "java.lang.String" : "java.lang.Double"},
              {"hidden", false},
              {"meta", meta}};
}

int DimensionOrder(const std::string& id) {
  if (id == "dx") {
    return 0;
  }
  return id == "co" ? 1 : 2;
}

Result<Query> ParseQuery(LakeReader& lake, const AnalyticsRequest& request) {
  Query query;
  std::vector<DimensionSpec> specs;
  for (const auto& [name, value] : request.params) {
    if (name == "dimension" || name == "filter") {
      DHL_ASSIGN_OR_RETURN(DimensionSpec spec, ParseDimension(value, name == "filter"));
      specs.push_back(std::move(spec));
    } else if (name == "skipMeta") {
      DHL_ASSIGN_OR_RETURN(query.options.skip_meta, ParseBoolean(name, value));
    } else if (name == "skipData") {
      DHL_ASSIGN_OR_RETURN(query.options.skip_data, ParseBoolean(name, value));
    } else if (name == "includeNumDen") {
      DHL_ASSIGN_OR_RETURN(query.options.include_num_den, ParseBoolean(name, value));
    } else if (name == "hierarchyMeta") {
      DHL_ASSIGN_OR_RETURN(query.options.hierarchy_meta, ParseBoolean(name, value));
    } else if (name == "showHierarchy") {
      DHL_ASSIGN_OR_RETURN(query.options.show_hierarchy, ParseBoolean(name, value));
    } else if (name == "skipRounding") {
      DHL_ASSIGN_OR_RETURN(query.options.skip_rounding, ParseBoolean(name, value));
    } else if (name == "paging" || name == "ignoreLimit" || name == "includeMetadataDetails" ||
               name == "completedOnly" || name == "hideEmptyRows" || name == "hideEmptyColumns") {
      DHL_RETURN_IF_ERROR(ParseBoolean(name, value).status());
    } else if (name == "displayProperty") {
      std::string property = AsciiUpper(Trim(value));
      if (property != "NAME" && property != "SHORTNAME") {
        return Bad("", fmt::format("Invalid value `{}` for parameter displayProperty: expected "
                                   "NAME or SHORTNAME",
                                   value));
      }
      query.options.short_names = property == "SHORTNAME";
    } else if (name == "aggregationType") {
      Result<AggregationType> type = dhis2::ParseAggregationType(AsciiUpper(Trim(value)));
      if (!type.ok()) {
        return Bad("", fmt::format("Invalid value `{}` for parameter aggregationType: not one of "
                                   "DHIS2's aggregation types (SUM, AVERAGE, COUNT, …)",
                                   value));
      }
      query.options.aggregation_type = *type;
    } else if (name == "startDate" || name == "endDate") {
      return Bad(
          "", fmt::format("Parameter {} is not supported: give periods in the pe dimension", name));
    }
  }
  std::set<std::string> seen;
  for (const DimensionSpec& spec : specs) {
    if (!seen.insert(spec.id).second) {
      bool both = std::any_of(specs.begin(), specs.end(), [&](const DimensionSpec& other) {
        return other.id == spec.id && other.filter != spec.filter;
      });
      if (both) {
        return Bad("E7103", fmt::format("Dimensions cannot be specified as dimension and filter "
                                        "simultaneously: `{}`",
                                        spec.id));
      }
      return Bad("E7111",
                 fmt::format("Dimensions cannot be specified more than once: `{}`", spec.id));
    }
    if (spec.filter) {
      query.filters[spec.id] = spec;
    } else {
      query.dimensions.push_back(spec);
    }
  }
  if (query.dimensions.empty()) {
    return Bad("E7101", "At least one dimension must be specified");
  }
  std::stable_sort(query.dimensions.begin(), query.dimensions.end(),
                   [](const DimensionSpec& a, const DimensionSpec& b) {
                     return DimensionOrder(a.id) < DimensionOrder(b.id);
                   });
  auto find = [&](const std::string& id) -> const DimensionSpec* {
    for (const DimensionSpec& spec : query.dimensions) {
      if (spec.id == id) {
        return &spec;
      }
    }
    auto found = query.filters.find(id);
    return found == query.filters.end() ? nullptr : &found->second;
  };
  const DimensionSpec* dx = find("dx");
  if (dx == nullptr || dx->items.empty()) {
    return Bad("E7102",
               "At least one data dimension item or data element group set dimension "
               "item must be specified");
  }
  const DimensionSpec* pe = find("pe");
  if (pe == nullptr || pe->items.empty()) {
    return Bad("E7104",
               "At least one period as dimension or filter, or start and dates, must be "
               "specified");
  }
  if (query.filters.count("co")) {
    return Bad("E7110", "Category option combos cannot be specified as filter");
  }
  DHL_ASSIGN_OR_RETURN(query.dx, ResolveDx(lake, dx->items, query.options));
  for (const DxItem& item : query.dx) {
    query.names[item.id] = item.name;
  }
  if (dx->filter) {
    int indicators = 0;
    int rates = 0;
    for (const DxItem& item : query.dx) {
      indicators += item.kind == DxKind::kIndicator;
      rates += item.kind == DxKind::kReportingRate;
    }
    if (indicators > 1) {
      return Bad("E7108", "Only a single indicator can be specified as filter");
    }
    if (rates > 1) {
      return Bad("E7109", "Only a single reporting rate can be specified as filter");
    }
  }
  DHL_ASSIGN_OR_RETURN(query.periods, ResolvePeriods(pe->items, request.today, query.names));
  for (const dhis2::Period& period : query.periods) {
    query.names[period.id()] = PeriodDisplayName(period);
  }
  // The category dimension: co, or one category.
  std::vector<const DimensionSpec*> categories;
  for (const DimensionSpec& spec : query.dimensions) {
    if (spec.id != "dx" && spec.id != "pe" && spec.id != "ou") {
      categories.push_back(&spec);
    }
  }
  for (const auto& [id, spec] : query.filters) {
    if (id != "dx" && id != "pe" && id != "ou") {
      categories.push_back(&spec);
    }
  }
  if (categories.size() > 1) {
    return Bad("", fmt::format("Only one of co and the category dimensions can be given at a time "
                               "(the lake's gold.aggregate holds one category's options per row): "
                               "`{}`, `{}`",
                               categories[0]->id, categories[1]->id));
  }
  if (!categories.empty()) {
    const DimensionSpec& spec = *categories[0];
    bool elements_only = std::all_of(query.dx.begin(), query.dx.end(), [](const DxItem& item) {
      return item.kind == DxKind::kDataElement;
    });
    if (!elements_only) {
      return Bad("E7114", fmt::format("Assigned categories can only be specified together with "
                                      "data elements, not indicators, operands or reporting "
                                      "rates: `{}`",
                                      spec.id));
    }
    query.category_id = spec.id;
    query.names.erase(spec.id);
    if (spec.id == "co") {
      std::vector<std::string> combos;
      for (const DxItem& item : query.dx) {
        AddUnique(combos, item.category_combo);
      }
      std::string condition = spec.items.empty() ? "category_combo IN " + InList(combos)
                                                 : "uid IN " + InList(spec.items);
      DHL_ASSIGN_OR_RETURN(auto rows,
                           lake.Read(kCocTable, fmt::format("SELECT uid, name FROM "
                                                            "silver.category_option_combo WHERE "
                                                            "{} ORDER BY name, uid",
                                                            condition)));
      if (rows.has_value()) {
        for (size_t row = 0; row < rows->row_count(); ++row) {
          query.category_items.push_back(Text(*rows, 0, row));
          query.names[Text(*rows, 0, row)] = Text(*rows, 1, row);
        }
      }
      for (const std::string& item : spec.items) {
        if (!query.names.count(item)) {
          return Bad("E7124", fmt::format("Category option combo does not exist: `{}`", item));
        }
      }
    } else {
      if (!IsUid(spec.id)) {
        return Bad("E7125", fmt::format("Dimension identifier does not reference any dimension: "
                                        "`{}`",
                                        spec.id));
      }
      DHL_ASSIGN_OR_RETURN(auto category,
                           lake.Read(kCategoryTable, fmt::format("SELECT name FROM silver.category "
                                                                 "WHERE uid = {}",
                                                                 sql::StringLiteral(spec.id))));
      if (!category.has_value() || category->row_count() == 0) {
        return Bad("E7125", fmt::format("Dimension identifier does not reference any dimension: "
                                        "`{}`",
                                        spec.id));
      }
      query.names[spec.id] = Text(*category, 0, 0);
      std::string options_sql =
          spec.items.empty() ? fmt::format(
                                   "uid IN (SELECT category_option FROM "
                                   "silver.category_option_combo_option WHERE category = {})",
                                   sql::StringLiteral(spec.id))
                             : "uid IN " + InList(spec.items);
      if (spec.items.empty()) {
        if (!lake.Has(kCocOptionTable)) {
          return Bad("E7124",
                     "Category options are not in the lake (no "
                     "silver.category_option_combo_option)");
        }
        lake.Note(kCocOptionTable);
      }
      DHL_ASSIGN_OR_RETURN(auto rows,
                           lake.Read(kCategoryOptionTable,
                                     fmt::format("SELECT uid, {} FROM silver.category_option WHERE "
                                                 "{} ORDER BY name, uid",
                                                 "name", options_sql)));
      if (rows.has_value()) {
        for (size_t row = 0; row < rows->row_count(); ++row) {
          query.category_items.push_back(Text(*rows, 0, row));
          query.names[Text(*rows, 0, row)] = Text(*rows, 1, row);
        }
      }
      for (const std::string& item : spec.items) {
        if (!query.names.count(item)) {
          return Bad("E7124", fmt::format("Category option does not exist: `{}`", item));
        }
      }
    }
    if (!spec.items.empty()) {
      query.category_items = spec.items;  // in the order asked
    }
    if (query.category_items.empty()) {
      return Bad("E7124", fmt::format("Dimension is present in query without any valid dimension "
                                      "options: `{}`",
                                      spec.id));
    }
  }
  return query;
}

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
    std::string text;
    for (size_t i = 0; i < columns.size(); ++i) {
      text += (i == 0 ? "" : ",") + CsvField(columns[i]);
    }
    text += "\n";
    for (const std::vector<std::string>& row : rows) {
      for (size_t i = 0; i < row.size(); ++i) {
        text += (i == 0 ? "" : ",") + CsvField(row[i]);
      }
      text += "\n";
    }
    return text;
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

Result<AnalyticsAnswer> Answer(engine::Connection& connection, const TableVersions& tables,
                               const AnalyticsRequest& request) {
  LakeReader lake(connection, tables);
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
      return Bad("E7124",
                 "Dimension is present in query without any valid dimension options: "
                 "`ou`");
    }
    DHL_ASSIGN_OR_RETURN(query.org_units, resolver.Resolve(ou->items));
    if (query.org_units.empty()) {
      return Bad("E7124",
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
    std::map<std::string, TimeCombination[2]> sides;
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

Result<AnalyticsAnswer> RunAnalytics(engine::Connection& connection, const TableVersions& tables,
                                     const AnalyticsRequest& request) {
  Result<AnalyticsAnswer> answer = Answer(connection, tables, request);
  if (answer.ok()) {
    return answer;
  }
  Status status = answer.status();
  std::string message = status.message();
  size_t marker = message.find(kBadMarker);
  if (status.code() != StatusCode::kInvalidArgument || marker == std::string::npos) {
    return status;
  }
  std::string_view rest = std::string_view(message).substr(marker + sizeof(kBadMarker) - 1);
  size_t space = rest.find(' ');
  std::string code(rest.substr(0, space));
  Json body = {{"httpStatus", "Conflict"},
               {"httpStatusCode", 409},
               {"status", "ERROR"},
               {"message", std::string(rest.substr(space + 1))}};
  if (code != "-") {
    body["errorCode"] = code;
  }
  AnalyticsAnswer conflict;
  conflict.status = 409;
  conflict.content_type = kJsonType;
  conflict.body = body.dump();
  return conflict;
}

}  // namespace dhl::serve
