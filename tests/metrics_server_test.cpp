// MetricsServer over raw sockets: what a scraper, a pipelining client, a wrong method and a
// trickling (slowloris) client get, and what a concurrent scrape of a busy registry reads.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <absl/strings/ascii.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_split.h>

#include <curation/common/metrics.hpp>

namespace curation {
namespace {

using namespace std::chrono_literals;

// How long a test waits for any one answer before calling the server unreachable.
constexpr auto kAnswerWithin = 5s;

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// One client connection on a blocking socket whose reads give up after kAnswerWithin.
class RawConnection {
 public:
  // A receive_buffer (bytes) makes a client that cannot take much before it reads.
  explicit RawConnection(int port, int receive_buffer = 0) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    if (receive_buffer > 0) {
      setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    timeval timeout{std::chrono::duration_cast<std::chrono::seconds>(kAnswerWithin).count(), 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawConnection() { close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t sent = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) {
        return false;
      }
      bytes.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
  }

  // The next response; nullopt when the server closed the connection or did not answer in time.
  // A response to HEAD has no body whatever its Content-Length says.
  std::optional<HttpResponse> Read(bool to_head = false) {
    size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) {
        return std::nullopt;
      }
    }
    HttpResponse response;
    std::vector<std::string> lines = absl::StrSplit(buffer_.substr(0, head_end), "\r\n");
    std::vector<std::string> status_line = absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
    if (status_line.size() < 2 || !absl::SimpleAtoi(status_line[1], &response.status)) {
      return std::nullopt;
    }
    for (size_t i = 1; i < lines.size(); ++i) {
      auto colon = lines[i].find(':');
      if (colon != std::string::npos) {
        response.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
            std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
      }
    }
    buffer_.erase(0, head_end + 4);
    size_t length = 0;
    if (!to_head && response.headers.count("content-length") &&
        !absl::SimpleAtoi(response.headers["content-length"], &length)) {
      return std::nullopt;
    }
    while (buffer_.size() < length) {
      if (!Fill()) {
        return std::nullopt;
      }
    }
    response.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return response;
  }

  // True once the server has closed its side (a read sees end of file or a reset).
  bool ClosedByServer() {
    char byte;
    ssize_t got = recv(fd_, &byte, 1, 0);
    return got == 0 || (got < 0 && errno == ECONNRESET);
  }

 private:
  bool Fill() {
    char chunk[16384];
    ssize_t got = recv(fd_, chunk, sizeof chunk, 0);
    if (got <= 0) {
      return false;
    }
    buffer_.append(chunk, static_cast<size_t>(got));
    return true;
  }

  int fd_;
  bool connected_ = false;
  std::string buffer_;
};

std::optional<HttpResponse> Scrape(int port) {
  RawConnection connection(port);
  if (!connection.connected() || !connection.Send("GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n")) {
    return std::nullopt;
  }
  return connection.Read();
}

TEST(MetricsServerTest, AnswersPipelinedRequestsInOrder) {
  MetricsRegistry registry;
  registry.GetCounter("curation_pipelined_total", "x").Inc(3);
  MetricsServer server(registry);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  RawConnection connection(server.port());
  ASSERT_TRUE(connection.Send(
      "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n"
      "GET /nowhere HTTP/1.1\r\nHost: test\r\n\r\n"
      "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n"));
  for (int expected_status : {200, 404, 200}) {
    auto response = connection.Read();
    ASSERT_TRUE(response) << "no answer for the request expecting " << expected_status;
    EXPECT_EQ(response->status, expected_status);
    if (expected_status == 200) {
      EXPECT_NE(response->body.find("curation_pipelined_total 3\n"), std::string::npos) << response->body;
    }
  }
}

TEST(MetricsServerTest, WrongMethodIs405WithAllowAndUnknownPathIs404) {
  MetricsRegistry registry;
  MetricsServer server(registry);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
    RawConnection connection(server.port());
    ASSERT_TRUE(connection.Send(std::string(method) + " /metrics HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n"));
    auto response = connection.Read();
    ASSERT_TRUE(response) << method;
    EXPECT_EQ(response->status, 405) << method;
    EXPECT_EQ(response->headers["allow"], "GET, HEAD") << method;
  }
  for (const char* path : {"/", "/metricsx", "/metrics/", "/healthz"}) {
    RawConnection connection(server.port());
    ASSERT_TRUE(connection.Send("GET " + std::string(path) + " HTTP/1.1\r\nHost: test\r\n\r\n"));
    auto response = connection.Read();
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 404) << path;
  }
}

