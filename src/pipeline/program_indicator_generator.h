// Generator 'program_indicator_value' (models/gold/program_indicator_value.sql): the whole SELECT
// of gold.program_indicator_value. Every program indicator of silver.program_indicator is compiled
// by dhis2::CompileProgramIndicatorToSql into one set-based query over the silver tracker tables
// (docs/program_indicators.md), and the queries are joined with UNION ALL: program_indicator, ou,
// ou_level (every level), pe, period_type, value, for the periods of the configured types
// (Monthly, Quarterly, Yearly) that span the events' and enrollments' dates.
// Value kinds come from silver.data_element and the tracked-entity attribute metadata; stages'
// repeatability and names from the program stage metadata. Confidential attributes are stored
// hashed and the generator holds no hashing key, so an indicator comparing one with a literal is
// refused. An indicator that cannot be compiled is left out with a warning naming it and the
// reason (context.warnings).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "pipeline/generator.h"

namespace dhl::pipeline {

Result<std::string> GenerateProgramIndicatorValue(const GeneratorContext& context);

}  // namespace dhl::pipeline
