// curationd: hosts any set of the curation services in one process.
//   curationd [run]      start the services (default)
//   curationd migrate    apply database migrations and exit
//   curationd config     print the effective configuration and exit
//   curationd principal add|list|revoke   manage who may call the API (prints a new token once)

#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <absl/strings/str_join.h>
#include <nlohmann/json.hpp>

#include <curation/auth/authenticator.hpp>
#include <curation/auth/principal_store.hpp>
#include <curation/common/config.hpp>
#include <curation/common/logging.hpp>
#include <curation/common/metrics.hpp>
#include <curation/common/table.hpp>
#include <curation/common/time_format.hpp>
#include <curation/db/embedded_postgres.hpp>
#include <curation/db/migrations.hpp>
#include <curation/db/pool.hpp>
#include <curation/ingest/ingest_grpc_service.hpp>
#include <curation/ingest/ingestor.hpp>
#include <curation/alert/alert_grpc_service.hpp>
#include <curation/modlog/modlog_grpc_service.hpp>
#include <curation/modlog/reconciler.hpp>
#include <curation/report/report_grpc_service.hpp>
#include <curation/probe/probe_grpc_service.hpp>
#include <curation/review/feed_consumer.hpp>
#include <curation/review/review_grpc_service.hpp>
#include <curation/server/grpc_host.hpp>

