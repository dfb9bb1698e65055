// The tables of a lake folder: every `<lake>/<layer>/<name>/_delta_log`, discovered by listing at
// each call (no cached registry), named `layer.name`. Holds references to a FileSystem and a Clock
// that must outlive it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "engine/connection.h"
#include "lake/delta_table.h"
#include "lake/file_system.h"

namespace dhl::lake {

struct TableName {
  std::string layer;
  std::string name;
  std::string ToString() const { return layer + "." + name; }
  friend bool operator==(const TableName&, const TableName&) = default;
  friend auto operator<=>(const TableName&, const TableName&) = default;
};

// Parses "layer.table": both parts non-empty identifiers of [a-z0-9_], not starting with '_' or
// '.'. InvalidArgument otherwise.
Result<TableName> ParseTableName(std::string_view text);

class LakeCatalog {
 public:
  explicit LakeCatalog(std::string lake_dir, FileSystem& file_system = LocalFileSystem::Instance(),
                       const Clock& clock = SystemClock::Instance());

  const std::string& lake_dir() const { return lake_dir_; }
  std::string TablePath(const TableName& name) const;
  // The lake's writer registry (`_system/writers`, DESIGN.md): every table of the catalogue
  // registers its running writes there, and its vacuum honours them (WriterRegistry).
  std::string WritersFolder() const;

  // Every table of the lake, sorted. An absent lake folder holds no tables.
  Result<std::vector<TableName>> ListTables() const;
  // The table (which may not exist yet: writing creates it).
  DeltaTable Table(const TableName& name) const;
  // The table, NotFound "table layer.name does not exist (no <path>/_delta_log)" when absent.
  Result<DeltaTable> Open(const TableName& name) const;

  // Creates view `layer.name` for every table at its latest version. A table that fails to load
  // (unsupported feature, corruption) is skipped with a warning and reported in the returned list.
  Result<std::vector<std::string>> RegisterAll(engine::Connection& connection) const;
  // Creates view `layer.name` for one table at the given version.
  Status Register(engine::Connection& connection, const TableName& name,
                  const VersionSpec& spec = {}) const;

 private:
  std::string lake_dir_;
  FileSystem* file_system_;
  const Clock* clock_;
};

// The DuckDB query reading an import source by its extension: .csv (read_csv with a header, ',' and
// '"'), .tsv (tab), .txt (dialect sniffed), .json/.ndjson/.jsonl (read_json), .parquet
// (read_parquet); column types are auto-detected. InvalidArgument for another extension; NotFound
// when the file does not exist.
Result<std::string> ImportSourceQuery(const std::string& path);

// Writes the rows of file `path` (read as ImportSourceQuery says) into `table`. Every error is
// prefixed with "import <path>: ", so that a malformed source names itself; on error nothing is
// committed.
Result<WriteResult> ImportFile(engine::Connection& connection, DeltaTable& table,
                               const std::string& path, const WriteOptions& options);

}  // namespace dhl::lake
