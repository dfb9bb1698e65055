#include "lake/delta_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <set>

#include "base/hash.h"
#include "base/logging.h"
#include "base/step_times.h"
#include "base/text.h"
#include "lake/data_file_writer.h"
#include "lake/log_entry.h"
#include "lake/optimistic_commit.h"
#include "lake/partition_path.h"
#include "sql/literal.h"

namespace dhl::lake {
namespace {

using nlohmann::json;

constexpr std::string_view kEngineInfo = "dhis2lake/0.1.0";

// SQL rendering a partition column's value as the log writes it (docs/delta.md §5).
Result<std::string> PartitionValueSql(const SchemaField& field) {
  const std::string name = PrimitiveTypeName(field.type);
  const std::string column = sql::QuoteName(field.name);
  if (name == "timestamp" || name == "timestamp_ntz") {
    return fmt::format("strftime(CAST({} AS TIMESTAMPTZ), '%Y-%m-%dT%H:%M:%S.%fZ')", column);
  }
  if (name == "string" || IsIntegralType(name) || name == "boolean" || name == "date" ||
      name == "float" || name == "double" || name.starts_with("decimal")) {
    return fmt::format("CAST({} AS VARCHAR)", column);
  }
  return Unsupported(
      fmt::format("partition column \"{}\" has type {}, which we do not partition by", field.name,
                  DeltaTypeName(field.type)));
}

int IntegralRank(const std::string& name) {
  if (name == "byte") {
    return 1;
  }
  if (name == "short") {
    return 2;
  }
  if (name == "integer") {
    return 3;
  }
  return 4;
}

// Whether an input column of Delta type `input` may be written into a column of type `table`.
bool Compatible(const json& input, const json& table) {
  if (DeltaTypeName(input) == DeltaTypeName(table)) {
    return true;
  }
  const std::string in = PrimitiveTypeName(input);
  const std::string out = PrimitiveTypeName(table);
  if (IsIntegralType(in) && IsIntegralType(out)) {
    return IntegralRank(in) <= IntegralRank(out);
  }
  return in == "float" && out == "double";
}

// The columns of a write's input, as DESCRIBE names them and as a Delta schema.
struct InputColumns {
  std::vector<std::string> names;
  std::vector<std::string> duckdb_types;
  Schema schema;
};

// What a write does, resolved before any file is written.
struct WritePlan {
  std::string context;  // "write to <root>", prefixes errors
  std::string input;    // the input SELECT without a trailing ';'
  InputColumns input_columns;
  std::optional<Snapshot> snapshot;  // the table as read; nullopt when the write creates it
  Schema schema;                     // the schema written
  std::vector<std::string> partition_columns;
  std::vector<SchemaField> data_columns;
  std::vector<SchemaField> partition_fields;
  std::string data_select;  // CAST("c" AS <type>) AS "c", for the data columns
  int checkpoint_interval = 10;

