#pragma once
// Watches what is featured, probes it, opens and closes incidents, and queues the pages of the
// escalation policy: the alerting pipeline up to the outbox (the courier sends).

#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include <curation/alert/alert_store.hpp>
#include <curation/alert/notifiers.hpp>
#include <curation/alert/orion_client.hpp>
#include <curation/alert/vocabulary.hpp>
#include <curation/common/clock.hpp>
#include <curation/alert/config.hpp>
#include <curation/common/metrics.hpp>
#include <curation/probe/probe_service.hpp>

namespace curation::alert {

/// How a featured video plays: its cut, poster and full video, each probed.
class SlotProber {
 public:
  virtual ~SlotProber() = default;
  /// An asset outside the distributors (a hero's cut is held to the stricter checks).
  virtual absl::StatusOr<v1::ProbeReport> ProbeAsset(const std::string& url, AssetRole role) = 0;
  /// A full probe: media and thumbnail from every distributor that serves them.
  virtual absl::StatusOr<v1::ProbeReport> ProbeVideo(const std::string& video_id) = 0;
};

/// The probe service of this process.
class LocalSlotProber : public SlotProber {
 public:
  explicit LocalSlotProber(probe::ProbeService& probes) : probes_(probes) {}
  absl::StatusOr<v1::ProbeReport> ProbeAsset(const std::string& url, AssetRole role) override;
  absl::StatusOr<v1::ProbeReport> ProbeVideo(const std::string& video_id) override;

 private:
  probe::ProbeService& probes_;
};

/// Renders notices for receivers and queues them, each (incident, receiver, step) once: the
/// step is the notice's (StepOf its kind and escalation step).
class Pager {
 public:
  Pager(AlertStore& store, const AlertConfig& config) : store_(store), config_(config) {}
  /// Queues `notice` for the named receivers (unknown names are skipped); how many were new.
  absl::StatusOr<int> Queue(const Notice& notice, const std::vector<std::string>& receivers,
                            std::optional<TimePoint> deadline = std::nullopt);
  /// The notice of an incident, as of `at`.
  Notice NoticeOf(const IncidentRow& incident, NoticeKind kind, TimePoint at) const;
  const ReceiverConfig* Receiver(const std::string& name) const;
  std::vector<std::string> AllReceivers() const;

 private:
  AlertStore& store_;
  const AlertConfig& config_;
};

class AlertMonitor {
 public:
  AlertMonitor(AlertStore& store, OrionClient& orion, SlotProber& prober, Pager& pager, const Clock& clock,
               const AlertConfig& config, MetricsRegistry& metrics);

  /// Reads what is featured and records changes; a video that left its slot resolves its incident.
  absl::Status PollOrion();
  /// Probes every slot that is due; opens and resolves incidents on the results. Once `stop` is
  /// requested nothing more is probed, and a probe that was running then decides nothing: a
  /// shutdown may be what made it fail.
  absl::Status ProbeDue(std::stop_token stop = {});
  /// Queues the escalation steps and breach notices that are due.
  absl::Status Escalate();
  /// The dead man's switch: pages when polls or probes have stopped producing results.
  absl::Status CheckHeartbeats();
  /// One pass of all of the above (a poll only when one is due); each step starts only while
  /// `stop` is not requested, so no incident or page is decided after a shutdown began.
  void Tick(std::stop_token stop = {});
  /// Ticks every second until stopped, while this instance is the one that monitors (an
  /// advisory lock: two replicas never both poll Orion or probe the same slot).
  void Run(std::stop_token stop);

 private:
  SlotProbeResult ProbeSlot(const FeaturedRow& slot, TimePoint now, std::stop_token stop);
  SlotStatus ProbeOnce(const FeaturedRow& slot, std::string& reason);
  absl::Status OnProbed(const FeaturedRow& slot);
  absl::Status ResolveAutomatically(const IncidentRow& incident, const std::string& why);
  absl::Status Watch(Heartbeat what, AlertName alertname, std::optional<TimePoint> last_result, bool expected,
                     const std::string& description);

  AlertStore& store_;
  OrionClient& orion_;
  SlotProber& prober_;
  Pager& pager_;
  const Clock& clock_;
  const AlertConfig& config_;
  MetricsRegistry& metrics_;
  TimePoint started_at_;
  std::optional<TimePoint> next_poll_;
  Counter& polls_failed_;
  Counter& probes_run_;
};

}  // namespace curation::alert
