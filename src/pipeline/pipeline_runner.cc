#include "pipeline/pipeline_runner.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "base/hash.h"
#include "base/logging.h"
#include "base/progress.h"
#include "base/step_times.h"
#include "base/text.h"
#include "engine/memory_limit.h"
#include "engine/spill_folder.h"
#include "lake/schema.h"
#include "pipeline/absent_input.h"
#include "pipeline/content_fingerprint.h"
#include "sql/dialect.h"
#include "sql/literal.h"

namespace dhl::pipeline {
namespace {

using lake::TableName;
using sql::QuoteName;
using sql::StringLiteral;

const TableName kRejects{"silver", "rejects"};
constexpr std::string_view kBatchSchema = "_pipeline_batch";
// The temporary view holding the query of the piece being computed, when a model runs its
// generated query in groups (ReviewedWrite::piece_queries).
constexpr std::string_view kPieceRows = "_pipeline_piece_rows";

// Whether the model's SQL is one generated() call and nothing else but comments and blanks, so
// that the groups the generator gives (GeneratorContext::query_groups) are whole queries of it.
bool IsOneGeneratedCall(const Model& model) {
  if (model.generated.size() != 1) return false;
  auto calls = FindGeneratedCalls(model.path, model.body);
  if (!calls.ok() || calls->size() != 1) return false;
  std::string rest = model.body.substr(0, calls->front().offset) +
                     model.body.substr(calls->front().offset + calls->front().length);
  size_t i = 0;
  while (i < rest.size()) {
    if (rest.compare(i, 2, "--") == 0) {
      i = rest.find('\n', i);
      if (i == std::string::npos) break;
    } else if (std::isspace(static_cast<unsigned char>(rest[i])) || rest[i] == ';') {
      ++i;
    } else {
      return false;
    }
  }
  return true;
}
// The input version of a bronze table a source did not deliver: read as empty (absent_input.h).
constexpr int64_t kAbsent = -1;
// The most values by which a key_input scan is narrowed on one key column (KeyInputFilters): 3,000
// constants in one IN cost nothing measurable in a scan of 4.9M rows.
constexpr size_t kNarrowingValues = 4096;

std::string Qualified(const TableName& name) {
  return QuoteName(name.layer) + "." + QuoteName(name.name);
}

int64_t MicrosOf(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

std::string TimestampSql(int64_t micros) {
  return "make_timestamp(" + sql::IntegerLiteral(micros) + ")";
}

std::string QuotedList(const std::vector<std::string>& columns) {
  std::vector<std::string> quoted;
  for (const std::string& column : columns) quoted.push_back(QuoteName(column));
  return Join(quoted, ", ");
}

// `outer.c IS NOT DISTINCT FROM inner.c AND ...` over `columns`: a key match in which NULL parts
// are equal, as GROUP BY and PARTITION BY take them (a row-value IN or NOT IN would drop the key).
std::string SameKey(const std::string& outer, const std::string& inner,
                    const std::vector<std::string>& columns) {
  std::vector<std::string> same;
  for (const std::string& column : columns) {
    same.push_back(outer + "." + QuoteName(column) + " IS NOT DISTINCT FROM " + inner + "." +
                   QuoteName(column));
  }
  return Join(same, " AND ");
}

// An incremental model's version columns as ORDER BY items, the latest version first.
std::vector<std::string> LatestFirst(const Model& model) {
  std::vector<std::string> order;
  for (const std::string& column : model.order_by) {
    order.push_back(QuoteName(column) + " DESC NULLS LAST");
  }
  return order;
}

// "bronze.a=3;silver.b=7": the Delta versions of a model's inputs.
using Versions = std::map<TableName, int64_t>;

std::string VersionsText(const Versions& versions) {
  std::vector<std::string> parts;
  for (const auto& [name, version] : versions) {
    parts.push_back(name.ToString() + "=" + std::to_string(version));
  }
  return Join(parts, ";");
}

// The layout of what the runner writes (tables, ops rows, the meaning of a model header). A model
// run recorded under another layout, or with another definition, rebuilds in full.
constexpr std::string_view kLayoutVersion = "2";
// input_versions carries the model's definition fingerprint as one more part, "@definition=HEX".
constexpr std::string_view kDefinitionPart = "@definition=";

// What decides, besides its inputs, what a model computes: its file (header and SQL), the layout
// version. 16 hex digits of a SHA-256.
// The layout, the model's text and the text of the settings its generators render.
std::string DefinitionFingerprint(const Model& model, const GeneratorRegistry& generators,
                                  const GeneratorSettings& settings) {
  std::string definition = "layout " + std::string(kLayoutVersion) + "\n" + model.body;
  std::set<std::string> rendered;
  for (const std::string& name : model.generated) {
    std::string text = generators.SettingsOf(name, settings);
    if (!text.empty()) rendered.insert(std::move(text));
  }
  // Models rendering no setting keep the fingerprint they had before settings were folded in.
  for (const std::string& text : rendered) definition += "\nsettings " + text;
  return Sha256Hex(definition).substr(0, 16);
}

std::string DefinitionOf(const std::string& text) {
  size_t at = text.find(kDefinitionPart);
  if (at == std::string::npos) return "";
  size_t end = text.find(';', at);
  size_t start = at + kDefinitionPart.size();
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

Versions ParseVersions(const std::string& text) {
  Versions versions;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, ';')) {
    size_t equals = part.find('=');
    if (equals == std::string::npos || part.front() == '@') continue;
    auto name = lake::ParseTableName(part.substr(0, equals));
    auto version = ParseInt64(std::string_view(part).substr(equals + 1), "input version");
    if (!name.ok() || !version.ok()) continue;  // unreadable: the model reruns
    versions[*name] = *version;
  }
  return versions;
}

Result<int64_t> CountRows(engine::Connection& connection, const std::string& relation) {
  DHL_ASSIGN_OR_RETURN(auto result, connection.Query("SELECT count(*) FROM " + relation));
  return result.GetInt64(0, 0).value_or(0);
}

// The columns of `relation`: (name, type) in order.
Result<std::vector<std::pair<std::string, std::string>>> Columns(engine::Connection& connection,
                                                                 const std::string& relation) {
  DHL_ASSIGN_OR_RETURN(auto result, connection.Query("DESCRIBE " + relation));
  std::vector<std::pair<std::string, std::string>> columns;
  for (size_t row = 0; row < result.row_count(); ++row) {
    columns.emplace_back(result.GetString(0, row).value_or(""),
                         result.GetString(1, row).value_or(""));
  }
  return columns;
}

// Whether two relations' columns have the same types, position by position (names aside): a hash
// of one's columns then equals the hash of the other's for equal values, so a join on hashes
// finds the same rows as one on the values.
Result<bool> SameColumnTypes(engine::Connection& connection, const std::string& left,
                             const std::string& right) {
  DHL_ASSIGN_OR_RETURN(auto left_columns, Columns(connection, left));
  DHL_ASSIGN_OR_RETURN(auto right_columns, Columns(connection, right));
  if (left_columns.size() != right_columns.size()) return false;
  for (size_t index = 0; index < left_columns.size(); ++index) {
    if (left_columns[index].second != right_columns[index].second) return false;
  }
  return true;
}

// Columns whose names start with '_' record how a row arrived (_ingested_at, _run_id, ...), not
// what it says: they take no part in a reject's record or in deciding whether a result changed.
bool IsIngestionColumn(const std::string& name) { return !name.empty() && name[0] == '_'; }

// The columns an "unchanged?" comparison reads, (name, type): all but the ingestion ones.
std::vector<std::pair<std::string, std::string>> ComparedColumns(
    const std::vector<std::pair<std::string, std::string>>& columns) {
  std::vector<std::pair<std::string, std::string>> compared;
  for (const auto& column : columns) {
    if (!IsIngestionColumn(column.first)) compared.push_back(column);
  }
  return compared;
}

// The names of ComparedColumns(columns).
std::vector<std::string> ComparedColumnNames(
    const std::vector<std::pair<std::string, std::string>>& columns) {
  std::vector<std::string> names;
  for (const auto& column : ComparedColumns(columns)) names.push_back(column.first);
  return names;
}

// One ops row as a SELECT of literals.
std::string RowSelect(const std::vector<std::pair<std::string, std::string>>& columns) {
  std::vector<std::string> items;
  for (const auto& [name, value] : columns) items.push_back(value + " AS " + QuoteName(name));
  return "SELECT " + Join(items, ", ");
}

std::string TextOrNull(const std::string& text) {
  return "CAST(" + (text.empty() ? std::string("NULL") : StringLiteral(text)) + " AS VARCHAR)";
}

// The partitions a run of a `partitioned` model recomputes (`output`, values of its partition
// column) and the partitions of its partition inputs those read (`input`).
struct PartitionScope {
  std::string column;
  std::set<std::string> input;
  std::vector<std::string> output;
  // Non-empty: the run appends (append_inputs, model.h): each of these inputs is read as the files
  // added since the version given, and the model's rows for them are appended to the table.
  std::map<TableName, int64_t> append_from;
  // Appending with append_key (model.h): inputs outside append_inputs that only gained rows, each
  // read as the temporary table of its added rows.
  std::map<TableName, std::string> append_rows;
  // Appending with append_key: a condition over the partition inputs' rows (empty: none). The rows
  // of their recorded versions that meet it are read too: rows a changed dimension row reaches
  // that gave the table no row (December's predictions, made before December's period row
  // arrived), so every row of their keys is in the run.
  std::string reached_old_rows;
};

// A partition input outside append_inputs that changed, compared row by row when the model has an
// append_key: its snapshots at the recorded and the current version.
struct RowComparedInput {
  TableName table;
  lake::Snapshot before;
  lake::Snapshot after;
};

// Leaves in `snapshot` only the files whose value of partition column `column` is one of `values`.
void KeepPartitions(lake::Snapshot& snapshot, const std::string& column,
                    const std::set<std::string>& values) {
  for (auto file = snapshot.files.begin(); file != snapshot.files.end();) {
    auto value = file->second.partition_values.find(column);
    bool keep = value != file->second.partition_values.end() && value->second.has_value() &&
                values.count(*value->second) > 0;
    file = keep ? std::next(file) : snapshot.files.erase(file);
  }
}

// The files of `after` that `before` does not hold, or nullopt when `before` holds a file `after`
// no longer does (rows may be gone: the table was not only appended to).
std::optional<lake::Snapshot> AppendedFiles(const lake::Snapshot& before, lake::Snapshot after) {
  for (const auto& [path, file] : before.files) {
    if (after.files.erase(path) == 0) return std::nullopt;
  }
  return after;
}

// Values of `column` in the files added or removed between two snapshots of a table; nullopt when
// some file has no value for it (the table is not partitioned by that column).
std::optional<std::set<std::string>> ChangedPartitions(const lake::Snapshot& before,
                                                       const lake::Snapshot& after,
                                                       const std::string& column) {
  std::set<std::string> changed;
  auto add = [&](const lake::AddFile& file) {
    auto value = file.partition_values.find(column);
    if (value == file.partition_values.end() || !value->second.has_value()) return false;
    changed.insert(*value->second);
    return true;
  };
  for (const auto& [path, file] : after.files) {
    if (before.files.count(path) == 0 && !add(file)) return std::nullopt;
  }
  for (const auto& [path, file] : before.files) {
    if (after.files.count(path) == 0 && !add(file)) return std::nullopt;
  }
  return changed;
}

std::optional<int> PartitionNumber(const std::string& text) {
  int number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return number;
}

// Why a model runs: a full run, a first run, a changed definition, or the inputs whose versions
// moved since its last success ("bronze.a 3->4, silver.b new").
std::string RunReason(const Versions& inputs, const std::optional<Versions>& last,
                      const std::string& redefinition, bool full, bool table_exists) {
  if (full) return "full run requested";
  if (!last.has_value()) return "no successful run recorded";
  if (!table_exists) return "its table does not exist";
  if (!redefinition.empty()) return redefinition;
  std::vector<std::string> moved;
  for (const auto& [table, version] : inputs) {
    auto recorded = last->find(table);
    if (recorded == last->end()) {
      moved.push_back(table.ToString() + " new");
    } else if (recorded->second != version) {
      moved.push_back(table.ToString() + " " + std::to_string(recorded->second) + "->" +
                      std::to_string(version));
    }
  }
  for (const auto& [table, version] : *last) {
    if (inputs.count(table) == 0) moved.push_back(table.ToString() + " gone");
  }
  return "inputs moved: " + Join(moved, ", ");
}

class Runner {
 public:
  Runner(lake::LakeCatalog& catalog, engine::Connection& connection, const ModelSet& models,
         const RunOptions& options)
      : catalog_(catalog),
        connection_(connection),
        models_(models),
        options_(options),
        clock_(options.clock != nullptr ? *options.clock : SystemClock::Instance()) {}

  // Runs the models, then records the run: the ops rows of each table in one commit.
  Result<RunSummary> Run();

 private:
  // The input versions and the definition fingerprint ("" when recorded by an older release)
  // of the model's last successful run.
  struct LastRun {
    Versions versions;
    std::string definition;
    std::string fingerprints;  // ops.model_run.fingerprints ("" when none was recorded)
  };
  Result<std::optional<LastRun>> LastSuccess(const TableName& model);
  Result<Versions> CurrentVersions(const Model& model);
  Status RunModel(const Model& model, const Versions& inputs, const std::optional<Versions>& last,
                  ModelResult& result);
  Status RenderBatchRefs(const Model& model, const Versions& inputs,
                         const std::optional<Versions>& last, bool incremental, std::string& sql);
  // The window of a model whose `partition_window` a generator computes.
  Result<std::pair<int, int>> GeneratedWindow(const Model& model, const Versions& inputs);
  // A `partitioned` model: the partitions to recompute, or nullopt for a whole rebuild.
  // `why` says why the whole table is rebuilt when no earlier reason (full, first run) does.
  Result<std::optional<PartitionScope>> PartitionScopeFor(const Model& model,
                                                          const Versions& inputs,
                                                          const std::optional<Versions>& last,
                                                          std::string& why);
  Status RunPartitioned(const Model& model, const Versions& inputs,
                        const std::optional<Versions>& last, ModelResult& result);
  // A view over the whole of `table` at its version in `inputs`, for generators.
  Result<std::string> WholeView(const Model& model, const Versions& inputs, const TableName& table);
  // A view with no rows and the columns of bronze `table`, which the source did not deliver.
  Result<std::string> EmptyView(const TableName& table);
  const GeneratorRegistry& Generators() const {
    return options_.generators != nullptr ? *options_.generators : BuiltinGenerators();
  }

