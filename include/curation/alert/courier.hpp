#pragma once
// Sends the outbox: each notification until a receiver takes it, with backoff and jitter,
// honouring 429s, and giving up on other refusals with a logged error.

#include <mutex>
#include <random>
#include <stop_token>

#include <curation/alert/alert_store.hpp>
#include <curation/alert/notifiers.hpp>
#include <curation/common/clock.hpp>
#include <curation/alert/config.hpp>
#include <curation/common/http_client.hpp>
#include <curation/common/metrics.hpp>

namespace curation::alert {

class Courier {
 public:
  Courier(AlertStore& store, HttpClient& http, const Clock& clock, const AlertConfig& config, MetricsRegistry& metrics);

  /// One attempt at every notification that is due; how many were attempted. With a deadline,
  /// waits for another sender only until then and starts no attempt after it.
  absl::StatusOr<int> DeliverDue(std::optional<TimePoint> deadline = std::nullopt);
  /// Sends every due notification every `period` until stopped.
  void Run(std::stop_token stop, std::chrono::milliseconds period = std::chrono::milliseconds(250));

 private:
  NotificationRow Attempt(const NotificationRow& notification, TimePoint now);
  std::chrono::milliseconds Backoff(int attempts);

  AlertStore& store_;
  HttpClient& http_;
  const Clock& clock_;
  const AlertConfig& config_;
  MetricsRegistry& metrics_;
  std::timed_mutex mutex_;  // the HTTP client is single-threaded
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace curation::alert
