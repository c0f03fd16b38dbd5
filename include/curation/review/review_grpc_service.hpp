#pragma once
// The gRPC face of ReviewService: converts messages and statuses, nothing more.

#include <curation/review/review_service.hpp>
#include <curation/server/rpc.hpp>
#include <curation/v1/review.grpc.pb.h>

namespace curation::review {

class ReviewGrpcService final : public v1::ReviewService::Service {
 public:
  static constexpr char kName[] = "curation.v1.ReviewService";

  ReviewGrpcService(ReviewService& logic, server::RpcMetrics& metrics) : logic_(logic), metrics_(metrics) {}

  grpc::Status ListItems(grpc::ServerContext* context, const v1::ListItemsRequest* request,
                         v1::ListItemsResponse* response) override;
  grpc::Status GetItem(grpc::ServerContext* context, const v1::GetItemRequest* request, v1::Item* response) override;

 private:
  ReviewService& logic_;
  server::RpcMetrics& metrics_;
};

}  // namespace curation::review
