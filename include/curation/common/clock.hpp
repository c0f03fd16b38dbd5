#pragma once
// Time is injected so deadlines, leases and backoffs are testable without sleeping.

#include <chrono>
#include <mutex>
#include <stop_token>

namespace curation {

using TimePoint = std::chrono::system_clock::time_point;

/// Source of wall-clock time. Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

/// The real clock.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  /// A process-wide instance; stateless, so sharing it is safe.
  static const SystemClock& Instance() {
    static const SystemClock clock;
    return clock;
  }
};

/// A clock that moves only when told to (tests).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void Advance(std::chrono::milliseconds by) {
    std::lock_guard lock(mutex_);
    now_ += by;
  }
  void Set(TimePoint to) {
    std::lock_guard lock(mutex_);
    now_ = to;
  }

 private:
  mutable std::mutex mutex_;
  TimePoint now_;
};

/// Sleeps until `span` passes or a stop is requested, whichever comes first (real time: the
/// loops that use it are not what tests drive with a manual clock).
void PauseFor(std::stop_token stop, std::chrono::milliseconds span);

}  // namespace curation
