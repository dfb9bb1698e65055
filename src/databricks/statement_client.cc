#include "databricks/statement_client.h"

#include <fmt/format.h>

#include <algorithm>

namespace dhl::databricks {
namespace {

constexpr std::string_view kStatements = "/api/2.0/sql/statements";

// The statement as errors quote it: its first line, cut at 200 bytes.
std::string Excerpt(const std::string& statement) {
  std::string text = statement.substr(0, std::min<size_t>(statement.size(), 200));
  std::replace(text.begin(), text.end(), '\n', ' ');
  return statement.size() > 200 ? text + " …" : text;
}

std::string StateOf(const nlohmann::json& response) {
  const nlohmann::json* status = response.contains("status") ? &response["status"] : nullptr;
  if (status == nullptr || !status->is_object()) return "";
  return status->value("state", "");
}

}  // namespace

Status StatementClient::AppendChunk(const nlohmann::json& chunk, StatementResult& result) {
  if (!chunk.is_object()) return Corruption("a result chunk that is not a JSON object");
  ++result.chunks;
  if (!chunk.contains("data_array")) return Status::Ok();
  for (const nlohmann::json& row : chunk["data_array"]) {
    std::vector<std::optional<std::string>> values;
    for (const nlohmann::json& value : row) {
      if (value.is_null()) {
        values.emplace_back(std::nullopt);
      } else {
        values.emplace_back(value.is_string() ? value.get<std::string>() : value.dump());
      }
    }
    result.rows.push_back(std::move(values));
  }
  return Status::Ok();
}

Result<StatementResult> StatementClient::Execute(const std::string& statement) {
  if (options_.warehouse_id.empty()) {
    return InvalidArgument("no SQL warehouse: pass --warehouse-id or set DATABRICKS_WAREHOUSE_ID");
  }
  nlohmann::json body = {{"statement", statement},  {"warehouse_id", options_.warehouse_id},
                         {"wait_timeout", "30s"},   {"on_wait_timeout", "CONTINUE"},
                         {"disposition", "INLINE"}, {"format", "JSON_ARRAY"}};
  if (!options_.catalog.empty()) body["catalog"] = options_.catalog;
  if (!options_.schema.empty()) body["schema"] = options_.schema;
  auto context = [&](const Status& status) {
    return status.WithContext("statement " + Excerpt(statement));
  };
  auto response = client_.Json("POST", kStatements, body);
  if (!response.ok()) return context(response.status());
  StatementResult result;
  result.statement_id = response->value("statement_id", "");
  std::string state = StateOf(*response);
  std::chrono::milliseconds wait = options_.first_poll;
  while (state == "PENDING" || state == "RUNNING") {
    if (result.statement_id.empty()) {
      return Corruption("the warehouse answered " + state + " without a statement_id for " +
                        Excerpt(statement));
    }
    if (options_.interrupted && options_.interrupted()) {
      Status cancelled = client_.SendBytes(
          "POST", std::string(kStatements) + "/" + result.statement_id + "/cancel", "");
      return SqlError(
          fmt::format("interrupted: statement {} cancelled{} ({})", result.statement_id,
                      cancelled.ok() ? "" : " (cancel failed: " + cancelled.message() + ")",
                      Excerpt(statement)));
    }
    client_.sleeper().SleepFor(wait);
    wait = std::min(options_.max_poll, wait * 2);
    response = client_.Json("GET", std::string(kStatements) + "/" + result.statement_id);
    if (!response.ok()) return context(response.status());
    ++result.polls;
    state = StateOf(*response);
  }
  result.state = state;
  if (state == "FAILED") {
    const nlohmann::json& status = (*response)["status"];
    nlohmann::json error = status.value("error", nlohmann::json::object());
    std::string sql_state = status.value("sql_state", "");
    return SqlError(fmt::format(
        "the SQL warehouse failed statement {}: {}: {}{} (statement: {})", result.statement_id,
        error.value("error_code", "UNKNOWN"), error.value("message", "(no message)"),
        sql_state.empty() ? "" : " [SQLSTATE " + sql_state + "]", Excerpt(statement)));
  }
  if (state == "CANCELED" || state == "CLOSED") {
    return SqlError(fmt::format("statement {} ended {} on the warehouse (statement: {})",
                                result.statement_id, state, Excerpt(statement)));
  }
  if (state != "SUCCEEDED") {
    return Corruption(fmt::format("statement {}: unknown state '{}' (statement: {})",
                                  result.statement_id, state, Excerpt(statement)));
  }
  if (response->contains("manifest")) {
    const nlohmann::json& manifest = (*response)["manifest"];
    if (manifest.contains("schema") && manifest["schema"].contains("columns")) {
      for (const nlohmann::json& column : manifest["schema"]["columns"]) {
        result.columns.push_back(column.value("name", ""));
      }
    }
  }
  if (!response->contains("result")) return result;
  nlohmann::json chunk = (*response)["result"];
  while (true) {
    if (Status appended = AppendChunk(chunk, result); !appended.ok()) return context(appended);
    std::string next = chunk.value("next_chunk_internal_link", "");
    if (next.empty()) break;
    if (next.front() != '/') {
      return Corruption("statement " + result.statement_id + ": next_chunk_internal_link '" + next +
                        "' is not a path");
    }
    auto fetched = client_.Json("GET", next);
    if (!fetched.ok()) return context(fetched.status());
    chunk = std::move(*fetched);
  }
  return result;
}

}  // namespace dhl::databricks
