#include <curation/alert/monitor.hpp>

#include <algorithm>
#include <functional>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <curation/common/logging.hpp>
#include <curation/common/time_format.hpp>

namespace curation::alert {
namespace {

using probe::Verdict;

// The worst part decides a slot's status; a part that could not be probed (no status) is worse
// than a degraded one, better than an unplayable one.
int Badness(SlotStatus status) {
  if (!status) {
    return 2;
  }
  switch (*status) {
    case Verdict::kPlayable:
      return 0;
    case Verdict::kDegraded:
      return 1;
    case Verdict::kUnplayable:
      return 3;
  }
  return 3;
}

bool Unplayable(SlotStatus status) { return status == Verdict::kUnplayable; }

// "NO_PLAYABLE_SOURCE, NOT_FASTSTART": the codes that made the verdict, failures first.
std::string CodesOf(const v1::ProbeReport& report) {
  std::vector<std::string> failures, warnings;
  auto collect = [&](const auto& findings) {
    for (const v1::Finding& finding : findings) {
      auto& into = finding.severity() == v1::SEVERITY_FAILURE ? failures : warnings;
      if (std::find(into.begin(), into.end(), finding.code()) == into.end()) {
        into.push_back(finding.code());
      }
    }
  };
  collect(report.findings());
  for (const v1::SourceReport& source : report.sources()) {
    collect(source.findings());
  }
  return absl::StrJoin(failures.empty() ? warnings : failures, ", ");
}

bool IsWatchdog(const IncidentRow& incident) { return SlotKindOf(incident.slot) == SlotKind::kWatchdog; }

bool IsHero(const FeaturedRow& slot) { return SlotKindOf(slot.video.slot) == SlotKind::kHero; }

}  // namespace

absl::StatusOr<v1::ProbeReport> LocalSlotProber::ProbeAsset(const std::string& url, AssetRole role) {
  return probes_.ProbeUrl(url, role == AssetRole::kHeroCut, std::string(kAssetRoles.Db(role)));
}

absl::StatusOr<v1::ProbeReport> LocalSlotProber::ProbeVideo(const std::string& video_id) {
  return probes_.ProbeVideo(video_id, v1::PROBE_DEPTH_FULL);
}

const ReceiverConfig* Pager::Receiver(const std::string& name) const {
  for (const ReceiverConfig& receiver : config_.receivers) {
    if (receiver.name == name) {
      return &receiver;
    }
  }
  return nullptr;
}

std::vector<std::string> Pager::AllReceivers() const {
  std::vector<std::string> names;
  for (const ReceiverConfig& receiver : config_.receivers) {
    names.push_back(receiver.name);
  }
  return names;
}

Notice Pager::NoticeOf(const IncidentRow& incident, NoticeKind kind, TimePoint at) const {
  return Notice{.kind = kind,
                .incident_id = incident.id,
                .incident_key = incident.incident_key,
                .alertname = incident.alertname,
                .slot = incident.slot,
                .category_name = incident.category_name,
                .video_id = incident.video_id,
                .video_title = incident.video_title,
                .video_url = IsWatchdog(incident) ? "" : absl::StrCat(config_.gleev_url, "/video/", incident.video_id),
                .reason = incident.reason,
                .opened_at = incident.opened_at,
                .deadline = incident.deadline,
                .at = at,
                .actor = kind == NoticeKind::kResolved ? incident.resolved_by : incident.acknowledged_by,
                .note = kind == NoticeKind::kResolved ? incident.resolution : ""};
}

absl::StatusOr<int> Pager::Queue(const Notice& notice, const std::vector<std::string>& receivers,
                                 std::optional<TimePoint> deadline) {
  const std::string step = StepOf(notice.kind, notice.step);
  int queued = 0;
  for (const std::string& name : receivers) {
    const ReceiverConfig* receiver = Receiver(name);
    if (receiver == nullptr) {
      continue;
    }
    std::optional<int64_t> incident = notice.kind == NoticeKind::kTest ? std::nullopt
                                                                       : std::optional<int64_t>(notice.incident_id);
    ASSIGN_OR_RETURN(bool fresh,
                     store_.Enqueue(incident, name, step, RenderNotice(*receiver, notice), notice.at, deadline));
    queued += fresh ? 1 : 0;
  }
  return queued;
}

AlertMonitor::AlertMonitor(AlertStore& store, OrionClient& orion, SlotProber& prober, Pager& pager, const Clock& clock,
                           const AlertConfig& config, MetricsRegistry& metrics)
    : store_(store),
      orion_(orion),
      prober_(prober),
      pager_(pager),
      clock_(clock),
      config_(config),
      metrics_(metrics),
      started_at_(clock.Now()),
      polls_failed_(metrics.GetCounter("curation_alert_orion_polls_failed_total", "Orion polls that failed")),
      probes_run_(metrics.GetCounter("curation_alert_slot_probes_total", "counted probes of featured videos")) {}

absl::Status AlertMonitor::PollOrion() {
  auto featured = orion_.Featured();
  if (!featured.ok()) {
    polls_failed_.Inc();
    ComponentLogger("alert")->warn("reading the featured videos from Orion failed: {}", featured.status());
    return featured.status();
  }
  TimePoint now = clock_.Now();
  RETURN_IF_ERROR(store_.Beat(Heartbeat::kOrion, now));
  ASSIGN_OR_RETURN(FeaturedChange change, store_.ApplyFeatured(*featured, now));
  auto log = ComponentLogger("alert");
  for (const FeaturedRow& started : change.started) {
    log->info("{} now features video {} ({})", started.video.slot, started.video.video_id, started.video.video_title);
  }
  for (const FeaturedRow& ended : change.ended) {
    bool still_there = std::any_of(change.started.begin(), change.started.end(), [&](const FeaturedRow& row) {
      return row.video.slot == ended.video.slot && row.video.video_id == ended.video.video_id;
    });
    if (still_there) {
      continue;  // new cut or poster: its incident, if any, waits for probes of the new assets
    }
    log->info("{} no longer features video {}", ended.video.slot, ended.video.video_id);
    ASSIGN_OR_RETURN(auto open, store_.OpenIncidentFor(ended.video.slot, ended.video.video_id));
    if (open) {
      RETURN_IF_ERROR(ResolveAutomatically(*open, "no longer featured in this slot"));
    }
  }
  return absl::OkStatus();
}

SlotStatus AlertMonitor::ProbeOnce(const FeaturedRow& slot, std::string& reason) {
  SlotStatus status = Verdict::kPlayable;
  std::vector<std::string> reasons;
  auto take = [&](const char* what, const absl::StatusOr<v1::ProbeReport>& report) {
    // A probe that failed, or a report without a verdict, says nothing either way.
    SlotStatus part = report.ok() ? probe::kVerdicts.FromProto(report->verdict()) : std::nullopt;
    if (Badness(part) > Badness(status)) {
      status = part;
    }
    if (!report.ok()) {
      reasons.push_back(absl::StrCat(what, ": could not probe (", report.status().message(), ")"));
    } else if (part != Verdict::kPlayable) {
      reasons.push_back(absl::StrCat(what, ": ", CodesOf(*report)));
    }
  };
  const bool hero = IsHero(slot);
  if (!slot.video.cut_url.empty()) {
    take("cut", prober_.ProbeAsset(slot.video.cut_url, hero ? AssetRole::kHeroCut : AssetRole::kFeaturedCut));
  }
  if (hero && !slot.video.poster_url.empty()) {
    take("poster", prober_.ProbeAsset(slot.video.poster_url, AssetRole::kPoster));
  }
  take("video", prober_.ProbeVideo(slot.video.video_id));
  reason = absl::StrJoin(reasons, "; ");
  return status;
}

SlotProbeResult AlertMonitor::ProbeSlot(const FeaturedRow& slot, TimePoint now, std::stop_token stop) {
  SlotProbeResult result;
  result.status = ProbeOnce(slot, result.reason);
  if (Unplayable(result.status) && !stop.stop_requested()) {
    // Confirmed by an immediate retry, so one dropped connection does not count.
    result.status = ProbeOnce(slot, result.reason);
  }
  result.probed_at = clock_.Now();
  // A changed result is confirmed soon; a steady one waits for the next round; a probe that
  // could not run is tried again shortly, without hammering.
  bool changed = Unplayable(result.status) ? slot.fail_streak == 0 : slot.pass_streak == 0;
  result.next_probe_at =
      now + (!result.status ? std::max<std::chrono::milliseconds>(config_.confirm_after, std::chrono::seconds(30))
             : changed                 ? config_.confirm_after
                                       : config_.probe_interval);
  return result;
}

absl::Status AlertMonitor::ProbeDue(std::stop_token stop) {
  // Two passes: a change of result is confirmed by the second probe in the same round when
  // confirm_after is 0.
  for (int pass = 0; pass < 2; ++pass) {
    ASSIGN_OR_RETURN(auto due, store_.DueForProbe(clock_.Now()));
    if (due.empty()) {
      break;
    }
    for (const FeaturedRow& slot : due) {
      if (stop.stop_requested()) {
        return absl::OkStatus();
      }
      SlotProbeResult result = ProbeSlot(slot, clock_.Now(), stop);
      if (stop.stop_requested()) {
        return absl::OkStatus();
      }
      ASSIGN_OR_RETURN(FeaturedRow probed, store_.RecordProbe(slot.id, result));
      if (!result.status) {
        continue;
      }
      probes_run_.Inc();
      RETURN_IF_ERROR(store_.Beat(Heartbeat::kProbes, result.probed_at));
      RETURN_IF_ERROR(OnProbed(probed));
    }
  }
  return absl::OkStatus();
}

absl::Status AlertMonitor::OnProbed(const FeaturedRow& slot) {
  ASSIGN_OR_RETURN(auto open, store_.OpenIncidentFor(slot.video.slot, slot.video.video_id));
  if (Unplayable(slot.status) && slot.fail_streak >= 2 && !open) {
    // Broken since it was featured, or since we first saw it fail after it had played.
    TimePoint broke_at = slot.played_once && slot.first_failure_at ? *slot.first_failure_at : slot.featured_from;
    TimePoint now = clock_.Now();
    ASSIGN_OR_RETURN(auto opened,
                     store_.OpenIncident({.incident_key = slot.video.slot + ":" + slot.video.video_id,
                                          .alertname = std::string(kAlertNames.Db(
                                              IsHero(slot) ? AlertName::kHeroVideoUnplayable
                                                           : AlertName::kFeaturedVideoUnplayable)),
                                          .slot = slot.video.slot,
                                          .video_id = slot.video.video_id,
                                          .video_title = slot.video.video_title,
                                          .category_name = slot.video.category_name,
                                          .reason = slot.reason,
                                          .broke_at = broke_at,
                                          .opened_at = now,
                                          .deadline = broke_at + config_.fix_within}));
    if (opened) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(opened->deadline - now);
      ComponentLogger("alert")->warn("incident {}: {} video {} is unplayable ({}), {}", opened->id, slot.video.slot,
                                     slot.video.video_id, slot.reason,
                                     left.count() >= 0 ? "deadline in " + HumanDuration(left)
                                                       : "deadline passed " + HumanDuration(-left) + " ago");
    }
  } else if (!Unplayable(slot.status) && slot.pass_streak >= 2 && open) {
    RETURN_IF_ERROR(ResolveAutomatically(*open, "plays again (two passing probes)"));
  }
  return absl::OkStatus();
}

