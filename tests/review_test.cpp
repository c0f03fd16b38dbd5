#include <atomic>
#include <deque>
#include <latch>
#include <limits>
#include <functional>
#include <map>
#include <set>

#include <absl/strings/escaping.h>
#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>
#include <gtest/gtest.h>

#include <curation/db/fields.hpp>
#include <curation/ingest/ingestor.hpp>
#include <curation/modlog/log_store.hpp>
#include <curation/review/feed_consumer.hpp>
#include <curation/review/review_grpc_service.hpp>
#include <curation/review/rules.hpp>
#include <curation/server/grpc_host.hpp>
#include <curation/server/rpc.hpp>
#include <fakes/fake_query_node.hpp>
#include <grpc/health/v1/health.grpc.pb.h>

#include "auth_fixture.hpp"
#include "postgres_fixture.hpp"

namespace curation::review {
namespace {

using namespace std::chrono_literals;
using fakes::FakeQueryNode;

// Upload times are block timestamps from the fake; the clock sits 10 h after genesis.
const TimePoint kGenesis = TimePoint(std::chrono::milliseconds(FakeQueryNode::kGenesisUnixMs));

class ReviewTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    auto statements = ingest::IngestStore::Statements();
    for (auto& s : ReviewStore::Statements()) {
      statements.push_back(s);
    }
    pool_ = MakePool(statements);
    ingest_store_ = std::make_unique<ingest::IngestStore>(*pool_);
    client_ = std::make_unique<ingest::QueryNodeClient>(fake_.Url(), 2s, 4 << 20);
    ingestor_ = std::make_unique<ingest::Ingestor>(*ingest_store_, *client_, IngestConfig{}, 100, metrics_);
    store_ = std::make_unique<ReviewStore>(*pool_);
    consumer_ = std::make_unique<FeedConsumer>(*store_, *pool_, config_, metrics_);
    service_ = std::make_unique<ReviewService>(*store_, clock_, config_, metrics_);
  }

  // Videos uploaded `hours_ago` hours before the clock's now, one per block.
  void Upload(int id, double hours_ago) {
    auto at = clock_.Now() - std::chrono::milliseconds(static_cast<int64_t>(hours_ago * 3600000));
    int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
    int64_t block = (ms - FakeQueryNode::kGenesisUnixMs) / FakeQueryNode::kBlockMillis;
    fake_.PutVideo(FakeQueryNode::MakeVideo(id, block, FakeQueryNode::IsoTime(ms), "7"));
  }
  void IngestAndRaise() {
    ASSERT_TRUE(ingestor_->PollOnce().ok());
    ASSERT_TRUE(consumer_->Drain().ok());
  }

  FakeQueryNode fake_;
  ManualClock clock_{kGenesis + 200h};
  ReviewConfig config_;
  MetricsRegistry metrics_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<ingest::IngestStore> ingest_store_;
  std::unique_ptr<ingest::QueryNodeClient> client_;
  std::unique_ptr<ingest::Ingestor> ingestor_;
  std::unique_ptr<ReviewStore> store_;
  std::unique_ptr<FeedConsumer> consumer_;
  std::unique_ptr<ReviewService> service_;
};

TEST_F(ReviewTest, EachNewVideoAndChannelGetsOneItemDue36HoursAfterUpload) {
  fake_.PutChannel(FakeQueryNode::MakeChannel(7, 1000, FakeQueryNode::BlockIso(1000)));
  fake_.PutCategory(FakeQueryNode::MakeCategory("254433-2", 1, FakeQueryNode::BlockIso(1)));
  Upload(1, 2);
  IngestAndRaise();
  EXPECT_EQ(Scalar("SELECT count(*) FROM review.items"), "2");
  EXPECT_EQ(Scalar("SELECT bool_and(due_at = uploaded_at + interval '36 hours') FROM review.items"), "t");
  EXPECT_EQ(Scalar("SELECT reason FROM review.items WHERE target_kind = 'video'"), "new_video");
  EXPECT_EQ(Scalar("SELECT uploaded_at = v.created_at FROM review.items i JOIN ingest.videos v ON v.id = i.target_id"),
            "t");
  // Consuming again raises nothing twice.
  IngestAndRaise();
  EXPECT_EQ(Scalar("SELECT count(*) FROM review.items"), "2");
}

TEST_F(ReviewTest, ListsEarliestDueFirstWithRiskAndBreach) {
  fake_.PutChannel(FakeQueryNode::MakeChannel(7, 1000, FakeQueryNode::BlockIso(1000)));
  Upload(1, 1);   // due in 35 h
  Upload(2, 40);  // overdue by 4 h
  Upload(3, 32);  // due in 4 h: at risk
  IngestAndRaise();
  auto page = service_->ListItems({.filter = {.states = {"open"}}});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->items.size(), 4u);
  // The channel, created near genesis, is the oldest item of all.
  EXPECT_EQ(page->items[0].row.target_kind, TargetKind::kChannel);
  EXPECT_TRUE(page->items[0].breached);
  EXPECT_EQ(page->items[1].row.target_id, "2");
  EXPECT_TRUE(page->items[1].breached);
  EXPECT_EQ(page->items[2].row.target_id, "3");
  EXPECT_TRUE(page->items[2].at_risk);
  EXPECT_FALSE(page->items[2].breached);
  EXPECT_EQ(page->items[3].row.target_id, "1");
  EXPECT_FALSE(page->items[3].at_risk);
  EXPECT_EQ(page->items[1].row.channel_id, "7");
  EXPECT_FALSE(page->items[1].row.title.empty());
  EXPECT_FALSE(page->items[1].row.channel_title.empty());

  clock_.Advance(36h);
  auto later = service_->GetItem(page->items[3].row.id);
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->breached);
}

TEST_F(ReviewTest, GetItemCarriesTheTargetsFullMetadataAndListsDoNot) {
  fake_.PutChannel(FakeQueryNode::MakeChannel(7, 1000, FakeQueryNode::BlockIso(1000)));
  auto video = FakeQueryNode::MakeVideo(5, 2000, FakeQueryNode::BlockIso(2000), "7");
  video["ytVideoId"] = "dQw4w9WgXcQ";
  video["isExplicit"] = true;
  fake_.PutVideo(video);
  IngestAndRaise();
  auto page = service_->ListItems({.filter = {.states = {"open"}}});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->items.size(), 2u);
  for (const QueueItem& listed : page->items) {
    EXPECT_FALSE(listed.row.details.has_value()) << "lists stay small";
  }
  const QueueItem& listed_video = page->items[0].row.target_kind == TargetKind::kVideo ? page->items[0] : page->items[1];
  auto item = service_->GetItem(listed_video.row.id);
  ASSERT_TRUE(item.ok()) << item.status();
  ASSERT_TRUE(item->row.details.has_value());
  const TargetDetails& details = *item->row.details;
  EXPECT_EQ(details.description, "Description of video 5.");
  EXPECT_EQ(details.language, "en");
  EXPECT_EQ(details.license_code, 1002);
  EXPECT_EQ(details.duration_seconds, 35);
  EXPECT_EQ(details.is_public, true);
  EXPECT_FALSE(details.is_censored);
  EXPECT_EQ(details.is_explicit, true);
  EXPECT_EQ(details.youtube_video_id, "dQw4w9WgXcQ");
  EXPECT_EQ(details.pixel_width, 1920);
  EXPECT_EQ(details.channel_owner_handle, "member7");
  EXPECT_EQ(details.channel_is_public, true);

  const QueueItem& listed_channel = page->items[0].row.target_kind == TargetKind::kChannel ? page->items[0] : page->items[1];
  auto channel = service_->GetItem(listed_channel.row.id);
  ASSERT_TRUE(channel.ok()) << channel.status();
  EXPECT_EQ(channel->row.details->description, "Description of channel 7.");
  EXPECT_EQ(channel->row.details->channel_owner_handle, "member7");
  EXPECT_FALSE(channel->row.details->duration_seconds.has_value());
}

