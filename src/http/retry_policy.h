// Sends a request again when the failure is worth another try: 5xx, 429 (waiting as long as its
// Retry-After asks), 408, transport failures (timeouts, resets, bodies shorter than announced), and
// a body that is not what was expected (an HTML error page where JSON or CSV was asked for, with
// any status). Waits grow exponentially with jitter up to a cap near 5 seconds; after max_tries the
// error names the URL with its credentials masked. Waiting goes through the injected Sleeper.
//
// The caller's sink sees Begin/Write only for successful (2xx) attempts, and Begin again when an
// attempt failed after some of its body had been delivered. A RetryPolicy is as thread-safe as its
// transport.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

#include "http/http_transport.h"
#include "http/sleeper.h"

namespace dhl::http {

enum class ExpectedBody {
  kAny,
  kJson,     // the body must start with '{' or '[' (after white space)
  kNotHtml,  // CSV and plain text: anything but an HTML page
};

struct RetryOptions {
  int max_tries = 10;
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{5000};
  // Each wait is drawn uniformly from [(1 - jitter) * backoff, backoff].
  double jitter = 0.5;
  // Retry-After is honoured up to this long; longer asks are cut to it.
  std::chrono::milliseconds max_retry_after{120000};
  uint64_t jitter_seed = 0x9E3779B97F4A7C15ull;
};

class RetryPolicy {
 public:
  // `transport` and `sleeper` must outlive the policy.
  RetryPolicy(HttpTransport& transport, Sleeper& sleeper, RetryOptions options = {});

  // Sends `request` until it succeeds (a 2xx with the expected body) or a non-retryable failure or
  // the try bound ends it. A 4xx other than 408/429 is returned at once as a kHttp error carrying
  // the status and the start of the body. `tries`, when given, receives the number of attempts
  // made.
  Status Send(const HttpRequest& request, ResponseSink& sink,
              ExpectedBody expected = ExpectedBody::kJson, int* tries = nullptr);

  // The wait before attempt `attempt + 1` (attempt counts from 1), without Retry-After.
  std::chrono::milliseconds Backoff(int attempt);

  const RetryOptions& options() const { return options_; }

 private:
  HttpTransport& transport_;
  Sleeper& sleeper_;
  RetryOptions options_;
  std::mutex mutex_;
  uint64_t rng_state_;
};

// Parses a Retry-After value: delay-seconds or an HTTP date (relative to `now`).
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

}  // namespace dhl::http
