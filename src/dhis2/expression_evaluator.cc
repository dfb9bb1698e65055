#include "dhis2/expression_evaluator.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "dhis2/period.h"

namespace dhl::dhis2 {
namespace {

enum class Kind { kNull, kNumber, kBoolean, kString };

// The evaluator's working value: cheaper than ExpressionValue's variant on the hot path.
struct Value {
  Kind kind = Kind::kNull;
  double number = 0;
  bool boolean = false;
  std::string text;

  static Value Null() { return Value(); }
  static Value Number(double n) {
    Value v;
    v.kind = Kind::kNumber;
    v.number = n;
    return v;
  }
  static Value Boolean(bool b) {
    Value v;
    v.kind = Kind::kBoolean;
    v.boolean = b;
    return v;
  }
  static Value String(std::string s) {
    Value v;
    v.kind = Kind::kString;
    v.text = std::move(s);
    return v;
  }
  bool is_null() const { return kind == Kind::kNull; }
};

std::string NumberText(double n) {
  if (std::isfinite(n) && n == std::floor(n) && std::fabs(n) < 1e15) {
    return std::to_string(static_cast<long long>(n));
  }
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), n);
  if (error != std::errc()) {
    return "NaN";
  }
  return std::string(buffer, end);
}

std::optional<double> ParseNumber(const std::string& text) {
  if (text.empty()) {
    return std::nullopt;
  }
  char* end = nullptr;
  double n = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) {
    return std::nullopt;
  }
  return n;
}

class Evaluator {
 public:
  Evaluator(const Expression& expression, std::span<const std::optional<double>> item_values,
            const EvaluationOptions& options)
      : expression_(expression), item_values_(item_values), options_(options) {}

  Result<Value> Eval(const ExpressionNode& node);

 private:
  Status Error(const ExpressionNode& node, std::string what) const {
    return InvalidArgument("expression \"" + expression_.text() + "\" at character " +
                           std::to_string(node.position) + ": " + what);
  }
  Result<std::optional<double>> ToNumber(const ExpressionNode& node, const Value& value) const {
    switch (value.kind) {
      case Kind::kNull:
        return std::optional<double>();
      case Kind::kNumber:
        return std::optional<double>(value.number);
      case Kind::kBoolean:
        return std::optional<double>(value.boolean ? 1.0 : 0.0);
      case Kind::kString: {
        std::optional<double> n = ParseNumber(value.text);
        if (!n) {
          return Error(node, "'" + value.text + "' is not a number");
        }
        return n;
      }
    }
    return std::optional<double>();
  }
  Result<std::optional<bool>> ToBoolean(const ExpressionNode& node, const Value& value) const {
    switch (value.kind) {
      case Kind::kNull:
        return std::optional<bool>();
      case Kind::kNumber:
        return std::optional<bool>(value.number != 0);
      case Kind::kBoolean:
        return std::optional<bool>(value.boolean);
      case Kind::kString:
        if (value.text == "true") {
          return std::optional<bool>(true);
        }
        if (value.text == "false") {
          return std::optional<bool>(false);
        }
        return Error(node, "'" + value.text + "' is not a boolean");
    }
    return std::optional<bool>();
  }
  static std::optional<std::string> ToText(const Value& value) {
    switch (value.kind) {
      case Kind::kNull:
        return std::nullopt;
      case Kind::kNumber:
        return NumberText(value.number);
      case Kind::kBoolean:
        return std::string(value.boolean ? "true" : "false");
      case Kind::kString:
        return value.text;
    }
    return std::nullopt;
  }
  Result<std::optional<double>> EvalNumber(const ExpressionNode& node) {
    DHL_ASSIGN_OR_RETURN(Value value, Eval(node));
    return ToNumber(node, value);
  }
  Result<std::optional<bool>> EvalBoolean(const ExpressionNode& node) {
    DHL_ASSIGN_OR_RETURN(Value value, Eval(node));
    return ToBoolean(node, value);
  }

  Result<Value> EvalUnary(const ExpressionNode& node);
  Result<Value> EvalBinary(const ExpressionNode& node);
  Result<Value> EvalComparison(const ExpressionNode& node, const Value& left, const Value& right);
  Result<Value> EvalFunction(const ExpressionNode& node);

  const Expression& expression_;
  std::span<const std::optional<double>> item_values_;
  const EvaluationOptions& options_;
};

