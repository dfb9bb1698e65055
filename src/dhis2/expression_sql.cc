#include "dhis2/expression_sql.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dhis2/period.h"
#include "sql/literal.h"

namespace dhl::dhis2 {
namespace {

enum class SqlType { kNull, kNumber, kBoolean, kString };

struct Sql {
  std::string text;
  SqlType type = SqlType::kNull;
};

class Compiler {
 public:
  Compiler(const Expression& expression, const ItemSqlFunction& item_sql,
           const SqlCompileOptions& options)
      : expression_(expression),
        item_sql_(item_sql),
        options_(options),
        columns_(expression.items().size()) {}

  Result<Sql> Compile(const ExpressionNode& node);
  Result<std::string> Column(int item_index);
  // The caller's column for a subExpression(...) or sample function call
  // (SqlCompileOptions::subexpression_sql, sample_function_sql).
  Result<std::string> SubexpressionColumn(const ExpressionNode& call);
  // Items as bare columns: the inside of a subExpression(...) (CompileSubexpressionToSql).
  void set_bare_items() { bare_items_ = true; }

 private:
  sql::Dialect dialect() const { return options_.dialect; }
  Status NotCompiled(std::string_view what, size_t position) const {
    return Unsupported("expression \"" + expression_.text() + "\": " + std::string(what) +
                       " at character " + std::to_string(position) +
                       " cannot be compiled to SQL yet");
  }
  std::string AsNumber(const Sql& value) const {
    switch (value.type) {
      case SqlType::kNull:
        return sql::NullLiteral();
      case SqlType::kNumber:
        return value.text;
      case SqlType::kBoolean:
      case SqlType::kString:
        return sql::CastToDouble(value.text, dialect());
    }
    return value.text;
  }
  std::string AsBoolean(const Sql& value) const {
    switch (value.type) {
      case SqlType::kNull:
        return "CAST(NULL AS BOOLEAN)";
      case SqlType::kBoolean:
        return value.text;
      case SqlType::kNumber:
        return "(" + value.text + " <> 0)";
      case SqlType::kString:
        return "CAST(" + value.text + " AS BOOLEAN)";
    }
    return value.text;
  }
  std::string AsString(const Sql& value) const {
    switch (value.type) {
      case SqlType::kNull:
        return "CAST(NULL AS STRING)";
      case SqlType::kString:
        return value.text;
      default:
        return "CAST(" + value.text + " AS STRING)";
    }
  }
  // The common type of values meeting in if() / firstNonNull(): null yields to anything, text wins,
  // then number.
  static SqlType Unify(SqlType a, SqlType b) {
    if (a == SqlType::kNull) {
      return b;
    }
    if (b == SqlType::kNull || a == b) {
      return a;
    }
    if (a == SqlType::kString || b == SqlType::kString) {
      return SqlType::kString;
    }
    return SqlType::kNumber;
  }
  std::string As(SqlType type, const Sql& value) const {
    switch (type) {
      case SqlType::kNumber:
        return AsNumber(value);
      case SqlType::kBoolean:
        return AsBoolean(value);
      case SqlType::kString:
        return AsString(value);
      case SqlType::kNull:
        return value.text;
    }
    return value.text;
  }

  Result<Sql> CompileBinary(const ExpressionNode& node);
  Result<Sql> CompileFunction(const ExpressionNode& node);

