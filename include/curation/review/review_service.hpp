#pragma once
// ReviewService logic, free of gRPC: the queue with its deadlines, claims, decisions and
// reverts (each written to the moderation log with it), and the queue's numbers.

#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <curation/auth/principal.hpp>
#include <curation/common/clock.hpp>
#include <curation/review/config.hpp>
#include <curation/common/metrics.hpp>
#include <curation/review/review_store.hpp>

namespace curation::review {

struct ListItemsQuery {
  ItemFilter filter;  // empty states: everything pending (not decided)
  bool at_risk_only = false;  // sets filter.at_risk_within to the configured at-risk window
  int page_size = 0;  // 0: default
  std::string page_token;
};

struct ItemPage {
  std::vector<QueueItem> items;
  std::string next_page_token;
};

/// A decision as a caller gives it, in stored text, checked by DecideItem.
struct DecideRequest {
  int64_t item_id = 0;
  std::string action;  // an Action as stored (kActions), one IsDecision takes
  std::string justification;
  std::vector<std::string> policy_codes;
  std::string note;          // warn: text for the creator; escalate: note to the lead
  std::string censor_scope;  // "" (the item's own target), or a TargetKind as stored
  std::string request_id;
  std::vector<modlog::EvidenceNote> evidence;  // checked by CheckEvidence (rules.hpp)
};

struct Decision {
  DecisionRecord record;
  std::string chain_command;  // censor and revert: apply it on chain with joystream-cli
};

class ReviewService {
 public:
  static constexpr int kMaxClaim = 100;
  static constexpr size_t kMaxTextBytes = 4096;
  static constexpr size_t kMaxRequestIdBytes = 128;

  ReviewService(ReviewStore& store, const Clock& clock, ReviewConfig config, MetricsRegistry& metrics);

  /// INVALID_ARGUMENT for a bad page size (see PageSize), page token, state or filter.
  absl::StatusOr<ItemPage> ListItems(const ListItemsQuery& query, std::optional<TimePoint> deadline = std::nullopt);
  absl::StatusOr<QueueItem> GetItem(int64_t id, std::optional<TimePoint> deadline = std::nullopt);

  /// `lease` 0 means the configured default.
  absl::StatusOr<std::vector<QueueItem>> ClaimItems(const auth::Principal& principal, int count,
                                                    std::chrono::milliseconds lease,
                                                    std::optional<TimePoint> deadline = std::nullopt);
  absl::StatusOr<std::vector<QueueItem>> RenewClaims(const auth::Principal& principal, const std::vector<int64_t>& ids,
                                                     std::chrono::milliseconds lease,
                                                     std::optional<TimePoint> deadline = std::nullopt);
  absl::StatusOr<int64_t> ReleaseItems(const auth::Principal& principal, const std::vector<int64_t>& ids,
                                       std::optional<TimePoint> deadline = std::nullopt);

  /// INVALID_ARGUMENT for an unknown action, a missing, short (in visible characters), long or
  /// non-UTF-8 justification or note, one holding characters CheckWrittenText refuses, bad
  /// policy codes or evidence notes (CheckEvidence); FAILED_PRECONDITION without a live lease or for an item already decided
  /// (see MayDecide in rules.hpp).
  absl::StatusOr<Decision> DecideItem(const auth::Principal& principal, const DecideRequest& request,
                                      std::optional<TimePoint> deadline = std::nullopt);
  /// Lead only. FAILED_PRECONDITION for an entry that is not a censor or was reverted already.
  absl::StatusOr<Decision> RevertDecision(const auth::Principal& principal, int64_t entry_id,
                                          const std::string& justification, const std::string& request_id,
                                          std::optional<TimePoint> deadline = std::nullopt);

  absl::StatusOr<QueueCounts> GetQueueStats(std::optional<TimePoint> deadline = std::nullopt);
  absl::StatusOr<std::vector<PolicyCode>> ListPolicyCodes(std::optional<TimePoint> deadline = std::nullopt);

  /// Publishes the queue numbers as gauges (call from a metrics refresher).
  void RefreshMetrics();
  /// Returns lapsed claims to the queue every `period` until stopped. Reads already treat a
  /// lapsed claim as open; this keeps the stored state honest for anyone reading the table.
  void RunLeaseSweeper(std::stop_token stop, std::chrono::milliseconds period);

 private:
  std::vector<QueueItem> AsOfNow(std::vector<ItemRow> rows) const;
  void CountDecision(Action action);
  absl::StatusOr<std::chrono::milliseconds> LeaseLength(std::chrono::milliseconds requested) const;
  absl::Status CheckText(const char* field, const std::string& text, bool required, size_t min_chars) const;

  ReviewStore& store_;
  const Clock& clock_;
  ReviewConfig config_;
  MetricsRegistry& metrics_;
};

}  // namespace curation::review
