// Playability: the media checks against real media encoded by FFmpeg during the run, served
// by a fake distributor; the sandbox; the service over a real PostgreSQL.

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include <curation/common/address_guard.hpp>
#include <curation/common/clock.hpp>
#include <curation/common/metrics.hpp>
#include <curation/probe/media_prober.hpp>
#include <curation/probe/probe_sandbox.hpp>
#include <curation/probe/probe_service.hpp>
#include <curation/probe/probe_store.hpp>
#include <curation/probe/source_resolver.hpp>
#include <curation/server/module.hpp>

#include "fakes/fake_distributor.hpp"
#include "distribution_rows.hpp"
#include "media_fixtures.hpp"
#include "postgres_fixture.hpp"

namespace curation::probe {
namespace {

using fakes::FakeDistributor;
using testing::MediaFixtures;
using namespace std::chrono_literals;

std::set<std::string> Codes(const SourceReport& report) {
  std::set<std::string> codes;
  for (const auto& finding : report.findings()) codes.insert(finding.code());
  return codes;
}

std::set<std::string> Codes(const v1::ProbeReport& report) {
  std::set<std::string> codes;
  for (const auto& finding : report.findings()) codes.insert(finding.code());
  return codes;
}

AddressGuard LoopbackAllowed() { return AddressGuard({*AddressRange::Parse("127.0.0.1/32")}); }

// Points this process's stderr (fd 2) at a regular file until destroyed, as when curationd runs
// with `2>>curationd.log`; what was written there is in Contents().
class StderrToFile {
 public:
  StderrToFile() {
    char path[] = "/tmp/probe_test_stderr_XXXXXX";
    int file = mkstemp(path);
    EXPECT_GE(file, 0) << strerror(errno);
    path_ = path;
    std::fflush(stderr);
    saved_ = dup(STDERR_FILENO);
    dup2(file, STDERR_FILENO);
    close(file);
  }
  ~StderrToFile() {
    std::fflush(stderr);
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    unlink(path_.c_str());
  }
  StderrToFile(const StderrToFile&) = delete;
  StderrToFile& operator=(const StderrToFile&) = delete;

  std::string Contents() const {
    std::fflush(stderr);
    std::ifstream in(path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string path_;
  int saved_ = -1;
};

// Every fixture served by one fake node at /media/<name>.
class MediaProberTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& name : MediaFixtures::Get().Names()) {
      const auto& fixture = MediaFixtures::Get()[name];
      node_.Put("/media/" + name, fixture.bytes, fixture.content_type);
    }
  }

  SourceReport Probe(const std::string& name, ProbeTarget target = {}) {
    target.url = node_.UrlFor("/media/" + name);
    return prober_.Probe(target);
  }

