#include "lake/delta_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <set>

#include "base/hash.h"
#include "base/logging.h"
#include "base/text.h"
#include "lake/partition_path.h"
#include "sql/literal.h"

namespace dhl::lake {
namespace {

using nlohmann::json;

constexpr int64_t kDefaultTombstoneRetentionMs = 7LL * 24 * 3600 * 1000;

bool AllDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

// Parses "interval 7 days" / "7 days" / "interval 1 hour"... (Delta's duration settings) into ms;
// nullopt for anything else (a non-integer amount, an unknown unit, an amount that overflows).
std::optional<int64_t> ParseIntervalMs(std::string_view text) {
  std::string lower = AsciiLower(Trim(text));
  if (lower.starts_with("interval ")) {
    lower = lower.substr(9);
  }
  std::vector<std::string_view> words = Split(lower, ' ');
  if (words.size() != 2) {
    return std::nullopt;
  }
  auto amount = ParseInt64(words[0], "interval", 0, INT64_MAX);
  std::string_view unit = words[1];
  if (unit.ends_with("s")) {
    unit.remove_suffix(1);
  }
  static const std::map<std::string_view, int64_t> kUnits = {
      {"millisecond", 1}, {"second", 1000},  {"minute", 60000},
      {"hour", 3600000},  {"day", 86400000}, {"week", 604800000}};
  auto it = kUnits.find(unit);
  if (!amount.ok() || it == kUnits.end() || *amount > INT64_MAX / it->second) {
    return std::nullopt;
  }
  return *amount * it->second;
}

// The checkpoint's columns, in Spark's order and with Spark's types (docs/delta.md §8).
constexpr std::string_view kCheckpointColumns =
    "txn: 'STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)', "
    "add: 'STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, "
    "modificationTime BIGINT, dataChange BOOLEAN, tags MAP(VARCHAR, VARCHAR), stats VARCHAR)', "
    "remove: 'STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, "
    "extendedFileMetadata BOOLEAN, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT)', "
    "metaData: 'STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider "
    "VARCHAR, options MAP(VARCHAR, VARCHAR)), schemaString VARCHAR, partitionColumns VARCHAR[], "
    "configuration MAP(VARCHAR, VARCHAR), createdTime BIGINT)', "
    "protocol: 'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER)'";

// Applies one commit's (or checkpoint's) actions to `snapshot`.
Status Apply(const LogEntry& entry, Snapshot* snapshot) {
  if (entry.protocol) {
    snapshot->protocol = *entry.protocol;
  }
  if (entry.metadata) {
    snapshot->metadata = *entry.metadata;
  }
  for (const auto& txn : entry.transactions) {
    snapshot->transactions[txn.app_id] = txn;
  }
  for (const auto& remove : entry.removes) {
    DHL_ASSIGN_OR_RETURN(std::string key, UriDecodePath(remove.path));
    snapshot->files.erase(key);
    snapshot->tombstones[key] = remove;
  }
  for (const auto& add : entry.adds) {
    DHL_ASSIGN_OR_RETURN(std::string key, UriDecodePath(add.path));
    DHL_RETURN_IF_ERROR(snapshot->CheckInsideTable(key));
    snapshot->tombstones.erase(key);
    snapshot->files[key] = add;
  }
  return Status::Ok();
}

// The fields of a STRUCT column of the checkpoint (empty when the column is absent or not a
// struct).
std::set<std::string> StructFields(const std::map<std::string, std::string>& column_types,
                                   const std::string& column) {
  std::set<std::string> fields;
  auto it = column_types.find(column);
  if (it == column_types.end()) {
    return fields;
  }
  auto type = DeltaTypeOf(it->second, nullptr);
  if (!type.ok() || !type->is_object() || !type->contains("fields")) {
    return fields;
  }
  for (const auto& field : (*type)["fields"]) {
    fields.insert(field.value("name", ""));
  }
  return fields;
}

// A checkpoint being read: its parts as one DuckDB source and the columns it has.
struct CheckpointSource {
  const std::vector<std::string>& files;
  std::string source;                               // read_parquet([...], union_by_name=true)
  std::map<std::string, std::string> column_types;  // column -> DuckDB type

