#pragma once
// auth.principals: who may call the API. Tokens are random, printed once, stored as SHA-256.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <curation/auth/principal.hpp>
#include <curation/common/clock.hpp>
#include <curation/db/pool.hpp>

namespace curation::auth {

struct PrincipalRecord {
  Principal principal;
  std::string contact;  // personal: never sent to the council
  TimePoint created_at;
  std::optional<TimePoint> revoked_at;
};

struct NewPrincipal {
  std::string name;
  Role role = Role::kCurator;
  std::optional<int64_t> worker_id;
  std::string contact;
};

/// How long a console session lasts: `idle` since its last call, `lifetime` since sign-in.
struct SessionLimits {
  std::chrono::milliseconds idle{std::chrono::minutes(30)};
  std::chrono::milliseconds lifetime{std::chrono::hours(12)};
};

/// Thread-safe.
class PrincipalStore {
 public:
  explicit PrincipalStore(db::Pool& pool) : pool_(pool) {}
  static std::vector<db::PreparedStatement> Statements();

  /// Creates the principal and returns its token (shown once). ALREADY_EXISTS for a taken
  /// name, INVALID_ARGUMENT for a bad name or worker id.
  absl::StatusOr<std::string> Add(const NewPrincipal& principal);
  absl::StatusOr<std::vector<PrincipalRecord>> List();
  /// NOT_FOUND for an unknown or already revoked name.
  absl::Status Revoke(const std::string& name);
  /// The live (not revoked) principal holding the token, or nullopt.
  absl::StatusOr<std::optional<Principal>> FindByToken(const std::string& token,
                                                       std::optional<TimePoint> deadline = std::nullopt);

  /// A new console session of the live principal `principal_id`, started `now`; its id is
  /// returned once (for the cookie) and stored as SHA-256. UNAUTHENTICATED if the principal
  /// was revoked meanwhile.
  absl::StatusOr<std::string> StartSession(int64_t principal_id, TimePoint now);
  /// The live principal of a session not ended, idle or old beyond `limits` at `now`, or
  /// nullopt; marks the session seen at `now`.
  absl::StatusOr<std::optional<Principal>> FindBySession(const std::string& session_id, TimePoint now,
                                                         const SessionLimits& limits,
                                                         std::optional<TimePoint> deadline = std::nullopt);
  /// Ends the session (signing out). OK for a session that had ended or never was.
  absl::Status EndSession(const std::string& session_id, TimePoint now);

 private:
  db::Pool& pool_;
};

}  // namespace curation::auth