  const Expression& expression_;
  const ItemSqlFunction& item_sql_;
  const SqlCompileOptions& options_;
  std::vector<std::optional<std::string>> columns_;
  std::map<const ExpressionNode*, std::string> subexpression_columns_;
  bool bare_items_ = false;
};

Result<std::string> Compiler::Column(int item_index) {
  std::optional<std::string>& column = columns_[item_index];
  if (!column) {
    const ItemKey& key = expression_.items()[item_index];
    Result<std::string> sql = item_sql_(key);
    if (!sql.ok()) {
      return sql.status();  // Compile() names the item and its character
    }
    column = "(" + *sql + ")";
  }
  return *column;
}

Result<std::string> Compiler::SubexpressionColumn(const ExpressionNode& call) {
  auto found = subexpression_columns_.find(&call);
  if (found != subexpression_columns_.end()) return found->second;
  bool sample = IsAggregateFunction(call.function);
  const auto& callback = sample ? options_.sample_function_sql : options_.subexpression_sql;
  std::string name = std::string(FunctionName(call.function)) + "()";
  if (bare_items_ || !callback) {
    return NotCompiled(name, call.position);
  }
  Result<std::string> sql = callback(call);
  if (!sql.ok()) {
    return Status(sql.status().code(), "expression \"" + expression_.text() + "\": " + name +
                                           " at character " + std::to_string(call.position) + ": " +
                                           sql.status().message());
  }
  return subexpression_columns_.emplace(&call, "(" + *sql + ")").first->second;
}

Result<Sql> Compiler::Compile(const ExpressionNode& node) {
  switch (node.kind) {
    case NodeKind::kNumber:
      return Sql{sql::NumberLiteral(node.number), SqlType::kNumber};
    case NodeKind::kString:
    case NodeKind::kUid:
      return Sql{sql::StringLiteral(node.text, dialect()), SqlType::kString};
    case NodeKind::kBoolean:
      return Sql{sql::BooleanLiteral(node.boolean), SqlType::kBoolean};
    case NodeKind::kNull:
      return Sql{sql::NullLiteral(), SqlType::kNull};
    case NodeKind::kDays:
      if (options_.days_sql.empty()) {
        return InvalidArgument("expression \"" + expression_.text() +
                               "\": [days] needs the SQL of the period's days");
      }
      return Sql{"(" + options_.days_sql + ")", SqlType::kNumber};
    case NodeKind::kItem: {
      const ItemKey& key = expression_.items()[node.item_index];
      // I{} is the caller's to resolve (a program indicator's value, or why it has none).
      if (key.type == ItemType::kProgramDataElement || key.type == ItemType::kProgramAttribute) {
        return NotCompiled(key.ToString(), node.position);
      }
      Result<std::string> compiled = Column(node.item_index);
      if (!compiled.ok()) {
        return Status(compiled.status().code(), "expression \"" + expression_.text() +
                                                    "\": " + key.ToString() + " at character " +
                                                    std::to_string(node.position) + ": " +
                                                    compiled.status().message());
      }
      std::string column = std::move(*compiled);
      if (node.counted && !bare_items_) {
        return Sql{"COALESCE(" + column + ", " + sql::NumberLiteral(0) + ")", SqlType::kNumber};
      }
      return Sql{column, SqlType::kNumber};
    }
    case NodeKind::kUnary: {
      DHL_ASSIGN_OR_RETURN(Sql operand, Compile(node.children[0]));
      switch (node.unary_operator) {
        case UnaryOperator::kNot:
          return Sql{"(NOT " + AsBoolean(operand) + ")", SqlType::kBoolean};
        case UnaryOperator::kMinus:
          return Sql{"(- " + AsNumber(operand) + ")", SqlType::kNumber};
        case UnaryOperator::kPlus:
          return Sql{AsNumber(operand), SqlType::kNumber};
      }
      return Internal("unknown unary operator");
    }
    case NodeKind::kBinary:
      return CompileBinary(node);
    case NodeKind::kFunction:
      return CompileFunction(node);
  }
  return Internal("unknown expression node");
}

Result<Sql> Compiler::CompileBinary(const ExpressionNode& node) {
  DHL_ASSIGN_OR_RETURN(Sql left, Compile(node.children[0]));
  DHL_ASSIGN_OR_RETURN(Sql right, Compile(node.children[1]));
  BinaryOperator op = node.binary_operator;
  auto arithmetic = [&](std::string_view symbol) {
    return Sql{"(" + AsNumber(left) + " " + std::string(symbol) + " " + AsNumber(right) + ")",
               SqlType::kNumber};
  };
  switch (op) {
    case BinaryOperator::kPower:
      return Sql{sql::Power(AsNumber(left), AsNumber(right), dialect()), SqlType::kNumber};
    case BinaryOperator::kMultiply:
      return arithmetic("*");
    case BinaryOperator::kAdd:
      return arithmetic("+");
    case BinaryOperator::kSubtract:
      return arithmetic("-");
    case BinaryOperator::kDivide:
      return Sql{sql::SafeDivide(AsNumber(left), AsNumber(right), dialect()), SqlType::kNumber};
    case BinaryOperator::kModulo:
      return Sql{sql::SafeModulo(AsNumber(left), AsNumber(right), dialect()), SqlType::kNumber};
    case BinaryOperator::kAnd:
    case BinaryOperator::kOr:
      return Sql{"(" + AsBoolean(left) + (op == BinaryOperator::kAnd ? " AND " : " OR ") +
                     AsBoolean(right) + ")",
                 SqlType::kBoolean};
    default:
      break;
  }
  // Comparisons: text with text, booleans with booleans, anything else as numbers.
  std::string symbol;
  switch (op) {
    case BinaryOperator::kLess:
      symbol = "<";
      break;
    case BinaryOperator::kGreater:
      symbol = ">";
      break;
    case BinaryOperator::kLessOrEqual:
      symbol = "<=";
      break;
    case BinaryOperator::kGreaterOrEqual:
      symbol = ">=";
      break;
    case BinaryOperator::kEqual:
      symbol = "=";
      break;
    case BinaryOperator::kNotEqual:
      symbol = "<>";
      break;
    default:
      return Internal("unknown binary operator");
  }
  std::string l;
  std::string r;
  if (left.type == SqlType::kString && right.type == SqlType::kString) {
    l = left.text;
    r = right.text;
  } else if (left.type == SqlType::kBoolean && right.type == SqlType::kBoolean) {
    l = left.text;
    r = right.text;
  } else {
    l = AsNumber(left);
    r = AsNumber(right);
  }
  return Sql{"(" + l + " " + symbol + " " + r + ")", SqlType::kBoolean};
}

Result<Sql> Compiler::CompileFunction(const ExpressionNode& node) {
  std::vector<Sql> args;
  args.reserve(node.children.size());
  switch (node.function) {
    case Function::kOrgUnitAncestor:
    case Function::kOrgUnitDataSet:
    case Function::kOrgUnitGroup:
    case Function::kOrgUnitProgram:
      return NotCompiled(std::string(FunctionName(node.function)) + "()", node.position);
    case Function::kNormDistCum:
    case Function::kNormDistDen: {
      if (!options_.norm_dist_sql) {
        return NotCompiled(std::string(FunctionName(node.function)) + "()", node.position);
      }
      std::vector<std::string> numbers;
      for (const ExpressionNode& child : node.children) {
        DHL_ASSIGN_OR_RETURN(Sql arg, Compile(child));
        numbers.push_back(AsNumber(arg));
      }
      Result<std::string> sql = options_.norm_dist_sql(node, numbers);
      if (!sql.ok()) {
        return Status(sql.status().code(), "expression \"" + expression_.text() +
                                               "\": " + std::string(FunctionName(node.function)) +
                                               "() at character " + std::to_string(node.position) +
                                               ": " + sql.status().message());
      }
      return Sql{"(" + *sql + ")", SqlType::kNumber};
    }
    default:
      break;
  }
  if (node.function == Function::kSubExpression || IsAggregateFunction(node.function)) {
    DHL_ASSIGN_OR_RETURN(std::string column, SubexpressionColumn(node));
    if (node.counted) {
      return Sql{"COALESCE(" + column + ", " + sql::NumberLiteral(0) + ")", SqlType::kNumber};
    }
    return Sql{column, SqlType::kNumber};
  }
  for (const ExpressionNode& child : node.children) {
    DHL_ASSIGN_OR_RETURN(Sql arg, Compile(child));
    args.push_back(std::move(arg));
  }
  switch (node.function) {
    case Function::kIf: {
      SqlType type = Unify(args[1].type, args[2].type);
      return Sql{sql::CaseWhenNullAware(AsBoolean(args[0]), As(type, args[1]), As(type, args[2]),
                                        dialect()),
                 type};
    }
    case Function::kIsNull:
      return Sql{"(" + args[0].text + " IS NULL)", SqlType::kBoolean};
    case Function::kIsNotNull:
      return Sql{"(" + args[0].text + " IS NOT NULL)", SqlType::kBoolean};
    case Function::kFirstNonNull: {
      SqlType type = SqlType::kNull;
      for (const Sql& arg : args) {
        type = Unify(type, arg.type);
      }
      if (args.size() == 1) {
        return args[0];
      }
      std::string out = "COALESCE(";
      for (size_t i = 0; i < args.size(); ++i) {
        out += (i > 0 ? ", " : "") + As(type, args[i]);
      }
      return Sql{out + ")", type};
    }
    case Function::kGreatest:
    case Function::kLeast: {
      std::vector<std::string> numbers;
      for (const Sql& arg : args) {
        numbers.push_back(AsNumber(arg));
      }
      if (numbers.size() == 1) {
        return Sql{numbers[0], SqlType::kNumber};
      }
      return Sql{node.function == Function::kGreatest ? sql::Greatest(numbers, dialect())
                                                      : sql::Least(numbers, dialect()),
                 SqlType::kNumber};
    }
    case Function::kLog:
      if (args.size() == 1) {
        return Sql{sql::Ln(AsNumber(args[0]), dialect()), SqlType::kNumber};
      }
      return Sql{sql::SafeDivide(sql::Ln(AsNumber(args[0]), dialect()),
                                 sql::Ln(AsNumber(args[1]), dialect()), dialect()),
                 SqlType::kNumber};
    case Function::kLog10:
      return Sql{sql::Log10(AsNumber(args[0]), dialect()), SqlType::kNumber};
    case Function::kRemoveZeros:
      return Sql{"NULLIF(" + AsNumber(args[0]) + ", 0)", SqlType::kNumber};
    case Function::kContains:
    case Function::kContainsItems: {
      std::string haystack = AsString(args[0]);
      std::string out = "(";
      for (size_t i = 1; i < args.size(); ++i) {
        if (i > 1) {
          out += " AND ";
        }
        std::string needle = AsString(args[i]);
        if (node.function == Function::kContains) {
          out += "(instr(" + haystack + ", " + needle + ") > 0)";
        } else {
          out += sql::SplitContains(haystack, ',', needle, dialect());
        }
      }
      return Sql{out + ")", SqlType::kBoolean};
    }
    default:
      return NotCompiled(std::string(FunctionName(node.function)) + "()", node.position);
  }
}

// subExpression(...) and the predictor sample functions: one value of the expression, computed by
// the caller, counted like an item.
bool IsSubexpression(const ExpressionNode& node) {
  return node.kind == NodeKind::kFunction &&
         (node.function == Function::kSubExpression || IsAggregateFunction(node.function));
}

// The distinct items and the subExpression(...) calls in counted positions, in order of first
// appearance (the items inside a subExpression belong to it, not to the expression).
void CollectCounted(const ExpressionNode& node, std::vector<bool>& seen,
                    std::vector<const ExpressionNode*>& out) {
  if (IsSubexpression(node)) {
    if (node.counted) out.push_back(&node);
    return;
  }
  if (node.kind == NodeKind::kItem && node.counted && !seen[node.item_index]) {
    seen[node.item_index] = true;
    out.push_back(&node);
  }
  for (const ExpressionNode& child : node.children) {
    CollectCounted(child, seen, out);
  }
}

}  // namespace

Result<std::string> CompileExpressionToSql(const Expression& expression,
                                           const ItemSqlFunction& item_sql,
                                           const SqlCompileOptions& options) {
  Compiler compiler(expression, item_sql, options);
  DHL_ASSIGN_OR_RETURN(Sql body, compiler.Compile(expression.root()));
  std::string value;
  if (body.type == SqlType::kString) {
    value = body.text;
    if (expression.replaces_null_result()) {
      value = "COALESCE(" + value + ", '')";
    }
  } else {
    value = body.type == SqlType::kNull      ? sql::NullLiteral()
            : body.type == SqlType::kBoolean ? sql::CastToDouble(body.text, options.dialect)
                                             : body.text;
    if (expression.replaces_null_result()) {
      value = "COALESCE(" + value + ", " + sql::NumberLiteral(0) + ")";
    }
  }
  std::vector<bool> seen(expression.items().size(), false);
  std::vector<const ExpressionNode*> counted;
  CollectCounted(expression.root(), seen, counted);
  if (counted.empty() || options.missing_value_strategy == MissingValueStrategy::kNeverSkip) {
    return value;
  }
  std::string joiner =
      options.missing_value_strategy == MissingValueStrategy::kSkipIfAnyValueMissing ? " OR "
                                                                                     : " AND ";
  std::string condition;
  for (const ExpressionNode* node : counted) {
    std::string column;
    if (IsSubexpression(*node)) {
      DHL_ASSIGN_OR_RETURN(column, compiler.SubexpressionColumn(*node));
    } else {
      if (options.item_counts && !options.item_counts(expression.items()[node->item_index])) {
        continue;
      }
      DHL_ASSIGN_OR_RETURN(column, compiler.Column(node->item_index));
    }
    condition += (condition.empty() ? "" : joiner) + column + " IS NULL";
  }
  if (condition.empty()) {
    return value;
  }
  return "(CASE WHEN " + condition + " THEN NULL ELSE " + value + " END)";
}

namespace {

// One argument of a call compiled with bare items (CompileSubexpressionToSql,
// CompileSampleArgumentToSql).
Result<std::string> CompileBareArgument(const Expression& expression, const ExpressionNode& call,
                                        size_t index, const ItemSqlFunction& item_sql,
                                        const SqlCompileOptions& options) {
  Compiler compiler(expression, item_sql, options);
  compiler.set_bare_items();
  DHL_ASSIGN_OR_RETURN(Sql body, compiler.Compile(call.children[index]));
  switch (body.type) {
    case SqlType::kNull:
      return sql::NullLiteral();
    case SqlType::kBoolean:
      return sql::CastToDouble(body.text, options.dialect);
    case SqlType::kString:
      return Unsupported("expression \"" + expression.text() +
                         "\": " + std::string(FunctionName(call.function)) + "() at character " +
                         std::to_string(call.position) + " gives text, not a number");
    case SqlType::kNumber:
      break;
  }
  return body.text;
}

}  // namespace

Result<std::string> CompileSubexpressionToSql(const Expression& expression,
                                              const ExpressionNode& call,
                                              const ItemSqlFunction& item_sql,
                                              const SqlCompileOptions& options) {
  if (call.kind != NodeKind::kFunction || call.function != Function::kSubExpression ||
      call.children.size() != 1) {
    return InvalidArgument("expression \"" + expression.text() + "\": character " +
                           std::to_string(call.position) + " is not a subExpression() call");
  }
  return CompileBareArgument(expression, call, 0, item_sql, options);
}

Result<std::string> CompileSampleArgumentToSql(const Expression& expression,
                                               const ExpressionNode& call, size_t index,
                                               const ItemSqlFunction& item_sql,
                                               const SqlCompileOptions& options) {
  bool norm_dist = call.kind == NodeKind::kFunction && (call.function == Function::kNormDistCum ||
                                                        call.function == Function::kNormDistDen);
  if (call.kind != NodeKind::kFunction || (!IsAggregateFunction(call.function) && !norm_dist) ||
      index >= call.children.size()) {
    return InvalidArgument("expression \"" + expression.text() + "\": character " +
                           std::to_string(call.position) + " is not a sample function call");
  }
  return CompileBareArgument(expression, call, index, item_sql, options);
}

Result<std::string> CompileIndicatorToSql(const IndicatorFormula& formula,
                                          const ItemSqlFunction& item_sql, sql::Dialect dialect,
                                          std::string_view days_sql) {
  if (formula.numerator == nullptr || formula.denominator == nullptr) {
    return InvalidArgument("indicator formula without numerator or denominator");
  }
  if (formula.annualized && days_sql.empty()) {
    return InvalidArgument("annualised indicator \"" + formula.numerator->text() + "\" / \"" +
                           formula.denominator->text() + "\" needs the SQL of the period's days");
  }
  SqlCompileOptions options;
  options.dialect = dialect;
  options.missing_value_strategy = MissingValueStrategy::kSkipIfAllValuesMissing;
  options.days_sql = std::string(days_sql);
  DHL_ASSIGN_OR_RETURN(std::string numerator,
                       CompileExpressionToSql(*formula.numerator, item_sql, options));
  DHL_ASSIGN_OR_RETURN(std::string denominator,
                       CompileExpressionToSql(*formula.denominator, item_sql, options));
  double multiplier = formula.factor * (formula.annualized ? kDaysInYear : 1);
  std::string dividend = "(" + numerator + " * " + sql::NumberLiteral(multiplier) + ")";
  std::string divisor = denominator;
  if (formula.annualized) {
    divisor = "(" + denominator + " * CAST((" + std::string(days_sql) + ") AS DOUBLE))";
  }
  return sql::SafeDivide(dividend, divisor, dialect);
}

}  // namespace dhl::dhis2
