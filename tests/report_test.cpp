// The council's report over a seeded day: uploads ingested from a fake query node, decisions
// made through ReviewService, chain events reconciled into the log, incidents opened and
// resolved through AlertStore; then every number and list of the report, in every format.

#include <array>
#include <regex>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <curation/alert/alert_store.hpp>
#include <curation/common/time_format.hpp>
#include <curation/ingest/ingestor.hpp>
#include <curation/modlog/reconciler.hpp>
#include <curation/report/report_grpc_service.hpp>
#include <curation/review/feed_consumer.hpp>
#include <curation/review/review_service.hpp>
#include <curation/server/grpc_host.hpp>
#include <fakes/fake_query_node.hpp>

#include "auth_fixture.hpp"
#include "postgres_fixture.hpp"

namespace curation::report {
namespace {

using namespace std::chrono_literals;
using fakes::FakeQueryNode;

const TimePoint kGenesis = TimePoint(std::chrono::milliseconds(FakeQueryNode::kGenesisUnixMs));
// The day reported on.
const TimePoint kDay = kGenesis + 200h;

const Links kLinks{.gleev_url = "https://gleev.example",
                   .explorer_url = "https://explorer.example/block/{block}",
                   .network = "testnet"};

int64_t Millis(TimePoint at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

int64_t BlockAt(TimePoint at) { return (Millis(at) - FakeQueryNode::kGenesisUnixMs) / FakeQueryNode::kBlockMillis; }

// RFC 4180 with ';', as a spreadsheet would read it.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        cell += ch;
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ';') {
      rows.back().push_back(std::move(cell));
      cell.clear();
    } else if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(std::move(cell));
      cell.clear();
      rows.emplace_back();
      ++i;
    } else {
      cell += ch;
    }
  }
  if (rows.back().empty()) {
    rows.pop_back();
  }
  return rows;
}

class ReportTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    std::vector<db::PreparedStatement> statements;
    for (auto* more : {&ingest::IngestStore::Statements, &review::ReviewStore::Statements,
                       &modlog::LogStore::Statements, &modlog::Reconciler::Statements, &alert::AlertStore::Statements,
                       &ReportStore::Statements}) {
      for (auto& statement : more()) {
        statements.push_back(statement);
      }
    }
    pool_ = MakePool(statements, 6);
    ingest_store_ = std::make_unique<ingest::IngestStore>(*pool_);
    client_ = std::make_unique<ingest::QueryNodeClient>(fake_.Url(), 2s, 4 << 20);
    ingestor_ = std::make_unique<ingest::Ingestor>(*ingest_store_, *client_, IngestConfig{}, 100, metrics_);
    review_store_ = std::make_unique<review::ReviewStore>(*pool_);
    consumer_ = std::make_unique<review::FeedConsumer>(*review_store_, *pool_, ReviewConfig{}, metrics_);
    review_ = std::make_unique<review::ReviewService>(*review_store_, clock_, ReviewConfig{}, metrics_);
    log_store_ = std::make_unique<modlog::LogStore>(*pool_);
    log_ = std::make_unique<modlog::ModerationLogService>(*log_store_);
    reconciler_ = std::make_unique<modlog::Reconciler>(*pool_, clock_, metrics_);
    alert_store_ = std::make_unique<alert::AlertStore>(*pool_);
    store_ = std::make_unique<ReportStore>(*pool_);
    ReportConfig config;
    config.terms = {{.number = 7, .start = kDay, .end = kDay + 24h}, {.number = 9, .start = kDay + 24h * 30, .end = kDay + 24h * 500}};
    service_ = std::make_unique<ReportService>(*store_, *log_, clock_, config, kLinks);
    // The log began long before the seeded day: chain actions in it are not "preexisting".
    Exec("UPDATE modlog.genesis SET started_at = '2022-12-01T00:00:00Z'");
    // Curators known by their worker ids, as on chain.
    Exec("INSERT INTO auth.principals (name, role, worker_id, token_hash) VALUES"
         " ('cora', 'curator', 7, sha256('cora')), ('dan', 'curator', 9, sha256('dan')),"
         " ('lena', 'lead', 1, sha256('lena'))");
  }

  void Exec(const std::string& sql) {
    pqxx::connection connection(url_);
    pqxx::work tx(connection);
    tx.exec(sql);
    tx.commit();
  }

  void Upload(int id, TimePoint at) {
    fake_.PutVideo(FakeQueryNode::MakeVideo(id, BlockAt(at), FakeQueryNode::IsoTime(Millis(at)), "7"));
  }

  // Ingest what the fake holds, raise review items, reconcile chain events, at the clock's time.
  void CatchUp() {
    ASSERT_TRUE(ingestor_->PollOnce().ok());
    ASSERT_TRUE(consumer_->Drain().ok());
    ASSERT_TRUE(reconciler_->Drain().ok());
    ASSERT_TRUE(consumer_->Drain().ok());  // items for unjustified chain actions
  }

  void At(TimePoint at) { clock_.Advance(std::chrono::duration_cast<std::chrono::milliseconds>(at - clock_.Now())); }

  int64_t ItemOf(const std::string& video) {
    return std::stoll(Scalar("SELECT id FROM review.items WHERE target_kind = 'video' AND target_id = '" + video +
                             "' AND reason = 'new_video'"));
  }

  // The curator takes this video's item and decides it; returns the log entry.
  int64_t Decide(const auth::Principal& who, const std::string& video, const std::string& action,
                 std::vector<std::string> codes = {}, std::string justification = "") {
    int64_t item = ItemOf(video);
    Exec("UPDATE review.items SET state = 'claimed', lease_holder = '" + who.name +
         "', lease_expires_at = to_timestamp(" + std::to_string(Millis(clock_.Now() + 10min) / 1000) +
         ") WHERE id = " + std::to_string(item));
    auto decision = review_->DecideItem(who, {.item_id = item,
                                              .action = action,
                                              .justification = std::move(justification),
                                              .policy_codes = std::move(codes)});
    EXPECT_TRUE(decision.ok()) << decision.status();
    return decision.ok() ? decision->record.entry_id : 0;
  }

  int64_t OpenIncident(const std::string& slot, const std::string& video, TimePoint broke) {
    auto opened = alert_store_->OpenIncident({.incident_key = slot + ":" + video,
                                              .alertname = "FeaturedVideoUnplayable",
                                              .slot = slot,
                                              .video_id = video,
                                              .video_title = "Featured " + video,
                                              .reason = "no decodable video frames",
                                              .broke_at = broke,
                                              .opened_at = broke,
                                              .deadline = broke + 1h});
    EXPECT_TRUE(opened.ok() && opened->has_value());
    return opened.ok() && opened->has_value() ? (**opened).id : 0;
  }

  // The seeded day: known uploads, decisions, chain actions and incidents.
  void SeedDay() {
    fake_.PutChannel(FakeQueryNode::MakeChannel(7, 1000, FakeQueryNode::BlockIso(1000)));
    Upload(4, kDay - 30h);  // due at 06:00, decided at 08:00: late
    Upload(5, kDay - 35h);  // due at 01:00, never decided
    Upload(6, kDay - 50h);  // due the day before, never decided
    Upload(1, kDay + 1h);
    Upload(2, kDay + 1h);
    Upload(3, kDay + 2h);
    Upload(7, kDay + 3h);
    Upload(8, kDay + 4h);
    At(kDay + 2h);
    CatchUp();
    Decide(cora_, "1", "approve");
    At(kDay + 3h);
    censor_3_ = Decide(cora_, "3", "censor", {"copyright"}, "A full episode of a broadcaster's show, no licence.");
    At(kDay + 4h);
    fake_.PutEvent(FakeQueryNode::EventKind::kVideoVisibility,
                   FakeQueryNode::MakeVideoVisibilityEvent(
                       "TEST-" + std::to_string(BlockAt(kDay + 4h)) + "-1", BlockAt(kDay + 4h), 1, 3, true,
                       "curation-log#" + std::to_string(censor_3_) + " [copyright]", "", FakeQueryNode::CuratorActor("7")));
    CatchUp();
    At(kDay + 5h);
    censor_8_ = Decide(cora_, "8", "censor", {"copyright"}, "Reupload of a film trailer owned by a studio.");
    fake_.PutEvent(FakeQueryNode::EventKind::kVideoAssetsDeleted,
                   FakeQueryNode::MakeVideoAssetsDeletedEvent(
                       "TEST-" + std::to_string(BlockAt(kDay + 5h)) + "-2", BlockAt(kDay + 5h), 2, 3, {31, 32}, false,
                       "curation-log#" + std::to_string(censor_3_), "", FakeQueryNode::CuratorActor("7")));
    CatchUp();
    At(kDay + 6h);
    Decide(cora_, "2", "warn", {"thumbnail"}, "The thumbnail is a blank frame; please upload a real one.");
    At(kDay + 8h);
    Decide(dan_, "4", "approve");
    At(kDay + 10h);
    fake_.PutEvent(FakeQueryNode::EventKind::kVideoVisibility,
                   FakeQueryNode::MakeVideoVisibilityEvent(
                       "TEST-" + std::to_string(BlockAt(kDay + 10h)) + "-1", BlockAt(kDay + 10h), 1, 7, true, "spam",
                       "", FakeQueryNode::CuratorActor("9")));
    CatchUp();
    At(kDay + 12h);
    auto reverted = review_->RevertDecision(lead_, censor_8_, "The uploader showed the studio's licence.", "");
    ASSERT_TRUE(reverted.ok()) << reverted.status();

    // The hero stays broken for 70 minutes; a featured video is fixed in 20.
    int64_t hero = OpenIncident("hero", "1", kDay + 13h);
    ASSERT_TRUE(alert_store_->Acknowledge(hero, "cora", "on it", kDay + 13h + 10min).ok());
    ASSERT_TRUE(alert_store_->MarkBreached(hero, kDay + 14h).ok());
    ASSERT_TRUE(alert_store_->Resolve(hero, "", "plays again", kDay + 14h + 10min).ok());
    int64_t featured = OpenIncident("category:2", "2", kDay + 15h);
    ASSERT_TRUE(alert_store_->Resolve(featured, "lena", "replaced the video", kDay + 15h + 20min).ok());
    int64_t watchdog = OpenIncident("watchdog", "orion", kDay + 16h);
    ASSERT_TRUE(alert_store_->Resolve(watchdog, "", "polls again", kDay + 16h + 5min).ok());
    At(kDay + 25h);
  }

  absl::StatusOr<RenderedReport> Generate(const std::string& format) {
    return service_->Generate({.from = kDay, .to = kDay + 24h, .format = format});
  }

  FakeQueryNode fake_;
  ManualClock clock_{kDay};
  MetricsRegistry metrics_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<ingest::IngestStore> ingest_store_;
  std::unique_ptr<ingest::QueryNodeClient> client_;
  std::unique_ptr<ingest::Ingestor> ingestor_;
  std::unique_ptr<review::ReviewStore> review_store_;
  std::unique_ptr<review::FeedConsumer> consumer_;
  std::unique_ptr<review::ReviewService> review_;
  std::unique_ptr<modlog::LogStore> log_store_;
  std::unique_ptr<modlog::ModerationLogService> log_;
  std::unique_ptr<modlog::Reconciler> reconciler_;
  std::unique_ptr<alert::AlertStore> alert_store_;
  std::unique_ptr<ReportStore> store_;
  std::unique_ptr<ReportService> service_;
  const auth::Principal cora_{.id = 1, .name = "cora", .role = auth::Role::kCurator, .worker_id = 7};
  const auth::Principal dan_{.id = 2, .name = "dan", .role = auth::Role::kCurator, .worker_id = 9};
  const auth::Principal lead_{.id = 3, .name = "lena", .role = auth::Role::kLead, .worker_id = 1};
  int64_t censor_3_ = 0;
  int64_t censor_8_ = 0;
};


