#include "source/dhis2_client.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "source/invalid_utf8.h"

namespace dhl::source {
namespace {

// Forwards one response to `target` and stops it past `max_bytes` (counted per attempt: Begin
// starts a new one). The error is not retryable: the same answer would come again.
class CappedSink final : public http::ResponseSink {
 public:
  CappedSink(http::ResponseSink& target, int64_t max_bytes, std::string url)
      : target_(target), max_bytes_(max_bytes), url_(std::move(url)) {}

  Status Begin(const http::HttpResponseHead& head) override {
    bytes_ = 0;
    return target_.Begin(head);
  }
  Status Write(std::string_view chunk) override {
    bytes_ += static_cast<int64_t>(chunk.size());
    if (bytes_ > max_bytes_) {
      return InvalidArgument(
          fmt::format("GET {}: the answer holds more than {} bytes once decompressed (a gzip "
                      "bomb?); not read",
                      http::MaskUrl(url_), max_bytes_));
    }
    return target_.Write(chunk);
  }

 private:
  http::ResponseSink& target_;
  int64_t max_bytes_;
  std::string url_;
  int64_t bytes_ = 0;
};

}  // namespace

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':' || c == ',' ||
        c == '*' || c == '!') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Dhis2Client::Dhis2Client(std::string base_url, std::string authorization,
                         http::HttpTransport& transport, http::Sleeper& sleeper,
                         http::RetryOptions retry)
    : base_url_(std::move(base_url)),
      authorization_(std::move(authorization)),
      retry_(transport, sleeper, retry) {
  while (!base_url_.empty() && base_url_.back() == '/') {
    base_url_.pop_back();
  }
}

std::string Dhis2Client::Url(const std::string& path, const QueryParams& params) const {
  std::string url = base_url_ + path;
  char separator = '?';
  for (const auto& [name, value] : params) {
    url += separator;
    url += UrlEncode(name);
    url += '=';
    url += UrlEncode(value);
    separator = '&';
  }
  return url;
}

Status Dhis2Client::Explain(const Status& status, const std::string& url) const {
  if (status.ok()) {
    return status;
  }
  const std::string& message = status.message();
  std::string masked = http::MaskUrl(url);
  if (message.find("HTTP 401") != std::string::npos) {
    return HttpError("authentication failed at " + http::MaskUrl(base_url_) +
                         " (HTTP 401): wrong user name, password or token (DHIS2_USERNAME/"
                         "DHIS2_PASSWORD or DHIS2_TOKEN)",
                     false);
  }
  if (message.find("HTTP 403") != std::string::npos) {
    return HttpError(
        "access denied (HTTP 403) to " + masked + ": the DHIS2 user lacks the authority to read it",
        false);
  }
  return status;
}

Status Dhis2Client::Download(const std::string& path, const QueryParams& params,
                             http::ResponseSink& sink, http::ExpectedBody expected) {
  http::HttpRequest request;
  request.url = Url(path, params);
  if (!authorization_.empty()) {
    request.headers.emplace_back("Authorization", authorization_);
  }
  request.headers.emplace_back("Accept", expected == http::ExpectedBody::kJson
                                             ? "application/json"
                                             : "text/csv, application/json;q=0.5");
  return Explain(Send(request, sink, expected), request.url);
}

Status Dhis2Client::Send(const http::HttpRequest& request, http::ResponseSink& sink,
                         http::ExpectedBody expected) {
  CappedSink capped(sink, max_response_bytes_, request.url);
  return retry_.Send(request, capped, expected);
}

Result<std::string> Dhis2Client::GetJson(const std::string& path, const QueryParams& params) {
  int max_tries = std::max(1, retry_.options().max_tries);
  Status last;
  for (int attempt = 1; attempt <= max_tries; ++attempt) {
    http::StringSink sink;
    DHL_RETURN_IF_ERROR(Download(path, params, sink, http::ExpectedBody::kJson));
    if (nlohmann::json::accept(sink.body())) {
      return sink.body();
    }
    std::string body = sink.body();
    if (RepairUtf8AndWarn(body, "GET " + http::MaskUrl(Url(path, params))) &&
        nlohmann::json::accept(body)) {
      return body;  // ill-formed bytes kept as U+F0080..U+F00FF (invalid_utf8.h)
    }
    last =
        HttpError("GET " + http::MaskUrl(Url(path, params)) + ": the body is not complete JSON (" +
                      std::to_string(sink.body().size()) + " bytes)",
                  true);
  }
  return last;
}

Result<SystemInfo> Dhis2Client::ReadSystemInfo() {
  std::string url = Url("/api/system/info", {});
  http::HttpRequest request;
  request.url = url;
  if (!authorization_.empty()) {
    request.headers.emplace_back("Authorization", authorization_);
  }
  request.headers.emplace_back("Accept", "application/json");
  http::StringSink sink;
  Status sent = Send(request, sink, http::ExpectedBody::kJson);
  if (!sent.ok()) {
    const std::string& message = sent.message();
    if (message.find("HTTP 401") != std::string::npos ||
        message.find("HTTP 403") != std::string::npos) {
      return Explain(sent, url);
    }
    if (sent.code() == StatusCode::kHttp || message.find("HTML") != std::string::npos ||
        message.find("html") != std::string::npos) {
      return InvalidArgument(http::MaskUrl(base_url_) +
                             " is not a DHIS2 server (GET /api/system/info: " + message + ")");
    }
    return sent;
  }
  return ParseSystemInfo(sink.body(), http::MaskUrl(base_url_));
}

}  // namespace dhl::source
