#include <curation/server/rpc.hpp>

#include <absl/strings/str_cat.h>

#include <curation/common/logging.hpp>

namespace curation::server {
namespace {

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK: return "OK";
    case grpc::CANCELLED: return "CANCELLED";
    case grpc::UNKNOWN: return "UNKNOWN";
    case grpc::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::NOT_FOUND: return "NOT_FOUND";
    case grpc::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::ABORTED: return "ABORTED";
    case grpc::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::INTERNAL: return "INTERNAL";
    case grpc::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::DATA_LOSS: return "DATA_LOSS";
    case grpc::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  // absl and gRPC share the canonical code numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

std::optional<TimePoint> DeadlineOf(const grpc::ServerContext& context) {
  auto deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return std::nullopt;
  }
  return std::chrono::time_point_cast<TimePoint::duration>(deadline);
}

google::protobuf::Timestamp ToTimestamp(TimePoint time) {
  google::protobuf::Timestamp timestamp;
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
  timestamp.set_seconds(nanos / 1000000000);
  timestamp.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  if (timestamp.nanos() < 0) {
    timestamp.set_seconds(timestamp.seconds() - 1);
    timestamp.set_nanos(timestamp.nanos() + 1000000000);
  }
  return timestamp;
}

google::protobuf::Duration ToDuration(std::chrono::milliseconds span) {
  google::protobuf::Duration duration;
  duration.set_seconds(span.count() / 1000);
  duration.set_nanos(static_cast<int32_t>(span.count() % 1000) * 1000000);
  return duration;
}

absl::StatusOr<TimePoint> FromTimestamp(const google::protobuf::Timestamp& timestamp, const char* field) {
  constexpr int64_t kLatestSeconds = 4102444800;  // 2100-01-01T00:00:00Z
  if (timestamp.seconds() < 0 || timestamp.seconds() > kLatestSeconds || timestamp.nanos() < 0 ||
      timestamp.nanos() > 999999999) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": a time between 1970 and 2100"));
  }
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::seconds(timestamp.seconds()) +
                                                                   std::chrono::nanoseconds(timestamp.nanos())));
}

absl::StatusOr<std::chrono::milliseconds> FromDuration(const google::protobuf::Duration& duration,
                                                       const char* field) {
  constexpr int64_t kLongestSeconds = 100ll * 366 * 24 * 3600;
  if (duration.seconds() < -kLongestSeconds || duration.seconds() > kLongestSeconds) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": a span of at most 100 years"));
  }
  // google.protobuf.Duration: nanos within a second, and of the seconds' sign when they are not 0.
  if (duration.nanos() < -999999999 || duration.nanos() > 999999999 ||
      (duration.seconds() > 0 && duration.nanos() < 0) || (duration.seconds() < 0 && duration.nanos() > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": not a valid Duration (seconds ", duration.seconds(), ", nanos ", duration.nanos(),
                     "): nanos must be within a second and have the sign of seconds"));
  }
  return std::chrono::milliseconds(duration.seconds() * 1000 + duration.nanos() / 1000000);
}

void RpcMetrics::Record(const std::string& method, grpc::StatusCode code, double seconds) {
  registry_
      .GetCounter("curation_grpc_requests_total", "gRPC requests handled", {{"method", method}, {"code", CodeName(code)}})
      .Inc();
  registry_.GetHistogram("curation_grpc_request_duration_seconds", "gRPC handling time", {{"method", method}})
      .Observe(seconds);
}

namespace {

std::optional<std::string_view> AuthorizationHeader(const grpc::ServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return std::nullopt;
  }
  return std::string_view(it->second.data(), it->second.size());
}

}  // namespace

grpc::Status Serve(RpcEnv& env, const std::string& method, auth::RoleSet allowed, grpc::ServerContext* context,
                   const std::function<absl::Status(const auth::Principal&)>& body) {
  auto started = std::chrono::steady_clock::now();
  grpc::Status status;
  std::optional<TimePoint> deadline = DeadlineOf(*context);
  if (context->IsCancelled()) {
    status = grpc::Status(grpc::CANCELLED, "the call was cancelled before it was handled");
  } else if (deadline && *deadline <= SystemClock::Instance().Now()) {
    status = grpc::Status(grpc::DEADLINE_EXCEEDED, "the deadline passed before the call was handled");
  } else {
    try {
      status = ToGrpcStatus([&]() -> absl::Status {
        ASSIGN_OR_RETURN(auth::Principal principal,
                         env.authenticator.Authenticate(AuthorizationHeader(*context), deadline));
        if (!allowed.Contains(principal.role)) {
          return absl::PermissionDeniedError(absl::StrCat("the ", std::string(auth::RoleName(principal.role)), " role may not call ",
                                                          method));
        }
        return body(principal);
      }());
    } catch (const std::exception& e) {
      ComponentLogger("grpc")->error("{} threw: {}", method, e.what());
      status = grpc::Status(grpc::INTERNAL, "internal error");
    }
  }
  env.metrics.Record(method, status.error_code(),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return status;
}

}  // namespace curation::server
