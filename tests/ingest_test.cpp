#include <limits>
#include <thread>

#include <gtest/gtest.h>

#include <curation/common/text.hpp>
#include <curation/ingest/ingest_service.hpp>
#include <curation/ingest/ingestor.hpp>
#include <curation/ingest/page_parser.hpp>
#include <curation/ingest/vocabulary.hpp>
#include <fakes/fake_distributor.hpp>
#include <fakes/fake_query_node.hpp>

#include "postgres_fixture.hpp"

namespace curation::ingest {
namespace {

using namespace std::chrono_literals;
using fakes::FakeQueryNode;
using Fault = FakeQueryNode::Fault;
using nlohmann::json;

const StreamSpec& StreamNamed(const std::string& name) {
  for (const StreamSpec& stream : Streams()) {
    if (stream.name == name) {
      return stream;
    }
  }
  throw std::out_of_range("no stream " + name);
}

class IngestTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    pool_ = MakePool(IngestStore::Statements());
    store_ = std::make_unique<IngestStore>(*pool_);
    client_ = std::make_unique<QueryNodeClient>(fake_.Url(), 2s, 4 << 20);
    config_.poll_interval = 20ms;
    config_.overlap_blocks = 2;
    config_.overlap_time = 5s;
    config_.backoff_initial = 1ms;
    config_.backoff_max = 5ms;
    ingestor_ = std::make_unique<Ingestor>(*store_, *client_, config_, /*page_size=*/3, metrics_);
  }

  void PutVideos(int first, int last, int block_of_first, const std::string& channel = "1") {
    for (int id = first; id <= last; ++id) {
      int block = block_of_first + (id - first);
      fake_.PutVideo(FakeQueryNode::MakeVideo(id, block, FakeQueryNode::BlockIso(block), channel));
    }
  }
  int Count(const std::string& table, const std::string& where = "true") {
    return std::stoi(Scalar("SELECT count(*) FROM " + table + " WHERE " + where));
  }
  // Polls until one pass succeeds, as the run loop would after backing off.
  void PollUntilOk(int attempts = 10) {
    absl::Status status;
    for (int i = 0; i < attempts; ++i) {
      status = ingestor_->PollOnce();
      if (status.ok()) {
        return;
      }
    }
    FAIL() << "never recovered: " << status;
  }

  FakeQueryNode fake_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<IngestStore> store_;
  std::unique_ptr<QueryNodeClient> client_;
  IngestConfig config_;
  MetricsRegistry metrics_;
  std::unique_ptr<Ingestor> ingestor_;
};

TEST_F(IngestTest, IngestsEveryEntityAcrossPagesExactlyOnce) {
  fake_.PutCategory(FakeQueryNode::MakeCategory("254433-2", 1, FakeQueryNode::BlockIso(1)));
  for (int id = 1; id <= 4; ++id) {
    fake_.PutChannel(FakeQueryNode::MakeChannel(id, id, FakeQueryNode::BlockIso(id)));
  }
  PutVideos(1, 10, 5);
  fake_.PutEvent(FakeQueryNode::EventKind::kVideoVisibility,
                 FakeQueryNode::MakeVideoVisibilityEvent("OLYMPIA-20-1", 20, 1, 3, true, "breaks policy 4.2"));
  fake_.PutEvent(FakeQueryNode::EventKind::kChannelVisibility,
                 FakeQueryNode::MakeChannelVisibilityEvent("OLYMPIA-21-0", 21, 0, 2, true, "spam channel"));
  fake_.PutEvent(FakeQueryNode::EventKind::kVideoAssetsDeleted,
                 FakeQueryNode::MakeVideoAssetsDeletedEvent("OLYMPIA-22-0", 22, 0, 4, {101, 102}, false, "illegal"));
  fake_.PutEvent(FakeQueryNode::EventKind::kChannelAssetsDeleted,
                 FakeQueryNode::MakeChannelAssetsDeletedEvent("OLYMPIA-23-0", 23, 0, 2, {7}, "doxxing"));

  ASSERT_TRUE(ingestor_->PollOnce().ok());
  EXPECT_EQ(Count("ingest.categories"), 1);
  EXPECT_EQ(Count("ingest.channels"), 4);
  EXPECT_EQ(Count("ingest.videos"), 10);
  EXPECT_EQ(Count("ingest.moderator_events"), 4);
  EXPECT_GE(Count("ingest.data_objects"), 20);
  EXPECT_EQ(Count("ingest.feed", "kind = 'video_created'"), 10);
  EXPECT_EQ(Count("ingest.feed", "kind = 'channel_created'"), 4);
  EXPECT_EQ(Count("ingest.feed", "kind = 'moderator_event'"), 4);
  EXPECT_EQ(Scalar("SELECT mark_block FROM ingest.cursors WHERE stream = 'videos.created'"), "14");
  // Complete up to the head read before the pass (the newest event, block 23).
  EXPECT_EQ(Scalar("SELECT caught_up_block FROM ingest.stream_status WHERE stream = 'videos.created'"), "23");
  // Streams that found nothing keep their starting mark, saved.
  EXPECT_EQ(Scalar("SELECT count(*) FROM ingest.cursors"), std::to_string(Streams().size()));
  EXPECT_EQ(Scalar("SELECT actor_kind || ':' || actor_curator_id || ':' || target_id || ':' || rationale"
                   " FROM ingest.moderator_events WHERE id = 'OLYMPIA-20-1'"),
            std::string(kActorKinds.Db(ActorKind::kCurator)) + ":3:3:breaks policy 4.2");
  EXPECT_EQ(Scalar("SELECT asset_ids::text FROM ingest.moderator_events WHERE id = 'OLYMPIA-22-0'"), "{101,102}");

  // A second pass re-reads the overlap and changes nothing.
  int feed = Count("ingest.feed");
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  EXPECT_EQ(Count("ingest.feed"), feed);
  EXPECT_EQ(Count("ingest.videos"), 10);
}