TEST(MetricsServerTest, HeadAndQueryString) {
  MetricsRegistry registry;
  registry.GetGauge("curation_head_depth", "x").Set(5);
  MetricsServer server(registry);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  RawConnection connection(server.port());
  ASSERT_TRUE(connection.Send("HEAD /metrics HTTP/1.1\r\nHost: test\r\n\r\n"));
  auto head = connection.Read(/*to_head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  ASSERT_TRUE(connection.Send("GET /metrics?name[]=x HTTP/1.1\r\nHost: test\r\n\r\n"));
  auto get = connection.Read();
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(head->headers["content-length"], std::to_string(get->body.size()));
  EXPECT_TRUE(get->headers["content-type"].starts_with("text/plain; version=0.0.4")) << get->headers["content-type"];
}

// A byte every 500 ms never trips a per-read timeout; 40 such connections held every worker
// of the old server, so /metrics went unanswered for as long as they kept trickling.
TEST(MetricsServerTest, TricklingClientsDoNotBlindMetrics) {
  MetricsRegistry registry;
  registry.GetCounter("curation_trickle_total", "x").Inc();
  MetricsServer server(registry);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  constexpr int kTricklers = 40;
  // Far beyond the server's bound on a request head; a trickler still open then is a failure.
  constexpr auto kGiveUpAfter = 30s;
  std::atomic<int> closed_by_server{0};
  std::vector<std::jthread> tricklers;
  for (int i = 0; i < kTricklers; ++i) {
    tricklers.emplace_back([&](std::stop_token stop) {
      RawConnection connection(server.port());
      std::string endless = "GET /metrics HTTP/1.1\r\nX-Slow: " + std::string(1000, 'a');
      auto started = std::chrono::steady_clock::now();
      for (char byte : endless) {
        if (stop.stop_requested() || std::chrono::steady_clock::now() - started > kGiveUpAfter) {
          return;
        }
        if (!connection.Send(std::string_view(&byte, 1))) {
          ++closed_by_server;
          return;
        }
        std::this_thread::sleep_for(500ms);
      }
    });
  }
  std::this_thread::sleep_for(1s);  // every trickler is connected and has started
  int answered = 0;
  while (closed_by_server < kTricklers && answered < 300) {
    auto response = Scrape(server.port());
    ASSERT_TRUE(response) << "/metrics did not answer within 5 s while " << kTricklers - closed_by_server
                          << " clients trickled";
    EXPECT_EQ(response->status, 200);
    EXPECT_NE(response->body.find("curation_trickle_total 1\n"), std::string::npos);
    ++answered;
    std::this_thread::sleep_for(100ms);
  }
  tricklers.clear();  // joins them
  EXPECT_GT(answered, 0);
  EXPECT_EQ(closed_by_server, kTricklers) << "the server left trickling connections open";
}

// /metrics once alternated between two bodies (48,557 and 7,929 bytes): cpp-httplib binds with
// SO_REUSEPORT, so a second curationd on the same metrics port (an instance started without its
// own port, or an old one still draining) bound it too, and the kernel spread connections over
// both processes. A second server on a taken port must fail to start instead.
TEST(MetricsServerTest, ASecondServerCannotTakeTheSamePort) {
  MetricsRegistry first_registry, second_registry;
  first_registry.GetCounter("curation_first_total", "x").Inc();
  second_registry.GetCounter("curation_second_total", "x").Inc();
  MetricsServer first(first_registry), second(second_registry);
  ASSERT_TRUE(first.Start("127.0.0.1:0").ok());
  auto started = second.Start("127.0.0.1:" + std::to_string(first.port()));
  EXPECT_FALSE(started.ok());
  std::set<std::string> bodies;
  for (int i = 0; i < 20; ++i) {
    auto response = Scrape(first.port());
    ASSERT_TRUE(response);
    bodies.insert(response->body);
  }
  EXPECT_EQ(bodies, std::set<std::string>{first_registry.Expose()}) << "scrapes reached more than one server";
}

TEST(MetricsServerTest, RefusesABadListenAddress) {
  MetricsRegistry registry;
  for (const char* listen : {"no-port", "127.0.0.1:http", "127.0.0.1:70000", "127.0.0.1:-1", "127.0.0.1:", ":99999"}) {
    MetricsServer server(registry);
    EXPECT_FALSE(server.Start(listen).ok()) << listen;
  }
}

double Dropped(MetricsRegistry& registry, const std::string& reason) {
  return registry
      .GetCounter("curation_metrics_dropped_connections_total", "Metrics connections the server closed early, by reason",
                  {{"reason", reason}})
      .Value();
}

TEST(MetricsServerTest, AtCapacityANewConnectionDisplacesTheLongestWaiting) {
  MetricsRegistry registry;
  MetricsServer server(registry, {.max_connections = 4});
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<RawConnection>(server.port()));
    ASSERT_TRUE(idle.back()->Send("G"));  // accepted and waiting for the rest of its head
    std::this_thread::sleep_for(50ms);    // accepted in this order
  }
  auto response = Scrape(server.port());
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(idle[0]->ClosedByServer()) << "the longest waiting connection stays";
  EXPECT_EQ(Dropped(registry, "capacity"), 1);
}

TEST(MetricsServerTest, BoundsRequestsPerConnection) {
  MetricsRegistry registry;
  MetricsServer server(registry, {.max_requests_per_connection = 2});
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  RawConnection connection(server.port());
  ASSERT_TRUE(connection.Send(
      "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n"
      "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n"
      "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n"));
  auto first = connection.Read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->headers.count("connection"), 0u);
  auto second = connection.Read();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->headers["connection"], "close");
  EXPECT_FALSE(connection.Read()) << "a third response on a connection allowed two";
}

TEST(MetricsServerTest, ClosesWhenTheClientAsks) {
  MetricsRegistry registry;
  MetricsServer server(registry);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  for (const char* request : {"GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n", "GET /metrics HTTP/1.0\r\n\r\n"}) {
    RawConnection connection(server.port());
    ASSERT_TRUE(connection.Send(request));
    auto response = connection.Read();
    ASSERT_TRUE(response) << request;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->headers["connection"], "close");
    EXPECT_TRUE(connection.ClosedByServer()) << request;
  }
}

// Hostile heads get a clear status and a closed connection; the server goes on serving.
TEST(MetricsServerTest, RefusesMalformedAndOversizedRequests) {
  MetricsRegistry registry;
  MetricsServer server(registry);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  const std::vector<std::pair<std::string, int>> cases{
      {"GARBAGE\r\n\r\n", 400},
      {"GET /metrics\r\n\r\n", 400},
      {"GET /metrics HTTP/2.0\r\n\r\n", 400},
      {"GET metrics HTTP/1.1\r\n\r\n", 400},
      {"G(T /metrics HTTP/1.1\r\n\r\n", 400},
      {"GET /metrics HTTP/1.1\r\nno colon\r\n\r\n", 400},
      {"GET /metrics HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"GET /metrics HTTP/1.1\r\nX-Long: " + std::string(9000, 'a') + "\r\n\r\n", 431},
      {"GET /metrics HTTP/1.1\r\nX-Long: " + std::string(9000, 'a'), 431},
      {std::string("GET /metrics HTTP/1.1\r\nX-Nul: \0\r\n\r\n", 35), 200},
  };
  for (const auto& [request, status] : cases) {
    RawConnection connection(server.port());
    ASSERT_TRUE(connection.Send(request));
    auto response = connection.Read();
    ASSERT_TRUE(response) << request.substr(0, 40);
    EXPECT_EQ(response->status, status) << request.substr(0, 40);
    if (status != 200) {
      EXPECT_TRUE(connection.ClosedByServer()) << request.substr(0, 40);
    }
  }
  EXPECT_EQ(Dropped(registry, "bad_request"), 9);
  auto response = Scrape(server.port());
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
}

// A request with a body the server does not read is answered, and its connection closed only
// after the client has had the answer (closing with unread input would reset it away).
TEST(MetricsServerTest, AnswersARequestWithABodyThenCloses) {
  MetricsRegistry registry;
  MetricsServer server(registry);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  RawConnection connection(server.port());
  ASSERT_TRUE(connection.Send("POST /metrics HTTP/1.1\r\nContent-Length: 100000\r\n\r\n" + std::string(100000, 'x')));
  auto response = connection.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->headers["connection"], "close");
  EXPECT_TRUE(connection.ClosedByServer());
}

// A client that stops reading holds its connection only for the response timeout.
TEST(MetricsServerTest, DropsAClientThatDoesNotReadItsResponse) {
  MetricsRegistry registry;
  // 16 MiB: more than the socket buffers between the server and a client that does not read.
  registry.GetGauge("curation_big", "x", {{"blob", std::string(16 << 20, 'a')}}).Set(1);
  MetricsServer server(registry, {.response_timeout = 500ms});
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  RawConnection connection(server.port(), /*receive_buffer=*/4096);
  ASSERT_TRUE(connection.Send("GET /metrics HTTP/1.1\r\n\r\n"));
  std::this_thread::sleep_for(1500ms);  // not reading, past the response timeout
  EXPECT_FALSE(connection.Read()) << "the whole response arrived";
  EXPECT_EQ(Dropped(registry, "response_timeout"), 1);
}

