#pragma once
// The alert schema: featured slots and their history, incidents and their events, silences,
// the notification outbox, and the heartbeats of the dead man's switch.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <curation/alert/orion_client.hpp>
#include <curation/alert/vocabulary.hpp>
#include <curation/common/clock.hpp>
#include <curation/common/status.hpp>
#include <curation/db/leadership.hpp>
#include <curation/db/pool.hpp>

namespace curation::alert {

/// A video in a slot: now (until unset) or in the past.
struct FeaturedRow {
  int64_t id = 0;
  FeaturedVideo video;
  TimePoint featured_from{};
  std::optional<TimePoint> featured_until;
  SlotStatus status;
  std::string reason;
  int fail_streak = 0;
  int pass_streak = 0;
  bool played_once = false;
  std::optional<TimePoint> first_failure_at;
  std::optional<TimePoint> last_probe_at;
  TimePoint next_probe_at{};
};

/// How one counted probe of a slot came out, and when to probe it next.
struct SlotProbeResult {
  SlotStatus status;  // none: the probe itself failed
  std::string reason;
  TimePoint probed_at{};
  TimePoint next_probe_at{};
};

struct IncidentEventRow {
  TimePoint at{};
  IncidentEventKind kind = IncidentEventKind::kOpened;
  std::string actor;
  std::string note;
};

struct NotificationRow {
  int64_t id = 0;
  std::optional<int64_t> incident_id;
  std::string receiver;
  std::string step;  // StepOf a notice kind
  std::string body;
  NotificationState state = NotificationState::kPending;
  int attempts = 0;
  int last_status = 0;
  std::string last_error;
  TimePoint created_at{};
  std::optional<TimePoint> sent_at;
  TimePoint next_attempt_at{};
};

struct IncidentRow {
  int64_t id = 0;
  std::string incident_key;
  std::string alertname;
  std::string slot;
  std::string video_id;
  std::string video_title;
  std::string category_name;
  std::string reason;
  IncidentState state = IncidentState::kFiring;
  TimePoint broke_at{};
  TimePoint opened_at{};
  TimePoint deadline{};
  std::optional<TimePoint> acknowledged_at;
  std::string acknowledged_by;
  std::optional<TimePoint> resolved_at;
  std::string resolved_by;
  std::string resolution;
  bool breached = false;
  std::vector<IncidentEventRow> events;            // GetIncident only
  std::vector<NotificationRow> notifications;      // GetIncident only
};

struct NewIncident {
  std::string incident_key;
  std::string alertname;
  std::string slot;
  std::string video_id;
  std::string video_title;
  std::string category_name;
  std::string reason;
  TimePoint broke_at{};
  TimePoint opened_at{};
  TimePoint deadline{};
};

struct SilenceRow {
  std::string slot;
  TimePoint until{};
  std::string reason;
  std::string created_by;
};

/// What changed in the slots at one poll.
struct FeaturedChange {
  std::vector<FeaturedRow> started;
  std::vector<FeaturedRow> ended;
};

/// The methods that answer a caller take its deadline (nullopt: none): every statement is cut
/// off at it, and one not started by then fails with DEADLINE_EXCEEDED.
class AlertStore {
 public:
  explicit AlertStore(db::Pool& pool) : pool_(pool) {}
  static std::vector<db::PreparedStatement> Statements();

  /// Non-blocking: a lease when no other instance watches Orion and probes the featured
  /// slots, nullptr when one does.
  absl::StatusOr<std::unique_ptr<db::AdvisoryLease>> TryBecomeMonitor();

  /// Makes the current slots what Orion shows now: videos that left (or whose cut or poster
  /// changed) get their end, new ones start, due for a probe at once.
  absl::StatusOr<FeaturedChange> ApplyFeatured(const std::vector<FeaturedVideo>& now_featured, TimePoint now);
  absl::StatusOr<std::vector<FeaturedRow>> CurrentFeatured(std::optional<TimePoint> deadline = std::nullopt);
  absl::StatusOr<std::vector<FeaturedRow>> FeaturedHistory(int limit, std::optional<TimePoint> deadline = std::nullopt);
  absl::StatusOr<std::vector<FeaturedRow>> DueForProbe(TimePoint now);
  /// Records a counted probe: the streaks, and the first failure of a failing streak.
  absl::StatusOr<FeaturedRow> RecordProbe(int64_t featured_id, const SlotProbeResult& result);

