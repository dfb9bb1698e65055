#include "serve/analytics_request.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <utility>

#include "base/text.h"

namespace dhl::serve::analytics {
namespace {

using dhis2::AggregationType;

AnalyticsResult<DimensionSpec> ParseDimension(std::string_view text, bool filter) {
  DimensionSpec spec;
  spec.filter = filter;
  size_t colon = text.find(':');
  spec.id = std::string(Trim(text.substr(0, colon)));
  if (spec.id.empty()) {
    return Refuse("E7125",
                  fmt::format("Dimension identifier does not reference any dimension: `{}`", text));
  }
  if (colon != std::string_view::npos) {
    for (std::string_view item : Split(text.substr(colon + 1), ';')) {
      std::string trimmed(Trim(item));
      if (!trimmed.empty()) {
        if (std::find(spec.items.begin(), spec.items.end(), trimmed) == spec.items.end()) {
          spec.items.push_back(std::move(trimmed));
        }
      }
    }
  }
  return spec;
}

int DimensionOrder(const std::string& id) {
  if (id == "dx") {
    return 0;
  }
  return id == "co" ? 1 : 2;
}

}  // namespace

AnalyticsResult<bool> ParseBoolean(std::string_view name, std::string_view value) {
  std::string lower = AsciiLower(Trim(value));
  if (lower == "true") {
    return true;
  }
  if (lower == "false") {
    return false;
  }
  return Refuse(
      "", fmt::format("Invalid value `{}` for parameter {}: expected true or false", value, name));
}

AnalyticsResult<bool> ParseDisplayProperty(std::string_view value) {
  std::string property = AsciiUpper(Trim(value));
  if (property != "NAME" && property != "SHORTNAME") {
    return Refuse("", fmt::format("Invalid value `{}` for parameter displayProperty: expected "
                                  "NAME or SHORTNAME",
                                  value));
  }
  return property == "SHORTNAME";
}

const DimensionSpec* FindDimension(const std::vector<DimensionSpec>& dimensions,
                                   const std::map<std::string, DimensionSpec>& filters,
                                   const std::string& id) {
  for (const DimensionSpec& spec : dimensions) {
    if (spec.id == id) return &spec;
  }
  auto found = filters.find(id);
  return found == filters.end() ? nullptr : &found->second;
}

AnalyticsResult<RequestParameters> ParseRequestParameters(
    const std::vector<std::pair<std::string, std::string>>& params) {
  RequestParameters query;
  std::vector<DimensionSpec> specs;
  for (const auto& [name, value] : params) {
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
      DHL_ANALYTICS_RETURN_IF_ERROR(ParseBoolean(name, value));
    } else if (name == "displayProperty") {
      DHL_ASSIGN_OR_RETURN(query.options.short_names, ParseDisplayProperty(value));
    } else if (name == "aggregationType") {
      Result<AggregationType> type = dhis2::ParseAggregationType(AsciiUpper(Trim(value)));
      if (!type.ok()) {
        return Refuse("",
                      fmt::format("Invalid value `{}` for parameter aggregationType: not one of "
                                  "DHIS2's aggregation types (SUM, AVERAGE, COUNT, …)",
                                  value));
      }
      query.options.aggregation_type = *type;
    } else if (name == "startDate" || name == "endDate") {
      return Refuse(
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
        return Refuse("E7103", fmt::format("Dimensions cannot be specified as dimension and filter "
                                           "simultaneously: `{}`",
                                           spec.id));
      }
      return Refuse("E7111",
                    fmt::format("Dimensions cannot be specified more than once: `{}`", spec.id));
    }
    if (spec.filter) {
      query.filters[spec.id] = spec;
    } else {
      query.dimensions.push_back(spec);
    }
  }
  if (query.dimensions.empty()) {
    return Refuse("E7101", "At least one dimension must be specified");
  }
  std::stable_sort(query.dimensions.begin(), query.dimensions.end(),
                   [](const DimensionSpec& a, const DimensionSpec& b) {
                     return DimensionOrder(a.id) < DimensionOrder(b.id);
                   });
  auto find = [&](const std::string& id) {
    return FindDimension(query.dimensions, query.filters, id);
  };
  const DimensionSpec* dx = find("dx");
  if (dx == nullptr || dx->items.empty()) {
    return Refuse("E7102",
                  "At least one data dimension item or data element group set dimension "
                  "item must be specified");
  }
  const DimensionSpec* pe = find("pe");
  if (pe == nullptr || pe->items.empty()) {
    return Refuse("E7104",
                  "At least one period as dimension or filter, or start and dates, must be "
                  "specified");
  }
  if (query.filters.count("co")) {
    return Refuse("E7110", "Category option combos cannot be specified as filter");
  }
  return query;
}

}  // namespace dhl::serve::analytics
