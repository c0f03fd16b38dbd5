#include <curation/ingest/module.hpp>

#include <curation/db/pool.hpp>
#include <curation/ingest/ingest_grpc_service.hpp>
#include <curation/ingest/ingestor.hpp>

namespace curation::ingest {

std::vector<db::PreparedStatement> Module::Statements() { return IngestStore::Statements(); }

namespace {

static_assert(Module::kGrpcService == IngestGrpcService::kName);

// What ingest builds, in the order it is built.
struct Parts {
  const server::ModuleDeps& deps;
  const QueryNodeConfig& query_node_config = deps.config.query_node;
  IngestStore store{deps.pool};
  QueryNodeClient query_node{query_node_config.url, query_node_config.request_timeout,
                             query_node_config.max_response_bytes};
  Ingestor ingestor{store, query_node, deps.config.Section<IngestConfig>(), query_node_config.page_size, deps.metrics};
  IngestService service{store, query_node_config.url};
  IngestGrpcService grpc{service, deps.rpc};
};

// How far ingest is behind the query node's head, read when metrics are scraped.
void AddLagMetrics(MetricsRegistry& metrics, IngestService& service) {
  Gauge& blocks = metrics.GetGauge("curation_ingest_lag_blocks", "Blocks the query node head is ahead of ingest");
  Gauge& seconds = metrics.GetGauge("curation_ingest_lag_seconds", "Ingest lag behind the query node, as time");
  metrics.AddRefresher([&service, &blocks, &seconds] {
    if (auto status = service.GetStatus(); status.ok()) {
      blocks.Set(static_cast<double>(status->lag_blocks));
      seconds.Set(std::chrono::duration<double>(status->lag).count());
    }
  });
}

}  // namespace

server::HostedService Module::Build(const server::ModuleDeps& deps) {
  auto parts = std::make_shared<Parts>(deps);
  AddLagMetrics(deps.metrics, parts->service);
  return {.parts = parts,
          .grpc = &parts->grpc,
          .work = {[&ingestor = parts->ingestor](std::stop_token stop) { ingestor.Run(stop); }}};
}

}  // namespace curation::ingest
