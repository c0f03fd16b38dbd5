#pragma once
// Real media for tests and benchmarks of the playability prober, encoded with the ffmpeg CLI
// (/usr/bin/ffmpeg, Debian 12 FFmpeg 5.1) while the tests run. Encoding at test time keeps binary
// blobs out of the repository and makes every fixture exactly what this FFmpeg build produces, so
// the prober is tested against the same libraries it links. A missing or broken encoder throws
// with ffmpeg's stderr in the message: a fixture is never silently skipped.
//
// Usage:
//   const auto& media = curation::testing::MediaFixtures::Get();
//   server.Serve("/a.mp4", media["h264_moov_at_end.mp4"].bytes, media["h264_moov_at_end.mp4"].content_type);

#include <sys/types.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace curation::testing {

/// One encoded (or hand-made) file: `path` on disk and the same content in `bytes`.
struct MediaFixture {
  std::string name;          ///< file name, e.g. "h264_faststart.mp4"
  std::string path;          ///< absolute path of the file
  std::string bytes;         ///< whole file content
  std::string content_type;  ///< what a server sends it as, e.g. "video/mp4"
};

/// Settings for MediaFixtures::EncodeCorpus.
struct MediaCorpusOptions {
  /// ffmpeg processes run at once.
  int jobs = 2;
  /// Reuse a file a previous run left in the folder (its name encodes all its parameters, and it
  /// only appears under that name once ffmpeg finished), so reruns of a benchmark start at once.
  bool reuse_existing = true;
};

/// The fixture set, encoded once per process into a fresh temporary folder that is removed at
/// exit. Thread-safe: Get() may race from several threads; the set is immutable afterwards.
///
/// Fixtures (3 s, 320x180, 25 fps, GOP of 25 frames so the last second is its own GOP; AAC 48 kHz):
///   h264_faststart.mp4, h264_moov_at_end.mp4   H.264 High yuv420p + AAC, moov before / after mdat
///   h264_high10.mp4, h264_422.mp4              H.264 High 10 (yuv420p10le), High 4:2:2 (yuv422p)
///   hevc_hev1.mp4, hevc_hvc1.mp4               HEVC Main tagged hev1 / hvc1
///   mpeg4_part2.mp4, vp9_opus.webm, audio_only.mp4
///   truncated_faststart.mp4, truncated_moov_at_end.mp4   first half of the two H.264 files
///   empty.mp4 (0 bytes), error_page.mp4 (HTML served as video/mp4)
///   black_silent.mp4                           4 s black picture + silent AAC
///   h264_huge_duration.mp4                     h264_faststart.mp4 whose movie header claims 1.1e12 s
///   poster.jpg, poster_truncated.jpg, poster_flat.jpg, thumbnail.webp (1280x720)
///   poster_corrupt.jpg                         poster.jpg with 64 bytes in the middle overwritten:
///                                              decodes, with libjpeg's "Corrupt JPEG data" on stderr
///   poster_huge.png                            valid PNG declaring 20000x20000 (decompression bomb)
///   not_an_image.jpg                           plain text served as image/jpeg
class MediaFixtures {
 public:
  /// Encodes the set on first use (a few seconds); throws std::runtime_error if ffmpeg fails.
  static const MediaFixtures& Get();

  /// The fixture called `name`; aborts the process with the list of known names for an unknown one.
  const MediaFixture& operator[](std::string_view name) const;
  /// All fixture names, sorted.
  std::vector<std::string> Names() const;
  /// The temporary folder holding the files.
  const std::string& dir() const { return dir_; }

  /// An HLS playlist (text) whose only segment is `url`. Served under a .mp4 name it must never
  /// make a prober fetch `url` (libavformat's hls demuxer would, by content sniffing).
  static std::string HlsPlaylistPointingAt(const std::string& url);

  /// Encodes `count` distinct small H.264/AAC MP4 files into `dir` (created if missing) for a
  /// benchmark: sizes 320x180 to 640x360, 2 to 5 s, two test patterns, a different tone each,
  /// faststart and moov-at-end alternating. Returns them with their bytes loaded, in index order.
  /// Throws std::runtime_error if ffmpeg fails.
  static std::vector<MediaFixture> EncodeCorpus(const std::string& dir, int count,
                                                const MediaCorpusOptions& options = {});

  ~MediaFixtures();
  MediaFixtures(const MediaFixtures&) = delete;
  MediaFixtures& operator=(const MediaFixtures&) = delete;

 private:
  MediaFixtures();

  std::string dir_;
  pid_t owner_pid_;  // only the process that made dir_ removes it (not a forked child exiting)
  std::map<std::string, MediaFixture, std::less<>> fixtures_;
};

}  // namespace curation::testing
