#pragma once
// The review queue's rules, as plain functions over plain values (an item as read, a principal,
// the clock): what state an item is in at a moment, the order of the queue, who may decide, renew
// or revert, which policy codes fit an action, and what a censor hides. They need no database;
// ReviewStore asks them about the rows it read, and its guarded statements re-check at write
// time what must still hold then (see review_store.cpp).
//
// Two rules are also SQL, for statements that must pick rows by them: the lease rules are the
// functions review.lease_lapsed, review.lease_live, review.lease_held_by and
// review.effective_state (migration 0010), and the queue order is the items_*queue indexes'
// order (migration 0009). review_test checks that each agrees with its function here.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include <curation/auth/principal.hpp>
#include <curation/modlog/entry.hpp>
#include <curation/review/item.hpp>

namespace curation::review {

// Leases and the state in effect --------------------------------------------------------------

/// A claim whose lease ran out at or before `now` (or that has no lease time, which no write
/// leaves) is open again, whether or not the lease sweeper has returned it to the queue yet.
bool LeaseLapsed(ItemState state, std::optional<TimePoint> lease_expires_at, TimePoint now);
/// The state in effect at `now`: open for a lapsed claim, else as stored.
ItemState EffectiveState(ItemState state, std::optional<TimePoint> lease_expires_at, TimePoint now);
/// Whether `holder` holds a lease on `item` that has not lapsed at `now`.
bool HoldsLiveLease(const ItemRow& item, std::string_view holder, TimePoint now);
/// Not decided yet: open, claimed or escalated.
bool IsPending(ItemState state);

/// `row` as it is in effect at `now`: a lapsed claim is open and held by no one; a pending item
/// past due is breached, and one due within `at_risk` is at risk.
QueueItem AsOf(ItemRow row, TimePoint now, std::chrono::milliseconds at_risk);

// The queue order ------------------------------------------------------------------------------

/// Whether `a` comes before `b` in the queue: the earliest due first; among items due together
/// the higher signal (an unplayable probe raises it); then the lower id.
bool InQueueOrder(const QueuePosition& a, const QueuePosition& b);
QueuePosition PositionOf(const ItemRow& item);

// Deciding -------------------------------------------------------------------------------------

// Which actions DecideItem takes is IsDecision, beside the actions (vocabulary.hpp).

/// What an action asks of whoever takes it, and what it leaves behind.
struct ActionRules {
  bool needs_justification = false;  // in words (a revert's says why the censor is undone)
  bool needs_policy_code = false;    // at least one, calling for the action
  bool may_cite_policy_codes = true;
  bool needs_note = false;                 // to the lead
  ItemState leaves = ItemState::kDecided;  // the item's state afterwards
};
/// A warn or a censor says why, with a justification and a policy code calling for it; an
/// approve cites no code; an escalation carries a note to the lead and leaves the item escalated;
/// a revert says why, and cites no code.
ActionRules RulesFor(Action action);

/// Why `principal` may not decide `item` (as read) with `action` at `now`, if they may not: a
/// decided item is final; an escalated one is the lead's, and is not escalated again; any other
/// the lead decides as it is, and a curator only while holding its live lease.
absl::Status MayDecide(const auth::Principal& principal, const ItemRow& item, Action action, TimePoint now);

/// Why `holder` may not renew their lease on item `id` (`item` as read; nullptr when there is
/// no such item) at `now`: only a live lease of one's own is renewed.
absl::Status MayRenew(std::string_view holder, int64_t id, const ItemRow* item, TimePoint now);

/// Only the lead reverts a censor.
absl::Status MayRevert(const auth::Principal& principal);
/// Why log entry `entry_id` (`entry` as read) cannot be reverted: only a censor of a review item
/// can, once; `reverted_by` is the revert entry that already undid it, if any.
absl::Status Revertible(int64_t entry_id, const modlog::EntryContent& entry, std::optional<int64_t> reverted_by);

// Policy codes ---------------------------------------------------------------------------------

/// Whether a code that applies to `applies_to` may be cited on a `target`.
bool FitsTarget(AppliesTo applies_to, TargetKind target);
/// Why the codes `cited` do not fit `action` on `target`, given the active catalogue codes among
/// them (`known`): each cited code is known and fits the target, and a warn or censor cites at
/// least one code calling for that action.
absl::Status CheckPolicyCodes(const std::vector<PolicyCode>& known, const std::vector<std::string>& cited,
                              Action action, TargetKind target);

// What a censor hides --------------------------------------------------------------------------

struct Target {
  TargetKind kind = TargetKind::kVideo;
  std::string id;
};

/// The target of a decision on `item`: its own, or for a censor with `scope` channel on a
/// video, the video's channel. INVALID_ARGUMENT for a channel item asked to censor a video;
/// FAILED_PRECONDITION when the video's channel is not known yet.
absl::StatusOr<Target> DecisionTarget(const ItemRow& item, std::optional<TargetKind> scope);

// Evidence notes ----------------------------------------------------------------------------

inline constexpr size_t kMaxEvidenceNotes = 20;
inline constexpr size_t kMaxEvidenceNoteBytes = 1000;
// Far past any video Joystream carries (YouTube's sync stops at 3 h), short of nonsense.
inline constexpr std::chrono::hours kMaxEvidenceOffset{24};

/// Why `evidence` cannot go into a log entry, as INVALID_ARGUMENT naming the note ("evidence[2]
/// (at 1:05): ..."); OK when each of at most kMaxEvidenceNotes notes sits at an offset from 0 to
/// kMaxEvidenceOffset and its text is 1 to kMaxEvidenceNoteBytes bytes of written text
/// (CheckWrittenText) with at least one visible character. Notes are what anyone with a
/// curator's token sends: hostile input until checked.
absl::Status CheckEvidence(const std::vector<modlog::EvidenceNote>& evidence);

}  // namespace curation::review