Result<Value> Evaluator::Eval(const ExpressionNode& node) {
  switch (node.kind) {
    case NodeKind::kNumber:
      return Value::Number(node.number);
    case NodeKind::kString:
      return Value::String(node.text);
    case NodeKind::kBoolean:
      return Value::Boolean(node.boolean);
    case NodeKind::kNull:
      return Value::Null();
    case NodeKind::kUid:
      return Value::String(node.text);
    case NodeKind::kDays:
      if (!options_.days) {
        return Error(node, "[days] needs the number of days of the period");
      }
      return Value::Number(*options_.days);
    case NodeKind::kItem: {
      const ItemKey& key = expression_.items()[node.item_index];
      if (key.type == ItemType::kProgramIndicator || key.type == ItemType::kProgramDataElement ||
          key.type == ItemType::kProgramAttribute) {
        return Unsupported("expression \"" + expression_.text() + "\": " + key.ToString() +
                           " items are not evaluated yet");
      }
      const std::optional<double>& value = item_values_[node.item_index];
      if (value) {
        return Value::Number(*value);
      }
      return node.counted ? Value::Number(0) : Value::Null();
    }
    case NodeKind::kUnary:
      return EvalUnary(node);
    case NodeKind::kBinary:
      return EvalBinary(node);
    case NodeKind::kFunction:
      return EvalFunction(node);
  }
  return Internal("unknown expression node");
}

Result<Value> Evaluator::EvalUnary(const ExpressionNode& node) {
  const ExpressionNode& operand = node.children[0];
  if (node.unary_operator == UnaryOperator::kNot) {
    DHL_ASSIGN_OR_RETURN(std::optional<bool> b, EvalBoolean(operand));
    return b ? Value::Boolean(!*b) : Value::Null();
  }
  DHL_ASSIGN_OR_RETURN(std::optional<double> n, EvalNumber(operand));
  if (!n) {
    return Value::Null();
  }
  return Value::Number(node.unary_operator == UnaryOperator::kMinus ? -*n : *n);
}

Result<Value> Evaluator::EvalComparison(const ExpressionNode& node, const Value& left,
                                        const Value& right) {
  if (left.is_null() || right.is_null()) {
    return Value::Null();
  }
  BinaryOperator op = node.binary_operator;
  int order = 0;  // <0, 0, >0
  bool comparable = true;
  if (left.kind == Kind::kString && right.kind == Kind::kString) {
    int c = left.text.compare(right.text);
    order = c < 0 ? -1 : (c > 0 ? 1 : 0);
  } else if (left.kind == Kind::kBoolean && right.kind == Kind::kBoolean) {
    order = static_cast<int>(left.boolean) - static_cast<int>(right.boolean);
  } else {
    auto l = ToNumber(node, left);
    auto r = ToNumber(node, right);
    if (!l.ok() || !r.ok()) {
      if (op == BinaryOperator::kEqual || op == BinaryOperator::kNotEqual) {
        comparable = false;  // a non-numeric string is simply not equal to a number
      } else {
        return l.ok() ? r.status() : l.status();
      }
    } else {
      double a = **l;
      double b = **r;
      if (std::isnan(a) || std::isnan(b)) {
        // IEEE: every ordered comparison with NaN is false, != is true.
        return Value::Boolean(op == BinaryOperator::kNotEqual);
      }
      order = a < b ? -1 : (a > b ? 1 : 0);
    }
  }
  switch (op) {
    case BinaryOperator::kLess:
      return Value::Boolean(order < 0);
    case BinaryOperator::kGreater:
      return Value::Boolean(order > 0);
    case BinaryOperator::kLessOrEqual:
      return Value::Boolean(order <= 0);
    case BinaryOperator::kGreaterOrEqual:
      return Value::Boolean(order >= 0);
    case BinaryOperator::kEqual:
      return Value::Boolean(comparable && order == 0);
    case BinaryOperator::kNotEqual:
      return Value::Boolean(!comparable || order != 0);
    default:
      return Internal("not a comparison");
  }
}

