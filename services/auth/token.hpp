#pragma once
// Bearer tokens and session ids: how they are made and how they are stored (private to curation_auth).

#include <string>
#include <string_view>

#include <curation/common/status.hpp>

namespace curation::auth {

/// "cur_" + base64url (no padding) of 32 random bytes from OpenSSL's CSPRNG.
/// INTERNAL when the generator cannot be seeded.
absl::StatusOr<std::string> NewToken();

/// "ses_" + base64url of 32 random bytes: a console session's id, held only by its cookie.
absl::StatusOr<std::string> NewSessionId();

/// The lowercase hex SHA-256 of `token`: what auth.principals.token_hash holds (decoded)
/// and what the authenticator caches by.
std::string TokenHash(std::string_view token);

}  // namespace curation::auth
