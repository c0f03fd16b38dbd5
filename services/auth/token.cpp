#include "token.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>

namespace curation::auth {
namespace {

constexpr char kTokenPrefix[] = "cur_";  // makes a leaked token easy to recognise (secret scanners)
constexpr int kTokenBytes = 32;

}  // namespace

absl::StatusOr<std::string> NewToken() {
  unsigned char random[kTokenBytes];
  if (RAND_bytes(random, sizeof random) != 1) {
    return absl::InternalError("cannot generate a token: OpenSSL's random generator failed");
  }
  absl::string_view bytes(reinterpret_cast<const char*>(random), sizeof random);
  return absl::StrCat(kTokenPrefix, absl::WebSafeBase64Escape(bytes));
}

std::string TokenHash(std::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(token.data(), token.size(), digest, &length, EVP_sha256(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace curation::auth
