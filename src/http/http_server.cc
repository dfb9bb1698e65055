#include "http/http_server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <regex>
#include <thread>

#include "base/text.h"

namespace dhl::http {
namespace {

class SinkWriter final : public BodyWriter {
 public:
  SinkWriter(httplib::DataSink& sink, const std::atomic<bool>& stopping)
      : sink_(sink), stopping_(stopping) {}
  bool Write(std::string_view bytes) override {
    if (stopping_.load(std::memory_order_relaxed)) {
      return false;
    }
    if (bytes.empty()) {
      return true;
    }
    return sink_.write(bytes.data(), bytes.size());
  }

 private:
  httplib::DataSink& sink_;
  const std::atomic<bool>& stopping_;
};

// Whether the current thread serves the overflow lane (connections beyond the queue).
thread_local bool t_overflow = false;

// cpp-httplib's TaskQueue with a bounded queue: `workers` threads take queued connections; when
// `queue` connections already wait, a connection goes to the overflow lane instead, whose threads
// mark themselves so that the pre-routing handler answers 503 at once.
class BoundedTaskQueue final : public httplib::TaskQueue {
 public:
  BoundedTaskQueue(size_t workers, size_t queue, size_t overflow_threads)
      : capacity_(workers + queue) {
    for (size_t i = 0; i < workers; ++i) {
      threads_.emplace_back([this] { Work(jobs_, false); });
    }
    for (size_t i = 0; i < overflow_threads; ++i) {
      threads_.emplace_back([this] { Work(overflow_, true); });
    }
  }
  ~BoundedTaskQueue() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (jobs_.size() + running_ < capacity_) {
        jobs_.push_back(std::move(fn));
      } else {
        overflow_.push_back(std::move(fn));
      }
    }
    ready_.notify_all();
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (shutdown_) {
        return;
      }
      shutdown_ = true;
    }
    ready_.notify_all();
    for (std::thread& thread : threads_) {
      thread.join();
    }
  }

 private:
  void Work(std::deque<std::function<void()>>& jobs, bool overflow) {
    t_overflow = overflow;
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [&] { return !jobs.empty() || shutdown_; });
        if (jobs.empty()) {
          return;  // shut down, nothing left
        }
        fn = std::move(jobs.front());
        jobs.pop_front();
        running_ += overflow ? 0 : 1;
      }
      fn();
      if (!overflow) {
        std::lock_guard<std::mutex> lock(mutex_);
        --running_;
      }
    }
  }

  size_t capacity_;  // connections running or waiting on the workers, at most
  size_t running_ = 0;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  std::deque<std::function<void()>> overflow_;
  bool shutdown_ = false;
  std::vector<std::thread> threads_;
};

void Refuse(httplib::Response& out, int status, const std::string& message) {
  out.status = status;
  out.set_header("Connection", "close");
  out.set_content(
      fmt::format(R"({{"httpStatusCode":{},"status":"ERROR","message":"{}"}})", status, message),
      "application/json");
}

}  // namespace

std::optional<std::string> ServerRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) {
      return value;
    }
  }
  return std::nullopt;
}

std::optional<std::string> ServerRequest::Param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) {
      return value;
    }
  }
  return std::nullopt;
}

std::vector<std::string> ServerRequest::Params(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : params) {
    if (key == name) {
      values.push_back(value);
    }
  }
  return values;
}

void ServerResponse::SetHeader(std::string name, std::string value) {
  headers_.emplace_back(std::move(name), std::move(value));
}

void ServerResponse::SetBody(std::string body, std::string content_type) {
  body_ = std::move(body);
  content_type_ = std::move(content_type);
  producer_ = nullptr;
  sized_length_.reset();
}

void ServerResponse::SetStreamedBody(std::string content_type, BodyProducer producer) {
  content_type_ = std::move(content_type);
  producer_ = std::move(producer);
  sized_length_.reset();
}