// Every family the registry below holds, each with its HELP and TYPE and at least one sample.
void ExpectWellFormed(const std::string& body, const std::set<std::string>& families) {
  ASSERT_FALSE(body.empty());
  ASSERT_EQ(body.back(), '\n');
  std::set<std::string> seen;
  std::string current;
  bool has_sample = true;
  for (const std::string& line : std::vector<std::string>(absl::StrSplit(body.substr(0, body.size() - 1), '\n'))) {
    if (line.starts_with("# HELP ")) {
      ASSERT_TRUE(has_sample) << current << " has no samples";
      current = line.substr(7, line.find(' ', 7) - 7);
      ASSERT_TRUE(seen.insert(current).second) << current << " twice";
      has_sample = false;
    } else if (line.starts_with("# TYPE ")) {
      ASSERT_TRUE(line.starts_with("# TYPE " + current + " ")) << line;
    } else {
      ASSERT_TRUE(!current.empty() && line.starts_with(current)) << line << " outside its family " << current;
      auto space = line.rfind(' ');
      ASSERT_NE(space, std::string::npos) << line;
      double value;
      ASSERT_TRUE(absl::SimpleAtod(line.substr(space + 1), &value) || line.substr(space + 1) == "+Inf") << line;
      has_sample = true;
    }
  }
  ASSERT_TRUE(has_sample) << current << " has no samples";
  for (const std::string& family : families) {
    EXPECT_TRUE(seen.count(family)) << family << " missing";
  }
}