Result<Value> Evaluator::EvalBinary(const ExpressionNode& node) {
  const ExpressionNode& left_node = node.children[0];
  const ExpressionNode& right_node = node.children[1];
  BinaryOperator op = node.binary_operator;
  if (op == BinaryOperator::kAnd || op == BinaryOperator::kOr) {
    // SQL's three-valued logic: false && x is false, true || x is true, otherwise null wins.
    bool dominant = op == BinaryOperator::kOr;
    DHL_ASSIGN_OR_RETURN(std::optional<bool> left, EvalBoolean(left_node));
    if (left && *left == dominant) {
      return Value::Boolean(dominant);
    }
    DHL_ASSIGN_OR_RETURN(std::optional<bool> right, EvalBoolean(right_node));
    if (right && *right == dominant) {
      return Value::Boolean(dominant);
    }
    if (!left || !right) {
      return Value::Null();
    }
    return Value::Boolean(!dominant);
  }
  if (op == BinaryOperator::kLess || op == BinaryOperator::kGreater ||
      op == BinaryOperator::kLessOrEqual || op == BinaryOperator::kGreaterOrEqual ||
      op == BinaryOperator::kEqual || op == BinaryOperator::kNotEqual) {
    DHL_ASSIGN_OR_RETURN(Value left, Eval(left_node));
    DHL_ASSIGN_OR_RETURN(Value right, Eval(right_node));
    return EvalComparison(node, left, right);
  }
  DHL_ASSIGN_OR_RETURN(std::optional<double> left, EvalNumber(left_node));
  DHL_ASSIGN_OR_RETURN(std::optional<double> right, EvalNumber(right_node));
  if (!left || !right) {
    return Value::Null();
  }
  double a = *left;
  double b = *right;
  switch (op) {
    case BinaryOperator::kPower:
      return Value::Number(std::pow(a, b));
    case BinaryOperator::kMultiply:
      return Value::Number(a * b);
    case BinaryOperator::kDivide:
      return b == 0 ? Value::Null() : Value::Number(a / b);
    case BinaryOperator::kModulo:
      return b == 0 ? Value::Null() : Value::Number(std::fmod(a, b));
    case BinaryOperator::kAdd:
      return Value::Number(a + b);
    case BinaryOperator::kSubtract:
      return Value::Number(a - b);
    default:
      return Internal("not an arithmetic operator");
  }
}

Result<Value> Evaluator::EvalFunction(const ExpressionNode& node) {
  const std::vector<ExpressionNode>& args = node.children;
  switch (node.function) {
    case Function::kIf: {
      DHL_ASSIGN_OR_RETURN(std::optional<bool> condition, EvalBoolean(args[0]));
      if (!condition) {
        return Value::Null();
      }
      return Eval(*condition ? args[1] : args[2]);
    }
    case Function::kIsNull:
    case Function::kIsNotNull: {
      DHL_ASSIGN_OR_RETURN(Value value, Eval(args[0]));
      return Value::Boolean(value.is_null() == (node.function == Function::kIsNull));
    }
    case Function::kFirstNonNull:
      for (const ExpressionNode& arg : args) {
        DHL_ASSIGN_OR_RETURN(Value value, Eval(arg));
        if (!value.is_null()) {
          return value;
        }
      }
      return Value::Null();
    case Function::kGreatest:
    case Function::kLeast: {
      std::optional<double> best;
      bool greatest = node.function == Function::kGreatest;
      for (const ExpressionNode& arg : args) {
        DHL_ASSIGN_OR_RETURN(std::optional<double> n, EvalNumber(arg));
        if (n && (!best || (greatest ? *n > *best : *n < *best))) {
          best = n;
        }
      }
      return best ? Value::Number(*best) : Value::Null();
    }
    case Function::kLog: {
      DHL_ASSIGN_OR_RETURN(std::optional<double> x, EvalNumber(args[0]));
      if (!x) {
        return Value::Null();
      }
      if (args.size() == 1) {
        return Value::Number(std::log(*x));
      }
      DHL_ASSIGN_OR_RETURN(std::optional<double> base, EvalNumber(args[1]));
      if (!base) {
        return Value::Null();
      }
      return Value::Number(std::log(*x) / std::log(*base));
    }
    case Function::kLog10: {
      DHL_ASSIGN_OR_RETURN(std::optional<double> x, EvalNumber(args[0]));
      return x ? Value::Number(std::log10(*x)) : Value::Null();
    }
    case Function::kRemoveZeros: {
      DHL_ASSIGN_OR_RETURN(Value value, Eval(args[0]));
      if (value.kind == Kind::kNumber && value.number == 0) {
        return Value::Null();
      }
      return value;
    }
    case Function::kNormDistCum:
    case Function::kNormDistDen: {
      if (args.size() < 3) {
        return Unsupported("expression \"" + expression_.text() +
                           "\": " + std::string(FunctionName(node.function)) +
                           "() without mean and standard deviation needs sampled periods");
      }
      DHL_ASSIGN_OR_RETURN(std::optional<double> x, EvalNumber(args[0]));
      DHL_ASSIGN_OR_RETURN(std::optional<double> mean, EvalNumber(args[1]));
      DHL_ASSIGN_OR_RETURN(std::optional<double> stddev, EvalNumber(args[2]));
      if (!x || !mean || !stddev) {
        return Value::Null();
      }
      if (*stddev <= 0) {
        return Value::Number(std::nan(""));
      }
      double z = (*x - *mean) / *stddev;
      if (node.function == Function::kNormDistCum) {
        return Value::Number(0.5 * std::erfc(-z / std::sqrt(2.0)));
      }
      constexpr double kSqrtTwoPi = 2.5066282746310002;
      return Value::Number(std::exp(-0.5 * z * z) / (*stddev * kSqrtTwoPi));
    }
    case Function::kContains:
    case Function::kContainsItems: {
      DHL_ASSIGN_OR_RETURN(Value haystack_value, Eval(args[0]));
      std::optional<std::string> haystack = ToText(haystack_value);
      if (!haystack) {
        return Value::Null();
      }
      std::vector<std::string> elements;
      if (node.function == Function::kContainsItems) {
        size_t start = 0;
        while (true) {
          size_t comma = haystack->find(',', start);
          elements.push_back(haystack->substr(start, comma - start));
          if (comma == std::string::npos) {
            break;
          }
          start = comma + 1;
        }
      }
      for (size_t i = 1; i < args.size(); ++i) {
        DHL_ASSIGN_OR_RETURN(Value needle_value, Eval(args[i]));
        std::optional<std::string> needle = ToText(needle_value);
        if (!needle) {
          return Value::Boolean(false);
        }
        bool found = node.function == Function::kContains
                         ? haystack->find(*needle) != std::string::npos
                         : std::find(elements.begin(), elements.end(), *needle) != elements.end();
        if (!found) {
          return Value::Boolean(false);
        }
      }
      return Value::Boolean(true);
    }
    default:
      return Unsupported("expression \"" + expression_.text() + "\": " +
                         std::string(FunctionName(node.function)) + "() is not evaluated yet");
  }
}

