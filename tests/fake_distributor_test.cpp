// Tests of the fake Argus distributor node, driven over loopback HTTP with the pipeline's own
// libcurl client (and a raw socket where a client must misbehave).
#include <fakes/fake_distributor.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <curation/common/http_client.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace curation::fakes {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// N bytes that differ from their neighbours, so a wrong offset shows.
std::string Pattern(size_t n) {
  std::string bytes(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    bytes[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
  }
  return bytes;
}

std::string Header(const HttpResponse& response, const std::string& name) {
  const auto it = response.headers.find(name);
  return it == response.headers.end() ? "<absent>" : it->second;
}

class FakeDistributorTest : public ::testing::Test {
 protected:
  static constexpr char kPath[] = "/api/v1/assets/42";

  FakeDistributorTest() : object_(Pattern(1000)) { argus_.Put(kPath, object_); }

  absl::StatusOr<HttpResponse> Send(const std::string& url, const std::string& range = "",
                                    const std::string& method = "GET",
                                    milliseconds timeout = milliseconds(5000)) {
    HttpRequest request;
    request.method = method;
    request.url = url;
    request.timeout = timeout;
    if (!range.empty()) {
      request.headers.emplace_back("Range", range);
    }
    return client_.Send(request);
  }

  // A GET that must reach the fake and come back whole.
  HttpResponse Get(const std::string& url, const std::string& range = "") {
    absl::StatusOr<HttpResponse> response = Send(url, range);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : HttpResponse{};
  }

  FakeDistributor argus_;
  HttpClient client_;
  const std::string object_;
};

TEST_F(FakeDistributorTest, UrlsNameTheServer) {
  const std::string base = "http://127.0.0.1:" + std::to_string(argus_.Port());
  EXPECT_EQ(argus_.Url(), base + "/");
  EXPECT_EQ(argus_.AssetUrl("42"), base + "/api/v1/assets/42");
  EXPECT_EQ(argus_.UrlFor("/cuts/hero.mp4"), base + "/cuts/hero.mp4");
  EXPECT_EQ(argus_.UrlFor("cuts/hero.mp4"), base + "/cuts/hero.mp4");
}

TEST_F(FakeDistributorTest, GetWithoutRangeServesTheWholeObjectWithArgusHeaders) {
  const HttpResponse response = Get(argus_.AssetUrl("42"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, object_);
  EXPECT_EQ(Header(response, "content-length"), "1000");
  EXPECT_EQ(Header(response, "content-type"), "video/mp4");
  EXPECT_EQ(Header(response, "accept-ranges"), "bytes");
  EXPECT_EQ(Header(response, "x-cache"), "hit");
  EXPECT_EQ(Header(response, "x-data-source"), "local");
  EXPECT_EQ(Header(response, "cache-control"), "max-age=31536000");
  EXPECT_EQ(Header(response, "content-range"), "<absent>");
  EXPECT_EQ(Header(response, "content-encoding"), "<absent>");
}

TEST_F(FakeDistributorTest, PutAgainReplacesBytesAndContentType) {
  argus_.Put("/cuts/hero.mp4", "old");
  argus_.Put("/cuts/hero.mp4", "new bytes", "video/webm");
  const HttpResponse response = Get(argus_.UrlFor("/cuts/hero.mp4"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "new bytes");
  EXPECT_EQ(Header(response, "content-type"), "video/webm");
}

TEST_F(FakeDistributorTest, ClosedRangeIsPartialContent) {
  const HttpResponse response = Get(argus_.AssetUrl("42"), "bytes=0-1");
  EXPECT_EQ(response.status, 206);
  EXPECT_EQ(Header(response, "content-range"), "bytes 0-1/1000");
  EXPECT_EQ(Header(response, "content-length"), "2");
  EXPECT_EQ(Header(response, "accept-ranges"), "bytes");
  EXPECT_EQ(Header(response, "x-cache"), "hit");
  EXPECT_EQ(response.body, object_.substr(0, 2));

  const HttpResponse middle = Get(argus_.AssetUrl("42"), "bytes=100-199");
  EXPECT_EQ(middle.status, 206);
  EXPECT_EQ(Header(middle, "content-range"), "bytes 100-199/1000");
  EXPECT_EQ(middle.body, object_.substr(100, 100));
}

TEST_F(FakeDistributorTest, RangeEndIsClampedToTheObject) {
  const HttpResponse response = Get(argus_.AssetUrl("42"), "bytes=990-5000");
  EXPECT_EQ(response.status, 206);
  EXPECT_EQ(Header(response, "content-range"), "bytes 990-999/1000");
  EXPECT_EQ(response.body, object_.substr(990));
}

TEST_F(FakeDistributorTest, OpenEndedRangeRunsToTheEnd) {
  const HttpResponse response = Get(argus_.AssetUrl("42"), "bytes=995-");
  EXPECT_EQ(response.status, 206);
  EXPECT_EQ(Header(response, "content-range"), "bytes 995-999/1000");
  EXPECT_EQ(Header(response, "content-length"), "5");
  EXPECT_EQ(response.body, object_.substr(995));
}

TEST_F(FakeDistributorTest, SuffixRangesFollowRangeParser) {
  const HttpResponse last = Get(argus_.AssetUrl("42"), "bytes=-4");
  EXPECT_EQ(last.status, 206);
  EXPECT_EQ(Header(last, "content-range"), "bytes 996-999/1000");
  EXPECT_EQ(last.body, object_.substr(996));
  // range-parser drops a suffix longer than the object instead of serving all of it.
  EXPECT_EQ(Get(argus_.AssetUrl("42"), "bytes=-2000").status, 416);
}

TEST_F(FakeDistributorTest, UnsatisfiableRangeIs416WithTheSize) {
  const HttpResponse response = Get(argus_.AssetUrl("42"), "bytes=1000-");
  EXPECT_EQ(response.status, 416);
  EXPECT_EQ(Header(response, "content-range"), "bytes */1000");
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << response.body;
  EXPECT_EQ(body.value("type", ""), "sendstream_error");
}

TEST_F(FakeDistributorTest, EmptyObjectHasNoSatisfiableRange) {
  argus_.Put("/api/v1/assets/0", "");
  const HttpResponse whole = Get(argus_.AssetUrl("0"));
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(Header(whole, "content-length"), "0");
  EXPECT_EQ(whole.body, "");
  for (const char* range : {"bytes=0-", "bytes=0-0", "bytes=-1"}) {
    const HttpResponse response = Get(argus_.AssetUrl("0"), range);
    EXPECT_EQ(response.status, 416) << range;
    EXPECT_EQ(Header(response, "content-range"), "bytes */0") << range;
  }
}

TEST_F(FakeDistributorTest, RangesCppHttplibWouldMishandleAreReadLikeArgus) {
  // cpp-httplib's own parser rejects this (416 without Content-Range); parseInt reads "1x" as 1.
  const HttpResponse lenient = Get(argus_.AssetUrl("42"), "bytes=0-1x");
  EXPECT_EQ(lenient.status, 206);
  EXPECT_EQ(Header(lenient, "content-range"), "bytes 0-1/1000");
  const HttpResponse backwards = Get(argus_.AssetUrl("42"), "bytes=5-2");
  EXPECT_EQ(backwards.status, 416);
  EXPECT_EQ(Header(backwards, "content-range"), "bytes */1000");
  // Disjoint ranges: the whole object, not a multipart answer.
  const HttpResponse disjoint = Get(argus_.AssetUrl("42"), "bytes=0-1,10-11");
  EXPECT_EQ(disjoint.status, 200);
  EXPECT_EQ(Header(disjoint, "content-type"), "video/mp4");
  EXPECT_EQ(disjoint.body, object_);
  // Adjacent ones merge.
  const HttpResponse adjacent = Get(argus_.AssetUrl("42"), "bytes=0-1,2-3");
  EXPECT_EQ(adjacent.status, 206);
  EXPECT_EQ(Header(adjacent, "content-range"), "bytes 0-3/1000");
  // Not a bytes range: ignored.
  EXPECT_EQ(Get(argus_.AssetUrl("42"), "items=0-1").status, 200);
}

TEST_F(FakeDistributorTest, HeadHasTheHeadersOfAWholeGetAndNoBody) {
  for (const std::string range : {"", "bytes=0-1"}) {
    absl::StatusOr<HttpResponse> response = Send(argus_.AssetUrl("42"), range, "HEAD");
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 200) << range;
    EXPECT_EQ(Header(*response, "content-length"), "1000") << range;
    EXPECT_EQ(Header(*response, "content-type"), "video/mp4");
    EXPECT_EQ(Header(*response, "accept-ranges"), "bytes");
    EXPECT_EQ(Header(*response, "x-cache"), "hit");
    EXPECT_EQ(Header(*response, "content-range"), "<absent>");
    EXPECT_EQ(response->body, "");
  }
  // The connection is still usable: nothing was left unread on it.
  EXPECT_EQ(Get(argus_.AssetUrl("42"), "bytes=0-1").status, 206);
  const std::vector<FakeDistributor::Request> log = argus_.Requests();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].method, "HEAD");
  EXPECT_EQ(log[0].bytes_sent, 0);
  EXPECT_EQ(log[1].bytes_sent, 0);
}

