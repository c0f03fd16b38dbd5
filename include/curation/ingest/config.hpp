#pragma once
// Ingest's section of the configuration (ingest.*; its keys are in ingest's module). The query
// node it reads is the shared query_node section.

#include <chrono>
#include <cstdint>

#include <curation/common/config.hpp>

namespace curation {

struct IngestConfig {
  std::chrono::milliseconds poll_interval = 10s;
  int64_t overlap_blocks = 10;
  std::chrono::milliseconds overlap_time = 60s;
  std::chrono::milliseconds backoff_initial = 1s;
  std::chrono::milliseconds backoff_max = 5min;
  int64_t start_block = 0;
};

}  // namespace curation
