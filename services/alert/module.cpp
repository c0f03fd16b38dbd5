#include <curation/alert/module.hpp>

#include <curation/alert/alert_grpc_service.hpp>
#include <curation/alert/courier.hpp>
#include <curation/alert/monitor.hpp>
#include <curation/alert/orion_client.hpp>
#include <curation/common/http_client.hpp>
#include <curation/db/pool.hpp>
#include <curation/probe/module.hpp>

namespace curation::alert {

std::vector<db::PreparedStatement> Module::Statements() {
  return server::JoinStatements({AlertStore::Statements(), probe::Module::Statements()});
}

namespace {

static_assert(Module::kGrpcService == AlertGrpcService::kName);

// What alerting builds, in the order it is built. What it builds from the configuration holds on
// to it (the loaded configuration's own section, which outlives it).
struct Parts {
  const server::ModuleDeps& deps;
  const AlertConfig& config = deps.config.Section<AlertConfig>();
  probe::LocalProbing& probing = deps.shared.Get<probe::LocalProbing>(deps);
  AlertStore store{deps.pool};
  HttpClient orion_http{};
  HttpClient courier_http{};
  OrionClient orion{orion_http, {.url = config.orion_url, .session = config.orion_session, .timeout = config.orion_timeout}};
  LocalSlotProber slot_prober{probing.service()};
  Pager pager{store, config};
  AlertMonitor monitor{store, orion, slot_prober, pager, deps.clock, config, deps.metrics};
  Courier courier{store, courier_http, deps.clock, config, deps.metrics};
  AlertService service{store, pager, courier, deps.clock, config, deps.metrics};
  AlertGrpcService grpc{service, deps.rpc};
};

}  // namespace

server::HostedService Module::Build(const server::ModuleDeps& deps) {
  auto parts = std::make_shared<Parts>(deps);
  deps.metrics.AddRefresher([&service = parts->service] { service.RefreshMetrics(); });
  return {.parts = parts,
          .grpc = &parts->grpc,
          .work = {[&monitor = parts->monitor](std::stop_token stop) { monitor.Run(stop); },
                   [&courier = parts->courier](std::stop_token stop) { courier.Run(stop); }},
          .interrupt = [&probing = parts->probing] { probing.Interrupt(); }};
}

}  // namespace curation::alert
