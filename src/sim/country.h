// The synthetic country's metadata: org units over five levels with codes, opening and closing
// dates and GeoJSON shapes; org-unit groups and group sets; categories, options, combos and option
// combos (sex, age, a funding attribute, default); data elements of several value and aggregation
// types with min-max ranges; data sets (monthly, weekly, quarterly, yearly); indicators and their
// types; constants; validation rules; a tracker program with stages and tracked-entity attributes.
//
// Everything is a pure function of (scale, seed, today): Generate builds it in full (metadata only;
// data values are computed on demand by DataValueStore). A Country is immutable once built and safe
// to read from any thread.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dhis2/period.h"
#include "dhis2/period_type.h"
#include "sim/sim_options.h"

namespace dhl::sim {

using dhis2::Date;

// Milliseconds in a day (the simulator's timestamps are epoch milliseconds).
inline constexpr int64_t kDayMs = 86'400'000;

// A coordinate at 4 decimals (about 11 m), as the simulator publishes shapes and points.
inline double Round4(double value) { return std::round(value * 10000) / 10000; }

struct Box {
  double west, south, east, north;
};

struct OrgUnit {
  std::string uid, code, name, short_name, path;
  int level = 1;    // 1 country .. 5 facility
  int parent = -1;  // index into Country::org_units
  std::vector<int> children;
  Date opening;
  std::optional<Date> closed;
  Box box{};          // areas: their polygon's bounding box; facilities: the point is its centre
  double size = 1.0;  // facilities: workload multiplier
  int64_t created_ms = 0, updated_ms = 0;
  int facility_type = 0;  // index into the facility-type group list
  int ownership = 0;      // index into the ownership group list
};

struct NamedObject {
  std::string uid, code, name;
  int64_t created_ms = 0, updated_ms = 0;
};

struct Category : NamedObject {
  std::vector<int> options;
  bool attribute = false;  // dataDimensionType ATTRIBUTE instead of DISAGGREGATION
};

struct CategoryCombo : NamedObject {
  std::vector<int> categories;
  std::vector<int> option_combos;
  bool attribute = false;
};

struct CategoryOptionCombo : NamedObject {
  int combo = 0;
  std::vector<int> options;
  double share = 1.0;  // the share of the element's total this combo carries
};

enum class Season { kNone, kMalaria, kMild };

struct DataElement : NamedObject {
  std::string short_name, value_type, aggregation_type, domain_type = "AGGREGATE";
  int combo = 0;
  bool zero_is_significant = false;
  double base =
      0;  // mean monthly value at an average facility (yearly, weekly and quarterly scaled)
  Season season = Season::kNone;
  double presence = 0.93;  // chance a reported form has this cell filled
  int data_set = -1;       // -1 tracker, -2 a predictor's output (in no data set)
  bool min_max = false;
};

struct DataSet : NamedObject {
  std::string short_name;
  dhis2::PeriodType period_type;
  int timely_days = 15;
  int attribute_combo = 0;
  std::vector<int> elements;
  std::vector<int> org_units;  // facility indices into Country::org_units
  double report_rate = 0.88;
  std::vector<dhis2::Period> periods;  // every period with data, oldest first
};

struct IndicatorType : NamedObject {
  int factor = 1;
  bool number = false;
};

struct Indicator : NamedObject {
  std::string short_name, numerator, numerator_description, denominator, denominator_description;
  int indicator_type = 0;
  bool annualized = false;
  int decimals = 1;
};

struct OrgUnitGroup : NamedObject {
  std::vector<int> members;
};

struct OrgUnitGroupSet : NamedObject {
  std::vector<int> groups;
};

struct Constant : NamedObject {
  double value = 0;
};

struct ValidationRule : NamedObject {
  std::string left, right, op, importance;
  dhis2::PeriodType period_type;
};

// A predictor (DHIS2's Predictor): its output element (and option combo, index into
// category_option_combos), period type, generator expression, skip test (empty: none), sample
// counts, the org-unit levels it predicts at (level numbers, 1 the country) and whether
// descendants' values count (DESCENDANTS) or only the unit's own (SELECTED).
struct Predictor : NamedObject {
  std::string short_name;
  int output = 0;
  int output_combo = 0;
  dhis2::PeriodType period_type;
  std::string expression, missing_value_strategy, skip_test;
  int sequential_sample_count = 0, annual_sample_count = 0, sequential_skip_count = 0;
  std::vector<int> levels;
  std::string descendants = "DESCENDANTS";
};

struct TrackedEntityAttribute : NamedObject {
  std::string value_type;
  bool confidential = false;
  bool unique = false;
};

struct ProgramStage : NamedObject {
  bool repeatable = false;
  std::vector<int> data_elements;
};

struct Program : NamedObject {
  std::string short_name;
  std::vector<int> stages;
  std::vector<int> attributes;
  std::string tracked_entity_type_uid;
};

// An analytics period boundary of a program indicator (DHIS2's AnalyticsPeriodBoundary).
struct PeriodBoundary {
  std::string
      target;  // EVENT_DATE, ENROLLMENT_DATE, INCIDENT_DATE, SCHEDULED_DATE, PS_EVENTDATE:<stage>
  std::string type;  // AFTER_START_OF_REPORTING_PERIOD, BEFORE_END_OF_REPORTING_PERIOD, ...
  int offset_periods = 0;
  std::string offset_period_type;  // empty when there is no offset
};

struct ProgramIndicator : NamedObject {
  std::string analytics_type;  // EVENT or ENROLLMENT
  std::string expression, filter, aggregation_type;
  std::string org_unit_field;  // empty: the event's or enrollment's own org unit
  std::vector<PeriodBoundary> boundaries;
  int decimals = 1;
};

// Relationships link two persons of the programme (a companion who brings a woman to care).
struct RelationshipType : NamedObject {
  bool bidirectional = false;
};

class Country {
 public:
  static Country Generate(Scale scale, uint64_t seed, Date today);

