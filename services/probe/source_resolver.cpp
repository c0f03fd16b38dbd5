#include <curation/probe/source_resolver.hpp>

#include <utility>

#include <absl/strings/str_cat.h>

#include <curation/common/text.hpp>
#include <curation/ingest/vocabulary.hpp>

namespace curation::probe {
namespace {

constexpr size_t kMaxEndpointLength = 2048;

// A bag's distributing buckets in its order, and their ACTIVE operators by worker id.
std::string BagDistributorsSql() {
  return absl::StrCat(
      "SELECT o.bucket_id, o.worker_id, o.node_endpoint"
      " FROM ingest.storage_bags s"
      " CROSS JOIN LATERAL unnest(s.distribution_bucket_ids) WITH ORDINALITY AS m(bucket_id, position)"
      " JOIN ingest.distribution_buckets b ON b.id = m.bucket_id AND b.distributing"
      " JOIN ingest.distribution_operators o ON o.bucket_id = b.id AND o.status = ",
      ingest::kOperatorStatuses.Sql(ingest::OperatorStatus::kActive),
      " WHERE s.id = $1 AND o.node_endpoint IS NOT NULL"
      " ORDER BY m.position, o.worker_id, o.id");
}

}  // namespace

std::optional<Distributor> UsableDistributor(std::string bucket_id, int64_t worker_id, std::string_view endpoint) {
  if (endpoint.size() > kMaxEndpointLength || !IsHttpUrl(endpoint)) {
    return std::nullopt;
  }
  std::string root(endpoint);
  if (!root.ends_with('/')) {
    root += '/';
  }
  return Distributor{std::move(bucket_id), worker_id, std::move(root)};
}

std::vector<db::PreparedStatement> SourceResolver::Statements() {
  return {{"probe.bag_distributors", BagDistributorsSql()},
          {"probe.bag_known", "SELECT count(*) FROM ingest.storage_bags WHERE id = $1"}};
}

SourceResolver::SourceResolver(db::Pool& pool, const Clock& clock, std::chrono::milliseconds ttl)
    : pool_(pool), clock_(clock), ttl_(ttl) {}

absl::StatusOr<std::vector<Distributor>> SourceResolver::Distributors(const std::string& bag_id) {
  {
    std::lock_guard lock(mutex_);
    auto cached = cache_.find(bag_id);
    if (cached != cache_.end() && clock_.Now() - cached->second.fetched_at < ttl_) {
      return cached->second.distributors;
    }
  }
  std::vector<Distributor> distributors;
  bool known = false;
  absl::Status read = pool_.InTransaction([&](pqxx::work& tx) {
    known = tx.exec_prepared1("probe.bag_known", bag_id)[0].as<int64_t>() > 0;
    for (const auto& row : tx.exec_prepared("probe.bag_distributors", bag_id)) {
      if (auto distributor =
              UsableDistributor(row[0].as<std::string>(), row[1].as<int64_t>(), row[2].as<std::string>())) {
        distributors.push_back(std::move(*distributor));
      }
    }
    return absl::OkStatus();
  });
  std::lock_guard lock(mutex_);
  if (!read.ok()) {
    if (auto cached = cache_.find(bag_id); cached != cache_.end()) {
      return cached->second.distributors;  // stale beats none while the database is away
    }
    return absl::UnavailableError(
        absl::StrCat("cannot learn which distributors serve bag ", bag_id, ": ", read.message()));
  }
  if (known) {
    cache_[bag_id] = {distributors, clock_.Now()};
  } else {
    cache_.erase(bag_id);  // not read by ingest yet: asked again next time, not held for the TTL
  }
  return distributors;
}

}  // namespace curation::probe
