#pragma once
// A link-time stand-in for curation::HttpClient (services/common/http_client.cpp is not linked
// into the fuzz targets that use this): every request is answered from one file in memory, the
// way a distributor node serves byte ranges. The fuzzer's bytes then reach the prober's
// RangeSource, libavformat and OpenCV exactly as a download would, without a socket.

#include <string>
#include <string_view>

namespace curation::fuzz {

struct ServedFile {
  std::string_view bytes;
  std::string content_type;
};

/// What every HttpClient answers until the next call. The bytes must outlive the requests.
void Serve(ServedFile file);

}  // namespace curation::fuzz
