#include "dhis2/program_expression.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <string>
#include <utility>

#include "base/text.h"
#include "dhis2/expression_syntax.h"

namespace dhl::dhis2 {
namespace {

using syntax::FormatNumber;
using syntax::IsAlphaNumeric;
using syntax::IsLetter;
using syntax::IsUid;
using syntax::kAtomPrecedence;
using syntax::kUnaryPrecedence;
using syntax::Precedence;
using syntax::QuoteString;
using syntax::RenderBinary;
using syntax::RenderUnary;

struct VariableInfo {
  ProgramVariable variable;
  std::string_view name;
};

constexpr std::array<VariableInfo, 23> kVariables = {{
    {ProgramVariable::kAnalyticsPeriodEnd, "analytics_period_end"},
    {ProgramVariable::kAnalyticsPeriodStart, "analytics_period_start"},
    {ProgramVariable::kCreationDate, "creation_date"},
    {ProgramVariable::kCurrentDate, "current_date"},
    {ProgramVariable::kCompletedDate, "completed_date"},
    {ProgramVariable::kDueDate, "due_date"},
    {ProgramVariable::kEnrollmentCount, "enrollment_count"},
    {ProgramVariable::kEnrollmentDate, "enrollment_date"},
    {ProgramVariable::kEnrollmentStatus, "enrollment_status"},
    {ProgramVariable::kEventStatus, "event_status"},
    {ProgramVariable::kEventCount, "event_count"},
    {ProgramVariable::kScheduledEventCount, "scheduled_event_count"},
    {ProgramVariable::kEventDate, "event_date"},
    {ProgramVariable::kEventDate, "execution_date"},
    {ProgramVariable::kScheduledDate, "scheduled_date"},
    {ProgramVariable::kIncidentDate, "incident_date"},
    {ProgramVariable::kOrgUnitCount, "org_unit_count"},
    {ProgramVariable::kProgramStageId, "program_stage_id"},
    {ProgramVariable::kProgramStageName, "program_stage_name"},
    {ProgramVariable::kSyncDate, "sync_date"},
    {ProgramVariable::kTeiCount, "tei_count"},
    {ProgramVariable::kValueCount, "value_count"},
    {ProgramVariable::kZeroPosValueCount, "zero_pos_value_count"},
}};

// How a function's arguments are read.
enum class Arguments {
  kExpressions,        // every argument an expression
  kStageElementFirst,  // #{stage.dataElement} first, then expressions
  kMinMax,             // #{stage.dataElement} or PS_EVENTDATE:stage
  kConditionString,    // 'test expression', then expressions
  kConditionSuffix,    // #{stage.dataElement}, then '<operator> <value>'
  kOptionalString,     // nothing or one string literal (a relationship type uid)
};

struct FunctionInfo {
  ProgramFunction function;
  std::string_view name;
  int min_arguments;
  int max_arguments;  // -1: no limit
  Arguments arguments;
};

constexpr std::array<FunctionInfo, 24> kFunctions = {{
    {ProgramFunction::kIf, "if", 3, 3, Arguments::kExpressions},
    {ProgramFunction::kIsNull, "isNull", 1, 1, Arguments::kExpressions},
    {ProgramFunction::kIsNotNull, "isNotNull", 1, 1, Arguments::kExpressions},
    {ProgramFunction::kFirstNonNull, "firstNonNull", 1, -1, Arguments::kExpressions},
    {ProgramFunction::kGreatest, "greatest", 1, -1, Arguments::kExpressions},
    {ProgramFunction::kLeast, "least", 1, -1, Arguments::kExpressions},
    {ProgramFunction::kLog, "log", 1, 2, Arguments::kExpressions},
    {ProgramFunction::kLog10, "log10", 1, 1, Arguments::kExpressions},
    {ProgramFunction::kCondition, "d2:condition", 3, 3, Arguments::kConditionString},
    {ProgramFunction::kCount, "d2:count", 1, 1, Arguments::kStageElementFirst},
    {ProgramFunction::kCountIfCondition, "d2:countIfCondition", 2, 2, Arguments::kConditionSuffix},
    {ProgramFunction::kCountIfValue, "d2:countIfValue", 2, 2, Arguments::kStageElementFirst},
    {ProgramFunction::kDaysBetween, "d2:daysBetween", 2, 2, Arguments::kExpressions},
    {ProgramFunction::kHasValue, "d2:hasValue", 1, 1, Arguments::kExpressions},
    {ProgramFunction::kMaxValue, "d2:maxValue", 1, 1, Arguments::kMinMax},
    {ProgramFunction::kMinutesBetween, "d2:minutesBetween", 2, 2, Arguments::kExpressions},
    {ProgramFunction::kMinValue, "d2:minValue", 1, 1, Arguments::kMinMax},
    {ProgramFunction::kMonthsBetween, "d2:monthsBetween", 2, 2, Arguments::kExpressions},
    {ProgramFunction::kOizp, "d2:oizp", 1, 1, Arguments::kExpressions},
    {ProgramFunction::kRelationshipCount, "d2:relationshipCount", 0, 1, Arguments::kOptionalString},
    {ProgramFunction::kWeeksBetween, "d2:weeksBetween", 2, 2, Arguments::kExpressions},
    {ProgramFunction::kYearsBetween, "d2:yearsBetween", 2, 2, Arguments::kExpressions},
    {ProgramFunction::kZing, "d2:zing", 1, 1, Arguments::kExpressions},
    {ProgramFunction::kZpvc, "d2:zpvc", 1, -1, Arguments::kExpressions},
}};

const FunctionInfo* FindFunction(std::string_view name) {
  for (const FunctionInfo& info : kFunctions) {
    if (info.name == name) {
      return &info;
    }
  }
  return nullptr;
}

struct Parsed {
  ProgramNode node;
  int depth = 1;
};

// Recursive descent in the shape of expression.cc's parser. A nested parser (the string argument
// of d2:condition or d2:countIfCondition) reports positions in the outer text through `base_`.
class Parser : public syntax::OperatorParser<Parser, Parsed, ProgramNodeKind::kBinary,
                                             ProgramNodeKind::kUnary> {
 public:
  Parser(std::string_view text, std::string_view outer, size_t base)
      : OperatorParser(text, outer, base) {}

  Result<ProgramNode> Run() {
    DHL_ASSIGN_OR_RETURN(Parsed parsed, ParseBinaryLevel(0));
    DHL_RETURN_IF_ERROR(SkipWhitespace());
    if (!AtEnd()) {
      if (Peek() == ')') {
        return Error(pos_, "unexpected ')' without a matching '('");
      }
      return Error(pos_, std::string("unexpected character '") + Peek() + "'");
    }
    return std::move(parsed.node);
  }

 private:
  friend OperatorParser;

  Result<std::string> ReadUid(std::string_view what) {
    size_t start = pos_;
    while (!AtEnd() && IsAlphaNumeric(Peek())) {
      ++pos_;
    }
    std::string_view uid = text_.substr(start, pos_ - start);
    if (!IsUid(uid)) {
      pos_ = start;
      if (Peek() == '<') {
        return PlaceholderError(start);
      }
      return Expected(std::string(what) +
                      " (a UID of 11 letters and digits starting with a letter)");
    }
    return std::string(uid);
  }
  Result<Parsed> ParsePostfix();
  Result<Parsed> ParsePrimary();
  Result<Parsed> ParseNumber();
  Result<Parsed> ParseBraceItem(std::string_view type, size_t start);
  Result<Parsed> ParseFunction(const FunctionInfo& info, size_t start);
  Result<Parsed> ParseArgument(const FunctionInfo& info, int index);
  Result<Parsed> ParseNested(size_t literal_start, const std::string& value,
                             const std::string& prefix);
};

void SetStageOffset(ProgramNode& node, int offset) {
  if (node.kind == ProgramNodeKind::kDataElement && !node.stage_offset) {
    node.stage_offset = offset;
  }
  for (ProgramNode& child : node.children) {
    SetStageOffset(child, offset);
  }
}

Result<Parsed> Parser::ParsePostfix() {
  DHL_ASSIGN_OR_RETURN(Parsed primary, ParsePrimary());
  while (true) {
    DHL_RETURN_IF_ERROR(SkipWhitespace());
    if (Peek() != '.' || !IsLetter(Peek(1))) {
      return primary;
    }
    ++pos_;
    size_t start = pos_;
    std::string name = ReadIdentifier();
    if (name != "stageOffset") {
      return Error(
          start, "unknown modifier '." + name + "' (program indicators know only .stageOffset(n))");
    }
    DHL_RETURN_IF_ERROR(Expect('('));
    DHL_RETURN_IF_ERROR(SkipWhitespace());
    size_t number_start = pos_;
    if (Peek() == '+' || Peek() == '-') {
      ++pos_;
    }
    while (IsAsciiDigit(Peek())) {
      ++pos_;
    }
    std::string_view digits = text_.substr(number_start, pos_ - number_start);
    int offset = 0;
    const char* first = digits.data() + (!digits.empty() && digits[0] == '+' ? 1 : 0);
    auto [end, error] = std::from_chars(first, digits.data() + digits.size(), offset);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size()) {
      pos_ = number_start;
      return Expected("an integer stage offset");
    }
    DHL_RETURN_IF_ERROR(Expect(')'));
    SetStageOffset(primary.node, offset);
  }
}

Result<Parsed> Parser::ParseNumber() {
  size_t start = pos_;
  DHL_ASSIGN_OR_RETURN(double number, ScanNumber());
  Parsed out;
  out.node.kind = ProgramNodeKind::kNumber;
  out.node.position = Position(start);
  out.node.number = number;
  return out;
}

Result<Parsed> Parser::ParseBraceItem(std::string_view type, size_t start) {
  ++pos_;  // '{'
  size_t first = pos_;
  DHL_ASSIGN_OR_RETURN(std::string uid0, ReadUid(type == "#" ? "a program stage" : "an item"));
  std::string uid1;
  if (Peek() == '.') {
    ++pos_;
    DHL_ASSIGN_OR_RETURN(uid1, ReadUid(type == "#" ? "a data element" : "an attribute"));
  }
  if (Peek() != '}') {
    return Expected("'}'");
  }
  ++pos_;
  Parsed out;
  out.node.position = base_ + start;
  if (type == "#") {
    if (uid1.empty()) {
      return Error(first,
                   "expected #{programStage.dataElement}: a program indicator reads a "
                   "data element in a stage");
    }
    out.node.kind = ProgramNodeKind::kDataElement;
    out.node.uid0 = std::move(uid0);
    out.node.uid1 = std::move(uid1);
  } else if (type == "A") {
    out.node.kind = ProgramNodeKind::kAttribute;
    out.node.uid0 = uid1.empty() ? std::move(uid0) : std::move(uid1);  // A{program.attribute}
  } else {                                                             // C
    if (!uid1.empty()) {
      return Error(first, "expected C{constant}");
    }
    out.node.kind = ProgramNodeKind::kConstant;
    out.node.uid0 = std::move(uid0);
  }
  return out;
}

// Parses `value` (a string literal's content that starts at literal_start, its opening quote) as
// an expression prefixed by `prefix` (the "0" DHIS2 puts before d2:countIfCondition's condition).
Result<Parsed> Parser::ParseNested(size_t literal_start, const std::string& value,
                                   const std::string& prefix) {
  std::string nested_text = prefix + value;
  // Positions in the nested text map to the outer text after the quote (exact without escapes).
  size_t nested_base = base_ + literal_start + 1 - prefix.size();
  Parser nested(nested_text, outer_, nested_base);
  DHL_ASSIGN_OR_RETURN(ProgramNode node, nested.Run());
  Parsed out;
  out.node = std::move(node);
  return out;
}

Result<Parsed> Parser::ParseArgument(const FunctionInfo& info, int index) {
  DHL_RETURN_IF_ERROR(SkipWhitespace());
  size_t start = pos_;
  bool stage_element_here =
      (info.arguments == Arguments::kStageElementFirst ||
       info.arguments == Arguments::kConditionSuffix || info.arguments == Arguments::kMinMax) &&
      index == 0;
  bool string_here = (info.arguments == Arguments::kConditionString && index == 0) ||
                     (info.arguments == Arguments::kConditionSuffix && index == 1) ||
                     info.arguments == Arguments::kOptionalString;
  if (string_here) {
    if (Peek() != '\'' && Peek() != '"') {
      return Expected("a string literal as argument " + std::to_string(index + 1) + " of " +
                      std::string(info.name) + "()");
    }
    DHL_ASSIGN_OR_RETURN(std::string value, ScanString());
    if (info.arguments == Arguments::kOptionalString) {
      if (!IsUid(value)) {
        return Error(start + 1,
                     "expected a relationship type UID in " + std::string(info.name) + "()");
      }
      Parsed out;
      out.node.kind = ProgramNodeKind::kString;
      out.node.position = base_ + start;
      out.node.text = std::move(value);
      return out;
    }
    DHL_ASSIGN_OR_RETURN(
        Parsed nested,
        ParseNested(start, value, info.arguments == Arguments::kConditionSuffix ? "0" : ""));
    if (info.arguments == Arguments::kConditionSuffix) {
      const ProgramNode& node = nested.node;
      bool comparison = node.kind == ProgramNodeKind::kBinary &&
                        node.binary_operator >= BinaryOperator::kLess &&
                        node.binary_operator <= BinaryOperator::kNotEqual &&
                        node.children[0].kind == ProgramNodeKind::kNumber;
      if (!comparison) {
        return Error(start + 1,
                     "expected a comparison such as '< 11' in " + std::string(info.name) + "()");
      }
    }
    return nested;
  }
  DHL_ASSIGN_OR_RETURN(Parsed argument, ParseBinaryLevel(0));
  if (stage_element_here) {
    bool ok = argument.node.kind == ProgramNodeKind::kDataElement ||
              (info.arguments == Arguments::kMinMax &&
               argument.node.kind == ProgramNodeKind::kStageEventDate);
    if (!ok) {
      return Error(start, std::string("expected ") +
                              (info.arguments == Arguments::kMinMax
                                   ? "#{programStage.dataElement} or PS_EVENTDATE:programStage"
                                   : "#{programStage.dataElement}") +
                              " as the first argument of " + std::string(info.name) + "()");
    }
  }
  return argument;
}

Result<Parsed> Parser::ParseFunction(const FunctionInfo& info, size_t start) {
  DHL_RETURN_IF_ERROR(Expect('('));
  DHL_RETURN_IF_ERROR(Deeper(start));
  Parsed out;
  out.node.kind = ProgramNodeKind::kFunction;
  out.node.function = info.function;
  out.node.position = base_ + start;
  int count = 0;
  DHL_RETURN_IF_ERROR(SkipWhitespace());
  if (Peek() != ')') {
    while (true) {
      if (info.max_arguments >= 0 && count >= info.max_arguments) {
        return Expected("')': " + std::string(info.name) + "() takes at most " +
                        std::to_string(info.max_arguments) + " argument(s)");
      }
      DHL_ASSIGN_OR_RETURN(Parsed argument, ParseArgument(info, count));
      out.depth = std::max(out.depth, argument.depth + 1);
      out.node.children.push_back(std::move(argument.node));
      ++count;
      DHL_RETURN_IF_ERROR(SkipWhitespace());
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      break;
    }
  }
  if (AtEnd() || Peek() != ')') {
    return Expected(count < info.min_arguments ? "an argument" : "',' or ')'");
  }
  if (count < info.min_arguments) {
    return Error(pos_, "expected more arguments: " + std::string(info.name) + "() takes at least " +
                           std::to_string(info.min_arguments));
  }
  ++pos_;
  Shallower();
  if (info.function == ProgramFunction::kCondition) {
    // The test expression goes last, so that children[0] and [1] are the two values.
    std::rotate(out.node.children.begin(), out.node.children.begin() + 1, out.node.children.end());
  }
  return out;
}

Result<Parsed> Parser::ParsePrimary() {
  DHL_RETURN_IF_ERROR(SkipWhitespace());
  size_t start = pos_;
  if (AtEnd()) {
    return Expected("a value");
  }
  char c = Peek();
  if (c == '(') {
    ++pos_;
    DHL_RETURN_IF_ERROR(Deeper(start));
    DHL_ASSIGN_OR_RETURN(Parsed inner, ParseBinaryLevel(0));
    DHL_RETURN_IF_ERROR(Expect(')'));
    Shallower();
    return inner;
  }
  if (IsAsciiDigit(c) || (c == '.' && IsAsciiDigit(Peek(1)))) {
    return ParseNumber();
  }
  if (c == '\'' || c == '"') {
    DHL_ASSIGN_OR_RETURN(std::string value, ScanString());
    Parsed out;
    out.node.kind = ProgramNodeKind::kString;
    out.node.position = base_ + start;
    out.node.text = std::move(value);
    return out;
  }
  if (c == '#') {
    ++pos_;
    if (Peek() != '{') {
      return Expected("'{' after '#'");
    }
    return ParseBraceItem("#", start);
  }
  if (!IsLetter(c)) {
    return Error(start, std::string("unexpected character '") + c + "'");
  }
  std::string name = ReadIdentifier();
  if (name == "d2" && Peek() == ':') {
    ++pos_;
    name += ":" + ReadIdentifier();
    const FunctionInfo* info = FindFunction(name);
    if (info == nullptr) {
      return Error(start, "unknown function '" + name + "'");
    }
    return ParseFunction(*info, start);
  }
  if (name == "PS_EVENTDATE" && Peek() == ':') {
    ++pos_;
    DHL_RETURN_IF_ERROR(SkipWhitespace());
    DHL_ASSIGN_OR_RETURN(std::string stage, ReadUid("a program stage"));
    Parsed out;
    out.node.kind = ProgramNodeKind::kStageEventDate;
    out.node.position = base_ + start;
    out.node.uid0 = std::move(stage);
    return out;
  }
  if (Peek() == '{') {
    if (name == "A" || name == "C") {
      return ParseBraceItem(name, start);
    }
    if (name == "V") {
      ++pos_;
      size_t name_start = pos_;
      std::string variable_name = ReadIdentifier();
      std::optional<ProgramVariable> variable = ParseProgramVariable(variable_name);
      if (!variable) {
        return Error(name_start, "unknown program variable V{" + variable_name + "}");
      }
      if (Peek() != '}') {
        return Expected("'}'");
      }
      ++pos_;
      Parsed out;
      out.node.kind = ProgramNodeKind::kVariable;
      out.node.position = base_ + start;
      out.node.variable = *variable;
      return out;
    }
    return Error(start, "item '" + name +
                            "{' is not allowed in a program indicator (#{}, A{}, "
                            "V{}, C{} and PS_EVENTDATE: are)");
  }
  if (name == "true" || name == "false") {
    Parsed out;
    out.node.kind = ProgramNodeKind::kBoolean;
    out.node.boolean = name == "true";
    out.node.position = base_ + start;
    return out;
  }
  if (name == "null") {
    Parsed out;
    out.node.kind = ProgramNodeKind::kNull;
    out.node.position = base_ + start;
    return out;
  }
  const FunctionInfo* info = FindFunction(name);
  if (info == nullptr) {
    return Error(start, "unknown function or constant '" + name + "'");
  }
  return ParseFunction(*info, start);
}

// --- normal form

int NodePrecedence(const ProgramNode& node) {
  if (node.kind == ProgramNodeKind::kBinary) {
    return Precedence(node.binary_operator);
  }
  return node.kind == ProgramNodeKind::kUnary ? kUnaryPrecedence : kAtomPrecedence;
}

std::string Render(const ProgramNode& node);

std::string RenderOperand(const ProgramNode& node, int min_precedence) {
  std::string text = Render(node);
  return NodePrecedence(node) < min_precedence ? "(" + text + ")" : text;
}

std::string Render(const ProgramNode& node) {
  switch (node.kind) {
    case ProgramNodeKind::kNumber:
      return FormatNumber(node.number);
    case ProgramNodeKind::kString:
      return QuoteString(node.text);
    case ProgramNodeKind::kBoolean:
      return node.boolean ? "true" : "false";
    case ProgramNodeKind::kNull:
      return "null";
    case ProgramNodeKind::kDataElement: {
      std::string item = "#{" + node.uid0 + "." + node.uid1 + "}";
      if (node.stage_offset) {
        item += ".stageOffset(" + std::to_string(*node.stage_offset) + ")";
      }
      return item;
    }
    case ProgramNodeKind::kAttribute:
      return "A{" + node.uid0 + "}";
    case ProgramNodeKind::kConstant:
      return "C{" + node.uid0 + "}";
    case ProgramNodeKind::kVariable:
      return "V{" + std::string(ProgramVariableName(node.variable)) + "}";
    case ProgramNodeKind::kStageEventDate:
      return "PS_EVENTDATE:" + node.uid0;
    case ProgramNodeKind::kUnary: {
      const ProgramNode& operand = node.children[0];
      return RenderUnary(node.unary_operator, Render(operand), NodePrecedence(operand),
                         operand.kind == ProgramNodeKind::kNumber && operand.number < 0);
    }
    case ProgramNodeKind::kBinary:
      return RenderBinary(node.binary_operator, Render(node.children[0]),
                          NodePrecedence(node.children[0]), Render(node.children[1]),
                          NodePrecedence(node.children[1]));
    case ProgramNodeKind::kFunction: {
      std::vector<std::string> arguments;
      for (const ProgramNode& child : node.children) {
        arguments.push_back(Render(child));
      }
      if (node.function == ProgramFunction::kCondition && arguments.size() == 3) {
        arguments = {QuoteString(arguments[2]), arguments[0], arguments[1]};
      } else if (node.function == ProgramFunction::kCountIfCondition && arguments.size() == 2) {
        // The condition was parsed as "0 <op> <value>": render "<op> <value>".
        const ProgramNode& condition = node.children[1];
        arguments[1] = QuoteString(
            std::string(BinaryOperatorSymbol(condition.binary_operator)) + " " +
            RenderOperand(condition.children[1], Precedence(condition.binary_operator) + 1));
      } else if (node.function == ProgramFunction::kRelationshipCount && !arguments.empty()) {
        arguments[0] = QuoteString(node.children[0].text);
      }
      std::string out(ProgramFunctionName(node.function));
      out += "(";
      for (size_t i = 0; i < arguments.size(); ++i) {
        out += (i > 0 ? ", " : "") + arguments[i];
      }
      return out + ")";
    }
  }
  return "";
}

template <typename T>
void AddOnce(std::vector<T>& list, T value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) {
    list.push_back(std::move(value));
  }
}

}  // namespace

