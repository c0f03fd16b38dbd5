#include <curation/common/listen_address.hpp>

#include <algorithm>

#include <absl/strings/ascii.h>
#include <absl/strings/numbers.h>

namespace curation {

absl::StatusOr<std::pair<std::string, std::string>> SplitListen(const std::string& listen, const std::string& key) {
  auto colon = listen.rfind(':');
  std::string host = colon == std::string::npos ? "" : listen.substr(0, colon);
  std::string port = colon == std::string::npos ? "" : listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int number = 0;
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(port, &number) || number > 65535) {
    return absl::InvalidArgumentError(key + ": expected host:port, got '" + listen + "'");
  }
  return std::pair{host, port};
}

}  // namespace curation
