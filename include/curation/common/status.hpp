#pragma once
// Errors as values: every fallible boundary returns absl::Status / absl::StatusOr<T>.
// Debian's abseil has no status macros, so the two we use live here.

#include <string>
#include <string_view>

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <fmt/format.h>

// Debian's abseil has a string_view of its own; these let fmt and spdlog print it and Status.
template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<std::string_view> {
  auto format(absl::string_view text, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(std::string_view(text.data(), text.size()), ctx);
  }
};
template <>
struct fmt::formatter<absl::Status> : fmt::formatter<std::string_view> {
  auto format(const absl::Status& status, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(status.ToString(), ctx);
  }
};

#define CURATION_CONCAT_INNER(a, b) a##b
#define CURATION_CONCAT(a, b) CURATION_CONCAT_INNER(a, b)

/// Returns the status of `expr` from the enclosing function when it is not OK.
#define RETURN_IF_ERROR(expr)                      \
  do {                                             \
    if (absl::Status status_ = (expr); !status_.ok()) { \
      return status_;                              \
    }                                              \
  } while (false)

/// `ASSIGN_OR_RETURN(auto x, Fn());` binds the value of a StatusOr or returns its error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(CURATION_CONCAT(status_or_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) {                            \
    return tmp.status();                      \
  }                                           \
  lhs = std::move(tmp).value()
