// The generators the shipped models (models/**.sql) call with generated('name'). Each generator
// lives in its own file with its own header; register it here with one line, naming the settings
// it renders (generator_settings.h) when it renders any.
#include "pipeline/aggregate_generators.h"
#include "pipeline/dimension_generators.h"
#include "pipeline/generator.h"
#include "pipeline/hierarchy_generator.h"
#include "pipeline/indicator_generator.h"
#include "pipeline/predictor_generator.h"
#include "pipeline/program_indicator_generator.h"
#include "pipeline/quality_generators.h"
#include "pipeline/validation_generator.h"

namespace dhl::pipeline {

const GeneratorRegistry& BuiltinGenerators() {
  static const GeneratorRegistry registry = [] {
    GeneratorRegistry built;
    built.Add("reporting_rate_on_time", &GenerateReportingRateOnTime, &QualitySettingsText);
    built.Add("outlier_thresholds", &GenerateOutlierThresholds, &QualitySettingsText);
    built.Add("outlier_series", &GenerateOutlierSeries);
    built.Add("dq_district_level", &GenerateDqDistrictLevel, &QualitySettingsText);
    built.Add("validation_violation", &GenerateValidationViolation);
    built.Add("analytics_value_types", &GenerateAnalyticsValueTypes);
    built.Add("analytics_zero_rule", &GenerateAnalyticsZeroRule, &AggregateSettingsText);
    built.Add("analytics_period_columns", &GenerateAnalyticsPeriodColumns);
    built.Add("analytics_level_columns", &GenerateAnalyticsLevelColumns);
    built.Add("analytics_combo_columns", &GenerateAnalyticsComboColumns);
    built.Add("analytics_category_columns", &GenerateAnalyticsCategoryColumns);
    built.Add("aggregate_rules", &GenerateAggregateRules, &AggregateSettingsText);
    built.Add("aggregate_query_periods", &GenerateAggregateQueryPeriods, &AggregateSettingsText);
    built.Add("aggregate_ordinary_years", &GenerateAggregateOrdinaryYears);
    built.Add("aggregate_period_dictionary", &GenerateAggregatePeriodDictionary,
              &AggregateSettingsText);
    built.Add("period_type_dictionary", &GeneratePeriodTypeDictionary);
    built.Add("aggregate_aoc_elements", &GenerateAggregateAocElements);
    built.Add("aggregate_disaggregation_periods", &GenerateAggregateDisaggregationPeriods,
              &AggregateSettingsText);
    built.Add("aggregate_period_map", &GenerateAggregatePeriodMap, &AggregateSettingsText);
    built.Add("aggregate_level_cells", &GenerateAggregateLevelCells,
              &AggregateLevelCellsSettingsText);
    built.Add("aggregate_cell_value", &GenerateAggregateCellValue);
    built.Add("org_unit_ancestry", &GenerateOrgUnitAncestry, &HierarchySettingsText);
    built.Add("org_unit_ancestry_dates", &GenerateOrgUnitAncestryWithDates, &HierarchySettingsText);
    built.Add("org_unit_node_join", &GenerateOrgUnitNodeJoin, &HierarchySettingsText);
    built.Add("indicator_value", &GenerateIndicatorValue, &IndicatorSettingsText);
    built.Add("indicator_value_window", &GenerateIndicatorValueWindow, &IndicatorSettingsText);
    built.Add("scope_years", &GenerateScopeYears);
    built.Add("reporting_rate_levels", &GenerateReportingRateLevels);
    built.Add("reporting_rate_node_cells", &GenerateReportingRateNodeCells);
    built.Add("predicted_value", &GeneratePredictedValue, &PredictorSettingsText);
    built.Add("period_rows", &GeneratePeriodRows);
    built.Add("coc_category_columns", &GenerateCocCategoryColumns);
    built.Add("program_indicator_value", &GenerateProgramIndicatorValue,
              &ProgramIndicatorSettingsText);
    built.Add("latest_version", &GenerateLatestVersion);
    built.Add("text_dictionary", &GenerateTextDictionary);
    built.Add("org_unit_path_uids", &GenerateOrgUnitPathUids);
    built.Add("org_unit_level_columns", &GenerateOrgUnitLevelColumns);
    built.Add("org_unit_ancestor_joins", &GenerateOrgUnitAncestorJoins);
    return built;
  }();
  return registry;
}

}  // namespace dhl::pipeline
