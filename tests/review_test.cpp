#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <curation/ingest/ingestor.hpp>
#include <curation/review/feed_consumer.hpp>
#include <curation/review/review_grpc_service.hpp>
#include <curation/server/grpc_host.hpp>
#include <fakes/fake_query_node.hpp>
#include <grpc/health/v1/health.grpc.pb.h>

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
    service_ = std::make_unique<ReviewService>(*store_, clock_, config_);
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
  auto page = service_->ListItems({.states = {"open"}});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->items.size(), 4u);
  // The channel, created near genesis, is the oldest item of all.
  EXPECT_EQ(page->items[0].row.target_kind, "channel");
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
  EXPECT_EQ(service_->ListItems({.states = {"lost"}}).status().code(), absl::StatusCode::kInvalidArgument);
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
    grpc_service_ = std::make_unique<ReviewGrpcService>(*service_, *rpc_metrics_);
    host_.Register(grpc_service_.get(), ReviewGrpcService::kName);
    ASSERT_TRUE(host_.Start({.listen = "127.0.0.1:0"}).ok());
    stub_ = v1::ReviewService::NewStub(host_.InProcessChannel());
  }
  std::unique_ptr<grpc::ClientContext> Context(std::chrono::milliseconds timeout = 5s) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + timeout);
    return context;
  }
  std::unique_ptr<server::RpcMetrics> rpc_metrics_;
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
  EXPECT_NE(metrics_.Expose().find("curation_grpc_requests_total{code=\"NOT_FOUND\",method=\"GetItem\"} 1"),
            std::string::npos);
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

}  // namespace
}  // namespace curation::review
