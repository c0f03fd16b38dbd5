// Probe benchmark: 200 small MP4 files (half faststart, half moov-at-end) served over loopback
// by a fake distributor, probed (a) by running `ffprobe -show_streams -show_format` once per
// URL, (b) in-process, (c) through the sandboxed workers with 1 and 2 workers. Prints wall
// times, probes per second, and bytes read against file sizes. Figures go to docs/performance.md.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <curation/common/address_guard.hpp>
#include <curation/probe/media_prober.hpp>
#include <curation/probe/probe_sandbox.hpp>

#include "fakes/fake_distributor.hpp"
#include "media_fixtures.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using curation::probe::ProbeTarget;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int Run(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  if (posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) return -1;
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Runs `probe` over every URL with `threads` threads; returns the wall time.
template <typename Probe>
Clock::duration RunAll(const std::vector<std::string>& urls, int threads, Probe probe) {
  std::atomic<size_t> next{0};
  auto started = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < urls.size(); i = next++) probe(i);
    });
  }
  for (auto& thread : pool) thread.join();
  return Clock::now() - started;
}

}  // namespace

int main(int argc, char** argv) {
  int count = argc > 1 ? std::atoi(argv[1]) : 200;
  std::string dir = (std::filesystem::temp_directory_path() / "curation-probe-bench-media").string();
  auto encode_started = Clock::now();
  auto files = curation::testing::MediaFixtures::EncodeCorpus(dir, count);
  std::printf("corpus: %d files in %s (%.1f s to encode or reuse)\n", count, dir.c_str(),
              Seconds(Clock::now() - encode_started));

  curation::fakes::FakeDistributor node;
  std::vector<std::string> urls;
  for (size_t i = 0; i < files.size(); ++i) {
    node.Put("/api/v1/assets/" + std::to_string(i), files[i].bytes, "video/mp4");
    urls.push_back(node.AssetUrl(std::to_string(i)));
  }

  int ffprobe_failures = 0;
  auto ffprobe_time = RunAll(urls, 1, [&](size_t i) { ffprobe_failures += Run({"ffprobe", "-v", "error", "-show_streams", "-show_format", urls[i]}) != 0; });
  std::printf("ffprobe -show_streams -show_format, one process per URL: %.2f s (%.1f ms/probe), %d failed\n",
              Seconds(ffprobe_time), 1000 * Seconds(ffprobe_time) / count, ffprobe_failures);

  curation::AddressGuard guard({*curation::AddressRange::Parse("127.0.0.1/32")});
  curation::HttpClient http(&guard);
  curation::probe::MediaProber prober(http, {});
  std::vector<curation::probe::SourceReport> reports(urls.size());
  auto in_process_time = RunAll(urls, 1, [&](size_t i) { reports[i] = prober.Probe({.url = urls[i]}); });
  std::printf("in-process prober, 1 thread: %.2f s (%.1f ms/probe, %.0f probes/s): %.1fx less wall time than ffprobe\n",
              Seconds(in_process_time), 1000 * Seconds(in_process_time) / count, count / Seconds(in_process_time),
              Seconds(ffprobe_time) / Seconds(in_process_time));

  for (bool faststart : {true, false}) {
    std::vector<double> read, size, share;
    int playable = 0;
    for (size_t i = 0; i < files.size(); ++i) {
      if (reports[i].media().faststart() != faststart) continue;
      read.push_back(static_cast<double>(reports[i].bytes_read()));
      size.push_back(static_cast<double>(files[i].bytes.size()));
      share.push_back(read.back() / size.back());
      playable += reports[i].verdict() != curation::v1::VERDICT_UNPLAYABLE;
    }
    if (read.empty()) continue;
    std::sort(read.begin(), read.end());
    std::sort(size.begin(), size.end());
    std::sort(share.begin(), share.end());
    std::printf("%s (%zu files, %d plays): bytes read median %.0f KiB, max %.0f KiB; file size median %.0f KiB, "
                "max %.0f KiB; read/size median %.0f%%, max %.0f%%\n",
                faststart ? "faststart" : "moov at end", read.size(), playable, read[read.size() / 2] / 1024,
                read.back() / 1024, size[size.size() / 2] / 1024, size.back() / 1024, 100 * share[share.size() / 2],
                100 * share.back());
  }

  // One large file, closer to real uploads: what a faststart probe reads is the header, the
  // first frames and one GOP near the end, not the file.
  std::string large = dir + "/large_720p_60s_faststart.mp4";
  if (!std::filesystem::exists(large)) {
    Run({"ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=60", "-f",
         "lavfi", "-i", "sine=frequency=440:duration=60", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50",
         "-b:v", "2M", "-c:a", "aac", "-movflags", "+faststart", large + ".part.mp4"});
    std::filesystem::rename(large + ".part.mp4", large);
  }
  std::ifstream in(large, std::ios::binary);
  std::string large_bytes((std::istreambuf_iterator<char>(in)), {});
  node.Put("/large.mp4", large_bytes, "video/mp4");
  auto large_report = prober.Probe({.url = node.UrlFor("/large.mp4")});
  std::printf("large faststart file (720p, 60 s, %.1f MiB): %s, read %.0f KiB in %d requests, %.1f ms\n",
              large_bytes.size() / 1048576.0, curation::v1::Verdict_Name(large_report.verdict()).c_str(),
              large_report.bytes_read() / 1024.0, large_report.requests(),
              large_report.wall_time().nanos() / 1e6 + large_report.wall_time().seconds() * 1e3);

  std::string worker = (std::filesystem::path(argv[0]).parent_path() / "../../services/curationd/curation-probe-worker").string();
  for (int workers : {1, 2}) {
    curation::probe::ProbeSandbox sandbox(
        {.worker_path = worker, .allow_addresses = {"127.0.0.1/32"}, .workers = workers});
    sandbox.Probe({.url = urls[0]});  // start the workers outside the measurement
    if (workers == 2) RunAll({urls[0], urls[1]}, 2, [&](size_t i) { sandbox.Probe({.url = urls[i]}); });
    std::atomic<int> unplayable{0};
    auto time = RunAll(urls, workers, [&](size_t i) {
      unplayable += sandbox.Probe({.url = urls[i]}).verdict() == curation::v1::VERDICT_UNPLAYABLE;
    });
    std::printf("sandboxed, %d worker(s): %.2f s, %.0f probes/s, %d unplayable\n", workers, Seconds(time),
                count / Seconds(time), unplayable.load());
  }
  return 0;
}