  Status Fail(const Status& status) const {
    return Corruption(fmt::format("checkpoint {}: {}", files.front(), status.message()));
  }
  Status RowError(size_t row, std::string_view reason) const {
    return Corruption(fmt::format("checkpoint {} row {}: {}", files.front(), row, reason));
  }
};

constexpr const char* kAsJson = "CAST(to_json({}) AS VARCHAR)";

// SQL reading `column`.`name` (wrapped in `wrap`, a format with one {}), or NULL when the writer
// did not write that field.
std::string FieldSql(const std::set<std::string>& fields, const std::string& column,
                     const std::string& name, const char* wrap = nullptr) {
  if (!fields.contains(name)) {
    return "NULL";
  }
  std::string expression = column + "." + name;
  return wrap == nullptr ? expression : fmt::format(fmt::runtime(wrap), expression);
}

// partitionValues read as JSON: an object, or a MAP rendered as [{"key":..,"value":..}].
Result<PartitionValues> ParsePartitionValues(const CheckpointSource& checkpoint,
                                             const std::optional<std::string>& text, size_t row) {
  PartitionValues values;
  if (!text) {
    return values;
  }
  json parsed = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_array()) {
    json object = json::object();
    for (const auto& item : parsed) {
      if (!item.is_object() || !item.contains("key") || !item["key"].is_string()) {
        return checkpoint.RowError(row, "partitionValues is not a map");
      }
      object[item["key"].get<std::string>()] = item.contains("value") ? item["value"] : json();
    }
    parsed = object;
  }
  if (!parsed.is_object()) {
    return checkpoint.RowError(row, "partitionValues is not a map");
  }
  for (const auto& [name, value] : parsed.items()) {
    values[name] = value.is_string() ? std::optional<std::string>(value.get<std::string>())
                                     : (value.is_null() ? std::nullopt
                                                        : std::optional<std::string>(value.dump()));
  }
  return values;
}

Status ReadCheckpointAdds(engine::Connection& connection, const CheckpointSource& checkpoint,
                          LogEntry* entry) {
  auto fields = StructFields(checkpoint.column_types, "add");
  if (fields.empty()) {
    return Status::Ok();
  }
  auto rows = connection.Query(fmt::format(
      "SELECT {}, {}, {}, {}, {}, {}, {} FROM {} WHERE add IS NOT NULL",
      FieldSql(fields, "add", "path"), FieldSql(fields, "add", "partitionValues", kAsJson),
      FieldSql(fields, "add", "size"), FieldSql(fields, "add", "modificationTime"),
      FieldSql(fields, "add", "dataChange"), FieldSql(fields, "add", "stats"),
      FieldSql(fields, "add", "deletionVector", "({} IS NOT NULL)"), checkpoint.source));
  if (!rows.ok()) {
    return checkpoint.Fail(rows.status());
  }
  entry->adds.reserve(rows->row_count());
  for (size_t row = 0; row < rows->row_count(); ++row) {
    AddFile add;
    auto path = rows->GetString(0, row);
    if (!path) {
      return checkpoint.RowError(row, "add without a path");
    }
    add.path = *path;
    DHL_ASSIGN_OR_RETURN(add.partition_values,
                         ParsePartitionValues(checkpoint, rows->GetString(1, row), row));
    add.size = rows->GetInt64(2, row).value_or(0);
    add.modification_time = rows->GetInt64(3, row).value_or(0);
    add.data_change = rows->GetBool(4, row).value_or(false);
    add.stats = rows->GetString(5, row);
    add.has_deletion_vector = rows->GetBool(6, row).value_or(false);
    entry->adds.push_back(std::move(add));
  }
  return Status::Ok();
}

Status ReadCheckpointRemoves(engine::Connection& connection, const CheckpointSource& checkpoint,
                             LogEntry* entry) {
  auto fields = StructFields(checkpoint.column_types, "remove");
  if (fields.empty()) {
    return Status::Ok();
  }
  auto rows = connection.Query(fmt::format(
      "SELECT {}, {}, {}, {}, {}, {} FROM {} WHERE remove IS NOT NULL",
      FieldSql(fields, "remove", "path"), FieldSql(fields, "remove", "deletionTimestamp"),
      FieldSql(fields, "remove", "dataChange"), FieldSql(fields, "remove", "extendedFileMetadata"),
      FieldSql(fields, "remove", "partitionValues", kAsJson), FieldSql(fields, "remove", "size"),
      checkpoint.source));
  if (!rows.ok()) {
    return checkpoint.Fail(rows.status());
  }
  for (size_t row = 0; row < rows->row_count(); ++row) {
    RemoveFile remove;
    auto path = rows->GetString(0, row);
    if (!path) {
      return checkpoint.RowError(row, "remove without a path");
    }
    remove.path = *path;
    remove.deletion_timestamp = rows->GetInt64(1, row);
    remove.data_change = rows->GetBool(2, row).value_or(false);
    remove.extended_file_metadata = rows->GetBool(3, row);
    if (!rows->IsNull(4, row)) {
      DHL_ASSIGN_OR_RETURN(remove.partition_values,
                           ParsePartitionValues(checkpoint, rows->GetString(4, row), row));
    }
    remove.size = rows->GetInt64(5, row);
    entry->removes.push_back(std::move(remove));
  }
  return Status::Ok();
}

Status ReadCheckpointTransactions(engine::Connection& connection,
                                  const CheckpointSource& checkpoint, LogEntry* entry) {
  auto fields = StructFields(checkpoint.column_types, "txn");
  if (fields.empty()) {
    return Status::Ok();
  }
  auto rows = connection.Query(
      fmt::format("SELECT {}, {}, {} FROM {} WHERE txn IS NOT NULL",
                  FieldSql(fields, "txn", "appId"), FieldSql(fields, "txn", "version"),
                  FieldSql(fields, "txn", "lastUpdated"), checkpoint.source));
  if (!rows.ok()) {
    return checkpoint.Fail(rows.status());
  }
  for (size_t row = 0; row < rows->row_count(); ++row) {
    auto app_id = rows->GetString(0, row);
    auto version = rows->GetInt64(1, row);
    if (!app_id || !version) {
      return checkpoint.RowError(row, "txn without appId/version");
    }
    entry->transactions.push_back({*app_id, *version, rows->GetInt64(2, row)});
  }
  return Status::Ok();
}

// protocol and metaData: one row each, read as JSON and parsed like a commit line.
Status ReadCheckpointProtocolAndMetadata(engine::Connection& connection,
                                         const CheckpointSource& checkpoint, LogEntry* entry) {
  std::string others;
  std::string where;
  for (const char* column : {"protocol", "metaData"}) {
    if (checkpoint.column_types.contains(column)) {
      others += (others.empty() ? "" : ", ") + fmt::format("'{0}', {0}", column);
      where += (where.empty() ? "" : " OR ") + std::string(column) + " IS NOT NULL";
    }
  }
  if (others.empty()) {
    return Status::Ok();
  }
  auto rows =
      connection.Query(fmt::format("SELECT CAST(json_object({}) AS VARCHAR) FROM {} WHERE {}",
                                   others, checkpoint.source, where));
  if (!rows.ok()) {
    return checkpoint.Fail(rows.status());
  }
  for (size_t row = 0; row < rows->row_count(); ++row) {
    auto text = rows->GetString(0, row);
    if (!text) {
      continue;
    }
    json line = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    DHL_RETURN_IF_ERROR(entry->AddActions(
        line, fmt::format("checkpoint {} row {}", checkpoint.files.front(), row)));
  }
  return Status::Ok();
}

// Reads a checkpoint (all its parts) into `entry`. Adds, removes and txns are read as flat columns
// (fast even for many files); protocol and metaData rows as JSON.
Status ReadCheckpoint(engine::Connection& connection, const std::vector<std::string>& files,
                      LogEntry* entry) {
  CheckpointSource checkpoint{
      files,
      fmt::format("read_parquet({}, union_by_name=true)", sql::StringListLiteral(files)),
      {}};
  auto described = connection.Query("DESCRIBE SELECT * FROM " + checkpoint.source);
  if (!described.ok()) {
    return checkpoint.Fail(described.status());
  }
  for (size_t row = 0; row < described->row_count(); ++row) {
    checkpoint.column_types[described->GetString(0, row).value_or("")] =
        described->GetString(1, row).value_or("");
  }
  DHL_RETURN_IF_ERROR(ReadCheckpointAdds(connection, checkpoint, entry));
  DHL_RETURN_IF_ERROR(ReadCheckpointRemoves(connection, checkpoint, entry));
  DHL_RETURN_IF_ERROR(ReadCheckpointTransactions(connection, checkpoint, entry));
  return ReadCheckpointProtocolAndMetadata(connection, checkpoint, entry);
}

}  // namespace

