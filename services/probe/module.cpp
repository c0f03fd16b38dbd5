#include <curation/probe/module.hpp>

#include <unistd.h>

#include <filesystem>

#include <absl/strings/str_cat.h>

#include <curation/db/pool.hpp>
#include <curation/probe/probe_grpc_service.hpp>
#include <curation/probe/probe_service.hpp>

namespace curation::probe {

std::vector<db::PreparedStatement> Module::Statements() {
  return server::JoinStatements({ProbeStore::Statements(), SourceResolver::Statements()});
}

namespace {

static_assert(Module::kGrpcService == ProbeGrpcService::kName);

constexpr int kOnDemandWorkers = 2;  // so a curator's probe never waits behind a backfill

// The worker binary: configured, else the one installed beside this executable.
std::string WorkerPath(const ProbeConfig& config) {
  if (!config.worker_path.empty()) {
    return config.worker_path;
  }
  std::error_code error;
  auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  return (self.parent_path() / "curation-probe-worker").string();
}

std::string Hostname() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

}  // namespace

struct LocalProbing::Pieces {
  const server::ModuleDeps& deps;
  const ProbeConfig& config = deps.config.Section<ProbeConfig>();
  ProbeStore store{deps.pool};
  SourceResolver resolver{deps.pool, deps.clock, config.sources_ttl};
  ProbeSandbox sandbox{{.worker_path = WorkerPath(config),
                        .allow_addresses = config.allow_addresses,
                        .deadline = config.deadline,
                        .max_bytes = config.max_bytes,
                        .workers = config.workers + kOnDemandWorkers}};
  ProbeService service{store, resolver, sandbox, deps.metrics, {.host_interval = config.host_interval}};
};

LocalProbing::LocalProbing(const server::ModuleDeps& deps) : pieces_(std::make_unique<Pieces>(deps)) {}

LocalProbing::~LocalProbing() = default;

ProbeStore& LocalProbing::store() { return pieces_->store; }

ProbeService& LocalProbing::service() { return pieces_->service; }

void LocalProbing::Interrupt() { pieces_->sandbox.Shutdown(); }  // their jobs go back to the queue

namespace {

// The probe queue's depth, read when metrics are scraped.
void AddQueueMetrics(MetricsRegistry& metrics, ProbeStore& store) {
  Gauge& queued = metrics.GetGauge("curation_probe_queue_depth", "Probe jobs waiting", {{"state", "queued"}});
  Gauge& running = metrics.GetGauge("curation_probe_queue_depth", "Probe jobs waiting", {{"state", "running"}});
  metrics.AddRefresher([&store, &queued, &running] {
    if (auto depth = store.Depth(); depth.ok()) {
      queued.Set(static_cast<double>(depth->queued));
      running.Set(static_cast<double>(depth->running));
    }
  });
}

// What probe builds: the pieces it shares with alert, and its API.
struct Parts {
  const server::ModuleDeps& deps;
  LocalProbing& probing = deps.shared.Get<LocalProbing>(deps);
  ProbeGrpcService grpc{probing.service(), deps.rpc};
};

}  // namespace

server::HostedService Module::Build(const server::ModuleDeps& deps) {
  auto parts = std::make_shared<Parts>(deps);
  AddQueueMetrics(deps.metrics, parts->probing.store());
  db::Pool& pool = deps.pool;
  ProbeService& service = parts->probing.service();
  server::HostedService hosted{.parts = parts,
                               .grpc = &parts->grpc,
                               .work = {[&service, &pool](std::stop_token stop) { service.RunFeedConsumer(stop, pool); }},
                               .interrupt = [&probing = parts->probing] { probing.Interrupt(); }};
  // Each job worker claims as its own holder, unique across replicas.
  for (int i = 0; i < deps.config.Section<ProbeConfig>().workers; ++i) {
    hosted.work.push_back([&service, &pool, holder = absl::StrCat(Hostname(), "-", getpid(), "-", i)](
                              std::stop_token stop) { service.RunJobs(stop, pool, holder); });
  }
  return hosted;
}

}  // namespace curation::probe