  FakeDistributor node_;
  AddressGuard guard_ = LoopbackAllowed();
  HttpClient http_{&guard_};
  ProbeLimits limits_;
  MediaProber prober_{http_, limits_};
};

struct Expectation {
  std::string fixture;
  v1::Verdict verdict;
  std::set<std::string> codes;
};

TEST_F(MediaProberTest, EveryFixtureGetsItsExactVerdictAndCodes) {
  const std::vector<Expectation> expectations = {
      {"h264_faststart.mp4", v1::VERDICT_PLAYABLE, {}},
      {"h264_moov_at_end.mp4", v1::VERDICT_DEGRADED, {"NOT_FASTSTART"}},
      {"h264_high10.mp4", v1::VERDICT_UNPLAYABLE, {"UNSUPPORTED_PIXFMT"}},
      {"h264_422.mp4", v1::VERDICT_UNPLAYABLE, {"UNSUPPORTED_PIXFMT"}},
      {"hevc_hev1.mp4", v1::VERDICT_UNPLAYABLE, {"HEVC_HEV1"}},
      {"hevc_hvc1.mp4", v1::VERDICT_DEGRADED, {"HEVC"}},
      {"mpeg4_part2.mp4", v1::VERDICT_UNPLAYABLE, {"UNSUPPORTED_CODEC"}},
      {"vp9_opus.webm", v1::VERDICT_PLAYABLE, {}},
      {"audio_only.mp4", v1::VERDICT_UNPLAYABLE, {"NO_VIDEO_STREAM"}},
      {"truncated_faststart.mp4", v1::VERDICT_UNPLAYABLE, {"TRUNCATED"}},
      {"truncated_moov_at_end.mp4", v1::VERDICT_UNPLAYABLE, {"CORRUPT_CONTAINER"}},
      {"h264_huge_duration.mp4", v1::VERDICT_UNPLAYABLE, {"TIME_OUT_OF_RANGE"}},
      {"empty.mp4", v1::VERDICT_UNPLAYABLE, {"EMPTY"}},
      {"error_page.mp4", v1::VERDICT_UNPLAYABLE, {"WRONG_TYPE"}},
      {"black_silent.mp4", v1::VERDICT_PLAYABLE, {}},
      {"poster.jpg", v1::VERDICT_PLAYABLE, {}},
      {"thumbnail.webp", v1::VERDICT_PLAYABLE, {}},
      {"poster_truncated.jpg", v1::VERDICT_UNPLAYABLE, {"IMAGE_TRUNCATED"}},
      {"poster_flat.jpg", v1::VERDICT_UNPLAYABLE, {"IMAGE_FLAT"}},
      {"poster_huge.png", v1::VERDICT_UNPLAYABLE, {"IMAGE_TOO_LARGE"}},
      {"not_an_image.jpg", v1::VERDICT_UNPLAYABLE, {"NOT_AN_IMAGE"}},
  };
  for (const auto& expected : expectations) {
    SourceReport report = Probe(expected.fixture);
    EXPECT_EQ(v1::Verdict_Name(report.verdict()), v1::Verdict_Name(expected.verdict))
        << expected.fixture << ": " << report.ShortDebugString();
    EXPECT_EQ(Codes(report), expected.codes) << expected.fixture << ": " << report.ShortDebugString();
  }
}

// The premise of the sandbox test below: decoding this poster makes libjpeg write to stderr.
TEST_F(MediaProberTest, ACorruptPosterDecodesWithLibjpegComplainingOnStderr) {
  SourceReport report;
  std::string written;
  {
    StderrToFile captured;
    report = Probe("poster_corrupt.jpg", {.role = "poster"});
    written = captured.Contents();
  }
  EXPECT_NE(written.find("Corrupt JPEG data"), std::string::npos) << written;
  EXPECT_EQ(report.verdict(), v1::VERDICT_PLAYABLE) << report.ShortDebugString();
}

// A PNG header may declare 2^32 - 1 pixels a side: the product must not wrap past the limit.
TEST_F(MediaProberTest, APngDeclaringFourBillionPixelsASideIsTooLarge) {
  const std::string png("\x89PNG\r\n\x1a\n"                  // signature
                        "\0\0\0\x0dIHDR\xff\xff\xff\xff\xff\xff\xff\xff"  // 4294967295 x 4294967295
                        "\x08\x02\0\0\0\0\0\0\0"                 // 8-bit RGB; CRC left 0
                        "\0\0\0\0IEND\xae\x42\x60\x82",
                        45);
  node_.Put("/wide.png", png, "image/png");
  SourceReport report = prober_.Probe({.url = node_.UrlFor("/wide.png")});
  EXPECT_EQ(Codes(report), std::set<std::string>{"IMAGE_TOO_LARGE"}) << report.ShortDebugString();
  EXPECT_EQ(report.image().width(), std::numeric_limits<int32_t>::max());
}

TEST_F(MediaProberTest, ReportsWhatItSawAndReadsLittle) {
  SourceReport report = Probe("h264_faststart.mp4");
  const auto& media = report.media();
  EXPECT_EQ(media.container(), "mp4");
  EXPECT_EQ(media.video_codec(), "h264");
  EXPECT_EQ(media.video_profile(), "High");
  EXPECT_EQ(media.pixel_format(), "yuv420p");
  EXPECT_EQ(media.codec_tag(), "avc1");
  EXPECT_EQ(media.audio_codec(), "aac");
  EXPECT_TRUE(media.faststart());
  EXPECT_GE(media.video_frames_decoded(), 4);  // three at the head, one near the end
  EXPECT_EQ(report.http_status(), 206);
  EXPECT_EQ(report.x_cache(), "hit");
  EXPECT_EQ(report.content_length(), static_cast<int64_t>(MediaFixtures::Get()["h264_faststart.mp4"].bytes.size()));
  EXPECT_EQ(report.bytes_read(), node_.BytesSent());
  for (const auto& request : node_.Requests()) {
    EXPECT_FALSE(request.range.empty()) << "every read is a bounded range";
    EXPECT_NE(request.range.back(), '-') << "no open-ended range: " << request.range;
  }
}

TEST_F(MediaProberTest, DeepProbeFindsABlackSilentOpening) {
  SourceReport report = Probe("black_silent.mp4", {.deep = true});
  EXPECT_EQ(report.verdict(), v1::VERDICT_DEGRADED) << report.ShortDebugString();
  EXPECT_EQ(Codes(report), (std::set<std::string>{"BLACK", "SILENT"})) << report.ShortDebugString();
  SourceReport lively = Probe("h264_faststart.mp4", {.deep = true});
  EXPECT_EQ(lively.verdict(), v1::VERDICT_PLAYABLE) << lively.ShortDebugString();
}

TEST_F(MediaProberTest, NotFastStartFailsAHeroCut) {
  SourceReport report = Probe("h264_moov_at_end.mp4", {.role = "hero_cut"});
  EXPECT_EQ(report.verdict(), v1::VERDICT_UNPLAYABLE);
  EXPECT_EQ(Codes(report), std::set<std::string>{"NOT_FASTSTART"});
}

TEST_F(MediaProberTest, SizeOtherThanTheChainSaysFails) {
  int64_t size = static_cast<int64_t>(MediaFixtures::Get()["h264_faststart.mp4"].bytes.size());
  SourceReport report = Probe("h264_faststart.mp4", {.expected_size = size + 1});
  EXPECT_EQ(Codes(report), std::set<std::string>{"SIZE_MISMATCH"});
}

TEST_F(MediaProberTest, NodeAnswersAreReportedAsSuchNotAsBadMedia) {
  const auto& good = MediaFixtures::Get()["h264_faststart.mp4"];
  node_.Put("/gone", good.bytes, good.content_type, {.status = 404});
  node_.Put("/elsewhere", good.bytes, good.content_type, {.status = 421});
  node_.Put("/broken", good.bytes, good.content_type, {.status = 500});
  node_.Put("/whole", good.bytes, good.content_type, {.no_ranges = true});
  EXPECT_EQ(Codes(prober_.Probe({.url = node_.UrlFor("/gone")})), std::set<std::string>{"NOT_FOUND"});
  EXPECT_EQ(Codes(prober_.Probe({.url = node_.UrlFor("/elsewhere")})), std::set<std::string>{"MISDIRECTED"});
  EXPECT_EQ(Codes(prober_.Probe({.url = node_.UrlFor("/broken")})), std::set<std::string>{"UNREACHABLE"});
  EXPECT_EQ(Codes(prober_.Probe({.url = node_.UrlFor("/whole")})), std::set<std::string>{"NO_RANGES"});
}

TEST_F(MediaProberTest, ATricklingServerHitsTheDeadline) {
  const auto& good = MediaFixtures::Get()["h264_faststart.mp4"];
  node_.Put("/slow", good.bytes, good.content_type, {.trickle_bytes = 100, .trickle_interval = 50ms});
  ProbeLimits limits{.deadline = 1500ms, .read_timeout = 1000ms};
  MediaProber prober(http_, limits);
  auto started = std::chrono::steady_clock::now();
  SourceReport report = prober.Probe({.url = node_.UrlFor("/slow")});
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(Codes(report), std::set<std::string>{"TIMEOUT"}) << report.ShortDebugString();
}

TEST_F(MediaProberTest, AByteBudgetStopsReading) {
  ProbeLimits limits{.max_bytes = 20 << 10};
  MediaProber prober(http_, limits);
  SourceReport report = prober.Probe({.url = node_.UrlFor("/media/h264_moov_at_end.mp4")});
  EXPECT_TRUE(Codes(report).contains("BYTE_LIMIT")) << report.ShortDebugString();
  EXPECT_LE(report.bytes_read(), 20 << 10);
}

// An HLS playlist served as .mp4 names an internal URL: nothing may fetch it, even with the
// address guard letting loopback through.
TEST_F(MediaProberTest, APlaylistDisguisedAsMp4IsNeverFollowed) {
  FakeDistributor internal;
  internal.Put("/secret.ts", "secret", "video/mp2t");
  node_.Put("/playlist.mp4", MediaFixtures::HlsPlaylistPointingAt(internal.UrlFor("/secret.ts")), "video/mp4");
  SourceReport report = prober_.Probe({.url = node_.UrlFor("/playlist.mp4")});
  EXPECT_EQ(report.verdict(), v1::VERDICT_UNPLAYABLE);
  EXPECT_EQ(Codes(report), std::set<std::string>{"PLAYLIST"});
  internal.WaitForIdle();
  EXPECT_TRUE(internal.Requests().empty());
}

TEST(AddressGuardInProbes, ARedirectToLoopbackIsRefused) {
  FakeDistributor internal;  // 127.0.0.1: what an attacker wants reached
  internal.Put("/admin", "secret", "video/mp4");
  FakeDistributor node("127.0.0.2");  // a node the deployment allows
  node.Put("/video.mp4", "", "video/mp4", {.redirect_to = internal.UrlFor("/admin")});
  AddressGuard guard({*AddressRange::Parse("127.0.0.2/32")});
  HttpClient http(&guard);
  MediaProber prober(http, {});
  SourceReport report = prober.Probe({.url = node.UrlFor("/video.mp4")});
  EXPECT_EQ(Codes(report), std::set<std::string>{"BLOCKED_ADDRESS"}) << report.ShortDebugString();
  EXPECT_EQ(node.Requests().size(), 1u);
  internal.WaitForIdle();
  EXPECT_TRUE(internal.Requests().empty());

  SourceReport metadata = prober.Probe({.url = "http://169.254.169.254/latest/meta-data/"});
  EXPECT_EQ(Codes(metadata), std::set<std::string>{"BLOCKED_ADDRESS"});
  SourceReport direct = prober.Probe({.url = internal.UrlFor("/admin")});
  EXPECT_EQ(Codes(direct), std::set<std::string>{"BLOCKED_ADDRESS"});
}

SandboxOptions SandboxFor(std::vector<std::string> allow = {"127.0.0.1/32"}) {
  return {.worker_path = PROBE_WORKER_PATH, .allow_addresses = std::move(allow), .workers = 1};
}

std::string ProcField(int pid, const std::string& file) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(ProbeSandboxTest, ProbesInAConfinedWorkerThatOutlivesACrash) {
  FakeDistributor node;
  const auto& good = MediaFixtures::Get()["h264_faststart.mp4"];
  node.Put("/good.mp4", good.bytes, good.content_type);
  node.Put("/slow.mp4", good.bytes, good.content_type, {.trickle_bytes = 10, .trickle_interval = 100ms});
  ProbeSandbox sandbox(SandboxFor());
  SourceReport first = sandbox.Probe({.url = node.UrlFor("/good.mp4")});
  EXPECT_EQ(first.verdict(), v1::VERDICT_PLAYABLE) << first.ShortDebugString();
  ASSERT_EQ(sandbox.WorkerPids().size(), 1u);
  int pid = sandbox.WorkerPids()[0];
  EXPECT_EQ(first.worker(), "probe-worker-" + std::to_string(pid));
  EXPECT_EQ(ProcField(pid, "environ"), "") << "the worker must not inherit secrets from the environment";
  if (geteuid() == 0) {
    EXPECT_NE(ProcField(pid, "status").find("Uid:\t65534"), std::string::npos) << "the worker runs as nobody";
  }

  // A crash in the middle of a probe (what a crafted file does to a parser) costs that probe,
  // and curationd's log says which worker died how, on which URL.
  std::thread killer([&] {
    std::this_thread::sleep_for(300ms);
    kill(pid, SIGSEGV);
  });
  SourceReport crashed;
  std::string log;
  {
    StderrToFile captured;
    crashed = sandbox.Probe({.url = node.UrlFor("/slow.mp4")});
    log = captured.Contents();
  }
  killer.join();
  EXPECT_EQ(Codes(crashed), std::set<std::string>{"PROBER_CRASHED"}) << crashed.ShortDebugString();
  EXPECT_NE(crashed.findings(0).message().find("signal 11"), std::string::npos);
  EXPECT_NE(log.find("signal 11"), std::string::npos) << log;
  EXPECT_NE(log.find(node.UrlFor("/slow.mp4")), std::string::npos) << log;
  EXPECT_NE(log.find(std::to_string(pid)), std::string::npos) << log;

  SourceReport after = sandbox.Probe({.url = node.UrlFor("/good.mp4")});
  EXPECT_EQ(after.verdict(), v1::VERDICT_PLAYABLE) << after.ShortDebugString();
  EXPECT_NE(sandbox.WorkerPids()[0], pid);
}

// A worker stuck where its own deadline cannot reach it (here: stopped) is killed by the
// watchdog once the deadline and the grace have passed.
TEST(ProbeSandboxTest, TheWatchdogKillsAStuckWorker) {
  FakeDistributor node;
  const auto& good = MediaFixtures::Get()["h264_faststart.mp4"];
  node.Put("/good.mp4", good.bytes, good.content_type);
  node.Put("/slow.mp4", good.bytes, good.content_type, {.trickle_bytes = 10, .trickle_interval = 100ms});
  SandboxOptions options = SandboxFor();
  options.deadline = 1000ms;
  options.grace = 500ms;
  ProbeSandbox sandbox(options);
  sandbox.Probe({.url = node.UrlFor("/good.mp4")});
  int pid = sandbox.WorkerPids()[0];
  kill(pid, SIGSTOP);
  auto started = std::chrono::steady_clock::now();
  SourceReport report = sandbox.Probe({.url = node.UrlFor("/good.mp4")});
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(Codes(report), std::set<std::string>{"TIMEOUT"}) << report.ShortDebugString();
  EXPECT_GE(took, 1400ms) << "the deadline and the grace were not waited for";
  // Without the watchdog the probe would wait for the stopped worker for ever; the bound is wide
  // because two parallel test runs on two cores took over 5 s here.
  EXPECT_LT(took, 60s);
  EXPECT_EQ(sandbox.Probe({.url = node.UrlFor("/good.mp4")}).verdict(), v1::VERDICT_PLAYABLE);
  EXPECT_NE(sandbox.WorkerPids()[0], pid) << "the stuck worker was replaced";
}

// Workers run with a file-size limit of 0: had one inherited curationd's stderr, and that
// were a log file, libjpeg's warning about this poster would kill it (SIGXFSZ).
TEST(ProbeSandboxTest, AWorkerWritesNothingToTheStderrOfCurationd) {
  FakeDistributor node;
  const auto& corrupt = MediaFixtures::Get()["poster_corrupt.jpg"];
  node.Put("/poster.jpg", corrupt.bytes, corrupt.content_type);
  ProbeTarget target{.url = node.UrlFor("/poster.jpg"), .role = "poster"};
  AddressGuard guard = LoopbackAllowed();
  HttpClient http(&guard);
  SourceReport in_process = MediaProber(http, {}).Probe(target);

  SourceReport sandboxed;
  std::string written;
  {
    StderrToFile captured;
    ProbeSandbox sandbox(SandboxFor());  // its worker starts with stderr pointing at the file
    sandboxed = sandbox.Probe(target);
    written = captured.Contents();
  }
  EXPECT_FALSE(Codes(sandboxed).contains("PROBER_CRASHED")) << sandboxed.ShortDebugString();
  EXPECT_EQ(v1::Verdict_Name(sandboxed.verdict()), v1::Verdict_Name(in_process.verdict()))
      << sandboxed.ShortDebugString();
  EXPECT_EQ(Codes(sandboxed), Codes(in_process));
  EXPECT_EQ(written.find("Corrupt JPEG data"), std::string::npos) << written;
}

// Any uploader can write a header whose duration protobuf cannot hold (1.1e12 s here): the
// file is unplayable and says why, and the worker that read it lives on.
TEST(ProbeSandboxTest, AnAbsurdDurationIsUnplayableNotACrash) {
  FakeDistributor node;
  const auto& crafted = MediaFixtures::Get()["h264_huge_duration.mp4"];
  node.Put("/crafted.mp4", crafted.bytes, crafted.content_type);
  node.Put("/good.mp4", MediaFixtures::Get()["h264_faststart.mp4"].bytes, "video/mp4");
  ProbeSandbox sandbox(SandboxFor());
  ASSERT_EQ(sandbox.Probe({.url = node.UrlFor("/good.mp4")}).verdict(), v1::VERDICT_PLAYABLE);
  int pid = sandbox.WorkerPids().at(0);

  SourceReport report = sandbox.Probe({.url = node.UrlFor("/crafted.mp4"), .kind = v1::ProbeTask::KIND_VIDEO});
  EXPECT_EQ(report.verdict(), v1::VERDICT_UNPLAYABLE) << report.ShortDebugString();
  EXPECT_EQ(Codes(report), std::set<std::string>{"TIME_OUT_OF_RANGE"}) << report.ShortDebugString();
  EXPECT_EQ(report.worker(), "probe-worker-" + std::to_string(pid)) << "the worker answered";
  EXPECT_EQ(sandbox.WorkerPids(), std::vector<int>{pid}) << "and is still the same process";
}

// Having no stderr, a worker that cannot start says why in its answer to every task.
TEST(ProbeSandboxTest, AWorkerThatCannotStartSaysWhyInTheReport) {
  ProbeSandbox sandbox(SandboxFor({"not-an-address"}));
  for (int attempt = 0; attempt < 2; ++attempt) {
    SourceReport report = sandbox.Probe({.url = "http://127.0.0.1:9/video.mp4"});
    ASSERT_EQ(Codes(report), std::set<std::string>{"PROBER_CRASHED"}) << report.ShortDebugString();
    EXPECT_NE(report.findings(0).message().find("the prober cannot start: INVALID_ARGUMENT: 'not-an-address'"),
              std::string::npos)
        << report.findings(0).message();
    EXPECT_EQ(report.url(), "http://127.0.0.1:9/video.mp4");
  }
}

TEST(ProbeSandboxTest, TheGuardHoldsInsideTheWorker) {
  FakeDistributor node;
  node.Put("/good.mp4", MediaFixtures::Get()["h264_faststart.mp4"].bytes, "video/mp4");
  ProbeSandbox sandbox(SandboxFor({}));
  SourceReport report = sandbox.Probe({.url = node.UrlFor("/good.mp4")});
  EXPECT_EQ(Codes(report), std::set<std::string>{"BLOCKED_ADDRESS"});
  EXPECT_TRUE(node.Requests().empty());
}

// The selection rules that once read the query node's answer now read ingest's rows
// (ingest.storage_bags, distribution_buckets, distribution_operators): the same cases, the same
// distributors kept, in the bag's bucket order and each bucket's worker order.
class BagDistributorsTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    pool_ = MakePool(SourceResolver::Statements());
    resolver_ = std::make_unique<SourceResolver>(*pool_, clock_, 1min);
  }

  void PutBucket(const std::string& id, bool distributing) {
    Scalar("INSERT INTO ingest.distribution_buckets (id, family_id, distributing, accepting_new_bags, created_at)"
           " VALUES ('" + id + "', '0', " + (distributing ? "true" : "false") + ", true, now())");
  }
  // `endpoint` is an SQL expression (NULL for an operator without metadata).
  void PutOperator(const std::string& bucket, int worker, const std::string& status, const std::string& endpoint) {
    Scalar("INSERT INTO ingest.distribution_operators (id, bucket_id, worker_id, status, node_endpoint, created_at)"
           " VALUES ('" + bucket + "-" + std::to_string(worker) + "', '" + bucket + "', " + std::to_string(worker) +
           ", '" + status + "', " + endpoint + ", now())");
  }

  ManualClock clock_{TimePoint(std::chrono::hours(500000))};
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<SourceResolver> resolver_;
};

