// Playability: the media checks against real media encoded by FFmpeg during the run, served
// by a fake distributor; the sandbox; the service over a real PostgreSQL.

#include <signal.h>
#include <unistd.h>

#include <fstream>
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

#include "fakes/fake_distributor.hpp"
#include "fakes/fake_query_node.hpp"
#include "media_fixtures.hpp"
#include "postgres_fixture.hpp"

namespace curation::probe {
namespace {

using fakes::FakeDistributor;
using fakes::FakeQueryNode;
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

}  // namespace
}  // namespace curation::probe
