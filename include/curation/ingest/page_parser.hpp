#pragma once
// Turns one query node response page into rows ready to store, validating every item:
// a page that is not a well-formed answer is an error; an item that is not a well-formed
// entity is set aside as rejected (kept, never silently dropped).

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <curation/common/graphql.hpp>
#include <curation/common/status.hpp>
#include <curation/ingest/streams.hpp>

namespace curation::ingest {

/// Caps on stored text. The query node relays on-chain metadata that anyone can set;
/// longer text is cut at a UTF-8 boundary.
struct TextLimits {
  size_t title = 1000;
  size_t description = 20000;
  size_t rationale = 20000;
  size_t other = 1000;
};

/// An item set aside, with why: its id when readable, the reason, the edge as received (cut to
/// 64 KiB between characters).
using RejectedItem = graphql::Rejection;

struct ParsedPage {
  std::vector<nlohmann::json> rows;          // flat column name -> value, one per accepted item
  std::vector<nlohmann::json> data_objects;  // media, thumbnails, avatars, covers
  std::vector<RejectedItem> rejected;
  /// Keys (block or epoch ms) of the items in page order, where readable.
  std::vector<Mark> keys;
  size_t item_count = 0;
  bool has_next_page = false;
  std::optional<std::string> end_cursor;
  size_t truncated_fields = 0;
};

/// Parses a GraphQL response body for `stream`. Errors name what was wrong with the page.
absl::StatusOr<ParsedPage> ParsePage(const StreamSpec& stream, const std::string& body,
                                     const TextLimits& limits = {});

/// Newest indexed block and its time, from an IngestHead response body.
struct Head {
  int64_t block = 0;
  std::optional<TimePoint> time;
};
absl::StatusOr<Head> ParseHead(const std::string& body);

}  // namespace curation::ingest
