#pragma once
// Raises review items from the ingest feed as soon as it grows (LISTEN wakes it; a short poll
// covers a missed notification), and items for the lead from unjustified chain actions in
// the moderation log.

#include <stop_token>

#include <curation/review/config.hpp>
#include <curation/common/metrics.hpp>
#include <curation/db/feed_follower.hpp>
#include <curation/review/review_store.hpp>

namespace curation::review {

/// Thread-safe; any number of replicas may run it (each cursor is locked per batch).
class FeedConsumer {
 public:
  FeedConsumer(ReviewStore& store, db::Pool& pool, ReviewConfig config, MetricsRegistry& metrics);
  /// Consumes until the feed and the log are drained (or `stop`); returns how many items were created.
  absl::StatusOr<int64_t> Drain(std::stop_token stop = {});
  void Run(std::stop_token stop);

 private:
  using RaiseItems = FeedBatch (ReviewStore::*)(pqxx::work&, int64_t after, int64_t limit,
                                                std::chrono::milliseconds due_after) const;
  // The cursor `consumer`, whose batches `raise` turns into items; adds those committed to `created`.
  db::FeedFollower::Feed Raising(const char* consumer, RaiseItems raise, int64_t& created);

  ReviewStore& store_;
  ReviewConfig config_;
  Counter& items_created_;
  db::FeedFollower follower_;
};

}  // namespace curation::review
