#include "http/retry_policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <optional>
#include <string>

#include "base/text.h"

namespace dhl::http {
namespace {

constexpr size_t kErrorBodyKeep = 512;

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

bool IsRetryableStatus(int status) {
  return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

// Sits between the transport and the caller's sink for one attempt: forwards 2xx bodies that look
// as expected, keeps the start of anything else for the error message.
class AttemptSink final : public ResponseSink {
 public:
  AttemptSink(ResponseSink& target, ExpectedBody expected) : target_(target), expected_(expected) {}

  Status Begin(const HttpResponseHead& head) override {
    head_ = head;
    begun_ = true;
    checked_start_ = false;
    kept_.clear();
    forwarding_ = head.status >= 200 && head.status <= 299;
    if (forwarding_ && expected_ != ExpectedBody::kAny) {
      std::string type = head.Header("Content-Type").value_or("");
      std::transform(type.begin(), type.end(), type.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (type.find("text/html") != std::string::npos) {
        unexpected_ = "an HTML page (Content-Type " + type + ")";
        return HttpError(unexpected_, /*retryable=*/true);
      }
    }
    if (forwarding_) {
      delivered_ = true;
      return target_.Begin(head);
    }
    return Status::Ok();
  }

  Status Write(std::string_view chunk) override {
    if (!forwarding_) {
      kept_.append(chunk.substr(0, kErrorBodyKeep - std::min(kErrorBodyKeep, kept_.size())));
      return Status::Ok();
    }
    if (!checked_start_ && expected_ != ExpectedBody::kAny) {
      size_t first = chunk.find_first_not_of(" \t\r\n");
      if (first != std::string_view::npos) {
        checked_start_ = true;
        char c = chunk[first];
        bool html = c == '<';
        bool bad = expected_ == ExpectedBody::kJson ? (c != '{' && c != '[') : html;
        if (bad) {
          unexpected_ = fmt::format("a body starting with {:?} where {} was expected",
                                    std::string(chunk.substr(first, 40)),
                                    expected_ == ExpectedBody::kJson ? "JSON" : "no HTML");
          return HttpError(unexpected_, /*retryable=*/true);
        }
      }
    }
    return target_.Write(chunk);
  }

  bool begun() const { return begun_; }
  bool delivered() const { return delivered_; }
  const HttpResponseHead& head() const { return head_; }
  const std::string& kept() const { return kept_; }
  const std::string& unexpected() const { return unexpected_; }

 private:
  ResponseSink& target_;
  ExpectedBody expected_;
  HttpResponseHead head_;
  bool begun_ = false;
  bool forwarding_ = false;
  bool checked_start_ = false;
  bool delivered_ = false;
  std::string kept_;
  std::string unexpected_;
};

}  // namespace

RetryPolicy::RetryPolicy(HttpTransport& transport, Sleeper& sleeper, RetryOptions options)
    : transport_(transport),
      sleeper_(sleeper),
      options_(options),
      rng_state_(options.jitter_seed) {}

std::chrono::milliseconds RetryPolicy::Backoff(int attempt) {
  double base = static_cast<double>(options_.initial_backoff.count());
  for (int i = 1; i < attempt && base < static_cast<double>(options_.max_backoff.count()); ++i) {
    base *= 2;
  }
  base = std::min(base, static_cast<double>(options_.max_backoff.count()));
  uint64_t draw;
  {
    std::lock_guard lock(mutex_);
    draw = SplitMix64(rng_state_);
  }
  double unit = static_cast<double>(draw >> 11) / static_cast<double>(1ull << 53);
  double wait = base * (1.0 - options_.jitter * unit);
  return std::chrono::milliseconds(static_cast<int64_t>(wait));
}

Status RetryPolicy::Send(const HttpRequest& request, ResponseSink& sink, ExpectedBody expected,
                         int* tries) {
  std::string where = fmt::format("{} {}", request.method, MaskUrl(request.url));
  Status last;
  int max_tries = std::max(1, options_.max_tries);
  for (int attempt = 1; attempt <= max_tries; ++attempt) {
    if (tries != nullptr) {
      *tries = attempt;
    }
    AttemptSink attempt_sink(sink, expected);
    Status sent = transport_.Send(request, attempt_sink);
    std::optional<std::chrono::milliseconds> retry_after;
    if (!attempt_sink.unexpected().empty()) {
      last = HttpError(fmt::format("{}: HTTP {} with {}", where, attempt_sink.head().status,
                                   attempt_sink.unexpected()),
                       /*retryable=*/true);
    } else if (!sent.ok()) {
      if (sent.code() != StatusCode::kHttpRetryable) {
        return sent;  // the caller's sink refused the data, or the request itself is malformed
      }
      last = sent;
    } else {
      int status = attempt_sink.head().status;
      if (status >= 200 && status <= 299) {
        return Status::Ok();
      }
      std::string message =
          fmt::format("{}: HTTP {}{}{}", where, status, attempt_sink.kept().empty() ? "" : ": ",
                      attempt_sink.kept());
      if (!IsRetryableStatus(status)) {
        return HttpError(message, /*retryable=*/false);
      }
      last = HttpError(message, /*retryable=*/true);
      if (auto value = attempt_sink.head().Header("Retry-After")) {
        retry_after = ParseRetryAfter(*value, std::chrono::system_clock::now());
      }
    }
    if (attempt == max_tries) {
      break;
    }
    std::chrono::milliseconds wait = Backoff(attempt);
    if (retry_after) {
      wait = std::min(*retry_after, options_.max_retry_after);
    }
    sleeper_.SleepFor(wait);
  }
  return HttpError(
      fmt::format("{}: gave up after {} tries; last error: {}", where, max_tries, last.message()),
      /*retryable=*/true);
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') {
    value.remove_prefix(1);
  }
  if (value.empty()) {
    return std::nullopt;
  }
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) {
      return std::chrono::milliseconds(int64_t{999999999} * 1000);
    }
    return std::chrono::milliseconds(ParseInt64(value, "Retry-After").ValueOr(0) * 1000);
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  std::tm tm{};
  std::string text(value);
  if (strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S", &tm) == nullptr) {
    return std::nullopt;
  }
  auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
  auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
  return std::max(delta, std::chrono::milliseconds(0));
}

}  // namespace dhl::http
