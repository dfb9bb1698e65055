// The libcurl client against the in-process server on a free loopback port.
#include "http/http_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "http/curl_transport.h"

namespace dhl::http {
namespace {

class CountingSink final : public ResponseSink {
 public:
  Status Begin(const HttpResponseHead& head) override {
    head_ = head;
    bytes_ = 0;
    chunks_ = 0;
    return Status::Ok();
  }
  Status Write(std::string_view chunk) override {
    bytes_ += chunk.size();
    ++chunks_;
    for (char c : chunk) {
      checksum_ = checksum_ * 31 + static_cast<unsigned char>(c);
    }
    return Status::Ok();
  }
  HttpResponseHead head_;
  size_t bytes_ = 0;
  size_t chunks_ = 0;
  uint64_t checksum_ = 0;
};

std::string Line(size_t i) { return fmt::format("row {:08d},some text to compress\n", i); }

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Route("GET", "/hello", [](const ServerRequest& request, ServerResponse& response) {
      response.SetBody(fmt::format("hello {}", request.Param("name").value_or("?")), "text/plain");
    });
    server_.Route("GET", "/stream", [](const ServerRequest& request, ServerResponse& response) {
      size_t rows = std::stoul(request.Param("rows").value_or("10"));
      response.SetStreamedBody("text/csv", [rows](BodyWriter& writer) {
        std::string buffer;
        for (size_t i = 0; i < rows; ++i) {
          buffer += Line(i);
          if (buffer.size() > 65536) {
            if (!writer.Write(buffer)) {
              return false;
            }
            buffer.clear();
          }
        }
        return writer.Write(buffer);
      });
    });
    server_.Route("GET", "/truncated", [](const ServerRequest&, ServerResponse& response) {
      response.SetSizedBody(100, "application/json", [](BodyWriter& writer) {
        writer.Write("{\"a\":");
        return false;
      });
    });
    server_.Route("POST", "/echo", [](const ServerRequest& request, ServerResponse& response) {
      response.SetStatus(201);
      response.SetHeader("X-Echo", "yes");
      response.SetBody(request.body, "application/json");
    });
    auto port = server_.Start();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    ASSERT_GT(*port, 0);
    base_ = fmt::format("http://127.0.0.1:{}", *port);
  }
  void TearDown() override {
    transport_owner_.reset();  // closes the keep-alive connection so that Stop need not wait
    server_.Stop();
  }

  HttpServer server_;
  std::string base_;
  std::unique_ptr<CurlTransport> transport_owner_ = std::make_unique<CurlTransport>();
  CurlTransport& transport_ = *transport_owner_;
};

TEST_F(HttpServerTest, ReportsTheBoundPortAndAnswers) {
  StringSink sink;
  HttpRequest request;
  request.url = base_ + "/hello?name=sierra%20leone";
  ASSERT_TRUE(transport_.Send(request, sink).ok());
  EXPECT_EQ(sink.head().status, 200);
  EXPECT_EQ(sink.body(), "hello sierra leone");
  // Keep-alive: a second request on the same transport.
  ASSERT_TRUE(transport_.Send(request, sink).ok());
  EXPECT_EQ(sink.body(), "hello sierra leone");
}

TEST_F(HttpServerTest, PostAndHeaders) {
  StringSink sink;
  HttpRequest request;
  request.method = "POST";
  request.url = base_ + "/echo";
  request.body = R"({"x":1})";
  request.headers = {{"Content-Type", "application/json"}};
  ASSERT_TRUE(transport_.Send(request, sink).ok());
  EXPECT_EQ(sink.head().status, 201);
  EXPECT_EQ(sink.head().Header("x-echo"), "yes");
  EXPECT_EQ(sink.body(), R"({"x":1})");
}

TEST_F(HttpServerTest, UnknownPathIs404) {
  StringSink sink;
  HttpRequest request;
  request.url = base_ + "/nothing";
  ASSERT_TRUE(transport_.Send(request, sink).ok());
  EXPECT_EQ(sink.head().status, 404);
}