void ServerResponse::SetSizedBody(size_t length, std::string content_type, BodyProducer producer) {
  content_type_ = std::move(content_type);
  producer_ = std::move(producer);
  sized_length_ = length;
}

class HttpServer::Impl {
 public:
  explicit Impl(ServerLimits limits) : limits_(std::move(limits)) {
    server_.set_keep_alive_max_count(limits_.keep_alive_requests);
    // Stop waits for idle keep-alive connections to time out: keep that wait short.
    server_.set_keep_alive_timeout(2);
    server_.set_tcp_nodelay(true);
    server_.set_read_timeout(limits_.read_timeout);
    server_.set_write_timeout(limits_.write_timeout);
    server_.set_payload_max_length(limits_.max_body_bytes);
    for (const auto& [pattern, bytes] : limits_.path_body_limits) {
      body_limits_.emplace_back(std::regex(pattern), bytes);
    }
    server_.new_task_queue = [this] {
      return new BoundedTaskQueue(limits_.workers, limits_.queue, 2);
    };
    server_.set_pre_routing_handler([this](const httplib::Request& in, httplib::Response& out) {
      return Admit(in, out) ? httplib::Server::HandlerResponse::Unhandled
                            : httplib::Server::HandlerResponse::Handled;
    });
    // A client that asks before sending its body (Expect: 100-continue, as libcurl does for large
    // bodies) hears the refusal instead of "continue": the body is never sent. Answered after
    // the body, the refusal closes a connection with the body unread, which resets it, and the
    // client may see the reset instead of the answer.
    server_.set_expect_100_continue_handler(
        [this](const httplib::Request& in, httplib::Response& out) {
          if (Admit(in, out)) {
            return 100;
          }
          // httplib frames this early answer with no Content-Length (its routing path adds it):
          // without one the client reads until the connection closes (the read timeout).
          out.set_header("Content-Length", std::to_string(out.body.size()));
          return out.status;
        });
  }

  // Whether `in` may proceed to its handler (its body not yet read); otherwise `out` says why not.
  bool Admit(const httplib::Request& in, httplib::Response& out) const {
    bool always = std::find(limits_.always_answered.begin(), limits_.always_answered.end(),
                            in.path) != limits_.always_answered.end();
    if (t_overflow && !always) {
      out.set_header("Retry-After", "1");
      Refuse(out, 503, "the server is busy: try again shortly");
      return false;
    }
    std::string encoding = in.get_header_value("Content-Encoding");
    if (limits_.refuse_compressed_bodies && !encoding.empty() &&
        !EqualsIgnoreCase(encoding, "identity")) {
      Refuse(out, 415, "compressed request bodies are not accepted (Content-Encoding)");
      return false;
    }
    size_t limit = limits_.max_body_bytes;
    for (const auto& [pattern, bytes] : body_limits_) {
      if (std::regex_match(in.path, pattern)) {
        limit = bytes;
        break;
      }
    }
    bool chunked = EqualsIgnoreCase(in.get_header_value("Transfer-Encoding"), "chunked");
    std::string length_text = in.get_header_value("Content-Length");
    uint64_t length = 0;
    bool length_ok = !length_text.empty() && length_text.size() <= 19 &&
                     std::all_of(length_text.begin(), length_text.end(),
                                 [](char c) { return c >= '0' && c <= '9'; });
    if (length_ok) {
      length = std::stoull(length_text);
    }
    if ((chunked && limit < limits_.max_body_bytes) || (!length_text.empty() && !length_ok) ||
        length > limit) {
      Refuse(out, 413,
             fmt::format("the request body is larger than this path accepts ({} bytes)", limit));
      return false;
    }
    return true;
  }

