// The settings the generators render into gold's SQL (docs/gold_aggregate.md, docs/gold_quality.md,
// docs/gold_indicator.md). They reach a generator through the run's options
// (RunOptions::settings -> GeneratorContext::settings), never through process-wide state, and the
// text of the settings a model's generators read is part of that model's definition fingerprint:
// a changed setting reruns exactly the models it renders into, in full (pipeline_runner.h).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace dhl::pipeline {

// gold.analytics and gold.aggregate.
struct AggregateParameters {
  // The query period types of gold.aggregate (DHIS2 names), besides the data sets' own types.
  std::vector<std::string> period_types = {"Monthly", "Quarterly", "Yearly"};
  // Also aggregate each data element to the period types of the data sets that hold it.
  bool data_set_period_types = true;
  // DHIS2's system setting keyIncludeZeroValuesInAnalytics (default off): with it, zeros of data
  // elements with zeroIsSignificant are loaded into analytics (KeepsZero).
  bool include_zero_values_in_analytics = false;
  // Write the per-category-option rows of every category at every level. Off (default): only
  // where the analytics API cannot combine them from the option-combo rows, and for
  // data-dimension categories above the deepest level (docs/gold_aggregate.md, "Grains").
  bool every_option_grain = false;
};

// The data-quality models (gold.reporting_rate, gold.outlier, gold.dq_summary).
struct QualityParameters {
  // The DHIS2 version whose timeliness rule counts on-time reports; default the simulator's.
  std::string server_version = "2.41.0";
  // Outlier thresholds: DHIS2's outlier detection defaults (OutlierDetectionRequest: 3.0).
  double z_threshold = 3.0;
  double modified_z_threshold = 3.0;
  // The org unit level of gold.dq_summary's rows (3: districts in the simulator and Sierra Leone).
  int district_level = 3;
};

// gold.indicator_value.
struct IndicatorParameters {
  // The period types of its rows (DHIS2 names); DHIS2 analytics answers any, the lake keeps these.
  std::vector<std::string> period_types = {"Monthly", "Quarterly", "Yearly"};
};

// gold.program_indicator_value.
struct ProgramIndicatorParameters {
  // The period types of its rows (DHIS2 names), over the span of the tracker data. Weekly (ISO
  // weeks) roughly doubles the model's rows and time.
  std::vector<std::string> period_types = {"Monthly", "Quarterly", "Yearly"};
  // Event data elements whose values the extraction hashes (`[source] personal_data_elements`): a
  // program indicator reading one would compute over hash text, so it is left out with that reason.
  std::vector<std::string> hashed_data_elements;
  // How many indicators one query computes: the runner computes the model one group of this many
  // at a time (GeneratorContext::query_groups), since one query holds each indicator's state to
  // its end (at medium scale, 29 indicators 0.42 GB, 290 3.2 GB). Not in the settings text: the
  // rows are the same.
  int indicators_per_query = 30;
};

// gold.predicted_value.
struct PredictorParameters {
  // How many years before the latest stored period of a predictor's period type are predicted
  // (from 1 January): bounds the output of Daily and Weekly predictors.
  int years = 2;
  // Install-time placeholders of metadata packages (WHO's `<OU_LEVEL_FACILITY_UID>`) and the
  // org-unit level number each stands for; an unmapped placeholder refuses its predictor.
  std::map<std::string, int> level_placeholders;
  // gold.analytics takes a prediction over a value the source stores for the same key (de, coc,
  // aoc, ou, pe), as DHIS2's predictor job overwrites it (PredictionWriter); false keeps the
  // stored value. Never both.
  bool replace_stored = true;
};

// Which org-unit hierarchy values and expected reports roll up along, in gold.aggregate and
// gold.reporting_rate (and so in gold.indicator_value, which reads them): kCurrent, DHIS2's
// behaviour, today's hierarchy for every period; kAsOfPeriod, each unit's ancestors as they were
// at the end date of the value's (the report's) period, from silver.org_unit's versions
// (docs/gold_aggregate.md, "The hierarchy a value rolls up along").
enum class Hierarchy { kCurrent, kAsOfPeriod };

// "current" or "as_of_period" (the configuration file's spelling).
std::string_view HierarchyName(Hierarchy hierarchy);
Result<Hierarchy> ParseHierarchy(std::string_view name);

struct GeneratorSettings {
  Hierarchy hierarchy = Hierarchy::kCurrent;
  AggregateParameters aggregate;
  PredictorParameters predictor;
  QualityParameters quality;
  IndicatorParameters indicator;
  ProgramIndicatorParameters program_indicator;
};

// OK, or an invalid-argument error naming the setting and the reason: an unknown period type, an
// empty indicator period list, an unknown server version, a threshold <= 0, a district level
// outside 1..8, predictor years outside 1..100, a placeholder level outside 1..8.
Status ValidateSettings(const GeneratorSettings& settings);

// The canonical text of each group (what a definition fingerprint folds in): equal settings give
// equal text, any change of a field changes it. AggregateParameters' every_option_grain is
// rendered by aggregate_level_cells alone and folded in by AggregateGrainSettingsText only (a
// change rebuilds gold.aggregate, not gold.analytics).
std::string AggregateSettingsText(const GeneratorSettings& settings);
std::string AggregateGrainSettingsText(const GeneratorSettings& settings);
// aggregate_level_cells renders every_option_grain and the hierarchy.
std::string AggregateLevelCellsSettingsText(const GeneratorSettings& settings);
std::string QualitySettingsText(const GeneratorSettings& settings);
std::string IndicatorSettingsText(const GeneratorSettings& settings);
std::string ProgramIndicatorSettingsText(const GeneratorSettings& settings);
std::string PredictorSettingsText(const GeneratorSettings& settings);
std::string HierarchySettingsText(const GeneratorSettings& settings);

}  // namespace dhl::pipeline