TEST_F(ReportTest, TheSeededDayHasExactlyItsActionsErrorsAndStatistics) {
  SeedDay();
  auto report = service_->Build({.from = kDay, .to = kDay + 24h});
  ASSERT_TRUE(report.ok()) << report.status();

  // Every action but approvals and the hide that carried out a censor (which is the censor's
  // chain status), in the order they were logged.
  std::vector<std::string> actions;
  for (const Action& action : report->actions) {
    actions.push_back(std::string(kActionKinds.Db(action.action)) + " " + action.target_id);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"censor 3", "censor 8", "delete_assets 3", "warn 2", "hide 7",
                                               "revert 8"}));
  ASSERT_EQ(report->actions.size(), 6u);
  const Action& censor = report->actions[0];
  EXPECT_EQ(censor.entry_id, censor_3_);
  EXPECT_EQ(censor.curator.name, "cora");
  EXPECT_EQ(censor.curator.worker_id, 7);
  EXPECT_EQ(censor.policy_codes, std::vector<std::string>{"copyright"});
  EXPECT_EQ(kChainStatuses.Db(censor.chain.status), "confirmed");
  EXPECT_EQ(censor.chain.block, BlockAt(kDay + 4h));
  EXPECT_EQ(censor.channel_id, "7");
  EXPECT_FALSE(censor.title.empty());
  EXPECT_EQ(kChainStatuses.Db(report->actions[1].chain.status), "pending");
  const Action& deletion = report->actions[2];
  EXPECT_EQ(kChainStatuses.Db(deletion.chain.status), "confirmed");
  EXPECT_EQ(deletion.chain.block, BlockAt(kDay + 5h));
  EXPECT_EQ(deletion.applies_entry_id, censor_3_);
  EXPECT_EQ(deletion.justification, censor.justification);
  EXPECT_EQ(deletion.curator.name, "cora") << "curator 7 on chain is cora";
  EXPECT_EQ(deletion.at, kDay + 5h);
  EXPECT_EQ(kChainStatuses.Db(report->actions[3].chain.status), "off_chain");
  const Action& hide = report->actions[4];
  EXPECT_EQ(kChainStatuses.Db(hide.chain.status), "unjustified");
  EXPECT_EQ(hide.curator.name, "dan");
  EXPECT_EQ(hide.chain.rationale, "spam");
  EXPECT_EQ(report->actions[5].reverts_entry_id, censor_8_);
  EXPECT_EQ(report->actions[5].curator.name, "lena");

  // Error 1: video 4 decided two hours late, video 5 never; 6 fell due the day before.
  std::vector<std::string> late, open;
  for (const LateVideo& video : report->late_videos) {
    late.push_back(video.video_id);
  }
  for (const LateVideo& video : report->open_past_due) {
    open.push_back(video.video_id);
  }
  EXPECT_EQ(late, (std::vector<std::string>{"5", "4"}));
  EXPECT_EQ(open, (std::vector<std::string>{"6", "5"}));
  EXPECT_EQ(report->late_videos[1].decided_at, kDay + 8h);
  EXPECT_EQ(report->late_videos[1].decision, "approve");
  EXPECT_EQ(report->late_videos[1].decided_by, "dan");
  EXPECT_FALSE(report->late_videos[0].decided_at);

  // Error 2: dan's hide nobody justified, and the censor the lead reverted.
  ASSERT_EQ(report->unjustified.size(), 1u);
  EXPECT_EQ(report->unjustified[0].target_id, "7");
  ASSERT_EQ(report->challenged.size(), 2u);
  EXPECT_EQ(report->challenged[0].entry_id, censor_8_);
  EXPECT_TRUE(report->challenged[0].reverted);
  EXPECT_EQ(report->challenged[0].reverted_at, kDay + 12h);
  EXPECT_EQ(report->challenged[1].target_id, "7");
  EXPECT_EQ(kChallenges.Db(report->challenged[1].challenge), "unjustified");
  EXPECT_FALSE(report->challenged[1].reverted);
  EXPECT_EQ(report->ChallengedNotReverted(), 1);

  // Error 3.
  EXPECT_TRUE(report->log.intact) << report->log.problem;
  EXPECT_EQ(report->log.unsealed, 0);
  EXPECT_EQ(report->log.unreconciled, 0);
  EXPECT_EQ(std::to_string(report->log.period_entries), Scalar("SELECT count(*) FROM modlog.entries"));
  EXPECT_EQ(report->log.first_position, 1);
  EXPECT_EQ(report->log.last_position, report->log.period_entries);

  // Error 4: the hero fixed after 70 minutes is the one not fixed within the hour.
  ASSERT_EQ(report->incidents.size(), 2u);
  EXPECT_EQ(report->incidents[0].slot, "hero");
  EXPECT_FALSE(report->incidents[0].fixed_in_time);
  EXPECT_EQ(report->incidents[0].resolved_at, kDay + 14h + 10min);
  EXPECT_EQ(report->incidents[0].acknowledged_by, "cora");
  EXPECT_TRUE(report->incidents[1].fixed_in_time);
  EXPECT_EQ(report->IncidentsNotFixedInTime(), 1);
  EXPECT_EQ(report->monitoring_outages, 1);

  // Statistics.
  EXPECT_EQ(report->uploads, 5);
  ASSERT_EQ(report->curators.size(), 3u);
  EXPECT_EQ(report->curators[0].curator.name, "cora");
  EXPECT_EQ(report->curators[0].by_action, (std::map<std::string, int64_t>{{"approve", 1}, {"censor", 2}, {"warn", 1}}));
  EXPECT_EQ(report->curators[0].total, 4);
  EXPECT_EQ(report->curators[1].curator.name, "dan");
  EXPECT_EQ(report->curators[2].curator.name, "lena");
  EXPECT_EQ(report->curators[2].by_action, (std::map<std::string, int64_t>{{"revert", 1}}));
  EXPECT_EQ(report->decisions_by_action,
            (std::map<std::string, int64_t>{{"approve", 2}, {"censor", 2}, {"revert", 1}, {"warn", 1}}));
  // Videos 1, 3 and 8 decided after an hour, 2 after five, 4 after 38.
  EXPECT_EQ(report->response.decided, 5);
  EXPECT_EQ(report->response.median, std::chrono::milliseconds(1h));
  EXPECT_DOUBLE_EQ(report->response.within_4h, 0.6);
  EXPECT_DOUBLE_EQ(report->response.within_24h, 0.8);
  EXPECT_NEAR(report->response.score, (1 + 1 + 1 + 0.95 + 0) / 5, 1e-9);
  EXPECT_EQ(report->videos.videos, 5);
  EXPECT_EQ(report->videos.duration_seconds, 31 + 32 + 33 + 37 + 38);
  EXPECT_EQ(report->videos.median_duration_seconds, 33);
  EXPECT_EQ(std::to_string(report->videos.bytes),
            Scalar("SELECT sum(d.size_bytes) FROM ingest.videos v JOIN ingest.data_objects d ON d.id = v.media_object_id"
                   " WHERE v.id IN ('1', '2', '3', '7', '8')"));
  ASSERT_EQ(report->videos.by_language.size(), 1u);
  EXPECT_EQ(report->videos.by_language[0].key, "en");
  EXPECT_EQ(report->videos.by_language[0].videos, 5);
  ASSERT_EQ(report->videos.by_category.size(), 1u);
  EXPECT_EQ(report->videos.by_category[0].videos, 5);

  // The chart: hourly, the queue at each hour's end.
  ASSERT_EQ(report->chart.size(), 24u);
  EXPECT_EQ(report->chart_step, std::chrono::milliseconds(1h));
  EXPECT_EQ(report->chart.back().at, kDay + 24h);
  EXPECT_EQ(std::to_string(report->chart.back().queue_depth),
            Scalar("SELECT count(*) FROM review.items WHERE uploaded_at < to_timestamp(" +
                   std::to_string(Millis(kDay + 24h) / 1000) + ") AND (decided_at IS NULL OR decided_at >= to_timestamp(" +
                   std::to_string(Millis(kDay + 24h) / 1000) + "))"));
  int64_t decided = 0;
  for (const ChartPoint& point : report->chart) {
    decided += point.decided;
  }
  EXPECT_EQ(decided, 5);
  EXPECT_EQ(report->chart[2].decided, 1) << "video 1, decided at 02:00, counts in the step 02:00-03:00";
}

