#include "media_fixtures.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <initializer_list>
#include <iterator>
#include <stdexcept>
#include <thread>
#include <utility>

namespace curation::testing {
namespace {

namespace fs = std::filesystem;
using Args = std::vector<std::string>;

constexpr const char* kFfmpeg = "/usr/bin/ffmpeg";
// Generous: the slowest fixture takes well under a second; this only stops a hung encoder from
// hanging the whole test run.
constexpr std::chrono::seconds kFfmpegTimeout{120};

// --- running ffmpeg ---------------------------------------------------------------------------

// One ffmpeg invocation; `output` is the file it writes (appended as the last argument).
struct FfmpegJob {
  std::string output;
  Args args;
};

Args Join(std::initializer_list<Args> parts) {
  Args all;
  for (const Args& part : parts) {
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

Args CommandLine(const FfmpegJob& job) {
  // -nostdin: ffmpeg otherwise reads the terminal for 'q'; -loglevel error keeps the log to what
  // matters when something fails.
  return Join({{kFfmpeg, "-nostdin", "-y", "-hide_banner", "-loglevel", "error"}, job.args, {job.output}});
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("media fixtures: cannot read " + path);
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) {
    throw std::runtime_error("media fixtures: cannot write " + path);
  }
}

// posix_spawn rather than fork + exec by hand: the tests that use this run gRPC and other
// threads, and posix_spawn does nothing in the child that could deadlock on a lock another thread
// held at fork time. stdout and stderr go to `log_file`.
pid_t Spawn(const Args& argv, const std::string& log_file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> c_argv;
  for (const std::string& arg : argv) {
    c_argv.push_back(const_cast<char*>(arg.c_str()));
  }
  c_argv.push_back(nullptr);
  pid_t pid = -1;
  int error = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, c_argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    throw std::runtime_error(std::string("media fixtures: cannot start ") + argv[0] + ": " + std::strerror(error) +
                             " (install it: apt-get install ffmpeg)");
  }
  return pid;
}

std::string Quoted(const Args& argv) {
  std::string line;
  for (const std::string& arg : argv) {
    bool plain = arg.find_first_of(" '\"$;|&<>*?") == std::string::npos && !arg.empty();
    line += (line.empty() ? "" : " ") + (plain ? arg : "'" + arg + "'");
  }
  return line;
}

// Runs the jobs, at most `parallel` at once (x264 and x265 thread internally, but the small
// encodes here are dominated by start-up and single-threaded parts, so overlapping them pays).
// On the first failure, stops the others and throws with the command line and ffmpeg's output.
void RunFfmpegJobs(const std::vector<FfmpegJob>& jobs, int parallel) {
  struct Running {
    const FfmpegJob* job;
    pid_t pid;
    std::chrono::steady_clock::time_point deadline;
  };
  std::deque<const FfmpegJob*> pending;
  for (const FfmpegJob& job : jobs) {
    pending.push_back(&job);
  }
  std::vector<Running> running;
  auto stop_all = [&running] {
    for (const Running& r : running) {
      kill(r.pid, SIGKILL);
      waitpid(r.pid, nullptr, 0);
    }
    running.clear();
  };

  while (!pending.empty() || !running.empty()) {
    while (!pending.empty() && static_cast<int>(running.size()) < std::max(parallel, 1)) {
      const FfmpegJob* job = pending.front();
      pending.pop_front();
      try {
        running.push_back({job, Spawn(CommandLine(*job), job->output + ".log"),
                           std::chrono::steady_clock::now() + kFfmpegTimeout});
      } catch (...) {
        stop_all();
        throw;
      }
    }
    // Poll each of our own children: waitpid(-1) would also reap children that other test code
    // (ChildProcess, the PostgreSQL fixture) waits for.
    for (auto it = running.begin(); it != running.end();) {
      int status = 0;
      std::string failure;
      pid_t done = waitpid(it->pid, &status, WNOHANG);
      if (done == 0 && std::chrono::steady_clock::now() > it->deadline) {
        kill(it->pid, SIGKILL);
        waitpid(it->pid, nullptr, 0);
        failure = "timed out after " + std::to_string(kFfmpegTimeout.count()) + " s";
      } else if (done == 0) {
        ++it;
        continue;
      } else if (done < 0) {
        failure = std::string("waitpid failed: ") + std::strerror(errno);
      } else if (WIFSIGNALED(status)) {
        failure = "killed by signal " + std::to_string(WTERMSIG(status));
      } else if (WEXITSTATUS(status) != 0) {
        failure = "exit code " + std::to_string(WEXITSTATUS(status));
      }
      const FfmpegJob* job = it->job;
      it = running.erase(it);
      std::string log_file = job->output + ".log";
      if (!failure.empty()) {
        stop_all();
        std::string log;
        try {
          log = ReadFile(log_file);
        } catch (const std::exception&) {
          log = "(no log)";
        }
        throw std::runtime_error("media fixtures: ffmpeg failed (" + failure + ") writing " + job->output +
                                 "\ncommand: " + Quoted(CommandLine(*job)) + "\nffmpeg output:\n" + log);
      }
      fs::remove(log_file);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// --- the fixture set -------------------------------------------------------------------------

// 3 s at 25 fps with a 25-frame GOP gives three GOPs, so a frame near the end sits in its own GOP
// and a tail-seek check really seeks.
const Args kPatternAndTone = {"-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=3",
                              "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=3"};
const Args kAac = {"-c:a", "aac", "-b:a", "64k", "-ar", "48000"};
const Args kH264High = {"-c:v", "libx264", "-preset", "veryfast", "-g", "25",
                        "-profile:v", "high", "-pix_fmt", "yuv420p"};
const Args kFaststart = {"-movflags", "+faststart"};
// x265 prints its own banner to stderr unless told otherwise.
const Args kHevc = {"-c:v", "libx265", "-preset", "ultrafast", "-g", "25", "-x265-params", "log-level=error"};

std::vector<FfmpegJob> FixtureJobs(const std::string& dir) {
  auto at = [&dir](const char* name) { return dir + "/" + name; };
  // Slowest first (x265, libvpx), so they overlap with the many quick ones.
  return {
      {at("hevc_hev1.mp4"), Join({kPatternAndTone, kHevc, {"-tag:v", "hev1"}, kAac, kFaststart})},
      {at("hevc_hvc1.mp4"), Join({kPatternAndTone, kHevc, {"-tag:v", "hvc1"}, kAac, kFaststart})},
      {at("vp9_opus.webm"),
       Join({kPatternAndTone,
             {"-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-g", "25"},
             {"-c:a", "libopus", "-b:a", "64k", "-ar", "48000"}})},
      {at("h264_faststart.mp4"), Join({kPatternAndTone, kH264High, kAac, kFaststart})},
      // The mp4 muxer writes moov after mdat unless asked for faststart.
      {at("h264_moov_at_end.mp4"), Join({kPatternAndTone, kH264High, kAac})},
      {at("h264_high10.mp4"),
       Join({kPatternAndTone,
             {"-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-profile:v", "high10", "-pix_fmt", "yuv420p10le"},
             kAac, kFaststart})},
      {at("h264_422.mp4"),
       Join({kPatternAndTone,
             {"-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-profile:v", "high422", "-pix_fmt", "yuv422p"},
             kAac, kFaststart})},
      {at("mpeg4_part2.mp4"), Join({kPatternAndTone, {"-c:v", "mpeg4", "-q:v", "6", "-g", "25"}, kAac, kFaststart})},
      {at("audio_only.mp4"),
       Join({{"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=3"}, kAac, kFaststart})},
      // Limited-range black (Y = 16) and digital silence, 4 s: longer than the 2 s minimum of
      // blackdetect / freezedetect / silencedetect.
      {at("black_silent.mp4"), Join({{"-f", "lavfi", "-i", "color=c=black:size=320x180:rate=25:duration=4", "-f",
                                      "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000", "-t", "4"},
                                     kH264High, kAac, kFaststart})},
      // -update 1: one image written to a plain file name rather than a numbered sequence.
      {at("poster.jpg"),
       {"-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=1", "-frames:v", "1", "-q:v", "3", "-update", "1"}},
      {at("poster_flat.jpg"),
       {"-f", "lavfi", "-i", "color=c=gray:size=1280x720:rate=1", "-frames:v", "1", "-q:v", "3", "-update", "1"}},
      {at("thumbnail.webp"),
       {"-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=1", "-frames:v", "1", "-c:v", "libwebp", "-quality", "80"}},
  };
}

void AppendBigEndian32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += static_cast<char>((value >> shift) & 0xFF);
  }
}

void AppendPngChunk(std::string& png, const char (&type)[5], std::string_view data) {
  AppendBigEndian32(png, static_cast<uint32_t>(data.size()));
  std::string type_and_data = std::string(type, 4) + std::string(data);
  png += type_and_data;
  // The CRC covers the chunk type and data, not the length.
  AppendBigEndian32(png, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(type_and_data.data()),
                                                     static_cast<uInt>(type_and_data.size()))));
}

// A valid PNG declaring width x height, 1-bit greyscale, all black. Each row is filter byte 0
// (None) plus width/8 zero bytes, so deflate shrinks 50 MB of rows to about 50 KB: small to serve,
// but a decoder that trusts IHDR allocates width*height pixels (400 MB as 8-bit grey, 1.2 GB as
// BGR). OpenCV's default pixel limit (2^30) lets 20000x20000 through.
std::string PngBomb(uint32_t width, uint32_t height) {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string header;
  AppendBigEndian32(header, width);
  AppendBigEndian32(header, height);
  header += std::string("\x01\x00\x00\x00\x00", 5);  // bit depth 1, greyscale, deflate, filter 0, no interlace
  AppendPngChunk(png, "IHDR", header);

  // Streamed row by row so the 50 MB of raw rows never exist in memory.
  z_stream stream{};
  if (deflateInit(&stream, Z_BEST_COMPRESSION) != Z_OK) {
    throw std::runtime_error("media fixtures: deflateInit failed");
  }
  std::string row(1 + (width + 7) / 8, '\0');
  std::string idat;
  char buffer[1 << 16];
  for (uint32_t y = 0; y < height; ++y) {
    stream.next_in = reinterpret_cast<Bytef*>(row.data());
    stream.avail_in = static_cast<uInt>(row.size());
    int flush = y + 1 == height ? Z_FINISH : Z_NO_FLUSH;
    do {
      stream.next_out = reinterpret_cast<Bytef*>(buffer);
      stream.avail_out = sizeof(buffer);
      if (deflate(&stream, flush) == Z_STREAM_ERROR) {
        deflateEnd(&stream);
        throw std::runtime_error("media fixtures: deflate failed");
      }
      idat.append(buffer, sizeof(buffer) - stream.avail_out);
    } while (stream.avail_out == 0);
  }
  deflateEnd(&stream);
  AppendPngChunk(png, "IDAT", idat);
  AppendPngChunk(png, "IEND", "");
  return png;
}

std::string ContentTypeFor(std::string_view name) {
  auto ends_with = [name](std::string_view suffix) { return name.ends_with(suffix); };
  if (ends_with(".mp4")) {
    return "video/mp4";  // for every .mp4, even the HTML and empty ones: that is how they are served
  }
  if (ends_with(".webm")) {
    return "video/webm";
  }
  if (ends_with(".jpg")) {
    return "image/jpeg";
  }
  if (ends_with(".png")) {
    return "image/png";
  }
  if (ends_with(".webp")) {
    return "image/webp";
  }
  return "application/octet-stream";
}

std::string FirstHalf(const std::string& bytes) { return bytes.substr(0, bytes.size() / 2); }

// The JPEG with 64 bytes in the middle of its entropy-coded data overwritten by a fixed pattern
// that holds no 0xFF (so no marker appears): the image still decodes, and libjpeg writes
// "Corrupt JPEG data: ..." to stderr on the way, as it does for posters damaged in transit.
std::string CorruptedInTheMiddle(std::string jpeg) {
  constexpr size_t kSpan = 64;
  size_t middle = jpeg.size() / 2;
  if (jpeg.size() < 4 * kSpan) {
    throw std::runtime_error("media fixtures: the JPEG to corrupt is too small");
  }
  for (size_t i = 0; i < kSpan; ++i) {
    jpeg[middle + i] = static_cast<char>((i * 37 + 11) & 0xFF);  // 0xFF first at i = 228
  }
  return jpeg;
}

// The MP4 with its movie header (mvhd) claiming `seconds` at a timescale of 1. The claim needs
// a version-1 box (64-bit duration), so the version byte is flipped in place, as a fuzzer would:
// the timescale and duration go where version 1 has them, and the demuxer reads the rest of the
// header 12 bytes past the box's end (it warns, seeks back and carries on).
std::string WithMovieDuration(std::string mp4, uint64_t seconds) {
  size_t type = mp4.find("mvhd");
  // Version 1 reads version+flags (4), creation and modification times (8 + 8), timescale (4),
  // duration (8) from the payload that follows the type.
  if (type == std::string::npos || type < 4 || type + 4 + 32 > mp4.size()) {
    throw std::runtime_error("media fixtures: no movie header (mvhd) to patch");
  }
  size_t payload = type + 4;
  mp4[payload] = 1;  // version 1
  auto put = [&mp4](size_t at, uint64_t value, int width) {
    for (int i = width - 1; i >= 0; --i, value >>= 8) {
      mp4[at + i] = static_cast<char>(value & 0xFF);
    }
  };
  put(payload + 20, 1, 4);  // timescale: 1 unit a second
  put(payload + 24, seconds, 8);
  return mp4;
}

constexpr std::string_view kErrorPage =
    "<!DOCTYPE html>\n"
    "<html>\n"
    "<head><title>502 Bad Gateway</title></head>\n"
    "<body>\n"
    "<center><h1>502 Bad Gateway</h1></center>\n"
    "<hr><center>nginx</center>\n"
    "</body>\n"
    "</html>\n";

std::string MakeTempDir() {
  std::string pattern = (fs::temp_directory_path() / "media_fixtures_XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("media fixtures: mkdtemp failed: " + std::string(std::strerror(errno)));
  }
  return pattern;
}

}  // namespace

