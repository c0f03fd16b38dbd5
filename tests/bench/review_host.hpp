// The review service as curationd hosts it, for the benchmarks that call it over the network:
// ReviewService behind its gRPC adapter on 127.0.0.1 (a port of its own), bearer tokens checked
// by the real Authenticator against auth.principals, curationd's default thread cap, on a pool
// of its own over a benchmark's database.
#pragma once

#include <memory>
#include <string>

#include <absl/status/statusor.h>

#include <curation/auth/authenticator.hpp>
#include <curation/auth/principal_store.hpp>
#include <curation/common/metrics.hpp>
#include <curation/db/pool.hpp>
#include <curation/review/review_grpc_service.hpp>
#include <curation/review/review_service.hpp>
#include <curation/server/grpc_host.hpp>
#include <curation/server/rpc.hpp>

namespace curation::bench {

class ReviewHost {
 public:
  /// Connects a pool of `connections` to `url` (a migrated database) and starts serving.
  static absl::StatusOr<std::unique_ptr<ReviewHost>> Start(const std::string& url, int connections = 8);
  ~ReviewHost();

  ReviewHost(const ReviewHost&) = delete;
  ReviewHost& operator=(const ReviewHost&) = delete;

  /// A new curator principal named `name`; returns its bearer token.
  absl::StatusOr<std::string> AddCurator(const std::string& name, int64_t worker_id);

  server::GrpcHost& host() { return host_; }
  db::Pool& pool() { return *pool_; }
  auth::Authenticator& authenticator() { return authenticator_; }

 private:
  explicit ReviewHost(std::unique_ptr<db::Pool> pool);

  std::unique_ptr<db::Pool> pool_;
  MetricsRegistry metrics_;
  auth::PrincipalStore principals_{*pool_};
  auth::Authenticator authenticator_{principals_, SystemClock::Instance(), std::chrono::seconds(10)};
  server::RpcMetrics rpc_metrics_{metrics_};
  server::RpcEnv env_{rpc_metrics_, authenticator_};
  review::ReviewStore store_{*pool_};
  review::ReviewService service_{store_, SystemClock::Instance(), ReviewConfig{}, metrics_};
  review::ReviewGrpcService grpc_service_{service_, env_};
  server::GrpcHost host_;
};

}  // namespace curation::bench
