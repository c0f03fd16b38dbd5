#include <curation/ingest/ingest_grpc_service.hpp>

namespace curation::ingest {

using server::ToDuration;
using server::ToTimestamp;

grpc::Status IngestGrpcService::GetIngestStatus(grpc::ServerContext* context, const v1::GetIngestStatusRequest*,
                                                v1::IngestStatus* response) {
  return server::Serve(env_, "GetIngestStatus", kGetIngestStatusRoles, context, [&](const auth::Principal&) {
    ASSIGN_OR_RETURN(IngestStatusView view, logic_.GetStatus(server::DeadlineOf(*context)));
    response->set_high_water_block(view.high_water_block);
    response->set_head_block(view.head_block);
    if (view.head_time) {
      *response->mutable_head_time() = ToTimestamp(*view.head_time);
    }
    if (view.head_check_time) {
      *response->mutable_head_check_time() = ToTimestamp(*view.head_check_time);
    }
    response->set_lag_blocks(view.lag_blocks);
    *response->mutable_lag() = ToDuration(view.lag);
    if (view.last_success) {
      *response->mutable_last_success_time() = ToTimestamp(*view.last_success);
    }
    response->set_last_error(view.last_error);
    if (view.last_error_time) {
      *response->mutable_last_error_time() = ToTimestamp(*view.last_error_time);
    }
    response->set_rejected_items(view.rejected_items);
    response->set_query_node_url(logic_.query_node_url());
    for (const StreamState& stream : view.streams) {
      v1::StreamStatus* out = response->add_streams();
      out->set_name(stream.name);
      if (stream.mark && stream.key_kind == KeyKind::kTime) {
        *out->mutable_mark_time() = ToTimestamp(TimePoint(std::chrono::milliseconds(*stream.mark)));
      } else if (stream.mark) {
        out->set_mark_block(*stream.mark);
      }
      if (stream.last_success) {
        *out->mutable_last_success_time() = ToTimestamp(*stream.last_success);
      }
      out->set_last_error(stream.last_error);
      if (stream.last_error_time) {
        *out->mutable_last_error_time() = ToTimestamp(*stream.last_error_time);
      }
      out->set_items_read(stream.items_read);
    }
    return absl::OkStatus();
  });
}

grpc::Status IngestGrpcService::StartBackfill(grpc::ServerContext* context, const v1::StartBackfillRequest* request,
                                              v1::StartBackfillResponse* response) {
  return server::Serve(env_, "StartBackfill", kStartBackfillRoles, context, [&](const auth::Principal&) {
    RETURN_IF_ERROR(logic_.StartBackfill(request->from_block(), server::DeadlineOf(*context)));
    response->set_from_block(request->from_block());
    return absl::OkStatus();
  });
}

}  // namespace curation::ingest
