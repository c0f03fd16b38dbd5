#include <curation/common/metrics.hpp>

#include <curation/common/listen_address.hpp>

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <optional>
#include <sstream>
#include <string_view>

#include <absl/strings/ascii.h>
#include <absl/strings/match.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

#include <curation/common/logging.hpp>

namespace curation {
namespace {

void AtomicAdd(std::atomic<double>& target, double by) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + by, std::memory_order_relaxed)) {
  }
}

std::string EscapeLabel(const std::string& value) {
  std::string out;
  for (char ch : value) {
    if (ch == '\\' || ch == '"') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else {
      out += ch;
    }
  }
  return out;
}

std::string LabelText(const Labels& labels, const std::string& extra_name = "", const std::string& extra_value = "") {
  if (labels.empty() && extra_name.empty()) {
    return "";
  }
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    out += (first ? "" : ",") + name + "=\"" + EscapeLabel(value) + "\"";
    first = false;
  }
  if (!extra_name.empty()) {
    out += (first ? "" : ",") + extra_name + "=\"" + extra_value + "\"";
  }
  return out + "}";
}

std::string Number(double value) {
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  std::ostringstream out;
  out.precision(15);
  out << value;
  return out.str();
}

}  // namespace

void Counter::Inc(double by) { AtomicAdd(value_, by); }
void Gauge::Add(double by) { AtomicAdd(value_, by); }

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), counts_(upper_bounds_.size(), 0) {}

void Histogram::Observe(double value) {
  std::lock_guard lock(mutex_);
  auto it = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value);
  if (it != upper_bounds_.end()) {
    ++counts_[it - upper_bounds_.begin()];
  }
  ++count_;
  sum_ += value;
}

Histogram::Snapshot Histogram::Read() const {
  std::lock_guard lock(mutex_);
  Snapshot snapshot{upper_bounds_, {}, count_, sum_};
  uint64_t running = 0;
  for (uint64_t c : counts_) {
    running += c;
    snapshot.cumulative_counts.push_back(running);
  }
  return snapshot;
}

MetricsRegistry::Family& MetricsRegistry::FamilyFor(const std::string& name, const std::string& type,
                                                    const std::string& help) {
  Family& family = families_[name];
  if (family.type.empty()) {
    family.type = type;
    family.help = help;
  }
  return family;
}

namespace {

// The metric a family keeps under one set of labels, made by `make` the first time it is asked for.
template <typename Metric, typename Make>
Metric& SlotFor(std::map<Labels, std::unique_ptr<Metric>>& metrics, const Labels& labels, const Make& make) {
  auto& slot = metrics[labels];
  if (!slot) {
    slot = make();
  }
  return *slot;
}

}  // namespace

Counter& MetricsRegistry::GetCounter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  return SlotFor(FamilyFor(name, "counter", help).counters, labels, [] { return std::make_unique<Counter>(); });
}

Gauge& MetricsRegistry::GetGauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  return SlotFor(FamilyFor(name, "gauge", help).gauges, labels, [] { return std::make_unique<Gauge>(); });
}

Histogram& MetricsRegistry::GetHistogram(const std::string& name, const std::string& help, const Labels& labels,
                                         std::vector<double> upper_bounds) {
  std::lock_guard lock(mutex_);
  return SlotFor(FamilyFor(name, "histogram", help).histograms, labels,
                 [&] { return std::make_unique<Histogram>(std::move(upper_bounds)); });
}

void MetricsRegistry::AddRefresher(std::function<void()> refresher) {
  std::lock_guard lock(mutex_);
  refreshers_.push_back(std::move(refresher));
}

std::vector<double> MetricsRegistry::DefaultSecondsBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

