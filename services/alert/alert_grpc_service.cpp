#include <curation/alert/alert_grpc_service.hpp>

#include <absl/strings/str_cat.h>

#include <curation/alert/vocabulary.hpp>

namespace curation::alert {
namespace {

using auth::Role;
using server::DeadlineOf;
using server::ToTimestamp;

// Everyone reads incidents and slots; curators (the on-call ones) acknowledge; the lead resolves
// by hand, silences and tests receivers.
constexpr auth::RoleSet kReaders = auth::RoleSet::All();
constexpr auth::RoleSet kResponders = {Role::kCurator, Role::kLead};
constexpr auth::RoleSet kLead = {Role::kLead};

void SetTime(const std::optional<TimePoint>& time, google::protobuf::Timestamp* out) {
  if (time) {
    *out = ToTimestamp(*time);
  }
}

void ToProto(const NotificationRow& row, v1::Notification* out) {
  out->set_receiver(row.receiver);
  out->set_step(row.step);
  out->set_state(std::string(kNotificationStates.Db(row.state)));
  out->set_attempts(row.attempts);
  out->set_last_status(row.last_status);
  out->set_last_error(row.last_error);
  *out->mutable_created_at() = ToTimestamp(row.created_at);
  SetTime(row.sent_at, out->mutable_sent_at());
  if (row.state == NotificationState::kPending) {
    *out->mutable_next_attempt_at() = ToTimestamp(row.next_attempt_at);
  }
}

void ToProto(const IncidentRow& row, v1::Incident* out) {
  out->set_id(row.id);
  out->set_incident_key(row.incident_key);
  out->set_alertname(row.alertname);
  out->set_slot(row.slot);
  out->set_video_id(row.video_id);
  out->set_video_title(row.video_title);
  out->set_category_name(row.category_name);
  out->set_reason(row.reason);
  out->set_state(kIncidentStates.ToProto(row.state));
  *out->mutable_broke_at() = ToTimestamp(row.broke_at);
  *out->mutable_opened_at() = ToTimestamp(row.opened_at);
  *out->mutable_deadline() = ToTimestamp(row.deadline);
  SetTime(row.acknowledged_at, out->mutable_acknowledged_at());
  out->set_acknowledged_by(row.acknowledged_by);
  SetTime(row.resolved_at, out->mutable_resolved_at());
  out->set_resolved_by(row.resolved_by);
  out->set_resolution(row.resolution);
  out->set_breached(row.breached);
  for (const IncidentEventRow& event : row.events) {
    v1::IncidentEvent* added = out->add_events();
    *added->mutable_at() = ToTimestamp(event.at);
    added->set_kind(std::string(kIncidentEventKinds.Db(event.kind)));
    added->set_actor(event.actor);
    added->set_note(event.note);
  }
  for (const NotificationRow& notification : row.notifications) {
    ToProto(notification, out->add_notifications());
  }
}

void ToProto(const FeaturedRow& row, v1::Slot* out) {
  out->set_slot(row.video.slot);
  out->set_category_name(row.video.category_name);
  out->set_video_id(row.video.video_id);
  out->set_video_title(row.video.video_title);
  out->set_hero_title(row.video.hero_title);
  out->set_cut_url(row.video.cut_url);
  out->set_poster_url(row.video.poster_url);
  *out->mutable_featured_from() = ToTimestamp(row.featured_from);
  out->set_verdict(SlotStatusToProto(row.status));
  out->set_reason(row.reason);
  SetTime(row.last_probe_at, out->mutable_last_probe_at());
  if (!row.featured_until) {
    *out->mutable_next_probe_at() = ToTimestamp(row.next_probe_at);
  }
}

}  // namespace

grpc::Status AlertGrpcService::ListIncidents(grpc::ServerContext* context, const v1::ListIncidentsRequest* request,
                                             v1::ListIncidentsResponse* response) {
  return server::Serve(env_, "ListIncidents", kReaders, context, [&](const auth::Principal&) -> absl::Status {
    std::vector<IncidentState> states;
    for (int state : request->states()) {
      auto known = kIncidentStates.FromProto(state);
      if (!known) {
        return absl::InvalidArgumentError(absl::StrCat("states: unknown incident state ", state));
      }
      states.push_back(*known);
    }
    ASSIGN_OR_RETURN(IncidentPage page, logic_.ListIncidents(states, request->page_size(), request->page_token(),
                                                             DeadlineOf(*context)));
    for (const IncidentRow& incident : page.incidents) {
      ToProto(incident, response->add_incidents());
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status AlertGrpcService::GetIncident(grpc::ServerContext* context, const v1::GetIncidentRequest* request,
                                           v1::Incident* response) {
  return server::Serve(env_, "GetIncident", kReaders, context, [&](const auth::Principal&) -> absl::Status {
    ASSIGN_OR_RETURN(IncidentRow incident, logic_.GetIncident(request->id(), DeadlineOf(*context)));
    ToProto(incident, response);
    return absl::OkStatus();
  });
}

grpc::Status AlertGrpcService::AcknowledgeIncident(grpc::ServerContext* context,
                                                   const v1::AcknowledgeIncidentRequest* request,
                                                   v1::Incident* response) {
  return server::Serve(env_, "AcknowledgeIncident", kResponders, context,
                       [&](const auth::Principal& principal) -> absl::Status {
                         ASSIGN_OR_RETURN(IncidentRow incident, logic_.Acknowledge(principal, request->id(),
                                                                                   request->note(), DeadlineOf(*context)));
                         ToProto(incident, response);
                         return absl::OkStatus();
                       });
}

grpc::Status AlertGrpcService::ResolveIncident(grpc::ServerContext* context, const v1::ResolveIncidentRequest* request,
                                               v1::Incident* response) {
  return server::Serve(env_, "ResolveIncident", kLead, context, [&](const auth::Principal& principal) -> absl::Status {
    ASSIGN_OR_RETURN(IncidentRow incident,
                     logic_.Resolve(principal, request->id(), request->note(), DeadlineOf(*context)));
    ToProto(incident, response);
    return absl::OkStatus();
  });
}

grpc::Status AlertGrpcService::ListSlots(grpc::ServerContext* context, const v1::ListSlotsRequest* request,
                                         v1::ListSlotsResponse* response) {
  return server::Serve(env_, "ListSlots", kReaders, context, [&](const auth::Principal&) -> absl::Status {
    ASSIGN_OR_RETURN(SlotsView view,
                     logic_.ListSlots(request->include_history(), request->history_limit(), DeadlineOf(*context)));
    for (const SlotView& slot : view.current) {
      v1::Slot* out = response->add_slots();
      ToProto(slot.featured, out);
      if (slot.silence) {
        *out->mutable_silenced_until() = ToTimestamp(slot.silence->until);
        out->set_silence_reason(slot.silence->reason);
      }
      out->set_open_incident_id(slot.open_incident_id);
    }
    for (const FeaturedRow& past : view.history) {
      ToProto(past, response->add_history());
    }
    SetTime(view.last_poll_at, response->mutable_last_poll_at());
    SetTime(view.last_probe_at, response->mutable_last_probe_at());
    return absl::OkStatus();
  });
}

grpc::Status AlertGrpcService::SilenceSlot(grpc::ServerContext* context, const v1::SilenceSlotRequest* request,
                                           v1::Silence* response) {
  return server::Serve(env_, "SilenceSlot", kLead, context, [&](const auth::Principal& principal) -> absl::Status {
    ASSIGN_OR_RETURN(auto duration, server::FromDuration(request->duration(), "duration"));
    ASSIGN_OR_RETURN(SilenceRow silence, logic_.Silence(principal, request->slot(), duration, request->reason(),
                                                        DeadlineOf(*context)));
    response->set_slot(silence.slot);
    *response->mutable_until() = ToTimestamp(silence.until);
    response->set_reason(silence.reason);
    response->set_created_by(silence.created_by);
    return absl::OkStatus();
  });
}

grpc::Status AlertGrpcService::SendTestNotification(grpc::ServerContext* context,
                                                    const v1::SendTestNotificationRequest* request,
                                                    v1::Notification* response) {
  return server::Serve(env_, "SendTestNotification", kLead, context,
                       [&](const auth::Principal& principal) -> absl::Status {
                         ASSIGN_OR_RETURN(NotificationRow sent,
                                          logic_.SendTest(principal, request->receiver(), DeadlineOf(*context)));
                         ToProto(sent, response);
                         return absl::OkStatus();
                       });
}

}  // namespace curation::alert
