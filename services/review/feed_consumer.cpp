#include <curation/review/feed_consumer.hpp>

#include <curation/common/logging.hpp>

namespace curation::review {
namespace {

constexpr int64_t kBatch = 5000;
// A missed notification costs at most this much delay.
constexpr std::chrono::milliseconds kIdlePoll{1000};

}  // namespace

FeedConsumer::FeedConsumer(ReviewStore& store, db::Pool& pool, ReviewConfig config, MetricsRegistry& metrics)
    : store_(store),
      pool_(pool),
      config_(config),
      items_created_(metrics.GetCounter("curation_review_items_created_total", "Review items raised from the feed")) {}

absl::StatusOr<int64_t> FeedConsumer::Drain() {
  int64_t created = 0;
  while (true) {
    ASSIGN_OR_RETURN(FeedBatch batch, store_.ConsumeFeed(kBatch, config_.due_after));
    ASSIGN_OR_RETURN(FeedBatch unjustified, store_.ConsumeUnjustified(kBatch, config_.due_after));
    created += batch.items_created + unjustified.items_created;
    items_created_.Inc(static_cast<double>(batch.items_created + unjustified.items_created));
    if (batch.entries < kBatch && unjustified.entries < kBatch) {
      return created;
    }
  }
}

void FeedConsumer::Run(std::stop_token stop) {
  db::FollowNotifications(pool_, "ingest_feed", kIdlePoll, stop, "review", "raise review items from the feed",
                          [&]() -> absl::StatusOr<bool> {
                            RETURN_IF_ERROR(Drain().status());
                            return false;  // Drain() reads the feed to its end
                          });
}

}  // namespace curation::review
