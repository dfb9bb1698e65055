#include "lake/delta_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "base/hash.h"
#include "base/logging.h"
#include "lake/partition_path.h"
#include "sql/literal.h"

namespace dhl::lake {
namespace {

using nlohmann::json;

constexpr std::string_view kEngineInfo = "dhis2lake/0.1.0";
constexpr size_t kStatsColumnLimit = 32;
constexpr size_t kStatsStringLimit = 32;

std::string SqlList(const std::vector<std::string>& paths) {
  std::string list = "[";
  for (size_t i = 0; i < paths.size(); ++i) {
    list += (i > 0 ? ", " : "") + sql::StringLiteral(paths[i]);
  }
  return list + "]";
}

std::string JsonText(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string TypeName(const json& type) { return type.is_string() ? type.get<std::string>() : ""; }

// SQL rendering a partition column's value as the log writes it (docs/delta.md §5).
Result<std::string> PartitionValueSql(const SchemaField& field) {
  const std::string name = TypeName(field.type);
  const std::string column = sql::QuoteName(field.name);
  if (name == "timestamp" || name == "timestamp_ntz") {
    return fmt::format("strftime(CAST({} AS TIMESTAMPTZ), '%Y-%m-%dT%H:%M:%S.%fZ')", column);
  }
  if (name == "string" || name == "long" || name == "integer" || name == "short" ||
      name == "byte" || name == "boolean" || name == "date" || name == "float" ||
      name == "double" || name.starts_with("decimal")) {
    return fmt::format("CAST({} AS VARCHAR)", column);
  }
  return Unsupported(
      fmt::format("partition column \"{}\" has type {}, which we do not partition by", field.name,
                  DeltaTypeName(field.type)));
}

bool IsIntegral(const std::string& name) {
  return name == "byte" || name == "short" || name == "integer" || name == "long";
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
  const std::string in = TypeName(input);
  const std::string out = TypeName(table);
  if (IsIntegral(in) && IsIntegral(out)) {
    return IntegralRank(in) <= IntegralRank(out);
  }
  return in == "float" && out == "double";
}

// One column of a write: how to select it from the input and what it is in the table.
struct WriteColumn {
  SchemaField field;
  std::string cast_sql;  // CAST("c" AS <type>) AS "c"
  bool is_partition = false;
};

struct PartitionGroup {
  PartitionValues values;
  std::string where_sql;  // selects the group's rows from the input
};

bool SamePartition(const PartitionValues& file_values, const PartitionValues& wanted) {
  for (const auto& [column, value] : wanted) {
    auto it = file_values.find(column);
    std::optional<std::string> have;
    if (it != file_values.end() && it->second && !it->second->empty()) {
      have = it->second;
    }
    std::optional<std::string> want = value && !value->empty() ? value : std::nullopt;
    if (have != want) {
      return false;
    }
  }
  return true;
}

std::string PartitionText(const PartitionValues& values) {
  std::string text;
  for (const auto& [column, value] : values) {
    text += (text.empty() ? "" : ", ") + column + "=" + value.value_or("NULL");
  }
  return text;
}

}  // namespace

DeltaTable::DeltaTable(std::string root, FileSystem& file_system, const Clock& clock)
    : log_(std::move(root), file_system, clock), file_system_(&file_system), clock_(&clock) {}

Result<Snapshot> DeltaTable::Load(engine::Connection& connection, const VersionSpec& spec) const {
  if (spec.timestamp_ms) {
    return log_.LoadAtTimestamp(connection, *spec.timestamp_ms);
  }
  return log_.Load(connection, spec.version);
}

namespace {

// Writes the rows `select_sql` returns (data columns only) into target-sized Parquet files under
// `root`/`directory`, and describes them as adds with statistics. Files go to a hidden staging
// folder first and are moved into place whole.
class FileBatchWriter {
 public:
  FileBatchWriter(std::string root, FileSystem& file_system, const Clock& clock)
      : root_(std::move(root)), file_system_(file_system), clock_(clock) {}

