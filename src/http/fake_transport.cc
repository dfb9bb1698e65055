#include "http/fake_transport.h"

#include <fmt/format.h>

#include <algorithm>

namespace dhl::http {

FakeReply FakeReply::Json(std::string body, int status) {
  FakeReply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

FakeReply FakeReply::Code(int status, std::string body, HeaderList headers) {
  FakeReply reply;
  reply.status = status;
  reply.body = std::move(body);
  if (!headers.empty()) {
    reply.headers = std::move(headers);
  }
  return reply;
}

FakeReply FakeReply::Reset() {
  FakeReply reply;
  reply.kind = Kind::kReset;
  return reply;
}

FakeReply FakeReply::Truncate(std::string body, size_t keep) {
  FakeReply reply;
  reply.kind = Kind::kTruncate;
  reply.body = std::move(body);
  reply.chunk_size = std::max<size_t>(1, keep);
  return reply;
}

FakeReply FakeReply::Delay(std::chrono::milliseconds delay, FakeReply then) {
  then.delay = delay;
  return then;
}

void FakeTransport::Push(FakeReply reply) {
  std::lock_guard lock(mutex_);
  script_.push_back(std::move(reply));
}

int FakeTransport::request_count() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(requests_.size());
}

std::vector<HttpRequest> FakeTransport::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

Status FakeTransport::Send(const HttpRequest& request, ResponseSink& sink) {
  FakeReply reply;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    if (script_.empty()) {
      reply = default_reply_;
    } else {
      reply = std::move(script_.front());
      script_.pop_front();
    }
  }
  std::string where = fmt::format("{} {}", request.method, MaskUrl(request.url));
  if (reply.delay.count() > 0) {
    if (reply.delay > request.idle_timeout) {
      sleeper_.SleepFor(request.idle_timeout);
      return HttpError(where + ": operation timed out", /*retryable=*/true);
    }
    sleeper_.SleepFor(reply.delay);
  }
  if (reply.kind == FakeReply::Kind::kReset) {
    return HttpError(where + ": connection reset by peer", /*retryable=*/true);
  }
  HttpResponseHead head{reply.status, reply.headers};
  DHL_RETURN_IF_ERROR(sink.Begin(head));
  if (reply.kind == FakeReply::Kind::kTruncate) {
    size_t keep = std::min(reply.chunk_size, reply.body.size());
    DHL_RETURN_IF_ERROR(sink.Write(std::string_view(reply.body).substr(0, keep)));
    return HttpError(fmt::format("{}: transfer closed with {} bytes remaining to read", where,
                                 reply.body.size() - keep),
                     /*retryable=*/true);
  }
  std::string_view body = reply.body;
  while (!body.empty()) {
    size_t take = std::min(reply.chunk_size, body.size());
    DHL_RETURN_IF_ERROR(sink.Write(body.substr(0, take)));
    body.remove_prefix(take);
  }
  return Status::Ok();
}

}  // namespace dhl::http
