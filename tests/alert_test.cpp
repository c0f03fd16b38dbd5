// Alerting over a real PostgreSQL: what is featured, read from a fake Orion; probed by the real
// prober (sandboxed workers) from fake distributors and a fake object store; incidents and
// their escalation; notifications delivered to fake Discord, PagerDuty and Alertmanager
// receivers. Time is a manual clock, so nothing sleeps through an escalation.
#include <deque>
#include <functional>
#include <stop_token>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <curation/alert/alert_grpc_service.hpp>
#include <curation/alert/alert_service.hpp>
#include <curation/alert/courier.hpp>
#include <curation/alert/monitor.hpp>
#include <curation/probe/probe_sandbox.hpp>
#include <curation/probe/probe_store.hpp>
#include <curation/probe/source_resolver.hpp>
#include <curation/server/grpc_host.hpp>

#include "auth_fixture.hpp"
#include "distribution_rows.hpp"
#include "fakes/fake_distributor.hpp"
#include "fakes/fake_orion.hpp"
#include "fakes/fake_receiver.hpp"
#include "media_fixtures.hpp"
#include "postgres_fixture.hpp"

namespace curation::alert {
namespace {

using fakes::FakeDistributor;
using fakes::FakeOrion;
using fakes::FakeReceiver;
using testing::MediaFixtures;
using namespace std::chrono_literals;

std::vector<db::PreparedStatement> Statements() {
  auto statements = AlertStore::Statements();
  for (auto& statement : probe::ProbeStore::Statements()) {
    statements.push_back(statement);
  }
  for (auto& statement : probe::SourceResolver::Statements()) {
    statements.push_back(statement);
  }
  return statements;
}

// Says what the test tells it to, for the logic that does not depend on real media: flapping,
// escalation timing, the dead man's switch.
class ScriptedProber : public SlotProber {
 public:
  v1::Verdict verdict = v1::VERDICT_PLAYABLE;
  bool broken = false;  // the prober itself fails
  int calls = 0;
  std::function<void()> while_probing;  // runs inside each probe, e.g. a shutdown beginning

  absl::StatusOr<v1::ProbeReport> ProbeAsset(const std::string&, AssetRole) override { return Answer(); }
  absl::StatusOr<v1::ProbeReport> ProbeVideo(const std::string&) override { return Answer(); }

 private:
  absl::StatusOr<v1::ProbeReport> Answer() {
    ++calls;
    if (while_probing) {
      while_probing();
    }
    if (broken) {
      return absl::UnavailableError("no worker");
    }
    v1::ProbeReport report;
    report.set_verdict(verdict);
    if (verdict == v1::VERDICT_UNPLAYABLE) {
      v1::Finding* finding = report.add_findings();
      finding->set_code("NO_PLAYABLE_SOURCE");
      finding->set_severity(v1::SEVERITY_FAILURE);
    }
    return report;
  }
};

class AlertTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    pool_ = MakePool(Statements());
    store_ = std::make_unique<AlertStore>(*pool_);
    probe_store_ = std::make_unique<probe::ProbeStore>(*pool_);
    resolver_ = std::make_unique<probe::SourceResolver>(*pool_, clock_, 1min);
    sandbox_ = std::make_unique<probe::ProbeSandbox>(
        probe::SandboxOptions{.worker_path = PROBE_WORKER_PATH, .allow_addresses = {"127.0.0.1/32"}, .workers = 1});
    probes_ = std::make_unique<probe::ProbeService>(*probe_store_, *resolver_, *sandbox_, metrics_,
                                                    probe::ProbeServiceOptions{.host_interval = 0ms});
    Scalar(testing::ServeBagSql("dynamic:channel:1", {node_a_.Url(), node_b_.Url()}));

