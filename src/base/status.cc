#include "base/status.h"

#include <cstdio>

namespace dhl {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid argument";
    case StatusCode::kNotFound:
      return "not found";
    case StatusCode::kIo:
      return "I/O error";
    case StatusCode::kHttpRetryable:
      return "HTTP error (retryable)";
    case StatusCode::kHttp:
      return "HTTP error";
    case StatusCode::kConflict:
      return "conflict";
    case StatusCode::kCorruption:
      return "corruption";
    case StatusCode::kSql:
      return "SQL error";
    case StatusCode::kUnsupported:
      return "unsupported";
    case StatusCode::kInternal:
      return "internal error";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) {
    return "ok";
  }
  std::string text(StatusCodeName(code_));
  text += ": ";
  text += message_;
  return text;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) {
    return *this;
  }
  std::string message(context);
  message += ": ";
  message += message_;
  return Status(code_, std::move(message));
}

Status InvalidArgument(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}
Status NotFound(std::string message) { return Status(StatusCode::kNotFound, std::move(message)); }
Status IoError(std::string message) { return Status(StatusCode::kIo, std::move(message)); }
Status HttpError(std::string message, bool retryable) {
  return Status(retryable ? StatusCode::kHttpRetryable : StatusCode::kHttp, std::move(message));
}
Status Conflict(std::string message) { return Status(StatusCode::kConflict, std::move(message)); }
Status Corruption(std::string message) {
  return Status(StatusCode::kCorruption, std::move(message));
}
Status SqlError(std::string message) { return Status(StatusCode::kSql, std::move(message)); }
Status Unsupported(std::string message) {
  return Status(StatusCode::kUnsupported, std::move(message));
}
Status Internal(std::string message) { return Status(StatusCode::kInternal, std::move(message)); }

namespace internal {
void CheckFailed(const char* file, int line, const char* condition, std::string_view detail) {
  std::fprintf(stderr, "%s:%d: check failed: %s %.*s\n", file, line, condition,
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}
}  // namespace internal

}  // namespace dhl
