#include <curation/auth/principal_store.hpp>

#include <algorithm>
#include <regex>

#include <absl/strings/str_cat.h>

#include <curation/db/fields.hpp>

#include "token.hpp"

namespace curation::auth {
namespace {

constexpr size_t kMaxContactLength = 256;

// The same rule as the CHECK on auth.principals.name, so a bad name is the caller's error
// (INVALID_ARGUMENT) and never a constraint violation.
bool ValidName(const std::string& name) {
  static const std::regex kName("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
  return std::regex_match(name, kName);
}

TimePoint FromMillis(const pqxx::field& field) { return TimePoint(std::chrono::milliseconds(field.as<int64_t>())); }

Principal ReadPrincipal(const pqxx::row& row) {
  Principal principal;
  principal.id = row[0].as<int64_t>();
  principal.name = row[1].as<std::string>();
  // The table's CHECK allows only the four names.
  principal.role = ParseRole(row[2].as<std::string>()).value_or(Role::kCouncil);
  if (!row[3].is_null()) {
    principal.worker_id = row[3].as<int64_t>();
  }
  return principal;
}

}  // namespace

std::vector<db::PreparedStatement> PrincipalStore::Statements() {
  return {
      {"auth.add",
       "INSERT INTO auth.principals (name, role, worker_id, contact, token_hash)"
       " VALUES ($1, $2, $3, nullif($4, ''), decode($5, 'hex')) RETURNING id"},
      {"auth.list",
       "SELECT id, name, role, worker_id, coalesce(contact, ''),"
       " (extract(epoch FROM created_at) * 1000)::bigint, (extract(epoch FROM revoked_at) * 1000)::bigint"
       " FROM auth.principals ORDER BY name"},
      {"auth.revoke",
       "UPDATE auth.principals SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING id"},
      {"auth.find_by_token",
       "SELECT id, name, role, worker_id FROM auth.principals"
       " WHERE token_hash = decode($1, 'hex') AND revoked_at IS NULL"},
      // Only for a live principal: a session never outlives its principal's token.
      {"auth.start_session",
       absl::StrCat("INSERT INTO auth.sessions (id_hash, principal_id, created_at, last_seen_at)"
                    " SELECT decode($1, 'hex'), id, ",
                    db::TimeParam(3), ", ", db::TimeParam(3),
                    " FROM auth.principals WHERE id = $2 AND revoked_at IS NULL RETURNING principal_id")},
      // $3 and $4: the idle and absolute limits in milliseconds. Marks the session seen.
      {"auth.find_by_session",
       absl::StrCat("UPDATE auth.sessions s SET last_seen_at = ", db::TimeParam(2),
                    " FROM auth.principals p WHERE s.id_hash = decode($1, 'hex') AND p.id = s.principal_id"
                    " AND p.revoked_at IS NULL AND s.ended_at IS NULL"
                    " AND s.last_seen_at > ",
                    db::TimeParam(2), " - $3 * interval '1 millisecond' AND s.created_at > ", db::TimeParam(2),
                    " - $4 * interval '1 millisecond' RETURNING p.id, p.name, p.role, p.worker_id")},
      {"auth.end_session",
       absl::StrCat("UPDATE auth.sessions SET ended_at = ", db::TimeParam(2),
                    " WHERE id_hash = decode($1, 'hex') AND ended_at IS NULL")},
  };
}

absl::StatusOr<std::string> PrincipalStore::Add(const NewPrincipal& principal) {
  if (!ValidName(principal.name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("principal name '", principal.name,
                     "' must be 1 to 64 letters, digits or ._@- and start with a letter or digit"));
  }
  if (principal.worker_id && *principal.worker_id < 0) {
    return absl::InvalidArgumentError("worker id must not be negative");
  }
  if (principal.contact.size() > kMaxContactLength) {
    return absl::InvalidArgumentError(absl::StrCat("contact must be at most ", kMaxContactLength, " bytes"));
  }
  ASSIGN_OR_RETURN(std::string token, NewToken());
  std::string worker_id = principal.worker_id ? std::to_string(*principal.worker_id) : "";
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared1("auth.add", principal.name, std::string(RoleName(principal.role)),
                      principal.worker_id ? worker_id.c_str() : nullptr, principal.contact, TokenHash(token));
    return absl::OkStatus();
  });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError(absl::StrCat("a principal named '", principal.name,
                                                 "' already exists (revoked names stay taken); choose another name"));
  }
  RETURN_IF_ERROR(status);
  return token;
}

absl::StatusOr<std::vector<PrincipalRecord>> PrincipalStore::List() {
  std::vector<PrincipalRecord> records;
  RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) {
    for (const auto& row : tx.exec_prepared("auth.list")) {
      PrincipalRecord record;
      record.principal = ReadPrincipal(row);
      record.contact = row[4].as<std::string>();
      record.created_at = FromMillis(row[5]);
      if (!row[6].is_null()) {
        record.revoked_at = FromMillis(row[6]);
      }
      records.push_back(std::move(record));
    }
    return absl::OkStatus();
  }));
  return records;
}

absl::Status PrincipalStore::Revoke(const std::string& name) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    if (tx.exec_prepared("auth.revoke", name).empty()) {
      return absl::NotFoundError(absl::StrCat("no live principal named '", name,
                                              "' (see `curationd principal list`)"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<Principal>> PrincipalStore::FindByToken(const std::string& token,
                                                                     std::optional<TimePoint> deadline) {
  std::optional<Principal> found;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) {
        pqxx::result rows = tx.exec_prepared("auth.find_by_token", TokenHash(token));
        if (!rows.empty()) {
          found = ReadPrincipal(rows[0]);
        }
        return absl::OkStatus();
      },
      deadline));
  return found;
}

absl::StatusOr<std::string> PrincipalStore::StartSession(int64_t principal_id, TimePoint now) {
  ASSIGN_OR_RETURN(std::string id, NewSessionId());
  RETURN_IF_ERROR(pool_.InTransaction([&](pqxx::work& tx) {
    if (tx.exec_prepared("auth.start_session", TokenHash(id), principal_id, db::ToMillis(now)).empty()) {
      return absl::UnauthenticatedError("the principal was revoked");
    }
    return absl::OkStatus();
  }));
  return id;
}

absl::StatusOr<std::optional<Principal>> PrincipalStore::FindBySession(const std::string& session_id, TimePoint now,
                                                                       const SessionLimits& limits,
                                                                       std::optional<TimePoint> deadline) {
  std::optional<Principal> found;
  RETURN_IF_ERROR(pool_.InTransaction(
      [&](pqxx::work& tx) {
        pqxx::result rows = tx.exec_prepared("auth.find_by_session", TokenHash(session_id), db::ToMillis(now),
                                             limits.idle.count(), limits.lifetime.count());
        if (!rows.empty()) {
          found = ReadPrincipal(rows[0]);
        }
        return absl::OkStatus();
      },
      deadline));
  return found;
}

absl::Status PrincipalStore::EndSession(const std::string& session_id, TimePoint now) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared("auth.end_session", TokenHash(session_id), db::ToMillis(now));
    return absl::OkStatus();
  });
}

}  // namespace curation::auth
