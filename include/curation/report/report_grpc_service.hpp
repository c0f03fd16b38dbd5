#pragma once
// The gRPC face of ReportService: converts messages and statuses, nothing more.

#include <curation/report/report_service.hpp>
#include <curation/server/rpc.hpp>
#include <curation/v1/report.grpc.pb.h>

namespace curation::report {

class ReportGrpcService final : public v1::ReportService::Service {
 public:
  static constexpr char kName[] = "curation.v1.ReportService";

  ReportGrpcService(ReportService& logic, server::RpcEnv& env) : logic_(logic), env_(env) {}

  grpc::Status GetReport(grpc::ServerContext* context, const v1::GetReportRequest* request,
                         v1::Report* response) override;
  grpc::Status ListTerms(grpc::ServerContext* context, const v1::ListTermsRequest* request,
                         v1::ListTermsResponse* response) override;

 private:
  ReportService& logic_;
  server::RpcEnv& env_;
};

}  // namespace curation::report
