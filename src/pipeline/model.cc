#include "pipeline/model.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <set>

#include "base/text.h"
#include "pipeline/dimension_generators.h"

namespace dhl::pipeline {
namespace {

// A trimmed copy (dhl::Trim gives a view into `text`).
std::string TrimmedCopy(std::string_view text) { return std::string(dhl::Trim(text)); }

std::string Lower(std::string_view text) { return AsciiLower(text); }

bool IsIdentifier(std::string_view text) {
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text[0]))) return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

Status LineError(std::string_view path, int line, std::string_view message) {
  return InvalidArgument(std::string(path) + ":" + std::to_string(line) + ": " +
                         std::string(message));
}

Result<std::vector<std::string>> ParseColumnList(std::string_view path, int line,
                                                 std::string_view key, std::string_view value) {
  std::vector<std::string> columns;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    std::string column = TrimmedCopy(value.substr(start, comma - start));
    if (!IsIdentifier(column)) {
      return LineError(path, line, std::string(key) + ": '" + column + "' is not a column name");
    }
    columns.push_back(column);
    start = comma + 1;
  }
  return columns;
}

// A header's `layer.table, ...` list (partition_inputs, append_inputs, batch_inputs).
Result<std::vector<lake::TableName>> ParseTableList(std::string_view path, int line,
                                                    std::string_view key, std::string_view value) {
  std::vector<lake::TableName> tables;
  for (std::string_view item : Split(value, ',')) {
    std::string table_text = TrimmedCopy(item);
    auto table = lake::ParseTableName(table_text);
    if (!table.ok()) {
      return LineError(path, line,
                       std::string(key) + ": '" + table_text + "': " + table.status().message());
    }
    tables.push_back(*table);
  }
  return tables;
}

// The line of `offset` in `text`, counted on from the last offset asked (offsets only grow), so
// that finding every call in a text is linear in its length: counted from the start each time, a
// generated query of 10 MB with a few hundred ref() calls took 18 s to render.
class LineCounter {
 public:
  explicit LineCounter(std::string_view text) : text_(text) {}
  int At(size_t offset) {
    offset = std::min(offset, text_.size());
    if (offset > counted_) {
      line_ +=
          static_cast<int>(std::count(text_.begin() + static_cast<std::ptrdiff_t>(counted_),
                                      text_.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
      counted_ = offset;
    }
    return line_;
  }

 private:
  std::string_view text_;
  size_t counted_ = 0;
  int line_ = 1;
};

}  // namespace

std::string_view ExpectationActionName(ExpectationAction action) {
  switch (action) {
    case ExpectationAction::kWarn:
      return "warn";
    case ExpectationAction::kQuarantine:
      return "quarantine";
    case ExpectationAction::kFail:
      return "fail";
  }
  return "warn";
}

namespace {

// A call `word('argument')` found in SQL text, outside comments and strings; `generated` calls
// may carry a second quoted argument (`second`).
struct QuotedCall {
  std::string argument;
  std::string second;
  std::string third;  // generated() only: a column of the table
  size_t offset = 0;
  size_t length = 0;
  int line = 0;
};

Result<std::vector<QuotedCall>> FindQuotedCalls(std::string_view path, std::string_view text,
                                                std::string_view function) {
  std::vector<QuotedCall> calls;
  const bool takes_table = function == "generated";
  const std::string usage =
      std::string(function) +
      (takes_table ? "() takes a quoted name and optionally a quoted table and column: "
                     "generated('name'), generated('name', 'layer.table') or "
                     "generated('name', 'layer.table', 'column')"
                   : "() takes one quoted name: " + std::string(function) + "('layer.table')");
  LineCounter lines(text);
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '-' && i + 1 < text.size() && text[i + 1] == '-') {
      i = text.find('\n', i);
      if (i == std::string_view::npos) break;
      continue;
    }
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      size_t end = text.find("*/", i + 2);
      i = end == std::string_view::npos ? text.size() : end + 2;
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      size_t end = text.find(c, i + 1);
      i = end == std::string_view::npos ? text.size() : end + 1;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t end = i;
      while (end < text.size() &&
             (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) {
        ++end;
      }
      bool preceded_by_dot = i > 0 && text[i - 1] == '.';
      if (EqualsIgnoreCase(text.substr(i, end - i), function) && !preceded_by_dot) {
        size_t p = end;
        while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p]))) ++p;
        if (p < text.size() && text[p] == '(') {
          int line = lines.At(i);
          ++p;
          while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p]))) ++p;
          if (p >= text.size() || text[p] != '\'') return LineError(path, line, usage);
          size_t close_quote = text.find('\'', p + 1);
          if (close_quote == std::string_view::npos) {
            return LineError(path, line, "unterminated string in " + std::string(function) + "()");
          }
          std::string_view argument = text.substr(p + 1, close_quote - p - 1);
          size_t q = close_quote + 1;
          while (q < text.size() && std::isspace(static_cast<unsigned char>(text[q]))) ++q;
          // generated() takes up to two more quoted arguments (a table, then one of its columns).
          std::string_view more[2];
          for (int extra = 0; takes_table && extra < 2 && q < text.size() && text[q] == ',';
               ++extra) {
            ++q;
            while (q < text.size() && std::isspace(static_cast<unsigned char>(text[q]))) ++q;
            if (q >= text.size() || text[q] != '\'') return LineError(path, line, usage);
            size_t extra_close = text.find('\'', q + 1);
            if (extra_close == std::string_view::npos) {
              return LineError(path, line,
                               "unterminated string in " + std::string(function) + "()");
            }
            more[extra] = text.substr(q + 1, extra_close - q - 1);
            q = extra_close + 1;
            while (q < text.size() && std::isspace(static_cast<unsigned char>(text[q]))) ++q;
          }
          if (q >= text.size() || text[q] != ')') return LineError(path, line, usage);
          calls.push_back(QuotedCall{std::string(argument), std::string(more[0]),
                                     std::string(more[1]), i, q + 1 - i, line});
          i = q + 1;
          continue;
        }
      }
      i = end;
      continue;
    }
    ++i;
  }
  return calls;
}

}  // namespace

