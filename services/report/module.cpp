#include <curation/report/module.hpp>

#include <curation/alert/config.hpp>
#include <curation/db/pool.hpp>
#include <curation/modlog/modlog_service.hpp>
#include <curation/report/report_grpc_service.hpp>

namespace curation::report {

std::vector<db::PreparedStatement> Module::Statements() {
  return server::JoinStatements({ReportStore::Statements(), modlog::LogStore::Statements()});
}

namespace {

static_assert(Module::kGrpcService == ReportGrpcService::kName);

// What report builds, in the order it is built: the log's own reader, whether modlog is hosted or not.
struct Parts {
  const server::ModuleDeps& deps;
  const ReportConfig& config = deps.config.Section<ReportConfig>();
  modlog::LogStore log_store{deps.pool};
  modlog::ModerationLogService log{log_store};
  ReportStore store{deps.pool};
  ReportService service{store, log, deps.clock, config,
                        Links{.gleev_url = deps.config.Section<AlertConfig>().gleev_url,
                              .explorer_url = config.explorer_url,
                              .network = config.network}};
  ReportGrpcService grpc{service, deps.rpc};
};

}  // namespace

server::HostedService Module::Build(const server::ModuleDeps& deps) {
  auto parts = std::make_shared<Parts>(deps);
  return {.parts = parts, .grpc = &parts->grpc};  // it answers calls only
}

}  // namespace curation::report
