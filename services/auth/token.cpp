#include "token.hpp"

#include <openssl/rand.h>

#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>

#include <curation/common/sha256.hpp>

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

std::string TokenHash(std::string_view token) { return Hex(Sha256(token)); }

}  // namespace curation::auth