Result<std::vector<RefCall>> FindRefCalls(std::string_view path, std::string_view text) {
  DHL_ASSIGN_OR_RETURN(auto found, FindQuotedCalls(path, text, "ref"));
  std::vector<RefCall> calls;
  for (const QuotedCall& call : found) {
    auto table = lake::ParseTableName(call.argument);
    if (!table.ok()) {
      return LineError(path, call.line,
                       "ref('" + call.argument + "'): " + table.status().message());
    }
    calls.push_back(RefCall{*table, call.offset, call.length, call.line});
  }
  return calls;
}

Result<std::vector<GeneratedCall>> FindGeneratedCalls(std::string_view path,
                                                      std::string_view text) {
  DHL_ASSIGN_OR_RETURN(auto found, FindQuotedCalls(path, text, "generated"));
  std::vector<GeneratedCall> calls;
  for (const QuotedCall& call : found) {
    if (!IsIdentifier(call.argument)) {
      return LineError(path, call.line, "generated('" + call.argument + "'): not a generator name");
    }
    std::optional<lake::TableName> table;
    if (!call.second.empty()) {
      auto parsed = lake::ParseTableName(call.second);
      if (!parsed.ok()) {
        return LineError(path, call.line,
                         "generated('" + call.argument + "', '" + call.second +
                             "'): " + parsed.status().message());
      }
      table = *parsed;
    }
    if (!call.third.empty() && !IsIdentifier(call.third)) {
      return LineError(path, call.line,
                       "generated('" + call.argument + "', '" + call.second + "', '" + call.third +
                           "'): not a column name");
    }
    calls.push_back(
        GeneratedCall{call.argument, table, call.third, call.offset, call.length, call.line});
  }
  return calls;
}

