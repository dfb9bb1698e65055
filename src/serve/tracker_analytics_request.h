// The parameters of DHIS2's aggregate tracker analytics requests
// (`/api/analytics/events/aggregate/PROGRAM` and `/api/analytics/enrollments/aggregate/PROGRAM`),
// parsed and checked without the lake: what outside input can reach before any item is looked up.
// Pure functions, thread-safe.
//
// Forms (dhis2-core DefaultEventDataQueryService, DefaultEventQueryValidator, QueryOperator):
// `dimension=` / `filter=` with `pe:…`, `ou:…`, `PROGRAM_STATUS[:ACTIVE;…]` and query items
// `STAGE.DE`, `STAGE[n].DE`, `DE`, `ATTRIBUTE`, each with optional filters `:OP:VALUE` (several
// pairs allowed: `STAGE.DE:GT:1:LT:5`); DHIS2's comma-separated form (`dimension=ou:a;b,pe:2024`)
// is split at commas outside item lists. Options `stage`, `outputType` (EVENT, ENROLLMENT,
// TRACKED_ENTITY_INSTANCE), `eventStatus`, `programStatus` / `enrollmentStatus`, `startDate` /
// `endDate`, `ouMode` (DESCENDANTS, CHILDREN, SELECTED), `displayProperty`, `relativePeriodDate`,
// `skipMeta`, `skipData`, `sortOrder` (ASC|DESC, by value), `limit`.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "serve/analytics_error.h"

namespace dhl::serve::tracker {

// DHIS2's QueryOperator names this endpoint implements.
enum class FilterOperator { kEq, kNe, kGt, kGe, kLt, kLe, kIn, kLike, kIlike, kSw, kEw };

struct ItemFilter {
  FilterOperator op = FilterOperator::kEq;
  std::string value;  // as given; `NV` means "no value"; IN's values separated by ';'
};

// A query item: a data element (with its stage, "" when not given), a tracked entity attribute,
// the static dimension PROGRAM_STATUS (its statuses as EQ/IN filters) or a stage's EVENT_STATUS.
struct QueryItem {
  std::string id;     // as requested without filters: "STAGE.DE", "STAGE[-1].DE", "UID" or
                      // "programstatus"
  std::string stage;  // "" without a stage prefix
  std::string uid;    // data element or attribute ("" for PROGRAM_STATUS)
  // A repeatable-stage index `STAGE[n].DE` (RepeatableStageParamsHelper): 0 the latest event, -1
  // the one before, 1 the first, 2 the second; unset without brackets.
  std::optional<int> stage_offset;
  bool program_status = false;  // PROGRAM_STATUS / programstatus
  bool event_status = false;    // STAGE.EVENT_STATUS (id "STAGE.eventstatus"; events endpoint)
  std::vector<ItemFilter> filters;
  bool filter = false;  // given as filter= (a condition only, no column)
};

// A pe or ou dimension: its items (ids, relative periods, uids, LEVEL-n, USER_ORGUNIT…).
struct FixedDimension {
  std::vector<std::string> items;
  bool filter = false;
};

enum class OutputType { kEvent, kEnrollment, kTrackedEntity };

// ouMode (OrganisationUnitSelectionMode as JdbcEventAnalyticsManager applies it): DESCENDANTS
// counts a unit's subtree, CHILDREN only records at its children, SELECTED only its own records.
enum class OrgUnitMode { kDescendants, kChildren, kSelected };

struct TrackerRequestParameters {
  std::optional<FixedDimension> pe;
  // The date the periods apply to: "" the record's own (events: occurred, SCHEDULE ones scheduled;
  // enrollments: enrollment date), else a static date dimension given with periods
  // (`dimension=ENROLLMENT_DATE:2024`: EVENT_DATE, SCHEDULED_DATE, ENROLLMENT_DATE, INCIDENT_DATE,
  // LAST_UPDATED, CREATED, COMPLETED), which DHIS2 turns into pe (DefaultEventDataQueryService
  // .normalizeStaticDateDimension).
  std::string date_field;
  // startDate/endDate (yyyy-MM-dd), instead of pe: one range as a filter, no pe column.
  std::optional<std::string> start_date, end_date;
  OrgUnitMode ou_mode = OrgUnitMode::kDescendants;
  std::optional<FixedDimension> ou;
  std::vector<QueryItem> items;  // dimensions and filters, in request order
  std::string stage;             // stage=, "" when not given
  OutputType output_type = OutputType::kEvent;
  std::vector<std::string> event_statuses;          // eventStatus=, upper case
  std::vector<std::string> enrollment_statuses;     // programStatus= / enrollmentStatus=
  std::optional<std::string> relative_period_date;  // yyyy-MM-dd
  bool short_names = false;
  bool aggregate_data = false;  // aggregateData=true: program indicator items (events)
  bool skip_meta = false;
  bool skip_data = false;
  int sort_order = 0;  // 1 ascending, -1 descending by value, 0 by dimensions
  std::optional<int64_t> limit;
};

// Parses `params` (name, value pairs in request order). Refused with DHIS2's error code where it
// has one: `ou:` without items (E7200; no ou at all means the caller's roots), no pe (E7205), a
// dimension given twice (E7201), an item twice (E7202), a malformed item or filter (E7222), an
// operator that does not take NV (E7229), a PROGRAM_STATUS filter without statuses or with an
// unknown one (E7222), pe together with startDate/endDate (E7105), a start after the end (E7206);
// dimensions and parameters this endpoint does not implement (value, aggregationType, the static
// dimensions other than PROGRAM_STATUS, …) are refused naming them.
AnalyticsResult<TrackerRequestParameters> ParseTrackerRequest(
    const std::vector<std::pair<std::string, std::string>>& params);

// The operator's DHIS2 name ("EQ", "LIKE", …).
std::string_view OperatorName(FilterOperator op);

}  // namespace dhl::serve::tracker
