#include "engine/connection.h"

#include <duckdb.h>
#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "base/text.h"
#include "sql/literal.h"

namespace dhl::engine {
namespace {

constexpr size_t kSqlInErrors = 300;

// The SQL as it appears in error messages: shortened, on one line.
std::string SqlForError(std::string_view sql) {
  std::string text;
  text.reserve(std::min(sql.size(), kSqlInErrors) + 3);
  for (char c : sql.substr(0, kSqlInErrors)) {
    text += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  if (sql.size() > kSqlInErrors) {
    text += "...";
  }
  return text;
}

Status SqlFailure(std::string_view sql, std::string_view duckdb_message) {
  return SqlError(std::string(duckdb_message) + " [in: " + SqlForError(sql) + "]");
}

std::string TakeString(char* text) {
  if (text == nullptr) {
    return {};
  }
  std::string copy(text);
  duckdb_free(text);
  return copy;
}

// DuckDB's C API renders TIMESTAMP WITH TIME ZONE as an empty text (the cast needs the session's
// ICU time zone, which duckdb_value_varchar does not see); this writes it as DuckDB's SQL does in
// a UTC session: "2024-01-01 10:00:00.123456+00" (fraction only when there is one).
std::string TimestampTzText(duckdb_timestamp timestamp) {
  constexpr int64_t kMicrosPerDay = 86400LL * 1000000;
  int64_t micros = timestamp.micros;
  int64_t days =
      micros >= 0 ? micros / kMicrosPerDay : -((-micros + kMicrosPerDay - 1) / kMicrosPerDay);
  int64_t of_day = micros - days * kMicrosPerDay;
  std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{days}}};
  int64_t seconds = of_day / 1000000;
  int64_t fraction = of_day % 1000000;
  std::string text =
      fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  seconds / 3600, seconds / 60 % 60, seconds % 60);
  if (fraction != 0) {
    std::string digits = fmt::format("{:06}", fraction);
    while (digits.back() == '0') {
      digits.pop_back();
    }
    text += "." + digits;
  }
  return text + "+00";
}

std::string TypeName(duckdb_logical_type type) {
  duckdb_type id = duckdb_get_type_id(type);
  switch (id) {
    case DUCKDB_TYPE_BOOLEAN:
      return "BOOLEAN";
    case DUCKDB_TYPE_TINYINT:
      return "TINYINT";
    case DUCKDB_TYPE_SMALLINT:
      return "SMALLINT";
    case DUCKDB_TYPE_INTEGER:
      return "INTEGER";
    case DUCKDB_TYPE_BIGINT:
      return "BIGINT";
    case DUCKDB_TYPE_UTINYINT:
      return "UTINYINT";
    case DUCKDB_TYPE_USMALLINT:
      return "USMALLINT";
    case DUCKDB_TYPE_UINTEGER:
      return "UINTEGER";
    case DUCKDB_TYPE_UBIGINT:
      return "UBIGINT";
    case DUCKDB_TYPE_HUGEINT:
      return "HUGEINT";
    case DUCKDB_TYPE_UHUGEINT:
      return "UHUGEINT";
    case DUCKDB_TYPE_FLOAT:
      return "FLOAT";
    case DUCKDB_TYPE_DOUBLE:
      return "DOUBLE";
    case DUCKDB_TYPE_TIMESTAMP:
      return "TIMESTAMP";
    case DUCKDB_TYPE_TIMESTAMP_S:
      return "TIMESTAMP_S";
    case DUCKDB_TYPE_TIMESTAMP_MS:
      return "TIMESTAMP_MS";
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return "TIMESTAMP_NS";
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return "TIMESTAMP WITH TIME ZONE";
    case DUCKDB_TYPE_DATE:
      return "DATE";
    case DUCKDB_TYPE_TIME:
      return "TIME";
    case DUCKDB_TYPE_TIME_TZ:
      return "TIME WITH TIME ZONE";
    case DUCKDB_TYPE_INTERVAL:
      return "INTERVAL";
    case DUCKDB_TYPE_VARCHAR:
      return "VARCHAR";
    case DUCKDB_TYPE_BLOB:
      return "BLOB";
    case DUCKDB_TYPE_UUID:
      return "UUID";
    case DUCKDB_TYPE_ENUM:
      return "ENUM";
    case DUCKDB_TYPE_BIT:
      return "BIT";
    case DUCKDB_TYPE_DECIMAL:
      return "DECIMAL(" + std::to_string(duckdb_decimal_width(type)) + "," +
             std::to_string(duckdb_decimal_scale(type)) + ")";
    case DUCKDB_TYPE_LIST: {
      duckdb_logical_type child = duckdb_list_type_child_type(type);
      std::string name = TypeName(child) + "[]";
      duckdb_destroy_logical_type(&child);
      return name;
    }
    case DUCKDB_TYPE_MAP: {
      duckdb_logical_type key = duckdb_map_type_key_type(type);
      duckdb_logical_type value = duckdb_map_type_value_type(type);
      std::string name = "MAP(" + TypeName(key) + ", " + TypeName(value) + ")";
      duckdb_destroy_logical_type(&key);
      duckdb_destroy_logical_type(&value);
      return name;
    }
    case DUCKDB_TYPE_STRUCT: {
      std::string name = "STRUCT(";
      idx_t count = duckdb_struct_type_child_count(type);
      for (idx_t i = 0; i < count; ++i) {
        if (i > 0) {
          name += ", ";
        }
        name += TakeString(duckdb_struct_type_child_name(type, i));
        duckdb_logical_type child = duckdb_struct_type_child_type(type, i);
        name += " " + TypeName(child);
        duckdb_destroy_logical_type(&child);
      }
      return name + ")";
    }
    default:
      return "TYPE#" + std::to_string(static_cast<int>(id));
  }
}

