// The REST core shared by the Files and Statement Execution clients: requests to the workspace with
// the bearer token, through http::RetryPolicy (429 honouring Retry-After, 5xx and transport
// failures retried with backoff), JSON bodies parsed with nlohmann. Errors name the method and
// path, carry Databricks' error_code and message from the body, and say plainly when the token was
// refused (HTTP 401/403: expired, revoked or wrong). The token never appears in a message or a log
// line. Holds references to a transport and a sleeper that must outlive it; as thread-safe as the
// transport.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"
#include "databricks/databricks_credentials.h"
#include "http/http_transport.h"
#include "http/retry_policy.h"
#include "http/sleeper.h"

namespace dhl::databricks {

class DatabricksClient {
 public:
  DatabricksClient(DatabricksCredentials credentials, http::HttpTransport& transport,
                   http::Sleeper& sleeper, http::RetryOptions retry = {});

  // `path` starts with '/' ("/api/2.0/sql/statements"); `body` is sent when not null.
  Result<nlohmann::json> Json(std::string_view method, std::string_view path,
                              const nlohmann::json& body = nullptr);
  // Sends raw bytes (PUT of a file); the response body is ignored.
  Status SendBytes(std::string_view method, std::string_view path, std::string bytes);
  // HEAD: true for 2xx, false for 404, an error otherwise.
  Result<bool> Exists(std::string_view path);

  const DatabricksCredentials& credentials() const { return credentials_; }
  http::Sleeper& sleeper() { return sleeper_; }

 private:
  http::HttpRequest Request(std::string_view method, std::string_view path) const;
  Status Describe(const Status& status, std::string_view method, std::string_view path) const;

  DatabricksCredentials credentials_;
  http::Sleeper& sleeper_;
  http::RetryPolicy retry_;
};

// The path with every byte outside [A-Za-z0-9-._~/] percent-encoded (volume paths in URLs).
std::string EncodePath(std::string_view path);

}  // namespace dhl::databricks
