#include <curation/probe/source_resolver.hpp>

#include <limits>
#include <optional>
#include <utility>

#include <absl/strings/str_cat.h>

#include <curation/common/graphql.hpp>

namespace curation::embedded {
const std::vector<std::pair<std::string, std::string>>& ProbeGraphqlDocuments();
}  // namespace curation::embedded

namespace curation::probe {
namespace {

using graphql::Value;

const std::string& BagDistributorsDocument() { return embedded::ProbeGraphqlDocuments().at(0).second; }

constexpr size_t kMaxEndpointLength = 2048;

// The node root of an ACTIVE operator of a distributing bucket, if it gives a plausible one.
std::optional<Distributor> ReadOperator(const std::string& bucket_id, Value op) {
  std::optional<int64_t> worker_id = op["workerId"].Int(0, std::numeric_limits<int64_t>::max());
  std::optional<std::string> endpoint = op["metadata"]["nodeEndpoint"].HttpUrl(kMaxEndpointLength);
  if (op["status"].String() != "ACTIVE" || !worker_id || !endpoint) {
    return std::nullopt;
  }
  if (!endpoint->ends_with('/')) {
    *endpoint += '/';
  }
  return Distributor{bucket_id, *worker_id, std::move(*endpoint)};
}

}  // namespace

absl::StatusOr<std::vector<Distributor>> ParseBagDistributors(const std::string& body) {
  graphql::AnswerParser parser(ingest::QueryNode());
  ASSIGN_OR_RETURN(Value data, parser.Parse(body));
  Value bag = data["bag"];
  std::vector<Distributor> distributors;
  if (!bag) {
    return distributors;  // no such bag: nobody serves it
  }
  Value buckets = bag["distributionBuckets"];
  if (!buckets.IsArray()) {
    return ingest::QueryNode().Malformed(
        absl::StrCat("has a ", buckets.TypeName(), " at bag.distributionBuckets, not a list"));
  }
  buckets.ForEachElement([&](Value bucket) {
    std::optional<std::string> bucket_id = bucket["id"].Id();
    if (!bucket_id || bucket["distributing"].Bool() != true) {
      return;
    }
    bucket["operators"].ForEachElement([&](Value op) {
      if (std::optional<Distributor> distributor = ReadOperator(*bucket_id, op)) {
        distributors.push_back(std::move(*distributor));
      }
    });
  });
  return distributors;
}

SourceResolver::SourceResolver(ingest::QueryNodeClient& query_node, const Clock& clock, std::chrono::milliseconds ttl)
    : query_node_(query_node), clock_(clock), ttl_(ttl) {}

absl::StatusOr<std::vector<Distributor>> SourceResolver::Distributors(const std::string& bag_id) {
  std::lock_guard lock(mutex_);
  auto cached = cache_.find(bag_id);
  if (cached != cache_.end() && clock_.Now() - cached->second.fetched_at < ttl_) {
    return cached->second.distributors;
  }
  auto body = query_node_.Execute(BagDistributorsDocument(), "BagDistributors", {{"bag", bag_id}});
  absl::StatusOr<std::vector<Distributor>> parsed =
      body.ok() ? ParseBagDistributors(*body) : absl::StatusOr<std::vector<Distributor>>(body.status());
  if (!parsed.ok()) {
    if (cached != cache_.end()) {
      return cached->second.distributors;  // stale beats none while the query node is down
    }
    return absl::UnavailableError(
        absl::StrCat("cannot learn which distributors serve bag ", bag_id, ": ", parsed.status().message()));
  }
  cache_[bag_id] = {*parsed, clock_.Now()};
  return *parsed;
}

}  // namespace curation::probe
