#pragma once
// Ingest's fixed sets, each spelled once in its Vocabulary (see common/vocabulary.hpp). What a
// moderator event acts on is the moderation log's TargetKind (modlog/vocabulary.hpp), the same
// set review and the log use.

#include <optional>
#include <string>
#include <string_view>

#include <curation/common/vocabulary.hpp>
#include <curation/modlog/vocabulary.hpp>

namespace curation::ingest {

using modlog::kTargetKinds;
using modlog::TargetKind;

/// What an entry of ingest.feed reports, as its `kind` column (sql/0001_ingest.sql constrains it).
enum class FeedKind { kVideoCreated, kVideoAssetsChanged, kChannelCreated, kModeratorEvent };

inline constexpr Vocabulary<FeedKind, NoProto, 4> kFeedKinds{{{
    {FeedKind::kVideoCreated, "video_created", NoProto::kNone, "video created"},
    {FeedKind::kVideoAssetsChanged, "video_assets_changed", NoProto::kNone, "video assets changed"},
    {FeedKind::kChannelCreated, "channel_created", NoProto::kNone, "channel created"},
    {FeedKind::kModeratorEvent, "moderator_event", NoProto::kNone, "moderator event"},
}}};

/// A moderator action on chain that ingest reads, as ingest.moderator_events.kind
/// (sql/0001_ingest.sql constrains it).
enum class ModeratorEventKind { kVideoVisibility, kChannelVisibility, kVideoAssetsDeleted, kChannelAssetsDeleted };

inline constexpr Vocabulary<ModeratorEventKind, NoProto, 4> kModeratorEventKinds{{{
    {ModeratorEventKind::kVideoVisibility, "video_visibility", NoProto::kNone, "video visibility"},
    {ModeratorEventKind::kChannelVisibility, "channel_visibility", NoProto::kNone, "channel visibility"},
    {ModeratorEventKind::kVideoAssetsDeleted, "video_assets_deleted", NoProto::kNone, "video assets deleted"},
    {ModeratorEventKind::kChannelAssetsDeleted, "channel_assets_deleted", NoProto::kNone, "channel assets deleted"},
}}};

/// Whether the event deleted assets (a censor carried out), rather than hiding or showing.
inline bool DeletesAssets(ModeratorEventKind kind) {
  switch (kind) {
    case ModeratorEventKind::kVideoVisibility:
    case ModeratorEventKind::kChannelVisibility:
      return false;
    case ModeratorEventKind::kVideoAssetsDeleted:
    case ModeratorEventKind::kChannelAssetsDeleted:
      return true;
  }
  return false;
}

/// DeletesAssets of a kind as stored; false for text that is no kind (no event: "").
inline bool DeletesAssets(std::string_view stored_kind) {
  std::optional<ModeratorEventKind> kind = kModeratorEventKinds.FromDb(stored_kind);
  return kind && DeletesAssets(*kind);
}

/// Who performed a moderator action on chain: a curator (with a curator id), the content lead,
/// or a member (with a member id) acting on their own channel.
enum class ActorKind { kCurator, kLead, kMember };

/// As stored in ingest.moderator_events.actor_kind (sql/0012_actor_kind.sql constrains it).
inline constexpr Vocabulary<ActorKind, NoProto, 3> kActorKinds{{{
    {ActorKind::kCurator, "curator", NoProto::kNone, "curator"},
    {ActorKind::kLead, "lead", NoProto::kNone, "lead"},
    {ActorKind::kMember, "member", NoProto::kNone, "member"},
}}};

/// As the query node spells them: the `__typename` of a moderator event's `actor`.
inline constexpr ForeignSpellings<ActorKind, 3> kActorTypenames{{{
    {ActorKind::kCurator, "ContentActorCurator"},
    {ActorKind::kLead, "ContentActorLead"},
    {ActorKind::kMember, "ContentActorMember"},
}}};

/// The actor as people read it: "curator 7", "lead", "member 12". A curator or member without
/// an id (the query node sent none) is named by its kind alone.
inline std::string ActorName(ActorKind kind, std::string_view curator_id, std::string_view member_id) {
  std::string name(kActorKinds.Human(kind));
  std::string_view id;
  switch (kind) {
    case ActorKind::kCurator:
      id = curator_id;
      break;
    case ActorKind::kLead:
      break;
    case ActorKind::kMember:
      id = member_id;
      break;
  }
  if (!id.empty()) {
    name.append(" ").append(id);
  }
  return name;
}

/// A distribution bucket operator's status on chain (DistributionBucketOperatorStatus). Only an
/// ACTIVE operator serves the bucket's bags.
enum class OperatorStatus { kInvited, kActive };

/// As stored in ingest.distribution_operators.status (sql/0011_distribution.sql).
inline constexpr Vocabulary<OperatorStatus, NoProto, 2> kOperatorStatuses{{{
    {OperatorStatus::kInvited, "invited", NoProto::kNone, "invited"},
    {OperatorStatus::kActive, "active", NoProto::kNone, "active"},
}}};

/// As the query node spells them: an operator's `status`.
inline constexpr ForeignSpellings<OperatorStatus, 2> kOperatorStatusNames{{{
    {OperatorStatus::kInvited, "INVITED"},
    {OperatorStatus::kActive, "ACTIVE"},
}}};

}  // namespace curation::ingest