TEST_F(BagDistributorsTest, KeepsOnlyActiveOperatorsWithPlausibleEndpoints) {
  PutBucket("0:0", true);
  PutOperator("0:0", 1, "active", "'https://node-a.example/'");
  PutOperator("0:0", 2, "active", "'https://node-b.example'");
  PutOperator("0:0", 3, "invited", "'https://invited.example/'");
  PutOperator("0:0", 4, "active", "'file:///etc/passwd'");
  PutOperator("0:0", 5, "active", "'http://a b/'");
  PutOperator("0:0", 6, "active", "NULL");
  PutOperator("0:0", 8, "active", "'42'");
  PutBucket("0:1", false);
  PutOperator("0:1", 9, "active", "'https://not-distributing.example/'");
  Scalar("INSERT INTO ingest.storage_bags (id, distribution_bucket_ids, created_at)"
         " VALUES ('dynamic:channel:1', '{0:0,0:1,garbage}', now())");
  auto parsed = resolver_->Distributors("dynamic:channel:1");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].AssetUrl("42"), "https://node-a.example/api/v1/assets/42");
  EXPECT_EQ((*parsed)[1].AssetUrl("42"), "https://node-b.example/api/v1/assets/42");

  // A bag ingest has not stored: nobody serves it, until ingest reads it (not held for the TTL).
  auto unknown = resolver_->Distributors("dynamic:channel:404");
  ASSERT_TRUE(unknown.ok()) << unknown.status();
  EXPECT_TRUE(unknown->empty());
  Scalar("INSERT INTO ingest.storage_bags (id, distribution_bucket_ids, created_at)"
         " VALUES ('dynamic:channel:404', '{0:0}', now())");
  EXPECT_EQ(resolver_->Distributors("dynamic:channel:404")->size(), 2u);
}

