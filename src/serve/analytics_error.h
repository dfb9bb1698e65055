// The errors of an analytics request's steps, typed: a Refusal is the caller's request being
// refused (answered 409 with DHIS2's error envelope), a Status is the lake failing to be read
// (answered 500). RunAnalytics tells them apart by type, not by parsing messages.
//
// Why a small type here rather than a detail attached to base/status (as Arrow's StatusDetail):
// only the analytics API distinguishes a refused request from a failure, and base/status.h is
// included by every translation unit of the tree, so changing it rebuilds everything for everyone.
// AnalyticsResult<T> has the shape DHL_ASSIGN_OR_RETURN expects (ok(), status(), value()), and a
// Status converts into an AnalyticsError, so steps mix engine calls (Result<T>) and refusals.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "base/status.h"

namespace dhl::serve {

// A request refused: DHIS2's errorCode (E71xx; empty when DHIS2 has none) and the message.
struct Refusal {
  std::string error_code;
  std::string message;
};

class AnalyticsError {
 public:
  AnalyticsError(Status status) : error_(std::move(status)) {}     // NOLINT: implicit by design
  AnalyticsError(Refusal refusal) : error_(std::move(refusal)) {}  // NOLINT: implicit by design

  bool refused() const { return std::holds_alternative<Refusal>(error_); }
  // Precondition: refused().
  const Refusal& refusal() const { return std::get<Refusal>(error_); }
  // The error as a Status (a refusal as InvalidArgument "code message").
  Status status() const {
    if (refused()) {
      const Refusal& refusal = std::get<Refusal>(error_);
      return InvalidArgument(refusal.error_code.empty()
                                 ? refusal.message
                                 : refusal.error_code + " " + refusal.message);
    }
    return std::get<Status>(error_);
  }

 private:
  std::variant<Status, Refusal> error_;
};

// A refusal with DHIS2's `error_code` (empty for none).
inline AnalyticsError Refuse(std::string error_code, std::string message) {
  return AnalyticsError(Refusal{std::move(error_code), std::move(message)});
}

// Either a value or an AnalyticsError (never an ok Status).
template <typename T>
class [[nodiscard]] AnalyticsResult {
 public:
  AnalyticsResult(T value) : state_(std::move(value)) {}               // NOLINT: implicit by design
  AnalyticsResult(AnalyticsError error) : state_(std::move(error)) {}  // NOLINT
  AnalyticsResult(Status status)                                       // NOLINT
      : state_(AnalyticsError(status.ok() ? Internal("AnalyticsResult from an ok Status")
                                          : std::move(status))) {}
  template <typename U>
  AnalyticsResult(Result<U> result)  // NOLINT: a failed engine step
      : AnalyticsResult(result.ok() ? T(std::move(result).value()) : result.status()) {}

  bool ok() const { return std::holds_alternative<T>(state_); }
  // The error (named status() for DHL_ASSIGN_OR_RETURN). Precondition: !ok().
  AnalyticsError status() const { return std::get<AnalyticsError>(state_); }

  // Precondition: ok(). Checked; calling these on an error aborts.
  T& value() & {
    DHL_CHECK(ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    DHL_CHECK(ok());
    return std::get<T>(std::move(state_));
  }
  T& operator*() & { return value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, AnalyticsError> state_;
};

// Returns the error of an AnalyticsResult / AnalyticsError-returning step (DHL_RETURN_IF_ERROR
// for Status only).
#define DHL_ANALYTICS_RETURN_IF_ERROR(expr)                 \
  do {                                                      \
    ::dhl::serve::AnalyticsResult<bool> dhl_step_ = (expr); \
    if (!dhl_step_.ok()) {                                  \
      return dhl_step_.status();                            \
    }                                                       \
  } while (false)

}  // namespace dhl::serve
