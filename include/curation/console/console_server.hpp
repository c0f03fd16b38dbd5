#pragma once
// The console's HTTP listener (config console.listen): the browser app's files at GET /,
// /app.js and /app.css, the Connect bridge at POST /<package>.<Service>/<Method>, and the
// browser's safety headers on every answer.
// Over TLS when the gRPC server's certificate is configured.
//
// Signing in: POST /console/session/start with {"token": "..."} answers the principal's name
// and role and sets an HttpOnly, SameSite=Strict session cookie (Secure and __Host- under
// TLS); /console/session/current says who the cookie belongs to; /console/session/end signs
// out. A call that carries the cookie instead of an Authorization header must come from this
// origin (Origin) with Connect-Protocol-Version: 1, so a page on another site cannot act for
// a signed-in person; the bridge forwards it as "Session <id>" to the gRPC path.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <curation/auth/authenticator.hpp>
#include <curation/common/status.hpp>
#include <curation/console/connect_bridge.hpp>
#include <curation/console/web_files.hpp>

namespace curation::console {

struct ConsoleServerOptions {
  std::string listen = "127.0.0.1:7680";
  /// A body longer than this is refused with 413 before it is read whole.
  size_t max_request_bytes = 4 << 20;
  /// Served by GET (and HEAD) at their paths; every other path is a procedure, POST only.
  std::vector<WebFile> files;
  /// The session cookie's Max-Age: the session's absolute lifetime (auth.session_lifetime).
  std::chrono::seconds session_lifetime{std::chrono::hours(12)};
  /// PEM certificate chain and private key: both set serves HTTPS only, both empty plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  /// The Content-Security-Policy of each answer, asked per answer (MediaOrigins::Policy); unset,
  /// ContentSecurityPolicy({}): media and images from this origin alone.
  std::function<std::string()> content_security_policy;
};

class ConsoleServer {
 public:
  ConsoleServer(const ConnectBridge& bridge, auth::Authenticator& authenticator);
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
  auth::Authenticator& authenticator_;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace curation::console