std::string MetricsRegistry::Expose() {
  std::vector<std::function<void()>> refreshers;
  {
    std::lock_guard lock(mutex_);
    refreshers = refreshers_;
  }
  for (auto& refresh : refreshers) {
    refresh();
  }
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  for (const auto& [name, family] : families_) {
    out << "# HELP " << name << " " << family.help << "\n# TYPE " << name << " " << family.type << "\n";
    for (const auto& [labels, counter] : family.counters) {
      out << name << LabelText(labels) << " " << Number(counter->Value()) << "\n";
    }
    for (const auto& [labels, gauge] : family.gauges) {
      out << name << LabelText(labels) << " " << Number(gauge->Value()) << "\n";
    }
    for (const auto& [labels, histogram] : family.histograms) {
      auto snapshot = histogram->Read();
      for (size_t i = 0; i < snapshot.upper_bounds.size(); ++i) {
        out << name << "_bucket" << LabelText(labels, "le", Number(snapshot.upper_bounds[i])) << " "
            << snapshot.cumulative_counts[i] << "\n";
      }
      out << name << "_bucket" << LabelText(labels, "le", "+Inf") << " " << snapshot.count << "\n";
      out << name << "_sum" << LabelText(labels) << " " << Number(snapshot.sum) << "\n";
      out << name << "_count" << LabelText(labels) << " " << snapshot.count << "\n";
    }
  }
  return out.str();
}

namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

// Longer request heads are refused (431); a scraper's is a few hundred bytes.
constexpr size_t kMaxRequestHeadBytes = 8192;
// After the last response the server stops sending and reads what the client still sends for
// this long before closing, so a close with unread input (a reset) cannot destroy that response.
constexpr std::chrono::milliseconds kLingerFor{1000};
// Reads from one connection before the server turns to the others.
constexpr int kReceiveChunksPerTurn = 16;
// How long accepting pauses when the process is out of file descriptors.
constexpr std::chrono::milliseconds kAcceptPauseWhenOutOfFds{100};

// What the server needs from a request head.
struct RequestHead {
  absl::string_view method;
  absl::string_view path;  // without its query
  bool keep_alive = true;
  bool has_body = false;  // the server reads no bodies, so such a connection closes after the response
};

