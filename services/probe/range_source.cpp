#include "range_source.hpp"

#include <algorithm>

#include <absl/strings/str_cat.h>

extern "C" {
#include <libavformat/avio.h>
#include <libavutil/error.h>
}

#include "findings.hpp"

namespace curation::probe {
namespace {

// Requests start small (a faststart header and its first GOP usually fit) and double while
// reading runs on sequentially, so a probe reads little past what it needs and pays few
// round trips. Bounded ranges also spare the node the tail of an abandoned open-ended one.
constexpr int64_t kMinChunk = 64 << 10;
constexpr int64_t kMaxChunk = 256 << 10;
constexpr size_t kWindowsKept = 4;

}  // namespace

RangeSource::RangeSource(HttpClient& http, const ProbeLimits& limits, std::string url, Clock::time_point deadline)
    : http_(http), limits_(limits), url_(std::move(url)), deadline_(deadline) {}

void RangeSource::Start(int64_t first_chunk) {
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
  HttpRequest request{.url = url_,
                      .headers = {{"Range", absl::StrCat("bytes=0-", first_chunk - 1)}},
                      .timeout = std::max(std::chrono::milliseconds(1), std::min(timeout, limits_.read_timeout)),
                      .max_response_bytes = first_chunk,
                      .truncate_at_limit = true,  // a server that ignores Range sends it all
                      .max_redirects = limits_.max_redirects,
                      .accept_compressed = false,
                      .user_agent = limits_.user_agent};
  ++requests_;
  auto response = http_.Send(request);
  if (!response.ok()) {
    first_error_ = response.status();
    windows_.push_back({});
    return;
  }
  first_response_ = *std::move(response);
  bytes_read_ += static_cast<int64_t>(first_response_.body.size());
  if (!first_response_.effective_url.empty()) {
    url_ = first_response_.effective_url;  // later ranges go straight to where the redirects led
  }
  windows_.push_back({0, first_response_.body});
  last_fetch_end_ = static_cast<int64_t>(first_response_.body.size());
  next_chunk_ = std::min(first_chunk * 2, kMaxChunk);
}

void RangeSource::Fail(std::string code, std::string message) {
  if (read_failure_.empty()) {
    read_failure_code_ = std::move(code);
    read_failure_ = std::move(message);
  }
}

const RangeSource::Window* RangeSource::Fetch(int64_t offset) {
  if (past_deadline()) {
    Fail(code::kTimeout, absl::StrCat("the probe ran out of time after ", requests_, " requests and ", bytes_read_,
                                      " bytes"));
    return nullptr;
  }
  int64_t chunk = offset == last_fetch_end_ ? next_chunk_ : kMinChunk;
  next_chunk_ = std::min(chunk * 2, kMaxChunk);
  chunk = std::min(chunk, size_ - offset);
  int64_t budget = limits_.max_bytes - bytes_read_;
  if (budget <= 0) {
    Fail(code::kByteLimit, absl::StrCat("reading stopped at the limit of ", limits_.max_bytes, " bytes per probe"));
    return nullptr;
  }
  chunk = std::min(chunk, budget);
  if (offset > last_fetch_end_) {
    furthest_jump_ = std::max(furthest_jump_, offset);
  }
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
  HttpRequest request{.url = url_,
                      .headers = {{"Range", absl::StrCat("bytes=", offset, "-", offset + chunk - 1)}},
                      .timeout = std::max(std::chrono::milliseconds(1), std::min(timeout, limits_.read_timeout)),
                      .max_response_bytes = chunk,
                      .truncate_at_limit = true,
                      .accept_compressed = false,
                      .user_agent = limits_.user_agent};
  ++requests_;
  auto response = http_.Send(request);
  if (!response.ok()) {
    if (absl::IsDeadlineExceeded(response.status())) {
      Fail(code::kTimeout, absl::StrCat("no answer for bytes ", offset, "+ in time: ", response.status().message()));
    } else {
      Fail(code::kUnreachable, absl::StrCat("reading bytes ", offset, "+ failed: ", response.status().message()));
    }
    return nullptr;
  }
  bytes_read_ += static_cast<int64_t>(response->body.size());
  if (response->status != 206) {
    Fail(response->status == 200 ? code::kNoRanges : code::kUnreachable,
         absl::StrCat("the server answered ", response->status, " to a request for bytes ", offset, "+"));
    return nullptr;
  }
  auto range = response->headers.find("content-range");
  std::string expected = absl::StrCat("bytes ", offset, "-");
  if (range == response->headers.end() || !range->second.starts_with(expected) || response->body.empty()) {
    Fail(code::kBadContentRange,
         absl::StrCat("asked for bytes ", offset, "+ and got Content-Range '",
                      range == response->headers.end() ? "" : range->second, "'"));
    return nullptr;
  }
  last_fetch_end_ = offset + static_cast<int64_t>(response->body.size());
  if (windows_.size() > kWindowsKept) {
    windows_.erase(windows_.begin() + 1);  // oldest after the head
  }
  windows_.push_back({offset, std::move(response->body)});
  return &windows_.back();
}

int RangeSource::Read(uint8_t* buffer, int size) {
  if (size_ >= 0 && position_ >= size_) {
    return AVERROR_EOF;
  }
  const Window* window = nullptr;
  for (const auto& candidate : windows_) {
    if (position_ >= candidate.start && position_ < candidate.start + static_cast<int64_t>(candidate.bytes.size())) {
      window = &candidate;
      break;
    }
  }
  if (window == nullptr) {
    window = Fetch(position_);
    if (window == nullptr) {
      return read_failure_code_ == code::kTimeout ? AVERROR_EXIT : AVERROR(EIO);
    }
  }
  int64_t available = window->start + static_cast<int64_t>(window->bytes.size()) - position_;
  int count = static_cast<int>(std::min<int64_t>(available, size));
  std::copy_n(window->bytes.data() + (position_ - window->start), count, buffer);
  position_ += count;
  return count;
}

int64_t RangeSource::Seek(int64_t offset, int whence) {
  whence &= ~AVSEEK_FORCE;
  if (whence == AVSEEK_SIZE) {
    return size_;
  }
  int64_t target = offset;
  if (whence == SEEK_CUR) {
    target = position_ + offset;
  } else if (whence == SEEK_END) {
    target = size_ + offset;
  } else if (whence != SEEK_SET) {
    return AVERROR(EINVAL);
  }
  if (target < 0 || target > size_) {
    return AVERROR(EINVAL);
  }
  position_ = target;
  return position_;
}

absl::StatusOr<std::string> RangeSource::ReadAll(int64_t limit) {
  if (size_ > limit) {
    return absl::ResourceExhaustedError(absl::StrCat(size_, " bytes, more than the limit of ", limit));
  }
  std::string bytes;
  bytes.resize(size_);
  position_ = 0;
  int64_t done = 0;
  while (done < size_) {
    int count = Read(reinterpret_cast<uint8_t*>(bytes.data()) + done, static_cast<int>(size_ - done));
    if (count <= 0) {
      return absl::UnavailableError(read_failure_);
    }
    done += count;
  }
  return bytes;
}

}  // namespace curation::probe
