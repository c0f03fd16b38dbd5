#pragma once
// Sends the ingest GraphQL documents to a Hydra query node.

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <curation/common/http_client.hpp>
#include <curation/common/status.hpp>

namespace curation::ingest {

/// One instance per polling thread (it owns an HTTP connection). HTTP 429 comes back as
/// RESOURCE_EXHAUSTED, 5xx and transport failures as UNAVAILABLE, a timeout as
/// DEADLINE_EXCEEDED, a response over the size limit as OUT_OF_RANGE; a Retry-After the
/// server sent is in RetryAfter(status).
class QueryNodeClient {
 public:
  QueryNodeClient(std::string url, std::chrono::milliseconds timeout, int64_t max_response_bytes);

  /// POSTs {query, operationName, variables}; returns the raw body of a 200 answer.
  absl::StatusOr<std::string> Execute(const std::string& document, const std::string& operation,
                                      const nlohmann::json& variables);

  const std::string& url() const { return url_; }

  /// The server's requested pause attached to a failed Execute, if any.
  static std::optional<std::chrono::milliseconds> RetryAfter(const absl::Status& status);

 private:
  std::string url_;
  std::chrono::milliseconds timeout_;
  int64_t max_response_bytes_;
  HttpClient http_;
};

}  // namespace curation::ingest
