// DHIS2's aggregate analytics API (`/api/analytics`) answered from the gold tables.
//
// The request form is DHIS2's: `dimension=dx:a;b`, `dimension=pe:202401;LAST_12_MONTHS`,
// `dimension=ou:uid;LEVEL-2`, `dimension=co` (or `co:`), a category uid as a dimension
// (`dimension=<category>:<option>;…`, or all its options), the same forms as `filter=`, and the
// options aggregationType, displayProperty (NAME|SHORTNAME), skipMeta, skipData, includeNumDen,
// hierarchyMeta, showHierarchy and skipRounding (booleans case-insensitive). dx items are
// indicators, data elements, operands (`de.coc`) and reporting rates (`ds.REPORTING_RATE`,
// `…_ON_TIME`, `ds.ACTUAL_REPORTS`, `…_ON_TIME`, `ds.EXPECTED_REPORTS`); pe items fixed ids or
// relative periods resolved against `today`; ou items uids, `LEVEL-n`, `OU_GROUP-uid` (within the
// uids given with them, else within the caller's roots), `USER_ORGUNIT`, `USER_ORGUNIT_CHILDREN`
// and `USER_ORGUNIT_GRANDCHILDREN` (the caller's roots, their children and grandchildren).
//
// Figures come from gold.aggregate (data elements, operands, category options),
// gold.indicator_value and gold.reporting_rate; names and hierarchy from the silver metadata
// tables, loaded once per set of their versions (serve/analytics_metadata.h). A filter with several
// items combines the gold rows as DHIS2 aggregates (each data element's aggregation type across org
// units and across time; numerators and denominators of indicators separately, then the indicator's
// factor and annualisation; reporting rates from their summed expected and actual reports). Values
// are rounded as DHIS2 rounds (the indicator's decimals, else one decimal, two below 1 in
// magnitude; skipRounding=true keeps 10 decimals).
//
// The answer has DHIS2's shape: headers {name, column, valueType, type, hidden, meta},
// metaData.items and metaData.dimensions (and ouHierarchy with hierarchyMeta), rows of strings,
// width, height, headerWidth. CSV is a header line of the columns' names, then the rows. A bad
// parameter is answered 409 with DHIS2's error envelope and errorCode (E71xx).
//
// Scope: every org unit an answer reads lies in the caller's subtrees (`ou_scope`; empty = the
// whole country); asking for another unit is a 409 (E7120), and a request without ou is limited to
// the caller's roots. Thread safety: RunAnalytics may run concurrently on different connections.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "dhis2/period.h"
#include "engine/connection.h"
#include "lake/lake_catalog.h"
#include "serve/analytics_error.h"
#include "serve/analytics_metadata.h"
#include "serve/lake_views.h"

namespace dhl::serve {

struct AnalyticsRequest {
  std::vector<std::pair<std::string, std::string>> params;
  std::string format = "json";  // json | csv
  std::vector<std::string> ou_scope;
  std::string caller = "anonymous";  // named in access errors
  dhis2::Date today{};               // relative periods are resolved against it
};

struct AnalyticsAnswer {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<lake::TableName> tables_read;
};

// Answers `request` on `connection`, whose database holds the views of the tables in `tables`;
// `metadata` is the silver metadata of those versions (AnalyticsMetadata::Load, or MetadataCache).
// Bad parameters give an answer with status 409; an error Status means the lake could not be read.
Result<AnalyticsAnswer> RunAnalytics(engine::Connection& connection, const TableVersions& tables,
                                     const AnalyticsMetadata& metadata,
                                     const AnalyticsRequest& request);

// The answer to a refused request: 409 with DHIS2's error envelope (httpStatus, httpStatusCode,
// status, message and, when the refusal has one, errorCode).
AnalyticsAnswer ConflictAnswer(const Refusal& refusal);

// `answer` itself, its refusal as ConflictAnswer, or the error Status of a lake that could not be
// read.
Result<AnalyticsAnswer> AnswerOrConflict(AnalyticsResult<AnalyticsAnswer> answer);

// The rounding of analytics values (dhis2-core AnalyticsUtils.getRoundedValue): `decimals` >= 0
// rounds to that many places (half away from zero), a negative `decimals` means DHIS2's default
// (two places below 1 in magnitude, else one); `skip_rounding` keeps 10 places.
double RoundAnalyticsValue(double value, int decimals, bool skip_rounding);

// A value as DHIS2 writes it in rows: integral values without a fraction ("10"), others with the
// digits they have ("171.4").
std::string FormatAnalyticsValue(double value);

// The English display name DHIS2 gives a period: "June 2023", "April - June 2023", "2023",
// "Week 23 2023-06-05 - 2023-06-11", "October 2022 - September 2023".
std::string PeriodDisplayName(const dhis2::Period& period);

}  // namespace dhl::serve