TEST_F(ReportTest, EveryFormatCarriesTheSameCountsAndLists) {
  SeedDay();
  auto built = service_->Build({.from = kDay, .to = kDay + 24h});
  ASSERT_TRUE(built.ok()) << built.status();

  auto json_report = Generate("json");
  ASSERT_TRUE(json_report.ok()) << json_report.status();
  EXPECT_EQ(json_report->content_type, "application/json");
  auto json = nlohmann::json::parse(json_report->body);
  EXPECT_EQ(json["summary"]["late_videos"], 2);
  EXPECT_EQ(json["summary"]["open_past_due"], 2);
  EXPECT_EQ(json["summary"]["unjustified_chain_actions"], 1);
  EXPECT_EQ(json["summary"]["challenged_not_reverted"], 1);
  EXPECT_EQ(json["summary"]["log_intact"], true);
  EXPECT_EQ(json["summary"]["incidents_not_fixed_in_time"], 1);
  EXPECT_EQ(json["summary"]["actions"], 6);
  EXPECT_EQ(json["summary"]["uploads"], 5);
  // The headline counts: 2 late; dan's hide of 7 (the lead's revert of 8 needed nothing on
  // chain); an intact log; the hero fixed after 70 minutes.
  EXPECT_EQ(built->ErrorCounts(), (std::array<int64_t, 4>{2, 1, 0, 1}));
  EXPECT_EQ(json["summary"]["errors"], nlohmann::json(built->ErrorCounts()));
  ASSERT_EQ(json["actions"].size(), 6u);
  for (size_t i = 0; i < built->actions.size(); ++i) {
    EXPECT_EQ(json["actions"][i]["entry_id"], built->actions[i].entry_id);
  }
  EXPECT_EQ(json["late_videos"].size(), 2u);
  EXPECT_EQ(json["open_past_due"].size(), 2u);
  EXPECT_EQ(json["incidents"].size(), 2u);
  EXPECT_EQ(json["actions"][0]["explorer_url"], "https://explorer.example/block/" + std::to_string(BlockAt(kDay + 4h)));

  auto csv_report = Generate("csv");
  ASSERT_TRUE(csv_report.ok()) << csv_report.status();
  auto rows = ParseCsv(csv_report->body);
  ASSERT_EQ(rows.size(), 7u) << csv_report->body;
  EXPECT_EQ(rows[0], CsvColumns());
  std::vector<std::string> acts, types;
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), CsvColumns().size()) << csv_report->body;
    EXPECT_EQ(rows[i][0], std::to_string(i));
    types.push_back(rows[i][2]);
    acts.push_back(rows[i][5]);
    EXPECT_EQ(rows[i][10], "testnet");
    // Each row is its action, cell by cell.
    const Action& action = built->actions[i - 1];
    EXPECT_EQ(rows[i][1].find(action.curator.name), 0u) << rows[i][1];
    EXPECT_EQ(rows[i][3], "https://gleev.example/video/" + action.target_id);
    EXPECT_EQ(rows[i][4], "https://gleev.example/channel/" + action.channel_id);
    EXPECT_EQ(rows[i][6], action.action == ActionKind::kWarn ? "curation-log#" + std::to_string(action.entry_id) : "");
    EXPECT_EQ(rows[i][7] + "T" + rows[i][8], FormatIsoTime(action.at).substr(0, 19));
    EXPECT_NE(rows[i][9].find(action.justification), std::string::npos) << rows[i][9];
    EXPECT_NE(rows[i][9].find("curation-log#" + std::to_string(action.entry_id)), std::string::npos) << rows[i][9];
  }
  EXPECT_EQ(types, (std::vector<std::string>{"Video\\3", "Video\\8", "Video\\3", "Video\\2", "Video\\7", "Video\\8"}));
  // The historical Act words; what exactly happened leads the reason.
  EXPECT_EQ(acts, (std::vector<std::string>{"Censored", "Censored", "Censored", "Warn", "Censored", "Accepted"}));
  EXPECT_EQ(rows[3][9].find("Assets deleted — "), 0u) << rows[3][9];
  EXPECT_EQ(rows[5][9].find("Hidden — "), 0u) << rows[5][9];
  EXPECT_EQ(rows[6][9].find("Reverted — "), 0u) << rows[6][9];
  EXPECT_EQ(rows[1][3], "https://gleev.example/video/3");
  EXPECT_EQ(rows[1][4], "https://gleev.example/channel/7");
  EXPECT_EQ(rows[1][7], FormatIsoTime(kDay + 3h).substr(0, 10));
  EXPECT_EQ(rows[1][8], FormatIsoTime(kDay + 3h).substr(11, 8));
  EXPECT_EQ(rows[1][1].find("cora"), 0u) << rows[1][1];

  for (const char* format : {"markdown", "html"}) {
    auto rendered = Generate(format);
    ASSERT_TRUE(rendered.ok()) << rendered.status();
    for (const Action& action : built->actions) {
      EXPECT_NE(rendered->body.find("curation-log#" + std::to_string(action.entry_id)), std::string::npos)
          << format << " lists every action";
    }
    for (const char* video : {"/video/4", "/video/5", "/video/6", "/video/7"}) {
      EXPECT_NE(rendered->body.find(video), std::string::npos) << format << " names " << video;
    }
    EXPECT_NE(rendered->body.find("spam"), std::string::npos) << format << " shows the unjustified rationale";
    EXPECT_NE(rendered->body.find("1h 10m"), std::string::npos) << format << " shows the hero's time to fix";
    // The summary table's counts, error by error, are the JSON's.
    const std::string markdown_rows[] = {"36 h after upload | 2 |", "not reverted | 1 |", "without gaps | 0 — none |",
                                         "within 1 h | 1 |"};
    if (std::string(format) == "markdown") {
      for (const std::string& row : markdown_rows) {
        EXPECT_NE(rendered->body.find(row), std::string::npos) << row << "\n" << rendered->body.substr(0, 1500);
      }
    }
  }
  auto html = Generate("html");
  EXPECT_NE(html->body.find("<svg"), std::string::npos);
  EXPECT_EQ(html->body.find("<script"), std::string::npos);
}