DeltaLog::DeltaLog(std::string table_root, FileSystem& file_system, const Clock& clock)
    : table_root_(std::move(table_root)), file_system_(&file_system), clock_(&clock) {
  while (table_root_.size() > 1 && table_root_.ends_with("/")) {
    table_root_.pop_back();
  }
}

std::string DeltaLog::log_dir() const { return table_root_ + "/_delta_log"; }

std::string DeltaLog::CommitPath(int64_t version) const {
  return fmt::format("{}/{:020d}.json", log_dir(), version);
}

bool DeltaLog::Exists() const {
  auto info = file_system_->Stat(log_dir());
  return info.ok() && info->is_directory;
}

Result<LogListing> DeltaLog::List() const {
  auto entries = file_system_->List(log_dir());
  if (!entries.ok()) {
    if (entries.status().code() == StatusCode::kNotFound) {
      return NotFound(fmt::format("{}: not a Delta table (no _delta_log folder)", table_root_));
    }
    return entries.status();
  }
  LogListing listing;
  // version -> (part count -> parts seen)
  std::map<int64_t, std::map<int64_t, std::vector<std::string>>> multi_part;
  for (const auto& entry : *entries) {
    const std::string& name = entry.name;
    if (entry.is_directory || name.size() < 21 ||
        !AllDigits(std::string_view(name).substr(0, 20)) || name[20] != '.') {
      continue;
    }
    auto version_number = ParseInt64(std::string_view(name).substr(0, 20), "version");
    if (!version_number.ok()) {
      return Corruption(fmt::format("{}/{}: not a log file name: {}", log_dir(), name,
                                    version_number.status().message()));
    }
    const int64_t version = *version_number;
    std::string_view rest = std::string_view(name).substr(21);
    if (rest == "json") {
      listing.commit_versions.push_back(version);
    } else if (rest == "checkpoint.parquet") {
      listing.checkpoints[version] = {log_dir() + "/" + name};
    } else if (rest.starts_with("checkpoint.") && rest.ends_with(".parquet") && rest.size() == 40 &&
               AllDigits(rest.substr(11, 10)) && rest[21] == '.' &&
               AllDigits(rest.substr(22, 10))) {
      // Ten digits always fit.
      const int64_t parts = ParseInt64(rest.substr(22, 10), "part count").ValueOr(0);
      multi_part[version][parts].push_back(log_dir() + "/" + name);
    }
  }
  for (auto& [version, by_count] : multi_part) {
    for (auto& [count, files] : by_count) {
      if (static_cast<int64_t>(files.size()) == count && !listing.checkpoints.contains(version)) {
        std::sort(files.begin(), files.end());
        listing.checkpoints[version] = files;
      }
    }
  }
  std::sort(listing.commit_versions.begin(), listing.commit_versions.end());
  return listing;
}

