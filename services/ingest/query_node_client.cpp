#include <curation/ingest/query_node_client.hpp>

#include <utility>

namespace curation::ingest {

const graphql::Upstream& QueryNode() {
  static const graphql::Upstream kQueryNode{.name = "query node",
                                            .malformed = absl::StatusCode::kDataLoss,
                                            .oversized = absl::StatusCode::kOutOfRange};
  return kQueryNode;
}

QueryNodeClient::QueryNodeClient(std::string url, std::chrono::milliseconds timeout, int64_t max_response_bytes)
    : graphql::Client(graphql::ClientOptions{.upstream = QueryNode(),
                                             .url = std::move(url),
                                             .timeout = timeout,
                                             .max_response_bytes = max_response_bytes}) {}

}  // namespace curation::ingest
