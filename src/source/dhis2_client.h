// One DHIS2 server seen through one HttpTransport: builds URLs (base URL + /api path + encoded
// query), sends the credentials as an Authorization header (never in the URL), retries through
// http::RetryPolicy, and turns HTTP failures into messages a person can act on (a 401 says the
// credentials are wrong, a 404 on /api/system/info says the server is not DHIS2). URLs in messages
// are masked. Not thread-safe (its transport is not): use one client per thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "http/http_transport.h"
#include "http/retry_policy.h"
#include "http/sleeper.h"
#include "source/system_info.h"

namespace dhl::source {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

class Dhis2Client {
 public:
  // `transport` and `sleeper` must outlive the client. `base_url` is the server's URL without /api.
  Dhis2Client(std::string base_url, std::string authorization, http::HttpTransport& transport,
              http::Sleeper& sleeper, http::RetryOptions retry);

  // base URL + path + "?" + percent-encoded params.
  std::string Url(const std::string& path, const QueryParams& params) const;

  // Streams the response of GET path?params into `sink` (see http::RetryPolicy for retries).
  Status Download(const std::string& path, const QueryParams& params, http::ResponseSink& sink,
                  http::ExpectedBody expected);

  // A small response (system info, id lists), kept in memory. JSON bodies that do not parse are
  // retried like truncated ones.
  Result<std::string> GetJson(const std::string& path, const QueryParams& params);

  // GET /api/system/info, checked (see ParseSystemInfo).
  Result<SystemInfo> ReadSystemInfo();

  const std::string& base_url() const { return base_url_; }

 private:
  Status Explain(const Status& status, const std::string& url) const;

  std::string base_url_;
  std::string authorization_;
  http::RetryPolicy retry_;
};

// Percent-encodes a query component.
std::string UrlEncode(std::string_view text);

}  // namespace dhl::source