Result<int64_t> DeltaLog::LatestVersion() const {
  DHL_ASSIGN_OR_RETURN(LogListing listing, List());
  return LatestOf(listing);
}

Result<int64_t> DeltaLog::LatestOf(const LogListing& listing) const {
  int64_t latest = -1;
  if (!listing.commit_versions.empty()) {
    latest = listing.commit_versions.back();
  }
  if (!listing.checkpoints.empty()) {
    latest = std::max(latest, listing.checkpoints.rbegin()->first);
  }
  if (latest < 0) {
    return NotFound(fmt::format("{}: not a Delta table (_delta_log holds no commit)", table_root_));
  }
  return latest;
}

Result<std::optional<int64_t>> DeltaLog::ReadLastCheckpointVersion() const {
  auto text = file_system_->Read(log_dir() + "/_last_checkpoint");
  if (!text.ok()) {
    return std::optional<int64_t>();
  }
  json parsed = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || !parsed.contains("version") ||
      !parsed["version"].is_number_integer()) {
    LogWarn("{}/_last_checkpoint is not valid; listing the log instead", log_dir());
    return std::optional<int64_t>();
  }
  return std::optional<int64_t>(parsed["version"].get<int64_t>());
}

Result<LogEntry> DeltaLog::ReadCommit(int64_t version) const {
  std::string path = CommitPath(version);
  DHL_ASSIGN_OR_RETURN(std::string text, file_system_->Read(path));
  DHL_ASSIGN_OR_RETURN(LogEntry entry, LogEntry::Parse(text, path));
  entry.version = version;
  return entry;
}

