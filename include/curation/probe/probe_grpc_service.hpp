#pragma once
// The gRPC face of ProbeService: checks arguments, converts statuses, nothing more.

#include <curation/probe/probe_service.hpp>
#include <curation/server/rpc.hpp>
#include <curation/v1/probe.grpc.pb.h>

namespace curation::probe {

class ProbeGrpcService final : public v1::ProbeService::Service {
 public:
  static constexpr char kName[] = "curation.v1.ProbeService";
  // Who may call what (docs/roles.md): probing costs node bandwidth, reading is free.
  static constexpr auth::RoleSet kProbeUrlRoles = {auth::Role::kCurator, auth::Role::kLead, auth::Role::kService};
  static constexpr auth::RoleSet kProbeVideoRoles = kProbeUrlRoles;
  static constexpr auth::RoleSet kGetVerdictRoles = auth::RoleSet::All();
  static constexpr auth::RoleSet kListProbesRoles = auth::RoleSet::All();
  static constexpr auth::RoleSet kGetVideoSourcesRoles = auth::RoleSet::All();

  /// `env` (metrics, authenticator) is copied; what it refers to must outlive this.
  ProbeGrpcService(ProbeService& logic, server::RpcEnv& env) : logic_(logic), env_(env) {}

  grpc::Status ProbeUrl(grpc::ServerContext* context, const v1::ProbeUrlRequest* request,
                        v1::ProbeReport* response) override;
  grpc::Status ProbeVideo(grpc::ServerContext* context, const v1::ProbeVideoRequest* request,
                          v1::ProbeReport* response) override;
  grpc::Status GetVerdict(grpc::ServerContext* context, const v1::GetVerdictRequest* request,
                          v1::ProbeReport* response) override;
  grpc::Status ListProbes(grpc::ServerContext* context, const v1::ListProbesRequest* request,
                          v1::ListProbesResponse* response) override;
  grpc::Status GetVideoSources(grpc::ServerContext* context, const v1::GetVideoSourcesRequest* request,
                               v1::VideoSources* response) override;

 private:
  ProbeService& logic_;
  server::RpcEnv env_;
};

}  // namespace curation::probe
