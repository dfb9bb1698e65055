#include "http/curl_transport.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <mutex>
#include <string>

namespace dhl::http {
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Move-only owner of a curl_slist.
class HeaderSlist {
 public:
  HeaderSlist() = default;
  ~HeaderSlist() { curl_slist_free_all(list_); }
  HeaderSlist(const HeaderSlist&) = delete;
  HeaderSlist& operator=(const HeaderSlist&) = delete;
  void Append(const std::string& line) { list_ = curl_slist_append(list_, line.c_str()); }
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

struct TransferState {
  ResponseSink* sink = nullptr;
  HttpResponseHead head;
  bool begun = false;
  Status sink_status;
  CURL* curl = nullptr;
};

Status BeginIfNeeded(TransferState& state) {
  if (state.begun) {
    return Status::Ok();
  }
  state.begun = true;
  long code = 0;
  curl_easy_getinfo(state.curl, CURLINFO_RESPONSE_CODE, &code);
  state.head.status = static_cast<int>(code);
  return state.sink->Begin(state.head);
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new response (after a 100 Continue or a redirect): forget earlier headers.
    state->head.headers.clear();
    return line.size();
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string_view name = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    state->head.headers.emplace_back(std::string(name), std::string(value));
  }
  return line.size();
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  size_t bytes = size * count;
  Status status = BeginIfNeeded(*state);
  if (status.ok()) {
    status = state->sink->Write(std::string_view(data, bytes));
  }
  if (!status.ok()) {
    state->sink_status = status;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  return bytes;
}

}  // namespace

CurlHandle::CurlHandle() {
  GlobalInitOnce();
  handle_ = curl_easy_init();
}

CurlHandle::~CurlHandle() {
  if (handle_ != nullptr) {
    curl_easy_cleanup(static_cast<CURL*>(handle_));
  }
}

CurlHandle::CurlHandle(CurlHandle&& other) noexcept : handle_(other.handle_) {
  other.handle_ = nullptr;
}

CurlHandle& CurlHandle::operator=(CurlHandle&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) {
      curl_easy_cleanup(static_cast<CURL*>(handle_));
    }
    handle_ = other.handle_;
    other.handle_ = nullptr;
  }
  return *this;
}

CurlTransport::CurlTransport() = default;

Status CurlTransport::Send(const HttpRequest& request, ResponseSink& sink) {
  CURL* curl = static_cast<CURL*>(handle_.get());
  if (curl == nullptr) {
    return Internal("libcurl could not create an easy handle");
  }
  curl_easy_reset(curl);  // keeps the connection cache, forgets the previous request's options
  TransferState state;
  state.sink = &sink;
  state.curl = curl;

  HeaderSlist headers;
  for (const auto& [name, value] : request.headers) {
    headers.Append(name + ": " + value);
  }
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  // An idle timeout: abort when fewer than 1 byte/s arrive for idle_timeout seconds.
  long idle_seconds = static_cast<long>(std::max<int64_t>(1, request.idle_timeout.count() / 1000));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, idle_seconds);
  if (request.accept_gzip) {
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "gzip");
  }
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);  // no body follows the head
  } else {
    // PUT, DELETE, ...: the body (possibly empty, sent as Content-Length: 0 so that the server does
    // not wait for one).
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &state);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &state);

  CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_WRITE_ERROR && !state.sink_status.ok()) {
    return state.sink_status;
  }
  if (code != CURLE_OK) {
    std::string what =
        fmt::format("{} {}: {}", request.method, MaskUrl(request.url), curl_easy_strerror(code));
    switch (code) {
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        return InvalidArgument(what);
      default:
        // Connection failures, resets, timeouts and bodies shorter than announced are worth a
        // retry.
        return HttpError(what, /*retryable=*/true);
    }
  }
  // A body-less response (204, HEAD, an empty 500) still reaches the sink.
  return BeginIfNeeded(state);
}

}  // namespace dhl::http
