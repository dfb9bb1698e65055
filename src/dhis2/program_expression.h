// The DHIS2 program indicator expression language (expressions and filters of program indicators):
// parsing into an immutable syntax tree. docs/program_indicators.md names the dhis2-core class
// behind each rule.
//
// The operators, their precedence, literals, whitespace, comments and the error format are those
// of the aggregate expression language (expression.h: "<what> at character N", then the text and
// a caret). Operands in program indicator mode (dhis2-core ExpressionMapBuilder's program
// indicator items):
//   #{stage.dataElement}   a data element's value in an event of the stage
//   (ProgramItemStageElement) A{attribute}           a tracked-entity attribute's value
//   (ProgramItemAttribute; the form
//                          A{program.attribute} is read as the attribute)
//   V{name}                a program variable (ProgramVariableItem: analytics_period_end ...
//                          zero_pos_value_count; execution_date is event_date)
//   C{constant}            a constant's value
//   PS_EVENTDATE:stage     the event date of the stage's event (ProgramItemPsEventdate)
//   numbers, 'strings', true, false, null, (parentheses)
// Functions: if, isNull, isNotNull, firstNonNull, greatest, least, log, log10, and every d2:
// function of dhis2-core's program/function package: d2:condition('test', a, b), d2:count(#{s.d}),
// d2:countIfCondition(#{s.d}, '< 11'), d2:countIfValue(#{s.d}, v), d2:daysBetween(a, b),
// d2:hasValue(item), d2:maxValue(#{s.d} | PS_EVENTDATE:s), d2:minValue(...),
// d2:minutesBetween(a, b), d2:monthsBetween(a, b), d2:oizp(x), d2:relationshipCount(['type']),
// d2:weeksBetween(a, b), d2:yearsBetween(a, b), d2:zing(x), d2:zpvc(x, ...).
// The string argument of d2:condition is itself an expression and d2:countIfCondition's is a
// comparison applied to the data element's value: both are parsed here (their errors point into
// the outer text) and kept as the function node's last child.
// `expr.stageOffset(n)` (RepeatableProgramStageOffset) applies a stage offset to every
// #{stage.dataElement} inside expr: 0 is the latest event, -1 the one before, 1 the first.
//
// A ProgramExpression is immutable after parsing and safe to share between threads.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "dhis2/expression.h"

namespace dhl::dhis2 {

// dhis2-core ProgramVariableItem's variables (V{...}), in its order.
enum class ProgramVariable {
  kAnalyticsPeriodEnd,
  kAnalyticsPeriodStart,
  kCreationDate,
  kCurrentDate,
  kCompletedDate,
  kDueDate,
  kEnrollmentCount,
  kEnrollmentDate,
  kEnrollmentStatus,
  kEventStatus,
  kEventCount,
  kScheduledEventCount,
  kEventDate,  // also V{execution_date}
  kScheduledDate,
  kIncidentDate,
  kOrgUnitCount,
  kProgramStageId,
  kProgramStageName,
  kSyncDate,
  kTeiCount,
  kValueCount,
  kZeroPosValueCount,
};

// The name written in V{...} ("event_date"; kEventDate also answers to "execution_date").
std::string_view ProgramVariableName(ProgramVariable variable);
std::optional<ProgramVariable> ParseProgramVariable(std::string_view name);

enum class ProgramFunction {
  kIf,
  kIsNull,
  kIsNotNull,
  kFirstNonNull,
  kGreatest,
  kLeast,
  kLog,
  kLog10,
  kCondition,
  kCount,
  kCountIfCondition,
  kCountIfValue,
  kDaysBetween,
  kHasValue,
  kMaxValue,
  kMinutesBetween,
  kMinValue,
  kMonthsBetween,
  kOizp,
  kRelationshipCount,
  kWeeksBetween,
  kYearsBetween,
  kZing,
  kZpvc,
};

// As written: "if", "d2:daysBetween", ...
std::string_view ProgramFunctionName(ProgramFunction function);

enum class ProgramNodeKind {
  kNumber,
  kString,
  kBoolean,
  kNull,
  kDataElement,     // #{uid0.uid1}: stage uid0, data element uid1; stage_offset
  kAttribute,       // A{uid0}
  kVariable,        // V{variable}
  kConstant,        // C{uid0}
  kStageEventDate,  // PS_EVENTDATE:uid0
  kUnary,           // unary_operator, children[0]
  kBinary,          // binary_operator, children[0], children[1]
  kFunction,        // function, children = arguments (see the header comment for d2:condition)
};

struct ProgramNode {
  ProgramNodeKind kind = ProgramNodeKind::kNull;
  size_t position = 0;  // byte offset of the node's first character in the (outer) text
  double number = 0;
  bool boolean = false;
  std::string text;  // string literal value
  std::string uid0, uid1;
  std::optional<int> stage_offset;  // set by .stageOffset(n) on #{stage.dataElement}
  ProgramVariable variable = ProgramVariable::kEventDate;
  UnaryOperator unary_operator = UnaryOperator::kPlus;
  BinaryOperator binary_operator = BinaryOperator::kAdd;
  ProgramFunction function = ProgramFunction::kIf;
  std::vector<ProgramNode> children;
};

class ProgramExpression {
 public:
  const std::string& text() const { return text_; }
  const ProgramNode& root() const { return root_; }

  // Every distinct (stage, data element) the expression reads, in order of first appearance.
  const std::vector<std::pair<std::string, std::string>>& data_elements() const {
    return data_elements_;
  }
  // Every distinct attribute and constant, in order of first appearance.
  const std::vector<std::string>& attributes() const { return attributes_; }
  const std::vector<std::string>& constants() const { return constants_; }

  // The expression re-rendered from the tree with single spaces around binary operators and
  // minimal parentheses; parsing it gives the same tree.
  std::string Normalised() const;

 private:
  friend Result<ProgramExpression> ParseProgramExpression(std::string_view text);

  std::string text_;
  ProgramNode root_;
  std::vector<std::pair<std::string, std::string>> data_elements_;
  std::vector<std::string> attributes_;
  std::vector<std::string> constants_;
};

// Parses a program indicator expression or filter. Invalid argument for a syntax error or an
// item, variable or function the language does not have, naming the character.
Result<ProgramExpression> ParseProgramExpression(std::string_view text);

}  // namespace dhl::dhis2
