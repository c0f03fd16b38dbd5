#include "supervise.hpp"

#include <chrono>

#include <curation/common/logging.hpp>

namespace curation {
namespace {

constexpr std::chrono::seconds kHealthCheckEvery{5};
constexpr std::chrono::seconds kSuperviseEvery{1};

}  // namespace

sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int Supervise(const sigset_t& signals, db::EmbeddedPostgres* embedded, db::Pool& pool, server::GrpcHost& host,
              Gauge& serving_gauge) {
  auto log = ComponentLogger("curationd");
  bool serving = true;
  auto next_health_check = std::chrono::steady_clock::now() + kHealthCheckEvery;
  while (true) {
    timespec wait{kSuperviseEvery.count(), 0};
    int signal = sigtimedwait(&signals, nullptr, &wait);
    if (signal == SIGINT || signal == SIGTERM) {
      log->info("received {}, shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
      return 0;
    }
    if (embedded != nullptr) {
      if (auto supervised = embedded->Supervise(); !supervised.ok()) {
        log->critical("{}; exiting so that a supervisor can start curationd again", supervised.message());
        return 1;
      }
    }
    if (std::chrono::steady_clock::now() < next_health_check) {
      continue;
    }
    next_health_check = std::chrono::steady_clock::now() + kHealthCheckEvery;
    bool healthy = pool.InTransaction([](pqxx::work& tx) {
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
}

}  // namespace curation
