#pragma once
// Review in curationd: items raised from the ingest feed, the queue API, and the sweeper that
// returns lapsed claims (see curation/server/module.hpp for what a module is).

#include <curation/review/config.hpp>
#include <curation/server/module.hpp>

namespace curation::review {

struct Module {
  static constexpr std::string_view kName = "review";
  static constexpr std::string_view kGrpcService = "curation.v1.ReviewService";
  static const ConfigSection& Section();
  static std::vector<db::PreparedStatement> Statements();
  static server::HostedService Build(const server::ModuleDeps& deps);
};

}  // namespace curation::review
