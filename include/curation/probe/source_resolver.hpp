#pragma once
// Where a storage bag is served: the ACTIVE operators of its distributing buckets, as ingest
// stored them (ingest.storage_bags, ingest.distribution_buckets, ingest.distribution_operators),
// cached for a short time. Endpoints are on-chain metadata anyone can set, stored as given:
// only well-formed http(s) URLs are used; the address guard judges where they lead.

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <curation/common/clock.hpp>
#include <curation/common/status.hpp>
#include <curation/db/pool.hpp>

namespace curation::probe {

struct Distributor {
  std::string bucket_id;
  int64_t worker_id = 0;
  std::string endpoint;  // the node root, ending with '/'

  std::string AssetUrl(const std::string& object_id) const { return endpoint + "api/v1/assets/" + object_id; }
};

/// The node of one ACTIVE operator of a distributing bucket, if its endpoint as stored is a
/// plausible one (an http(s) URL by common/text's IsHttpUrl, at most 2 KiB); the root gains a
/// trailing '/'.
std::optional<Distributor> UsableDistributor(std::string bucket_id, int64_t worker_id, std::string_view endpoint);

/// Thread-safe (its cache under a mutex, every read on its own pooled connection).
class SourceResolver {
 public:
  /// `pool` must carry Statements().
  SourceResolver(db::Pool& pool, const Clock& clock, std::chrono::milliseconds ttl);

  static std::vector<db::PreparedStatement> Statements();

  /// The bag's distributors: its buckets in the order the query node listed them, each
  /// bucket's operators by worker id. Empty for a bag ingest has not stored (nobody serves it
  /// yet, and that answer is not cached). UNAVAILABLE when the database cannot answer and
  /// nothing is cached.
  absl::StatusOr<std::vector<Distributor>> Distributors(const std::string& bag_id);

 private:
  struct Entry {
    std::vector<Distributor> distributors;
    TimePoint fetched_at;
  };
  db::Pool& pool_;
  const Clock& clock_;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::map<std::string, Entry> cache_;
};

}  // namespace curation::probe