MediaFixtures::MediaFixtures() : dir_(MakeTempDir()), owner_pid_(getpid()) {
  try {
    std::vector<FfmpegJob> jobs = FixtureJobs(dir_);
    std::vector<std::string> names;
    for (const FfmpegJob& job : jobs) {
      names.push_back(fs::path(job.output).filename().string());
    }
    // Deflating the PNG takes a quarter of a second: do it while ffmpeg runs.
    std::future<std::string> png = std::async(std::launch::async, [] { return PngBomb(20000, 20000); });
    // Two at once nearly halves the time on 2 cores (1.9 s against 3.2 s); more than four only
    // oversubscribes, as x264 and x265 start their own threads.
    RunFfmpegJobs(jobs, static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 2U, 4U)));

    // Made from the encoded files or by hand.
    std::vector<std::pair<std::string, std::string>> made = {
        {"truncated_faststart.mp4", FirstHalf(ReadFile(dir_ + "/h264_faststart.mp4"))},
        {"truncated_moov_at_end.mp4", FirstHalf(ReadFile(dir_ + "/h264_moov_at_end.mp4"))},
        {"poster_truncated.jpg", FirstHalf(ReadFile(dir_ + "/poster.jpg"))},
        {"poster_corrupt.jpg", CorruptedInTheMiddle(ReadFile(dir_ + "/poster.jpg"))},
        // 1.1e12 s: past what google::protobuf::Duration holds (about 3.2e11 s).
        {"h264_huge_duration.mp4", WithMovieDuration(ReadFile(dir_ + "/h264_faststart.mp4"), 1'100'000'000'000)},
        {"empty.mp4", ""},
        {"error_page.mp4", std::string(kErrorPage)},
        {"poster_huge.png", png.get()},
        {"not_an_image.jpg", "This is not an image: the storage node answered with plain text.\n"},
    };
    for (const auto& [name, bytes] : made) {
      WriteFile(dir_ + "/" + name, bytes);
      names.push_back(name);
    }

    for (const std::string& name : names) {
      std::string path = dir_ + "/" + name;
      fixtures_.emplace(name, MediaFixture{name, path, ReadFile(path), ContentTypeFor(name)});
    }
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    throw;
  }
}

