// Status and Result<T>: how the engine reports errors without exceptions.
// A user error (bad input, unknown column) is StatusCode::kInvalid; the edges (CLI, server,
// Python) turn a Status into their own error form.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace parallax {

enum class StatusCode { kOk, kInvalid, kNotFound, kUnsupported, kInternal };

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  template <typename... Args>
  static Status invalid(fmt::format_string<Args...> format, Args&&... args) {
    return {StatusCode::kInvalid, fmt::format(format, std::forward<Args>(args)...)};
  }
  template <typename... Args>
  static Status not_found(fmt::format_string<Args...> format, Args&&... args) {
    return {StatusCode::kNotFound, fmt::format(format, std::forward<Args>(args)...)};
  }
  // An internal inconsistency (a broken invariant), never the user's doing: see common/check.h.
  template <typename... Args>
  static Status internal(fmt::format_string<Args...> format, Args&&... args) {
    return {StatusCode::kInternal, fmt::format(format, std::forward<Args>(args)...)};
  }
  template <typename... Args>
  static Status unsupported(fmt::format_string<Args...> format, Args&&... args) {
    return {StatusCode::kUnsupported, fmt::format(format, std::forward<Args>(args)...)};
  }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "while parsing row 3: " + message: adds context on the way up.
  Status with_context(const std::string& context) const {
    return is_ok() ? *this : Status(code_, context + ": " + message_);
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {}  // NOLINT: implicit by design

  bool is_ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(state_);
  }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace parallax

#define PX_CONCAT_INNER(a, b) a##b
#define PX_CONCAT(a, b) PX_CONCAT_INNER(a, b)

#define PX_RETURN_IF_ERROR(expr)                \
  do {                                          \
    ::parallax::Status px_status_ = (expr);     \
    if (!px_status_.is_ok()) return px_status_; \
  } while (false)

#define PX_ASSIGN_OR_RETURN_IMPL(result, lhs, expr) \
  auto result = (expr);                             \
  if (!result.is_ok()) return result.status();      \
  lhs = std::move(result).value()

#define PX_ASSIGN_OR_RETURN(lhs, expr) \
  PX_ASSIGN_OR_RETURN_IMPL(PX_CONCAT(px_result_, __LINE__), lhs, expr)
