#pragma once
// Following an append-only sequence (ingest.feed by seq, the moderation log by id): a consumer
// keeps its position, a cursor, in its own schema's feed_cursors table, and acts on each batch of
// rows beyond it in the transaction that moves the cursor past them, so every row takes effect
// once, in order, with no gap, whatever crashes or how many replicas run.

#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <curation/db/pool.hpp>

namespace curation::db {

/// Moves the cursors of one consumer's schema (`<schema>.feed_cursors`: consumer, seq) one batch
/// at a time, and follows the feed until stopped: at once while batches come back full, else when
/// its channel is notified, else after the idle poll (a notification is never the only carrier).
/// Replicas may run it side by side: a batch locks its cursor row, so the second waits and then
/// reads beyond the first's batch. Thread-safe.
///
///   FeedFollower follower(pool, {.schema = "probe", .batch_size = 5000, .component = "probe",
///                                .what = "raise probe jobs from the feed"});
///   follower.Drain({{"probe.jobs", [](pqxx::work& tx, int64_t after, int64_t limit) {...}}});
class FeedFollower {
 public:
  /// What a handler did with one batch.
  struct Batch {
    int64_t rows = 0;             // rows read: fewer than the limit means the end of the feed
    std::optional<int64_t> last;  // the position of the last row read, where the cursor moves
    /// Runs once the batch has committed, never for one rolled back: counts what it did.
    std::function<void()> committed;
  };
  /// Acts on the rows after `after`, at most `limit` of them, in `tx`, the transaction that moves
  /// the cursor to the batch's `last`; an error (or exception) rolls both back. It may run twice
  /// for one batch (a connection lost before commit is retried), so what it counts outside the
  /// database belongs in `committed`.
  using Handler = std::function<absl::StatusOr<Batch>(pqxx::work& tx, int64_t after, int64_t limit)>;
  /// One cursor (its row in feed_cursors) and what acts on the rows beyond it.
  struct Feed {
    std::string consumer;
    Handler handler;
  };
  struct Options {
    std::string schema;  // whose feed_cursors keeps the positions; its store prepares Statements(schema)
    int64_t batch_size = 1000;
    std::string channel = "ingest_feed";  // NOTIFY that the feed has grown
    std::chrono::milliseconds idle_poll{1000};  // what a missed notification delays a batch by
    std::string component;  // logs as
    std::string what;       // completes "cannot …" when a drain fails
  };

  FeedFollower(Pool& pool, Options options);

  /// The cursor statements for `schema`, then `more` (the consumer's own): its store's
  /// Statements() return them, so they are prepared wherever the store's are.
  static std::vector<PreparedStatement> Statements(const std::string& schema,
                                                   std::vector<PreparedStatement> more = {});

  /// Reads one batch of `feed` and moves its cursor, in one transaction; returns the batch's rows.
  absl::StatusOr<int64_t> Step(const Feed& feed);
  /// Reads every feed to its end, a batch of each in turn (so none waits behind another's
  /// backlog). A stop ends it between batches.
  absl::Status Drain(const std::vector<Feed>& feeds, std::stop_token stop = {});
  /// Runs `drain` (the consumer's Drain) until `stop`: when the channel is notified, after the
  /// idle poll otherwise, and after a failure the idle poll later; a failure is logged when it
  /// starts and when it ends, not on every retry.
  void Run(std::stop_token stop, const std::function<absl::Status(std::stop_token)>& drain);

 private:
  Pool& pool_;
  Options options_;
  std::string ensure_cursor_;
  std::string lock_cursor_;
  std::string advance_cursor_;
};

}  // namespace curation::db