TEST_F(ReviewTest, PagesWithOpaqueTokensAndRejectsBadOnes) {
  fake_.PutChannel(FakeQueryNode::MakeChannel(7, 1000, FakeQueryNode::BlockIso(1000)));
  for (int id = 1; id <= 7; ++id) {
    Upload(id, 30 - id);
  }
  IngestAndRaise();
  std::vector<std::string> seen;
  ListItemsQuery query{.page_size = 3};
  for (int pages = 0; pages < 5; ++pages) {
    auto page = service_->ListItems(query);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& item : page->items) {
      seen.push_back(item.row.target_id);
    }
    if (page->next_page_token.empty()) {
      break;
    }
    query.page_token = page->next_page_token;
  }
  // Channel 7 first (the oldest), then videos 1..7 by due time.
  EXPECT_EQ(seen, (std::vector<std::string>{"7", "1", "2", "3", "4", "5", "6", "7"}));
  EXPECT_EQ(service_->ListItems({.page_token = "garbage"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->ListItems({.page_size = 5000}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->ListItems({.page_size = -1}).status().code(), absl::StatusCode::kInvalidArgument);
  // A token is refused when edited, cut short, or brought to another query.
  auto first = service_->ListItems({.filter = {.channel_id = "7"}, .page_size = 2});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token.empty());
  const std::string& token = first->next_page_token;
  for (const auto& [what, refused] : std::vector<std::pair<std::string, ListItemsQuery>>{
           {"a position written by hand", {.page_token = absl::WebSafeBase64Escape("v1:-1:0:13")}},
           {"truncated", {.filter = {.channel_id = "7"}, .page_token = token.substr(0, token.size() / 2)}},
           {"another filter", {.filter = {.category_id = "7"}, .page_token = token}},
           {"another channel", {.filter = {.channel_id = "8"}, .page_token = token}},
           {"no filter", {.page_token = token}},
       }) {
    EXPECT_EQ(service_->ListItems(refused).status().code(), absl::StatusCode::kInvalidArgument) << what;
  }
  auto second = service_->ListItems({.filter = {.channel_id = "7"}, .page_size = 2, .page_token = token});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->items.front().row.target_id, "2");
  EXPECT_EQ(service_->ListItems({.filter = {.states = {"lost"}}}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->GetItem(999999).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(service_->GetItem(-1).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ReviewTest, ConsumerWakesOnTheFeedWithoutWaitingForAPoll) {
  std::jthread runner([&](std::stop_token stop) { consumer_->Run(stop); });
  std::this_thread::sleep_for(200ms);  // let it drain and start listening
  fake_.PutChannel(FakeQueryNode::MakeChannel(7, 1000, FakeQueryNode::BlockIso(1000)));
  Upload(1, 1);
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  auto stored = std::chrono::steady_clock::now();
  while (Scalar("SELECT count(*) FROM review.items") != "2" && std::chrono::steady_clock::now() - stored < 5s) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(Scalar("SELECT count(*) FROM review.items"), "2");
  EXPECT_LT(std::chrono::steady_clock::now() - stored, 900ms) << "woken by NOTIFY, not the 1 s fallback poll";
}

class ReviewGrpcTest : public ReviewTest {
 protected:
  void SetUp() override {
    ReviewTest::SetUp();
    rpc_metrics_ = std::make_unique<server::RpcMetrics>(metrics_);
    auth_ = std::make_unique<testing::AuthFixture>(url_);  // one principal per role
    grpc_service_ = std::make_unique<ReviewGrpcService>(*service_, auth_->Env(*rpc_metrics_));
    host_.Register(grpc_service_.get(), ReviewGrpcService::kName);
    ASSERT_TRUE(host_.Start({.listen = "127.0.0.1:0"}).ok());
    stub_ = v1::ReviewService::NewStub(host_.InProcessChannel());
  }
  // A call as `role` (the lead unless said otherwise), with a deadline.
  std::unique_ptr<grpc::ClientContext> Context(std::chrono::milliseconds timeout = 5s,
                                               auth::Role role = auth::Role::kLead) {
    return auth_->Context(role, timeout);
  }
  std::unique_ptr<server::RpcMetrics> rpc_metrics_;
  std::unique_ptr<testing::AuthFixture> auth_;
  std::unique_ptr<ReviewGrpcService> grpc_service_;
  server::GrpcHost host_;
  std::unique_ptr<v1::ReviewService::Stub> stub_;
};

TEST_F(ReviewGrpcTest, ListsItemsAndMapsErrorsToStatusCodes) {
  fake_.PutChannel(FakeQueryNode::MakeChannel(7, 1000, FakeQueryNode::BlockIso(1000)));
  Upload(1, 40);
  IngestAndRaise();
  v1::ListItemsRequest request;
  request.add_states(v1::ITEM_STATE_OPEN);
  v1::ListItemsResponse response;
  grpc::Status status = stub_->ListItems(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.items_size(), 2);
  EXPECT_EQ(response.items(0).target_kind(), v1::TARGET_KIND_CHANNEL);
  EXPECT_EQ(response.items(0).reason(), v1::ITEM_REASON_NEW_CHANNEL);
  const v1::Item& item = response.items(1);
  EXPECT_EQ(item.target_kind(), v1::TARGET_KIND_VIDEO);
  EXPECT_EQ(item.reason(), v1::ITEM_REASON_NEW_VIDEO);
  EXPECT_TRUE(item.breached());
  EXPECT_EQ(item.due_time().seconds() - item.upload_time().seconds(), 36 * 3600);

  request.set_page_token("not-a-token");
  EXPECT_EQ(stub_->ListItems(Context().get(), request, &response).error_code(), grpc::INVALID_ARGUMENT);
  v1::GetItemRequest get;
  get.set_id(424242);
  v1::Item missing;
  EXPECT_EQ(stub_->GetItem(Context().get(), get, &missing).error_code(), grpc::NOT_FOUND);
  v1::ListItemsRequest bad_state;
  bad_state.add_states(static_cast<v1::ItemState>(42));
  EXPECT_EQ(stub_->ListItems(Context().get(), bad_state, &response).error_code(), grpc::INVALID_ARGUMENT);
  // Times and spans past what the clock counts are refused, not wrapped into range.
  v1::ListItemsRequest far_due;
  far_due.mutable_due_before()->set_seconds(std::numeric_limits<int64_t>::max());
  EXPECT_EQ(stub_->ListItems(Context().get(), far_due, &response).error_code(), grpc::INVALID_ARGUMENT);
  v1::ClaimItemsRequest wrapping;
  wrapping.set_count(1);
  wrapping.mutable_lease()->set_seconds(18'446'744'073'709'552);  // in milliseconds, 2^64 + 384
  v1::ClaimItemsResponse claimed;
  grpc::Status wrapped = stub_->ClaimItems(Context().get(), wrapping, &claimed);
  EXPECT_EQ(wrapped.error_code(), grpc::INVALID_ARGUMENT) << wrapped.error_message();
  EXPECT_EQ(wrapped.error_message(), "lease: a span of at most 100 years");
  v1::ClaimItemsRequest mixed_signs;
  mixed_signs.set_count(1);
  mixed_signs.mutable_lease()->set_seconds(1);
  mixed_signs.mutable_lease()->set_nanos(-5);
  grpc::Status mixed = stub_->ClaimItems(Context().get(), mixed_signs, &claimed);
  EXPECT_EQ(mixed.error_code(), grpc::INVALID_ARGUMENT) << mixed.error_message();
  EXPECT_NE(mixed.error_message().find("lease: not a valid Duration"), std::string::npos) << mixed.error_message();
  EXPECT_NE(metrics_.Expose().find("curation_grpc_requests_total{code=\"NOT_FOUND\",method=\"GetItem\"} 1"),
            std::string::npos);
}

// google.protobuf.Duration's own rules: nanos within a second, with the sign of the seconds.
TEST(ServerHelpersTest, FromDurationRefusesWhatIsNotADuration) {
  auto span = [](int64_t seconds, int32_t nanos) {
    google::protobuf::Duration duration;
    duration.set_seconds(seconds);
    duration.set_nanos(nanos);
    return server::FromDuration(duration, "lease");
  };
  EXPECT_EQ(*span(1, 500'000'000), 1500ms);
  EXPECT_EQ(*span(-1, -500'000'000), -1500ms);
  EXPECT_EQ(*span(0, -5'000'000), -5ms);
  EXPECT_EQ(*span(0, 999'999'999), 999ms);
  for (auto [seconds, nanos] : std::vector<std::pair<int64_t, int32_t>>{
           {1, -5}, {-1, 5}, {0, 1'000'000'000}, {0, -1'000'000'000}, {2, std::numeric_limits<int32_t>::max()}}) {
    auto refused = span(seconds, nanos);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << seconds << " s, " << nanos << " ns";
    EXPECT_NE(refused.status().message().find("lease: not a valid Duration"), std::string::npos) << refused.status();
  }
}

TEST_F(ReviewGrpcTest, AnExpiredDeadlineIsAnsweredWithoutWork) {
  v1::ListItemsResponse response;
  auto context = Context(0ms);
  grpc::Status status = stub_->ListItems(context.get(), {}, &response);
  EXPECT_EQ(status.error_code(), grpc::DEADLINE_EXCEEDED);
}

TEST_F(ReviewGrpcTest, ReportsHealthPerService) {
  auto health = grpc::health::v1::Health::NewStub(host_.InProcessChannel());
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(ReviewGrpcService::kName);
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(health->Check(Context().get(), request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  host_.SetServing(false);
  ASSERT_TRUE(health->Check(Context().get(), request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  request.set_service("curation.v1.NoSuchService");
  EXPECT_EQ(health->Check(Context().get(), request, &response).error_code(), grpc::NOT_FOUND);
}

// Claims, decisions and reverts, on items seeded straight into the database.
class DecisionTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    auto statements = ReviewStore::Statements();
    for (auto& s : modlog::LogStore::Statements()) {
      statements.push_back(s);
    }
    pool_ = MakePool(statements, 8);
    store_ = std::make_unique<ReviewStore>(*pool_);
    service_ = std::make_unique<ReviewService>(*store_, clock_, config_, metrics_);
    log_ = std::make_unique<modlog::LogStore>(*pool_);
  }

  // `count` video items, video i uploaded i minutes before now, in channel 7 of category 3.
  void Seed(int count) {
    Exec("INSERT INTO ingest.channels (id, title, is_censored, created_at, created_in_block)"
         " VALUES ('7', 'Seventh channel', false, now(), 1);"
         "INSERT INTO ingest.categories (id, name, created_at, created_in_block) VALUES ('3', 'Music', now(), 1);"
         "INSERT INTO ingest.videos (id, channel_id, category_id, title, is_censored, created_at, created_in_block)"
         " SELECT g::text, '7', '3', 'Video ' || g, false, now(), 1 FROM generate_series(1, " +
         std::to_string(count) +
         ") g;"
         "INSERT INTO review.items (target_kind, target_id, reason, source_seq, uploaded_at, due_at)"
         " SELECT 'video', g::text, 'new_video', g, to_timestamp(" +
         std::to_string(NowSeconds()) + " - g * 60), to_timestamp(" + std::to_string(NowSeconds()) +
         " - g * 60) + interval '36 hours' FROM generate_series(1, " + std::to_string(count) + ") g");
  }
  int64_t NowSeconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
  }
  int64_t ItemOf(const std::string& video) {
    return std::stoll(Scalar("SELECT id FROM review.items WHERE target_id = '" + video + "'"));
  }
  void Exec(const std::string& sql) {
    pqxx::connection connection(url_);
    pqxx::work tx(connection);
    tx.exec(sql);
    tx.commit();
  }
  // Decisions and log entries always come in pairs.
  void ExpectNothingHalfWritten() {
    EXPECT_EQ(Scalar("SELECT count(*) FROM review.decisions"),
              Scalar("SELECT count(*) FROM modlog.entries WHERE item_id IS NOT NULL"));
    EXPECT_EQ(Scalar("SELECT count(*) FROM review.decisions d LEFT JOIN modlog.entries e ON e.id = d.log_entry_id"
                     " WHERE e.id IS NULL OR e.item_id <> d.item_id OR e.kind <> d.action"),
              "0");
  }
  absl::StatusOr<Decision> Censor(const auth::Principal& who, int64_t item, std::string request_id = "") {
    return service_->DecideItem(who, {.item_id = item,
                                      .action = "censor",
                                      .justification = "Full album reupload from a major label, no licence shown.",
                                      .policy_codes = {"copyright"},
                                      .request_id = std::move(request_id)});
  }

  const auth::Principal alice_{.id = 1, .name = "alice", .role = auth::Role::kCurator, .worker_id = 7};
  const auth::Principal bob_{.id = 2, .name = "bob", .role = auth::Role::kCurator, .worker_id = 8};
  const auth::Principal lead_{.id = 3, .name = "lena", .role = auth::Role::kLead, .worker_id = 1};
  ManualClock clock_{TimePoint(std::chrono::seconds(1'800'000'000))};
  ReviewConfig config_;
  MetricsRegistry metrics_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<ReviewStore> store_;
  std::unique_ptr<ReviewService> service_;
  std::unique_ptr<modlog::LogStore> log_;
};

TEST_F(DecisionTest, ACensorWritesItsDecisionAndLogEntryTogetherAndGivesTheChainCommand) {
  Seed(3);
  auto claimed = service_->ClaimItems(alice_, 1, 0ms);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  ASSERT_EQ(claimed->size(), 1u);
  const ItemRow& item = claimed->front().row;
  EXPECT_EQ(item.target_id, "3");  // the earliest due
  EXPECT_EQ(item.state, ItemState::kClaimed);
  EXPECT_EQ(item.lease_holder, "alice");
  EXPECT_EQ(*item.lease_expires_at, clock_.Now() + 10min);

  auto decision = Censor(alice_, item.id);
  ASSERT_TRUE(decision.ok()) << decision.status();
  std::string reference = modlog::EntryReference(decision->record.entry_id);
  EXPECT_EQ(decision->chain_command, "joystream-cli content:setVideoVisibilityAsModerator -v 3 -s HIDDEN -r '" +
                                         reference +
                                         " [copyright]: Full album reupload from a major label, no licence shown.'");
  auto entry = log_->Get(decision->record.entry_id);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->content.kind, "censor");
  EXPECT_EQ(entry->content.actor, "alice");
  EXPECT_EQ(entry->content.actor_worker_id, 7);
  EXPECT_EQ(entry->content.item_id, item.id);
  EXPECT_EQ(entry->content.snapshot.title, "Video 3");
  EXPECT_EQ(entry->content.snapshot.channel_title, "Seventh channel");
  EXPECT_EQ(entry->content.snapshot.category_name, "Music");
  EXPECT_FALSE(entry->confirmed_by_entry_id.has_value());  // pending on chain
  EXPECT_EQ(service_->GetItem(item.id)->row.state, ItemState::kDecided);
  ExpectNothingHalfWritten();
}

// Issue 16: notes at times in the video go into the decision's log entry; bad ones write nothing.
TEST_F(DecisionTest, EvidenceNotesAreSavedInTheLogEntryAndBadOnesRefused) {
  Seed(2);
  auto claimed = service_->ClaimItems(alice_, 2, 0ms);
  ASSERT_TRUE(claimed.ok() && claimed->size() == 2u) << claimed.status();
  const std::vector<modlog::EvidenceNote> notes = {{3000ms, "the broadcaster's logo, top left"},
                                                   {65000ms, "the full chorus of the single"}};
  DecideRequest request{.item_id = claimed->at(0).row.id,
                        .action = "censor",
                        .justification = "Full album reupload from a major label, no licence shown.",
                        .policy_codes = {"copyright"},
                        .evidence = notes};
  auto decision = service_->DecideItem(alice_, request);
  ASSERT_TRUE(decision.ok()) << decision.status();
  auto entry = log_->Get(decision->record.entry_id);
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->content.evidence, notes);
  EXPECT_EQ(entry->content_hash, modlog::ContentHash(entry->content));
  EXPECT_EQ(Scalar("SELECT evidence_texts[2] FROM modlog.entries WHERE id = " +
                   std::to_string(decision->record.entry_id)),
            "the full chorus of the single");

  request.item_id = claimed->at(1).row.id;
  request.evidence = {{3000ms, "fine"}, {-1ms, "before the video starts"}};
  auto refused = service_->DecideItem(alice_, request);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("evidence[1]"), std::string_view::npos) << refused.status();
  EXPECT_EQ(Scalar("SELECT count(*) FROM modlog.entries"), "1") << "a refused decision writes nothing";
  ExpectNothingHalfWritten();
}

TEST_F(DecisionTest, ClaimsAreExclusiveAndLapseBackToTheQueue) {
  Seed(4);
  auto mine = service_->ClaimItems(alice_, 2, 0ms);
  auto theirs = service_->ClaimItems(bob_, 3, 0ms);
  ASSERT_TRUE(mine.ok() && theirs.ok());
  ASSERT_EQ(mine->size(), 2u);
  ASSERT_EQ(theirs->size(), 2u);  // only two were left
  int64_t alices = mine->front().row.id;
  EXPECT_EQ(Censor(bob_, alices).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(service_->RenewClaims(bob_, {alices}, 0ms).status().code(), absl::StatusCode::kFailedPrecondition);

  auto renewed = service_->RenewClaims(alice_, {alices}, 20min);
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_EQ(*renewed->front().row.lease_expires_at, clock_.Now() + 20min);
  EXPECT_EQ(service_->ClaimItems(alice_, 1, 2h).status().code(), absl::StatusCode::kInvalidArgument);

  clock_.Advance(21min);  // every lease lapsed
  auto listed = service_->ListItems({.filter = {.states = {"open"}}});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->items.size(), 4u);
  auto decided_late = Censor(alice_, alices);
  EXPECT_EQ(decided_late.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(decided_late.status().message().find("expired"), std::string::npos) << decided_late.status();
  auto retaken = service_->ClaimItems(bob_, 4, 0ms);
  ASSERT_TRUE(retaken.ok());
  EXPECT_EQ(retaken->size(), 4u);
  EXPECT_EQ(*service_->ReleaseItems(bob_, {(*retaken)[0].row.id, (*retaken)[1].row.id}), 2);
  EXPECT_EQ(*service_->ReleaseItems(alice_, {retaken->back().row.id}), 0);  // not hers
  ASSERT_TRUE(store_->ExpireLeases(clock_.Now() + 1h).ok());
  EXPECT_EQ(Scalar("SELECT count(*) FROM review.items WHERE state = 'open' AND lease_holder IS NULL"), "4");
  ExpectNothingHalfWritten();
}

TEST_F(DecisionTest, BadDecisionsGetAClearStatusAndLeaveNothingBehind) {
  Seed(2);
  auto claimed = service_->ClaimItems(alice_, 2, 0ms);
  ASSERT_TRUE(claimed.ok());
  int64_t item = claimed->front().row.id;
  const std::string good = "Full album reupload from a major label, no licence shown.";
  struct Case {
    std::string name;
    DecideRequest request;
    absl::StatusCode code;
    std::string says;
  };
  std::vector<Case> cases = {
      {"empty justification", {.action = "censor", .policy_codes = {"copyright"}}, absl::StatusCode::kInvalidArgument,
       "justification is required"},
      {"short justification", {.action = "warn", .justification = "bad", .policy_codes = {"thumbnail"}},
       absl::StatusCode::kInvalidArgument, "too short"},
      {"oversized justification",
       {.action = "censor", .justification = std::string(4097, 'x'), .policy_codes = {"copyright"}},
       absl::StatusCode::kInvalidArgument, "4 KiB"},
      {"non-UTF-8 justification",
       {.action = "censor", .justification = good + "\xff\xfe", .policy_codes = {"copyright"}},
       absl::StatusCode::kInvalidArgument, "UTF-8"},
      {"NUL in justification",
       {.action = "censor", .justification = good + std::string(1, '\0'), .policy_codes = {"copyright"}},
       absl::StatusCode::kInvalidArgument, "UTF-8"},
      {"no policy code", {.action = "censor", .justification = good}, absl::StatusCode::kInvalidArgument,
       "at least one code"},
      {"unknown policy code", {.action = "censor", .justification = good, .policy_codes = {"looks-bad"}},
       absl::StatusCode::kInvalidArgument, "unknown code 'looks-bad'"},
      {"hostile policy code", {.action = "censor", .justification = good, .policy_codes = {"a\",\"copyright"}},
       absl::StatusCode::kInvalidArgument, "unknown code"},
      {"warn code on a censor", {.action = "censor", .justification = good, .policy_codes = {"thumbnail"}},
       absl::StatusCode::kInvalidArgument, "at least one censor code"},
      {"channel code on a video", {.action = "warn", .justification = good, .policy_codes = {"missing-avatar"}},
       absl::StatusCode::kInvalidArgument, "applies to a channel"},
      {"approve citing codes", {.action = "approve", .policy_codes = {"copyright"}},
       absl::StatusCode::kInvalidArgument, "no policy codes"},
      {"escalate without a note", {.action = "escalate"}, absl::StatusCode::kInvalidArgument, "note is required"},
      {"unknown action", {.action = "delete"}, absl::StatusCode::kInvalidArgument, "action"},
      {"scope on a warn",
       {.action = "warn", .justification = good, .policy_codes = {"thumbnail"}, .censor_scope = "channel"},
       absl::StatusCode::kInvalidArgument, "censor_scope"},
  };
  for (Case& c : cases) {
    c.request.item_id = item;
    auto result = service_->DecideItem(alice_, c.request);
    EXPECT_EQ(result.status().code(), c.code) << c.name << ": " << result.status();
    EXPECT_NE(result.status().message().find(c.says), std::string::npos) << c.name << ": " << result.status();
  }
  EXPECT_EQ(Scalar("SELECT count(*) FROM modlog.entries"), "0");
  EXPECT_EQ(Scalar("SELECT state FROM review.items WHERE id = " + std::to_string(item)), "claimed");

  // Without a lease, twice, and on an unknown item.
  int64_t unclaimed = ItemOf("1") == item ? ItemOf("2") : ItemOf("1");
  ASSERT_TRUE(service_->ReleaseItems(alice_, {unclaimed}).ok());
  EXPECT_EQ(Censor(alice_, unclaimed).status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(Censor(alice_, item).ok());
  auto twice = Censor(alice_, item);
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(twice.status().message().find("already decided"), std::string::npos);
  EXPECT_EQ(Censor(alice_, 424242).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Scalar("SELECT count(*) FROM modlog.entries"), "1");
  ExpectNothingHalfWritten();
}

// A justification is what the council and the chain see: one a reader cannot see, or that
// reads in another order than it is stored, is refused naming the field and the character.
TEST_F(DecisionTest, InvisibleOrReorderedTextIsRefusedAndWrittenTextInAnyScriptPasses) {
  Seed(5);
  auto claimed = service_->ClaimItems(alice_, 5, 0ms);
  ASSERT_TRUE(claimed.ok());
  const int64_t item = claimed->front().row.id;
  const std::string good = "Full album reupload from a major label, no licence shown.";
  auto times = [](const std::string& piece, int count) {
    std::string out;
    for (int i = 0; i < count; ++i) out += piece;
    return out;
  };
  struct Case {
    std::string name;
    std::string justification;
    std::string says;
  };
  const std::vector<Case> refused = {
      {"30 spaces", std::string(30, ' '), "justification is blank"},
      {"30 zero-width spaces", times("\u200B", 30), "justification contains a zero-width space (U+200B)"},
      {"30 no-break spaces", times("\u00A0", 30), "justification is blank"},
      {"30 ideographic spaces", times("\u3000", 30), "justification is blank"},
      {"spaces and word joiners around 3 letters", "   \u2060abc\u2060" + std::string(30, ' '), "word joiner (U+2060)"},
      {"short once spaces collapse", "a" + std::string(25, ' ') + "b\t\n c", "too short"},
      {"right-to-left override", "Reupload of \u202Eseirtnuoc\u202C from a label, no licence.",
       "justification contains a right-to-left override (U+202E)"},
      {"left-to-right isolate", good + "\u2066x\u2069", "justification contains a left-to-right isolate (U+2066)"},
      {"C1 control", good + "\u009B31m", "justification contains a control character (U+009B)"},
      {"escape", good + "\x1B[2K", "justification contains a control character (U+001B)"},
      {"lone carriage return", good + "\rAll fine here, nothing to see.", "control character (U+000D)"},
      {"NUL", good + std::string(1, '\0'), "contains a NUL character (U+0000)"},
      {"invalid UTF-8", good + "\xC0\xAF", "justification is not valid UTF-8 text"},
      {"hidden ASCII in tags", good + "\U000E0068\U000E0069", "tag character"},
  };
  for (const Case& c : refused) {
    auto result = service_->DecideItem(
        alice_, {.item_id = item, .action = "censor", .justification = c.justification, .policy_codes = {"copyright"}});
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << c.name << ": " << result.status();
    EXPECT_NE(result.status().message().find(c.says), std::string::npos) << c.name << ": " << result.status();
  }
  // Notes and a revert's justification are written text too.
  auto blank_note = service_->DecideItem(alice_, {.item_id = item, .action = "escalate", .note = " \u200B\u3000 "});
  EXPECT_EQ(blank_note.status().code(), absl::StatusCode::kInvalidArgument) << blank_note.status();
  auto reordered_note = service_->DecideItem(alice_, {.item_id = item, .action = "escalate", .note = "lead: \u202Dx"});
  EXPECT_NE(reordered_note.status().message().find("note contains a left-to-right override (U+202D)"),
            std::string::npos)
      << reordered_note.status();
  EXPECT_EQ(Scalar("SELECT count(*) FROM modlog.entries"), "0");

  const std::vector<std::string> written = {
      "Полный альбом крупного лейбла загружен без лицензии.",
      "这是广播公司节目的完整一集，未经许可上传。",
      "قام بتحميل \u200Fحلقة كاملة من برنامج تلفزيوني دون ترخيص.",
      "Full episode reupload 👩\u200D💻🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F, no licence\r\n\tshown.",
  };
  for (size_t i = 0; i < written.size(); ++i) {
    auto decided = service_->DecideItem(alice_, {.item_id = (*claimed)[i].row.id,
                                                 .action = "censor",
                                                 .justification = written[i],
                                                 .policy_codes = {"copyright"}});
    ASSERT_TRUE(decided.ok()) << written[i] << ": " << decided.status();
    EXPECT_EQ(log_->Get(decided->record.entry_id)->content.justification, written[i]);
  }
  auto reverted = service_->RevertDecision(lead_, 1, std::string(40, ' '), "");
  EXPECT_EQ(reverted.status().code(), absl::StatusCode::kInvalidArgument) << reverted.status();
  ExpectNothingHalfWritten();
}

TEST_F(DecisionTest, ARetriedRequestReturnsTheFirstOutcome) {
  Seed(2);
  auto claimed = service_->ClaimItems(alice_, 2, 0ms);
  int64_t item = (*claimed)[0].row.id, other = (*claimed)[1].row.id;
  auto first = Censor(alice_, item, "req-1");
  auto again = Censor(alice_, item, "req-1");
  ASSERT_TRUE(first.ok() && again.ok()) << again.status();
  EXPECT_EQ(first->record.entry_id, again->record.entry_id);
  EXPECT_EQ(first->chain_command, again->chain_command);
  EXPECT_EQ(Scalar("SELECT count(*) FROM review.decisions"), "1");
  auto changed = service_->DecideItem(alice_, {.item_id = item, .action = "approve", .request_id = "req-1"});
  EXPECT_EQ(changed.status().code(), absl::StatusCode::kInvalidArgument);
  auto elsewhere = service_->DecideItem(alice_, {.item_id = other, .action = "approve", .request_id = "req-1"});
  EXPECT_EQ(elsewhere.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(elsewhere.status().message().find("different decision"), std::string::npos) << elsewhere.status();
  EXPECT_EQ(service_->GetItem(other)->row.state, ItemState::kClaimed);
}

TEST_F(DecisionTest, EscalatedItemsAreTheLeadsAndOnlyTheLeadReverts) {
  Seed(2);
  auto claimed = service_->ClaimItems(alice_, 2, 0ms);
  int64_t first = (*claimed)[0].row.id, second = (*claimed)[1].row.id;
  ASSERT_TRUE(service_->DecideItem(alice_, {.item_id = first, .action = "escalate", .note = "Possibly CSAM; lead please."})
                  .ok());
  EXPECT_EQ(service_->GetItem(first)->row.state, ItemState::kEscalated);
  EXPECT_EQ(Censor(alice_, first).status().code(), absl::StatusCode::kPermissionDenied);
  auto by_lead = Censor(lead_, first);  // no claim needed
  ASSERT_TRUE(by_lead.ok()) << by_lead.status();

  auto approved = service_->DecideItem(alice_, {.item_id = second, .action = "approve"});
  ASSERT_TRUE(approved.ok());
  EXPECT_TRUE(approved->chain_command.empty());

  const std::string why = "The uploader showed the label's licence to the lead.";
  EXPECT_EQ(service_->RevertDecision(alice_, by_lead->record.entry_id, why, "").status().code(),
            absl::StatusCode::kPermissionDenied);
  auto not_censor = service_->RevertDecision(lead_, approved->record.entry_id, why, "");
  EXPECT_EQ(not_censor.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(not_censor.status().message().find("not a censor"), std::string::npos);
  EXPECT_EQ(service_->RevertDecision(lead_, by_lead->record.entry_id, "", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->RevertDecision(lead_, 424242, why, "").status().code(), absl::StatusCode::kNotFound);

  auto reverted = service_->RevertDecision(lead_, by_lead->record.entry_id, why, "");
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_NE(reverted->chain_command.find("-s VISIBLE"), std::string::npos);
  EXPECT_NE(reverted->chain_command.find("reverts " + modlog::EntryReference(by_lead->record.entry_id)),
            std::string::npos);
  auto entry = log_->Get(reverted->record.entry_id);
  EXPECT_EQ(entry->content.reverts_entry_id, by_lead->record.entry_id);
  EXPECT_EQ(entry->content.actor, "lena");
  EXPECT_EQ(service_->RevertDecision(lead_, by_lead->record.entry_id, why, "").status().code(),
            absl::StatusCode::kFailedPrecondition);
  ExpectNothingHalfWritten();
}

TEST_F(DecisionTest, ACensorCanHideTheVideosChannel) {
  Seed(1);
  int64_t item = service_->ClaimItems(alice_, 1, 0ms)->front().row.id;
  auto decision = service_->DecideItem(alice_, {.item_id = item,
                                                .action = "censor",
                                                .justification = "The channel only reuploads other people's films.",
                                                .policy_codes = {"copyright"},
                                                .censor_scope = "channel"});
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_NE(decision->chain_command.find("content:setChannelVisibilityAsModerator -c 7 -s HIDDEN"), std::string::npos);
  EXPECT_EQ(log_->Get(decision->record.entry_id)->content.target_kind, "channel");
}

TEST_F(DecisionTest, FiltersTheQueueAndPutsUnplayableFirstAmongEquals) {
  Seed(4);
  // Videos 1 and 2 due at the same minute; 2 is unplayable.
  Exec("UPDATE review.items SET due_at = (SELECT due_at FROM review.items WHERE target_id = '1')"
       " WHERE target_id = '2';"
       "INSERT INTO probe.probes (video_id, depth, verdict, codes, report, bytes_read, duration_ms)"
       " VALUES ('2', 'light', 'unplayable', '{NOT_FOUND}', '{}', 0, 0)");
  Exec("INSERT INTO probe.verdicts (video_id, verdict, codes, summary, depth, probe_id, probed_at)"
       " SELECT '2', 'unplayable', '{NOT_FOUND}', 'NOT_FOUND: gone', 'light', id, now() FROM probe.probes LIMIT 1");
  auto all = service_->ListItems({});
  ASSERT_TRUE(all.ok()) << all.status();
  std::vector<std::string> order;
  for (const auto& item : all->items) {
    order.push_back(item.row.target_id);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"4", "3", "2", "1"}));
  auto unplayable = service_->ListItems({.filter = {.playability = "unplayable"}});
  ASSERT_EQ(unplayable->items.size(), 1u);
  EXPECT_EQ(unplayable->items[0].row.signal, 1);

  ASSERT_TRUE(service_->ClaimItems(bob_, 1, 0ms).ok());
  auto bobs = service_->ListItems({.filter = {.claimed_by = "bob"}});
  ASSERT_EQ(bobs->items.size(), 1u);
  EXPECT_EQ(bobs->items[0].row.target_id, "4");
  EXPECT_EQ(service_->ListItems({.filter = {.channel_id = "7"}})->items.size(), 4u);
  EXPECT_EQ(service_->ListItems({.filter = {.category_id = "9"}})->items.size(), 0u);
  EXPECT_EQ(service_->ListItems({.filter = {.due_before = clock_.Now() + 36h - 150s}})->items.size(), 2u);
  EXPECT_EQ(service_->ListItems({.at_risk_only = true})->items.size(), 0u);
  clock_.Advance(36h - 150s);
  // Two are due now (breached, so no longer at risk); the other two are due within the window.
  auto at_risk = service_->ListItems({.at_risk_only = true});
  ASSERT_TRUE(at_risk.ok()) << at_risk.status();
  ASSERT_EQ(at_risk->items.size(), 2u);
  for (const auto& item : at_risk->items) {
    EXPECT_TRUE(item.at_risk) << item.row.target_id;
  }
  auto first_at_risk = service_->ListItems({.at_risk_only = true, .page_size = 1});
  ASSERT_FALSE(first_at_risk->next_page_token.empty());
  // A page token holds to its filter: the next page of the at-risk list is not a page of all.
  EXPECT_EQ(service_->ListItems({.page_size = 1, .page_token = first_at_risk->next_page_token}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->ListItems({.at_risk_only = true, .page_size = 1, .page_token = first_at_risk->next_page_token})
                ->items.size(),
            1u);
  EXPECT_EQ(service_->ListItems({.filter = {.breached_only = true}})->items.size(), 2u);
  EXPECT_EQ(service_->ListItems({.filter = {.playability = "broken"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Paging through with the signal in the token keeps the order.
  ListItemsQuery query{.page_size = 1};
  std::vector<std::string> paged;
  for (int i = 0; i < 6; ++i) {
    auto page = service_->ListItems(query);
    ASSERT_TRUE(page.ok());
    for (const auto& item : page->items) {
      paged.push_back(item.row.target_id);
    }
    if (page->next_page_token.empty()) {
      break;
    }
    query.page_token = page->next_page_token;
  }
  EXPECT_EQ(paged, order);
}

// Rows each list statement reads from review.items for one page of `page_size`, as PostgreSQL
// counts them (EXPLAIN ANALYZE of the generic plan the pool uses): what the scans returned
// plus what their filters removed.
std::map<std::string, int64_t> RowsReadPerListStatement(const std::string& url, int page_size, TimePoint now) {
  std::map<std::string, int64_t> read;
  pqxx::connection connection(url);
  pqxx::nontransaction tx(connection);
  tx.exec("SET plan_cache_mode = force_generic_plan");
  for (const db::PreparedStatement& statement : ReviewStore::Statements()) {
    if (!statement.name.starts_with("review.list_")) {
      continue;
    }
    tx.exec("PREPARE listing AS " + statement.sql);
    const std::string now_ms = std::to_string(db::ToMillis(now));
    auto plan = nlohmann::json::parse(
        tx.exec("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE listing('{open,claimed,escalated,decided}', -2208988800000,"
                " 0, 0, NULL, false, '', '', '', '', " +
                std::to_string(page_size) + ", " + now_ms + ", NULL)")[0][0]
            .as<std::string>());
    tx.exec("DEALLOCATE listing");
    int64_t rows = 0;
    std::function<void(const nlohmann::json&)> visit = [&](const nlohmann::json& node) {
      if (node.value("Relation Name", "") == "items") {
        rows += (node.value("Actual Rows", int64_t{0}) + node.value("Rows Removed by Filter", int64_t{0})) *
                node.value("Actual Loops", int64_t{1});
      }
      for (const auto& child : node.value("Plans", nlohmann::json::array())) {
        visit(child);
      }
    };
    visit(plan[0]["Plan"]);
    read[statement.name] = rows;
  }
  return read;
}

// A page costs what a page is: each list statement reads the queue by index from where the
// last page ended and stops after its own rows, however long the queue.
TEST_F(DecisionTest, APageReadsItsOwnRowsNotTheWholeQueue) {
  Seed(3000);
  Exec("ANALYZE review.items");
  auto read = RowsReadPerListStatement(url_, 20, clock_.Now());
  ASSERT_FALSE(read.empty());
  for (const auto& [statement, rows] : read) {
    // The page's rows, found by the index, then read again with what a curator sees.
    EXPECT_LE(rows, 2 * 20 + 1) << statement;
  }
}

TEST_F(DecisionTest, TheQueueOrderFollowsVerdictsAndMergesEveryStateAskedFor) {
  Seed(6);
  // Video 2's verdict comes after its item: unplayable, it goes first among those due with it.
  Exec("UPDATE review.items SET due_at = (SELECT due_at FROM review.items WHERE target_id = '1')"
       " WHERE target_id = '2';"
       "INSERT INTO probe.probes (video_id, depth, verdict, codes, report, bytes_read, duration_ms)"
       " VALUES ('2', 'light', 'unplayable', '{}', '{}', 0, 0), ('7', 'light', 'degraded', '{}', '{}', 0, 0)");
  Exec("INSERT INTO probe.verdicts (video_id, verdict, codes, summary, depth, probe_id, probed_at)"
       " SELECT video_id, verdict, codes, verdict, depth, id, now() FROM probe.probes");
  auto order = [&](ListItemsQuery query) {
    std::vector<std::string> ids;
    for (int pages = 0; pages < 20; ++pages) {
      auto page = service_->ListItems(query);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) {
        break;
      }
      for (const auto& item : page->items) {
        ids.push_back(item.row.target_id + ":" + std::string(kItemStates.Db(item.row.state)) + ":" +
                      item.row.playability);
      }
      if (page->next_page_token.empty()) {
        break;
      }
      query.page_token = page->next_page_token;
    }
    return ids;
  };
  EXPECT_EQ(order({}), (std::vector<std::string>{"6:open:", "5:open:", "4:open:", "3:open:", "2:open:unplayable",
                                                 "1:open:"}));
  // A new verdict reaches the item; an item raised after the verdict starts with it.
  Exec("UPDATE probe.verdicts SET verdict = 'playable' WHERE video_id = '2'");
  Exec("INSERT INTO ingest.videos (id, channel_id, category_id, title, is_censored, created_at, created_in_block)"
       " VALUES ('7', '7', '3', 'Video 7', false, now(), 1);"
       "INSERT INTO review.items (target_kind, target_id, reason, source_seq, uploaded_at, due_at)"
       " VALUES ('video', '7', 'new_video', 7, to_timestamp(" + std::to_string(NowSeconds()) +
       "), to_timestamp(" + std::to_string(NowSeconds()) + ") + interval '36 hours')");
  EXPECT_EQ(order({.page_size = 2}), (std::vector<std::string>{"6:open:", "5:open:", "4:open:", "3:open:",
                                                               "1:open:", "2:open:playable", "7:open:degraded"}));

  // Claimed, escalated and decided items each come from their own index, merged in queue order.
  auto claimed = service_->ClaimItems(alice_, 3, 0ms);  // 6, 5, 4
  ASSERT_TRUE(claimed.ok());
  ASSERT_TRUE(service_->DecideItem(alice_, {.item_id = (*claimed)[0].row.id, .action = "approve"}).ok());
  ASSERT_TRUE(service_->DecideItem(alice_, {.item_id = (*claimed)[1].row.id, .action = "escalate", .note = "Lead?"})
                  .ok());
  EXPECT_EQ(order({.filter = {.states = {"decided", "escalated", "claimed"}}, .page_size = 1}),
            (std::vector<std::string>{"6:decided:", "5:escalated:", "4:claimed:"}));
  EXPECT_EQ(order({.filter = {.states = {"decided", "open"}}, .page_size = 2}),
            (std::vector<std::string>{"6:decided:", "3:open:", "1:open:", "2:open:playable", "7:open:degraded"}));
  EXPECT_EQ(order({.filter = {.states = {"claimed"}, .claimed_by = "alice"}}),
            (std::vector<std::string>{"4:claimed:"}));
  EXPECT_EQ(order({.filter = {.states = {"open"}, .claimed_by = "alice"}}), (std::vector<std::string>{}));
  EXPECT_EQ(order({.filter = {.playability = "degraded"}}), (std::vector<std::string>{"7:open:degraded"}));
  EXPECT_EQ(order({.filter = {.category_id = "3", .channel_id = "7"}, .page_size = 3}),
            (std::vector<std::string>{"5:escalated:", "4:claimed:", "3:open:", "1:open:", "2:open:playable",
                                      "7:open:degraded"}));
}

// The queue order is written twice: as InQueueOrder for rows in hand, and as the ORDER BY and
// keyset of the statements (with the items_*queue indexes). On a mixed set (due times shared,
// signals raised by priority and by an unplayable verdict, ids against the due order) every way
// the database orders the queue (one page, pages of one, claims) is the function's order.
TEST_F(DecisionTest, TheDatabaseOrdersTheQueueAsInQueueOrderDoes) {
  Seed(12);
  // Seed makes video g due g minutes before now + 36 h: ids run against due times. Make ties.
  Exec("UPDATE review.items SET due_at = (SELECT due_at FROM review.items WHERE target_id = '3')"
       " WHERE target_id IN ('2', '4', '5', '9');"
       "UPDATE review.items SET due_at = (SELECT due_at FROM review.items WHERE target_id = '11')"
       " WHERE target_id IN ('1', '12');"
       "UPDATE review.items SET priority = 1 WHERE target_id IN ('4', '12');"
       "UPDATE review.items SET priority = 2 WHERE target_id = '9';"
       "INSERT INTO probe.probes (video_id, depth, verdict, codes, report, bytes_read, duration_ms)"
       " VALUES ('5', 'light', 'unplayable', '{}', '{}', 0, 0), ('2', 'light', 'degraded', '{}', '{}', 0, 0)");
  Exec("INSERT INTO probe.verdicts (video_id, verdict, codes, summary, depth, probe_id, probed_at)"
       " SELECT video_id, verdict, codes, verdict, depth, id, now() FROM probe.probes");
  auto all = service_->ListItems({.page_size = 100});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->items.size(), 12u);
  std::vector<ItemRow> rows;
  for (const QueueItem& item : all->items) {
    rows.push_back(item.row);
  }
  std::vector<ItemRow> expected = rows;
  std::sort(expected.begin(), expected.end(),
            [](const ItemRow& a, const ItemRow& b) { return InQueueOrder(PositionOf(a), PositionOf(b)); });
  auto ids = [](const std::vector<ItemRow>& items) {
    std::vector<std::string> out;
    for (const ItemRow& item : items) {
      out.push_back(item.target_id);
    }
    return out;
  };
  // The set is mixed as meant: ties of due time broken by signal, and by id.
  EXPECT_EQ(ids(expected), (std::vector<std::string>{"12", "1", "11", "10", "8", "7", "6", "9", "4", "5", "2", "3"}));
  EXPECT_EQ(ids(rows), ids(expected)) << "one page";

  std::vector<ItemRow> paged;
  ListItemsQuery query{.page_size = 1};
  for (int pages = 0; pages < 20; ++pages) {
    auto page = service_->ListItems(query);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const QueueItem& item : page->items) {
      paged.push_back(item.row);
    }
    if (page->next_page_token.empty()) {
      break;
    }
    query.page_token = page->next_page_token;
  }
  EXPECT_EQ(ids(paged), ids(expected)) << "pages of one, each after the last one's position";

  std::vector<ItemRow> claimed;
  for (int i = 0; i < 12; ++i) {
    auto one = service_->ClaimItems(alice_, 1, 0ms);
    ASSERT_TRUE(one.ok()) << one.status();
    ASSERT_EQ(one->size(), 1u);
    claimed.push_back(one->front().row);
  }
  EXPECT_EQ(ids(claimed), ids(expected)) << "claims";
}

// The lease rules are written twice: as SQL functions (migration 0010) for the statements that
// pick items by them, and as C++ functions for rows in hand. On every kind of row they agree.
TEST_F(DecisionTest, TheLeaseRulesInSqlAgreeWithTheirFunctions) {
  Seed(7);
  const std::string now = std::to_string(NowSeconds());
  Exec("UPDATE review.items SET state = 'claimed', lease_holder = 'alice', lease_expires_at = to_timestamp(" + now +
       " + 60) WHERE target_id = '1';"  // live
       "UPDATE review.items SET state = 'claimed', lease_holder = 'alice', lease_expires_at = to_timestamp(" + now +
       ") WHERE target_id = '2';"  // lapsing at this very instant
       "UPDATE review.items SET state = 'claimed', lease_holder = 'bob', lease_expires_at = to_timestamp(" + now +
       " - 60) WHERE target_id = '3';"  // lapsed
       "UPDATE review.items SET state = 'claimed', lease_holder = 'bob' WHERE target_id = '4';"  // no lease time
       "UPDATE review.items SET state = 'escalated' WHERE target_id = '5';"
       "UPDATE review.items SET state = 'decided', decided_at = now() WHERE target_id = '6'");  // 7 stays open
  pqxx::connection connection(url_);
  pqxx::read_transaction tx(connection);
  const std::string at = "to_timestamp(" + now + ")";
  int checked = 0;
  for (const auto& row : tx.exec("SELECT id, review.lease_lapsed(state, lease_expires_at, " + at +
                                 "), coalesce(review.lease_live(state, lease_expires_at, " + at +
                                 "), false), coalesce(review.lease_held_by(state, lease_holder, lease_expires_at,"
                                 " 'alice', " + at + "), false), review.effective_state(state, lease_expires_at, " +
                                 at + ") FROM review.items")) {
    auto item = store_->GetItem(row[0].as<int64_t>(), std::nullopt);
    ASSERT_TRUE(item.ok()) << item.status();
    const std::string what = item->target_id;
    EXPECT_EQ(row[1].as<bool>(), LeaseLapsed(item->state, item->lease_expires_at, clock_.Now())) << what;
    EXPECT_EQ(row[2].as<bool>(), HoldsLiveLease(*item, item->lease_holder, clock_.Now())) << what;
    EXPECT_EQ(row[3].as<bool>(), HoldsLiveLease(*item, "alice", clock_.Now())) << what;
    EXPECT_EQ(row[4].as<std::string>(),
              kItemStates.Db(EffectiveState(item->state, item->lease_expires_at, clock_.Now()))) << what;
    ++checked;
  }
  EXPECT_EQ(checked, 7);
  // And the counts, which the SQL functions make, are the items as of now.
  auto stats = service_->GetQueueStats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->open, 4);  // 7, and the lapsed 2, 3 and 4
  EXPECT_EQ(stats->claimed, 1);
  EXPECT_EQ(stats->escalated, 1);
}

// Each text column holding a fixed set allows exactly its vocabulary's database spellings.
TEST_F(DecisionTest, TheSchemaSpellsEachSetAsItsVocabularyDoes) {
  auto allowed = [&](const std::string& table, const std::string& column) {
    pqxx::connection connection(url_);
    pqxx::read_transaction tx(connection);
    auto definitions = tx.exec_params(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'c' AND conrelid = $1::regclass"
        " AND pg_get_constraintdef(oid) LIKE $2",
        table, "CHECK ((" + column + " = ANY%");
    std::set<std::string> words;
    EXPECT_EQ(definitions.size(), 1u) << table << "." << column;
    for (const auto& definition : definitions) {
      // CHECK ((state = ANY (ARRAY['open'::text, 'claimed'::text, ...])))
      std::string text = definition[0].as<std::string>();
      for (size_t open = text.find('\''); open != std::string::npos;) {
        size_t close = text.find('\'', open + 1);
        words.insert(text.substr(open + 1, close - open - 1));
        open = text.find('\'', close + 1);
      }
    }
    return words;
  };
  auto spelled = [](const auto& vocabulary) {
    std::set<std::string> words;
    for (const auto& entry : vocabulary.entries()) {
      words.emplace(entry.db);
    }
    return words;
  };
  EXPECT_EQ(allowed("review.items", "state"), spelled(kItemStates));
  EXPECT_EQ(allowed("review.items", "reason"), spelled(kItemReasons));
  EXPECT_EQ(allowed("review.items", "target_kind"), spelled(kTargetKinds));
  EXPECT_EQ(allowed("review.decisions", "action"), spelled(kActions));
  EXPECT_EQ(allowed("review.policy_codes", "applies_to"), spelled(kAppliesTo));
  EXPECT_EQ(allowed("modlog.entries", "kind"), spelled(modlog::kEntryKinds));
  EXPECT_EQ(allowed("modlog.entries", "target_kind"), spelled(kTargetKinds));
}

TEST_F(DecisionTest, StatsCountDepthRiskBreachAndMedianTimeToDecision) {
  Seed(3);
  Exec("UPDATE review.items SET due_at = to_timestamp(" + std::to_string(NowSeconds()) +
       ") - interval '1 hour' WHERE target_id = '1';"
       "UPDATE review.items SET due_at = to_timestamp(" +
       std::to_string(NowSeconds()) + ") + interval '2 hours' WHERE target_id = '2'");
  auto claimed = service_->ClaimItems(alice_, 1, 0ms);  // video 1, the breached one
  ASSERT_TRUE(claimed.ok());
  auto stats = service_->GetQueueStats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->depth, 3);
  EXPECT_EQ(stats->claimed, 1);
  EXPECT_EQ(stats->open, 2);
  EXPECT_EQ(stats->breached, 1);
  EXPECT_EQ(stats->at_risk, 1);
  EXPECT_FALSE(stats->median_time_to_decision.has_value());
  ASSERT_TRUE(service_->DecideItem(alice_, {.item_id = claimed->front().row.id, .action = "approve"}).ok());
  stats = service_->GetQueueStats();
  EXPECT_EQ(stats->depth, 2);
  EXPECT_EQ(stats->decided_recently, 1);
  ASSERT_TRUE(stats->median_time_to_decision.has_value());
  EXPECT_EQ(*stats->median_time_to_decision, 1min);  // uploaded a minute before the decision
  service_->RefreshMetrics();
  std::string exposed = metrics_.Expose();
  EXPECT_NE(exposed.find("curation_review_queue_items{state=\"open\"} 2"), std::string::npos) << exposed;
  EXPECT_NE(exposed.find("curation_review_time_to_decision_median_seconds 60"), std::string::npos);
  EXPECT_NE(exposed.find("curation_review_decisions_total{action=\"approve\"} 1"), std::string::npos);
}

TEST_F(DecisionTest, SixteenCuratorsDecideTwoThousandItemsEachExactlyOnce) {
  constexpr int kItems = 2000;
  Seed(kItems);
  std::atomic<int> decided{0}, conflicts{0};
  std::vector<std::jthread> curators;
  for (int c = 0; c < 16; ++c) {
    curators.emplace_back([&, c] {
      auth::Principal me{.id = 100 + c, .name = "curator-" + std::to_string(c), .role = auth::Role::kCurator};
      while (true) {
        auto claimed = service_->ClaimItems(me, 10, 0ms);
        ASSERT_TRUE(claimed.ok()) << claimed.status();
        if (claimed->empty()) {
          return;
        }
        for (const QueueItem& item : *claimed) {
          auto result = item.row.id % 7 == 0 ? Censor(me, item.row.id)
                                             : service_->DecideItem(me, {.item_id = item.row.id, .action = "approve"});
          (result.ok() ? decided : conflicts)++;
        }
      }
    });
  }
  curators.clear();
  EXPECT_EQ(decided.load(), kItems);
  EXPECT_EQ(conflicts.load(), 0);
  EXPECT_EQ(Scalar("SELECT count(*) FROM review.items WHERE state = 'decided'"), std::to_string(kItems));
  EXPECT_EQ(Scalar("SELECT count(DISTINCT item_id) FROM review.decisions"), std::to_string(kItems));
  EXPECT_EQ(Scalar("SELECT count(*) FROM review.decisions"), std::to_string(kItems));
  ExpectNothingHalfWritten();
  ASSERT_TRUE(log_->SealAll().ok());
  auto report = log_->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->entries_checked, kItems);
}

// ReviewService over gRPC on a TCP listener, over DecisionTest's seeded items: what a client
// sees for bad input, racing claims, and calls that end before the server does.
class DecisionGrpcTest : public DecisionTest {
 protected:
  static constexpr char kJustification[] = "Full album reupload from a major label, no licence shown.";

  void SetUp() override {
    DecisionTest::SetUp();
    rpc_metrics_ = std::make_unique<server::RpcMetrics>(metrics_);
    auth_ = std::make_unique<testing::AuthFixture>(url_);  // "test-curator", "test-lead", ...
    grpc_service_ = std::make_unique<ReviewGrpcService>(*service_, auth_->Env(*rpc_metrics_));
    host_.Register(grpc_service_.get(), ReviewGrpcService::kName);
    ASSERT_TRUE(host_.Start({.listen = "127.0.0.1:0"}).ok());
    stub_ = v1::ReviewService::NewStub(NewChannel());
  }

  // A channel with a connection of its own (no subchannel shared with other channels).
  std::shared_ptr<grpc::Channel> NewChannel() {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(host_.port()), grpc::InsecureChannelCredentials(),
                                     arguments);
  }

  // Claims `count` items as test-curator (lease 1 h, so the clock may move) and returns their ids.
  std::vector<int64_t> ClaimAsCurator(int count) {
    std::vector<int64_t> ids;
    while (static_cast<int>(ids.size()) < count) {
      v1::ClaimItemsRequest request;
      request.set_count(std::min(count - static_cast<int>(ids.size()), ReviewService::kMaxClaim));
      request.mutable_lease()->set_seconds(3600);
      v1::ClaimItemsResponse response;
      grpc::Status status = stub_->ClaimItems(auth_->Context(auth::Role::kCurator).get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok() || response.items_size() == 0) {
        break;
      }
      for (const v1::Item& item : response.items()) {
        ids.push_back(item.id());
      }
    }
    return ids;
  }

  static v1::DecideItemRequest CensorRequest(int64_t item, std::string justification = kJustification,
                                             std::string code = "copyright") {
    v1::DecideItemRequest request;
    request.set_item_id(item);
    request.set_action(v1::ACTION_CENSOR);
    request.set_justification(std::move(justification));
    request.add_policy_codes(std::move(code));
    return request;
  }
  static v1::DecideItemRequest ApproveRequest(int64_t item) {
    v1::DecideItemRequest request;
    request.set_item_id(item);
    request.set_action(v1::ACTION_APPROVE);
    return request;
  }

  grpc::Status Decide(const v1::DecideItemRequest& request, auth::Role role = auth::Role::kCurator,
                      v1::Decision* decision = nullptr) {
    v1::Decision ignored;
    return stub_->DecideItem(auth_->Context(role).get(), request, decision ? decision : &ignored);
  }

  // Per item: "<state> <decisions> <log entries>", e.g. "decided 1 1" or "claimed 0 0".
  std::map<int64_t, std::string> ItemOutcomes() {
    pqxx::connection connection(url_);
    pqxx::read_transaction tx(connection);
    std::map<int64_t, std::string> outcomes;
    for (const auto& row :
         tx.exec("SELECT i.id, i.state, (SELECT count(*) FROM review.decisions d WHERE d.item_id = i.id),"
                 " (SELECT count(*) FROM modlog.entries e WHERE e.item_id = i.id) FROM review.items i")) {
      outcomes[row[0].as<int64_t>()] =
          row[1].as<std::string>() + " " + row[2].as<std::string>() + " " + row[3].as<std::string>();
    }
    return outcomes;
  }

  std::unique_ptr<server::RpcMetrics> rpc_metrics_;
  std::unique_ptr<testing::AuthFixture> auth_;
  std::unique_ptr<ReviewGrpcService> grpc_service_;
  server::GrpcHost host_;
  std::unique_ptr<v1::ReviewService::Stub> stub_;
};

// Free text travels as `bytes`, so text that is not UTF-8 reaches the server's own check (a
// proto3 `string` would fail to parse first, as INTERNAL with no message). The call is refused
// naming the field, nothing is written, the claim stands, and the item can still be decided.
TEST_F(DecisionGrpcTest, NonUtf8TextIsRefusedAndWritesNothing) {
  Seed(2);
  std::vector<int64_t> items = ClaimAsCurator(2);
  ASSERT_EQ(items.size(), 2u);
  const std::string bad = std::string(kJustification) + "\xff\xfe";
  v1::DecideItemRequest escalate;
  escalate.set_item_id(items[1]);
  escalate.set_action(v1::ACTION_ESCALATE);
  escalate.set_note("Lead, please look: \xc3\x28");
  v1::RevertDecisionRequest revert;
  revert.set_entry_id(1);
  revert.set_justification(bad);
  v1::Decision ignored;
  std::vector<std::pair<std::string, grpc::Status>> calls = {
      {"censor", Decide(CensorRequest(items[0], bad))},
      {"escalate", Decide(escalate)},
      {"revert", stub_->RevertDecision(auth_->Context(auth::Role::kLead).get(), revert, &ignored)},
  };
  for (const auto& [name, status] : calls) {
    EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT) << name << ": " << status.error_message();
    EXPECT_NE(status.error_message().find("not valid UTF-8"), std::string::npos) << name << ": "
                                                                                 << status.error_message();
  }
  EXPECT_EQ(Scalar("SELECT count(*) FROM review.decisions"), "0");
  EXPECT_EQ(Scalar("SELECT count(*) FROM modlog.entries"), "0");
  EXPECT_EQ(Scalar("SELECT string_agg(state || ':' || lease_holder, ',') FROM review.items"),
            "claimed:test-curator,claimed:test-curator");
  EXPECT_TRUE(Decide(CensorRequest(items[0])).ok());
  ExpectNothingHalfWritten();
}

TEST_F(DecisionGrpcTest, ClaimsRacingFromSixteenClientsNeverShareAnItem) {
  constexpr int kItems = 600;
  constexpr int kClients = 16;
  Seed(kItems);
  std::vector<std::string> tokens;
  for (int c = 0; c < kClients; ++c) {
    auto token = auth_->store().Add({.name = "racer-" + std::to_string(c), .role = auth::Role::kCurator});
    ASSERT_TRUE(token.ok()) << token.status();
    tokens.push_back(*token);
  }
  std::vector<std::vector<int64_t>> claimed(kClients);
  std::vector<std::jthread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto stub = v1::ReviewService::NewStub(NewChannel());
      const std::string me = "racer-" + std::to_string(c);
      v1::ClaimItemsRequest request;
      request.set_count(1 + c % 7);
      while (true) {
        v1::ClaimItemsResponse response;
        grpc::Status status =
            stub->ClaimItems(testing::ContextWithHeader("Bearer " + tokens[c]).get(), request, &response);
        ASSERT_TRUE(status.ok()) << me << ": " << status.error_code() << " " << status.error_message();
        if (response.items_size() == 0) {
          return;
        }
        for (const v1::Item& item : response.items()) {
          EXPECT_EQ(item.claimed_by(), me);
          EXPECT_EQ(item.state(), v1::ITEM_STATE_CLAIMED);
          claimed[c].push_back(item.id());
        }
      }
    });
  }
  clients.clear();
  std::map<int64_t, int> times_claimed;
  for (int c = 0; c < kClients; ++c) {
    for (int64_t id : claimed[c]) {
      ++times_claimed[id];
    }
    EXPECT_EQ(Scalar("SELECT count(*) FROM review.items WHERE lease_holder = 'racer-" + std::to_string(c) + "'"),
              std::to_string(claimed[c].size()));
  }
  EXPECT_EQ(times_claimed.size(), static_cast<size_t>(kItems));
  for (const auto& [id, times] : times_claimed) {
    EXPECT_EQ(times, 1) << "item " << id << " was in " << times << " responses";
  }
  EXPECT_EQ(Scalar("SELECT count(*) FROM review.items WHERE state = 'claimed'"), std::to_string(kItems));
}

// Calls that end on the client's side (a 1-5 ms deadline, or cancelled right after they start)
// while the server may still be deciding: each decision is all there or not at all.
TEST_F(DecisionGrpcTest, ClientsLeavingMidCallLeaveNothingHalfWritten) {
  constexpr int kItems = 300;  // a multiple of kWave
  Seed(kItems);
  std::vector<int64_t> items = ClaimAsCurator(kItems);
  ASSERT_EQ(items.size(), static_cast<size_t>(kItems));
  struct Call {
    std::unique_ptr<grpc::ClientContext> context;
    v1::DecideItemRequest request;
    v1::Decision response;
    grpc::Status status;
  };
  std::vector<Call> calls(kItems);
  // In waves well under the host's 32 threads, so no call is refused for want of one.
  constexpr int kWave = 12;
  std::deque<std::latch> waves;  // kept to the end: a callback may still be inside count_down()
  for (int first = 0; first < kItems; first += kWave) {
    std::latch& done = waves.emplace_back(kWave);
    std::vector<grpc::ClientContext*> to_cancel;
    for (int i = first; i < first + kWave; ++i) {
      Call& call = calls[i];
      // Every third call is the control: a normal deadline, it must succeed.
      call.context = auth_->Context(auth::Role::kCurator, i % 3 == 0 ? std::chrono::milliseconds(1 + i % 5) : 5s);
      call.request = i % 2 == 0 ? CensorRequest(items[i]) : ApproveRequest(items[i]);
      stub_->async()->DecideItem(call.context.get(), &call.request, &call.response, [&call, &done](grpc::Status s) {
        call.status = std::move(s);
        done.count_down();
      });
      if (i % 3 == 1) {
        to_cancel.push_back(call.context.get());
      }
    }
    std::jthread canceller([&] {
      for (grpc::ClientContext* context : to_cancel) {
        context->TryCancel();
      }
    });
    done.wait();
  }
  host_.Shutdown(10s);  // lets handlers still running after their client left finish

  std::map<int64_t, std::string> outcomes = ItemOutcomes();
  std::map<grpc::StatusCode, int> codes;
  for (int i = 0; i < kItems; ++i) {
    const Call& call = calls[i];
    ++codes[call.status.error_code()];
    const std::string& outcome = outcomes[items[i]];
    if (call.status.ok()) {
      EXPECT_EQ(outcome, "decided 1 1") << "item " << items[i];
    } else {
      EXPECT_TRUE(outcome == "decided 1 1" || outcome == "claimed 0 0")
          << "item " << items[i] << " after " << call.status.error_code() << " '" << call.status.error_message()
          << "': " << outcome;
      // RESOURCE_EXHAUSTED: the server gave up waiting for a pooled connection at the call's
      // deadline and said so before the client's own timer fired (reported: it is a deadline).
      EXPECT_TRUE(call.status.error_code() == grpc::DEADLINE_EXCEEDED || call.status.error_code() == grpc::CANCELLED ||
                  call.status.error_code() == grpc::RESOURCE_EXHAUSTED)
          << call.status.error_code() << " " << call.status.error_message();
    }
    if (i % 3 == 2) {
      EXPECT_TRUE(call.status.ok()) << "control call " << i << ": " << call.status.error_message();
    }
  }
  EXPECT_GT(kItems - codes[grpc::OK], 0) << "no call ended early: the test tested nothing";
  ExpectNothingHalfWritten();
  EXPECT_EQ(Scalar("SELECT count(*) FROM (SELECT item_id FROM review.decisions GROUP BY item_id"
                   " HAVING count(*) > 1) twice"),
            "0");

  // What the server never finished is still the curator's to decide, and the chain holds.
  const auth::Principal curator{.id = 1, .name = "test-curator", .role = auth::Role::kCurator};
  for (const auto& [id, outcome] : outcomes) {
    if (outcome == "claimed 0 0") {
      EXPECT_TRUE(service_->DecideItem(curator, {.item_id = id, .action = "approve"}).ok()) << "item " << id;
    }
  }
  EXPECT_EQ(Scalar("SELECT count(*) FROM review.items WHERE state <> 'decided'"), "0");
  ASSERT_TRUE(log_->SealAll().ok());
  auto report = log_->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->entries_checked, kItems);
}

TEST_F(DecisionGrpcTest, BadDecisionsGetAClearStatusOverGrpc) {
  Seed(4);
  std::vector<int64_t> items = ClaimAsCurator(4);
  ASSERT_EQ(items.size(), 4u);
  const int64_t decided = items[0], lapsing = items[1], released = items[2];
  v1::Decision approved;
  ASSERT_TRUE(Decide(ApproveRequest(decided), auth::Role::kCurator, &approved).ok());
  v1::ReleaseItemsRequest release;
  release.add_item_ids(released);
  v1::ReleaseItemsResponse released_count;
  ASSERT_TRUE(stub_->ReleaseItems(auth_->Context(auth::Role::kCurator).get(), release, &released_count).ok());
  ASSERT_EQ(released_count.released(), 1);

  v1::RevertDecisionRequest revert_approve;
  revert_approve.set_entry_id(approved.entry_id());
  revert_approve.set_justification("The uploader showed the label's licence to the lead.");
  v1::Decision ignored;
  struct Case {
    std::string name;
    grpc::Status status;
    grpc::StatusCode code;
    std::string says;
  };
  std::vector<Case> cases = {
      {"unknown policy code", Decide(CensorRequest(items[3], kJustification, "looks-bad")), grpc::INVALID_ARGUMENT,
       "unknown code 'looks-bad'"},
      {"empty justification", Decide(CensorRequest(items[3], "")), grpc::INVALID_ARGUMENT,
       "justification is required"},
      {"4 KiB + 1 justification", Decide(CensorRequest(items[3], std::string(4097, 'x'))), grpc::INVALID_ARGUMENT,
       "4 KiB"},
      {"deciding twice", Decide(CensorRequest(decided)), grpc::FAILED_PRECONDITION, "already decided"},
      {"without a lease", Decide(CensorRequest(released)), grpc::FAILED_PRECONDITION, "claim item"},
      {"revert of an approve",
       stub_->RevertDecision(auth_->Context(auth::Role::kLead).get(), revert_approve, &ignored),
       grpc::FAILED_PRECONDITION, "not a censor"},
  };
  clock_.Advance(61min);  // past the hour-long leases
  cases.push_back({"lease expired", Decide(CensorRequest(lapsing)), grpc::FAILED_PRECONDITION, "expired"});
  for (const Case& c : cases) {
    EXPECT_EQ(c.status.error_code(), c.code) << c.name << ": " << c.status.error_message();
    EXPECT_NE(c.status.error_message().find(c.says), std::string::npos) << c.name << ": " << c.status.error_message();
  }
  EXPECT_EQ(Scalar("SELECT count(*) FROM review.decisions"), "1");  // the approve
  EXPECT_EQ(Scalar("SELECT count(*) FROM modlog.entries"), "1");
  ExpectNothingHalfWritten();
}

}  // namespace
}  // namespace curation::review