TEST_F(FakeDistributorTest, NoRangesAlwaysServesTheWholeBody) {
  argus_.Put("/cuts/hero.mp4", object_, "video/mp4", {.no_ranges = true});
  const HttpResponse response = Get(argus_.UrlFor("/cuts/hero.mp4"), "bytes=0-1");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, object_);
  EXPECT_EQ(Header(response, "content-range"), "<absent>");
  EXPECT_EQ(Header(response, "accept-ranges"), "none");
  absl::StatusOr<HttpResponse> head = Send(argus_.UrlFor("/cuts/hero.mp4"), "", "HEAD");
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(Header(*head, "accept-ranges"), "none");
}

TEST_F(FakeDistributorTest, StatusBehaviourAnswersArgusJson) {
  struct Case {
    int status;
    const char* type;
  };
  for (const Case& c :
       {Case{404, "not_found"}, Case{421, "not_supported"}, Case{500, "exception"}}) {
    const std::string path = "/api/v1/assets/s" + std::to_string(c.status);
    argus_.Put(path, object_, "video/mp4", {.status = c.status});
    const HttpResponse response = Get(argus_.UrlFor(path), "bytes=0-1");
    EXPECT_EQ(response.status, c.status);
    EXPECT_EQ(Header(response, "content-type").rfind("application/json", 0), 0u);
    const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << response.body;
    EXPECT_EQ(body.value("type", ""), c.type);
    EXPECT_TRUE(body.contains("message")) << response.body;
    EXPECT_EQ(Header(response, "content-range"), "<absent>");
  }
}

