#include <curation/alert/alert_service.hpp>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <curation/common/page_token.hpp>
#include <curation/common/text.hpp>

namespace curation::alert {
namespace {

constexpr size_t kMaxNoteBytes = 4096;

// An optional note may be empty, but not blank: whitespace or invisible characters alone say nothing.
absl::Status CheckNote(const std::string& what, const std::string& note, bool required) {
  if (required && note.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": say what was done"));
  }
  if (note.size() > kMaxNoteBytes) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": at most 4 KiB of UTF-8 text"));
  }
  RETURN_IF_ERROR(CheckWrittenText(what, note));
  if (!note.empty() && VisibleLength(note) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is blank: say what was done", required ? "" : ", or leave it out"));
  }
  return absl::OkStatus();
}

double Seconds(std::chrono::nanoseconds span) { return std::chrono::duration<double>(span).count(); }

}  // namespace

AlertService::AlertService(AlertStore& store, Pager& pager, Courier& courier, const Clock& clock,
                           const AlertConfig& config, MetricsRegistry& metrics)
    : store_(store),
      pager_(pager),
      courier_(courier),
      clock_(clock),
      config_(config),
      open_incidents_(metrics.GetGauge("curation_alert_open_incidents", "incidents not resolved")),
      firing_incidents_(metrics.GetGauge("curation_alert_firing_incidents", "incidents nobody has acknowledged")),
      pending_notifications_(
          metrics.GetGauge("curation_alert_pending_notifications", "notifications waiting to be sent")),
      time_to_acknowledge_(metrics.GetHistogram("curation_alert_time_to_acknowledge_seconds",
                                                "from an incident opening to its acknowledgement", {},
                                                {60, 300, 900, 1800, 2700, 3600, 7200, 14400})),
      time_to_resolve_(metrics.GetHistogram("curation_alert_time_to_resolve_seconds",
                                            "from an incident opening to its resolution", {},
                                            {60, 300, 900, 1800, 2700, 3600, 7200, 14400})) {}

absl::StatusOr<IncidentPage> AlertService::ListIncidents(const std::vector<IncidentState>& states, int page_size,
                                                         const std::string& page_token,
                                                         std::optional<TimePoint> deadline) {
  ASSIGN_OR_RETURN(int limit, PageSize(page_size));
  std::vector<std::string> names;
  for (IncidentState state : states) {
    names.emplace_back(kIncidentStates.Db(state));
  }
  const std::string page_query = PageQuery({"alert.incidents", absl::StrJoin(names, ",")});
  // The position: the last incident's id.
  ASSIGN_OR_RETURN(auto position, DecodePageToken(page_token, page_query, {PositionRange{.min = 1}}));
  IncidentPage page;
  ASSIGN_OR_RETURN(page.incidents, store_.ListIncidents(states, position ? (*position)[0] : 0, limit + 1, deadline));
  if (static_cast<int>(page.incidents.size()) > limit) {
    page.incidents.resize(static_cast<size_t>(limit));
    page.next_page_token = EncodePageToken(page_query, {page.incidents.back().id});
  }
  return page;
}

absl::StatusOr<IncidentRow> AlertService::GetIncident(int64_t id, std::optional<TimePoint> deadline) {
  return store_.GetIncident(id, deadline);
}

absl::Status AlertService::DealtWith(const IncidentRow& incident, NoticeKind kind, const std::string& note,
                                     TimePoint now) {
  (kind == NoticeKind::kResolved ? time_to_resolve_ : time_to_acknowledge_)
      .Observe(Seconds(now - incident.opened_at));
  // Stored already: the receivers that were paged are told, deadline or not, or they never would be.
  ASSIGN_OR_RETURN(auto paged, store_.PagedReceivers(incident.id));
  Notice notice = pager_.NoticeOf(incident, kind, now);
  notice.note = note;
  return pager_.Queue(notice, paged).status();
}

absl::StatusOr<IncidentRow> AlertService::Acknowledge(const auth::Principal& principal, int64_t id,
                                                      const std::string& note, std::optional<TimePoint> deadline) {
  RETURN_IF_ERROR(CheckNote("note", note, false));
  TimePoint now = clock_.Now();
  ASSIGN_OR_RETURN(auto acknowledged, store_.Acknowledge(id, principal.name, note, now, deadline));
  if (acknowledged) {
    RETURN_IF_ERROR(DealtWith(*acknowledged, NoticeKind::kAcknowledged, note, now));
  }
  return store_.GetIncident(id, deadline);
}

