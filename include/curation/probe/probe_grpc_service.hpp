#pragma once
// The gRPC face of ProbeService: checks arguments, converts statuses, nothing more.

#include <curation/probe/probe_service.hpp>
#include <curation/server/rpc.hpp>
#include <curation/v1/probe.grpc.pb.h>

namespace curation::probe {

class ProbeGrpcService final : public v1::ProbeService::Service {
 public:
  static constexpr char kName[] = "curation.v1.ProbeService";

  ProbeGrpcService(ProbeService& logic, server::RpcMetrics& metrics) : logic_(logic), metrics_(metrics) {}

  grpc::Status ProbeUrl(grpc::ServerContext* context, const v1::ProbeUrlRequest* request,
                        v1::ProbeReport* response) override;
  grpc::Status ProbeVideo(grpc::ServerContext* context, const v1::ProbeVideoRequest* request,
                          v1::ProbeReport* response) override;
  grpc::Status GetVerdict(grpc::ServerContext* context, const v1::GetVerdictRequest* request,
                          v1::ProbeReport* response) override;
  grpc::Status ListProbes(grpc::ServerContext* context, const v1::ListProbesRequest* request,
                          v1::ListProbesResponse* response) override;

 private:
  ProbeService& logic_;
  server::RpcMetrics& metrics_;
};

}  // namespace curation::probe