  uint64_t seed = 0;
  Scale scale = Scale::kSmall;
  Date today;
  Date first_day;        // the first day with data (1 January, three years before today's year)
  int64_t as_of_ms = 0;  // the start of today (UTC): every generated timestamp is before it

  std::vector<OrgUnit> org_units;  // parents before children; index 0 is the country
  std::vector<int> facilities;     // indices of level-5 units
  std::vector<NamedObject> org_unit_levels;
  std::vector<OrgUnitGroup> org_unit_groups;
  std::vector<OrgUnitGroupSet> org_unit_group_sets;
  std::vector<NamedObject> category_options;
  std::vector<Category> categories;
  std::vector<CategoryCombo> category_combos;               // index 0 is "default"
  std::vector<CategoryOptionCombo> category_option_combos;  // index 0 is "default"
  std::vector<DataElement> data_elements;
  std::vector<NamedObject> data_element_groups;
  std::vector<std::vector<int>> data_element_group_members;
  std::vector<DataSet> data_sets;
  std::vector<IndicatorType> indicator_types;
  std::vector<Indicator> indicators;
  std::vector<Constant> constants;
  std::vector<ValidationRule> validation_rules;
  std::vector<Predictor> predictors;
  std::vector<TrackedEntityAttribute> tracked_entity_attributes;
  std::vector<ProgramStage> program_stages;
  std::vector<Program> programs;
  std::vector<ProgramIndicator> program_indicators;  // of programs[0]
  std::vector<RelationshipType> relationship_types;
  NamedObject tracked_entity_type;
  int tracked_entity_count = 0;  // before mutations

  int FindOrgUnit(std::string_view uid) const;  // -1 when unknown
  int FindDataElement(std::string_view uid) const;
  int FindDataSet(std::string_view uid) const;
  int FindCategoryOptionCombo(std::string_view uid) const;
  bool IsOpen(const OrgUnit& unit, const dhis2::Period& period) const;
  // The generated min–max range of a facility's (data element, option combo): DHIS2's
  // minmaxdataelement row as the simulator serves it and writes it to a database.
  struct MinMax {
    int64_t min = 0, max = 0;
  };
  MinMax MinMaxRange(int org_unit, int data_element, int option_combo) const;
};

// "2024-07-26T17:56:11.240" (no zone, as DHIS2 writes metadata timestamps).
std::string FormatLocalMillis(int64_t epoch_ms);
// "2024-07-26T17:56:11.240+0000" (as dataValueSets writes them).
std::string FormatZonedMillis(int64_t epoch_ms);
int64_t DateToMillis(Date date);

}  // namespace dhl::sim
