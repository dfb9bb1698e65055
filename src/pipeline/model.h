// One SQL model: the file `<layer>/<table>.sql` holding a header of `-- key: value` comment lines
// and a SELECT whose inputs are named `ref('layer.table')` (format: models/README.md,
// docs/models.md). Values only; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "lake/lake_catalog.h"

namespace dhl::pipeline {

enum class Materialization {
  kTable,        // every run rebuilds the whole table from its inputs
  kIncremental,  // merges the input rows added since the last run into the table by unique_key
  kPartitioned,  // recomputes only the partitions that the changed partitions of its inputs reach
};

enum class ExpectationAction {
  kWarn,        // keep the row, count it
  kQuarantine,  // move the row to silver.rejects
  kFail,        // stop the model with an error
};

std::string_view ExpectationActionName(ExpectationAction action);

struct Expectation {
  std::string name;
  std::string condition;  // a SQL boolean over the model's output columns; NULL counts as failing
  ExpectationAction action = ExpectationAction::kWarn;
  int line = 0;
};

struct Ref {
  lake::TableName table;
  int line = 0;  // where ref() appears in the file (1-based)
};

struct LayerInput {
  std::string layer;
  int line = 0;
};

// incremental: when `table` (an input rewritten since the last run, not only appended to) changes,
// the keys whose `model_column` equals `table_column` of a changed row of it are recomputed.
// partitioned: when `table` (an input not in partition_inputs) changes, the rows that differ
// between its two versions (added, removed or changed) reach only the output partitions holding a
// row whose `model_column` equals their `table_column`, in the model's table or in a partition
// input (through the window); rows only added to a dimension no fact referenced yet reach the
// partitions of the facts that now reference them, nothing else.
struct RecomputeOn {
  lake::TableName table;
  std::string table_column;
  std::string model_column;
  int line = 0;
};

// incremental: the rows of input `table` a key's output rows come from are those whose
// `expression` (SQL over the input's columns) equals the key's `key_column`, for every column of
// the unique key. When the touched keys are recomputed, only those rows of the input are read (one
// filtering scan) instead of running the model over the whole input. The model vouches for it: a
// key's rows must read no other row of that input (a group by the key, a window over the key).
struct KeyInput {
  lake::TableName table;
  std::string key_column;
  std::string expression;
  int line = 0;
  // The expression is one of the input's columns by name: a filter on it reaches the Parquet scan
  // (row groups whose statistics leave out every wanted value are skipped).
  bool plain_column = false;
};

struct Model {
  lake::TableName name;
  std::string path;  // the file it came from (a disk path or an embedded key), for messages
  Materialization materialization = Materialization::kTable;
  std::vector<std::string> unique_key;  // incremental: the natural key
  std::vector<std::string> order_by;    // incremental: the version columns, latest = largest
  std::string deleted_column;           // incremental: a boolean, TRUE when the version deletes
  // incremental: how a rewritten input (a dimension) reaches the keys. A rewritten input without a
  // mapping makes the run a full rebuild.
  std::vector<RecomputeOn> recompute_on;
  std::vector<KeyInput> key_inputs;  // incremental: `key_input` lines
  // incremental, with key_input: the model vouches that a key whose rows added to its key_input
  // inputs since the last run give, alone (every other input whole), one row equal to the row the
  // table holds but for the ingestion columns keeps that row (`unchanged_redelivery: true`).
  bool unchanged_redelivery = false;
  std::vector<std::string> partition_by;  // Delta partition columns
  // partitioned: the inputs partitioned by the same column whose changed partitions are tracked
  // (a change to any other input rebuilds the whole table), and the window of input partitions an
  // output partition Y reads: Y + partition_window_low .. Y + partition_window_high (integers;
  // 0, 0 when the output partition is the input's own).
  std::vector<lake::TableName> partition_inputs;
  // partitioned: partition inputs the model maps row by row (each output row comes from one row of
  // the input, with lookups and filters): rows only appended to them, reaching no row the table
  // already holds through a changed dimension, append the model's rows for them alone.
  std::vector<lake::TableName> append_inputs;
  // partitioned, with append_inputs: the columns by which rows of different partition inputs meet
  // (gold.analytics: a prediction replaces the stored value of its key). With it, a partition
  // input outside append_inputs (a small table its model rewrites, gold.predicted_value) may join
  // an append run: when its changed partitions only gained rows (compared row by row), the added
  // rows are read; an unchanged one is read as nothing. The run appends only when no added row of
  // any partition input has the key of a row the partition inputs held before in the changed
  // partitions (then the old rows' output is the table's, and the new rows' is the rest). Old rows
  // a changed dimension row reaches (recompute_on on key columns) while it reaches no row of the
  // table gave the table no row (December's predictions before December's period row): they are
  // read too, with every row of their keys, and do not stop the append.
  std::vector<std::string> append_key;
  // partitioned, `period_scope: column`: the output column (and the partition inputs' column)
  // naming a row's period, an id of silver.period. An output row of period p reads only the
  // partition inputs' rows of periods that overlap p (by silver.period's dates) and silver.period's
  // rows of such periods. A run that recomputes some partitions then recomputes, within them, only
  // the periods the changed rows reach, and copies the partitions' other rows (docs/models.md).
  std::string period_scope;
  int partition_window_low = 0;
  int partition_window_high = 0;
  // partitioned, `partition_window: generated('name')`: the generator `name` returns the window as
  // "low, high" at run time (from the inputs whole; the numbers above are then 0, 0).
  std::string partition_window_generator;
  // partitioned or table: a column of the output and of every batch input whose values the model
  // computes apart (`batch_by`): an output row reads only the batch inputs' rows with its own
  // value of it. A run whose batch inputs hold more rows than one piece may (the memory the
  // engine may hold over batch_row_bytes, the model's measured peak per input row) computes the
  // model one bucket of values at a time, each piece staged to a Parquet file, and commits them
  // all at once.
  std::string batch_by;
  int64_t batch_row_bytes = 0;
  // With batch_by: the inputs a piece reads narrowed to its values (`batch_inputs`; a
  // partitioned model's default is its partition_inputs, a table model names them). The others
  // are read whole by every piece.
  std::vector<lake::TableName> batch_inputs;
  std::vector<Expectation> expectations;
  std::vector<Ref> refs;  // in order of appearance, duplicates removed; the
                          // `depends_on:` header tables come first, the tables of
                          // generated('name', 'layer.table') calls last
  // `depends_on: ref.*`: every table of these layers found in the lake at run time is an input
  // (none is fine); only for layers no model writes (tables imported with `dhis2lake import`).
  std::vector<LayerInput> depends_on_layers;
  std::vector<std::string> generated;  // generated('name') calls in the body, in order
  std::string body;  // the file's text (ref() and generated() calls left in place)
};

// Parses a model file. `path` must end in `<layer>/<table>.sql`; it names the model and prefixes
// every error ("<path>:<line>: ..."). Header lines are the leading `--` comment lines; unknown
// keys, malformed values, an incremental model without unique_key/order_by, or a body that is empty
// are InvalidArgument.
Result<Model> ParseModel(std::string_view path, std::string_view text);

// The body with each ref('layer.table') replaced by `replacement(table)`.
template <typename Replace>
std::string RenderRefs(const Model& model, Replace&& replacement);

// Finds the ref() calls in `text`: their table names, offsets and lengths.
struct RefCall {
  lake::TableName table;
  size_t offset = 0;
  size_t length = 0;
  int line = 0;
};
Result<std::vector<RefCall>> FindRefCalls(std::string_view path, std::string_view text);

// Finds the generated('name'), generated('name', 'layer.table') and generated('name',
// 'layer.table', 'column') calls in `text` (outside comments and strings). The table is the one the
// generator reads: ParseModel makes it an input of the model, as a ref() would; the column is one
// of its columns the generator is about.
struct GeneratedCall {
  std::string name;
  std::optional<lake::TableName> table;
  std::string column;  // generated('name', 'layer.table', 'column'); "" when not given
  size_t offset = 0;
  size_t length = 0;
  int line = 0;
};
Result<std::vector<GeneratedCall>> FindGeneratedCalls(std::string_view path, std::string_view text);

// `text` with each ref('layer.table') replaced by `replacement(table)` (RenderRefs for any text).
template <typename Replace>
std::string RenderRefsIn(std::string_view path, std::string_view text, Replace&& replacement);

template <typename Replace>
std::string RenderRefsIn(std::string_view path, std::string_view text, Replace&& replacement) {
  auto calls = FindRefCalls(path, text);
  std::string out;
  size_t position = 0;
  if (calls.ok()) {
    for (const RefCall& call : *calls) {
      out.append(text.substr(position, call.offset - position));
      out += replacement(call.table);
      position = call.offset + call.length;
    }
  }
  out.append(text.substr(position));
  return out;
}

template <typename Replace>
std::string RenderRefs(const Model& model, Replace&& replacement) {
  return RenderRefsIn(model.path, model.body, std::forward<Replace>(replacement));
}

}  // namespace dhl::pipeline
