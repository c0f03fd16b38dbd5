#pragma once
// Review's section of the configuration (review.*; its keys are in review's module).

#include <chrono>

#include <curation/common/config.hpp>

namespace curation {

struct ReviewConfig {
  std::chrono::milliseconds due_after = 36h;
  std::chrono::milliseconds at_risk = 6h;
  std::chrono::milliseconds lease = 10min;        // a claim's default length
  std::chrono::milliseconds max_lease = 1h;
  int min_justification_chars = 20;
};

}  // namespace curation