TEST_F(FakeDistributorTest, UnknownPathIsArgusNotFound) {
  const HttpResponse response = Get(argus_.AssetUrl("7"));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(Header(response, "content-type").rfind("application/json", 0), 0u);
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << response.body;
  EXPECT_EQ(body.value("message", ""), "Data object does not exist");
  // Exact paths only.
  EXPECT_EQ(Get(argus_.AssetUrl("42") + "/").status, 404);
  EXPECT_EQ(Get(argus_.AssetUrl("4")).status, 404);
  EXPECT_EQ(Get(argus_.AssetUrl("42") + "?download=1").status, 200);
}

TEST_F(FakeDistributorTest, OtherMethodsAreRefused) {
  absl::StatusOr<HttpResponse> post = Send(argus_.AssetUrl("42"), "", "DELETE");
  ASSERT_TRUE(post.ok()) << post.status();
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(Header(*post, "allow"), "GET, HEAD");
}

TEST_F(FakeDistributorTest, RedirectPointsElsewhere) {
  argus_.Put("/api/v1/assets/43", "the real bytes");
  argus_.Put(kPath, object_, "video/mp4", {.redirect_to = argus_.AssetUrl("43")});
  const HttpResponse response = Get(argus_.AssetUrl("42"));
  EXPECT_EQ(response.status, 302);
  EXPECT_EQ(Header(response, "location"), argus_.AssetUrl("43"));
  EXPECT_EQ(response.body, "");

  HttpRequest follow;
  follow.url = argus_.AssetUrl("42");
  follow.max_redirects = 1;
  absl::StatusOr<HttpResponse> followed = client_.Send(follow);
  ASSERT_TRUE(followed.ok()) << followed.status();
  EXPECT_EQ(followed->status, 200);
  EXPECT_EQ(followed->body, "the real bytes");
}