// Endpoints are stored as the chain gives them: a control or bidi character, an overlong URL
// costs that operator when probe reads them; the bag's order of buckets is kept.
TEST_F(BagDistributorsTest, EndpointsAreCheckedWhenUsedAndTheBagsOrderKept) {
  PutBucket("0:2", true);
  PutOperator("0:2", 6, "active", "'https://node-' || chr(8238) || 'evil.example/'");
  PutOperator("0:2", 5, "active", "'https://line' || chr(10) || 'break.example/'");
  PutOperator("0:2", 4, "active", "'https://' || repeat('a', 2100) || '.example/'");
  PutOperator("0:2", 7, "active", "'https://good.example'");
  PutBucket("1:0", true);
  PutOperator("1:0", 1, "active", "'http://other-family.example/'");
  Scalar("INSERT INTO ingest.storage_bags (id, distribution_bucket_ids, created_at)"
         " VALUES ('dynamic:channel:1', '{1:0,0:2}', now())");
  auto parsed = resolver_->Distributors("dynamic:channel:1");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].bucket_id, "1:0");
  EXPECT_EQ((*parsed)[0].endpoint, "http://other-family.example/");
  EXPECT_EQ((*parsed)[1].bucket_id, "0:2");
  EXPECT_EQ((*parsed)[1].worker_id, 7);
  EXPECT_EQ((*parsed)[1].endpoint, "https://good.example/");
}

