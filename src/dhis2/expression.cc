#include "dhis2/expression.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "base/text.h"

namespace dhl::dhis2 {
namespace {

// Deeper trees are refused: they only come from generated or hostile input, and every consumer of
// the tree (evaluator, SQL compiler, destructor) recurses over it. Nesting (parentheses, unary
// operators, function calls, exponents) costs the recursive-descent parser a dozen stack frames per
// level, so it has a tighter limit than the depth of operator chains, which it builds iteratively.
constexpr int kMaxDepth = 500;
constexpr int kMaxNesting = 100;

struct FunctionInfo {
  Function function;
  std::string_view name;
  int min_arguments;
  int max_arguments;  // -1: no limit
};

constexpr std::array<FunctionInfo, 29> kFunctions = {{
    {Function::kIf, "if", 3, 3},
    {Function::kIsNull, "isNull", 1, 1},
    {Function::kIsNotNull, "isNotNull", 1, 1},
    {Function::kFirstNonNull, "firstNonNull", 1, -1},
    {Function::kGreatest, "greatest", 1, -1},
    {Function::kLeast, "least", 1, -1},
    {Function::kLog, "log", 1, 2},
    {Function::kLog10, "log10", 1, 1},
    {Function::kRemoveZeros, "removeZeros", 1, 1},
    {Function::kNormDistCum, "normDistCum", 1, 3},
    {Function::kNormDistDen, "normDistDen", 1, 3},
    {Function::kContains, "contains", 2, -1},
    {Function::kContainsItems, "containsItems", 2, -1},
    {Function::kOrgUnitAncestor, "orgUnit.ancestor", 1, -1},
    {Function::kOrgUnitDataSet, "orgUnit.dataSet", 1, -1},
    {Function::kOrgUnitGroup, "orgUnit.group", 1, -1},
    {Function::kOrgUnitProgram, "orgUnit.program", 1, -1},
    {Function::kSubExpression, "subExpression", 1, 1},
    {Function::kAvg, "avg", 1, 1},
    {Function::kCount, "count", 1, 1},
    {Function::kMax, "max", 1, 1},
    {Function::kMin, "min", 1, 1},
    {Function::kMedian, "median", 1, 1},
    {Function::kPercentileCont, "percentileCont", 2, 2},
    {Function::kStddev, "stddev", 1, 1},
    {Function::kStddevPop, "stddevPop", 1, 1},
    {Function::kStddevSamp, "stddevSamp", 1, 1},
    {Function::kSum, "sum", 1, 1},
    {Function::kVariance, "variance", 1, 1},
}};

const FunctionInfo* FindFunction(std::string_view name) {
  for (const FunctionInfo& info : kFunctions) {
    if (info.name == name) {
      return &info;
    }
  }
  return nullptr;
}

bool IsOrgUnitFunction(Function function) {
  return function == Function::kOrgUnitAncestor || function == Function::kOrgUnitDataSet ||
         function == Function::kOrgUnitGroup || function == Function::kOrgUnitProgram;
}

bool IsPredictorMode(ExpressionMode mode) {
  return mode == ExpressionMode::kPredictorGeneratorExpression ||
         mode == ExpressionMode::kPredictorSkipTest;
}

bool FunctionAllowed(Function function, ExpressionMode mode) {
  if (IsAggregateFunction(function)) {
    return IsPredictorMode(mode);
  }
  if (function == Function::kSubExpression) {
    return mode == ExpressionMode::kIndicatorExpression;
  }
  return true;
}

// Modifier names and the modes that accept them.
bool ModifierAllowed(std::string_view name, ExpressionMode mode) {
  if (mode == ExpressionMode::kIndicatorExpression) {
    return true;
  }
  if (IsPredictorMode(mode)) {
    return name == "minDate" || name == "maxDate" || name == "periodOffset";
  }
  return false;
}

// Aggregation type names accepted by .aggregationType(...): DHIS2's AggregationType enum, matched
// without regard to case (the expression-parser library writes them lower-case).
constexpr std::array<std::string_view, 27> kAggregationTypes = {
    "sum",
    "average",
    "avg",
    "average_sum_org_unit",
    "avg_sum_org_unit",
    "last",
    "last_average_org_unit",
    "last_avg_org_unit",
    "last_last_org_unit",
    "last_in_period",
    "last_in_period_average_org_unit",
    "last_analytics_period",
    "last_analytics_period_avg_org_unit",
    "first",
    "first_average_org_unit",
    "first_avg_org_unit",
    "first_first_org_unit",
    "count",
    "stddev",
    "variance",
    "min",
    "max",
    "min_sum_org_unit",
    "max_sum_org_unit",
    "none",
    "custom",
    "default",
};

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlphaNumeric(char c) { return IsLetter(c) || IsAsciiDigit(c); }
bool IsIdentifierChar(char c) { return IsAlphaNumeric(c) || c == '_'; }
bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsUid(std::string_view text) {
  if (text.size() != 11 || !IsLetter(text[0])) {
    return false;
  }
  return std::all_of(text.begin(), text.end(), IsAlphaNumeric);
}

bool IsReportingRateMetric(std::string_view text) {
  return std::find(std::begin(kReportingRateMetrics), std::end(kReportingRateMetrics), text) !=
         std::end(kReportingRateMetrics);
}

struct Parsed {
  ExpressionNode node;
  int depth = 1;
};

class Parser {
 public:
  Parser(std::string_view text, ExpressionMode mode) : text_(text), mode_(mode) {}