  absl::Status Beat(Heartbeat source, TimePoint at);
  absl::StatusOr<std::optional<TimePoint>> LastBeat(Heartbeat source, std::optional<TimePoint> deadline = std::nullopt);

  /// The new incident, or nullopt when the slot and video already have an open one.
  absl::StatusOr<std::optional<IncidentRow>> OpenIncident(const NewIncident& incident);
  absl::StatusOr<std::optional<IncidentRow>> OpenIncidentFor(const std::string& slot, const std::string& video_id,
                                                             std::optional<TimePoint> deadline = std::nullopt);
  absl::StatusOr<std::vector<IncidentRow>> OpenIncidents();
  /// With its events and notifications. NOT_FOUND when there is none.
  absl::StatusOr<IncidentRow> GetIncident(int64_t id, std::optional<TimePoint> deadline = std::nullopt);
  /// Newest first, below `before_id` (0: from the newest); states empty: all.
  absl::StatusOr<std::vector<IncidentRow>> ListIncidents(const std::vector<IncidentState>& states, int64_t before_id,
                                                         int limit, std::optional<TimePoint> deadline = std::nullopt);
  /// The incident as acknowledged now; nullopt when it was acknowledged before (the first
  /// stays); FAILED_PRECONDITION when resolved already.
  absl::StatusOr<std::optional<IncidentRow>> Acknowledge(int64_t id, const std::string& actor, const std::string& note,
                                                         TimePoint at, std::optional<TimePoint> deadline = std::nullopt);
  /// nullopt when it was resolved already.
  absl::StatusOr<std::optional<IncidentRow>> Resolve(int64_t id, const std::string& actor, const std::string& note,
                                                     TimePoint at, std::optional<TimePoint> deadline = std::nullopt);
  absl::Status MarkBreached(int64_t id, TimePoint at);
  absl::Status RecordEvent(int64_t incident_id, const IncidentEventRow& event);

  /// Queues a notification unless this (incident, receiver, step) was queued before; true when queued.
  absl::StatusOr<bool> Enqueue(std::optional<int64_t> incident_id, const std::string& receiver, const std::string& step,
                               const std::string& body, TimePoint at, std::optional<TimePoint> deadline = std::nullopt);
  /// Steps queued for an incident, any receiver.
  absl::StatusOr<std::vector<std::string>> QueuedSteps(int64_t incident_id);
  /// Receivers that were sent (or are being sent) a page or breach for the incident.
  absl::StatusOr<std::vector<std::string>> PagedReceivers(int64_t incident_id,
                                                          std::optional<TimePoint> deadline = std::nullopt);
  /// Calls `deliver` for each due notification while holding its row, so no two senders send
  /// it; the returned row (attempts, state, next attempt) is stored. Takes none after `deadline`.
  absl::StatusOr<int> DeliverDue(TimePoint now, int limit,
                                 const std::function<NotificationRow(const NotificationRow&)>& deliver,
                                 std::optional<TimePoint> deadline = std::nullopt);
  absl::StatusOr<NotificationRow> GetNotification(int64_t id, std::optional<TimePoint> deadline = std::nullopt);
  /// The id of the newest notification queued for a receiver and step (test notifications).
  absl::StatusOr<int64_t> NewestNotification(const std::string& receiver, const std::string& step,
                                             std::optional<TimePoint> deadline = std::nullopt);

  absl::Status Silence(const SilenceRow& silence, TimePoint at, std::optional<TimePoint> deadline = std::nullopt);
  absl::StatusOr<std::optional<SilenceRow>> ActiveSilence(const std::string& slot, TimePoint now,
                                                          std::optional<TimePoint> deadline = std::nullopt);

  struct Counts {
    int64_t open = 0;
    int64_t firing = 0;
    int64_t pending_notifications = 0;
  };
  absl::StatusOr<Counts> CountOpen();

 private:
  db::Pool& pool_;
};

}  // namespace curation::alert
