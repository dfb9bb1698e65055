// Evaluation of a parsed DHIS2 expression over item values, with DHIS2's missing value rules, and
// the indicator formula built on it.
//
// Semantics follow the DHIS2 server (dhis2-core DefaultExpressionService.getExpressionValue and
// getIndicatorValueObject, ExpressionState.handleNulls):
// - An item in a counted position (anywhere but inside isNull/isNotNull/firstNonNull) that has no
//   value counts as found-but-missing and evaluates to 0; one with a value counts as
//   found-with-value. Inside isNull/isNotNull/firstNonNull a missing item is null and not counted.
// - Then the strategy: SKIP_IF_ANY_VALUE_MISSING gives no value when any counted item is missing;
//   SKIP_IF_ALL_VALUES_MISSING when there are counted items and all are missing; NEVER_SKIP never.
// - A null result becomes 0 unless the expression holds a `null` literal or removeZeros().
// - null propagates through arithmetic, comparisons and if() conditions (if(null, a, b) is null);
//   && and || follow SQL's three-valued logic; ^ is pow(); % is the truncated remainder (sign of
//   the dividend, as Java); log(x) is ln(x) and log(x, b) is ln(x) / ln(b), with -Infinity / NaN
//   for x <= 0 as DHIS2; greatest/least skip nulls; removeZeros(0) is null.
// - Division or modulo by zero gives null (our decision, matching the SQL's NULLIF / try_divide:
//   the server's operator classes live in a separate DHIS2 library not checked here, and the
//   JavaScript library answers Infinity / NaN).
// - Booleans used as numbers are 1 / 0; numbers used as booleans are true when non-zero.
// Deliberate simplifications (documented divergences from the server):
// - Items are counted statically by position, so an item in the branch of if() not taken still
//   counts (the server counts only the items it visits).
// - Whether a null result becomes 0 is decided from the text (see Expression::replaces_null_result)
//   rather than from whether the null literal or removeZeros(0) was reached.
// Not evaluated here (Unsupported, whatever the values): I{}, D{}, A{} items, the orgUnit.*()
// functions, subExpression(), aggregate functions, and normDistCum/normDistDen without explicit
// mean and standard deviation.
//
// All functions are pure and thread-safe; an Expression may be evaluated from many threads at once.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>

#include "base/status.h"
#include "dhis2/expression.h"
#include "dhis2/expression_item.h"

namespace dhl::dhis2 {

enum class MissingValueStrategy {
  kSkipIfAnyValueMissing,
  kSkipIfAllValuesMissing,
  kNeverSkip,
};

// "SKIP_IF_ANY_VALUE_MISSING", "SKIP_IF_ALL_VALUES_MISSING", "NEVER_SKIP".
std::string_view MissingValueStrategyName(MissingValueStrategy strategy);
std::optional<MissingValueStrategy> ParseMissingValueStrategy(std::string_view name);

// The value of an expression: no value (null), a number, a boolean or a string.
struct ExpressionValue {
  std::variant<std::monostate, double, bool, std::string> value;

  bool is_null() const { return std::holds_alternative<std::monostate>(value); }
  // The numeric reading: numbers as they are, booleans 1 / 0; nullopt for null and strings.
  std::optional<double> AsNumber() const;
  std::string ToString() const;  // "null", "1.5", "true", "'text'"
};

struct EvaluationOptions {
  MissingValueStrategy missing_value_strategy = MissingValueStrategy::kSkipIfAllValuesMissing;
  // The value of [days]; an expression using [days] without it fails with invalid argument.
  std::optional<double> days;
};

using ItemValueMap = std::unordered_map<ItemKey, double, ItemKeyHash>;

// Evaluates with item values given by position: item_values[i] is the value of
// expression.items()[i] (nullopt when missing). Precondition-checked: item_values.size() ==
// expression.items().size() (invalid argument otherwise). This is the fast path for evaluating one
// expression over many cells.
Result<ExpressionValue> EvaluateExpression(const Expression& expression,
                                           std::span<const std::optional<double>> item_values,
                                           const EvaluationOptions& options);

// Evaluates with item values looked up by key; items absent from the map are missing.
Result<ExpressionValue> EvaluateExpression(const Expression& expression, const ItemValueMap& values,
                                           const EvaluationOptions& options);

// An indicator's numerator and denominator with its type and annualisation.
struct IndicatorFormula {
  const Expression* numerator = nullptr;    // not owned; must outlive the call
  const Expression* denominator = nullptr;  // not owned; must outlive the call
  double factor = 1;                        // the indicator type's factor (100 for per cent)
  bool annualized = false;
};

struct IndicatorValue {
  double numerator = 0;
  double denominator = 0;
  // factor, times 365 / days when annualised (DHIS2 IndicatorValue multiplier / divisor).
  double multiplier = 1;
  double divisor = 1;
  // numerator * multiplier / (denominator * divisor), unrounded.
  double value = 0;
};

// DHIS2's indicator value: numerator and denominator each evaluated with
// SKIP_IF_ALL_VALUES_MISSING; no value (nullopt) when either is missing or the denominator is 0;
// otherwise value = numerator * factor [* 365] / (denominator [* days]), where days is the number
// of days of the period(s) the indicator is computed for (a sum over several periods; a yearly
// period has 365 or 366 days, a financial year the days from its start to its end). `days` is also
// the value of [days]. Invalid argument when the formula is annualised or uses [days] and days is
// not positive.
Result<std::optional<IndicatorValue>> EvaluateIndicator(const IndicatorFormula& formula,
                                                        const ItemValueMap& values, double days);

}  // namespace dhl::dhis2
