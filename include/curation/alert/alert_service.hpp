#pragma once
// What curators, the lead and the council ask of alerting: incidents and their history,
// acknowledging and resolving them, the featured slots, silences and test notifications.

#include <optional>
#include <string>
#include <vector>

#include <curation/alert/alert_store.hpp>
#include <curation/alert/courier.hpp>
#include <curation/alert/monitor.hpp>
#include <curation/auth/principal.hpp>
#include <curation/common/clock.hpp>
#include <curation/alert/config.hpp>
#include <curation/common/metrics.hpp>

namespace curation::alert {

struct IncidentPage {
  std::vector<IncidentRow> incidents;
  std::string next_page_token;
};

struct SlotView {
  FeaturedRow featured;
  std::optional<SilenceRow> silence;
  int64_t open_incident_id = 0;
};

struct SlotsView {
  std::vector<SlotView> current;
  std::vector<FeaturedRow> history;
  std::optional<TimePoint> last_poll_at;
  std::optional<TimePoint> last_probe_at;
};

/// Each call takes its caller's deadline (nullopt: none) and honours it: DEADLINE_EXCEEDED once
/// it has passed, every statement cut off at it. A decision once stored is followed through
/// whatever the deadline, so that its notices are never lost halfway.
class AlertService {
 public:
  AlertService(AlertStore& store, Pager& pager, Courier& courier, const Clock& clock, const AlertConfig& config,
               MetricsRegistry& metrics);

  absl::StatusOr<IncidentPage> ListIncidents(const std::vector<IncidentState>& states, int page_size,
                                             const std::string& page_token,
                                             std::optional<TimePoint> deadline = std::nullopt);
  absl::StatusOr<IncidentRow> GetIncident(int64_t id, std::optional<TimePoint> deadline = std::nullopt);
  absl::StatusOr<IncidentRow> Acknowledge(const auth::Principal& principal, int64_t id, const std::string& note,
                                          std::optional<TimePoint> deadline = std::nullopt);
  /// The lead; `note` says what was done.
  absl::StatusOr<IncidentRow> Resolve(const auth::Principal& principal, int64_t id, const std::string& note,
                                      std::optional<TimePoint> deadline = std::nullopt);
  absl::StatusOr<SlotsView> ListSlots(bool include_history, int history_limit,
                                      std::optional<TimePoint> deadline = std::nullopt);
  absl::StatusOr<SilenceRow> Silence(const auth::Principal& principal, const std::string& slot,
                                     std::chrono::milliseconds duration, const std::string& reason,
                                     std::optional<TimePoint> deadline = std::nullopt);
  /// Queues a test notice to `receiver` and sends what is due now; the notification as it ended.
  /// A notification still pending at the deadline is the courier's to send.
  absl::StatusOr<NotificationRow> SendTest(const auth::Principal& principal, const std::string& receiver,
                                           std::optional<TimePoint> deadline = std::nullopt);
  /// Open incidents and pending notifications into the gauges.
  void RefreshMetrics();

 private:
  // A person acknowledged or resolved `incident`, as stored: the time it took is observed and
  // the receivers it paged are queued the notice, with the note they wrote.
  absl::Status DealtWith(const IncidentRow& incident, NoticeKind kind, const std::string& note, TimePoint now);

  AlertStore& store_;
  Pager& pager_;
  Courier& courier_;
  const Clock& clock_;
  const AlertConfig& config_;
  Gauge& open_incidents_;
  Gauge& firing_incidents_;
  Gauge& pending_notifications_;
  Histogram& time_to_acknowledge_;
  Histogram& time_to_resolve_;
};

}  // namespace curation::alert