StatementKind KindOf(duckdb_statement_type type) {
  switch (type) {
    case DUCKDB_STATEMENT_TYPE_SELECT:
      return StatementKind::kSelect;
    case DUCKDB_STATEMENT_TYPE_EXPLAIN:
      return StatementKind::kExplain;
    case DUCKDB_STATEMENT_TYPE_INSERT:
      return StatementKind::kInsert;
    case DUCKDB_STATEMENT_TYPE_UPDATE:
      return StatementKind::kUpdate;
    case DUCKDB_STATEMENT_TYPE_DELETE:
      return StatementKind::kDelete;
    case DUCKDB_STATEMENT_TYPE_CREATE:
      return StatementKind::kCreate;
    case DUCKDB_STATEMENT_TYPE_COPY:
      return StatementKind::kCopy;
    default:
      return StatementKind::kOther;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// QueryResult

struct QueryResult::Impl {
  duckdb_result result{};
  ~Impl() { duckdb_destroy_result(&result); }
};

QueryResult::QueryResult(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
QueryResult::QueryResult(QueryResult&& other) noexcept = default;
QueryResult& QueryResult::operator=(QueryResult&& other) noexcept = default;
QueryResult::~QueryResult() = default;

size_t QueryResult::column_count() const { return duckdb_column_count(&impl_->result); }
size_t QueryResult::row_count() const { return duckdb_row_count(&impl_->result); }
std::string QueryResult::column_name(size_t column) const {
  const char* name = duckdb_column_name(&impl_->result, column);
  return name != nullptr ? name : "";
}
std::string QueryResult::column_type(size_t column) const {
  duckdb_logical_type type = duckdb_column_logical_type(&impl_->result, column);
  std::string name = TypeName(type);
  duckdb_destroy_logical_type(&type);
  return name;
}
ColumnKind QueryResult::column_kind(size_t column) const {
  switch (duckdb_column_type(&impl_->result, column)) {
    case DUCKDB_TYPE_BOOLEAN:
      return ColumnKind::kBoolean;
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
      return ColumnKind::kInteger;
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT:
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_DECIMAL:
      return ColumnKind::kNumber;
    default:
      return ColumnKind::kOther;
  }
}
bool QueryResult::IsNull(size_t column, size_t row) const {
  return duckdb_value_is_null(&impl_->result, column, row);
}
std::optional<std::string> QueryResult::GetString(size_t column, size_t row) const {
  if (IsNull(column, row)) {
    return std::nullopt;
  }
  if (duckdb_column_type(&impl_->result, column) == DUCKDB_TYPE_TIMESTAMP_TZ) {
    // duckdb_value_timestamp refuses the TZ type; the column holds the same UTC micros.
    const auto* cells =
        static_cast<const duckdb_timestamp*>(duckdb_column_data(&impl_->result, column));
    return TimestampTzText(cells[row]);
  }
  return TakeString(duckdb_value_varchar(&impl_->result, column, row));
}
std::optional<int64_t> QueryResult::GetInt64(size_t column, size_t row) const {
  if (IsNull(column, row)) {
    return std::nullopt;
  }
  return duckdb_value_int64(&impl_->result, column, row);
}
std::optional<double> QueryResult::GetDouble(size_t column, size_t row) const {
  if (IsNull(column, row)) {
    return std::nullopt;
  }
  return duckdb_value_double(&impl_->result, column, row);
}
std::optional<bool> QueryResult::GetBool(size_t column, size_t row) const {
  if (IsNull(column, row)) {
    return std::nullopt;
  }
  return duckdb_value_boolean(&impl_->result, column, row);
}
Value QueryResult::GetValue(size_t column, size_t row) const {
  if (IsNull(column, row)) {
    return std::monostate{};
  }
  switch (column_kind(column)) {
    case ColumnKind::kBoolean:
      return duckdb_value_boolean(&impl_->result, column, row);
    case ColumnKind::kInteger:
      return duckdb_value_int64(&impl_->result, column, row);
    case ColumnKind::kNumber:
      return duckdb_value_double(&impl_->result, column, row);
    case ColumnKind::kOther:
      break;
  }
  return *GetString(column, row);
}
int64_t QueryResult::rows_changed() const {
  return static_cast<int64_t>(duckdb_rows_changed(&impl_->result));
}

// ---------------------------------------------------------------------------------------------
// PreparedStatement

struct PreparedStatement::Impl {
  duckdb_prepared_statement statement = nullptr;
  std::string sql;
  ~Impl() { duckdb_destroy_prepare(&statement); }
};

PreparedStatement::PreparedStatement(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PreparedStatement::PreparedStatement(PreparedStatement&& other) noexcept = default;
PreparedStatement& PreparedStatement::operator=(PreparedStatement&& other) noexcept = default;
PreparedStatement::~PreparedStatement() = default;

size_t PreparedStatement::parameter_count() const { return duckdb_nparams(impl_->statement); }

StatementKind PreparedStatement::kind() const {
  return KindOf(duckdb_prepared_statement_type(impl_->statement));
}

std::vector<std::string> PreparedStatement::EnumColumns() const {
  std::vector<std::string> names;
  const idx_t count = duckdb_prepared_statement_column_count(impl_->statement);
  for (idx_t column = 0; column < count; ++column) {
    if (duckdb_prepared_statement_column_type(impl_->statement, column) == DUCKDB_TYPE_ENUM) {
      // The name is the caller's to free (duckdb_free), as TakeString does (the header declares
      // it const).
      names.push_back(TakeString(
          const_cast<char*>(duckdb_prepared_statement_column_name(impl_->statement, column))));
    }
  }
  return names;
}

Status PreparedStatement::Bind(size_t index, const Value& value) {
  duckdb_state state = DuckDBError;
  if (std::holds_alternative<std::monostate>(value)) {
    state = duckdb_bind_null(impl_->statement, index);
  } else if (const bool* b = std::get_if<bool>(&value)) {
    state = duckdb_bind_boolean(impl_->statement, index, *b);
  } else if (const int64_t* i = std::get_if<int64_t>(&value)) {
    state = duckdb_bind_int64(impl_->statement, index, *i);
  } else if (const double* d = std::get_if<double>(&value)) {
    state = duckdb_bind_double(impl_->statement, index, *d);
  } else if (const std::string* s = std::get_if<std::string>(&value)) {
    state = duckdb_bind_varchar_length(impl_->statement, index, s->data(), s->size());
  }
  if (state != DuckDBSuccess) {
    return SqlFailure(impl_->sql, "cannot bind parameter " + std::to_string(index));
  }
  return Status::Ok();
}

Status PreparedStatement::BindAll(const std::vector<Value>& values) {
  if (values.size() != parameter_count()) {
    return InvalidArgument("statement takes " + std::to_string(parameter_count()) +
                           " parameters, " + std::to_string(values.size()) +
                           " given [in: " + SqlForError(impl_->sql) + "]");
  }
  for (size_t i = 0; i < values.size(); ++i) {
    DHL_RETURN_IF_ERROR(Bind(i + 1, values[i]));
  }
  return Status::Ok();
}

Result<QueryResult> PreparedStatement::Execute() {
  auto impl = std::make_unique<QueryResult::Impl>();
  if (duckdb_execute_prepared(impl_->statement, &impl->result) != DuckDBSuccess) {
    const char* error = duckdb_result_error(&impl->result);
    return SqlFailure(impl_->sql, error != nullptr ? error : "execution failed");
  }
  return QueryResult(std::move(impl));
}

// ---------------------------------------------------------------------------------------------
// Appender

struct Appender::Impl {
  duckdb_appender appender = nullptr;
  std::string table;
  ~Impl() {
    if (appender != nullptr) {
      duckdb_appender_destroy(&appender);
    }
  }
  Status Check(duckdb_state state, std::string_view what) {
    if (state == DuckDBSuccess) {
      return Status::Ok();
    }
    duckdb_error_data error = duckdb_appender_error_data(appender);
    std::string message = error != nullptr ? duckdb_error_data_message(error) : "unknown error";
    if (error != nullptr) {
      duckdb_destroy_error_data(&error);
    }
    return SqlError("appender on " + table + ": " + std::string(what) + ": " + message);
  }
};

Appender::Appender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Appender::Appender(Appender&& other) noexcept = default;
Appender& Appender::operator=(Appender&& other) noexcept = default;
Appender::~Appender() {
  if (impl_ != nullptr && impl_->appender != nullptr) {
    (void)Close();
  }
}

Status Appender::Append(const Value& value) {
  duckdb_appender a = impl_->appender;
  duckdb_state state = DuckDBError;
  if (std::holds_alternative<std::monostate>(value)) {
    state = duckdb_append_null(a);
  } else if (const bool* b = std::get_if<bool>(&value)) {
    state = duckdb_append_bool(a, *b);
  } else if (const int64_t* i = std::get_if<int64_t>(&value)) {
    state = duckdb_append_int64(a, *i);
  } else if (const double* d = std::get_if<double>(&value)) {
    state = duckdb_append_double(a, *d);
  } else if (const std::string* s = std::get_if<std::string>(&value)) {
    state = duckdb_append_varchar_length(a, s->data(), s->size());
  }
  return impl_->Check(state, "append");
}
Status Appender::AppendNull() {
  return impl_->Check(duckdb_append_null(impl_->appender), "append");
}
Status Appender::EndRow() {
  return impl_->Check(duckdb_appender_end_row(impl_->appender), "end row");
}
Status Appender::Flush() { return impl_->Check(duckdb_appender_flush(impl_->appender), "flush"); }
Status Appender::Close() {
  if (impl_->appender == nullptr) {
    return Status::Ok();
  }
  Status status = impl_->Check(duckdb_appender_close(impl_->appender), "close");
  duckdb_appender_destroy(&impl_->appender);
  impl_->appender = nullptr;
  return status;
}

// ---------------------------------------------------------------------------------------------
// Connection

namespace {

// What a function made by RegisterDoubleFunction applies (its extra info, owned by DuckDB).
struct DoubleFunction {
  double (*function)(double);
};

// DuckDB's callback: `input` holds one flat DOUBLE vector (the C API flattens the chunk).
void ApplyDoubleFunction(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const auto* apply =
      static_cast<const DoubleFunction*>(duckdb_scalar_function_get_extra_info(info));
  const idx_t size = duckdb_data_chunk_get_size(input);
  duckdb_vector values = duckdb_data_chunk_get_vector(input, 0);
  const auto* in = static_cast<const double*>(duckdb_vector_get_data(values));
  auto* out = static_cast<double*>(duckdb_vector_get_data(output));
  // NULL rows hold an arbitrary double: the function's value there is discarded.
  for (idx_t row = 0; row < size; ++row) out[row] = apply->function(in[row]);
  const size_t mask_bytes = (size + 63) / 64 * sizeof(uint64_t);
  const uint64_t* validity = duckdb_vector_get_validity(values);  // nullptr: no NULLs
  if (validity == nullptr) {
    uint64_t* stale = duckdb_vector_get_validity(output);  // a reused vector's mask
    if (stale != nullptr) std::memset(stale, 0xFF, mask_bytes);
    return;
  }
  duckdb_vector_ensure_validity_writable(output);
  std::memcpy(duckdb_vector_get_validity(output), validity, mask_bytes);
}

}  // namespace

struct Connection::Impl {
  duckdb_connection connection = nullptr;
  std::set<std::string> double_functions;  // registered (or found) through this connection
  ~Impl() {
    if (connection != nullptr) {
      duckdb_disconnect(&connection);
    }
  }
};

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::Connection(Connection&& other) noexcept = default;
Connection& Connection::operator=(Connection&& other) noexcept = default;
Connection::~Connection() = default;

Status Connection::Execute(std::string_view sql) {
  DHL_ASSIGN_OR_RETURN(QueryResult result, Query(sql));
  (void)result;
  return Status::Ok();
}

Result<QueryResult> Connection::Query(std::string_view sql) {
  std::string text(sql);
  auto impl = std::make_unique<QueryResult::Impl>();
  if (duckdb_query(impl_->connection, text.c_str(), &impl->result) != DuckDBSuccess) {
    const char* error = duckdb_result_error(&impl->result);
    return SqlFailure(sql, error != nullptr ? error : "query failed");
  }
  return QueryResult(std::move(impl));
}

Result<QueryResult> Connection::Query(std::string_view sql, const std::vector<Value>& parameters) {
  DHL_ASSIGN_OR_RETURN(PreparedStatement statement, Prepare(sql));
  DHL_RETURN_IF_ERROR(statement.BindAll(parameters));
  return statement.Execute();
}

Result<PreparedStatement> Connection::Prepare(std::string_view sql) {
  auto impl = std::make_unique<PreparedStatement::Impl>();
  impl->sql = std::string(sql);
  if (duckdb_prepare(impl_->connection, impl->sql.c_str(), &impl->statement) != DuckDBSuccess) {
    const char* error = duckdb_prepare_error(impl->statement);
    return SqlFailure(sql, error != nullptr ? error : "prepare failed");
  }
  return PreparedStatement(std::move(impl));
}

Result<PreparedStatement> Connection::WithEnumsAsText(PreparedStatement prepared,
                                                      std::string_view sql) {
  if (prepared.kind() != StatementKind::kSelect) return prepared;
  const std::vector<std::string> enums = prepared.EnumColumns();
  if (enums.empty()) return prepared;
  std::string replaced;
  for (const std::string& name : enums) {
    const std::string quoted = sql::QuoteName(name);
    replaced += (replaced.empty() ? "" : ", ") + fmt::format("CAST({0} AS VARCHAR) AS {0}", quoted);
  }
  auto readable = PrepareSingle(fmt::format("SELECT * REPLACE ({}) FROM (\n{}\n) AS readable",
                                            replaced, WithoutTrailingSemicolons(sql)));
  if (!readable.ok() || readable->kind() != StatementKind::kSelect ||
      readable->parameter_count() != prepared.parameter_count()) {
    return prepared;
  }
  return readable;
}

Result<PreparedStatement> Connection::PrepareSingle(std::string_view sql) {
  std::string text(sql);
  duckdb_extracted_statements extracted = nullptr;
  idx_t count = duckdb_extract_statements(impl_->connection, text.c_str(), &extracted);
  if (count == 0) {
    const char* error = duckdb_extract_statements_error(extracted);
    Status status = error != nullptr ? SqlFailure(sql, error)
                                     : SqlFailure(sql, "the text holds no SQL statement");
    duckdb_destroy_extracted(&extracted);
    return status;
  }
  if (count != 1) {
    duckdb_destroy_extracted(&extracted);
    return SqlFailure(sql, "expected exactly one SQL statement, found " + std::to_string(count));
  }
  auto impl = std::make_unique<PreparedStatement::Impl>();
  impl->sql = text;
  duckdb_state state =
      duckdb_prepare_extracted_statement(impl_->connection, extracted, 0, &impl->statement);
  duckdb_destroy_extracted(&extracted);
  if (state != DuckDBSuccess) {
    const char* error = duckdb_prepare_error(impl->statement);
    return SqlFailure(sql, error != nullptr ? error : "prepare failed");
  }
  return PreparedStatement(std::move(impl));
}

Result<Appender> Connection::CreateAppender(std::string_view schema, std::string_view table) {
  auto impl = std::make_unique<Appender::Impl>();
  std::string schema_text(schema);
  std::string table_text(table);
  impl->table = schema_text.empty() ? table_text : schema_text + "." + table_text;
  if (duckdb_appender_create(impl_->connection, schema_text.empty() ? nullptr : schema_text.c_str(),
                             table_text.c_str(), &impl->appender) != DuckDBSuccess) {
    duckdb_error_data error = duckdb_appender_error_data(impl->appender);
    std::string message = error != nullptr ? duckdb_error_data_message(error) : "unknown error";
    if (error != nullptr) {
      duckdb_destroy_error_data(&error);
    }
    return SqlError("cannot create an appender on " + impl->table + ": " + message);
  }
  return Appender(std::move(impl));
}

Status Connection::RegisterDoubleFunction(const std::string& name, double (*function)(double)) {
  if (impl_->double_functions.count(name) != 0) return Status::Ok();
  duckdb_scalar_function scalar = duckdb_create_scalar_function();
  duckdb_scalar_function_set_name(scalar, name.c_str());
  duckdb_logical_type type = duckdb_create_logical_type(DUCKDB_TYPE_DOUBLE);
  duckdb_scalar_function_add_parameter(scalar, type);
  duckdb_scalar_function_set_return_type(scalar, type);
  duckdb_destroy_logical_type(&type);
  auto apply = std::make_unique<DoubleFunction>(DoubleFunction{function});
  duckdb_scalar_function_set_extra_info(scalar, apply.release(), [](void* extra) {
    std::default_delete<DoubleFunction>()(static_cast<DoubleFunction*>(extra));
  });
  duckdb_scalar_function_set_function(scalar, ApplyDoubleFunction);
  duckdb_state state = duckdb_register_scalar_function(impl_->connection, scalar);
  duckdb_destroy_scalar_function(&scalar);
  if (state != DuckDBSuccess) {
    // DuckDB refuses a name it has (from another connection): fine when it is a function.
    DHL_ASSIGN_OR_RETURN(
        QueryResult found,
        Query("SELECT count(*) FROM duckdb_functions() WHERE function_name = $1", {Value(name)}));
    if (found.GetInt64(0, 0).value_or(0) == 0) {
      return SqlError("cannot register the SQL function " + name);
    }
  }
  impl_->double_functions.insert(name);
  return Status::Ok();
}

void Connection::Interrupt() { duckdb_interrupt(impl_->connection); }

Connection Connection::Adopt(void* raw_connection) {
  auto impl = std::make_unique<Impl>();
  impl->connection = static_cast<duckdb_connection>(raw_connection);
  return Connection(std::move(impl));
}

}  // namespace dhl::engine
