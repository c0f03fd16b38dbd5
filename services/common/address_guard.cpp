#include <curation/common/address_guard.hpp>

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace curation {
namespace {

using Bytes = std::array<uint8_t, 16>;

Bytes Mapped(const in_addr& v4) {
  Bytes bytes{};
  bytes[10] = 0xff;
  bytes[11] = 0xff;
  std::memcpy(&bytes[12], &v4, 4);
  return bytes;
}

std::optional<Bytes> BytesOf(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    return Mapped(reinterpret_cast<const sockaddr_in*>(address)->sin_addr);
  }
  if (address->sa_family == AF_INET6) {
    Bytes bytes;
    std::memcpy(bytes.data(), &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, 16);
    return bytes;
  }
  return std::nullopt;
}

struct RefusedRange {
  const char* range;
  const char* why;
};

// Checked in order; the first match names the refusal. IPv4 ranges also catch their
// IPv4-mapped IPv6 spelling (::ffff:127.0.0.1), since IPv4 is stored mapped.
const RefusedRange kRefused[] = {
    {"169.254.169.254/32", "cloud metadata"},
    {"fd00:ec2::254/128", "cloud metadata"},
    {"0.0.0.0/8", "unspecified"},
    {"127.0.0.0/8", "loopback"},
    {"10.0.0.0/8", "private"},
    {"172.16.0.0/12", "private"},
    {"192.168.0.0/16", "private"},
    {"100.64.0.0/10", "shared address space"},
    {"169.254.0.0/16", "link-local"},
    {"192.0.0.0/24", "IETF protocol assignments"},
    {"198.18.0.0/15", "benchmarking"},
    {"224.0.0.0/4", "multicast"},
    {"240.0.0.0/4", "reserved"},
    {"::/128", "unspecified"},
    {"::1/128", "loopback"},
    {"fc00::/7", "private"},
    {"fe80::/10", "link-local"},
    {"ff00::/8", "multicast"},
    {"64:ff9b::/96", "NAT64 (reaches IPv4 ranges)"},
    {"2002::/16", "6to4 (reaches IPv4 ranges)"},
    {"2001::/32", "Teredo"},
};

const std::vector<std::pair<AddressRange, const char*>>& RefusedRanges() {
  static const auto ranges = [] {
    std::vector<std::pair<AddressRange, const char*>> parsed;
    for (const RefusedRange& refused : kRefused) {
      parsed.emplace_back(*AddressRange::Parse(refused.range), refused.why);
    }
    return parsed;
  }();
  return ranges;
}

}  // namespace

bool AddressRange::Contains(const Bytes& address) const {
  int full = prefix_bits / 8, rest = prefix_bits % 8;
  if (std::memcmp(address.data(), bytes.data(), full) != 0) {
    return false;
  }
  if (rest == 0) {
    return true;
  }
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (address[full] & mask) == (bytes[full] & mask);
}

absl::StatusOr<AddressRange> AddressRange::Parse(const std::string& text) {
  auto slash = text.find('/');
  std::string host = text.substr(0, slash);
  AddressRange range;
  int max_bits = 0, offset = 0;
  in_addr v4;
  in6_addr v6;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    range.bytes = Mapped(v4);
    max_bits = 32;
    offset = 96;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    std::memcpy(range.bytes.data(), &v6, 16);
    max_bits = 128;
  } else {
    return absl::InvalidArgumentError("'" + text + "' is not an IP address or range");
  }
  int bits = max_bits;
  if (slash != std::string::npos) {
    std::string suffix = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(suffix.data(), suffix.data() + suffix.size(), bits);
    if (ec != std::errc() || end != suffix.data() + suffix.size() || bits < 0 || bits > max_bits) {
      return absl::InvalidArgumentError("'" + text + "' has a bad prefix length");
    }
  }
  range.prefix_bits = offset + bits;
  return range;
}

std::optional<std::string> AddressGuard::Refusal(const sockaddr* address) const {
  auto bytes = BytesOf(address);
  if (!bytes) {
    return std::string("not an IP address");
  }
  for (const AddressRange& allowed : allowed_) {
    if (allowed.Contains(*bytes)) {
      return std::nullopt;
    }
  }
  for (const auto& [range, why] : RefusedRanges()) {
    if (range.Contains(*bytes)) {
      return std::string(why);
    }
  }
  return std::nullopt;
}

std::string AddressGuard::Text(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (address->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text, sizeof text);
  } else if (address->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text, sizeof text);
  }
  return text;
}

}  // namespace curation