ExpressionValue ToExpressionValue(Value value) {
  ExpressionValue out;
  switch (value.kind) {
    case Kind::kNull:
      break;
    case Kind::kNumber:
      out.value = value.number;
      break;
    case Kind::kBoolean:
      out.value = value.boolean;
      break;
    case Kind::kString:
      out.value = std::move(value.text);
      break;
  }
  return out;
}

bool IsUnsupported(const Expression& expression, const ExpressionNode& node) {
  if (node.kind == NodeKind::kItem) {
    ItemType type = expression.items()[node.item_index].type;
    return type == ItemType::kProgramIndicator || type == ItemType::kProgramDataElement ||
           type == ItemType::kProgramAttribute;
  }
  if (node.kind == NodeKind::kFunction) {
    Function f = node.function;
    return IsAggregateFunction(f) || f == Function::kSubExpression ||
           f == Function::kOrgUnitAncestor || f == Function::kOrgUnitDataSet ||
           f == Function::kOrgUnitGroup || f == Function::kOrgUnitProgram ||
           ((f == Function::kNormDistCum || f == Function::kNormDistDen) &&
            node.children.size() < 3);
  }
  return false;
}

// The first construct this evaluator does not evaluate, or nullptr. Checked before any value is
// looked at, so that the answer does not depend on the data.
const ExpressionNode* FindUnsupported(const Expression& expression, const ExpressionNode& node) {
  if (IsUnsupported(expression, node)) {
    return &node;
  }
  for (const ExpressionNode& child : node.children) {
    if (const ExpressionNode* found = FindUnsupported(expression, child)) {
      return found;
    }
  }
  return nullptr;
}

// Counts the counted item occurrences and those among them that have a value.
void CountItems(const ExpressionNode& node, std::span<const std::optional<double>> values,
                int* found, int* with_value) {
  if (node.kind == NodeKind::kItem && node.counted) {
    ++*found;
    if (values[node.item_index]) {
      ++*with_value;
    }
  }
  for (const ExpressionNode& child : node.children) {
    CountItems(child, values, found, with_value);
  }
}

}  // namespace

std::string_view MissingValueStrategyName(MissingValueStrategy strategy) {
  switch (strategy) {
    case MissingValueStrategy::kSkipIfAnyValueMissing:
      return "SKIP_IF_ANY_VALUE_MISSING";
    case MissingValueStrategy::kSkipIfAllValuesMissing:
      return "SKIP_IF_ALL_VALUES_MISSING";
    case MissingValueStrategy::kNeverSkip:
      return "NEVER_SKIP";
  }
  return "UNKNOWN";
}

std::optional<MissingValueStrategy> ParseMissingValueStrategy(std::string_view name) {
  for (MissingValueStrategy strategy :
       {MissingValueStrategy::kSkipIfAnyValueMissing, MissingValueStrategy::kSkipIfAllValuesMissing,
        MissingValueStrategy::kNeverSkip}) {
    if (MissingValueStrategyName(strategy) == name) {
      return strategy;
    }
  }
  return std::nullopt;
}

