#include "pipeline/generator_settings.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/text.h"
#include "dhis2/period_type.h"
#include "pipeline/quality_generators.h"

namespace dhl::pipeline {
namespace {

Status CheckPeriodTypes(const std::vector<std::string>& names, std::string_view setting) {
  for (const std::string& name : names) {
    if (!dhis2::ParsePeriodType(name).ok()) {
      return InvalidArgument(fmt::format("{}: '{}' is not a DHIS2 period type", setting, name));
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateSettings(const GeneratorSettings& settings) {
  DHL_RETURN_IF_ERROR(CheckPeriodTypes(settings.aggregate.period_types, "aggregate period types"));
  if (settings.indicator.period_types.empty()) {
    return InvalidArgument("indicator period types: the list is empty");
  }
  DHL_RETURN_IF_ERROR(CheckPeriodTypes(settings.indicator.period_types, "indicator period types"));
  if (settings.program_indicator.period_types.empty()) {
    return InvalidArgument("program indicator period types: the list is empty");
  }
  DHL_RETURN_IF_ERROR(
      CheckPeriodTypes(settings.program_indicator.period_types, "program indicator period types"));
  const QualityParameters& quality = settings.quality;
  DHL_RETURN_IF_ERROR(TimelinessRuleForVersion(quality.server_version).status());
  if (!(quality.z_threshold > 0) || !(quality.modified_z_threshold > 0)) {
    return InvalidArgument(fmt::format("outlier thresholds must be positive (z {}, modified z {})",
                                       quality.z_threshold, quality.modified_z_threshold));
  }
  if (quality.district_level < 1 || quality.district_level > 8) {
    return InvalidArgument(
        fmt::format("district level {} is not an org unit level 1..8", quality.district_level));
  }
  if (settings.predictor.years < 1 || settings.predictor.years > 100) {
    return InvalidArgument(
        fmt::format("predictor years {} is not 1..100", settings.predictor.years));
  }
  for (const auto& [placeholder, level] : settings.predictor.level_placeholders) {
    if (level < 1 || level > 8) {
      return InvalidArgument(
          fmt::format("predictor level placeholder {}: level {} is not 1..8", placeholder, level));
    }
  }
  return Status::Ok();
}

std::string AggregateSettingsText(const GeneratorSettings& settings) {
  const AggregateParameters& aggregate = settings.aggregate;
  return fmt::format("aggregate period_types={} data_set_period_types={} include_zero={}",
                     Join(aggregate.period_types, ","), aggregate.data_set_period_types,
                     aggregate.include_zero_values_in_analytics);
}

std::string AggregateGrainSettingsText(const GeneratorSettings& settings) {
  return fmt::format("aggregate_grains every_option_grain={}",
                     settings.aggregate.every_option_grain);
}

std::string AggregateLevelCellsSettingsText(const GeneratorSettings& settings) {
  return AggregateGrainSettingsText(settings) + " " + HierarchySettingsText(settings);
}

std::string QualitySettingsText(const GeneratorSettings& settings) {
  const QualityParameters& quality = settings.quality;
  return fmt::format("quality server_version={} z={} modified_z={} district_level={}",
                     quality.server_version, quality.z_threshold, quality.modified_z_threshold,
                     quality.district_level);
}

std::string IndicatorSettingsText(const GeneratorSettings& settings) {
  return "indicator period_types=" + Join(settings.indicator.period_types, ",");
}

std::string PredictorSettingsText(const GeneratorSettings& settings) {
  std::string text = fmt::format("predictor years={} placeholders=", settings.predictor.years);
  for (const auto& [placeholder, level] : settings.predictor.level_placeholders) {
    text += fmt::format("{}={};", placeholder, level);
  }
  if (!settings.predictor.replace_stored) text += " stored_wins";
  // I{} in predictors reads gold.program_indicator_value's period types.
  text += " program_indicator_period_types=" + Join(settings.program_indicator.period_types, ",");
  return text;
}

std::string_view HierarchyName(Hierarchy hierarchy) {
  return hierarchy == Hierarchy::kAsOfPeriod ? "as_of_period" : "current";
}

Result<Hierarchy> ParseHierarchy(std::string_view name) {
  if (name == "current") return Hierarchy::kCurrent;
  if (name == "as_of_period") return Hierarchy::kAsOfPeriod;
  return InvalidArgument(fmt::format("hierarchy '{}' is not current or as_of_period", name));
}

std::string HierarchySettingsText(const GeneratorSettings& settings) {
  return fmt::format("hierarchy={}", HierarchyName(settings.hierarchy));
}

std::string ProgramIndicatorSettingsText(const GeneratorSettings& settings) {
  std::vector<std::string> hashed = settings.program_indicator.hashed_data_elements;
  std::sort(hashed.begin(), hashed.end());
  return "program_indicator hashed_data_elements=" + Join(hashed, ",") +
         " period_types=" + Join(settings.program_indicator.period_types, ",");
}

}  // namespace dhl::pipeline
