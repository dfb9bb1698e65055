#include "sim/field_filter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "base/text.h"

namespace dhl::sim {
namespace {

using nlohmann::json;

// Splits on commas outside brackets.
std::vector<std::string_view> SplitTopLevel(std::string_view text) {
  std::vector<std::string_view> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '[' || c == '(') {
      ++depth;
    } else if (c == ']' || c == ')') {
      --depth;
    } else if (c == ',' && depth == 0) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

}  // namespace

Result<FieldFilter> FieldFilter::Parse(std::string_view text) {
  FieldFilter filter;
  for (std::string_view raw : SplitTopLevel(text)) {
    std::string_view part = Trim(raw);
    if (part.empty()) {
      continue;
    }
    if (part == "*" || part == ":all" || part == ":owner" || part == "*!") {
      filter.all_ = true;
      continue;
    }
    if (part == ":identifiable" || part == ":nameable") {
      for (const char* name : {"id", "name", "code", "created", "lastUpdated", "displayName"}) {
        filter.fields_.push_back({name, nullptr});
      }
      if (part == ":nameable") {
        for (const char* name : {"shortName", "displayShortName", "description"}) {
          filter.fields_.push_back({name, nullptr});
        }
      }
      continue;
    }
    if (part.front() == '!') {
      filter.excluded_.emplace_back(part.substr(1));
      continue;
    }
    size_t open = part.find_first_of("[(");
    Field field;
    if (open == std::string_view::npos) {
      field.name = std::string(part);
    } else {
      if (part.back() != ']' && part.back() != ')') {
        return InvalidArgument(fmt::format("fields: unbalanced brackets in \"{}\"", part));
      }
      field.name = std::string(Trim(part.substr(0, open)));
      DHL_ASSIGN_OR_RETURN(FieldFilter nested,
                           Parse(part.substr(open + 1, part.size() - open - 2)));
      field.nested = std::make_shared<FieldFilter>(std::move(nested));
    }
    // "name~rename" and "name::transformer" are not supported: keep the plain name.
    field.name = field.name.substr(0, field.name.find_first_of("~:"));
    filter.fields_.push_back(std::move(field));
  }
  return filter;
}

json FieldFilter::Apply(const json& input, const Resolver& resolver) const {
  if (input.is_array()) {
    json out = json::array();
    for (const auto& item : input) {
      out.push_back(Apply(item, resolver));
    }
    return out;
  }
  if (!input.is_object()) {
    return input;
  }
  const json* resolved = &input;
  if (resolver && input.size() == 1 && input.contains("id") && input["id"].is_string()) {
    if (const json* full = resolver(input["id"].get<std::string>())) {
      resolved = full;
    }
  }
  const json& object = *resolved;
  json out = json::object();
  if (all_) {
    out = object;
  }
  for (const Field& field : fields_) {
    auto found = object.find(field.name);
    if (found == object.end()) {
      continue;
    }
    out[field.name] = field.nested ? field.nested->Apply(*found, resolver) : *found;
  }
  for (const std::string& name : excluded_) {
    out.erase(name);
  }
  return out;
}

Result<ObjectFilter> ObjectFilter::Parse(const std::vector<std::string>& filters, bool any) {
  ObjectFilter filter;
  filter.any_ = any;
  for (const std::string& text : filters) {
    size_t first = text.find(':');
    if (first == std::string::npos) {
      return InvalidArgument(fmt::format("filter \"{}\" is not property:operator:value", text));
    }
    size_t second = text.find(':', first + 1);
    Term term;
    std::string path = text.substr(0, first);
    size_t dot = 0;
    while ((dot = path.find('.')) != std::string::npos) {
      term.path.push_back(path.substr(0, dot));
      path = path.substr(dot + 1);
    }
    term.path.push_back(path);
    term.op = text.substr(first + 1,
                          second == std::string::npos ? std::string::npos : second - first - 1);
    term.value = second == std::string::npos ? "" : text.substr(second + 1);
    static const std::vector<std::string> kOps = {
        "eq",     "!eq",    "ne",     "neq",    "gt",         "ge",       "lt",
        "le",     "like",   "!like",  "ilike",  "!ilike",     "$like",    "like$",
        "$ilike", "ilike$", "!$like", "!like$", "startsWith", "endsWith", "in",
        "!in",    "null",   "!null",  "empty",  "!empty",     "token"};
    if (std::find(kOps.begin(), kOps.end(), term.op) == kOps.end()) {
      return InvalidArgument(fmt::format("filter \"{}\": unknown operator \"{}\"", text, term.op));
    }
    if (term.op == "in" || term.op == "!in") {
      std::string_view list = term.value;
      if (list.size() < 2 || list.front() != '[' || list.back() != ']') {
        return InvalidArgument(fmt::format("filter \"{}\": in needs [a,b,...]", text));
      }
      for (std::string_view item : SplitTopLevel(list.substr(1, list.size() - 2))) {
        term.values.emplace_back(Trim(item));
      }
    }
    filter.terms_.push_back(std::move(term));
  }
  return filter;
}

namespace {

void Collect(const json& node, const std::vector<std::string>& path, size_t depth,
             std::vector<const json*>& out) {
  if (node.is_array()) {
    for (const auto& item : node) {
      Collect(item, path, depth, out);
    }
    return;
  }
  if (depth == path.size()) {
    out.push_back(&node);
    return;
  }
  if (!node.is_object()) {
    return;
  }
  auto found = node.find(path[depth]);
  if (found != node.end()) {
    Collect(*found, path, depth + 1, out);
  }
}

std::string AsText(const json& value) {
  if (value.is_string()) {
    return value.get<std::string>();
  }
  return value.dump();
}

int Compare(const json& value, const std::string& operand) {
  if (value.is_number()) {
    char* end = nullptr;
    double number = std::strtod(operand.c_str(), &end);
    if (end != operand.c_str() && *end == '\0') {
      double mine = value.get<double>();
      return mine < number ? -1 : mine > number ? 1 : 0;
    }
  }
  std::string text = AsText(value);
  return text < operand ? -1 : text > operand ? 1 : 0;
}

bool ValueMatches(const std::string& op, const json& value, const std::string& operand,
                  const std::vector<std::string>& values) {
  std::string text = AsText(value);
  if (op == "eq") {
    return Compare(value, operand) == 0;
  }
  if (op == "!eq" || op == "ne" || op == "neq") {
    return Compare(value, operand) != 0;
  }
  if (op == "gt") {
    return Compare(value, operand) > 0;
  }
  if (op == "ge") {
    return Compare(value, operand) >= 0;
  }
  if (op == "lt") {
    return Compare(value, operand) < 0;
  }
  if (op == "le") {
    return Compare(value, operand) <= 0;
  }
  if (op == "like" || op == "token") {
    return text.find(operand) != std::string::npos;
  }
  if (op == "!like") {
    return text.find(operand) == std::string::npos;
  }
  if (op == "ilike") {
    return AsciiLower(text).find(AsciiLower(operand)) != std::string::npos;
  }
  if (op == "!ilike") {
    return AsciiLower(text).find(AsciiLower(operand)) == std::string::npos;
  }
  if (op == "$like" || op == "startsWith") {
    return text.starts_with(operand);
  }
  if (op == "!$like") {
    return !text.starts_with(operand);
  }
  if (op == "$ilike") {
    return AsciiLower(text).starts_with(AsciiLower(operand));
  }
  if (op == "like$" || op == "endsWith") {
    return text.ends_with(operand);
  }
  if (op == "!like$") {
    return !text.ends_with(operand);
  }
  if (op == "ilike$") {
    return AsciiLower(text).ends_with(AsciiLower(operand));
  }
  if (op == "in") {
    return std::find(values.begin(), values.end(), text) != values.end();
  }
  if (op == "!in") {
    return std::find(values.begin(), values.end(), text) == values.end();
  }
  return false;
}

}  // namespace

bool ObjectFilter::TermMatches(const Term& term, const json& object) {
  std::vector<const json*> found;
  Collect(object, term.path, 0, found);
  bool missing = found.empty() || std::all_of(found.begin(), found.end(),
                                              [](const json* v) { return v->is_null(); });
  if (term.op == "null") {
    return missing;
  }
  if (term.op == "!null") {
    return !missing;
  }
  if (term.op == "empty" || term.op == "!empty") {
    bool empty = missing || std::all_of(found.begin(), found.end(), [](const json* v) {
                   return (v->is_array() || v->is_object() || v->is_string()) && v->empty();
                 });
    return term.op == "empty" ? empty : !empty;
  }
  bool negative = term.op.starts_with("!") || term.op == "ne" || term.op == "neq";
  if (missing) {
    return negative;
  }
  if (negative) {
    return std::all_of(found.begin(), found.end(), [&](const json* v) {
      return ValueMatches(term.op, *v, term.value, term.values);
    });
  }
  return std::any_of(found.begin(), found.end(), [&](const json* v) {
    return ValueMatches(term.op, *v, term.value, term.values);
  });
}

bool ObjectFilter::Matches(const json& object) const {
  if (terms_.empty()) {
    return true;
  }
  for (const Term& term : terms_) {
    bool match = TermMatches(term, object);
    if (any_ && match) {
      return true;
    }
    if (!any_ && !match) {
      return false;
    }
  }
  return !any_;
}

ObjectFilter ObjectFilter::On(std::string_view key) const {
  ObjectFilter part;
  part.any_ = any_;
  for (const Term& term : terms_) {
    if (term.path.front() == key) {
      part.terms_.push_back(term);
    }
  }
  return part;
}

ObjectFilter ObjectFilter::Without(const std::vector<std::string_view>& keys) const {
  ObjectFilter part;
  part.any_ = any_;
  for (const Term& term : terms_) {
    if (std::find(keys.begin(), keys.end(), term.path.front()) == keys.end()) {
      part.terms_.push_back(term);
    }
  }
  return part;
}

}  // namespace dhl::sim