absl::Status AlertMonitor::ResolveAutomatically(const IncidentRow& incident, const std::string& why) {
  TimePoint now = clock_.Now();
  ASSIGN_OR_RETURN(auto resolved, store_.Resolve(incident.id, "", why, now));
  if (!resolved) {
    return absl::OkStatus();
  }
  ComponentLogger("alert")->info("incident {} resolved: {}", incident.id, why);
  ASSIGN_OR_RETURN(auto paged, store_.PagedReceivers(incident.id));
  return pager_.Queue(pager_.NoticeOf(*resolved, NoticeKind::kResolved, now), paged).status();
}

absl::Status AlertMonitor::Escalate() {
  TimePoint now = clock_.Now();
  ASSIGN_OR_RETURN(auto open, store_.OpenIncidents());
  for (const IncidentRow& incident : open) {
    ASSIGN_OR_RETURN(auto silence, store_.ActiveSilence(incident.slot, now));
    ASSIGN_OR_RETURN(auto queued, store_.QueuedSteps(incident.id));
    auto was_queued = [&](const std::string& step) { return std::find(queued.begin(), queued.end(), step) != queued.end(); };
    if (incident.state == IncidentState::kFiring && !silence) {
      for (size_t i = 0; i < config_.escalation.size(); ++i) {
        const EscalationStep& step = config_.escalation[i];
        Notice notice = pager_.NoticeOf(incident, NoticeKind::kPage, now);
        notice.step = static_cast<int>(i);
        if (now < incident.opened_at + step.after || was_queued(StepOf(notice.kind, notice.step))) {
          continue;
        }
        ASSIGN_OR_RETURN(int fresh, pager_.Queue(notice, step.receivers));
        if (fresh > 0) {
          RETURN_IF_ERROR(store_.RecordEvent(incident.id, {now, IncidentEventKind::kPaged, "",
                                                           absl::StrCat("step ", i, ": ",
                                                                        absl::StrJoin(step.receivers, ", "))}));
        }
      }
    }
    if (now >= incident.deadline && !incident.breached) {
      RETURN_IF_ERROR(store_.MarkBreached(incident.id, now));
      if (!silence && !was_queued(StepOf(NoticeKind::kBreach))) {
        RETURN_IF_ERROR(
            pager_.Queue(pager_.NoticeOf(incident, NoticeKind::kBreach, now), pager_.AllReceivers()).status());
      }
    }
  }
  return absl::OkStatus();
}