  bool creates() const { return !snapshot; }
  bool replaces_schema(const WriteOptions& options) const {
    return creates() || options.mode == WriteMode::kOverwrite;
  }
};

Result<InputColumns> DescribeInput(engine::Connection& connection, const std::string& input) {
  auto described = connection.Query("DESCRIBE " + input);
  if (!described.ok()) {
    return described.status().WithContext("reading the input");
  }
  InputColumns columns;
  for (size_t row = 0; row < described->row_count(); ++row) {
    columns.names.push_back(described->GetString(0, row).value_or(""));
    columns.duckdb_types.push_back(described->GetString(1, row).value_or(""));
  }
  DHL_ASSIGN_OR_RETURN(columns.schema, Schema::FromDuckDb(columns.names, columns.duckdb_types));
  return columns;
}

// The table as it is now, or nullopt when the write creates it. A log folder without commits is a
// table being created by another writer (or a crashed create): we create it too, and the
// put-if-absent commit of version 0 decides.
Result<std::optional<Snapshot>> ReadTable(DeltaLog& log, engine::Connection& connection) {
  if (!log.Exists()) {
    return std::optional<Snapshot>();
  }
  auto latest = log.LatestVersion();
  if (!latest.ok()) {
    if (latest.status().code() == StatusCode::kNotFound) {
      return std::optional<Snapshot>();
    }
    return latest.status();  // an unreadable log is not a table to create
  }
  DHL_ASSIGN_OR_RETURN(Snapshot snapshot, log.Load(connection));
  DHL_RETURN_IF_ERROR(snapshot.CheckWritable());
  return std::optional<Snapshot>(std::move(snapshot));
}

// The error of a mode that does not fit the table as it is.
Status CheckMode(const WritePlan& plan, const WriteOptions& options) {
  if (options.mode == WriteMode::kCreate && plan.snapshot) {
    return InvalidArgument(fmt::format("{}: the table already exists", plan.context));
  }
  if (options.mode == WriteMode::kReplacePartitions && !plan.snapshot) {
    return InvalidArgument(
        fmt::format("{}: cannot replace partitions of a table that does not exist", plan.context));
  }
  return Status::Ok();
}

Status CheckDistinctAppIds(const WritePlan& plan, const WriteOptions& options) {
  std::set<std::string> app_ids;
  for (const auto& txn : options.transactions) {
    if (!app_ids.insert(txn.app_id).second) {
      return InvalidArgument(
          fmt::format("{}: txn appId '{}' appears twice", plan.context, txn.app_id));
    }
  }
  return Status::Ok();
}

// Idempotency: whether every txn of the write is already committed (then the write is done).
// Conflict when only some are.
Result<bool> AlreadyCommitted(const WritePlan& plan, const WriteOptions& options) {
  if (!plan.snapshot || options.transactions.empty()) {
    return false;
  }
  size_t committed = 0;
  for (const auto& txn : options.transactions) {
    auto version = plan.snapshot->TransactionVersion(txn.app_id);
    if (version && *version >= txn.version) {
      ++committed;
    }
  }
  if (committed > 0 && committed < options.transactions.size()) {
    return Conflict(
        fmt::format("{}: some of the write's txns are already committed and some are "
                    "not; refusing a partial re-commit",
                    plan.context));
  }
  return committed > 0;
}

// An input written into an existing schema must hold exactly its columns, each of a type that
// widens into the table's.
Status CheckInputFitsTable(const WritePlan& plan) {
  const Schema& input = plan.input_columns.schema;
  for (const auto& field : plan.schema.fields()) {
    const SchemaField* given = input.Find(field.name);
    if (given == nullptr) {
      return InvalidArgument(
          fmt::format("{}: column \"{}\" ({}) of the table is missing from the input", plan.context,
                      field.name, DeltaTypeName(field.type)));
    }
    if (!Compatible(given->type, field.type)) {
      return InvalidArgument(fmt::format("{}: column \"{}\" is {} in the input but {} in the table",
                                         plan.context, field.name, DeltaTypeName(given->type),
                                         DeltaTypeName(field.type)));
    }
  }
  for (const auto& field : input.fields()) {
    if (plan.schema.Find(field.name) == nullptr) {
      return InvalidArgument(fmt::format("{}: column \"{}\" ({}) of the input is not in the table",
                                         plan.context, field.name, DeltaTypeName(field.type)));
    }
  }
  return Status::Ok();
}

// The schema and partition columns written: the input's when the write creates or overwrites the
// table, else the table's (which the input must fit).
Status ResolveSchema(const WriteOptions& options, WritePlan* plan) {
  const Snapshot* snapshot = plan->snapshot ? &*plan->snapshot : nullptr;
  if (plan->replaces_schema(options)) {
    plan->schema = plan->input_columns.schema;
    plan->partition_columns = options.partition_columns;
    if (snapshot && plan->partition_columns.empty()) {
      plan->partition_columns = snapshot->metadata.partition_columns;
    }
  } else {
    plan->schema = snapshot->schema;
    plan->partition_columns = snapshot->metadata.partition_columns;
    if (!options.partition_columns.empty() &&
        options.partition_columns != plan->partition_columns) {
      return InvalidArgument(fmt::format("{}: the table is partitioned by {}, not by {}",
                                         plan->context, JsonText(json(plan->partition_columns)),
                                         JsonText(json(options.partition_columns))));
    }
    DHL_RETURN_IF_ERROR(CheckInputFitsTable(*plan));
  }
  for (const auto& column : plan->partition_columns) {
    if (plan->schema.Find(column) == nullptr) {
      return InvalidArgument(
          fmt::format("{}: partition column \"{}\" is not a column", plan->context, column));
    }
  }
  if (!plan->partition_columns.empty() &&
      plan->partition_columns.size() == plan->schema.fields().size()) {
    return InvalidArgument(fmt::format("{}: every column is a partition column", plan->context));
  }
  if (options.mode == WriteMode::kReplacePartitions && plan->partition_columns.empty()) {
    return InvalidArgument(
        fmt::format("{}: replace partitions needs a partitioned table", plan->context));
  }
  if (!options.rewrite_operation.empty()) {
    if (options.mode != WriteMode::kOverwrite || snapshot == nullptr) {
      return InvalidArgument(fmt::format("{}: a rewrite ({}) overwrites an existing table",
                                         plan->context, options.rewrite_operation));
    }
    if (plan->schema.ToSchemaString() != snapshot->metadata.schema_string ||
        plan->partition_columns != snapshot->metadata.partition_columns) {
      return InvalidArgument(fmt::format(
          "{}: a rewrite ({}) keeps the table's schema and partitioning; the input changes them",
          plan->context, options.rewrite_operation));
    }
    return Status::Ok();  // the guarded rewrite of an append-only table
  }
  if (snapshot && snapshot->append_only() &&
      (options.mode == WriteMode::kOverwrite || options.mode == WriteMode::kReplacePartitions) &&
      !snapshot->files.empty()) {
    return InvalidArgument(fmt::format(
        "{}: the table is append-only (delta.appendOnly=true); overwrite and replace are refused",
        plan->context));
  }
  return Status::Ok();
}

// The data columns' casts (each to the type it is written as) and the partition fields.
Status ResolveColumns(const WriteOptions& options, WritePlan* plan) {
  const InputColumns& input = plan->input_columns;
  for (const auto& field : plan->schema.fields()) {
    if (std::find(plan->partition_columns.begin(), plan->partition_columns.end(), field.name) !=
        plan->partition_columns.end()) {
      continue;
    }
    std::string write_type;
    const size_t index =
        std::find(input.names.begin(), input.names.end(), field.name) - input.names.begin();
    if (plan->replaces_schema(options)) {
      DHL_RETURN_IF_ERROR(DeltaTypeOf(input.duckdb_types[index], &write_type).status());
    } else {
      DHL_ASSIGN_OR_RETURN(write_type, DuckDbTypeOf(field.type));
    }
    // An ENUM column of a string field is written as it is: DuckDB writes it as UTF-8 text
    // (BYTE_ARRAY, UTF8), dictionary-encoded from the enum's own values, without hashing each
    // row's text as a VARCHAR column's dictionary does (docs/delta.md, "Text columns written from
    // a dictionary").
    const bool enum_text = index < input.duckdb_types.size() &&
                           input.duckdb_types[index].starts_with("ENUM(") &&
                           PrimitiveTypeName(field.type) == "string";
    plan->data_select += (plan->data_select.empty() ? "" : ", ") +
                         (enum_text ? sql::QuoteName(field.name)
                                    : fmt::format("CAST({0} AS {1}) AS {0}",
                                                  sql::QuoteName(field.name), write_type));
    plan->data_columns.push_back(field);
  }
  for (const auto& column : plan->partition_columns) {
    plan->partition_fields.push_back(*plan->schema.Find(column));
  }
  return Status::Ok();
}

// The checkpoint interval the commit follows: the table's (or the created table's) setting wins.
Status ResolveCheckpointInterval(const WriteOptions& options, WritePlan* plan) {
  const auto& configuration =
      plan->snapshot ? plan->snapshot->metadata.configuration : options.configuration;
  auto interval = CheckpointInterval(configuration, options.checkpoint_interval);
  if (!interval.ok()) {
    // A bad value in the caller's options is theirs to fix; one in the log is corruption.
    Status status =
        plan->snapshot ? interval.status() : InvalidArgument(interval.status().message());
    return status.WithContext(plan->context);
  }
  plan->checkpoint_interval = *interval;
  return Status::Ok();
}

// The name of the key column of a partitioned write (WritePartitions).
constexpr std::string_view kPartitionKey = "__dhl_partition";

// Whether WritePartitions keys the rows by the value itself: one partition column, of an integral
// type (a year). DuckDB then hashes an integer per row to find its partition, where a text key
// costs a string value built per row (2 to 3 CPU s over gold.aggregate's 13M rows at medium scale).
bool IntegralKey(const std::vector<SchemaField>& fields) {
  return fields.size() == 1 && IsIntegralType(PrimitiveTypeName(fields[0].type));
}

// The partition values a key of WritePartitions encodes: under IntegralKey, the value in decimal
// digits as the log writes it, or NULL; otherwise per partition field, 'n' (NULL) or 'v' and the
// hex of the value as the log writes it, '_' between fields.
Result<PartitionValues> DecodePartitionKey(const std::vector<SchemaField>& fields,
                                           const std::string& key) {
  if (IntegralKey(fields)) {
    PartitionValues values;
    if (key == "NULL") {
      values[fields[0].name] = std::nullopt;
      return values;
    }
    const size_t sign = !key.empty() && key[0] == '-' ? 1 : 0;
    if (key.size() == sign || key.find_first_not_of("0123456789", sign) != std::string::npos) {
      return Internal("bad partition key " + key);
    }
    values[fields[0].name] = key;
    return values;
  }
  auto digit = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  };
  PartitionValues values;
  size_t at = 0;
  for (size_t i = 0; i < fields.size(); ++i) {
    size_t end = std::min(key.find('_', at), key.size());
    std::string_view part = std::string_view(key).substr(at, end - at);
    if (part == "n") {
      values[fields[i].name] = std::nullopt;
    } else if (!part.empty() && part[0] == 'v' && part.size() % 2 == 1) {
      std::string value;
      for (size_t j = 1; j < part.size(); j += 2) {
        int high = digit(part[j]);
        int low = digit(part[j + 1]);
        if (high < 0 || low < 0) return Internal("bad partition key " + key);
        value += static_cast<char>(high * 16 + low);
      }
      values[fields[i].name] = std::move(value);
    } else {
      return Internal("bad partition key " + key);
    }
    at = end + 1;
  }
  if (at < key.size()) return Internal("bad partition key " + key);
  return values;
}

// Writes a partitioned input in one COPY ... PARTITION_BY, the input read once: each row's
// partition tuple, rendered as the log writes it, is encoded into one key column of hex digits
// (folder names DuckDB writes as they are), which maps each staged folder back to its values.
Status WritePartitions(engine::Connection& connection, const WritePlan& plan,
                       const WriteOptions& options, DataFileWriter& writer) {
  std::string key_sql;
  if (IntegralKey(plan.partition_fields)) {
    key_sql = fmt::format("CAST({} AS BIGINT)", sql::QuoteName(plan.partition_fields[0].name));
  } else {
    for (const auto& field : plan.partition_fields) {
      DHL_ASSIGN_OR_RETURN(std::string value_sql, PartitionValueSql(field));
      key_sql += (key_sql.empty() ? "" : " || '_' || ") +
                 fmt::format("COALESCE('v' || upper(hex({})), 'n')", value_sql);
    }
  }
  auto partition_of = [&](const std::string& key) -> Result<DataFileWriter::Partition> {
    DHL_ASSIGN_OR_RETURN(PartitionValues values, DecodePartitionKey(plan.partition_fields, key));
    if (options.mode == WriteMode::kReplacePartitions &&
        std::none_of(
            options.replace_partitions.begin(), options.replace_partitions.end(),
            [&values](const PartitionValues& wanted) { return SamePartition(values, wanted); })) {
      return InvalidArgument(fmt::format(
          "the input holds rows of partition ({}) outside the partitions being replaced",
          PartitionText(values)));
    }
    std::string directory = PartitionDirectory(plan.partition_columns, values);
    return DataFileWriter::Partition{std::move(values), std::move(directory)};
  };
  return writer.WritePartitioned(
      connection,
      fmt::format("SELECT {}, {} AS {} FROM ({}) AS input", plan.data_select, key_sql,
                  sql::QuoteName(kPartitionKey), plan.input),
      std::string(kPartitionKey), partition_of, options.target_file_size);
}

// Writes the input's rows as data files with their statistics.
Status WriteDataFiles(engine::Connection& connection, const WritePlan& plan,
                      const WriteOptions& options, DataFileWriter& writer, StepTimes& steps) {
  auto step = std::make_unique<StepTimes::Scope>(steps, "copy");
  for (int piece = 0; piece < std::max(options.pieces, 1); ++piece) {
    if (options.before_piece) DHL_RETURN_IF_ERROR(options.before_piece(piece));
    if (plan.partition_fields.empty()) {
      DHL_RETURN_IF_ERROR(writer.WriteGroup(
          connection, fmt::format("SELECT {} FROM ({}) AS input", plan.data_select, plan.input), {},
          "", options.target_file_size));
    } else {
      DHL_RETURN_IF_ERROR(WritePartitions(connection, plan, options, writer));
    }
  }
  step = std::make_unique<StepTimes::Scope>(steps, "statistics");
  return writer
      .ComputeStatistics(connection, plan.data_columns, options.footer_statistics_minimum_bytes)
      .WithContext("computing file statistics");
}

// The commitInfo of a write and what it read (for conflict checks).
CommitInfo WriteCommitInfo(const WritePlan& plan, const WriteOptions& options, int64_t now,
                           ConflictScope* scope) {
  CommitInfo info;
  info.timestamp = now;
  info.engine_info = std::string(kEngineInfo);
  info.txn_id = Uuid4();
  info.operation = options.rewrite_operation.empty() ? "WRITE" : options.rewrite_operation;
  info.operation_parameters["partitionBy"] = JsonText(json(plan.partition_columns));
  for (const auto& txn : options.transactions) {
    scope->app_ids.insert(txn.app_id);
  }
  switch (options.mode) {
    case WriteMode::kCreate:
      info.operation_parameters["mode"] = "ErrorIfExists";
      break;
    case WriteMode::kAppend:
      info.operation_parameters["mode"] = "Append";
      break;
    case WriteMode::kOverwrite:
    case WriteMode::kReplacePartitions:
      info.operation_parameters["mode"] = "Overwrite";
      break;
  }
  if (plan.snapshot) {
    info.read_version = plan.snapshot->version;
  }
  if (plan.snapshot && options.mode == WriteMode::kOverwrite) {
    scope->blind_append = false;
    scope->any_add_conflicts = true;
  }
  if (options.mode == WriteMode::kReplacePartitions) {
    scope->blind_append = false;
    scope->read_partitions = options.replace_partitions;
    json predicate = json::array();
    for (const auto& partition : options.replace_partitions) {
      std::string clause;
      for (const auto& [column, value] : partition) {
        clause += (clause.empty() ? "" : " AND ") +
                  (value ? fmt::format("{} = {}", column, sql::StringLiteral(*value))
                         : fmt::format("{} IS NULL", column));
      }
      predicate.push_back("(" + clause + ")");
    }
    info.operation_parameters["predicate"] = JsonText(predicate);
  }
  info.is_blind_append = scope->blind_append;
  if (!scope->blind_append) {
    info.isolation_level = "Serializable";
  }
  return info;
}

RemoveFile RemoveOf(const AddFile& add, int64_t now, bool data_change) {
  RemoveFile remove;
  remove.path = add.path;
  remove.deletion_timestamp = now;
  remove.data_change = data_change;
  remove.extended_file_metadata = true;
  remove.partition_values = add.partition_values;
  remove.size = add.size;
  return remove;
}

// The removes of an overwrite (every live file) or a partition replace (the replaced partitions').
void AddRemoves(const WritePlan& plan, const WriteOptions& options, int64_t now,
                ConflictScope* scope, LogEntry* entry) {
  if (!plan.snapshot || scope->blind_append) {
    return;
  }
  for (const auto& [path, add] : plan.snapshot->files) {
    bool removed = options.mode == WriteMode::kOverwrite ||
                   std::any_of(options.replace_partitions.begin(), options.replace_partitions.end(),
                               [&file = add](const PartitionValues& wanted) {
                                 return SamePartition(file.partition_values, wanted);
                               });
    if (removed) {
      entry->removes.push_back(RemoveOf(add, now, /*data_change=*/true));
      scope->removed_paths.insert(path);
    }
  }
}

// The protocol and metaData a write carries: both when it creates the table, a new metaData when
// an overwrite changes the schema or partitioning, none otherwise.
void AddMetadata(const WritePlan& plan, const WriteOptions& options, int64_t now, LogEntry* entry) {
  const std::string schema_string = plan.schema.ToSchemaString();
  if (plan.creates()) {
    entry->protocol = Protocol{};
    Metadata metadata;
    metadata.id = Uuid4();
    metadata.schema_string = schema_string;
    metadata.partition_columns = plan.partition_columns;
    metadata.configuration = options.configuration;
    metadata.created_time = now;
    entry->metadata = metadata;
  } else if (options.mode == WriteMode::kOverwrite &&
             (schema_string != plan.snapshot->metadata.schema_string ||
              plan.partition_columns != plan.snapshot->metadata.partition_columns)) {
    Metadata metadata = plan.snapshot->metadata;
    metadata.schema_string = schema_string;
    metadata.partition_columns = plan.partition_columns;
    entry->metadata = metadata;
  }
}

// The commit of a write: its entry (commitInfo, protocol/metaData, removes, the writer's adds,
// txns) and what it read.
Result<CommitRequest> BuildWriteCommit(const WritePlan& plan, const WriteOptions& options,
                                       DataFileWriter& writer, int64_t now) {
  CommitRequest request;
  request.context = plan.context;
  request.first_version = plan.snapshot ? plan.snapshot->version + 1 : 0;
  request.max_attempts = options.max_commit_attempts;
  request.may_join_concurrent_create = plan.creates() && options.mode == WriteMode::kAppend;
  LogEntry& entry = request.entry;
  CommitInfo info = WriteCommitInfo(plan, options, now, &request.scope);
  AddRemoves(plan, options, now, &request.scope, &entry);
  entry.adds = std::move(writer.adds());
  for (auto txn : options.transactions) {
    txn.last_updated = now;
    entry.transactions.push_back(std::move(txn));
  }
  AddMetadata(plan, options, now, &entry);
  info.operation_metrics["numFiles"] = std::to_string(entry.adds.size());
  info.operation_metrics["numOutputRows"] = std::to_string(writer.rows());
  info.operation_metrics["numOutputBytes"] = std::to_string(writer.bytes());
  if (!entry.removes.empty()) {
    info.operation_metrics["numRemovedFiles"] = std::to_string(entry.removes.size());
  }
  entry.commit_info = info;
  return request;
}

}  // namespace

