// Generator 'predicted_value' (models/gold/predicted_value.sql): what DHIS2's predictors generate,
// one set-based query over silver.data_value for every predictor (docs/predictors.md names the
// dhis2-core class behind each rule). Per predictor:
// - output periods: the periods of its period type from the start of the year `years` before the
//   latest stored period of that type up to the period after it (a predictor predicts the next
//   period from the past ones);
// - org units: the current units at its organisation unit levels (level uids resolved through
//   silver.org_unit_level); an item's value at a unit is the sum of the values stored at the unit
//   and, with organisationUnitDescendants DESCENDANTS (the default), its descendants, per period
//   and attribute option combo (#{de} sums its category option combos, #{de.coc} one);
// - items outside sample functions take the output period's value; a sample function (avg, count,
//   max, median, min, percentileCont, stddev, stddevPop, stddevSamp, sum, variance) aggregates its
//   argument over the sample periods: the sequentialSampleCount periods before the output period
//   minus the sequentialSkipCount most recent, and for each of annualSampleCount previous years the
//   same period of that year and sequentialSampleCount periods either side, less the periods where
//   the sampleSkipTest is true for the unit and attribute option combo; a sample period where the
//   argument is NULL takes no part; normDistCum / normDistDen take x in the output period and the
//   mean and deviation as written or over the samples; .minDate() / .maxDate() bound an item's
//   periods;
// - the generator's missing value strategy (SKIP_IF_ALL_VALUES_MISSING when unset) over the items
//   and sample functions; no prediction where the value is NULL, NaN or infinite;
// - the value as DHIS2 stores it (PredictionFormatter.formatNumericPrediction): an integer-typed
//   output rounded by Java's Math.round (halves toward positive infinity), any other to 4
//   significant fraction digits (MathUtils.roundFraction: whole digits are never rounded away, a
//   value within 0.01 of zero is 0); no prediction of a zero DHIS2 does not store
//   (PredictionWriter: numeric outputs without zeroIsSignificant, unless AVERAGE or
//   AVERAGE_SUM_ORG_UNIT);
// - output: (predictor, de = output, coc = outputCombo or the default combo, aoc of the values, ou,
//   pe, value, value_text (the text DHIS2 stores: "3" for an integer output, "2.5" or "3.0"
//   otherwise), period_type, start_date, end_date, year, in_analytics: whether gold.analytics takes
//   this prediction as the key's value (the last predictor run for a key; over a stored value only
//   with replace_stored).
// Refused with the reason (warning and ops.expression_status, object_type "predictor"): a syntax
// error, an unresolved level (an install-time placeholder such as <OU_LEVEL_FACILITY_UID>), an
// unknown period type or output, items other than data elements and operands (C{} is a literal),
// other modifiers, percentileCont with a fraction read from data, cycles of predictors.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "pipeline/generator.h"
#include "sql/dialect.h"

namespace dhl::pipeline {

struct PredictorDefinition {
  std::string uid;
  std::string output;        // data element
  std::string output_combo;  // empty = the default combo
  std::string period_type;
  std::string expression;
  std::string missing_value_strategy;     // empty = SKIP_IF_ALL_VALUES_MISSING
  std::string sample_skip_test;           // empty: none
  std::string sample_skip_test_strategy;  // the skip test's; empty = SKIP_IF_ALL_VALUES_MISSING
  int sequential_sample_count = 0;
  int annual_sample_count = 0;
  int sequential_skip_count = 0;
  std::vector<std::string> level_uids;  // organisationUnitLevels
  bool descendants = true;              // organisationUnitDescendants DESCENDANTS
};

struct PredictorInputs {
  std::vector<PredictorDefinition> predictors;
  std::map<std::string, std::string> value_types;  // data element -> value type
  // Numeric data elements of which DHIS2 stores no zero (dhis2::StoresZero is false).
  std::set<std::string> zero_insignificant;
  std::map<std::string, int> levels;  // org unit level uid -> level number
  std::map<std::string, double> constants;
  std::set<std::string> program_indicators;  // silver.program_indicator uids
  // The period types gold.program_indicator_value holds ([gold] program_indicator_period_types).
  std::vector<std::string> program_indicator_period_types = {"Monthly", "Quarterly", "Yearly"};
  // The latest stored period start of each period type among silver.data_value (yyyy-MM-dd).
  std::map<std::string, std::string> latest_start;
  int years = 2;  // how many years back from the latest stored period are predicted
  // A prediction replaces a value the source stores for the same key in gold.analytics (DHIS2's
  // predictor job overwrites it); false: the stored value stays and the prediction is left out.
  bool replace_stored = true;
  // Package placeholders (`<OU_LEVEL_FACILITY_UID>`) -> level number ([gold]
  // predictor_level_placeholders).
  std::map<std::string, int> level_placeholders;
};

// The generated SELECT (ref() to silver.data_value and silver.org_unit).
Result<std::string> PredictedValueSql(const PredictorInputs& inputs, sql::Dialect dialect,
                                      std::vector<std::string>* skipped = nullptr,
                                      std::vector<ExpressionStatus>* statuses = nullptr);

// The generator: reads silver.predictor, silver.data_element, silver.org_unit_level,
// silver.constant and the latest periods of silver.data_value through context.relation.
Result<std::string> GeneratePredictedValue(const GeneratorContext& context);

// gold.predicted_value's columns without a row (in the shared DuckDB/Spark subset): the generator's
// answer when no predictor predicts, and the table's stand-in while it is absent.
std::string EmptyPredictedValueSelect();

}  // namespace dhl::pipeline
