#include "lake/data_file_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include "base/hash.h"
#include "base/logging.h"
#include "lake/log_entry.h"
#include "lake/partition_path.h"
#include "sql/literal.h"

namespace dhl::lake {
namespace {

constexpr size_t kStatsColumnLimit = 32;
constexpr size_t kStatsStringLimit = 32;
constexpr int64_t kMinimumTargetFileSize = 1024 * 1024;

// One column's part of the statistics queries and how its min/max read back.
struct StatColumn {
  std::string name;
  std::string duckdb_type;  // what the footer's min/max text is cast to
  enum class Kind { kCountOnly, kNumber, kString } kind = Kind::kCountOnly;
};

// How the footer's min/max of a column of primitive `type` read back.
StatColumn::Kind StatKind(const std::string& type) {
  if (IsIntegralType(type) || type.starts_with("decimal") || type == "float" || type == "double") {
    return StatColumn::Kind::kNumber;
  }
  if (type == "date" || type == "timestamp" || type == "string") return StatColumn::Kind::kString;
  return StatColumn::Kind::kCountOnly;
}

// The min/max expressions of one column (docs/delta.md §6) from the expressions of its least and
// greatest value (`low`, `high`) and a condition true when it holds NaN or an infinity
// (`non_finite`), or "" when only nulls are counted (StatKind kCountOnly).
std::string MinMaxSql(const std::string& type, const std::string& low, const std::string& high,
                      const std::string& non_finite) {
  if (IsIntegralType(type) || type.starts_with("decimal")) {
    return fmt::format(", CAST({} AS VARCHAR), CAST({} AS VARCHAR)", low, high);
  }
  if (type == "float" || type == "double") {
    return fmt::format(
        ", CASE WHEN {0} THEN NULL ELSE CAST({1} AS VARCHAR) END"
        ", CASE WHEN {0} THEN NULL ELSE CAST({2} AS VARCHAR) END",
        non_finite, low, high);
  }
  if (type == "date") {
    return fmt::format(", strftime({}, '%Y-%m-%d'), strftime({}, '%Y-%m-%d')", low, high);
  }
  if (type == "timestamp") {
    return fmt::format(
        ", strftime(CAST({} AS TIMESTAMPTZ), '%Y-%m-%dT%H:%M:%S.%gZ')"
        ", strftime(CAST({} AS TIMESTAMPTZ), '%Y-%m-%dT%H:%M:%S.%gZ')",
        low, high);
  }
  if (type == "string") {
    return fmt::format(
        ", CASE WHEN length({0}) <= {2} AND length({1}) <= {2} THEN {0} END"
        ", CASE WHEN length({0}) <= {2} AND length({1}) <= {2} THEN {1} END",
        low, high, kStatsStringLimit);
  }
  return "";
}

// The columns that get statistics: the first kStatsColumnLimit primitive ones.
Result<std::vector<StatColumn>> StatColumns(const std::vector<SchemaField>& data_columns) {
  std::vector<StatColumn> columns;
  for (const auto& field : data_columns) {
    if (columns.size() >= kStatsColumnLimit) break;
    if (!IsPrimitive(field.type)) continue;
    DHL_ASSIGN_OR_RETURN(std::string duckdb_type, DuckDbTypeOf(field.type));
    columns.push_back(StatColumn{field.name, std::move(duckdb_type)});
  }
  return columns;
}

// The query computing per-file statistics of `files` by reading their rows: filename, count(*),
// then per column its null count and (unless count-only) min and max.
std::string ScanStatisticsQuery(const std::vector<std::string>& files,
                                const std::vector<SchemaField>& data_columns,
                                std::vector<StatColumn>& columns) {
  std::string select = "SELECT filename, count(*)";
  for (auto& column : columns) {
    const std::string c = sql::QuoteName(column.name);
    const SchemaField& field =
        *std::find_if(data_columns.begin(), data_columns.end(),
                      [&](const SchemaField& f) { return f.name == column.name; });
    const std::string type = PrimitiveTypeName(field.type);
    column.kind = StatKind(type);
    select += fmt::format(", count(*) - count({})", c);
    select += MinMaxSql(type, "min(" + c + ")", "max(" + c + ")",
                        fmt::format("bool_or(isnan({0}) OR isinf({0}))", c));
  }
  return select +
         fmt::format(" FROM read_parquet({}, filename=true, union_by_name=true) GROUP BY filename",
                     sql::StringListLiteral(files));
}

// What the statistics of one file say: its rows, and per column of StatColumns its null count and
// (unless count-only or unknown) the min/max texts as the stats JSON writes them.
struct DataFileStatistics {
  int64_t rows = 0;
  struct Column {
    int64_t nulls = 0;
    std::optional<std::string> min, max;
  };
  std::vector<Column> columns;
};

// The statistics of row `row` of ScanStatisticsQuery's result.
DataFileStatistics ScannedStatistics(const engine::QueryResult& result, size_t row,
                                     const std::vector<StatColumn>& columns) {
  DataFileStatistics file;
  file.rows = result.GetInt64(1, row).value_or(0);
  size_t index = 2;
  for (const auto& column : columns) {
    DataFileStatistics::Column& stats = file.columns.emplace_back();
    stats.nulls = result.GetInt64(index++, row).value_or(0);
    if (column.kind == StatColumn::Kind::kCountOnly) continue;
    stats.min = result.GetString(index++, row);
    stats.max = result.GetString(index++, row);
  }
  return file;
}

// The same statistics from the files' Parquet footers (parquet_metadata: per row group and column
// its null count and min/max as text), without reading a row: one row per file and column path,
// grouped (a query with a column of aggregates per data column cost over a CPU second for four
// files of 49 columns, whatever their size; this one a few milliseconds). Its columns:
// file_name, path_in_schema, the file's row groups and rows (counted on column 0's row, else 0),
// the path's row groups, those with a null count, the null count, whether a row group with values
// lacks a min or max, whether the greatest maximum's row group is not exact (truncated), then per
// type of `types` (DuckDB type, primitive type) the min and max as the stats JSON writes them and
// the number of min/max texts that do not cast to it.
std::string FooterStatisticsQuery(const std::vector<std::string>& files,
                                  const std::vector<std::pair<std::string, std::string>>& types) {
  std::string select =
      "SELECT file_name, path_in_schema, count(*) FILTER (WHERE column_id = 0), "
      "COALESCE(sum(row_group_num_rows) FILTER (WHERE column_id = 0), 0), count(*), "
      "count(stats_null_count), COALESCE(sum(stats_null_count), 0), "
      "COALESCE(bool_or(stats_null_count < row_group_num_rows AND (stats_min_value IS NULL OR "
      "stats_max_value IS NULL)), false), "
      "NOT COALESCE(arg_max(COALESCE(max_is_exact, false), stats_max_value), true)";
  for (const auto& [duckdb_type, type] : types) {
    const std::string low = fmt::format("min(TRY_CAST(stats_min_value AS {}))", duckdb_type);
    const std::string high = fmt::format("max(TRY_CAST(stats_max_value AS {}))", duckdb_type);
    select += StatKind(type) == StatColumn::Kind::kCountOnly
                  ? std::string(", NULL, NULL")
                  : MinMaxSql(type, low, high,
                              fmt::format("(isnan({0}) OR isinf({0}) OR isnan({1}) OR isinf({1}))",
                                          low, high));
    select += fmt::format(
        ", count(stats_min_value) - count(TRY_CAST(stats_min_value AS {0})) + "
        "count(stats_max_value) - count(TRY_CAST(stats_max_value AS {0}))",
        duckdb_type);
  }
  return select + fmt::format(" FROM parquet_metadata({}) GROUP BY file_name, path_in_schema",
                              sql::StringListLiteral(files));
}

// The footer statistics of each of `files` (FooterStatisticsQuery); nullopt for a file whose footer
// cannot give the scan's exact answer, which is then read instead: a column not found once per row
// group, a row group with values but no min or max (DuckDB writes none for a double column holding
// NaN or an infinity, nor for strings it cannot truncate), a null count missing, a min/max text
// that does not cast back, or a truncated string maximum that may not be the greatest value (a
// truncated minimum is a string over the 32 characters kept, whose min/max are dropped either
// way).
Result<std::map<std::string, std::optional<DataFileStatistics>>> ReadFooterStatistics(
    engine::Connection& connection, const std::vector<std::string>& files,
    const std::vector<SchemaField>& data_columns, std::vector<StatColumn>& columns) {
  std::vector<std::pair<std::string, std::string>> types;      // (DuckDB type, primitive type)
  std::map<std::string, std::pair<size_t, size_t>> column_of;  // path -> (column, type)
  for (size_t i = 0; i < columns.size(); ++i) {
    StatColumn& column = columns[i];
    const SchemaField& field =
        *std::find_if(data_columns.begin(), data_columns.end(),
                      [&](const SchemaField& f) { return f.name == column.name; });
    std::pair<std::string, std::string> type{column.duckdb_type, PrimitiveTypeName(field.type)};
    column.kind = StatKind(type.second);
    auto known = std::find(types.begin(), types.end(), type);
    size_t type_index = static_cast<size_t>(known - types.begin());
    if (known == types.end()) types.push_back(std::move(type));
    column_of[column.name] = {i, type_index};
  }
  DHL_ASSIGN_OR_RETURN(engine::QueryResult result,
                       connection.Query(FooterStatisticsQuery(files, types)));
  struct Seen {
    int64_t row_groups = 0;
    DataFileStatistics statistics;
    std::vector<int64_t> groups, counted;
    bool scan = false;
  };
  std::map<std::string, Seen> seen;
  for (const std::string& file : files) {
    Seen& entry = seen[file];
    entry.statistics.columns.resize(columns.size());
    entry.groups.assign(columns.size(), 0);
    entry.counted.assign(columns.size(), 0);
  }
  constexpr size_t kPerType = 3;  // min, max, uncast
  constexpr size_t kFirstType = 9;
  for (size_t row = 0; row < result.row_count(); ++row) {
    auto found = seen.find(result.GetString(0, row).value_or(""));
    if (found == seen.end()) continue;
    Seen& file = found->second;
    file.row_groups += result.GetInt64(2, row).value_or(0);
    file.statistics.rows += result.GetInt64(3, row).value_or(0);
    auto column = column_of.find(result.GetString(1, row).value_or(""));
    if (column == column_of.end()) continue;
    const auto [index, type] = column->second;
    file.groups[index] += result.GetInt64(4, row).value_or(0);
    file.counted[index] += result.GetInt64(5, row).value_or(0);
    DataFileStatistics::Column& stats = file.statistics.columns[index];
    stats.nulls += result.GetInt64(6, row).value_or(0);
    if (columns[index].kind == StatColumn::Kind::kCountOnly) continue;
    const size_t at = kFirstType + type * kPerType;
    stats.min = result.GetString(at, row);
    stats.max = result.GetString(at + 1, row);
    file.scan = file.scan || result.GetBool(7, row).value_or(true) ||
                result.GetInt64(at + 2, row).value_or(1) != 0 ||
                (types[type].second == "string" && result.GetBool(8, row).value_or(true));
  }
  std::map<std::string, std::optional<DataFileStatistics>> statistics;
  for (auto& [file, entry] : seen) {
    bool scan = entry.scan;
    for (size_t i = 0; i < columns.size(); ++i) {
      // A min/max column absent from the file's footer (no row of it) cannot be answered.
      scan = scan || entry.groups[i] != entry.row_groups || entry.counted[i] != entry.row_groups ||
             (columns[i].kind != StatColumn::Kind::kCountOnly && entry.groups[i] == 0);
    }
    statistics[file] = scan ? std::nullopt : std::optional(std::move(entry.statistics));
  }
  return statistics;
}

// The stats JSON of a file.
std::string StatisticsJson(const DataFileStatistics& file, const std::vector<StatColumn>& columns) {
  std::string min_values;
  std::string max_values;
  std::string null_count;
  for (size_t i = 0; i < columns.size(); ++i) {
    const StatColumn& column = columns[i];
    const DataFileStatistics::Column& stats = file.columns[i];
    const std::string key = JsonText(column.name);
    null_count += (null_count.empty() ? "" : ",") + key + ":" + std::to_string(stats.nulls);
    if (column.kind == StatColumn::Kind::kCountOnly || !stats.min || !stats.max) {
      continue;
    }
    const bool number = column.kind == StatColumn::Kind::kNumber;
    min_values +=
        (min_values.empty() ? "" : ",") + key + ":" + (number ? *stats.min : JsonText(*stats.min));
    max_values +=
        (max_values.empty() ? "" : ",") + key + ":" + (number ? *stats.max : JsonText(*stats.max));
  }
  return fmt::format(
      "{{\"numRecords\":{},\"minValues\":{{{}}},\"maxValues\":{{{}}},\"nullCount\":{{{}}}}}",
      file.rows, min_values, max_values, null_count);
}

// DuckDB starts a new file only between row groups: small targets get smaller row groups.
int64_t RowGroupSize(int64_t target) { return std::clamp<int64_t>(target / 64, 2048, 122880); }

std::string ParentFolder(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

}  // namespace

DataFileWriter::DataFileWriter(std::string root, FileSystem& file_system)
    : root_(std::move(root)), file_system_(file_system) {}

Status DataFileWriter::WriteGroup(engine::Connection& connection, const std::string& select_sql,
                                  const PartitionValues& values, const std::string& directory,
                                  int64_t target_file_size) {
  const std::string staging = root_ + "/.staging-" + Uuid4();
  DHL_RETURN_IF_ERROR(file_system_.CreateDirectories(root_));
  const int64_t target = std::max<int64_t>(target_file_size, kMinimumTargetFileSize);
  const int64_t row_group_size = RowGroupSize(target);
  auto copied = connection.Query(
      fmt::format("COPY ({}) TO {} (FORMAT PARQUET, FILE_SIZE_BYTES {}, ROW_GROUP_SIZE {}, "
                  "FILENAME_PATTERN 'part-00000-{{uuid}}.c000.snappy')",
                  select_sql, sql::StringLiteral(staging), target, row_group_size));
  if (!copied.ok()) {
    (void)file_system_.DeleteRecursively(staging);
    return copied.status();
  }
  // COPY answers one row: the number of rows it wrote.
  const int64_t rows = copied->row_count() > 0 ? copied->GetInt64(0, 0).value_or(0) : 0;
  auto moved = MoveIntoPlace(staging, values, directory);
  (void)file_system_.DeleteRecursively(staging);
  if (!moved.ok()) {
    return moved.status();
  }
  if (rows > 0 && *moved == 0) {
    return IoError(fmt::format(
        "staging folder {} holds no data file although COPY wrote {} rows (another process "
        "removed it); nothing is committed",
        staging, rows));
  }
  rows_copied_ += rows;
  return Status::Ok();
}

Status DataFileWriter::WritePartitioned(
    engine::Connection& connection, const std::string& select_sql, const std::string& key_column,
    const std::function<Result<Partition>(const std::string&)>& partition_of,
    int64_t target_file_size) {
  const std::string staging = root_ + "/.staging-" + Uuid4();
  DHL_RETURN_IF_ERROR(file_system_.CreateDirectories(root_));
  const int64_t target = std::max<int64_t>(target_file_size, kMinimumTargetFileSize);
  // Each thread buffers this many rows (over all partitions) before handing them to the
  // partitions' files. DuckDB's default, 524,288, held 0.25 GB more than one row group's worth
  // while writing silver.data_value at medium scale (4.8M rows, 4 years), for the same files and
  // row groups.
  DHL_RETURN_IF_ERROR(connection.Execute(
      fmt::format("SET partitioned_write_flush_threshold = {}", RowGroupSize(target))));
  auto copied = connection.Query(fmt::format(
      "COPY ({}) TO {} (FORMAT PARQUET, PARTITION_BY ({}), ROW_GROUP_SIZE {}, "
      "FILENAME_PATTERN 'part-00000-{{uuid}}.c000.snappy')",
      select_sql, sql::StringLiteral(staging), sql::QuoteName(key_column), RowGroupSize(target)));
  if (!copied.ok()) {
    (void)file_system_.DeleteRecursively(staging);
    return copied.status();
  }
  const int64_t rows = copied->row_count() > 0 ? copied->GetInt64(0, 0).value_or(0) : 0;
  const int64_t rows_before = rows_copied_;
  // Moves every staged partition into place; the staging folder goes whatever happens.
  auto place = [&]() -> Result<int64_t> {
    auto folders = file_system_.List(staging);
    if (!folders.ok()) {
      return folders.status().code() == StatusCode::kNotFound ? Result<int64_t>(int64_t{0})
                                                              : folders.status();
    }
    const std::string prefix = key_column + "=";
    int64_t placed = 0;
    for (const auto& folder : *folders) {
      if (!folder.is_directory || !folder.name.starts_with(prefix)) {
        return Internal(
            fmt::format("unexpected entry {} in staging folder {}", folder.name, staging));
      }
      DHL_ASSIGN_OR_RETURN(Partition partition, partition_of(folder.name.substr(prefix.size())));
      const std::string path = staging + "/" + folder.name;
      DHL_ASSIGN_OR_RETURN(auto files, file_system_.List(path));
      for (const auto& file : files) {
        if (file.is_directory) continue;
        DHL_ASSIGN_OR_RETURN(FileInfo info, file_system_.Stat(path + "/" + file.name));
        if (info.size <= target) continue;
        DHL_RETURN_IF_ERROR(WriteGroup(
            connection,
            "SELECT * FROM read_parquet(" + sql::StringLiteral(path + "/" + file.name) + ")",
            partition.values, partition.directory, target_file_size));
        DHL_RETURN_IF_ERROR(file_system_.Delete(path + "/" + file.name));
        ++placed;
      }
      DHL_ASSIGN_OR_RETURN(int64_t moved,
                           MoveIntoPlace(path, partition.values, partition.directory));
      placed += moved;
    }
    return placed;
  };
  auto placed = place();
  (void)file_system_.DeleteRecursively(staging);
  if (!placed.ok()) return placed.status();
  if (rows > 0 && *placed == 0) {
    return IoError(fmt::format(
        "staging folder {} holds no data file although COPY wrote {} rows (another process "
        "removed it); nothing is committed",
        staging, rows));
  }
  rows_copied_ = rows_before + rows;  // files split again were counted by their WriteGroup
  return Status::Ok();
}

Result<int64_t> DataFileWriter::MoveIntoPlace(const std::string& staging,
                                              const PartitionValues& values,
                                              const std::string& directory) {
  auto entries = file_system_.List(staging);
  if (!entries.ok()) {
    // No rows may mean no folder; the caller compares with what COPY reported.
    return entries.status().code() == StatusCode::kNotFound ? Result<int64_t>(int64_t{0})
                                                            : entries.status();
  }
  const std::string target_dir = directory.empty() ? root_ : root_ + "/" + directory;
  DHL_RETURN_IF_ERROR(file_system_.CreateDirectories(target_dir));
  int64_t moved = 0;
  for (const auto& entry : *entries) {
    if (entry.is_directory) {
      continue;
    }
    const std::string relative = directory.empty() ? entry.name : directory + "/" + entry.name;
    const std::string path = root_ + "/" + relative;
    DHL_RETURN_IF_ERROR(file_system_.Sync(staging + "/" + entry.name));
    DHL_RETURN_IF_ERROR(file_system_.MoveIfAbsent(staging + "/" + entry.name, path));
    DHL_ASSIGN_OR_RETURN(FileInfo info, file_system_.Stat(path));
    AddFile add;
    add.path = UriEncodePath(relative);
    add.partition_values = values;
    add.size = info.size;
    add.modification_time = info.modification_time_ms;
    add.data_change = true;
    adds_.push_back(std::move(add));
    local_paths_.push_back(path);
    ++moved;
  }
  if (moved > 0) {
    DHL_RETURN_IF_ERROR(SyncFolders(target_dir));
  }
  return moved;
}

Status DataFileWriter::SyncFolders(const std::string& dir) {
  // The folders from `dir` up to the root's parent: a partition folder created by this write must
  // itself survive a crash.
  const std::string top = ParentFolder(root_);
  for (std::string folder = dir;; folder = ParentFolder(folder)) {
    if (!synced_folders_.insert(folder).second) {
      return Status::Ok();  // this folder and those above it are done
    }
    DHL_RETURN_IF_ERROR(file_system_.Sync(folder));
    if (folder == top || folder.size() <= top.size()) {
      return Status::Ok();
    }
  }
}

Status DataFileWriter::ComputeStatistics(engine::Connection& connection,
                                         const std::vector<SchemaField>& data_columns,
                                         int64_t footer_minimum_bytes) {
  if (adds_.empty()) {
    return Status::Ok();
  }
  DHL_ASSIGN_OR_RETURN(std::vector<StatColumn> columns, StatColumns(data_columns));
  std::map<std::string, std::string> stats_by_file;
  std::map<std::string, int64_t> rows_by_file;
  // From the footers; the files a footer cannot answer for exactly are read, and so are the files
  // of a small write (under footer_minimum_bytes): reading them costs less than the footer query,
  // whose planning (several aggregates per column) takes about half a CPU second whatever the size.
  int64_t written_bytes = 0;
  for (const AddFile& add : adds_) written_bytes += add.size;
  std::vector<std::string> to_scan;
  if (written_bytes < footer_minimum_bytes) {
    to_scan = local_paths_;
  } else {
    DHL_ASSIGN_OR_RETURN(auto footers,
                         ReadFooterStatistics(connection, local_paths_, data_columns, columns));
    for (auto& [file, statistics] : footers) {
      if (!statistics.has_value()) {
        to_scan.push_back(file);
        continue;
      }
      stats_by_file[file] = StatisticsJson(*statistics, columns);
      rows_by_file[file] = statistics->rows;
    }
  }
  files_read_for_statistics_ += static_cast<int64_t>(to_scan.size());
  if (!to_scan.empty()) {
    DHL_ASSIGN_OR_RETURN(engine::QueryResult scanned,
                         connection.Query(ScanStatisticsQuery(to_scan, data_columns, columns)));
    for (size_t row = 0; row < scanned.row_count(); ++row) {
      std::string file = scanned.GetString(0, row).value_or("");
      stats_by_file[file] = StatisticsJson(ScannedStatistics(scanned, row, columns), columns);
      rows_by_file[file] = scanned.GetInt64(1, row).value_or(0);
    }
  }
  std::vector<AddFile> kept;
  std::vector<std::string> kept_paths;
  add_rows_.clear();
  for (size_t i = 0; i < adds_.size(); ++i) {
    auto it = stats_by_file.find(local_paths_[i]);
    if (it == stats_by_file.end() || rows_by_file[local_paths_[i]] == 0) {
      DeleteFile(local_paths_[i]);  // an empty file: nothing to add
      continue;
    }
    adds_[i].stats = it->second;
    rows_ += rows_by_file[local_paths_[i]];
    bytes_ += adds_[i].size;
    add_rows_.push_back(rows_by_file[local_paths_[i]]);
    kept.push_back(std::move(adds_[i]));
    kept_paths.push_back(local_paths_[i]);
  }
  adds_ = std::move(kept);
  local_paths_ = std::move(kept_paths);
  if (rows_ != rows_copied_) {
    return IoError(fmt::format("the data files written under {} hold {} rows, but COPY wrote {}",
                               root_, rows_, rows_copied_));
  }
  return Status::Ok();
}

void DataFileWriter::DeleteFile(const std::string& path) {
  Status deleted = file_system_.Delete(path);
  if (!deleted.ok()) LogWarn("{}: an abandoned file stays: {}", root_, deleted.ToString());
}

void DataFileWriter::DeleteFiles() {
  for (const std::string& path : local_paths_) DeleteFile(path);
  adds_.clear();
  local_paths_.clear();
  add_rows_.clear();
  rows_ = 0;
  bytes_ = 0;
}

void DataFileWriter::KeepFiles(const std::function<bool(const AddFile&)>& keep) {
  std::vector<AddFile> kept;
  std::vector<std::string> kept_paths;
  std::vector<int64_t> kept_rows;
  for (size_t i = 0; i < adds_.size(); ++i) {
    if (!keep(adds_[i])) {
      DeleteFile(local_paths_[i]);
      rows_ -= add_rows_[i];
      bytes_ -= adds_[i].size;
      continue;
    }
    kept.push_back(std::move(adds_[i]));
    kept_paths.push_back(local_paths_[i]);
    kept_rows.push_back(add_rows_[i]);
  }
  adds_ = std::move(kept);
  local_paths_ = std::move(kept_paths);
  add_rows_ = std::move(kept_rows);
}

}  // namespace dhl::lake
