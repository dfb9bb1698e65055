// An HTTP/1.1 server on 127.0.0.1 shared by `sim` and `serve`: routes by method and path pattern,
// port 0 for a free port (the bound port is reported), streamed (chunked) bodies that are never
// held whole, gzip when the client asks, and a graceful stop. cpp-httplib does the work behind this
// interface; its header stays out of ours.
//
// Handlers run on the server's worker threads, several at once: they must be thread-safe. A
// streamed body's producer runs after its handler returned, on the same worker thread.
//
// Limits (ServerLimits) are enforced before a request body is read: a body larger than the limit
// of its path is answered 413, a compressed body (Content-Encoding other than identity) 415, so
// that nothing is inflated or buffered first; a client sending `Expect: 100-continue` gets the
// refusal instead of the go-ahead, so that its body is never sent. Connections are served by a
// bounded pool of workers with a bounded queue (Debian's cpp-httplib 0.11.4 has neither: its
// ThreadPool queues without bound and its enqueue cannot refuse); a connection arriving when the
// queue is full is served by a small overflow lane that answers 503 (Retry-After) to everything but
// the `always_answered` paths (/health), which it answers normally.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "http/http_transport.h"

namespace dhl::http {

struct ServerRequest {
  std::string method;
  std::string path;  // without the query string
  // Query string parameters (and form fields of a urlencoded POST), in order, decoded.
  std::vector<std::pair<std::string, std::string>> params;
  HeaderList headers;
  std::string body;

  std::optional<std::string> Header(std::string_view name) const;
  std::optional<std::string> Param(std::string_view name) const;  // the first value
  std::vector<std::string> Params(std::string_view name) const;   // every value, in order
  bool HasParam(std::string_view name) const { return Param(name).has_value(); }
};

// Receives a streamed body. Write returns false once the client has gone away or the server is
// stopping: the producer should then return at once.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  virtual bool Write(std::string_view bytes) = 0;
};

// Produces a streamed body; returning false aborts the response (the connection is closed without
// the end of the body, which a client sees as a broken transfer).
using BodyProducer = std::function<bool(BodyWriter& writer)>;

class ServerResponse {
 public:
  void SetStatus(int status) { status_ = status; }
  void SetHeader(std::string name, std::string value);
  // A body known in full.
  void SetBody(std::string body, std::string content_type);
  // A body streamed with chunked transfer encoding (gzip-compressed when the client accepts it).
  void SetStreamedBody(std::string content_type, BodyProducer producer);
  // A body announced with Content-Length `length` and never compressed; a producer that writes
  // fewer bytes and returns false produces a truncated response (fault injection).
  void SetSizedBody(size_t length, std::string content_type, BodyProducer producer);

  int status() const { return status_; }
  const HeaderList& headers() const { return headers_; }
  const std::string& body() const { return body_; }
  const std::string& content_type() const { return content_type_; }
  const BodyProducer& producer() const { return producer_; }
  std::optional<size_t> sized_length() const { return sized_length_; }

 private:
  int status_ = 200;
  HeaderList headers_;
  std::string body_;
  std::string content_type_ = "text/plain";
  BodyProducer producer_;
  std::optional<size_t> sized_length_;
};

using Handler = std::function<void(const ServerRequest& request, ServerResponse& response)>;

struct ServerLimits {
  size_t max_body_bytes = 64 << 20;  // any request body larger: 413 before it is read
  // Smaller limits for paths matching an ECMAScript regular expression (the first match wins).
  std::vector<std::pair<std::string, size_t>> path_body_limits;
  bool refuse_compressed_bodies = true;  // Content-Encoding other than identity: 415
  std::chrono::seconds read_timeout{10};
  std::chrono::seconds write_timeout{10};
  size_t workers = 8;   // threads serving connections
  size_t queue = 1024;  // connections waiting for a worker; beyond: the overflow lane (503)
  size_t keep_alive_requests = 100;  // requests per connection before it is closed
  std::vector<std::string> always_answered = {"/health"};  // served even by the overflow lane
};

class HttpServer {
 public:
  explicit HttpServer(ServerLimits limits = {});
  ~HttpServer();  // stops the server if it runs
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Registers `handler` for `method` ("GET", "POST", ...) and paths matching the ECMAScript regular
  // expression `path_pattern` in full. Earlier registrations win. Call before Start.
  void Route(std::string method, std::string path_pattern, Handler handler);

  // Binds `host`:`port` (0 = a free port) and serves on background threads. Returns the bound port.
  Result<int> Start(const std::string& host = "127.0.0.1", int port = 0);
  // Stops accepting, ends streamed bodies early, waits for the worker threads. Idempotent.
  void Stop();
  // Blocks until Stop is called (from another thread or a signal handler's helper thread).
  void Wait();
  int port() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dhl::http