TEST_F(IngestTest, PagesThroughManyItemsInOneBlock) {
  for (int id = 1; id <= 8; ++id) {
    fake_.PutVideo(FakeQueryNode::MakeVideo(id, 5, FakeQueryNode::BlockIso(5), "1"));
  }
  PutVideos(9, 9, 6);
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  EXPECT_EQ(Count("ingest.videos"), 9);
  EXPECT_EQ(Count("ingest.feed", "kind = 'video_created'"), 9);
}

TEST_F(IngestTest, ResumesFromItsMarkWithAnOverlap) {
  PutVideos(1, 5, 10);
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  PutVideos(6, 8, 15);
  fake_.ClearRequests();
  // A fresh ingestor, as after a restart: the mark comes from the database.
  Ingestor restarted(*store_, *client_, config_, 3, metrics_);
  ASSERT_TRUE(restarted.PollOnce().ok());
  bool saw_resume = false;
  for (const auto& request : fake_.Requests()) {
    if (request.operation == "VideosCreated" && request.variables["after"].is_null()) {
      EXPECT_GE(request.variables["since"].get<int>(), 14 - config_.overlap_blocks);
      saw_resume = true;
      break;
    }
  }
  EXPECT_TRUE(saw_resume);
  EXPECT_EQ(Count("ingest.videos"), 8);
  EXPECT_EQ(Count("ingest.feed", "kind = 'video_created'"), 8);
}

struct FaultCase {
  const char* name;
  Fault fault;
  absl::StatusCode code;
  int times = 1;
};

class IngestFaultTest : public IngestTest, public ::testing::WithParamInterface<FaultCase> {};

TEST_P(IngestFaultTest, FailsCleanlyThenRecoversWithoutLossOrDuplicates) {
  PutVideos(1, 10, 1);
  // Two good pages, then the fault on the third: a failure in the middle of paging.
  Fault pass{.kind = Fault::Kind::kDelay, .delay = 0ms, .operation = "VideosCreated"};
  fake_.InjectFault(pass, 2);
  Fault fault = GetParam().fault;
  fault.operation = "VideosCreated";
  fake_.InjectFault(fault, GetParam().times);

  absl::Status failed = ingestor_->PollOnce();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.code(), GetParam().code) << failed;
  EXPECT_NE(Scalar("SELECT last_error FROM ingest.stream_status WHERE stream = 'videos.created'"), "");
  // The mark covers what was stored and nothing more.
  int stored = Count("ingest.videos");
  int mark = std::stoi(Scalar("SELECT coalesce(mark_block, -1) FROM ingest.cursors WHERE stream = 'videos.created'"
                              " UNION ALL SELECT -1 LIMIT 1"));
  EXPECT_LE(mark, stored);  // video n sits in block n

  PollUntilOk();
  EXPECT_EQ(Count("ingest.videos"), 10);
  EXPECT_EQ(Count("ingest.feed", "kind = 'video_created'"), 10);
  EXPECT_EQ(Scalar("SELECT mark_block FROM ingest.cursors WHERE stream = 'videos.created'"), "10");
}

INSTANTIATE_TEST_SUITE_P(
    Faults, IngestFaultTest,
    ::testing::Values(
        FaultCase{"http500", {.kind = Fault::Kind::kHttpStatus, .http_status = 500}, absl::StatusCode::kUnavailable},
        FaultCase{"http503", {.kind = Fault::Kind::kHttpStatus, .http_status = 503}, absl::StatusCode::kUnavailable},
        FaultCase{"http429",
                  {.kind = Fault::Kind::kHttpStatus, .http_status = 429, .retry_after = "7"},
                  absl::StatusCode::kResourceExhausted},
        FaultCase{"malformed", {.kind = Fault::Kind::kMalformedJson}, absl::StatusCode::kDataLoss},
        FaultCase{"truncated", {.kind = Fault::Kind::kTruncatedBody}, absl::StatusCode::kDataLoss},
        FaultCase{"graphql_errors", {.kind = Fault::Kind::kGraphqlErrors}, absl::StatusCode::kUnavailable},
        // curl retries once, on a new connection, when a reused one closes unanswered.
        FaultCase{"closed", {.kind = Fault::Kind::kCloseConnection}, absl::StatusCode::kUnavailable, 2},
        FaultCase{"empty_page", {.kind = Fault::Kind::kEmptyPageWithNext}, absl::StatusCode::kDataLoss},
        // A huge page is asked for again in smaller pages; only when even one item is too big
        // does the pass fail.
        FaultCase{"huge", {.kind = Fault::Kind::kHugeBody}, absl::StatusCode::kOutOfRange, 2},
        FaultCase{"slow", {.kind = Fault::Kind::kDelay, .delay = 3s}, absl::StatusCode::kDeadlineExceeded}),
    [](const ::testing::TestParamInfo<FaultCase>& info) { return info.param.name; });

TEST_F(IngestTest, AQueryNodeThatIsDownStoresNothingAndSaysWhy) {
  QueryNodeClient down("http://127.0.0.1:9/graphql", 1s, 1 << 20);
  Ingestor ingestor(*store_, down, config_, 3, metrics_);
  absl::Status status = ingestor.PollOnce();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("127.0.0.1:9"), std::string::npos) << status;
  EXPECT_EQ(Count("ingest.cursors"), 0);
  IngestService service(*store_, "http://127.0.0.1:9/graphql");
  auto view = service.GetStatus();
  ASSERT_TRUE(view.ok());
  EXPECT_NE(view->last_error.find("head"), std::string::npos) << view->last_error;
}

