#include <curation/review/rules.hpp>

#include <algorithm>
#include <tuple>

#include <absl/strings/str_cat.h>

#include <curation/common/text.hpp>
#include <curation/common/time_format.hpp>

namespace curation::review {
namespace {

bool IsLead(const auth::Principal& principal) { return principal.role == auth::Role::kLead; }

}  // namespace

bool LeaseLapsed(ItemState state, std::optional<TimePoint> lease_expires_at, TimePoint now) {
  return state == ItemState::kClaimed && (!lease_expires_at || *lease_expires_at <= now);
}

ItemState EffectiveState(ItemState state, std::optional<TimePoint> lease_expires_at, TimePoint now) {
  return LeaseLapsed(state, lease_expires_at, now) ? ItemState::kOpen : state;
}

bool HoldsLiveLease(const ItemRow& item, std::string_view holder, TimePoint now) {
  return item.state == ItemState::kClaimed && !LeaseLapsed(item.state, item.lease_expires_at, now) &&
         !item.lease_holder.empty() && item.lease_holder == holder;
}

bool IsPending(ItemState state) {
  switch (state) {
    case ItemState::kOpen:
    case ItemState::kClaimed:
    case ItemState::kEscalated:
      return true;
    case ItemState::kDecided:
      return false;
  }
  return false;
}

QueueItem AsOf(ItemRow row, TimePoint now, std::chrono::milliseconds at_risk) {
  QueueItem item;
  if (LeaseLapsed(row.state, row.lease_expires_at, now)) {
    row.state = ItemState::kOpen;
    row.lease_holder.clear();
    row.lease_expires_at.reset();
  }
  bool pending = IsPending(row.state);
  item.breached = pending && row.due_at <= now;
  item.at_risk = pending && !item.breached && row.due_at - now <= at_risk;
  item.row = std::move(row);
  return item;
}

bool InQueueOrder(const QueuePosition& a, const QueuePosition& b) {
  return std::tie(a.due_at, b.signal, a.id) < std::tie(b.due_at, a.signal, b.id);
}

QueuePosition PositionOf(const ItemRow& item) { return {item.due_at, item.signal, item.id}; }

ActionRules RulesFor(Action action) {
  switch (action) {
    case Action::kApprove:
      return {.may_cite_policy_codes = false};
    case Action::kWarn:
    case Action::kCensor:
      return {.needs_justification = true, .needs_policy_code = true};
    case Action::kEscalate:
      return {.needs_note = true, .leaves = ItemState::kEscalated};
    case Action::kRevert:
      return {.needs_justification = true, .may_cite_policy_codes = false};
  }
  return {};
}

absl::Status MayDecide(const auth::Principal& principal, const ItemRow& item, Action action, TimePoint now) {
  switch (item.state) {
    case ItemState::kDecided:
      return absl::FailedPreconditionError(absl::StrCat("item ", item.id, " was already decided"));
    case ItemState::kEscalated:
      if (!IsLead(principal)) {
        return absl::PermissionDeniedError(absl::StrCat("item ", item.id, " is escalated: only the lead decides it"));
      }
      if (action == Action::kEscalate) {
        return absl::FailedPreconditionError(absl::StrCat("item ", item.id, " is already escalated"));
      }
      return absl::OkStatus();
    case ItemState::kOpen:
    case ItemState::kClaimed:
      break;
  }
  if (IsLead(principal) || HoldsLiveLease(item, principal.name, now)) {
    return absl::OkStatus();
  }
  if (item.state == ItemState::kClaimed && !item.lease_holder.empty() &&
      !LeaseLapsed(item.state, item.lease_expires_at, now)) {
    return absl::FailedPreconditionError(absl::StrCat("item ", item.id, " is claimed by ", item.lease_holder));
  }
  if (item.state == ItemState::kClaimed && item.lease_holder == principal.name) {
    return absl::FailedPreconditionError(
        absl::StrCat("your lease on item ", item.id, " expired; claim it again before deciding"));
  }
  return absl::FailedPreconditionError(absl::StrCat("claim item ", item.id, " before deciding it"));
}

absl::Status MayRenew(std::string_view holder, int64_t id, const ItemRow* item, TimePoint now) {
  if (item != nullptr && HoldsLiveLease(*item, holder, now)) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      absl::StrCat("you hold no live lease on item ", id, " (it expired or was never yours); claim it again"));
}

