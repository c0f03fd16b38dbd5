// What curationd and the probe worker share of the prober's vocabulary. Kept apart from the
// media checks so that curationd, which only schedules probes, links none of them.
#include <curation/probe/media_prober.hpp>

#include <absl/strings/ascii.h>
#include <absl/strings/string_view.h>

namespace curation::probe {

std::string HostOf(const std::string& full_url) {
  absl::string_view url = full_url;
  auto scheme = url.find("://");
  if (scheme == absl::string_view::npos) {
    return "";
  }
  auto host = url.substr(scheme + 3);
  host = host.substr(0, host.find_first_of("/?#"));
  if (auto at = host.rfind('@'); at != absl::string_view::npos) {
    host = host.substr(at + 1);
  }
  return absl::AsciiStrToLower(host);
}

}  // namespace curation::probe
