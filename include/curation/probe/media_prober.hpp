#pragma once
// Probes one URL the way a browser's <video> or <img> would load it: byte ranges over HTTP(S),
// the container opened by libavformat from those bytes only, the first frames and a frame near
// the end decoded, images decoded with OpenCV. Every check ends in a named Finding.
//
// Runs hostile input through FFmpeg and OpenCV: call it inside a sandboxed worker process
// (ProbeSandbox), not in a process that holds secrets or serves requests.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <curation/common/http_client.hpp>
#include <curation/v1/probe.pb.h>

namespace curation::probe {

// Reports are protobuf messages because they cross two process boundaries (worker pipe,
// gRPC) and are stored as JSON: one type instead of three copies of it.
using v1::SourceReport;

struct ProbeTarget {
  std::string url;
  std::string role = "url";  // media, thumbnail, url, hero_cut, poster
  v1::ProbeTask::Kind kind = v1::ProbeTask::KIND_AUTO;
  std::optional<int64_t> expected_size;  // the data object's size on chain
  bool deep = false;                     // black, frozen and silent opening seconds
};

struct ProbeLimits {
  std::chrono::milliseconds deadline{20000};     // the whole probe
  std::chrono::milliseconds read_timeout{5000};  // one HTTP request
  int64_t max_bytes = 32ll << 20;                // read from the network per probe
  int64_t max_image_bytes = 16ll << 20;
  int64_t max_image_pixels = 40'000'000;
  int max_video_dimension = 8192;
  int max_redirects = 4;
  std::string user_agent = "curation-probe/0.1";
};

/// host[:port] of a URL, lower-cased: how reports name a node and how probes are paced.
std::string HostOf(const std::string& url);

class MediaProber {
 public:
  /// `http` should carry the address guard: every connection, redirects included, goes
  /// through it; FFmpeg itself opens nothing.
  MediaProber(HttpClient& http, ProbeLimits limits);
  SourceReport Probe(const ProbeTarget& target);

  /// Decodes small JPEG, PNG and WebP samples; an error names the format this OpenCV build
  /// cannot read (thumbnails are WebP), so a worker can refuse to start.
  static absl::Status SelfCheck();

 private:
  HttpClient& http_;
  ProbeLimits limits_;
};

}  // namespace curation::probe
