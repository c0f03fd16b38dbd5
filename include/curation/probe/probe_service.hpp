#pragma once
// The probe service: answers "would this video play, and from which distributors?", keeps
// the answers, and works through the probe jobs (a light probe for every new video).

#include <chrono>
#include <optional>
#include <random>
#include <stop_token>
#include <string>

#include <curation/common/clock.hpp>
#include <curation/common/metrics.hpp>
#include <curation/db/feed_follower.hpp>
#include <curation/probe/probe_sandbox.hpp>
#include <curation/probe/probe_store.hpp>
#include <curation/probe/source_resolver.hpp>

namespace curation::probe {

struct ProbeServiceOptions {
  std::chrono::milliseconds host_interval{200};  // pacing per distributor host
  std::chrono::milliseconds lease{600000};       // a job's claim; a dead worker's job returns after it
  int light_sources = 3;  // a light probe tries this many nodes before calling the media unreachable
};

struct ProbeHistoryPage {
  std::vector<v1::ProbeReport> probes;
  std::string next_page_token;
};

class ProbeService {
 public:
  ProbeService(ProbeStore& store, SourceResolver& resolver, ProbeSandbox& sandbox, MetricsRegistry& metrics,
               ProbeServiceOptions options);

  /// INVALID_ARGUMENT for anything but an absolute http(s) URL. `role` names what the URL is
  /// for: a "hero_cut" must start at once, a "poster" be large enough. Paced per host like job
  /// probes; DEADLINE_EXCEEDED, with nothing probed or kept, when the host's next slot or a free
  /// worker comes after `deadline`.
  absl::StatusOr<v1::ProbeReport> ProbeUrl(const std::string& url, bool deep, const std::string& role = "url",
                                           std::optional<TimePoint> deadline = std::nullopt);
  /// Probes and stores. NOT_FOUND when the video has not been ingested; DEADLINE_EXCEEDED,
  /// with nothing kept, when one of its sources' host slot or a free worker comes after `deadline`.
  absl::StatusOr<v1::ProbeReport> ProbeVideo(const std::string& video_id, v1::ProbeDepth depth,
                                             std::optional<TimePoint> deadline = std::nullopt);
  absl::StatusOr<v1::ProbeReport> GetVerdict(const std::string& video_id, std::optional<TimePoint> deadline);
  /// The video's distributors in its bag's order with its asset URLs there, and what the latest
  /// probe found at each; nothing is probed. NOT_FOUND when the video has not been ingested; no
  /// sources, and a finding that says why, when nothing can be played.
  absl::StatusOr<v1::VideoSources> GetVideoSources(const std::string& video_id, std::optional<TimePoint> deadline);
  absl::StatusOr<ProbeHistoryPage> ListProbes(const std::string& video_id, const std::string& url, int page_size,
                                              const std::string& page_token, std::optional<TimePoint> deadline);

  /// Claims and runs one job; false when there was none to claim.
  absl::StatusOr<bool> RunOneJob(const std::string& holder);
  /// Runs jobs until stopped, as `holder` (unique per thread and process).
  void RunJobs(std::stop_token stop, db::Pool& pool, const std::string& holder);
  /// Raises light jobs from the ingest feed until stopped. `pool` is the store's.
  void RunFeedConsumer(std::stop_token stop, db::Pool& pool);
  /// Raises light jobs from the ingest feed to its end (or `stop`); returns how many.
  absl::StatusOr<int64_t> DrainFeed(std::stop_token stop = {});

 private:
  /// The report of a video, not stored.
  absl::StatusOr<v1::ProbeReport> Examine(const std::string& video_id, v1::ProbeDepth depth,
                                          std::optional<TimePoint> deadline);
  /// Waits for the host's next slot, then probes; DEADLINE_EXCEEDED as ProbeUrl says.
  absl::StatusOr<SourceReport> ProbePaced(const ProbeTarget& target, std::optional<TimePoint> deadline);
  void Count(const v1::ProbeReport& report);

  ProbeStore& store_;
  SourceResolver& resolver_;
  ProbeSandbox& sandbox_;
  MetricsRegistry& metrics_;
  ProbeServiceOptions options_;
  std::mutex random_mutex_;
  std::mt19937_64 random_;
  Histogram& duration_;
  Histogram& bytes_read_;
  db::FeedFollower feed_;
};

}  // namespace curation::probe
