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
#include <curation/review/item.hpp>

namespace curation::review {

struct ItemFilter {
  std::vector<std::string> states;  // ItemStates as stored (kItemStates), in effect: a lapsed claim counts as open
  std::optional<TimePoint> due_before;
  bool breached_only = false;
  // At risk only: not yet due, and due within this span (the service's at-risk window).
  std::optional<std::chrono::milliseconds> at_risk_within;
  std::string category_id;
  std::string channel_id;
  std::string playability;  // a probe::Verdict as stored
  std::string claimed_by;
};

struct FeedBatch {
  int64_t entries = 0;  // feed entries (or log entries) read
  int64_t items_created = 0;
  std::optional<int64_t> last;  // the position of the last entry read, none when none
};

/// A decision to record: the log entry content is filled in by the store from the item.
struct DecisionDraft {
  int64_t item_id = 0;
  Action action = Action::kApprove;  // a decision: approve, warn, censor, escalate
  std::string justification;
  std::vector<std::string> policy_codes;
  std::string note;
  std::optional<TargetKind> censor_scope;  // what a censor hides; none: the item's own target
  std::string request_id;
  std::vector<modlog::EvidenceNote> evidence;
};

struct DecisionRecord {
  int64_t item_id = 0;
  Action action = Action::kApprove;
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

  /// Turns the feed entries after `after` (up to `limit`) into review items due `due_after`
  /// after upload, in `tx`: the transaction that moves the feed cursor past them.
  FeedBatch ItemsFromFeed(pqxx::work& tx, int64_t after, int64_t limit, std::chrono::milliseconds due_after) const;
  /// Raises an escalated item for each unjustified chain action the log records after `after`.
  FeedBatch ItemsFromUnjustified(pqxx::work& tx, int64_t after, int64_t limit,
                                 std::chrono::milliseconds due_after) const;
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

  /// Records a decision and its log entry in one guarded statement, after checking the item's
  /// state, the caller's lease (a lead needs none) and the policy codes (MayDecide,
  /// DecisionTarget and CheckPolicyCodes in rules.hpp).
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
