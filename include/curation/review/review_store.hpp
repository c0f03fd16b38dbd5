#pragma once
// The review schema: items raised from the ingest feed (and from unjustified chain actions
// in the log), claims, decisions, and reads of the queue.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <curation/auth/principal.hpp>
#include <curation/common/clock.hpp>
#include <curation/db/pool.hpp>
#include <curation/modlog/entry.hpp>

namespace curation::review {

struct ItemRow {
  int64_t id = 0;
  std::string target_kind;  // video, channel
  std::string target_id;
  std::string reason;       // new_video, new_channel, assets_changed, unjustified_chain_action
  std::string state;        // open, claimed, decided, escalated (as stored: a lapsed claim still says claimed)
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
  int signal = 0;           // raised by signals (an unplayable probe): first among items due together
  std::string lease_holder;
  std::optional<TimePoint> lease_expires_at;
  std::optional<TimePoint> decided_at;
};

/// Position after the last item of a page: items are ordered by due_at, then signal
/// (highest first), then id.
struct QueuePosition {
  TimePoint due_at;
  int signal = 0;
  int64_t id = 0;
};

struct ItemFilter {
  std::vector<std::string> states;  // effective states: a lapsed claim counts as open
  std::optional<TimePoint> due_before;
  bool breached_only = false;
  std::string category_id;
  std::string channel_id;
  std::string playability;
  std::string claimed_by;
};

struct FeedBatch {
  int64_t entries = 0;  // feed entries (or log entries) consumed
  int64_t items_created = 0;
};

struct PolicyCode {
  std::string code;
  std::string action;      // warn, censor
  std::string applies_to;  // video, channel, any
  std::string title;
};

/// A decision to record: the log entry content is filled in by the store from the item.
struct DecisionDraft {
  int64_t item_id = 0;
  std::string action;  // approve, warn, censor, escalate
  std::string justification;
  std::vector<std::string> policy_codes;
  std::string note;
  std::string censor_target_kind;  // what a censor hides: video or channel
  std::string request_id;
};

struct DecisionRecord {
  int64_t item_id = 0;
  std::string action;
  int64_t entry_id = 0;
  modlog::EntryContent entry;
  TimePoint decided_at;
  std::string decided_by;
};

struct QueueCounts {
  int64_t depth = 0;
  int64_t open = 0;
  int64_t claimed = 0;
  int64_t escalated = 0;
  int64_t at_risk = 0;
  int64_t breached = 0;
  std::optional<TimePoint> oldest_due;
  std::optional<std::chrono::milliseconds> median_time_to_decision;
  int64_t decided_recently = 0;
};

/// Thread-safe.
class ReviewStore {
 public:
  explicit ReviewStore(db::Pool& pool) : pool_(pool) {}
  static std::vector<db::PreparedStatement> Statements();

  /// Turns up to `limit` new feed entries into review items due `due_after` after upload,
  /// advancing the consumer's cursor in the same transaction.
  absl::StatusOr<FeedBatch> ConsumeFeed(int64_t limit, std::chrono::milliseconds due_after);
  /// Raises an escalated item for each unjustified chain action the log records.
  absl::StatusOr<FeedBatch> ConsumeUnjustified(int64_t limit, std::chrono::milliseconds due_after);
  /// Returns lapsed claims to the queue; how many.
  absl::StatusOr<int64_t> ExpireLeases(TimePoint now);

  /// Up to `limit` items in queue order after `after`, read by index from there (keyset
  /// paging): a page costs its own rows, not the queue's length.
  absl::StatusOr<std::vector<ItemRow>> ListItems(const ItemFilter& filter, const std::optional<QueuePosition>& after,
                                                 int limit, TimePoint now, std::optional<TimePoint> deadline);
  /// NOT_FOUND for an unknown id.
  absl::StatusOr<ItemRow> GetItem(int64_t id, std::optional<TimePoint> deadline);

  /// Leases up to `count` open (or lapsed) items in queue order to `holder`.
  absl::StatusOr<std::vector<ItemRow>> Claim(const std::string& holder, int count, std::chrono::milliseconds lease,
                                             TimePoint now, std::optional<TimePoint> deadline);
  /// Extends `holder`'s live leases; FAILED_PRECONDITION naming the first item it does not hold.
  absl::StatusOr<std::vector<ItemRow>> Renew(const std::string& holder, const std::vector<int64_t>& ids,
                                             std::chrono::milliseconds lease, TimePoint now,
                                             std::optional<TimePoint> deadline);
  absl::StatusOr<int64_t> Release(const std::string& holder, const std::vector<int64_t>& ids,
                                  std::optional<TimePoint> deadline);

  /// Records a decision and its log entry in one transaction, after checking the item's
  /// state, the caller's lease (a lead needs none) and the policy codes.
  absl::StatusOr<DecisionRecord> Decide(const auth::Principal& principal, const DecisionDraft& draft, TimePoint now,
                                        std::optional<TimePoint> deadline);
  /// Records a revert of the censor entry `entry_id` and its log entry in one transaction.
  absl::StatusOr<DecisionRecord> Revert(const auth::Principal& principal, int64_t entry_id,
                                        const std::string& justification, const std::string& request_id,
                                        TimePoint now, std::optional<TimePoint> deadline);

  absl::StatusOr<QueueCounts> Counts(TimePoint now, std::chrono::milliseconds at_risk,
                                     std::optional<TimePoint> deadline = std::nullopt);
  absl::StatusOr<std::vector<PolicyCode>> PolicyCodes(std::optional<TimePoint> deadline = std::nullopt);

 private:
  db::Pool& pool_;
};

}  // namespace curation::review
