#pragma once
// The bytes of one remote file, read with bounded HTTP byte-range requests as a browser's
// media element does. It is the only way FFmpeg sees the file (a custom AVIOContext), so the
// address guard, the byte budget and the deadline hold for every read.

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include <curation/common/http_client.hpp>
#include <curation/probe/media_prober.hpp>

namespace curation::probe {

class RangeSource {
 public:
  using Clock = std::chrono::steady_clock;

  RangeSource(HttpClient& http, const ProbeLimits& limits, std::string url, Clock::time_point deadline);

  /// The first request: `Range: bytes=0-{first_chunk - 1}`. Its outcome (transport error or
  /// any HTTP answer) is kept in first_response() / first_error() for the caller to judge.
  void Start(int64_t first_chunk);
  const absl::Status& first_error() const { return first_error_; }
  const HttpResponse& first_response() const { return first_response_; }
  /// From a valid 206 Content-Range; -1 before.
  int64_t size() const { return size_; }
  void set_size(int64_t size) { size_ = size; }
  /// The bytes the first request returned.
  const std::string& head() const { return windows_.front().bytes; }

  /// AVIOContext callbacks: bytes or an AVERROR code.
  int Read(uint8_t* buffer, int size);
  int64_t Seek(int64_t offset, int whence);
  /// Reads [0, size()) whole, within `limit` bytes.
  absl::StatusOr<std::string> ReadAll(int64_t limit);

  bool past_deadline() const { return Clock::now() >= deadline_; }
  int requests() const { return requests_; }
  int64_t bytes_read() const { return bytes_read_; }
  /// The furthest offset a read jumped ahead to (a demuxer looking for an index at the end).
  int64_t furthest_jump() const { return furthest_jump_; }
  /// Why the last read failed, in plain words, with the finding code it maps to.
  const std::string& read_failure() const { return read_failure_; }
  const std::string& read_failure_code() const { return read_failure_code_; }

 private:
  struct Window {
    int64_t start = 0;
    std::string bytes;
  };
  const Window* Fetch(int64_t offset);
  void Fail(std::string code, std::string message);

  HttpClient& http_;
  const ProbeLimits& limits_;
  std::string url_;  // after redirects, once the first request settled them
  Clock::time_point deadline_;
  absl::Status first_error_;
  HttpResponse first_response_;
  int64_t size_ = -1;
  std::deque<Window> windows_;  // the head stays first; a few recent windows after it
  int64_t position_ = 0;
  int64_t next_chunk_ = 0;
  int64_t last_fetch_end_ = -1;
  int64_t furthest_jump_ = 0;
  int requests_ = 0;
  int64_t bytes_read_ = 0;
  std::string read_failure_;
  std::string read_failure_code_;
};

}  // namespace curation::probe
