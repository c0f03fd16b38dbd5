#pragma once
// Prometheus text exposition: counters, gauges and histograms with bounded labels,
// served on /metrics by a small HTTP server.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <curation/common/status.hpp>

namespace curation {

using Labels = std::map<std::string, std::string>;

/// A monotonically increasing value. Thread-safe.
class Counter {
 public:
  void Inc(double by = 1.0);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// A value that goes up and down. Thread-safe.
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double by);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// Cumulative buckets of observations. Thread-safe.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);
  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<uint64_t> cumulative_counts;
    uint64_t count = 0;
    double sum = 0;
  };
  Snapshot Read() const;

 private:
  mutable std::mutex mutex_;
  std::vector<double> upper_bounds_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  double sum_ = 0;
};

/// Owns every metric of the process. Metric references stay valid for its lifetime.
class MetricsRegistry {
 public:
  Counter& GetCounter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& GetGauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& GetHistogram(const std::string& name, const std::string& help, const Labels& labels = {},
                          std::vector<double> upper_bounds = DefaultSecondsBuckets());
  /// Runs before each exposition, to refresh gauges that are read from elsewhere (the database).
  void AddRefresher(std::function<void()> refresher);
  /// The Prometheus text format (version 0.0.4).
  std::string Expose();

  static std::vector<double> DefaultSecondsBuckets();

 private:
  struct Family {
    std::string type;
    std::string help;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
  };
  Family& FamilyFor(const std::string& name, const std::string& type, const std::string& help);

  std::mutex mutex_;
  std::map<std::string, Family> families_;
  std::vector<std::function<void()>> refreshers_;
};

/// Limits of MetricsServer, per connection and in all.
struct MetricsServerOptions {
  /// Connections open at once. At the limit a new connection displaces the one that has waited
  /// longest for its request head (a trickling or idle client); if none is waiting, it is closed.
  int max_connections = 128;
  /// A whole request head (request line and headers) must arrive within this, counted from the
  /// accept or from the end of the previous response; so it also bounds keep-alive idleness.
  std::chrono::milliseconds request_timeout{5000};
  /// A whole response must be taken by the client within this.
  std::chrono::milliseconds response_timeout{10000};
  /// Requests one keep-alive connection may make; the last response says `Connection: close`.
  int max_requests_per_connection = 100;
};

/// Serves GET and HEAD /metrics from a registry: 404 for other paths, 405 (`Allow: GET, HEAD`)
/// for other methods; HTTP/1.1 keep-alive and pipelining. One thread multiplexes every
/// connection on non-blocking sockets, so a slow client costs a connection slot, never a worker,
/// and the bounds of MetricsServerOptions close it; the refreshers run on that thread. The port
/// is bound exclusively: a second process on the same port fails to start instead of sharing
/// the scrapes. Counts the connections it drops in curation_metrics_dropped_connections_total.
/// Start and Stop from one thread.
///
///   MetricsServer server(registry);
///   RETURN_IF_ERROR(server.Start("127.0.0.1:9600"));
class MetricsServer {
 public:
  explicit MetricsServer(MetricsRegistry& registry, MetricsServerOptions options = {});
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  /// Binds host:port (port 0 picks one; an empty host is every address) and starts serving.
  /// INVALID_ARGUMENT for a malformed address, UNAVAILABLE when it cannot be bound.
  absl::Status Start(const std::string& listen);
  int port() const { return port_; }
  /// Closes every connection and joins the thread. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace curation
