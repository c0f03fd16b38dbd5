#pragma once
// SHA-256, the one hash the project uses: tokens, migration checksums, the moderation log.

#include <string>
#include <string_view>

namespace curation {

/// The 32-byte digest.
std::string Sha256(std::string_view bytes);
/// Lower-case hex of the bytes (64 characters for a digest).
std::string Hex(std::string_view bytes);

}  // namespace curation
