#pragma once
// What Gleev features now, read from Orion: the hero and every category's featured videos.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <curation/common/clock.hpp>
#include <curation/common/graphql.hpp>
#include <curation/common/http_client.hpp>
#include <curation/common/status.hpp>

namespace curation::alert {

/// One featured video in its slot, as Orion shows it. Hostile input: every text comes from
/// operators' and creators' metadata.
struct FeaturedVideo {
  std::string slot;           // "hero", or "category:<category id>"
  std::string video_id;
  std::string video_title;
  std::string category_name;  // featured only
  std::string hero_title;     // hero only
  std::string cut_url;        // hero: the landing-page cut; featured: the tile's cut, may be empty
  std::string poster_url;     // hero only
  std::optional<TimePoint> activated_at;  // hero only: when it became the hero
};

struct OrionOptions {
  std::string url;      // the GraphQL endpoint
  std::string session;  // an operator session id, sent as `Authorization: Bearer`; empty: none
  std::chrono::milliseconds timeout{20000};
  int64_t max_response_bytes = 16ll << 20;
};

/// Not thread-safe (its HTTP client is not).
class OrionClient {
 public:
  OrionClient(HttpClient& http, OrionOptions options);

  /// The hero (when there is one) first, then the featured videos ordered by slot and video id,
  /// each (slot, video) once. As graphql::Client::Execute says: UNAVAILABLE when Orion cannot be
  /// reached or answers with a 5xx, RESOURCE_EXHAUSTED for a 429, FAILED_PRECONDITION for another
  /// status (the message names it, Retry-After when sent, and the start of the body on one line);
  /// UNAVAILABLE when it reports GraphQL errors (the first one's text on one line, control and
  /// bidi characters neutralised); DEADLINE_EXCEEDED past options.timeout; RESOURCE_EXHAUSTED
  /// past options.max_response_bytes; INVALID_ARGUMENT (naming where) when the answer is not JSON
  /// of the shape the document asked for. Featured entries that cannot be used (no video, an id
  /// with control characters) are left out, not fatal.
  absl::StatusOr<std::vector<FeaturedVideo>> Featured();

 private:
  graphql::Client client_;
};

/// Parses an answer to services/alert/queries/featured.orion.graphql, with the statuses and
/// ordering of OrionClient::Featured(). Texts are cut to 1,000 bytes with invalid UTF-8 replaced;
/// ids are graphql::Value::Id's; URLs other than http(s), with a space, a control or bidi
/// character, or over 2,048 bytes read as empty; they are never fetched here.
absl::StatusOr<std::vector<FeaturedVideo>> ParseFeatured(const std::string& body);

}  // namespace curation::alert