    config_.orion_url = orion_.Url();
    config_.orion_timeout = 5s;
    config_.gleev_url = "https://gleev.example";
    config_.receivers = {{.name = "discord", .type = "discord", .url = discord_.Url("/api/webhooks/1/secret"),
                          .mention_roles = {"4242"}},
                         {.name = "pagerduty", .type = "pagerduty", .url = pagerduty_.Url("/v2/enqueue"),
                          .routing_key = std::string(32, 'k')},
                         {.name = "alertmanager", .type = "webhook", .url = alertmanager_.Url("/alerts")}};
    config_.escalation = {{0min, {"discord", "pagerduty", "alertmanager"}},
                          {15min, {"discord"}},
                          {30min, {"discord", "pagerduty"}},
                          {45min, {"discord"}}};
  }

  // The monitor and its companions, after the test has set config_ and chosen a prober.
  void Start(SlotProber& prober) {
    orion_client_ = std::make_unique<OrionClient>(orion_http_, OrionOptions{.url = config_.orion_url});
    pager_ = std::make_unique<Pager>(*store_, config_);
    monitor_ = std::make_unique<AlertMonitor>(*store_, *orion_client_, prober, *pager_, clock_, config_, metrics_);
    courier_ = std::make_unique<Courier>(*store_, courier_http_, clock_, config_, metrics_);
    service_ = std::make_unique<AlertService>(*store_, *pager_, *courier_, clock_, config_, metrics_);
  }

  // A video whose media (object 2·id) and thumbnail (2·id + 1) both nodes serve.
  void PutVideo(int id, const std::string& media_fixture) {
    std::string media = std::to_string(2 * id), thumbnail = std::to_string(2 * id + 1);
    const auto& bytes = MediaFixtures::Get()[media_fixture].bytes;
    Scalar("INSERT INTO ingest.data_objects (id, size_bytes, is_accepted, storage_bag_id) VALUES ('" + media + "', " +
           std::to_string(bytes.size()) + ", true, 'dynamic:channel:1'), ('" + thumbnail + "', " +
           std::to_string(MediaFixtures::Get()["poster.jpg"].bytes.size()) + ", true, 'dynamic:channel:1')");
    Scalar("INSERT INTO ingest.videos (id, channel_id, is_censored, media_object_id, thumbnail_object_id, created_at,"
           " created_in_block) VALUES ('" + std::to_string(id) + "', '1', false, '" + media + "', '" + thumbnail +
           "', now(), 1)");
    for (FakeDistributor* node : {&node_a_, &node_b_}) {
      node->Put("/api/v1/assets/" + media, bytes, MediaFixtures::Get()[media_fixture].content_type);
      node->Put("/api/v1/assets/" + thumbnail, MediaFixtures::Get()["poster.jpg"].bytes, "image/jpeg");
    }
  }

  // The object store the hero's cut and poster live in.
  std::string PutAsset(const std::string& path, const std::string& fixture) {
    storage_.Put(path, MediaFixtures::Get()[fixture].bytes, MediaFixtures::Get()[fixture].content_type);
    return storage_.UrlFor(path);
  }

  void MakeHero(int video, const std::string& cut_fixture) {
    std::string id = std::to_string(video);
    orion_.SetHero(id, "Video " + id, PutAsset("/cuts/" + id + ".mp4", cut_fixture),
                   PutAsset("/posters/" + id + ".jpg", "poster.jpg"), "", "Watch this");
  }

  std::vector<IncidentRow> Incidents(const std::vector<std::string>& state_names = {}) {
    std::vector<IncidentState> states;
    for (const std::string& name : state_names) {
      states.push_back(*kIncidentStates.FromDb(name));
    }
    auto incidents = store_->ListIncidents(states, 0, 100);
    EXPECT_TRUE(incidents.ok()) << incidents.status();
    return incidents.ok() ? *incidents : std::vector<IncidentRow>{};
  }

  // Moves time on in steps, ticking and delivering at each, as the running loops would.
  void RunFor(std::chrono::milliseconds span, std::chrono::milliseconds step) {
    for (auto passed = 0ms; passed < span; passed += step) {
      clock_.Advance(step);
      monitor_->Tick();
      ASSERT_TRUE(courier_->DeliverDue().ok());
    }
  }