  // Counts every expectation over `relation` in one scan, writes ops.dq_result, fails on a `fail`
  // expectation and logs the rows failing a `quarantine` one to silver.rejects. Those rows are
  // deleted from `relation` (a table); or, when `quarantined` is given, left where they are and
  // the condition selecting them ("" when none fails) returned there. Returns the rows of
  // `relation` a quarantine expectation leaves (counted in the same scan).
  Result<int64_t> ApplyExpectations(const Model& model, const std::string& relation,
                                    ModelResult& result, std::string* quarantined = nullptr);
  // A full rebuild of an incremental model, streamed so that its memory does not grow with the
  // table: the model's rows are written once to a Parquet file under the lake's _system/tmp, the
  // rows to leave out (older versions of a key, then quarantined rows) are collected by their row
  // numbers in that file, and the rows left are read from it for the expectations, the
  // fingerprints and the write. False, with nothing done, when the file would not give the
  // model's column types back (then the rows are materialised instead).
  Result<bool> RebuildStreamed(const Model& model, const Versions& inputs, const std::string& sql,
                               ModelResult& result);
  // The folder a streamed rebuild stages its rows in (claimed at the first rebuild: what a crashed
  // run left under _system/tmp is removed then), after checking that its file system has room
  // for about twice the bytes of the model's inputs (the staged rows and the table written from
  // them): otherwise an IoError naming the model, the folder and the bytes needed and free.
  Result<std::string> StagingFolder(const Model& model, const Versions& inputs);
  std::optional<engine::SpillFolder> staging_;
  // The key hashes (`key_hash`, SQL over `relation`) of `relation`'s keys with several rows, as
  // temporary table `_pipeline_several_keys` (`_pipeline_key_hash`): sorted a share of the hashes
  // at a time (`rows` is the relation's row count), so that a share holds about
  // keys_per_grouping keys.
  Status FindRepeatedKeys(const std::string& relation, const std::string& key_hash, int64_t rows);
  // Files a streamed rebuild or a run in pieces staged in staging_; DropTempTables deletes them.
  std::vector<std::string> staged_files_;
  // The rendered queries of the groups the model's one generated() call gave
  // (GeneratorContext::query_groups), when more than one; RenderBatchRefs sets them.
  std::vector<std::string> query_pieces_;
  // A model with batch_by reads each batch input through a temporary view
  // (`name`) over the input as the run reads it (`source`): all of it, or, while RunInPieces
  // computes one piece, the rows of that piece's batch_by values.
  struct BucketView {
    std::string name;
    std::string source;
  };
  std::map<TableName, BucketView> bucket_views_;
  // Points every bucket view at the rows of its source matching `condition` (all of them when
  // empty).
  Status PointBucketViews(const std::string& condition);
  // Whether the Parquet file at `path`, which `sql`'s rows were copied to (followed by column
  // `last_column` when not empty), gives every column back with its type (no model has a column it
  // would not: a HUGEINT would come back a DOUBLE). `columns`, when given, receives `sql`'s.
  Result<bool> GivesColumnsBack(
      const std::string& sql, const std::string& path, const std::string& last_column,
      std::vector<std::pair<std::string, std::string>>* columns = nullptr);
  // How WriteReviewed reviews the rows it wrote.
  struct ReviewedWrite {
    // Each piece's condition over the bucket views (RunInPieces); empty: the SQL runs once.
    std::vector<std::string> piece_conditions;
    // Or each piece's own query, which the view kPieceRows holds while the piece runs (the rows
    // SQL reads that view).
    std::vector<std::string> piece_queries;
    // The table's rows the write replaces (CompareContent's `replaced`; empty: all).
    std::string replaced;
    // Whether the expectations (none quarantines) count the written rows, giving rows_out;
    // otherwise they were applied before (rows_out is then the rows written).
    bool expectations = true;
    // rows_in, when the expectations count: the written rows matching this condition ("": all,
    // rows_in = rows_out); rows the write copies from the table are not counted.
    std::string recomputed;
    // Without expectations: when both are set, the rows written are those the table holds in the
    // replaced partitions less `removed` (the table's rows, as read from it) plus `added` (the
    // model's rows), so the fingerprints follow from the table's recorded ones, when they still
    // hold, without reading the files written (ContentByDifference).
    std::string removed;
    std::string added;
  };
  // Writes `rows_sql` straight into the table's files with `write` (no temporary copy of the
  // rows), in pieces when `review.piece_conditions` holds several (each piece's rows the rows of
  // `rows_sql` while the bucket views select its condition). The expectations and the fingerprints
  // then read those files, and one commit adds the files of the partitions whose rows changed (the
  // others are deleted; the same rows: nothing is committed, output_unchanged). A failing write
  // deletes the files written: the table is as it was.
  Status WriteReviewed(const Model& model, const std::string& rows_sql, const ReviewedWrite& review,
                       lake::WriteOptions write, ModelResult& result);
  // The rows of the model's table matching `where`, with the columns and types of `sql`'s rows
  // (a column the table lacks as NULL), for a UNION ALL with them in one streamed write.
  Result<std::string> TableRowsAs(const Model& model, const std::string& sql,
                                  const std::string& where);
  // batch_by (model.h): when the batch inputs hold more rows than one piece may
  // (RunOptions::batch_memory_bytes over the model's batch_row_bytes), computes `sql` one bucket
  // of batch_by values at a time, each piece's rows (those matching `replaced`, when given)
  // written straight into the table's files (WriteReviewed) or, for a model with a quarantine
  // expectation, staged to a Parquet file under _system/tmp; then applies the expectations over
  // those rows and commits them with `write` in one commit (a failure leaves the table as it was).
  // False, with nothing committed, when one piece holds every row or the staged file would not give
  // the model's column types back.
  Result<bool> RunInPieces(const Model& model, const Versions& inputs, const std::string& sql,
                           const std::string& replaced, lake::WriteOptions write,
                           ModelResult& result);
  // Appends the rows of `relation` failing `failing` to silver.rejects, leaving out those already
  // there (same table, expectation and record): a re-delivered invalid record is logged once.
  Status WriteRejects(const Model& model, const Expectation& expectation,
                      const std::string& relation, const std::string& failing);
  // The same for the records (a column `record` of rejects' text) the SELECT `records` gives.
  Status WriteRejectRecords(const Model& model, const Expectation& expectation,
                            const std::string& records);
  // SQL of a row of `relation` as silver.rejects records it: JSON text of its columns but the
  // ingestion ones.
  Result<std::string> RejectRecord(const std::string& relation);
  // `status` of a query over the expectations of `model` on `relation`, with the file, line and
  // name of the expectation at fault when one alone fails.
  Status ExpectationAtFault(const Model& model, const std::string& relation, const Status& status);
  // The ops.dq_result row of `expectation` (`failing_rows` of `total`), a warning for a warn
  // expectation that fails, the error (with a sample row of `relation`) of a fail one.
  Status RecordExpectation(const Model& model, const Expectation& expectation,
                           const std::string& relation, int64_t failing_rows, int64_t total);
  // The expectations of a streamed rebuild over `kept` (the staged rows left so far, with their
  // row numbers `_pipeline_staged_row`; `kept_rows` of them), in one scan: the rows failing any
  // expectation are collected with a flag per expectation and, for those a quarantine expectation
  // rejects, their record; counts, rejects and the quarantined row numbers (added to `dropped`)
  // come from that collection. Sets rows_rejected and rows_out.
  Status ApplyStagedExpectations(const Model& model, const std::string& kept, int64_t kept_rows,
                                 const std::string& dropped, ModelResult& result);
  // What writing `live` in place of the table's rows matching `replaced` (a SQL condition;
  // empty = the whole table) would change, ingestion columns aside, decided by fingerprints
  // (content_fingerprint.h): nothing (`same`); or, when the table keeps its columns and is
  // partitioned by the model's partition_by, only the partition tuples in `partitions`; or
  // (`partitions` nullopt) everything the write covers.
  // The table's fingerprints are those its last success recorded while it is still at that
  // version, else read from it; `table` is what they become once the change is written (nullopt
  // when unknown: nothing is recorded).
  struct ContentChange {
    bool same = false;
    std::optional<std::vector<lake::PartitionValues>> partitions;
    int64_t table_version = -1;
    std::optional<TableFingerprints> table;
    Fingerprints written;  // ContentByDifference: the written partitions' (none left: absent)
  };
  // What WriteReviewed's commit keeps after comparing (`change`): the partitions whose rows
  // changed, nullopt for every file, none when the rows are the same (output_unchanged); the
  // fingerprints the run leaves are recorded.
  std::optional<std::vector<lake::PartitionValues>> Kept(ContentChange change, ModelResult& result);
  // A write with ReviewedWrite::removed and added: the content change from the table's recorded
  // fingerprints, less those of `removed`, plus those of `added`, without reading the written
  // files; nullopt when the recorded fingerprints do not describe the table as it is now, or the
  // write is not a partition replace.
  Result<std::optional<ContentChange>> ContentByDifference(const Model& model,
                                                           const ReviewedWrite& review,
                                                           const lake::WriteOptions& write);
  // `live`'s rows as a table with `columns` (DESCRIBE's, in order) would store and read them back,
  // as a parenthesised SELECT; nullopt when the columns differ in names, number or stored types.
  Result<std::optional<std::string>> AsStored(
      const std::string& live, const std::vector<std::pair<std::string, std::string>>& columns);
  // An incremental run whose touched keys (`batch`: every version of each) are all new to the
  // table: their latest versions, those not deleted and passing the expectations, are appended;
  // the table's files stay. False (nothing done) when some key is in the table already.
  Result<bool> AppendNewKeys(const Model& model, const std::string& batch, ModelResult& result);
  // The rows of `target` (the model's table, or some of its partitions) whose key a row of
  // `batch` has, as a temporary table (its name).
  Result<std::string> HeldRowsOfKeys(const Model& model, const std::string& target,
                                     const std::string& batch);
  Result<ContentChange> CompareContent(const Model& model, const std::string& live,
                                       const std::string& replaced,
                                       const lake::WriteOptions& write);
  // Whether the model's result can be written straight from its SQL into the table's files
  // (WriteReviewed), streamed, without being materialised first: no expectation quarantines
  // (which needs the rows twice: for the rejects and for the write).
  bool StreamsRows(const Model& model) const;
  // Commits `live` to the model's table with `write` (which replaces the rows matching `replaced`),
  // unless the content would stay the same; a partitioned table gets only the partitions whose
  // content changed.
  Status Commit(const Model& model, const std::string& live, const std::string& replaced,
                lake::WriteOptions write, ModelResult& result);
  // For an incremental run: the conditions (over the model's output columns) selecting the keys
  // that the rewritten inputs' changed rows reach (`recompute_on`), added to `conditions`. Returns
  // a reason to rebuild in full instead (a rewritten input without a mapping, an old version that
  // is gone, a changed schema), or an empty text.
  // Each reached key column with the values it must take: "(SELECT column FROM changed)".
  struct KeyCondition {
    std::string model_column;
    std::string values;
  };
  Result<std::string> DimensionChanges(const Model& model, const Versions& inputs,
                                       const Versions& last, std::vector<KeyCondition>& conditions);
  // For an incremental run whose touched keys are in `keys` (a table of the unique key columns):
  // per input with `key_input` lines covering the whole key, the condition selecting the rows of
  // that input the touched keys (and `recompute`) read; inputs without one are read whole.
  // `unchanged` (optional): a table of keys whose rows are left out (LeaveOutRedelivered).
  Result<std::map<TableName, std::string>> KeyInputFilters(
      const Model& model, const std::string& keys, const std::vector<KeyCondition>& recompute,
      const std::string& unchanged = "");
  // A model with `unchanged_redelivery: true` (model.h): the touched keys in `keys` whose added
  // key_input rows, alone, give one row equal to the table's are deleted from `keys`. Returns the
  // table of those keys ("" when none was found).
  Result<std::string> LeaveOutRedelivered(const Model& model, const Versions& inputs,
                                          const std::optional<Versions>& last,
                                          const std::string& keys);
  // While the touched keys are recomputed: the rows of each input they read (KeyInputFilters).
  std::map<TableName, std::string> input_filters_;
  int key_hashes_ = 0;  // tables of touched key hashes made (KeyInputFilters), for their names
  // While LeaveOutRedelivered renders: the inputs of input_filters_ are read as their added files.
  bool added_files_only_ = false;
  // The distinct values of `columns` in the rows of `table` that differ between its versions
  // `old_version` and `now_version` (added, removed or changed; ingestion columns aside), put in a
  // new temporary table named in `changed`. Returns a reason why they cannot be known (an old
  // version that is gone, changed columns), or an empty text.
  Result<std::string> ChangedValues(const TableName& table, int64_t old_version,
                                    int64_t now_version, std::vector<std::string> columns,
                                    std::string& changed);
  // A partitioned model: the partitions the changed rows of a rewritten dimension reach through its
  // `recompute_on` lines (model.h): the output partitions holding a reached row (`outputs`) and
  // the partitions of the partition inputs holding one (`inputs_reached`). Returns a reason to
  // rebuild the whole table instead, or an empty text.
  // `reaches_old_rows` (when given) tells whether a reached row of a partition input was there
  // already at its version in `last`; with `old_rows_condition` also given, such rows are instead
  // described by the condition set there (SQL over the input's rows, the changed values held in a
  // temporary table) when every mapped model column is one of the model's append_key.
  // A partitioned model with a period_scope whose run recomputes some partitions: the periods
  // (an IN list of text literals) the changed rows reach, those of silver.period's rows overlapping
  // a changed period with the longer periods they belong to (its structure columns). A changed
  // period is one of a row added to a partition input (the run's partition inputs were only
  // appended to) or of a changed row of silver.period. Empty when the run recomputes its partitions
  // whole: another input changed, a partition input lost a file, or a changed period is unknown
  // or has no dates.
  Result<std::string> PeriodsReached(const Model& model, const Versions& inputs,
                                     const Versions& last);
  Result<std::string> PartitionsReached(const Model& model, const Versions& inputs,
                                        const TableName& table, int64_t old_version,
                                        const std::string& column, std::set<std::string>& outputs,
                                        std::set<std::string>& inputs_reached, const Versions& last,
                                        bool* reaches_old_rows, std::string* old_rows_condition);
  // An append run with scope_->reached_old_rows: `view` (the rows `input` gained) becomes a view
  // of those and the rows of its version in `last`, within the scope's input partitions, that
  // meet the condition.
  Status AddReachedOldRows(const TableName& input, const std::optional<Versions>& last,
                           std::string& view);
  // REQUIRES: an append run so far (every changed partition input of `model` is in
  // scope.append_from or in `compared`), and model.append_key set.
  // Whether the run may still append (model.h, append_key): fills scope.append_rows with the added
  // rows of each `compared` input (false when one lost a row), reads every unchanged partition
  // input as nothing, and tells whether no added row has the key of a row the partition inputs
  // held at their `last` versions in the partitions `changed`.
  Result<bool> AppendsByKey(const Model& model, const Versions& inputs, const Versions& last,
                            const std::set<std::string>& changed,
                            const std::vector<RowComparedInput>& compared, PartitionScope& scope);
  // Appends `live` (rows past the expectations) to the model's table, at version `table_version`
  // with `columns` (DESCRIBE's), carrying the recorded fingerprints forward (the new rows' sums
  // added to their partitions') when they describe that version.
  Status AppendLive(const Model& model, const std::string& live, int64_t table_version,
                    const std::vector<std::pair<std::string, std::string>>& columns,
                    const std::vector<std::string>& partition_columns, ModelResult& result);
  int changed_counter_ = 0;  // names the temporary tables of ChangedValues
  // Drops the temporary tables the runner made for a model (`_pipeline_*`), so that the next model
  // starts with the engine's memory free.
  Status DropTempTables();
  // `status` of a failed model, with the engine's memory limit named when it ran out of memory.
  std::string FailureText(const Model& model, const Status& status);
  int64_t NowMicros() const { return MicrosOf(clock_.Now()); }
  Result<RunSummary> RunAll();
  // Ops rows are kept until the run ends, then each table gets one commit (FlushOps).
  void AppendOps(const TableName& table,
                 const std::vector<std::pair<std::string, std::string>>& columns) {
    pending_ops_[table].push_back(RowSelect(columns));
  }
  Status FlushOps();
  // `rows` to append to ops table `table`, or, when they hold columns the table lacks, the table's
  // rows with them (options.mode becomes an overwrite).
  Result<std::string> WithNewColumns(const TableName& table, const std::string& rows,
                                     lake::WriteOptions& options);

