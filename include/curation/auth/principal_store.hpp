#pragma once
// auth.principals: who may call the API. Tokens are random, printed once, stored as SHA-256.

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

 private:
  db::Pool& pool_;
};

}  // namespace curation::auth
