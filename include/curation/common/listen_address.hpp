#pragma once
// A listener's "host:port" from config ("127.0.0.1:7680", "[::1]:0", ":9600" for every address).

#include <string>
#include <utility>

#include <curation/common/status.hpp>

namespace curation {

/// The host (brackets of an IPv6 literal removed; empty for every address) and the port, as
/// text; INVALID_ARGUMENT naming `key` when `listen` is not host:port with a port 0-65535.
absl::StatusOr<std::pair<std::string, std::string>> SplitListen(const std::string& listen, const std::string& key);

}  // namespace curation
