#include <curation/probe/probe_grpc_service.hpp>

#include <algorithm>

namespace curation::probe {
namespace {

constexpr size_t kMaxVideoIdLength = 64;

// Joystream video ids are decimal numbers; anything else is refused before a query is made.
absl::Status CheckVideoId(const std::string& id) {
  if (id.empty() || id.size() > kMaxVideoIdLength || !std::all_of(id.begin(), id.end(), ::isdigit)) {
    return absl::InvalidArgumentError("video_id must be a Joystream video id (digits)");
  }
  return absl::OkStatus();
}

}  // namespace

grpc::Status ProbeGrpcService::ProbeUrl(grpc::ServerContext* context, const v1::ProbeUrlRequest* request,
                                        v1::ProbeReport* response) {
  return server::Serve(env_, "ProbeUrl", kProbeUrlRoles, context, [&](const auth::Principal&) {
    ASSIGN_OR_RETURN(*response, logic_.ProbeUrl(request->url(), request->deep(), "url", server::DeadlineOf(*context)));
    return absl::OkStatus();
  });
}

grpc::Status ProbeGrpcService::ProbeVideo(grpc::ServerContext* context, const v1::ProbeVideoRequest* request,
                                          v1::ProbeReport* response) {
  return server::Serve(env_, "ProbeVideo", kProbeVideoRoles, context, [&](const auth::Principal&) {
    RETURN_IF_ERROR(CheckVideoId(request->video_id()));
    ASSIGN_OR_RETURN(*response, logic_.ProbeVideo(request->video_id(), v1::PROBE_DEPTH_FULL, server::DeadlineOf(*context)));
    return absl::OkStatus();
  });
}

grpc::Status ProbeGrpcService::GetVerdict(grpc::ServerContext* context, const v1::GetVerdictRequest* request,
                                          v1::ProbeReport* response) {
  return server::Serve(env_, "GetVerdict", kGetVerdictRoles, context, [&](const auth::Principal&) {
    RETURN_IF_ERROR(CheckVideoId(request->video_id()));
    ASSIGN_OR_RETURN(*response, logic_.GetVerdict(request->video_id(), server::DeadlineOf(*context)));
    return absl::OkStatus();
  });
}

grpc::Status ProbeGrpcService::ListProbes(grpc::ServerContext* context, const v1::ListProbesRequest* request,
                                          v1::ListProbesResponse* response) {
  return server::Serve(env_, "ListProbes", kListProbesRoles, context, [&](const auth::Principal&) {
    if (!request->video_id().empty()) {
      RETURN_IF_ERROR(CheckVideoId(request->video_id()));
    }
    ASSIGN_OR_RETURN(ProbeHistoryPage page,
                     logic_.ListProbes(request->video_id(), request->url(), request->page_size(),
                                       request->page_token(), server::DeadlineOf(*context)));
    for (auto& probe : page.probes) {
      *response->add_probes() = std::move(probe);
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status ProbeGrpcService::GetVideoSources(grpc::ServerContext* context, const v1::GetVideoSourcesRequest* request,
                                               v1::VideoSources* response) {
  return server::Serve(env_, "GetVideoSources", kGetVideoSourcesRoles, context, [&](const auth::Principal&) {
    RETURN_IF_ERROR(CheckVideoId(request->video_id()));
    ASSIGN_OR_RETURN(*response, logic_.GetVideoSources(request->video_id(), server::DeadlineOf(*context)));
    return absl::OkStatus();
  });
}

}  // namespace curation::probe
