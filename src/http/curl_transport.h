// HttpTransport over libcurl. One CurlTransport keeps one easy handle, so consecutive requests to
// the same host reuse the connection (keep-alive). gzip is requested with Accept-Encoding and
// decoded by libcurl before the sink sees the body. Not thread-safe: use one CurlTransport per
// thread.
#pragma once

#include <memory>

#include "http/http_transport.h"

namespace dhl::http {

// Move-only owner of a CURL* easy handle (curl_easy_cleanup on destruction).
class CurlHandle {
 public:
  CurlHandle();  // curl_easy_init; get() is null if libcurl could not allocate one
  ~CurlHandle();
  CurlHandle(CurlHandle&& other) noexcept;
  CurlHandle& operator=(CurlHandle&& other) noexcept;
  CurlHandle(const CurlHandle&) = delete;
  CurlHandle& operator=(const CurlHandle&) = delete;

  void* get() const { return handle_; }  // a CURL*; void* keeps curl.h out of this header

 private:
  void* handle_ = nullptr;
};

class CurlTransport final : public HttpTransport {
 public:
  CurlTransport();
  Status Send(const HttpRequest& request, ResponseSink& sink) override;

 private:
  CurlHandle handle_;
};

}  // namespace dhl::http
