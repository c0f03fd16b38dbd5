#pragma once
// A review item and a policy code as read: plain values, for the store, the service and the
// rules (rules.hpp) alike.

#include <cstdint>
#include <optional>
#include <string>

#include <curation/common/clock.hpp>
#include <curation/review/vocabulary.hpp>

namespace curation::review {

/// The target's full metadata as ingest keeps it (TargetDetails in review.proto); unset or empty
/// where the chain gave nothing.
struct TargetDetails {
  std::string description;
  std::string language;
  std::optional<int> license_code;
  std::string license_attribution;
  std::string license_custom_text;
  std::optional<int> duration_seconds;
  std::optional<bool> is_public;
  bool is_censored = false;
  std::optional<bool> is_explicit;
  std::optional<bool> has_marketing;
  std::string youtube_video_id;
  std::optional<int> pixel_width;
  std::optional<int> pixel_height;
  std::string declared_codec;
  std::string declared_container;
  std::string declared_mime_type;
  std::string channel_owner_handle;
  std::string channel_owner_member_id;
  bool channel_is_censored = false;
  std::optional<bool> channel_is_public;
};

struct ItemRow {
  int64_t id = 0;
  TargetKind target_kind = TargetKind::kVideo;
  std::string target_id;
  ItemReason reason = ItemReason::kNewVideo;
  ItemState state = ItemState::kOpen;  // as stored: a lapsed claim still says claimed
  std::string title;
  std::string channel_id;
  std::string channel_title;
  std::string category_id;
  std::string category_name;
  TimePoint uploaded_at;
  TimePoint due_at;
  TimePoint created_at;
  std::string playability;  // a probe::Verdict as stored (probe::kVerdicts); empty until probed
  std::string playability_summary;
  int signal = 0;           // raised by signals (an unplayable probe): first among items due together
  std::string lease_holder;
  std::optional<TimePoint> lease_expires_at;
  std::optional<TimePoint> decided_at;
  std::optional<TargetDetails> details;  // read by GetItem only
};

/// An item's place in the queue, and the position after the last item of a page (see
/// InQueueOrder in rules.hpp).
struct QueuePosition {
  TimePoint due_at;
  int signal = 0;
  int64_t id = 0;
};

/// An item as it is in effect at one moment (see AsOf in rules.hpp).
struct QueueItem {
  ItemRow row;            // state and lease as in effect: a lapsed claim is open
  bool at_risk = false;   // due within the at-risk window
  bool breached = false;  // past due, not decided
};

/// One code of the policy catalogue.
struct PolicyCode {
  std::string code;
  Action action = Action::kWarn;  // the action citing it calls for: warn or censor
  AppliesTo applies_to = AppliesTo::kAny;
  std::string title;
};

}  // namespace curation::review