// What the counts rest on: the chain's times and the council's 36 h, not when the log learned of
// an action or what deadline the queue shows; a revert counts once the chain shows it.
TEST_F(ReportTest, CountsFollowTheChainAndTheCouncilsDeadline) {
  SeedDay();
  auto day = [&] {
    auto built = service_->Build({.from = kDay, .to = kDay + 24h});
    EXPECT_TRUE(built.ok()) << built.status();
    return built.ok() ? *built : Report{};
  };
  const Report before = day();

  // The queue's deadline is configurable; the council's is not.
  Exec("UPDATE review.items SET due_at = uploaded_at + interval '12 hours'");
  const Report shorter = day();
  ASSERT_EQ(shorter.late_videos.size(), before.late_videos.size());
  for (size_t i = 0; i < before.late_videos.size(); ++i) {
    EXPECT_EQ(shorter.late_videos[i].item_id, before.late_videos[i].item_id);
    EXPECT_EQ(shorter.late_videos[i].due_at, shorter.late_videos[i].uploaded_at + 36h);
  }
  EXPECT_EQ(shorter.open_past_due.size(), before.open_past_due.size());

  // The lead reverts cora's censor of video 3, which the chain applied: not reverted until the
  // chain shows the video again.
  At(kDay + 25h);
  auto revert = review_->RevertDecision(lead_, censor_3_, "The licence turned up after all.", "");
  ASSERT_TRUE(revert.ok()) << revert.status();
  const int64_t revert_entry = revert->record.entry_id;
  auto challenged_3 = [&](const Report& report) -> const ChallengedCensorship* {
    for (const auto& censorship : report.challenged) {
      if (censorship.entry_id == censor_3_) return &censorship;
    }
    return nullptr;
  };
  auto two_days = service_->Build({.from = kDay, .to = kDay + 48h});
  ASSERT_TRUE(two_days.ok()) << two_days.status();
  const ChallengedCensorship* pending = challenged_3(*two_days);
  ASSERT_NE(pending, nullptr);
  EXPECT_FALSE(pending->reverted);
  EXPECT_NE(pending->reverted_how.find("not yet applied on chain"), std::string::npos) << pending->reverted_how;

  // Late on the day a curator hides video 2 with no entry; the log learns of it only the next
  // day, with the revert's unhide of video 3 and an unhide of video 7 nobody logged.
  At(kDay + 26h);
  fake_.PutEvent(FakeQueryNode::EventKind::kVideoVisibility,
                 FakeQueryNode::MakeVideoVisibilityEvent("TEST-" + std::to_string(BlockAt(kDay + 23h)) + "-1",
                                                         BlockAt(kDay + 23h), 1, 2, true, "late hide", "",
                                                         FakeQueryNode::CuratorActor("9")));
  fake_.PutEvent(FakeQueryNode::EventKind::kVideoVisibility,
                 FakeQueryNode::MakeVideoVisibilityEvent(
                     "TEST-" + std::to_string(BlockAt(kDay + 25h + 30min)) + "-1", BlockAt(kDay + 25h + 30min), 1, 3,
                     false, "curation-log#" + std::to_string(revert_entry), "", FakeQueryNode::CuratorActor("1")));
  fake_.PutEvent(FakeQueryNode::EventKind::kVideoVisibility,
                 FakeQueryNode::MakeVideoVisibilityEvent(
                     "TEST-" + std::to_string(BlockAt(kDay + 25h + 40min)) + "-1", BlockAt(kDay + 25h + 40min), 1, 7,
                     false, "oops", "", FakeQueryNode::CuratorActor("9")));
  CatchUp();

  const Report after = day();
  ASSERT_EQ(after.unjustified.size(), 2u) << "the hide of 7 and, by its chain time, the hide of 2";
  EXPECT_EQ(after.unjustified[1].target_id, "2");
  EXPECT_EQ(after.unjustified[1].at, kDay + 23h);
  EXPECT_EQ(after.actions.size(), before.actions.size() + 1);
  EXPECT_EQ(after.ErrorCounts()[1], before.ErrorCounts()[1] + 1);

  two_days = service_->Build({.from = kDay, .to = kDay + 48h});
  ASSERT_TRUE(two_days.ok()) << two_days.status();
  const ChallengedCensorship* applied = challenged_3(*two_days);
  ASSERT_NE(applied, nullptr);
  EXPECT_TRUE(applied->reverted) << applied->reverted_how;
  EXPECT_NE(applied->reverted_how.find("applied on chain in block"), std::string::npos) << applied->reverted_how;
  // The unhide of 7 is listed as an action, but it censored nothing.
  bool unhide_listed = false;
  for (const Action& action : two_days->actions) {
    unhide_listed |= action.action == ActionKind::kUnhide && action.target_id == "7" &&
                     kChainStatuses.Db(action.chain.status) == "unjustified";
  }
  EXPECT_TRUE(unhide_listed);
  for (const Action& action : two_days->unjustified) {
    EXPECT_NE(action.action, ActionKind::kUnhide) << action.target_id;
  }
}