absl::Status AlertMonitor::Watch(Heartbeat what, AlertName alertname, std::optional<TimePoint> last_result,
                                 bool expected, const std::string& description) {
  TimePoint now = clock_.Now();
  TimePoint since = std::max(last_result.value_or(started_at_), started_at_);
  const std::string slot = SlotName(SlotKind::kWatchdog);
  const std::string subject(kHeartbeats.Db(what));
  ASSIGN_OR_RETURN(auto open, store_.OpenIncidentFor(slot, subject));
  bool stalled = expected && now - since > config_.dead_man_after;
  if (stalled && !open) {
    ASSIGN_OR_RETURN(auto opened, store_.OpenIncident({.incident_key = slot + ":" + subject,
                                                       .alertname = std::string(kAlertNames.Db(alertname)),
                                                       .slot = slot,
                                                       .video_id = subject,
                                                       .reason = description,
                                                       .broke_at = since,
                                                       .opened_at = now,
                                                       .deadline = since + config_.fix_within}));
    if (opened) {
      ComponentLogger("alert")->error("incident {}: {}", opened->id, description);
    }
  } else if (!stalled && open) {
    RETURN_IF_ERROR(ResolveAutomatically(*open, "results are coming in again"));
  }
  return absl::OkStatus();
}

absl::Status AlertMonitor::CheckHeartbeats() {
  ASSIGN_OR_RETURN(auto polled, store_.LastBeat(Heartbeat::kOrion));
  RETURN_IF_ERROR(Watch(Heartbeat::kOrion, AlertName::kFeaturingUnknown, polled, true,
                        "no answer from Orion: what is featured, and whether it plays, is unknown"));
  ASSIGN_OR_RETURN(auto probed, store_.LastBeat(Heartbeat::kProbes));
  ASSIGN_OR_RETURN(auto current, store_.CurrentFeatured());
  return Watch(Heartbeat::kProbes, AlertName::kProbesStalled, probed, !current.empty(),
               "featured videos are not being probed: whether they play is unknown");
}

void AlertMonitor::Tick(std::stop_token stop) {
  auto log = ComponentLogger("alert");
  TimePoint now = clock_.Now();
  if (!next_poll_ || now >= *next_poll_) {
    next_poll_ = now + config_.poll_interval;
    PollOrion().IgnoreError();  // logged; the dead man's switch pages if it lasts
  }
  std::pair<const char*, std::function<absl::Status()>> steps[] = {
      {"probing featured videos", [&] { return ProbeDue(stop); }},
      {"checking the heartbeats", [&] { return CheckHeartbeats(); }},
      {"escalating incidents", [&] { return Escalate(); }}};
  for (const auto& [step, run] : steps) {
    if (stop.stop_requested()) {
      return;
    }
    if (absl::Status status = run(); !status.ok()) {
      log->warn("{} failed: {}", step, status);
    }
  }
}

void AlertMonitor::Run(std::stop_token stop) {
  db::Leadership leadership([&] { return store_.TryBecomeMonitor(); }, "alert",
                            "watching what Orion features and probing it");
  while (!stop.stop_requested()) {
    if (leadership.Lead()) {
      Tick(stop);
    }
    PauseFor(stop, std::chrono::seconds(1));
  }
}

}  // namespace curation::alert