// RFC 9110 token characters, which methods and header names are made of.
bool IsTokenChar(char ch) {
  return absl::ascii_isalnum(static_cast<unsigned char>(ch)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(ch) != std::string_view::npos;
}

// The request line and headers, without the final empty line; nullopt when malformed.
std::optional<RequestHead> ParseRequestHead(absl::string_view head) {
  std::vector<absl::string_view> lines = absl::StrSplit(head, "\r\n");
  std::vector<absl::string_view> request_line = absl::StrSplit(lines[0], ' ');
  if (request_line.size() != 3 || request_line[0].empty() ||
      !std::all_of(request_line[0].begin(), request_line[0].end(), IsTokenChar) ||
      !absl::StartsWith(request_line[1], "/")) {
    return std::nullopt;
  }
  RequestHead parsed{.method = request_line[0], .path = request_line[1].substr(0, request_line[1].find('?'))};
  if (request_line[2] == "HTTP/1.0") {
    parsed.keep_alive = false;
  } else if (request_line[2] != "HTTP/1.1") {
    return std::nullopt;
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    auto colon = lines[i].find(':');
    if (colon == 0 || colon == absl::string_view::npos ||
        !std::all_of(lines[i].begin(), lines[i].begin() + colon, IsTokenChar)) {
      return std::nullopt;
    }
    std::string name = absl::AsciiStrToLower(lines[i].substr(0, colon));
    std::string value = absl::AsciiStrToLower(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    if (name == "connection") {
      if (absl::StrContains(value, "close")) {
        parsed.keep_alive = false;
      } else if (absl::StrContains(value, "keep-alive")) {
        parsed.keep_alive = true;
      }
    } else if (name == "content-length") {
      if (value.empty() || !std::all_of(value.begin(), value.end(), absl::ascii_isdigit)) {
        return std::nullopt;
      }
      parsed.has_body = parsed.has_body || value.find_first_not_of('0') != std::string::npos;
    } else if (name == "transfer-encoding") {
      parsed.has_body = true;
    }
  }
  return parsed;
}

std::string ResponseText(absl::string_view status, absl::string_view extra_headers, const std::string& body,
                         bool with_body, bool close) {
  return absl::StrCat("HTTP/1.1 ", status, "\r\n", extra_headers, "Content-Length: ", body.size(), "\r\n",
                      close ? "Connection: close\r\n" : "", "\r\n", with_body ? body : "");
}

}  // namespace

struct MetricsServer::Impl {
  enum class Phase {
    kReading,    // waiting for a whole request head
    kWriting,    // sending a response
    kLingering,  // sent the last response, reading until the client closes
  };
  struct Connection {
    int fd = -1;
    Phase phase = Phase::kReading;
    std::string received;  // not yet parsed; pipelined requests wait here
    std::string to_send;
    size_t sent = 0;
    SteadyTime phase_started;
    int requests = 0;
    bool close_when_sent = false;
    bool client_closed = false;  // the client sent all it will send
  };

  Impl(MetricsRegistry& registry, MetricsServerOptions options) : registry(registry), options(options) {
    auto dropped = [&](const char* reason) -> Counter& {
      return registry.GetCounter("curation_metrics_dropped_connections_total",
                                 "Metrics connections the server closed early, by reason", {{"reason", reason}});
    };
    request_timeouts = &dropped("request_timeout");
    response_timeouts = &dropped("response_timeout");
    evictions = &dropped("capacity");
    bad_requests = &dropped("bad_request");
  }

  ~Impl() {
    for (int fd : {listen_fd, wake_fd}) {
      if (fd >= 0) {
        close(fd);
      }
    }
  }

  void Run() {
    std::vector<pollfd> polled;
    SteadyTime accept_paused_until;
    while (true) {
      SteadyTime now = std::chrono::steady_clock::now();
      polled.assign({{wake_fd, POLLIN, 0}, {now < accept_paused_until ? -1 : listen_fd, POLLIN, 0}});
      SteadyTime wake_at = now < accept_paused_until ? accept_paused_until : SteadyTime::max();
      for (const Connection& connection : connections) {
        short events = connection.phase == Phase::kWriting ? POLLOUT : (connection.client_closed ? 0 : POLLIN);
        polled.push_back({connection.fd, events, 0});
        wake_at = std::min(wake_at, Deadline(connection));
      }
      int timeout_ms = -1;
      if (wake_at != SteadyTime::max()) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(wake_at - now).count();
        timeout_ms = static_cast<int>(std::clamp<int64_t>(left, 0, 60'000));
      }
      if (poll(polled.data(), polled.size(), timeout_ms) < 0 && errno != EINTR) {
        ComponentLogger("metrics")->error("metrics server stops: poll failed: {}", std::strerror(errno));
        break;
      }
      if (polled[0].revents != 0) {
        break;  // Stop()
      }
      // Connections first, with the events poll saw for them, then the new ones.
      for (size_t i = 0; i < connections.size(); ++i) {
        if (polled[i + 2].revents != 0) {
          Advance(connections[i]);
        }
      }
      if (polled[1].revents != 0 && !AcceptAll()) {
        accept_paused_until = std::chrono::steady_clock::now() + kAcceptPauseWhenOutOfFds;
      }
      now = std::chrono::steady_clock::now();
      for (Connection& connection : connections) {
        if (connection.fd >= 0 && now >= Deadline(connection)) {
          Close(connection, connection.phase == Phase::kReading   ? request_timeouts
                            : connection.phase == Phase::kWriting ? response_timeouts
                                                                  : nullptr);
        }
      }
      std::erase_if(connections, [](const Connection& connection) { return connection.fd < 0; });
    }
    for (Connection& connection : connections) {
      Close(connection, nullptr);
    }
    connections.clear();
  }

  SteadyTime Deadline(const Connection& connection) const {
    switch (connection.phase) {
      case Phase::kReading:
        return connection.phase_started + options.request_timeout;
      case Phase::kWriting:
        return connection.phase_started + options.response_timeout;
      case Phase::kLingering:
        return connection.phase_started + kLingerFor;
    }
    return connection.phase_started;
  }

  // False when accepting has to pause (no file descriptors left).
  bool AcceptAll() {
    while (true) {
      int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          if (!accept_failing) {  // log the change, not every retry
            ComponentLogger("metrics")->warn("metrics server cannot accept connections: {}", std::strerror(errno));
          }
          accept_failing = true;
          return false;
        }
        return true;  // EAGAIN, or a connection that went away before it was accepted
      }
      accept_failing = false;
      if (static_cast<int>(std::count_if(connections.begin(), connections.end(), [](const Connection& c) {
            return c.fd >= 0;
          })) >= options.max_connections &&
          !EvictLongestWaiting()) {
        evictions->Inc();
        close(fd);
        continue;
      }
      connections.push_back({.fd = fd, .phase_started = std::chrono::steady_clock::now()});
    }
  }

  // Closes the connection that has waited longest for a request head; false when none waits.
  bool EvictLongestWaiting() {
    Connection* longest = nullptr;
    for (Connection& connection : connections) {
      if (connection.fd >= 0 && connection.phase == Phase::kReading &&
          (longest == nullptr || connection.phase_started < longest->phase_started)) {
        longest = &connection;
      }
    }
    if (longest == nullptr) {
      return false;
    }
    Close(*longest, evictions);
    return true;
  }

  // Reads, answers and sends what the connection is ready for.
  void Advance(Connection& connection) {
    if (connection.phase == Phase::kWriting) {
      Send(connection);
    } else {
      Receive(connection);
    }
    while (connection.fd >= 0 && connection.phase == Phase::kReading) {
      if (!AnswerNextRequest(connection)) {
        if (connection.client_closed) {
          Close(connection, nullptr);  // nothing more will come
        }
        return;
      }
      Send(connection);
    }
  }

  void Receive(Connection& connection) {
    char chunk[4096];
    // Reads no more than a head's worth ahead (pipelined requests wait in the socket), and
    // a lingering client's flood a bounded amount at a time, so others get their turn.
    for (int chunks = 0; chunks < kReceiveChunksPerTurn && connection.received.size() <= kMaxRequestHeadBytes;
         ++chunks) {
      ssize_t got = recv(connection.fd, chunk, sizeof chunk, 0);
      if (got > 0) {
        if (connection.phase != Phase::kLingering) {
          connection.received.append(chunk, static_cast<size_t>(got));
        }
        continue;
      }
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return;
      }
      if (got < 0 || connection.phase == Phase::kLingering) {
        Close(connection, nullptr);
      } else {
        connection.client_closed = true;
      }
      return;
    }
  }

  // Queues the response to the next whole request head received; false when there is none yet.
  bool AnswerNextRequest(Connection& connection) {
    auto head_end = connection.received.find("\r\n\r\n");
    if (head_end == std::string::npos || head_end > kMaxRequestHeadBytes) {
      if (connection.received.size() > kMaxRequestHeadBytes) {
        bad_requests->Inc();
        Queue(connection, ResponseText("431 Request Header Fields Too Large", "", "request head too large\n", true, true),
              true);
        return true;
      }
      return false;
    }
    std::optional<RequestHead> head = ParseRequestHead(absl::string_view(connection.received).substr(0, head_end));
    if (!head) {
      bad_requests->Inc();
      Queue(connection, ResponseText("400 Bad Request", "", "malformed request\n", true, true), true);
      return true;
    }
    ++connection.requests;
    bool close = !head->keep_alive || head->has_body || connection.requests >= options.max_requests_per_connection;
    std::string response;
    if (head->path != "/metrics") {
      response = ResponseText("404 Not Found", "", "not found; metrics are at /metrics\n", head->method != "HEAD", close);
    } else if (head->method != "GET" && head->method != "HEAD") {
      response = ResponseText("405 Method Not Allowed", "Allow: GET, HEAD\r\n", "only GET and HEAD\n", true, close);
    } else {
      response = ResponseText("200 OK", "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n",
                              registry.Expose(), head->method == "GET", close);
    }
    connection.received.erase(0, head_end + 4);
    Queue(connection, std::move(response), close);
    return true;
  }

  void Queue(Connection& connection, std::string response, bool close) {
    connection.to_send = std::move(response);
    connection.sent = 0;
    connection.close_when_sent = close;
    connection.phase = Phase::kWriting;
    connection.phase_started = std::chrono::steady_clock::now();
  }

  void Send(Connection& connection) {
    while (connection.sent < connection.to_send.size()) {
      ssize_t sent = send(connection.fd, connection.to_send.data() + connection.sent,
                          connection.to_send.size() - connection.sent, MSG_NOSIGNAL);
      if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return;
      }
      if (sent <= 0) {
        Close(connection, nullptr);
        return;
      }
      connection.sent += static_cast<size_t>(sent);
    }
    connection.to_send.clear();
    connection.sent = 0;
    connection.phase_started = std::chrono::steady_clock::now();
    if (!connection.close_when_sent) {
      connection.phase = Phase::kReading;
    } else if (connection.client_closed) {
      Close(connection, nullptr);
    } else {
      shutdown(connection.fd, SHUT_WR);
      connection.received.clear();
      connection.phase = Phase::kLingering;
    }
  }

  void Close(Connection& connection, Counter* reason) {
    if (reason != nullptr) {
      reason->Inc();
    }
    close(connection.fd);
    connection.fd = -1;
  }

  MetricsRegistry& registry;
  const MetricsServerOptions options;
  Counter* request_timeouts;
  Counter* response_timeouts;
  Counter* evictions;
  Counter* bad_requests;
  int listen_fd = -1;
  int wake_fd = -1;
  bool accept_failing = false;
  std::vector<Connection> connections;  // only the server thread touches them
  std::thread thread;
};

