#include "dhis2/expression_mode.h"

namespace dhl::dhis2 {

std::string_view ExpressionModeName(ExpressionMode mode) {
  switch (mode) {
    case ExpressionMode::kIndicatorExpression:
      return "INDICATOR_EXPRESSION";
    case ExpressionMode::kValidationRuleExpression:
      return "VALIDATION_RULE_EXPRESSION";
    case ExpressionMode::kPredictorGeneratorExpression:
      return "PREDICTOR_GENERATOR_EXPRESSION";
    case ExpressionMode::kPredictorSkipTest:
      return "PREDICTOR_SKIP_TEST";
  }
  return "UNKNOWN";
}

std::optional<ExpressionMode> ParseExpressionMode(std::string_view name) {
  for (ExpressionMode mode :
       {ExpressionMode::kIndicatorExpression, ExpressionMode::kValidationRuleExpression,
        ExpressionMode::kPredictorGeneratorExpression, ExpressionMode::kPredictorSkipTest}) {
    if (ExpressionModeName(mode) == name) {
      return mode;
    }
  }
  return std::nullopt;
}

}  // namespace dhl::dhis2
