// The libcurl client against the in-process server on a free loopback port.
#include "http/http_server.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace dhl::http
