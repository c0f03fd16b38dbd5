#include <curation/review/feed_consumer.hpp>

namespace curation::review {

FeedConsumer::FeedConsumer(ReviewStore& store, db::Pool& pool, ReviewConfig config, MetricsRegistry& metrics)
    : store_(store),
      config_(config),
      items_created_(metrics.GetCounter("curation_review_items_created_total", "Review items raised from the feed")),
      follower_(pool, {.schema = "review",
                       .batch_size = 5000,
                       .component = "review",
                       .what = "raise review items from the feed"}) {}

db::FeedFollower::Feed FeedConsumer::Raising(const char* consumer, RaiseItems raise, int64_t& created) {
  return {consumer, [this, raise, &created](pqxx::work& tx, int64_t after,
                                            int64_t limit) -> absl::StatusOr<db::FeedFollower::Batch> {
            FeedBatch batch = (store_.*raise)(tx, after, limit, config_.due_after);
            return db::FeedFollower::Batch{.rows = batch.entries,
                                           .last = batch.last,
                                           .committed = [this, &created, made = batch.items_created] {
                                             created += made;
                                             items_created_.Inc(static_cast<double>(made));
                                           }};
          }};
}

absl::StatusOr<int64_t> FeedConsumer::Drain(std::stop_token stop) {
  int64_t created = 0;
  RETURN_IF_ERROR(follower_.Drain({Raising("review.items", &ReviewStore::ItemsFromFeed, created),
                                   Raising("review.unjustified", &ReviewStore::ItemsFromUnjustified, created)},
                                  stop));
  return created;
}

void FeedConsumer::Run(std::stop_token stop) {
  follower_.Run(stop, [this](std::stop_token drain_stop) { return Drain(drain_stop).status(); });
}

}  // namespace curation::review
