#pragma once
// Raises review items from the ingest feed as soon as it grows (LISTEN wakes it; a short poll
// covers a missed notification), and items for the lead from unjustified chain actions in
// the moderation log.

#include <stop_token>

#include <curation/common/config.hpp>
#include <curation/common/metrics.hpp>
#include <curation/review/review_store.hpp>

namespace curation::review {

class FeedConsumer {
 public:
  FeedConsumer(ReviewStore& store, db::Pool& pool, ReviewConfig config, MetricsRegistry& metrics);
  /// Consumes until the feed and the log are drained; returns how many items were created.
  absl::StatusOr<int64_t> Drain();
  void Run(std::stop_token stop);

 private:
  ReviewStore& store_;
  db::Pool& pool_;
  ReviewConfig config_;
  Counter& items_created_;
};

}  // namespace curation::review
