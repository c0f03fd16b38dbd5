#pragma once
// Turns an `authorization: Bearer <token>` (or a console session's `Session <id>`) header into a
// principal, remembering answers for a few seconds so a busy API does not look every token up
// in the database. Starts and ends console sessions.

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
  /// A revoked token, and every session of its principal, stops working within `cache_ttl`.
  Authenticator(PrincipalStore& store, const Clock& clock, std::chrono::milliseconds cache_ttl,
                SessionLimits sessions = {});

  /// The principal of `Bearer <token>`, or of `Session <id>` (a console session, which the
  /// console's bridge forwards from its cookie). UNAUTHENTICATED for a missing, malformed,
  /// unknown or revoked token and for a session that has ended; UNAVAILABLE when the database
  /// cannot be asked.
  absl::StatusOr<Principal> Authenticate(std::optional<std::string_view> authorization_header,
                                         std::optional<TimePoint> deadline = std::nullopt);

  /// The authorization header that stands for a console session, as its cookie's holder
  /// forwards it to the gRPC path (Authenticate takes it).
  static std::string SessionHeader(std::string_view session_id);

  struct SignedIn {
    std::string session_id;  // for the cookie only: stored as SHA-256, never logged
    Principal principal;
  };
  /// Signs in with a bearer token: a new session of its principal.
  absl::StatusOr<SignedIn> StartSession(std::string_view token);
  /// Signs out: the session ends at once, on this replica and (through the database) on the
  /// others within cache_ttl.
  absl::Status EndSession(std::string_view session_id);

 private:
  struct Cached {
    std::optional<Principal> principal;
    TimePoint expires_at;
  };

  PrincipalStore& store_;
  const Clock& clock_;
  std::chrono::milliseconds cache_ttl_;
  SessionLimits sessions_;
  std::mutex mutex_;
  std::unordered_map<std::string, Cached> cache_;  // by SHA-256 of the token or session id, and its kind
};

}  // namespace curation::auth
