// The generators the shipped models (models/**.sql) call with generated('name'). Each generator
// lives in its own file with its own header; register it here with one line.
#include "pipeline/generator.h"
#include "pipeline/quality_generators.h"
#include "pipeline/validation_generator.h"

namespace dhl::pipeline {

const GeneratorRegistry& BuiltinGenerators() {
  static const GeneratorRegistry registry = [] {
    GeneratorRegistry built;
    built.Add("reporting_rate_on_time", &GenerateReportingRateOnTime);
    built.Add("outlier_thresholds", &GenerateOutlierThresholds);
    built.Add("dq_district_level", &GenerateDqDistrictLevel);
    built.Add("validation_violation", &GenerateValidationViolation);
    return built;
  }();
  return registry;
}

}  // namespace dhl::pipeline
