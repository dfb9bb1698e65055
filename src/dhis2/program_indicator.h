// A DHIS2 program indicator as analytics uses it: its expression and filter, analytics type,
// aggregation type, analytics period boundaries and org-unit field (dhis2-core ProgramIndicator and
// AnalyticsPeriodBoundary; docs/program_indicators.md). Plain values, copyable, thread-safe to
// read.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "dhis2/aggregation_type.h"
#include "dhis2/period_type.h"

namespace dhl::dhis2 {

enum class AnalyticsType { kEvent, kEnrollment };

// dhis2-core AnalyticsPeriodBoundaryType.
enum class BoundaryType {
  kBeforeStartOfReportingPeriod,
  kBeforeEndOfReportingPeriod,
  kAfterStartOfReportingPeriod,
  kAfterEndOfReportingPeriod,
};

std::string_view BoundaryTypeName(BoundaryType type);

struct PeriodBoundary {
  // EVENT_DATE, ENROLLMENT_DATE, INCIDENT_DATE, SCHEDULED_DATE, PS_EVENTDATE:<stage>,
  // #{stage.dataElement} or A{attribute} (a date value: a cohort boundary).
  std::string target;
  BoundaryType type = BoundaryType::kAfterStartOfReportingPeriod;
  int offset_periods = 0;
  std::optional<PeriodType> offset_period_type;  // unset: no offset

  // The boundary's date lies at the period's start (AFTER_START, BEFORE_START) or at the day
  // after its end (BEFORE_END, AFTER_END), then moves by the offset (AnalyticsPeriodBoundary.
  // getBoundaryDate). A target satisfies an AFTER boundary when it is on or after that date and a
  // BEFORE boundary when it is before it (BoundarySqlBuilder).
  bool at_start() const;
  bool is_after() const;
  // An event-date boundary (EVENT_DATE or SCHEDULED_DATE): in enrollment indicators it restricts
  // the events read, not the enrollments (ProgramIndicator.getStart/EndEventBoundary).
  bool is_event_date() const { return target == "EVENT_DATE" || target == "SCHEDULED_DATE"; }
};

struct ProgramIndicator {
  std::string uid;
  std::string name;
  std::string program;
  AnalyticsType analytics_type = AnalyticsType::kEvent;
  std::string expression;
  std::string filter;  // empty: every event / enrollment
  // As configured; analytics uses AggregationTypeFallback().
  std::optional<AggregationType> aggregation_type;
  std::vector<PeriodBoundary> boundaries;
  std::string org_unit_field;  // empty: the event's / enrollment's own org unit
  int decimals = -1;           // -1: not set

  // ProgramIndicator.getAggregationTypeFallback: AVERAGE when unset; AVERAGE_SUM_ORG_UNIT,
  // LAST_IN_PERIOD, MAX/MIN_SUM_ORG_UNIT become SUM; LAST_IN_PERIOD_AVERAGE_ORG_UNIT and DEFAULT
  // become AVERAGE.
  AggregationType AggregationTypeFallback() const;
};

// The indicator from its Web API JSON (bronze.metadata_program_indicator's `object`). Invalid
// argument naming the indicator for a missing id, an unknown analytics type, aggregation type,
// boundary type or offset period type.
Result<ProgramIndicator> ProgramIndicatorFromJson(const nlohmann::json& object);

}  // namespace dhl::dhis2
