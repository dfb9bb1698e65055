// The DHIS2 expression language: parsing into an immutable syntax tree.
//
// Grammar (DHIS2 expression-parser ExpressionGrammar.kt; precedence tightest first):
//   ^ (right-associative, binds tighter than unary minus: -2^2 is -4, 2^3^2 is 512)
//   unary + - ! not;  * / %;  + -;  < > <= >=;  == !=;  && and;  || or
// Operands: numbers (`2`, `2.`, `.5`, `1e-3`), strings ('..' or ".." with backslash escapes),
// `null`, `true`, `false`, `[days]`, items (see expression_item.h), function calls and parentheses.
// Item modifiers (`.periodOffset(-1)` ...) follow an item or a parenthesised group. Whitespace
// (space, tab, CR, LF) and `/* comments */` may appear between tokens; `//` is not a comment.
//
// Decisions that go beyond DHIS2's grammar, all deliberate:
// - `#{ds.REPORTING_RATE}` (a reporting-rate metric written with `#`, as in the Sierra Leone
//   demo's metadata) is read as `R{ds.REPORTING_RATE}`.
// - orgUnit.ancestor/dataSet/group/program(...) are accepted in indicator mode as well.
// - Metadata-package placeholders such as `<OU_LEVEL_FACILITY_UID>` are install-time tokens that
//   the package loader must replace with a UID before an expression is used; the parser rejects
//   one with the message "unresolved metadata package placeholder <...> at character N", so a
//   loader can report exactly which expression still carries one.
// Nesting (parentheses, unary operators, calls) deeper than 100 and operator chains deeper than 500
// are refused. Errors are InvalidArgument with a message "<what> at character N" (N counts bytes
// from 0), then the expression and a caret under character N on two more lines.
//
// An Expression is immutable after parsing and safe to share between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "dhis2/expression_item.h"
#include "dhis2/expression_mode.h"

namespace dhl::dhis2 {

enum class UnaryOperator { kPlus, kMinus, kNot };

enum class BinaryOperator {
  kPower,
  kMultiply,
  kDivide,
  kModulo,
  kAdd,
  kSubtract,
  kLess,
  kGreater,
  kLessOrEqual,
  kGreaterOrEqual,
  kEqual,
  kNotEqual,
  kAnd,
  kOr,
};

// DHIS2's spelling: "^", "*", ..., "&&", "||".
std::string_view BinaryOperatorSymbol(BinaryOperator op);

enum class Function {
  // Indicator / validation rule / predictor functions.
  kIf,
  kIsNull,
  kIsNotNull,
  kFirstNonNull,
  kGreatest,
  kLeast,
  kLog,
  kLog10,
  kRemoveZeros,
  kNormDistCum,
  kNormDistDen,
  kContains,
  kContainsItems,
  kOrgUnitAncestor,
  kOrgUnitDataSet,
  kOrgUnitGroup,
  kOrgUnitProgram,
  kSubExpression,
  // Predictor aggregate functions over sampled periods.
  kAvg,
  kCount,
  kMax,
  kMin,
  kMedian,
  kPercentileCont,
  kStddev,
  kStddevPop,
  kStddevSamp,
  kSum,
  kVariance,
};

// The name as written in expressions: "if", "orgUnit.ancestor", "stddevPop" ...
std::string_view FunctionName(Function function);

// True for the predictor aggregate functions (avg ... variance).
bool IsAggregateFunction(Function function);

enum class NodeKind {
  kNumber,    // number
  kString,    // text
  kBoolean,   // boolean
  kNull,      // the literal null
  kDays,      // [days]: the number of days in the period(s) evaluated
  kItem,      // item_index into Expression::items()
  kUid,       // a bare UID argument of orgUnit.*(...): text
  kUnary,     // unary_operator, children[0]
  kBinary,    // binary_operator, children[0] and children[1]
  kFunction,  // function, children = arguments
};

struct ExpressionNode {
  NodeKind kind = NodeKind::kNull;
  size_t position = 0;  // byte offset of the node's first character in the expression text
  double number = 0;
  bool boolean = false;
  std::string text;
  int item_index = -1;
  // For items and subExpression(...) calls: true when the value sits where DHIS2 replaces a missing
  // value by 0 and counts it for the missing value strategy; false inside isNull(), isNotNull() and
  // firstNonNull(), where a missing value stays null and is not counted.
  bool counted = true;
  // For items: true inside a predictor aggregate function (a sample over past periods).
  bool sampled = false;
  UnaryOperator unary_operator = UnaryOperator::kPlus;
  BinaryOperator binary_operator = BinaryOperator::kAdd;
  Function function = Function::kIf;
  std::vector<ExpressionNode> children;
};

class Expression {
 public:
  const std::string& text() const { return text_; }
  ExpressionMode mode() const { return mode_; }
  const ExpressionNode& root() const { return root_; }

  // Every distinct item the expression refers to, in order of first appearance.
  const std::vector<ItemKey>& items() const { return items_; }

  // Whether the expression uses [days].
  bool uses_days() const { return uses_days_; }

  // Whether DHIS2 would replace a null result by 0: false once the expression holds a `null`
  // literal or removeZeros(), which switch that replacement off (DHIS2
  // ExpressionState.replaceNulls; decided here from the text rather than the evaluation order, see
  // expression_evaluator.h).
  bool replaces_null_result() const { return replaces_null_result_; }

  // The expression re-rendered from the tree in a normal form: single spaces around binary
  // operators, minimal parentheses. Parsing the normal form gives the same tree.
  std::string Normalised() const;

 private:
  friend Result<Expression> ParseExpression(std::string_view text, ExpressionMode mode);

  std::string text_;
  ExpressionMode mode_ = ExpressionMode::kIndicatorExpression;
  ExpressionNode root_;
  std::vector<ItemKey> items_;
  bool uses_days_ = false;
  bool replaces_null_result_ = true;
};

// Parses `text` in `mode`. Invalid argument for a syntax error or a construct the mode does not
// allow, with the position of the offending character (see the header comment).
Result<Expression> ParseExpression(std::string_view text, ExpressionMode mode);

}  // namespace dhl::dhis2