TEST_F(IngestTest, HonoursRetryAfterAndBacksOffWithJitter) {
  absl::Status throttled = absl::ResourceExhaustedError("429");
  PutVideos(1, 1, 1);
  fake_.InjectFault({.kind = Fault::Kind::kHttpStatus, .http_status = 429, .retry_after = "7"});
  throttled = ingestor_->PollOnce();
  ASSERT_EQ(throttled.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_GE(ingestor_->Backoff(1, throttled), 7s);

  IngestConfig config = config_;
  config.backoff_initial = 1s;
  config.backoff_max = 60s;
  Ingestor ingestor(*store_, *client_, config, 3, metrics_);
  absl::Status plain = absl::UnavailableError("down");
  std::set<int64_t> seen;
  for (int i = 0; i < 20; ++i) {
    auto pause = ingestor.Backoff(3, plain);
    EXPECT_GE(pause, 2s);
    EXPECT_LE(pause, 4s);
    seen.insert(pause.count());
  }
  EXPECT_GT(seen.size(), 1u) << "jitter";
  EXPECT_LE(ingestor.Backoff(30, plain), 60s);
}

TEST_F(IngestTest, SetsAsideHostileItemsAndKeepsTheGoodOnes) {
  PutVideos(1, 2, 1);
  json long_title = FakeQueryNode::MakeVideo(3, 3, FakeQueryNode::BlockIso(3), "1");
  long_title["title"] = std::string(1 << 20, 'A');
  long_title["description"] = std::string("nul\0byte", 8);
  long_title["duration"] = 99999999999;
  long_title["mediaMetadata"]["size"] = "123456789012";
  long_title["license"] = "not an object";
  long_title["unexpected"] = {{"extra", true}};
  fake_.PutVideo(long_title);
  json no_block = FakeQueryNode::MakeVideo(4, 4, FakeQueryNode::BlockIso(4), "1");
  no_block.erase("createdInBlock");
  fake_.PutVideo(no_block);
  json null_censored = FakeQueryNode::MakeVideo(5, 5, FakeQueryNode::BlockIso(5), "1");
  null_censored["isCensored"] = nullptr;
  fake_.PutVideo(null_censored);
  json no_channel = FakeQueryNode::MakeVideo(6, 6, FakeQueryNode::BlockIso(6), "1");
  no_channel["channel"] = nullptr;
  fake_.PutVideo(no_channel);
  json bad_time = FakeQueryNode::MakeVideo(7, 7, "the day after tomorrow", "1");
  fake_.PutVideo(bad_time);
  PutVideos(8, 9, 8);

  ASSERT_TRUE(ingestor_->PollOnce().ok());
  EXPECT_EQ(Count("ingest.videos"), 5);  // 1, 2, 3, 8, 9
  EXPECT_EQ(Scalar("SELECT length(title) FROM ingest.videos WHERE id = '3'"), "1000");
  EXPECT_EQ(Scalar("SELECT description FROM ingest.videos WHERE id = '3'"), "nulbyte");
  EXPECT_EQ(Scalar("SELECT duration_seconds IS NULL FROM ingest.videos WHERE id = '3'"), "t");
  EXPECT_EQ(Scalar("SELECT media_declared_size FROM ingest.videos WHERE id = '3'"), "123456789012");
  EXPECT_EQ(Count("ingest.rejected_items"), 3);  // video 4 has no block, so it sorts outside every page
  EXPECT_EQ(Scalar("SELECT reason FROM ingest.rejected_items WHERE item_id = '5'"), "missing or invalid isCensored");
  EXPECT_EQ(Scalar("SELECT reason FROM ingest.rejected_items WHERE item_id = '6'"), "missing channel.id");
  EXPECT_EQ(Scalar("SELECT reason FROM ingest.rejected_items WHERE item_id = '7'"), "missing or invalid createdAt");
  EXPECT_EQ(Scalar("SELECT mark_block FROM ingest.cursors WHERE stream = 'videos.created'"), "9");

  // Seen again through the overlap: counted, not duplicated.
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  EXPECT_EQ(Count("ingest.rejected_items"), 3);
}

TEST_F(IngestTest, DuplicatedAndReorderedItemsAcrossPages) {
  fake_.SetRepeatLastItemOnNextPage(true);
  fake_.SetReverseWithinPage(true);
  PutVideos(1, 11, 1);
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  EXPECT_EQ(Count("ingest.videos"), 11);
  EXPECT_EQ(Count("ingest.feed", "kind = 'video_created'"), 11);
}

TEST_F(IngestTest, ChangedMediaRaisesANewItemButATitleEditDoesNot) {
  json video = FakeQueryNode::MakeVideo(1, 1, FakeQueryNode::BlockIso(1), "1");
  fake_.PutVideo(video);
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  ASSERT_EQ(Count("ingest.feed"), 1);

  video["title"] = "A better title";
  video["updatedAt"] = FakeQueryNode::BlockIso(50);
  fake_.PutVideo(video);
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  EXPECT_EQ(Scalar("SELECT title FROM ingest.videos WHERE id = '1'"), "A better title");
  EXPECT_EQ(Count("ingest.feed"), 1);

  video["media"]["id"] = "9999";
  video["updatedAt"] = FakeQueryNode::BlockIso(60);
  fake_.PutVideo(video);
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  EXPECT_EQ(Count("ingest.feed", "kind = 'video_assets_changed' AND target_id = '1'"), 1);
  EXPECT_EQ(Scalar("SELECT occurred_at = '" + FakeQueryNode::BlockIso(60) +
                   "'::timestamptz FROM ingest.feed WHERE kind = 'video_assets_changed'"),
            "t");
}

TEST_F(IngestTest, BackfillRereadsWithoutDuplicatingAndWinsOverAnInFlightPoll) {
  PutVideos(1, 6, 1);
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  auto cursors = store_->LoadCursors();
  ASSERT_TRUE(cursors.ok());
  Cursor stale = cursors->at("videos.created");

  IngestService service(*store_, fake_.Url());
  EXPECT_EQ(service.StartBackfill(-1).code(), absl::StatusCode::kInvalidArgument);
  // Past the head (block 6) there is nothing to read again: refused, and nothing rewinds.
  for (int64_t beyond : {int64_t{7}, int64_t{1} << 62, std::numeric_limits<int64_t>::max()}) {
    absl::Status refused = service.StartBackfill(beyond);
    EXPECT_EQ(refused.code(), absl::StatusCode::kOutOfRange) << beyond << ": " << refused;
    EXPECT_NE(refused.message().find("beyond the chain head (block 6)"), std::string::npos) << refused;
  }
  EXPECT_EQ(Scalar("SELECT generation FROM ingest.cursors WHERE stream = 'videos.created'"), std::to_string(stale.generation));
  ASSERT_TRUE(service.StartBackfill(0).ok());
  EXPECT_EQ(Scalar("SELECT mark_block FROM ingest.cursors WHERE stream = 'videos.created'"), "-1");

  // A poll that loaded its cursor before the rewind may not overwrite it.
  EXPECT_EQ(store_->StorePage(StreamNamed("videos.created"), EncodedPage{}, stale).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Scalar("SELECT mark_block FROM ingest.cursors WHERE stream = 'videos.created'"), "-1");

  fake_.ClearRequests();
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  EXPECT_EQ(fake_.Requests().size() > 3, true);
  EXPECT_EQ(Count("ingest.videos"), 6);
  EXPECT_EQ(Count("ingest.feed"), 6);
  EXPECT_EQ(Scalar("SELECT mark_block FROM ingest.cursors WHERE stream = 'videos.created'"), "6");
}

TEST_F(IngestTest, StatusReportsMarksHeadAndLag) {
  PutVideos(1, 4, 100);
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  IngestService service(*store_, fake_.Url());
  auto status = service.GetStatus();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->head_block, 103);
  EXPECT_EQ(status->lag_blocks, 0);
  EXPECT_TRUE(status->last_success.has_value());
  EXPECT_EQ(status->streams.size(), Streams().size());

  fake_.InjectFault({.kind = Fault::Kind::kHttpStatus, .http_status = 502});
  ASSERT_FALSE(ingestor_->PollOnce().ok());
  status = service.GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_NE(status->last_error.find("502"), std::string::npos) << status->last_error;

  // After a backfill request the lag shows until the re-read completes.
  ASSERT_TRUE(service.StartBackfill(90).ok());
  status = service.GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_GE(status->lag_blocks, 14);
  EXPECT_EQ(status->lag, status->lag_blocks * kBlockTime);
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  status = service.GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->high_water_block, 103);
  EXPECT_EQ(status->lag_blocks, 0);
}

