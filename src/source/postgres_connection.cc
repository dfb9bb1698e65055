#include "source/postgres_connection.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <string>

namespace dhl::source {
namespace {

constexpr std::string_view kMask = "***";

// libpq's message, first line only, trimmed ("FATAL:  " prefixes kept: they say what failed).
std::string FirstLine(const char* message) {
  std::string text = message == nullptr ? "" : message;
  size_t end = text.find('\n');
  if (end != std::string::npos) {
    text.resize(end);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) {
    text.pop_back();
  }
  return text.empty() ? "unknown error" : text;
}

// The first words of a statement, for error messages (never its literals).
std::string StatementHead(std::string_view sql) {
  size_t start = sql.find_first_not_of(" \n\t(");
  if (start == std::string_view::npos) {
    return "statement";
  }
  std::string head(sql.substr(start, 40));
  for (char& c : head) {
    if (c == '\n' || c == '\t') {
      c = ' ';
    }
  }
  size_t space = head.find(' ', 12);
  if (space != std::string::npos) {
    head.resize(space);
  }
  return head;
}

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

}  // namespace

bool IsPostgresUri(std::string_view source) {
  return source.rfind("postgresql://", 0) == 0 || source.rfind("postgres://", 0) == 0;
}

std::string MaskPostgresUri(std::string_view uri) {
  std::string out(uri);
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t authority = scheme + 3;
    size_t end = out.find_first_of("/?", authority);
    size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at != std::string::npos && at >= authority) {
      size_t colon = out.find(':', authority);
      if (colon != std::string::npos && colon < at) {
        out.replace(colon + 1, at - colon - 1, kMask);
      }
    }
  }
  // password=... in the query string
  size_t query = out.find('?');
  while (query != std::string::npos) {
    size_t key = out.find("password=", query);
    if (key == std::string::npos) {
      break;
    }
    if (key > 0 && out[key - 1] != '?' && out[key - 1] != '&') {
      query = key + 1;
      continue;
    }
    size_t value = key + 9;
    size_t end = out.find('&', value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, kMask);
    query = value + kMask.size();
  }
  return out;
}

bool PostgresUriHasPassword(std::string_view uri) { return MaskPostgresUri(uri) != uri; }

PostgresConnection::PostgresConnection(pg_conn* connection, std::string masked_uri)
    : connection_(connection), masked_uri_(std::move(masked_uri)) {}

PostgresConnection::PostgresConnection(PostgresConnection&& other) noexcept
    : connection_(other.connection_), masked_uri_(std::move(other.masked_uri_)) {
  other.connection_ = nullptr;
}

PostgresConnection& PostgresConnection::operator=(PostgresConnection&& other) noexcept {
  if (this != &other) {
    if (connection_ != nullptr) {
      PQfinish(connection_);
    }
    connection_ = other.connection_;
    masked_uri_ = std::move(other.masked_uri_);
    other.connection_ = nullptr;
  }
  return *this;
}

PostgresConnection::~PostgresConnection() {
  if (connection_ != nullptr) {
    PQfinish(connection_);
  }
}

Result<PostgresConnection> PostgresConnection::Open(const PostgresConnectOptions& options) {
  std::string masked = MaskPostgresUri(options.uri);
  std::vector<const char*> keywords = {"dbname", "application_name", "connect_timeout"};
  std::string timeout = std::to_string(options.connect_timeout_seconds);
  std::vector<const char*> values = {options.uri.c_str(), "dhis2lake", timeout.c_str()};
  const char* environment_password = std::getenv("PGPASSWORD");
  bool password_elsewhere = PostgresUriHasPassword(options.uri) ||
                            (environment_password != nullptr && *environment_password != '\0');
  if (!password_elsewhere && !options.password.empty()) {
    keywords.push_back("password");
    values.push_back(options.password.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* connection = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (connection == nullptr) {
    return Internal("PostgreSQL " + masked + ": out of memory");
  }
  if (PQstatus(connection) != CONNECTION_OK) {
    std::string reason = FirstLine(PQerrorMessage(connection));
    PQfinish(connection);
    if (reason.find("password authentication failed") != std::string::npos ||
        reason.find("no password supplied") != std::string::npos) {
      return InvalidArgument("PostgreSQL " + masked + ": wrong user or password (" + reason + ")");
    }
    return IoError("PostgreSQL " + masked + ": cannot connect (" + reason + ")");
  }
  return PostgresConnection(connection, masked);
}

Status PostgresConnection::ResultStatus(void* result_handle, std::string_view sql) const {
  auto* result = static_cast<PGresult*>(result_handle);
  ExecStatusType status = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_SINGLE_TUPLE ||
      status == PGRES_COPY_OUT || status == PGRES_COPY_IN) {
    return Status::Ok();
  }
  std::string reason =
      FirstLine(result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(connection_));
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state == nullptr ? "" : state;
  std::string message =
      fmt::format("PostgreSQL {}: {} failed: {}", masked_uri_, StatementHead(sql), reason);
  // 40001 serialization failure (a hot standby cancels a query conflicting with recovery so),
  // 40P01 deadlock: worth a retry in a new transaction.
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return Conflict(message);
  }
  return SqlError(message);
}

