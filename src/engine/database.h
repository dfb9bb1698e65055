// The embedded DuckDB engine behind move-only RAII owners. This folder is the only code that
// includes duckdb.h. Errors carry the SQL (shortened) and DuckDB's own message.
//
// Thread safety: a Database may be shared by threads; each thread uses its own Connection. A
// Connection, and everything obtained from it, is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace dhl::engine {

struct DatabaseOptions {
  std::string path = ":memory:";              // a file, or ":memory:"
  std::optional<int> threads;                 // default: DuckDB's (all cores)
  std::optional<std::string> memory_limit;    // e.g. "4GB"; default: DuckDB's (80% of RAM)
  std::optional<std::string> temp_directory;  // where DuckDB spills; default: DuckDB's
  // false lets DuckDB stream and spill results whose order does not matter (those without ORDER
  // BY may then come in any order); default: DuckDB's (true).
  std::optional<bool> preserve_insertion_order;
  // Timestamps are read and written as UTC instants: the session time zone is UTC unless told.
  std::string time_zone = "UTC";
};

class Connection;

// The cores this process may run on (its CPU affinity mask: `taskset`, cpusets), at least 1.
// DuckDB's default thread count is every core of the machine whatever the mask, so a process
// pinned to one core runs DuckDB's worker threads on that core beside the thread that waits for
// them, which polls: a fifth of the extractor's CPU went to that polling (issue 19).
int AvailableCores();

// Options for a database that executes one statement at a time for a caller whose own threads
// need the other cores (the extractors' bronze writer): threads = AvailableCores().
DatabaseOptions ExtractorDatabaseOptions();

// Owns a duckdb_database. Move-only; closing happens in the destructor, after every Connection
// obtained from it has been destroyed (the caller's responsibility).
class Database {
 public:
  static Result<Database> Open(const DatabaseOptions& options = {});
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  Result<Connection> Connect();

 private:
  struct Impl;
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dhl::engine
