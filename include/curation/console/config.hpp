#pragma once
// The console's section of the configuration (console.*; its keys are in console's module).
// Its TLS certificate is the gRPC server's (server.tls_cert_file, server.tls_key_file).

#include <cstdint>
#include <string>

namespace curation {

struct ConsoleConfig {
  std::string listen = "127.0.0.1:7680";  // empty: no console and no Connect API
  int64_t max_request_bytes = 4 << 20;    // a call's body beyond this is refused with 413
};

}  // namespace curation