Status PostgresConnection::Execute(std::string_view sql) {
  ResultPtr result(PQexec(connection_, std::string(sql).c_str()));
  return ResultStatus(result.get(), sql);
}

Result<PostgresRows> PostgresConnection::Query(std::string_view sql) {
  ResultPtr result(PQexec(connection_, std::string(sql).c_str()));
  DHL_RETURN_IF_ERROR(ResultStatus(result.get(), sql));
  PostgresRows rows;
  int columns = PQnfields(result.get());
  for (int c = 0; c < columns; ++c) {
    rows.columns.emplace_back(PQfname(result.get(), c));
  }
  int count = PQntuples(result.get());
  rows.rows.reserve(static_cast<size_t>(count));
  for (int r = 0; r < count; ++r) {
    std::vector<std::optional<std::string>> row;
    row.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(result.get(), r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(PQgetvalue(result.get(), r, c),
                                     static_cast<size_t>(PQgetlength(result.get(), r, c))));
      }
    }
    rows.rows.push_back(std::move(row));
  }
  return rows;
}

Status PostgresConnection::ForEachRow(std::string_view sql,
                                      const std::function<Status(const PostgresRow&)>& visit) {
  if (PQsendQuery(connection_, std::string(sql).c_str()) != 1) {
    return IoError(fmt::format("PostgreSQL {}: {} not sent: {}", masked_uri_, StatementHead(sql),
                               FirstLine(PQerrorMessage(connection_))));
  }
  PQsetSingleRowMode(connection_);
  Status failure;
  PostgresRow row;
  while (true) {
    ResultPtr result(PQgetResult(connection_));
    if (result == nullptr) {
      break;
    }
    if (!failure.ok()) {
      continue;  // drain
    }
    ExecStatusType status = PQresultStatus(result.get());
    if (status == PGRES_SINGLE_TUPLE) {
      int columns = PQnfields(result.get());
      row.assign(static_cast<size_t>(columns), std::nullopt);
      for (int c = 0; c < columns; ++c) {
        if (!PQgetisnull(result.get(), 0, c)) {
          row[static_cast<size_t>(c)] = std::string_view(
              PQgetvalue(result.get(), 0, c), static_cast<size_t>(PQgetlength(result.get(), 0, c)));
        }
      }
      failure = visit(row);
    } else if (status != PGRES_TUPLES_OK) {
      failure = ResultStatus(result.get(), sql);
    }
  }
  return failure;
}

Result<int64_t> PostgresConnection::CopyOut(std::string_view sql,
                                            const std::function<Status(std::string_view)>& write) {
  ResultPtr started(PQexec(connection_, std::string(sql).c_str()));
  DHL_RETURN_IF_ERROR(ResultStatus(started.get(), sql));
  if (PQresultStatus(started.get()) != PGRES_COPY_OUT) {
    return Internal("PostgreSQL " + masked_uri_ + ": " + StatementHead(sql) + " is not a COPY TO");
  }
  int64_t bytes = 0;
  Status failure;
  while (true) {
    char* buffer = nullptr;
    int length = PQgetCopyData(connection_, &buffer, /*async=*/0);
    if (length < 0) {
      break;  // -1 done, -2 error: the result below says which
    }
    if (failure.ok()) {
      failure = write(std::string_view(buffer, static_cast<size_t>(length)));
    }
    bytes += length;
    PQfreemem(buffer);
  }
  DHL_RETURN_IF_ERROR(DrainResults(sql, failure));
  return bytes;
}

Status PostgresConnection::DrainResults(std::string_view sql, Status failure) {
  while (true) {
    ResultPtr result(PQgetResult(connection_));
    if (result == nullptr) {
      break;
    }
    Status status = ResultStatus(result.get(), sql);
    if (failure.ok() && !status.ok()) {
      failure = status;
    }
  }
  return failure;
}

Status PostgresConnection::CopyIn(std::string_view sql,
                                  const std::function<Result<bool>(std::string*)>& produce) {
  ResultPtr started(PQexec(connection_, std::string(sql).c_str()));
  DHL_RETURN_IF_ERROR(ResultStatus(started.get(), sql));
  if (PQresultStatus(started.get()) != PGRES_COPY_IN) {
    return Internal("PostgreSQL " + masked_uri_ + ": " + StatementHead(sql) +
                    " is not a COPY FROM STDIN");
  }
  std::string buffer;
  Status failure;
  while (true) {
    buffer.clear();
    Result<bool> more = produce(&buffer);
    if (!more.ok()) {
      failure = more.status();
      break;
    }
    if (!buffer.empty() &&
        PQputCopyData(connection_, buffer.data(), static_cast<int>(buffer.size())) != 1) {
      failure = IoError(fmt::format("PostgreSQL {}: {}: {}", masked_uri_, StatementHead(sql),
                                    FirstLine(PQerrorMessage(connection_))));
      break;
    }
    if (!*more) {
      break;
    }
  }
  PQputCopyEnd(connection_, failure.ok() ? nullptr : "aborted by dhis2lake");
  return DrainResults(sql, failure);
}

}  // namespace dhl::source