TEST_F(ReportTest, ATamperedEntryInThePeriodShowsTheChainBroken) {
  SeedDay();
  Exec("SET session_replication_role = replica; UPDATE modlog.entries SET justification = 'fine' WHERE id = " +
       std::to_string(censor_3_));
  auto report = service_->Build({.from = kDay, .to = kDay + 24h});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->log.intact);
  EXPECT_TRUE(report->log.break_in_period);
  EXPECT_EQ(report->log.broken_entry_id, censor_3_);
  EXPECT_NE(report->log.problem.find(std::to_string(censor_3_)), std::string::npos) << report->log.problem;
  for (const char* format : {"markdown", "html", "json"}) {
    auto rendered = Generate(format);
    ASSERT_TRUE(rendered.ok());
    EXPECT_NE(rendered->body.find(report->log.problem), std::string::npos) << format;
  }
  EXPECT_EQ(nlohmann::json::parse(Generate("json")->body)["summary"]["log_intact"], false);
  // A period before the tampering began still says the chain is broken, but not inside it.
  auto earlier = service_->Build({.from = kDay - 48h, .to = kDay});
  ASSERT_TRUE(earlier.ok());
  EXPECT_FALSE(earlier->log.intact);
  EXPECT_FALSE(earlier->log.break_in_period);
}