// What was read is cached for the TTL, and a cached answer beats none while the database is away.
TEST_F(BagDistributorsTest, CachesForItsTtlAndServesStaleWhenTheDatabaseFails) {
  PutBucket("0:0", true);
  PutOperator("0:0", 1, "active", "'https://node-a.example/'");
  Scalar("INSERT INTO ingest.storage_bags (id, distribution_bucket_ids, created_at)"
         " VALUES ('dynamic:channel:1', '{0:0}', now())");
  ASSERT_EQ(resolver_->Distributors("dynamic:channel:1")->size(), 1u);
  PutOperator("0:0", 2, "active", "'https://node-b.example/'");
  EXPECT_EQ(resolver_->Distributors("dynamic:channel:1")->size(), 1u) << "cached";
  clock_.Advance(2min);
  EXPECT_EQ(resolver_->Distributors("dynamic:channel:1")->size(), 2u) << "read again after the TTL";

  Scalar("ALTER TABLE ingest.storage_bags RENAME TO storage_bags_away");
  clock_.Advance(2min);
  auto stale = resolver_->Distributors("dynamic:channel:1");
  ASSERT_TRUE(stale.ok()) << stale.status();
  EXPECT_EQ(stale->size(), 2u);
  EXPECT_EQ(resolver_->Distributors("dynamic:channel:2").status().code(), absl::StatusCode::kUnavailable);
  Scalar("ALTER TABLE ingest.storage_bags_away RENAME TO storage_bags");
}

