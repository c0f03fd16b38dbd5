// curatorctl alerts ...: hero and featured video incidents (AlertService).
//   alerts list      incidents, newest first
//   alerts show      one incident: its history and its notifications
//   alerts ack       acknowledge (stops escalation; the deadline still counts)
//   alerts resolve   close by hand with a note (lead)
//   alerts slots     what is featured now and how it plays
//   alerts silence   no notifications for a slot for a while (lead)
//   alerts test      send a test notification to one receiver (lead)

#include <iostream>

#include <curation/alert/vocabulary.hpp>
#include <curation/common/time_format.hpp>
#include <curation/v1/alert.grpc.pb.h>

#include "commands.hpp"

namespace curation::ctl {
namespace {

namespace v1 = curation::v1;

using alert::kIncidentStates;

// Incident states as people type and read them.
std::vector<std::string> StateWords() {
  std::vector<std::string> words;
  for (const auto& state : kIncidentStates.entries()) {
    words.emplace_back(state.human);
  }
  return words;
}

std::string StateWord(v1::IncidentState state) {
  auto known = kIncidentStates.FromProto(state);
  return known ? std::string(kIncidentStates.Human(*known)) : std::to_string(state);
}

bool IsWatchdog(const v1::Incident& incident) {
  return alert::SlotKindOf(incident.slot()) == alert::SlotKind::kWatchdog;
}

std::string VerdictText(v1::Verdict verdict) {
  return verdict == v1::VERDICT_UNSPECIFIED ? "not probed yet" : v1::Verdict_Name(verdict).substr(8);
}

std::string MinutesText(std::chrono::milliseconds span) {
  auto minutes = std::chrono::duration_cast<std::chrono::minutes>(span).count();
  return std::to_string(minutes) + " min";
}

// "in 42 min" / "passed 5 min ago" for a deadline.
std::string DeadlineText(const v1::Incident& incident) {
  if (incident.state() == v1::INCIDENT_STATE_RESOLVED) {
    return incident.breached() ? "breached" : "met";
  }
  auto left = -Since(incident.deadline());
  return left.count() >= 0 ? "in " + MinutesText(left) : "passed " + MinutesText(-left) + " ago";
}

std::string VideoText(const v1::Incident& incident) {
  return IsWatchdog(incident) ? "—" : incident.video_id() + " " + Fit(incident.video_title(), 30);
}

struct ListFlags {
  std::vector<std::string> states;
  bool open = false;
  int limit = 50;
};

int List(const Options& options, const ListFlags& flags) {
  auto stub = v1::AlertService::NewStub(Channel(options));
  v1::ListIncidentsRequest request;
  for (const std::string& state : flags.states) {
    request.add_states(kIncidentStates.ToProto(*kIncidentStates.FromHuman(state)));  // CLI11 checked the word
  }
  if (flags.open) {
    request.add_states(v1::INCIDENT_STATE_FIRING);
    request.add_states(v1::INCIDENT_STATE_ACKNOWLEDGED);
  }
  v1::ListIncidentsResponse all;
  if (auto done = AskPages<v1::ListIncidentsRequest, v1::ListIncidentsResponse>(
      options, flags.limit, request, all,
      [&](auto* context, const auto& page_request, auto* page) {
        return stub->ListIncidents(context, page_request, page);
      },
      [](auto& response) { return response.mutable_incidents(); },
      "No incidents.")) {
    return *done;
  }
  std::vector<std::vector<std::string>> rows = {{"ID", "STATE", "ALERT", "SLOT", "VIDEO", "OPENED", "DEADLINE", "REASON"}};
  for (const auto& incident : all.incidents()) {
    rows.push_back({std::to_string(incident.id()), StateWord(incident.state()), incident.alertname(),
                    incident.slot(), VideoText(incident), TimeText(incident.opened_at()), DeadlineText(incident),
                    Fit(incident.reason(), 60)});
  }
  PrintTable(rows);
  return 0;
}

void PrintField(const std::string& key, const std::string& value) {
  constexpr size_t kKeyWidth = 16;
  std::cout << key << std::string(kKeyWidth > key.size() ? kKeyWidth - key.size() : 1, ' ') << value << "\n";
}

int Show(const Options& options, int64_t id) {
  auto stub = v1::AlertService::NewStub(Channel(options));
  v1::GetIncidentRequest request;
  request.set_id(id);
  v1::Incident incident;
  if (auto done = Ask(
          options, [&](auto* context) { return stub->GetIncident(context, request, &incident); }, incident)) {
    return *done;
  }
  std::cout << "incident " << incident.id() << "  " << incident.alertname() << "  " << StateWord(incident.state())
            << "\n\n";
  PrintField("slot", incident.slot() + (incident.category_name().empty() ? "" : " (" + incident.category_name() + ")"));
  if (!IsWatchdog(incident)) {
    PrintField("video", incident.video_id() + "  " + incident.video_title());
  }
  PrintField("reason", incident.reason());
  PrintField("broke at", TimeText(incident.broke_at()));
  PrintField("opened", TimeText(incident.opened_at()));
  PrintField("deadline", TimeText(incident.deadline()) + " (" + DeadlineText(incident) + ")");
  if (incident.has_acknowledged_at()) {
    PrintField("acknowledged", TimeText(incident.acknowledged_at()) + " by " + incident.acknowledged_by() + " (after " +
                                   MinutesText(std::chrono::duration_cast<std::chrono::milliseconds>(ToTime(incident.acknowledged_at()) - ToTime(incident.opened_at()))) + ")");
  }
  if (incident.has_resolved_at()) {
    PrintField("resolved", TimeText(incident.resolved_at()) + " by " +
                               (incident.resolved_by().empty() ? "the pipeline" : incident.resolved_by()) + ": " +
                               incident.resolution());
  }
  std::cout << "\nhistory\n";
  std::vector<std::vector<std::string>> events = {{"TIME", "EVENT", "BY", "NOTE"}};
  for (const auto& event : incident.events()) {
    events.push_back({TimeText(event.at()), event.kind(), event.actor().empty() ? "pipeline" : event.actor(),
                      Fit(event.note(), 80)});
  }
  PrintTable(events);
  std::cout << "\nnotifications\n";
  if (incident.notifications().empty()) {
    std::cout << "none\n";
    return 0;
  }
  std::vector<std::vector<std::string>> sent = {{"RECEIVER", "STEP", "STATE", "ATTEMPTS", "SENT", "LAST ERROR"}};
  for (const auto& notification : incident.notifications()) {
    sent.push_back({notification.receiver(), notification.step(), notification.state(),
                    std::to_string(notification.attempts()), TimeText(notification.sent_at()),
                    Fit(notification.last_error(), 60)});
  }
  PrintTable(sent);
  return 0;
}

struct NoteFlags {
  int64_t id = 0;
  std::string note;
};

int Acknowledge(const Options& options, const NoteFlags& flags) {
  auto stub = v1::AlertService::NewStub(Channel(options));
  v1::AcknowledgeIncidentRequest request;
  request.set_id(flags.id);
  request.set_note(flags.note);
  v1::Incident incident;
  if (auto done = Ask(
          options, [&](auto* context) { return stub->AcknowledgeIncident(context, request, &incident); }, incident)) {
    return *done;
  }
  std::cout << "incident " << incident.id() << " acknowledged by " << incident.acknowledged_by()
            << "; escalation stopped, deadline " << DeadlineText(incident) << "\n";
  return 0;
}

int Resolve(const Options& options, const NoteFlags& flags) {
  auto stub = v1::AlertService::NewStub(Channel(options));
  v1::ResolveIncidentRequest request;
  request.set_id(flags.id);
  request.set_note(flags.note);
  v1::Incident incident;
  if (auto done = Ask(
          options, [&](auto* context) { return stub->ResolveIncident(context, request, &incident); }, incident)) {
    return *done;
  }
  std::cout << "incident " << incident.id() << " resolved; receivers that were paged get the notice\n";
  return 0;
}

int Slots(const Options& options, bool history) {
  auto stub = v1::AlertService::NewStub(Channel(options));
  v1::ListSlotsRequest request;
  request.set_include_history(history);
  v1::ListSlotsResponse slots;
  if (auto done = Ask(
          options, [&](auto* context) { return stub->ListSlots(context, request, &slots); }, slots)) {
    return *done;
  }
  std::cout << "last poll of Orion " << TimeText(slots.last_poll_at()) << ", last probe "
            << TimeText(slots.last_probe_at()) << "\n\n";
  if (slots.slots().empty()) {
    std::cout << "Nothing is featured.\n";
  } else {
    std::vector<std::vector<std::string>> rows = {{"SLOT", "VIDEO", "SINCE", "PLAYS", "REASON", "NEXT PROBE", "INCIDENT"}};
    for (const auto& slot : slots.slots()) {
      std::string incident = slot.open_incident_id() > 0 ? std::to_string(slot.open_incident_id()) : "—";
      if (slot.has_silenced_until()) {
        incident += " (silenced until " + TimeText(slot.silenced_until()) + ")";
      }
      rows.push_back({slot.slot() + (slot.category_name().empty() ? "" : " " + Fit(slot.category_name(), 20)),
                      slot.video_id() + " " + Fit(slot.video_title(), 30), TimeText(slot.featured_from()),
                      VerdictText(slot.verdict()), Fit(slot.reason(), 50), TimeText(slot.next_probe_at()), incident});
    }
    PrintTable(rows);
  }
  if (history && !slots.history().empty()) {
    std::cout << "\nearlier\n";
    std::vector<std::vector<std::string>> rows = {{"SLOT", "VIDEO", "FROM", "PLAYED"}};
    for (const auto& slot : slots.history()) {
      rows.push_back({slot.slot(), slot.video_id() + " " + Fit(slot.video_title(), 30), TimeText(slot.featured_from()),
                      VerdictText(slot.verdict())});
    }
    PrintTable(rows);
  }
  return 0;
}

struct SilenceFlags {
  std::string slot;
  std::string span = "1h";
  std::string reason;
};

int Silence(const Options& options, const SilenceFlags& flags) {
  auto stub = v1::AlertService::NewStub(Channel(options));
  v1::SilenceSlotRequest request;
  request.set_slot(flags.slot);
  *request.mutable_duration() = ToDuration(*ParseDuration(flags.span));  // checked by Span()
  request.set_reason(flags.reason);
  v1::Silence silence;
  if (auto done = Ask(
          options, [&](auto* context) { return stub->SilenceSlot(context, request, &silence); }, silence)) {
    return *done;
  }
  std::cout << silence.slot() << " silenced until " << TimeText(silence.until()) << "\n";
  return 0;
}

int Test(const Options& options, const std::string& receiver) {
  auto stub = v1::AlertService::NewStub(Channel(options));
  v1::SendTestNotificationRequest request;
  request.set_receiver(receiver);
  v1::Notification sent;
  if (auto done = Ask(
          options, [&](auto* context) { return stub->SendTestNotification(context, request, &sent); }, sent)) {
    return *done;
  }
  std::cout << "test notification to " << sent.receiver() << ": " << sent.state()
            << (sent.last_status() > 0 ? " (HTTP " + std::to_string(sent.last_status()) + ")" : "")
            << (sent.last_error().empty() ? "" : ": " + sent.last_error()) << "\n";
  return alert::kNotificationStates.FromDb(sent.state()) == alert::NotificationState::kSent ? 0 : 1;
}

}  // namespace

void AddAlertCommands(CLI::App& app, Runner& run) {
  auto* alerts = app.add_subcommand("alerts", "hero and featured video incidents: list, show, ack, resolve, slots, "
                                              "silence, test")
                     ->require_subcommand(1);

  auto list_flags = std::make_shared<ListFlags>();
  auto* list = alerts->add_subcommand("list", "incidents, newest first");
  list->add_option("--state", list_flags->states, "only these states; repeat or comma-separate")
      ->delimiter(',')
      ->check(CLI::IsMember(StateWords()));
  list->add_flag("--open", list_flags->open, "only firing and acknowledged ones");
  list->add_option("--limit", list_flags->limit, "most incidents to show")->check(CLI::Range(1, 10000));
  RunsWith(list, run, list_flags, List);

  auto show_id = std::make_shared<int64_t>(0);
  auto* show = alerts->add_subcommand("show", "one incident: what broke, its deadline, history and notifications");
  show->add_option("id", *show_id, "the incident id")->required()->check(CLI::PositiveNumber);
  RunsWith(show, run, show_id, Show);

  auto ack_flags = std::make_shared<NoteFlags>();
  auto* ack = alerts->add_subcommand("ack", "acknowledge: escalation stops, the deadline still counts");
  ack->add_option("id", ack_flags->id, "the incident id")->required()->check(CLI::PositiveNumber);
  ack->add_option("--note", ack_flags->note, "what you are doing about it");
  RunsWith(ack, run, ack_flags, Acknowledge);

  auto resolve_flags = std::make_shared<NoteFlags>();
  auto* resolve = alerts->add_subcommand("resolve", "close an incident by hand (lead)");
  resolve->add_option("id", resolve_flags->id, "the incident id")->required()->check(CLI::PositiveNumber);
  resolve->add_option("--note", resolve_flags->note, "what was done")->required();
  RunsWith(resolve, run, resolve_flags, Resolve);

  auto history = std::make_shared<bool>(false);
  auto* slots = alerts->add_subcommand("slots", "what is featured now and how it plays");
  slots->add_flag("--history", *history, "also the videos featured before");
  RunsWith(slots, run, history, Slots);

  auto silence_flags = std::make_shared<SilenceFlags>();
  auto* silence = alerts->add_subcommand("silence", "no notifications for a slot for a while (lead)");
  silence->add_option("slot", silence_flags->slot, "hero, category:<id> or watchdog")->required();
  silence->add_option("--for", silence_flags->span, "how long: 30m, 2h (at most 7 days)")->check(Span());
  silence->add_option("--reason", silence_flags->reason, "why")->required();
  RunsWith(silence, run, silence_flags, Silence);

  auto receiver = std::make_shared<std::string>();
  auto* test = alerts->add_subcommand("test", "send a test notification to a receiver now (lead)");
  test->add_option("receiver", *receiver, "the receiver's name in the config")->required();
  RunsWith(test, run, receiver, Test);
}

}  // namespace curation::ctl
