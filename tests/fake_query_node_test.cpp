// Tests of the fake Hydra query node, driven over loopback HTTP with the ingest service's own
// GraphQL documents.
#include <fakes/fake_query_node.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

namespace curation::fakes {
namespace {

using nlohmann::json;
using Kind = FakeQueryNode::Fault::Kind;

// The documents the ingestor sends, read from the source tree so the fake is tested against
// the real text (comments included). QUERIES_DIR, not __FILE__: a compiler cache may make
// __FILE__ relative to the build folder.
std::string ReadDocument(const std::string& file) {
  const std::filesystem::path path = std::filesystem::path(QUERIES_DIR) / file;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class FakeQueryNodeTest : public ::testing::Test {
 protected:
  FakeQueryNodeTest() : client_("127.0.0.1", qn_.Port()) {
    client_.set_read_timeout(std::chrono::seconds(5));
  }

  static void SetUpTestSuite() {
    videos_doc_ = ReadDocument("videos.graphql");
    events_doc_ = ReadDocument("moderator_events.graphql");
    head_doc_ = ReadDocument("head.graphql");
    distribution_doc_ = ReadDocument("distribution.graphql");
    ASSERT_NE(distribution_doc_.find("query StorageBagsUpdated"), std::string::npos);
    ASSERT_NE(videos_doc_.find("query VideosCreated"), std::string::npos);
    ASSERT_NE(events_doc_.find("query VideoVisibilityEvents"), std::string::npos);
    ASSERT_NE(head_doc_.find("query IngestHead"), std::string::npos);
  }

  httplib::Result PostRaw(const std::string& body,
                          const std::string& content_type = "application/json") {
    return client_.Post("/graphql", body, content_type.c_str());
  }

  httplib::Result Post(const std::string& document, const std::string& operation,
                       json variables) {
    const json body = {
        {"query", document}, {"operationName", operation}, {"variables", std::move(variables)}};
    return PostRaw(body.dump());
  }

  // One page of a paged operation; fails the test unless it is a 200 with a page.
  json Page(const std::string& document, const std::string& operation, json since, int first,
            std::optional<std::string> after = std::nullopt) {
    const json variables = {{"since", std::move(since)},
                            {"first", first},
                            {"after", after ? json(*after) : json(nullptr)}};
    auto res = Post(document, operation, variables);
    EXPECT_TRUE(res) << httplib::to_string(res.error());
    if (!res) {
      return json();
    }
    EXPECT_EQ(res->status, 200) << res->body;
    json body = json::parse(res->body, nullptr, false);
    EXPECT_TRUE(body.contains("data")) << res->body;
    return body.is_discarded() ? json() : body["data"]["page"];
  }

  static std::vector<std::string> Ids(const json& page) {
    std::vector<std::string> ids;
    for (const json& edge : page["edges"]) {
      ids.push_back(edge["node"]["id"].get<std::string>());
    }
    return ids;
  }

  static std::vector<std::string> Range(int from, int to) {
    std::vector<std::string> ids;
    for (int i = from; i <= to; ++i) {
      ids.push_back(std::to_string(i));
    }
    return ids;
  }

  static inline std::string videos_doc_;
  static inline std::string events_doc_;
  static inline std::string head_doc_;
  static inline std::string distribution_doc_;

  FakeQueryNode qn_;
  httplib::Client client_;
};

TEST_F(FakeQueryNodeTest, UrlPointsAtTheGraphqlEndpoint) {
  EXPECT_EQ(qn_.Url(), "http://127.0.0.1:" + std::to_string(qn_.Port()) + "/graphql");
}

TEST_F(FakeQueryNodeTest, PagesThroughVideosCreatedWithCursors) {
  std::vector<json> videos;
  for (int id = 1; id <= 25; ++id) {
    const int block = 100 + id;
    videos.push_back(FakeQueryNode::MakeVideo(id, block, FakeQueryNode::BlockIso(block), "7"));
  }
  qn_.PutVideos(std::move(videos));

  std::vector<std::string> seen;
  std::optional<std::string> after;
  std::vector<bool> has_next;
  for (int page_number = 0; page_number < 5; ++page_number) {
    const json page = Page(videos_doc_, "VideosCreated", 100, 10, after);
    for (const std::string& id : Ids(page)) {
      seen.push_back(id);
    }
    has_next.push_back(page["pageInfo"]["hasNextPage"].get<bool>());
    ASSERT_TRUE(page["pageInfo"]["endCursor"].is_string());
    // The documents do not select the edge cursor, so a real server does not send it.
    EXPECT_FALSE(page["edges"][0].contains("cursor"));
    if (!has_next.back()) {
      break;
    }
    after = page["pageInfo"]["endCursor"].get<std::string>();
  }
  EXPECT_EQ(seen, Range(1, 25));
  EXPECT_EQ(has_next, (std::vector<bool>{true, true, false}));

  const std::vector<FakeQueryNode::Request> requests = qn_.Requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].operation, "VideosCreated");
  EXPECT_TRUE(requests[0].variables["after"].is_null());
  EXPECT_EQ(requests[2].variables["after"], *after);
  qn_.ClearRequests();
  EXPECT_EQ(qn_.RequestCount(), 0u);
}

TEST_F(FakeQueryNodeTest, CursorSurvivesInsertsBetweenPages) {
  for (int id = 1; id <= 4; ++id) {
    qn_.PutVideo(FakeQueryNode::MakeVideo(id, 10 * id, FakeQueryNode::BlockIso(10 * id), "7"));
  }
  const json first = Page(videos_doc_, "VideosCreated", 0, 2);
  EXPECT_EQ(Ids(first), (std::vector<std::string>{"1", "2"}));
  // A video before the cursor must not shift the next page; one after it must appear.
  qn_.PutVideo(FakeQueryNode::MakeVideo(5, 5, FakeQueryNode::BlockIso(5), "7"));
  qn_.PutVideo(FakeQueryNode::MakeVideo(6, 35, FakeQueryNode::BlockIso(35), "7"));
  EXPECT_TRUE(qn_.RemoveVideo("4"));
  const json second =
      Page(videos_doc_, "VideosCreated", 0, 10, first["pageInfo"]["endCursor"].get<std::string>());
  EXPECT_EQ(Ids(second), (std::vector<std::string>{"3", "6"}));
  EXPECT_FALSE(second["pageInfo"]["hasNextPage"].get<bool>());
}

TEST_F(FakeQueryNodeTest, CreatedFilterIsStrictAndOrdersByBlockThenCreatedAt) {
  qn_.PutVideo(FakeQueryNode::MakeVideo(1, 100, FakeQueryNode::BlockIso(100), "7"));
  // Same block, put out of order: createdAt decides.
  qn_.PutVideo(FakeQueryNode::MakeVideo(3, 101, "2024-03-01T12:00:02.000Z", "7"));
  qn_.PutVideo(FakeQueryNode::MakeVideo(2, 101, "2024-03-01T12:00:01.000Z", "7"));
  qn_.PutVideo(FakeQueryNode::MakeVideo(4, 102, FakeQueryNode::BlockIso(102), "7"));

  EXPECT_EQ(Ids(Page(videos_doc_, "VideosCreated", 100, 10)),
            (std::vector<std::string>{"2", "3", "4"}));
  EXPECT_EQ(Ids(Page(videos_doc_, "VideosCreated", 101, 10)), (std::vector<std::string>{"4"}));
  EXPECT_TRUE(Page(videos_doc_, "VideosCreated", 102, 10)["edges"].empty());
}

TEST_F(FakeQueryNodeTest, UpdatedFilterComparesInstantsNotText) {
  json early = FakeQueryNode::MakeVideo(1, 100, FakeQueryNode::BlockIso(100), "7");
  early["updatedAt"] = "2024-03-01T11:59:59.999Z";
  json late = FakeQueryNode::MakeVideo(2, 90, FakeQueryNode::BlockIso(90), "7");
  late["updatedAt"] = "2024-03-01T12:00:00.500Z";
  json later = FakeQueryNode::MakeVideo(3, 80, FakeQueryNode::BlockIso(80), "7");
  later["updatedAt"] = "2024-03-01T12:00:01.000Z";
  qn_.PutVideos({later, early, late});

  // As text "…:00Z" sorts after "…:00.500Z"; as instants it is earlier.
  EXPECT_EQ(Ids(Page(videos_doc_, "VideosUpdated", "2024-03-01T12:00:00Z", 10)),
            (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(Ids(Page(videos_doc_, "VideosUpdated", "2024-03-01T13:00:00.600+01:00", 10)),
            (std::vector<std::string>{"3"}));

  // A DateTime operation given an Int is a request error, as graphql-js reports it.
  auto res = Post(videos_doc_, "VideosUpdated", {{"since", 5}, {"first", 10}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
}

TEST_F(FakeQueryNodeTest, EventsFilterByBlockThenIndexInBlock) {
  using EventKind = FakeQueryNode::EventKind;
  qn_.PutEvent(EventKind::kVideoVisibility,
               FakeQueryNode::MakeVideoVisibilityEvent("OLYMPIA-201-3", 201, 3, 10, true, "spam"));
  qn_.PutEvent(EventKind::kVideoVisibility,
               FakeQueryNode::MakeVideoVisibilityEvent("OLYMPIA-201-1", 201, 1, 11, true, "spam"));
  qn_.PutEvent(EventKind::kVideoVisibility,
               FakeQueryNode::MakeVideoVisibilityEvent("OLYMPIA-200-9", 200, 9, 12, false, "ok"));
  qn_.PutEvent(EventKind::kChannelVisibility,
               FakeQueryNode::MakeChannelVisibilityEvent("OLYMPIA-300-0", 300, 0, 7, true, "x"));

  const json page = Page(events_doc_, "VideoVisibilityEvents", 200, 10);
  EXPECT_EQ(Ids(page), (std::vector<std::string>{"OLYMPIA-201-1", "OLYMPIA-201-3"}));
  const json& node = page["edges"][0]["node"];
  EXPECT_EQ(node["actor"],
            json::parse(R"({"__typename":"ContentActorCurator","curator":{"id":"3"}})"));
  EXPECT_EQ(node["videoId"], 11);
  EXPECT_EQ(node["createdAt"], FakeQueryNode::BlockIso(201));
  EXPECT_EQ(Ids(Page(events_doc_, "ChannelVisibilityEvents", 0, 10)),
            (std::vector<std::string>{"OLYMPIA-300-0"}));
}

TEST_F(FakeQueryNodeTest, HttpStatusFaultHitsOnlyItsOperationAndIsConsumed) {
  qn_.PutVideo(FakeQueryNode::MakeVideo(1, 100, FakeQueryNode::BlockIso(100), "7"));
  qn_.InjectFault({.kind = Kind::kHttpStatus,
                   .http_status = 429,
                   .retry_after = "2",
                   .operation = "VideosCreated"},
                  2);
  const json variables = {{"since", 0}, {"first", 10}, {"after", nullptr}};

  auto other = Post(videos_doc_, "VideosUpdated",
                    {{"since", "2020-01-01T00:00:00.000Z"}, {"first", 10}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto res = Post(videos_doc_, "VideosCreated", variables);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 429);
    EXPECT_EQ(res->get_header_value("Retry-After"), "2");
  }
  EXPECT_EQ(Ids(Page(videos_doc_, "VideosCreated", 0, 10)), (std::vector<std::string>{"1"}));
}

TEST_F(FakeQueryNodeTest, BrokenTransportFaults) {
  qn_.PutVideo(FakeQueryNode::MakeVideo(1, 100, FakeQueryNode::BlockIso(100), "7"));
  const json variables = {{"since", 0}, {"first", 10}, {"after", nullptr}};

  qn_.InjectFault({.kind = Kind::kCloseConnection});
  auto closed = Post(videos_doc_, "VideosCreated", variables);
  EXPECT_FALSE(closed);

  qn_.InjectFault({.kind = Kind::kTruncatedBody});
  auto truncated = Post(videos_doc_, "VideosCreated", variables);
  ASSERT_TRUE(truncated);
  EXPECT_EQ(truncated->status, 200);
  EXPECT_TRUE(json::parse(truncated->body, nullptr, false).is_discarded());

  qn_.InjectFault({.kind = Kind::kGraphqlErrors});
  auto errors = Post(videos_doc_, "VideosCreated", variables);
  ASSERT_TRUE(errors);
  const json body = json::parse(errors->body);
  EXPECT_TRUE(body["data"].is_null());
  EXPECT_FALSE(body["errors"].empty());

  qn_.InjectFault({.kind = Kind::kEmptyPageWithNext});
  const json empty = Page(videos_doc_, "VideosCreated", 0, 10);
  EXPECT_TRUE(empty["edges"].empty());
  EXPECT_TRUE(empty["pageInfo"]["hasNextPage"].get<bool>());

  EXPECT_EQ(Ids(Page(videos_doc_, "VideosCreated", 0, 10)), (std::vector<std::string>{"1"}));
}

TEST_F(FakeQueryNodeTest, DelayFaultTimesOutTheClientAndDoesNotHoldUpShutdown) {
  const auto start = std::chrono::steady_clock::now();
  {
    FakeQueryNode slow;
    slow.InjectFault({.kind = Kind::kDelay, .delay = std::chrono::seconds(30)});
    httplib::Client client("127.0.0.1", slow.Port());
    client.set_read_timeout(std::chrono::milliseconds(200));
    auto res = client.Post("/graphql", R"({"query":"query IngestHead { videos { id } }"})",
                           "application/json");
    EXPECT_FALSE(res);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(FakeQueryNodeTest, HugeBodyIsStreamedPastEightyMebibytes) {
  qn_.InjectFault({.kind = Kind::kHugeBody});
  httplib::Request req;
  req.method = "POST";
  req.path = "/graphql";
  req.set_header("Content-Type", "application/json");
  req.body = json({{"query", videos_doc_},
                   {"operationName", "VideosCreated"},
                   {"variables", {{"since", 0}, {"first", 10}}}})
                 .dump();
  size_t received = 0;
  req.content_receiver = [&received](const char*, size_t length, uint64_t, uint64_t) {
    received += length;
    return true;
  };
  auto res = client_.send(req);
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_GT(received, FakeQueryNode::kHugeBodyMinBytes);
  EXPECT_EQ(std::to_string(received), res->get_header_value("Content-Length"));
}

TEST_F(FakeQueryNodeTest, HeadReportsTheNewestItemOfEachStream) {
  auto empty = Post(head_doc_, "IngestHead", json::object());
  ASSERT_TRUE(empty);
  EXPECT_EQ(json::parse(empty->body)["data"]["videos"], json::array());

  qn_.PutVideos({FakeQueryNode::MakeVideo(1, 500, FakeQueryNode::BlockIso(500), "7"),
                 FakeQueryNode::MakeVideo(2, 700, FakeQueryNode::BlockIso(700), "7"),
                 FakeQueryNode::MakeVideo(3, 600, FakeQueryNode::BlockIso(600), "7")});
  qn_.PutChannel(FakeQueryNode::MakeChannel(7, 400, FakeQueryNode::BlockIso(400)));
  qn_.PutEvent(FakeQueryNode::EventKind::kVideoAssetsDeleted,
               FakeQueryNode::MakeVideoAssetsDeletedEvent("OLYMPIA-650-0", 650, 0, 3, {6, 7},
                                                          false, "illegal"));

  // No operationName: the document has exactly one operation, so that one runs.
  auto res = PostRaw(json({{"query", head_doc_}}).dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json data = json::parse(res->body)["data"];
  EXPECT_EQ(data["videos"], json::parse(R"([{"createdInBlock":700,"createdAt":")" +
                                        FakeQueryNode::BlockIso(700) + R"("}])"));
  EXPECT_EQ(data["channels"][0]["createdInBlock"], 400);
  EXPECT_EQ(data["videoAssetsDeletedByModeratorEvents"][0]["inBlock"], 650);
  EXPECT_EQ(data["videoVisibilitySetByModeratorEvents"], json::array());
  EXPECT_EQ(data["channelVisibilitySetByModeratorEvents"], json::array());
  EXPECT_EQ(data["channelAssetsDeletedByModeratorEvents"], json::array());
  EXPECT_EQ(qn_.Requests().back().operation, "IngestHead");
}

// The distribution side (services/ingest/queries/distribution.graphql) is paged by updatedAt like
// the other *Updated operations; nodes carry exactly the fields the document selects; a node
// without updatedAt is never matched by `updatedAt_gt`; the head ignores these entities.
TEST_F(FakeQueryNodeTest, DistributionOperationsPageByUpdatedAt) {
  const std::string t1 = FakeQueryNode::BlockIso(10), t2 = FakeQueryNode::BlockIso(20);
  qn_.PutDistributionBucket(FakeQueryNode::MakeDistributionBucket("0:1", true, t2));
  qn_.PutDistributionBucket(FakeQueryNode::MakeDistributionBucket("0:0", false, t1));
  json never_updated = FakeQueryNode::MakeDistributionBucket("0:2", true, t1);
  never_updated["updatedAt"] = nullptr;
  qn_.PutDistributionBucket(never_updated);
  qn_.PutDistributionOperator(FakeQueryNode::MakeDistributionOperator("0:0", 4, "ACTIVE", "https://a.example/", t1));
  qn_.ServeBag("dynamic:channel:1", {"https://b.example/"});

  json buckets = Page(distribution_doc_, "DistributionBucketsUpdated", "1970-01-01T00:00:00.000Z", 10);
  EXPECT_EQ(Ids(buckets), (std::vector<std::string>{"0:0", "0:1"}));
  json later = Page(distribution_doc_, "DistributionBucketsUpdated", t1, 10);
  EXPECT_EQ(Ids(later), (std::vector<std::string>{"0:1"}));

  auto keys = [](const json& node) {
    std::set<std::string> names;
    for (const auto& [key, value] : node.items()) {
      names.insert(key);
    }
    return names;
  };
  EXPECT_EQ(keys(buckets["edges"][0]["node"]),
            (std::set<std::string>{"id", "createdAt", "updatedAt", "family", "bucketIndex", "distributing",
                                   "acceptingNewBags"}));
  json operators = Page(distribution_doc_, "DistributionOperatorsUpdated", "1970-01-01T00:00:00.000Z", 1);
  ASSERT_EQ(operators["edges"].size(), 1u);
  EXPECT_TRUE(operators["pageInfo"]["hasNextPage"].get<bool>());
  EXPECT_EQ(keys(operators["edges"][0]["node"]),
            (std::set<std::string>{"id", "createdAt", "updatedAt", "distributionBucket", "workerId", "status",
                                   "metadata"}));
  EXPECT_EQ(Ids(Page(distribution_doc_, "DistributionOperatorsUpdated", "1970-01-01T00:00:00.000Z", 1,
                     operators["pageInfo"]["endCursor"].get<std::string>())),
            (std::vector<std::string>{"0:0-4"}));
  json bags = Page(distribution_doc_, "StorageBagsUpdated", "1970-01-01T00:00:00.000Z", 10);
  ASSERT_EQ(Ids(bags), (std::vector<std::string>{"dynamic:channel:1"}));
  EXPECT_EQ(bags["edges"][0]["node"]["distributionBuckets"], json::parse(R"([{"id":"0:0"}])"));
  EXPECT_EQ(keys(bags["edges"][0]["node"]),
            (std::set<std::string>{"id", "createdAt", "updatedAt", "distributionBuckets"}));

  auto head = Post(head_doc_, "IngestHead", json::object());
  ASSERT_TRUE(head);
  EXPECT_EQ(json::parse(head->body)["data"]["videos"], json::array());
}

TEST_F(FakeQueryNodeTest, RejectsWhatARealServerRejects) {
  auto expect_400 = [](const httplib::Result& res) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
    const json body = json::parse(res->body, nullptr, false);
    ASSERT_FALSE(body.is_discarded()) << res->body;
    EXPECT_TRUE(body["errors"][0]["message"].is_string()) << res->body;
  };
  const json variables = {{"since", 0}, {"first", 10}};
  expect_400(PostRaw("{not json"));
  expect_400(PostRaw(json({{"operationName", "VideosCreated"}}).dump()));
  expect_400(Post(videos_doc_, "NoSuchOperation", variables));
  // The name must be an operation of the document sent, not just one the fake knows.
  expect_400(Post(videos_doc_, "IngestHead", variables));
  // Two operations in the document and no name to choose.
  expect_400(PostRaw(json({{"query", videos_doc_}, {"variables", variables}}).dump()));
  expect_400(Post(videos_doc_, "VideosCreated", {{"first", 10}}));
  expect_400(Post(videos_doc_, "VideosCreated", {{"since", 0}, {"first", 1e10}}));
  expect_400(PostRaw(json({{"query", videos_doc_}, {"operationName", "VideosCreated"}}).dump(),
                     "text/plain"));

  auto bad_cursor = Post(videos_doc_, "VideosCreated",
                         {{"since", 0}, {"first", 10}, {"after", "not-a-cursor"}});
  ASSERT_TRUE(bad_cursor);
  EXPECT_EQ(bad_cursor->status, 200);
  EXPECT_TRUE(json::parse(bad_cursor->body)["data"].is_null());
}

TEST_F(FakeQueryNodeTest, ServesHostileNodesVerbatim) {
  json hostile = {{"id", "666"},
                  {"createdInBlock", 50},
                  {"createdAt", FakeQueryNode::BlockIso(50)},
                  {"title", nullptr},
                  {"duration", "three minutes"},
                  {"description", std::string(1 << 20, 'x')},
                  {"media", {{"id", 12}}}};
  qn_.PutVideo(hostile);
  // A wrong-typed but numeric key still places the node; a missing one keeps it out.
  qn_.PutVideo({{"id", "667"}, {"createdInBlock", "51"}});
  qn_.PutVideo({{"id", "668"}, {"title", "no block"}});

  const json page = Page(videos_doc_, "VideosCreated", 0, 10);
  ASSERT_EQ(Ids(page), (std::vector<std::string>{"666", "667"}));
  EXPECT_EQ(page["edges"][0]["node"], hostile);
}

TEST_F(FakeQueryNodeTest, RepeatAndReverseModesDistortPages) {
  std::vector<json> videos;
  for (int id = 1; id <= 6; ++id) {
    videos.push_back(FakeQueryNode::MakeVideo(id, id, FakeQueryNode::BlockIso(id), "7"));
  }
  qn_.PutVideos(std::move(videos));
  qn_.SetRepeatLastItemOnNextPage(true);
  qn_.SetReverseWithinPage(true);

  const json first = Page(videos_doc_, "VideosCreated", 0, 3);
  EXPECT_EQ(Ids(first), (std::vector<std::string>{"3", "2", "1"}));
  const json second =
      Page(videos_doc_, "VideosCreated", 0, 3, first["pageInfo"]["endCursor"].get<std::string>());
  EXPECT_EQ(Ids(second), (std::vector<std::string>{"6", "5", "4", "3"}));
  EXPECT_FALSE(second["pageInfo"]["hasNextPage"].get<bool>());
}

TEST_F(FakeQueryNodeTest, ShutdownDoesNotWaitForIdleKeepAliveConnections) {
  const auto start = std::chrono::steady_clock::now();
  {
    FakeQueryNode qn;
    httplib::Client client("127.0.0.1", qn.Port());
    client.set_keep_alive(true);
    auto res = client.Post("/graphql", json({{"query", head_doc_}}).dump(), "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(FakeQueryNodeTest, PagingSeesEveryNodeWhileAnotherThreadPuts) {
  // Existing videos must each be served exactly once however the writer interleaves.
  std::vector<json> existing;
  for (int id = 1; id <= 2000; ++id) {
    existing.push_back(FakeQueryNode::MakeVideo(id, id, FakeQueryNode::BlockIso(id), "7"));
  }
  qn_.PutVideos(std::move(existing));
  std::jthread writer([this](std::stop_token stop) {
    for (int id = 100000; !stop.stop_requested(); ++id) {
      const int block = 5000 + id;
      qn_.PutVideo(FakeQueryNode::MakeVideo(id, block, FakeQueryNode::BlockIso(block), "7"));
      qn_.PutVideo(FakeQueryNode::MakeVideo(id % 2000 + 1, id % 2000 + 1,
                                            FakeQueryNode::BlockIso(id % 2000 + 1), "8"));
    }
  });
  std::vector<std::string> seen;
  std::optional<std::string> after;
  for (int pages = 0; pages < 40; ++pages) {
    const json page = Page(videos_doc_, "VideosCreated", 0, 100, after);
    for (const std::string& id : Ids(page)) {
      seen.push_back(id);
    }
    if (!page["pageInfo"]["hasNextPage"].get<bool>()) {
      break;
    }
    after = page["pageInfo"]["endCursor"].get<std::string>();
  }
  writer.request_stop();
  ASSERT_GE(seen.size(), 2000u);
  seen.resize(2000);
  EXPECT_EQ(seen, Range(1, 2000));
}

TEST(FakeQueryNodeTimeTest, IsoTimeAndBlockConvention) {
  EXPECT_EQ(FakeQueryNode::IsoTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FakeQueryNode::IsoTime(1709294400123), "2024-03-01T12:00:00.123Z");
  EXPECT_EQ(FakeQueryNode::BlockIso(0), "2022-12-09T00:00:00.000Z");
  EXPECT_EQ(FakeQueryNode::BlockIso(10), "2022-12-09T00:01:00.000Z");
}

}  // namespace
}  // namespace curation::fakes