TEST_F(IngestTest, ReconnectsAfterPostgresRestarts) {
  PutVideos(1, 3, 1);
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  ASSERT_TRUE(testing::PostgresEnvironment::Get().server().Restart().ok());
  PutVideos(4, 6, 4);
  PollUntilOk(3);
  EXPECT_EQ(Count("ingest.videos"), 6);
  EXPECT_EQ(Count("ingest.feed"), 6);
}

TEST_F(IngestTest, RunLoopPicksUpANewVideoWithinAPollInterval) {
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  std::jthread runner([&](std::stop_token stop) { ingestor_->Run(stop); });
  PutVideos(1, 1, 1);
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (Count("ingest.feed") == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(Count("ingest.feed"), 1);
}

TEST_F(IngestTest, OnlyOneInstancePolls) {
  auto first = store_->TryBecomePoller();
  ASSERT_TRUE(first.ok() && *first);
  auto second = store_->TryBecomePoller();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, nullptr);
  first->reset();
  auto third = store_->TryBecomePoller();
  ASSERT_TRUE(third.ok());
  EXPECT_NE(*third, nullptr);
}

TEST_F(IngestTest, ChangesMadeWhileDownAreReadFromTheSavedMark) {
  json video = FakeQueryNode::MakeVideo(1, 1, FakeQueryNode::BlockIso(1), "1");
  fake_.PutVideo(video);
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  ASSERT_NE(Scalar("SELECT mark_time FROM ingest.cursors WHERE stream = 'videos.updated'"), "");

  // While curationd is down: the media is replaced, then the chain moves far ahead.
  video["media"]["id"] = "777";
  video["updatedAt"] = FakeQueryNode::BlockIso(5);
  fake_.PutVideo(video);
  PutVideos(2, 2, 5000);
  Ingestor restarted(*store_, *client_, config_, 3, metrics_);
  ASSERT_TRUE(restarted.PollOnce().ok());
  EXPECT_EQ(Count("ingest.feed", "kind = 'video_assets_changed' AND target_id = '1'"), 1);
}

TEST_F(IngestTest, AFailingStreamDoesNotHoldTheOthersBack) {
  fake_.PutCategory(FakeQueryNode::MakeCategory("1", 1, FakeQueryNode::BlockIso(1)));
  PutVideos(1, 4, 1);
  fake_.InjectFault({.kind = Fault::Kind::kHttpStatus, .http_status = 500, .operation = "CategoriesCreated"}, 100);
  absl::Status status = ingestor_->PollOnce();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("categories.created"), std::string::npos) << status;
  EXPECT_EQ(Count("ingest.videos"), 4);
  EXPECT_EQ(Count("ingest.categories"), 0);
}

TEST_F(IngestTest, PoisonItemsAreSetAsideInsteadOfStallingTheStream) {
  PutVideos(1, 1, 1);
  json nul_id = FakeQueryNode::MakeVideo(2, 2, FakeQueryNode::BlockIso(2), "1");
  nul_id["id"] = std::string("2\0x", 3);
  fake_.PutVideo(nul_id);
  fake_.PutVideo(FakeQueryNode::MakeVideo(3, 3, "0000-01-01T00:00:00.000Z", "1"));
  json far_block = FakeQueryNode::MakeVideo(4, 4, FakeQueryNode::BlockIso(4), "1");
  far_block["createdInBlock"] = 3000000000ll;
  fake_.PutVideo(far_block);
  PutVideos(5, 6, 5);
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  EXPECT_EQ(Count("ingest.videos"), 3);  // 1, 5, 6
  // The NUL id, year 0 and block 3e9 (beyond GraphQL Int) in the created stream.
  EXPECT_EQ(Count("ingest.rejected_items", "stream = 'videos.created'"), 3);
  EXPECT_EQ(Scalar("SELECT mark_block FROM ingest.cursors WHERE stream = 'videos.created'"), "6");
  ASSERT_TRUE(ingestor_->PollOnce().ok()) << "the next pass is not stuck on them";
}