Status DeltaLog::ReplayCommits(const std::set<int64_t>& commits, int64_t start, int64_t target,
                               Snapshot* snapshot) const {
  for (int64_t v = start; v <= target; ++v) {
    if (!commits.contains(v)) {
      return Corruption(
          fmt::format("{}: version {} is missing from the log (needed for version {})",
                      CommitPath(v), v, target));
    }
    DHL_ASSIGN_OR_RETURN(LogEntry entry, ReadCommit(v));
    DHL_RETURN_IF_ERROR(Apply(entry, snapshot).WithContext(CommitPath(v)));
    snapshot->version = v;
    if (entry.commit_info && entry.commit_info->timestamp) {
      snapshot->timestamp_ms = *entry.commit_info->timestamp;
    } else {
      auto info = file_system_->Stat(CommitPath(v));
      snapshot->timestamp_ms = info.ok() ? info->modification_time_ms : 0;
    }
  }
  return Status::Ok();
}

Status DeltaLog::StartFromCheckpoint(engine::Connection& connection,
                                     const std::vector<std::string>& files, int64_t version,
                                     Snapshot* snapshot) const {
  LogEntry entry;
  DHL_RETURN_IF_ERROR(ReadCheckpoint(connection, files, &entry));
  DHL_RETURN_IF_ERROR(Apply(entry, snapshot));
  snapshot->version = version;
  auto info = file_system_->Stat(files.front());
  snapshot->timestamp_ms = info.ok() ? info->modification_time_ms : 0;
  return Status::Ok();
}

Result<Snapshot> DeltaLog::Load(engine::Connection& connection, std::optional<int64_t> version,
                                bool check_features) const {
  DHL_ASSIGN_OR_RETURN(LogListing listing, List());
  DHL_ASSIGN_OR_RETURN(int64_t latest, LatestOf(listing));
  int64_t target = version.value_or(latest);
  if (target > latest || target < 0) {
    return NotFound(
        fmt::format("{}: version {} does not exist (latest is {})", table_root_, target, latest));
  }

  // Checkpoint candidates at or before the target, newest first; an unreadable one is skipped for
  // the next older (or for replaying the whole log).
  std::vector<int64_t> candidates;
  DHL_ASSIGN_OR_RETURN(std::optional<int64_t> hinted, ReadLastCheckpointVersion());
  for (auto it = listing.checkpoints.rbegin(); it != listing.checkpoints.rend(); ++it) {
    if (it->first <= target) {
      candidates.push_back(it->first);
    }
  }
  if (hinted && !listing.checkpoints.contains(*hinted)) {
    LogWarn("{}: _last_checkpoint names version {} whose checkpoint is missing; listing instead",
            log_dir(), *hinted);
  }
  Snapshot snapshot;
  snapshot.table_root = table_root_;
  int64_t start = 0;
  Status last_error = Status::Ok();
  for (int64_t candidate : candidates) {
    Snapshot from_checkpoint = snapshot;
    Status started = StartFromCheckpoint(connection, listing.checkpoints.at(candidate), candidate,
                                         &from_checkpoint);
    if (started.ok()) {
      snapshot = std::move(from_checkpoint);
      start = candidate + 1;
      break;
    }
    last_error = started;
    LogWarn("{}; trying an older checkpoint", started.message());
  }
  const std::set<int64_t> commits(listing.commit_versions.begin(), listing.commit_versions.end());
  if (start == 0 && !commits.contains(0)) {
    return last_error.ok() ? Corruption(fmt::format("{}: version 0 is missing from the log and no "
                                                    "checkpoint covers version {}",
                                                    log_dir(), target))
                           : last_error;
  }

  // The commits after the checkpoint, then the schema and the features.
  DHL_RETURN_IF_ERROR(ReplayCommits(commits, start, target, &snapshot));
  if (snapshot.metadata.schema_string.empty()) {
    return Corruption(fmt::format("{}: no metaData action up to version {}", log_dir(), target));
  }
  auto schema = Schema::Parse(snapshot.metadata.schema_string);
  if (!schema.ok()) {
    return schema.status().WithContext(log_dir());
  }
  snapshot.schema = std::move(schema).value();
  if (check_features) {
    DHL_RETURN_IF_ERROR(snapshot.CheckReadable());
  }
  return snapshot;
}