TEST_F(FakeDistributorTest, TrickleOutlastsAShortTimeoutAndStopsWhenTheClientLeaves) {
  // 1000 bytes at 10 bytes every 100 ms would take ~10 s.
  argus_.Put(kPath, object_, "video/mp4",
             {.trickle_bytes = 10, .trickle_interval = milliseconds(100)});
  const auto start = Clock::now();
  absl::StatusOr<HttpResponse> response = Send(argus_.AssetUrl("42"), "", "GET", milliseconds(350));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  // The handler notices the hang-up within its 20 ms poll, long before the trickle would end.
  EXPECT_TRUE(argus_.WaitForIdle(milliseconds(1000)));
  const std::vector<FakeDistributor::Request> log = argus_.Requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].status, 200);
  EXPECT_GE(log[0].bytes_sent, 30);
  EXPECT_LE(log[0].bytes_sent, 50);
  EXPECT_EQ(log[0].bytes_sent % 10, 0);
  EXPECT_EQ(argus_.BytesSent(), log[0].bytes_sent);
}

TEST_F(FakeDistributorTest, TrickleCountsOnlyWhatWasWritten) {
  // One write, then a 30 s pause the client does not wait out.
  argus_.Put(kPath, object_, "video/mp4",
             {.trickle_bytes = 7, .trickle_interval = milliseconds(30000)});
  absl::StatusOr<HttpResponse> response =
      Send(argus_.AssetUrl("42"), "bytes=100-", "GET", milliseconds(300));
  EXPECT_FALSE(response.ok());
  EXPECT_TRUE(argus_.WaitForIdle(milliseconds(1000)));
  ASSERT_EQ(argus_.Requests().size(), 1u);
  EXPECT_EQ(argus_.Requests()[0].status, 206);
  EXPECT_EQ(argus_.Requests()[0].bytes_sent, 7);
  EXPECT_EQ(argus_.BytesSent(), 7);
}

