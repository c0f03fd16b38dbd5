#pragma once
// Blocking HTTP(S) client over libcurl with hard limits on time and size.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <curation/common/address_guard.hpp>
#include <curation/common/status.hpp>

namespace curation {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{30000};
  int64_t max_response_bytes = 64ll << 20;
  // Past max_response_bytes: stop reading and return what arrived (marked truncated) instead
  // of failing. For sampling the head of a body whose server ignored a Range header.
  bool truncate_at_limit = false;
  int max_redirects = 0;  // each hop is checked by the client's address guard, if it has one
  bool accept_compressed = true;  // false for media: byte counts must be the object's bytes
  std::string user_agent = "curation/0.1";
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  bool truncated = false;     // see HttpRequest::truncate_at_limit
  std::string effective_url;  // after redirects
  std::chrono::microseconds time_to_first_byte{0};
};

/// One client per thread: it keeps connections alive between requests and is not thread-safe.
/// Transport failures come back as UNAVAILABLE, timeouts as DEADLINE_EXCEEDED, an oversized
/// body as RESOURCE_EXHAUSTED, a connection the address guard refused (directly, after DNS
/// or on a redirect) as PERMISSION_DENIED; any HTTP status is a successful exchange.
class HttpClient {
 public:
  /// With a guard, every connection this client opens is checked (so a kept-alive connection
  /// is never one the guard did not see) and proxies from the environment are not used.
  explicit HttpClient(const AddressGuard* guard = nullptr);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request);

 private:
  void* curl_;  // CURL*, kept opaque so users do not include curl.h
  const AddressGuard* guard_;
};

}  // namespace curation
