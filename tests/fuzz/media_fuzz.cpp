// The media checks on bytes a stranger uploaded: MediaProber::Probe over a file served from
// memory (memory_http_client.cpp), through RangeSource, libavformat/libavcodec and OpenCV.
// The first byte picks how the file is served and probed; the rest is the file.
#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" {
#include <libavutil/log.h>
}

#include <curation/common/http_client.hpp>
#include <curation/probe/media_prober.hpp>

#include "memory_http_client.hpp"

namespace {

using curation::probe::ProbeTarget;
using curation::v1::ProbeTask;

constexpr const char* kContentTypes[] = {"video/mp4", "image/jpeg", "application/octet-stream", "video/webm"};
constexpr ProbeTask::Kind kKinds[] = {ProbeTask::KIND_AUTO, ProbeTask::KIND_VIDEO, ProbeTask::KIND_IMAGE,
                                      ProbeTask::KIND_AUTO};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  av_log_set_level(AV_LOG_QUIET);  // as the worker does
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) {
    return 0;
  }
  const uint8_t options = data[0];
  curation::fuzz::Serve({.bytes = std::string_view(reinterpret_cast<const char*>(data + 1), size - 1),
                         .content_type = kContentTypes[options & 3]});
  ProbeTarget target{.url = "http://distributor.fuzz/asset",
                     .role = (options & 0x20) != 0 ? "poster" : "media",
                     .kind = kKinds[(options >> 2) & 3],
                     .deep = (options & 0x10) != 0};
  curation::HttpClient http;
  curation::probe::ProbeLimits limits;
  limits.deadline = std::chrono::seconds(5);
  curation::probe::MediaProber prober(http, limits);
  prober.Probe(target);
  return 0;
}