TEST_F(FakeDistributorTest, TrickleDeliversEverythingToAPatientClient) {
  argus_.Put(kPath, object_, "video/mp4",
             {.trickle_bytes = 300, .trickle_interval = milliseconds(20)});
  const HttpResponse response = Get(argus_.AssetUrl("42"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, object_);
  EXPECT_EQ(argus_.BytesSent(), 1000);
}

TEST(FakeDistributorLifetimeTest, DestructorCutsATrickleShort) {
  auto argus = std::make_unique<FakeDistributor>();
  argus->Put("/slow", Pattern(1000), "video/mp4",
             {.trickle_bytes = 10, .trickle_interval = milliseconds(100)});
  const std::string url = argus->UrlFor("/slow");
  absl::StatusOr<HttpResponse> response;
  std::thread client([&] {
    HttpClient http;
    HttpRequest request;
    request.url = url;
    request.timeout = milliseconds(30000);
    response = http.Send(request);
  });
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (argus->BytesSent() == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_GT(argus->BytesSent(), 0);
  const auto start = Clock::now();
  argus.reset();
  EXPECT_LT(Clock::now() - start, milliseconds(500));
  client.join();
  EXPECT_FALSE(response.ok()) << "the body was cut short, the client must not see success";
}

TEST(FakeDistributorLifetimeTest, DestructorCutsStalledReadersAndIdleConnections) {
  auto argus = std::make_unique<FakeDistributor>();
  argus->Put("/big", Pattern(32 << 20));
  argus->Put("/small", "x");
  // A kept-alive connection left idle.
  HttpClient http;
  HttpRequest small;
  small.url = argus->UrlFor("/small");
  ASSERT_TRUE(http.Send(small).ok());
  // A client that asks for 32 MiB and never reads: the fake blocks in a write.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(argus->Port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string request = "GET /big HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (argus->BytesSent() < (1 << 20) && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  // Let the socket buffers fill up.
  int64_t sent = -1;
  while (sent != argus->BytesSent() && Clock::now() < deadline) {
    sent = argus->BytesSent();
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_LT(argus->BytesSent(), 32 << 20);
  EXPECT_FALSE(argus->WaitForIdle(milliseconds(0)));
  const auto start = Clock::now();
  argus.reset();
  EXPECT_LT(Clock::now() - start, milliseconds(500));
  close(fd);
}

TEST_F(FakeDistributorTest, RequestLogRecordsEveryAnswer) {
  argus_.Put("/cuts/hero.mp4", Pattern(5 << 20));
  EXPECT_EQ(Get(argus_.AssetUrl("42"), "bytes=0-9").body.size(), 10u);
  EXPECT_EQ(Get(argus_.AssetUrl("42")).body.size(), 1000u);
  ASSERT_TRUE(Send(argus_.UrlFor("/cuts/hero.mp4"), "", "HEAD").ok());
  EXPECT_EQ(Get(argus_.UrlFor("/cuts/hero.mp4")).body, Pattern(5 << 20));
  const HttpResponse missing = Get(argus_.AssetUrl("9"));

  // Complete without waiting: each response was logged before the client had it all.
  const std::vector<FakeDistributor::Request> log = argus_.Requests();
  ASSERT_EQ(log.size(), 5u);
  EXPECT_EQ(log[0].method, "GET");
  EXPECT_EQ(log[0].path, kPath);
  EXPECT_EQ(log[0].range, "bytes=0-9");
  EXPECT_EQ(log[0].status, 206);
  EXPECT_EQ(log[0].bytes_sent, 10);
  EXPECT_EQ(log[1].range, "");
  EXPECT_EQ(log[1].status, 200);
  EXPECT_EQ(log[1].bytes_sent, 1000);
  EXPECT_EQ(log[2].method, "HEAD");
  EXPECT_EQ(log[2].path, "/cuts/hero.mp4");
  EXPECT_EQ(log[2].bytes_sent, 0);
  EXPECT_EQ(log[3].bytes_sent, 5 << 20);
  EXPECT_EQ(log[4].path, "/api/v1/assets/9");
  EXPECT_EQ(log[4].status, 404);
  EXPECT_EQ(log[4].bytes_sent, static_cast<int64_t>(missing.body.size()));
  EXPECT_EQ(argus_.BytesSent(), 10 + 1000 + (5 << 20) + static_cast<int64_t>(missing.body.size()));

  const std::vector<FakeDistributor::Request> asset = argus_.RequestsFor(kPath);
  ASSERT_EQ(asset.size(), 2u);
  EXPECT_EQ(asset[1].bytes_sent, 1000);
  EXPECT_TRUE(argus_.WaitForIdle(milliseconds(1000)));

  argus_.ClearLog();
  EXPECT_TRUE(argus_.Requests().empty());
  EXPECT_EQ(argus_.BytesSent(), 0);
  Get(argus_.AssetUrl("42"), "bytes=1-2");
  EXPECT_EQ(argus_.BytesSent(), 2);
  ASSERT_EQ(argus_.Requests().size(), 1u);
}

TEST_F(FakeDistributorTest, ConcurrentClientsAreAllServedAndCounted) {
  constexpr int kThreads = 8;
  constexpr int kRequests = 25;
  std::atomic<int> wrong = 0;
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient http;
      for (int i = 0; i < kRequests; ++i) {
        const int first = (t * kRequests + i) % 900;
        HttpRequest request;
        request.url = argus_.AssetUrl("42");
        request.headers.emplace_back(
            "Range", "bytes=" + std::to_string(first) + "-" + std::to_string(first + 99));
        absl::StatusOr<HttpResponse> response = http.Send(request);
        if (!response.ok() || response->status != 206 ||
            response->body != object_.substr(first, 100)) {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  // Well under a second: more simultaneous connects than cpp-httplib's listen backlog of 5 once
  // cost a 1 s SYN retry.
  EXPECT_LT(Clock::now() - start, milliseconds(900));
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(argus_.Requests().size(), static_cast<size_t>(kThreads * kRequests));
  EXPECT_EQ(argus_.BytesSent(), kThreads * kRequests * 100);
}

}  // namespace
}  // namespace curation::fakes