// The service over a real database: videos and bags as ingest stored them, media from fake
// distributors, probes in sandboxed workers.
class ProbeServiceTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    pool_ = MakePool(server::JoinStatements({ProbeStore::Statements(), SourceResolver::Statements()}));
    store_ = std::make_unique<ProbeStore>(*pool_);
    resolver_ = std::make_unique<SourceResolver>(*pool_, clock_, 1min);
    sandbox_ = std::make_unique<ProbeSandbox>(SandboxFor());
    service_ = std::make_unique<ProbeService>(*store_, *resolver_, *sandbox_, metrics_,
                                              ProbeServiceOptions{.host_interval = 0ms});
  }

  // A video whose media (object 2·id) and thumbnail (2·id + 1) live in bag dynamic:channel:1.
  void PutVideo(int id, const std::string& media_fixture, bool accepted = true) {
    std::string media = std::to_string(2 * id), thumbnail = std::to_string(2 * id + 1);
    const auto& bytes = MediaFixtures::Get()[media_fixture].bytes;
    Scalar("INSERT INTO ingest.data_objects (id, size_bytes, is_accepted, storage_bag_id) VALUES ('" + media + "', " +
           std::to_string(bytes.size()) + ", " + (accepted ? "true" : "false") + ", 'dynamic:channel:1'), ('" +
           thumbnail + "', " + std::to_string(MediaFixtures::Get()["poster.jpg"].bytes.size()) +
           ", true, 'dynamic:channel:1')");
    Scalar("INSERT INTO ingest.videos (id, channel_id, is_censored, media_object_id, thumbnail_object_id, created_at,"
           " created_in_block) VALUES ('" + std::to_string(id) + "', '1', false, '" + media + "', '" + thumbnail +
           "', now(), 1)");
    for (FakeDistributor* node : {&node_a_, &node_b_}) {
      node->Put("/api/v1/assets/" + media, bytes, MediaFixtures::Get()[media_fixture].content_type);
      node->Put("/api/v1/assets/" + thumbnail, MediaFixtures::Get()["poster.jpg"].bytes, "image/jpeg");
    }
  }

  FakeDistributor node_a_, node_b_;
  ManualClock clock_{TimePoint(std::chrono::hours(500000))};
  MetricsRegistry metrics_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<ProbeStore> store_;
  std::unique_ptr<SourceResolver> resolver_;
  std::unique_ptr<ProbeSandbox> sandbox_;
  std::unique_ptr<ProbeService> service_;
};

TEST_F(ProbeServiceTest, AFullProbeTriesEveryNodeAndKeepsTheVerdict) {
  Scalar(testing::ServeBagSql("dynamic:channel:1", {node_a_.Url(), node_b_.Url()}));
  PutVideo(7, "h264_faststart.mp4");
  node_b_.Put("/api/v1/assets/14", "", "video/mp4", {.status = 404});

  auto report = service_->ProbeVideo("7", v1::PROBE_DEPTH_FULL);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->verdict(), v1::VERDICT_DEGRADED) << report->ShortDebugString();
  EXPECT_EQ(Codes(*report), std::set<std::string>{"SOME_SOURCES_FAIL"});
  EXPECT_EQ(report->sources_size(), 4);  // media and thumbnail from both nodes
  EXPECT_GT(report->probe_id(), 0);

  auto verdict = service_->GetVerdict("7", std::nullopt);
  ASSERT_TRUE(verdict.ok()) << verdict.status();
  EXPECT_EQ(verdict->probe_id(), report->probe_id());
  EXPECT_EQ(verdict->probed_at().seconds(), report->probed_at().seconds()) << "read back with its time";
  EXPECT_EQ(verdict->probed_at().nanos(), report->probed_at().nanos());
  EXPECT_EQ(verdict->verdict(), v1::VERDICT_DEGRADED);
  EXPECT_EQ(Scalar("SELECT summary FROM probe.verdicts WHERE video_id = '7'").substr(0, 18), "SOME_SOURCES_FAIL:");

  ASSERT_TRUE(service_->ProbeVideo("7", v1::PROBE_DEPTH_LIGHT).ok());
  auto history = service_->ListProbes("7", "", 1, "", std::nullopt);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->probes.size(), 1u);
  EXPECT_EQ(history->probes[0].depth(), v1::PROBE_DEPTH_LIGHT);
  auto older = service_->ListProbes("7", "", 1, history->next_page_token, std::nullopt);
  ASSERT_TRUE(older.ok());
  ASSERT_EQ(older->probes.size(), 1u);
  EXPECT_EQ(older->probes[0].probe_id(), report->probe_id());
  EXPECT_TRUE(older->next_page_token.empty());
  EXPECT_FALSE(service_->ListProbes("7", "", 1, "bm9wZQ", std::nullopt).ok());
  // One page-size rule for every list (PageSize): 2^31-1 was served as 100; past 1,000 is refused.
  EXPECT_EQ(service_->ListProbes("7", "", std::numeric_limits<int>::max(), "", std::nullopt).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->ListProbes("7", "", -1, "", std::nullopt).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(service_->ListProbes("7", "", 1000, "", std::nullopt).ok());
  EXPECT_EQ(service_->ProbeVideo("404", v1::PROBE_DEPTH_FULL).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ProbeServiceTest, NewVideosGetALightProbeFromTheFeed) {
  Scalar(testing::ServeBagSql("dynamic:channel:1", {node_a_.Url(), node_b_.Url()}));
  PutVideo(1, "h264_faststart.mp4");
  PutVideo(2, "h264_high10.mp4");
  PutVideo(3, "h264_faststart.mp4", /*accepted=*/false);
  node_a_.Put("/api/v1/assets/2", "", "video/mp4", {.status = 421});  // a light probe moves on to node b
  Scalar("INSERT INTO ingest.feed (kind, target_kind, target_id, occurred_at) VALUES"
         " ('video_created', 'video', '1', now()), ('video_created', 'video', '2', now()),"
         " ('video_created', 'video', '3', now()), ('video_assets_changed', 'video', '2', now())");
  auto created = service_->DrainFeed();
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(*created, 3) << "one open job per video";
  while (*service_->RunOneJob("test")) {
  }
  EXPECT_EQ(Scalar("SELECT verdict FROM probe.verdicts WHERE video_id = '1'"), "playable");
  EXPECT_EQ(Scalar("SELECT verdict FROM probe.verdicts WHERE video_id = '2'"), "unplayable");
  EXPECT_EQ(Scalar("SELECT array_to_string(codes, ',') FROM probe.verdicts WHERE video_id = '2'"),
            "NO_PLAYABLE_SOURCE,UNSUPPORTED_PIXFMT");
  // Storage has not accepted video 3's media: no verdict yet, the job waits.
  EXPECT_EQ(Scalar("SELECT count(*) FROM probe.verdicts WHERE video_id = '3'"), "0");
  EXPECT_EQ(Scalar("SELECT state || ' ' || (not_before > now()) FROM probe.jobs WHERE video_id = '3'"), "queued true");
  auto depth = store_->Depth();
  ASSERT_TRUE(depth.ok());
  EXPECT_EQ(depth->queued, 1);
}

TEST_F(ProbeServiceTest, AWorkerThatDiesLeavesItsJobToAnother) {
  Scalar(testing::ServeBagSql("dynamic:channel:1", {node_a_.Url()}));
  PutVideo(1, "h264_faststart.mp4");
  ASSERT_TRUE(store_->Enqueue("1", v1::PROBE_DEPTH_FULL, 10, "featured").ok());
  auto claimed = store_->Claim("dead-worker", 1ms);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(*service_->RunOneJob("live-worker"));
  EXPECT_EQ(Scalar("SELECT state || ' ' || attempts FROM probe.jobs"), "done 2");
  EXPECT_EQ(Scalar("SELECT depth || ' ' || verdict FROM probe.verdicts WHERE video_id = '1'"), "full degraded");
}

TEST_F(ProbeServiceTest, NoDistributorMeansNoSource) {
  PutVideo(1, "h264_faststart.mp4");  // ingest has read no such bag
  auto report = service_->ProbeVideo("1", v1::PROBE_DEPTH_LIGHT);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->verdict(), v1::VERDICT_UNPLAYABLE);
  EXPECT_EQ(Codes(*report), std::set<std::string>{"NO_SOURCES"});
}

