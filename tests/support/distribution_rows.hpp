#pragma once
// The rows ingest stores for a bag served by distributor nodes, for tests of the services that
// read them (probe's SourceResolver) without running ingest: the same shape as
// FakeQueryNode::ServeBag, which feeds them through ingest instead.

#include <string>
#include <vector>

namespace curation::testing {

/// SQL that puts bag `bag_id` in distributing bucket "0:0" whose ACTIVE operators (worker ids
/// 0, 1, ...) have these node endpoints, replacing what an earlier call put there.
std::string ServeBagSql(const std::string& bag_id, const std::vector<std::string>& endpoints);

}  // namespace curation::testing