  // The gRPC adapter over the service Start built, listening on a local port, and a stub to it.
  void Serve() {
    auth_ = std::make_unique<testing::AuthFixture>(url_);
    rpc_metrics_ = std::make_unique<server::RpcMetrics>(metrics_);
    adapter_ = std::make_unique<AlertGrpcService>(*service_, auth_->Env(*rpc_metrics_));
    host_.Register(adapter_.get(), AlertGrpcService::kName);
    ASSERT_TRUE(host_.Start({.listen = "127.0.0.1:0"}).ok());
    stub_ = v1::AlertService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(host_.port()), grpc::InsecureChannelCredentials()));
  }

  // Starts with `prober` finding the hero unplayable, and ticks once: the id of its incident.
  int64_t FiringHeroIncident(ScriptedProber& prober) {
    prober.verdict = v1::VERDICT_UNPLAYABLE;
    Start(prober);
    orion_.SetHero("7", "Video 7", "", "", "", "");
    monitor_->Tick();
    auto firing = Incidents({"firing"});
    EXPECT_EQ(firing.size(), 1u);
    return firing.empty() ? 0 : firing[0].id;
  }

  std::vector<std::string> Steps(int64_t incident) {
    auto steps = store_->QueuedSteps(incident);
    EXPECT_TRUE(steps.ok());
    return steps.ok() ? *steps : std::vector<std::string>{};
  }

  static nlohmann::json Body(const FakeReceiver::Request& request) { return nlohmann::json::parse(request.body); }

  ManualClock clock_{TimePoint(std::chrono::hours(500000))};
  MetricsRegistry metrics_;
  FakeOrion orion_;
  FakeDistributor node_a_, node_b_, storage_;
  FakeReceiver discord_, pagerduty_, alertmanager_;
  AlertConfig config_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<AlertStore> store_;
  std::unique_ptr<probe::ProbeStore> probe_store_;
  std::unique_ptr<probe::SourceResolver> resolver_;
  std::unique_ptr<probe::ProbeSandbox> sandbox_;
  std::unique_ptr<probe::ProbeService> probes_;
  HttpClient orion_http_, courier_http_;
  std::unique_ptr<OrionClient> orion_client_;
  std::unique_ptr<Pager> pager_;
  std::unique_ptr<AlertMonitor> monitor_;
  std::unique_ptr<Courier> courier_;
  std::unique_ptr<AlertService> service_;
  std::unique_ptr<testing::AuthFixture> auth_;
  std::unique_ptr<server::RpcMetrics> rpc_metrics_;
  std::unique_ptr<AlertGrpcService> adapter_;
  server::GrpcHost host_;  // after what it serves, so it stops first
  std::unique_ptr<v1::AlertService::Stub> stub_;
};