MediaFixtures::~MediaFixtures() {
  if (getpid() == owner_pid_) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
}

const MediaFixtures& MediaFixtures::Get() {
  // A function-local static is initialised exactly once even when threads race here, and
  // destroyed (removing the folder) at exit. If encoding throws, the next call tries again.
  static const MediaFixtures fixtures;
  return fixtures;
}

const MediaFixture& MediaFixtures::operator[](std::string_view name) const {
  auto it = fixtures_.find(name);
  if (it == fixtures_.end()) {
    std::string known;
    for (const auto& [known_name, fixture] : fixtures_) {
      known += " " + known_name;
    }
    std::fprintf(stderr, "MediaFixtures: no fixture named '%.*s'; known:%s\n", static_cast<int>(name.size()),
                 name.data(), known.c_str());
    std::abort();
  }
  return it->second;
}

std::vector<std::string> MediaFixtures::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, fixture] : fixtures_) {
    names.push_back(name);
  }
  return names;
}

std::string MediaFixtures::HlsPlaylistPointingAt(const std::string& url) {
  // TARGETDURATION and MEDIA-SEQUENCE are what libavformat's hls probe looks for besides #EXTM3U.
  return "#EXTM3U\n"
         "#EXT-X-VERSION:3\n"
         "#EXT-X-TARGETDURATION:10\n"
         "#EXT-X-MEDIA-SEQUENCE:0\n"
         "#EXTINF:10.0,\n" +
         url +
         "\n"
         "#EXT-X-ENDLIST\n";
}