Result<std::map<int64_t, int64_t>> DeltaLog::CommitTimestamps() const {
  DHL_ASSIGN_OR_RETURN(LogListing listing, List());
  std::map<int64_t, int64_t> timestamps;
  int64_t previous = INT64_MIN;
  for (int64_t version : listing.commit_versions) {
    DHL_ASSIGN_OR_RETURN(LogEntry entry, ReadCommit(version));
    int64_t timestamp = 0;
    if (entry.commit_info && entry.commit_info->timestamp) {
      timestamp = *entry.commit_info->timestamp;
    } else {
      DHL_ASSIGN_OR_RETURN(FileInfo info, file_system_->Stat(CommitPath(version)));
      timestamp = info.modification_time_ms;
    }
    if (previous != INT64_MIN && timestamp <= previous) {
      timestamp = previous + 1;
    }
    timestamps[version] = timestamp;
    previous = timestamp;
  }
  return timestamps;
}

Result<Snapshot> DeltaLog::LoadAtTimestamp(engine::Connection& connection,
                                           int64_t timestamp_ms) const {
  DHL_ASSIGN_OR_RETURN(auto timestamps, CommitTimestamps());
  std::optional<int64_t> chosen;
  for (const auto& [version, timestamp] : timestamps) {
    if (timestamp <= timestamp_ms) {
      chosen = version;
    }
  }
  if (!chosen) {
    return NotFound(fmt::format(
        "{}: no commit at or before {} (the earliest is {})", table_root_,
        FormatIsoUtcMillis(timestamp_ms),
        timestamps.empty() ? std::string("none") : FormatIsoUtcMillis(timestamps.begin()->second)));
  }
  DHL_ASSIGN_OR_RETURN(Snapshot snapshot, Load(connection, *chosen));
  snapshot.timestamp_ms = timestamps[*chosen];
  return snapshot;
}

Result<std::vector<HistoryEntry>> DeltaLog::History(size_t limit) const {
  DHL_ASSIGN_OR_RETURN(auto timestamps, CommitTimestamps());
  std::vector<HistoryEntry> history;
  std::map<std::string, std::optional<int64_t>> rows_of_path;
  for (const auto& [version, timestamp] : timestamps) {
    DHL_ASSIGN_OR_RETURN(LogEntry entry, ReadCommit(version));
    HistoryEntry item;
    item.version = version;
    item.timestamp_ms = timestamp;
    if (entry.commit_info) {
      item.operation = entry.commit_info->operation;
      item.operation_parameters = entry.commit_info->operation_parameters;
    }
    item.files_added = static_cast<int64_t>(entry.adds.size());
    item.files_removed = static_cast<int64_t>(entry.removes.size());
    item.rows_added = 0;
    for (const auto& add : entry.adds) {
      item.bytes_added += add.size;
      auto stats = ParseFileStatistics(add.stats);
      std::optional<int64_t> rows;
      if (stats && stats->num_records) {
        rows = *stats->num_records;
      }
      rows_of_path[add.path] = rows;
      if (rows && item.rows_added) {
        *item.rows_added += *rows;
      } else {
        item.rows_added.reset();
      }
    }
    item.rows_removed = 0;
    for (const auto& remove : entry.removes) {
      auto it = rows_of_path.find(remove.path);
      if (it != rows_of_path.end() && it->second && item.rows_removed) {
        *item.rows_removed += *it->second;
      } else {
        item.rows_removed.reset();
      }
    }
    item.transactions = entry.transactions;
    history.push_back(std::move(item));
  }
  std::reverse(history.begin(), history.end());
  if (limit > 0 && history.size() > limit) {
    history.resize(limit);
  }
  return history;
}

Status DeltaLog::WriteCommit(int64_t version, const LogEntry& entry) {
  return file_system_->PutIfAbsent(CommitPath(version), entry.Serialize());
}