TEST_F(AlertTest, AnUnplayableHeroPagesInTheFirstCycleAndItsFixResolves) {
  LocalSlotProber prober(*probes_);
  Start(prober);
  PutVideo(7, "h264_faststart.mp4");
  MakeHero(7, "h264_moov_at_end.mp4");  // a hero cut must start playing at once

  monitor_->Tick();
  auto open = Incidents({"firing"});
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].alertname, "HeroVideoUnplayable");
  EXPECT_EQ(open[0].incident_key, "hero:7");
  EXPECT_NE(open[0].reason.find("cut: NOT_FASTSTART"), std::string::npos) << open[0].reason;
  EXPECT_EQ(open[0].deadline - open[0].broke_at, 1h);
  ASSERT_TRUE(courier_->DeliverDue().ok());

  ASSERT_EQ(discord_.Accepted(), 1u);
  nlohmann::json page = Body(discord_.Requests()[0]);
  EXPECT_NE(page["content"].get<std::string>().find("<@&4242>"), std::string::npos);
  EXPECT_EQ(page["allowed_mentions"]["roles"], nlohmann::json::array({"4242"}));
  ASSERT_EQ(pagerduty_.Accepted(), 1u);
  EXPECT_EQ(Body(pagerduty_.Requests()[0])["event_action"], "trigger");
  EXPECT_EQ(Body(pagerduty_.Requests()[0])["dedup_key"], "hero:7");
  ASSERT_EQ(alertmanager_.Accepted(), 1u);
  EXPECT_EQ(Body(alertmanager_.Requests()[0])["status"], "firing");

  // The cut is re-encoded with its index first: the next round's two passing probes resolve.
  PutAsset("/cuts/7.mp4", "h264_faststart.mp4");
  RunFor(config_.probe_interval, config_.probe_interval);
  EXPECT_TRUE(Incidents({"firing", "acknowledged"}).empty());
  auto incident = store_->GetIncident(open[0].id);
  ASSERT_TRUE(incident.ok());
  EXPECT_EQ(kIncidentStates.Db(incident->state), "resolved");
  EXPECT_EQ(incident->resolution, "plays again (two passing probes)");
  ASSERT_EQ(discord_.Accepted(), 2u);
  EXPECT_EQ(Body(discord_.Requests()[1])["allowed_mentions"]["parse"], nlohmann::json::array());
  EXPECT_EQ(Body(pagerduty_.Requests()[1])["event_action"], "resolve");
  EXPECT_EQ(Body(alertmanager_.Requests()[1])["status"], "resolved");
  std::vector<std::string> kinds;
  for (const auto& event : incident->events) {
    kinds.emplace_back(kIncidentEventKinds.Db(event.kind));
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"opened", "paged", "resolved"}));
}

TEST_F(AlertTest, SwitchingTheHeroToAPlayableVideoResolves) {
  LocalSlotProber prober(*probes_);
  Start(prober);
  PutVideo(7, "h264_faststart.mp4");
  PutVideo(8, "h264_faststart.mp4");
  MakeHero(7, "truncated_faststart.mp4");
  monitor_->Tick();
  ASSERT_EQ(Incidents({"firing"}).size(), 1u);

  MakeHero(8, "h264_faststart.mp4");
  RunFor(config_.poll_interval, config_.poll_interval);
  auto all = Incidents();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(kIncidentStates.Db(all[0].state), "resolved");
  EXPECT_EQ(all[0].resolution, "no longer featured in this slot");
  auto slots = store_->CurrentFeatured();
  ASSERT_TRUE(slots.ok());
  ASSERT_EQ(slots->size(), 1u);
  EXPECT_EQ((*slots)[0].video.video_id, "8");
  EXPECT_EQ(SlotStatusDb((*slots)[0].status), "playable");
  auto history = store_->FeaturedHistory(10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].video.video_id, "7");
}

TEST_F(AlertTest, AFeaturedVideoWithNoPlayableSourcePagesForItsCategory) {
  LocalSlotProber prober(*probes_);
  Start(prober);
  PutVideo(9, "h264_422.mp4");  // 4:2:2 plays in no browser
  orion_.SetFeatured("254433-2", "Music", {{"9", "Video 9", ""}});
  monitor_->Tick();
  auto open = Incidents({"firing"});
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].alertname, "FeaturedVideoUnplayable");
  EXPECT_EQ(open[0].slot, "category:254433-2");
  EXPECT_EQ(open[0].category_name, "Music");
}

TEST_F(AlertTest, AReceiverDownForTwoMinutesGetsThePageOnceItIsBack) {
  ScriptedProber prober;
  prober.verdict = v1::VERDICT_UNPLAYABLE;
  Start(prober);
  orion_.SetHero("7", "Video 7", "", "", "", "");
  discord_.SetDown(true);
  monitor_->Tick();
  ASSERT_TRUE(courier_->DeliverDue().ok());
  RunFor(2min, 5s);
  size_t tries = discord_.Requests().size();
  EXPECT_GE(tries, 3u);
  EXPECT_EQ(discord_.Accepted(), 0u);

  discord_.SetDown(false);
  RunFor(6min, 5s);  // the backoff has grown to minutes by now
  EXPECT_EQ(discord_.Accepted(), 1u);
  RunFor(5min, 30s);
  EXPECT_EQ(discord_.Accepted(), 1u) << "the same page must not be sent twice";
  auto incident = store_->GetIncident(Incidents()[0].id);
  ASSERT_TRUE(incident.ok());
  for (const NotificationRow& notification : incident->notifications) {
    if (notification.receiver == "discord" && notification.step == "page:0") {
      EXPECT_EQ(kNotificationStates.Db(notification.state), "sent");
      EXPECT_GT(notification.attempts, 3);
    }
  }
}

