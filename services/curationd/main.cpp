// curationd: hosts any set of the curation services in one process.
//   curationd [run]      start the services (default)
//   curationd migrate    apply database migrations and exit
//   curationd config     print the effective configuration and exit

#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <absl/strings/str_join.h>

#include <curation/common/config.hpp>
#include <curation/common/logging.hpp>
#include <curation/common/metrics.hpp>
#include <curation/db/embedded_postgres.hpp>
#include <curation/db/migrations.hpp>
#include <curation/db/pool.hpp>
#include <curation/ingest/ingest_grpc_service.hpp>
#include <curation/ingest/ingestor.hpp>
#include <curation/probe/probe_grpc_service.hpp>
#include <curation/review/feed_consumer.hpp>
#include <curation/review/review_grpc_service.hpp>
#include <curation/server/grpc_host.hpp>

namespace curation {
namespace {

constexpr std::chrono::seconds kHealthCheckEvery{5};
constexpr std::chrono::seconds kShutdownGrace{5};

bool Hosts(const Config& config, const std::string& service) {
  return std::find(config.server.services.begin(), config.server.services.end(), service) !=
         config.server.services.end();
}

// The database URL to use, starting the embedded server when none is configured.
absl::StatusOr<std::string> DatabaseUrl(const Config& config, std::unique_ptr<db::EmbeddedPostgres>& embedded) {
  if (!config.database.url.empty()) {
    return config.database.url;
  }
  ASSIGN_OR_RETURN(embedded, db::EmbeddedPostgres::Start({.data_dir = config.database.embedded_dir,
                                                          .bin_dir = config.database.embedded_bin_dir}));
  return embedded->Url();
}

int Fail(const absl::Status& status) {
  ComponentLogger("curationd")->critical("{}", status.message());
  return 1;
}

int Migrate(const Config& config) {
  std::unique_ptr<db::EmbeddedPostgres> embedded;
  auto url = DatabaseUrl(config, embedded);
  if (!url.ok()) {
    return Fail(url.status());
  }
  auto report = db::Migrate(*url, db::BundledMigrations());
  if (!report.ok()) {
    return Fail(report.status());
  }
  ComponentLogger("curationd")
      ->info("schema at version {} ({} migration(s) applied now)", report->current_version, report->applied);
  return 0;
}

std::string Hostname() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

// The worker binary: configured, else the one installed beside this executable.
std::string ProbeWorkerPath(const Config& config) {
  if (!config.probe.worker_path.empty()) {
    return config.probe.worker_path;
  }
  std::error_code error;
  auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  return (self.parent_path() / "curation-probe-worker").string();
}

int Run(const Config& config) {
  auto log = ComponentLogger("curationd");
  // Signals are taken by sigwait below, so every thread started from here on blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<db::EmbeddedPostgres> embedded;
  auto url = DatabaseUrl(config, embedded);
  if (!url.ok()) {
    return Fail(url.status());
  }
  if (auto report = db::Migrate(*url, db::BundledMigrations()); !report.ok()) {
    return Fail(report.status());
  }
  std::vector<db::PreparedStatement> statements = ingest::IngestStore::Statements();
  for (auto& statement : review::ReviewStore::Statements()) {
    statements.push_back(std::move(statement));
  }
  for (auto& statement : probe::ProbeStore::Statements()) {
    statements.push_back(std::move(statement));
  }
  auto pool = db::Pool::Create({.url = *url,
                                .size = config.database.pool_size,
                                .statement_timeout = config.database.statement_timeout,
                                .statements = std::move(statements)});
  if (!pool.ok()) {
    return Fail(pool.status());
  }

  MetricsRegistry metrics;
  MetricsServer metrics_server(metrics);
  if (!config.server.metrics_listen.empty()) {
    if (auto started = metrics_server.Start(config.server.metrics_listen); !started.ok()) {
      return Fail(started);
    }
  }
  server::RpcMetrics rpc_metrics(metrics);
  server::GrpcHost host;

  // Ingest: the poller, and the status/backfill API.
  ingest::IngestStore ingest_store(**pool);
  ingest::QueryNodeClient query_node(config.query_node.url, config.query_node.request_timeout,
                                     config.query_node.max_response_bytes);
  ingest::Ingestor ingestor(ingest_store, query_node, config.ingest, config.query_node.page_size, metrics);
  ingest::IngestService ingest_service(ingest_store, config.query_node.url);
  ingest::IngestGrpcService ingest_grpc(ingest_service, rpc_metrics);
  if (Hosts(config, "ingest")) {
    host.Register(&ingest_grpc, ingest::IngestGrpcService::kName);
    Gauge& lag_blocks = metrics.GetGauge("curation_ingest_lag_blocks", "Blocks the query node head is ahead of ingest");
    Gauge& lag_seconds = metrics.GetGauge("curation_ingest_lag_seconds", "Ingest lag behind the query node, as time");
    metrics.AddRefresher([&] {
      if (auto status = ingest_service.GetStatus(); status.ok()) {
        lag_blocks.Set(static_cast<double>(status->lag_blocks));
        lag_seconds.Set(std::chrono::duration<double>(status->lag).count());
      }
    });
  }

  // Probe: light probes of new videos from the feed, jobs run in sandboxed workers, the API.
  probe::ProbeStore probe_store(**pool);
  ingest::QueryNodeClient probe_query_node(config.query_node.url, config.query_node.request_timeout,
                                           config.query_node.max_response_bytes);
  probe::SourceResolver source_resolver(probe_query_node, SystemClock::Instance(), config.probe.sources_ttl);
  constexpr int kOnDemandWorkers = 2;  // so a curator's probe never waits behind a backfill
  probe::ProbeSandbox sandbox({.worker_path = ProbeWorkerPath(config),
                               .allow_addresses = config.probe.allow_addresses,
                               .deadline = config.probe.deadline,
                               .max_bytes = config.probe.max_bytes,
                               .workers = config.probe.workers + kOnDemandWorkers});
  probe::ProbeService probe_service(probe_store, source_resolver, sandbox, metrics,
                                    {.host_interval = config.probe.host_interval});
  probe::ProbeGrpcService probe_grpc(probe_service, rpc_metrics);
  if (Hosts(config, "probe")) {
    host.Register(&probe_grpc, probe::ProbeGrpcService::kName);
    Gauge& queued = metrics.GetGauge("curation_probe_queue_depth", "Probe jobs waiting", {{"state", "queued"}});
    Gauge& running = metrics.GetGauge("curation_probe_queue_depth", "Probe jobs waiting", {{"state", "running"}});
    metrics.AddRefresher([&] {
      if (auto depth = probe_store.Depth(); depth.ok()) {
        queued.Set(static_cast<double>(depth->queued));
        running.Set(static_cast<double>(depth->running));
      }
    });
  }

  // Review: items raised from the ingest feed, and the queue API.
  review::ReviewStore review_store(**pool);
  review::FeedConsumer feed_consumer(review_store, **pool, config.review, metrics);
  review::ReviewService review_service(review_store, SystemClock::Instance(), config.review);
  review::ReviewGrpcService review_grpc(review_service, rpc_metrics);
  if (Hosts(config, "review")) {
    host.Register(&review_grpc, review::ReviewGrpcService::kName);
  }

  if (auto started = host.Start({.listen = config.server.listen,
                                 .reflection = config.server.reflection,
                                 .max_threads = config.server.max_threads});
      !started.ok()) {
    return Fail(started);
  }
  // Declared after everything they use, so they stop (and join) before it is destroyed.
  std::vector<std::jthread> workers;
  if (Hosts(config, "ingest")) {
    workers.emplace_back([&](std::stop_token stop) { ingestor.Run(stop); });
  }
  if (Hosts(config, "review")) {
    workers.emplace_back([&](std::stop_token stop) { feed_consumer.Run(stop); });
  }
  if (Hosts(config, "probe")) {
    workers.emplace_back([&](std::stop_token stop) { probe_service.RunFeedConsumer(stop, **pool); });
    for (int i = 0; i < config.probe.workers; ++i) {
      std::string holder = absl::StrCat(Hostname(), "-", getpid(), "-", i);
      workers.emplace_back([&, holder](std::stop_token stop) { probe_service.RunJobs(stop, **pool, holder); });
    }
  }
  log->info("serving {} on port {}{}", absl::StrJoin(config.server.services, ","), host.port(),
            config.server.metrics_listen.empty() ? "" : ", metrics on " + config.server.metrics_listen);

  // Health follows the database: check it between signals.
  bool serving = true;
  while (true) {
    timespec wait{kHealthCheckEvery.count(), 0};
    int signal = sigtimedwait(&signals, nullptr, &wait);
    if (signal == SIGINT || signal == SIGTERM) {
      log->info("received {}, shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
    bool healthy = (*pool)->InTransaction([](pqxx::work& tx) {
                             tx.exec("SELECT 1");
                             return absl::OkStatus();
                           })
                       .ok();
    if (healthy != serving) {
      log->warn("database {}; reporting {}", healthy ? "reachable again" : "unreachable",
                healthy ? "SERVING" : "NOT_SERVING");
      host.SetServing(healthy);
      serving = healthy;
    }
  }
  host.Shutdown(kShutdownGrace);
  for (auto& worker : workers) {
    worker.request_stop();
  }
  workers.clear();
  metrics_server.Stop();
  log->info("stopped");
  return 0;
}

}  // namespace
}  // namespace curation

int main(int argc, char** argv) {
  using namespace curation;
  CLI::App app{"curationd: the Joystream content curation pipeline server"};
  app.set_help_all_flag("--help-all", "help for every subcommand");
  app.fallthrough();  // options may follow the subcommand: `curationd migrate --config FILE`
  ConfigSources sources;
  std::string file;
  std::string services, database_url, query_node_url;
  app.add_option("-c,--config", file, "YAML configuration file (see deploy/curation.example.yaml)")
      ->check(CLI::ExistingFile);
  app.add_option("--set", sources.overrides, "override one key: section.key=value (repeatable)");
  app.add_option("--services", services, "services to host, comma-separated (ingest,probe,review); default all");
  app.add_option("--database-url", database_url, "PostgreSQL URL; default: an embedded server in ./var/pg");
  app.add_option("--query-node-url", query_node_url, "Joystream query node GraphQL endpoint");
  auto* run = app.add_subcommand("run", "start the services (the default)");
  auto* migrate = app.add_subcommand("migrate", "apply database migrations and exit");
  auto* config_cmd = app.add_subcommand("config", "print the effective configuration and exit");
  app.require_subcommand(0, 1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (!file.empty()) {
    sources.file = file;
  }
  sources.environment = ProcessEnvironment();
  if (!services.empty()) {
    sources.overrides.push_back("server.services=" + services);
  }
  if (!database_url.empty()) {
    sources.overrides.push_back("database.url=" + database_url);
  }
  if (!query_node_url.empty()) {
    sources.overrides.push_back("query_node.url=" + query_node_url);
  }
  auto config = LoadConfig(sources);
  if (!config.ok()) {
    std::cerr << "curationd: " << config.status().message() << "\n";
    return 2;
  }
  if (auto logging = InitLogging(config->log); !logging.ok()) {
    std::cerr << "curationd: " << logging.message() << "\n";
    return 2;
  }
  if (config_cmd->parsed()) {
    std::cout << DescribeConfig(*config);
    return 0;
  }
  if (migrate->parsed()) {
    return Migrate(*config);
  }
  (void)run;
  return Run(*config);
}
