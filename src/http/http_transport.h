// One HTTP exchange, abstracted so that the retry policy and the extractors can run against libcurl
// (CurlTransport), or against a scripted fake that injects faults (FakeTransport). A response body
// is never held whole by the transport: it is handed to a ResponseSink chunk by chunk as it
// arrives.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace dhl::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;     // absolute URL; may carry user:password@, which is masked in every message
  HeaderList headers;  // e.g. {"Authorization", "ApiToken d2pat_..."}
  std::string body;    // sent for POST/PUT when not empty
  std::chrono::milliseconds connect_timeout{10000};
  // Longest silence allowed while waiting for the response (not the whole transfer).
  std::chrono::milliseconds idle_timeout{60000};
  bool accept_gzip = true;  // ask for gzip and decode it transparently
};

struct HttpResponseHead {
  int status = 0;
  HeaderList headers;
  // The first header of that name (case-insensitive), if any.
  std::optional<std::string> Header(std::string_view name) const;
};

// Receives one attempt's response. Begin is called once per attempt, before any body bytes; a
// second Begin means the previous attempt was abandoned and everything written since the first must
// be discarded. A non-ok Status from Begin or Write aborts the transfer and is returned by Send.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual Status Begin(const HttpResponseHead& head) = 0;
  virtual Status Write(std::string_view chunk) = 0;
};

// A sink that keeps the body in memory: for small responses (metadata pages, tests).
class StringSink final : public ResponseSink {
 public:
  Status Begin(const HttpResponseHead& head) override {
    head_ = head;
    body_.clear();
    return Status::Ok();
  }
  Status Write(std::string_view chunk) override {
    body_.append(chunk);
    return Status::Ok();
  }
  const HttpResponseHead& head() const { return head_; }
  const std::string& body() const { return body_; }

 private:
  HttpResponseHead head_;
  std::string body_;
};

// Sends one request. Transport failures (connection refused or reset, timeouts, a body shorter than
// announced) are kHttpRetryable statuses; any HTTP status, including 4xx/5xx, is a successful
// exchange whose head the sink receives. Implementations are not required to be thread-safe: use
// one per thread.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual Status Send(const HttpRequest& request, ResponseSink& sink) = 0;
};

// The URL with any user:password@ replaced by ***@ and the values of query parameters that carry
// secrets (password, token, key, secret) replaced by ***.
std::string MaskUrl(std::string_view url);

}  // namespace dhl::http
