#include "lake/lake_catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "base/logging.h"
#include "base/text.h"
#include "sql/literal.h"

namespace dhl::lake {
namespace {

bool IsNamePart(std::string_view part) {
  if (part.empty() || part.front() == '_' || part.front() == '.') {
    return false;
  }
  return std::all_of(part.begin(), part.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

Result<TableName> ParseTableName(std::string_view text) {
  size_t dot = text.find('.');
  if (dot == std::string_view::npos || text.find('.', dot + 1) != std::string_view::npos) {
    return InvalidArgument(fmt::format("table name '{}' is not of the form layer.table", text));
  }
  TableName name{std::string(text.substr(0, dot)), std::string(text.substr(dot + 1))};
  if (!IsNamePart(name.layer) || !IsNamePart(name.name)) {
    return InvalidArgument(fmt::format(
        "table name '{}': layer and table must be lower-case letters, digits and '_', not starting "
        "with '_'",
        text));
  }
  return name;
}

LakeCatalog::LakeCatalog(std::string lake_dir, FileSystem& file_system, const Clock& clock)
    : lake_dir_(std::move(lake_dir)), file_system_(&file_system), clock_(&clock) {}

std::string LakeCatalog::WritersFolder() const { return lake_dir_ + "/_system/writers"; }

std::string LakeCatalog::TablePath(const TableName& name) const {
  return lake_dir_ + "/" + name.layer + "/" + name.name;
}

Result<std::vector<TableName>> LakeCatalog::ListTables() const {
  std::vector<TableName> tables;
  auto layers = file_system_->List(lake_dir_);
  if (!layers.ok()) {
    if (layers.status().code() == StatusCode::kNotFound) {
      return tables;
    }
    return layers.status();
  }
  for (const auto& layer : *layers) {
    if (!layer.is_directory || !IsNamePart(layer.name)) {
      continue;
    }
    auto entries = file_system_->List(lake_dir_ + "/" + layer.name);
    if (!entries.ok()) {
      continue;
    }
    for (const auto& entry : *entries) {
      if (!entry.is_directory || entry.name.starts_with("_") || entry.name.starts_with(".")) {
        continue;
      }
      auto log =
          file_system_->Stat(lake_dir_ + "/" + layer.name + "/" + entry.name + "/_delta_log");
      if (log.ok() && log->is_directory) {
        tables.push_back({layer.name, entry.name});
      }
    }
  }
  std::sort(tables.begin(), tables.end());
  return tables;
}

DeltaTable LakeCatalog::Table(const TableName& name) const {
  return DeltaTable(TablePath(name), *file_system_, *clock_, WritersFolder());
}

Result<DeltaTable> LakeCatalog::Open(const TableName& name) const {
  DeltaTable table = Table(name);
  if (!table.Exists()) {
    return NotFound(fmt::format("table {} does not exist (no {}/_delta_log)", name.ToString(),
                                TablePath(name)));
  }
  return table;
}

Status LakeCatalog::Register(engine::Connection& connection, const TableName& name,
                             const VersionSpec& spec) const {
  DHL_ASSIGN_OR_RETURN(DeltaTable table, Open(name));
  auto snapshot = table.Load(connection, spec);
  if (!snapshot.ok()) {
    return snapshot.status().WithContext("table " + name.ToString());
  }
  return table.CreateView(connection, *snapshot, name.layer, name.name)
      .WithContext("table " + name.ToString());
}

Result<std::vector<std::string>> LakeCatalog::RegisterAll(engine::Connection& connection) const {
  DHL_ASSIGN_OR_RETURN(std::vector<TableName> tables, ListTables());
  std::vector<std::string> skipped;
  for (const auto& name : tables) {
    Status status = Register(connection, name);
    if (!status.ok()) {
      LogWarn("{} is not available: {}", name.ToString(), status.ToString());
      skipped.push_back(name.ToString() + ": " + status.ToString());
    }
  }
  return skipped;
}

Result<std::string> ImportSourceQuery(const std::string& path) {
  auto info = LocalFileSystem::Instance().Stat(path);
  if (!info.ok()) {
    return NotFound(fmt::format("import source {} does not exist", path));
  }
  size_t dot = path.find_last_of('.');
  std::string extension = dot == std::string::npos ? "" : AsciiLower(path.substr(dot + 1));
  // The delimiter is fixed by the extension so that a malformed file is an error naming it, rather
  // than a file the sniffer reads with another dialect and odd columns.
  if (extension == "csv") {
    return fmt::format("SELECT * FROM read_csv({}, header=true, delim=',', quote='\"')",
                       sql::StringLiteral(path));
  }
  if (extension == "tsv") {
    return fmt::format("SELECT * FROM read_csv({}, header=true, delim='\t')",
                       sql::StringLiteral(path));
  }
  if (extension == "txt") {
    return fmt::format("SELECT * FROM read_csv({}, header=true, auto_detect=true)",
                       sql::StringLiteral(path));
  }
  if (extension == "json" || extension == "ndjson" || extension == "jsonl") {
    return fmt::format("SELECT * FROM read_json({}, auto_detect=true)", sql::StringLiteral(path));
  }
  if (extension == "parquet") {
    return fmt::format("SELECT * FROM read_parquet({})", sql::StringLiteral(path));
  }
  return InvalidArgument(fmt::format(
      "import source {}: unknown extension '.{}' (expected .csv, .tsv, .json, .ndjson or .parquet)",
      path, extension));
}

Result<WriteResult> ImportFile(engine::Connection& connection, DeltaTable& table,
                               const std::string& path, const WriteOptions& options) {
  const std::string context = "import " + path;
  auto query = ImportSourceQuery(path);
  if (!query.ok()) {
    return query.status();
  }
  auto written = table.Write(connection, *query, options);
  if (!written.ok()) {
    return written.status().WithContext(context);
  }
  return written;
}

}  // namespace dhl::lake