std::string_view ProgramVariableName(ProgramVariable variable) {
  for (const VariableInfo& info : kVariables) {
    if (info.variable == variable) {
      return info.name;
    }
  }
  return "?";
}

std::optional<ProgramVariable> ParseProgramVariable(std::string_view name) {
  for (const VariableInfo& info : kVariables) {
    if (info.name == name) {
      return info.variable;
    }
  }
  return std::nullopt;
}

std::string_view ProgramFunctionName(ProgramFunction function) {
  for (const FunctionInfo& info : kFunctions) {
    if (info.function == function) {
      return info.name;
    }
  }
  return "?";
}

std::string ProgramExpression::Normalised() const { return Render(root_); }

Result<ProgramExpression> ParseProgramExpression(std::string_view text) {
  Parser parser(text, text, 0);
  DHL_ASSIGN_OR_RETURN(ProgramNode root, parser.Run());
  ProgramExpression expression;
  expression.text_ = std::string(text);
  std::function<void(const ProgramNode&)> collect = [&](const ProgramNode& node) {
    if (node.kind == ProgramNodeKind::kDataElement) {
      AddOnce(expression.data_elements_, std::make_pair(node.uid0, node.uid1));
    } else if (node.kind == ProgramNodeKind::kAttribute) {
      AddOnce(expression.attributes_, node.uid0);
    } else if (node.kind == ProgramNodeKind::kConstant) {
      AddOnce(expression.constants_, node.uid0);
    }
    for (const ProgramNode& child : node.children) {
      collect(child);
    }
  };
  collect(root);
  expression.root_ = std::move(root);
  return expression;
}

}  // namespace dhl::dhis2