DeltaTable::DeltaTable(std::string root, FileSystem& file_system, const Clock& clock,
                       std::string writers_folder)
    : log_(std::move(root), file_system, clock), file_system_(&file_system), clock_(&clock) {
  if (!writers_folder.empty()) {
    writers_.emplace(std::move(writers_folder), clock);
  }
}

Result<Snapshot> DeltaTable::Load(engine::Connection& connection, const VersionSpec& spec) const {
  if (spec.timestamp_ms) {
    return log_.LoadAtTimestamp(connection, *spec.timestamp_ms);
  }
  return log_.Load(connection, spec.version);
}

Result<WriteResult> DeltaTable::CreateEmpty(const Schema& schema, const WriteOptions& options) {
  if (log_.Exists()) {
    return InvalidArgument(fmt::format("table {} already exists", root()));
  }
  const int64_t now = ToEpochMillis(clock_->Now());
  LogEntry entry;
  CommitInfo info;
  info.timestamp = now;
  info.operation = "CREATE TABLE";
  info.operation_parameters["partitionBy"] = JsonText(json(options.partition_columns));
  info.is_blind_append = true;
  info.engine_info = std::string(kEngineInfo);
  info.txn_id = Uuid4();
  entry.commit_info = info;
  entry.protocol = Protocol{};
  Metadata metadata;
  metadata.id = Uuid4();
  metadata.schema_string = schema.ToSchemaString();
  metadata.partition_columns = options.partition_columns;
  metadata.configuration = options.configuration;
  metadata.created_time = now;
  entry.metadata = metadata;
  DHL_RETURN_IF_ERROR(file_system_->CreateDirectories(log_.log_dir()));
  Status written = log_.WriteCommit(0, entry);
  if (!written.ok()) {
    return written.code() == StatusCode::kConflict
               ? Conflict(fmt::format("table {} was created concurrently", root()))
               : written;
  }
  WriteResult result;
  result.version = 0;
  result.attempts = 1;
  return result;
}