// A report recomputes what was sealed since the last verification; an edit before that is the
// whole chain's to find, recomputed once a day.
TEST_F(ReportTest, AReportRecomputesWhatIsNewSinceTheLastVerificationAndTheWholeChainDaily) {
  SeedDay();
  auto first = service_->Build({.from = kDay, .to = kDay + 24h});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->log.intact) << first->log.problem;
  Exec("SET session_replication_role = replica; UPDATE modlog.entries SET justification = 'fine' WHERE id = " +
       std::to_string(censor_3_));
  auto since = service_->Build({.from = kDay, .to = kDay + 24h});
  ASSERT_TRUE(since.ok()) << since.status();
  EXPECT_TRUE(since->log.intact);
  EXPECT_EQ(since->log.entries_checked, first->log.entries_checked);
  Exec("UPDATE modlog.verified_checkpoint SET whole_chain_verified_at = now() - interval '25 hours'");
  auto daily = service_->Build({.from = kDay, .to = kDay + 24h});
  ASSERT_TRUE(daily.ok()) << daily.status();
  EXPECT_FALSE(daily->log.intact);
  EXPECT_EQ(daily->log.broken_entry_id, censor_3_);
}

// The pool reads the period again on a fresh connection when its connection is lost midway;
// the report then holds each row once, not what the first attempt had read as well.
TEST_F(ReportTest, AConnectionLostMidwayReadsThePeriodAgainFromTheStart) {
  SeedDay();
  auto whole = Generate("json");
  ASSERT_TRUE(whole.ok()) << whole.status();

  // The read stops at the incidents, after the actions and videos, until this lock goes.
  pqxx::connection locker(url_);
  pqxx::work lock(locker);
  lock.exec0("LOCK TABLE alert.incidents IN ACCESS EXCLUSIVE MODE");
  absl::StatusOr<RenderedReport> again = absl::UnknownError("not run");
  std::thread reader([&] { again = Generate("json"); });
  bool dropped = false;
  for (int tries = 0; tries < 1000 && !dropped; ++tries) {
    dropped = Scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                     " AND query LIKE '%FROM alert.incidents%'") == "1";
    std::this_thread::sleep_for(10ms);
  }
  lock.abort();
  reader.join();
  ASSERT_TRUE(dropped) << "the read never waited at the incidents";
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->body, whole->body);
}

TEST_F(ReportTest, APeriodIsNamedByItsBoundsOrByCouncilTerm) {
  SeedDay();
  auto by_term = service_->Generate({.term = 7, .format = "json"});
  ASSERT_TRUE(by_term.ok()) << by_term.status();
  EXPECT_EQ(by_term->report.period.from, kDay);
  EXPECT_EQ(by_term->report.period.term, 7);
  EXPECT_EQ(by_term->file_name, "curation-report-term-7.json");
  auto by_dates = Generate("json");
  ASSERT_TRUE(by_dates.ok());
  EXPECT_EQ(by_dates->report.actions.size(), by_term->report.actions.size());

  auto unknown = service_->Generate({.term = 8});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("configured: 7"), std::string::npos) << unknown.status();
  auto code = [&](ReportRequest request) { return service_->Generate(request).status().code(); };
  EXPECT_EQ(code({.from = kDay, .to = kDay + 1h, .term = 7}), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code({}), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code({.from = kDay}), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code({.from = kDay, .to = kDay}), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code({.from = kDay, .to = kDay - 1h}), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code({.from = kDay, .to = kDay + 24h * 401}), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code({.from = kDay, .to = kDay + 1h, .format = "pdf"}), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code({.term = 9}), absl::StatusCode::kInvalidArgument) << "a term of 470 days is too long too";
}

// Issue 17: the featuring log, from alerting's featured history, whoever set the videos.
TEST_F(ReportTest, TheFeaturingLogHasEveryVideoFeaturedInThePeriodWhatItReplacedAndHowItPlayed) {
  auto hero = [](const std::string& video) {
    return alert::FeaturedVideo{.slot = "hero", .video_id = video, .video_title = "Hero " + video,
                                .cut_url = "https://cdn.example/" + video + ".mp4",
                                .poster_url = "https://cdn.example/" + video + ".jpg"};
  };
  const alert::FeaturedVideo tile{.slot = "category:2", .video_id = "5", .video_title = "Tile 5",
                                  .category_name = "Gaming"};
  ASSERT_TRUE(alert_store_->ApplyFeatured({hero("0"), tile}, kDay - 10h).ok());  // ended before the period
  ASSERT_TRUE(alert_store_->ApplyFeatured({hero("1"), tile}, kDay - 2h).ok());
  auto second = alert_store_->ApplyFeatured({hero("2"), tile}, kDay + 6h);
  ASSERT_TRUE(second.ok() && second->started.size() == 1) << second.status();
  ASSERT_TRUE(alert_store_
                  ->RecordProbe(second->started[0].id, {.status = probe::Verdict::kUnplayable,
                                                        .reason = "UNSUPPORTED_PIXFMT",
                                                        .probed_at = kDay + 7h,
                                                        .next_probe_at = kDay + 7h + 1min})
                  .ok());
  const int64_t incident = OpenIncident("hero", "2", kDay + 7h);
  ASSERT_TRUE(alert_store_->ApplyFeatured({hero("1"), tile}, kDay + 8h).ok());
  clock_.Set(kDay + 24h);

  auto built = service_->Build({.from = kDay, .to = kDay + 24h});
  ASSERT_TRUE(built.ok()) << built.status();
  std::vector<std::string> seen;
  for (const FeaturingChange& change : built->featuring) {
    seen.push_back(change.slot + " " + change.video_id + " after " + change.replaced_video_id);
  }
  // The tile has been featured since before hero 0 left; hero 0, gone before the period, is not listed.
  EXPECT_EQ(seen, (std::vector<std::string>{"category:2 5 after ", "hero 1 after ", "hero 2 after 1", "hero 1 after 2"}));
  const FeaturingChange& broken = built->featuring[2];
  EXPECT_EQ(broken.from, kDay + 6h);
  EXPECT_EQ(broken.until, kDay + 8h);
  EXPECT_EQ(broken.status, probe::Verdict::kUnplayable);
  EXPECT_EQ(broken.reason, "UNSUPPORTED_PIXFMT");
  EXPECT_EQ(broken.incident_ids, std::vector<int64_t>{incident});
  EXPECT_FALSE(built->featuring[3].until.has_value()) << "still the hero when the report was made";

  auto json_report = Generate("json");
  ASSERT_TRUE(json_report.ok()) << json_report.status();
  auto json = nlohmann::json::parse(json_report->body);
  ASSERT_EQ(json["featuring"].size(), 4u);
  EXPECT_EQ(json["featuring"][2]["replaced_video_id"], "1");
  EXPECT_EQ(json["featuring"][2]["status"], "unplayable");
  EXPECT_EQ(json["featuring"][2]["incident_ids"], nlohmann::json::array({incident}));
  EXPECT_EQ(json["featuring"][3]["until"], nullptr);

  auto markdown = Generate("markdown");
  ASSERT_TRUE(markdown.ok()) << markdown.status();
  const std::string& text = markdown->body;
  ASSERT_NE(text.find("### Featuring log"), std::string::npos) << text;
  EXPECT_NE(text.find("| 2h 0m |"), std::string::npos) << "how long video 2 stayed: " << text;
  EXPECT_NE(text.find("unplayable: UNSUPPORTED\\_PIXFMT"), std::string::npos) << text;
  EXPECT_NE(text.find("#" + std::to_string(incident)), std::string::npos) << text;
  EXPECT_NE(text.find("still featured"), std::string::npos) << text;
}

