#include "lake/data_file_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "base/hash.h"
#include "lake/log_entry.h"
#include "lake/partition_path.h"
#include "sql/literal.h"

namespace dhl::lake {
namespace {

constexpr size_t kStatsColumnLimit = 32;
constexpr size_t kStatsStringLimit = 32;
constexpr int64_t kMinimumTargetFileSize = 1024 * 1024;

// One column's part of the statistics query and how its min/max read back.
struct StatColumn {
  std::string name;
  enum class Kind { kCountOnly, kNumber, kString } kind = Kind::kCountOnly;
};

// The min/max expressions of one column (docs/delta.md §6), or "" when only nulls are counted.
std::string MinMaxSql(const std::string& type, const std::string& c, StatColumn::Kind* kind) {
  if (IsIntegralType(type) || type.starts_with("decimal")) {
    *kind = StatColumn::Kind::kNumber;
    return fmt::format(", CAST(min({0}) AS VARCHAR), CAST(max({0}) AS VARCHAR)", c);
  }
  if (type == "float" || type == "double") {
    *kind = StatColumn::Kind::kNumber;
    return fmt::format(
        ", CASE WHEN bool_or(isnan({0}) OR isinf({0})) THEN NULL ELSE CAST(min({0}) AS "
        "VARCHAR) END"
        ", CASE WHEN bool_or(isnan({0}) OR isinf({0})) THEN NULL ELSE CAST(max({0}) AS "
        "VARCHAR) END",
        c);
  }
  if (type == "date") {
    *kind = StatColumn::Kind::kString;
    return fmt::format(", strftime(min({0}), '%Y-%m-%d'), strftime(max({0}), '%Y-%m-%d')", c);
  }
  if (type == "timestamp") {
    *kind = StatColumn::Kind::kString;
    return fmt::format(
        ", strftime(CAST(min({0}) AS TIMESTAMPTZ), '%Y-%m-%dT%H:%M:%S.%gZ')"
        ", strftime(CAST(max({0}) AS TIMESTAMPTZ), '%Y-%m-%dT%H:%M:%S.%gZ')",
        c);
  }
  if (type == "string") {
    *kind = StatColumn::Kind::kString;
    return fmt::format(
        ", CASE WHEN length(min({0})) <= {1} AND length(max({0})) <= {1} THEN min({0}) END"
        ", CASE WHEN length(min({0})) <= {1} AND length(max({0})) <= {1} THEN max({0}) END",
        c, kStatsStringLimit);
  }
  *kind = StatColumn::Kind::kCountOnly;
  return "";
}

// The query computing per-file statistics of `files`: filename, count(*), then per column its
// null count and (unless count-only) min and max.
std::string StatisticsQuery(const std::vector<std::string>& files,
                            const std::vector<SchemaField>& data_columns,
                            std::vector<StatColumn>* columns) {
  std::string select = "SELECT filename, count(*)";
  for (const auto& field : data_columns) {
    if (columns->size() >= kStatsColumnLimit) {
      break;
    }
    if (!IsPrimitive(field.type)) {
      continue;
    }
    const std::string c = sql::QuoteName(field.name);
    StatColumn column{field.name};
    select += fmt::format(", count(*) - count({})", c);
    select += MinMaxSql(PrimitiveTypeName(field.type), c, &column.kind);
    columns->push_back(column);
  }
  return select +
         fmt::format(" FROM read_parquet({}, filename=true, union_by_name=true) GROUP BY filename",
                     sql::StringListLiteral(files));
}

// The stats JSON of row `row` of the statistics query.
std::string StatisticsJson(const engine::QueryResult& result, size_t row,
                           const std::vector<StatColumn>& columns) {
  std::string min_values;
  std::string max_values;
  std::string null_count;
  size_t index = 2;
  for (const auto& column : columns) {
    const std::string key = JsonText(column.name);
    int64_t nulls = result.GetInt64(index++, row).value_or(0);
    null_count += (null_count.empty() ? "" : ",") + key + ":" + std::to_string(nulls);
    if (column.kind == StatColumn::Kind::kCountOnly) {
      continue;
    }
    auto min = result.GetString(index++, row);
    auto max = result.GetString(index++, row);
    if (!min || !max) {
      continue;
    }
    const bool number = column.kind == StatColumn::Kind::kNumber;
    min_values += (min_values.empty() ? "" : ",") + key + ":" + (number ? *min : JsonText(*min));
    max_values += (max_values.empty() ? "" : ",") + key + ":" + (number ? *max : JsonText(*max));
  }
  return fmt::format(
      "{{\"numRecords\":{},\"minValues\":{{{}}},\"maxValues\":{{{}}},\"nullCount\":{{{}}}}}",
      result.GetInt64(1, row).value_or(0), min_values, max_values, null_count);
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
                                         const std::vector<SchemaField>& data_columns) {
  if (adds_.empty()) {
    return Status::Ok();
  }
  std::vector<StatColumn> columns;
  DHL_ASSIGN_OR_RETURN(engine::QueryResult result,
                       connection.Query(StatisticsQuery(local_paths_, data_columns, &columns)));
  std::map<std::string, std::string> stats_by_file;
  std::map<std::string, int64_t> rows_by_file;
  for (size_t row = 0; row < result.row_count(); ++row) {
    std::string file = result.GetString(0, row).value_or("");
    stats_by_file[file] = StatisticsJson(result, row, columns);
    rows_by_file[file] = result.GetInt64(1, row).value_or(0);
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
  if (rows_ != rows_copied_) {
    return IoError(fmt::format("the data files written under {} hold {} rows, but COPY wrote {}",
                               root_, rows_, rows_copied_));
  }
  return Status::Ok();
}

}  // namespace dhl::lake
