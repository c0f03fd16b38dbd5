#pragma once
// The review schema: items raised from the ingest feed, and reads of the queue.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <curation/common/clock.hpp>
#include <curation/db/pool.hpp>

namespace curation::review {

struct ItemRow {
  int64_t id = 0;
  std::string target_kind;  // video, channel
  std::string target_id;
  std::string reason;       // new_video, new_channel, assets_changed
  std::string state;        // open, claimed, decided, escalated
  std::string title;
  std::string channel_id;
  std::string channel_title;
  std::string category_id;
  std::string category_name;
  TimePoint uploaded_at;
  TimePoint due_at;
  TimePoint created_at;
  std::string playability;  // playable, degraded, unplayable; empty until probed
  std::string playability_summary;
};

/// Position after the last item of a page: items are ordered by (due_at, id).
struct QueuePosition {
  TimePoint due_at;
  int64_t id = 0;
};

struct FeedBatch {
  int64_t entries = 0;  // feed entries consumed
  int64_t items_created = 0;
};

/// Thread-safe.
class ReviewStore {
 public:
  explicit ReviewStore(db::Pool& pool) : pool_(pool) {}
  static std::vector<db::PreparedStatement> Statements();

  /// Turns up to `limit` new feed entries into review items due `due_after` after upload,
  /// advancing the consumer's cursor in the same transaction.
  absl::StatusOr<FeedBatch> ConsumeFeed(int64_t limit, std::chrono::milliseconds due_after);

  absl::StatusOr<std::vector<ItemRow>> ListItems(const std::vector<std::string>& states,
                                                 const std::optional<QueuePosition>& after, int limit,
                                                 std::optional<TimePoint> deadline);
  /// NOT_FOUND for an unknown id.
  absl::StatusOr<ItemRow> GetItem(int64_t id, std::optional<TimePoint> deadline);

 private:
  db::Pool& pool_;
};

}  // namespace curation::review
