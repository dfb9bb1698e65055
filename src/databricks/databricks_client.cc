#include "databricks/databricks_client.h"

#include <fmt/format.h>

namespace dhl::databricks {

std::string EncodePath(std::string_view path) {
  std::string out;
  for (char c : path) {
    unsigned char byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", byte);
    }
  }
  return out;
}

DatabricksClient::DatabricksClient(DatabricksCredentials credentials,
                                   http::HttpTransport& transport, http::Sleeper& sleeper,
                                   http::RetryOptions retry)
    : credentials_(std::move(credentials)), sleeper_(sleeper), retry_(transport, sleeper, retry) {}

http::HttpRequest DatabricksClient::Request(std::string_view method, std::string_view path) const {
  http::HttpRequest request;
  request.method = std::string(method);
  request.url = credentials_.host + std::string(path);
  request.headers = {{"Authorization", "Bearer " + credentials_.token},
                     {"Accept", "application/json"},
                     {"User-Agent", "dhis2lake"}};
  return request;
}

Status DatabricksClient::Describe(const Status& status, std::string_view method,
                                  std::string_view path) const {
  std::string message = status.message();
  // Never echo the token, whatever a server puts in its body.
  for (size_t at; !credentials_.token.empty() &&
                  (at = message.find(credentials_.token)) != std::string::npos;) {
    message.replace(at, credentials_.token.size(), "***");
  }
  if (message.find(": HTTP 401") != std::string::npos ||
      message.find(": HTTP 403") != std::string::npos) {
    return HttpError(fmt::format("Databricks refused the token for {} ({} {}): it has expired, "
                                 "was revoked or lacks the permission; create a new one "
                                 "(DATABRICKS_TOKEN or the profile's token). {}",
                                 credentials_.host, method, path, message),
                     /*retryable=*/false);
  }
  return Status(status.code(), message);
}

Result<nlohmann::json> DatabricksClient::Json(std::string_view method, std::string_view path,
                                              const nlohmann::json& body) {
  http::HttpRequest request = Request(method, path);
  if (!body.is_null()) {
    request.body = body.dump();
    request.headers.emplace_back("Content-Type", "application/json");
  }
  http::StringSink sink;
  Status sent = retry_.Send(request, sink, http::ExpectedBody::kJson);
  if (!sent.ok()) return Describe(sent, method, path);
  nlohmann::json parsed = nlohmann::json::parse(sink.body(), nullptr, false);
  if (parsed.is_discarded()) {
    return Corruption(fmt::format("{} {}: the answer is not JSON", method, path));
  }
  return parsed;
}

Status DatabricksClient::SendBytes(std::string_view method, std::string_view path,
                                   std::string bytes) {
  http::HttpRequest request = Request(method, path);
  request.body = std::move(bytes);
  request.headers.emplace_back("Content-Type", "application/octet-stream");
  http::StringSink sink;
  Status sent = retry_.Send(request, sink, http::ExpectedBody::kAny);
  return sent.ok() ? sent : Describe(sent, method, path);
}

Result<bool> DatabricksClient::Exists(std::string_view path) {
  http::HttpRequest request = Request("HEAD", path);
  http::StringSink sink;
  Status sent = retry_.Send(request, sink, http::ExpectedBody::kAny);
  if (sent.ok()) return true;
  if (sent.message().find(": HTTP 404") != std::string::npos) return false;
  return Describe(sent, "HEAD", path);
}

}  // namespace dhl::databricks