namespace {

// WriteOptions::before_commit and partitions_kept over the files `writer` wrote: true to commit
// (`options` then a replace of the partitions kept, when partitions_kept chose some); otherwise
// (false or an error, returned) the files are deleted.
Result<bool> ReviewWrittenFiles(const DeltaTable& table, const WritePlan& plan,
                                WriteOptions& options, DataFileWriter& writer) {
  Snapshot written;
  written.table_root = table.root();
  written.schema = plan.schema;
  written.metadata.partition_columns = plan.partition_columns;
  for (const AddFile& add : writer.adds()) {
    DHL_ASSIGN_OR_RETURN(std::string decoded, UriDecodePath(add.path));
    written.files[decoded] = add;
  }
  auto scan = table.ScanSql(written);
  Result<bool> commit = scan.ok() ? Result<bool>(true) : Result<bool>(scan.status());
  if (commit.ok() && options.before_commit) commit = options.before_commit(*scan);
  if (commit.ok() && *commit && options.partitions_kept) {
    auto kept = options.partitions_kept(*scan);
    if (!kept.ok()) {
      commit = kept.status();
    } else if (kept->has_value()) {
      commit = !(*kept)->empty();
      writer.KeepFiles([&](const AddFile& add) {
        return std::any_of((*kept)->begin(), (*kept)->end(), [&](const PartitionValues& wanted) {
          return SamePartition(add.partition_values, wanted);
        });
      });
      options.mode = WriteMode::kReplacePartitions;
      options.replace_partitions = std::move(**kept);
    }
  }
  if (commit.ok() && *commit) return true;
  writer.DeleteFiles();
  return commit;
}

}  // namespace

