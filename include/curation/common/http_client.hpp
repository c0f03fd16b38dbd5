#pragma once
// Blocking HTTP(S) client over libcurl with hard limits on time and size.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <curation/common/status.hpp>

namespace curation {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{30000};
  int64_t max_response_bytes = 64ll << 20;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

/// One client per thread: it keeps connections alive between requests and is not thread-safe.
/// Transport failures come back as UNAVAILABLE, timeouts as DEADLINE_EXCEEDED, an oversized
/// body as RESOURCE_EXHAUSTED; any HTTP status is a successful exchange.
class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request);

 private:
  void* curl_;  // CURL*, kept opaque so users do not include curl.h
};

}  // namespace curation
