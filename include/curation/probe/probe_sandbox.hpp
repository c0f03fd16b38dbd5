#pragma once
// Runs probes in worker processes (curation-probe-worker) so that a crafted file that
// crashes or hangs FFmpeg or OpenCV costs one worker, not the service. Workers run with
// resource limits, no environment (no database URL, no tokens), as nobody when started by
// root, and die with their parent. They inherit no descriptor: their stderr is /dev/null, and
// what they have to say comes back through the task pipe. A worker that overruns the probe
// deadline is killed: the outer watchdog for what the in-process deadline cannot interrupt
// (name resolution). A worker's death is logged with how it died and the URL it was probing.
// Workers run in their own process group, so a Ctrl-C at curationd's terminal reaches curationd
// alone, which then stops them through Shutdown() rather than have their deaths read as crashes.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <curation/common/clock.hpp>
#include <curation/probe/media_prober.hpp>

namespace curation::probe {

struct SandboxOptions {
  std::string worker_path;                   // the curation-probe-worker binary
  std::vector<std::string> allow_addresses;  // ranges the address guard lets through (tests, private nodes)
  std::chrono::milliseconds deadline{20000};
  std::chrono::milliseconds grace{5000};     // past the deadline before the worker is killed
  int64_t max_bytes = 32ll << 20;
  int64_t memory_limit_bytes = 1ll << 30;
  int workers = 2;
};

class ProbeSandbox {
 public:
  explicit ProbeSandbox(SandboxOptions options);
  ~ProbeSandbox();
  ProbeSandbox(const ProbeSandbox&) = delete;
  ProbeSandbox& operator=(const ProbeSandbox&) = delete;

  /// Waits for a free worker and probes. A worker that crashes or hangs yields a report with
  /// PROBER_CRASHED or TIMEOUT, and is replaced for the next probe. Not after Shutdown().
  SourceReport Probe(const ProbeTarget& target);
  /// The same, but waits for a free worker only until `deadline` (none: as long as it takes),
  /// then answers DEADLINE_EXCEEDED. A probe under way runs to its own deadline, unless
  /// Shutdown() stops it: then, and for every call after Shutdown(), UNAVAILABLE, and there is
  /// no report (an interrupted probe says nothing about the file).
  absl::StatusOr<SourceReport> Probe(const ProbeTarget& target, std::optional<TimePoint> deadline);

  /// For curationd's shutdown: kills every worker, so that probes under way end now instead of
  /// at their deadline, and refuses further probes. Safe from any thread; idempotent.
  void Shutdown();
  bool ShuttingDown() const { return shutting_down_; }

  /// The worker process ids, for tests that kill one.
  std::vector<int> WorkerPids() const;

 private:
  class Worker;
  SandboxOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<Worker*> idle_;
  std::atomic<bool> shutting_down_ = false;
};

}  // namespace curation::probe