TEST_F(AlertTest, ADiscord429WithRetryAfterIsHonoured) {
  ScriptedProber prober;
  prober.verdict = v1::VERDICT_UNPLAYABLE;
  Start(prober);
  orion_.SetHero("7", "Video 7", "", "", "", "");
  discord_.RespondNext(429, R"({"message": "You are being rate limited.", "retry_after": 7.5, "global": false})");
  monitor_->Tick();
  ASSERT_TRUE(courier_->DeliverDue().ok());
  ASSERT_EQ(discord_.Requests().size(), 1u);
  clock_.Advance(7s);
  ASSERT_TRUE(courier_->DeliverDue().ok());
  EXPECT_EQ(discord_.Requests().size(), 1u) << "sent again before retry_after";
  clock_.Advance(1s);
  ASSERT_TRUE(courier_->DeliverDue().ok());
  EXPECT_EQ(discord_.Requests().size(), 2u);
  EXPECT_EQ(discord_.Accepted(), 1u);
}

TEST_F(AlertTest, AReceiverThatRefusesIsNotRetried) {
  ScriptedProber prober;
  prober.verdict = v1::VERDICT_UNPLAYABLE;
  Start(prober);
  orion_.SetHero("7", "Video 7", "", "", "", "");
  discord_.RespondNext(404, R"({"message": "Unknown Webhook", "code": 10015})");
  monitor_->Tick();
  RunFor(10min, 30s);
  EXPECT_EQ(discord_.Requests().size(), 1u);
  auto incident = store_->GetIncident(Incidents()[0].id);
  ASSERT_TRUE(incident.ok());
  for (const NotificationRow& notification : incident->notifications) {
    if (notification.receiver == "discord") {
      EXPECT_EQ(kNotificationStates.Db(notification.state), "failed");
      EXPECT_EQ(notification.last_status, 404);
    }
  }
}

TEST_F(AlertTest, AFlappingVideoDoesNotPageTwiceForOneIncident) {
  ScriptedProber prober;
  prober.verdict = v1::VERDICT_UNPLAYABLE;
  config_.confirm_after = 30s;  // one counted probe per tick, so the flaps fall between them
  Start(prober);
  orion_.SetHero("7", "Video 7", "", "", "", "");
  monitor_->Tick();
  EXPECT_TRUE(Incidents().empty()) << "one failing probe is not enough";
  RunFor(30s, 30s);
  ASSERT_EQ(Incidents().size(), 1u);
  for (int flap = 0; flap < 4; ++flap) {
    prober.verdict = v1::VERDICT_PLAYABLE;
    RunFor(config_.probe_interval, config_.probe_interval);
    prober.verdict = v1::VERDICT_UNPLAYABLE;
    RunFor(1min, 30s);
  }
  auto all = Incidents();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(kIncidentStates.Db(all[0].state), "firing");
  // Within the first 15 minutes of the incident: the first page only, once per receiver.
  EXPECT_EQ(discord_.Accepted(), 2u) << "page:0 and the 15-minute step";
  EXPECT_EQ(pagerduty_.Accepted(), 1u);
}

