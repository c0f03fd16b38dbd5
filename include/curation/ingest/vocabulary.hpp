#pragma once
// Ingest's fixed sets of values (common/vocabulary.hpp).

#include <curation/common/vocabulary.hpp>

namespace curation::ingest {

/// A distribution bucket operator's status on chain (DistributionBucketOperatorStatus). Only an
/// ACTIVE operator serves the bucket's bags.
enum class OperatorStatus { kInvited, kActive };

/// `db` is the stored text; `human` the query node's spelling, which the parser reads.
inline constexpr Vocabulary<OperatorStatus, NoProto, 2> kOperatorStatuses{{{
    {OperatorStatus::kInvited, "invited", NoProto::kNone, "INVITED"},
    {OperatorStatus::kActive, "active", NoProto::kNone, "ACTIVE"},
}}};

}  // namespace curation::ingest
