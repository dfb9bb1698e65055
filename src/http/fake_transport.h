// A scripted HttpTransport for tests. Each request takes the next scripted FakeReply (or the
// default reply once the script is exhausted) and records the request. Replies can be ordinary
// responses, or faults: a reset connection, a body cut short, a delay (longer than the request's
// idle timeout it becomes a timeout). Delays go through the Sleeper given at construction, so tests
// stay instant. Thread-safe.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "http/http_transport.h"
#include "http/sleeper.h"

namespace dhl::http {

struct FakeReply {
  enum class Kind { kRespond, kReset, kTruncate };
  Kind kind = Kind::kRespond;
  int status = 200;
  HeaderList headers = {{"Content-Type", "application/json"}};
  std::string body;
  std::chrono::milliseconds delay{0};  // waited before answering
  size_t chunk_size = 4096;            // the body reaches the sink in pieces of this size

  static FakeReply Json(std::string body, int status = 200);
  static FakeReply Code(int status, std::string body = "", HeaderList headers = {});
  static FakeReply Reset();
  // Sends the head and the first `keep` bytes of `body`, then fails as a cut connection does.
  static FakeReply Truncate(std::string body, size_t keep);
  static FakeReply Delay(std::chrono::milliseconds delay, FakeReply then);
};

class FakeTransport final : public HttpTransport {
 public:
  // `sleeper` must outlive the transport.
  explicit FakeTransport(Sleeper& sleeper, FakeReply default_reply = FakeReply::Json("{}"))
      : sleeper_(sleeper), default_reply_(std::move(default_reply)) {}

  void Push(FakeReply reply);
  Status Send(const HttpRequest& request, ResponseSink& sink) override;

  int request_count() const;
  std::vector<HttpRequest> requests() const;

 private:
  Sleeper& sleeper_;
  FakeReply default_reply_;
  mutable std::mutex mutex_;
  std::deque<FakeReply> script_;
  std::vector<HttpRequest> requests_;
};

}  // namespace dhl::http
