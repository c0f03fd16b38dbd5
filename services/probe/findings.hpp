#pragma once
// Finding codes and the helpers that add them to a report. docs/probing.md lists every code with what
// a curator should do about it.

#include <string>

#include <curation/probe/media_prober.hpp>

namespace curation::probe::code {

// Reaching the file.
inline constexpr char kBlockedAddress[] = "BLOCKED_ADDRESS";
inline constexpr char kNotFound[] = "NOT_FOUND";
inline constexpr char kMisdirected[] = "MISDIRECTED";
inline constexpr char kUnreachable[] = "UNREACHABLE";
inline constexpr char kTimeout[] = "TIMEOUT";
inline constexpr char kNoRanges[] = "NO_RANGES";
inline constexpr char kBadContentRange[] = "BAD_CONTENT_RANGE";
inline constexpr char kEmpty[] = "EMPTY";
inline constexpr char kSizeMismatch[] = "SIZE_MISMATCH";
inline constexpr char kWrongType[] = "WRONG_TYPE";
inline constexpr char kGenericType[] = "GENERIC_CONTENT_TYPE";
inline constexpr char kByteLimit[] = "BYTE_LIMIT";
// The container.
inline constexpr char kPlaylist[] = "PLAYLIST";
inline constexpr char kUnsupportedContainer[] = "UNSUPPORTED_CONTAINER";
inline constexpr char kQuickTime[] = "QUICKTIME_CONTAINER";
inline constexpr char kMatroska[] = "MATROSKA_CONTAINER";
inline constexpr char kCorruptContainer[] = "CORRUPT_CONTAINER";
inline constexpr char kExternalReference[] = "EXTERNAL_REFERENCE";
inline constexpr char kNotFaststart[] = "NOT_FASTSTART";
inline constexpr char kZeroDuration[] = "ZERO_DURATION";
inline constexpr char kTimeOutOfRange[] = "TIME_OUT_OF_RANGE";
// The streams.
inline constexpr char kNoVideo[] = "NO_VIDEO_STREAM";
inline constexpr char kUnsupportedCodec[] = "UNSUPPORTED_CODEC";
inline constexpr char kUnsupportedProfile[] = "UNSUPPORTED_PROFILE";
inline constexpr char kUnsupportedPixfmt[] = "UNSUPPORTED_PIXFMT";
inline constexpr char kHevc[] = "HEVC";
inline constexpr char kHevcHev1[] = "HEVC_HEV1";
inline constexpr char kPartialSupport[] = "PARTIAL_BROWSER_SUPPORT";
inline constexpr char kUnsupportedAudio[] = "UNSUPPORTED_AUDIO";
inline constexpr char kVideoTooLarge[] = "VIDEO_TOO_LARGE";
inline constexpr char kDecoderMissing[] = "DECODER_MISSING";
inline constexpr char kUndecodable[] = "UNDECODABLE";
inline constexpr char kDecodeErrors[] = "DECODE_ERRORS";
inline constexpr char kTruncated[] = "TRUNCATED";
inline constexpr char kBlack[] = "BLACK";
inline constexpr char kFrozen[] = "FROZEN";
inline constexpr char kSilent[] = "SILENT";
// Images.
inline constexpr char kNotAnImage[] = "NOT_AN_IMAGE";
inline constexpr char kImageTruncated[] = "IMAGE_TRUNCATED";
inline constexpr char kImageTooLarge[] = "IMAGE_TOO_LARGE";
inline constexpr char kImageUndecodable[] = "IMAGE_UNDECODABLE";
inline constexpr char kImageFlat[] = "IMAGE_FLAT";
inline constexpr char kImageSmall[] = "IMAGE_SMALL";
inline constexpr char kImageAspect[] = "IMAGE_ASPECT";
// The prober itself and the video as a whole.
inline constexpr char kProberCrashed[] = "PROBER_CRASHED";
inline constexpr char kNoMedia[] = "NO_MEDIA";
inline constexpr char kMediaNotAccepted[] = "MEDIA_NOT_ACCEPTED";
inline constexpr char kNoSources[] = "NO_SOURCES";
inline constexpr char kNoPlayableSource[] = "NO_PLAYABLE_SOURCE";
inline constexpr char kSomeSourcesFail[] = "SOME_SOURCES_FAIL";
inline constexpr char kSingleSource[] = "SINGLE_SOURCE";
inline constexpr char kBadThumbnail[] = "BAD_THUMBNAIL";

}  // namespace curation::probe::code

namespace curation::probe {

template <typename Report>
void AddFinding(Report& report, v1::Severity severity, std::string code, std::string message) {
  auto* finding = report.add_findings();
  finding->set_code(std::move(code));
  finding->set_severity(severity);
  finding->set_message(std::move(message));
}
template <typename Report>
void Fail(Report& report, std::string code, std::string message) {
  AddFinding(report, v1::SEVERITY_FAILURE, std::move(code), std::move(message));
}
template <typename Report>
void Warn(Report& report, std::string code, std::string message) {
  AddFinding(report, v1::SEVERITY_WARNING, std::move(code), std::move(message));
}
template <typename Report>
bool HasFailure(const Report& report) {
  for (const auto& finding : report.findings()) {
    if (finding.severity() == v1::SEVERITY_FAILURE) return true;
  }
  return false;
}
/// UNPLAYABLE with any failure, DEGRADED with any warning, else PLAYABLE.
template <typename Report>
v1::Verdict VerdictOf(const Report& report) {
  bool warned = false;
  for (const auto& finding : report.findings()) {
    if (finding.severity() == v1::SEVERITY_FAILURE) return v1::VERDICT_UNPLAYABLE;
    warned = true;
  }
  return warned ? v1::VERDICT_DEGRADED : v1::VERDICT_PLAYABLE;
}

}  // namespace curation::probe
