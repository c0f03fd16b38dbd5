#pragma once
// What every gRPC adapter shares: authentication and roles, status mapping, deadlines,
// per-method metrics, and a guard so no exception ever crosses a handler.

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <curation/auth/authenticator.hpp>
#include <curation/common/clock.hpp>
#include <curation/common/metrics.hpp>
#include <curation/common/status.hpp>

namespace curation::server {

grpc::Status ToGrpcStatus(const absl::Status& status);

/// The client's deadline, or nullopt when it set none.
std::optional<TimePoint> DeadlineOf(const grpc::ServerContext& context);

google::protobuf::Timestamp ToTimestamp(TimePoint time);
google::protobuf::Duration ToDuration(std::chrono::milliseconds span);
/// A request's time; INVALID_ARGUMENT naming `field` outside 1970-2100, so no client value
/// overflows the clock's nanoseconds (which end in 2262).
absl::StatusOr<TimePoint> FromTimestamp(const google::protobuf::Timestamp& timestamp, const char* field);
/// A request's span; INVALID_ARGUMENT naming `field` beyond 100 years either way, so no client
/// value overflows milliseconds, and for what is not a Duration (nanos beyond a second, or of
/// another sign than seconds). Services check their own narrower ranges.
absl::StatusOr<std::chrono::milliseconds> FromDuration(const google::protobuf::Duration& duration,
                                                       const char* field);

/// Counts and times RPCs by method and status code. Thread-safe.
class RpcMetrics {
 public:
  explicit RpcMetrics(MetricsRegistry& registry) : registry_(registry) {}
  void Record(const std::string& method, grpc::StatusCode code, double seconds);

 private:
  MetricsRegistry& registry_;
};

/// What every adapter needs from its host.
struct RpcEnv {
  RpcMetrics& metrics;
  auth::Authenticator& authenticator;
};

/// Runs a handler body for an authenticated caller holding one of the `allowed` roles
/// (UNAUTHENTICATED without a valid bearer token, PERMISSION_DENIED for another role). A
/// cancelled or expired call is answered at once, an exception becomes INTERNAL (logged),
/// and the outcome is recorded.
grpc::Status Serve(RpcEnv& env, const std::string& method, auth::RoleSet allowed, grpc::ServerContext* context,
                   const std::function<absl::Status(const auth::Principal&)>& body);

}  // namespace curation::server