TEST_F(IngestTest, AnOversizedResponseIsReadInSmallerPages) {
  for (int id = 1; id <= 6; ++id) {
    json video = FakeQueryNode::MakeVideo(id, id, FakeQueryNode::BlockIso(id), "1");
    video["description"] = std::string(9000, 'd');
    fake_.PutVideo(video);
  }
  QueryNodeClient small(fake_.Url(), 2s, 20000);  // two such videos fit, three do not
  Ingestor ingestor(*store_, small, config_, 3, metrics_);
  ASSERT_TRUE(ingestor.PollOnce().ok());
  EXPECT_EQ(Count("ingest.videos"), 6);
  bool asked_for_fewer = false;
  for (const auto& request : fake_.Requests()) {
    asked_for_fewer = asked_for_fewer || (request.operation == "VideosCreated" && request.variables["first"] == 1);
  }
  EXPECT_TRUE(asked_for_fewer);
}

TEST_F(IngestTest, AStaleCopyNeverOverwritesANewerOne) {
  json newer = FakeQueryNode::MakeVideo(1, 1, FakeQueryNode::BlockIso(1), "1");
  newer["title"] = "newer";
  newer["updatedAt"] = FakeQueryNode::BlockIso(20);
  json older = newer;
  older["title"] = "older";
  older["updatedAt"] = FakeQueryNode::BlockIso(10);
  auto page_of = [](const json& node) {
    return json{{"data", {{"page", {{"pageInfo", {{"hasNextPage", false}}}, {"edges", {{{"node", node}}}}}}}}}.dump();
  };
  const StreamSpec& updated = StreamNamed("videos.updated");
  ASSERT_EQ(updated.name, "videos.updated");
  auto store = [&](const json& node) {
    auto page = ParsePage(updated, page_of(node));
    ASSERT_TRUE(page.ok());
    auto cursors = store_->LoadCursors();
    ASSERT_TRUE(cursors.ok());
    Cursor cursor = cursors->count(updated.name) ? cursors->at(updated.name) : Cursor{};
    ASSERT_TRUE(store_->StorePage(updated, IngestStore::Encode(*page), cursor).ok());
  };
  store(newer);
  store(older);
  EXPECT_EQ(Scalar("SELECT title FROM ingest.videos WHERE id = '1'"), "newer");
}

TEST_F(IngestTest, AFirstMediaSetAfterUploadIsPartOfTheUpload) {
  json video = FakeQueryNode::MakeVideo(1, 1, FakeQueryNode::BlockIso(1), "1");
  video["media"] = nullptr;
  fake_.PutVideo(video);
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  video["media"] = FakeQueryNode::MakeVideo(1, 1, FakeQueryNode::BlockIso(1), "1")["media"];
  video["updatedAt"] = FakeQueryNode::BlockIso(3);
  fake_.PutVideo(video);
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  EXPECT_NE(Scalar("SELECT media_object_id FROM ingest.videos WHERE id = '1'"), "");
  EXPECT_EQ(Count("ingest.feed"), 1);
}

// An actor the query node names in a way ingest's table does not hold is set aside with its name,
// the events beside it stored; nothing stops.
TEST_F(IngestTest, AnUnknownActorIsSetAsideWithItsName) {
  fake_.PutEvent(FakeQueryNode::EventKind::kVideoVisibility,
                 FakeQueryNode::MakeVideoVisibilityEvent("OLYMPIA-20-0", 20, 0, 3, true, "known", "",
                                                         FakeQueryNode::LeadActor()));
  fake_.PutEvent(FakeQueryNode::EventKind::kVideoVisibility,
                 FakeQueryNode::MakeVideoVisibilityEvent("OLYMPIA-20-1", 20, 1, 4, true, "unknown", "",
                                                         {{"__typename", "ContentActorCouncil"}}));
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  EXPECT_EQ(Scalar("SELECT string_agg(id || '=' || actor_kind, ',') FROM ingest.moderator_events"),
            "OLYMPIA-20-0=" + std::string(kActorKinds.Db(ActorKind::kLead)));
  EXPECT_EQ(Scalar("SELECT stream || ': ' || reason FROM ingest.rejected_items WHERE item_id = 'OLYMPIA-20-1'"),
            "events.video_visibility: unknown actor.__typename ContentActorCouncil");
}

// Each kind of actor is stored in ingest's spelling, on events of either target.
TEST(PageParserTest, StoresActorsInIngestsSpelling) {
  const std::vector<std::pair<json, ActorKind>> actors = {{FakeQueryNode::CuratorActor("7"), ActorKind::kCurator},
                                                          {FakeQueryNode::LeadActor(), ActorKind::kLead},
                                                          {FakeQueryNode::MemberActor("12"), ActorKind::kMember}};
  for (const StreamSpec& stream : Streams()) {
    if (stream.entity != Entity::kModeratorEvent) {
      EXPECT_FALSE(stream.event_target.has_value()) << stream.name;
      continue;
    }
    ASSERT_TRUE(stream.event_target.has_value()) << stream.name;
    for (const auto& [actor, kind] : actors) {
      json event = *stream.event_target == TargetKind::kVideo
                       ? FakeQueryNode::MakeVideoVisibilityEvent("N-1-0", 1, 0, 5, true, "why", "", actor)
                       : FakeQueryNode::MakeChannelVisibilityEvent("N-1-0", 1, 0, 5, true, "why", "", actor);
      json body = {{"data", {{"page", {{"pageInfo", {{"hasNextPage", false}}}, {"edges", {{{"node", event}}}}}}}}};
      auto page = ParsePage(stream, body.dump());
      ASSERT_TRUE(page.ok()) << page.status();
      ASSERT_EQ(page->rows.size(), 1u) << stream.name;
      EXPECT_EQ(page->rows[0]["actor_kind"].get<std::string>(), kActorKinds.Db(kind)) << stream.name;
      EXPECT_EQ(page->rows[0]["target_kind"].get<std::string>(), kTargetKinds.Db(*stream.event_target)) << stream.name;
      EXPECT_EQ(page->rows[0]["target_id"].get<std::string>(), "5") << stream.name;
    }
  }
}

