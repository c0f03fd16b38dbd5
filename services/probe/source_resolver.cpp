#include <curation/probe/source_resolver.hpp>

#include <absl/strings/str_cat.h>
#include <nlohmann/json.hpp>

namespace curation::embedded {
const std::vector<std::pair<std::string, std::string>>& ProbeGraphqlDocuments();
}  // namespace curation::embedded

namespace curation::probe {
namespace {

const std::string& BagDistributorsDocument() { return embedded::ProbeGraphqlDocuments().at(0).second; }

constexpr size_t kMaxEndpointLength = 2048;

// A node root the prober may try: http(s), a host, no spaces or control characters.
bool PlausibleEndpoint(const std::string& endpoint) {
  if (endpoint.size() > kMaxEndpointLength) return false;
  size_t host_start = endpoint.starts_with("https://") ? 8 : endpoint.starts_with("http://") ? 7 : 0;
  if (host_start == 0 || endpoint.size() <= host_start || endpoint[host_start] == '/') return false;
  for (unsigned char c : endpoint) {
    if (c <= 0x20 || c == 0x7F) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::vector<Distributor>> ParseBagDistributors(const std::string& body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return absl::InvalidArgumentError("the query node's answer is not a JSON object");
  }
  if (json.contains("errors")) {
    return absl::InvalidArgumentError(absl::StrCat("the query node reports errors: ", json["errors"].dump().substr(0, 300)));
  }
  const auto& bag = json.value("/data/bag"_json_pointer, nlohmann::json());
  std::vector<Distributor> distributors;
  if (bag.is_null()) {
    return distributors;  // no such bag: nobody serves it
  }
  const auto& buckets = bag.value("distributionBuckets", nlohmann::json());
  if (!buckets.is_array()) {
    return absl::InvalidArgumentError("bag.distributionBuckets is not a list");
  }
  for (const auto& bucket : buckets) {
    if (!bucket.is_object() || !bucket.value("distributing", false) || !bucket["operators"].is_array() ||
        !bucket["id"].is_string()) {
      continue;
    }
    for (const auto& op : bucket["operators"]) {
      if (!op.is_object() || op.value("status", nlohmann::json()) != "ACTIVE" || !op["workerId"].is_number_integer()) {
        continue;
      }
      const auto& metadata = op.value("metadata", nlohmann::json());
      if (!metadata.is_object() || !metadata["nodeEndpoint"].is_string()) continue;
      std::string endpoint = metadata["nodeEndpoint"].get<std::string>();
      if (!PlausibleEndpoint(endpoint)) continue;
      if (!endpoint.ends_with('/')) endpoint += '/';
      distributors.push_back({bucket["id"].get<std::string>(), op["workerId"].get<int64_t>(), endpoint});
    }
  }
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
