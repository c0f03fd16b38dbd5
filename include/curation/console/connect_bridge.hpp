#pragma once
// The Connect protocol (connectrpc.com, unary) for every RPC of the services this process
// hosts, so that browsers and curl can call them. One generic bridge: the method is found by
// name in the generated descriptors, the body (protobuf's canonical JSON mapping, or binary)
// is parsed into its input type, and the call goes to the process's own gRPC server through
// an in-process channel, so it takes the very path a gRPC call takes (authentication, the role
// matrix, deadlines, per-method metrics). A new RPC appears here by itself.
//
// JSON answers use the canonical mapping's lowerCamelCase field names (what
// @bufbuild/protobuf emits and reads), with fields at their default value written out;
// requests may use either spelling; an unknown field is an invalid_argument, not silently
// dropped.

#include <grpcpp/channel.h>
#include <grpcpp/support/status_code_enum.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace curation::console {

/// One unary Connect call as the HTTP layer hands it over.
struct ConnectRequest {
  std::string procedure;     ///< the path without its leading '/': "curation.v1.ReviewService/GetQueueStats"
  std::string content_type;  ///< the Content-Type header as sent
  std::string body;
  std::string authorization;              ///< the Authorization header as sent; forwarded to gRPC
  std::optional<std::string> timeout_ms;  ///< the Connect-Timeout-Ms header as sent
};

struct ConnectResponse {
  int http_status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< beyond Content-Type
};

/// A gRPC status code as the Connect protocol spells it and the HTTP status it travels with.
struct ConnectCode {
  grpc::StatusCode code;
  std::string_view name;
  int http_status;
};

/// The Connect spelling and HTTP status of `code` (the specification's table, 2023 revision).
const ConnectCode& ConnectCodeOf(grpc::StatusCode code);

/// The error answer: `{"code": ..., "message": ...}` as JSON whatever the request's encoding.
ConnectResponse ConnectError(grpc::StatusCode code, std::string_view message);

class ConnectBridge {
 public:
  /// `channel` reaches this process's gRPC server (GrpcHost::InProcessChannel); `services` are
  /// the full names of the services it hosts ("curation.v1.ReviewService"): others are 404.
  ConnectBridge(std::shared_ptr<grpc::Channel> channel, std::vector<std::string> services);

  /// Answers one call. Thread-safe; blocks until the gRPC call ends.
  ConnectResponse Call(const ConnectRequest& request) const;

  /// The content types a call may carry, for 415's Accept-Post.
  static constexpr std::string_view kAcceptedTypes = "application/json, application/proto";

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::vector<std::string> services_;
};

}  // namespace curation::console
