#pragma once
// The gRPC face of ModerationLogService: converts messages and statuses, nothing more.

#include <curation/modlog/modlog_service.hpp>
#include <curation/server/rpc.hpp>
#include <curation/v1/moderation_log.grpc.pb.h>

namespace curation::modlog {

class ModerationLogGrpcService final : public v1::ModerationLogService::Service {
 public:
  static constexpr char kName[] = "curation.v1.ModerationLogService";

  ModerationLogGrpcService(ModerationLogService& logic, server::RpcEnv& env) : logic_(logic), env_(env) {}

  grpc::Status ListEntries(grpc::ServerContext* context, const v1::ListEntriesRequest* request,
                           v1::ListEntriesResponse* response) override;
  grpc::Status GetEntry(grpc::ServerContext* context, const v1::GetEntryRequest* request,
                        v1::Entry* response) override;
  grpc::Status VerifyLog(grpc::ServerContext* context, const v1::VerifyLogRequest* request,
                         v1::VerifyLogResponse* response) override;
  grpc::Status ExportEntries(grpc::ServerContext* context, const v1::ExportEntriesRequest* request,
                             grpc::ServerWriter<v1::Entry>* writer) override;

 private:
  ModerationLogService& logic_;
  server::RpcEnv& env_;
};

/// The wire form of an entry.
void ToProto(const Entry& entry, v1::Entry* out);

}  // namespace curation::modlog
