// Compilation of a program indicator into ONE set-based SQL query (DuckDB and Spark SQL, the subset
// models use) computing its value for every org unit at every level and every period of the
// periods relation: what DHIS2's event and enrollment analytics compute per request
// (docs/program_indicators.md names the dhis2-core class behind each rule).
//
// The query reads relations the caller names (already rendered SQL: a table, a view, or a model's
// ref()); they hold live records only or carry a `deleted` flag that the query honours:
//   events            event, program, program_stage, enrollment, tracked_entity, ou, status,
//                     occurred_at, scheduled_at, created_at, updated_at, completed_at, deleted
//   enrollments       enrollment, program, tracked_entity, ou, status, enrolled_at, occurred_at
//                     (the incident date), created_at, updated_at, completed_at, deleted
//   event_values      event, de, value (DOUBLE or NULL), value_text
//   attribute_values  tracked_entity, attribute, value_text
//   relationships     relationship, relationship_type, from_tracked_entity, to_tracked_entity
//   constants         uid, value
//   program_stages    uid, name
//   org_units         uid, level1_uid ... levelN_uid (N = org_unit_levels)
//   periods           pe, period_type, start_date, end_date (DATE)
//   tracked_entities  tracked_entity, ou (the registration org unit), live ones only; optional:
//                     empty leaves orgUnitField REGISTRATION unsupported
// and returns the columns program_indicator, ou, ou_level, pe, period_type, value (DOUBLE): one row
// per org unit (at each of levels 1..N, the unit holding the event's or enrollment's org unit) x
// period with at least one value. Distinct counts (V{tei_count}, V{org_unit_count}, and
// V{enrollment_count} in an event indicator) are counted distinct at each level, never added up.
//
// Rules in brief: a row (event or enrollment) belongs to a period when it meets every boundary
// that applies to rows (in an enrollment indicator the event-date boundaries apply to the events
// it reads instead), or, without such boundaries, when its event date (event indicators) or
// enrollment date lies in the period. The filter keeps rows where it is true. The expression's
// value per row is aggregated with the indicator's aggregation type (fallback as DHIS2); FIRST and
// LAST (and their _AVERAGE_ORG_UNIT forms) of an event indicator take each org unit's first or
// last event of the period (by event date, then creation) and sum (average) those over units; of
// an enrollment indicator they sum (average) every row, as DHIS2's enrollment analytics does.
// In an enrollment indicator #{stage.de} is the value of the latest event of the stage (by event
// date; by scheduled date when the end event boundary targets it) with a value for the data
// element, among the events within the event-date boundaries; .stageOffset(n) picks an earlier
// (n < 0) or the n-th (n > 0) such event and needs a repeatable stage (E2039).
//
// Errors: Unsupported for what is not computed (FIRST_FIRST/LAST_LAST_ORG_UNIT, NONE, CUSTOM
// aggregation, an org-unit field of
// ownership (or registration without a tracked_entities relation), a hashed attribute used other
// than compared with == or != to a literal, ...), InvalidArgument for what DHIS2 refuses; each
// message starts with "program indicator <uid> (<expression|filter>)" and names the character.
// Pure; thread-safe.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "base/status.h"
#include "dhis2/program_expression.h"
#include "dhis2/program_indicator.h"
#include "sql/dialect.h"

namespace dhl::dhis2 {

struct ProgramIndicatorRelations {
  std::string events, enrollments, event_values, attribute_values, relationships, constants,
      program_stages, org_units, periods;
  std::string tracked_entities;  // optional (orgUnitField REGISTRATION)
};

// How a data element's or attribute's value reads in an expression.
enum class ProgramValueKind { kNumber, kText, kDate, kBoolean };

struct ProgramIndicatorSqlOptions {
  sql::Dialect dialect = sql::Dialect::kDuckDb;
  int org_unit_levels = 5;
  // The kind of a data element's or attribute's values (from its value type); unset or unknown
  // uids read as numbers.
  std::function<ProgramValueKind(std::string_view uid)> value_kind;
  // Whether a program stage is repeatable; unset: every stage is.
  std::function<bool(std::string_view stage)> stage_is_repeatable;
  // Attributes whose values are stored as HMAC-SHA256 hashes (personal data) and the key: a
  // literal compared with one of them is hashed with the key. Without a key such comparisons are
  // refused.
  std::set<std::string, std::less<>> hashed_attributes;
  std::string hash_key;
};

// The SELECT computing `indicator` (see the header comment); no trailing semicolon.
Result<std::string> CompileProgramIndicatorToSql(const ProgramIndicator& indicator,
                                                 const ProgramIndicatorRelations& relations,
                                                 const ProgramIndicatorSqlOptions& options);

}  // namespace dhl::dhis2
