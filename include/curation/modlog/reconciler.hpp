#pragma once
// Matches the moderator actions seen on chain (ingest's moderator events) with the log: an
// action that applies a censor or revert entry confirms it; any other is logged as
// unjustified (or preexisting, when it happened before the log began).

#include <stop_token>

#include <curation/common/clock.hpp>
#include <curation/common/metrics.hpp>
#include <curation/db/feed_follower.hpp>

namespace curation::modlog {

struct ReconcileCounts {
  int64_t confirmed = 0;
  int64_t unjustified = 0;
  int64_t preexisting = 0;

  ReconcileCounts& operator+=(const ReconcileCounts& more);
};

/// Thread-safe; any number of replicas may run it (the cursor row is locked per batch).
class Reconciler {
 public:
  Reconciler(db::Pool& pool, const Clock& clock, MetricsRegistry& metrics);
  static std::vector<db::PreparedStatement> Statements();

  /// Reconciles every moderator event the feed holds beyond the cursor (until `stop`).
  absl::StatusOr<ReconcileCounts> Drain(std::stop_token stop = {});
  /// Drains whenever the ingest feed grows.
  void Run(std::stop_token stop);

 private:
  // Logs what the feed entries after `after` (at most `limit`) did on chain, in `tx`; adds
  // what it logged to `drained` once committed.
  absl::StatusOr<db::FeedFollower::Batch> ReconcileBatch(pqxx::work& tx, int64_t after, int64_t limit,
                                                         ReconcileCounts& drained);

  const Clock& clock_;
  db::FeedFollower follower_;
  Counter& confirmed_;
  Counter& unjustified_;
  Counter& preexisting_;
};

}  // namespace curation::modlog
