// Databricks' SQL Statement Execution API: submits one statement to a SQL warehouse
// (POST /api/2.0/sql/statements, INLINE JSON_ARRAY results), polls it (GET …/{id}) while it is
// PENDING or RUNNING, with growing waits, and gathers its result chunks by following
// next_chunk_internal_link. A FAILED state arrives with HTTP 200 and is read from the body: the
// error carries the warehouse's error_code, message and SQLSTATE and the start of the statement.
// When `interrupted` turns true while waiting, the statement is cancelled (POST …/{id}/cancel) and
// the call returns an error saying so. Not thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "databricks/databricks_client.h"

namespace dhl::databricks {

struct StatementOptions {
  std::string warehouse_id;
  std::string catalog;  // default catalog and schema of the statement (names are qualified anyway)
  std::string schema;
  std::chrono::milliseconds first_poll{500};
  std::chrono::milliseconds max_poll{5000};
  std::function<bool()> interrupted;  // may be empty
};

struct StatementResult {
  std::string statement_id;
  std::string state;  // SUCCEEDED
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;  // JSON_ARRAY: values as text
  int chunks = 0;                                             // result chunks read
  int polls = 0;                                              // GETs of the status
};

class StatementClient {
 public:
  StatementClient(DatabricksClient& client, StatementOptions options)
      : client_(client), options_(std::move(options)) {}

  Result<StatementResult> Execute(const std::string& statement);

 private:
  Status AppendChunk(const nlohmann::json& chunk, StatementResult& result);

  DatabricksClient& client_;
  StatementOptions options_;
};

}  // namespace dhl::databricks