// Without the database: an unknown or missing __typename sets the event aside with the reason.
TEST(PageParserTest, RejectsAnActorItDoesNotKnow) {
  const StreamSpec& events = StreamNamed("events.video_visibility");
  for (const auto& [actor, reason] : std::vector<std::pair<json, std::string>>{
           {{{"__typename", "ContentActorCouncil"}}, "unknown actor.__typename ContentActorCouncil"},
           {{{"__typename", "ContentActorCurator\nx"}}, "unknown actor.__typename ContentActorCurator x"},
           {{{"__typename", 7}}, "missing actor.__typename"},
           {json::object(), "missing actor.__typename"}}) {
    json event = FakeQueryNode::MakeVideoVisibilityEvent("N-1-0", 1, 0, 5, true, "why", "", actor);
    json body = {{"data", {{"page", {{"pageInfo", {{"hasNextPage", false}}}, {"edges", {{{"node", event}}}}}}}}};
    auto page = ParsePage(events, body.dump());
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_TRUE(page->rows.empty());
    ASSERT_EQ(page->rejected.size(), 1u);
    EXPECT_EQ(page->rejected[0].reason, reason);
    EXPECT_EQ(page->rejected[0].item_id, "N-1-0");
  }
}

TEST(PageParserTest, RejectsPagesThatAreNotAnswers) {
  const StreamSpec& videos = StreamNamed("videos.created");
  ASSERT_EQ(videos.name, "videos.created");
  EXPECT_EQ(ParsePage(videos, "").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParsePage(videos, "[1,2]").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParsePage(videos, R"({"data":{"page":{"edges":[]}}})").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParsePage(videos, R"({"data":{"page":{"pageInfo":{"hasNextPage":false},"edges":{}}}})").status().code(),
            absl::StatusCode::kDataLoss);
  auto errors = ParsePage(videos, R"({"errors":[{"message":"Cannot query field"}],"data":null})");
  EXPECT_NE(errors.status().message().find("Cannot query field"), std::string::npos);
  auto empty = ParsePage(videos, R"({"data":{"page":{"pageInfo":{"hasNextPage":false,"endCursor":null},"edges":[]}}})");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->item_count, 0u);
}

TEST(PageParserTest, CutsLongTextAtACharacterBoundary) {
  json video = FakeQueryNode::MakeVideo(1, 1, FakeQueryNode::BlockIso(1), "1");
  std::string title;
  for (int i = 0; i < 600; ++i) {
    title += "é";  // two bytes each
  }
  video["title"] = title + "x";
  json body = {{"data", {{"page", {{"pageInfo", {{"hasNextPage", false}}}, {"edges", {{{"node", video}}}}}}}}};
  auto page = ParsePage(StreamNamed("videos.created"), body.dump(), TextLimits{.title = 999});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->rows.size(), 1u);
  std::string stored = page->rows[0]["title"];
  EXPECT_EQ(stored.size(), 998u);
  EXPECT_EQ(page->truncated_fields, 1u);
}

// A rejected item is stored as text (64 KiB of it at most), so its cut must fall between
// characters: one that split a character made the whole page fail to store, again on every poll.
TEST(PageParserTest, ARejectedItemIsCutBetweenCharacters) {
  for (const std::string& prefix : {std::string(), std::string("x")}) {
    json video = FakeQueryNode::MakeVideo(1, 1, FakeQueryNode::BlockIso(1), "1");
    video["isCensored"] = nullptr;  // rejected
    std::string description = prefix;
    while (description.size() < 70000) {
      description += "\xC3\xA9";  // é
    }
    video["description"] = description;
    json body = {{"data", {{"page", {{"pageInfo", {{"hasNextPage", false}}}, {"edges", {{{"node", video}}}}}}}}};
    auto page = ParsePage(StreamNamed("videos.created"), body.dump());
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_EQ(page->rejected.size(), 1u);
    const std::string& raw = page->rejected[0].raw;
    EXPECT_LE(raw.size(), 64u * 1024);
    EXPECT_GE(raw.size(), 64u * 1024 - 1);
    EXPECT_TRUE(IsValidUtf8(raw)) << "cut after " << raw.size() << " bytes";
  }
}

// The query node's error text is stored as the stream's last error and logged: one line, no
// control or bidi character.
TEST(PageParserTest, GraphqlErrorTextIsNeutralised) {
  const json body = {{"errors", json::array({{{"message", "resolver\nfailed\xC2\x9B" "2J \xE2\x80\xAE" "txt"}}})},
                     {"data", nullptr}};
  auto page = ParsePage(StreamNamed("videos.created"), body.dump());
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), absl::StatusCode::kUnavailable);
  const std::string message(page.status().message());
  for (const char* control : {"\n", "\xC2\x9B", "\xE2\x80\xAE"}) {
    EXPECT_EQ(message.find(control), std::string::npos) << message;
  }
  EXPECT_NE(message.find("resolver failed 2J  txt"), std::string::npos) << message;
}

