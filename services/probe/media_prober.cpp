#include <curation/probe/media_prober.hpp>

#include <absl/strings/ascii.h>
#include <absl/strings/match.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <google/protobuf/util/time_util.h>

#include "checks.hpp"
#include "findings.hpp"

namespace curation::probe {
namespace {

using google::protobuf::util::TimeUtil;

// Enough for a faststart header and often the first GOP of a small video, and for a
// thumbnail whole: most probes need one request.
constexpr int64_t kFirstChunk = 64 << 10;

// "bytes 0-65535/1048576" → 1048576 when it starts at 0 and is consistent; -1 otherwise.
int64_t TotalFromContentRange(absl::string_view value, int64_t body_size) {
  if (!absl::ConsumePrefix(&value, "bytes ")) {
    return -1;
  }
  std::vector<absl::string_view> parts = absl::StrSplit(value, absl::ByAnyChar("-/"));
  int64_t first = 0, last = 0, total = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &first) || !absl::SimpleAtoi(parts[1], &last) ||
      !absl::SimpleAtoi(parts[2], &total)) {
    return -1;
  }
  if (first != 0 || last < first || last >= total || last - first + 1 < body_size) {
    return -1;
  }
  return total;
}

bool ImageExpected(const ProbeTarget& target, absl::string_view content_type, const std::string& head) {
  return target.kind == v1::ProbeTask::KIND_IMAGE ||
         (target.kind == v1::ProbeTask::KIND_AUTO &&
          (absl::StartsWithIgnoreCase(content_type, "image/") || !ImageFormatOf(head).empty()));
}

bool LooksLikeMarkup(absl::string_view head) {
  head = absl::StripLeadingAsciiWhitespace(head.substr(0, 512));
  return absl::StartsWithIgnoreCase(head, "<!doctype") || absl::StartsWithIgnoreCase(head, "<html") ||
         absl::StartsWithIgnoreCase(head, "<?xml") || absl::StartsWith(head, "{\"") || absl::StartsWith(head, "[{");
}

enum class Next { kStop, kVideo, kImage };

// Judges the answer to the first request and decides what the body is to be checked as.
Next JudgeFirstResponse(RangeSource& source, const ProbeTarget& target, SourceReport& report) {
  const absl::Status& error = source.first_error();
  if (!error.ok()) {
    if (absl::IsPermissionDenied(error)) {
      Fail(report, code::kBlockedAddress, std::string(error.message()));
    } else if (absl::IsDeadlineExceeded(error)) {
      Fail(report, code::kTimeout, std::string(error.message()));
    } else {
      Fail(report, code::kUnreachable, std::string(error.message()));
    }
    return Next::kStop;
  }
  const HttpResponse& response = source.first_response();
  report.set_http_status(static_cast<int32_t>(response.status));
  auto header = [&](const char* name) {
    auto it = response.headers.find(name);
    return it == response.headers.end() ? std::string() : it->second;
  };
  report.set_content_type(header("content-type"));
  report.set_x_cache(header("x-cache"));
  *report.mutable_time_to_first_byte() = TimeUtil::MicrosecondsToDuration(response.time_to_first_byte.count());
  switch (response.status) {
    case 206:
      break;
    case 200:
      Fail(report, code::kNoRanges,
           "the server ignored the byte-range request and sent the whole file (200): Safari will not play it and "
           "seeking means downloading everything");
      return Next::kStop;
    case 404:
      Fail(report, code::kNotFound, "the node does not have this file (404): not uploaded or not accepted yet, or gone");
      return Next::kStop;
    case 421:
      Fail(report, code::kMisdirected,
           "the node says it does not serve this file's bag (421 Misdirected Request): routing is stale");
      return Next::kStop;
    case 416:
      if (absl::EndsWith(header("content-range"), "/0")) {
        report.set_content_length(0);
        Fail(report, code::kEmpty, "the file is empty (0 bytes)");
      } else {
        Fail(report, code::kBadContentRange,
             absl::StrCat("the server refused the range bytes=0- (416, Content-Range '", header("content-range"), "')"));
      }
      return Next::kStop;
    default:
      Fail(report, code::kUnreachable,
           response.status >= 300 && response.status < 400
               ? absl::StrCat("too many redirects (", response.status, ")")
               : absl::StrCat("the server answered HTTP ", response.status));
      return Next::kStop;
  }
  int64_t total = TotalFromContentRange(header("content-range"), static_cast<int64_t>(source.head().size()));
  if (total < 0) {
    Fail(report, code::kBadContentRange,
         absl::StrCat("206 with an invalid Content-Range '", header("content-range"), "' for bytes=0-"));
    return Next::kStop;
  }
  source.set_size(total);
  report.set_content_length(total);
  if (target.expected_size && *target.expected_size != total) {
    Fail(report, code::kSizeMismatch,
         absl::StrCat("the node serves ", total, " bytes but the chain says the file has ", *target.expected_size));
  }
  std::string type = absl::AsciiStrToLower(report.content_type());
  type = type.substr(0, type.find(';'));
  bool image = ImageExpected(target, type, source.head());
  if (LooksLikeMarkup(source.head())) {
    Fail(report, code::kWrongType,
         absl::StrCat("the body is a web page or JSON, not ", image ? "an image" : "media",
                      " (served as '", report.content_type(), "'): an error page in place of the file"));
    return Next::kStop;
  }
  absl::string_view wanted = image ? "image/" : "video/";
  if (type.empty() || type == "application/octet-stream" || type == "binary/octet-stream") {
    Warn(report, code::kGenericType,
         absl::StrCat("served as '", report.content_type(), "' rather than ", wanted, "*: some browsers sniff, some refuse"));
  } else if (!absl::StartsWith(type, wanted) && !(!image && type.starts_with("audio/"))) {
    Fail(report, code::kWrongType, absl::StrCat("served as '", report.content_type(), "', expected ", wanted, "*"));
  }
  return image ? Next::kImage : Next::kVideo;
}

}  // namespace

MediaProber::MediaProber(HttpClient& http, ProbeLimits limits) : http_(http), limits_(std::move(limits)) {}

SourceReport MediaProber::Probe(const ProbeTarget& target) {
  auto started = RangeSource::Clock::now();
  SourceReport report;
  report.set_url(target.url);
  report.set_role(target.role);
  report.set_host(HostOf(target.url));
  report.set_content_length(-1);
  RangeSource source(http_, limits_, target.url, started + limits_.deadline);
  source.Start(std::min(kFirstChunk, limits_.max_bytes));
  switch (JudgeFirstResponse(source, target, report)) {
    case Next::kImage:
      CheckImage(source, target, limits_, report);
      break;
    case Next::kVideo:
      CheckVideo(source, target, limits_, report);
      break;
    case Next::kStop:
      break;
  }
  report.set_requests(source.requests());
  report.set_bytes_read(source.bytes_read());
  *report.mutable_wall_time() = TimeUtil::NanosecondsToDuration(
      std::chrono::duration_cast<std::chrono::nanoseconds>(RangeSource::Clock::now() - started).count());
  report.set_verdict(VerdictOf(report));
  return report;
}

}  // namespace curation::probe
