// One libpq connection to a PostgreSQL database (DHIS2's own, for the database source, or the one
// the simulator writes its country into). Move-only owner of the PGconn; not thread-safe (one
// connection per thread). Nothing here writes the password anywhere: errors carry libpq's first
// message line and the masked URI only.
//
// The password is taken, in this order: one written in the URI (accepted; the caller warns), then
// PGPASSWORD (libpq reads it), then `password` of the options (the secrets file's [postgres]
// password), then ~/.pgpass (libpq reads it). Every other libpq URI parameter (sslmode, ...)
// passes through untouched. application_name is set to dhis2lake.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

struct pg_conn;

namespace dhl::source {

// Whether `source` is a libpq connection URI (postgresql:// or postgres://).
bool IsPostgresUri(std::string_view source);

// The URI with any password (the user-info one and a `password=` parameter) replaced by "***".
std::string MaskPostgresUri(std::string_view uri);

// Whether the URI itself carries a password.
bool PostgresUriHasPassword(std::string_view uri);

struct PostgresConnectOptions {
  std::string uri;
  std::string password;  // from the secrets file; used only when neither URI nor PGPASSWORD has one
  int connect_timeout_seconds = 10;
};

// One row of a streamed query: the fields as text, nullopt for NULL. Valid during the callback.
using PostgresRow = std::vector<std::optional<std::string_view>>;

// A query's rows as text (small results only: planning, version checks).
struct PostgresRows {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

class PostgresConnection {
 public:
  // Connects; errors name the masked URI and libpq's reason in one line.
  static Result<PostgresConnection> Open(const PostgresConnectOptions& options);

  PostgresConnection(PostgresConnection&& other) noexcept;
  PostgresConnection& operator=(PostgresConnection&& other) noexcept;
  ~PostgresConnection();

  // A statement without rows. Failures are SQL errors naming the statement's first words;
  // a cancellation by a conflict with recovery (hot standby) or a serialization failure is a
  // Conflict error, which a caller may retry in a new transaction.
  Status Execute(std::string_view sql);

  // All rows of a query as text.
  Result<PostgresRows> Query(std::string_view sql);

  // Streams the rows of a query one at a time (libpq single-row mode); `visit` returning an error
  // stops and returns it after draining the connection.
  Status ForEachRow(std::string_view sql, const std::function<Status(const PostgresRow&)>& visit);

  // Runs `COPY (...) TO STDOUT ...` (the whole statement in `sql`) and hands each piece of the
  // output to `write` as it arrives. Returns the bytes received.
  Result<int64_t> CopyOut(std::string_view sql,
                          const std::function<Status(std::string_view)>& write);

  // Runs `COPY table (...) FROM STDIN ...` (in `sql`), feeding it what `produce` appends to its
  // buffer on each call until it returns false.
  Status CopyIn(std::string_view sql, const std::function<Result<bool>(std::string*)>& produce);

  const std::string& masked_uri() const { return masked_uri_; }

 private:
  PostgresConnection(pg_conn* connection, std::string masked_uri);
  Status ResultStatus(void* result, std::string_view sql) const;
  // Reads the results left after a COPY until none is left (libpq needs them all read before the
  // next statement); `failure` if it is set, else the first failed result's status.
  Status DrainResults(std::string_view sql, Status failure);

  pg_conn* connection_ = nullptr;
  std::string masked_uri_;
};

}  // namespace dhl::source
