#pragma once
// Prometheus text exposition: counters, gauges and histograms with bounded labels,
// served on /metrics by a small HTTP server.

#include <atomic>
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

/// Serves GET /metrics from a registry on its own thread.
class MetricsServer {
 public:
  explicit MetricsServer(MetricsRegistry& registry);
  ~MetricsServer();
  /// Binds host:port (port 0 picks one) and starts serving.
  absl::Status Start(const std::string& listen);
  int port() const { return port_; }
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace curation
