#pragma once
// Alerting in curationd: what Gleev features, probed; incidents paged through the outbox until
// they are dealt with; the alert API (see curation/server/module.hpp for what a module is). It
// probes through probe's pieces in this process (probe::LocalProbing), hosted or not.

#include <curation/alert/config.hpp>
#include <curation/server/module.hpp>

namespace curation::alert {

struct Module {
  static constexpr std::string_view kName = "alert";
  static constexpr std::string_view kGrpcService = "curation.v1.AlertService";
  static const ConfigSection& Section();
  static std::vector<db::PreparedStatement> Statements();
  static server::HostedService Build(const server::ModuleDeps& deps);
};

}  // namespace curation::alert