// Found by tests/fuzz/page_parser_fuzz (input in tests/fuzz/corpus/page_parser/year_4048.json):
// times beyond what a TimePoint holds (nanoseconds in 64 bits, 1677 to 2262) wrapped around, so
// a video created in 4048 was stored as created in 1709.
TEST(PageParserTest, TimesATimePointCannotHoldAreRejectedNotWrapped) {
  json video = FakeQueryNode::MakeVideo(1, 1, "4048-03-01T12:00:06.000Z", "1");
  video["updatedAt"] = "2262-04-12T00:00:00.000Z";
  json body = {{"data", {{"page", {{"pageInfo", {{"hasNextPage", false}}}, {"edges", {{{"node", video}}}}}}}}};
  auto created = ParsePage(StreamNamed("videos.created"), body.dump());
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(created->rows.empty());
  ASSERT_EQ(created->rejected.size(), 1u);
  EXPECT_EQ(created->rejected[0].reason, "missing or invalid createdAt");
  const StreamSpec& updated = StreamNamed("videos.updated");
  ASSERT_EQ(updated.name, "videos.updated");
  video["createdAt"] = FakeQueryNode::BlockIso(1);
  body["data"]["page"]["edges"][0]["node"] = video;
  auto changed = ParsePage(updated, body.dump());
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(changed->keys.empty()) << "no key read from an updatedAt out of range";
  ASSERT_EQ(changed->rows.size(), 1u);
  EXPECT_TRUE(changed->rows[0]["updated_at"].is_null());
}

}  // namespace
// Issue 15: the distribution side. Bags are read by updatedAt: everything on the first pass,
// then only what changed since the mark (less the overlap). Buckets and operators, which the
// query node deletes, are read whole on every pass and what it no longer has is deleted. Every
// row follows its latest copy. Endpoints are data: stored as the chain gives them, never
// requested by ingest.
TEST_F(IngestTest, DistributionSideIsReadAndEndpointsAreKeptAsData) {
  fakes::FakeDistributor trap;  // an operator's endpoint: ingest must never reach it
  const std::string t1 = FakeQueryNode::BlockIso(100), t2 = FakeQueryNode::BlockIso(200);
  fake_.PutDistributionBucket(FakeQueryNode::MakeDistributionBucket("0:0", true, t1));
  fake_.PutDistributionBucket(FakeQueryNode::MakeDistributionBucket("0:1", false, t1));
  fake_.PutDistributionOperator(FakeQueryNode::MakeDistributionOperator("0:0", 1, "ACTIVE", trap.Url(), t1));
  fake_.PutDistributionOperator(
      FakeQueryNode::MakeDistributionOperator("0:0", 2, "ACTIVE", "http://169.254.169.254/latest/meta-data/", t1));
  fake_.PutDistributionOperator(FakeQueryNode::MakeDistributionOperator("0:0", 3, "INVITED", "file:///etc/passwd", t1));
  fake_.PutDistributionOperator(FakeQueryNode::MakeDistributionOperator("0:1", 4, "ACTIVE", nullptr, t1));
  fake_.PutStorageBag(FakeQueryNode::MakeStorageBag("dynamic:channel:1", {"0:0"}, t1));
  fake_.PutStorageBag(FakeQueryNode::MakeStorageBag("static:council", {}, t1));

  ASSERT_TRUE(ingestor_->PollOnce().ok());
  EXPECT_EQ(Count("ingest.distribution_buckets"), 2);
  EXPECT_EQ(Scalar("SELECT string_agg(id || ':' || distributing, ',' ORDER BY id) FROM ingest.distribution_buckets"),
            "0:0:true,0:1:false");
  EXPECT_EQ(Count("ingest.distribution_operators"), 4);
  EXPECT_EQ(Scalar("SELECT node_endpoint FROM ingest.distribution_operators WHERE id = '0:0-2'"),
            "http://169.254.169.254/latest/meta-data/");
  EXPECT_EQ(Scalar("SELECT status || ' ' || node_endpoint FROM ingest.distribution_operators WHERE id = '0:0-3'"),
            "invited file:///etc/passwd");
  EXPECT_EQ(Scalar("SELECT node_endpoint IS NULL FROM ingest.distribution_operators WHERE id = '0:1-4'"), "t");
  EXPECT_EQ(Scalar("SELECT distribution_bucket_ids::text FROM ingest.storage_bags WHERE id = 'dynamic:channel:1'"),
            "{0:0}");
  EXPECT_EQ(Scalar("SELECT distribution_bucket_ids::text FROM ingest.storage_bags WHERE id = 'static:council'"), "{}");
  EXPECT_EQ(Count("ingest.feed"), 0) << "the distribution side raises no review items";

  // Changes: the bag joins bucket 0:1, which starts distributing; operator 3 becomes active at a
  // new endpoint. A stale copy of operator 1 arriving late changes nothing.
  fake_.PutDistributionBucket(FakeQueryNode::MakeDistributionBucket("0:1", true, t2));
  fake_.PutDistributionOperator(
      FakeQueryNode::MakeDistributionOperator("0:0", 3, "ACTIVE", "https://node-c.example/", t2));
  fake_.PutStorageBag(FakeQueryNode::MakeStorageBag("dynamic:channel:1", {"0:0", "0:1"}, t2));
  fake_.ClearRequests();
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  // Bags are read from their mark; buckets and operators, which the query node deletes, whole.
  for (const auto& request : fake_.Requests()) {
    if (request.operation == "StorageBagsUpdated") {
      EXPECT_NE(request.variables["since"], "1970-01-01T00:00:00.000Z") << "bags read from their mark";
    }
    if (request.operation == "DistributionBucketsUpdated" || request.operation == "DistributionOperatorsUpdated") {
      EXPECT_EQ(request.variables["since"], "1970-01-01T00:00:00.000Z") << request.operation << " read whole";
    }
  }
  EXPECT_EQ(Scalar("SELECT distributing FROM ingest.distribution_buckets WHERE id = '0:1'"), "t");
  EXPECT_EQ(Scalar("SELECT status || ' ' || node_endpoint FROM ingest.distribution_operators WHERE id = '0:0-3'"),
            "active https://node-c.example/");
  EXPECT_EQ(Scalar("SELECT distribution_bucket_ids::text FROM ingest.storage_bags WHERE id = 'dynamic:channel:1'"),
            "{0:0,0:1}");
  EXPECT_NE(Scalar("SELECT mark_time FROM ingest.cursors WHERE stream = 'distribution.operators'"), "");

  fake_.PutDistributionOperator(FakeQueryNode::MakeDistributionOperator("0:0", 3, "INVITED", "https://stale.example/",
                                                                        FakeQueryNode::BlockIso(150)));
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  EXPECT_EQ(Scalar("SELECT status || ' ' || node_endpoint FROM ingest.distribution_operators WHERE id = '0:0-3'"),
            "active https://node-c.example/");

  // What the query node deletes (an operator removed, a bucket deleted) no updatedAt shows: the
  // whole read finds it gone. An operator whose new copy is malformed keeps its last good one.
  ASSERT_TRUE(fake_.RemoveDistributionOperator("0:0-2"));
  ASSERT_TRUE(fake_.RemoveDistributionBucket("0:1"));
  json broken = FakeQueryNode::MakeDistributionOperator("0:0", 1, "RETIRED", "https://broken.example/", t2);
  fake_.PutDistributionOperator(broken);
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  EXPECT_EQ(Scalar("SELECT string_agg(id, ',' ORDER BY id) FROM ingest.distribution_operators"), "0:0-1,0:0-3,0:1-4");
  EXPECT_EQ(Scalar("SELECT node_endpoint FROM ingest.distribution_operators WHERE id = '0:0-1'"), trap.Url());
  EXPECT_EQ(Scalar("SELECT string_agg(id, ',' ORDER BY id) FROM ingest.distribution_buckets"), "0:0");

  // A whole read that fails on its second page (3 items a page) deletes nothing.
  ASSERT_TRUE(fake_.RemoveDistributionOperator("0:0-3"));
  fake_.InjectFault({.kind = Fault::Kind::kDelay, .operation = "DistributionOperatorsUpdated"});
  fake_.InjectFault({.kind = Fault::Kind::kHttpStatus, .http_status = 503, .operation = "DistributionOperatorsUpdated"});
  fake_.PutDistributionOperator(FakeQueryNode::MakeDistributionOperator("0:0", 5, "ACTIVE", "https://e.example/", t2));
  fake_.PutDistributionOperator(FakeQueryNode::MakeDistributionOperator("0:0", 6, "ACTIVE", "https://f.example/", t2));
  EXPECT_FALSE(ingestor_->PollOnce().ok());
  EXPECT_EQ(Count("ingest.distribution_operators", "id = '0:0-3'"), 1);
  ASSERT_TRUE(ingestor_->PollOnce().ok());
  EXPECT_EQ(Scalar("SELECT string_agg(id, ',' ORDER BY id) FROM ingest.distribution_operators"),
            "0:0-1,0:0-5,0:0-6,0:1-4");

  EXPECT_TRUE(trap.Requests().empty()) << "ingest requested an operator's endpoint";
}

