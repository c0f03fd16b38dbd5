#include <curation/review/review_grpc_service.hpp>

#include <absl/strings/str_cat.h>

#include <curation/probe/verdict.hpp>
#include <curation/review/rules.hpp>

namespace curation::review {
namespace {

using auth::Role;

// The council reads the queue and its numbers; curators and the lead work it.
constexpr auth::RoleSet kReaders = auth::RoleSet::All();
constexpr auth::RoleSet kWorkers = {Role::kCurator, Role::kLead};
constexpr auth::RoleSet kLead = {Role::kLead};

void ToProto(const TargetDetails& details, v1::TargetDetails* out) {
  out->set_description(details.description);
  out->set_language(details.language);
  out->set_license_code(details.license_code.value_or(0));
  out->set_license_attribution(details.license_attribution);
  out->set_license_custom_text(details.license_custom_text);
  if (details.duration_seconds) {
    out->mutable_duration()->set_seconds(*details.duration_seconds);
  }
  if (details.is_public) {
    out->set_is_public(*details.is_public);
  }
  out->set_is_censored(details.is_censored);
  if (details.is_explicit) {
    out->set_is_explicit(*details.is_explicit);
  }
  if (details.has_marketing) {
    out->set_has_marketing(*details.has_marketing);
  }
  out->set_youtube_video_id(details.youtube_video_id);
  out->set_pixel_width(details.pixel_width.value_or(0));
  out->set_pixel_height(details.pixel_height.value_or(0));
  out->set_declared_codec(details.declared_codec);
  out->set_declared_container(details.declared_container);
  out->set_declared_mime_type(details.declared_mime_type);
  out->set_channel_owner_handle(details.channel_owner_handle);
  out->set_channel_owner_member_id(details.channel_owner_member_id);
  out->set_channel_is_censored(details.channel_is_censored);
  if (details.channel_is_public) {
    out->set_channel_is_public(*details.channel_is_public);
  }
}

void ToProto(const QueueItem& item, v1::Item* out) {
  const ItemRow& row = item.row;
  out->set_id(row.id);
  out->set_target_kind(kTargetKinds.ToProto(row.target_kind));
  out->set_target_id(row.target_id);
  out->set_reason(kItemReasons.ToProto(row.reason));
  out->set_title(row.title);
  out->set_channel_id(row.channel_id);
  out->set_channel_title(row.channel_title);
  out->set_category_id(row.category_id);
  out->set_category_name(row.category_name);
  *out->mutable_upload_time() = server::ToTimestamp(row.uploaded_at);
  *out->mutable_due_time() = server::ToTimestamp(row.due_at);
  *out->mutable_create_time() = server::ToTimestamp(row.created_at);
  out->set_state(kItemStates.ToProto(row.state));
  out->set_at_risk(item.at_risk);
  out->set_breached(item.breached);
  out->set_playability(probe::kVerdicts.ProtoFromDb(row.playability));
  out->set_playability_summary(row.playability_summary);
  out->set_claimed_by(row.lease_holder);
  if (row.lease_expires_at) {
    *out->mutable_lease_expire_time() = server::ToTimestamp(*row.lease_expires_at);
  }
  out->set_priority(row.signal);
  if (row.decided_at) {
    *out->mutable_decide_time() = server::ToTimestamp(*row.decided_at);
  }
  if (row.details) {
    ToProto(*row.details, out->mutable_details());
  }
}

// Every item of a list, in order, into a response's repeated `items`.
template <typename Response>
void AddItems(const std::vector<QueueItem>& items, Response* response) {
  for (const QueueItem& item : items) {
    ToProto(item, response->add_items());
  }
}

void ToProto(const Decision& decision, v1::Decision* out) {
  const DecisionRecord& record = decision.record;
  out->set_item_id(record.item_id);
  out->set_action(kActions.ToProto(record.action));
  out->set_entry_id(record.entry_id);
  out->set_entry_reference(modlog::EntryReference(record.entry_id));
  out->set_chain_command(decision.chain_command);
  *out->mutable_decide_time() = server::ToTimestamp(record.decided_at);
  out->set_decided_by(record.decided_by);
}

std::vector<int64_t> Ids(const google::protobuf::RepeatedField<int64_t>& ids) { return {ids.begin(), ids.end()}; }

}  // namespace

grpc::Status ReviewGrpcService::ListItems(grpc::ServerContext* context, const v1::ListItemsRequest* request,
                                          v1::ListItemsResponse* response) {
  return server::Serve(env_, "ListItems", kReaders, context, [&](const auth::Principal&) -> absl::Status {
    ListItemsQuery query;
    query.page_size = request->page_size();
    query.page_token = request->page_token();
    for (int state : request->states()) {
      auto name = kItemStates.DbFromProto(state);
      if (!name) {
        return absl::InvalidArgumentError(absl::StrCat("states: unknown item state ", state));
      }
      query.filter.states.emplace_back(*name);
    }
    if (request->has_due_before()) {
      ASSIGN_OR_RETURN(query.filter.due_before, server::FromTimestamp(request->due_before(), "due_before"));
    }
    query.filter.breached_only = request->breached_only();
    query.at_risk_only = request->at_risk_only();
    query.filter.category_id = request->category_id();
    query.filter.channel_id = request->channel_id();
    if (request->playability() != v1::VERDICT_UNSPECIFIED) {
      auto name = probe::kVerdicts.DbFromProto(request->playability());
      if (!name) {
        return absl::InvalidArgumentError(absl::StrCat("playability: unknown verdict ", request->playability()));
      }
      query.filter.playability = *name;
    }
    query.filter.claimed_by = request->claimed_by();
    ASSIGN_OR_RETURN(ItemPage page, logic_.ListItems(query, server::DeadlineOf(*context)));
    AddItems(page.items, response);
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status ReviewGrpcService::GetItem(grpc::ServerContext* context, const v1::GetItemRequest* request,
                                        v1::Item* response) {
  return server::Serve(env_, "GetItem", kReaders, context, [&](const auth::Principal&) -> absl::Status {
    ASSIGN_OR_RETURN(QueueItem item, logic_.GetItem(request->id(), server::DeadlineOf(*context)));
    ToProto(item, response);
    return absl::OkStatus();
  });
}

grpc::Status ReviewGrpcService::ClaimItems(grpc::ServerContext* context, const v1::ClaimItemsRequest* request,
                                           v1::ClaimItemsResponse* response) {
  return server::Serve(env_, "ClaimItems", kWorkers, context, [&](const auth::Principal& principal) -> absl::Status {
    ASSIGN_OR_RETURN(auto lease, server::FromDuration(request->lease(), "lease"));
    ASSIGN_OR_RETURN(auto items, logic_.ClaimItems(principal, request->count(), lease, server::DeadlineOf(*context)));
    AddItems(items, response);
    return absl::OkStatus();
  });
}

grpc::Status ReviewGrpcService::RenewClaims(grpc::ServerContext* context, const v1::RenewClaimsRequest* request,
                                            v1::RenewClaimsResponse* response) {
  return server::Serve(env_, "RenewClaims", kWorkers, context, [&](const auth::Principal& principal) -> absl::Status {
    ASSIGN_OR_RETURN(auto lease, server::FromDuration(request->lease(), "lease"));
    ASSIGN_OR_RETURN(auto items,
                     logic_.RenewClaims(principal, Ids(request->item_ids()), lease, server::DeadlineOf(*context)));
    AddItems(items, response);
    return absl::OkStatus();
  });
}

grpc::Status ReviewGrpcService::ReleaseItems(grpc::ServerContext* context, const v1::ReleaseItemsRequest* request,
                                             v1::ReleaseItemsResponse* response) {
  return server::Serve(env_, "ReleaseItems", kWorkers, context, [&](const auth::Principal& principal) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t released,
                     logic_.ReleaseItems(principal, Ids(request->item_ids()), server::DeadlineOf(*context)));
    response->set_released(static_cast<int32_t>(released));
    return absl::OkStatus();
  });
}

grpc::Status ReviewGrpcService::DecideItem(grpc::ServerContext* context, const v1::DecideItemRequest* request,
                                           v1::Decision* response) {
  return server::Serve(env_, "DecideItem", kWorkers, context, [&](const auth::Principal& principal) -> absl::Status {
    DecideRequest decide;
    decide.item_id = request->item_id();
    if (auto action = kActions.FromProto(request->action()); action && !IsDecision(*action)) {
      return absl::InvalidArgumentError("action: a revert goes through RevertDecision");
    }
    decide.action = kActions.DbFromProto(request->action()).value_or("");  // DecideItem refuses ""
    decide.justification = request->justification();
    decide.policy_codes = {request->policy_codes().begin(), request->policy_codes().end()};
    decide.note = request->note();
    if (request->censor_scope() != v1::CENSOR_SCOPE_UNSPECIFIED) {
      auto scope = kCensorScopes.DbFromProto(request->censor_scope());
      if (!scope) {
        return absl::InvalidArgumentError(absl::StrCat("censor_scope: unknown value ", request->censor_scope()));
      }
      decide.censor_scope = *scope;
    }
    decide.request_id = request->request_id();
    for (const v1::EvidenceNote& note : request->evidence()) {
      ASSIGN_OR_RETURN(auto offset, server::FromDuration(note.offset(), "evidence offset"));
      decide.evidence.push_back({offset, note.text()});
    }
    ASSIGN_OR_RETURN(Decision decision, logic_.DecideItem(principal, decide, server::DeadlineOf(*context)));
    ToProto(decision, response);
    return absl::OkStatus();
  });
}

grpc::Status ReviewGrpcService::RevertDecision(grpc::ServerContext* context, const v1::RevertDecisionRequest* request,
                                               v1::Decision* response) {
  return server::Serve(env_, "RevertDecision", kLead, context, [&](const auth::Principal& principal) -> absl::Status {
    ASSIGN_OR_RETURN(Decision decision,
                     logic_.RevertDecision(principal, request->entry_id(), request->justification(),
                                           request->request_id(), server::DeadlineOf(*context)));
    ToProto(decision, response);
    return absl::OkStatus();
  });
}

grpc::Status ReviewGrpcService::GetQueueStats(grpc::ServerContext* context, const v1::GetQueueStatsRequest*,
                                              v1::QueueStats* response) {
  return server::Serve(env_, "GetQueueStats", kReaders, context, [&](const auth::Principal&) -> absl::Status {
    ASSIGN_OR_RETURN(QueueCounts counts, logic_.GetQueueStats(server::DeadlineOf(*context)));
    response->set_depth(counts.depth);
    response->set_open(counts.open);
    response->set_claimed(counts.claimed);
    response->set_escalated(counts.escalated);
    response->set_at_risk(counts.at_risk);
    response->set_breached(counts.breached);
    if (counts.median_time_to_decision) {
      *response->mutable_median_time_to_decision() = server::ToDuration(*counts.median_time_to_decision);
    }
    response->set_decided_last_7_days(counts.decided_recently);
    if (counts.oldest_due) {
      *response->mutable_oldest_due_time() = server::ToTimestamp(*counts.oldest_due);
    }
    return absl::OkStatus();
  });
}

grpc::Status ReviewGrpcService::ListPolicyCodes(grpc::ServerContext* context, const v1::ListPolicyCodesRequest*,
                                                v1::ListPolicyCodesResponse* response) {
  return server::Serve(env_, "ListPolicyCodes", kReaders, context, [&](const auth::Principal&) -> absl::Status {
    ASSIGN_OR_RETURN(auto codes, logic_.ListPolicyCodes(server::DeadlineOf(*context)));
    for (const PolicyCode& code : codes) {
      v1::PolicyCode* out = response->add_codes();
      out->set_code(code.code);
      out->set_action(kActions.ToProto(code.action));
      out->set_applies_to(std::string(kAppliesTo.Db(code.applies_to)));
      out->set_title(code.title);
    }
    return absl::OkStatus();
  });
}

}  // namespace curation::review