TEST_F(ProbeServiceTest, VideoSourcesAreTheBagsNodesInOrderWithTheLatestProbeAtEach) {
  Scalar(testing::ServeBagSql("dynamic:channel:1", {node_b_.Url(), node_a_.Url()}));
  PutVideo(7, "h264_faststart.mp4");
  node_b_.Put("/api/v1/assets/14", "", "video/mp4", {.status = 404});

  auto unprobed = service_->GetVideoSources("7", std::nullopt);
  ASSERT_TRUE(unprobed.ok()) << unprobed.status();
  ASSERT_EQ(unprobed->sources_size(), 2);
  EXPECT_EQ(unprobed->verdict(), v1::VERDICT_UNSPECIFIED);
  EXPECT_FALSE(unprobed->sources(0).has_media_report());

  ASSERT_TRUE(service_->ProbeVideo("7", v1::PROBE_DEPTH_FULL).ok());
  auto sources = service_->GetVideoSources("7", std::nullopt);
  ASSERT_TRUE(sources.ok()) << sources.status();
  EXPECT_EQ(sources->bag_id(), "dynamic:channel:1");
  EXPECT_EQ(sources->verdict(), v1::VERDICT_DEGRADED);
  EXPECT_GT(sources->probed_at().seconds(), 0) << "the time the probe was stored, not the epoch";
  EXPECT_TRUE(sources->findings().empty());
  ASSERT_EQ(sources->sources_size(), 2);
  const v1::VideoSource& first = sources->sources(0);
  EXPECT_EQ(first.node_endpoint(), node_b_.Url()) << "the bag's order, not the probe's shuffle";
  EXPECT_EQ(first.media_url(), node_b_.Url() + "api/v1/assets/14");
  EXPECT_EQ(first.thumbnail_url(), node_b_.Url() + "api/v1/assets/15");
  EXPECT_EQ(first.media_report().verdict(), v1::VERDICT_UNPLAYABLE);
  EXPECT_EQ(first.media_report().findings(0).code(), "NOT_FOUND");
  EXPECT_EQ(first.thumbnail_report().verdict(), v1::VERDICT_PLAYABLE);
  EXPECT_EQ(sources->sources(1).media_url(), node_a_.Url() + "api/v1/assets/14");
  EXPECT_EQ(sources->sources(1).media_report().verdict(), v1::VERDICT_PLAYABLE);
  EXPECT_EQ(Scalar("SELECT count(*) FROM probe.probes"), "1") << "reading the sources probes nothing";

  EXPECT_EQ(service_->GetVideoSources("404", std::nullopt).status().code(), absl::StatusCode::kNotFound);
  PutVideo(8, "h264_faststart.mp4", /*accepted=*/false);
  auto waiting = service_->GetVideoSources("8", std::nullopt);
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  EXPECT_TRUE(waiting->sources().empty());
  ASSERT_EQ(waiting->findings_size(), 1);
  EXPECT_EQ(waiting->findings(0).code(), "MEDIA_NOT_ACCEPTED");
}

TEST_F(ProbeServiceTest, HostSlotsPaceProbesOfOneHost) {
  EXPECT_EQ(*store_->ReserveHostSlot("http://node", 1000ms), 0ms);
  auto second = store_->ReserveHostSlot("http://node", 1000ms);
  EXPECT_GT(*second, 900ms);
  EXPECT_LE(*second, 1000ms);
  EXPECT_EQ(*store_->ReserveHostSlot("http://other", 1000ms), 0ms);
}

