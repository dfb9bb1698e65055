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

namespace dhl::dhis2 {
namespace {

constexpr int kMaxNesting = 100;
constexpr int kMaxDepth = 500;

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

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlphaNumeric(char c) { return IsLetter(c) || IsAsciiDigit(c); }
bool IsIdentifierChar(char c) { return IsAlphaNumeric(c) || c == '_'; }
bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsUid(std::string_view text) {
  return text.size() == 11 && IsLetter(text[0]) &&
         std::all_of(text.begin(), text.end(), IsAlphaNumeric);
}

struct Parsed {
  ProgramNode node;
  int depth = 1;
};

// Recursive descent in the shape of expression.cc's parser. A nested parser (the string argument
// of d2:condition or d2:countIfCondition) reports positions in the outer text through `base_`.
class Parser {
 public:
  Parser(std::string_view text, std::string_view outer, size_t base)
      : text_(text), outer_(outer), base_(base) {}

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
  Status Error(size_t position, std::string_view what) const {
    size_t at = base_ + position;
    std::string message(what);
    message += " at character " + std::to_string(at) + "\n";
    message += outer_;
    message += "\n" + std::string(std::min(at, outer_.size()), ' ') + "^";
    return InvalidArgument(std::move(message));
  }
  Status Expected(std::string_view what) const {
    if (AtEnd()) {
      return Error(pos_, "expected " + std::string(what) + " but the expression ended");
    }
    return Error(pos_, "expected " + std::string(what));
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  bool LookingAt(std::string_view word) const { return text_.substr(pos_, word.size()) == word; }
  bool LookingAtWord(std::string_view word) const {
    return LookingAt(word) && !IsIdentifierChar(Peek(word.size()));
  }
  Status SkipWhitespace() {
    while (!AtEnd()) {
      if (IsWhitespace(Peek())) {
        ++pos_;
      } else if (Peek() == '/' && Peek(1) == '*') {
        size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) {
          return Error(pos_, "unclosed comment");
        }
        pos_ = end + 2;
      } else {
        break;
      }
    }
    return Status::Ok();
  }
  Status Expect(char c) {
    DHL_RETURN_IF_ERROR(SkipWhitespace());
    if (AtEnd() || Peek() != c) {
      return Expected(std::string("'") + c + "'");
    }
    ++pos_;
    return Status::Ok();
  }
  std::string ReadIdentifier() {
    size_t start = pos_;
    while (!AtEnd() && IsIdentifierChar(Peek())) {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }
  Result<std::string> ReadUid(std::string_view what) {
    size_t start = pos_;
    while (!AtEnd() && IsAlphaNumeric(Peek())) {
      ++pos_;
    }
    std::string_view uid = text_.substr(start, pos_ - start);
    if (!IsUid(uid)) {
      pos_ = start;
      if (Peek() == '<') {
        return Error(start, "unresolved metadata package placeholder (replace it with a UID)");
      }
      return Expected(std::string(what) +
                      " (a UID of 11 letters and digits starting with a letter)");
    }
    return std::string(uid);
  }
  Status Deeper(size_t position) {
    if (++nesting_ > kMaxNesting) {
      return Error(position, "expression nests too deeply");
    }
    return Status::Ok();
  }
  Result<Parsed> MakeBinary(BinaryOperator op, size_t position, Parsed left, Parsed right) {
    Parsed out;
    out.node.kind = ProgramNodeKind::kBinary;
    out.node.binary_operator = op;
    out.node.position = base_ + position;
    out.depth = std::max(left.depth, right.depth) + 1;
    if (out.depth > kMaxDepth) {
      return Error(position, "expression nests too deeply");
    }
    out.node.children.push_back(std::move(left.node));
    out.node.children.push_back(std::move(right.node));
    return out;
  }

  std::optional<BinaryOperator> MatchOperator(int level, size_t* length) const;
  Result<Parsed> ParseBinaryLevel(int level);
  Result<Parsed> ParseUnary();
  Result<Parsed> ParsePower();
  Result<Parsed> ParsePostfix();
  Result<Parsed> ParsePrimary();
  Result<Parsed> ParseNumber();
  Result<std::string> ParseStringValue();
  Result<Parsed> ParseBraceItem(std::string_view type, size_t start);
  Result<Parsed> ParseFunction(const FunctionInfo& info, size_t start);
  Result<Parsed> ParseArgument(const FunctionInfo& info, int index);
  Result<Parsed> ParseNested(size_t literal_start, const std::string& value,
                             const std::string& prefix);

  std::string_view text_;
  std::string_view outer_;
  size_t base_ = 0;
  size_t pos_ = 0;
  int nesting_ = 0;
};

constexpr int kLevelCount = 6;

std::optional<BinaryOperator> Parser::MatchOperator(int level, size_t* length) const {
  char c = Peek();
  char next = Peek(1);
  *length = 1;
  switch (level) {
    case 0:
      if (c == '|' && next == '|') {
        *length = 2;
        return BinaryOperator::kOr;
      }
      if (LookingAtWord("or")) {
        *length = 2;
        return BinaryOperator::kOr;
      }
      return std::nullopt;
    case 1:
      if (c == '&' && next == '&') {
        *length = 2;
        return BinaryOperator::kAnd;
      }
      if (LookingAtWord("and")) {
        *length = 3;
        return BinaryOperator::kAnd;
      }
      return std::nullopt;
    case 2:
      if ((c == '=' || c == '!') && next == '=') {
        *length = 2;
        return c == '=' ? BinaryOperator::kEqual : BinaryOperator::kNotEqual;
      }
      return std::nullopt;
    case 3:
      if ((c == '<' || c == '>') && next == '=') {
        *length = 2;
        return c == '<' ? BinaryOperator::kLessOrEqual : BinaryOperator::kGreaterOrEqual;
      }
      if (c == '<') {
        return BinaryOperator::kLess;
      }
      if (c == '>') {
        return BinaryOperator::kGreater;
      }
      return std::nullopt;
    case 4:
      if (c == '+') {
        return BinaryOperator::kAdd;
      }
      if (c == '-') {
        return BinaryOperator::kSubtract;
      }
      return std::nullopt;
    case 5:
      if (c == '*') {
        return BinaryOperator::kMultiply;
      }
      if (c == '/' && next != '*') {
        return BinaryOperator::kDivide;
      }
      if (c == '%') {
        return BinaryOperator::kModulo;
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

Result<Parsed> Parser::ParseBinaryLevel(int level) {
  if (level >= kLevelCount) {
    return ParseUnary();
  }
  DHL_ASSIGN_OR_RETURN(Parsed left, ParseBinaryLevel(level + 1));
  while (true) {
    DHL_RETURN_IF_ERROR(SkipWhitespace());
    size_t length = 0;
    std::optional<BinaryOperator> op = MatchOperator(level, &length);
    if (!op) {
      return left;
    }
    size_t position = pos_;
    pos_ += length;
    DHL_ASSIGN_OR_RETURN(Parsed right, ParseBinaryLevel(level + 1));
    DHL_ASSIGN_OR_RETURN(left, MakeBinary(*op, position, std::move(left), std::move(right)));
  }
}

Result<Parsed> Parser::ParseUnary() {
  DHL_RETURN_IF_ERROR(SkipWhitespace());
  size_t start = pos_;
  std::optional<UnaryOperator> op;
  size_t length = 1;
  if (Peek() == '-') {
    op = UnaryOperator::kMinus;
  } else if (Peek() == '+') {
    op = UnaryOperator::kPlus;
  } else if (Peek() == '!' && Peek(1) != '=') {
    op = UnaryOperator::kNot;
  } else if (LookingAtWord("not")) {
    op = UnaryOperator::kNot;
    length = 3;
  }
  if (!op) {
    return ParsePower();
  }
  pos_ += length;
  DHL_RETURN_IF_ERROR(Deeper(start));
  DHL_ASSIGN_OR_RETURN(Parsed operand, ParseUnary());
  --nesting_;
  Parsed out;
  out.node.kind = ProgramNodeKind::kUnary;
  out.node.unary_operator = *op;
  out.node.position = base_ + start;
  out.depth = operand.depth + 1;
  out.node.children.push_back(std::move(operand.node));
  return out;
}

Result<Parsed> Parser::ParsePower() {
  DHL_ASSIGN_OR_RETURN(Parsed base, ParsePostfix());
  DHL_RETURN_IF_ERROR(SkipWhitespace());
  if (Peek() != '^') {
    return base;
  }
  size_t position = pos_;
  ++pos_;
  DHL_RETURN_IF_ERROR(Deeper(position));
  DHL_ASSIGN_OR_RETURN(Parsed exponent, ParseUnary());
  --nesting_;
  return MakeBinary(BinaryOperator::kPower, position, std::move(base), std::move(exponent));
}

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
  while (IsAsciiDigit(Peek())) {
    ++pos_;
  }
  if (Peek() == '.') {
    ++pos_;
    while (IsAsciiDigit(Peek())) {
      ++pos_;
    }
  }
  if (Peek() == 'e' || Peek() == 'E') {
    size_t exponent_start = pos_;
    ++pos_;
    if (Peek() == '+' || Peek() == '-') {
      ++pos_;
    }
    if (!IsAsciiDigit(Peek())) {
      return Error(exponent_start, "expected digits of the exponent");
    }
    while (IsAsciiDigit(Peek())) {
      ++pos_;
    }
  }
  std::string literal(text_.substr(start, pos_ - start));
  Parsed out;
  out.node.kind = ProgramNodeKind::kNumber;
  out.node.position = base_ + start;
  out.node.number = std::strtod(literal.c_str(), nullptr);
  if (!std::isfinite(out.node.number)) {
    return Error(start, "number " + literal + " is too large");
  }
  return out;
}

// A quoted string at pos_ ('..' or ".."; backslash escapes \' \" \\ \n \t \r).
Result<std::string> Parser::ParseStringValue() {
  size_t start = pos_;
  char quote = Peek();
  ++pos_;
  std::string value;
  while (true) {
    if (AtEnd()) {
      return Error(start, std::string("unclosed string literal, expected closing ") + quote);
    }
    char c = Peek();
    if (c == quote) {
      ++pos_;
      return value;
    }
    if (c == '\\') {
      char escaped = Peek(1);
      pos_ += 2;
      value += escaped == 'n' ? '\n' : escaped == 't' ? '\t' : escaped == 'r' ? '\r' : escaped;
      continue;
    }
    value += c;
    ++pos_;
  }
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
    DHL_ASSIGN_OR_RETURN(std::string value, ParseStringValue());
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
  --nesting_;
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
    --nesting_;
    return inner;
  }
  if (IsAsciiDigit(c) || (c == '.' && IsAsciiDigit(Peek(1)))) {
    return ParseNumber();
  }
  if (c == '\'' || c == '"') {
    DHL_ASSIGN_OR_RETURN(std::string value, ParseStringValue());
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

int Precedence(BinaryOperator op) {
  switch (op) {
    case BinaryOperator::kOr:
      return 0;
    case BinaryOperator::kAnd:
      return 1;
    case BinaryOperator::kEqual:
    case BinaryOperator::kNotEqual:
      return 2;
    case BinaryOperator::kLess:
    case BinaryOperator::kGreater:
    case BinaryOperator::kLessOrEqual:
    case BinaryOperator::kGreaterOrEqual:
      return 3;
    case BinaryOperator::kAdd:
    case BinaryOperator::kSubtract:
      return 4;
    case BinaryOperator::kMultiply:
    case BinaryOperator::kDivide:
    case BinaryOperator::kModulo:
      return 5;
    case BinaryOperator::kPower:
      return 7;
  }
  return 0;
}
constexpr int kUnaryPrecedence = 6;
constexpr int kAtomPrecedence = 8;

int NodePrecedence(const ProgramNode& node) {
  if (node.kind == ProgramNodeKind::kBinary) {
    return Precedence(node.binary_operator);
  }
  return node.kind == ProgramNodeKind::kUnary ? kUnaryPrecedence : kAtomPrecedence;
}

std::string Quote(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "'";
}

std::string Render(const ProgramNode& node);

std::string RenderOperand(const ProgramNode& node, int min_precedence) {
  std::string text = Render(node);
  return NodePrecedence(node) < min_precedence ? "(" + text + ")" : text;
}

std::string Render(const ProgramNode& node) {
  switch (node.kind) {
    case ProgramNodeKind::kNumber: {
      char buffer[64];
      auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), node.number);
      return error == std::errc() ? std::string(buffer, end) : "0";
    }
    case ProgramNodeKind::kString:
      return Quote(node.text);
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
      std::string op = node.unary_operator == UnaryOperator::kMinus  ? "-"
                       : node.unary_operator == UnaryOperator::kPlus ? "+"
                                                                     : "!";
      const ProgramNode& operand = node.children[0];
      bool wrap = NodePrecedence(operand) < kUnaryPrecedence ||
                  (operand.kind == ProgramNodeKind::kNumber && operand.number < 0);
      std::string inner = Render(operand);
      return op + (wrap ? "(" + inner + ")" : inner);
    }
    case ProgramNodeKind::kBinary: {
      int precedence = Precedence(node.binary_operator);
      std::string left, right;
      if (node.binary_operator == BinaryOperator::kPower) {
        left = RenderOperand(node.children[0], kAtomPrecedence);
        right = RenderOperand(node.children[1], kUnaryPrecedence);
      } else {
        left = RenderOperand(node.children[0], precedence);
        right = RenderOperand(node.children[1], precedence + 1);
      }
      return left + " " + std::string(BinaryOperatorSymbol(node.binary_operator)) + " " + right;
    }
    case ProgramNodeKind::kFunction: {
      std::vector<std::string> arguments;
      for (const ProgramNode& child : node.children) {
        arguments.push_back(Render(child));
      }
      if (node.function == ProgramFunction::kCondition && arguments.size() == 3) {
        arguments = {Quote(arguments[2]), arguments[0], arguments[1]};
      } else if (node.function == ProgramFunction::kCountIfCondition && arguments.size() == 2) {
        // The condition was parsed as "0 <op> <value>": render "<op> <value>".
        const ProgramNode& condition = node.children[1];
        arguments[1] =
            Quote(std::string(BinaryOperatorSymbol(condition.binary_operator)) + " " +
                  RenderOperand(condition.children[1], Precedence(condition.binary_operator) + 1));
      } else if (node.function == ProgramFunction::kRelationshipCount && !arguments.empty()) {
        arguments[0] = Quote(node.children[0].text);
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
