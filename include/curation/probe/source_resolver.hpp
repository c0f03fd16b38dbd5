#pragma once
// Where a storage bag is served: the ACTIVE operators of its distributing buckets, read from
// the query node and cached for a short time. Endpoints are on-chain metadata anyone can set:
// only well-formed http(s) URLs are kept; the address guard judges where they lead.

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <curation/common/clock.hpp>
#include <curation/ingest/query_node_client.hpp>

namespace curation::probe {

struct Distributor {
  std::string bucket_id;
  int64_t worker_id = 0;
  std::string endpoint;  // the node root, ending with '/'

  std::string AssetUrl(const std::string& object_id) const { return endpoint + "api/v1/assets/" + object_id; }
};

class SourceResolver {
 public:
  SourceResolver(ingest::QueryNodeClient& query_node, const Clock& clock, std::chrono::milliseconds ttl);
  /// Thread-safe. UNAVAILABLE when the query node cannot answer and nothing is cached.
  absl::StatusOr<std::vector<Distributor>> Distributors(const std::string& bag_id);

 private:
  struct Entry {
    std::vector<Distributor> distributors;
    TimePoint fetched_at;
  };
  ingest::QueryNodeClient& query_node_;
  const Clock& clock_;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;  // also serializes query node calls: its client is single-threaded
  std::map<std::string, Entry> cache_;
};

/// Parses a BagDistributors answer (graphql::AnswerParser's statuses for the query node: DATA_LOSS
/// names what is malformed, UNAVAILABLE the error it reports). Buckets and operators that cannot
/// be used (no id, not distributing, not ACTIVE, no worker id or plausible endpoint) are left out.
absl::StatusOr<std::vector<Distributor>> ParseBagDistributors(const std::string& body);

}  // namespace curation::probe
