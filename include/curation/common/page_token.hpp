#pragma once
// Page tokens are opaque to clients: a versioned position (a few integers), base64url encoded.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <curation/common/status.hpp>

namespace curation {

std::string EncodePageToken(std::initializer_list<int64_t> position);
/// The position in `token` (nullopt for an empty token, the first page); INVALID_ARGUMENT
/// for a token this server did not issue or one with another number of parts.
absl::StatusOr<std::optional<std::vector<int64_t>>> DecodePageToken(const std::string& token, size_t parts);

}  // namespace curation