MetricsServer::MetricsServer(MetricsRegistry& registry, MetricsServerOptions options)
    : impl_(std::make_unique<Impl>(registry, options)) {}

MetricsServer::~MetricsServer() { Stop(); }

absl::Status MetricsServer::Start(const std::string& listen) {
  if (impl_->listen_fd >= 0) {
    return absl::FailedPreconditionError("the metrics server starts once");
  }
  ASSIGN_OR_RETURN(auto host_port, SplitListen(listen, "server.metrics_listen"));
  auto& [host, port] = host_port;
  addrinfo hints{};
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  if (int error = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &addresses); error != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("server.metrics_listen: cannot resolve '", listen, "': ", gai_strerror(error)));
  }
  std::string failure = "no address";
  for (addrinfo* address = addresses; address != nullptr && impl_->listen_fd < 0; address = address->ai_next) {
    int fd = socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, address->ai_protocol);
    if (fd < 0) {
      failure = std::strerror(errno);
      continue;
    }
    // SO_REUSEADDR only lets a restart bind past connections in TIME_WAIT. Not SO_REUSEPORT (which
    // cpp-httplib set): with it a second curationd bound the same port and took half the scrapes.
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (bind(fd, address->ai_addr, address->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      failure = std::strerror(errno);
      close(fd);
      continue;
    }
    impl_->listen_fd = fd;
  }
  freeaddrinfo(addresses);
  if (impl_->listen_fd < 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for metrics on ", listen, ": ", failure));
  }
  sockaddr_storage bound{};
  socklen_t bound_size = sizeof bound;
  getsockname(impl_->listen_fd, reinterpret_cast<sockaddr*>(&bound), &bound_size);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  impl_->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl_->wake_fd < 0) {
    return absl::UnavailableError(absl::StrCat("metrics server: eventfd: ", std::strerror(errno)));
  }
  impl_->thread = std::thread([impl = impl_.get()] { impl->Run(); });
  return absl::OkStatus();
}

void MetricsServer::Stop() {
  if (impl_->thread.joinable()) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t written = write(impl_->wake_fd, &one, sizeof one);
    impl_->thread.join();
  }
}

}  // namespace curation
