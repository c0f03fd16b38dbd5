#pragma once
// Which network addresses the pipeline may connect to. Distributor endpoints come from
// on-chain metadata that anyone can set, so by default nothing on this machine, the private
// network or a cloud metadata service is reachable through them. The check runs on the
// address actually connected to (after DNS, on every redirect), not on the URL's text.

#include <netinet/in.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include <curation/common/status.hpp>

namespace curation {

/// An IPv4 or IPv6 prefix such as 127.0.0.1/32 or fd00::/8.
struct AddressRange {
  std::array<uint8_t, 16> bytes{};  // IPv4 stored as IPv4-mapped IPv6
  int prefix_bits = 0;              // of the 128
  bool Contains(const std::array<uint8_t, 16>& address) const;
  /// Parses "a.b.c.d[/n]" or "x:y::z[/n]"; INVALID_ARGUMENT otherwise.
  static absl::StatusOr<AddressRange> Parse(const std::string& text);
};

/// Immutable after construction; thread-safe.
class AddressGuard {
 public:
  /// `allowed` ranges are reachable even when they fall in a refused class (tests, private
  /// deployments: e.g. 127.0.0.1/32).
  explicit AddressGuard(std::vector<AddressRange> allowed = {}) : allowed_(std::move(allowed)) {}

  /// Nullopt when `address` may be connected to, else the class that refuses it
  /// ("loopback", "private", "link-local", "cloud metadata", "multicast", ...).
  std::optional<std::string> Refusal(const sockaddr* address) const;

  /// The address in text, for messages.
  static std::string Text(const sockaddr* address);

 private:
  std::vector<AddressRange> allowed_;
};

}  // namespace curation
