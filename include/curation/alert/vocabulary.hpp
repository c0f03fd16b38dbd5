#pragma once
// Alerting's fixed sets of values, each one enum and one table (common/vocabulary.hpp): an
// incident's state and history, a notice's kind and a notification's delivery, what an alert
// says broke, the kinds of slot, the dead man's switch's heartbeats, the assets probed, and how a
// featured slot played (a probe's verdict, or none yet).

#include <optional>
#include <string>
#include <string_view>

#include <curation/common/vocabulary.hpp>
#include <curation/probe/verdict.hpp>
#include <curation/v1/alert.pb.h>

namespace curation::alert {

enum class IncidentState { kFiring, kAcknowledged, kResolved };

inline constexpr Vocabulary<IncidentState, v1::IncidentState, 3> kIncidentStates{{{
    {IncidentState::kFiring, "firing", v1::INCIDENT_STATE_FIRING, "firing"},
    {IncidentState::kAcknowledged, "acknowledged", v1::INCIDENT_STATE_ACKNOWLEDGED, "acknowledged"},
    {IncidentState::kResolved, "resolved", v1::INCIDENT_STATE_RESOLVED, "resolved"},
}}};

/// An incident's history, one event at a time.
enum class IncidentEventKind { kOpened, kPaged, kBreached, kAcknowledged, kResolved };

inline constexpr Vocabulary<IncidentEventKind, NoProto, 5> kIncidentEventKinds{{{
    {IncidentEventKind::kOpened, "opened", NoProto::kNone, "opened"},
    {IncidentEventKind::kPaged, "paged", NoProto::kNone, "paged"},
    {IncidentEventKind::kBreached, "breached", NoProto::kNone, "breached"},
    {IncidentEventKind::kAcknowledged, "acknowledged", NoProto::kNone, "acknowledged"},
    {IncidentEventKind::kResolved, "resolved", NoProto::kNone, "resolved"},
}}};

/// Why a receiver is told something. Db: the outbox step it is queued under (a page's step also
/// names its escalation step: see StepOf). Human: the stage a receiver is told.
enum class NoticeKind {
  kPage,          // firing: a first page or an escalation step
  kBreach,        // the deadline passed and the slot is still broken
  kAcknowledged,  // someone is on it
  kResolved,      // fixed, moved to another video, or resolved by the lead
  kTest,          // `curatorctl alerts test`
};

inline constexpr Vocabulary<NoticeKind, NoProto, 5> kNoticeKinds{{{
    {NoticeKind::kPage, "page", NoProto::kNone, "Page"},
    {NoticeKind::kBreach, "breach", NoProto::kNone, "Deadline passed"},
    {NoticeKind::kAcknowledged, "acknowledged", NoProto::kNone, "Acknowledged"},
    {NoticeKind::kResolved, "resolved", NoProto::kNone, "Resolved"},
    {NoticeKind::kTest, "test", NoProto::kNone, "Test"},
}}};

/// The outbox step a notice is queued under, each (incident, receiver, step) once: "page:0",
/// "page:1", ... for the escalation's steps; the kind's own word for the others.
inline std::string StepOf(NoticeKind kind, int escalation_step = 0) {
  std::string step(kNoticeKinds.Db(kind));
  if (kind == NoticeKind::kPage) {
    step += ':' + std::to_string(escalation_step);
  }
  return step;
}

/// A notification's delivery.
enum class NotificationState { kPending, kSent, kFailed };

inline constexpr Vocabulary<NotificationState, NoProto, 3> kNotificationStates{{{
    {NotificationState::kPending, "pending", NoProto::kNone, "pending"},
    {NotificationState::kSent, "sent", NoProto::kNone, "sent"},
    {NotificationState::kFailed, "failed", NoProto::kNone, "failed"},
}}};

/// What an incident says broke (its alertname). Human: the problem a receiver is told.
enum class AlertName { kHeroVideoUnplayable, kFeaturedVideoUnplayable, kFeaturingUnknown, kProbesStalled, kTest };

inline constexpr Vocabulary<AlertName, NoProto, 5> kAlertNames{{{
    {AlertName::kHeroVideoUnplayable, "HeroVideoUnplayable", NoProto::kNone, "Hero video unplayable"},
    {AlertName::kFeaturedVideoUnplayable, "FeaturedVideoUnplayable", NoProto::kNone, "Featured video unplayable"},
    {AlertName::kFeaturingUnknown, "FeaturingUnknown", NoProto::kNone, "Cannot read what Gleev features"},
    {AlertName::kProbesStalled, "ProbesStalled", NoProto::kNone, "Probes stalled"},
    {AlertName::kTest, "Test", NoProto::kNone, "Receiver check from curatorctl"},
}}};

/// What a slot (of an incident, a silence, a featured video) is: the hero, a category's
/// featured videos ("category:<category id>"), or the watchdog: the monitoring itself.
enum class SlotKind { kHero, kCategory, kWatchdog };

inline constexpr Vocabulary<SlotKind, NoProto, 3> kSlotKinds{{{
    {SlotKind::kHero, "hero", NoProto::kNone, "hero"},
    {SlotKind::kCategory, "category", NoProto::kNone, "featured"},
    {SlotKind::kWatchdog, "watchdog", NoProto::kNone, "watchdog"},
}}};

/// A slot's name: "hero", "category:<category id>", "watchdog".
inline std::string SlotName(SlotKind kind, std::string_view category_id = {}) {
  std::string name(kSlotKinds.Db(kind));
  if (kind == SlotKind::kCategory) {
    (name += ':') += category_id;
  }
  return name;
}

/// The kind of a slot's name; nullopt for a name that is none of them.
inline std::optional<SlotKind> SlotKindOf(std::string_view slot) {
  const std::string_view category = kSlotKinds.Db(SlotKind::kCategory);
  if (slot.size() > category.size() && slot.starts_with(category) && slot[category.size()] == ':') {
    return SlotKind::kCategory;
  }
  auto kind = kSlotKinds.FromDb(slot);
  return kind == SlotKind::kCategory ? std::nullopt : kind;  // "category" alone names no slot
}

/// What the dead man's switch watches for results. Db: the heartbeat's source, and the subject
/// (video_id) of the watchdog incident that opens when its results stop.
enum class Heartbeat { kOrion, kProbes };

inline constexpr Vocabulary<Heartbeat, NoProto, 2> kHeartbeats{{{
    {Heartbeat::kOrion, "orion", NoProto::kNone, "Orion polls"},
    {Heartbeat::kProbes, "probes", NoProto::kNone, "probes"},
}}};

/// An asset of a featured video probed outside the distributors. Db: the role its probe report
/// carries. A hero's cut is held to the stricter checks (starts at once, no black or frozen
/// opening).
enum class AssetRole { kHeroCut, kFeaturedCut, kPoster };

inline constexpr Vocabulary<AssetRole, NoProto, 3> kAssetRoles{{{
    {AssetRole::kHeroCut, "hero_cut", NoProto::kNone, "hero cut"},
    {AssetRole::kFeaturedCut, "featured_cut", NoProto::kNone, "featured cut"},
    {AssetRole::kPoster, "poster", NoProto::kNone, "poster"},
}}};

/// How a featured slot played at its last counted probe: the probe's verdict, or none yet (not
/// probed yet, or the probe itself failed, which counts neither way). Stored as the verdict's
/// text, or kUnknownSlotStatus; carried by the API as the verdict, or VERDICT_UNSPECIFIED.
using SlotStatus = std::optional<probe::Verdict>;

inline constexpr std::string_view kUnknownSlotStatus = "unknown";

inline std::string_view SlotStatusDb(SlotStatus status) {
  return status ? probe::kVerdicts.Db(*status) : kUnknownSlotStatus;
}

/// nullopt for text that is neither a verdict nor kUnknownSlotStatus.
inline std::optional<SlotStatus> SlotStatusFromDb(std::string_view text) {
  if (text == kUnknownSlotStatus) {
    return std::optional<SlotStatus>(std::in_place, std::nullopt);  // known: no verdict
  }
  auto verdict = probe::kVerdicts.FromDb(text);
  return verdict ? std::optional<SlotStatus>(std::in_place, *verdict) : std::nullopt;
}

inline v1::Verdict SlotStatusToProto(SlotStatus status) {
  return status ? probe::kVerdicts.ToProto(*status) : v1::VERDICT_UNSPECIFIED;
}

}  // namespace curation::alert