  struct Output {
    ExpressionNode root;
    std::vector<ItemKey> items;
    bool uses_days = false;
    bool replaces_null_result = true;
  };
  Result<Output> Run();

 private:
  // --- errors
  Status Error(size_t position, std::string_view what) const {
    std::string message(what);
    message += " at character " + std::to_string(position);
    message += "\n";
    message += text_;
    message += "\n";
    message += std::string(std::min(position, text_.size()), ' ');
    message += "^";
    return InvalidArgument(std::move(message));
  }
  Status Expected(std::string_view what) const {
    if (AtEnd()) {
      return Error(pos_, "expected " + std::string(what) + " but the expression ended");
    }
    return Error(pos_, "expected " + std::string(what));
  }

  // --- characters
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  bool LookingAt(std::string_view word) const { return text_.substr(pos_, word.size()) == word; }
  // A word operator (and, or, not) not followed by an identifier character.
  bool LookingAtWord(std::string_view word) const {
    return LookingAt(word) && !IsIdentifierChar(Peek(word.size()));
  }
  Status SkipWhitespace() {
    while (!AtEnd()) {
      if (IsWhitespace(Peek())) {
        ++pos_;
      } else if (Peek() == '/' && Peek(1) == '*') {
        size_t start = pos_;
        size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) {
          return Error(start, "unclosed comment");
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
    if (Peek() != c || AtEnd()) {
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
  // Reports a metadata package placeholder at the current position, if there is one.
  Status PlaceholderError(size_t position) const {
    size_t end = text_.find('>', position);
    std::string_view token = end == std::string_view::npos
                                 ? text_.substr(position)
                                 : text_.substr(position, end - position + 1);
    return Error(position, "unresolved metadata package placeholder " + std::string(token) +
                               " (replace it with a UID before parsing)");
  }
  Result<std::string> ReadUid(std::string_view what) {
    DHL_RETURN_IF_ERROR(SkipWhitespace());
    if (Peek() == '<') {
      return PlaceholderError(pos_);
    }
    size_t start = pos_;
    while (!AtEnd() && IsAlphaNumeric(Peek())) {
      ++pos_;
    }
    std::string_view uid = text_.substr(start, pos_ - start);
    if (!IsUid(uid)) {
      pos_ = start;
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

  // --- grammar, loosest first
  Result<Parsed> ParseBinaryLevel(int level);
  Result<Parsed> ParseUnary();
  Result<Parsed> ParsePower();
  Result<Parsed> ParsePostfix();
  Result<Parsed> ParsePrimary();
  Result<Parsed> ParseNumber();
  Result<Parsed> ParseString();
  Result<Parsed> ParseItem(ItemType type, size_t start, bool hash);
  Result<Parsed> ParseFunction(const FunctionInfo& info, size_t start);
  Status ParseModifier(Parsed& target);
  std::optional<BinaryOperator> MatchOperator(int level, size_t* length) const;

  Result<Parsed> MakeBinary(BinaryOperator op, size_t position, Parsed left, Parsed right) {
    Parsed out;
    out.node.kind = NodeKind::kBinary;
    out.node.binary_operator = op;
    out.node.position = position;
    out.depth = std::max(left.depth, right.depth) + 1;
    if (out.depth > kMaxDepth) {
      return Error(position, "expression nests too deeply");
    }
    out.node.children.push_back(std::move(left.node));
    out.node.children.push_back(std::move(right.node));
    return out;
  }

  std::string_view text_;
  ExpressionMode mode_;
  size_t pos_ = 0;
  int nesting_ = 0;
  bool uses_days_ = false;
  bool replaces_null_result_ = true;
  // Item keys as parsed, indexed by ExpressionNode::item_index until Run() deduplicates them.
  std::vector<ItemKey> raw_items_;
};

// Binary operator levels, loosest (0) to tightest (5); ^ is handled in ParsePower.
constexpr int kLevelCount = 6;

std::optional<BinaryOperator> Parser::MatchOperator(int level, size_t* length) const {
  char c = Peek();
  char next = Peek(1);
  *length = 1;
  switch (level) {
    case 0:  // || or
      if (c == '|' && next == '|') {
        *length = 2;
        return BinaryOperator::kOr;
      }
      if (LookingAtWord("or")) {
        *length = 2;
        return BinaryOperator::kOr;
      }
      return std::nullopt;
    case 1:  // && and
      if (c == '&' && next == '&') {
        *length = 2;
        return BinaryOperator::kAnd;
      }
      if (LookingAtWord("and")) {
        *length = 3;
        return BinaryOperator::kAnd;
      }
      return std::nullopt;
    case 2:  // == !=
      if (c == '=' && next == '=') {
        *length = 2;
        return BinaryOperator::kEqual;
      }
      if (c == '!' && next == '=') {
        *length = 2;
        return BinaryOperator::kNotEqual;
      }
      return std::nullopt;
    case 3:  // < > <= >=
      if (c == '<' && next == '=') {
        *length = 2;
        return BinaryOperator::kLessOrEqual;
      }
      if (c == '>' && next == '=') {
        *length = 2;
        return BinaryOperator::kGreaterOrEqual;
      }
      if (c == '<' && next != '>') {
        return BinaryOperator::kLess;
      }
      if (c == '>') {
        return BinaryOperator::kGreater;
      }
      return std::nullopt;
    case 4:  // + -
      if (c == '+') {
        return BinaryOperator::kAdd;
      }
      if (c == '-') {
        return BinaryOperator::kSubtract;
      }
      return std::nullopt;
    case 5:  // * / %
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
  out.node.kind = NodeKind::kUnary;
  out.node.unary_operator = *op;
  out.node.position = start;
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
  // The exponent may carry its own unary sign (2^-1) and is itself a power: right-associative.
  DHL_RETURN_IF_ERROR(Deeper(position));
  DHL_ASSIGN_OR_RETURN(Parsed exponent, ParseUnary());
  --nesting_;
  return MakeBinary(BinaryOperator::kPower, position, std::move(base), std::move(exponent));
}

Result<Parsed> Parser::ParsePostfix() {
  DHL_ASSIGN_OR_RETURN(Parsed primary, ParsePrimary());
  while (true) {
    DHL_RETURN_IF_ERROR(SkipWhitespace());
    if (Peek() == '.' && IsLetter(Peek(1))) {
      ++pos_;
      DHL_RETURN_IF_ERROR(ParseModifier(primary));
    } else {
      return primary;
    }
  }
}

void ApplyToItems(ExpressionNode& node, std::vector<ItemKey>& items,
                  const std::function<void(ItemKey&)>& apply) {
  if (node.kind == NodeKind::kItem) {
    apply(items[node.item_index]);
  }
  for (ExpressionNode& child : node.children) {
    ApplyToItems(child, items, apply);
  }
}

Status Parser::ParseModifier(Parsed& target) {
  size_t start = pos_;
  std::string name = ReadIdentifier();
  if (name != "periodOffset" && name != "aggregationType" && name != "minDate" &&
      name != "maxDate" && name != "yearToDate") {
    return Error(start, "unknown modifier '." + name + "'");
  }
  if (!ModifierAllowed(name, mode_)) {
    return Error(start, "modifier '." + name + "' is not allowed in " +
                            std::string(ExpressionModeName(mode_)));
  }
  DHL_RETURN_IF_ERROR(Expect('('));
  DHL_RETURN_IF_ERROR(SkipWhitespace());
  std::function<void(ItemKey&)> apply;
  if (name == "periodOffset") {
    size_t number_start = pos_;
    if (Peek() == '+' || Peek() == '-') {
      ++pos_;
    }
    while (IsAsciiDigit(Peek())) {
      ++pos_;
    }
    std::string_view digits = text_.substr(number_start, pos_ - number_start);
    int offset = 0;
    auto [end, error] = std::from_chars(digits.data() + (digits.size() > 0 && digits[0] == '+'),
                                        digits.data() + digits.size(), offset);
    if (error != std::errc() || end != digits.data() + digits.size()) {
      pos_ = number_start;
      return Expected("an integer period offset");
    }
    apply = [offset](ItemKey& key) { key.modifiers.period_offset += offset; };
  } else if (name == "aggregationType") {
    size_t type_start = pos_;
    std::string type = ReadIdentifier();
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (std::find(kAggregationTypes.begin(), kAggregationTypes.end(), type) ==
        kAggregationTypes.end()) {
      pos_ = type_start;
      return Expected("an aggregation type");
    }
    apply = [type](ItemKey& key) { key.modifiers.aggregation_type = type; };
  } else if (name == "minDate" || name == "maxDate") {
    // yyyy-M(M)-d(d), as DHIS2's date literal.
    size_t date_start = pos_;
    auto digits = [this](int min_count, int max_count) {
      int count = 0;
      while (count < max_count && IsAsciiDigit(Peek())) {
        ++pos_;
        ++count;
      }
      return count >= min_count;
    };
    bool ok = digits(4, 4) && Peek() == '-';
    ok = ok && (++pos_, digits(1, 2)) && Peek() == '-';
    ok = ok && (++pos_, digits(1, 2));
    if (!ok) {
      pos_ = date_start;
      return Expected("a date yyyy-MM-dd");
    }
    std::string date(text_.substr(date_start, pos_ - date_start));
    bool is_min = name == "minDate";
    apply = [date, is_min](ItemKey& key) {
      (is_min ? key.modifiers.min_date : key.modifiers.max_date) = date;
    };
  } else {  // yearToDate
    apply = [](ItemKey& key) { key.modifiers.year_to_date = true; };
  }
  DHL_RETURN_IF_ERROR(Expect(')'));
  ApplyToItems(target.node, raw_items_, apply);
  return Status::Ok();
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
      pos_ = exponent_start;
      return Error(exponent_start, "expected digits of the exponent");
    }
    while (IsAsciiDigit(Peek())) {
      ++pos_;
    }
  }
  std::string literal(text_.substr(start, pos_ - start));
  Parsed out;
  out.node.kind = NodeKind::kNumber;
  out.node.position = start;
  // strtod accepts every form above ("2.", ".5", "1e-3") and is locale-independent for '.' here
  // because the project never changes LC_NUMERIC.
  out.node.number = std::strtod(literal.c_str(), nullptr);
  // A literal beyond the range of a double (2e2022) would evaluate to infinity, which no expression
  // can spell and DHIS2 cannot store: refuse it where it stands. (Found by the expression fuzzer.)
  if (!std::isfinite(out.node.number)) {
    pos_ = start;
    return Error(start, "number " + literal + " is too large");
  }
  return out;
}

Result<Parsed> Parser::ParseString() {
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
      break;
    }
    if (c == '\\') {
      char escaped = Peek(1);
      pos_ += 2;
      switch (escaped) {
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        case 'r':
          value += '\r';
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'u': {
          std::string_view hex = text_.substr(pos_, 4);
          unsigned code = 0;
          auto [end, error] = std::from_chars(hex.data(), hex.data() + hex.size(), code, 16);
          if (hex.size() != 4 || error != std::errc() || end != hex.data() + 4) {
            return Error(pos_, "expected 4 hexadecimal digits");
          }
          pos_ += 4;
          // UTF-8 encode the code unit (surrogates are kept as their 3-byte form).
          if (code < 0x80) {
            value += static_cast<char>(code);
          } else if (code < 0x800) {
            value += static_cast<char>(0xC0 | (code >> 6));
            value += static_cast<char>(0x80 | (code & 0x3F));
          } else {
            value += static_cast<char>(0xE0 | (code >> 12));
            value += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            value += static_cast<char>(0x80 | (code & 0x3F));
          }
          break;
        }
        case '\0':
          if (pos_ > text_.size()) {
            return Error(start, std::string("unclosed string literal, expected closing ") + quote);
          }
          value += escaped;
          break;
        default:
          value += escaped;  // \\ \' \" and any other character stand for themselves
          break;
      }
      continue;
    }
    value += c;
    ++pos_;
  }
  Parsed out;
  out.node.kind = NodeKind::kString;
  out.node.position = start;
  out.node.text = std::move(value);
  return out;
}

Result<Parsed> Parser::ParseItem(ItemType type, size_t start, bool hash) {
  // At '{'. The content up to '}' is split at '.', each part a UID (or '*' where allowed).
  ++pos_;
  size_t content_start = pos_;
  size_t close = text_.find('}', pos_);
  if (close == std::string_view::npos) {
    size_t placeholder = text_.find('<', pos_);
    if (placeholder != std::string_view::npos) {
      return PlaceholderError(placeholder);
    }
    pos_ = text_.size();
    return Expected("'}' closing the item");
  }
  std::string_view content = text_.substr(content_start, close - content_start);
  std::vector<std::pair<std::string, size_t>> parts;  // text, position
  size_t part_start = 0;
  while (true) {
    size_t dot = content.find('.', part_start);
    std::string_view part = content.substr(
        part_start, dot == std::string_view::npos ? std::string_view::npos : dot - part_start);
    parts.emplace_back(std::string(part), content_start + part_start);
    if (dot == std::string_view::npos) {
      break;
    }
    part_start = dot + 1;
  }
  for (const auto& [part, position] : parts) {
    if (!part.empty() && part[0] == '<') {
      return PlaceholderError(position);
    }
  }
  ItemKey key;
  key.type = type;
  auto bad_part = [&](size_t index, std::string_view what) -> Status {
    pos_ = parts[index].second;
    return Expected(what);
  };
  auto is_uid_or_star = [](const std::string& part) { return part == "*" || IsUid(part); };
  size_t max_parts = 1;
  switch (type) {
    case ItemType::kDataElement:
      max_parts = 3;
      break;
    case ItemType::kReportingRate:
    case ItemType::kProgramDataElement:
    case ItemType::kProgramAttribute:
      max_parts = 2;
      break;
    default:
      max_parts = 1;
      break;
  }
  if (parts.size() > max_parts) {
    return bad_part(max_parts, "'}': too many parts in the item");
  }
  if (!IsUid(parts[0].first)) {
    if (parts[0].first.find(':') != std::string::npos) {
      pos_ = parts[0].second;
      return Error(pos_, "tagged items such as deGroup:uid are not supported");
    }
    return bad_part(0, "a UID of 11 letters and digits starting with a letter");
  }
  key.uid0 = parts[0].first;
  if (type == ItemType::kDataElement && hash && parts.size() == 2 &&
      IsReportingRateMetric(parts[1].first)) {
    // Legacy spelling of a reporting rate: #{dataSet.REPORTING_RATE}.
    key.type = ItemType::kReportingRate;
    key.uid1 = parts[1].first;
  } else if (type == ItemType::kReportingRate) {
    if (parts.size() != 2 || !IsReportingRateMetric(parts[1].first)) {
      return bad_part(parts.size() == 2 ? 1 : 0,
                      "a reporting rate metric (REPORTING_RATE, REPORTING_RATE_ON_TIME, "
                      "ACTUAL_REPORTS, ACTUAL_REPORTS_ON_TIME, EXPECTED_REPORTS)");
    }
    key.uid1 = parts[1].first;
  } else if (type == ItemType::kProgramDataElement) {
    if (parts.size() != 2 || !IsUid(parts[1].first)) {
      return bad_part(parts.size() == 2 ? 1 : 0, "D{program.dataElement}");
    }
    key.uid1 = parts[1].first;
  } else if (type == ItemType::kProgramAttribute) {
    if (parts.size() == 2) {
      if (!IsUid(parts[1].first)) {
        return bad_part(1, "a UID of 11 letters and digits starting with a letter");
      }
      key.uid1 = parts[1].first;
    }
  } else if (type == ItemType::kDataElement) {
    for (size_t i = 1; i < parts.size(); ++i) {
      if (!is_uid_or_star(parts[i].first)) {
        return bad_part(i, "a category option combo UID or '*'");
      }
    }
    if (parts.size() >= 2) {
      key.uid1 = parts[1].first;
    }
    if (parts.size() == 3) {
      key.uid2 = parts[2].first;
    }
    // #{de.coc.*} is #{de.coc} and #{de.*} is #{de}: a trailing wildcard selects everything.
    if (key.uid2 == "*") {
      key.uid2.clear();
    }
    if (key.uid2.empty() && key.uid1 == "*") {
      key.uid1.clear();
    }
  }
  pos_ = close + 1;
  Parsed out;
  out.node.kind = NodeKind::kItem;
  out.node.position = start;
  out.node.item_index = static_cast<int>(raw_items_.size());
  raw_items_.push_back(std::move(key));
  return out;
}

Result<Parsed> Parser::ParseFunction(const FunctionInfo& info, size_t start) {
  if (!FunctionAllowed(info.function, mode_)) {
    return Error(start, "function " + std::string(info.name) + "() is not allowed in " +
                            std::string(ExpressionModeName(mode_)));
  }
  DHL_RETURN_IF_ERROR(Expect('('));
  DHL_RETURN_IF_ERROR(Deeper(start));
  Parsed out;
  out.node.kind = NodeKind::kFunction;
  out.node.function = info.function;
  out.node.position = start;
  if (info.function == Function::kRemoveZeros) {
    replaces_null_result_ = false;
  }
  int count = 0;
  DHL_RETURN_IF_ERROR(SkipWhitespace());
  if (Peek() != ')') {
    while (true) {
      DHL_RETURN_IF_ERROR(SkipWhitespace());
      if (info.max_arguments >= 0 && count >= info.max_arguments) {
        return Expected("')': " + std::string(info.name) + "() takes at most " +
                        std::to_string(info.max_arguments) + " argument(s)");
      }
      Parsed argument;
      if (IsOrgUnitFunction(info.function)) {
        DHL_RETURN_IF_ERROR(SkipWhitespace());
        size_t uid_start = pos_;
        DHL_ASSIGN_OR_RETURN(std::string uid, ReadUid("a UID"));
        argument.node.kind = NodeKind::kUid;
        argument.node.position = uid_start;
        argument.node.text = std::move(uid);
      } else {
        DHL_ASSIGN_OR_RETURN(argument, ParseBinaryLevel(0));
      }
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
  if (Peek() != ')' || AtEnd()) {
    return Expected(count < info.min_arguments ? "an argument" : "',' or ')'");
  }
  if (count < info.min_arguments) {
    return Error(pos_, "expected more arguments: " + std::string(info.name) + "() takes at least " +
                           std::to_string(info.min_arguments));
  }
  ++pos_;
  --nesting_;
  // Items under isNull/isNotNull/firstNonNull stay null when missing and are not counted; items
  // under an aggregate function are samples.
  bool allows_nulls = info.function == Function::kIsNull || info.function == Function::kIsNotNull ||
                      info.function == Function::kFirstNonNull;
  bool samples = IsAggregateFunction(info.function);
  if (allows_nulls || samples) {
    std::function<void(ExpressionNode&)> mark = [&](ExpressionNode& node) {
      // A subExpression(...) is one value of the expression, counted like an item.
      if (node.kind == NodeKind::kFunction &&
          (node.function == Function::kSubExpression || IsAggregateFunction(node.function)) &&
          allows_nulls) {
        node.counted = false;
      }
      if (node.kind == NodeKind::kItem) {
        if (allows_nulls) {
          node.counted = false;
        }
        if (samples) {
          node.sampled = true;
        }
      }
      for (ExpressionNode& child : node.children) {
        mark(child);
      }
    };
    for (ExpressionNode& child : out.node.children) {
      mark(child);
    }
  }
  return out;
}

Result<Parsed> Parser::ParsePrimary() {
  DHL_RETURN_IF_ERROR(SkipWhitespace());
  size_t start = pos_;
  char c = Peek();
  if (AtEnd()) {
    return Expected("a value");
  }
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
    return ParseString();
  }
  if (c == '#') {
    ++pos_;
    if (Peek() != '{') {
      return Expected("'{' after '#'");
    }
    return ParseItem(ItemType::kDataElement, start, /*hash=*/true);
  }
  if (c == '[') {
    ++pos_;
    std::string name = ReadIdentifier();
    if (name != "days") {
      pos_ = start + 1;
      return Expected("days in [days]");
    }
    if (Peek() != ']') {
      return Expected("']'");
    }
    ++pos_;
    uses_days_ = true;
    Parsed out;
    out.node.kind = NodeKind::kDays;
    out.node.position = start;
    return out;
  }
  if (c == '<') {
    return PlaceholderError(start);
  }
  if (!IsLetter(c)) {
    return Error(start, std::string("unexpected character '") + c + "'");
  }
  std::string name = ReadIdentifier();
  if (name == "orgUnit" && Peek() == '.' && IsLetter(Peek(1))) {
    ++pos_;
    name += "." + ReadIdentifier();
  }
  if (Peek() == '{') {
    static const std::map<std::string, ItemType, std::less<>> kItemTypes = {
        {"C", ItemType::kConstant},         {"OUG", ItemType::kOrgUnitGroupCount},
        {"R", ItemType::kReportingRate},    {"N", ItemType::kIndicator},
        {"I", ItemType::kProgramIndicator}, {"D", ItemType::kProgramDataElement},
        {"A", ItemType::kProgramAttribute},
    };
    auto it = kItemTypes.find(name);
    if (it == kItemTypes.end()) {
      return Error(start, "unknown item type '" + name + "{'");
    }
    if (it->second == ItemType::kIndicator && mode_ != ExpressionMode::kIndicatorExpression) {
      return Error(
          start, "N{indicator} items are not allowed in " + std::string(ExpressionModeName(mode_)));
    }
    return ParseItem(it->second, start, /*hash=*/false);
  }
  if (name == "true" || name == "false") {
    Parsed out;
    out.node.kind = NodeKind::kBoolean;
    out.node.boolean = name == "true";
    out.node.position = start;
    return out;
  }
  if (name == "null") {
    replaces_null_result_ = false;
    Parsed out;
    out.node.kind = NodeKind::kNull;
    out.node.position = start;
    return out;
  }
  const FunctionInfo* info = FindFunction(name);
  if (info == nullptr) {
    return Error(start, "unknown function or constant '" + name + "'");
  }
  return ParseFunction(*info, start);
}

Result<Parser::Output> Parser::Run() {
  DHL_ASSIGN_OR_RETURN(Parsed parsed, ParseBinaryLevel(0));
  DHL_RETURN_IF_ERROR(SkipWhitespace());
  if (!AtEnd()) {
    if (Peek() == ')') {
      return Error(pos_, "unexpected ')' without a matching '('");
    }
    return Error(pos_, std::string("unexpected character '") + Peek() + "'");
  }
  // Deduplicate the item keys (modifiers are final now) in order of first appearance.
  std::map<ItemKey, int> index_of;
  std::vector<ItemKey> items;
  std::vector<int> remap(raw_items_.size());
  for (size_t i = 0; i < raw_items_.size(); ++i) {
    auto [it, inserted] = index_of.emplace(raw_items_[i], static_cast<int>(items.size()));
    if (inserted) {
      items.push_back(raw_items_[i]);
    }
    remap[i] = it->second;
  }
  std::function<void(ExpressionNode&)> renumber = [&](ExpressionNode& node) {
    if (node.kind == NodeKind::kItem) {
      node.item_index = remap[node.item_index];
    }
    for (ExpressionNode& child : node.children) {
      renumber(child);
    }
  };
  renumber(parsed.node);
  Output output;
  output.root = std::move(parsed.node);
  output.items = std::move(items);
  output.uses_days = uses_days_;
  output.replaces_null_result = replaces_null_result_;
  return output;
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

std::string FormatNumber(double value) {
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (error != std::errc()) {
    return "0";
  }
  return std::string(buffer, end);
}

std::string QuoteString(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

int NodePrecedence(const ExpressionNode& node) {
  if (node.kind == NodeKind::kBinary) {
    return Precedence(node.binary_operator);
  }
  if (node.kind == NodeKind::kUnary) {
    return kUnaryPrecedence;
  }
  return kAtomPrecedence;
}

std::string Render(const ExpressionNode& node, const std::vector<ItemKey>& items);

std::string RenderOperand(const ExpressionNode& node, const std::vector<ItemKey>& items,
                          int min_precedence) {
  std::string text = Render(node, items);
  if (NodePrecedence(node) < min_precedence) {
    return "(" + text + ")";
  }
  return text;
}

std::string Render(const ExpressionNode& node, const std::vector<ItemKey>& items) {
  switch (node.kind) {
    case NodeKind::kNumber:
      return FormatNumber(node.number);
    case NodeKind::kString:
      return QuoteString(node.text);
    case NodeKind::kBoolean:
      return node.boolean ? "true" : "false";
    case NodeKind::kNull:
      return "null";
    case NodeKind::kDays:
      return "[days]";
    case NodeKind::kItem:
      return items[node.item_index].ToString();
    case NodeKind::kUid:
      return node.text;
    case NodeKind::kUnary: {
      std::string op = node.unary_operator == UnaryOperator::kMinus  ? "-"
                       : node.unary_operator == UnaryOperator::kPlus ? "+"
                                                                     : "!";
      // Unary operators bind looser than ^ but tighter than '*': -(2^2) needs no parentheses.
      const ExpressionNode& operand = node.children[0];
      int operand_precedence = NodePrecedence(operand);
      std::string inner = Render(operand, items);
      bool wrap = operand_precedence < kUnaryPrecedence ||
                  (operand.kind == NodeKind::kNumber && operand.number < 0);
      if (wrap) {
        inner = "(" + inner + ")";
      }
      return op + inner;
    }
    case NodeKind::kBinary: {
      int precedence = Precedence(node.binary_operator);
      std::string left;
      std::string right;
      if (node.binary_operator == BinaryOperator::kPower) {
        // Right-associative, and a unary operand on the left must be parenthesised: (-2)^2.
        left = RenderOperand(node.children[0], items, kAtomPrecedence);
        right = RenderOperand(node.children[1], items, kUnaryPrecedence);
      } else {
        left = RenderOperand(node.children[0], items, precedence);
        right = RenderOperand(node.children[1], items, precedence + 1);
      }
      return left + " " + std::string(BinaryOperatorSymbol(node.binary_operator)) + " " + right;
    }
    case NodeKind::kFunction: {
      std::string out(FunctionName(node.function));
      out += "(";
      for (size_t i = 0; i < node.children.size(); ++i) {
        if (i > 0) {
          out += ", ";
        }
        out += Render(node.children[i], items);
      }
      out += ")";
      return out;
    }
  }
  return "";
}

}  // namespace

std::string_view BinaryOperatorSymbol(BinaryOperator op) {
  switch (op) {
    case BinaryOperator::kPower:
      return "^";
    case BinaryOperator::kMultiply:
      return "*";
    case BinaryOperator::kDivide:
      return "/";
    case BinaryOperator::kModulo:
      return "%";
    case BinaryOperator::kAdd:
      return "+";
    case BinaryOperator::kSubtract:
      return "-";
    case BinaryOperator::kLess:
      return "<";
    case BinaryOperator::kGreater:
      return ">";
    case BinaryOperator::kLessOrEqual:
      return "<=";
    case BinaryOperator::kGreaterOrEqual:
      return ">=";
    case BinaryOperator::kEqual:
      return "==";
    case BinaryOperator::kNotEqual:
      return "!=";
    case BinaryOperator::kAnd:
      return "&&";
    case BinaryOperator::kOr:
      return "||";
  }
  return "?";
}

std::string_view FunctionName(Function function) {
  for (const FunctionInfo& info : kFunctions) {
    if (info.function == function) {
      return info.name;
    }
  }
  return "?";
}

bool IsAggregateFunction(Function function) {
  switch (function) {
    case Function::kAvg:
    case Function::kCount:
    case Function::kMax:
    case Function::kMin:
    case Function::kMedian:
    case Function::kPercentileCont:
    case Function::kStddev:
    case Function::kStddevPop:
    case Function::kStddevSamp:
    case Function::kSum:
    case Function::kVariance:
      return true;
    default:
      return false;
  }
}

std::string Expression::Normalised() const { return Render(root_, items_); }

Result<Expression> ParseExpression(std::string_view text, ExpressionMode mode) {
  Parser parser(text, mode);
  DHL_ASSIGN_OR_RETURN(Parser::Output output, parser.Run());
  Expression expression;
  expression.text_ = std::string(text);
  expression.mode_ = mode;
  expression.root_ = std::move(output.root);
  expression.items_ = std::move(output.items);
  expression.uses_days_ = output.uses_days;
  expression.replaces_null_result_ = output.replaces_null_result;
  return expression;
}

}  // namespace dhl::dhis2
