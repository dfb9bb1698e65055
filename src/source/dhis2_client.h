// One DHIS2 server seen through one HttpTransport: builds URLs (base URL + /api path + encoded
// query), sends the credentials as an Authorization header (never in the URL), retries through
// http::RetryPolicy, and turns HTTP failures into messages a person can act on (a 401 says the
// credentials are wrong, a 404 on /api/system/info says the server is not DHIS2). URLs in messages
// are masked. Every response body is capped once decompressed (libcurl inflates a gzip answer
// before the sink sees it, so a small compressed answer can expand to any size): past the cap the
// transfer stops with a non-retryable error naming the URL and the cap. Not thread-safe (its
// transport is not): use one client per thread.
#pragma once

#include <cstdint>
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

// The most bytes one response may hold once decompressed (as an export folder's files).
inline constexpr int64_t kMaxResponseBytes = int64_t{2} << 30;  // 2 GiB

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

  // Lowers (tests) or raises the decompressed-size cap of every later response.
  void set_max_response_bytes(int64_t bytes) { max_response_bytes_ = bytes; }

 private:
  // `sink` behind the size cap; the request is sent through the retry policy.
  Status Send(const http::HttpRequest& request, http::ResponseSink& sink,
              http::ExpectedBody expected);

  Status Explain(const Status& status, const std::string& url) const;

  std::string base_url_;
  std::string authorization_;
  http::RetryPolicy retry_;
  int64_t max_response_bytes_ = kMaxResponseBytes;
};

// Percent-encodes a query component.
std::string UrlEncode(std::string_view text);

}  // namespace dhl::source
