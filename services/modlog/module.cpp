#include <curation/modlog/module.hpp>

#include <curation/db/pool.hpp>
#include <curation/modlog/modlog_grpc_service.hpp>
#include <curation/modlog/reconciler.hpp>

namespace curation::modlog {

std::vector<db::PreparedStatement> Module::Statements() {
  return server::JoinStatements({LogStore::Statements(), Reconciler::Statements()});
}

namespace {

static_assert(Module::kGrpcService == ModerationLogGrpcService::kName);

// What the log builds, in the order it is built.
struct Parts {
  const server::ModuleDeps& deps;
  LogStore store{deps.pool};
  ModerationLogService service{store};
  Reconciler reconciler{deps.pool, deps.clock, deps.metrics};
  ModerationLogGrpcService grpc{service, deps.rpc};
};

// What waits to be sealed into the chain, read when metrics are scraped.
void AddBacklogMetrics(MetricsRegistry& metrics, LogStore& store, const Clock& clock) {
  Gauge& unsealed =
      metrics.GetGauge("curation_modlog_unsealed_entries", "Log entries waiting to be sealed into the hash chain");
  Gauge& oldest_unsealed = metrics.GetGauge("curation_modlog_oldest_unsealed_seconds",
                                            "Age of the oldest log entry waiting to be sealed; 0 when none waits");
  metrics.AddRefresher([&store, &clock, &unsealed, &oldest_unsealed] {
    if (auto backlog = store.Backlog(); backlog.ok()) {
      unsealed.Set(static_cast<double>(backlog->entries));
      oldest_unsealed.Set(backlog->oldest_recorded_at
                              ? std::chrono::duration<double>(clock.Now() - *backlog->oldest_recorded_at).count()
                              : 0.0);
    }
  });
}

}  // namespace

server::HostedService Module::Build(const server::ModuleDeps& deps) {
  auto parts = std::make_shared<Parts>(deps);
  AddBacklogMetrics(deps.metrics, parts->store, deps.clock);
  return {.parts = parts,
          .grpc = &parts->grpc,
          .work = {[&service = parts->service](std::stop_token stop) { service.RunSealer(stop); },
                   [&reconciler = parts->reconciler](std::stop_token stop) { reconciler.Run(stop); }}};
}

}  // namespace curation::modlog