TEST_F(ProbeServiceTest, UrlProbesAreCheckedAndKept) {
  EXPECT_EQ(service_->ProbeUrl("file:///etc/passwd", false).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->ProbeUrl("http://a b", false).status().code(), absl::StatusCode::kInvalidArgument);
  node_a_.Put("/poster.jpg", MediaFixtures::Get()["poster.jpg"].bytes, "image/jpeg");
  auto report = service_->ProbeUrl(node_a_.UrlFor("/poster.jpg"), false);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->verdict(), v1::VERDICT_PLAYABLE);
  auto history = service_->ListProbes("", node_a_.UrlFor("/poster.jpg"), 10, "", std::nullopt);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->probes.size(), 1u);
}

// Like job probes, URL probes of one host are spaced by host_interval (through the database,
// so replicas share it); a probe whose slot comes after its deadline is not made.
TEST_F(ProbeServiceTest, UrlProbesOfOneHostArePaced) {
  constexpr auto kInterval = 1500ms;
  ProbeService paced(*store_, *resolver_, *sandbox_, metrics_, {.host_interval = kInterval});
  node_a_.Put("/poster.jpg", MediaFixtures::Get()["poster.jpg"].bytes, "image/jpeg");
  node_b_.Put("/poster.jpg", MediaFixtures::Get()["poster.jpg"].bytes, "image/jpeg");
  sandbox_->Probe({.url = node_b_.UrlFor("/poster.jpg")});  // the worker's start is not what is measured
  auto started = std::chrono::steady_clock::now();  // before the first probe reserves its slot
  auto first = paced.ProbeUrl(node_a_.UrlFor("/poster.jpg"), false);
  ASSERT_TRUE(first.ok()) << first.status();
  node_a_.ClearLog();
  auto second = paced.ProbeUrl(node_a_.UrlFor("/poster.jpg"), false);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_FALSE(node_a_.Requests().empty());
  EXPECT_GE(node_a_.Requests().front().answered_at - started, kInterval * 9 / 10)
      << "the second probe started before its slot";

  node_a_.ClearLog();
  auto hurried = paced.ProbeUrl(node_a_.UrlFor("/poster.jpg"), false, "url", SystemClock::Instance().Now() + 100ms);
  EXPECT_EQ(hurried.status().code(), absl::StatusCode::kDeadlineExceeded) << hurried.status();
  EXPECT_TRUE(node_a_.Requests().empty());
}

// With every worker busy, a URL probe waits for one only until its caller's deadline.
TEST_F(ProbeServiceTest, UrlProbeStopsWaitingForAWorkerAtItsDeadline) {
  const auto& good = MediaFixtures::Get()["h264_faststart.mp4"];
  node_a_.Put("/slow.mp4", good.bytes, good.content_type, {.trickle_bytes = 10, .trickle_interval = 100ms});
  node_b_.Put("/poster.jpg", MediaFixtures::Get()["poster.jpg"].bytes, "image/jpeg");
  absl::StatusOr<v1::ProbeReport> slow;
  std::thread busy([&] { slow = service_->ProbeUrl(node_a_.UrlFor("/slow.mp4"), false); });
  for (int i = 0; i < 1000 && node_a_.Requests().empty(); ++i) {
    std::this_thread::sleep_for(10ms);  // until the only worker is reading the slow file
  }
  ASSERT_FALSE(node_a_.Requests().empty()) << "the slow probe never started";

  auto waited = service_->ProbeUrl(node_b_.UrlFor("/poster.jpg"), false, "poster",
                                   SystemClock::Instance().Now() + 200ms);
  EXPECT_EQ(waited.status().code(), absl::StatusCode::kDeadlineExceeded) << waited.status();
  EXPECT_TRUE(node_b_.Requests().empty()) << "nothing was probed for it";

  kill(sandbox_->WorkerPids().at(0), SIGKILL);  // ends the slow probe now, not at its deadline
  busy.join();
  ASSERT_TRUE(slow.ok()) << slow.status();
  EXPECT_EQ(Codes(slow->sources(0)), std::set<std::string>{"PROBER_CRASHED"});
}

// Issue 15, deadlines everywhere: so does a video probe, and it keeps nothing.
TEST_F(ProbeServiceTest, VideoProbeStopsWaitingForAWorkerAtItsDeadline) {
  const auto& good = MediaFixtures::Get()["h264_faststart.mp4"];
  node_a_.Put("/slow.mp4", good.bytes, good.content_type, {.trickle_bytes = 10, .trickle_interval = 100ms});
  PutVideo(7, "h264_faststart.mp4");
  Scalar(testing::ServeBagSql("dynamic:channel:1", {node_b_.Url()}));
  absl::StatusOr<v1::ProbeReport> slow;
  std::thread busy([&] { slow = service_->ProbeUrl(node_a_.UrlFor("/slow.mp4"), false); });
  for (int i = 0; i < 1000 && node_a_.Requests().empty(); ++i) {
    std::this_thread::sleep_for(10ms);  // until the only worker is reading the slow file
  }
  ASSERT_FALSE(node_a_.Requests().empty()) << "the slow probe never started";

  auto waited = service_->ProbeVideo("7", v1::PROBE_DEPTH_FULL, SystemClock::Instance().Now() + 200ms);
  EXPECT_EQ(waited.status().code(), absl::StatusCode::kDeadlineExceeded) << waited.status();
  EXPECT_TRUE(node_b_.Requests().empty()) << "nothing was probed for it";

  kill(sandbox_->WorkerPids().at(0), SIGKILL);
  busy.join();
  EXPECT_EQ(Scalar("SELECT count(*) FROM probe.probes WHERE video_id = '7'"), "0");
}

}  // namespace
}  // namespace curation::probe
