#pragma once
// The gRPC face of IngestService: converts messages and statuses, nothing more.

#include <curation/ingest/ingest_service.hpp>
#include <curation/server/rpc.hpp>
#include <curation/v1/ingest.grpc.pb.h>

namespace curation::ingest {

class IngestGrpcService final : public v1::IngestService::Service {
 public:
  static constexpr char kName[] = "curation.v1.IngestService";
  // Who may call what (docs/roles.md).
  static constexpr auth::RoleSet kGetIngestStatusRoles = auth::RoleSet::All();
  static constexpr auth::RoleSet kStartBackfillRoles = {auth::Role::kLead, auth::Role::kService};

  /// `env` (metrics, authenticator) is copied; what it refers to must outlive this.
  IngestGrpcService(IngestService& logic, server::RpcEnv& env) : logic_(logic), env_(env) {}

  grpc::Status GetIngestStatus(grpc::ServerContext* context, const v1::GetIngestStatusRequest* request,
                               v1::IngestStatus* response) override;
  grpc::Status StartBackfill(grpc::ServerContext* context, const v1::StartBackfillRequest* request,
                             v1::StartBackfillResponse* response) override;

 private:
  IngestService& logic_;
  server::RpcEnv env_;
};

}  // namespace curation::ingest