// Scrapes in parallel while handlers count, histograms gain labels and refreshers set gauges
// the way ReviewService::RefreshMetrics does (GetGauge during the exposition): every body is
// whole, with every family.
TEST(MetricsServerTest, ConcurrentScrapesUnderLoadSeeEveryFamily) {
  MetricsRegistry registry;
  registry.GetCounter("curation_load_requests_total", "x", {{"method", "m0"}});
  registry.GetHistogram("curation_load_duration_seconds", "x", {{"method", "m0"}});
  std::atomic<int> refreshes{0};
  registry.AddRefresher([&] {
    int n = ++refreshes;
    registry.GetGauge("curation_load_queue_items", "x", {{"state", "open"}}).Set(n);
    registry.GetGauge("curation_load_queue_items", "x", {{"state", "claimed"}}).Set(n % 7);
    registry.GetGauge("curation_load_lag_seconds", "x").Set(n * 0.5);
  });
  registry.AddRefresher([&] { registry.GetGauge("curation_load_breached_items", "x").Set(refreshes % 3); });
  registry.Expose();  // the families the refreshers register exist from the first scrape on
  const std::set<std::string> families{"curation_load_requests_total", "curation_load_duration_seconds",
                                       "curation_load_queue_items", "curation_load_lag_seconds",
                                       "curation_load_breached_items"};
  MetricsServer server(registry);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());

  std::vector<std::jthread> load;
  for (int t = 0; t < 2; ++t) {
    load.emplace_back([&, t](std::stop_token stop) {
      for (int i = 0; !stop.stop_requested(); ++i) {
        std::map<std::string, std::string> labels{{"method", "m" + std::to_string((i + t) % 40)}};
        registry.GetCounter("curation_load_requests_total", "x", labels).Inc();
        registry.GetHistogram("curation_load_duration_seconds", "x", labels).Observe(i % 100 * 0.01);
      }
    });
  }
  std::atomic<int> scrapes{0};
  {
    std::vector<std::jthread> scrapers;
    for (int s = 0; s < 4; ++s) {
      scrapers.emplace_back([&] {
        // Half on keep-alive connections (a new one when the server ends one), half on fresh
        // ones, as Prometheus and curl do.
        auto connection = std::make_unique<RawConnection>(server.port());
        for (int i = 0; i < 50; ++i) {
          std::optional<HttpResponse> response;
          if (i % 2 == 0) {
            for (int attempt = 0; attempt < 2 && !response; ++attempt) {
              if (attempt > 0) {
                connection = std::make_unique<RawConnection>(server.port());
              }
              if (connection->Send("GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n")) {
                response = connection->Read();
              }
            }
          } else {
            response = Scrape(server.port());
          }
          ASSERT_TRUE(response);
          ASSERT_EQ(response->status, 200);
          ExpectWellFormed(response->body, families);
          ++scrapes;
        }
      });
    }
  }
  load.clear();
  EXPECT_EQ(scrapes, 200);
}

}  // namespace
}  // namespace curation
