#pragma once
// The moderation log's fixed sets: what an entry acts on (TargetKind) and what it records
// (EntryKind), each spelled once in its Vocabulary (see common/vocabulary.hpp).

#include <curation/common/vocabulary.hpp>
#include <curation/v1/moderation_log.pb.h>
#include <curation/v1/review.pb.h>

namespace curation::modlog {

/// What a review item, a decision or a chain action is about.
enum class TargetKind { kVideo, kChannel };

inline constexpr Vocabulary<TargetKind, v1::TargetKind, 2> kTargetKinds{{{
    {TargetKind::kVideo, "video", v1::TARGET_KIND_VIDEO, "video"},
    {TargetKind::kChannel, "channel", v1::TARGET_KIND_CHANNEL, "channel"},
}}};

/// What a log entry records: a curator's decision, or a moderator action seen on chain.
enum class EntryKind {
  kApprove,
  kWarn,
  kCensor,
  kEscalate,
  kRevert,
  kChainConfirmed,    // the chain event that carries out a censor or revert entry
  kChainUnjustified,  // a chain action no justified entry accounts for
  kChainPreexisting,  // a chain action from before the log began
};

inline constexpr Vocabulary<EntryKind, v1::EntryKind, 8> kEntryKinds{{{
    {EntryKind::kApprove, "approve", v1::ENTRY_KIND_APPROVE, "approve"},
    {EntryKind::kWarn, "warn", v1::ENTRY_KIND_WARN, "warn"},
    {EntryKind::kCensor, "censor", v1::ENTRY_KIND_CENSOR, "censor"},
    {EntryKind::kEscalate, "escalate", v1::ENTRY_KIND_ESCALATE, "escalate"},
    {EntryKind::kRevert, "revert", v1::ENTRY_KIND_REVERT, "revert"},
    {EntryKind::kChainConfirmed, "chain_confirmed", v1::ENTRY_KIND_CHAIN_CONFIRMED, "chain_confirmed"},
    {EntryKind::kChainUnjustified, "chain_unjustified", v1::ENTRY_KIND_CHAIN_UNJUSTIFIED, "chain_unjustified"},
    {EntryKind::kChainPreexisting, "chain_preexisting", v1::ENTRY_KIND_CHAIN_PREEXISTING, "chain_preexisting"},
}}};

}  // namespace curation::modlog
