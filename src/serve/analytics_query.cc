#include "serve/analytics_query.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "base/text.h"
#include "dhis2/expression_item.h"
#include "dhis2/relative_period.h"
#include "sql/literal.h"

namespace dhl::serve::analytics {
namespace {

using dhis2::AggregationType;

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
AnalyticsResult<std::vector<DxItem>> ResolveDx(LakeReader& lake,
                                               const std::vector<std::string>& ids,
                                               const Options& options) {
  std::vector<std::string> uids;
  std::vector<std::string> cocs;
  for (const std::string& id : ids) {
    std::vector<std::string_view> parts = Split(id, '.');
    if (parts.size() > 2 || !IsUid(parts[0]) ||
        (parts.size() == 2 && !IsUid(parts[1]) && !IsMetric(parts[1]))) {
      return Refuse("E7124",
                    fmt::format("Data item is not a valid indicator, data element, operand "
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
  const AnalyticsMetadata& metadata = lake.metadata();
  auto display = [&](const std::string& name, const std::optional<std::string>& short_name) {
    return options.short_names && short_name.has_value() ? *short_name : name;
  };
  if (lake.Uses(kIndicatorTable)) {
    for (const std::string& uid : uids) {
      auto found = metadata.indicators().find(uid);
      if (found == metadata.indicators().end()) {
        continue;
      }
      const AnalyticsMetadata::Indicator& indicator = found->second;
      DxItem item;
      item.kind = DxKind::kIndicator;
      item.uid = uid;
      item.name = display(indicator.name, indicator.short_name);
      item.decimals = static_cast<int>(indicator.decimals.value_or(kDefaultDecimals));
      item.factor = indicator.factor;
      item.annualized = indicator.annualized;
      item.numerator = indicator.numerator;
      item.denominator = indicator.denominator;
      indicators[uid] = item;
    }
  }
  if (lake.Uses(kDataElementTable)) {
    for (const std::string& uid : uids) {
      auto found = metadata.data_elements().find(uid);
      if (found == metadata.data_elements().end()) {
        continue;
      }
      const AnalyticsMetadata::DataElement& element = found->second;
      DxItem item;
      item.kind = DxKind::kDataElement;
      item.uid = uid;
      item.name = display(element.name, element.short_name);
      Result<AggregationType> type = dhis2::ParseAggregationType(element.aggregation_type);
      item.aggregation = type.ok() ? *type : AggregationType::kSum;
      Result<dhis2::ValueType> value_type = dhis2::ParseValueType(element.value_type);
      if (value_type.ok()) {
        item.data_type = dhis2::AnalyticsDataTypeOf(*value_type);
      }
      item.category_combo = element.category_combo;
      elements[uid] = item;
    }
  }
  std::map<std::string, DxItem> program_indicators;
  if (lake.Uses(kProgramIndicatorTable)) {
    for (const std::string& uid : uids) {
      auto found = metadata.program_indicators().find(uid);
      if (found == metadata.program_indicators().end()) {
        continue;
      }
      DxItem item;
      item.kind = DxKind::kProgramIndicator;
      item.uid = uid;
      item.name = display(found->second.name, found->second.short_name);
      item.decimals = static_cast<int>(found->second.decimals.value_or(kDefaultDecimals));
      program_indicators[uid] = item;
    }
  }
  if (lake.Uses(kDataSetTable)) {
    for (const std::string& uid : uids) {
      auto found = metadata.data_sets().find(uid);
      if (found != metadata.data_sets().end()) {
        data_sets[uid] = found->second;
      }
    }
  }
  if (!cocs.empty() && lake.Uses(kCocTable)) {
    for (const AnalyticsMetadata::Named& coc : metadata.category_option_combos()) {
      if (std::find(cocs.begin(), cocs.end(), coc.uid) != cocs.end()) {
        coc_names[coc.uid] = coc.name;
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
      } else if (auto program = program_indicators.find(uid); program != program_indicators.end()) {
        item = program->second;
      } else {
        return Refuse("E7124", fmt::format("Data item does not exist as an indicator, a data "
                                           "element or a program indicator: `{}`",
                                           id));
      }
    } else if (IsMetric(parts[1])) {
      auto found = data_sets.find(uid);
      if (found == data_sets.end()) {
        return Refuse("E7124",
                      fmt::format("Reporting rate refers to a data set that does not exist: "
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
        return Refuse("E7124", fmt::format("Operand refers to a data element or category option "
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

}  // namespace

AnalyticsResult<std::vector<dhis2::Period>> ResolvePeriods(
    const std::vector<std::string>& ids, dhis2::Date today,
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
      return Refuse("E7124",
                    fmt::format("Period is neither a period id nor a relative period: `{}`", id));
    }
    AddUnique(periods, *period);
  }
  return periods;
}

AnalyticsResult<Query> ParseQuery(LakeReader& lake, const AnalyticsRequest& request) {
  Query query;
  DHL_ASSIGN_OR_RETURN(RequestParameters parameters, ParseRequestParameters(request.params));
  query.dimensions = std::move(parameters.dimensions);
  query.filters = std::move(parameters.filters);
  query.options = parameters.options;
  auto find = [&](const std::string& id) {
    return FindDimension(query.dimensions, query.filters, id);
  };
  const DimensionSpec* dx = find("dx");
  const DimensionSpec* pe = find("pe");
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
      return Refuse("E7108", "Only a single indicator can be specified as filter");
    }
    if (rates > 1) {
      return Refuse("E7109", "Only a single reporting rate can be specified as filter");
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
    return Refuse("",
                  fmt::format("Only one of co and the category dimensions can be given at a time "
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
      return Refuse("E7114", fmt::format("Assigned categories can only be specified together with "
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
      if (lake.Uses(kCocTable)) {
        for (const AnalyticsMetadata::Named& coc : lake.metadata().category_option_combos()) {
          bool wanted =
              spec.items.empty()
                  ? std::find(combos.begin(), combos.end(), coc.category_combo) != combos.end()
                  : std::find(spec.items.begin(), spec.items.end(), coc.uid) != spec.items.end();
          if (wanted) {
            query.category_items.push_back(coc.uid);
            query.names[coc.uid] = coc.name;
          }
        }
      }
      for (const std::string& item : spec.items) {
        if (!query.names.count(item)) {
          return Refuse("E7124", fmt::format("Category option combo does not exist: `{}`", item));
        }
      }
    } else {
      if (!IsUid(spec.id)) {
        return Refuse("E7125", fmt::format("Dimension identifier does not reference any dimension: "
                                           "`{}`",
                                           spec.id));
      }
      const AnalyticsMetadata& metadata = lake.metadata();
      auto category = metadata.categories().find(spec.id);
      if (!lake.Uses(kCategoryTable) || category == metadata.categories().end()) {
        return Refuse("E7125", fmt::format("Dimension identifier does not reference any dimension: "
                                           "`{}`",
                                           spec.id));
      }
      query.names[spec.id] = category->second;
      if (spec.items.empty()) {
        if (!lake.Has(kCocOptionTable)) {
          return Refuse("E7124",
                        "Category options are not in the lake (no "
                        "silver.category_option_combo_option)");
        }
        lake.Note(kCocOptionTable);
      }
      static const std::set<std::string> kNone;
      auto of_category = metadata.options_of_category().find(spec.id);
      const std::set<std::string>& options_of_category =
          of_category == metadata.options_of_category().end() ? kNone : of_category->second;
      if (lake.Uses(kCategoryOptionTable)) {
        for (const AnalyticsMetadata::Named& option : metadata.category_options()) {
          bool wanted = spec.items.empty() ? options_of_category.count(option.uid) > 0
                                           : std::find(spec.items.begin(), spec.items.end(),
                                                       option.uid) != spec.items.end();
          if (wanted) {
            query.category_items.push_back(option.uid);
            query.names[option.uid] = option.name;
          }
        }
      }
      for (const std::string& item : spec.items) {
        if (!query.names.count(item)) {
          return Refuse("E7124", fmt::format("Category option does not exist: `{}`", item));
        }
      }
    }
    if (!spec.items.empty()) {
      query.category_items = spec.items;  // in the order asked
    }
    if (query.category_items.empty()) {
      return Refuse("E7124",
                    fmt::format("Dimension is present in query without any valid dimension "
                                "options: `{}`",
                                spec.id));
    }
  }
  return query;
}

}  // namespace dhl::serve::analytics
