#include "http/http_server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace dhl::http {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

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
  Impl() {
    server_.set_keep_alive_max_count(10000);
    // Stop waits for idle keep-alive connections to time out: keep that wait short.
    server_.set_keep_alive_timeout(2);
    server_.set_tcp_nodelay(true);
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
  httplib::Server server_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex stop_mutex_;
  std::mutex wait_mutex_;
  std::condition_variable wait_cv_;
  bool stopped_ = false;
  int port_ = 0;
};

HttpServer::HttpServer() : impl_(std::make_unique<Impl>()) {}
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