TEST_F(ReportTest, AQuietPeriodRendersInEveryFormat) {
  for (const char* format : {"markdown", "csv", "json", "html"}) {
    auto rendered = service_->Generate({.from = kDay - 24h * 30, .to = kDay - 24h * 29, .format = format});
    ASSERT_TRUE(rendered.ok()) << format << ": " << rendered.status();
    EXPECT_FALSE(rendered->body.empty()) << format;
    EXPECT_TRUE(rendered->report.actions.empty());
    EXPECT_EQ(rendered->report.chart.size(), 24u);
  }
  EXPECT_EQ(ParseCsv(Generate("csv")->body).size(), 1u) << "the header alone";
}

TEST_F(ReportTest, TheCouncilTheLeadAndServicesMayReadReportsAndCuratorsMayNot) {
  auto auth = std::make_unique<testing::AuthFixture>(url_);
  server::RpcMetrics rpc_metrics(metrics_);
  ReportGrpcService adapter(*service_, auth->Env(rpc_metrics));
  server::GrpcHost host;
  host.Register(&adapter, ReportGrpcService::kName);
  ASSERT_TRUE(host.Start({.listen = "127.0.0.1:0"}).ok());
  auto stub = v1::ReportService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(host.port()), grpc::InsecureChannelCredentials()));
  v1::GetReportRequest request;
  request.set_term(7);
  v1::Report report;
  v1::ListTermsResponse terms;
  auth::RoleSet readers{auth::Role::kCouncil, auth::Role::kLead, auth::Role::kService};
  testing::ExpectRoleMatrix(*auth, {{"ReportService/GetReport", readers,
                                     [&](grpc::ClientContext* c) { return stub->GetReport(c, request, &report); }},
                                    {"ReportService/ListTerms", readers,
                                     [&](grpc::ClientContext* c) { return stub->ListTerms(c, {}, &terms); }}});

  grpc::Status status = stub->GetReport(auth->Context(auth::Role::kCouncil).get(), request, &report);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(report.format(), v1::REPORT_FORMAT_MARKDOWN);
  EXPECT_EQ(report.content_type(), "text/markdown; charset=utf-8");
  EXPECT_EQ(report.term(), 7);
  EXPECT_TRUE(report.summary().log_intact());
  ASSERT_TRUE(stub->ListTerms(auth->Context(auth::Role::kLead).get(), {}, &terms).ok());
  ASSERT_EQ(terms.terms_size(), 2);
  EXPECT_EQ(terms.terms(0).number(), 7);
  EXPECT_EQ(report.summary().error_counts_size(), 4);

  // Hostile requests: each a clear INVALID_ARGUMENT or NOT_FOUND.
  auto answer = [&](const v1::GetReportRequest& bad) {
    return stub->GetReport(auth->Context(auth::Role::kCouncil).get(), bad, &report).error_code();
  };
  EXPECT_EQ(answer({}), grpc::INVALID_ARGUMENT) << "no period";
  v1::GetReportRequest half;
  half.mutable_range()->mutable_start_time()->set_seconds(1'700'000'000);
  EXPECT_EQ(answer(half), grpc::INVALID_ARGUMENT);
  v1::GetReportRequest far;
  far.mutable_range()->mutable_start_time()->set_seconds(1'700'000'000);
  far.mutable_range()->mutable_end_time()->set_seconds(std::numeric_limits<int64_t>::max());
  EXPECT_EQ(answer(far), grpc::INVALID_ARGUMENT);
  v1::GetReportRequest format = request;
  format.set_format(static_cast<v1::ReportFormat>(99));
  EXPECT_EQ(answer(format), grpc::INVALID_ARGUMENT);
  v1::GetReportRequest term = request;
  term.set_term(-1);
  EXPECT_EQ(answer(term), grpc::NOT_FOUND);
  host.Shutdown(1s);
}

}  // namespace
}  // namespace curation::report