Result<WriteResult> DeltaTable::Write(engine::Connection& connection, std::string_view input_sql,
                                      const WriteOptions& options) {
  WritePlan plan;
  plan.context = fmt::format("write to {}", root());
  plan.input = std::string(WithoutTrailingSemicolons(input_sql));

  // Resolve what the write does: the input's columns, the table as it is, the schema written.
  auto input_columns = DescribeInput(connection, plan.input);
  if (!input_columns.ok()) {
    return input_columns.status().WithContext(plan.context);
  }
  plan.input_columns = std::move(input_columns).value();
  auto snapshot = ReadTable(log_, connection);
  if (!snapshot.ok()) {
    return snapshot.status().WithContext(plan.context);
  }
  plan.snapshot = std::move(snapshot).value();
  DHL_RETURN_IF_ERROR(CheckMode(plan, options));
  DHL_ASSIGN_OR_RETURN(bool already_committed, AlreadyCommitted(plan, options));
  if (already_committed) {
    WriteResult result;
    result.version = plan.snapshot->version;
    result.already_committed = true;
    return result;
  }
  DHL_RETURN_IF_ERROR(CheckDistinctAppIds(plan, options));
  DHL_RETURN_IF_ERROR(ResolveSchema(options, &plan));
  DHL_RETURN_IF_ERROR(ResolveColumns(options, &plan).WithContext(plan.context));
  DHL_RETURN_IF_ERROR(ResolveCheckpointInterval(options, &plan));

  // Write the data files (registered as a running writer, so that vacuum leaves them alone until
  // the commit names them), then build the entry that adds them.
  auto registration = RegisterWriter();
  if (!registration.ok()) {
    return registration.status().WithContext(plan.context);
  }
  DataFileWriter writer(root(), *file_system_);
  StepTimes steps;
  Status files_written = WriteDataFiles(connection, plan, options, writer, steps);
  if (!files_written.ok()) {
    writer.DeleteFiles();
    return files_written.WithContext(plan.context);
  }
  WriteOptions reviewed = options;  // what the commit does once the written files are reviewed
  if (options.before_commit || options.partitions_kept) {
    DHL_ASSIGN_OR_RETURN(bool commit, ReviewWrittenFiles(*this, plan, reviewed, writer));
    if (!commit) {
      WriteResult result;
      result.version = plan.snapshot ? plan.snapshot->version : -1;
      result.abandoned = true;
      result.rows_written = writer.rows();
      return result;
    }
  }
  DHL_ASSIGN_OR_RETURN(CommitRequest request,
                       BuildWriteCommit(plan, reviewed, writer, ToEpochMillis(clock_->Now())));

  // Commit, retrying after writers that won without conflicting.
  WriteResult result;
  result.rows_written = writer.rows();
  result.files_added = static_cast<int64_t>(request.entry.adds.size());
  result.files_removed = static_cast<int64_t>(request.entry.removes.size());
  result.bytes_written = writer.bytes();
  result.files_read_for_statistics = writer.files_read_for_statistics();
  if (plan.creates()) {
    DHL_RETURN_IF_ERROR(file_system_->CreateDirectories(log_.log_dir()));
  }
  {
    StepTimes::Scope step(steps, "commit");
    DHL_ASSIGN_OR_RETURN(CommitOutcome outcome, CommitWithRetry(log_, std::move(request)));
    result.version = outcome.version;
    result.attempts = outcome.attempts;
    CheckpointIfDue(connection, log_, outcome.version, plan.checkpoint_interval);
  }
  LogDebug("write {}: {} rows, {} files added, {} removed: {}", root(), result.rows_written,
           result.files_added, result.files_removed, steps.ToString());
  return result;
}

