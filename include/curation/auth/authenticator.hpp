#pragma once
// Turns an `authorization: Bearer <token>` header into a principal, remembering answers for
// a few seconds so a busy API does not look every token up in the database.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <curation/auth/principal_store.hpp>
#include <curation/common/clock.hpp>

namespace curation::auth {

/// Thread-safe.
class Authenticator {
 public:
  /// A revoked token stops working within `cache_ttl`.
  Authenticator(PrincipalStore& store, const Clock& clock, std::chrono::milliseconds cache_ttl);

  /// UNAUTHENTICATED for a missing, malformed, unknown or revoked token; UNAVAILABLE when
  /// the database cannot be asked.
  absl::StatusOr<Principal> Authenticate(std::optional<std::string_view> authorization_header,
                                         std::optional<TimePoint> deadline = std::nullopt);

 private:
  struct Cached {
    std::optional<Principal> principal;
    TimePoint expires_at;
  };

  PrincipalStore& store_;
  const Clock& clock_;
  std::chrono::milliseconds cache_ttl_;
  std::mutex mutex_;
  std::unordered_map<std::string, Cached> cache_;  // by SHA-256 of the token
};

}  // namespace curation::auth
