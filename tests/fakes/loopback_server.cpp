#include <fakes/loopback_server.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <charconv>
#include <chrono>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <system_error>

#include <httplib.h>

namespace curation::fakes {
namespace {

// Idle keep-alive connections and long responses (trickles) each hold a worker, so leave room
// for a client that keeps one connection per stream or per object.
constexpr size_t kWorkerThreads = 32;
constexpr size_t kKeepAliveMaxRequests = 1000;

// cpp-httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, compiled into Debian's
// library). More simultaneous connects than that overflow the accept queue, and the kernel drops
// the extra SYNs, which the clients retry after a full second. This subclass reaches the
// listening socket to raise the backlog.
class Server : public httplib::Server {
 public:
  int ListeningSocket() const { return svr_sock_; }
};

// Calls `visit(fd, peer_port)` for each connected socket whose local end is `port`, while it
// returns true. cpp-httplib does not expose its connection sockets, so they are found among the
// process's descriptors.
void ForEachConnection(int port, const std::function<bool(int, int)>& visit) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    int fd = -1;
    const auto [ptr, parse_ec] = std::from_chars(name.data(), name.data() + name.size(), fd);
    if (parse_ec != std::errc() || ptr != name.data() + name.size()) {
      continue;
    }
    sockaddr_in local{};
    socklen_t local_len = sizeof(local);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
        local_len < sizeof(local) || local.sin_family != AF_INET || ntohs(local.sin_port) != port) {
      continue;
    }
    sockaddr_in peer{};
    socklen_t peer_len = sizeof(peer);
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) {
      continue;  // the listening socket
    }
    if (!visit(fd, ntohs(peer.sin_port))) {
      return;
    }
  }
}

}  // namespace

LoopbackServer::LoopbackServer() : server_(std::make_unique<Server>()) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  server_->set_keep_alive_max_count(kKeepAliveMaxRequests);
  // cpp-httplib writes headers and body separately; with Nagle's algorithm on, the end of each
  // answer then waits for the client's delayed ACK (~40 ms a request).
  server_->set_tcp_nodelay(true);
}

LoopbackServer::~LoopbackServer() { Stop(); }

void LoopbackServer::Start(const std::string& host, std::string_view owner) {
  port_ = server_->bind_to_any_port(host);
  if (port_ <= 0) {
    throw std::runtime_error(std::string(owner) + ": cannot bind a port on " + host);
  }
  // Listening again on a listening socket only changes its backlog.
  ::listen(static_cast<Server&>(*server_).ListeningSocket(), SOMAXCONN);
  listen_thread_ = std::thread([this] {
    // A client that hangs up makes the next write raise SIGPIPE, which would kill the test
    // process. Blocking it here covers the worker threads too: cpp-httplib creates its pool from
    // this thread, and threads inherit the signal mask.
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);
    try {
      server_->listen_after_bind();
    } catch (...) {
      // Only thread creation can throw here; Start reports it.
    }
    listen_finished_ = true;
  });
  // stop() does nothing until the accept loop has started, so Stop relies on this.
  while (!server_->is_running()) {
    if (listen_finished_) {
      listen_thread_.join();
      throw std::runtime_error(std::string(owner) + ": the server thread could not start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void LoopbackServer::Stop() {
  if (!listen_thread_.joinable()) {
    return;
  }
  server_->stop();
  // Workers waiting on idle keep-alive connections, or blocked writing to a client that does not
  // read, do not watch stop(); without cutting the connections the join would wait out the
  // keep-alive timeout of every connection a client left open.
  ShutdownConnections();
  listen_thread_.join();
}

int LoopbackServer::FindConnection(int remote_port) const {
  int found = -1;
  ForEachConnection(port_, [&](int fd, int peer_port) {
    if (peer_port == remote_port) {
      found = fd;
      return false;
    }
    return true;
  });
  return found;
}

void LoopbackServer::ShutdownConnections(std::optional<int> remote_port) const {
  ForEachConnection(port_, [&](int fd, int peer_port) {
    if (!remote_port || peer_port == *remote_port) {
      ::shutdown(fd, SHUT_RDWR);
    }
    return true;
  });
}

}  // namespace curation::fakes
