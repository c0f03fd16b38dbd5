#pragma once
// Ingest in curationd: the poller that reads the query node into the database, and the
// status/backfill API (see curation/server/module.hpp for what a module is).

#include <curation/ingest/config.hpp>
#include <curation/server/module.hpp>

namespace curation::ingest {

struct Module {
  static constexpr std::string_view kName = "ingest";
  static constexpr std::string_view kGrpcService = "curation.v1.IngestService";
  static const ConfigSection& Section();
  static std::vector<db::PreparedStatement> Statements();
  static server::HostedService Build(const server::ModuleDeps& deps);
};

}  // namespace curation::ingest