Result<std::string> DeltaTable::ScanSql(const Snapshot& snapshot, const FileFilter& filter) const {
  const auto& partition_columns = snapshot.metadata.partition_columns;
  std::vector<std::string> select_list;  // in schema order, per group with partition constants
  std::string empty_typed;               // every data column as a typed NULL
  std::vector<const SchemaField*> fields;
  for (const auto& field : snapshot.schema.fields()) {
    fields.push_back(&field);
    DHL_ASSIGN_OR_RETURN(std::string type, DuckDbTypeOf(field.type));
    bool is_partition = std::find(partition_columns.begin(), partition_columns.end(), field.name) !=
                        partition_columns.end();
    if (!is_partition) {
      empty_typed += (empty_typed.empty() ? "" : ", ") +
                     fmt::format("CAST(NULL AS {}) AS {}", type, sql::QuoteName(field.name));
    }
  }
  // Files grouped by partition tuple.
  std::map<PartitionValues, std::vector<std::string>> groups;
  for (const auto& [path, add] : snapshot.files) {
    if (!filter.MayMatch(add, snapshot.schema, partition_columns)) {
      continue;
    }
    PartitionValues values;
    for (const auto& column : partition_columns) {
      auto it = add.partition_values.find(column);
      values[column] = it == add.partition_values.end() ? std::nullopt : it->second;
    }
    groups[values].push_back(snapshot.FilePath(path));
  }
  if (groups.empty()) {
    std::string columns;
    for (const auto* field : fields) {
      DHL_ASSIGN_OR_RETURN(std::string type, DuckDbTypeOf(field->type));
      columns += (columns.empty() ? "" : ", ") +
                 fmt::format("CAST(NULL AS {}) AS {}", type, sql::QuoteName(field->name));
    }
    return fmt::format("SELECT {} WHERE false", columns);
  }
  std::string sql;
  for (const auto& [values, files] : groups) {
    std::string columns;
    for (const auto* field : fields) {
      DHL_ASSIGN_OR_RETURN(std::string type, DuckDbTypeOf(field->type));
      auto value = values.find(field->name);
      std::string expression;
      if (value != values.end()) {
        const bool is_null = !value->second || (value->second->empty() && field->type != "string");
        expression = is_null
                         ? fmt::format("CAST(NULL AS {})", type)
                         : fmt::format("CAST({} AS {})", sql::StringLiteral(*value->second), type);
      } else {
        expression = fmt::format("CAST({} AS {})", sql::QuoteName(field->name), type);
      }
      columns += (columns.empty() ? "" : ", ") + expression + " AS " + sql::QuoteName(field->name);
    }
    // The empty typed branch makes columns that no file of the group holds read as NULL.
    std::string source =
        empty_typed.empty()
            ? fmt::format("(SELECT 1 AS __one FROM read_parquet({}))",
                          sql::StringListLiteral(files))
            : fmt::format(
                  "(SELECT * FROM read_parquet({}{}) UNION ALL BY NAME SELECT {} WHERE false)",
                  sql::StringListLiteral(files), files.size() > 1 ? ", union_by_name=true" : "",
                  empty_typed);
    sql += (sql.empty() ? "" : " UNION ALL ") + fmt::format("SELECT {} FROM {}", columns, source);
  }
  return sql;
}

