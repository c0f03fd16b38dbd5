#pragma once
// Where the console's pages may load media and images from: the distributor nodes ingest knows
// (the item screen plays from them) and the hosts of the hero and featured cuts and posters
// alert keeps (the alerts screen shows them), and nothing else. Their origins go into the
// Content-Security-Policy of every console answer.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/base/thread_annotations.h>

#include <curation/common/clock.hpp>
#include <curation/db/pool.hpp>

namespace curation::console {

/// "scheme://host[:port]" of an http(s) URL, scheme and host lower-cased; none for anything else.
/// Node endpoints and featured URLs are text anyone can put on chain or in Orion, and a CSP
/// source list is split at spaces and ';', so only a plain host name, IPv4 or bracketed IPv6
/// address, and a port of digits pass: nothing that could add a source or a directive.
std::optional<std::string> OriginOf(std::string_view url);

/// The console's Content-Security-Policy: its own script, style and API only; media and images
/// from 'self' and `media_origins` (each one OriginOf gave), never from anywhere else.
std::string ContentSecurityPolicy(const std::vector<std::string>& media_origins);

/// Thread-safe: the origins under a mutex, read again from the database at most once per `ttl`
/// (by whichever call finds them old; the others keep answering the old list meanwhile).
class MediaOrigins {
 public:
  /// `pool` must carry Statements().
  MediaOrigins(db::Pool& pool, const Clock& clock, std::chrono::milliseconds ttl);

  static std::vector<db::PreparedStatement> Statements();

  /// The origins of ACTIVE distribution operators' endpoints and of alert's current and recent
  /// (30 days) featured cut and poster URLs; sorted, each once. While the database cannot
  /// answer, the last list read (empty before the first).
  std::vector<std::string> Current();
  /// ContentSecurityPolicy(Current()).
  std::string Policy();

 private:
  db::Pool& pool_;
  const Clock& clock_;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::vector<std::string> origins_ ABSL_GUARDED_BY(mutex_);
  std::optional<TimePoint> read_at_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace curation::console
