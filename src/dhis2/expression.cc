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
#include "dhis2/expression_syntax.h"

namespace dhl::dhis2 {
namespace {

using syntax::FormatNumber;
using syntax::IsAlphaNumeric;
using syntax::IsIdentifierChar;
using syntax::IsLetter;
using syntax::IsUid;
using syntax::kAtomPrecedence;
using syntax::kUnaryPrecedence;
using syntax::Precedence;
using syntax::QuoteString;
using syntax::RenderBinary;
using syntax::RenderUnary;

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

bool IsReportingRateMetric(std::string_view text) {
  return std::find(std::begin(kReportingRateMetrics), std::end(kReportingRateMetrics), text) !=
         std::end(kReportingRateMetrics);
}

struct Parsed {
  ExpressionNode node;
  int depth = 1;
};

class Parser : public syntax::OperatorParser<Parser, Parsed, NodeKind::kBinary, NodeKind::kUnary> {
 public:
  Parser(std::string_view text, ExpressionMode mode) : OperatorParser(text), mode_(mode) {}

  struct Output {
    ExpressionNode root;
    std::vector<ItemKey> items;
    bool uses_days = false;
    bool replaces_null_result = true;
  };
  Result<Output> Run();

 private:
  friend OperatorParser;

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

  // --- grammar: the operators are OperatorParser's
  Result<Parsed> ParsePostfix();
  Result<Parsed> ParsePrimary();
  Result<Parsed> ParseNumber();
  Result<Parsed> ParseString();
  Result<Parsed> ParseItem(ItemType type, size_t start, bool hash);
  Result<Parsed> ParseFunction(const FunctionInfo& info, size_t start);
  Status ParseModifier(Parsed& target);
  ExpressionMode mode_;
  bool uses_days_ = false;
  bool replaces_null_result_ = true;
  // Item keys as parsed, indexed by ExpressionNode::item_index until Run() deduplicates them.
  std::vector<ItemKey> raw_items_;
};

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
  DHL_ASSIGN_OR_RETURN(double number, ScanNumber());
  Parsed out;
  out.node.kind = NodeKind::kNumber;
  out.node.position = start;
  out.node.number = number;
  return out;
}

Result<Parsed> Parser::ParseString() {
  size_t start = pos_;
  DHL_ASSIGN_OR_RETURN(std::string value, ScanString());
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
  Shallower();
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
    Shallower();
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

int NodePrecedence(const ExpressionNode& node) {
  if (node.kind == NodeKind::kBinary) {
    return Precedence(node.binary_operator);
  }
  if (node.kind == NodeKind::kUnary) {
    return kUnaryPrecedence;
  }
  return kAtomPrecedence;
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
      const ExpressionNode& operand = node.children[0];
      return RenderUnary(node.unary_operator, Render(operand, items), NodePrecedence(operand),
                         operand.kind == NodeKind::kNumber && operand.number < 0);
    }
    case NodeKind::kBinary:
      return RenderBinary(node.binary_operator, Render(node.children[0], items),
                          NodePrecedence(node.children[0]), Render(node.children[1], items),
                          NodePrecedence(node.children[1]));
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
