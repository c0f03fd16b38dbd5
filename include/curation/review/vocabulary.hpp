#pragma once
// The review queue's fixed sets: an item's state and reason, what a curator or the lead does with
// an item, and what a policy code applies to; each spelled once in its Vocabulary (see
// common/vocabulary.hpp). A decision's action is stored as the log entry kind of the same name,
// so its spellings are taken from modlog's table.

#include <curation/common/vocabulary.hpp>
#include <curation/modlog/vocabulary.hpp>
#include <curation/v1/review.pb.h>

namespace curation::review {

using modlog::kTargetKinds;
using modlog::TargetKind;

/// Where an item stands, as stored. A claim whose lease lapsed stays stored as claimed until the
/// sweeper returns it; EffectiveState (rules.hpp) says what it is in effect.
enum class ItemState { kOpen, kClaimed, kDecided, kEscalated };

inline constexpr Vocabulary<ItemState, v1::ItemState, 4> kItemStates{{{
    {ItemState::kOpen, "open", v1::ITEM_STATE_OPEN, "open"},
    {ItemState::kClaimed, "claimed", v1::ITEM_STATE_CLAIMED, "claimed"},
    {ItemState::kDecided, "decided", v1::ITEM_STATE_DECIDED, "decided"},
    {ItemState::kEscalated, "escalated", v1::ITEM_STATE_ESCALATED, "escalated"},
}}};

/// Why an item was raised.
enum class ItemReason { kNewVideo, kNewChannel, kAssetsChanged, kUnjustifiedChainAction };

inline constexpr Vocabulary<ItemReason, v1::ItemReason, 4> kItemReasons{{{
    {ItemReason::kNewVideo, "new_video", v1::ITEM_REASON_NEW_VIDEO, "new"},
    {ItemReason::kNewChannel, "new_channel", v1::ITEM_REASON_NEW_CHANNEL, "new"},
    {ItemReason::kAssetsChanged, "assets_changed", v1::ITEM_REASON_ASSETS_CHANGED, "changed"},
    {ItemReason::kUnjustifiedChainAction, "unjustified_chain_action", v1::ITEM_REASON_UNJUSTIFIED_CHAIN_ACTION,
     "unjustified"},
}}};

/// What a curator or the lead does with an item; a revert undoes a censor.
enum class Action { kApprove, kWarn, kCensor, kEscalate, kRevert };

/// The log entry that records `action`.
constexpr modlog::EntryKind EntryKindOf(Action action) {
  switch (action) {
    case Action::kApprove:
      return modlog::EntryKind::kApprove;
    case Action::kWarn:
      return modlog::EntryKind::kWarn;
    case Action::kCensor:
      return modlog::EntryKind::kCensor;
    case Action::kEscalate:
      return modlog::EntryKind::kEscalate;
    case Action::kRevert:
      return modlog::EntryKind::kRevert;
  }
  return modlog::EntryKind::kApprove;  // not reached: every action is handled above
}

/// The actions DecideItem takes: approve, warn, censor, escalate (a revert has its own call).
constexpr bool IsDecision(Action action) {
  switch (action) {
    case Action::kApprove:
    case Action::kWarn:
    case Action::kCensor:
    case Action::kEscalate:
      return true;
    case Action::kRevert:
      return false;
  }
  return false;
}

namespace detail {
constexpr Spelling<Action, v1::Action> ActionSpelling(Action action, v1::Action proto) {
  return {action, modlog::kEntryKinds.Db(EntryKindOf(action)), proto, modlog::kEntryKinds.Human(EntryKindOf(action))};
}
}  // namespace detail

inline constexpr Vocabulary<Action, v1::Action, 5> kActions{{{
    detail::ActionSpelling(Action::kApprove, v1::ACTION_APPROVE),
    detail::ActionSpelling(Action::kWarn, v1::ACTION_WARN),
    detail::ActionSpelling(Action::kCensor, v1::ACTION_CENSOR),
    detail::ActionSpelling(Action::kEscalate, v1::ACTION_ESCALATE),
    detail::ActionSpelling(Action::kRevert, v1::ACTION_REVERT),
}}};

/// What a censor hides, as the API asks for it: the item's video, or its channel.
inline constexpr Vocabulary<TargetKind, v1::CensorScope, 2> kCensorScopes{{{
    {TargetKind::kVideo, kTargetKinds.Db(TargetKind::kVideo), v1::CENSOR_SCOPE_VIDEO,
     kTargetKinds.Human(TargetKind::kVideo)},
    {TargetKind::kChannel, kTargetKinds.Db(TargetKind::kChannel), v1::CENSOR_SCOPE_CHANNEL,
     kTargetKinds.Human(TargetKind::kChannel)},
}}};

/// What a policy code may be cited for. The API carries it as its stored text.
enum class AppliesTo { kVideo, kChannel, kAny };

inline constexpr Vocabulary<AppliesTo, NoProto, 3> kAppliesTo{{{
    {AppliesTo::kVideo, kTargetKinds.Db(TargetKind::kVideo), NoProto::kNone, kTargetKinds.Human(TargetKind::kVideo)},
    {AppliesTo::kChannel, kTargetKinds.Db(TargetKind::kChannel), NoProto::kNone,
     kTargetKinds.Human(TargetKind::kChannel)},
    {AppliesTo::kAny, "any", NoProto::kNone, "any"},
}}};

}  // namespace curation::review
