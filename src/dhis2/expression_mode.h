// The contexts a DHIS2 expression is written for. Each mode admits a different set of items,
// functions and modifiers, as DHIS2's own ExpressionMode does (github.com/dhis2/expression-parser,
// ExpressionMode.kt and syntax/ExpressionGrammar.kt).
#pragma once

#include <optional>
#include <string_view>

namespace dhl::dhis2 {

enum class ExpressionMode {
  // Indicator numerator / denominator: N{indicator}, subExpression(), the item modifiers
  // .periodOffset(n) .aggregationType(t) .minDate(d) .maxDate(d) .yearToDate(); no aggregate
  // functions.
  kIndicatorExpression,
  // Validation rule left / right side: orgUnit.ancestor/dataSet/group/program(...); no modifiers.
  kValidationRuleExpression,
  // Predictor generator: as validation rules, plus the aggregate functions over sampled periods
  // (avg, count, max, min, median, percentileCont, stddev, stddevPop, stddevSamp, sum, variance)
  // and
  // the modifiers .minDate(d) .maxDate(d) (and .periodOffset(n), which DHIS2 predictors accept).
  kPredictorGeneratorExpression,
  // Predictor sample skip test: the same language as the generator, boolean result.
  kPredictorSkipTest,
};

// "INDICATOR_EXPRESSION", "VALIDATION_RULE_EXPRESSION", "PREDICTOR_GENERATOR_EXPRESSION",
// "PREDICTOR_SKIP_TEST" (DHIS2's names).
std::string_view ExpressionModeName(ExpressionMode mode);

// The mode for one of the names above; nullopt for anything else.
std::optional<ExpressionMode> ParseExpressionMode(std::string_view name);

}  // namespace dhl::dhis2