  Status WriteGroup(engine::Connection& connection, const std::string& select_sql,
                    const PartitionValues& values, const std::string& directory,
                    int64_t target_file_size) {
    const std::string staging = root_ + "/.staging-" + Uuid4();
    DHL_RETURN_IF_ERROR(file_system_.CreateDirectories(root_));
    // DuckDB starts a new file only between row groups: small targets get smaller row groups.
    const int64_t target = std::max<int64_t>(target_file_size, 1024 * 1024);
    const int64_t row_group_size = std::clamp<int64_t>(target / 64, 2048, 122880);
    Status copied = connection.Execute(
        fmt::format("COPY ({}) TO {} (FORMAT PARQUET, FILE_SIZE_BYTES {}, ROW_GROUP_SIZE {}, "
                    "FILENAME_PATTERN 'part-00000-{{uuid}}.c000.snappy')",
                    select_sql, sql::StringLiteral(staging), target, row_group_size));
    if (!copied.ok()) {
      (void)file_system_.DeleteRecursively(staging);
      return copied;
    }
    auto entries = file_system_.List(staging);
    if (!entries.ok()) {
      if (entries.status().code() == StatusCode::kNotFound) {
        return Status::Ok();  // no rows, no file
      }
      return entries.status();
    }
    const std::string target_dir = directory.empty() ? root_ : root_ + "/" + directory;
    DHL_RETURN_IF_ERROR(file_system_.CreateDirectories(target_dir));
    for (const auto& entry : *entries) {
      if (entry.is_directory) {
        continue;
      }
      const std::string relative = directory.empty() ? entry.name : directory + "/" + entry.name;
      DHL_RETURN_IF_ERROR(
          file_system_.MoveIfAbsent(staging + "/" + entry.name, root_ + "/" + relative));
      DHL_ASSIGN_OR_RETURN(FileInfo info, file_system_.Stat(root_ + "/" + relative));
      AddFile add;
      add.path = UriEncodePath(relative);
      add.partition_values = values;
      add.size = info.size;
      add.modification_time = info.modification_time_ms;
      add.data_change = true;
      adds_.push_back(std::move(add));
      local_paths_.push_back(root_ + "/" + relative);
    }
    (void)file_system_.DeleteRecursively(staging);
    return Status::Ok();
  }

  // Computes the stats of every file written (one DuckDB query), drops files with no rows.
  Status ComputeStatistics(engine::Connection& connection,
                           const std::vector<SchemaField>& data_columns) {
    if (adds_.empty()) {
      return Status::Ok();
    }
    std::string select = "SELECT filename, count(*)";
    struct StatColumn {
      std::string name;
      std::string kind;  // number, float, date, timestamp, string, count_only
    };
    std::vector<StatColumn> columns;
    for (const auto& field : data_columns) {
      if (columns.size() >= kStatsColumnLimit) {
        break;
      }
      if (!IsPrimitive(field.type)) {
        continue;
      }
      const std::string type = TypeName(field.type);
      const std::string c = sql::QuoteName(field.name);
      StatColumn column{field.name, "count_only"};
      select += fmt::format(", count(*) - count({})", c);
      if (IsIntegral(type) || type.starts_with("decimal")) {
        column.kind = "number";
        select += fmt::format(", CAST(min({0}) AS VARCHAR), CAST(max({0}) AS VARCHAR)", c);
      } else if (type == "float" || type == "double") {
        column.kind = "number";
        select += fmt::format(
            ", CASE WHEN bool_or(isnan({0}) OR isinf({0})) THEN NULL ELSE CAST(min({0}) AS "
            "VARCHAR) END"
            ", CASE WHEN bool_or(isnan({0}) OR isinf({0})) THEN NULL ELSE CAST(max({0}) AS "
            "VARCHAR) END",
            c);
      } else if (type == "date") {
        column.kind = "string";
        select +=
            fmt::format(", strftime(min({0}), '%Y-%m-%d'), strftime(max({0}), '%Y-%m-%d')", c);
      } else if (type == "timestamp") {
        column.kind = "string";
        select += fmt::format(
            ", strftime(CAST(min({0}) AS TIMESTAMPTZ), '%Y-%m-%dT%H:%M:%S.%gZ')"
            ", strftime(CAST(max({0}) AS TIMESTAMPTZ), '%Y-%m-%dT%H:%M:%S.%gZ')",
            c);
      } else if (type == "string") {
        column.kind = "string";
        select += fmt::format(
            ", CASE WHEN length(min({0})) <= {1} AND length(max({0})) <= {1} THEN min({0}) END"
            ", CASE WHEN length(min({0})) <= {1} AND length(max({0})) <= {1} THEN max({0}) END",
            c, kStatsStringLimit);
      }
      columns.push_back(column);
    }
    select +=
        fmt::format(" FROM read_parquet({}, filename=true, union_by_name=true) GROUP BY filename",
                    SqlList(local_paths_));
    DHL_ASSIGN_OR_RETURN(engine::QueryResult result, connection.Query(select));
    std::map<std::string, std::string> stats_by_file;
    std::map<std::string, int64_t> rows_by_file;
    for (size_t row = 0; row < result.row_count(); ++row) {
      std::string file = result.GetString(0, row).value_or("");
      int64_t records = result.GetInt64(1, row).value_or(0);
      std::string min_values;
      std::string max_values;
      std::string null_count;
      size_t index = 2;
      for (const auto& column : columns) {
        const std::string key = JsonText(column.name);
        int64_t nulls = result.GetInt64(index++, row).value_or(0);
        null_count += (null_count.empty() ? "" : ",") + key + ":" + std::to_string(nulls);
        if (column.kind == "count_only") {
          continue;
        }
        auto min = result.GetString(index++, row);
        auto max = result.GetString(index++, row);
        if (!min || !max) {
          continue;
        }
        std::string min_text = column.kind == "number" ? *min : JsonText(*min);
        std::string max_text = column.kind == "number" ? *max : JsonText(*max);
        min_values += (min_values.empty() ? "" : ",") + key + ":" + min_text;
        max_values += (max_values.empty() ? "" : ",") + key + ":" + max_text;
      }
      stats_by_file[file] = fmt::format(
          "{{\"numRecords\":{},\"minValues\":{{{}}},\"maxValues\":{{{}}},\"nullCount\":{{{}}}}}",
          records, min_values, max_values, null_count);
      rows_by_file[file] = records;
    }
    std::vector<AddFile> kept;
    for (size_t i = 0; i < adds_.size(); ++i) {
      auto it = stats_by_file.find(local_paths_[i]);
      if (it == stats_by_file.end() || rows_by_file[local_paths_[i]] == 0) {
        (void)file_system_.Delete(local_paths_[i]);  // an empty file: nothing to add
        continue;
      }
      adds_[i].stats = it->second;
      rows_ += rows_by_file[local_paths_[i]];
      bytes_ += adds_[i].size;
      kept.push_back(std::move(adds_[i]));
    }
    adds_ = std::move(kept);
    return Status::Ok();
  }

