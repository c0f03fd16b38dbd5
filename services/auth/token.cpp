#include "token.hpp"

#include <openssl/rand.h>

#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>

#include <curation/common/sha256.hpp>

namespace curation::auth {
namespace {

// Prefixes make a leaked secret easy to recognise (secret scanners) and tell the two apart.
constexpr char kTokenPrefix[] = "cur_";
constexpr char kSessionPrefix[] = "ses_";
constexpr int kSecretBytes = 32;

absl::StatusOr<std::string> RandomSecret(const char* prefix) {
  unsigned char random[kSecretBytes];
  if (RAND_bytes(random, sizeof random) != 1) {
    return absl::InternalError("cannot generate a secret: OpenSSL's random generator failed");
  }
  absl::string_view bytes(reinterpret_cast<const char*>(random), sizeof random);
  return absl::StrCat(prefix, absl::WebSafeBase64Escape(bytes));
}

}  // namespace

absl::StatusOr<std::string> NewToken() { return RandomSecret(kTokenPrefix); }

absl::StatusOr<std::string> NewSessionId() { return RandomSecret(kSessionPrefix); }

std::string TokenHash(std::string_view token) { return Hex(Sha256(token)); }

}  // namespace curation::auth
