#include <curation/common/clock.hpp>

#include <condition_variable>

namespace curation {

void PauseFor(std::stop_token stop, std::chrono::milliseconds span) {
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  wake.wait_for(lock, stop, span, [] { return false; });
}

}  // namespace curation
