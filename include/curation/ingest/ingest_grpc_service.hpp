#pragma once
// The gRPC face of IngestService: converts messages and statuses, nothing more.

#include <curation/ingest/ingest_service.hpp>
#include <curation/server/rpc.hpp>
#include <curation/v1/ingest.grpc.pb.h>

namespace curation::ingest {

class IngestGrpcService final : public v1::IngestService::Service {
 public:
  static constexpr char kName[] = "curation.v1.IngestService";

  IngestGrpcService(IngestService& logic, server::RpcMetrics& metrics) : logic_(logic), metrics_(metrics) {}

  grpc::Status GetIngestStatus(grpc::ServerContext* context, const v1::GetIngestStatusRequest* request,
                               v1::IngestStatus* response) override;
  grpc::Status StartBackfill(grpc::ServerContext* context, const v1::StartBackfillRequest* request,
                             v1::StartBackfillResponse* response) override;

 private:
  IngestService& logic_;
  server::RpcMetrics& metrics_;
};

}  // namespace curation::ingest