TEST_F(HttpServerTest, StreamsALargeChunkedBodyWithAndWithoutGzip) {
  const size_t rows = 400000;  // about 15 MB
  uint64_t expected_checksum = 0;
  size_t expected_bytes = 0;
  for (size_t i = 0; i < rows; ++i) {
    for (char c : Line(i)) {
      expected_checksum = expected_checksum * 31 + static_cast<unsigned char>(c);
    }
    expected_bytes += Line(i).size();
  }
  for (bool gzip : {false, true}) {
    CountingSink sink;
    HttpRequest request;
    request.url = base_ + fmt::format("/stream?rows={}", rows);
    request.accept_gzip = gzip;
    Status status = transport_.Send(request, sink);
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_EQ(sink.head_.status, 200);
    EXPECT_EQ(sink.bytes_, expected_bytes);
    EXPECT_EQ(sink.checksum_, expected_checksum);
    EXPECT_GT(sink.chunks_, 10u);  // delivered piecewise, never whole
    EXPECT_EQ(sink.head_.Header("Transfer-Encoding"), "chunked");
    if (gzip) {
      EXPECT_EQ(sink.head_.Header("Content-Encoding"), "gzip");
    } else {
      EXPECT_FALSE(sink.head_.Header("Content-Encoding").has_value());
    }
  }
}

TEST_F(HttpServerTest, TruncatedBodyIsARetryableError) {
  StringSink sink;
  HttpRequest request;
  request.url = base_ + "/truncated";
  Status status = transport_.Send(request, sink);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kHttpRetryable);
}

TEST(HttpServerStopTest, ConnectionRefusedAfterStop) {
  HttpServer server;
  server.Route("GET", "/x", [](const ServerRequest&, ServerResponse& response) {
    response.SetBody("x", "text/plain");
  });
  auto port = server.Start();
  ASSERT_TRUE(port.ok());
  server.Stop();
  CurlTransport transport;
  StringSink sink;
  HttpRequest request;
  request.url = fmt::format("http://127.0.0.1:{}/x", *port);
  request.connect_timeout = std::chrono::milliseconds(2000);
  Status status = transport.Send(request, sink);
  EXPECT_EQ(status.code(), StatusCode::kHttpRetryable);
}

// A raw loopback connection, for requests a well-behaved client would not send.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawConnection() { close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& bytes) { (void)!send(fd_, bytes.data(), bytes.size(), 0); }
  // Everything the server sends until it closes the connection (or `limit` passes).
  std::string ReadUntilClosed(std::chrono::milliseconds limit) {
    timeval timeout{static_cast<time_t>(limit.count() / 1000),
                    static_cast<suseconds_t>(limit.count() % 1000 * 1000)};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    std::string received;
    char buffer[4096];
    for (;;) {
      ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n == 0) {
        closed_ = true;
        return received;
      }
      if (n < 0) {
        return received;  // timed out, still open
      }
      received.append(buffer, static_cast<size_t>(n));
    }
  }
  bool closed() const { return closed_; }

 private:
  int fd_;
  bool connected_ = false;
  bool closed_ = false;
};