absl::StatusOr<IncidentRow> AlertService::Resolve(const auth::Principal& principal, int64_t id,
                                                  const std::string& note, std::optional<TimePoint> deadline) {
  RETURN_IF_ERROR(CheckNote("note", note, true));
  TimePoint now = clock_.Now();
  ASSIGN_OR_RETURN(auto resolved, store_.Resolve(id, principal.name, note, now, deadline));
  if (!resolved) {
    return absl::FailedPreconditionError(absl::StrCat("incident ", id, " is resolved already"));
  }
  RETURN_IF_ERROR(DealtWith(*resolved, NoticeKind::kResolved, note, now));
  return store_.GetIncident(id, deadline);
}

absl::StatusOr<SlotsView> AlertService::ListSlots(bool include_history, int history_limit,
                                                  std::optional<TimePoint> deadline) {
  if (history_limit < 0 || history_limit > 1000) {
    return absl::InvalidArgumentError("history_limit: from 1 to 1000 (0: 100)");
  }
  TimePoint now = clock_.Now();
  SlotsView view;
  ASSIGN_OR_RETURN(auto current, store_.CurrentFeatured(deadline));
  for (FeaturedRow& featured : current) {
    SlotView slot{.featured = std::move(featured)};
    ASSIGN_OR_RETURN(slot.silence, store_.ActiveSilence(slot.featured.video.slot, now, deadline));
    ASSIGN_OR_RETURN(auto open,
                     store_.OpenIncidentFor(slot.featured.video.slot, slot.featured.video.video_id, deadline));
    slot.open_incident_id = open ? open->id : 0;
    view.current.push_back(std::move(slot));
  }
  if (include_history) {
    ASSIGN_OR_RETURN(view.history, store_.FeaturedHistory(history_limit == 0 ? 100 : history_limit, deadline));
  }
  ASSIGN_OR_RETURN(view.last_poll_at, store_.LastBeat(Heartbeat::kOrion, deadline));
  ASSIGN_OR_RETURN(view.last_probe_at, store_.LastBeat(Heartbeat::kProbes, deadline));
  return view;
}

absl::StatusOr<SilenceRow> AlertService::Silence(const auth::Principal& principal, const std::string& slot,
                                                 std::chrono::milliseconds duration, const std::string& reason,
                                                 std::optional<TimePoint> deadline) {
  if (!SlotKindOf(slot) || slot.size() > 200) {
    return absl::InvalidArgumentError(absl::StrCat("slot: ", SlotName(SlotKind::kHero), ", ",
                                                   SlotName(SlotKind::kCategory, "<id>"), " or ",
                                                   SlotName(SlotKind::kWatchdog)));
  }
  if (duration <= std::chrono::milliseconds(0) || duration > std::chrono::hours(24 * 7)) {
    return absl::InvalidArgumentError("duration: more than 0 and at most 7 days");
  }
  RETURN_IF_ERROR(CheckNote("reason", reason, true));
  SilenceRow silence{.slot = slot, .until = clock_.Now() + duration, .reason = reason, .created_by = principal.name};
  RETURN_IF_ERROR(store_.Silence(silence, clock_.Now(), deadline));
  return silence;
}

absl::StatusOr<NotificationRow> AlertService::SendTest(const auth::Principal& principal, const std::string& receiver,
                                                       std::optional<TimePoint> deadline) {
  if (pager_.Receiver(receiver) == nullptr) {
    return absl::NotFoundError(absl::StrCat("no receiver '", TruncatedUtf8(receiver, 64), "' in the config"));
  }
  TimePoint now = clock_.Now();
  Notice notice{.kind = NoticeKind::kTest,
                .incident_key = absl::StrCat(StepOf(NoticeKind::kTest), ":", receiver),
                .alertname = std::string(kAlertNames.Db(AlertName::kTest)),
                .slot = StepOf(NoticeKind::kTest),
                .reason = absl::StrCat("test notification sent by ", principal.name),
                .opened_at = now,
                .deadline = now,
                .at = now,
                .actor = principal.name};
  RETURN_IF_ERROR(pager_.Queue(notice, {receiver}, deadline).status());
  ASSIGN_OR_RETURN(int64_t id, store_.NewestNotification(receiver, StepOf(NoticeKind::kTest), deadline));
  RETURN_IF_ERROR(courier_.DeliverDue(deadline).status());
  return store_.GetNotification(id, deadline);
}

void AlertService::RefreshMetrics() {
  auto counts = store_.CountOpen();
  if (counts.ok()) {
    open_incidents_.Set(static_cast<double>(counts->open));
    firing_incidents_.Set(static_cast<double>(counts->firing));
    pending_notifications_.Set(static_cast<double>(counts->pending_notifications));
  }
}

}  // namespace curation::alert
