#pragma once
// The probe schema: jobs raised from the ingest feed or on request, every probe's report,
// each video's latest verdict, and the per-host pacing shared by all replicas.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <curation/common/clock.hpp>
#include <curation/db/pool.hpp>
#include <curation/v1/probe.pb.h>

namespace curation::probe {

struct VideoAssets {
  std::string video_id;
  std::optional<std::string> media_id;
  std::optional<int64_t> media_size;
  bool media_accepted = false;
  std::optional<std::string> thumbnail_id;
  std::optional<int64_t> thumbnail_size;
  std::optional<std::string> bag_id;
};

struct Job {
  int64_t id = 0;
  std::string video_id;
  v1::ProbeDepth depth = v1::PROBE_DEPTH_LIGHT;
  int attempts = 0;
};

struct FeedJobs {
  int64_t entries = 0;  // feed entries read
  int64_t jobs_created = 0;
  std::optional<int64_t> last;  // the seq of the last entry read, none when none
};

struct QueueDepth {
  int64_t queued = 0;
  int64_t running = 0;
};

class ProbeStore {
 public:
  explicit ProbeStore(db::Pool& pool) : pool_(pool) {}
  static std::vector<db::PreparedStatement> Statements();
  /// Where the store's rows are: what follows the feed into them works there too.
  db::Pool& pool() const { return pool_; }

  /// Raises light jobs for the new videos and changed assets among the feed entries after
  /// `after` (at most `limit`), in `tx`: the transaction that moves the feed cursor past them.
  FeedJobs JobsFromFeed(pqxx::work& tx, int64_t after, int64_t limit) const;
  /// Queues a job unless one is open for the video and depth, whose priority it then raises.
  absl::Status Enqueue(const std::string& video_id, v1::ProbeDepth depth, int priority, const std::string& reason);
  absl::StatusOr<std::optional<Job>> Claim(const std::string& holder, std::chrono::milliseconds lease);
  absl::Status Finish(const Job& job, const std::string& holder);
  /// Back to the queue, not before `delay` from now.
  absl::Status Defer(const Job& job, const std::string& holder, std::chrono::milliseconds delay);
  /// Back to the queue at once, its claim not counted as an attempt: the probe was interrupted
  /// (curationd shutting down), not failed.
  absl::Status Release(const Job& job, const std::string& holder);
  absl::StatusOr<QueueDepth> Depth();

  /// Not-found when the video has not been ingested.
  absl::StatusOr<VideoAssets> Assets(const std::string& video_id, std::optional<TimePoint> deadline);
  /// Stores the report (its probe_id and probed_at filled in) and, for a video, its verdict.
  absl::Status Record(v1::ProbeReport& report, const std::string& url, std::optional<int64_t> job_id);
  absl::StatusOr<std::optional<v1::ProbeReport>> Verdict(const std::string& video_id, std::optional<TimePoint> deadline);
  /// Newest first, with ids below `before_id`.
  absl::StatusOr<std::vector<v1::ProbeReport>> History(const std::string& video_id, const std::string& url,
                                                       int64_t before_id, int limit, std::optional<TimePoint> deadline);
  /// Reserves the next start slot for `host`, `interval` after the previous one; returns how
  /// long to wait for it.
  absl::StatusOr<std::chrono::milliseconds> ReserveHostSlot(const std::string& host, std::chrono::milliseconds interval,
                                                            std::optional<TimePoint> deadline = std::nullopt);

 private:
  db::Pool& pool_;
};

}  // namespace curation::probe
