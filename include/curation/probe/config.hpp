#pragma once
// Probe's section of the configuration (probe.*; its keys are in probe's module).

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <curation/common/config.hpp>

namespace curation {

struct ProbeConfig {
  int workers = 2;                  // probe jobs at once, each in its own worker process
  std::string worker_path;          // empty: curation-probe-worker beside curationd
  std::vector<std::string> allow_addresses;  // ranges the address guard lets through
  std::chrono::milliseconds host_interval = 200ms;  // between probes of one distributor host
  std::chrono::milliseconds deadline = 20s;
  int64_t max_bytes = 32ll << 20;
  std::chrono::milliseconds sources_ttl = 5min;
};

}  // namespace curation