Status DeltaTable::CreateView(engine::Connection& connection, const Snapshot& snapshot,
                              std::string_view view_schema, std::string_view view_name,
                              const FileFilter& filter) const {
  DHL_ASSIGN_OR_RETURN(std::string scan, ScanSql(snapshot, filter));
  return connection.Execute(
      fmt::format("CREATE SCHEMA IF NOT EXISTS {0}; CREATE OR REPLACE VIEW {0}.{1} AS {2}",
                  sql::QuoteName(view_schema), sql::QuoteName(view_name), scan));
}

Result<std::optional<WriterRegistry::Registration>> DeltaTable::RegisterWriter() const {
  if (!writers_) {
    return std::optional<WriterRegistry::Registration>();
  }
  DHL_ASSIGN_OR_RETURN(WriterRegistry::Registration registration, writers_->Register(root()));
  return std::optional<WriterRegistry::Registration>(std::move(registration));
}

Result<VacuumResult> DeltaTable::Vacuum(engine::Connection& connection,
                                        const VacuumOptions& options) {
  const std::string context = "vacuum " + root();
  if (options.retention < kMinimumVacuumRetention && !options.force) {
    return InvalidArgument(fmt::format(
        "{}: a retention of {:.4g} hours is under the {} hours minimum: older versions that "
        "readers may still be reading would lose their files; pass --force to vacuum anyway",
        context, std::chrono::duration<double, std::ratio<3600>>(options.retention).count(),
        kMinimumVacuumRetention.count()));
  }
  // The clock, then the writers, then the snapshot: a writer registering after this point starts
  // after `now`, and the cutoff is before `now`, so files it writes (and may commit after our
  // snapshot) are never candidates; one registered earlier bounds the cutoff by its start.
  const int64_t now = ToEpochMillis(clock_->Now());
  int64_t cutoff = now - std::max<int64_t>(options.retention.count(), 1);
  if (writers_) {
    auto oldest = writers_->OldestStart();
    if (!oldest.ok()) {
      return oldest.status().WithContext(context);
    }
    if (*oldest) {
      cutoff = std::min(cutoff, **oldest - 1);
    }
  }
  DHL_ASSIGN_OR_RETURN(Snapshot snapshot, log_.Load(connection));
  std::set<std::string> keep;
  for (const auto& [path, add] : snapshot.files) {
    keep.insert(path);
  }
  const int64_t tombstone_cutoff = now - options.retention.count();
  for (const auto& [path, remove] : snapshot.tombstones) {
    if (remove.deletion_timestamp.value_or(now) > tombstone_cutoff) {
      keep.insert(path);
    }
  }
  DHL_ASSIGN_OR_RETURN(VacuumResult result, UnneededFiles(keep, cutoff));
  if (options.dry_run) {
    return result;
  }
  for (const auto& relative : result.files) {
    Status deleted = relative.ends_with("/")
                         ? file_system_->DeleteRecursively(root() + "/" + relative)
                         : file_system_->Delete(root() + "/" + relative);
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) {
      return deleted.WithContext(context);
    }
  }
  return result;
}

Result<VacuumResult> DeltaTable::UnneededFiles(const std::set<std::string>& keep,
                                               int64_t cutoff_ms) {
  VacuumResult result;
  // Adds `relative` to the result when nothing retained needs it and it is not newer than the
  // cutoff (a newer unreferenced file may belong to a write in flight).
  auto consider = [&](const std::string& relative, bool needed) -> Status {
    if (needed) {
      return Status::Ok();
    }
    auto info = file_system_->Stat(root() + "/" + relative);
    if (!info.ok()) {
      return info.status().code() == StatusCode::kNotFound ? Status::Ok() : info.status();
    }
    if (info->modification_time_ms <= cutoff_ms) {
      result.files.push_back(info->is_directory ? relative + "/" : relative);
      result.bytes += info->is_directory ? 0 : info->size;
    }
    return Status::Ok();
  };
  // Walks the table folder; data files live anywhere but in `_`/`.` folders. Our own leftovers
  // (staging folders, temporary log files) are collected too.
  std::vector<std::string> pending = {""};
  while (!pending.empty()) {
    std::string relative_dir = pending.back();
    pending.pop_back();
    const std::string dir = relative_dir.empty() ? root() : root() + "/" + relative_dir;
    DHL_ASSIGN_OR_RETURN(std::vector<FileInfo> entries, file_system_->List(dir));
    for (const auto& entry : entries) {
      const std::string relative =
          relative_dir.empty() ? entry.name : relative_dir + "/" + entry.name;
      if (entry.is_directory && entry.name.starts_with(".staging-")) {
        DHL_RETURN_IF_ERROR(consider(relative, false));
      } else if (entry.is_directory && entry.name == "_delta_log") {
        auto log_entries = file_system_->List(dir + "/_delta_log");
        for (const auto& log_entry : log_entries.ValueOr({})) {
          if (log_entry.name.starts_with(".tmp-")) {
            DHL_RETURN_IF_ERROR(consider("_delta_log/" + log_entry.name, false));
          }
        }
      } else if (entry.name.starts_with("_") || entry.name.starts_with(".")) {
        continue;  // hidden files (.crc checksums, _SUCCESS) and folders are not data
      } else if (entry.is_directory) {
        pending.push_back(relative);
      } else {
        DHL_RETURN_IF_ERROR(consider(relative, keep.contains(relative)));
      }
    }
  }
  std::sort(result.files.begin(), result.files.end());
  return result;
}