Result<int64_t> DeltaLog::RemoveHistoryBefore(engine::Connection& connection,
                                              const Snapshot& snapshot) {
  DHL_RETURN_IF_ERROR(WriteCheckpoint(connection, snapshot));
  DHL_ASSIGN_OR_RETURN(std::vector<FileInfo> entries, file_system_->List(log_dir()));
  int64_t deleted = 0;
  for (const FileInfo& entry : entries) {
    const std::string& name = entry.name;
    if (entry.is_directory || name.size() < 21 ||
        !AllDigits(std::string_view(name).substr(0, 20)) || name[20] != '.') {
      continue;
    }
    DHL_ASSIGN_OR_RETURN(int64_t version,
                         ParseInt64(std::string_view(name).substr(0, 20), "version"));
    if (version < snapshot.version) {
      DHL_RETURN_IF_ERROR(file_system_->Delete(log_dir() + "/" + name));
      ++deleted;
    }
  }
  return deleted;
}

Status DeltaLog::WriteCheckpoint(engine::Connection& connection, const Snapshot& snapshot) {
  const std::string final_path =
      fmt::format("{}/{:020d}.checkpoint.parquet", log_dir(), snapshot.version);
  if (file_system_->Stat(final_path).ok()) {
    return Status::Ok();
  }
  int64_t retention_ms = kDefaultTombstoneRetentionMs;
  auto setting = snapshot.metadata.configuration.find("delta.deletedFileRetentionDuration");
  if (setting != snapshot.metadata.configuration.end()) {
    retention_ms = ParseIntervalMs(setting->second).value_or(retention_ms);
  }
  const int64_t now = ToEpochMillis(clock_->Now());

  // The reconciled actions as newline-delimited JSON, turned into typed Parquet by DuckDB.
  std::string lines;
  int64_t rows = 0;
  auto append = [&lines, &rows](const char* action, json body) {
    json line = json::object();
    line[action] = std::move(body);
    lines += JsonText(line);
    lines += '\n';
    ++rows;
  };
  append("protocol", ToJson(snapshot.protocol));
  append("metaData", ToJson(snapshot.metadata));
  for (const auto& [app_id, txn] : snapshot.transactions) {
    append("txn", ToJson(txn));
  }
  for (const auto& [path, add] : snapshot.files) {
    AddFile copy = add;
    copy.data_change = false;
    append("add", ToJson(copy));
  }
  for (const auto& [path, remove] : snapshot.tombstones) {
    if (remove.deletion_timestamp.value_or(0) > now - retention_ms) {
      RemoveFile copy = remove;
      copy.data_change = false;
      append("remove", ToJson(copy));
    }
  }
  const std::string stem = log_dir() + "/.tmp-" + Uuid4();
  const std::string json_path = stem + ".checkpoint.json";
  const std::string parquet_path = stem + ".checkpoint.parquet";
  DHL_RETURN_IF_ERROR(file_system_->Replace(json_path, lines));
  Status copied = connection.Execute(fmt::format(
      "COPY (SELECT txn, add, remove, metaData, protocol FROM read_json({}, "
      "format='newline_delimited', columns={{{}}})) TO {} (FORMAT PARQUET)",
      sql::StringLiteral(json_path), kCheckpointColumns, sql::StringLiteral(parquet_path)));
  (void)file_system_->Delete(json_path);
  if (!copied.ok()) {
    (void)file_system_->Delete(parquet_path);
    return copied.WithContext("checkpoint " + final_path);
  }
  // DuckDB wrote the file outside our FileSystem: make it durable before it gets its final name.
  Status synced = file_system_->Sync(parquet_path);
  if (!synced.ok()) {
    (void)file_system_->Delete(parquet_path);
    return synced.WithContext("checkpoint " + final_path);
  }
  DHL_ASSIGN_OR_RETURN(FileInfo written, file_system_->Stat(parquet_path));
  Status moved = file_system_->MoveIfAbsent(parquet_path, final_path);
  if (!moved.ok() && moved.code() != StatusCode::kConflict) {
    return moved;
  }
  DHL_ASSIGN_OR_RETURN(std::optional<int64_t> current, ReadLastCheckpointVersion());
  if (current && *current >= snapshot.version) {
    return Status::Ok();
  }
  json last = {{"version", snapshot.version},
               {"size", rows},
               {"sizeInBytes", written.size},
               {"numOfAddFiles", static_cast<int64_t>(snapshot.files.size())}};
  return file_system_->Replace(log_dir() + "/_last_checkpoint", last.dump() + "\n");
}

}  // namespace dhl::lake