class HttpServerLimitsTest : public ::testing::Test {
 protected:
  void Start(ServerLimits limits) {
    server_ = std::make_unique<HttpServer>(std::move(limits));
    server_->Route("GET", "/health", [](const ServerRequest&, ServerResponse& response) {
      response.SetBody("ok", "text/plain");
    });
    server_->Route("GET", "/hello", [](const ServerRequest&, ServerResponse& response) {
      response.SetBody("hello", "text/plain");
    });
    server_->Route("GET", "/slow", [this](const ServerRequest&, ServerResponse& response) {
      std::unique_lock<std::mutex> lock(mutex_);
      ++slow_running_;
      changed_.notify_all();
      changed_.wait(lock, [this] { return released_; });
      response.SetBody("slow", "text/plain");
    });
    for (const char* path : {"/small", "/large"}) {
      server_->Route("POST", path, [this](const ServerRequest& request, ServerResponse& response) {
        ++handled_;
        response.SetBody(std::to_string(request.body.size()), "text/plain");
      });
    }
    auto port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
    base_ = fmt::format("http://127.0.0.1:{}", port_);
  }
  void TearDown() override {
    Release();
    if (server_ != nullptr) {
      server_->Stop();
    }
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  int Status(const std::string& method, const std::string& path, std::string body = "",
             HeaderList headers = {}) {
    CurlTransport transport;
    HttpRequest request;
    request.method = method;
    request.url = base_ + path;
    request.body = std::move(body);
    request.headers = std::move(headers);
    StringSink sink;
    dhl::Status sent = transport.Send(request, sink);
    return sent.ok() ? sink.head().status : 0;
  }

  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::string base_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int slow_running_ = 0;
  bool released_ = false;
  std::atomic<int> handled_{0};
};

TEST_F(HttpServerLimitsTest, BodiesOverThePathsLimitAreRefusedBeforeTheHandler) {
  ServerLimits limits;
  limits.max_body_bytes = 1 << 20;
  limits.path_body_limits = {{"/small", 1024}};
  Start(limits);
  const HeaderList form = {{"Content-Type", "text/plain"}};
  EXPECT_EQ(Status("POST", "/small", std::string(1024, 'x'), form), 200);
  EXPECT_EQ(Status("POST", "/small", std::string(1025, 'x'), form), 413);
  EXPECT_EQ(Status("POST", "/large", std::string(100000, 'x'), form), 200);
  EXPECT_EQ(Status("POST", "/large", std::string((1 << 20) + 1, 'x'), form), 413);
  EXPECT_EQ(handled_.load(), 2);
}

// A client that asks before sending (Expect: 100-continue) hears the refusal, not "continue", so
// that it never sends the body; one within the limit is told to go on.
TEST_F(HttpServerLimitsTest, AnOversizedBodyAnnouncedWithExpectIsRefusedBeforeItIsSent) {
  ServerLimits limits;
  limits.path_body_limits = {{"/small", 1024}};
  Start(limits);
  RawConnection refused(port_);
  ASSERT_TRUE(refused.connected());
  refused.Send(
      "POST /small HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
      "Content-Length: 10485760\r\nExpect: 100-continue\r\n\r\n");
  std::string answer = refused.ReadUntilClosed(std::chrono::milliseconds(2000));
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  // A framed answer, so that the client need not wait for the connection to close.
  size_t head_end = answer.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << answer;
  std::string body = answer.substr(head_end + 4);
  EXPECT_NE(answer.find(fmt::format("Content-Length: {}\r\n", body.size())), std::string::npos)
      << answer;
  EXPECT_NE(body.find("larger than this path accepts"), std::string::npos) << answer;
  RawConnection accepted(port_);
  ASSERT_TRUE(accepted.connected());
  accepted.Send(
      "POST /small HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
      "Content-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
  std::string go_on = accepted.ReadUntilClosed(std::chrono::milliseconds(500));
  EXPECT_EQ(go_on.rfind("HTTP/1.1 100", 0), 0u) << go_on;
  accepted.Send("hello");
  std::string rest = accepted.ReadUntilClosed(std::chrono::milliseconds(5000));
  EXPECT_NE(rest.find("HTTP/1.1 200"), std::string::npos) << rest;
  EXPECT_EQ(handled_.load(), 1);
}

TEST_F(HttpServerLimitsTest, CompressedBodiesAreRefused) {
  Start({});
  // A gzip member of a small text: refused by its Content-Encoding, never inflated.
  const std::string gzip(
      "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\x48\xcd\xc9\xc9\x07\x00"
      "\x86\xa6\x10\x36\x05\x00\x00\x00",
      25);
  EXPECT_EQ(Status("POST", "/large", gzip,
                   {{"Content-Type", "text/plain"}, {"Content-Encoding", "gzip"}}),
            415);
  EXPECT_EQ(Status("POST", "/large", "hello",
                   {{"Content-Type", "text/plain"}, {"Content-Encoding", "identity"}}),
            200);
  EXPECT_EQ(handled_.load(), 1);
}

TEST_F(HttpServerLimitsTest, AStalledRequestIsClosedAfterTheReadTimeout) {
  ServerLimits limits;
  limits.read_timeout = std::chrono::seconds(1);
  Start(limits);
  RawConnection raw(port_);
  ASSERT_TRUE(raw.connected());
  raw.Send("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n");  // the headers never end
  raw.ReadUntilClosed(std::chrono::milliseconds(5500));    // the default timeout is 5 s more
  EXPECT_TRUE(raw.closed());
}

TEST_F(HttpServerLimitsTest, AFullQueueIsAnswered503WhileHealthStillAnswers) {
  ServerLimits limits;
  limits.workers = 1;
  limits.queue = 0;
  Start(limits);
  std::thread slow([this] { EXPECT_EQ(Status("GET", "/slow"), 200); });
  {
    std::unique_lock<std::mutex> lock(mutex_);
    ASSERT_TRUE(
        changed_.wait_for(lock, std::chrono::seconds(10), [this] { return slow_running_ == 1; }));
  }
  EXPECT_EQ(Status("GET", "/hello"), 503);
  EXPECT_EQ(Status("GET", "/health"), 200);
  Release();
  slow.join();
  // Once the worker has let the slow connection go (it waits up to the keep-alive timeout for a
  // next request on it), requests are served again.
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    status = Status("GET", "/hello");
    if (status != 200) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace dhl::http
