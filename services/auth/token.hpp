#pragma once
// Bearer tokens: how they are made and how they are stored (private to curation_auth).

#include <string>
#include <string_view>

#include <curation/common/status.hpp>

namespace curation::auth {

/// "cur_" + base64url (no padding) of 32 random bytes from OpenSSL's CSPRNG.
/// INTERNAL when the generator cannot be seeded.
absl::StatusOr<std::string> NewToken();

/// The lowercase hex SHA-256 of `token`: what auth.principals.token_hash holds (decoded)
/// and what the authenticator caches by.
std::string TokenHash(std::string_view token);

}  // namespace curation::auth
