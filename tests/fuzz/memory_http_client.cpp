#include "memory_http_client.hpp"

#include <charconv>
#include <optional>
#include <utility>

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>

#include <curation/common/http_client.hpp>

namespace curation::fuzz {
namespace {

ServedFile& Served() {
  static ServedFile file;
  return file;
}

struct ByteRange {
  int64_t first = 0;
  int64_t last = -1;  // -1: to the end
};

// "bytes=A-B" or "bytes=A-", the only forms the prober sends; nullopt for anything else.
std::optional<ByteRange> ReadRange(std::string_view value) {
  if (!value.starts_with("bytes=")) {
    return std::nullopt;
  }
  value.remove_prefix(6);
  ByteRange range;
  auto [dash, error] = std::from_chars(value.data(), value.data() + value.size(), range.first);
  if (error != std::errc() || dash == value.data() + value.size() || *dash != '-') {
    return std::nullopt;
  }
  const char* end = value.data() + value.size();
  if (dash + 1 != end) {
    auto [last_end, last_error] = std::from_chars(dash + 1, end, range.last);
    if (last_error != std::errc() || last_end != end || range.last < range.first) {
      return std::nullopt;
    }
  }
  return range;
}

}  // namespace

void Serve(ServedFile file) { Served() = std::move(file); }

}  // namespace curation::fuzz

namespace curation {

HttpClient::HttpClient(const AddressGuard* guard) : curl_(nullptr), guard_(guard) {}
HttpClient::~HttpClient() = default;

absl::StatusOr<HttpResponse> HttpClient::Send(const HttpRequest& request) {
  const fuzz::ServedFile& file = fuzz::Served();
  const auto size = static_cast<int64_t>(file.bytes.size());
  HttpResponse response;
  response.effective_url = request.url;
  response.headers["content-type"] = file.content_type;
  std::optional<fuzz::ByteRange> range;
  for (const auto& [name, value] : request.headers) {
    if (absl::EqualsIgnoreCase(name, "Range")) {
      range = fuzz::ReadRange(value);
    }
  }
  if (!range) {
    response.status = 200;
    response.body = std::string(file.bytes);
  } else if (range->first >= size) {
    response.status = 416;
    response.headers["content-range"] = absl::StrCat("bytes */", size);
  } else {
    const int64_t last = range->last < 0 || range->last >= size ? size - 1 : range->last;
    response.status = 206;
    response.headers["content-range"] = absl::StrCat("bytes ", range->first, "-", last, "/", size);
    response.body = std::string(file.bytes.substr(range->first, last - range->first + 1));
  }
  if (static_cast<int64_t>(response.body.size()) > request.max_response_bytes) {
    if (!request.truncate_at_limit) {
      return absl::ResourceExhaustedError(absl::StrCat("more than ", request.max_response_bytes, " bytes"));
    }
    response.body.resize(request.max_response_bytes);
    response.truncated = true;
  }
  return response;
}

}  // namespace curation
