#include <curation/ingest/query_node_client.hpp>

#include <charconv>

#include <absl/strings/cord.h>
#include <absl/strings/str_cat.h>

namespace curation::ingest {
namespace {

constexpr char kRetryAfterPayload[] = "curation/retry-after-ms";

// A short, printable excerpt of a body for error messages.
std::string Excerpt(const std::string& body) {
  std::string out;
  for (char ch : body.substr(0, 200)) {
    out += (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) > 0x7e) ? ' ' : ch;
  }
  return out;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(const std::map<std::string, std::string>& headers) {
  auto it = headers.find("retry-after");
  if (it == headers.end()) {
    return std::nullopt;
  }
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), seconds);
  if (ec != std::errc() || seconds < 0) {
    return std::nullopt;  // an HTTP-date; the normal backoff applies
  }
  return std::chrono::seconds(std::min<int64_t>(seconds, 86400));  // a day at most
}

}  // namespace

QueryNodeClient::QueryNodeClient(std::string url, std::chrono::milliseconds timeout, int64_t max_response_bytes)
    : url_(std::move(url)), timeout_(timeout), max_response_bytes_(max_response_bytes) {}

absl::StatusOr<std::string> QueryNodeClient::Execute(const std::string& document, const std::string& operation,
                                                     const nlohmann::json& variables) {
  HttpRequest request;
  request.method = "POST";
  request.url = url_;
  request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  request.body = nlohmann::json{{"query", document}, {"operationName", operation}, {"variables", variables}}.dump();
  request.timeout = timeout_;
  request.max_response_bytes = max_response_bytes_;
  auto sent = http_.Send(request);
  if (sent.status().code() == absl::StatusCode::kResourceExhausted) {
    // Too large, not throttled: the caller can ask for fewer items.
    return absl::OutOfRangeError(std::string(sent.status().message()));
  }
  ASSIGN_OR_RETURN(HttpResponse response, std::move(sent));
  if (response.status == 200) {
    return std::move(response.body);
  }
  std::string what = absl::StrCat("query node answered HTTP ", response.status, " to ", operation);
  absl::Status status;
  if (response.status == 429) {
    status = absl::ResourceExhaustedError(what);
  } else if (response.status >= 500) {
    status = absl::UnavailableError(what);
  } else {
    status = absl::FailedPreconditionError(absl::StrCat(what, ": ", Excerpt(response.body)));
  }
  if (auto retry_after = ParseRetryAfter(response.headers)) {
    status.SetPayload(kRetryAfterPayload, absl::Cord(std::to_string(retry_after->count())));
  }
  return status;
}

std::optional<std::chrono::milliseconds> QueryNodeClient::RetryAfter(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryAfterPayload);
  if (!payload) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(std::stoll(std::string(*payload)));
}

}  // namespace curation::ingest