  std::vector<AddFile>& adds() { return adds_; }
  int64_t rows() const { return rows_; }
  int64_t bytes() const { return bytes_; }

 private:
  std::string root_;
  FileSystem& file_system_;
  const Clock& clock_;
  std::vector<AddFile> adds_;
  std::vector<std::string> local_paths_;
  int64_t rows_ = 0;
  int64_t bytes_ = 0;
};

// Why a winning commit conflicts with ours, or nullopt (docs/delta.md §7).
struct ConflictScope {
  std::set<std::string> app_ids;
  bool blind_append = true;
  bool any_add_conflicts = false;                // full overwrite
  std::vector<PartitionValues> read_partitions;  // replace partitions
  std::set<std::string> removed_paths;           // decoded
};

std::optional<std::string> FindConflict(const LogEntry& winner, const ConflictScope& scope) {
  if (winner.protocol) {
    return "it changed the protocol";
  }
  if (winner.metadata) {
    return "it changed the table metadata (schema, partitioning or configuration)";
  }
  for (const auto& txn : winner.transactions) {
    if (scope.app_ids.contains(txn.app_id)) {
      return fmt::format("it committed a txn for appId '{}' (version {})", txn.app_id, txn.version);
    }
  }
  if (scope.blind_append) {
    return std::nullopt;
  }
  for (const auto& remove : winner.removes) {
    auto decoded = UriDecodePath(remove.path);
    if (decoded.ok() && scope.removed_paths.contains(*decoded)) {
      return fmt::format("it removed file {} that this commit also removes", remove.path);
    }
  }
  for (const auto& add : winner.adds) {
    if (!add.data_change) {
      continue;
    }
    if (scope.any_add_conflicts) {
      return fmt::format("it added file {} to the table this commit overwrites", add.path);
    }
    for (const auto& partition : scope.read_partitions) {
      if (SamePartition(add.partition_values, partition)) {
        return fmt::format("it added file {} to partition {} that this commit replaces", add.path,
                           PartitionText(partition));
      }
    }
  }
  return std::nullopt;
}

}  // namespace

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

Result<WriteResult> DeltaTable::Write(engine::Connection& connection, std::string_view input_sql,
                                      const WriteOptions& options) {
  std::string input(input_sql);
  while (!input.empty() &&
         (input.back() == ';' || std::isspace(static_cast<unsigned char>(input.back())))) {
    input.pop_back();
  }
  const std::string context = fmt::format("write to {}", root());

  // The input's columns.
  auto described = connection.Query("DESCRIBE " + input);
  if (!described.ok()) {
    return described.status().WithContext(context + ": reading the input");
  }
  std::vector<std::string> names;
  std::vector<std::string> types;
  for (size_t row = 0; row < described->row_count(); ++row) {
    names.push_back(described->GetString(0, row).value_or(""));
    types.push_back(described->GetString(1, row).value_or(""));
  }
  auto input_schema = Schema::FromDuckDb(names, types);
  if (!input_schema.ok()) {
    return input_schema.status().WithContext(context);
  }

  // The table as it is now.
  // A log folder without commits is a table being created by another writer (or a crashed create):
  // we create it too, and the put-if-absent commit of version 0 decides.
  std::optional<Snapshot> snapshot;
  if (log_.Exists() && log_.LatestVersion().ok()) {
    auto loaded = log_.Load(connection);
    if (!loaded.ok()) {
      return loaded.status().WithContext(context);
    }
    snapshot = std::move(loaded).value();
    DHL_RETURN_IF_ERROR(snapshot->CheckWritable().WithContext(context));
  }
  if (options.mode == WriteMode::kCreate && snapshot) {
    return InvalidArgument(fmt::format("{}: the table already exists", context));
  }
  if (options.mode == WriteMode::kReplacePartitions && !snapshot) {
    return InvalidArgument(
        fmt::format("{}: cannot replace partitions of a table that does not exist", context));
  }

  // Idempotency: a batch whose txns are all committed is done.
  if (snapshot && !options.transactions.empty()) {
    size_t committed = 0;
    for (const auto& txn : options.transactions) {
      auto version = snapshot->TransactionVersion(txn.app_id);
      if (version && *version >= txn.version) {
        ++committed;
      }
    }
    if (committed == options.transactions.size()) {
      WriteResult result;
      result.version = snapshot->version;
      result.already_committed = true;
      return result;
    }
    if (committed > 0) {
      return Conflict(
          fmt::format("{}: some of the write's txns are already committed and some are "
                      "not; refusing a partial re-commit",
                      context));
    }
  }
  {
    std::set<std::string> app_ids;
    for (const auto& txn : options.transactions) {
      if (!app_ids.insert(txn.app_id).second) {
        return InvalidArgument(
            fmt::format("{}: txn appId '{}' appears twice", context, txn.app_id));
      }
    }
  }

  // The schema written and the columns' casts.
  const bool creates = !snapshot;
  const bool replaces_schema = creates || options.mode == WriteMode::kOverwrite;
  Schema schema;
  std::vector<std::string> partition_columns;
  if (replaces_schema) {
    schema = *input_schema;
    partition_columns = options.partition_columns;
    if (!creates && partition_columns.empty() && options.mode == WriteMode::kOverwrite) {
      partition_columns = snapshot->metadata.partition_columns;
    }
  } else {
    schema = snapshot->schema;
    partition_columns = snapshot->metadata.partition_columns;
    if (!options.partition_columns.empty() && options.partition_columns != partition_columns) {
      return InvalidArgument(fmt::format("{}: the table is partitioned by {}, not by {}", context,
                                         JsonText(json(partition_columns)),
                                         JsonText(json(options.partition_columns))));
    }
    for (const auto& field : schema.fields()) {
      const SchemaField* given = input_schema->Find(field.name);
      if (given == nullptr) {
        return InvalidArgument(
            fmt::format("{}: column \"{}\" ({}) of the table is missing from the input", context,
                        field.name, DeltaTypeName(field.type)));
      }
      if (!Compatible(given->type, field.type)) {
        return InvalidArgument(
            fmt::format("{}: column \"{}\" is {} in the input but {} in the table", context,
                        field.name, DeltaTypeName(given->type), DeltaTypeName(field.type)));
      }
    }
    for (const auto& field : input_schema->fields()) {
      if (schema.Find(field.name) == nullptr) {
        return InvalidArgument(
            fmt::format("{}: column \"{}\" ({}) of the input is not in the table", context,
                        field.name, DeltaTypeName(field.type)));
      }
    }
  }
  for (const auto& column : partition_columns) {
    if (schema.Find(column) == nullptr) {
      return InvalidArgument(
          fmt::format("{}: partition column \"{}\" is not a column", context, column));
    }
  }
  if (!partition_columns.empty() && partition_columns.size() == schema.fields().size()) {
    return InvalidArgument(fmt::format("{}: every column is a partition column", context));
  }
  if (snapshot && snapshot->append_only() &&
      (options.mode == WriteMode::kOverwrite || options.mode == WriteMode::kReplacePartitions) &&
      !snapshot->files.empty()) {
    return InvalidArgument(fmt::format(
        "{}: the table is append-only (delta.appendOnly=true); overwrite and replace are refused",
        context));
  }
  std::vector<SchemaField> data_columns;
  std::vector<const SchemaField*> partition_fields;
  std::string data_select;
  for (const auto& field : schema.fields()) {
    bool is_partition = std::find(partition_columns.begin(), partition_columns.end(), field.name) !=
                        partition_columns.end();
    if (is_partition) {
      continue;
    }
    std::string write_type;
    if (replaces_schema) {
      auto mapped = DeltaTypeOf(
          types[std::find(names.begin(), names.end(), field.name) - names.begin()], &write_type);
      if (!mapped.ok()) {
        return mapped.status().WithContext(context);
      }
    } else {
      DHL_ASSIGN_OR_RETURN(write_type, DuckDbTypeOf(field.type));
    }
    data_select += (data_select.empty() ? "" : ", ") +
                   fmt::format("CAST({0} AS {1}) AS {0}", sql::QuoteName(field.name), write_type);
    data_columns.push_back(field);
  }
  for (const auto& column : partition_columns) {
    partition_fields.push_back(schema.Find(column));
  }

  // Write the data files: one COPY per partition.
  FileBatchWriter writer(root(), *file_system_, *clock_);
  if (partition_fields.empty()) {
    if (options.mode == WriteMode::kReplacePartitions) {
      return InvalidArgument(
          fmt::format("{}: replace partitions needs a partitioned table", context));
    }
    Status status = writer.WriteGroup(
        connection, fmt::format("SELECT {} FROM ({}) AS input", data_select, input), {}, "",
        options.target_file_size);
    if (!status.ok()) {
      return status.WithContext(context);
    }
  } else {
    const std::string temp = "__dhl_lake_write_" + HexEncode(RandomBytes(6));
    Status status = connection.Execute(
        fmt::format("CREATE TEMP TABLE {} AS SELECT * FROM ({}) AS input", temp, input));
    if (!status.ok()) {
      return status.WithContext(context + ": reading the input");
    }
    struct DropTemp {
      engine::Connection& connection;
      std::string name;
      ~DropTemp() { (void)connection.Execute("DROP TABLE IF EXISTS " + name); }
    } drop{connection, temp};
    std::string tuple_sql;
    for (const auto* field : partition_fields) {
      DHL_ASSIGN_OR_RETURN(std::string value_sql, PartitionValueSql(*field));
      tuple_sql += (tuple_sql.empty() ? "" : ", ") + value_sql;
    }
    DHL_ASSIGN_OR_RETURN(
        engine::QueryResult tuples,
        connection.Query(fmt::format("SELECT DISTINCT {} FROM {}", tuple_sql, temp)));
    for (size_t row = 0; row < tuples.row_count(); ++row) {
      PartitionValues values;
      std::string where;
      for (size_t i = 0; i < partition_fields.size(); ++i) {
        auto value = tuples.GetString(i, row);
        values[partition_fields[i]->name] = value;
        // A typed comparison (cheaper than rendering every row); the rendering round-trips.
        DHL_ASSIGN_OR_RETURN(std::string type, DuckDbTypeOf(partition_fields[i]->type));
        where +=
            (where.empty() ? "" : " AND ") +
            (value ? fmt::format("{} = CAST({} AS {})", sql::QuoteName(partition_fields[i]->name),
                                 sql::StringLiteral(*value), type)
                   : fmt::format("{} IS NULL", sql::QuoteName(partition_fields[i]->name)));
      }
      if (options.mode == WriteMode::kReplacePartitions) {
        bool inside = std::any_of(
            options.replace_partitions.begin(), options.replace_partitions.end(),
            [&values](const PartitionValues& wanted) { return SamePartition(values, wanted); });
        if (!inside) {
          return InvalidArgument(fmt::format(
              "{}: the input holds rows of partition ({}) outside the partitions being replaced",
              context, PartitionText(values)));
        }
      }
      status = writer.WriteGroup(
          connection, fmt::format("SELECT {} FROM {} WHERE {}", data_select, temp, where), values,
          PartitionDirectory(partition_columns, values), options.target_file_size);
      if (!status.ok()) {
        return status.WithContext(context);
      }
    }
  }
  Status stats = writer.ComputeStatistics(connection, data_columns);
  if (!stats.ok()) {
    return stats.WithContext(context + ": computing file statistics");
  }

  // The commit.
  const int64_t now = ToEpochMillis(clock_->Now());
  LogEntry entry;
  CommitInfo info;
  info.timestamp = now;
  info.engine_info = std::string(kEngineInfo);
  info.txn_id = Uuid4();
  info.operation = "WRITE";
  info.operation_parameters["partitionBy"] = JsonText(json(partition_columns));
  ConflictScope scope;
  for (const auto& txn : options.transactions) {
    scope.app_ids.insert(txn.app_id);
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
  if (snapshot) {
    info.read_version = snapshot->version;
  }
  if (snapshot && options.mode == WriteMode::kOverwrite) {
    scope.blind_append = false;
    scope.any_add_conflicts = true;
  }
  if (options.mode == WriteMode::kReplacePartitions) {
    scope.blind_append = false;
    scope.read_partitions = options.replace_partitions;
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
  info.is_blind_append = scope.blind_append;
  if (!scope.blind_append) {
    info.isolation_level = "Serializable";
  }
  if (snapshot && !scope.blind_append) {
    for (const auto& [path, add] : snapshot->files) {
      bool removed =
          options.mode == WriteMode::kOverwrite ||
          std::any_of(options.replace_partitions.begin(), options.replace_partitions.end(),
                      [&add](const PartitionValues& wanted) {
                        return SamePartition(add.partition_values, wanted);
                      });
      if (!removed) {
        continue;
      }
      RemoveFile remove;
      remove.path = add.path;
      remove.deletion_timestamp = now;
      remove.data_change = true;
      remove.extended_file_metadata = true;
      remove.partition_values = add.partition_values;
      remove.size = add.size;
      entry.removes.push_back(std::move(remove));
      scope.removed_paths.insert(path);
    }
  }
  entry.adds = std::move(writer.adds());
  for (auto txn : options.transactions) {
    txn.last_updated = now;
    entry.transactions.push_back(std::move(txn));
  }
  const std::string schema_string = schema.ToSchemaString();
  if (creates) {
    entry.protocol = Protocol{};
    Metadata metadata;
    metadata.id = Uuid4();
    metadata.schema_string = schema_string;
    metadata.partition_columns = partition_columns;
    metadata.configuration = options.configuration;
    metadata.created_time = now;
    entry.metadata = metadata;
  } else if (options.mode == WriteMode::kOverwrite &&
             (schema_string != snapshot->metadata.schema_string ||
              partition_columns != snapshot->metadata.partition_columns)) {
    Metadata metadata = snapshot->metadata;
    metadata.schema_string = schema_string;
    metadata.partition_columns = partition_columns;
    entry.metadata = metadata;
  }
  info.operation_metrics["numFiles"] = std::to_string(entry.adds.size());
  info.operation_metrics["numOutputRows"] = std::to_string(writer.rows());
  info.operation_metrics["numOutputBytes"] = std::to_string(writer.bytes());
  if (!entry.removes.empty()) {
    info.operation_metrics["numRemovedFiles"] = std::to_string(entry.removes.size());
  }
  entry.commit_info = info;

  WriteResult result;
  result.rows_written = writer.rows();
  result.files_added = static_cast<int64_t>(entry.adds.size());
  result.files_removed = static_cast<int64_t>(entry.removes.size());
  result.bytes_written = writer.bytes();
  if (creates) {
    DHL_RETURN_IF_ERROR(file_system_->CreateDirectories(log_.log_dir()));
  }
  int64_t version = snapshot ? snapshot->version + 1 : 0;
  for (int attempt = 1;; ++attempt) {
    result.attempts = attempt;
    Status committed = log_.WriteCommit(version, entry);
    if (committed.ok()) {
      break;
    }
    if (committed.code() != StatusCode::kConflict) {
      return committed.WithContext(context);
    }
    if (attempt >= options.max_commit_attempts) {
      return Conflict(fmt::format("{}: gave up after {} attempts: other writers keep winning",
                                  context, attempt));
    }
    // Another writer won `version`: check every winning commit, then retry after the latest.
    DHL_ASSIGN_OR_RETURN(int64_t latest, log_.LatestVersion());
    for (int64_t winner = version; winner <= latest; ++winner) {
      auto winning = log_.ReadCommit(winner);
      if (!winning.ok()) {
        return winning.status().WithContext(context);
      }
      if (creates && winner == 0 && winning->metadata) {
        // The table was created concurrently: an append with the same schema may go on.
        auto other = Schema::Parse(winning->metadata->schema_string);
        if (options.mode == WriteMode::kAppend && other.ok() &&
            other->ToSchemaString() == schema_string &&
            winning->metadata->partition_columns == partition_columns &&
            !(winning->protocol && winning->protocol->reader_features)) {
          LogEntry without_metadata = *winning;
          without_metadata.protocol.reset();
          without_metadata.metadata.reset();
          if (auto reason = FindConflict(without_metadata, scope)) {
            return Conflict(fmt::format("{}: concurrent commit {} conflicts with this write: {}",
                                        context, log_.CommitPath(winner), *reason));
          }
          entry.protocol.reset();
          entry.metadata.reset();
          continue;
        }
      }
      if (auto reason = FindConflict(*winning, scope)) {
        return Conflict(fmt::format("{}: concurrent commit {} conflicts with this write: {}",
                                    context, log_.CommitPath(winner), *reason));
      }
    }
    if (entry.commit_info) {
      entry.commit_info->read_version = latest;
    }
    version = latest + 1;
  }
  result.version = version;

  const int interval = [&] {
    if (snapshot) {
      auto it = snapshot->metadata.configuration.find("delta.checkpointInterval");
      if (it != snapshot->metadata.configuration.end()) {
        int value = std::atoi(it->second.c_str());
        if (value > 0) {
          return value;
        }
      }
    }
    return std::max(1, options.checkpoint_interval);
  }();
  if (version > 0 && version % interval == 0) {
    auto at = log_.Load(connection, version);
    Status checkpointed = at.ok() ? log_.WriteCheckpoint(connection, *at) : at.status();
    if (!checkpointed.ok()) {
      LogWarn("{}: checkpoint at version {} not written: {}", root(), version,
              checkpointed.ToString());
    }
  }
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
            ? fmt::format("(SELECT 1 AS __one FROM read_parquet({}))", SqlList(files))
            : fmt::format(
                  "(SELECT * FROM read_parquet({}{}) UNION ALL BY NAME SELECT {} WHERE false)",
                  SqlList(files), files.size() > 1 ? ", union_by_name=true" : "", empty_typed);
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

Result<VacuumResult> DeltaTable::Vacuum(engine::Connection& connection,
                                        const VacuumOptions& options) {
  DHL_ASSIGN_OR_RETURN(Snapshot snapshot, log_.Load(connection));
  const int64_t now = ToEpochMillis(clock_->Now());
  const int64_t cutoff = now - options.retention.count();
  std::set<std::string> keep;
  for (const auto& [path, add] : snapshot.files) {
    keep.insert(path);
  }
  for (const auto& [path, remove] : snapshot.tombstones) {
    if (remove.deletion_timestamp.value_or(now) > cutoff) {
      keep.insert(path);
    }
  }
  VacuumResult result;
  // Adds `relative` to the result when nothing retained needs it and it is older than the cutoff
  // (a newer unreferenced file may belong to a write in flight).
  auto consider = [&](const std::string& relative, bool needed) -> Status {
    if (needed) {
      return Status::Ok();
    }
    auto info = file_system_->Stat(root() + "/" + relative);
    if (!info.ok()) {
      return info.status().code() == StatusCode::kNotFound ? Status::Ok() : info.status();
    }
    if (info->modification_time_ms <= cutoff) {
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
      if (entry.is_directory) {
        if (entry.name.starts_with(".staging-")) {
          DHL_RETURN_IF_ERROR(consider(relative, false));
          continue;
        }
        if (entry.name == "_delta_log") {
          auto log_entries = file_system_->List(dir + "/_delta_log");
          if (log_entries.ok()) {
            for (const auto& log_entry : *log_entries) {
              if (log_entry.name.starts_with(".tmp-")) {
                DHL_RETURN_IF_ERROR(consider("_delta_log/" + log_entry.name, false));
              }
            }
          }
          continue;
        }
        if (entry.name.starts_with("_") || entry.name.starts_with(".")) {
          continue;
        }
        pending.push_back(relative);
        continue;
      }
      if (entry.name.starts_with(".") || entry.name.starts_with("_")) {
        continue;  // hidden files (.crc checksums, _SUCCESS) are not data files
      }
      DHL_RETURN_IF_ERROR(consider(relative, keep.contains(relative)));
    }
  }
  std::sort(result.files.begin(), result.files.end());
  if (!options.dry_run) {
    for (const auto& relative : result.files) {
      Status deleted = relative.ends_with("/")
                           ? file_system_->DeleteRecursively(root() + "/" + relative)
                           : file_system_->Delete(root() + "/" + relative);
      if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) {
        return deleted.WithContext("vacuum " + root());
      }
    }
  }
  return result;
}

Result<OptimizeResult> DeltaTable::Optimize(engine::Connection& connection,
                                            const OptimizeOptions& options) {
  const std::string context = fmt::format("optimize {}", root());
  DHL_ASSIGN_OR_RETURN(Snapshot snapshot, log_.Load(connection));
  DHL_RETURN_IF_ERROR(snapshot.CheckWritable().WithContext(context));
  const auto& partition_columns = snapshot.metadata.partition_columns;
  std::map<PartitionValues, std::vector<std::string>> small_files;
  for (const auto& [path, add] : snapshot.files) {
    if (add.size < options.target_file_size) {
      small_files[add.partition_values].push_back(path);
    }
  }
  std::vector<SchemaField> data_columns;
  std::string data_select;
  for (const auto& field : snapshot.schema.fields()) {
    if (std::find(partition_columns.begin(), partition_columns.end(), field.name) ==
        partition_columns.end()) {
      data_columns.push_back(field);
      data_select += (data_select.empty() ? "" : ", ") + sql::QuoteName(field.name);
    }
  }
  OptimizeResult result;
  FileBatchWriter writer(root(), *file_system_, *clock_);
  LogEntry entry;
  const int64_t now = ToEpochMillis(clock_->Now());
  ConflictScope scope;
  scope.blind_append = false;
  for (const auto& [values, paths] : small_files) {
    if (static_cast<int>(paths.size()) < std::max(2, options.min_files)) {
      continue;
    }
    Snapshot part = snapshot;
    part.files.clear();
    for (const auto& path : paths) {
      part.files[path] = snapshot.files.at(path);
    }
    DHL_ASSIGN_OR_RETURN(std::string scan, ScanSql(part));
    Status status =
        writer.WriteGroup(connection, fmt::format("SELECT {} FROM ({})", data_select, scan), values,
                          PartitionDirectory(partition_columns, values), options.target_file_size);
    if (!status.ok()) {
      return status.WithContext(context);
    }
    for (const auto& path : paths) {
      const AddFile& add = snapshot.files.at(path);
      RemoveFile remove;
      remove.path = add.path;
      remove.deletion_timestamp = now;
      remove.data_change = false;
      remove.extended_file_metadata = true;
      remove.partition_values = add.partition_values;
      remove.size = add.size;
      entry.removes.push_back(std::move(remove));
      scope.removed_paths.insert(path);
    }
    ++result.partitions_compacted;
  }
  if (entry.removes.empty()) {
    return result;
  }
  DHL_RETURN_IF_ERROR(writer.ComputeStatistics(connection, data_columns).WithContext(context));
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
  int64_t version = snapshot.version + 1;
  for (int attempt = 1;; ++attempt) {
    Status committed = log_.WriteCommit(version, entry);
    if (committed.ok()) {
      break;
    }
    if (committed.code() != StatusCode::kConflict || attempt >= 100) {
      return committed.WithContext(context);
    }
    DHL_ASSIGN_OR_RETURN(int64_t latest, log_.LatestVersion());
    for (int64_t winner = version; winner <= latest; ++winner) {
      DHL_ASSIGN_OR_RETURN(LogEntry winning, log_.ReadCommit(winner));
      if (winning.protocol || winning.metadata) {
        return Conflict(fmt::format("{}: concurrent commit {} changed the table's metadata",
                                    context, log_.CommitPath(winner)));
      }
      for (const auto& remove : winning.removes) {
        auto decoded = UriDecodePath(remove.path);
        if (decoded.ok() && scope.removed_paths.contains(*decoded)) {
          return Conflict(fmt::format("{}: concurrent commit {} removed file {} being compacted",
                                      context, log_.CommitPath(winner), remove.path));
        }
      }
    }
    version = latest + 1;
  }
  result.version = version;
  result.files_removed = static_cast<int64_t>(entry.removes.size());
  result.files_added = static_cast<int64_t>(entry.adds.size());
  if (version % 10 == 0) {
    auto at = log_.Load(connection, version);
    Status checkpointed = at.ok() ? log_.WriteCheckpoint(connection, *at) : at.status();
    if (!checkpointed.ok()) {
      LogWarn("{}: checkpoint at version {} not written: {}", root(), version,
              checkpointed.ToString());
    }
  }
  return result;
}

}  // namespace dhl::lake
