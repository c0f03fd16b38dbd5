#pragma once
// The console's HTTP listener (config console.listen): the Connect bridge at
// POST /<package>.<Service>/<Method>, with the browser's safety headers on every answer.
// Over TLS when the gRPC server's certificate is configured.

#include <chrono>
#include <memory>
#include <string>

#include <curation/common/status.hpp>
#include <curation/console/connect_bridge.hpp>

namespace curation::console {

struct ConsoleServerOptions {
  std::string listen = "127.0.0.1:7680";
  /// A body longer than this is refused with 413 before it is read whole.
  size_t max_request_bytes = 4 << 20;
  /// PEM certificate chain and private key: both set serves HTTPS only, both empty plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class ConsoleServer {
 public:
  explicit ConsoleServer(const ConnectBridge& bridge);
  ~ConsoleServer();
  ConsoleServer(const ConsoleServer&) = delete;
  ConsoleServer& operator=(const ConsoleServer&) = delete;

  /// Binds (port 0 picks one) and serves on a thread of its own. INVALID_ARGUMENT for a
  /// malformed address or half a TLS setup, UNAVAILABLE when the address cannot be bound.
  absl::Status Start(const ConsoleServerOptions& options);
  int port() const { return port_; }
  /// Stops taking connections and joins the thread. Idempotent.
  void Stop();

 private:
  struct Impl;
  const ConnectBridge& bridge_;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace curation::console