std::optional<double> ExpressionValue::AsNumber() const {
  if (const double* n = std::get_if<double>(&value)) {
    return *n;
  }
  if (const bool* b = std::get_if<bool>(&value)) {
    return *b ? 1.0 : 0.0;
  }
  return std::nullopt;
}

std::string ExpressionValue::ToString() const {
  if (const double* n = std::get_if<double>(&value)) {
    return NumberText(*n);
  }
  if (const bool* b = std::get_if<bool>(&value)) {
    return *b ? "true" : "false";
  }
  if (const std::string* s = std::get_if<std::string>(&value)) {
    return "'" + *s + "'";
  }
  return "null";
}

Result<ExpressionValue> EvaluateExpression(const Expression& expression,
                                           std::span<const std::optional<double>> item_values,
                                           const EvaluationOptions& options) {
  if (item_values.size() != expression.items().size()) {
    return InvalidArgument("expression \"" + expression.text() +
                           "\": " + std::to_string(item_values.size()) + " item values given for " +
                           std::to_string(expression.items().size()) + " items");
  }
  if (const ExpressionNode* node = FindUnsupported(expression, expression.root())) {
    std::string what = node->kind == NodeKind::kItem
                           ? expression.items()[node->item_index].ToString() + " items are"
                           : std::string(FunctionName(node->function)) + "() is";
    return Unsupported("expression \"" + expression.text() + "\": " + what + " not evaluated yet");
  }
  int found = 0;
  int with_value = 0;
  CountItems(expression.root(), item_values, &found, &with_value);
  switch (options.missing_value_strategy) {
    case MissingValueStrategy::kSkipIfAnyValueMissing:
      if (with_value < found) {
        return ExpressionValue();
      }
      break;
    case MissingValueStrategy::kSkipIfAllValuesMissing:
      if (found > 0 && with_value == 0) {
        return ExpressionValue();
      }
      break;
    case MissingValueStrategy::kNeverSkip:
      break;
  }
  Evaluator evaluator(expression, item_values, options);
  DHL_ASSIGN_OR_RETURN(Value value, evaluator.Eval(expression.root()));
  if (value.is_null() && expression.replaces_null_result()) {
    return ExpressionValue{0.0};
  }
  return ToExpressionValue(std::move(value));
}

Result<ExpressionValue> EvaluateExpression(const Expression& expression, const ItemValueMap& values,
                                           const EvaluationOptions& options) {
  std::vector<std::optional<double>> item_values;
  item_values.reserve(expression.items().size());
  for (const ItemKey& key : expression.items()) {
    auto it = values.find(key);
    item_values.push_back(it == values.end() ? std::nullopt : std::optional<double>(it->second));
  }
  return EvaluateExpression(expression, std::span<const std::optional<double>>(item_values),
                            options);
}

Result<std::optional<IndicatorValue>> EvaluateIndicator(const IndicatorFormula& formula,
                                                        const ItemValueMap& values, double days) {
  if (formula.numerator == nullptr || formula.denominator == nullptr) {
    return InvalidArgument("indicator formula without numerator or denominator");
  }
  bool needs_days =
      formula.annualized || formula.numerator->uses_days() || formula.denominator->uses_days();
  if (needs_days && !(days > 0)) {
    return InvalidArgument("indicator \"" + formula.numerator->text() + "\" / \"" +
                           formula.denominator->text() + "\": days must be positive, got " +
                           std::to_string(days));
  }
  EvaluationOptions options;
  options.missing_value_strategy = MissingValueStrategy::kSkipIfAllValuesMissing;
  options.days = days;
  DHL_ASSIGN_OR_RETURN(ExpressionValue denominator,
                       EvaluateExpression(*formula.denominator, values, options));
  DHL_ASSIGN_OR_RETURN(ExpressionValue numerator,
                       EvaluateExpression(*formula.numerator, values, options));
  std::optional<double> n = numerator.AsNumber();
  std::optional<double> d = denominator.AsNumber();
  if (!n || !d || *d == 0) {
    return std::optional<IndicatorValue>();
  }
  IndicatorValue out;
  out.numerator = *n;
  out.denominator = *d;
  out.multiplier = formula.factor;
  out.divisor = 1;
  if (formula.annualized) {
    out.multiplier *= kDaysInYear;
    out.divisor = days;
  }
  out.value = (out.numerator * out.multiplier) / (out.denominator * out.divisor);
  return std::optional<IndicatorValue>(out);
}

}  // namespace dhl::dhis2
