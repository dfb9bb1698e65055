// Errors are values. Every operation that can fail returns a Status or a Result<T>; callers
// propagate them with DHL_RETURN_IF_ERROR / DHL_ASSIGN_OR_RETURN. The code says what a caller can
// do about the failure; the message names the thing and the reason, for a person to read.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace dhl {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller's input is wrong (user input, a bad record, a bad flag)
  kNotFound,         // a named thing does not exist
  kIo,               // the file system failed
  kHttpRetryable,    // a remote answered with something worth trying again (5xx, 429, reset)
  kHttp,             // a remote answered with something not worth trying again (401, 404, ...)
  kConflict,         // another writer won (Delta commit conflict)
  kCorruption,       // stored data is not what the format says it must be
  kSql,              // the SQL engine refused or failed a statement
  kUnsupported,      // a valid input that needs a feature we do not implement
  kInternal,         // a bug of ours
};

// The name of a code, e.g. "invalid argument".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "<code name>: <message>", or "ok".
  std::string ToString() const;

  // Returns this status with `context` prepended to the message ("context: message"); ok stays ok.
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status IoError(std::string message);
Status HttpError(std::string message, bool retryable);
Status Conflict(std::string message);
Status Corruption(std::string message);
Status SqlError(std::string message);
Status Unsupported(std::string message);
Status Internal(std::string message);

// Either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(state_).ok()) {
      state_ = Status(StatusCode::kInternal, "Result constructed from an ok Status");
    }
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(state_); }

  // Precondition: ok(). Checked; calling these on an error aborts.
  T& value() & { return std::get<T>(CheckedState()); }
  const T& value() const& { return std::get<T>(CheckedState()); }
  T&& value() && { return std::get<T>(std::move(CheckedState())); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T ValueOr(T fallback) const& { return ok() ? std::get<T>(state_) : std::move(fallback); }

 private:
  std::variant<T, Status>& CheckedState() {
    if (!ok()) {
      AbortOnError();
    }
    return state_;
  }
  const std::variant<T, Status>& CheckedState() const {
    if (!ok()) {
      AbortOnError();
    }
    return state_;
  }
  [[noreturn]] void AbortOnError() const;

  std::variant<T, Status> state_;
};

namespace internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition,
                              std::string_view detail);
}  // namespace internal

template <typename T>
void Result<T>::AbortOnError() const {
  internal::CheckFailed(__FILE__, __LINE__, "Result::ok()", std::get<Status>(state_).ToString());
}

}  // namespace dhl

#define DHL_CONCAT_INNER(a, b) a##b
#define DHL_CONCAT(a, b) DHL_CONCAT_INNER(a, b)

#define DHL_RETURN_IF_ERROR(expr)       \
  do {                                  \
    ::dhl::Status dhl_status_ = (expr); \
    if (!dhl_status_.ok()) {            \
      return dhl_status_;               \
    }                                   \
  } while (false)

#define DHL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) {                                \
    return tmp.status();                          \
  }                                               \
  lhs = std::move(tmp).value()

#define DHL_ASSIGN_OR_RETURN(lhs, expr) \
  DHL_ASSIGN_OR_RETURN_IMPL(DHL_CONCAT(dhl_result_, __LINE__), lhs, expr)

// Aborts on a programmer error (never on user or remote input).
#define DHL_CHECK(condition)                                            \
  do {                                                                  \
    if (!(condition)) {                                                 \
      ::dhl::internal::CheckFailed(__FILE__, __LINE__, #condition, ""); \
    }                                                                   \
  } while (false)
