// libFuzzer entry: ParseExpression must return (ok or an error) for any input, in every mode, and
// a parsed expression must survive normalisation, evaluation with no values and SQL compilation.
// ParseProgramExpression (the same syntax layer) must return too, and its normal form parse again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dhis2/expression.h"
#include "dhis2/expression_evaluator.h"
#include "dhis2/expression_sql.h"
#include "dhis2/program_expression.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (dhl::dhis2::ExpressionMode mode :
       {dhl::dhis2::ExpressionMode::kIndicatorExpression,
        dhl::dhis2::ExpressionMode::kValidationRuleExpression,
        dhl::dhis2::ExpressionMode::kPredictorGeneratorExpression}) {
    dhl::Result<dhl::dhis2::Expression> expression = dhl::dhis2::ParseExpression(text, mode);
    if (!expression.ok()) {
      continue;
    }
    // The normal form must parse again.
    std::string normalised = expression->Normalised();
    if (!dhl::dhis2::ParseExpression(normalised, mode).ok()) {
      __builtin_trap();
    }
    dhl::dhis2::EvaluationOptions options;
    options.days = 30;
    (void)dhl::dhis2::EvaluateExpression(*expression, dhl::dhis2::ItemValueMap(), options);
    dhl::dhis2::SqlCompileOptions sql_options;
    sql_options.days_sql = "days";
    (void)dhl::dhis2::CompileExpressionToSql(
        *expression,
        [](const dhl::dhis2::ItemKey&) -> dhl::Result<std::string> { return std::string("v"); },
        sql_options);
  }
  dhl::Result<dhl::dhis2::ProgramExpression> program = dhl::dhis2::ParseProgramExpression(text);
  if (program.ok() && !dhl::dhis2::ParseProgramExpression(program->Normalised()).ok()) {
    __builtin_trap();
  }
  return 0;
}
