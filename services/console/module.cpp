#include <curation/console/module.hpp>

#include <curation/console/console_server.hpp>
#include <curation/console/media_origins.hpp>
#include <curation/console/web_files.hpp>
#include <curation/db/pool.hpp>
#include <curation/server/grpc_host.hpp>
#include <curation/server/rpc.hpp>

namespace curation::console {

std::vector<db::PreparedStatement> Module::Statements() { return MediaOrigins::Statements(); }

namespace {

// Long enough that a page's answers rarely query, short enough that a new node plays soon.
constexpr std::chrono::seconds kMediaOriginsTtl{60};

// What the console builds: the bridge and its listener, once the gRPC host serves.
struct Parts {
  const server::ModuleDeps& deps;
  const ConsoleConfig& config = deps.config.Section<ConsoleConfig>();
  MediaOrigins media_origins{deps.pool, deps.clock, kMediaOriginsTtl};
  std::unique_ptr<ConnectBridge> bridge;
  std::unique_ptr<ConsoleServer> server;

  absl::Status Start() {
    if (config.listen.empty()) {
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(std::vector<WebFile> files, EmbeddedWebFiles());
    bridge = std::make_unique<ConnectBridge>(deps.host.InProcessChannel(), deps.grpc_services);
    server = std::make_unique<ConsoleServer>(*bridge, deps.rpc.authenticator);
    return server->Start({.listen = config.listen,
                          .max_request_bytes = static_cast<size_t>(config.max_request_bytes),
                          .files = std::move(files),
                          .session_lifetime = std::chrono::duration_cast<std::chrono::seconds>(
                              deps.config.auth.session_lifetime),
                          .tls_cert_file = deps.config.server.tls_cert_file,
                          .tls_key_file = deps.config.server.tls_key_file,
                          .content_security_policy = [this] { return media_origins.Policy(); }});
  }
};

}  // namespace

server::HostedService Module::Build(const server::ModuleDeps& deps) {
  auto parts = std::make_shared<Parts>(deps);
  return {.parts = parts,
          .start = [parts] { return parts->Start(); },
          // Stops taking calls; those under way end on the gRPC host, which still serves.
          .interrupt = [parts] {
            if (parts->server) {
              parts->server->Stop();
            }
          }};
}

}  // namespace curation::console
