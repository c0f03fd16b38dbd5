#pragma once
// The GraphQL client of a Hydra query node, as ingest and probe reach it.

#include <chrono>
#include <cstdint>
#include <string>

#include <curation/common/graphql.hpp>

namespace curation::ingest {

/// How the query node is named in messages, and the codes ingest promises for its answers: a
/// malformed one is DATA_LOSS, an oversized one OUT_OF_RANGE (the caller asks for fewer items).
const graphql::Upstream& QueryNode();

/// A graphql::Client of its own HTTP connection (one instance per polling thread). HTTP 429
/// comes back as RESOURCE_EXHAUSTED, 5xx and transport failures as UNAVAILABLE, a timeout as
/// DEADLINE_EXCEEDED, a response over the size limit as OUT_OF_RANGE; a Retry-After the server
/// sent is in RetryAfter(status).
class QueryNodeClient : public graphql::Client {
 public:
  QueryNodeClient(std::string url, std::chrono::milliseconds timeout, int64_t max_response_bytes);
};

}  // namespace curation::ingest
