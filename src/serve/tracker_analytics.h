// DHIS2's aggregate tracker analytics (`/api/analytics/events/aggregate/PROGRAM` and
// `/api/analytics/enrollments/aggregate/PROGRAM`) answered from gold.event_analytics,
// gold.enrollment_analytics and gold.tracker_value: counts of events (or, with outputType
// ENROLLMENT / TRACKED_ENTITY_INSTANCE, of distinct enrollments / tracked entities) and of
// enrollments, by org unit (`ou:`, as /api/analytics resolves it), period (`pe:`, any period type:
// an event or enrollment counts in every requested period its date falls in) and query items
// (serve/tracker_analytics_request.h for the request forms).
//
// What counts (dhis2-core JdbcEventAnalyticsTableManager, the analytics_event tables): events not
// deleted, of status ACTIVE, COMPLETED or SCHEDULE, dated by their occurred date (a SCHEDULE event
// by its scheduled date); enrollments not deleted, dated by their enrollment date. An org unit
// counts what lies in its subtree (ouMode CHILDREN: at its children; SELECTED: at itself). A data
// element item reads the event's own value on the events endpoint; on the enrollments endpoint it
// must name its stage (E7225) and reads the value of the enrollment's latest (or, `STAGE[n].DE`,
// n-th) event of that stage that is not scheduled, among all of them on a repeatable stage and
// among those with a value on others (dhis2-core EnrollmentEventSubqueryBuilder). An attribute item
// reads
// the enrollment's value; confidential attributes (HMAC hashes in the lake) are refused. A query
// item given as a dimension is a column (its missing values are a "" group); given as filter= it
// only restricts.
//
// With aggregateData=true the items are program indicators of the programme, answered from
// gold.program_indicator_value as /api/analytics answers dx= (a `dy` column names the indicator).
//
// The answer has DHIS2's shape for these endpoints: events `headers` = items, ou, pe, value;
// enrollments = value, ou, pe, items; metaData.items (program, stages, items, units, periods) and
// metaData.dimensions; rows of strings; width, height, headerWidth. Refusals are 409 with DHIS2's
// envelope and errorCode (E7xxx). Thread safety: as RunAnalytics.
#pragma once

#include <string>

#include "base/status.h"
#include "engine/connection.h"
#include "serve/analytics.h"
#include "serve/analytics_metadata.h"
#include "serve/lake_views.h"

namespace dhl::serve {

enum class TrackerEndpoint { kEvents, kEnrollments };

struct TrackerAnalyticsRequest {
  TrackerEndpoint endpoint = TrackerEndpoint::kEvents;
  std::string program;       // the path's program uid
  AnalyticsRequest request;  // parameters, format, the caller's scope and today
};

// Answers `request` on `connection` (the views of `tables`; `metadata` their silver metadata).
// Bad parameters give an answer with status 409; an error Status means the lake could not be read.
Result<AnalyticsAnswer> RunTrackerAnalytics(engine::Connection& connection,
                                            const TableVersions& tables,
                                            const AnalyticsMetadata& metadata,
                                            const TrackerAnalyticsRequest& request);

}  // namespace dhl::serve