absl::Status MayRevert(const auth::Principal& principal) {
  return IsLead(principal) ? absl::OkStatus() : absl::PermissionDeniedError("only the lead may revert a censor");
}

absl::Status Revertible(int64_t entry_id, const modlog::EntryContent& entry, std::optional<int64_t> reverted_by) {
  if (modlog::kEntryKinds.FromDb(entry.kind) != modlog::EntryKind::kCensor) {
    return absl::FailedPreconditionError(
        absl::StrCat("entry ", entry_id, " is a ", entry.kind, ", not a censor: only a censor can be reverted"));
  }
  if (!entry.item_id) {
    return absl::FailedPreconditionError(absl::StrCat("entry ", entry_id, " has no review item to revert"));
  }
  if (reverted_by) {
    return absl::FailedPreconditionError(
        absl::StrCat("entry ", entry_id, " was already reverted by ", modlog::EntryReference(*reverted_by)));
  }
  return absl::OkStatus();
}

bool FitsTarget(AppliesTo applies_to, TargetKind target) {
  switch (applies_to) {
    case AppliesTo::kAny:
      return true;
    case AppliesTo::kVideo:
      return target == TargetKind::kVideo;
    case AppliesTo::kChannel:
      return target == TargetKind::kChannel;
  }
  return false;
}

absl::Status CheckPolicyCodes(const std::vector<PolicyCode>& known, const std::vector<std::string>& cited,
                              Action action, TargetKind target) {
  bool calls_for_action = false;
  for (const std::string& code : cited) {
    auto it = std::find_if(known.begin(), known.end(), [&](const PolicyCode& p) { return p.code == code; });
    if (it == known.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy_codes: unknown code '", code, "' (see `curatorctl queue codes`)"));
    }
    if (!FitsTarget(it->applies_to, target)) {
      return absl::InvalidArgumentError(absl::StrCat("policy_codes: '", code, "' applies to a ",
                                                     std::string(kAppliesTo.Human(it->applies_to)), ", not a ",
                                                     std::string(kTargetKinds.Human(target))));
    }
    calls_for_action = calls_for_action || it->action == action;
  }
  if (RulesFor(action).needs_policy_code && !calls_for_action) {
    std::string word(kActions.Human(action));
    return absl::InvalidArgumentError(
        absl::StrCat("policy_codes: a ", word, " must cite at least one ", word, " code"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Target> DecisionTarget(const ItemRow& item, std::optional<TargetKind> scope) {
  if (!scope || *scope == item.target_kind) {
    return Target{item.target_kind, item.target_id};
  }
  switch (*scope) {
    case TargetKind::kVideo:
      return absl::InvalidArgumentError("censor_scope: a channel item can only censor its channel");
    case TargetKind::kChannel:
      if (item.channel_id.empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat("the channel of video ", item.target_id, " is not known yet; censor the video"));
      }
      return Target{TargetKind::kChannel, item.channel_id};
  }
  return absl::InvalidArgumentError("censor_scope: unknown scope");
}

absl::Status CheckEvidence(const std::vector<modlog::EvidenceNote>& evidence) {
  if (evidence.size() > kMaxEvidenceNotes) {
    return absl::InvalidArgumentError(
        absl::StrCat("evidence: ", evidence.size(), " notes; at most ", kMaxEvidenceNotes, " are kept per decision"));
  }
  for (size_t i = 0; i < evidence.size(); ++i) {
    const modlog::EvidenceNote& note = evidence[i];
    const std::string field = absl::StrCat("evidence[", i, "] (at ", MediaTime(note.offset), ")");
    if (note.offset.count() < 0 || note.offset > kMaxEvidenceOffset) {
      return absl::InvalidArgumentError(absl::StrCat("evidence[", i, "]: the offset must be from 0 to ",
                                                     kMaxEvidenceOffset.count(), " h into the video"));
    }
    if (note.text.size() > kMaxEvidenceNoteBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, " is ", note.text.size(), " bytes; at most ", kMaxEvidenceNoteBytes, " are kept"));
    }
    if (absl::Status written = CheckWrittenText(field, note.text); !written.ok()) {
      return written;
    }
    if (VisibleLength(note.text) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(field, " is blank: say what is seen there"));
    }
  }
  return absl::OkStatus();
}

}  // namespace curation::review
