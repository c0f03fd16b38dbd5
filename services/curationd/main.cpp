// curationd: hosts any set of the curation services in one process.
//   curationd [run]      start the services (default)
//   curationd migrate    apply database migrations and exit
//   curationd config     print the effective configuration and exit
//   curationd principal add|list|revoke   manage who may call the API (prints a new token once)
// The services are the module table's (curation/curationd/modules.hpp).

#include <iostream>

#include <absl/cleanup/cleanup.h>
#include <absl/strings/str_join.h>

#include <curation/auth/authenticator.hpp>
#include <curation/auth/principal_store.hpp>
#include <curation/common/logging.hpp>
#include <curation/curationd/modules.hpp>
#include <curation/server/grpc_host.hpp>
#include <curation/server/rpc.hpp>

#include "command_line.hpp"
#include "database.hpp"
#include "supervise.hpp"

namespace curation {
namespace {

constexpr std::chrono::seconds kShutdownGrace{5};

int Fail(const absl::Status& status) {
  ComponentLogger("curationd")->critical("{}", status.message());
  return 1;
}

int Run(const Config& config) {
  auto log = ComponentLogger("curationd");
  // Signals are taken by Supervise, so every thread started from here on blocks them.
  sigset_t signals = BlockStopSignals();
  std::unique_ptr<db::EmbeddedPostgres> embedded;
  // The services run as database.role (migrations ran as the login user). Every call is
  // authenticated against auth.principals; each hosted module prepares its own statements.
  std::vector<server::ModuleEntry> hosted = Modules::Entries(config.server.services);
  auto pool = OpenPool(config, embedded,
                       server::JoinStatements({auth::PrincipalStore::Statements(), server::StatementsOf(hosted)}));
  if (!pool.ok()) {
    return Fail(pool.status());
  }
  MetricsRegistry metrics;
  MetricsServer metrics_server(metrics);
  if (auto started = config.server.metrics_listen.empty() ? absl::OkStatus()
                                                            : metrics_server.Start(config.server.metrics_listen);
      !started.ok()) {
    return Fail(started);
  }
  // 1 while the database answers (what gRPC health says), for the CurationdNotServing rule.
  Gauge& serving_gauge =
      metrics.GetGauge("curation_serving", "1 while curationd reports SERVING (its database answers), else 0");
  serving_gauge.Set(1);
  server::RpcMetrics rpc_metrics(metrics);
  // A bearer token's principal is cached for auth.cache_ttl; each adapter names the roles allowed per method.
  auth::PrincipalStore principal_store(**pool);
  auth::Authenticator authenticator(
      principal_store, SystemClock::Instance(), config.auth.cache_ttl,
      {.idle = config.auth.session_idle, .lifetime = config.auth.session_lifetime});
  server::RpcEnv rpc_env{.metrics = rpc_metrics, .authenticator = authenticator};
  server::GrpcHost host;
  server::SharedParts shared;
  std::vector<std::string> grpc_services;
  for (const server::ModuleEntry& module : hosted) {
    if (!module.grpc_service.empty()) {
      grpc_services.emplace_back(module.grpc_service);
    }
  }
  server::ModuleDeps deps{config, **pool, SystemClock::Instance(), metrics, rpc_env, shared, host, grpc_services};
  server::Hosting hosting(hosted, deps, host);
  // The metrics server's refreshers read the services: it stops before they go, on every way out.
  absl::Cleanup stop_metrics_server = [&metrics_server] { metrics_server.Stop(); };
  if (auto started = host.Start({.listen = config.server.listen,
                                 .reflection = config.server.reflection,
                                 .max_threads = config.server.max_threads,
                                 .tls_cert_file = config.server.tls_cert_file,
                                 .tls_key_file = config.server.tls_key_file});
      !started.ok()) {
    return Fail(started);
  }
  if (auto started = hosting.Start(); !started.ok()) {
    hosting.RequestStop();
    host.Shutdown(kShutdownGrace);
    return Fail(started);
  }
  log->info("serving {} on port {}{}{}", absl::StrJoin(config.server.services, ","), host.port(),
            config.server.tls_cert_file.empty() ? " (plaintext)" : " (TLS)",
            config.server.metrics_listen.empty() ? "" : ", metrics on " + config.server.metrics_listen);
  int exit_code = Supervise(signals, embedded.get(), **pool, host, serving_gauge);
  // Background work stops taking new work first, so that nothing is probed, opened or paged
  // after the signal; work under way is cut short (probes); then calls in flight get their grace.
  hosting.RequestStop();
  host.Shutdown(kShutdownGrace);
  hosting.Join();
  log->info("stopped");
  return exit_code;
}

}  // namespace
}  // namespace curation

int main(int argc, char** argv) {
  using namespace curation;
  CommandLine line = ParseCommandLine(argc, argv);
  if (line.exit_code) {
    return *line.exit_code;
  }
  auto config = LoadConfig(line.sources);
  absl::Status ready = config.ok() ? InitLogging(config->log) : config.status();
  if (!ready.ok()) {
    std::cerr << "curationd: " << ready.message() << "\n";
    return 2;
  }
  if (line.command == CommandLine::Command::kConfig) {
    std::cout << DescribeConfig(*config);
    return 0;
  }
  if (line.command == CommandLine::Command::kRun) {
    return Run(*config);
  }
  std::unique_ptr<db::EmbeddedPostgres> embedded;
  auto database = Migrated(*config, embedded);
  if (!database.ok()) {
    return Fail(database.status());
  }
  if (line.command == CommandLine::Command::kPrincipal) {
    auto done = auth::RunPrincipalCommand(line.principal, database->url, *config);
    return done.ok() ? *done : Fail(done.status());
  }
  ComponentLogger("curationd")
      ->info("schema at version {} ({} migration(s) applied now)", database->report.current_version,
             database->report.applied);
  return 0;
}
