#pragma once
// One gRPC server hosting any set of services, with grpc.health.v1 and reflection, over
// TLS when a certificate is configured. Health and reflection are registered here, not
// through server::Serve, so they need no token (Kubernetes probes, grpcurl).

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
  int max_threads = 48;
  /// PEM certificate chain and private key: both set serves TLS only, both empty plaintext.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class GrpcHost {
 public:
  GrpcHost();
  ~GrpcHost();

  /// Adds a service before Start; `full_name` is its health-check name
  /// (e.g. "curation.v1.IngestService").
  void Register(grpc::Service* service, std::string full_name);
  /// INVALID_ARGUMENT for half a TLS setup or an unreadable PEM file, UNAVAILABLE when the
  /// address cannot be bound.
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
