#pragma once
// curationd's main thread while it serves: it waits for SIGINT or SIGTERM, checks the database
// between signals (gRPC health and curation_serving follow it), and supervises the embedded
// PostgreSQL, if any: started again when it dies; curationd exits when it will not come back
// (so that systemd or Kubernetes starts it afresh).

#include <signal.h>

#include <curation/common/metrics.hpp>
#include <curation/db/embedded_postgres.hpp>
#include <curation/db/pool.hpp>
#include <curation/server/grpc_host.hpp>

namespace curation {

/// Blocks SIGINT and SIGTERM here and in every thread started from here on, for Supervise.
sigset_t BlockStopSignals();

/// Until a stop signal (0) or the embedded server's loss (1): the exit code.
int Supervise(const sigset_t& signals, db::EmbeddedPostgres* embedded, db::Pool& pool, server::GrpcHost& host,
              Gauge& serving_gauge);

}  // namespace curation
