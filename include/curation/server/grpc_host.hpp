#pragma once
// One gRPC server hosting any set of services, with grpc.health.v1 and reflection.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/server.h>

#include <curation/common/status.hpp>

namespace curation::server {

struct HostOptions {
  std::string listen = "127.0.0.1:0";
  bool reflection = true;
  int max_threads = 32;
};

class GrpcHost {
 public:
  GrpcHost();
  ~GrpcHost();

  /// Adds a service before Start; `full_name` is its health-check name
  /// (e.g. "curation.v1.IngestService").
  void Register(grpc::Service* service, std::string full_name);
  absl::Status Start(const HostOptions& options);
  /// The bound port (useful with port 0).
  int port() const { return port_; }
  /// Marks every registered service SERVING or NOT_SERVING (e.g. when the database is lost).
  void SetServing(bool serving);
  /// Reports NOT_SERVING, then lets in-flight calls finish for up to `grace`.
  void Shutdown(std::chrono::milliseconds grace);
  /// An in-process channel, for tests.
  std::shared_ptr<grpc::Channel> InProcessChannel();

 private:
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace curation::server
