#pragma once
// The gRPC face of ReviewService: converts messages and statuses, and says which roles may
// call what; nothing more.

#include <curation/review/review_service.hpp>
#include <curation/server/rpc.hpp>
#include <curation/v1/review.grpc.pb.h>

namespace curation::review {

class ReviewGrpcService final : public v1::ReviewService::Service {
 public:
  static constexpr char kName[] = "curation.v1.ReviewService";

  ReviewGrpcService(ReviewService& logic, server::RpcEnv& env) : logic_(logic), env_(env) {}

  grpc::Status ListItems(grpc::ServerContext* context, const v1::ListItemsRequest* request,
                         v1::ListItemsResponse* response) override;
  grpc::Status GetItem(grpc::ServerContext* context, const v1::GetItemRequest* request, v1::Item* response) override;
  grpc::Status ClaimItems(grpc::ServerContext* context, const v1::ClaimItemsRequest* request,
                          v1::ClaimItemsResponse* response) override;
  grpc::Status RenewClaims(grpc::ServerContext* context, const v1::RenewClaimsRequest* request,
                           v1::RenewClaimsResponse* response) override;
  grpc::Status ReleaseItems(grpc::ServerContext* context, const v1::ReleaseItemsRequest* request,
                            v1::ReleaseItemsResponse* response) override;
  grpc::Status DecideItem(grpc::ServerContext* context, const v1::DecideItemRequest* request,
                          v1::Decision* response) override;
  grpc::Status RevertDecision(grpc::ServerContext* context, const v1::RevertDecisionRequest* request,
                              v1::Decision* response) override;
  grpc::Status GetQueueStats(grpc::ServerContext* context, const v1::GetQueueStatsRequest* request,
                             v1::QueueStats* response) override;
  grpc::Status ListPolicyCodes(grpc::ServerContext* context, const v1::ListPolicyCodesRequest* request,
                               v1::ListPolicyCodesResponse* response) override;

 private:
  ReviewService& logic_;
  server::RpcEnv& env_;
};

}  // namespace curation::review
