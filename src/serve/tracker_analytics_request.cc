#include "serve/tracker_analytics_request.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "base/text.h"
#include "dhis2/period.h"
#include "serve/analytics_request.h"
#include "serve/lake_reader.h"

namespace dhl::serve::tracker {
namespace {

struct OperatorSpelling {
  std::string_view name;
  FilterOperator op;
};

constexpr OperatorSpelling kOperators[] = {
    {"EQ", FilterOperator::kEq},       {"NE", FilterOperator::kNe},
    {"NEQ", FilterOperator::kNe},      {"!EQ", FilterOperator::kNe},
    {"GT", FilterOperator::kGt},       {"GE", FilterOperator::kGe},
    {"LT", FilterOperator::kLt},       {"LE", FilterOperator::kLe},
    {"IN", FilterOperator::kIn},       {"LIKE", FilterOperator::kLike},
    {"ILIKE", FilterOperator::kIlike}, {"SW", FilterOperator::kSw},
    {"EW", FilterOperator::kEw},
};

// The dimensions DHIS2 offers on these endpoints that the lake does not answer (yet).
constexpr std::string_view kStaticDimensions[] = {
    "EVENT_STATUS",    "EVENT_DATE",   "ENROLLMENT_DATE", "INCIDENT_DATE", "SCHEDULED_DATE",
    "LAST_UPDATED",    "CREATED",      "COMPLETED",       "ENROLLMENT_OU", "CREATED_BY",
    "LAST_UPDATED_BY", "OU_GROUP_SET", "longitude",       "latitude"};

// DimensionConstants.STATIC_DATE_DIMENSIONS.
constexpr std::string_view kStaticDateDimensions[] = {
    "EVENT_DATE",   "SCHEDULED_DATE", "ENROLLMENT_DATE", "INCIDENT_DATE",
    "LAST_UPDATED", "CREATED",        "COMPLETED"};

// EnrollmentStatus.
constexpr std::string_view kEnrollmentStatuses[] = {"ACTIVE", "COMPLETED", "CANCELLED"};

template <typename Enum>
struct Choice {
  std::string_view name;
  Enum value;
};

constexpr Choice<OutputType> kOutputTypes[] = {
    {"EVENT", OutputType::kEvent},
    {"ENROLLMENT", OutputType::kEnrollment},
    {"TRACKED_ENTITY_INSTANCE", OutputType::kTrackedEntity}};
// ACCESSIBLE, CAPTURE and ALL (the user's units) are not taken.
constexpr Choice<OrgUnitMode> kOrgUnitModes[] = {{"DESCENDANTS", OrgUnitMode::kDescendants},
                                                 {"CHILDREN", OrgUnitMode::kChildren},
                                                 {"SELECTED", OrgUnitMode::kSelected}};

// The choice named by `value` (any case), or a refusal listing the names.
template <typename Enum, size_t N>
AnalyticsResult<Enum> ParseChoice(std::string_view parameter, std::string_view value,
                                  const Choice<Enum> (&choices)[N]) {
  std::string upper = AsciiUpper(Trim(value));
  std::vector<std::string_view> names;
  for (const Choice<Enum>& choice : choices) {
    if (choice.name == upper) {
      return choice.value;
    }
    names.push_back(choice.name);
  }
  return Refuse("", fmt::format("Invalid value `{}` for parameter {}: expected one of {}", value,
                                parameter, fmt::join(names, ", ")));
}

bool IsNv(std::string_view value) { return value == "NV"; }

// The stage uid of `STAGE` or `STAGE[n]` with its index (RepeatableStageParamsHelper's
// `\[-?\d+\]`); false when malformed.
bool ParseStage(std::string_view text, std::string_view& stage, std::optional<int>& offset) {
  size_t bracket = text.find('[');
  if (bracket == std::string_view::npos) {
    stage = text;
    return analytics::IsUid(stage);
  }
  stage = text.substr(0, bracket);
  std::string_view index = text.substr(bracket + 1);
  if (!analytics::IsUid(stage) || index.size() < 2 || index.back() != ']') {
    return false;
  }
  index.remove_suffix(1);
  int value = 0;
  const char* begin = index.data();
  const char* end = index.data() + index.size();
  auto [stop, error] = std::from_chars(begin, end, value);
  if (error != std::errc() || stop != end || index.front() == '+') {
    return false;
  }
  offset = value;
  return true;
}

// `PROGRAM_STATUS[:ACTIVE;COMPLETED]` (DefaultEventDataQueryService.getProgramStatusDimension):
// without statuses a column only; as filter= statuses are required (E7222).
AnalyticsResult<QueryItem> ParseProgramStatus(std::string_view text, std::string_view statuses,
                                              bool filter) {
  QueryItem item;
  item.id = "programstatus";
  item.program_status = true;
  item.filter = filter;
  std::vector<std::string> values;
  for (std::string_view part : Split(statuses, ';')) {
    std::string status = AsciiUpper(Trim(part));
    if (status.empty() && statuses.empty()) {
      continue;
    }
    if (std::find(std::begin(kEnrollmentStatuses), std::end(kEnrollmentStatuses), status) ==
        std::end(kEnrollmentStatuses)) {
      return Refuse("E7222", fmt::format("Query item or filter is invalid: `{}`", text));
    }
    if (std::find(values.begin(), values.end(), status) == values.end()) {
      values.push_back(status);
    }
  }
  if (filter && values.empty()) {
    return Refuse("E7222", fmt::format("Query item or filter is invalid: `{}`", text));
  }
  if (!values.empty()) {
    std::string joined;
    for (const std::string& value : values) {
      joined += (joined.empty() ? "" : ";") + value;
    }
    item.filters.push_back({FilterOperator::kIn, joined});
  }
  return item;
}

// `STAGE.DE[:OP:VALUE]…`, `STAGE[n].DE…` or `UID[:OP:VALUE]…`.
AnalyticsResult<QueryItem> ParseItem(std::string_view text, bool filter) {
  std::vector<std::string_view> parts = Split(text, ':');
  QueryItem item;
  item.filter = filter;
  item.id = std::string(Trim(parts[0]));
  std::vector<std::string_view> names = Split(item.id, '.');
  std::string_view stage;
  if (names.size() == 2 && names[1] == "EVENT_STATUS" && analytics::IsUid(names[0])) {
    // DefaultQueryItemLocator.getEventStatus: the event's status, header "STAGE.eventstatus".
    item.event_status = true;
    item.stage = std::string(names[0]);
    item.id = item.stage + ".eventstatus";
  }
  bool well_formed = item.event_status || (names.size() == 1 && analytics::IsUid(names[0])) ||
                     (names.size() == 2 && ParseStage(names[0], stage, item.stage_offset) &&
                      analytics::IsUid(names[1]));
  if (!well_formed) {
    for (std::string_view name : kStaticDimensions) {
      if (names.back() == name) {
        return Refuse("", fmt::format("Dimension `{}` is not supported by the lake's tracker "
                                      "analytics (data elements, attributes, pe and ou are)",
                                      text));
      }
    }
    return Refuse("E7226", fmt::format("Dimension is not a valid query item: `{}`", text));
  }
  if (!item.event_status) {
    item.stage = names.size() == 2 ? std::string(stage) : "";
    item.uid = std::string(names.back());
  }
  if ((parts.size() - 1) % 2 != 0) {
    return Refuse("E7222", fmt::format("Query item or filter is invalid: `{}`", text));
  }
  for (size_t i = 1; i + 1 < parts.size(); i += 2) {
    std::string op = AsciiUpper(Trim(parts[i]));
    auto found =
        std::find_if(std::begin(kOperators), std::end(kOperators),
                     [&](const OperatorSpelling& spelling) { return spelling.name == op; });
    std::string value(Trim(parts[i + 1]));
    if (found == std::end(kOperators) || value.empty()) {
      return Refuse("E7222", fmt::format("Query item or filter is invalid: `{}`", text));
    }
    bool nv_allowed = found->op == FilterOperator::kEq || found->op == FilterOperator::kNe ||
                      found->op == FilterOperator::kIn;
    bool has_nv = false;
    for (std::string_view part : Split(value, ';')) {
      has_nv = has_nv || IsNv(Trim(part));
    }
    if (has_nv && !nv_allowed) {
      return Refuse("E7229",
                    fmt::format("Query operator `{}` does not allow missing values", found->name));
    }
    item.filters.push_back({found->op, value});
  }
  return item;
}

AnalyticsResult<FixedDimension> ParseFixed(std::string_view items, bool filter) {
  FixedDimension dimension;
  dimension.filter = filter;
  for (std::string_view item : Split(items, ';')) {
    std::string trimmed(Trim(item));
    if (!trimmed.empty() && std::find(dimension.items.begin(), dimension.items.end(), trimmed) ==
                                dimension.items.end()) {
      dimension.items.push_back(std::move(trimmed));
    }
  }
  return dimension;
}

std::vector<std::string> Statuses(std::string_view value) {
  std::vector<std::string> statuses;
  for (std::string_view part : Split(value, ';')) {
    std::string status = AsciiUpper(Trim(part));
    if (!status.empty()) {
      statuses.push_back(status);
    }
  }
  return statuses;
}

}  // namespace

std::string_view OperatorName(FilterOperator op) {
  for (const OperatorSpelling& spelling : kOperators) {
    if (spelling.op == op) {
      return spelling.name;
    }
  }
  return "EQ";
}

AnalyticsResult<TrackerRequestParameters> ParseTrackerRequest(
    const std::vector<std::pair<std::string, std::string>>& params) {
  TrackerRequestParameters request;
  std::set<std::string> seen_items;
  for (const auto& [name, value] : params) {
    if (name == "dimension" || name == "filter") {
      bool filter = name == "filter";
      for (std::string_view part : Split(value, ',')) {
        std::string_view text = Trim(part);
        if (text.empty()) {
          continue;
        }
        std::string_view id = Trim(text.substr(0, text.find(':')));
        std::string_view rest =
            text.find(':') == std::string_view::npos ? "" : text.substr(text.find(':') + 1);
        if (AsciiUpper(id) == "PROGRAM_STATUS" || id == "programstatus") {
          DHL_ASSIGN_OR_RETURN(QueryItem item, ParseProgramStatus(text, rest, filter));
          if (!seen_items.insert(item.id).second) {
            return Refuse("E7201",
                          "Dimensions cannot be specified more than once: "
                          "`programstatus`");
          }
          request.items.push_back(std::move(item));
          continue;
        }
        bool date_periods = !rest.empty() && std::find(std::begin(kStaticDateDimensions),
                                                       std::end(kStaticDateDimensions),
                                                       id) != std::end(kStaticDateDimensions);
        if (date_periods) {
          std::string first = AsciiUpper(rest.substr(0, rest.find(':')));
          for (std::string_view op : {"GT", "GE", "LT", "LE", "EQ", "NE"}) {
            if (rest.find(':') != std::string_view::npos && first == op) {
              return Refuse("", fmt::format("Date comparisons (`{}`) are not supported by the "
                                            "lake's tracker analytics: give periods",
                                            text));
            }
          }
        }
        if (id == "pe" || id == "ou" || date_periods) {
          std::optional<FixedDimension>& slot = id == "ou" ? request.ou : request.pe;
          if (slot.has_value()) {
            return Refuse("E7201",
                          fmt::format("Dimensions cannot be specified more than once: `{}`",
                                      id == "ou" ? "ou" : "pe"));
          }
          DHL_ASSIGN_OR_RETURN(slot, ParseFixed(rest, filter));
          if (date_periods) {
            request.date_field = std::string(id);
          }
          continue;
        }
        DHL_ASSIGN_OR_RETURN(QueryItem item, ParseItem(text, filter));
        if (!seen_items.insert(item.id).second) {
          return Refuse("E7202", fmt::format("Query items cannot be specified more than once: `{}`",
                                             item.id));
        }
        request.items.push_back(std::move(item));
      }
    } else if (name == "stage") {
      request.stage = std::string(Trim(value));
      if (!request.stage.empty() && !analytics::IsUid(request.stage)) {
        return Refuse("E7130",
                      fmt::format("Program stage is specified but does not exist: `{}`", value));
      }
    } else if (name == "outputType") {
      DHL_ASSIGN_OR_RETURN(request.output_type, ParseChoice(name, value, kOutputTypes));
    } else if (name == "eventStatus") {
      request.event_statuses = Statuses(value);
    } else if (name == "programStatus" || name == "enrollmentStatus") {
      if (!request.enrollment_statuses.empty()) {
        return Refuse("E7139",
                      "Parameters programStatus and enrollmentStatus cannot be used "
                      "together");
      }
      request.enrollment_statuses = Statuses(value);
    } else if (name == "relativePeriodDate") {
      request.relative_period_date = std::string(Trim(value));
    } else if (name == "displayProperty") {
      DHL_ASSIGN_OR_RETURN(request.short_names, analytics::ParseDisplayProperty(value));
    } else if (name == "aggregateData") {
      DHL_ASSIGN_OR_RETURN(request.aggregate_data, analytics::ParseBoolean(name, value));
    } else if (name == "skipMeta") {
      DHL_ASSIGN_OR_RETURN(request.skip_meta, analytics::ParseBoolean(name, value));
    } else if (name == "skipData") {
      DHL_ASSIGN_OR_RETURN(request.skip_data, analytics::ParseBoolean(name, value));
    } else if (name == "sortOrder") {
      std::string order = AsciiUpper(Trim(value));
      if (order != "ASC" && order != "DESC") {
        return Refuse("", fmt::format("Invalid value `{}` for parameter sortOrder: expected ASC "
                                      "or DESC",
                                      value));
      }
      request.sort_order = order == "ASC" ? 1 : -1;
    } else if (name == "limit") {
      Result<int64_t> limit = ParseInt64(Trim(value), "limit", 1, 10000);
      if (!limit.ok()) {
        return Refuse("", fmt::format("Invalid value `{}` for parameter limit: expected a "
                                      "number from 1 to 10000",
                                      value));
      }
      request.limit = *limit;
    } else if (name == "startDate" || name == "endDate") {
      std::string date(Trim(value));
      if (!dhis2::ParseDate(date).ok()) {
        return Refuse("E7135", fmt::format("Date time is not parsable: `{}`", value));
      }
      (name == "startDate" ? request.start_date : request.end_date) = date;
    } else if (name == "ouMode") {
      DHL_ASSIGN_OR_RETURN(request.ou_mode, ParseChoice(name, value, kOrgUnitModes));
    } else if (name == "value" || name == "aggregationType" || name == "timeField" ||
               name == "orgUnitField" || name == "columns" || name == "rows" ||
               name == "collapseDataDimensions" || name == "coordinatesOnly" || name == "headers") {
      return Refuse("", fmt::format("Parameter {} is not supported by the lake's tracker "
                                    "analytics (counts by pe, ou and query items are)",
                                    name));
    }
  }
  if (request.ou.has_value() && request.ou->items.empty()) {
    return Refuse("E7200", "At least one organisation unit must be specified");
  }
  bool dates = request.start_date.has_value() && request.end_date.has_value();
  if (request.pe.has_value() && (request.start_date.has_value() || request.end_date.has_value())) {
    return Refuse("E7105", "Periods and start and end dates cannot be specified simultaneously");
  }
  if ((!request.pe.has_value() || request.pe->items.empty()) && !dates) {
    return Refuse("E7205", "Start and end date or at least one period must be specified");
  }
  if (dates && *dhis2::ParseDate(*request.end_date) < *dhis2::ParseDate(*request.start_date)) {
    return Refuse("E7206", fmt::format("Start date is after end date: `{}`, `{}`",
                                       *request.start_date, *request.end_date));
  }
  return request;
}

}  // namespace dhl::serve::tracker