namespace {

// Optimize's rewrite: for each partition with at least `min_files` small files, writes their rows
// into target-sized files (through `writer`) and adds their removes to `entry` and `scope`.
// Returns the data columns (for the new files' statistics).
Result<std::vector<SchemaField>> CompactSmallFiles(engine::Connection& connection,
                                                   const DeltaTable& table,
                                                   const Snapshot& snapshot,
                                                   const OptimizeOptions& options, int64_t now,
                                                   DataFileWriter& writer, ConflictScope* scope,
                                                   LogEntry* entry, OptimizeResult* result) {
  const auto& partition_columns = snapshot.metadata.partition_columns;
  std::vector<SchemaField> data_columns;
  std::string data_select;
  for (const auto& field : snapshot.schema.fields()) {
    if (std::find(partition_columns.begin(), partition_columns.end(), field.name) ==
        partition_columns.end()) {
      data_columns.push_back(field);
      data_select += (data_select.empty() ? "" : ", ") + sql::QuoteName(field.name);
    }
  }
  std::map<PartitionValues, std::vector<std::string>> small_files;
  for (const auto& [path, add] : snapshot.files) {
    if (add.size < options.target_file_size) {
      small_files[add.partition_values].push_back(path);
    }
  }
  for (const auto& [values, paths] : small_files) {
    if (static_cast<int>(paths.size()) < std::max(2, options.min_files)) {
      continue;
    }
    Snapshot part = snapshot;
    part.files.clear();
    for (const auto& path : paths) {
      part.files[path] = snapshot.files.at(path);
    }
    DHL_ASSIGN_OR_RETURN(std::string scan, table.ScanSql(part));
    DHL_RETURN_IF_ERROR(
        writer.WriteGroup(connection, fmt::format("SELECT {} FROM ({})", data_select, scan), values,
                          PartitionDirectory(partition_columns, values), options.target_file_size));
    for (const auto& path : paths) {
      entry->removes.push_back(RemoveOf(snapshot.files.at(path), now, /*data_change=*/false));
      scope->removed_paths.insert(path);
    }
    ++result->partitions_compacted;
  }
  return data_columns;
}

}  // namespace

Result<OptimizeResult> DeltaTable::Optimize(engine::Connection& connection,
                                            const OptimizeOptions& options) {
  const std::string context = fmt::format("optimize {}", root());
  DHL_ASSIGN_OR_RETURN(Snapshot snapshot, log_.Load(connection));
  DHL_RETURN_IF_ERROR(snapshot.CheckWritable().WithContext(context));
  auto interval = CheckpointInterval(snapshot.metadata.configuration, options.checkpoint_interval);
  if (!interval.ok()) {
    return interval.status().WithContext(context);
  }

  // Rewrite each partition's small files into target-sized ones.
  auto registration = RegisterWriter();
  if (!registration.ok()) {
    return registration.status().WithContext(context);
  }
  OptimizeResult result;
  DataFileWriter writer(root(), *file_system_);
  CommitRequest request;
  request.context = context;
  request.first_version = snapshot.version + 1;
  request.max_attempts = options.max_commit_attempts;
  request.scope.blind_append = false;
  const int64_t now = ToEpochMillis(clock_->Now());
  auto compacted = CompactSmallFiles(connection, *this, snapshot, options, now, writer,
                                     &request.scope, &request.entry, &result);
  if (!compacted.ok()) {
    return compacted.status().WithContext(context);
  }
  const std::vector<SchemaField>& data_columns = *compacted;
  if (request.entry.removes.empty()) {
    return result;
  }
  DHL_RETURN_IF_ERROR(
      writer.ComputeStatistics(connection, data_columns, kFooterStatisticsMinimumBytes)
          .WithContext(context));

  // The entry: the rewritten files' removes and adds, none a data change.
  LogEntry& entry = request.entry;
  for (auto& add : writer.adds()) {
    add.data_change = false;
    entry.adds.push_back(add);
  }
  CommitInfo info;
  info.timestamp = now;
  info.operation = "OPTIMIZE";
  info.operation_parameters["predicate"] = "[]";
  info.operation_parameters["targetSize"] = std::to_string(options.target_file_size);
  info.read_version = snapshot.version;
  info.isolation_level = "SnapshotIsolation";
  info.is_blind_append = false;
  info.operation_metrics["numRemovedFiles"] = std::to_string(entry.removes.size());
  info.operation_metrics["numAddedFiles"] = std::to_string(entry.adds.size());
  info.engine_info = std::string(kEngineInfo);
  info.txn_id = Uuid4();
  entry.commit_info = info;
  result.files_removed = static_cast<int64_t>(entry.removes.size());
  result.files_added = static_cast<int64_t>(entry.adds.size());

  DHL_ASSIGN_OR_RETURN(CommitOutcome outcome, CommitWithRetry(log_, std::move(request)));
  result.version = outcome.version;
  CheckpointIfDue(connection, log_, outcome.version, *interval);
  return result;
}

}  // namespace dhl::lake