  void Route(const std::string& method, const std::string& pattern, Handler handler) {
    auto adapter = [this, handler = std::move(handler)](const httplib::Request& in,
                                                        httplib::Response& out) {
      Serve(handler, in, out);
    };
    if (method == "GET") {
      server_.Get(pattern, adapter);
    } else if (method == "POST") {
      server_.Post(pattern, adapter);
    } else if (method == "PUT") {
      server_.Put(pattern, adapter);
    } else if (method == "DELETE") {
      server_.Delete(pattern, adapter);
    } else if (method == "PATCH") {
      server_.Patch(pattern, adapter);
    }
  }

  void Serve(const Handler& handler, const httplib::Request& in, httplib::Response& out) {
    ServerRequest request;
    request.method = in.method;
    request.path = in.path;
    request.body = in.body;
    for (const auto& [key, value] : in.headers) {
      request.headers.emplace_back(key, value);
    }
    // httplib keeps parameters in a multimap (sorted by name, insertion order within a name).
    for (const auto& [key, value] : in.params) {
      request.params.emplace_back(key, value);
    }
    ServerResponse response;
    handler(request, response);
    out.status = response.status();
    for (const auto& [name, value] : response.headers()) {
      out.set_header(name, value);
    }
    if (!response.producer()) {
      out.set_content(response.body(), response.content_type());
      return;
    }
    BodyProducer producer = response.producer();
    const std::atomic<bool>& stopping = stopping_;
    if (response.sized_length()) {
      out.set_content_provider(
          *response.sized_length(), response.content_type(),
          [producer, &stopping](size_t offset, size_t, httplib::DataSink& sink) {
            if (offset != 0) {
              return false;  // the producer already wrote all it had in the first call
            }
            SinkWriter writer(sink, stopping);
            return producer(writer);
          });
      return;
    }
    out.set_chunked_content_provider(response.content_type(),
                                     [producer, &stopping](size_t, httplib::DataSink& sink) {
                                       SinkWriter writer(sink, stopping);
                                       if (!producer(writer)) {
                                         return false;
                                       }
                                       sink.done();
                                       return true;
                                     });
  }

  Result<int> Start(const std::string& host, int port) {
    if (thread_.joinable()) {
      return InvalidArgument("the HTTP server is already running");
    }
    stopping_ = false;
    int bound = port;
    if (port == 0) {
      bound = server_.bind_to_any_port(host);
      if (bound < 0) {
        return IoError(fmt::format("cannot bind a free port on {}", host));
      }
    } else if (!server_.bind_to_port(host, port)) {
      return IoError(fmt::format("cannot bind {}:{} (in use?)", host, port));
    }
    port_ = bound;
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the listening loop runs: wait for it so that Stop always works.
    while (!server_.is_running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return bound;
  }

  void Stop() {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
    server_.stop();
    if (thread_.joinable()) {
      thread_.join();
    }
    {
      std::lock_guard wait_lock(wait_mutex_);
      stopped_ = true;
    }
    wait_cv_.notify_all();
  }

  void Wait() {
    std::unique_lock lock(wait_mutex_);
    wait_cv_.wait(lock, [this] { return stopped_; });
  }

  int port() const { return port_; }

 private:
  ServerLimits limits_;
  std::vector<std::pair<std::regex, size_t>> body_limits_;
  httplib::Server server_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex stop_mutex_;
  std::mutex wait_mutex_;
  std::condition_variable wait_cv_;
  bool stopped_ = false;
  int port_ = 0;
};

HttpServer::HttpServer(ServerLimits limits) : impl_(std::make_unique<Impl>(std::move(limits))) {}
HttpServer::~HttpServer() { impl_->Stop(); }

void HttpServer::Route(std::string method, std::string path_pattern, Handler handler) {
  impl_->Route(method, path_pattern, std::move(handler));
}

Result<int> HttpServer::Start(const std::string& host, int port) {
  return impl_->Start(host, port);
}
void HttpServer::Stop() { impl_->Stop(); }
void HttpServer::Wait() { impl_->Wait(); }
int HttpServer::port() const { return impl_->port(); }

}  // namespace dhl::http