namespace curation {
namespace {

constexpr std::chrono::seconds kHealthCheckEvery{5};
constexpr std::chrono::seconds kSuperviseEvery{1};
constexpr char kFallbackRoot[] = "/var/lib/curation";
constexpr std::chrono::seconds kShutdownGrace{5};
constexpr std::chrono::seconds kLeaseSweepEvery{30};

bool Hosts(const Config& config, const std::string& service) {
  return std::find(config.server.services.begin(), config.server.services.end(), service) !=
         config.server.services.end();
}

// The database URL to use, starting the embedded server when none is configured.
absl::StatusOr<std::string> DatabaseUrl(const Config& config, std::unique_ptr<db::EmbeddedPostgres>& embedded) {
  if (!config.database.url.empty()) {
    return config.database.url;
  }
  // Only the default folder moves when root's server account cannot reach it (the README's
  // checkout in /root); a folder the operator chose is refused with the reason instead.
  bool default_folder = config.database.embedded_dir == DatabaseConfig{}.embedded_dir;
  ASSIGN_OR_RETURN(embedded, db::EmbeddedPostgres::Start({.data_dir = config.database.embedded_dir,
                                                          .bin_dir = config.database.embedded_bin_dir,
                                                          .fallback_root = default_folder ? kFallbackRoot : ""}));
  return embedded->Url();
}

struct MigratedDatabase {
  std::string url;
  db::MigrationReport report;
};

// The database URL (see DatabaseUrl), with the schema migrated to this binary's version.
absl::StatusOr<MigratedDatabase> Migrated(const Config& config, std::unique_ptr<db::EmbeddedPostgres>& embedded) {
  ASSIGN_OR_RETURN(std::string url, DatabaseUrl(config, embedded));
  ASSIGN_OR_RETURN(db::MigrationReport report, db::Migrate(url, db::BundledMigrations()));
  return MigratedDatabase{std::move(url), report};
}

int Fail(const absl::Status& status) {
  ComponentLogger("curationd")->critical("{}", status.message());
  return 1;
}

int Migrate(const Config& config) {
  std::unique_ptr<db::EmbeddedPostgres> embedded;
  auto database = Migrated(config, embedded);
  if (!database.ok()) {
    return Fail(database.status());
  }
  ComponentLogger("curationd")
      ->info("schema at version {} ({} migration(s) applied now)", database->report.current_version,
             database->report.applied);
  return 0;
}

// ---- `curationd principal add|list|revoke` ----------------------------------------------
// Run as the database's login user (no SET ROLE: the services' role may only read
// auth.principals), against the configured or the embedded database, after migrating.

struct PrincipalCommand {
  enum class Verb { kAdd, kList, kRevoke } verb = Verb::kList;
  std::string name;
  std::string role;
  int64_t worker_id = -1;  // -1: none
  std::string contact;
  bool json = false;
};

// A failed principal command: 2 for the caller's mistake (a bad name), 1 otherwise.
int PrincipalFailed(const absl::Status& status) {
  std::cerr << "curationd: " << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

std::string TimeOrDash(const std::optional<TimePoint>& time) { return time ? FormatIsoTime(*time) : "-"; }

int ListPrincipals(auth::PrincipalStore& store, bool json) {
  auto records = store.List();
  if (!records.ok()) {
    return PrincipalFailed(records.status());
  }
  if (json) {
    nlohmann::json out = {{"principals", nlohmann::json::array()}};
    for (const auth::PrincipalRecord& record : *records) {
      const auth::Principal& principal = record.principal;
      out["principals"].push_back(
          {{"name", principal.name},
           {"role", std::string(auth::RoleName(principal.role))},
           {"worker_id", principal.worker_id ? nlohmann::json(*principal.worker_id) : nlohmann::json(nullptr)},
           {"contact", record.contact},
           {"create_time", FormatIsoTime(record.created_at)},
           {"revoke_time",
            record.revoked_at ? nlohmann::json(FormatIsoTime(*record.revoked_at)) : nlohmann::json(nullptr)}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (records->empty()) {
    std::cout << "No principals yet; add one with `curationd principal add --name NAME --role lead`.\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"NAME", "ROLE", "WORKER", "CONTACT", "CREATED", "REVOKED"}};
  for (const auth::PrincipalRecord& record : *records) {
    const auth::Principal& principal = record.principal;
    rows.push_back({principal.name, std::string(auth::RoleName(principal.role)),
                    principal.worker_id ? std::to_string(*principal.worker_id) : "-", Fit(record.contact, 40),
                    FormatIsoTime(record.created_at), TimeOrDash(record.revoked_at)});
  }
  PrintTable(rows, std::cout);
  return 0;
}

int Principals(const Config& config, const PrincipalCommand& command) {
  std::unique_ptr<db::EmbeddedPostgres> embedded;
  auto database = Migrated(config, embedded);
  if (!database.ok()) {
    return Fail(database.status());
  }
  auto pool = db::Pool::Create({.url = database->url,
                                .size = 1,
                                .statement_timeout = config.database.statement_timeout,
                                .statements = auth::PrincipalStore::Statements()});
  if (!pool.ok()) {
    return Fail(pool.status());
  }
  auth::PrincipalStore store(**pool);
  switch (command.verb) {
    case PrincipalCommand::Verb::kAdd: {
      auth::NewPrincipal principal{.name = command.name,
                                   .role = auth::ParseRole(command.role).value_or(auth::Role::kCouncil),
                                   .contact = command.contact};
      if (command.worker_id >= 0) {
        principal.worker_id = command.worker_id;
      }
      auto token = store.Add(principal);
      if (!token.ok()) {
        return PrincipalFailed(token.status());
      }
      // The token alone on stdout, so `curationd principal add ... > token-file` just works.
      std::cout << *token << std::endl;
      std::cerr << "curationd: added " << command.name << " (" << command.role
                << "). Keep the token above now, it will not be shown again; hand it over as a file"
                   " (curatorctl --token-file) or as CURATION_TOKEN, never on a command line.\n";
      return 0;
    }
    case PrincipalCommand::Verb::kList:
      return ListPrincipals(store, command.json);
    case PrincipalCommand::Verb::kRevoke:
      if (auto revoked = store.Revoke(command.name); !revoked.ok()) {
        return PrincipalFailed(revoked);
      }
      std::cerr << "curationd: revoked " << command.name << "; its token stops working within auth.cache_ttl ("
                << HumanDuration(config.auth.cache_ttl) << ").\n";
      return 0;
  }
  return 2;
}
// ---- end of `curationd principal` --------------------------------------------------------

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
  auto database = Migrated(config, embedded);
  if (!database.ok()) {
    return Fail(database.status());
  }
  std::vector<db::PreparedStatement> statements = ingest::IngestStore::Statements();
  for (auto& statement : review::ReviewStore::Statements()) {
    statements.push_back(std::move(statement));
  }
  for (auto& statement : probe::ProbeStore::Statements()) {
    statements.push_back(std::move(statement));
  }
  for (auto* more : {&auth::PrincipalStore::Statements, &modlog::LogStore::Statements, &modlog::Reconciler::Statements,
                     &alert::AlertStore::Statements, &report::ReportStore::Statements}) {
    for (auto& statement : more()) {
      statements.push_back(std::move(statement));
    }
  }
  // The services run as database.role (migrations above ran as the login user).
  auto pool = db::Pool::Create({.url = database->url,
                                .size = config.database.pool_size,
                                .statement_timeout = config.database.statement_timeout,
                                .statements = std::move(statements),
                                .role = config.database.role});
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
  // 1 while the database answers (what gRPC health says), for the CurationdNotServing rule.
  Gauge& serving_gauge =
      metrics.GetGauge("curation_serving", "1 while curationd reports SERVING (its database answers), else 0");
  serving_gauge.Set(1);
  server::RpcMetrics rpc_metrics(metrics);
  // Authentication: every RPC's bearer token is looked up in auth.principals (cached for
  // auth.cache_ttl); each adapter names the roles allowed per method.
  auth::PrincipalStore principal_store(**pool);
  auth::Authenticator authenticator(principal_store, SystemClock::Instance(), config.auth.cache_ttl);
  server::RpcEnv rpc_env{.metrics = rpc_metrics, .authenticator = authenticator};
  server::GrpcHost host;

  // Ingest: the poller, and the status/backfill API.
  ingest::IngestStore ingest_store(**pool);
  ingest::QueryNodeClient query_node(config.query_node.url, config.query_node.request_timeout,
                                     config.query_node.max_response_bytes);
  ingest::Ingestor ingestor(ingest_store, query_node, config.ingest, config.query_node.page_size, metrics);
  ingest::IngestService ingest_service(ingest_store, config.query_node.url);
  ingest::IngestGrpcService ingest_grpc(ingest_service, rpc_env);
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
  probe::ProbeGrpcService probe_grpc(probe_service, rpc_env);
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
  review::ReviewService review_service(review_store, SystemClock::Instance(), config.review, metrics);
  review::ReviewGrpcService review_grpc(review_service, rpc_env);
  if (Hosts(config, "review")) {
    host.Register(&review_grpc, review::ReviewGrpcService::kName);
    metrics.AddRefresher([&] { review_service.RefreshMetrics(); });
  }

  // Moderation log: sealing new entries into the chain, reconciling with chain events, the API.
  modlog::LogStore log_store(**pool);
  modlog::ModerationLogService log_service(log_store);
  modlog::Reconciler reconciler(**pool, SystemClock::Instance(), metrics);
  modlog::ModerationLogGrpcService log_grpc(log_service, rpc_env);
  if (Hosts(config, "modlog")) {
    host.Register(&log_grpc, modlog::ModerationLogGrpcService::kName);
    Gauge& unsealed =
        metrics.GetGauge("curation_modlog_unsealed_entries", "Log entries waiting to be sealed into the hash chain");
    Gauge& oldest_unsealed = metrics.GetGauge("curation_modlog_oldest_unsealed_seconds",
                                              "Age of the oldest log entry waiting to be sealed; 0 when none waits");
    metrics.AddRefresher([&] {
      if (auto backlog = log_store.Backlog(); backlog.ok()) {
        unsealed.Set(static_cast<double>(backlog->entries));
        oldest_unsealed.Set(backlog->oldest_recorded_at ? std::chrono::duration<double>(
                                                              SystemClock::Instance().Now() - *backlog->oldest_recorded_at)
                                                              .count()
                                                        : 0.0);
      }
    });
  }

  // Alerting: what Gleev features, probed; incidents paged through the outbox until dealt with.
  alert::AlertStore alert_store(**pool);
  HttpClient orion_http, courier_http;
  alert::OrionClient orion(orion_http, {.url = config.alert.orion_url,
                                          .session = config.alert.orion_session,
                                          .timeout = config.alert.orion_timeout});
  alert::LocalSlotProber slot_prober(probe_service);
  alert::Pager pager(alert_store, config.alert);
  alert::AlertMonitor alert_monitor(alert_store, orion, slot_prober, pager, SystemClock::Instance(), config.alert,
                                    metrics);
  alert::Courier courier(alert_store, courier_http, SystemClock::Instance(), config.alert, metrics);
  alert::AlertService alert_service(alert_store, pager, courier, SystemClock::Instance(), config.alert, metrics);
  alert::AlertGrpcService alert_grpc(alert_service, rpc_env);
  if (Hosts(config, "alert")) {
    host.Register(&alert_grpc, alert::AlertGrpcService::kName);
    metrics.AddRefresher([&] { alert_service.RefreshMetrics(); });
  }

  // Report: the council's term report, read from the log, the queue, ingest and alerting.
  report::ReportStore report_store(**pool);
  report::ReportService report_service(report_store, log_service, SystemClock::Instance(), config.report,
                                       {.gleev_url = config.alert.gleev_url,
                                        .explorer_url = config.report.explorer_url,
                                        .network = config.report.network});
  report::ReportGrpcService report_grpc(report_service, rpc_env);
  if (Hosts(config, "report")) {
    host.Register(&report_grpc, report::ReportGrpcService::kName);
  }

  // The metrics server's refreshers read the services above: it stops before they go, on
  // every way out of here.
  struct StopMetricsServer {
    MetricsServer& server;
    ~StopMetricsServer() { server.Stop(); }
  } stop_metrics_server{metrics_server};
  if (auto started = host.Start({.listen = config.server.listen,
                                 .reflection = config.server.reflection,
                                 .max_threads = config.server.max_threads,
                                 .tls_cert_file = config.server.tls_cert_file,
                                 .tls_key_file = config.server.tls_key_file});
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
    workers.emplace_back([&](std::stop_token stop) { review_service.RunLeaseSweeper(stop, kLeaseSweepEvery); });
  }
  if (Hosts(config, "modlog")) {
    workers.emplace_back([&](std::stop_token stop) { log_service.RunSealer(stop); });
    workers.emplace_back([&](std::stop_token stop) { reconciler.Run(stop); });
  }
  if (Hosts(config, "probe")) {
    workers.emplace_back([&](std::stop_token stop) { probe_service.RunFeedConsumer(stop, **pool); });
    for (int i = 0; i < config.probe.workers; ++i) {
      std::string holder = absl::StrCat(Hostname(), "-", getpid(), "-", i);
      workers.emplace_back([&, holder](std::stop_token stop) { probe_service.RunJobs(stop, **pool, holder); });
    }
  }
  if (Hosts(config, "alert")) {
    workers.emplace_back([&](std::stop_token stop) { alert_monitor.Run(stop); });
    workers.emplace_back([&](std::stop_token stop) { courier.Run(stop); });
  }
  log->info("serving {} on port {}{}{}", absl::StrJoin(config.server.services, ","), host.port(),
            config.server.tls_cert_file.empty() ? " (plaintext)" : " (TLS)",
            config.server.metrics_listen.empty() ? "" : ", metrics on " + config.server.metrics_listen);

  // Health follows the database: check it between signals. The embedded server, if any, is
  // supervised here: started again when it dies, and curationd exits when it will not come back
  // (so that systemd or Kubernetes starts it afresh).
  bool serving = true;
  int exit_code = 0;
  auto next_health_check = std::chrono::steady_clock::now() + kHealthCheckEvery;
  while (true) {
    timespec wait{kSuperviseEvery.count(), 0};
    int signal = sigtimedwait(&signals, nullptr, &wait);
    if (signal == SIGINT || signal == SIGTERM) {
      log->info("received {}, shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
    if (embedded) {
      if (auto supervised = embedded->Supervise(); !supervised.ok()) {
        log->critical("{}; exiting so that a supervisor can start curationd again", supervised.message());
        exit_code = 1;
        break;
      }
    }
    if (std::chrono::steady_clock::now() < next_health_check) {
      continue;
    }
    next_health_check = std::chrono::steady_clock::now() + kHealthCheckEvery;
    bool healthy = (*pool)->InTransaction([](pqxx::work& tx) {
                             tx.exec("SELECT 1");
                             return absl::OkStatus();
                           })
                       .ok();
    if (healthy != serving) {
      log->warn("database {}; reporting {}", healthy ? "reachable again" : "unreachable",
                healthy ? "SERVING" : "NOT_SERVING");
      host.SetServing(healthy);
      serving_gauge.Set(healthy ? 1 : 0);
      serving = healthy;
    }
  }
  // Background work stops taking new work first, so that nothing is probed, opened or paged
  // after the signal; then calls in flight get their grace.
  for (auto& worker : workers) {
    worker.request_stop();
  }
  sandbox.Shutdown();  // probes under way end now, and their jobs go back to the queue
  host.Shutdown(kShutdownGrace);
  workers.clear();
  log->info("stopped");
  return exit_code;
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
  app.add_option("--services", services, "services to host, comma-separated (ingest,probe,review,modlog,alert); default all");
  app.add_option("--database-url", database_url, "PostgreSQL URL; default: an embedded server in ./var/pg");
  app.add_option("--query-node-url", query_node_url, "Joystream query node GraphQL endpoint");
  auto* run = app.add_subcommand("run", "start the services (the default)");
  auto* migrate = app.add_subcommand("migrate", "apply database migrations and exit");
  auto* config_cmd = app.add_subcommand("config", "print the effective configuration and exit");
  // `curationd principal ...`
  PrincipalCommand principal_command;
  auto* principal = app.add_subcommand("principal", "manage who may call the API (run as the database owner)");
  principal->require_subcommand(1);
  auto* principal_add = principal->add_subcommand("add", "add a principal and print its new token (shown once)");
  principal_add->add_option("--name", principal_command.name, "unique name: letters, digits, ._@- (at most 64)")
      ->required();
  principal_add->add_option("--role", principal_command.role, "curator, lead, council (read-only) or service")
      ->required()
      ->check(CLI::IsMember({"curator", "lead", "council", "service"}));
  principal_add->add_option("--worker-id", principal_command.worker_id, "Joystream content working group worker id")
      ->check(CLI::NonNegativeNumber);
  principal_add->add_option("--contact", principal_command.contact, "how to reach them (shown only to operators)");
  auto* principal_list = principal->add_subcommand("list", "every principal, revoked ones included");
  principal_list->add_flag("--json", principal_command.json, "print one JSON document instead of a table");
  auto* principal_revoke = principal->add_subcommand("revoke", "revoke a principal's token");
  principal_revoke->add_option("--name", principal_command.name, "the principal to revoke")->required();
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
  if (principal->parsed()) {
    principal_command.verb = principal_add->parsed()    ? PrincipalCommand::Verb::kAdd
                             : principal_revoke->parsed() ? PrincipalCommand::Verb::kRevoke
                                                          : PrincipalCommand::Verb::kList;
    (void)principal_list;
    return Principals(*config, principal_command);
  }
  (void)run;
  return Run(*config);
}