Result<Model> ParseModel(std::string_view path, std::string_view text) {
  Model model;
  model.path = std::string(path);
  // The name comes from the last two path components: <layer>/<table>.sql.
  std::string normalized(path);
  for (char& c : normalized) {
    if (c == '\\') c = '/';
  }
  constexpr std::string_view kSuffix = ".sql";
  if (normalized.size() <= kSuffix.size() ||
      normalized.compare(normalized.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
    return InvalidArgument(std::string(path) + ": a model file must be named <layer>/<table>.sql");
  }
  std::string stem = normalized.substr(0, normalized.size() - kSuffix.size());
  size_t slash = stem.rfind('/');
  if (slash == std::string::npos) {
    return InvalidArgument(std::string(path) + ": a model file must be named <layer>/<table>.sql");
  }
  size_t layer_slash = stem.rfind('/', slash - 1);
  std::string layer = stem.substr(layer_slash == std::string::npos ? 0 : layer_slash + 1,
                                  slash - (layer_slash == std::string::npos ? 0 : layer_slash + 1));
  auto name = lake::ParseTableName(layer + "." + stem.substr(slash + 1));
  if (!name.ok()) {
    return InvalidArgument(std::string(path) + ": " + name.status().message());
  }
  model.name = *name;

  // Header: the leading lines that are blank or `--` comments; `-- key: value` lines are settings.
  std::set<std::string> seen;
  size_t position = 0;
  int line = 0;
  bool has_materialized = false;
  while (position < text.size()) {
    size_t end = text.find('\n', position);
    if (end == std::string_view::npos) end = text.size();
    std::string content = TrimmedCopy(text.substr(position, end - position));
    ++line;
    if (!content.empty() && content.rfind("--", 0) != 0) break;
    position = end + 1;
    if (content.empty()) continue;
    std::string comment = TrimmedCopy(std::string_view(content).substr(2));
    size_t colon = comment.find(':');
    if (colon == std::string::npos) continue;  // a prose comment
    std::string key = Lower(TrimmedCopy(std::string_view(comment).substr(0, colon)));
    std::string value = TrimmedCopy(std::string_view(comment).substr(colon + 1));
    if (!IsIdentifier(key)) continue;  // prose that happens to hold a colon
    if (key != "expect" && key != "recompute_on" && key != "key_input" &&
        !seen.insert(key).second) {
      return LineError(path, line, "'" + key + "' is given twice");
    }
    if (key == "materialized") {
      has_materialized = true;
      if (value == "table") {
        model.materialization = Materialization::kTable;
      } else if (value == "incremental") {
        model.materialization = Materialization::kIncremental;
      } else if (value == "partitioned") {
        model.materialization = Materialization::kPartitioned;
      } else {
        return LineError(
            path, line,
            "materialized: '" + value + "' is not 'table', 'incremental' or 'partitioned'");
      }
    } else if (key == "partition_inputs") {
      DHL_ASSIGN_OR_RETURN(auto tables, ParseTableList(path, line, key, value));
      model.partition_inputs.insert(model.partition_inputs.end(), tables.begin(), tables.end());
    } else if (key == "append_inputs") {
      DHL_ASSIGN_OR_RETURN(auto tables, ParseTableList(path, line, key, value));
      model.append_inputs.insert(model.append_inputs.end(), tables.begin(), tables.end());
    } else if (key == "period_scope") {
      model.period_scope = TrimmedCopy(value);
    } else if (key == "append_key") {
      for (std::string_view item : Split(value, ',')) {
        model.append_key.push_back(TrimmedCopy(item));
      }
    } else if (key == "partition_window" && value.rfind("generated('", 0) == 0 &&
               value.size() > 13 && value.substr(value.size() - 2) == "')") {
      // The window a generator computes from the lake's metadata at run time (the widest
      // .periodOffset() of gold.indicator_value's indicators).
      model.partition_window_generator = value.substr(11, value.size() - 13);
      if (!IsIdentifier(model.partition_window_generator)) {
        return LineError(path, line, "partition_window: '" + value + "': not a generator name");
      }
    } else if (key == "partition_window") {
      std::vector<std::string_view> bounds = Split(value, ',');
      int low = 0;
      int high = 0;
      bool ok = bounds.size() == 2;
      if (ok) {
        std::string low_text = TrimmedCopy(bounds[0]);
        std::string high_text = TrimmedCopy(bounds[1]);
        auto [low_end, low_error] =
            std::from_chars(low_text.data(), low_text.data() + low_text.size(), low);
        auto [high_end, high_error] =
            std::from_chars(high_text.data(), high_text.data() + high_text.size(), high);
        ok = low_error == std::errc() && high_error == std::errc() &&
             low_end == low_text.data() + low_text.size() &&
             high_end == high_text.data() + high_text.size() && low <= 0 && high >= 0;
      }
      if (!ok) {
        return LineError(
            path, line,
            "partition_window: '" + value + "': want 'low, high' with low <= 0 <= high");
      }
      model.partition_window_low = low;
      model.partition_window_high = high;
    } else if (key == "batch_by") {
      if (!IsIdentifier(value)) {
        return LineError(path, line, "batch_by: '" + value + "' is not a column name");
      }
      model.batch_by = value;
    } else if (key == "batch_inputs") {
      DHL_ASSIGN_OR_RETURN(auto tables, ParseTableList(path, line, key, value));
      model.batch_inputs.insert(model.batch_inputs.end(), tables.begin(), tables.end());
    } else if (key == "batch_row_bytes") {
      int64_t bytes = 0;
      auto [bytes_end, bytes_error] =
          std::from_chars(value.data(), value.data() + value.size(), bytes);
      if (bytes_error != std::errc() || bytes_end != value.data() + value.size() || bytes <= 0) {
        return LineError(path, line, "batch_row_bytes: '" + value + "' is not a positive integer");
      }
      model.batch_row_bytes = bytes;
    } else if (key == "unique_key") {
      DHL_ASSIGN_OR_RETURN(model.unique_key, ParseColumnList(path, line, key, value));
    } else if (key == "order_by") {
      DHL_ASSIGN_OR_RETURN(model.order_by, ParseColumnList(path, line, key, value));
    } else if (key == "partition_by") {
      DHL_ASSIGN_OR_RETURN(model.partition_by, ParseColumnList(path, line, key, value));
    } else if (key == "unchanged_redelivery") {
      if (value != "true" && value != "false") {
        return LineError(path, line, "unchanged_redelivery: '" + value + "' is not true or false");
      }
      model.unchanged_redelivery = value == "true";
    } else if (key == "deleted") {
      if (!IsIdentifier(value)) {
        return LineError(path, line, "deleted: '" + value + "' is not a column name");
      }
      model.deleted_column = value;
    } else if (key == "recompute_on") {
      // layer.table.column = model_column
      size_t equals = value.find('=');
      std::string left = equals == std::string::npos ? "" : TrimmedCopy(value.substr(0, equals));
      std::string right = equals == std::string::npos ? "" : TrimmedCopy(value.substr(equals + 1));
      size_t dot = left.rfind('.');
      auto table = lake::ParseTableName(dot == std::string::npos ? "" : left.substr(0, dot));
      std::string table_column = dot == std::string::npos ? "" : left.substr(dot + 1);
      if (!table.ok() || !IsIdentifier(table_column) || !IsIdentifier(right)) {
        return LineError(path, line,
                         "recompute_on: '" + value + "': want 'layer.table.column = model_column'");
      }
      model.recompute_on.push_back(RecomputeOn{*table, table_column, right, line});
    } else if (key == "key_input") {
      // layer.table | model_column = SQL expression over the input's columns
      size_t bar = value.find('|');
      std::string table_text = bar == std::string::npos ? "" : TrimmedCopy(value.substr(0, bar));
      std::string mapping = bar == std::string::npos ? "" : value.substr(bar + 1);
      size_t equals = mapping.find('=');
      std::string column =
          equals == std::string::npos ? "" : TrimmedCopy(mapping.substr(0, equals));
      std::string expression =
          equals == std::string::npos ? "" : TrimmedCopy(mapping.substr(equals + 1));
      auto table = lake::ParseTableName(table_text);
      if (!table.ok() || !IsIdentifier(column) || expression.empty()) {
        return LineError(path, line,
                         "key_input: '" + value +
                             "': want 'layer.table | key_column = expression over its columns'");
      }
      model.key_inputs.push_back(
          KeyInput{*table, column, expression, line, IsIdentifier(expression)});
    } else if (key == "depends_on") {
      for (std::string_view item : Split(value, ',')) {
        std::string table_text = TrimmedCopy(item);
        if (table_text.size() > 2 && table_text.ends_with(".*")) {
          std::string layer_name = table_text.substr(0, table_text.size() - 2);
          auto checked = lake::ParseTableName(layer_name + ".x");
          if (!checked.ok()) {
            return LineError(path, line,
                             "depends_on: '" + table_text + "': " + checked.status().message());
          }
          model.depends_on_layers.push_back(LayerInput{layer_name, line});
          continue;
        }
        auto table = lake::ParseTableName(table_text);
        if (!table.ok()) {
          return LineError(path, line,
                           "depends_on: '" + table_text + "': " + table.status().message());
        }
        bool duplicate = false;
        for (const Ref& ref : model.refs) duplicate = duplicate || ref.table == *table;
        if (!duplicate) model.refs.push_back(Ref{*table, line});
      }
    } else if (key == "expect") {
      // name | condition | action; the condition may itself hold '|' only inside quotes, so split
      // at the first and the last bar.
      size_t first = value.find('|');
      size_t last = value.rfind('|');
      if (first == std::string::npos || first == last) {
        return LineError(path, line, "expect: want 'name | condition | warn|quarantine|fail'");
      }
      Expectation expectation;
      expectation.line = line;
      expectation.name = TrimmedCopy(std::string_view(value).substr(0, first));
      expectation.condition =
          TrimmedCopy(std::string_view(value).substr(first + 1, last - first - 1));
      std::string action = Lower(TrimmedCopy(std::string_view(value).substr(last + 1)));
      if (!IsIdentifier(expectation.name)) {
        return LineError(path, line, "expect: '" + expectation.name + "' is not a valid name");
      }
      if (expectation.condition.empty()) {
        return LineError(path, line, "expect " + expectation.name + ": empty condition");
      }
      if (action == "warn") {
        expectation.action = ExpectationAction::kWarn;
      } else if (action == "quarantine") {
        expectation.action = ExpectationAction::kQuarantine;
      } else if (action == "fail") {
        expectation.action = ExpectationAction::kFail;
      } else {
        return LineError(path, line,
                         "expect " + expectation.name + ": action '" + action +
                             "' is not warn, quarantine or fail");
      }
      for (const Expectation& other : model.expectations) {
        if (other.name == expectation.name) {
          return LineError(path, line, "expect " + expectation.name + " is declared twice");
        }
      }
      model.expectations.push_back(std::move(expectation));
    } else {
      return LineError(
          path, line,
          "unknown header key '" + key +
              "' (want materialized, unique_key, order_by, deleted, recompute_on, "
              "partition_by, partition_inputs, partition_window, append_inputs, "
              "append_key, batch_by, batch_inputs, batch_row_bytes, depends_on, expect, "
              "key_input, unchanged_redelivery, period_scope)");
    }
  }
  if (!has_materialized) {
    return LineError(path, 1, "the header must say 'materialized: table' or 'incremental'");
  }
  if (model.materialization == Materialization::kIncremental) {
    if (model.unique_key.empty() || model.order_by.empty()) {
      return LineError(path, 1, "an incremental model needs 'unique_key' and 'order_by'");
    }
  } else if (!model.unique_key.empty() || !model.order_by.empty() ||
             !model.deleted_column.empty() || !model.key_inputs.empty()) {
    return LineError(
        path, 1,
        "unique_key, order_by, deleted and key_input apply only to 'materialized: incremental'");
  } else if (!model.recompute_on.empty() &&
             model.materialization != Materialization::kPartitioned) {
    return LineError(path, 1,
                     "recompute_on applies only to 'materialized: incremental' or 'partitioned'");
  }
  if (model.unchanged_redelivery && model.key_inputs.empty()) {
    return LineError(path, 1, "unchanged_redelivery needs 'key_input' lines");
  }
  if (model.materialization == Materialization::kPartitioned) {
    if (model.partition_by.size() != 1 || model.partition_inputs.empty()) {
      return LineError(
          path, 1, "a partitioned model needs one 'partition_by' column and 'partition_inputs'");
    }
  } else if (!model.partition_inputs.empty() || model.partition_window_low != 0 ||
             model.partition_window_high != 0 || !model.partition_window_generator.empty() ||
             !model.append_inputs.empty() || !model.period_scope.empty()) {
    return LineError(path, 1,
                     "partition_inputs, partition_window, append_inputs and period_scope apply "
                     "only to 'materialized: partitioned'");
  }
  if (model.batch_by.empty() != (model.batch_row_bytes == 0)) {
    return LineError(path, 1, "batch_by and batch_row_bytes go together");
  }
  if (!model.batch_by.empty() && model.materialization == Materialization::kIncremental) {
    return LineError(path, 1, "batch_by applies only to 'materialized: table' or 'partitioned'");
  }
  if (!model.batch_inputs.empty() && model.batch_by.empty()) {
    return LineError(path, 1, "batch_inputs needs batch_by");
  }
  if (!model.batch_by.empty() && model.batch_inputs.empty()) {
    if (model.materialization != Materialization::kPartitioned) {
      return LineError(path, 1, "batch_by on a 'materialized: table' model needs batch_inputs");
    }
    model.batch_inputs = model.partition_inputs;
  }
  if (!model.append_key.empty() && model.append_inputs.empty()) {
    return LineError(path, 1, "append_key needs append_inputs");
  }
  for (const lake::TableName& input : model.append_inputs) {
    if (std::find(model.partition_inputs.begin(), model.partition_inputs.end(), input) ==
        model.partition_inputs.end()) {
      return LineError(path, 1,
                       "append_inputs: " + input.ToString() + " is not one of partition_inputs");
    }
    if (model.partition_window_low != 0 || model.partition_window_high != 0 ||
        !model.partition_window_generator.empty()) {
      return LineError(path, 1, "append_inputs needs partition_window 0, 0");
    }
  }
  model.body = std::string(text);
  if (TrimmedCopy(text.substr(std::min(position, text.size()))).empty()) {
    return LineError(path, line, "the model has no SELECT after its header");
  }
  DHL_ASSIGN_OR_RETURN(auto calls, FindRefCalls(path, text));
  for (const RefCall& call : calls) {
    bool duplicate = false;
    for (const Ref& ref : model.refs) {
      if (ref.table == call.table) duplicate = true;
    }
    if (!duplicate) model.refs.push_back(Ref{call.table, call.line});
  }
  for (const lake::TableName& input : model.partition_inputs) {
    bool declared = false;
    for (const Ref& ref : model.refs) declared = declared || ref.table == input;
    if (!declared) {
      return LineError(path, 1,
                       "partition_inputs: " + input.ToString() +
                           " is not an input of the model (ref() or depends_on:)");
    }
  }
  for (const KeyInput& key_input : model.key_inputs) {
    bool declared = false;
    for (const Ref& ref : model.refs) declared = declared || ref.table == key_input.table;
    if (!declared) {
      return LineError(path, key_input.line,
                       "key_input: " + key_input.table.ToString() +
                           " is not an input of the model (ref() or depends_on:)");
    }
    if (std::find(model.unique_key.begin(), model.unique_key.end(), key_input.key_column) ==
        model.unique_key.end()) {
      return LineError(path, key_input.line,
                       "key_input: " + key_input.key_column + " is not a unique_key column");
    }
  }
  for (const RecomputeOn& mapping : model.recompute_on) {
    bool declared = false;
    for (const Ref& ref : model.refs) declared = declared || ref.table == mapping.table;
    if (!declared) {
      return LineError(path, mapping.line,
                       "recompute_on: " + mapping.table.ToString() +
                           " is not an input of the model (ref() or depends_on:)");
    }
  }
  DHL_ASSIGN_OR_RETURN(auto generated, FindGeneratedCalls(path, text));
  for (const GeneratedCall& call : generated) {
    model.generated.push_back(call.name);
    if (!call.table) continue;
    std::vector<lake::TableName> inputs = {*call.table};
    // The latest version of a metadata object also reads the deletions (LatestVersionSql).
    if (call.name == "latest_version") inputs.push_back(*lake::ParseTableName(kDeletedObjectTable));
    for (const lake::TableName& input : inputs) {
      bool duplicate = false;
      for (const Ref& ref : model.refs) duplicate = duplicate || ref.table == input;
      if (!duplicate) model.refs.push_back(Ref{input, call.line});
    }
  }
  return model;
}

}  // namespace dhl::pipeline