  lake::LakeCatalog& catalog_;
  engine::Connection& connection_;
  const ModelSet& models_;
  const RunOptions& options_;
  const Clock& clock_;
  std::string run_id_;
  bool full_ = false;  // the running model rebuilds from its whole inputs
  std::map<TableName, std::vector<std::string>> pending_ops_;
  // While a partitioned model recomputes some partitions: what its inputs and generators see.
  const PartitionScope* scope_ = nullptr;
  std::vector<std::string>* warnings_ = nullptr;  // the running model's ModelResult::warnings
  StepTimes steps_;  // where the running model's time goes (the debug log's line per model)
  // The running model's table fingerprints as its last success recorded them, and as this run
  // leaves the table (recorded in ops.model_run.fingerprints); FingerprintFormat() of the engine.
  std::optional<TableFingerprints> stored_fingerprints_;
  std::optional<TableFingerprints> recorded_fingerprints_;
  std::string fingerprint_format_;
  // An incremental rewrite's table rows of its touched keys (HeldRowsOfKeys; empty: unknown).
  std::string held_rows_;
  // Each model's last success by name, read from ops.model_run once per run (LastSuccess).
  std::optional<std::map<std::string, LastRun>> last_successes_;
  // Models skipped in this run for a missing input, with the reason: what their readers say.
  std::map<TableName, std::string> not_built_;
  // What the generators reported of each expression-bearing object (ops.expression_status).
  std::vector<ExpressionStatus> expression_status_;
  // Replaces the rows of ops.expression_status of the object types reported in this run.
  Status WriteExpressionStatus(RunSummary& summary);
};

Status Runner::WriteExpressionStatus(RunSummary& summary) {
  std::map<std::pair<std::string, std::string>, const ExpressionStatus*> latest;
  for (const ExpressionStatus& status : expression_status_) {
    latest[{status.object_type, status.uid}] = &status;
  }
  if (latest.empty()) return Status::Ok();
  std::set<std::string> types;
  std::vector<std::string> rows;
  for (const auto& [key, status] : latest) {
    types.insert(status->object_type);
    (status->computed ? summary.expressions_computed : summary.expressions_refused) += 1;
    rows.push_back("(" + StringLiteral(status->object_type) + ", " + StringLiteral(status->uid) +
                   ", " + StringLiteral(status->computed ? "computed" : "refused") + ", " +
                   TextOrNull(status->reason) + ", " +
                   (status->position ? sql::IntegerLiteral(*status->position)
                                     : std::string("CAST(NULL AS BIGINT)")) +
                   ")");
  }
  std::string select =
      "SELECT object_type, uid, status, reason, CAST(position AS BIGINT) AS position, " +
      StringLiteral(run_id_) + " AS run_id, " + TimestampSql(NowMicros()) +
      " AS recorded_at FROM (VALUES " + Join(rows, ", ") +
      ") AS t(object_type, uid, status, reason, position)";
  const TableName table{"ops", "expression_status"};
  if (catalog_.Table(table).Exists()) {
    DHL_RETURN_IF_ERROR(catalog_.Register(connection_, table));
    std::vector<std::string> quoted;
    for (const std::string& type : types) quoted.push_back(StringLiteral(type));
    DHL_RETURN_IF_ERROR(
        connection_.Execute("CREATE OR REPLACE TEMP TABLE _pipeline_expression_status AS " +
                            select + " UNION ALL BY NAME SELECT * FROM " + Qualified(table) +
                            " WHERE object_type NOT IN (" + Join(quoted, ", ") + ")"));
    select = "SELECT * FROM _pipeline_expression_status";
  }
  lake::WriteOptions options;
  options.mode = lake::WriteMode::kOverwrite;
  auto written = catalog_.Table(table).Write(connection_, select, options);
  if (!written.ok()) return written.status().WithContext("recording " + table.ToString());
  return Status::Ok();
}

Result<std::optional<Runner::LastRun>> Runner::LastSuccess(const TableName& model) {
  if (!last_successes_.has_value()) {
    // Every model's latest success in one scan of ops.model_run (ops rows of this run are written
    // at its end, so the answer holds for the whole run).
    last_successes_.emplace();
    if (!catalog_.Table(kModelRunTable).Exists()) return std::optional<LastRun>();
    DHL_RETURN_IF_ERROR(catalog_.Register(connection_, kModelRunTable));
    DHL_ASSIGN_OR_RETURN(auto columns, Columns(connection_, Qualified(kModelRunTable)));
    bool has_fingerprints = false;
    for (const auto& column : columns) {
      if (column.first == "fingerprints") has_fingerprints = true;
    }
    DHL_ASSIGN_OR_RETURN(
        auto result,
        connection_.Query(
            "SELECT model, input_versions, " +
            std::string(has_fingerprints ? "fingerprints" : "CAST(NULL AS VARCHAR)") +
            " FROM (SELECT *, row_number() OVER (PARTITION BY model ORDER BY ended_at DESC NULLS "
            "LAST) AS _position FROM " +
            Qualified(kModelRunTable) + " WHERE status = 'succeeded') WHERE _position = 1"));
    for (size_t row = 0; row < result.row_count(); ++row) {
      std::string text = result.GetString(1, row).value_or("");
      (*last_successes_)[result.GetString(0, row).value_or("")] =
          LastRun{ParseVersions(text), DefinitionOf(text), result.GetString(2, row).value_or("")};
    }
  }
  auto found = last_successes_->find(model.ToString());
  if (found == last_successes_->end()) return std::optional<LastRun>();
  return std::optional<LastRun>(found->second);
}

Result<Versions> Runner::CurrentVersions(const Model& model) {
  Versions versions;
  for (const Ref& ref : model.refs) {
    lake::DeltaTable table = catalog_.Table(ref.table);
    if (!table.Exists() && EmptyInputSelect(ref.table).has_value()) {
      versions[ref.table] = kAbsent;
      continue;
    }
    if (!table.Exists()) {
      auto unbuilt = not_built_.find(ref.table);
      if (unbuilt != not_built_.end()) {
        return NotFound("needs " + ref.table.ToString() + ", not built: " + unbuilt->second);
      }
      std::string how = HowToGet(ref.table);
      if (!how.empty()) return NotFound("needs " + ref.table.ToString() + ": " + how);
      return NotFound(model.path + ":" + std::to_string(ref.line) + ": ref('" +
                      ref.table.ToString() + "'): no model and no table of that name (no " +
                      table.root() + "/_delta_log)");
    }
    DHL_ASSIGN_OR_RETURN(auto snapshot, table.Load(connection_));
    versions[ref.table] = snapshot.version;
  }
  return versions;
}

// Replaces each ref() with a view: the whole input (full) or, for an incremental model, only the
// files added since the version recorded at its last successful run. An input that lost files since
// then (overwritten, replaced partitions, compacted) is read whole, which the merge makes correct.
Status Runner::RenderBatchRefs(const Model& model, const Versions& inputs,
                               const std::optional<Versions>& last, bool incremental,
                               std::string& sql) {
  std::map<TableName, std::string> views;
  bucket_views_.clear();
  query_pieces_.clear();
  for (const Ref& ref : model.refs) {
    if (inputs.at(ref.table) == kAbsent) {
      DHL_ASSIGN_OR_RETURN(views[ref.table], EmptyView(ref.table));
      continue;
    }
    if (scope_ != nullptr && scope_->append_rows.count(ref.table) > 0) {
      views[ref.table] = QuoteName(scope_->append_rows.at(ref.table));  // its added rows alone
      DHL_RETURN_IF_ERROR(AddReachedOldRows(ref.table, last, views[ref.table]));
      continue;
    }
    lake::DeltaTable table = catalog_.Table(ref.table);
    lake::VersionSpec spec;
    spec.version = inputs.at(ref.table);
    DHL_ASSIGN_OR_RETURN(auto snapshot, table.Load(connection_, spec));
    const bool added_only =
        incremental || (added_files_only_ && input_filters_.count(ref.table) > 0);
    std::string view_name =
        ref.table.layer + "__" + ref.table.name + (added_only ? "__new" : "__all");
    if (scope_ != nullptr && std::find(model.partition_inputs.begin(), model.partition_inputs.end(),
                                       ref.table) != model.partition_inputs.end()) {
      // Only the input partitions the recomputed output partitions read.
      view_name = ref.table.layer + "__" + ref.table.name + "__scope";
      KeepPartitions(snapshot, scope_->column, scope_->input);
    }
    if (scope_ != nullptr && scope_->append_from.count(ref.table) > 0) {
      // Appending: only the files added since the last run.
      view_name = ref.table.layer + "__" + ref.table.name + "__appended";
      lake::VersionSpec old_spec;
      old_spec.version = scope_->append_from.at(ref.table);
      DHL_ASSIGN_OR_RETURN(auto old_snapshot, table.Load(connection_, old_spec));
      for (const auto& [path, file] : old_snapshot.files) snapshot.files.erase(path);
    }
    if (added_only && last.has_value() && last->count(ref.table) > 0) {
      lake::VersionSpec old_spec;
      old_spec.version = last->at(ref.table);
      auto old_snapshot = table.Load(connection_, old_spec);
      if (old_snapshot.ok()) {
        if (auto appended = AppendedFiles(*old_snapshot, snapshot)) snapshot = std::move(*appended);
      }
    }
    DHL_RETURN_IF_ERROR(table.CreateView(connection_, snapshot, kBatchSchema, view_name));
    views[ref.table] = QuoteName(kBatchSchema) + "." + QuoteName(view_name);
    if (scope_ != nullptr && scope_->append_from.count(ref.table) > 0) {
      DHL_RETURN_IF_ERROR(AddReachedOldRows(ref.table, last, views[ref.table]));
    }
    auto filter = input_filters_.find(ref.table);
    if (!incremental && filter != input_filters_.end()) {
      // Only the rows the touched keys read (key_input), found in one scan however often the
      // model reads the input (a temporary table, dropped with the model's others).
      std::string keyed = "_pipeline_keyed_" + ref.table.layer + "_" + ref.table.name;
      DHL_RETURN_IF_ERROR(connection_.Execute("CREATE OR REPLACE TEMP TABLE " + QuoteName(keyed) +
                                              " AS SELECT * FROM " + views[ref.table] + " WHERE " +
                                              filter->second));
      views[ref.table] = QuoteName(keyed);
    }
    if (!model.batch_by.empty() && std::find(model.batch_inputs.begin(), model.batch_inputs.end(),
                                             ref.table) != model.batch_inputs.end()) {
      BucketView bucket{"_pipeline_bucket_" + ref.table.layer + "_" + ref.table.name,
                        views[ref.table]};
      views[ref.table] = QuoteName(bucket.name);
      bucket_views_[ref.table] = std::move(bucket);
    }
  }
  DHL_RETURN_IF_ERROR(PointBucketViews(""));
  std::string body = model.body;
  if (!model.generated.empty()) {
    GeneratorContext context;
    context.connection = &connection_;
    context.dialect = sql::Dialect::kDuckDb;
    context.relation = [&](const TableName& table) { return WholeView(model, inputs, table); };
    context.partitions = scope_ != nullptr ? &scope_->output : nullptr;
    std::vector<std::string> generator_warnings;
    context.warnings = &generator_warnings;
    context.expression_status = &expression_status_;
    context.settings = &options_.settings;
    std::vector<std::string> groups;
    const bool one_call = IsOneGeneratedCall(model);
    if (one_call) context.query_groups = &groups;
    DHL_ASSIGN_OR_RETURN(body, ExpandGenerated(model, Generators(), context));
    if (groups.size() > 1) {
      for (const std::string& group : groups) {
        query_pieces_.push_back(
            RenderRefsIn(model.path, group, [&](const TableName& name) { return views.at(name); }));
      }
    }
    if (warnings_ != nullptr) {
      for (std::string& warning : generator_warnings) {
        if (std::find(warnings_->begin(), warnings_->end(), warning) == warnings_->end()) {
          warnings_->push_back(std::move(warning));
        }
      }
    }
  }
  sql = RenderRefsIn(model.path, body, [&](const TableName& name) { return views.at(name); });
  // A trailing ';' would end the statement we wrap.
  while (!sql.empty() &&
         (std::isspace(static_cast<unsigned char>(sql.back())) || sql.back() == ';')) {
    sql.pop_back();
  }
  return Status::Ok();
}

Result<std::string> Runner::WholeView(const Model& model, const Versions& inputs,
                                      const TableName& table) {
  auto version = inputs.find(table);
  if (version == inputs.end()) {
    return InvalidArgument(model.path + ": a generator asked for " + table.ToString() +
                           ", which the model does not declare (ref() or depends_on:)");
  }
  if (version->second == kAbsent) return EmptyView(table);
  lake::DeltaTable delta = catalog_.Table(table);
  lake::VersionSpec spec;
  spec.version = version->second;
  DHL_ASSIGN_OR_RETURN(auto snapshot, delta.Load(connection_, spec));
  std::string view_name = table.layer + "__" + table.name + "__all";
  DHL_RETURN_IF_ERROR(delta.CreateView(connection_, snapshot, kBatchSchema, view_name));
  return QuoteName(kBatchSchema) + "." + QuoteName(view_name);
}

Result<std::string> Runner::EmptyView(const TableName& table) {
  std::optional<std::string> select = EmptyInputSelect(table);
  if (!select.has_value()) return Internal(table.ToString() + " has no empty form");
  std::string view =
      QuoteName(kBatchSchema) + "." + QuoteName(table.layer + "__" + table.name + "__empty");
  DHL_RETURN_IF_ERROR(
      connection_.Execute("CREATE SCHEMA IF NOT EXISTS " + QuoteName(kBatchSchema)));
  DHL_RETURN_IF_ERROR(connection_.Execute("CREATE OR REPLACE VIEW " + view + " AS " + *select));
  return view;
}

Result<int64_t> Runner::ApplyExpectations(const Model& model, const std::string& relation,
                                          ModelResult& result, std::string* quarantined) {
  // The rows, the rows failing each expectation and those failing a quarantine one, in one scan.
  std::vector<std::string> counts = {"count(*)"};
  std::vector<std::string> quarantines;
  for (const Expectation& expectation : model.expectations) {
    const std::string failing = "NOT COALESCE((" + expectation.condition + "), FALSE)";
    counts.push_back("count(*) FILTER (WHERE " + failing + ")");
    if (expectation.action == ExpectationAction::kQuarantine) quarantines.push_back(failing);
  }
  if (!quarantines.empty()) {
    counts.push_back("count(*) FILTER (WHERE " + Join(quarantines, " OR ") + ")");
  }
  auto counted = connection_.Query("SELECT " + Join(counts, ", ") + " FROM " + relation);
  if (!counted.ok()) return ExpectationAtFault(model, relation, counted.status());
  int64_t total = counted->GetInt64(0, 0).value_or(0);
  std::vector<std::string> quarantine_conditions;
  for (size_t index = 0; index < model.expectations.size(); ++index) {
    const Expectation& expectation = model.expectations[index];
    std::string failing = "NOT COALESCE((" + expectation.condition + "), FALSE)";
    int64_t failing_rows = counted->GetInt64(index + 1, 0).value_or(0);
    DHL_RETURN_IF_ERROR(RecordExpectation(model, expectation, relation, failing_rows, total));
    if (failing_rows == 0) continue;
    if (expectation.action == ExpectationAction::kQuarantine) {
      quarantine_conditions.push_back(failing);
      DHL_RETURN_IF_ERROR(WriteRejects(model, expectation, relation, failing));
      result.rows_rejected += failing_rows;
    }
  }
  // Rows failing several quarantine expectations appear once per expectation in rejects.
  if (quarantined != nullptr) {
    *quarantined = Join(quarantine_conditions, " OR ");
  } else if (!quarantine_conditions.empty()) {
    DHL_RETURN_IF_ERROR(connection_.Execute("DELETE FROM " + relation + " WHERE " +
                                            Join(quarantine_conditions, " OR ")));
  }
  if (quarantines.empty()) return total;
  return total - counted->GetInt64(model.expectations.size() + 1, 0).value_or(0);
}

Status Runner::RecordExpectation(const Model& model, const Expectation& expectation,
                                 const std::string& relation, int64_t failing_rows, int64_t total) {
  AppendOps(kDqResultTable,
            {{"run_id", StringLiteral(run_id_)},
             {"model", StringLiteral(model.name.ToString())},
             {"expectation", StringLiteral(expectation.name)},
             {"action", StringLiteral(std::string(ExpectationActionName(expectation.action)))},
             {"rows_failing", sql::IntegerLiteral(failing_rows)},
             {"rows_total", sql::IntegerLiteral(total)},
             {"recorded_at", TimestampSql(NowMicros())}});
  if (failing_rows == 0) return Status::Ok();
  if (expectation.action == ExpectationAction::kWarn) {
    LogWarn("{}: expectation {} failed on {} of {} rows", model.name.ToString(), expectation.name,
            failing_rows, total);
  } else if (expectation.action == ExpectationAction::kFail) {
    DHL_ASSIGN_OR_RETURN(auto sample,
                         connection_.Query("SELECT CAST(to_json(_pipeline_row) AS VARCHAR) FROM " +
                                           relation + " AS _pipeline_row WHERE NOT COALESCE((" +
                                           expectation.condition + "), FALSE) LIMIT 1"));
    return InvalidArgument("model " + model.name.ToString() + ": expectation " + expectation.name +
                           " (" + expectation.condition + ") failed on " +
                           std::to_string(failing_rows) + " of " + std::to_string(total) +
                           " rows, e.g. " + sample.GetString(0, 0).value_or("?"));
  }
  return Status::Ok();
}

Status Runner::ApplyStagedExpectations(const Model& model, const std::string& kept,
                                       int64_t kept_rows, const std::string& dropped,
                                       ModelResult& result) {
  result.rows_out = kept_rows;
  if (model.expectations.empty()) return Status::Ok();
  DHL_ASSIGN_OR_RETURN(std::string record, RejectRecord(kept));
  std::vector<std::string> flags;
  std::vector<std::string> failing_any;
  std::vector<std::string> records;
  std::vector<std::string> counts;
  std::vector<std::string> quarantined;
  for (size_t index = 0; index < model.expectations.size(); ++index) {
    const Expectation& expectation = model.expectations[index];
    const std::string flag = "_pipeline_fails_" + std::to_string(index);
    flags.push_back("NOT COALESCE((" + expectation.condition + "), FALSE) AS " + flag);
    failing_any.push_back(flag);
    counts.push_back("count(*) FILTER (WHERE " + flag + ")");
    if (expectation.action == ExpectationAction::kQuarantine) {
      records.push_back(", CASE WHEN " + flag + " THEN " + record + " END AS _pipeline_record_" +
                        std::to_string(index));
      quarantined.push_back(flag);
    }
  }
  const std::string failing = "_pipeline_failing_rows";
  Status collected = connection_.Execute(
      "CREATE OR REPLACE TEMP TABLE " + failing + " AS SELECT _pipeline_staged_row, " +
      Join(failing_any, ", ") + Join(records, "") + " FROM (SELECT *, " + Join(flags, ", ") +
      " FROM " + kept + ") AS _pipeline_flagged WHERE " + Join(failing_any, " OR "));
  if (!collected.ok()) return ExpectationAtFault(model, kept, collected);
  if (!quarantined.empty()) {
    counts.push_back("count(*) FILTER (WHERE " + Join(quarantined, " OR ") + ")");
  }
  DHL_ASSIGN_OR_RETURN(auto counted,
                       connection_.Query("SELECT " + Join(counts, ", ") + " FROM " + failing));
  for (size_t index = 0; index < model.expectations.size(); ++index) {
    const Expectation& expectation = model.expectations[index];
    int64_t failing_rows = counted.GetInt64(index, 0).value_or(0);
    DHL_RETURN_IF_ERROR(RecordExpectation(model, expectation, kept, failing_rows, kept_rows));
    if (failing_rows == 0 || expectation.action != ExpectationAction::kQuarantine) continue;
    const std::string suffix = std::to_string(index);
    DHL_RETURN_IF_ERROR(WriteRejectRecords(model, expectation,
                                           "SELECT _pipeline_record_" + suffix +
                                               " AS record FROM " + failing +
                                               " WHERE _pipeline_fails_" + suffix));
    result.rows_rejected += failing_rows;
  }
  if (quarantined.empty()) return Status::Ok();
  // A row failing several quarantine expectations leaves once (it is in rejects once for each).
  result.rows_out -= counted.GetInt64(model.expectations.size(), 0).value_or(0);
  return connection_.Execute("INSERT INTO " + dropped + " SELECT _pipeline_staged_row FROM " +
                             failing + " WHERE " + Join(quarantined, " OR "));
}

Status Runner::ExpectationAtFault(const Model& model, const std::string& relation,
                                  const Status& status) {
  for (const Expectation& expectation : model.expectations) {
    auto alone = CountRows(
        connection_, relation + " WHERE NOT COALESCE((" + expectation.condition + "), FALSE)");
    if (!alone.ok()) {
      return alone.status().WithContext(model.path + ":" + std::to_string(expectation.line) +
                                        ": expectation " + expectation.name);
    }
  }
  return status;
}

Result<std::string> Runner::RejectRecord(const std::string& relation) {
  DHL_ASSIGN_OR_RETURN(auto columns, Columns(connection_, relation));
  std::vector<std::string> fields;
  for (const auto& [name, type] : columns) {
    if (!IsIngestionColumn(name)) {
      fields.push_back(StringLiteral(name) + ", " + QuoteName(name));
    }
  }
  return "CAST(json_object(" + Join(fields, ", ") + ") AS VARCHAR)";
}

Status Runner::WriteRejects(const Model& model, const Expectation& expectation,
                            const std::string& relation, const std::string& failing) {
  DHL_ASSIGN_OR_RETURN(std::string record, RejectRecord(relation));
  return WriteRejectRecords(
      model, expectation, "SELECT " + record + " AS record FROM " + relation + " WHERE " + failing);
}

Status Runner::WriteRejectRecords(const Model& model, const Expectation& expectation,
                                  const std::string& records) {
  const std::string pending = "_pipeline_rejects";
  DHL_RETURN_IF_ERROR(connection_.Execute(
      "CREATE OR REPLACE TEMP TABLE " + pending + " AS SELECT DISTINCT " +
      StringLiteral(model.name.ToString()) + " AS table_name, record, " +
      StringLiteral("failed: " + expectation.condition) + " AS reason, " +
      StringLiteral(expectation.name) + " AS expectation, " + StringLiteral(run_id_) +
      " AS _run_id FROM (" + records + ") AS _pipeline_records"));
  lake::DeltaTable rejects = catalog_.Table(kRejects);
  if (rejects.Exists()) {
    DHL_RETURN_IF_ERROR(catalog_.Register(connection_, kRejects));
    DHL_RETURN_IF_ERROR(connection_.Execute(
        "DELETE FROM " + pending + " WHERE record IN (SELECT record FROM " + Qualified(kRejects) +
        " WHERE table_name = " + StringLiteral(model.name.ToString()) +
        " AND expectation = " + StringLiteral(expectation.name) + ")"));
  }
  DHL_ASSIGN_OR_RETURN(int64_t new_rows, CountRows(connection_, pending));
  if (new_rows == 0) return Status::Ok();
  lake::WriteOptions write;
  write.mode = lake::WriteMode::kAppend;
  auto written = rejects.Write(connection_, "SELECT * FROM " + pending, write);
  if (!written.ok()) return written.status().WithContext("writing " + kRejects.ToString());
  return Status::Ok();
}

Result<std::optional<std::string>> Runner::AsStored(
    const std::string& live, const std::vector<std::pair<std::string, std::string>>& columns) {
  std::optional<std::string> differs;
  DHL_ASSIGN_OR_RETURN(auto new_columns, Columns(connection_, live));
  if (new_columns.size() != columns.size()) return differs;
  // Each column cast as the write casts it, read back as a scan reads it (a TIMESTAMP result is
  // stored and read as TIMESTAMPTZ).
  std::vector<std::string> stored;
  for (size_t i = 0; i < new_columns.size(); ++i) {
    const auto& [name, type] = new_columns[i];
    if (name != columns[i].first) return differs;
    std::string write_type;
    auto delta_type = lake::DeltaTypeOf(type, &write_type);
    if (!delta_type.ok()) return differs;  // the write says why
    DHL_ASSIGN_OR_RETURN(std::string read_type, lake::DuckDbTypeOf(*delta_type));
    stored.push_back("CAST(CAST(" + QuoteName(name) + " AS " + write_type + ") AS " + read_type +
                     ") AS " + QuoteName(name));
  }
  std::string rows = "(SELECT " + Join(stored, ", ") + " FROM " + live + ")";
  DHL_ASSIGN_OR_RETURN(auto stored_columns, Columns(connection_, rows));
  if (stored_columns != columns) return differs;
  return std::optional<std::string>(std::move(rows));
}

Result<std::string> Runner::LeaveOutRedelivered(const Model& model, const Versions& inputs,
                                                const std::optional<Versions>& last,
                                                const std::string& keys) {
  // The model over the rows its key_input inputs gained (each such input read once into a
  // temporary table), every other input whole: a re-delivered key's row as this delivery gives it.
  for (const KeyInput& key_input : model.key_inputs) input_filters_[key_input.table] = "TRUE";
  added_files_only_ = true;
  std::string sql;
  Status rendered = RenderBatchRefs(model, inputs, last, false, sql);
  input_filters_.clear();
  added_files_only_ = false;
  DHL_RETURN_IF_ERROR(rendered);
  const std::string rows = "_pipeline_redelivered_rows";
  DHL_RETURN_IF_ERROR(connection_.Execute("CREATE OR REPLACE TEMP TABLE " + rows + " AS " + sql));
  lake::DeltaTable table = catalog_.Table(model.name);
  DHL_ASSIGN_OR_RETURN(auto snapshot, table.Load(connection_));
  const std::string target_view = "redelivered_target";
  DHL_RETURN_IF_ERROR(table.CreateView(connection_, snapshot, kBatchSchema, target_view));
  const std::string target = QuoteName(kBatchSchema) + "." + QuoteName(target_view);
  DHL_ASSIGN_OR_RETURN(auto columns, Columns(connection_, target));
  DHL_ASSIGN_OR_RETURN(std::optional<std::string> stored, AsStored(rows, columns));
  if (!stored.has_value()) return std::string();  // another shape: every key is recomputed
  // Unchanged: the key has one added row, equal to the table's row in every compared column.
  const std::string unchanged = "_pipeline_unchanged_keys";
  DHL_RETURN_IF_ERROR(connection_.Execute(
      "CREATE OR REPLACE TEMP TABLE " + unchanged + " AS SELECT " + QuotedList(model.unique_key) +
      " FROM " + *stored + " AS _pipeline_new WHERE EXISTS (SELECT 1 FROM (SELECT " +
      QuotedList(model.unique_key) + " FROM " + rows +
      " GROUP BY ALL HAVING count(*) = 1) AS _pipeline_one WHERE " +
      SameKey("_pipeline_one", "_pipeline_new", model.unique_key) + ") AND EXISTS (SELECT 1 FROM " +
      target + " AS _pipeline_old WHERE " +
      SameKey("_pipeline_old", "_pipeline_new", ComparedColumnNames(columns)) + ")"));
  DHL_ASSIGN_OR_RETURN(int64_t count, CountRows(connection_, unchanged));
  if (count == 0) return std::string();
  DHL_RETURN_IF_ERROR(connection_.Execute("DELETE FROM " + keys + " WHERE EXISTS (SELECT 1 FROM " +
                                          unchanged + " AS _pipeline_u WHERE " +
                                          SameKey("_pipeline_u", keys, model.unique_key) + ")"));
  return unchanged;
}

Result<std::string> Runner::HeldRowsOfKeys(const Model& model, const std::string& target,
                                           const std::string& batch) {
  // First the rows whose key hashes like a batch key's, an 8-byte semi join that reads the other
  // columns of those rows alone (comparing the table's 4.8M rows with a 1% change's keys on every
  // column built the whole table into a join: 0.6 CPU s and 1.4 GB at medium scale); then the
  // NULL-safe comparison of each key part over the few rows left. Only when the key columns have
  // the same types on both sides: equal values then hash alike.
  const std::string held = "_pipeline_held_rows";
  const std::string key = "SELECT " + QuotedList(model.unique_key) + " FROM ";
  DHL_ASSIGN_OR_RETURN(bool hashes_alike, SameColumnTypes(connection_, "(" + key + target + ")",
                                                          "(" + key + batch + ")"));
  std::string rows = target;
  if (hashes_alike) {
    const std::string key_hash = "hash(" + QuotedList(model.unique_key) + ")";
    rows = "(SELECT * FROM " + target + " WHERE " + key_hash + " IN (SELECT " + key_hash +
           " FROM " + batch + "))";
  }
  DHL_RETURN_IF_ERROR(connection_.Execute(
      "CREATE OR REPLACE TEMP TABLE " + held + " AS SELECT * FROM " + rows +
      " AS _pipeline_old WHERE EXISTS (SELECT 1 FROM " + batch + " AS _pipeline_key WHERE " +
      SameKey("_pipeline_old", "_pipeline_key", model.unique_key) + ")"));
  return held;
}

Result<bool> Runner::AppendNewKeys(const Model& model, const std::string& batch,
                                   ModelResult& result) {
  // Whether the keys are new, up to the expectations of the rows appended.
  std::optional<StepTimes::Scope> step;
  step.emplace(steps_, "new keys");
  lake::DeltaTable table = catalog_.Table(model.name);
  DHL_ASSIGN_OR_RETURN(auto snapshot, table.Load(connection_));
  std::vector<std::string> partition_columns;
  if (!model.partition_by.empty()) {
    if (snapshot.metadata.partition_columns != model.partition_by) return false;
    partition_columns = model.partition_by;
    // Only the table's files in the partitions the batch touches can hold its keys.
    std::vector<std::string> casts;
    for (const std::string& column : partition_columns) {
      casts.push_back("CAST(" + QuoteName(column) + " AS VARCHAR)");
    }
    DHL_ASSIGN_OR_RETURN(
        auto touched, connection_.Query("SELECT DISTINCT " + Join(casts, ", ") + " FROM " + batch));
    std::set<lake::PartitionValues> partitions;
    for (size_t row = 0; row < touched.row_count(); ++row) {
      lake::PartitionValues values;
      for (size_t column = 0; column < partition_columns.size(); ++column) {
        values[partition_columns[column]] = touched.GetString(column, row);
      }
      partitions.insert(std::move(values));
    }
    for (auto file = snapshot.files.begin(); file != snapshot.files.end();) {
      lake::PartitionValues values;
      for (const std::string& column : partition_columns) {
        auto value = file->second.partition_values.find(column);
        values[column] =
            value == file->second.partition_values.end() ? std::nullopt : value->second;
      }
      file = partitions.count(values) > 0 ? std::next(file) : snapshot.files.erase(file);
    }
  }
  const std::string touched_view = "touched_target";
  DHL_RETURN_IF_ERROR(table.CreateView(connection_, snapshot, kBatchSchema, touched_view));
  const std::string target = QuoteName(kBatchSchema) + "." + QuoteName(touched_view);
  DHL_ASSIGN_OR_RETURN(auto columns, Columns(connection_, target));
  DHL_ASSIGN_OR_RETURN(std::optional<std::string> stored, AsStored(batch, columns));
  if (!stored.has_value()) return false;  // another shape: the ordinary path says how it differs

  // The latest version of each touched key (deleted ones too).
  std::vector<std::string> order = LatestFirst(model);
  const std::string latest = "_pipeline_latest_rows";
  DHL_RETURN_IF_ERROR(connection_.Execute(
      "CREATE OR REPLACE TEMP TABLE " + latest +
      " AS SELECT * EXCLUDE (_pipeline_rank) FROM (SELECT *, row_number() OVER (PARTITION BY " +
      QuotedList(model.unique_key) + " ORDER BY " + Join(order, ", ") +
      ") AS _pipeline_rank FROM " + batch + ") WHERE _pipeline_rank = 1"));
  // A key the table holds already may only be a re-delivery of the version it holds (the
  // extractor's overlap fetches such records again): its latest version equals the stored row in
  // every column but the ingestion ones, so its row stays as it is. Any other known key (changed,
  // deleted, or quarantined now) takes the ordinary path.
  DHL_ASSIGN_OR_RETURN(std::optional<std::string> latest_stored, AsStored(latest, columns));
  if (!latest_stored.has_value()) return false;
  DHL_ASSIGN_OR_RETURN(const std::string held, HeldRowsOfKeys(model, target, batch));
  std::vector<std::string> compared = ComparedColumnNames(columns);
  const std::string known = "EXISTS (SELECT 1 FROM " + held + " AS _pipeline_old WHERE " +
                            SameKey("_pipeline_old", "_pipeline_new", model.unique_key) + ")";
  DHL_ASSIGN_OR_RETURN(
      int64_t changed_known,
      CountRows(connection_,
                "(SELECT 1 FROM " + *latest_stored + " AS _pipeline_new WHERE " + known +
                    " AND NOT EXISTS (SELECT 1 FROM " + held + " AS _pipeline_old WHERE " +
                    SameKey("_pipeline_old", "_pipeline_new", compared) + ") LIMIT 1)"));
  if (changed_known > 0) {
    held_rows_ = held;  // the rows the rewrite replaces, for its fingerprints
    return false;
  }

  // Every other key is new to the table: its latest version, unless deleted, is appended; the
  // table's rows stay as they are.
  const std::string live = "_pipeline_live_rows";
  DHL_RETURN_IF_ERROR(connection_.Execute(
      "CREATE OR REPLACE TEMP TABLE " + live + " AS SELECT * FROM " + latest +
      " AS _pipeline_new WHERE NOT " + known +
      (model.deleted_column.empty()
           ? std::string()
           : " AND NOT COALESCE(_pipeline_new." + QuoteName(model.deleted_column) + ", FALSE)")));
  step.emplace(steps_, "expectations");
  DHL_ASSIGN_OR_RETURN(result.rows_out, ApplyExpectations(model, live, result));
  step.reset();
  if (result.rows_out == 0) {
    result.output_unchanged = true;
    return true;
  }
  DHL_RETURN_IF_ERROR(
      AppendLive(model, live, snapshot.version, columns, partition_columns, result));
  return true;
}

Result<Runner::ContentChange> Runner::CompareContent(const Model& model, const std::string& live,
                                                     const std::string& replaced,
                                                     const lake::WriteOptions& write) {
  ContentChange as_planned;  // not the same; the write as planned
  lake::DeltaTable table = catalog_.Table(model.name);
  DHL_RETURN_IF_ERROR(catalog_.Register(connection_, model.name));
  const std::string target = Qualified(model.name);
  DHL_ASSIGN_OR_RETURN(auto old_columns, Columns(connection_, target));
  DHL_ASSIGN_OR_RETURN(std::optional<std::string> stored_rows, AsStored(live, old_columns));
  if (!stored_rows.has_value()) return as_planned;
  const std::string new_rows = *stored_rows;
  std::vector<std::pair<std::string, std::string>> compared = ComparedColumns(old_columns);
  DHL_ASSIGN_OR_RETURN(auto snapshot, table.Load(connection_));
  std::vector<std::string> partition_columns;
  if (!model.partition_by.empty() && snapshot.metadata.partition_columns == model.partition_by) {
    partition_columns = model.partition_by;
  }
  // The partitions the write covers (nullptr: the whole table).
  const std::vector<lake::PartitionValues>* scope =
      write.mode == lake::WriteMode::kReplacePartitions ? &write.replace_partitions : nullptr;
  auto in_scope = [&](const lake::PartitionValues& partition) {
    return scope == nullptr || std::find(scope->begin(), scope->end(), partition) != scope->end();
  };
  std::optional<Fingerprints> whole;  // the whole table's, when known
  if (stored_fingerprints_.has_value() && stored_fingerprints_->version == snapshot.version &&
      stored_fingerprints_->format == fingerprint_format_ &&
      stored_fingerprints_->partition_columns == partition_columns) {
    whole = stored_fingerprints_->partitions;
  } else if (scope == nullptr || !partition_columns.empty()) {
    // Read whole (also when the write covers some partitions) so that they can be recorded.
    DHL_ASSIGN_OR_RETURN(whole,
                         ComputeFingerprints(connection_, target, compared, partition_columns));
  }
  Fingerprints before;
  if (whole.has_value()) {
    for (const auto& [partition, fingerprint] : *whole) {
      if (in_scope(partition)) before[partition] = fingerprint;
    }
  } else {
    DHL_ASSIGN_OR_RETURN(
        before, ComputeFingerprints(connection_, target, compared, partition_columns, replaced));
  }
  DHL_ASSIGN_OR_RETURN(Fingerprints after,
                       ComputeFingerprints(connection_, new_rows, compared, partition_columns));
  std::vector<lake::PartitionValues> differing = DifferingPartitions(before, after);
  ContentChange change;
  change.same = differing.empty();
  if (!change.same && !partition_columns.empty()) change.partitions = std::move(differing);
  change.table_version = snapshot.version;
  if (whole.has_value()) {
    TableFingerprints table_after;
    table_after.format = fingerprint_format_;
    table_after.partition_columns = partition_columns;
    for (const auto& [partition, fingerprint] : *whole) {
      if (!in_scope(partition)) table_after.partitions[partition] = fingerprint;
    }
    for (const auto& [partition, fingerprint] : after) {
      table_after.partitions[partition] = fingerprint;
    }
    change.table = std::move(table_after);
  }
  return change;
}

Status Runner::Commit(const Model& model, const std::string& live, const std::string& replaced,
                      lake::WriteOptions write, ModelResult& result) {
  lake::DeltaTable target = catalog_.Table(model.name);
  std::string rows = "SELECT * FROM " + live;
  const bool first_write = !target.Exists();
  if (!first_write) {
    std::optional<StepTimes::Scope> step;
    step.emplace(steps_, "fingerprints");
    DHL_ASSIGN_OR_RETURN(ContentChange change, CompareContent(model, live, replaced, write));
    step.reset();
    recorded_fingerprints_ = std::move(change.table);
    if (change.same) {
      if (recorded_fingerprints_.has_value()) {
        recorded_fingerprints_->version = change.table_version;
      }
      result.output_unchanged = true;
      return Status::Ok();
    }
    if (change.partitions.has_value()) {
      // Only the partitions whose rows changed: the others keep their files.
      write.mode = lake::WriteMode::kReplacePartitions;
      write.replace_partitions = *change.partitions;
      rows += " WHERE " + PartitionCondition(*change.partitions);
    }
  }
  std::optional<StepTimes::Scope> step;
  step.emplace(steps_, "write");
  auto written = target.Write(connection_, rows, write);
  step.reset();
  if (!written.ok()) {
    recorded_fingerprints_.reset();
    return written.status();
  }
  if (recorded_fingerprints_.has_value()) recorded_fingerprints_->version = written->version;
  result.version = written->version;
  result.bytes = written->bytes_written;
  result.files_added = written->files_added;
  result.files_removed = written->files_removed;
  if (first_write) {
    // The new table's fingerprints from the rows still at hand, so that the next run compares
    // without reading the table.
    auto fingerprints_step = steps_.Time("fingerprints");
    DHL_RETURN_IF_ERROR(catalog_.Register(connection_, model.name));
    DHL_ASSIGN_OR_RETURN(auto columns, Columns(connection_, Qualified(model.name)));
    DHL_ASSIGN_OR_RETURN(std::optional<std::string> stored, AsStored(live, columns));
    if (stored.has_value()) {
      std::vector<std::pair<std::string, std::string>> compared = ComparedColumns(columns);
      TableFingerprints table;
      table.version = written->version;
      table.format = fingerprint_format_;
      table.partition_columns = model.partition_by;
      DHL_ASSIGN_OR_RETURN(table.partitions,
                           ComputeFingerprints(connection_, *stored, compared, model.partition_by));
      recorded_fingerprints_ = std::move(table);
    }
  }
  return Status::Ok();
}

bool Runner::StreamsRows(const Model& model) const {
  return std::none_of(
      model.expectations.begin(), model.expectations.end(),
      [](const Expectation& e) { return e.action == ExpectationAction::kQuarantine; });
}

Result<std::string> Runner::ChangedValues(const TableName& table, int64_t old_version,
                                          int64_t now_version, std::vector<std::string> columns,
                                          std::string& changed) {
  lake::DeltaTable delta = catalog_.Table(table);
  lake::VersionSpec old_spec;
  old_spec.version = old_version;
  auto old_snapshot = delta.Load(connection_, old_spec);
  if (!old_snapshot.ok()) {
    return "version " + std::to_string(old_version) + " of " + table.ToString() + " is gone";
  }
  lake::VersionSpec now_spec;
  now_spec.version = now_version;
  DHL_ASSIGN_OR_RETURN(auto now_snapshot, delta.Load(connection_, now_spec));
  std::string base = table.layer + "__" + table.name;
  DHL_RETURN_IF_ERROR(delta.CreateView(connection_, *old_snapshot, kBatchSchema, base + "__old"));
  DHL_RETURN_IF_ERROR(delta.CreateView(connection_, now_snapshot, kBatchSchema, base + "__now"));
  std::string old_view = QuoteName(kBatchSchema) + "." + QuoteName(base + "__old");
  std::string now_view = QuoteName(kBatchSchema) + "." + QuoteName(base + "__now");
  DHL_ASSIGN_OR_RETURN(auto old_columns, Columns(connection_, old_view));
  DHL_ASSIGN_OR_RETURN(auto now_columns, Columns(connection_, now_view));
  if (old_columns != now_columns) return "the columns of " + table.ToString() + " changed";
  std::vector<std::string> compared = ComparedColumnNames(now_columns);
  std::sort(columns.begin(), columns.end());
  columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
  changed = "_pipeline_changed_" + std::to_string(changed_counter_++);
  std::string old_rows = "SELECT " + QuotedList(compared) + " FROM " + old_view;
  std::string now_rows = "SELECT " + QuotedList(compared) + " FROM " + now_view;
  DHL_RETURN_IF_ERROR(
      connection_.Execute("CREATE OR REPLACE TEMP TABLE " + changed + " AS SELECT DISTINCT " +
                          QuotedList(columns) + " FROM ((" + old_rows + " EXCEPT " + now_rows +
                          ") UNION ALL (" + now_rows + " EXCEPT " + old_rows + "))"));
  return std::string();
}

Result<std::string> Runner::DimensionChanges(const Model& model, const Versions& inputs,
                                             const Versions& last,
                                             std::vector<KeyCondition>& conditions) {
  for (const Ref& ref : model.refs) {
    auto recorded = last.find(ref.table);
    if (recorded == last.end()) return "input " + ref.table.ToString() + " is new";
    int64_t now_version = inputs.at(ref.table);
    if (recorded->second == now_version) continue;
    lake::DeltaTable table = catalog_.Table(ref.table);
    lake::VersionSpec old_spec;
    old_spec.version = recorded->second;
    auto old_snapshot = table.Load(connection_, old_spec);
    if (!old_snapshot.ok()) {
      return "version " + std::to_string(recorded->second) + " of " + ref.table.ToString() +
             " is gone";
    }
    lake::VersionSpec now_spec;
    now_spec.version = now_version;
    DHL_ASSIGN_OR_RETURN(auto now_snapshot, table.Load(connection_, now_spec));
    std::optional<lake::Snapshot> appended_files =
        AppendedFiles(*old_snapshot, std::move(now_snapshot));
    std::vector<const RecomputeOn*> mappings;
    for (const RecomputeOn& mapping : model.recompute_on) {
      if (mapping.table == ref.table) mappings.push_back(&mapping);
    }
    std::string base = ref.table.layer + "__" + ref.table.name;
    if (appended_files.has_value()) {
      // Only appended to: its new rows are in the batch. With a mapping, the keys its new rows
      // name are recomputed too (rows that describe other keys, such as registration windows).
      if (mappings.empty()) continue;
      DHL_RETURN_IF_ERROR(
          table.CreateView(connection_, *appended_files, kBatchSchema, base + "__appended"));
      std::string appended = QuoteName(kBatchSchema) + "." + QuoteName(base + "__appended");
      for (const RecomputeOn* mapping : mappings) {
        conditions.push_back(KeyCondition{
            mapping->model_column,
            "(SELECT " + QuoteName(mapping->table_column) + " FROM " + appended + ")"});
      }
      continue;
    }
    if (mappings.empty()) {
      return "input " + ref.table.ToString() + " was rewritten (not only appended to)";
    }
    std::vector<std::string> mapped;
    for (const RecomputeOn* mapping : mappings) mapped.push_back(mapping->table_column);
    std::string changed;
    DHL_ASSIGN_OR_RETURN(std::string reason,
                         ChangedValues(ref.table, recorded->second, now_version, mapped, changed));
    if (!reason.empty()) return reason;
    for (const RecomputeOn* mapping : mappings) {
      conditions.push_back(
          KeyCondition{mapping->model_column,
                       "(SELECT " + QuoteName(mapping->table_column) + " FROM " + changed + ")"});
    }
  }
  return std::string();
}

Result<std::map<TableName, std::string>> Runner::KeyInputFilters(
    const Model& model, const std::string& keys, const std::vector<KeyCondition>& recompute,
    const std::string& unchanged) {
  std::map<TableName, std::map<std::string, const KeyInput*>> by_table;
  for (const KeyInput& key_input : model.key_inputs) {
    by_table[key_input.table][key_input.key_column] = &key_input;
  }
  std::map<TableName, std::string> filters;
  for (const auto& [table, by_column] : by_table) {
    // The key parts of `alias` (a table of keys) equal to the input row's.
    auto same = [&](const std::string& alias) {
      std::vector<std::string> parts;
      for (const std::string& column : model.unique_key) {
        auto key_input = by_column.find(column);
        if (key_input == by_column.end()) return std::string();
        parts.push_back(alias + "." + QuoteName(column) + " IS NOT DISTINCT FROM (" +
                        key_input->second->expression + ")");
      }
      return Join(parts, " AND ");
    };
    const std::string touched = same("_pipeline_k");
    if (touched.empty()) continue;  // not the whole key: read whole
    std::string filter = "EXISTS (SELECT 1 FROM " + keys + " AS _pipeline_k WHERE " + touched + ")";
    {
      // The same rows, found faster: first the rows whose key hashes like a touched key's (one
      // 8-byte join instead of a NULL-safe join on every key part: at medium scale, a 1% change's
      // 101,805 keys over 4.9M bronze rows took 3.1 CPU s that way, 0.7 with the hashes). Only
      // when each part's expression has the key column's type: equal values then hash alike.
      std::vector<std::string> expressions;
      for (const std::string& column : model.unique_key) {
        expressions.push_back("(" + by_column.at(column)->expression + ")");
      }
      DHL_RETURN_IF_ERROR(catalog_.Register(connection_, table));
      DHL_ASSIGN_OR_RETURN(
          bool same_types,
          SameColumnTypes(connection_,
                          "(SELECT " + Join(expressions, ", ") + " FROM " + Qualified(table) + ")",
                          "(SELECT " + QuotedList(model.unique_key) + " FROM " + keys + ")"));
      if (same_types) {
        const std::string hashes = "_pipeline_key_hashes_" + std::to_string(key_hashes_++);
        DHL_RETURN_IF_ERROR(connection_.Execute(
            "CREATE OR REPLACE TEMP TABLE " + hashes + " AS SELECT DISTINCT hash(" +
            QuotedList(model.unique_key) + ") AS _pipeline_key_hash FROM " + keys));
        filter = "hash(" + Join(expressions, ", ") + ") IN (SELECT _pipeline_key_hash FROM " +
                 hashes + ") AND " + filter;
      }
    }
    bool complete = true;
    for (const KeyCondition& condition : recompute) {
      auto key_input = by_column.find(condition.model_column);
      if (key_input == by_column.end()) {
        complete = false;  // a dimension reaches a column the input cannot be filtered by
        break;
      }
      filter += " OR (" + key_input->second->expression + ") IN " + condition.values;
    }
    if (!complete) continue;
    // The same rows, found faster: a key column read by name whose every wanted value is known
    // (the touched keys' and those of each recompute condition on it, none NULL) and few also
    // filters on its own, as a list of constants: DuckDB checks such an IN inside the Parquet
    // scan and skips the row groups outside its range (a newly arrived month's keys name one
    // month: the bronze rows of the other months are not read), and the key comparison above
    // then meets only the rows left. Many values (a 1% change touches every period and most
    // org units) would skip nothing: the column is not narrowed (as a join, such an IN cost
    // 0.4-1.5 CPU s over medium's 4.9M bronze rows and skipped no row group).
    std::vector<std::string> narrowing;
    for (const std::string& column : model.unique_key) {
      const KeyInput& key_input = *by_column.at(column);
      if (!key_input.plain_column) continue;
      std::string wanted = "SELECT " + QuoteName(column) + " AS _pipeline_value FROM " + keys;
      bool every_condition_on_it = true;
      for (const KeyCondition& condition : recompute) {
        if (condition.model_column != column) every_condition_on_it = false;
        wanted += " UNION ALL SELECT * FROM " + condition.values;
      }
      if (!every_condition_on_it) continue;
      DHL_ASSIGN_OR_RETURN(
          auto values,
          connection_.Query("SELECT DISTINCT CAST(_pipeline_value AS VARCHAR) FROM (" + wanted +
                            ") LIMIT " + std::to_string(kNarrowingValues + 1)));
      if (values.row_count() > kNarrowingValues) continue;
      DHL_ASSIGN_OR_RETURN(
          auto type, Columns(connection_, "(SELECT " + QuoteName(column) + " FROM " + keys + ")"));
      std::vector<std::string> literals;
      bool any_null = false;
      for (size_t row = 0; row < values.row_count(); ++row) {
        std::optional<std::string> value = values.GetString(0, row);
        if (value.has_value()) {
          literals.push_back("CAST(" + StringLiteral(*value) + " AS " + type.at(0).second + ")");
        } else {
          any_null = true;
        }
      }
      // IN never holds for NULL, IS NOT DISTINCT FROM does; no value: nothing to read
      if (any_null || literals.empty()) continue;
      narrowing.push_back("(" + key_input.expression + ") IN (" + Join(literals, ", ") + ")");
    }
    if (!unchanged.empty()) {
      filter = "(" + filter + ") AND NOT EXISTS (SELECT 1 FROM " + unchanged +
               " AS _pipeline_u WHERE " + same("_pipeline_u") + ")";
    }
    if (!narrowing.empty()) filter = Join(narrowing, " AND ") + " AND (" + filter + ")";
    filters[table] = filter;
  }
  return filters;
}

Result<std::string> Runner::PartitionsReached(const Model& model, const Versions& inputs,
                                              const TableName& table, int64_t old_version,
                                              const std::string& column,
                                              std::set<std::string>& outputs,
                                              std::set<std::string>& inputs_reached,
                                              const Versions& last, bool* reaches_old_rows,
                                              std::string* old_rows_condition) {
  std::vector<const RecomputeOn*> mappings;
  for (const RecomputeOn& mapping : model.recompute_on) {
    if (mapping.table == table) mappings.push_back(&mapping);
  }
  if (mappings.empty()) {
    return "input " + table.ToString() + " changed and reaches no partition (no recompute_on)";
  }
  // The old rows reached can join an append run only when every row of their keys is reached too.
  for (const RecomputeOn* mapping : mappings) {
    if (std::find(model.append_key.begin(), model.append_key.end(), mapping->model_column) ==
        model.append_key.end()) {
      old_rows_condition = nullptr;
    }
  }
  std::vector<std::string> mapped;
  for (const RecomputeOn* mapping : mappings) mapped.push_back(mapping->table_column);
  std::string changed;
  DHL_ASSIGN_OR_RETURN(std::string reason,
                       ChangedValues(table, old_version, inputs.at(table), mapped, changed));
  if (!reason.empty()) return reason;
  std::vector<std::string> conditions;
  for (const RecomputeOn* mapping : mappings) {
    // Onto the partition column, compared as text: the partition values are text, and the input
    // column may be text too (silver.period.yearly = year).
    conditions.push_back(
        mapping->model_column == column
            ? "CAST(" + QuoteName(mapping->model_column) + " AS VARCHAR) IN (SELECT CAST(" +
                  QuoteName(mapping->table_column) + " AS VARCHAR) FROM " + changed + ")"
            : QuoteName(mapping->model_column) + " IN (SELECT " + QuoteName(mapping->table_column) +
                  " FROM " + changed + ")");
  }
  const std::string condition = "COALESCE(" + Join(conditions, " OR ") + ", FALSE)";
  // A mapping onto the partition column names the partitions itself: a changed period row of year
  // Y recomputes Y whether or not a row of Y exists yet (its values may all lie in Y - 1). A NULL
  // names none (silver.period.yearly of a Yearly period: its `year` line names it).
  for (const RecomputeOn* mapping : mappings) {
    if (mapping->model_column != column) continue;
    DHL_ASSIGN_OR_RETURN(
        auto values, connection_.Query("SELECT DISTINCT CAST(" + QuoteName(mapping->table_column) +
                                       " AS VARCHAR) FROM " + changed + " WHERE " +
                                       QuoteName(mapping->table_column) + " IS NOT NULL"));
    for (size_t row = 0; row < values.row_count(); ++row) {
      if (auto value = values.GetString(0, row)) outputs.insert(*value);
    }
  }
  // The partition values of `relation`'s rows that a changed dimension row reaches, added to
  // `into`.
  auto reached = [&](const std::string& relation, const std::string& name,
                     std::set<std::string>& into) -> Result<std::string> {
    DHL_ASSIGN_OR_RETURN(auto columns, Columns(connection_, relation));
    for (const RecomputeOn* mapping : mappings) {
      bool present = false;
      for (const auto& [have, type] : columns) present = present || have == mapping->model_column;
      if (!present) {
        return name + " has no column " + mapping->model_column +
               " (recompute_on: " + table.ToString() + "." + mapping->table_column + ")";
      }
    }
    DHL_ASSIGN_OR_RETURN(
        auto found, connection_.Query("SELECT DISTINCT CAST(" + QuoteName(column) +
                                      " AS VARCHAR) FROM " + relation + " WHERE " + condition));
    for (size_t row = 0; row < found.row_count(); ++row) {
      auto value = found.GetString(0, row);
      if (!value.has_value()) return name + " has a row without " + column;
      into.insert(*value);
    }
    return std::string();
  };
  DHL_RETURN_IF_ERROR(catalog_.Register(connection_, model.name));
  DHL_ASSIGN_OR_RETURN(reason, reached(Qualified(model.name), model.name.ToString(), outputs));
  if (!reason.empty()) return reason;
  for (const TableName& input : model.partition_inputs) {
    DHL_ASSIGN_OR_RETURN(std::string view, WholeView(model, inputs, input));
    DHL_ASSIGN_OR_RETURN(reason, reached(view, input.ToString(), inputs_reached));
    if (!reason.empty()) return reason;
    if (reaches_old_rows == nullptr || *reaches_old_rows) continue;
    auto recorded = last.find(input);
    if (recorded != last.end() && recorded->second == kAbsent && inputs.at(input) == kAbsent) {
      continue;  // absent then and now (gold.predicted_value without predictors): no old rows
    }
    if (recorded == last.end() || recorded->second == kAbsent) {
      *reaches_old_rows = true;
      continue;
    }
    lake::DeltaTable delta = catalog_.Table(input);
    lake::VersionSpec before_spec;
    before_spec.version = recorded->second;
    auto before = delta.Load(connection_, before_spec);
    if (!before.ok()) {
      *reaches_old_rows = true;
      continue;
    }
    std::string before_view = input.layer + "__" + input.name + "__before";
    DHL_RETURN_IF_ERROR(delta.CreateView(connection_, *before, kBatchSchema, before_view));
    std::set<std::string> old_partitions;
    DHL_ASSIGN_OR_RETURN(reason, reached(QuoteName(kBatchSchema) + "." + QuoteName(before_view),
                                         input.ToString(), old_partitions));
    if (!reason.empty()) return reason;
    if (old_partitions.empty()) continue;
    if (old_rows_condition != nullptr) {
      *old_rows_condition = condition;
    } else {
      *reaches_old_rows = true;
    }
  }
  return std::string();
}

Status Runner::AddReachedOldRows(const TableName& input, const std::optional<Versions>& last,
                                 std::string& view) {
  if (scope_ == nullptr || scope_->reached_old_rows.empty() || !last.has_value()) {
    return Status::Ok();
  }
  auto recorded = last->find(input);
  if (recorded == last->end() || recorded->second == kAbsent) return Status::Ok();
  lake::DeltaTable delta = catalog_.Table(input);
  lake::VersionSpec old_spec;
  old_spec.version = recorded->second;
  DHL_ASSIGN_OR_RETURN(lake::Snapshot old_snapshot, delta.Load(connection_, old_spec));
  KeepPartitions(old_snapshot, scope_->column, scope_->input);
  const std::string base = input.layer + "__" + input.name;
  DHL_RETURN_IF_ERROR(delta.CreateView(connection_, old_snapshot, kBatchSchema, base + "__held"));
  view = "(SELECT * FROM " + view + " UNION ALL BY NAME SELECT * FROM " + QuoteName(kBatchSchema) +
         "." + QuoteName(base + "__held") + " WHERE " + scope_->reached_old_rows + ")";
  return Status::Ok();
}

Status Runner::AppendLive(const Model& model, const std::string& live, int64_t table_version,
                          const std::vector<std::pair<std::string, std::string>>& columns,
                          const std::vector<std::string>& partition_columns, ModelResult& result) {
  std::optional<TableFingerprints> after;
  if (stored_fingerprints_.has_value() && stored_fingerprints_->version == table_version &&
      stored_fingerprints_->format == fingerprint_format_ &&
      stored_fingerprints_->partition_columns == partition_columns) {
    auto step = steps_.Time("fingerprints");
    std::vector<std::pair<std::string, std::string>> compared = ComparedColumns(columns);
    DHL_ASSIGN_OR_RETURN(std::optional<std::string> new_rows, AsStored(live, columns));
    if (new_rows.has_value()) {
      DHL_ASSIGN_OR_RETURN(Fingerprints added, ComputeFingerprints(connection_, *new_rows, compared,
                                                                   partition_columns));
      after = stored_fingerprints_;
      DHL_ASSIGN_OR_RETURN(after->partitions,
                           AddFingerprints(connection_, after->partitions, added, {}));
    }
  }
  lake::WriteOptions write;
  write.partition_columns = model.partition_by;
  write.mode = lake::WriteMode::kAppend;
  std::optional<StepTimes::Scope> step;
  step.emplace(steps_, "write");
  DHL_ASSIGN_OR_RETURN(
      lake::WriteResult written,
      catalog_.Table(model.name).Write(connection_, "SELECT * FROM " + live, write));
  step.reset();
  result.version = written.version;
  result.bytes = written.bytes_written;
  result.files_added = written.files_added;
  result.files_removed = written.files_removed;
  if (after.has_value()) {
    after->version = written.version;
    recorded_fingerprints_ = std::move(after);
  }
  return Status::Ok();
}

Status Runner::RunModel(const Model& model, const Versions& inputs,
                        const std::optional<Versions>& last, ModelResult& result) {
  warnings_ = &result.warnings;
  if (model.materialization == Materialization::kPartitioned) {
    return RunPartitioned(model, inputs, last, result);
  }
  lake::DeltaTable target = catalog_.Table(model.name);
  bool incremental = model.materialization == Materialization::kIncremental && !full_ &&
                     target.Exists() && last.has_value();
  std::vector<KeyCondition> recompute;  // keys a dimension change reaches
  if (incremental) {
    DHL_ASSIGN_OR_RETURN(std::string reason, DimensionChanges(model, inputs, *last, recompute));
    if (!reason.empty()) {
      incremental = false;
      result.full_reason = reason;
    }
  }
  std::string batch_sql;
  {
    auto step = steps_.Time("render");
    DHL_RETURN_IF_ERROR(RenderBatchRefs(model, inputs, last, incremental, batch_sql));
  }
  if (model.materialization == Materialization::kTable) {
    lake::WriteOptions write;
    write.partition_columns = model.partition_by;
    write.mode = lake::WriteMode::kOverwrite;
    if (!model.batch_by.empty()) {
      // Rebuilt in pieces when its batch inputs hold more rows than one piece may (one commit).
      DHL_ASSIGN_OR_RETURN(bool in_pieces,
                           RunInPieces(model, inputs, batch_sql, "", write, result));
      if (in_pieces) return Status::Ok();
    }
    if (StreamsRows(model)) {
      if (query_pieces_.size() > 1) {
        // The view exists before the write reads the rows' columns; each piece re-creates it.
        DHL_RETURN_IF_ERROR(connection_.Execute("CREATE OR REPLACE TEMP VIEW " +
                                                std::string(kPieceRows) + " AS " +
                                                query_pieces_.front()));
        LogInfo("{}: computed in {} groups of its generated query", model.name.ToString(),
                query_pieces_.size());
        ReviewedWrite review;
        review.piece_queries = std::move(query_pieces_);
        return WriteReviewed(model, "SELECT * FROM " + std::string(kPieceRows), review,
                             std::move(write), result);
      }
      return WriteReviewed(model, batch_sql, {}, std::move(write), result);
    }
  }
  // A table model's rows are its result as they are: one temporary table serves as both.
  const std::string batch = model.materialization == Materialization::kTable
                                ? std::string("_pipeline_live_rows")
                                : std::string("_pipeline_batch_rows");
  std::string live = "_pipeline_live_rows";
  if (incremental) {
    // The keys the new input rows touch are recomputed from the whole input, so that the latest
    // version per key is the one a full rebuild sees (an older late version cannot come back after
    // a deletion or an invalid latest version).
    std::string full_sql;
    std::string new_keys = "(" + batch_sql + ")";
    if (!model.key_inputs.empty()) {
      // The touched keys once; the inputs with key_input lines are read only for them.
      auto step = steps_.Time("touched keys");
      new_keys = "_pipeline_new_keys";
      DHL_RETURN_IF_ERROR(connection_.Execute(
          "CREATE OR REPLACE TEMP TABLE " + new_keys + " AS SELECT DISTINCT " +
          QuotedList(model.unique_key) + " FROM (" + batch_sql + ") AS _pipeline_new"));
      std::string unchanged;
      if (model.unchanged_redelivery) {
        DHL_ASSIGN_OR_RETURN(unchanged, LeaveOutRedelivered(model, inputs, last, new_keys));
      }
      DHL_ASSIGN_OR_RETURN(input_filters_, KeyInputFilters(model, new_keys, recompute, unchanged));
    }
    auto step = steps_.Time("render");
    Status rendered = RenderBatchRefs(model, inputs, last, false, full_sql);
    input_filters_.clear();
    DHL_RETURN_IF_ERROR(rendered);
    batch_sql = "SELECT * FROM (" + full_sql + ") AS _pipeline_all WHERE EXISTS (SELECT 1 FROM " +
                new_keys + " AS _pipeline_new WHERE " +
                SameKey("_pipeline_all", "_pipeline_new", model.unique_key) + ")";
    for (const KeyCondition& condition : recompute) {
      batch_sql += " OR " + QuoteName(condition.model_column) + " IN " + condition.values;
    }
  }
  if (model.materialization == Materialization::kIncremental && !incremental) {
    DHL_ASSIGN_OR_RETURN(bool streamed, RebuildStreamed(model, inputs, batch_sql, result));
    if (streamed) return Status::Ok();
  }
  {
    auto step = steps_.Time("materialise");
    DHL_RETURN_IF_ERROR(
        connection_.Execute("CREATE OR REPLACE TEMP TABLE " + batch + " AS " + batch_sql));
    DHL_ASSIGN_OR_RETURN(result.rows_in, CountRows(connection_, batch));
  }
  std::optional<StepTimes::Scope> latest_step;
  latest_step.emplace(steps_, "latest version");

  lake::WriteOptions write;
  write.partition_columns = model.partition_by;
  if (model.materialization == Materialization::kTable) {
    write.mode = lake::WriteMode::kOverwrite;
  } else {
    if (incremental && result.rows_in == 0) {
      return Status::Ok();  // nothing new: no commit
    }
    if (incremental) {
      // New keys only (a newly arrived month): appended, no partition rewritten.
      latest_step.reset();
      DHL_ASSIGN_OR_RETURN(bool appended, AppendNewKeys(model, batch, result));
      if (appended) return Status::Ok();
      latest_step.emplace(steps_, "latest version");
    }
    // Candidates: the batch; the latest version per key wins, deletions then drop out. (An
    // incremental run's batch holds every version of each key it touches: the table's rows of
    // the touched partitions with other keys are copied as they are when the rows are written.)
    std::string candidates = "SELECT *, 0 AS _pipeline_priority FROM " + batch;
    std::vector<std::string> order = LatestFirst(model);
    order.push_back("_pipeline_priority ASC");
    // Most keys have one candidate row, which is their latest: only the keys with several go
    // through the window (a window sorts every column of its rows). Keys compare NULL-safely, as
    // PARTITION BY does.
    const std::string on = " JOIN _pipeline_several AS _pipeline_s ON " +
                           SameKey("_pipeline_c", "_pipeline_s", model.unique_key);
    const std::string not_deleted =
        model.deleted_column.empty()
            ? std::string()
            : " WHERE NOT COALESCE(" + QuoteName(model.deleted_column) + ", FALSE)";
    if (!incremental) {
      // A rebuild whose rows a Parquet file could not hold with their types (RebuildStreamed)
      // keeps the latest rows in its batch, deleting the others in place: no second copy of the
      // rows. Only the keys with several rows go through the window.
      const std::string key_hash = "hash(" + QuotedList(model.unique_key) + ")";
      const std::string several = "_pipeline_several_keys";
      DHL_RETURN_IF_ERROR(FindRepeatedKeys(batch, key_hash, result.rows_in));
      DHL_RETURN_IF_ERROR(connection_.Execute(
          "DELETE FROM " + batch +
          " WHERE rowid IN (SELECT _pipeline_row FROM (SELECT _pipeline_row, row_number() OVER "
          "(PARTITION BY " +
          QuotedList(model.unique_key) + " ORDER BY " + Join(order, ", ") +
          ") AS _pipeline_rank FROM (SELECT _pipeline_c.rowid AS _pipeline_row, _pipeline_c.*, "
          "0 AS _pipeline_priority FROM " +
          batch + " AS _pipeline_c WHERE " + key_hash + " IN (SELECT _pipeline_key_hash FROM " +
          several + "))) WHERE _pipeline_rank > 1)"));
      if (!model.deleted_column.empty()) {
        DHL_RETURN_IF_ERROR(connection_.Execute("DELETE FROM " + batch + " WHERE COALESCE(" +
                                                QuoteName(model.deleted_column) + ", FALSE)"));
      }
      live = batch;
    } else {
      DHL_RETURN_IF_ERROR(connection_.Execute(
          "CREATE OR REPLACE TEMP TABLE " + live +
          " AS WITH _pipeline_candidates AS MATERIALIZED (" + candidates +
          "), _pipeline_several AS (SELECT " + QuotedList(model.unique_key) +
          " FROM _pipeline_candidates GROUP BY ALL HAVING count(*) > 1) "
          "SELECT * EXCLUDE (_pipeline_priority) FROM (SELECT _pipeline_c.* FROM "
          "_pipeline_candidates AS _pipeline_c ANTI" +
          on + " UNION ALL SELECT * EXCLUDE (_pipeline_rank) FROM (SELECT *, row_number() OVER " +
          "(PARTITION BY " + QuotedList(model.unique_key) + " ORDER BY " + Join(order, ", ") +
          ") AS _pipeline_rank FROM (SELECT _pipeline_c.* FROM _pipeline_candidates AS "
          "_pipeline_c SEMI" +
          on + ")) WHERE _pipeline_rank = 1)" + not_deleted));
    }
    if (incremental && !model.partition_by.empty()) {
      write.mode = lake::WriteMode::kReplacePartitions;
      DHL_ASSIGN_OR_RETURN(auto touched, connection_.Query("SELECT DISTINCT " + [&] {
        std::vector<std::string> casts;
        for (const std::string& column : model.partition_by) {
          casts.push_back("CAST(" + QuoteName(column) + " AS VARCHAR)");
        }
        return Join(casts, ", ");
      }() + " FROM " + batch));
      for (size_t row = 0; row < touched.row_count(); ++row) {
        lake::PartitionValues values;
        for (size_t column = 0; column < model.partition_by.size(); ++column) {
          values[model.partition_by[column]] = touched.GetString(column, row);
        }
        write.replace_partitions.push_back(std::move(values));
      }
    } else {
      write.mode = lake::WriteMode::kOverwrite;
    }
  }
  latest_step.reset();
  {
    auto step = steps_.Time("expectations");
    DHL_ASSIGN_OR_RETURN(result.rows_out, ApplyExpectations(model, live, result));
  }
  std::string replaced;
  if (write.mode == lake::WriteMode::kReplacePartitions) {
    replaced = "(" + QuotedList(model.partition_by) + ") IN (SELECT DISTINCT " +
               QuotedList(model.partition_by) + " FROM " + batch + ")";
  }
  if (incremental) {
    // The touched keys' latest rows (their expectations applied) and the table's rows of the
    // touched partitions (the whole table when it is not partitioned) whose keys the batch does
    // not hold, in one streamed write; the expectations passed those rows when they were written.
    std::string others = "NOT EXISTS (SELECT 1 FROM " + batch + " AS _pipeline_key WHERE " +
                         SameKey("_pipeline_old", "_pipeline_key", model.unique_key) + ")";
    if (!replaced.empty()) others += " AND " + replaced;
    const std::string latest = "SELECT * FROM " + live;
    DHL_ASSIGN_OR_RETURN(std::string copied, TableRowsAs(model, latest, others));
    ReviewedWrite review;
    review.replaced = replaced;
    review.expectations = false;
    if (!held_rows_.empty()) {
      // The written partitions hold their rows before, less the touched keys' rows, plus `live`.
      review.removed = held_rows_;
      review.added = live;
    }
    return WriteReviewed(model, latest + " UNION ALL " + copied, review, std::move(write), result);
  }
  return Commit(model, live, replaced, std::move(write), result);
}

Status Runner::FindRepeatedKeys(const std::string& relation, const std::string& key_hash,
                                int64_t rows) {
  // One 8-byte hash per key, not the key's texts, a share of the hashes at a time (at medium
  // scale, 4.8M keys grouped at once were a rebuild's peak); a collision only sends more keys
  // through the ranking, which ranks by the key itself. NULL parts hash alike, as PARTITION BY
  // groups them. Each share's hashes are sorted and a hash equal to the one before it is repeated:
  // grouping them held a hash table of nearly all distinct keys (large scale, 48.7M rows in 16
  // shares: 11.5-12.8 CPU s and 307 MB grouped, 7.8-8.5 CPU s and 163 MB sorted).
  const std::string several = "_pipeline_several_keys";
  DHL_RETURN_IF_ERROR(connection_.Execute("CREATE OR REPLACE TEMP TABLE " + several +
                                          " (_pipeline_key_hash UBIGINT)"));
  const int64_t shares =
      std::clamp<int64_t>(rows / std::max<int64_t>(options_.keys_per_grouping, 1) + 1, 1, 16);
  for (int64_t share = 0; share < shares; ++share) {
    DHL_RETURN_IF_ERROR(connection_.Execute(
        "INSERT INTO " + several +
        " SELECT DISTINCT _pipeline_key_hash FROM (SELECT _pipeline_key_hash, "
        "lag(_pipeline_key_hash) OVER (ORDER BY _pipeline_key_hash) AS _pipeline_previous_hash "
        "FROM (SELECT " +
        key_hash + " AS _pipeline_key_hash FROM " + relation + ") WHERE _pipeline_key_hash % " +
        std::to_string(shares) + " = " + std::to_string(share) +
        ") WHERE _pipeline_key_hash = _pipeline_previous_hash"));
  }
  return Status::Ok();
}

Result<std::string> Runner::StagingFolder(const Model& model, const Versions& inputs) {
  if (!staging_.has_value()) {
    DHL_ASSIGN_OR_RETURN(engine::SpillFolder claimed,
                         engine::SpillFolder::Claim(catalog_.lake_dir()));
    staging_ = std::move(claimed);
  }
  int64_t input_bytes = 0;
  for (const auto& [name, version] : inputs) {
    lake::DeltaTable table = catalog_.Table(name);
    if (version < 0 || !table.Exists()) continue;
    lake::VersionSpec spec;
    spec.version = version;
    DHL_ASSIGN_OR_RETURN(lake::Snapshot snapshot, table.Load(connection_, spec));
    input_bytes += snapshot.total_bytes();
  }
  const int64_t needed = 2 * input_bytes;
  DHL_ASSIGN_OR_RETURN(int64_t free, options_.free_disk_bytes
                                         ? options_.free_disk_bytes(staging_->path())
                                         : engine::FreeDiskBytes(staging_->path()));
  if (free < needed) {
    return IoError(fmt::format(
        "model {}: not enough free disk space to stage its rows in {}: needs about {} bytes "
        "(twice its inputs' {} bytes: the staged rows and the table written from them), {} "
        "bytes free",
        model.name.ToString(), staging_->path(), needed, input_bytes, free));
  }
  return staging_->path();
}

Result<bool> Runner::RebuildStreamed(const Model& model, const Versions& inputs,
                                     const std::string& sql, ModelResult& result) {
  std::optional<StepTimes::Scope> step;
  step.emplace(steps_, "materialise");
  DHL_ASSIGN_OR_RETURN(const std::string folder, StagingFolder(model, inputs));
  const std::string path = folder + "/rebuild-" + Uuid4() + ".parquet";
  staged_files_.push_back(path);
  // Each row with a hash of its key, so that looking for keys with several rows reads one column.
  const std::string key_hash = "_pipeline_key_hash";
  DHL_ASSIGN_OR_RETURN(
      auto copied,
      connection_.Query("COPY (SELECT *, hash(" + QuotedList(model.unique_key) + ") AS " +
                        key_hash + " FROM (" + sql + ") AS _pipeline_rows) TO " +
                        StringLiteral(path) + " (FORMAT PARQUET)"));
  result.rows_in = copied.row_count() > 0 ? copied.GetInt64(0, 0).value_or(0) : 0;
  std::vector<std::pair<std::string, std::string>> columns;
  DHL_ASSIGN_OR_RETURN(bool kept_types, GivesColumnsBack(sql, path, key_hash, &columns));
  if (!kept_types) return false;
  step.reset();

  // The rows left out, by their row number in the file: every version of a key but its latest
  // (the keys with several rows found first by a hash), then the quarantined rows.
  step.emplace(steps_, "latest version");
  const std::string staged =
      "read_parquet(" + StringLiteral(path) + ", file_row_number = true) AS _pipeline_staged";
  DHL_RETURN_IF_ERROR(FindRepeatedKeys(staged, key_hash, result.rows_in));
  std::vector<std::string> order = LatestFirst(model);
  const std::string dropped = "_pipeline_dropped_rows";
  DHL_RETURN_IF_ERROR(connection_.Execute(
      "CREATE OR REPLACE TEMP TABLE " + dropped +
      " AS SELECT _pipeline_staged_row FROM (SELECT file_row_number AS _pipeline_staged_row, "
      "row_number() "
      "OVER (PARTITION BY " +
      QuotedList(model.unique_key) + " ORDER BY " + Join(order, ", ") +
      ") AS _pipeline_rank FROM " + staged + " WHERE " + key_hash +
      " IN (SELECT _pipeline_key_hash FROM _pipeline_several_keys)) WHERE _pipeline_rank > 1"));
  if (!model.deleted_column.empty()) {
    // Deleted latest versions leave with the older versions, so that the rows kept number the
    // staged rows less the dropped ones.
    DHL_RETURN_IF_ERROR(connection_.Execute(
        "INSERT INTO " + dropped + " SELECT file_row_number FROM " + staged + " WHERE COALESCE(" +
        QuoteName(model.deleted_column) + ", FALSE) AND file_row_number NOT IN (SELECT " +
        "_pipeline_staged_row FROM " + dropped + ")"));
  }
  DHL_ASSIGN_OR_RETURN(int64_t dropped_rows, CountRows(connection_, dropped));
  std::vector<std::string> names;
  for (const auto& [name, type] : columns) names.push_back(name);
  // The rows kept so far (a view: it follows `dropped`), with their row numbers.
  const std::string kept = "_pipeline_kept_rows";
  DHL_RETURN_IF_ERROR(connection_.Execute(
      "CREATE OR REPLACE TEMP VIEW " + kept + " AS SELECT " + QuotedList(names) +
      ", file_row_number AS _pipeline_staged_row FROM " + staged +
      " WHERE file_row_number NOT IN (SELECT _pipeline_staged_row FROM " + dropped + ")"));
  step.reset();

  step.emplace(steps_, "expectations");
  DHL_RETURN_IF_ERROR(
      ApplyStagedExpectations(model, kept, result.rows_in - dropped_rows, dropped, result));
  const std::string live = "_pipeline_live_rows";
  DHL_RETURN_IF_ERROR(connection_.Execute("CREATE OR REPLACE TEMP VIEW " + live + " AS SELECT " +
                                          QuotedList(names) + " FROM " + kept));
  step.reset();

  lake::WriteOptions write;
  write.partition_columns = model.partition_by;
  write.mode = lake::WriteMode::kOverwrite;
  DHL_RETURN_IF_ERROR(Commit(model, live, "", std::move(write), result));
  return true;
}

Status Runner::PointBucketViews(const std::string& condition) {
  for (const auto& [table, view] : bucket_views_) {
    DHL_RETURN_IF_ERROR(connection_.Execute("CREATE OR REPLACE TEMP VIEW " + QuoteName(view.name) +
                                            " AS SELECT * FROM " + view.source +
                                            (condition.empty() ? "" : " WHERE " + condition)));
  }
  return Status::Ok();
}

Result<bool> Runner::GivesColumnsBack(
    const std::string& sql, const std::string& path, const std::string& last_column,
    std::vector<std::pair<std::string, std::string>>* columns_out) {
  DHL_ASSIGN_OR_RETURN(auto columns, Columns(connection_, "(" + sql + ")"));
  if (columns_out != nullptr) *columns_out = columns;
  DHL_ASSIGN_OR_RETURN(auto staged, Columns(connection_, "(SELECT * FROM read_parquet(" +
                                                             StringLiteral(path) + "))"));
  if (!last_column.empty()) {
    if (staged.empty() || staged.back().first != last_column) return false;
    staged.pop_back();
  }
  return staged == columns;
}

std::optional<std::vector<lake::PartitionValues>> Runner::Kept(ContentChange change,
                                                               ModelResult& result) {
  recorded_fingerprints_ = std::move(change.table);
  if (change.same) {
    if (recorded_fingerprints_.has_value()) {
      recorded_fingerprints_->version = change.table_version;
    }
    result.output_unchanged = true;
    return std::vector<lake::PartitionValues>{};  // nothing to commit
  }
  return change.partitions;  // only the partitions whose rows changed, when known
}

Result<std::optional<Runner::ContentChange>> Runner::ContentByDifference(
    const Model& model, const ReviewedWrite& review, const lake::WriteOptions& write) {
  std::optional<ContentChange> unknown;
  lake::DeltaTable table = catalog_.Table(model.name);
  DHL_ASSIGN_OR_RETURN(auto snapshot, table.Load(connection_));
  if (model.partition_by.empty() || snapshot.metadata.partition_columns != model.partition_by ||
      write.mode != lake::WriteMode::kReplacePartitions || !stored_fingerprints_.has_value() ||
      stored_fingerprints_->version != snapshot.version ||
      stored_fingerprints_->format != fingerprint_format_ ||
      stored_fingerprints_->partition_columns != model.partition_by) {
    return unknown;
  }
  DHL_RETURN_IF_ERROR(catalog_.Register(connection_, model.name));
  DHL_ASSIGN_OR_RETURN(auto columns, Columns(connection_, Qualified(model.name)));
  DHL_ASSIGN_OR_RETURN(std::optional<std::string> added, AsStored(review.added, columns));
  DHL_ASSIGN_OR_RETURN(std::optional<std::string> removed, AsStored(review.removed, columns));
  if (!added.has_value() || !removed.has_value()) return unknown;
  const std::vector<std::pair<std::string, std::string>> compared = ComparedColumns(columns);
  DHL_ASSIGN_OR_RETURN(Fingerprints added_sums,
                       ComputeFingerprints(connection_, *added, compared, model.partition_by));
  DHL_ASSIGN_OR_RETURN(
      Fingerprints removed_sums,
      ComputeFingerprints(connection_, *removed, compared, model.partition_by, review.replaced));
  Fingerprints before;
  for (const auto& [partition, fingerprint] : stored_fingerprints_->partitions) {
    if (std::find(write.replace_partitions.begin(), write.replace_partitions.end(), partition) !=
        write.replace_partitions.end()) {
      before[partition] = fingerprint;
    }
  }
  DHL_ASSIGN_OR_RETURN(Fingerprints after,
                       AddFingerprints(connection_, before, added_sums, removed_sums));
  ContentChange change;
  change.written = after;
  std::vector<lake::PartitionValues> differing = DifferingPartitions(before, after);
  change.same = differing.empty();
  if (!change.same) change.partitions = std::move(differing);
  change.table_version = snapshot.version;
  TableFingerprints table_after;
  table_after.format = fingerprint_format_;
  table_after.partition_columns = model.partition_by;
  table_after.partitions = stored_fingerprints_->partitions;
  for (const auto& [partition, fingerprint] : before) table_after.partitions.erase(partition);
  for (const auto& [partition, fingerprint] : after)
    table_after.partitions[partition] = fingerprint;
  change.table = std::move(table_after);
  return std::optional<ContentChange>(std::move(change));
}

Status Runner::WriteReviewed(const Model& model, const std::string& rows_sql,
                             const ReviewedWrite& review, lake::WriteOptions write,
                             ModelResult& result) {
  lake::DeltaTable target = catalog_.Table(model.name);
  const bool first_write = !target.Exists();
  const lake::WriteOptions planned = write;
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = ProcessCpuSeconds();
  const size_t pieces = std::max(review.piece_conditions.size(), review.piece_queries.size());
  const bool in_pieces = pieces > 1;
  if (in_pieces) {
    write.pieces = static_cast<int>(pieces);
    write.before_piece = [&](int piece) {
      if (!review.piece_queries.empty()) {
        return connection_.Execute("CREATE OR REPLACE TEMP VIEW " + std::string(kPieceRows) +
                                   " AS " + review.piece_queries[piece]);
      }
      return PointBucketViews(review.piece_conditions[piece]);
    };
  }
  // The rows written, read from their files: expectations (none quarantines: no row leaves),
  // then the fingerprints, which choose the partitions committed.
  write.partitions_kept =
      [&](const std::string& rows) -> Result<std::optional<std::vector<lake::PartitionValues>>> {
    steps_.Add(in_pieces ? "pieces" : "write",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
               ProcessCpuSeconds() - cpu_start);
    std::optional<std::vector<lake::PartitionValues>> every_file;
    const std::string live = "_pipeline_written_rows";
    DHL_RETURN_IF_ERROR(connection_.Execute("CREATE OR REPLACE TEMP VIEW " + live + " AS " + rows));
    std::optional<StepTimes::Scope> step;
    if (!review.expectations && !first_write && !review.added.empty()) {
      // The fingerprints from the recorded ones, without reading the files (ContentByDifference).
      step.emplace(steps_, "fingerprints");
      DHL_ASSIGN_OR_RETURN(std::optional<ContentChange> change,
                           ContentByDifference(model, review, planned));
      if (change.has_value()) {
        result.rows_out = 0;
        for (const auto& [partition, fingerprint] : change->written) {
          result.rows_out += fingerprint.rows;
        }
        return Kept(std::move(*change), result);
      }
    }
    step.emplace(steps_, "expectations");
    if (review.expectations) {
      DHL_ASSIGN_OR_RETURN(result.rows_out, ApplyExpectations(model, live, result));
      result.rows_in = result.rows_out;
      if (!review.recomputed.empty()) {
        DHL_ASSIGN_OR_RETURN(result.rows_in,
                             CountRows(connection_, live + " WHERE " + review.recomputed));
      }
    } else {
      DHL_ASSIGN_OR_RETURN(result.rows_out, CountRows(connection_, live));
    }
    step.emplace(steps_, "fingerprints");
    DHL_ASSIGN_OR_RETURN(auto columns, Columns(connection_, live));
    if (first_write) {
      TableFingerprints table;
      table.format = fingerprint_format_;
      table.partition_columns = model.partition_by;
      DHL_ASSIGN_OR_RETURN(
          table.partitions,
          ComputeFingerprints(connection_, live, ComparedColumns(columns), model.partition_by));
      recorded_fingerprints_ = std::move(table);
      return every_file;
    }
    DHL_ASSIGN_OR_RETURN(ContentChange change,
                         CompareContent(model, live, review.replaced, planned));
    return Kept(std::move(change), result);
  };
  auto written = target.Write(connection_, rows_sql, write);
  if (!written.ok()) {
    recorded_fingerprints_.reset();
    result.output_unchanged = false;
    return written.status();
  }
  if (in_pieces) result.pieces = static_cast<int64_t>(pieces);
  if (written->abandoned) return Status::Ok();
  if (recorded_fingerprints_.has_value()) recorded_fingerprints_->version = written->version;
  result.version = written->version;
  result.bytes = written->bytes_written;
  result.files_added = written->files_added;
  result.files_removed = written->files_removed;
  return catalog_.Register(connection_, model.name);
}

Result<std::string> Runner::TableRowsAs(const Model& model, const std::string& sql,
                                        const std::string& where) {
  DHL_RETURN_IF_ERROR(catalog_.Register(connection_, model.name));
  const std::string table = Qualified(model.name);
  DHL_ASSIGN_OR_RETURN(auto wanted, Columns(connection_, "(" + sql + ")"));
  DHL_ASSIGN_OR_RETURN(auto held, Columns(connection_, table));
  std::vector<std::string> select;
  for (const auto& [name, type] : wanted) {
    const bool present = std::any_of(held.begin(), held.end(),
                                     [&](const auto& column) { return column.first == name; });
    select.push_back("CAST(" + (present ? QuoteName(name) : std::string("NULL")) + " AS " + type +
                     ") AS " + QuoteName(name));
  }
  return "SELECT " + Join(select, ", ") + " FROM " + table + " AS _pipeline_old WHERE " + where;
}

Result<bool> Runner::RunInPieces(const Model& model, const Versions& inputs, const std::string& sql,
                                 const std::string& replaced, lake::WriteOptions write,
                                 ModelResult& result) {
  if (bucket_views_.empty()) return false;
  std::optional<StepTimes::Scope> step;
  step.emplace(steps_, "pieces");
  // The batch inputs' rows per batch_by value, in the column's order.
  const std::string column = QuoteName(model.batch_by);
  std::vector<std::string> values_read;
  for (const auto& [table, bucket] : bucket_views_) {
    values_read.push_back("SELECT " + column + " AS _pipeline_value FROM " + bucket.source);
  }
  DHL_ASSIGN_OR_RETURN(
      auto counted,
      connection_.Query("SELECT CAST(_pipeline_value AS VARCHAR), count(*) FROM (" +
                        Join(values_read, " UNION ALL ") +
                        ") GROUP BY _pipeline_value ORDER BY _pipeline_value NULLS LAST"));
  int64_t budget = options_.batch_memory_bytes;
  if (budget <= 0) {
    DHL_ASSIGN_OR_RETURN(auto setting, connection_.Query("SELECT current_setting('memory_limit')"));
    DHL_ASSIGN_OR_RETURN(int64_t limit,
                         engine::ParseMemorySize(setting.GetString(0, 0).value_or("")));
    budget = limit / 2;
  }
  const int64_t rows_per_piece = std::max<int64_t>(1, budget / model.batch_row_bytes);
  std::vector<PieceValue> values;
  int64_t total = 0;
  for (size_t row = 0; row < counted.row_count(); ++row) {
    values.push_back(PieceValue{counted.GetString(0, row), counted.GetInt64(1, row).value_or(0)});
    total += values.back().rows;
  }
  if (total <= rows_per_piece) return false;
  const std::vector<std::string> piece_conditions =
      PieceConditions(model.batch_by, values, rows_per_piece);
  LogInfo("{}: {} rows of its batch inputs in {} pieces by {} (at most {} rows each)",
          model.name.ToString(), total, piece_conditions.size(), model.batch_by, rows_per_piece);
  const std::string rows_sql =
      replaced.empty() ? sql : "SELECT * FROM (" + sql + ") AS _pipeline_rows WHERE " + replaced;
  if (StreamsRows(model)) {
    step.reset();
    ReviewedWrite review;
    review.piece_conditions = piece_conditions;
    review.replaced = replaced;
    DHL_RETURN_IF_ERROR(WriteReviewed(model, rows_sql, review, std::move(write), result));
    return true;
  }
  DHL_ASSIGN_OR_RETURN(const std::string folder, StagingFolder(model, inputs));
  std::vector<std::string> files;
  for (const std::string& condition : piece_conditions) {
    DHL_RETURN_IF_ERROR(PointBucketViews(condition));
    const std::string path = folder + "/piece-" + Uuid4() + ".parquet";
    staged_files_.push_back(path);
    DHL_ASSIGN_OR_RETURN(auto copied, connection_.Query("COPY (" + rows_sql + ") TO " +
                                                        StringLiteral(path) + " (FORMAT PARQUET)"));
    result.rows_in += copied.row_count() > 0 ? copied.GetInt64(0, 0).value_or(0) : 0;
    if (files.empty()) {
      DHL_ASSIGN_OR_RETURN(bool kept_types, GivesColumnsBack(rows_sql, path, ""));
      if (!kept_types) {
        DHL_RETURN_IF_ERROR(PointBucketViews(""));
        result.rows_in = 0;
        return false;
      }
    }
    files.push_back(StringLiteral(path));
  }
  result.pieces = static_cast<int64_t>(piece_conditions.size());
  step.reset();

  step.emplace(steps_, "expectations");
  const std::string live = "_pipeline_live_rows";
  const std::string staged = "read_parquet([" + Join(files, ", ") + "])";
  DHL_RETURN_IF_ERROR(
      connection_.Execute("CREATE OR REPLACE TEMP VIEW " + live + " AS SELECT * FROM " + staged));
  std::string quarantined;
  DHL_ASSIGN_OR_RETURN(result.rows_out, ApplyExpectations(model, live, result, &quarantined));
  if (!quarantined.empty()) {
    DHL_RETURN_IF_ERROR(
        connection_.Execute("CREATE OR REPLACE TEMP VIEW " + live + " AS SELECT * FROM " + staged +
                            " AS _pipeline_staged WHERE NOT (" + quarantined + ")"));
  }
  step.reset();
  DHL_RETURN_IF_ERROR(Commit(model, live, replaced, std::move(write), result));
  return true;
}

Status Runner::DropTempTables() {
  for (const char* kind : {"VIEW", "TABLE"}) {
    const bool views = std::string_view(kind) == "VIEW";
    DHL_ASSIGN_OR_RETURN(
        auto relations,
        connection_.Query(views ? "SELECT view_name FROM duckdb_views() WHERE temporary"
                                  " AND starts_with(view_name, '_pipeline_')"
                                : "SELECT table_name FROM duckdb_tables() WHERE temporary"
                                  " AND starts_with(table_name, '_pipeline_')"));
    for (size_t row = 0; row < relations.row_count(); ++row) {
      DHL_RETURN_IF_ERROR(connection_.Execute(std::string("DROP ") + kind +
                                              " IF EXISTS temp.main." +
                                              QuoteName(relations.GetString(0, row).value_or(""))));
    }
  }
  for (const std::string& path : staged_files_) {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
  staged_files_.clear();
  return Status::Ok();
}

std::string Runner::FailureText(const Model& model, const Status& status) {
  std::string text = status.ToString();
  if (text.find("Out of Memory") == std::string::npos) return text;
  std::string limit = "?";
  auto setting = connection_.Query("SELECT current_setting('memory_limit')");
  if (setting.ok()) limit = setting->GetString(0, 0).value_or("?");
  return "model " + model.name.ToString() + " needs more memory than the engine's limit of " +
         limit + " (raise it with --memory-limit, DHIS2LAKE_MEMORY_LIMIT or [engine] " +
         "memory_limit; its table is left as it was): " + text;
}

Result<std::optional<PartitionScope>> Runner::PartitionScopeFor(const Model& model,
                                                                const Versions& inputs,
                                                                const std::optional<Versions>& last,
                                                                std::string& why) {
  std::optional<PartitionScope> whole;
  if (full_ || !last.has_value() || !catalog_.Table(model.name).Exists()) return whole;
  PartitionScope scope;
  scope.column = model.partition_by.front();
  std::set<std::string> changed;  // input partitions
  std::set<std::string> direct;   // output partitions a dimension change reaches in the table
  std::vector<std::pair<TableName, int64_t>> dimensions;  // changed inputs not tracked
  // Appending is possible while every changed partition input is an append input only appended to
  // (or, with an append_key, one that only gained rows: checked below).
  bool append = !model.append_inputs.empty();
  std::vector<RowComparedInput> compared;
  for (const auto& [table, version] : inputs) {
    auto recorded = last->find(table);
    if (recorded == last->end()) {
      why = "input " + table.ToString() + " is new";
      return whole;
    }
    if (recorded->second == version) continue;
    bool tracked = std::find(model.partition_inputs.begin(), model.partition_inputs.end(), table) !=
                   model.partition_inputs.end();
    if (!tracked) {
      dimensions.emplace_back(table, recorded->second);  // reached through recompute_on, below
      continue;
    }
    lake::DeltaTable delta = catalog_.Table(table);
    lake::VersionSpec before_spec;
    before_spec.version = recorded->second;
    lake::VersionSpec after_spec;
    after_spec.version = version;
    auto before = delta.Load(connection_, before_spec);
    if (!before.ok()) {
      why = "version " + std::to_string(recorded->second) + " of " + table.ToString() + " is gone";
      return whole;
    }
    DHL_ASSIGN_OR_RETURN(auto after, delta.Load(connection_, after_spec));
    const bool append_input = std::find(model.append_inputs.begin(), model.append_inputs.end(),
                                        table) != model.append_inputs.end();
    bool appended_to = append_input;
    for (const auto& [path, file] : before->files) {
      appended_to = appended_to && after.files.count(path) > 0;
    }
    if (appended_to) {
      scope.append_from[table] = recorded->second;
    } else if (!append_input && !model.append_key.empty()) {
      compared.push_back(RowComparedInput{table, *before, after});
    } else {
      append = false;
    }
    auto values = ChangedPartitions(*before, after, scope.column);
    if (!values.has_value()) {
      why = table.ToString() + " is not partitioned by " + scope.column;
      return whole;
    }
    changed.insert(values->begin(), values->end());
  }
  // A changed dimension reaches only the partitions holding rows that reference its changed rows
  // (a period only added reaches the partitions of the values that now have it).
  // With an append_key, old rows reached that gave the table no row (no table row is reached)
  // join the append run instead.
  std::vector<std::string> reached_old_rows;
  for (const auto& [table, old_version] : dimensions) {
    bool reaches_old_rows = !append;
    std::string old_rows_condition;
    DHL_ASSIGN_OR_RETURN(
        why, PartitionsReached(model, inputs, table, old_version, scope.column, direct, changed,
                               *last, &reaches_old_rows,
                               model.append_key.empty() ? nullptr : &old_rows_condition));
    if (!why.empty()) return whole;
    if (reaches_old_rows || !direct.empty()) append = false;
    if (!old_rows_condition.empty()) reached_old_rows.push_back(old_rows_condition);
  }
  scope.reached_old_rows = Join(reached_old_rows, " OR ");
  if (append && !model.append_key.empty()) {
    DHL_ASSIGN_OR_RETURN(append, AppendsByKey(model, inputs, *last, changed, compared, scope));
  }
  // Without an append_key, an append run reads the other partition inputs' changed partitions
  // whole, so rows they hold there would be appended again: any such file makes the run recompute
  // those partitions instead.
  for (const TableName& input : model.partition_inputs) {
    if (!append || !model.append_key.empty()) break;
    if (std::find(model.append_inputs.begin(), model.append_inputs.end(), input) !=
            model.append_inputs.end() ||
        inputs.at(input) == kAbsent) {
      continue;
    }
    lake::VersionSpec spec;
    spec.version = inputs.at(input);
    DHL_ASSIGN_OR_RETURN(auto snapshot, catalog_.Table(input).Load(connection_, spec));
    for (const auto& [path, file] : snapshot.files) {
      auto value = file.partition_values.find(scope.column);
      if (value != file.partition_values.end() && value->second.has_value() &&
          changed.count(*value->second) > 0) {
        append = false;
      }
    }
  }
  if (!append) {
    scope.append_from.clear();
    scope.append_rows.clear();
    scope.reached_old_rows.clear();
  }
  int low = model.partition_window_low;
  int high = model.partition_window_high;
  if (!model.partition_window_generator.empty()) {
    DHL_ASSIGN_OR_RETURN(std::tie(low, high), GeneratedWindow(model, inputs));
  }
  if (low == 0 && high == 0) {
    changed.insert(direct.begin(), direct.end());
    scope.input = changed;
    scope.output.assign(changed.begin(), changed.end());
    return std::optional<PartitionScope>(std::move(scope));
  }
  // Output partition Y reads inputs Y + low .. Y + high, so a changed input C reaches the outputs
  // C - high .. C - low.
  std::set<int> outputs;
  auto number_of = [&](const std::string& value) {
    std::optional<int> number = PartitionNumber(value);
    if (!number.has_value()) why = "partition " + scope.column + "=" + value + " is not a number";
    return number;
  };
  for (const std::string& value : changed) {
    std::optional<int> number = number_of(value);
    if (!number.has_value()) return whole;
    for (int y = *number - high; y <= *number - low; ++y) {
      outputs.insert(y);
    }
  }
  for (const std::string& value : direct) {
    std::optional<int> number = number_of(value);
    if (!number.has_value()) return whole;
    outputs.insert(*number);
  }
  for (int y : outputs) {
    scope.output.push_back(std::to_string(y));
    for (int x = y + low; x <= y + high; ++x) {
      scope.input.insert(std::to_string(x));
    }
  }
  return std::optional<PartitionScope>(std::move(scope));
}

Result<std::string> Runner::PeriodsReached(const Model& model, const Versions& inputs,
                                           const Versions& last) {
  const TableName period_table{"silver", "period"};
  auto period_version = inputs.find(period_table);
  if (period_version == inputs.end() || period_version->second == kAbsent) return std::string();
  DHL_ASSIGN_OR_RETURN(std::string periods_now, WholeView(model, inputs, period_table));
  DHL_ASSIGN_OR_RETURN(auto period_columns, Columns(connection_, periods_now));
  // The longer periods a period belongs to: silver.period's text columns but its id and type.
  std::vector<std::string> kept;
  std::vector<std::string> structure;
  for (const auto& [name, type] : period_columns) {
    if (name.empty() || name[0] == '_') continue;
    kept.push_back(name);
    if (type == "VARCHAR" && name != "pe" && name != "period_type") structure.push_back(name);
  }
  std::string periods = "SELECT " + QuotedList(kept) + " FROM " + periods_now;
  const std::string column = QuoteName(model.period_scope);
  std::vector<std::string> touched;
  for (const auto& [table, version] : inputs) {
    auto recorded = last.find(table);
    if (recorded == last.end()) return std::string();
    if (recorded->second == version) continue;
    if (table == period_table) {
      // Its changed rows, as they were and as they are: their periods are changed periods.
      std::string changed;
      DHL_ASSIGN_OR_RETURN(std::string reason,
                           ChangedValues(table, recorded->second, version, kept, changed));
      if (!reason.empty()) return std::string();
      periods += " UNION ALL SELECT " + QuotedList(kept) + " FROM " + changed;
      touched.push_back("SELECT CAST(pe AS VARCHAR) FROM " + changed);
      continue;
    }
    if (std::find(model.partition_inputs.begin(), model.partition_inputs.end(), table) ==
            model.partition_inputs.end() ||
        recorded->second == kAbsent || version == kAbsent) {
      return std::string();
    }
    lake::DeltaTable delta = catalog_.Table(table);
    lake::VersionSpec before_spec;
    before_spec.version = recorded->second;
    auto before = delta.Load(connection_, before_spec);
    if (!before.ok()) return std::string();
    lake::VersionSpec after_spec;
    after_spec.version = version;
    DHL_ASSIGN_OR_RETURN(lake::Snapshot after, delta.Load(connection_, after_spec));
    std::optional<lake::Snapshot> added = AppendedFiles(*before, std::move(after));
    if (!added.has_value()) return std::string();  // a file removed: rows may be gone
    const std::string name = table.layer + "__" + table.name + "__period_added";
    DHL_RETURN_IF_ERROR(delta.CreateView(connection_, *added, kBatchSchema, name));
    const std::string view = QuoteName(kBatchSchema) + "." + QuoteName(name);
    DHL_ASSIGN_OR_RETURN(auto columns, Columns(connection_, view));
    bool present = false;
    for (const auto& [have, type] : columns) present = present || have == model.period_scope;
    if (!present) return std::string();
    touched.push_back("SELECT CAST(" + column + " AS VARCHAR) FROM " + view);
  }
  if (touched.empty()) return std::string();
  const std::string with = "WITH _periods AS (" + periods +
                           "), _touched AS (SELECT DISTINCT _p AS pe FROM (" +
                           Join(touched, " UNION ALL ") + ") AS _t(_p)) ";
  // A changed period without a row of silver.period with its dates (or NULL) reaches what the
  // partitions hold in ways the dates cannot tell.
  DHL_ASSIGN_OR_RETURN(
      int64_t unknown,
      CountRows(connection_, "(" + with +
                                 "SELECT 1 FROM _touched t WHERE t.pe IS NULL OR NOT EXISTS "
                                 "(SELECT 1 FROM _periods p WHERE p.pe = t.pe AND p.start_date "
                                 "IS NOT NULL AND p.end_date IS NOT NULL))"));
  if (unknown > 0) return std::string();
  std::vector<std::string> ids = {"SELECT pe FROM _reached"};
  for (const std::string& name : structure) {
    ids.push_back("SELECT " + QuoteName(name) + " FROM _reached");
  }
  DHL_ASSIGN_OR_RETURN(
      auto found, connection_.Query(
                      with +
                      ", _ranges AS (SELECT DISTINCT p.start_date, p.end_date FROM _periods p "
                      "JOIN _touched t ON p.pe = t.pe), _reached AS (SELECT p.* FROM _periods p "
                      "JOIN _ranges r ON p.start_date <= r.end_date AND p.end_date >= "
                      "r.start_date) SELECT DISTINCT CAST(_id AS VARCHAR) FROM (" +
                      Join(ids, " UNION ALL ") + ") AS _i(_id) WHERE _id IS NOT NULL ORDER BY 1"));
  std::vector<std::string> literals;
  for (size_t row = 0; row < found.row_count(); ++row) {
    if (auto value = found.GetString(0, row)) literals.push_back(StringLiteral(*value));
  }
  return Join(literals, ", ");
}

Result<std::pair<int, int>> Runner::GeneratedWindow(const Model& model, const Versions& inputs) {
  const std::string where =
      model.path + ": partition_window: generated('" + model.partition_window_generator + "')";
  const Generator* generator = Generators().Find(model.partition_window_generator);
  if (generator == nullptr) return InvalidArgument(where + ": no generator of that name");
  GeneratorContext context;
  context.connection = &connection_;
  context.dialect = sql::Dialect::kDuckDb;
  context.relation = [&](const TableName& table) { return WholeView(model, inputs, table); };
  context.model = &model;
  context.settings = &options_.settings;
  auto text = (*generator)(context);
  if (!text.ok()) return text.status().WithContext(where);
  std::vector<std::string_view> bounds = Split(*text, ',');
  int low = 1;
  int high = -1;
  if (bounds.size() == 2) {
    std::string low_text(Trim(bounds[0]));
    std::string high_text(Trim(bounds[1]));
    std::from_chars(low_text.data(), low_text.data() + low_text.size(), low);
    std::from_chars(high_text.data(), high_text.data() + high_text.size(), high);
  }
  if (low > 0 || high < 0) {
    return Internal(where + ": '" + *text + "' is not 'low, high' with low <= 0 <= high");
  }
  return std::pair<int, int>(low, high);
}

Result<bool> Runner::AppendsByKey(const Model& model, const Versions& inputs, const Versions& last,
                                  const std::set<std::string>& changed,
                                  const std::vector<RowComparedInput>& compared,
                                  PartitionScope& scope) {
  auto view_of = [&](const TableName& table, const lake::Snapshot& snapshot,
                     const std::string& suffix) -> Result<std::string> {
    std::string name = table.layer + "__" + table.name + "__" + suffix;
    DHL_RETURN_IF_ERROR(
        catalog_.Table(table).CreateView(connection_, snapshot, kBatchSchema, name));
    return QuoteName(kBatchSchema) + "." + QuoteName(name);
  };
  // The rows each compared input gained: its added files' rows less its removed files' (a
  // partition its model rewrote with the same rows and some more). A row lost ends the append.
  std::vector<std::string> added_rows;
  for (const RowComparedInput& input : compared) {
    lake::Snapshot removed = input.before;
    lake::Snapshot added = input.after;
    for (const auto& [path, file] : input.after.files) removed.files.erase(path);
    for (const auto& [path, file] : input.before.files) added.files.erase(path);
    DHL_ASSIGN_OR_RETURN(std::string removed_view, view_of(input.table, removed, "removed"));
    DHL_ASSIGN_OR_RETURN(std::string added_view, view_of(input.table, added, "added"));
    DHL_ASSIGN_OR_RETURN(auto removed_columns, Columns(connection_, removed_view));
    DHL_ASSIGN_OR_RETURN(auto added_columns, Columns(connection_, added_view));
    if (removed_columns != added_columns) return false;
    DHL_ASSIGN_OR_RETURN(int64_t lost, CountRows(connection_, "(SELECT * FROM " + removed_view +
                                                                  " EXCEPT ALL SELECT * FROM " +
                                                                  added_view + " LIMIT 1)"));
    if (lost > 0) return false;
    std::string rows = "_pipeline_added_" + input.table.layer + "_" + input.table.name;
    DHL_RETURN_IF_ERROR(connection_.Execute("CREATE OR REPLACE TEMP TABLE " + QuoteName(rows) +
                                            " AS SELECT * FROM " + added_view +
                                            " EXCEPT ALL SELECT * FROM " + removed_view));
    scope.append_rows[input.table] = rows;
    added_rows.push_back(QuoteName(rows));
  }
  // The rows of the partition inputs at their recorded versions in the changed partitions, and
  // the rows appended since; an unchanged input is read as nothing.
  std::vector<std::string> old_rows;
  for (const TableName& input : model.partition_inputs) {
    auto recorded = last.find(input);
    if (recorded == last.end() || recorded->second == kAbsent) continue;
    lake::DeltaTable delta = catalog_.Table(input);
    lake::VersionSpec before_spec;
    before_spec.version = recorded->second;
    DHL_ASSIGN_OR_RETURN(lake::Snapshot before, delta.Load(connection_, before_spec));
    if (scope.append_from.count(input) > 0) {
      lake::VersionSpec now_spec;
      now_spec.version = inputs.at(input);
      DHL_ASSIGN_OR_RETURN(lake::Snapshot appended, delta.Load(connection_, now_spec));
      for (const auto& [path, file] : before.files) appended.files.erase(path);
      DHL_ASSIGN_OR_RETURN(std::string view, view_of(input, appended, "appended_rows"));
      added_rows.push_back(view);
    } else if (scope.append_rows.count(input) == 0) {
      scope.append_from[input] = recorded->second;
    }
    KeepPartitions(before, scope.column, changed);
    DHL_ASSIGN_OR_RETURN(std::string view, view_of(input, before, "old_rows"));
    if (!scope.reached_old_rows.empty()) {
      // The reached rows are read by the run: only the others can hold a key the run must not meet.
      view = "(SELECT * FROM " + view + " WHERE NOT (" + scope.reached_old_rows + "))";
    }
    old_rows.push_back(view);
  }
  if (added_rows.empty() || old_rows.empty()) return true;
  auto keys_of = [&](const std::vector<std::string>& relations) {
    std::vector<std::string> selects;
    for (const std::string& relation : relations) {
      selects.push_back("SELECT " + QuotedList(model.append_key) + " FROM " + relation);
    }
    return "(" + Join(selects, " UNION ALL ") + ")";
  };
  DHL_ASSIGN_OR_RETURN(
      int64_t meeting,
      CountRows(connection_, "(SELECT 1 FROM " + keys_of(added_rows) +
                                 " AS _pipeline_new WHERE EXISTS (SELECT 1 FROM " +
                                 keys_of(old_rows) + " AS _pipeline_old WHERE " +
                                 SameKey("_pipeline_old", "_pipeline_new", model.append_key) +
                                 ") LIMIT 1)"));
  return meeting == 0;
}

Status Runner::RunPartitioned(const Model& model, const Versions& inputs,
                              const std::optional<Versions>& last, ModelResult& result) {
  std::string why_whole;
  DHL_ASSIGN_OR_RETURN(auto scope, PartitionScopeFor(model, inputs, last, why_whole));
  if (!scope.has_value() && result.full_reason.empty()) result.full_reason = why_whole;
  if (scope.has_value() && scope->output.empty()) return Status::Ok();  // no data changed
  struct ScopeReset {
    const PartitionScope*& scope;
    ~ScopeReset() { scope = nullptr; }
  } reset{scope_};
  scope_ = scope.has_value() ? &*scope : nullptr;
  std::string sql;
  {
    auto step = steps_.Time("render");
    DHL_RETURN_IF_ERROR(RenderBatchRefs(model, inputs, last, false, sql));
  }
  const std::string live = "_pipeline_live_rows";
  if (scope.has_value() && (!scope->append_from.empty() || !scope->append_rows.empty())) {
    // Rows only appended to the append inputs: the model's rows for them are appended.
    lake::DeltaTable table = catalog_.Table(model.name);
    DHL_ASSIGN_OR_RETURN(auto snapshot, table.Load(connection_));
    DHL_RETURN_IF_ERROR(catalog_.Register(connection_, model.name));
    DHL_ASSIGN_OR_RETURN(auto columns, Columns(connection_, Qualified(model.name)));
    {
      auto step = steps_.Time("materialise");
      DHL_RETURN_IF_ERROR(
          connection_.Execute("CREATE OR REPLACE TEMP TABLE " + live + " AS " + sql));
      DHL_ASSIGN_OR_RETURN(result.rows_in, CountRows(connection_, live));
    }
    DHL_ASSIGN_OR_RETURN(std::optional<std::string> stored, AsStored(live, columns));
    if (stored.has_value() && snapshot.metadata.partition_columns == model.partition_by) {
      {
        auto step = steps_.Time("expectations");
        DHL_ASSIGN_OR_RETURN(result.rows_out, ApplyExpectations(model, live, result));
      }
      if (result.rows_out == 0) {
        result.output_unchanged = true;
        return Status::Ok();
      }
      return AppendLive(model, live, snapshot.version, columns, model.partition_by, result);
    }
    // Another shape (the ordinary path rewrites the partitions): read the inputs again, whole.
    scope->append_from.clear();
    scope->append_rows.clear();
    scope->reached_old_rows.clear();
    auto step = steps_.Time("render");
    DHL_RETURN_IF_ERROR(RenderBatchRefs(model, inputs, last, false, sql));
  }
  lake::WriteOptions write;
  write.partition_columns = model.partition_by;
  std::string replaced;  // the rows of the table the write replaces (empty: all)
  if (scope.has_value()) {
    std::vector<std::string> values;
    for (const std::string& value : scope->output) {
      values.push_back(StringLiteral(value));
      lake::PartitionValues partition;
      partition[scope->column] = value;
      write.replace_partitions.push_back(std::move(partition));
    }
    replaced = "CAST(" + QuoteName(scope->column) + " AS VARCHAR) IN (" + Join(values, ", ") + ")";
    write.mode = lake::WriteMode::kReplacePartitions;
  } else {
    write.mode = lake::WriteMode::kOverwrite;
  }
  if (!model.batch_by.empty()) {
    DHL_ASSIGN_OR_RETURN(bool in_pieces, RunInPieces(model, inputs, sql, replaced, write, result));
    if (in_pieces) return Status::Ok();
  }
  if (!replaced.empty()) sql = "SELECT * FROM (" + sql + ") AS _pipeline_rows WHERE " + replaced;
  // period_scope: within the partitions, only the periods the change reaches are recomputed (and
  // counted in rows_in); the table's rows of the other periods are copied.
  std::string copied;
  std::string recomputed;  // the rows recomputed, when others are copied
  if (scope.has_value() && !model.period_scope.empty() && model.batch_by.empty()) {
    std::string periods;
    {
      auto step = steps_.Time("periods");
      DHL_ASSIGN_OR_RETURN(periods, PeriodsReached(model, inputs, *last));
    }
    if (!periods.empty()) {
      const std::string column = QuoteName(model.period_scope);
      recomputed = "(" + column + " IN (" + periods + ") OR " + column + " IS NULL)";
      sql += " AND " + recomputed;
      DHL_ASSIGN_OR_RETURN(
          copied,
          TableRowsAs(model, sql, replaced + " AND " + column + " NOT IN (" + periods + ")"));
    }
  }
  if (StreamsRows(model)) {
    // The rows recomputed and those copied in one streamed write.
    ReviewedWrite review;
    review.replaced = replaced;
    review.recomputed = recomputed;
    return WriteReviewed(model, copied.empty() ? sql : sql + " UNION ALL " + copied, review,
                         std::move(write), result);
  }
  {
    auto step = steps_.Time("materialise");
    DHL_RETURN_IF_ERROR(connection_.Execute("CREATE OR REPLACE TEMP TABLE " + live + " AS " + sql));
    DHL_ASSIGN_OR_RETURN(result.rows_in, CountRows(connection_, live));
    if (!copied.empty()) {
      DHL_RETURN_IF_ERROR(connection_.Execute("INSERT INTO " + live + " " + copied));
    }
  }
  {
    auto step = steps_.Time("expectations");
    DHL_ASSIGN_OR_RETURN(result.rows_out, ApplyExpectations(model, live, result));
  }
  return Commit(model, live, replaced, std::move(write), result);
}

Result<std::string> Runner::WithNewColumns(const TableName& table, const std::string& rows,
                                           lake::WriteOptions& options) {
  if (!catalog_.Table(table).Exists()) return rows;
  DHL_RETURN_IF_ERROR(catalog_.Register(connection_, table));
  DHL_ASSIGN_OR_RETURN(auto old_columns, Columns(connection_, Qualified(table)));
  DHL_ASSIGN_OR_RETURN(auto new_columns, Columns(connection_, "(" + rows + ")"));
  for (const auto& [name, type] : new_columns) {
    bool known = false;
    for (const auto& old : old_columns) known = known || old.first == name;
    if (!known) {
      options.mode = lake::WriteMode::kOverwrite;
      return "SELECT * FROM " + Qualified(table) + " UNION ALL BY NAME (" + rows + ")";
    }
  }
  return rows;
}

Status Runner::FlushOps() {
  Status first_error;
  for (const TableName& table : {kModelRunTable, kDqResultTable, kPipelineRunTable}) {
    auto pending = pending_ops_.find(table);
    if (pending == pending_ops_.end() || pending->second.empty()) continue;
    lake::WriteOptions options;
    options.mode = lake::WriteMode::kAppend;
    std::string rows = Join(pending->second, " UNION ALL ");
    pending->second.clear();
    // A table written by an older release may lack columns added since: it is rewritten once with
    // them (NULL in its old rows).
    auto upgraded = WithNewColumns(table, rows, options);
    if (!upgraded.ok()) {
      if (first_error.ok()) {
        first_error = upgraded.status().WithContext("recording " + table.ToString());
      }
      continue;
    }
    auto written = catalog_.Table(table).Write(connection_, *upgraded, options);
    if (!written.ok() && first_error.ok()) {
      first_error = written.status().WithContext("recording " + table.ToString());
    }
  }
  return first_error;
}

Result<RunSummary> Runner::Run() {
  Result<RunSummary> summary = RunAll();
  // Whatever ran is recorded, also when the run stopped early.
  Status recorded = FlushOps();
  if (!summary.ok()) return summary.status();
  DHL_RETURN_IF_ERROR(recorded);
  return summary;
}

Result<RunSummary> Runner::RunAll() {
  auto started = clock_.Steady();
  int64_t started_micros = NowMicros();
  run_id_ = options_.run_id.empty() ? Uuid4() : options_.run_id;
  DHL_RETURN_IF_ERROR(ValidateSettings(options_.settings).WithContext("the run's settings"));
  for (const std::string& macro : sql::DuckDbSparkFunctionMacros()) {
    DHL_RETURN_IF_ERROR(connection_.Execute(macro));
  }
  DHL_ASSIGN_OR_RETURN(fingerprint_format_, FingerprintFormat(connection_));
  RunSummary summary;
  summary.run_id = run_id_;

  std::set<TableName> selected;
  if (options_.models.empty()) {
    for (const Model& model : models_.models()) selected.insert(model.name);
  } else {
    DHL_ASSIGN_OR_RETURN(auto names, models_.Select(options_.models, options_.with_descendants));
    selected.insert(names.begin(), names.end());
  }
  auto layer_rank = [](const std::string& layer) {
    return layer == "bronze" ? 0 : layer == "silver" ? 1 : layer == "gold" ? 2 : 3;
  };
  std::optional<Progress> progress;
  if (options_.progress) {
    ProgressOptions progress_options;
    progress_options.label = "pipeline";
    progress_options.total = static_cast<int64_t>(selected.size());
    progress_options.unit = "models";
    progress.emplace(progress_options);
  }

  std::set<TableName> failed;  // failed or skipped because of a failure upstream
  // Models rebuilt in full because their definition (or one of their ancestors') changed.
  std::map<TableName, std::string> redefined;
  for (const Model& model : models_.models()) {
    ModelResult result;
    result.name = model.name;
    if (selected.count(model.name) == 0 ||
        (!options_.stop_after_layer.empty() &&
         layer_rank(model.name.layer) > layer_rank(options_.stop_after_layer))) {
      continue;
    }
    auto model_started = clock_.Steady();
    int64_t model_started_micros = NowMicros();
    bool upstream_failed = false;
    for (const Ref& ref : model.refs) {
      if (failed.count(ref.table) > 0) upstream_failed = true;
    }
    Versions inputs;
    std::string definition;
    std::optional<Model> expanded;
    Result<Versions> current = Versions();
    if (!upstream_failed) {
      DHL_ASSIGN_OR_RETURN(Model with_layers, WithLayerInputs(model, catalog_));
      expanded.emplace(std::move(with_layers));
      current = CurrentVersions(*expanded);
    }
    if (upstream_failed) {
      result.status = ModelStatus::kUpstreamFailed;
      failed.insert(model.name);
    } else if (!current.ok() && current.status().code() == StatusCode::kNotFound) {
      // Nothing to build from yet (e.g. a server without tracker, a folder without min-max
      // values): skipped, not failed; descendants find no table either and are skipped too.
      result.status = ModelStatus::kMissingInput;
      result.error = current.status().message();
      not_built_[model.name] = result.error;
      LogDebug("model {} skipped: {}", model.name.ToString(), result.error);
    } else {
      DHL_ASSIGN_OR_RETURN(inputs, std::move(current));
      for (const auto& [table, version] : inputs) {
        if (version == kAbsent) result.empty_inputs.push_back(table);
      }
      DHL_ASSIGN_OR_RETURN(auto last, LastSuccess(model.name));
      definition = DefinitionFingerprint(model, Generators(), options_.settings);
      std::string redefinition;
      if (last.has_value() && last->definition != definition) {
        redefinition = last->definition.empty()
                           ? "its last run was recorded by an older release"
                           : "its definition changed (SQL, header, settings or layout)";
      }
      for (const Ref& ref : model.refs) {
        auto upstream = redefined.find(ref.table);
        if (redefinition.empty() && upstream != redefined.end()) {
          redefinition = "input " + ref.table.ToString() + " was rebuilt in full";
        }
      }
      std::optional<Versions> last_versions;
      if (last.has_value()) last_versions = last->versions;
      bool unchanged = !options_.full && redefinition.empty() && last.has_value() &&
                       last->versions == inputs && catalog_.Table(model.name).Exists();
      if (unchanged) {
        result.status = ModelStatus::kUnchanged;
      } else {
        result.run_reason = RunReason(inputs, last_versions, redefinition, options_.full,
                                      catalog_.Table(model.name).Exists());
        full_ = options_.full || !redefinition.empty();
        if (!redefinition.empty()) {
          redefined[model.name] = redefinition;
          if (!options_.full) result.full_reason = redefinition;
        }
        stored_fingerprints_.reset();
        recorded_fingerprints_.reset();
        held_rows_.clear();
        if (last.has_value() && !last->fingerprints.empty()) {
          stored_fingerprints_ = ParseTableFingerprints(last->fingerprints);
        }
        steps_ = StepTimes();
        Status status = RunModel(*expanded, inputs, last_versions, result);
        if (status.ok() && result.version == -1 && !recorded_fingerprints_.has_value()) {
          // Nothing read or written (no new input rows): what was recorded still holds as long as
          // the table keeps its version, which the next run checks.
          recorded_fingerprints_ = stored_fingerprints_;
        }
        Status dropped;
        {
          auto step = steps_.Time("drop temporary tables");
          dropped = DropTempTables();
        }
        LogDebug("model {}: {}", model.name.ToString(), steps_.ToString());
        if (status.ok()) status = dropped;
        if (status.ok()) {
          result.status = ModelStatus::kSucceeded;
        } else {
          result.status = ModelStatus::kFailed;
          result.error = FailureText(model, status);
          failed.insert(model.name);
          LogError("model {} failed: {}", model.name.ToString(), result.error);
        }
      }
    }
    result.seconds = std::chrono::duration<double>(clock_.Steady() - model_started).count();
    if (result.status == ModelStatus::kSucceeded || result.status == ModelStatus::kFailed) {
      AppendOps(kModelRunTable,
                {{"run_id", StringLiteral(run_id_)},
                 {"model", StringLiteral(model.name.ToString())},
                 {"status", StringLiteral(std::string(ModelStatusName(result.status)))},
                 {"started_at", TimestampSql(model_started_micros)},
                 {"ended_at", TimestampSql(NowMicros())},
                 {"rows_in", sql::IntegerLiteral(result.rows_in)},
                 {"rows_out", sql::IntegerLiteral(result.rows_out)},
                 {"rows_rejected", sql::IntegerLiteral(result.rows_rejected)},
                 {"bytes", sql::IntegerLiteral(result.bytes)},
                 {"version", sql::IntegerLiteral(result.version)},
                 {"files_added", sql::IntegerLiteral(result.files_added)},
                 {"files_removed", sql::IntegerLiteral(result.files_removed)},
                 {"full_reason", TextOrNull(result.full_reason)},
                 {"run_reason", TextOrNull(result.run_reason)},
                 {"fingerprints", TextOrNull(result.status == ModelStatus::kSucceeded &&
                                                     recorded_fingerprints_.has_value()
                                                 ? TableFingerprintsText(*recorded_fingerprints_)
                                                 : std::string())},
                 {"input_versions",
                  TextOrNull(
                      VersionsText(inputs) +
                      (definition.empty() ? "" : ";" + std::string(kDefinitionPart) + definition))},
                 {"error", TextOrNull(result.error)}});
    }
    if (result.status == ModelStatus::kSucceeded) {
      ++summary.succeeded;
    } else if (result.status == ModelStatus::kFailed) {
      ++summary.failed;
    } else {
      ++summary.skipped;
    }
    summary.models.push_back(std::move(result));
    if (progress) progress->Add(1);
  }
  if (progress) progress->Finish();
  DHL_RETURN_IF_ERROR(WriteExpressionStatus(summary));
  summary.seconds = std::chrono::duration<double>(clock_.Steady() - started).count();
  int64_t rows_out = 0;
  for (const ModelResult& result : summary.models) rows_out += result.rows_out;
  AppendOps(
      kPipelineRunTable,
      {{"run_id", StringLiteral(run_id_)},
       {"status", StringLiteral(summary.ok() ? "succeeded" : "failed")},
       {"started_at", TimestampSql(started_micros)},
       {"ended_at", TimestampSql(NowMicros())},
       {"full_refresh", sql::BooleanLiteral(options_.full)},
       {"models_succeeded", sql::IntegerLiteral(summary.succeeded)},
       {"models_skipped", sql::IntegerLiteral(summary.skipped)},
       {"models_failed", sql::IntegerLiteral(summary.failed)},
       {"rows_out", sql::IntegerLiteral(rows_out)},
       {"hierarchy", StringLiteral(std::string(HierarchyName(options_.settings.hierarchy)))}});
  return summary;
}

}  // namespace

std::string_view ModelStatusName(ModelStatus status) {
  switch (status) {
    case ModelStatus::kSucceeded:
      return "succeeded";
    case ModelStatus::kUnchanged:
      return "unchanged";
    case ModelStatus::kUpstreamFailed:
      return "upstream_failed";
    case ModelStatus::kFailed:
      return "failed";
    case ModelStatus::kNotSelected:
      return "not_selected";
    case ModelStatus::kMissingInput:
      return "missing_input";
  }
  return "unknown";
}

std::string RunSummary::ToString() const {
  std::ostringstream out;
  int64_t rows = 0;
  for (const ModelResult& model : models) {
    rows += model.rows_out;
    out << "  " << model.name.ToString() << ": " << ModelStatusName(model.status);
    if (model.status == ModelStatus::kSucceeded) {
      out << " (" << model.rows_in << " in, " << model.rows_out << " out, " << model.rows_rejected
          << " rejected, " << model.seconds << " s"
          << (model.pieces > 0 ? " in " + std::to_string(model.pieces) + " pieces" : "")
          << (model.output_unchanged ? ", no change" : "")
          << (model.full_reason.empty() ? "" : ", rebuilt in full: " + model.full_reason)
          << (model.run_reason.empty() ? "" : ", ran: " + model.run_reason) << ")";
    }
    if (!model.error.empty()) out << ": " << model.error;
    for (size_t i = 0; i < model.empty_inputs.size(); ++i) {
      out << (i == 0 ? " (empty, not in the source: " : ", ") << model.empty_inputs[i].ToString()
          << (i + 1 == model.empty_inputs.size() ? ")" : "");
    }
    out << "\n";
    for (const std::string& warning : model.warnings) out << "    warning: " << warning << "\n";
  }
  if (expressions_computed + expressions_refused > 0) {
    out << "expressions: " << expressions_computed << " computed, " << expressions_refused
        << " refused (ops.expression_status)\n";
  }
  out << "run " << run_id << ": " << succeeded << " models run, " << skipped << " skipped, "
      << failed << " failed, " << rows << " rows written, " << seconds << " s\n";
  return out.str();
}

Result<Model> WithLayerInputs(const Model& model, const lake::LakeCatalog& catalog) {
  if (model.depends_on_layers.empty()) return model;
  DHL_ASSIGN_OR_RETURN(std::vector<TableName> tables, catalog.ListTables());
  Model expanded = model;
  for (const LayerInput& input : model.depends_on_layers) {
    for (const TableName& table : tables) {
      if (table.layer != input.layer) continue;
      bool duplicate = false;
      for (const Ref& ref : expanded.refs) duplicate = duplicate || ref.table == table;
      if (!duplicate) expanded.refs.push_back(Ref{table, input.line});
    }
  }
  return expanded;
}

Result<RunSummary> RunPipeline(lake::LakeCatalog& catalog, engine::Connection& connection,
                               const ModelSet& models, const RunOptions& options) {
  Runner runner(catalog, connection, models, options);
  return runner.Run();
}

std::vector<std::string> PieceConditions(const std::string& batch_by,
                                         const std::vector<PieceValue>& values,
                                         int64_t rows_per_piece) {
  std::vector<size_t> largest_first(values.size());
  for (size_t i = 0; i < values.size(); ++i) largest_first[i] = i;
  std::stable_sort(largest_first.begin(), largest_first.end(),
                   [&](size_t a, size_t b) { return values[a].rows > values[b].rows; });
  std::vector<int64_t> piece_rows;
  std::vector<size_t> piece_of(values.size());
  for (size_t index : largest_first) {
    size_t piece = 0;
    while (piece < piece_rows.size() && piece_rows[piece] + values[index].rows > rows_per_piece) {
      ++piece;
    }
    if (piece == piece_rows.size()) piece_rows.push_back(0);
    piece_rows[piece] += values[index].rows;
    piece_of[index] = piece;
  }
  // In the column's order: a new piece whenever the next value does not fit in the current one.
  std::vector<size_t> in_order(values.size());
  size_t ordered_pieces = 0;
  int64_t current = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (ordered_pieces == 0 || current + values[i].rows > rows_per_piece) {
      ++ordered_pieces;
      current = 0;
    }
    current += values[i].rows;
    in_order[i] = ordered_pieces - 1;
  }
  if (ordered_pieces <= piece_rows.size()) {
    piece_of = std::move(in_order);
    piece_rows.assign(ordered_pieces, 0);
  }
  const std::string column = QuoteName(batch_by);
  std::vector<std::vector<std::string>> conditions(piece_rows.size());
  for (size_t first = 0; first < values.size();) {
    const size_t piece = piece_of[first];
    if (!values[first].value.has_value()) {
      conditions[piece].push_back(column + " IS NULL");
      ++first;
      continue;
    }
    size_t last = first;
    while (last + 1 < values.size() && piece_of[last + 1] == piece &&
           values[last + 1].value.has_value()) {
      ++last;
    }
    conditions[piece].push_back("(" + column + " >= " + StringLiteral(*values[first].value) +
                                " AND " + column + " <= " + StringLiteral(*values[last].value) +
                                ")");
    first = last + 1;
  }
  std::vector<std::string> joined;
  for (const auto& piece : conditions) joined.push_back(Join(piece, " OR "));
  return joined;
}

}  // namespace dhl::pipeline