// Issue 14: a shutdown (SIGTERM) that began while a probe ran opened incidents and paged,
// since the probe failed because of the shutdown. Nothing is decided once it has begun.
TEST_F(AlertTest, NothingIsOpenedOrPagedOnceAShutdownHasBegun) {
  ScriptedProber prober;
  prober.verdict = v1::VERDICT_UNPLAYABLE;
  Start(prober);
  orion_.SetHero("7", "Video 7", "", "", "", "");

  std::stop_source shutdown;
  prober.while_probing = [&] { shutdown.request_stop(); };
  monitor_->Tick(shutdown.get_token());
  EXPECT_EQ(prober.calls, 1) << "no probe starts after the stop";
  EXPECT_TRUE(Incidents().empty());
  monitor_->Tick(shutdown.get_token());
  EXPECT_EQ(prober.calls, 1);
  EXPECT_EQ(Scalar("SELECT count(*) FROM alert.outbox"), "0");

  // The same slot, with no shutdown, opens its incident and pages in one tick.
  prober.while_probing = nullptr;
  monitor_->Tick();
  EXPECT_EQ(Incidents({"firing"}).size(), 1u);
  EXPECT_NE(Scalar("SELECT count(*) FROM alert.outbox"), "0");
}

TEST_F(AlertTest, EscalatesUntilAcknowledgedAndStillNoticesTheBreach) {
  ScriptedProber prober;
  prober.verdict = v1::VERDICT_UNPLAYABLE;
  Start(prober);
  orion_.SetHero("7", "Video 7", "", "", "", "");
  monitor_->Tick();
  auto incident = Incidents()[0];
  EXPECT_EQ(Steps(incident.id), (std::vector<std::string>{"page:0"}));
  RunFor(16min, 1min);
  EXPECT_EQ(Steps(incident.id), (std::vector<std::string>{"page:0", "page:1"}));

  auth::Principal curator{.id = 1, .name = "alice", .role = auth::Role::kCurator};
  auto acknowledged = service_->Acknowledge(curator, incident.id, "re-uploading the cut");
  ASSERT_TRUE(acknowledged.ok()) << acknowledged.status();
  EXPECT_EQ(kIncidentStates.Db(acknowledged->state), "acknowledged");
  EXPECT_EQ(acknowledged->acknowledged_by, "alice");
  RunFor(45min, 1min);  // past 30 and 45 minutes: no more pages, but past the deadline
  EXPECT_EQ(Steps(incident.id), (std::vector<std::string>{"acknowledged", "breach", "page:0", "page:1"}));
  auto breached = store_->GetIncident(incident.id);
  ASSERT_TRUE(breached.ok());
  EXPECT_TRUE(breached->breached);
  EXPECT_EQ(Body(pagerduty_.Requests().back())["event_action"], "trigger");  // the breach
  EXPECT_EQ(Body(pagerduty_.Requests()[1])["event_action"], "acknowledge");
  // Acknowledging twice keeps the first; the lead resolves with a note.
  auth::Principal lead{.id = 2, .name = "lena", .role = auth::Role::kLead};
  EXPECT_EQ(service_->Acknowledge(lead, incident.id, "")->acknowledged_by, "alice");
  EXPECT_EQ(service_->Resolve(lead, incident.id, "").status().code(), absl::StatusCode::kInvalidArgument);
  auto resolved = service_->Resolve(lead, incident.id, "set another hero");
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->resolved_by, "lena");
  EXPECT_EQ(service_->Resolve(lead, incident.id, "again").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(service_->Acknowledge(curator, incident.id, "").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(service_->GetIncident(999).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(AlertTest, ASilencedSlotOpensIncidentsWithoutPaging) {
  ScriptedProber prober;
  prober.verdict = v1::VERDICT_UNPLAYABLE;
  Start(prober);
  auth::Principal lead{.id = 2, .name = "lena", .role = auth::Role::kLead};
  ASSERT_TRUE(service_->Silence(lead, "hero", 2h, "the hero is being replaced tonight").ok());
  EXPECT_EQ(service_->Silence(lead, "hero", 2h, "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->Silence(lead, "sidebar", 2h, "x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->Silence(lead, "hero", 30 * 24h, "x").status().code(), absl::StatusCode::kInvalidArgument);
  orion_.SetHero("7", "Video 7", "", "", "", "");
  monitor_->Tick();
  ASSERT_EQ(Incidents().size(), 1u);
  RunFor(30min, 5min);
  EXPECT_EQ(discord_.Requests().size(), 0u);
  auto slots = service_->ListSlots(false, 0);
  ASSERT_TRUE(slots.ok());
  ASSERT_EQ(slots->current.size(), 1u);
  EXPECT_TRUE(slots->current[0].silence.has_value());
  EXPECT_EQ(slots->current[0].open_incident_id, Incidents()[0].id);
}

TEST_F(AlertTest, TheDeadMansSwitchPagesWhenProbesOrPollsStop) {
  ScriptedProber prober;
  Start(prober);
  orion_.SetHero("7", "Video 7", "", "", "", "");
  monitor_->Tick();
  EXPECT_TRUE(Incidents().empty());
  prober.broken = true;
  RunFor(16min, 1min);
  auto open = Incidents({"firing"});
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].alertname, "ProbesStalled");
  EXPECT_GE(discord_.Accepted(), 1u);
  prober.broken = false;
  RunFor(1min, 1min);
  EXPECT_TRUE(Incidents({"firing"}).empty());

  orion_.SetFailure(FakeOrion::Failure::kDown);
  RunFor(16min, 1min);
  open = Incidents({"firing"});
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].alertname, "FeaturingUnknown");
}

