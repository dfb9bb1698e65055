// A DuckDB connection and what it creates: query results, prepared statements and appenders.
// All are move-only owners of the C handles. See database.h for thread safety.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"

namespace dhl::engine {

// A parameter or cell value. Timestamps and dates travel as text (ISO) or as int64 micros by the
// caller's choice of SQL; this keeps the C++ side free of DuckDB's type zoo.
using Value = std::variant<std::monostate, bool, int64_t, double, std::string>;

// How a column's cells are best read: as booleans, integers (fit int64), floating or decimal
// numbers (read as double; HUGEINT and UBIGINT too), or anything else (read as text).
enum class ColumnKind { kBoolean, kInteger, kNumber, kOther };

// What kind of statement a prepared statement is (DuckDB's own classification).
enum class StatementKind { kSelect, kExplain, kInsert, kUpdate, kDelete, kCreate, kCopy, kOther };

// A fully materialised query result.
class QueryResult {
 public:
  QueryResult(QueryResult&& other) noexcept;
  QueryResult& operator=(QueryResult&& other) noexcept;
  QueryResult(const QueryResult&) = delete;
  QueryResult& operator=(const QueryResult&) = delete;
  ~QueryResult();

  size_t column_count() const;
  size_t row_count() const;
  std::string column_name(size_t column) const;
  // DuckDB's logical type name of the column, e.g. "BIGINT", "VARCHAR", "TIMESTAMP WITH TIME ZONE",
  // "DECIMAL(10,2)", "STRUCT(a INTEGER)".
  std::string column_type(size_t column) const;
  ColumnKind column_kind(size_t column) const;

  bool IsNull(size_t column, size_t row) const;
  // The cell as DuckDB renders it as VARCHAR; std::nullopt for NULL.
  std::optional<std::string> GetString(size_t column, size_t row) const;
  std::optional<int64_t> GetInt64(size_t column, size_t row) const;
  std::optional<double> GetDouble(size_t column, size_t row) const;
  std::optional<bool> GetBool(size_t column, size_t row) const;
  // The cell as a Value, by column_kind(): bool, int64, double, or the VARCHAR rendering.
  Value GetValue(size_t column, size_t row) const;

  // Rows changed by an INSERT/UPDATE/DELETE.
  int64_t rows_changed() const;

 private:
  friend class Connection;
  friend class PreparedStatement;
  struct Impl;
  explicit QueryResult(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class PreparedStatement {
 public:
  PreparedStatement(PreparedStatement&& other) noexcept;
  PreparedStatement& operator=(PreparedStatement&& other) noexcept;
  PreparedStatement(const PreparedStatement&) = delete;
  PreparedStatement& operator=(const PreparedStatement&) = delete;
  ~PreparedStatement();

  size_t parameter_count() const;
  StatementKind kind() const;
  // The names of the result columns of type ENUM, which QueryResult cannot read: DuckDB's row-wise
  // result functions give "" and no NULL for them (Connection::WithEnumsAsText reads them as text).
  std::vector<std::string> EnumColumns() const;
  // Binds parameter `index` (1-based, as DuckDB counts).
  Status Bind(size_t index, const Value& value);
  Status BindAll(const std::vector<Value>& values);
  Result<QueryResult> Execute();

 private:
  friend class Connection;
  struct Impl;
  explicit PreparedStatement(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Appends rows to a table, much faster than INSERTs. Call the Append* methods column by column,
// then EndRow(); Close() (or the destructor) flushes. Errors name the table.
class Appender {
 public:
  Appender(Appender&& other) noexcept;
  Appender& operator=(Appender&& other) noexcept;
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;
  ~Appender();

  Status Append(const Value& value);
  Status AppendNull();
  Status EndRow();
  Status Flush();
  Status Close();

 private:
  friend class Connection;
  struct Impl;
  explicit Appender(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Connection {
 public:
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one or more statements; their results are discarded.
  Status Execute(std::string_view sql);
  // Runs one statement, or several, all of them; which one's rows come back is DuckDB's choice (a
  // CREATE then a SELECT: the SELECT's; two SELECTs: the first's).
  Result<QueryResult> Query(std::string_view sql);
  // Prepares and runs one statement with bound parameters ($1 or ? placeholders).
  Result<QueryResult> Query(std::string_view sql, const std::vector<Value>& parameters);
  Result<PreparedStatement> Prepare(std::string_view sql);
  // Prepares `sql`, which must be exactly one statement (an error names how many it holds).
  Result<PreparedStatement> PrepareSingle(std::string_view sql);
  // `prepared`, one SELECT prepared from `sql`, as a statement whose ENUM columns come back as
  // their text (`SELECT * REPLACE (CAST(c AS VARCHAR) AS c, …) FROM (sql)`), for results shown to
  // users (`dhis2lake sql`, /api/sql); `prepared` itself when it has none, or when the wrapper does
  // not prepare (two columns of one name). Costs one more planning of `sql` only when it has some.
  Result<PreparedStatement> WithEnumsAsText(PreparedStatement prepared, std::string_view sql);
  Result<Appender> CreateAppender(std::string_view schema, std::string_view table);

  // Makes `name`(DOUBLE) -> DOUBLE a SQL function of the database (every connection to it sees it)
  // that applies `function` to each non-NULL value, NULL giving NULL, in native code, where the
  // same rule as a SQL expression would cost several vector operations per value. `function` must
  // be pure (DuckDB may fold it over constants) and must not throw. A name the database already has
  // (registered through this or another connection) is left as it is: callers pass one function per
  // name.
  Status RegisterDoubleFunction(const std::string& name, double (*function)(double));

  // Stops the query running on this connection (callable from another thread).
  void Interrupt();

 private:
  friend class Database;
  struct Impl;
  explicit Connection(std::unique_ptr<Impl> impl);
  // Takes ownership of a duckdb_connection (passed untyped to keep duckdb.h out of this header).
  static Connection Adopt(void* raw_connection);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dhl::engine
