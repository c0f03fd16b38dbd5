#include <curation/modlog/modlog_grpc_service.hpp>

#include <absl/strings/str_cat.h>

#include <curation/probe/verdict.hpp>

namespace curation::modlog {
namespace {

// The whole log is the council's to read: every role may.
constexpr auth::RoleSet kReaders = auth::RoleSet::All();

absl::StatusOr<EntryFilter> FromProto(const v1::EntryFilter& in) {
  EntryFilter filter;

  if (in.has_start_time()) {
    ASSIGN_OR_RETURN(filter.start, server::FromTimestamp(in.start_time(), "start_time"));
  }
  if (in.has_end_time()) {
    ASSIGN_OR_RETURN(filter.end, server::FromTimestamp(in.end_time(), "end_time"));
  }
  filter.actor = in.actor();
  if (in.target_kind() != v1::TARGET_KIND_UNSPECIFIED) {
    auto name = kTargetKinds.DbFromProto(in.target_kind());
    if (!name) {
      return absl::InvalidArgumentError(absl::StrCat("target_kind: unknown value ", in.target_kind()));
    }
    filter.target_kind = *name;
  }
  filter.target_id = in.target_id();
  filter.in_channel_id = in.in_channel_id();
  for (int kind : in.kinds()) {
    auto name = kEntryKinds.DbFromProto(kind);
    if (!name) {
      return absl::InvalidArgumentError(absl::StrCat("kinds: unknown entry kind ", kind));
    }
    filter.kinds.emplace_back(*name);
  }
  return filter;
}

}  // namespace

void ToProto(const Entry& entry, v1::Entry* out) {
  const EntryContent& content = entry.content;
  out->set_id(entry.id);
  out->set_reference(EntryReference(entry.id));
  const std::optional<EntryKind> kind = kEntryKinds.FromDb(content.kind);
  out->set_kind(kind ? kEntryKinds.ToProto(*kind) : v1::ENTRY_KIND_UNSPECIFIED);
  out->set_actor(content.actor);
  out->set_actor_role(content.actor_role);
  out->set_actor_worker_id(content.actor_worker_id.value_or(-1));
  out->set_target_kind(kTargetKinds.ProtoFromDb(content.target_kind));
  out->set_target_id(content.target_id);
  out->set_item_id(content.item_id.value_or(0));
  out->set_justification(content.justification);
  for (const std::string& code : content.policy_codes) {
    out->add_policy_codes(code);
  }
  out->set_note(content.note);
  for (const EvidenceNote& note : content.evidence) {
    v1::Evidence* evidence = out->add_evidence();
    *evidence->mutable_offset() = server::ToDuration(note.offset);
    evidence->set_text(note.text);
  }
  v1::Snapshot* snapshot = out->mutable_snapshot();
  snapshot->set_title(content.snapshot.title);
  snapshot->set_channel_id(content.snapshot.channel_id);
  snapshot->set_channel_title(content.snapshot.channel_title);
  snapshot->set_category_id(content.snapshot.category_id);
  snapshot->set_category_name(content.snapshot.category_name);
  snapshot->set_playability(probe::kVerdicts.ProtoFromDb(content.snapshot.verdict));
  snapshot->set_playability_summary(content.snapshot.verdict_summary);
  out->set_reverts_entry_id(content.reverts_entry_id.value_or(0));
  out->set_confirms_entry_id(content.confirms_entry_id.value_or(0));
  if (const auto& event = content.chain_event) {
    v1::ChainEvent* chain = out->mutable_chain_event();
    chain->set_event_id(event->event_id);
    chain->set_block(event->block);
    chain->set_extrinsic(event->extrinsic);
    chain->set_is_hidden(event->is_hidden.value_or(false));
    chain->set_rationale(event->rationale);
    chain->set_actor(event->actor);
    *chain->mutable_event_time() = server::ToTimestamp(event->event_at);
  }
  *out->mutable_record_time() = server::ToTimestamp(content.recorded_at);
  out->set_content_hash(Hex(entry.content_hash));
  out->set_previous_hash(Hex(entry.previous_hash));
  out->set_chain_hash(Hex(entry.chain_hash));
  out->set_chain_position(entry.chain_position);
  if (kind && CarriedOutOnChain(*kind)) {
    out->set_chain_status(entry.confirmed_by_entry_id ? v1::CHAIN_STATUS_CONFIRMED : v1::CHAIN_STATUS_PENDING);
    out->set_confirmed_by_entry_id(entry.confirmed_by_entry_id.value_or(0));
    out->set_chain_command(ChainCommand(entry.id, content));
  }
}

grpc::Status ModerationLogGrpcService::ListEntries(grpc::ServerContext* context, const v1::ListEntriesRequest* request,
                                                   v1::ListEntriesResponse* response) {
  return server::Serve(env_, "ListEntries", kReaders, context, [&](const auth::Principal&) -> absl::Status {
    EntryQuery query;
    ASSIGN_OR_RETURN(query.filter, FromProto(request->filter()));
    query.page_size = request->page_size();
    query.page_token = request->page_token();
    ASSIGN_OR_RETURN(EntryPage page, logic_.ListEntries(query, server::DeadlineOf(*context)));
    for (const Entry& entry : page.entries) {
      ToProto(entry, response->add_entries());
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status ModerationLogGrpcService::GetEntry(grpc::ServerContext* context, const v1::GetEntryRequest* request,
                                                v1::Entry* response) {
  return server::Serve(env_, "GetEntry", kReaders, context, [&](const auth::Principal&) -> absl::Status {
    ASSIGN_OR_RETURN(Entry entry, logic_.GetEntry(request->id(), server::DeadlineOf(*context)));
    ToProto(entry, response);
    return absl::OkStatus();
  });
}

grpc::Status ModerationLogGrpcService::VerifyLog(grpc::ServerContext* context, const v1::VerifyLogRequest* request,
                                                 v1::VerifyLogResponse* response) {
  return server::Serve(env_, "VerifyLog", kReaders, context, [&](const auth::Principal&) -> absl::Status {
    ASSIGN_OR_RETURN(VerifyReport report,
                     request->has_window()
                         ? logic_.VerifyWindow(request->window().after(), request->window().up_to())
                         : logic_.Verify(request->since_checkpoint() ? VerifyScope::kSinceCheckpoint
                                                                     : VerifyScope::kWholeChain));
    response->set_intact(report.intact);
    response->set_entries_checked(report.entries_checked);
    response->set_unsealed(report.unsealed);
    response->set_head_hash(Hex(report.head_hash));
    response->set_broken_entry_id(report.broken_entry_id);
    response->set_broken_position(report.broken_position);
    response->set_problem(report.problem);
    response->set_verified_from(report.verified_from);
    response->set_head_position(report.head_position);
    if (report.whole_chain_verified_at) {
      *response->mutable_whole_chain_verify_time() = server::ToTimestamp(*report.whole_chain_verified_at);
    }
    return absl::OkStatus();
  });
}

grpc::Status ModerationLogGrpcService::ExportEntries(grpc::ServerContext* context,
                                                     const v1::ExportEntriesRequest* request,
                                                     grpc::ServerWriter<v1::Entry>* writer) {
  return server::Serve(env_, "ExportEntries", kReaders, context, [&](const auth::Principal&) -> absl::Status {
    ASSIGN_OR_RETURN(EntryFilter filter, FromProto(request->filter()));
    v1::Entry message;
    return logic_.Export(filter, [&](const Entry& entry) {
      if (context->IsCancelled()) {
        return false;
      }
      message.Clear();
      ToProto(entry, &message);
      return writer->Write(message);
    });
  });
}

}  // namespace curation::modlog