// A distribution record the chain or a broken query node sends malformed is set aside with its
// reason; the good ones beside it are stored (what probe's own parser once dropped quietly).
TEST_F(IngestTest, MalformedDistributionRecordsAreSetAsideWithTheirReason) {
  const std::string t = FakeQueryNode::BlockIso(100);
  json yes = FakeQueryNode::MakeDistributionBucket("0:0", true, t);
  yes["distributing"] = "yes";
  fake_.PutDistributionBucket(yes);
  json nul = FakeQueryNode::MakeDistributionBucket("0:9", true, t);
  nul["id"] = std::string("\0", 1);
  fake_.PutDistributionBucket(nul);
  fake_.PutDistributionBucket(FakeQueryNode::MakeDistributionBucket("0:2", true, t));

  json retired = FakeQueryNode::MakeDistributionOperator("0:2", 1, "RETIRED", "https://retired.example/", t);
  json listed = FakeQueryNode::MakeDistributionOperator("0:2", 3, "ACTIVE", "https://list-status.example/", t);
  listed["status"] = json::array({"ACTIVE"});
  json digits = FakeQueryNode::MakeDistributionOperator("0:2", 4, "ACTIVE", "https://wrong-type.example/", t);
  digits["workerId"] = "4";
  json fraction = FakeQueryNode::MakeDistributionOperator("0:2", 5, "ACTIVE", "https://float-worker.example/", t);
  fraction["workerId"] = 5.5;
  fraction["id"] = "0:2-5.5";
  json string_metadata = FakeQueryNode::MakeDistributionOperator("0:2", 6, "ACTIVE", nullptr, t);
  string_metadata["metadata"] = "https://string-metadata.example/";
  fake_.PutDistributionOperator(retired);
  fake_.PutDistributionOperator(listed);
  fake_.PutDistributionOperator(digits);
  fake_.PutDistributionOperator(fraction);
  fake_.PutDistributionOperator(string_metadata);
  fake_.PutDistributionOperator(FakeQueryNode::MakeDistributionOperator("0:2", 7, "ACTIVE", "https://good.example", t));

  json object_buckets = FakeQueryNode::MakeStorageBag("dynamic:channel:2", {}, t);
  object_buckets["distributionBuckets"] = json::object();
  fake_.PutStorageBag(object_buckets);
  json bad_entry = FakeQueryNode::MakeStorageBag("dynamic:channel:3", {"0:2"}, t);
  bad_entry["distributionBuckets"].push_back("garbage");
  fake_.PutStorageBag(bad_entry);
  fake_.PutStorageBag(FakeQueryNode::MakeStorageBag("dynamic:channel:1", {"0:2"}, t));

  ASSERT_TRUE(ingestor_->PollOnce().ok());
  EXPECT_EQ(Scalar("SELECT string_agg(id, ',' ORDER BY id) FROM ingest.distribution_buckets"), "0:2");
  EXPECT_EQ(Scalar("SELECT string_agg(id, ',' ORDER BY id) FROM ingest.distribution_operators"), "0:2-6,0:2-7");
  EXPECT_EQ(Scalar("SELECT node_endpoint IS NULL FROM ingest.distribution_operators WHERE id = '0:2-6'"), "t");
  EXPECT_EQ(Scalar("SELECT string_agg(id, ',' ORDER BY id) FROM ingest.storage_bags"), "dynamic:channel:1");
  EXPECT_EQ(Scalar("SELECT string_agg(reason, ' | ' ORDER BY reason) FROM ingest.rejected_items"
                   " WHERE stream = 'distribution.buckets'"),
            "missing or invalid distributing | missing or invalid id");
  EXPECT_EQ(Scalar("SELECT string_agg(coalesce(item_id, '?') || ': ' || reason, ' | ' ORDER BY item_id)"
                   " FROM ingest.rejected_items WHERE stream = 'distribution.operators'"),
            "0:2-1: missing or unknown status | 0:2-3: missing or unknown status | "
            "0:2-4: missing or invalid workerId | 0:2-5.5: missing or invalid workerId");
  EXPECT_EQ(Scalar("SELECT string_agg(item_id || ': ' || reason, ' | ' ORDER BY item_id) FROM ingest.rejected_items"
                   " WHERE stream = 'distribution.bags'"),
            "dynamic:channel:2: missing distributionBuckets | dynamic:channel:3: invalid distributionBuckets entry");
}

}  // namespace curation::ingest
