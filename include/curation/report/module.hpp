#pragma once
// The council's term report in curationd, read from the log, the queue, ingest and alerting
// (see curation/server/module.hpp for what a module is). It reads the log through modlog's
// service logic of its own, hosted or not.

#include <curation/report/config.hpp>
#include <curation/server/module.hpp>

namespace curation::report {

struct Module {
  static constexpr std::string_view kName = "report";
  static constexpr std::string_view kGrpcService = "curation.v1.ReportService";
  static const ConfigSection& Section();
  static std::vector<db::PreparedStatement> Statements();
  static server::HostedService Build(const server::ModuleDeps& deps);
};

}  // namespace curation::report
