#include "engine/database.h"

#include <duckdb.h>
#include <sched.h>

#include <algorithm>
#include <thread>

#include "engine/connection.h"
#include "sql/literal.h"

namespace dhl::engine {

struct Database::Impl {
  duckdb_database db = nullptr;
  ~Impl() {
    if (db != nullptr) {
      duckdb_close(&db);
    }
  }
};

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::Database(Database&& other) noexcept = default;
Database& Database::operator=(Database&& other) noexcept = default;
Database::~Database() = default;

int AvailableCores() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (sched_getaffinity(0, sizeof(mask), &mask) == 0) {
    return std::max(1, CPU_COUNT(&mask));
  }
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

DatabaseOptions ExtractorDatabaseOptions() {
  DatabaseOptions options;
  options.threads = AvailableCores();
  return options;
}

Result<Database> Database::Open(const DatabaseOptions& options) {
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) != DuckDBSuccess) {
    return Internal("cannot create a DuckDB configuration");
  }
  auto set = [&](const char* name, const std::string& value) -> Status {
    if (duckdb_set_config(config, name, value.c_str()) != DuckDBSuccess) {
      return InvalidArgument(std::string("DuckDB setting ") + name + " = \"" + value +
                             "\" was refused");
    }
    return Status::Ok();
  };
  Status status;
  if (options.threads) {
    status = set("threads", std::to_string(*options.threads));
  }
  if (status.ok() && options.memory_limit) {
    status = set("memory_limit", *options.memory_limit);
  }
  if (status.ok() && options.temp_directory) {
    status = set("temp_directory", *options.temp_directory);
  }
  if (status.ok() && options.preserve_insertion_order) {
    status = set("preserve_insertion_order", *options.preserve_insertion_order ? "true" : "false");
  }
  // No network here or on users' air-gapped servers: never try to download an extension. (parquet,
  // json and icu are built into the library.)
  if (status.ok()) {
    status = set("autoinstall_known_extensions", "false");
  }
  if (!status.ok()) {
    duckdb_destroy_config(&config);
    return status;
  }
  auto impl = std::make_unique<Impl>();
  char* error = nullptr;
  duckdb_state state = duckdb_open_ext(options.path.c_str(), &impl->db, config, &error);
  duckdb_destroy_config(&config);
  if (state != DuckDBSuccess) {
    std::string message = error != nullptr ? error : "unknown error";
    if (error != nullptr) {
      duckdb_free(error);
    }
    return IoError("cannot open DuckDB database \"" + options.path + "\": " + message);
  }
  Database database(std::move(impl));
  // The time zone needs the icu extension, which is loaded only once the database is open.
  DHL_ASSIGN_OR_RETURN(Connection connection, database.Connect());
  DHL_RETURN_IF_ERROR(connection.Execute(
      "SET GLOBAL TimeZone = " + sql::StringLiteral(options.time_zone, sql::Dialect::kDuckDb)));
  return database;
}

Result<Connection> Database::Connect() {
  duckdb_connection connection = nullptr;
  if (duckdb_connect(impl_->db, &connection) != DuckDBSuccess) {
    return Internal("cannot connect to the DuckDB database");
  }
  return Connection::Adopt(connection);
}

}  // namespace dhl::engine