std::vector<MediaFixture> MediaFixtures::EncodeCorpus(const std::string& dir, int count,
                                                      const MediaCorpusOptions& options) {
  if (count < 0) {
    throw std::invalid_argument("media fixtures: EncodeCorpus count must be >= 0");
  }
  struct Size {
    int width;
    int height;
  };
  constexpr Size kSizes[] = {{320, 180}, {480, 270}, {640, 360}};
  fs::create_directories(dir);
  const std::string root = fs::absolute(dir).string();

  std::vector<std::string> names;
  std::vector<FfmpegJob> jobs;
  for (int i = 0; i < count; ++i) {
    // The cycles (3 sizes, 4 lengths, 2 layouts, 2 patterns) repeat every 12 files; the tone, one
    // hertz higher per file, keeps every file's bytes distinct.
    Size size = kSizes[i % 3];
    int seconds = 2 + i % 4;
    bool faststart = i % 2 == 0;
    const char* pattern = (i / 2) % 2 == 0 ? "testsrc2" : "testsrc";
    int tone_hz = 200 + i;
    char name[128];
    std::snprintf(name, sizeof(name), "corpus_%04d_%s_%dx%d_%ds_%dhz_%s.mp4", i, pattern, size.width, size.height,
                  seconds, tone_hz, faststart ? "faststart" : "moov_at_end");
    names.push_back(name);
    std::string path = root + "/" + name;
    if (options.reuse_existing && fs::exists(path)) {
      continue;
    }
    std::string video = std::string(pattern) + "=size=" + std::to_string(size.width) + "x" +
                        std::to_string(size.height) + ":rate=25:duration=" + std::to_string(seconds);
    std::string audio =
        "sine=frequency=" + std::to_string(tone_hz) + ":sample_rate=48000:duration=" + std::to_string(seconds);
    // Written under a temporary name and renamed once complete, so a reused file is never a
    // leftover of an interrupted run.
    jobs.push_back({path + ".part",
                    Join({{"-f", "lavfi", "-i", video, "-f", "lavfi", "-i", audio}, kH264High, kAac,
                          faststart ? kFaststart : Args{}, {"-f", "mp4"}})});
  }
  RunFfmpegJobs(jobs, options.jobs);
  for (const FfmpegJob& job : jobs) {
    fs::rename(job.output, job.output.substr(0, job.output.size() - std::string_view(".part").size()));
  }

  std::vector<MediaFixture> corpus;
  for (const std::string& name : names) {
    std::string path = root + "/" + name;
    corpus.push_back({name, path, ReadFile(path), "video/mp4"});
  }
  return corpus;
}

}  // namespace curation::testing
