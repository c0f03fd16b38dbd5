// The plumbing the fakes share around a cpp-httplib server on a loopback address: the server's
// settings, a listening thread with SIGPIPE blocked, a stop that does not wait out keep-alive
// timeouts, and access to the accepted connections, which cpp-httplib does not expose.
//
//   LoopbackServer loopback;                     // a configured httplib::Server, not listening
//   loopback.server().Post("/graphql", handler);
//   loopback.Start("127.0.0.1", "FakeQueryNode");  // binds, listens, returns once accepting
//   ...
//   loopback.Stop();                             // in the fake's destructor, before its state goes
//
// Server settings: a pool of 32 workers (idle keep-alive connections and long responses each
// hold one), up to 1000 requests a keep-alive connection, TCP_NODELAY, and a listen backlog of
// SOMAXCONN instead of cpp-httplib's 5.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace httplib {
class Server;
}  // namespace httplib

namespace curation::fakes {

class LoopbackServer {
 public:
  LoopbackServer();
  // Stops the server if the owner has not; an owner whose handlers use its own members must call
  // Stop() itself, before those members are destroyed.
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  // For adding handlers; configure before Start().
  httplib::Server& server() { return *server_; }

  // Binds a port on `host` chosen by the OS and returns once the accept loop runs. Throws
  // std::runtime_error, its message starting with `owner`, if no port can be bound or the
  // server thread cannot start.
  void Start(const std::string& host, std::string_view owner);
  // Stops accepting, cuts open connections and waits for the handlers. Does nothing when not
  // started or already stopped. Not thread-safe against itself.
  void Stop();

  // -1 until Start() has bound a port.
  int port() const { return port_; }

  // The server side of the connection from port `remote_port`, or -1.
  int FindConnection(int remote_port) const;
  // Shuts down (SHUT_RDWR) the server side of accepted connections: the one from `remote_port`,
  // or all.
  void ShutdownConnections(std::optional<int> remote_port = std::nullopt) const;

 private:
  std::unique_ptr<httplib::Server> server_;
  int port_ = -1;
  std::atomic<bool> listen_finished_ = false;
  std::thread listen_thread_;
};

}  // namespace curation::fakes