TEST_F(AlertTest, TheLeadTestsAReceiver) {
  ScriptedProber prober;
  Start(prober);
  auth::Principal lead{.id = 2, .name = "lena", .role = auth::Role::kLead};
  auto sent = service_->SendTest(lead, "discord");
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(kNotificationStates.Db(sent->state), "sent");
  EXPECT_EQ(discord_.Accepted(), 1u);
  EXPECT_EQ(service_->SendTest(lead, "nobody").status().code(), absl::StatusCode::kNotFound);
  discord_.RespondNext(404, "{}");
  auto refused = service_->SendTest(lead, "discord");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(kNotificationStates.Db(refused->state), "failed");
}

TEST_F(AlertTest, EveryRpcAnswersOnlyItsRoles) {
  ScriptedProber prober;
  Start(prober);
  Serve();
  v1::ListIncidentsResponse list;
  v1::Incident incident;
  v1::ListSlotsResponse slots;
  v1::Silence silence;
  v1::Notification notification;
  v1::ResolveIncidentRequest resolve;
  resolve.set_note("done");
  v1::SilenceSlotRequest silence_request;
  silence_request.set_slot("hero");
  silence_request.set_reason("maintenance");
  silence_request.mutable_duration()->set_seconds(60);
  v1::SendTestNotificationRequest test;
  test.set_receiver("alertmanager");
  testing::ExpectRoleMatrix(
      *auth_, {{"AlertService/ListIncidents", auth::RoleSet::All(),
                [&](grpc::ClientContext* c) { return stub_->ListIncidents(c, {}, &list); }},
               {"AlertService/GetIncident", auth::RoleSet::All(),
                [&](grpc::ClientContext* c) { return stub_->GetIncident(c, {}, &incident); }},
               {"AlertService/AcknowledgeIncident", auth::RoleSet{auth::Role::kCurator, auth::Role::kLead},
                [&](grpc::ClientContext* c) { return stub_->AcknowledgeIncident(c, {}, &incident); }},
               {"AlertService/ResolveIncident", auth::RoleSet{auth::Role::kLead},
                [&](grpc::ClientContext* c) { return stub_->ResolveIncident(c, resolve, &incident); }},
               {"AlertService/ListSlots", auth::RoleSet::All(),
                [&](grpc::ClientContext* c) { return stub_->ListSlots(c, {}, &slots); }},
               {"AlertService/SilenceSlot", auth::RoleSet{auth::Role::kLead},
                [&](grpc::ClientContext* c) { return stub_->SilenceSlot(c, silence_request, &silence); }},
               {"AlertService/SendTestNotification", auth::RoleSet{auth::Role::kLead},
                [&](grpc::ClientContext* c) { return stub_->SendTestNotification(c, test, &notification); }}});
  // A span whose milliseconds would wrap round to a valid one is refused, not wrapped.
  silence_request.mutable_duration()->set_seconds(18'446'744'073'709'552);  // in milliseconds, 2^64 + 384
  grpc::Status wrapped = stub_->SilenceSlot(auth_->Context(auth::Role::kLead).get(), silence_request, &silence);
  EXPECT_EQ(wrapped.error_code(), grpc::INVALID_ARGUMENT) << wrapped.error_message();
  host_.Shutdown(1s);
}

TEST_F(AlertTest, AnExpiredDeadlineIsAnsweredWithoutWork) {
  ScriptedProber prober;
  Start(prober);
  Serve();
  v1::ListIncidentsResponse response;
  grpc::Status status = stub_->ListIncidents(auth_->Context(auth::Role::kLead, 0ms).get(), {}, &response);
  EXPECT_EQ(status.error_code(), grpc::DEADLINE_EXCEEDED);
}

// Every call takes its caller's deadline: once it has passed, nothing is read or written.
TEST_F(AlertTest, EveryCallHonoursItsDeadline) {
  ScriptedProber prober;
  const int64_t id = FiringHeroIncident(prober);
  const std::string queued = Scalar("SELECT count(*) FROM alert.outbox");

  const TimePoint passed = SystemClock::Instance().Now() - 1s;
  auth::Principal lead{.id = 2, .name = "lena", .role = auth::Role::kLead};
  auto code = [](const auto& result) { return result.status().code(); };
  EXPECT_EQ(code(service_->ListIncidents({}, 0, "", passed)), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(code(service_->GetIncident(id, passed)), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(code(service_->Acknowledge(lead, id, "on it", passed)), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(code(service_->Resolve(lead, id, "set another hero", passed)), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(code(service_->ListSlots(true, 0, passed)), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(code(service_->Silence(lead, "hero", 1h, "maintenance", passed)), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(code(service_->SendTest(lead, "discord", passed)), absl::StatusCode::kDeadlineExceeded);

  EXPECT_EQ(kIncidentStates.Db(Incidents()[0].state), "firing");
  EXPECT_EQ(Scalar("SELECT count(*) FROM alert.silences"), "0");
  EXPECT_EQ(Scalar("SELECT count(*) FROM alert.outbox"), queued) << "no notice queued, not even the test's";
  EXPECT_EQ(discord_.Requests().size(), 0u);
}

// The adapter passes the call's deadline down: an acknowledgement that waits for a locked row
// gives up at the deadline instead of acknowledging once the lock goes, long after its caller
// was told DEADLINE_EXCEEDED.
TEST_F(AlertTest, AnAcknowledgementWaitingPastItsDeadlineDoesNothing) {
  ScriptedProber prober;
  const int64_t id = FiringHeroIncident(prober);
  Serve();

  pqxx::connection locker(url_);
  pqxx::work lock(locker);
  lock.exec("SELECT 1 FROM alert.incidents WHERE id = " + std::to_string(id) + " FOR UPDATE");
  v1::AcknowledgeIncidentRequest request;
  request.set_id(id);
  v1::Incident incident;
  grpc::Status status = stub_->AcknowledgeIncident(auth_->Context(auth::Role::kCurator, 500ms).get(), request,
                                                   &incident);
  EXPECT_EQ(status.error_code(), grpc::DEADLINE_EXCEEDED);
  // Until the handler's statement stops waiting for the lock (the pool's own timeout is 30 s).
  bool waiting = true;
  for (int tries = 0; tries < 200 && waiting; ++tries) {
    waiting = Scalar("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                     " AND query LIKE 'UPDATE alert.incidents%'") != "0";
    std::this_thread::sleep_for(100ms);
  }
  lock.abort();
  host_.Shutdown(5s);  // waits for the handler
  EXPECT_FALSE(waiting) << "the statement still waited 20 s after the deadline";
  EXPECT_EQ(kIncidentStates.Db(Incidents()[0].state), "firing");
}

}  // namespace
}  // namespace curation::alert
