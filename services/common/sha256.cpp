#include <curation/common/sha256.hpp>

#include <openssl/evp.h>

#include <cassert>
#include <memory>

namespace curation {

std::string Sha256(std::string_view bytes) {
  // Fetched once: OpenSSL 3 looks an algorithm named by EVP_sha256() or SHA256() up under a
  // lock on every call, which showed when verifying a long log.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::string digest(32, '\0');
  unsigned int size = 0;
  bool done = EVP_DigestInit_ex(context.get(), sha256, nullptr) == 1 &&
              EVP_DigestUpdate(context.get(), bytes.data(), bytes.size()) == 1 &&
              EVP_DigestFinal_ex(context.get(), reinterpret_cast<unsigned char*>(digest.data()), &size) == 1;
  assert(done && size == digest.size() && "SHA-256 is always available in OpenSSL 3");
  (void)done;
  return digest;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0xF]);
  }
  return hex;
}

}  // namespace curation
