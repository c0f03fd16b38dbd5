// Runs the real curationd and curatorctl binaries against a fake query node.

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <regex>
#include <fstream>
#include <sstream>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <absl/strings/str_join.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <curation/common/time_format.hpp>
#include <curation/ingest/ingestor.hpp>
#include <curation/v1/review.grpc.pb.h>
#include <curation/review/feed_consumer.hpp>
#include <fakes/fake_distributor.hpp>
#include <fakes/fake_orion.hpp>
#include <fakes/fake_query_node.hpp>
#include <fakes/fake_receiver.hpp>
#include <nlohmann/json.hpp>

#include "auth_fixture.hpp"
#include "child_process.hpp"
#include "media_fixtures.hpp"
#include "postgres_fixture.hpp"

namespace curation {
namespace {

using namespace std::chrono_literals;
using fakes::FakeDistributor;
using fakes::FakeQueryNode;

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

struct Result {
  int code;
  std::string output;
};

Result RunTool(std::vector<std::string> argv, std::chrono::seconds timeout = 30s) {
  static int count = 0;
  std::string log = ::testing::TempDir() + "tool-" + std::to_string(getpid()) + "-" + std::to_string(++count) + ".log";
  testing::ChildProcess process(std::move(argv), log);
  int code = process.Wait(timeout);
  return {code, process.Output()};
}

// The token `curationd principal add` printed: the one output line that is nothing else.
std::string TokenIn(const std::string& output) {
  std::istringstream lines(output);
  std::string line, token;
  while (std::getline(lines, line)) {
    if (line.starts_with("cur_")) {
      EXPECT_TRUE(token.empty()) << "the token is printed once: " << output;
      token = line;
    }
  }
  return token;
}

// `curationd <database_args> principal add --name NAME --role ROLE [extra...]`; returns the new token.
std::string AddPrincipal(const std::vector<std::string>& database_args, const std::string& name,
                         const std::string& role, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {CURATIOND_PATH};
  argv.insert(argv.end(), database_args.begin(), database_args.end());
  argv.insert(argv.end(), {"principal", "add", "--name", name, "--role", role});
  argv.insert(argv.end(), extra.begin(), extra.end());
  Result added = RunTool(argv);
  EXPECT_EQ(added.code, 0) << added.output;
  std::string token = TokenIn(added.output);
  EXPECT_FALSE(token.empty()) << added.output;
  return token;
}

// curatorctl finds its token in CURATION_TOKEN (inherited by the child processes).
void UseToken(const std::string& token) { setenv("CURATION_TOKEN", token.c_str(), 1); }

class CurationdTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    port_ = FreePort();
    addr_ = "127.0.0.1:" + std::to_string(port_);
    // No curatorctl.yaml, token or CA from the machine running the tests.
    config_home_ = ::testing::TempDir() + "xdg-" + std::to_string(getpid());
    std::filesystem::remove_all(config_home_);
    std::filesystem::create_directories(config_home_);
    setenv("XDG_CONFIG_HOME", config_home_.c_str(), 1);
    unsetenv("CURATION_TLS_CA");
    // Every curatorctl call below acts as a lead, unless a test says otherwise.
    UseToken(AddPrincipal({"--database-url", url_}, "test-lead", "lead"));
  }

  std::unique_ptr<testing::ChildProcess> StartDaemon(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {CURATIOND_PATH,
                                     "--database-url", url_,
                                     "--query-node-url", fake_.Url(),
                                     "--set", "server.listen=" + addr_,
                                     "--set", "server.metrics_listen=",
                                     "--set", "console.listen=127.0.0.1:0",
                                     "--set", "ingest.poll_interval=100ms",
                                     "--set", "ingest.backoff_initial=10ms",
                                     "--set", "ingest.backoff_max=100ms",
                                     "--set", "alert.orion_url=" + orion_.Url()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<testing::ChildProcess>(argv, ::testing::TempDir() + name + "-" + std::to_string(getpid()) + ".log");
  }

  // A fresh folder for an embedded PostgreSQL (short: its socket path must fit).
  static std::string OwnPostgresDir(const std::string& name) {
    std::string dir = "/tmp/curation-" + name + "-" + std::to_string(getpid());
    std::filesystem::remove_all(dir);
    return dir;
  }

  // A configuration with no database URL: curationd runs its own PostgreSQL in `dir`.
  std::string OwnPostgresConfig(const std::string& name, const std::string& dir) {
    std::string config = ::testing::TempDir() + name + ".yaml";
    std::ofstream(config) << "query_node:\n  url: " << fake_.Url() << "\nserver:\n  listen: " << addr_
                          << "\n  metrics_listen: \"\"\nconsole:\n  listen: 127.0.0.1:0\ndatabase:\n  embedded_dir: " << dir
                          << "\ningest:\n  poll_interval: 200ms\nalert:\n  orion_url: " << orion_.Url() << "\n";
    return config;
  }

  Result Ctl(std::vector<std::string> args) {
    std::vector<std::string> argv = {CURATORCTL_PATH, "--addr", addr_};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunTool(argv);
  }

  bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      if (done()) {
        return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return done();
  }

  void ExpectAnInterruptedProbeRecordsNothing(const std::function<void(testing::ChildProcess&)>& stop);

  void PutVideos(int count) {
    fake_.PutChannel(FakeQueryNode::MakeChannel(1, 1, FakeQueryNode::BlockIso(1)));
    std::vector<nlohmann::json> videos;
    for (int id = 1; id <= count; ++id) {
      videos.push_back(FakeQueryNode::MakeVideo(id, 10 + id / 3, FakeQueryNode::BlockIso(10 + id / 3), "1"));
    }
    fake_.PutVideos(std::move(videos));
  }

  FakeQueryNode fake_;
  fakes::FakeOrion orion_;
  int port_ = 0;
  std::string addr_;
  std::string config_home_;
};

TEST_F(CurationdTest, ServesTheQueueAndIngestStatusToCuratorctl) {
  PutVideos(5);
  auto daemon = StartDaemon("serve");
  ASSERT_TRUE(WaitFor([&] { return Ctl({"health"}).code == 0; }, 20s)) << daemon->Output();
  ASSERT_TRUE(WaitFor([&] { return Scalar("SELECT count(*) FROM review.items") == "6"; }, 20s)) << daemon->Output();

  Result queue = Ctl({"queue", "list"});
  ASSERT_EQ(queue.code, 0) << queue.output;
  EXPECT_NE(queue.output.find("DUE"), std::string::npos) << queue.output;
  EXPECT_NE(queue.output.find("OVERDUE by"), std::string::npos) << queue.output;
  EXPECT_NE(queue.output.find("channel"), std::string::npos) << queue.output;

  Result json = Ctl({"--json", "queue", "list"});
  ASSERT_EQ(json.code, 0) << json.output;
  auto parsed = nlohmann::json::parse(json.output, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << json.output;
  EXPECT_EQ(parsed["items"].size(), 6u);
  EXPECT_TRUE(parsed["items"][0].contains("due_time"));

  Result status = Ctl({"ingest", "status"});
  ASSERT_EQ(status.code, 0) << status.output;
  EXPECT_NE(status.output.find("lag"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("videos.created"), std::string::npos) << status.output;
  Result status_json = Ctl({"--json", "ingest", "status"});
  auto ingest = nlohmann::json::parse(status_json.output, nullptr, false);
  ASSERT_FALSE(ingest.is_discarded()) << status_json.output;
  EXPECT_EQ(ingest["head_block"].get<std::string>(), "11");  // int64 fields print as strings in proto JSON
  EXPECT_EQ(ingest["lag_blocks"].get<std::string>(), "0");

  Result backfill = Ctl({"ingest", "backfill", "--from-block", "0"});
  EXPECT_EQ(backfill.code, 0) << backfill.output;
  EXPECT_EQ(Ctl({"ingest", "backfill"}).code, 2) << "missing --from-block is a usage error";

  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(15s), 0) << daemon->Output();
  EXPECT_NE(daemon->Output().find("stopped"), std::string::npos);
  Result down = Ctl({"queue", "list"});
  EXPECT_EQ(down.code, 1);
  EXPECT_NE(down.output.find("cannot reach curationd"), std::string::npos) << down.output;
}

TEST_F(CurationdTest, RunsItsOwnPostgresWhenNoDatabaseIsConfigured) {
  PutVideos(3);
  std::string dir = OwnPostgresDir("own-pg");
  std::string config = OwnPostgresConfig("own-pg", dir);
  // The principal goes into the embedded database (started, migrated and stopped for it).
  UseToken(AddPrincipal({"--config", config}, "own-lead", "lead"));
  testing::ChildProcess daemon({CURATIOND_PATH, "--config", config}, ::testing::TempDir() + "own-pg.log");
  ASSERT_TRUE(WaitFor([&] { return Ctl({"--json", "queue", "list"}).output.find("\"3\"") != std::string::npos; },
                      30s))
      << daemon.Output();
  Result queue = Ctl({"queue", "list"});
  EXPECT_EQ(queue.code, 0);
  EXPECT_NE(queue.output.find("OVERDUE by"), std::string::npos) << queue.output;
  EXPECT_TRUE(std::filesystem::exists(dir + "/PG_VERSION"));
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(30s), 0) << daemon.Output();
  EXPECT_FALSE(std::filesystem::exists(dir + "/postmaster.pid")) << "the embedded server stopped with curationd";
  std::filesystem::remove_all(dir);
}

// Issue 14: gRPC bound with SO_REUSEPORT, so a second curationd on the same address started,
// said "serving" and took half the calls. It must fail to start instead.
TEST_F(CurationdTest, ASecondCurationdOnTheSameAddressRefusesToStart) {
  auto first = StartDaemon("same-port-1");
  ASSERT_TRUE(WaitFor([&] { return Ctl({"health"}).code == 0; }, 20s)) << first->Output();
  auto second = StartDaemon("same-port-2");
  EXPECT_EQ(second->Wait(30s), 1) << second->Output();
  EXPECT_EQ(second->Output().find("serving"), std::string::npos) << second->Output();
  first->Signal(SIGTERM);
  EXPECT_EQ(first->Wait(15s), 0) << first->Output();
}

// Issue 16: the Connect API, as curl calls it, takes the gRPC path: the same tokens and roles.
TEST_F(CurationdTest, TheConnectApiAnswersWithTheSameTokensAndRolesAsGrpc) {
  const int console_port = FreePort();
  auto daemon = StartDaemon("connect", {"--set", "console.listen=127.0.0.1:" + std::to_string(console_port)});
  ASSERT_TRUE(WaitFor([&] { return Ctl({"health"}).code == 0; }, 20s)) << daemon->Output();
  EXPECT_NE(daemon->Output().find("console and Connect API on http://127.0.0.1:" + std::to_string(console_port)),
            std::string::npos)
      << daemon->Output();
  const std::string lead = AddPrincipal({"--database-url", url_}, "connect-lead", "lead");
  const std::string council = AddPrincipal({"--database-url", url_}, "connect-council", "council");
  httplib::Client client("127.0.0.1", console_port);
  auto call = [&](const std::string& procedure, const std::string& token) {
    httplib::Headers headers;
    if (!token.empty()) {
      headers.emplace("Authorization", "Bearer " + token);
    }
    return client.Post("/" + procedure, headers, "{}", "application/json");
  };
  auto stats = call("curation.v1.ReviewService/GetQueueStats", lead);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->status, 200) << stats->body;
  // An empty queue's numbers are zeros written out, not an empty object.
  auto numbers = nlohmann::json::parse(stats->body);
  EXPECT_EQ(numbers.value("open", ""), "0") << stats->body;
  EXPECT_EQ(numbers.value("depth", ""), "0") << stats->body;  // int64 as a string, protobuf's JSON mapping
  auto refused = call("curation.v1.ReviewService/DecideItem", council);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403) << refused->body;
  EXPECT_EQ(nlohmann::json::parse(refused->body)["code"], "permission_denied");
  auto anonymous = call("curation.v1.ReviewService/GetQueueStats", "");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401) << anonymous->body;
  EXPECT_EQ(nlohmann::json::parse(anonymous->body)["code"], "unauthenticated");
  // Every hosted service is there by itself; health lists no service for the console.
  auto log = call("curation.v1.ModerationLogService/ListEntries", council);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->status, 200) << log->body;
  EXPECT_EQ(Ctl({"health"}).output.find("console"), std::string::npos);

  // The console's way: the token once, then the session cookie, which reaches the roles too.
  const std::string origin = "http://127.0.0.1:" + std::to_string(console_port);
  auto sign_in = [&](const std::string& token) {
    auto result = client.Post("/console/session/start", httplib::Headers{{"Origin", origin}},
                              nlohmann::json({{"token", token}}).dump(), "application/json");
    EXPECT_TRUE(result && result->status == 200) << (result ? result->body : "no answer");
    std::string set_cookie = result ? result->get_header_value("Set-Cookie") : "";
    return set_cookie.substr(0, set_cookie.find(';'));
  };
  auto as_page = [&](const std::string& procedure, const std::string& cookie) {
    return client.Post("/" + procedure,
                       httplib::Headers{{"Cookie", cookie}, {"Origin", origin}, {"Connect-Protocol-Version", "1"}},
                       "{}", "application/json");
  };
  const std::string lead_cookie = sign_in(lead);
  auto by_cookie = as_page("curation.v1.ReviewService/GetQueueStats", lead_cookie);
  ASSERT_TRUE(by_cookie);
  EXPECT_EQ(by_cookie->status, 200) << by_cookie->body;
  auto council_decides = as_page("curation.v1.ReviewService/DecideItem", sign_in(council));
  ASSERT_TRUE(council_decides);
  EXPECT_EQ(council_decides->status, 403) << council_decides->body;
  auto signed_out = as_page("console/session/end", lead_cookie);
  ASSERT_TRUE(signed_out);
  EXPECT_EQ(signed_out->status, 200);
  auto after = as_page("curation.v1.ReviewService/GetQueueStats", lead_cookie);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401) << after->body;
  EXPECT_EQ(daemon->Output().find(lead), std::string::npos) << "a token in the log";
  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(15s), 0) << daemon->Output();
}

// Issue 16: the console in Debian's Chromium against this curationd: sign in, the queue of the
// query node's videos with hostile on-chain text inert, the session cookie's flags, reload and
// sign out (tests/browser/real_curationd.mjs). Needs `npm ci --prefix tests/browser` and
// chromium (deploy/test.sh installs both); their absence fails the test, it is never skipped.
TEST_F(CurationdTest, TheConsoleWorksInARealBrowser) {
  fake_.PutChannel(FakeQueryNode::MakeChannel(1, 1, FakeQueryNode::BlockIso(1)));
  std::vector<nlohmann::json> videos;
  for (int id = 1; id <= 3; ++id) {
    videos.push_back(FakeQueryNode::MakeVideo(id, 10 + id, FakeQueryNode::BlockIso(10 + id), "1"));
  }
  videos[2]["title"] = "<img src=x onerror=alert(1)>\u202Egnp.exe";
  fake_.PutVideos(std::move(videos));
  const int console_port = FreePort();
  auto daemon = StartDaemon("browser", {"--set", "console.listen=127.0.0.1:" + std::to_string(console_port)});
  ASSERT_TRUE(WaitFor([&] { return Ctl({"health"}).code == 0; }, 20s)) << daemon->Output();
  ASSERT_TRUE(WaitFor([&] { return Scalar("SELECT count(*) FROM review.items") == "4"; }, 20s)) << daemon->Output();
  const std::string token = AddPrincipal({"--database-url", url_}, "browser-lead", "lead");
  Result browser = RunTool({NODE_PATH, BROWSER_TESTS_DIR "real_curationd.mjs", "--url", "http://127.0.0.1:" + std::to_string(console_port),
                            "--token", token, "--title", "Video 1", "--out",
                            ::testing::TempDir() + "console-screenshots"},
                           120s);
  EXPECT_EQ(browser.code, 0) << browser.output << "\n" << daemon->Output();
  // The censor made in the browser is the lead's entry in the moderation log.
  EXPECT_EQ(Scalar("SELECT kind || ' ' || actor || ' ' || array_to_string(policy_codes, ',') FROM modlog.entries"
                   " WHERE target_kind = 'video' AND target_id = '1'"),
            "censor browser-lead copyright")
      << browser.output;
  EXPECT_EQ(daemon->Output().find(token), std::string::npos) << "a token in the log";
  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(15s), 0) << daemon->Output();
}

// Issue 16, the item screen's player: two fake distributor nodes serve the bag of three videos,
// in that order; the first serves the first video, answers 404 for the second and truncated
// bytes for the third, the second node serves all three. In Chromium the player plays each,
// falling back to the second node and saying so; the CSP allows the nodes and refuses another
// origin; an evidence note at 0:03 goes with an approval into the log entry
// (tests/browser/real_player.mjs). Needs what TheConsoleWorksInARealBrowser needs.
TEST_F(CurationdTest, TheItemScreenPlaysFromTheBagsNodesAndFallsBack) {
  const auto& fixtures = testing::MediaFixtures::Get();
  const std::string& media = fixtures["h264_faststart.mp4"].bytes;
  const std::string& poster = fixtures["poster.jpg"].bytes;
  FakeDistributor node1, node2;
  fake_.PutChannel(FakeQueryNode::MakeChannel(1, 1, FakeQueryNode::BlockIso(1)));
  const std::vector<std::string> titles = {"Plays from the first node", "First node answers 404",
                                           "First node serves truncated bytes", "First node stalls mid-play"};
  std::vector<nlohmann::json> videos;
  for (int id = 1; id <= 4; ++id) {
    nlohmann::json video = FakeQueryNode::MakeVideo(id, 10 + id, FakeQueryNode::BlockIso(10 + id), "1");
    video["title"] = titles[id - 1];
    video["media"]["size"] = std::to_string(media.size());
    video["thumbnailPhoto"]["size"] = std::to_string(poster.size());
    videos.push_back(std::move(video));
    const std::string media_path = "/api/v1/assets/" + std::to_string(2 * id);
    const std::string poster_path = "/api/v1/assets/" + std::to_string(2 * id + 1);
    node2.Put(media_path, media, "video/mp4");
    node2.Put(poster_path, poster, "image/jpeg");
  }
  node1.Put("/api/v1/assets/2", media, "video/mp4");
  node1.Put("/api/v1/assets/3", poster, "image/jpeg");
  // Video 2 (objects 4, 5): node 1 knows neither, a 404 as Argus answers it.
  node1.Put("/api/v1/assets/6", fixtures["truncated_faststart.mp4"].bytes, "video/mp4");
  // Video 4 (objects 8, 9): node 1 sends the first half at once, then nothing for two minutes.
  node1.Put("/api/v1/assets/8", media, "video/mp4", {.trickle_bytes = media.size() / 2, .trickle_interval = 120s});
  fake_.ServeBag("dynamic:channel:1", {node1.Url(), node2.Url()});
  fake_.PutVideos(std::move(videos));

  const int console_port = FreePort();
  auto daemon = StartDaemon("player", {"--set", "console.listen=127.0.0.1:" + std::to_string(console_port), "--set",
                                       "probe.allow_addresses=127.0.0.1/32", "--set", "probe.host_interval=0ms"});
  ASSERT_TRUE(WaitFor([&] { return Ctl({"health"}).code == 0; }, 20s)) << daemon->Output();
  ASSERT_TRUE(WaitFor([&] { return Scalar("SELECT count(*) FROM review.items WHERE target_kind = 'video'") == "4"; },
                      20s))
      << daemon->Output();
  // The stalling node's probe waits for its deadline; the screen shows the others' reports.
  ASSERT_TRUE(WaitFor([&] { return std::stoi(Scalar("SELECT count(*) FROM probe.verdicts")) >= 3; }, 30s))
      << "the light probes, whose reports the screen shows\n" << daemon->Output();
  const std::string token = AddPrincipal({"--database-url", url_}, "player-lead", "lead");
  Result browser = RunTool({NODE_PATH, BROWSER_TESTS_DIR "real_player.mjs", "--url",
                            "http://127.0.0.1:" + std::to_string(console_port), "--token", token, "--node1",
                            node1.Url(), "--node2", node2.Url(), "--elsewhere", fake_.Url(), "--out",
                            ::testing::TempDir() + "console-screenshots"},
                           180s);
  EXPECT_EQ(browser.code, 0) << browser.output << "\n" << daemon->Output();
  // The note made in the browser is in the approval's log entry, covered by its hash.
  EXPECT_EQ(Scalar("SELECT kind || ' ' || array_to_string(evidence_offsets_ms, ',') || ' ' || evidence_texts[1]"
                   " FROM modlog.entries WHERE target_kind = 'video' AND target_id = '1'"),
            "approve 3000 Test pattern at 0:03; nothing against policy.")
      << browser.output;
  EXPECT_NE(Ctl({"log", "show", Scalar("SELECT id FROM modlog.entries WHERE target_id = '1'")}).output.find(
                "0:03  Test pattern at 0:03"),
            std::string::npos);
  Result csv = Ctl({"log", "export", "--format", "csv", "--kind", "approve"});
  EXPECT_NE(csv.output.substr(0, csv.output.find('\n')).find(",evidence"), std::string::npos) << csv.output;
  EXPECT_NE(csv.output.find("Test pattern at 0:03"), std::string::npos) << "one cell of notes: " << csv.output;
  // The review done with the keyboard alone: a censor with its note.
  EXPECT_EQ(Scalar("SELECT count(*) FROM modlog.entries WHERE kind = 'censor'"
                   " AND evidence_texts[1] = 'A broadcaster''s logo throughout.'"),
            "1")
      << browser.output;
  Result verify = Ctl({"log", "verify"});
  EXPECT_EQ(verify.code, 0) << verify.output;
  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(15s), 0) << daemon->Output();
}

// A console address already taken stops curationd at start, saying which.
TEST_F(CurationdTest, AConsoleAddressInUseStopsCurationdAtStart) {
  int taken = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(taken, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(taken, 1), 0);
  socklen_t size = sizeof address;
  getsockname(taken, reinterpret_cast<sockaddr*>(&address), &size);
  const std::string busy = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  auto daemon = StartDaemon("console-taken", {"--set", "console.listen=" + busy});
  EXPECT_EQ(daemon->Wait(30s), 1) << daemon->Output();
  EXPECT_NE(daemon->Output().find("cannot listen for the console on " + busy), std::string::npos)
      << daemon->Output();
  close(taken);
}

// The postmaster's pid, once the embedded server has written its lock file (0 before).
pid_t PostmasterPid(const std::string& dir) {
  std::ifstream lock(dir + "/postmaster.pid");
  pid_t pid = 0;
  lock >> pid;
  return pid;
}

// Issue 14: a killed embedded PostgreSQL left curationd up, NOT_SERVING and useless for ever.
TEST_F(CurationdTest, AKilledEmbeddedPostgresIsStartedAgain) {
  PutVideos(1);
  std::string dir = OwnPostgresDir("pg-killed");
  std::string config = OwnPostgresConfig("pg-killed", dir);
  UseToken(AddPrincipal({"--config", config}, "own-lead", "lead"));
  testing::ChildProcess daemon({CURATIOND_PATH, "--config", config}, ::testing::TempDir() + "pg-killed.log");
  ASSERT_TRUE(WaitFor([&] { return Ctl({"queue", "list"}).code == 0; }, 30s)) << daemon.Output();
  pid_t first = PostmasterPid(dir);
  ASSERT_GT(first, 0);
  ASSERT_EQ(kill(first, SIGKILL), 0);
  ASSERT_TRUE(WaitFor(
      [&] {
        pid_t now = PostmasterPid(dir);
        return now > 0 && now != first && Ctl({"queue", "list"}).code == 0 && Ctl({"health"}).code == 0;
      },
      60s))
      << daemon.Output();
  EXPECT_NE(daemon.Output().find("was killed by signal 9"), std::string::npos) << daemon.Output();
  EXPECT_NE(daemon.Output().find("embedded PostgreSQL is back"), std::string::npos) << daemon.Output();
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(30s), 0) << daemon.Output();
  std::filesystem::remove_all(dir);
}

// ... and when it cannot be started again, curationd exits non-zero, so its supervisor acts.
TEST_F(CurationdTest, AnEmbeddedPostgresThatWillNotComeBackStopsCurationd) {
  std::string dir = OwnPostgresDir("pg-gone");
  std::string config = OwnPostgresConfig("pg-gone", dir);
  UseToken(AddPrincipal({"--config", config}, "own-lead", "lead"));
  testing::ChildProcess daemon({CURATIOND_PATH, "--config", config}, ::testing::TempDir() + "pg-gone.log");
  ASSERT_TRUE(WaitFor([&] { return Ctl({"queue", "list"}).code == 0; }, 30s)) << daemon.Output();
  std::ofstream(dir + "/postgresql.auto.conf", std::ios::app) << "this line is not a setting\n";
  ASSERT_EQ(kill(PostmasterPid(dir), SIGKILL), 0);
  EXPECT_EQ(daemon.Wait(120s), 1) << daemon.Output();
  EXPECT_NE(daemon.Output().find("did not come back after 6 failures in a row"), std::string::npos)
      << daemon.Output();
  std::filesystem::remove_all(dir);
}

// Issue 14: started again at once after kill -9, curationd met its old server still shutting
// down (postmaster.pid in place) and exited.
TEST_F(CurationdTest, StartsAgainAtOnceAfterBeingKilled) {
  std::string dir = OwnPostgresDir("pg-again");
  std::string config = OwnPostgresConfig("pg-again", dir);
  UseToken(AddPrincipal({"--config", config}, "own-lead", "lead"));
  for (int round = 0; round < 3; ++round) {
    testing::ChildProcess daemon({CURATIOND_PATH, "--config", config},
                                 ::testing::TempDir() + "pg-again-" + std::to_string(round) + ".log");
    ASSERT_TRUE(WaitFor([&] { return Ctl({"queue", "list"}).code == 0; }, 60s))
        << "round " << round << ": " << daemon.Output();
    {
      // Unwritten pages make the orphaned server's shutdown checkpoint take a moment, as a
      // busy one's would: the next start meets it still running.
      pqxx::connection ballast("postgresql:///postgres?host=" + dir + "&port=5432&user=curation");
      pqxx::nontransaction(ballast).exec(
          "CREATE TABLE IF NOT EXISTS ballast AS SELECT 0 AS n; INSERT INTO ballast SELECT generate_series(1, 1000000)");
    }
    daemon.Signal(SIGKILL);
    daemon.Wait(10s);
  }
  EXPECT_TRUE(WaitFor([&] { return !std::filesystem::exists(dir + "/postmaster.pid"); }, 30s));
  std::filesystem::remove_all(dir);
}

// Issue 14: `principal add` during the first start ran a second initdb in the same folder.
TEST_F(CurationdTest, APrincipalAddedDuringTheFirstStartUsesTheSameServer) {
  std::string dir = OwnPostgresDir("pg-race");
  std::string config = OwnPostgresConfig("pg-race", dir);
  testing::ChildProcess daemon({CURATIOND_PATH, "--config", config}, ::testing::TempDir() + "pg-race.log");
  Result added = RunTool({CURATIOND_PATH, "--config", config, "principal", "add", "--name", "racer", "--role", "lead"});
  ASSERT_EQ(added.code, 0) << added.output << "\n" << daemon.Output();
  UseToken(TokenIn(added.output));
  ASSERT_TRUE(WaitFor([&] { return Ctl({"queue", "list"}).code == 0; }, 60s)) << daemon.Output();
  EXPECT_EQ(daemon.Wait(0ms), -1) << "curationd still runs: " << daemon.Output();
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(30s), 0) << daemon.Output();
  std::filesystem::remove_all(dir);
}

// Issue 14: the README's command failed as root in /root (mode 700): the server's account
// could not reach ./var/pg. The default folder moves, and the log says where and why.
TEST_F(CurationdTest, AsRootInAPrivateHomeFolderTheEmbeddedServerLivesWhereItsAccountCanReach) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "only root hands the embedded server to another account; CI runs this as root";
  }
  std::string home = "/tmp/curation-home-" + std::to_string(getpid());
  std::filesystem::remove_all(home);
  std::filesystem::create_directories(home);
  std::filesystem::permissions(home, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
  auto in_home = [&](const std::string& command) {
    return RunTool({"/bin/sh", "-c", "cd " + home + " && exec " + CURATIOND_PATH + " " + command});
  };
  Result added = in_home("principal add --name root-lead --role lead");
  ASSERT_EQ(added.code, 0) << added.output;
  std::smatch where;
  ASSERT_TRUE(std::regex_search(added.output, where, std::regex("keeping its data in (/var/lib/curation/pg-[0-9a-f]+)")))
      << added.output;
  std::string fallback = where[1];
  EXPECT_NE(added.output.find(home + " is mode 0700 and owned by root"), std::string::npos) << added.output;
  EXPECT_TRUE(std::filesystem::exists(fallback + "/PG_VERSION"));
  Result listed = in_home("principal list");
  EXPECT_EQ(listed.code, 0) << listed.output;
  EXPECT_NE(listed.output.find("root-lead"), std::string::npos) << "the same database again: " << listed.output;
  std::filesystem::remove_all(fallback);
  std::filesystem::remove_all(home);
}

TEST_F(CurationdTest, StatusBeforeAnySuccessSaysSoInsteadOfClaimingNoLag) {
  std::vector<std::string> argv = {CURATIOND_PATH, "--database-url", url_, "--query-node-url",
                                   "http://127.0.0.1:9/graphql", "--set", "server.listen=" + addr_,
                                   "--set", "server.metrics_listen=", "--set", "console.listen=127.0.0.1:0",
                                   "--set", "alert.orion_url=http://127.0.0.1:9/graphql"};
  testing::ChildProcess daemon(argv, ::testing::TempDir() + "unreachable.log");
  ASSERT_TRUE(WaitFor([&] { return Ctl({"health"}).code == 0; }, 20s)) << daemon.Output();
  ASSERT_TRUE(WaitFor([&] { return Ctl({"ingest", "status"}).output.find("Couldn't connect") != std::string::npos; },
                      20s));
  Result status = Ctl({"ingest", "status"});
  EXPECT_NE(status.output.find("unknown: the query node's head was never read"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("not read yet"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("last success    never"), std::string::npos) << status.output;
}

// Issue 4, "Who may do what": principals from the command line, and curatorctl telling its
// user what to do when the token is missing, unknown, revoked or of the wrong role.
TEST_F(CurationdTest, PrincipalsAreManagedFromTheCommandLineAndTokensReachCuratorctl) {
  auto principal = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {CURATIOND_PATH, "--database-url", url_, "principal"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunTool(argv);
  };
  Result added = principal({"add", "--name", "council-1", "--role", "council", "--worker-id", "12", "--contact",
                            "council@example.org"});
  ASSERT_EQ(added.code, 0) << added.output;
  std::string council = TokenIn(added.output);
  ASSERT_FALSE(council.empty()) << added.output;
  EXPECT_NE(added.output.find("it will not be shown again"), std::string::npos) << added.output;
  Result taken = principal({"add", "--name", "council-1", "--role", "curator"});
  EXPECT_EQ(taken.code, 1);
  EXPECT_NE(taken.output.find("already exists"), std::string::npos) << taken.output;
  EXPECT_EQ(TokenIn(taken.output), "");
  EXPECT_EQ(principal({"add", "--name", "bad name", "--role", "curator"}).code, 2);
  EXPECT_EQ(principal({"add", "--name", "x", "--role", "admin"}).code, 2);
  EXPECT_EQ(principal({"add", "--role", "lead"}).code, 2);
  EXPECT_EQ(principal({}).code, 2);

  Result list = principal({"list"});
  ASSERT_EQ(list.code, 0) << list.output;
  for (const char* shown : {"NAME", "council-1", "council", "12", "council@example.org", "test-lead", "lead"}) {
    EXPECT_NE(list.output.find(shown), std::string::npos) << shown << " in " << list.output;
  }
  EXPECT_EQ(list.output.find(council), std::string::npos) << "a token is never shown again";

  auto daemon = StartDaemon("principals", {"--set", "auth.cache_ttl=0s"});
  ASSERT_TRUE(WaitFor([&] { return Ctl({"health"}).code == 0; }, 20s)) << daemon->Output();

  // The council reads, and may not start a backfill.
  UseToken(council);
  Result status = Ctl({"ingest", "status"});
  EXPECT_EQ(status.code, 0) << status.output;
  Result denied = Ctl({"ingest", "backfill", "--from-block", "0"});
  EXPECT_EQ(denied.code, 1);
  EXPECT_NE(denied.output.find("not allowed: the council role may not call StartBackfill"), std::string::npos)
      << denied.output;
  EXPECT_EQ(std::count(denied.output.begin(), denied.output.end(), '\n'), 1) << "one line: " << denied.output;

  unsetenv("CURATION_TOKEN");
  Result missing = Ctl({"ingest", "status"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.output.find("no token: pass --token-file PATH, set CURATION_TOKEN"), std::string::npos)
      << missing.output;
  EXPECT_EQ(Ctl({"health"}).code, 0) << "health needs no token";
  UseToken("cur_" + std::string(43, 'A'));
  Result unknown = Ctl({"ingest", "status"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.output.find("the token from CURATION_TOKEN was refused"), std::string::npos) << unknown.output;

  // From a file, named by the flag or by curatorctl.yaml under XDG_CONFIG_HOME.
  unsetenv("CURATION_TOKEN");
  std::string token_file = config_home_ + "/council.token";
  std::ofstream(token_file) << council << "\n";
  EXPECT_EQ(Ctl({"--token-file", token_file, "ingest", "status"}).code, 0);
  EXPECT_EQ(Ctl({"--token-file", config_home_ + "/missing.token", "ingest", "status"}).code, 2);
  std::filesystem::create_directories(config_home_ + "/curation");
  std::ofstream(config_home_ + "/curation/curatorctl.yaml") << "token_file: " << token_file << "\n";
  EXPECT_EQ(Ctl({"ingest", "status"}).code, 0);

  // Revoked: refused at once here (auth.cache_ttl=0s), and revoking twice says so.
  Result revoked = principal({"revoke", "--name", "council-1"});
  EXPECT_EQ(revoked.code, 0) << revoked.output;
  Result after = Ctl({"ingest", "status"});
  EXPECT_EQ(after.code, 1);
  EXPECT_NE(after.output.find("the token from token_file in curatorctl.yaml was refused"), std::string::npos)
      << after.output;
  EXPECT_EQ(principal({"revoke", "--name", "council-1"}).code, 1);

  Result json = principal({"list", "--json"});
  ASSERT_EQ(json.code, 0) << json.output;
  auto parsed = nlohmann::json::parse(json.output.substr(json.output.find('{')), nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << json.output;
  ASSERT_EQ(parsed["principals"].size(), 2u) << json.output;
  const auto& entry = parsed["principals"][0];
  EXPECT_EQ(entry["name"], "council-1");
  EXPECT_EQ(entry["role"], "council");
  EXPECT_EQ(entry["worker_id"], 12);
  EXPECT_EQ(entry["contact"], "council@example.org");
  EXPECT_TRUE(entry["revoke_time"].is_string()) << json.output;
  EXPECT_TRUE(parsed["principals"][1]["revoke_time"].is_null()) << json.output;
}

TEST_F(CurationdTest, ServesTlsWhenConfiguredAndCuratorctlTrustsTheGivenCa) {
  std::string dir = ::testing::TempDir() + "curationd-tls-" + std::to_string(getpid());
  auto certificate = testing::MakeSelfSignedCertificate(dir);
  auto daemon = StartDaemon("tls", {"--set", "server.tls_cert_file=" + certificate.cert_file, "--set",
                                    "server.tls_key_file=" + certificate.key_file});
  ASSERT_TRUE(WaitFor([&] { return Ctl({"--tls-ca", certificate.cert_file, "health"}).code == 0; }, 20s))
      << daemon->Output();
  Result status = Ctl({"--tls-ca", certificate.cert_file, "--json", "ingest", "status"});
  EXPECT_EQ(status.code, 0) << status.output;
  setenv("CURATION_TLS_CA", certificate.cert_file.c_str(), 1);
  EXPECT_EQ(Ctl({"ingest", "status"}).code, 0);
  unsetenv("CURATION_TLS_CA");

  Result plaintext = Ctl({"--timeout", "3", "ingest", "status"});
  EXPECT_EQ(plaintext.code, 1);
  EXPECT_NE(plaintext.output.find("if it serves TLS, pass --tls or --tls-ca"), std::string::npos) << plaintext.output;
  EXPECT_EQ(Ctl({"--timeout", "3", "--tls", "health"}).code, 1) << "not signed by a system root";
  EXPECT_NE(daemon->Output().find("(TLS)"), std::string::npos) << daemon->Output();

  Result half = RunTool({CURATIOND_PATH, "--set", "server.tls_cert_file=" + certificate.cert_file, "config"});
  EXPECT_EQ(half.code, 2);
  EXPECT_NE(half.output.find("server.tls_key_file"), std::string::npos) << half.output;
  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(15s), 0);
  std::filesystem::remove_all(dir);
}

TEST_F(CurationdTest, BadConfigurationStopsTheStartNamingTheKey) {
  Result bad = RunTool({CURATIOND_PATH, "--set", "ingest.poll_interval=soon", "config"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.output.find("ingest.poll_interval"), std::string::npos) << bad.output;
  std::string file = ::testing::TempDir() + "typo.yaml";
  std::ofstream(file) << "query_node:\n  ulr: http://x\n";
  Result typo = RunTool({CURATIOND_PATH, "--config", file, "config"});
  EXPECT_EQ(typo.code, 2);
  EXPECT_NE(typo.output.find("query_node.ulr"), std::string::npos) << typo.output;
}

TEST_F(CurationdTest, LogsOneJsonObjectPerLineWhenAsked) {
  Result result = RunTool({CURATIOND_PATH, "--set", "log.format=json", "--database-url",
                           "postgresql:///nowhere?host=/nonexistent", "migrate"});
  EXPECT_EQ(result.code, 1);
  std::istringstream lines(result.output);
  std::string line;
  int parsed = 0;
  while (std::getline(lines, line)) {
    auto entry = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(entry.is_discarded()) << line;
    EXPECT_TRUE(entry.contains("time") && entry.contains("level") && entry.contains("service") && entry.contains("msg"));
    ++parsed;
  }
  EXPECT_GE(parsed, 1) << result.output;
}

TEST_F(CurationdTest, RefusesASchemaNewerThanItself) {
  Scalar("INSERT INTO public.schema_migrations (version, name, checksum) VALUES (999, '0999_future.sql', 'x')"
         " RETURNING version");
  auto daemon = StartDaemon("newer");
  EXPECT_EQ(daemon->Wait(20s), 1);
  EXPECT_NE(daemon->Output().find("newer than this binary"), std::string::npos) << daemon->Output();
}

// Everything the pipeline stored, minus our own bookkeeping times and identity values.
std::string Fingerprint(testing::DatabaseTest& test, const std::function<std::string(const std::string&)>& scalar) {
  std::string out;
  for (const char* query : {
           "SELECT md5(string_agg(row(id, channel_id, title, media_object_id, thumbnail_object_id, created_at,"
           " created_in_block, is_censored)::text, '|' ORDER BY id)) FROM ingest.videos",
           "SELECT md5(string_agg(row(id, title, created_at)::text, '|' ORDER BY id)) FROM ingest.channels",
           "SELECT md5(string_agg(row(id, size_bytes, ipfs_hash, is_accepted)::text, '|' ORDER BY id))"
           " FROM ingest.data_objects",
           "SELECT md5(string_agg(row(kind, target_id, occurred_at)::text, '|' ORDER BY seq)) FROM ingest.feed",
           "SELECT md5(string_agg(row(target_kind, target_id, reason, uploaded_at, due_at)::text, '|' ORDER BY id))"
           " FROM review.items",
           "SELECT string_agg(stream || '=' || coalesce(mark_block::text, 't'), ',' ORDER BY stream)"
           " FROM ingest.cursors WHERE mark_block IS NOT NULL"}) {
    out += scalar(query) + "\n";
  }
  return out;
}

TEST_F(CurationdTest, KilledMidIngestEndsIdenticalToAnUninterruptedRun) {
  constexpr int kVideos = 3000;
  PutVideos(kVideos);

  // The reference: the same data ingested in-process without interruption.
  std::string reference_url = testing::PostgresEnvironment::Get().CreateDatabase();
  {
    auto statements = ingest::IngestStore::Statements();
    for (auto& s : review::ReviewStore::Statements()) {
      statements.push_back(s);
    }
    auto pool = db::Pool::Create({.url = reference_url, .size = 2, .statements = statements});
    ASSERT_TRUE(pool.ok());
    ingest::IngestStore store(**pool);
    ingest::QueryNodeClient client(fake_.Url(), 10s, 64 << 20);
    MetricsRegistry metrics;
    ingest::Ingestor ingestor(store, client, IngestConfig{}, 200, metrics);
    ASSERT_TRUE(ingestor.PollOnce().ok());
    review::ReviewStore review_store(**pool);
    review::FeedConsumer consumer(review_store, **pool, ReviewConfig{}, metrics);
    ASSERT_TRUE(consumer.Drain().ok());
  }
  std::string reference_fingerprint = Fingerprint(*this, [&](const std::string& sql) {
    pqxx::connection connection(reference_url);
    pqxx::nontransaction tx(connection);
    auto result = tx.exec(sql);
    return result[0][0].is_null() ? std::string() : result[0][0].as<std::string>();
  });

  // Slow pages so the kill lands mid-ingest, between and during page transactions.
  fake_.InjectFault({.kind = FakeQueryNode::Fault::Kind::kDelay, .delay = 30ms, .operation = "VideosCreated"}, 1000);
  auto first = StartDaemon("killed", {"--set", "query_node.page_size=50"});
  ASSERT_TRUE(WaitFor([&] { return std::stoi(Scalar("SELECT count(*) FROM ingest.videos")) >= 600; }, 60s))
      << first->Output();
  first->Signal(SIGKILL);
  first->Wait(10s);
  int at_kill = std::stoi(Scalar("SELECT count(*) FROM ingest.videos"));
  EXPECT_LT(at_kill, kVideos) << "the kill should land before ingest finished";

  fake_.ClearFaults();
  auto second = StartDaemon("restarted", {"--set", "query_node.page_size=200"});
  ASSERT_TRUE(WaitFor(
      [&] {
        return Scalar("SELECT count(*) FROM ingest.videos") == std::to_string(kVideos) &&
               Scalar("SELECT count(*) FROM review.items") == std::to_string(kVideos + 1);
      },
      60s))
      << second->Output();
  std::this_thread::sleep_for(500ms);  // let the last poll settle its cursors
  EXPECT_EQ(Fingerprint(*this, [&](const std::string& sql) { return Scalar(sql); }), reference_fingerprint);
  second->Signal(SIGTERM);
  EXPECT_EQ(second->Wait(15s), 0);
}

// What the issue's "done when" asks: curatorctl gives the right verdict for every file, and a
// newly ingested video carries one.
TEST_F(CurationdTest, CuratorctlProbeGivesEveryFileItsVerdictAndNewVideosCarryOne) {
  const auto& fixtures = testing::MediaFixtures::Get();
  FakeDistributor node;
  for (const auto& name : fixtures.Names()) {
    node.Put("/media/" + name, fixtures[name].bytes, fixtures[name].content_type);
  }
  fake_.PutChannel(FakeQueryNode::MakeChannel(1, 1, FakeQueryNode::BlockIso(1)));
  nlohmann::json video = FakeQueryNode::MakeVideo(5, 20, FakeQueryNode::BlockIso(20), "1");
  video["media"]["size"] = std::to_string(fixtures["h264_high10.mp4"].bytes.size());
  video["thumbnailPhoto"]["size"] = std::to_string(fixtures["thumbnail.webp"].bytes.size());
  node.Put("/api/v1/assets/10", fixtures["h264_high10.mp4"].bytes, "video/mp4");
  node.Put("/api/v1/assets/11", fixtures["thumbnail.webp"].bytes, "image/webp");
  fake_.ServeBag("dynamic:channel:1", {node.Url()});
  fake_.PutVideos({video});
  auto daemon = StartDaemon("probe", {"--set", "probe.allow_addresses=127.0.0.1/32", "--set", "probe.host_interval=0ms"});

  const std::map<std::string, std::string> expected = {
      {"h264_faststart.mp4", "VERDICT_PLAYABLE"},       {"h264_moov_at_end.mp4", "VERDICT_DEGRADED"},
      {"h264_high10.mp4", "VERDICT_UNPLAYABLE"},        {"h264_422.mp4", "VERDICT_UNPLAYABLE"},
      {"hevc_hev1.mp4", "VERDICT_UNPLAYABLE"},          {"hevc_hvc1.mp4", "VERDICT_DEGRADED"},
      {"mpeg4_part2.mp4", "VERDICT_UNPLAYABLE"},        {"vp9_opus.webm", "VERDICT_PLAYABLE"},
      {"audio_only.mp4", "VERDICT_UNPLAYABLE"},         {"truncated_faststart.mp4", "VERDICT_UNPLAYABLE"},
      {"truncated_moov_at_end.mp4", "VERDICT_UNPLAYABLE"}, {"empty.mp4", "VERDICT_UNPLAYABLE"},
      {"error_page.mp4", "VERDICT_UNPLAYABLE"},         {"black_silent.mp4", "VERDICT_PLAYABLE"},
      {"poster.jpg", "VERDICT_PLAYABLE"},               {"thumbnail.webp", "VERDICT_PLAYABLE"},
      {"poster_truncated.jpg", "VERDICT_UNPLAYABLE"},   {"poster_flat.jpg", "VERDICT_UNPLAYABLE"},
      {"poster_huge.png", "VERDICT_UNPLAYABLE"},        {"not_an_image.jpg", "VERDICT_UNPLAYABLE"},
  };
  ASSERT_TRUE(WaitFor([&] { return Ctl({"health"}).code == 0; }, 20s));
  std::string health = Ctl({"health"}).output;
  auto probe_row = health.find("curation.v1.ProbeService");
  ASSERT_NE(probe_row, std::string::npos) << health;
  std::string probe_status = health.substr(probe_row, health.find('\n', probe_row) - probe_row);
  EXPECT_TRUE(probe_status.ends_with(" SERVING")) << health;
  for (const auto& [name, verdict] : expected) {
    Result result = Ctl({"probe", node.UrlFor("/media/" + name), "--json"});
    ASSERT_EQ(result.code, 0) << name << ": " << result.output;
    EXPECT_EQ(nlohmann::json::parse(result.output)["verdict"], verdict) << name << ": " << result.output;
  }
  Result readable = Ctl({"probe", node.UrlFor("/media/h264_high10.mp4")});
  EXPECT_NE(readable.output.find("FAIL UNSUPPORTED_PIXFMT: H.264 High 10 in yuv420p10le"), std::string::npos)
      << readable.output;
  EXPECT_EQ(Ctl({"probe", "not a video"}).code, 1);

  // Ingested, probed from the feed, and shown on its review item.
  ASSERT_TRUE(WaitFor([&] { return Ctl({"queue", "list"}).output.find("UNPLAYABLE") != std::string::npos; }, 30s))
      << Ctl({"queue", "list"}).output << daemon->Output();
  Result history = Ctl({"probe", "5", "--history", "--json"});
  ASSERT_EQ(history.code, 0) << history.output;
  auto probes = nlohmann::json::parse(history.output)["probes"];
  ASSERT_EQ(probes.size(), 1u) << history.output;
  EXPECT_EQ(probes[0]["depth"], "PROBE_DEPTH_LIGHT");
  EXPECT_EQ(probes[0]["verdict"], "VERDICT_UNPLAYABLE");
  Result list = Ctl({"queue", "list", "--json"});
  EXPECT_NE(list.output.find("UNSUPPORTED_PIXFMT"), std::string::npos) << list.output;
}

// Issue 14, defect 10: a SIGTERM while a probe is under way used to let the probe go on and then
// record what the interrupted probe saw (the video UNPLAYABLE) and close the job; a Ctrl-C at a
// terminal killed the workers with curationd and recorded PROBER_CRASHED. Now the sandbox kills
// its workers itself, nothing is recorded, and the job goes back to the queue without counting
// the attempt.
void CurationdTest::ExpectAnInterruptedProbeRecordsNothing(const std::function<void(testing::ChildProcess&)>& stop) {
  const auto& fixtures = testing::MediaFixtures::Get();
  FakeDistributor node;
  const std::string& media = fixtures["h264_faststart.mp4"].bytes;
  node.Put("/api/v1/assets/10", media, "video/mp4", {.trickle_bytes = 64, .trickle_interval = 1s});
  fake_.PutChannel(FakeQueryNode::MakeChannel(1, 1, FakeQueryNode::BlockIso(1)));
  nlohmann::json video = FakeQueryNode::MakeVideo(5, 20, FakeQueryNode::BlockIso(20), "1");
  video["media"]["size"] = std::to_string(media.size());
  video["thumbnailPhoto"] = nullptr;
  fake_.ServeBag("dynamic:channel:1", {node.Url()});
  fake_.PutVideos({video});
  auto daemon = StartDaemon("probe-sigterm", {"--services", "ingest,probe", "--set", "probe.allow_addresses=127.0.0.1/32",
                                              "--set", "probe.host_interval=0ms", "--set", "probe.deadline=60s"});
  ASSERT_TRUE(WaitFor([&] { return !node.RequestsFor("/api/v1/assets/10").empty(); }, 30s)) << daemon->Output();
  ASSERT_EQ(Scalar("SELECT state FROM probe.jobs WHERE video_id = '5'"), "running");

  stop(*daemon);
  EXPECT_EQ(daemon->Wait(30s), 0) << daemon->Output();
  EXPECT_EQ(Scalar("SELECT count(*) FROM probe.probes WHERE video_id = '5'"), "0") << daemon->Output();
  EXPECT_EQ(Scalar("SELECT state || ' ' || attempts FROM probe.jobs WHERE video_id = '5'"), "queued 0")
      << daemon->Output();
  EXPECT_NE(daemon->Output().find("interrupted by the shutdown"), std::string::npos) << daemon->Output();
}

TEST_F(CurationdTest, ASigtermDuringAProbeRecordsNothingAndRequeuesTheJob) {
  ExpectAnInterruptedProbeRecordsNothing([](testing::ChildProcess& daemon) { daemon.Signal(SIGTERM); });
}

TEST_F(CurationdTest, ACtrlCDuringAProbeRecordsNothingAndRequeuesTheJob) {
  ExpectAnInterruptedProbeRecordsNothing([](testing::ChildProcess& daemon) { daemon.SignalGroup(SIGINT); });
}

// Issue 4, "Done when", tried as a new user would: a lead creates principals; a curator claims
// and decides through curatorctl; the on-chain event of a censor links back to its entry; an
// unlogged on-chain hide shows up as unjustified and reaches the lead; the council reads the
// log and verifies it; the lead reverts the censor.
TEST_F(CurationdTest, CuratorsDecideThroughCuratorctlAndTheChainConfirmsTheLog) {
  std::vector<std::string> database = {"--database-url", url_};
  std::string lead = AddPrincipal(database, "lena", "lead");
  std::string curator = AddPrincipal(database, "cora", "curator", {"--worker-id", "7"});
  std::string council = AddPrincipal(database, "council-1", "council");
  ASSERT_FALSE(lead.empty() || curator.empty() || council.empty());
  PutVideos(2);  // channel 1 with videos 1 and 2
  auto daemon = StartDaemon("review");
  auto json_of = [](const Result& result) { return nlohmann::json::parse(result.output, nullptr, false); };

  UseToken(curator);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto queue = json_of(Ctl({"--json", "queue", "list"}));
        return !queue.is_discarded() && queue["items"].size() == 3;
      },
      20s))
      << Ctl({"queue", "list"}).output << daemon->Output();
  Result codes = Ctl({"queue", "codes"});
  EXPECT_EQ(codes.code, 0) << codes.output;
  EXPECT_NE(codes.output.find("copyright"), std::string::npos) << codes.output;

  // The curator claims two items and decides them: a video censored, the other approved.
  Result claim = Ctl({"--json", "queue", "claim", "2"});
  ASSERT_EQ(claim.code, 0) << claim.output;
  auto claimed = json_of(claim)["items"];
  ASSERT_EQ(claimed.size(), 2u) << claim.output;
  std::string censor_item, censored_video, other_item;
  for (const auto& item : claimed) {
    EXPECT_EQ(item["claimed_by"], "cora");
    if (censor_item.empty() && item["target_kind"] == "TARGET_KIND_VIDEO") {
      censor_item = item["id"].get<std::string>();
      censored_video = item["target_id"].get<std::string>();
    } else {
      other_item = item["id"].get<std::string>();
    }
  }
  ASSERT_FALSE(censor_item.empty()) << claim.output;
  std::string other_video = censored_video == "1" ? "2" : "1";
  Result mine = Ctl({"queue", "list", "--claimed-by", "cora"});
  EXPECT_NE(mine.output.find("CLAIMED BY"), std::string::npos) << mine.output;
  EXPECT_EQ(std::count(mine.output.begin(), mine.output.end(), '\n'), 3) << "a header and two items: " << mine.output;

  Result censor = Ctl({"queue", "decide", censor_item, "censor", "--code", "copyright", "--justification",
                       "A full episode of a broadcaster's show, uploaded without any licence."});
  ASSERT_EQ(censor.code, 0) << censor.output;
  EXPECT_NE(censor.output.find("apply it on chain with your own key:\njoystream-cli "
                               "content:setVideoVisibilityAsModerator -v " + censored_video + " -s HIDDEN -r "),
            std::string::npos)
      << censor.output;
  std::smatch reference;
  ASSERT_TRUE(std::regex_search(censor.output, reference, std::regex("curation-log#([0-9]+)"))) << censor.output;
  std::string entry = reference[1];
  EXPECT_NE(censor.output.find("stays pending"), std::string::npos) << censor.output;
  Result approve = Ctl({"queue", "decide", other_item, "approve", "--request-id", "approve-once"});
  EXPECT_EQ(approve.code, 0) << approve.output;
  Result repeated = Ctl({"queue", "decide", other_item, "approve", "--request-id", "approve-once"});
  EXPECT_EQ(repeated.code, 0) << "the same request_id answers with the first outcome: " << repeated.output;
  EXPECT_EQ(repeated.output, approve.output);
  Result twice = Ctl({"queue", "decide", other_item, "approve"});
  EXPECT_EQ(twice.code, 1) << "a new request is a second decision: " << twice.output;
  Result no_reason = Ctl({"queue", "decide", other_item, "warn", "--code", "thumbnail"});
  EXPECT_EQ(no_reason.code, 1) << "a warn needs a justification: " << no_reason.output;

  // The council may not decide.
  UseToken(council);
  Result denied = Ctl({"queue", "decide", other_item, "approve"});
  EXPECT_EQ(denied.code, 1);
  EXPECT_NE(denied.output.find("not allowed"), std::string::npos) << denied.output;

  // On chain: the curator applies the censor, and someone hides the other video without an
  // entry. Dated after now: chain actions from before the log began are only "preexisting".
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  std::string later = FakeQueryNode::IsoTime(now_ms + 60'000);
  fake_.PutEvent(FakeQueryNode::EventKind::kVideoVisibility,
                 FakeQueryNode::MakeVideoVisibilityEvent(
                     "OLYMPIA-100-1", 100, 1, std::stoll(censored_video), true,
                     "curation-log#" + entry + " [copyright]: A full episode of a broadcaster's show", later,
                     FakeQueryNode::CuratorActor("7")));
  fake_.PutEvent(FakeQueryNode::EventKind::kVideoVisibility,
                 FakeQueryNode::MakeVideoVisibilityEvent("OLYMPIA-101-1", 101, 1, std::stoll(other_video), true,
                                                         "spam", later, FakeQueryNode::CuratorActor("9")));

  nlohmann::json censor_entry;
  ASSERT_TRUE(WaitFor(
      [&] {
        censor_entry = json_of(Ctl({"--json", "log", "show", entry}));
        return !censor_entry.is_discarded() && censor_entry["chain_status"] == "CHAIN_STATUS_CONFIRMED";
      },
      20s))
      << censor_entry.dump(2) << daemon->Output();
  EXPECT_EQ(censor_entry["kind"], "ENTRY_KIND_CENSOR");
  EXPECT_EQ(censor_entry["actor"], "cora");
  EXPECT_EQ(censor_entry["actor_worker_id"], "7");
  EXPECT_EQ(censor_entry["policy_codes"], nlohmann::json::array({"copyright"}));
  std::string confirmation_id = censor_entry["confirmed_by_entry_id"].get<std::string>();
  auto confirmation = json_of(Ctl({"--json", "log", "show", confirmation_id}));
  EXPECT_EQ(confirmation["kind"], "ENTRY_KIND_CHAIN_CONFIRMED") << confirmation.dump(2);
  EXPECT_EQ(confirmation["confirms_entry_id"], entry);
  EXPECT_EQ(confirmation["chain_event"]["block"], "100") << confirmation.dump(2);
  EXPECT_EQ(confirmation["chain_event"]["event_id"], "OLYMPIA-100-1");
  Result shown = Ctl({"log", "show", entry});
  EXPECT_NE(shown.output.find("on chain: confirmed"), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find("in block 100"), std::string::npos) << shown.output;

  ASSERT_TRUE(WaitFor(
      [&] {
        Result listed = Ctl({"log", "list", "--kind", "chain_unjustified"});
        return listed.output.find("video " + other_video) != std::string::npos;
      },
      20s))
      << Ctl({"log", "list"}).output;
  Result unjustified = Ctl({"log", "list", "--kind", "chain_unjustified"});
  EXPECT_NE(unjustified.output.find("chain_unjustified"), std::string::npos) << unjustified.output;
  EXPECT_EQ(unjustified.output.find("video " + censored_video), std::string::npos) << unjustified.output;

  // The council reads the whole log, verifies it and exports it.
  Result verify = Ctl({"log", "verify"});
  EXPECT_EQ(verify.code, 0) << verify.output;
  EXPECT_TRUE(verify.output.starts_with("intact: ")) << verify.output;
  std::string entries = Scalar("SELECT count(*) FROM modlog.entries");
  EXPECT_EQ(entries, "4") << "censor, approve, confirmation, unjustified";
  Result jsonl = Ctl({"log", "export", "--format", "jsonl"});
  ASSERT_EQ(jsonl.code, 0) << jsonl.output;
  std::istringstream lines(jsonl.output);
  std::string line;
  int exported = 0;
  while (std::getline(lines, line)) {
    auto object = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(object.is_discarded()) << line;
    EXPECT_EQ(object["content_hash"].get<std::string>().size(), 64u) << line;
    ++exported;
  }
  EXPECT_EQ(std::to_string(exported), entries) << jsonl.output;
  Result csv = Ctl({"log", "export", "--format", "csv", "--kind", "censor"});
  ASSERT_EQ(csv.code, 0) << csv.output;
  EXPECT_TRUE(csv.output.starts_with("id,reference,kind,")) << csv.output;
  EXPECT_EQ(std::count(csv.output.begin(), csv.output.end(), '\n'), 2) << "header and the censor: " << csv.output;
  EXPECT_NE(csv.output.find("\"A full episode of a broadcaster's show, uploaded without any licence.\""),
            std::string::npos)
      << "a comma quotes the field: " << csv.output;
  Result stats = Ctl({"queue", "stats"});
  EXPECT_EQ(stats.code, 0) << stats.output;
  EXPECT_NE(stats.output.find("depth"), std::string::npos) << stats.output;
  EXPECT_NE(stats.output.find("decided, last 7 days  2"), std::string::npos) << stats.output;

  // The lead sees the unjustified hide as an escalated item, and reverts the censor.
  UseToken(lead);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto escalated = json_of(Ctl({"--json", "queue", "list", "--state", "escalated"}));
        return !escalated.is_discarded() && escalated["items"].size() == 1 &&
               escalated["items"][0]["target_id"] == other_video &&
               escalated["items"][0]["reason"] == "ITEM_REASON_UNJUSTIFIED_CHAIN_ACTION";
      },
      20s))
      << Ctl({"queue", "list", "--state", "escalated"}).output;
  Result escalated = Ctl({"queue", "list", "--state", "escalated"});
  EXPECT_NE(escalated.output.find("unjustified"), std::string::npos) << escalated.output;

  UseToken(curator);
  Result not_lead = Ctl({"queue", "revert", entry, "--justification", "The uploader showed a licence afterwards."});
  EXPECT_EQ(not_lead.code, 1);
  EXPECT_NE(not_lead.output.find("not allowed"), std::string::npos) << not_lead.output;
  UseToken(lead);
  Result revert = Ctl({"queue", "revert", entry, "--justification", "The uploader showed a licence afterwards."});
  ASSERT_EQ(revert.code, 0) << revert.output;
  EXPECT_NE(revert.output.find("apply it on chain with your own key:\njoystream-cli "
                               "content:setVideoVisibilityAsModerator -v " + censored_video + " -s VISIBLE -r "),
            std::string::npos)
      << revert.output;
  EXPECT_NE(revert.output.find("reverts curation-log#" + entry), std::string::npos) << revert.output;
  EXPECT_EQ(Ctl({"log", "verify"}).code, 0);

  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(15s), 0) << daemon->Output();
}

}  // namespace
// The issue's walk-through: a day of uploads, curators working the queue with curatorctl, the
// chain applying a censor and someone hiding a video without an entry; then the council asks
// for that day's report and its numbers agree with the log.
TEST_F(CurationdTest, ADayOfActivityGivesTheCouncilAReportThatAgreesWithTheLog) {
  std::vector<std::string> database = {"--database-url", url_};
  std::string curator = AddPrincipal(database, "cora", "curator", {"--worker-id", "7"});
  std::string council = AddPrincipal(database, "council-1", "council");
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  // Eight uploads over the last day, one every three hours; a ninth 40 h ago, never decided.
  fake_.PutChannel(FakeQueryNode::MakeChannel(1, 1, FakeQueryNode::BlockIso(1)));
  std::vector<nlohmann::json> videos;
  for (int id = 1; id <= 9; ++id) {
    int64_t age_ms = id == 9 ? 40 * 3'600'000ll : (24 - 3 * id) * 3'600'000ll + 60'000;
    videos.push_back(FakeQueryNode::MakeVideo(id, 10 + id, FakeQueryNode::IsoTime(now_ms - age_ms), "1"));
  }
  fake_.PutVideos(std::move(videos));
  auto daemon = StartDaemon("report");
  ASSERT_TRUE(WaitFor([&] { return Ctl({"health"}).code == 0; }, 20s)) << daemon->Output();
  std::string health = Ctl({"health"}).output;
  auto report_row = health.find("curation.v1.ReportService");
  ASSERT_NE(report_row, std::string::npos) << health;
  EXPECT_TRUE(health.substr(report_row, health.find('\n', report_row) - report_row).ends_with(" SERVING")) << health;
  auto json_of = [](const Result& result) { return nlohmann::json::parse(result.output, nullptr, false); };

  UseToken(curator);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto queue = json_of(Ctl({"--json", "queue", "list"}));
        return !queue.is_discarded() && queue["items"].size() == 10;
      },
      20s))
      << Ctl({"queue", "list"}).output << daemon->Output();
  // The curator works through the day's videos: one censored, one warned, the rest approved.
  // A claim skips an item whose row is locked at that moment (a probe verdict being written
  // to it), so claim until all ten are held.
  nlohmann::json claimed_items = nlohmann::json::array();
  for (int attempt = 0; attempt < 10 && claimed_items.size() < 10; ++attempt) {
    Result claim = Ctl({"--json", "queue", "claim", std::to_string(10 - claimed_items.size())});
    ASSERT_EQ(claim.code, 0) << claim.output;
    auto claimed = json_of(claim);
    for (const auto& item : claimed["items"]) {
      claimed_items.push_back(item);
    }
  }
  ASSERT_EQ(claimed_items.size(), 10u);
  std::string censor_entry;
  for (const auto& item : claimed_items) {
    std::string id = item["id"].get<std::string>();
    std::string video = item["target_id"].get<std::string>();
    if (item["target_kind"] != "TARGET_KIND_VIDEO" || video == "9") {
      continue;
    }
    Result decided =
        video == "2" ? Ctl({"queue", "decide", id, "censor", "--code", "copyright", "--justification",
                            "A full episode of a broadcaster's show, no licence."})
        : video == "5" ? Ctl({"queue", "decide", id, "warn", "--code", "thumbnail", "--justification",
                              "The thumbnail is a blank frame; please upload one."})
                       : Ctl({"queue", "decide", id, "approve"});
    ASSERT_EQ(decided.code, 0) << decided.output;
    std::smatch reference;
    if (video == "2") {
      ASSERT_TRUE(std::regex_search(decided.output, reference, std::regex("curation-log#([0-9]+)"))) << decided.output;
      censor_entry = reference[1];
    }
  }
  ASSERT_FALSE(censor_entry.empty()) << "video 2 was among the claimed";
  std::string later = FakeQueryNode::IsoTime(now_ms + 30'000);
  fake_.PutEvent(FakeQueryNode::EventKind::kVideoVisibility,
                 FakeQueryNode::MakeVideoVisibilityEvent("OLYMPIA-200-1", 200, 1, 2, true,
                                                         "curation-log#" + censor_entry + " [copyright]", later,
                                                         FakeQueryNode::CuratorActor("7")));
  fake_.PutEvent(FakeQueryNode::EventKind::kVideoVisibility,
                 FakeQueryNode::MakeVideoVisibilityEvent("OLYMPIA-201-1", 201, 1, 6, true, "spam", later,
                                                         FakeQueryNode::CuratorActor("9")));
  ASSERT_TRUE(WaitFor([&] { return Ctl({"log", "list", "--kind", "chain_unjustified"}).output.find("video 6") !=
                                   std::string::npos; },
                      20s))
      << Ctl({"log", "list"}).output;

  // Curators may not read the report; the council may.
  std::string from = FakeQueryNode::IsoTime(now_ms - 24 * 3'600'000ll);
  std::string to = FakeQueryNode::IsoTime(now_ms + 3'600'000);
  Result refused = Ctl({"report", "--from", from, "--to", to});
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.output.find("not allowed"), std::string::npos) << refused.output;
  UseToken(council);
  std::string markdown = ::testing::TempDir() + "day-" + std::to_string(getpid()) + ".md";
  Result written = Ctl({"report", "--from", from, "--to", to, "--output", markdown});
  ASSERT_EQ(written.code, 0) << written.output;
  EXPECT_NE(written.output.find("1 unjustified chain actions"), std::string::npos) << written.output;
  EXPECT_NE(written.output.find("log intact"), std::string::npos) << written.output;
  std::ifstream file(markdown);
  std::string report((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_NE(report.find("curation-log#" + censor_entry), std::string::npos) << report;
  EXPECT_NE(report.find("spam"), std::string::npos) << report;

  // Its numbers are the log's.
  auto log = json_of(Ctl({"--json", "log", "list", "--since", from, "--until", to}));
  ASSERT_FALSE(log.is_discarded());
  std::map<std::string, int> kinds;
  for (const auto& entry : log["entries"]) {
    ++kinds[entry["kind"].get<std::string>()];
  }
  Result json = Ctl({"report", "--from", from, "--to", to, "--format", "json"});
  ASSERT_EQ(json.code, 0) << json.output;
  auto numbers = nlohmann::json::parse(json.output, nullptr, false);
  ASSERT_FALSE(numbers.is_discarded()) << json.output;
  EXPECT_EQ(numbers["summary"]["actions"],
            kinds["ENTRY_KIND_WARN"] + kinds["ENTRY_KIND_CENSOR"] + kinds["ENTRY_KIND_CHAIN_UNJUSTIFIED"]);
  EXPECT_EQ(numbers["statistics"]["decisions_by_action"]["approve"], kinds["ENTRY_KIND_APPROVE"]);
  EXPECT_EQ(kinds["ENTRY_KIND_APPROVE"], 6);
  EXPECT_EQ(numbers["summary"]["uploads"], 8);
  EXPECT_EQ(numbers["summary"]["open_past_due"], 1) << "video 9, uploaded 40 h ago";
  EXPECT_EQ(numbers["summary"]["unjustified_chain_actions"], 1);
  EXPECT_EQ(numbers["summary"]["log_intact"], true);

  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(15s), 0) << daemon->Output();
}

// The hero assets the alert tests feature: video 7's cut cannot start at once (its index is at
// the end), video 8's can; one poster for both.
void ServeHeroAssets(FakeDistributor& storage) {
  const auto& media = testing::MediaFixtures::Get();
  storage.Put("/cuts/7.mp4", media["h264_moov_at_end.mp4"].bytes, "video/mp4");
  storage.Put("/cuts/8.mp4", media["h264_faststart.mp4"].bytes, "video/mp4");
  storage.Put("/poster.jpg", media["poster.jpg"].bytes, "image/jpeg");
}

// The issue's walk-through: an operator configures a Discord webhook, the hero becomes a video
// whose cut cannot start at once, the page arrives, a curator acknowledges it with curatorctl,
// the lead sets another hero, the resolved notice arrives, and `alerts show` tells it all.
TEST_F(CurationdTest, AnUnplayableHeroPagesDiscordAndCuratorctlFollowsItToTheEnd) {
  fakes::FakeReceiver discord;
  FakeDistributor storage;
  ServeHeroAssets(storage);
  std::string config = ::testing::TempDir() + "alerts-" + std::to_string(getpid()) + ".yaml";
  std::ofstream(config) << "alert:\n  poll_interval: 1s\n  receivers:\n    - name: curators\n      type: discord\n"
                        << "      url: " << discord.Url("/api/webhooks/1/token") << "\n      mention_roles: [\"4242\"]\n"
                        << "probe:\n  allow_addresses: 127.0.0.1/32\n";
  orion_.SetHero("7", "Broken cut", storage.UrlFor("/cuts/7.mp4"), storage.UrlFor("/poster.jpg"), "", "Hero");
  auto daemon = StartDaemon("alerts", {"--config", config});
  ASSERT_TRUE(WaitFor([&] { return Ctl({"health"}).code == 0; }, 20s)) << daemon->Output();

  ASSERT_TRUE(discord.WaitForRequests(1, 30s)) << daemon->Output();
  EXPECT_NE(discord.Requests()[0].body.find("<@&4242>"), std::string::npos) << discord.Requests()[0].body;
  Result list = Ctl({"alerts", "list", "--open"});
  ASSERT_EQ(list.code, 0) << list.output;
  EXPECT_NE(list.output.find("HeroVideoUnplayable"), std::string::npos) << list.output;

  UseToken(AddPrincipal({"--database-url", url_}, "carol", "curator"));
  Result ack = Ctl({"alerts", "ack", "1", "--note", "asking for a faststart cut"});
  EXPECT_EQ(ack.code, 0) << ack.output;
  UseToken(AddPrincipal({"--database-url", url_}, "lena", "lead"));
  orion_.SetHero("8", "Good cut", storage.UrlFor("/cuts/8.mp4"), storage.UrlFor("/poster.jpg"), "", "Hero");
  ASSERT_TRUE(WaitFor([&] { return Ctl({"alerts", "list", "--open"}).output.find("No incidents") != std::string::npos; },
                      30s));
  ASSERT_TRUE(discord.WaitForRequests(3, 10s)) << discord.Requests().size() << " requests; " << Ctl({"alerts", "show", "1"}).output;  // page, acknowledged, resolved
  Result show = Ctl({"alerts", "show", "1"});
  EXPECT_EQ(show.code, 0) << show.output;
  for (const char* expected : {"opened", "paged", "acknowledged", "carol", "resolved", "no longer featured",
                               "page:0", "sent"}) {
    EXPECT_NE(show.output.find(expected), std::string::npos) << expected << " in\n" << show.output;
  }
  Result slots = Ctl({"alerts", "slots"});
  EXPECT_NE(slots.output.find("Good cut"), std::string::npos) << slots.output;
}

// Issue 14, "more than one instance": two curationd on one database, one watching Orion and
// probing at a time; the other takes over when it is killed, with no incident or page twice.
TEST_F(CurationdTest, OneOfTwoReplicasMonitorsAndTheOtherTakesOverWhenItDies) {
  fakes::FakeReceiver discord;
  FakeDistributor storage;
  ServeHeroAssets(storage);
  std::string config = ::testing::TempDir() + "replicas-" + std::to_string(getpid()) + ".yaml";
  std::ofstream(config) << "alert:\n  poll_interval: 1s\n  receivers:\n    - name: curators\n      type: discord\n"
                        << "      url: " << discord.Url("/api/webhooks/1/token") << "\n"
                        << "probe:\n  allow_addresses: 127.0.0.1/32\n";
  orion_.SetHero("8", "Good cut", storage.UrlFor("/cuts/8.mp4"), storage.UrlFor("/poster.jpg"), "", "Hero");
  auto first = StartDaemon("replica-1", {"--config", config});
  ASSERT_TRUE(WaitFor([&] { return first->Output().find("watching what Orion features and probing it now") !=
                                   std::string::npos; },
                      20s))
      << first->Output();
  auto second = StartDaemon("replica-2", {"--config", config, "--set", "server.listen=127.0.0.1:" +
                                                                          std::to_string(FreePort())});
  ASSERT_TRUE(WaitFor([&] { return second->Output().find("another instance is watching what Orion features") !=
                                   std::string::npos; },
                      20s))
      << second->Output();
  size_t polls_before = orion_.RequestCount();
  std::this_thread::sleep_for(4s);
  EXPECT_LE(orion_.RequestCount() - polls_before, 6u) << "one instance polls, once a second";

  orion_.SetHero("7", "Broken cut", storage.UrlFor("/cuts/7.mp4"), storage.UrlFor("/poster.jpg"), "", "Hero");
  ASSERT_TRUE(discord.WaitForRequests(1, 30s)) << first->Output();
  // Killed once the page is recorded as sent: a kill between Discord's answer and that record
  // sends it again (delivery is at least once), which is not what this test is about.
  ASSERT_TRUE(WaitFor([&] { return Scalar("SELECT count(*) FROM alert.outbox WHERE state = 'sent'") == "1"; }, 10s));
  first->Signal(SIGKILL);
  first->Wait(10s);
  ASSERT_TRUE(WaitFor([&] { return second->Output().find("watching what Orion features and probing it now") !=
                                   std::string::npos; },
                      10s))
      << second->Output();
  orion_.SetHero("8", "Good cut", storage.UrlFor("/cuts/8.mp4"), storage.UrlFor("/poster.jpg"), "", "Hero");
  ASSERT_TRUE(WaitFor([&] { return Scalar("SELECT count(*) FROM alert.incidents WHERE state = 'resolved'") == "1"; },
                      30s))
      << second->Output();
  ASSERT_TRUE(discord.WaitForRequests(2, 20s)) << second->Output();  // the page, then the resolved notice
  std::this_thread::sleep_for(3s);                                    // anything sent twice would show by now
  EXPECT_EQ(Scalar("SELECT count(*) FROM alert.incidents"), "1");
  EXPECT_EQ(discord.Requests().size(), 2u);
  second->Signal(SIGTERM);
  EXPECT_EQ(second->Wait(15s), 0) << second->Output();
}

namespace {

// A curationd that sheds load or answers late is running: curatorctl says it is busy or slow,
// and "cannot reach" only when no connection can be made.
class SheddingReviewService final : public v1::ReviewService::Service {
 public:
  grpc::Status ListItems(grpc::ServerContext* context, const v1::ListItemsRequest*, v1::ListItemsResponse*) override {
    if (!slow) {
      return grpc::Status(grpc::RESOURCE_EXHAUSTED, "Server Threadpool Exhausted");
    }
    while (!context->IsCancelled()) {
      std::this_thread::sleep_for(10ms);
    }
    return grpc::Status(grpc::CANCELLED, "the caller gave up");
  }
  std::atomic<bool> slow{false};
};

TEST(CuratorctlTest, TellsABusyOrSlowCurationdFromOneItCannotReach) {
  SheddingReviewService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  const std::string addr = "127.0.0.1:" + std::to_string(port);

  Result busy = RunTool({CURATORCTL_PATH, "--addr", addr, "queue", "list"});
  EXPECT_EQ(busy.code, 1);
  EXPECT_NE(busy.output.find("curatorctl: curationd is busy (Server Threadpool Exhausted); try again"),
            std::string::npos)
      << busy.output;
  service.slow = true;
  Result slow = RunTool({CURATORCTL_PATH, "--addr", addr, "--timeout", "1", "queue", "list"});
  EXPECT_EQ(slow.code, 1);
  EXPECT_NE(slow.output.find("curatorctl: deadline exceeded ("), std::string::npos) << slow.output;
  EXPECT_NE(slow.output.find("within 1 s"), std::string::npos) << slow.output;
  for (const Result& running : {busy, slow}) {
    EXPECT_EQ(running.output.find("cannot reach"), std::string::npos) << running.output;
  }
  server->Shutdown(std::chrono::system_clock::now() + 1s);
  server->Wait();
  Result down = RunTool({CURATORCTL_PATH, "--addr", addr, "--timeout", "5", "queue", "list"});
  EXPECT_EQ(down.code, 1);
  EXPECT_NE(down.output.find("cannot reach curationd at " + addr), std::string::npos) << down.output;
}

}  // namespace
// Issue 14, "a cluster on one machine": an outside PostgreSQL and one curationd per service as
// deploy/k8s runs them (ingest, probe x2, review, modlog, alert, report). A backfill, decisions
// and a hero incident go through them while one process of each kind is killed mid-work and
// started again; the end state is what an undisturbed run gives.
TEST_F(CurationdTest, AClusterWithOneProcessPerServiceSurvivesAKillOfEachKind) {
  constexpr int kVideos = 40;
  const auto& media = testing::MediaFixtures::Get();
  FakeDistributor node, second_node, storage;
  fakes::FakeReceiver discord;
  fake_.PutChannel(FakeQueryNode::MakeChannel(1, 1, FakeQueryNode::BlockIso(1)));
  fake_.ServeBag("dynamic:channel:1", {node.Url(), second_node.Url()});
  std::vector<nlohmann::json> videos;
  for (int id = 1; id <= kVideos; ++id) {
    nlohmann::json video = FakeQueryNode::MakeVideo(id, 10 + id, FakeQueryNode::BlockIso(10 + id), "1");
    video["media"]["size"] = std::to_string(media["h264_faststart.mp4"].bytes.size());
    video["thumbnailPhoto"]["size"] = std::to_string(media["poster.jpg"].bytes.size());
    for (FakeDistributor* serving : {&node, &second_node}) {
      serving->Put("/api/v1/assets/" + std::to_string(2 * id), media["h264_faststart.mp4"].bytes, "video/mp4");
      serving->Put("/api/v1/assets/" + std::to_string(2 * id + 1), media["poster.jpg"].bytes, "image/jpeg");
    }
    videos.push_back(video);
  }
  fake_.PutVideos(videos);
  ServeHeroAssets(storage);
  orion_.SetHero("8", "Good cut", storage.UrlFor("/cuts/8.mp4"), storage.UrlFor("/poster.jpg"), "", "Hero");
  std::string config = ::testing::TempDir() + "cluster-" + std::to_string(getpid()) + ".yaml";
  std::ofstream(config) << "alert:\n  poll_interval: 1s\n  receivers:\n    - name: curators\n      type: discord\n"
                        << "      url: " << discord.Url("/api/webhooks/1/token") << "\n"
                        << "probe:\n  allow_addresses: 127.0.0.1/32\n  host_interval: 0ms\n  workers: 1\n"
                        << "query_node:\n  page_size: 5\n";

  struct Member {
    std::string services;
    std::string addr;
    std::unique_ptr<testing::ChildProcess> process;
    int starts = 0;
  };
  std::map<std::string, Member> cluster;
  for (const char* name : {"ingest", "probe-a", "probe-b", "review", "modlog", "alert", "report"}) {
    std::string services = name;
    cluster[name] = {services.substr(0, services.find('-')), "127.0.0.1:" + std::to_string(FreePort()), nullptr};
  }
  auto at = [&](const std::string& name, std::vector<std::string> args) {
    args.insert(args.begin(), {CURATORCTL_PATH, "--addr", cluster[name].addr});
    return RunTool(args);
  };
  auto start = [&](const std::string& name) {
    Member& member = cluster[name];
    member.process = StartDaemon("cluster-" + name + "-" + std::to_string(member.starts++),
                                 {"--config", config, "--services", member.services, "--set",
                                  "server.listen=" + member.addr});
    ASSERT_TRUE(WaitFor([&] { return at(name, {"health"}).code == 0; }, 30s)) << name << ": " << member.process->Output();
  };
  auto kill_and_restart = [&](const std::string& name) {
    cluster[name].process->Signal(SIGKILL);
    cluster[name].process->Wait(10s);
    start(name);
  };
  auto count = [&](const std::string& sql) { return std::stoi(Scalar(sql)); };

  // Slow pages, so the ingest kill lands mid-backfill.
  fake_.InjectFault({.kind = FakeQueryNode::Fault::Kind::kDelay, .delay = 150ms, .operation = "VideosCreated"}, 1000);
  for (const auto& [name, member] : cluster) {
    start(name);
  }
  ASSERT_EQ(at("ingest", {"ingest", "backfill", "--from-block", "0"}).code, 0);
  ASSERT_TRUE(WaitFor([&] { return count("SELECT count(*) FROM ingest.videos") >= 10; }, 60s));
  kill_and_restart("ingest");
  fake_.ClearFaults();
  ASSERT_TRUE(WaitFor([&] { return count("SELECT count(*) FROM probe.verdicts") >= 3; }, 60s))
      << cluster["probe-a"].process->Output();
  pid_t killed_prober = cluster["probe-a"].process->pid();
  kill_and_restart("probe-a");
  // The job it was running comes back when its lease (10 min) runs out: let that time pass.
  Scalar("UPDATE probe.jobs SET lease_expires_at = now() WHERE state = 'running' AND lease_holder LIKE '%-" +
         std::to_string(killed_prober) + "-%' RETURNING 1");

  // The hero breaks: the alert process pages, is killed, and its successor resolves the incident.
  orion_.SetHero("7", "Broken cut", storage.UrlFor("/cuts/7.mp4"), storage.UrlFor("/poster.jpg"), "", "Hero");
  // Killed once the page is recorded as sent: a kill between Discord's answer and that record
  // sends it again on restart (delivery is at least once).
  ASSERT_TRUE(WaitFor([&] { return count("SELECT count(*) FROM alert.outbox WHERE state = 'sent'") == 1; }, 60s))
      << cluster["alert"].process->Output();
  kill_and_restart("alert");

  // Every item decided, the review and modlog processes killed halfway; a decision is re-sent
  // with its request id when its answer was lost.
  ASSERT_TRUE(WaitFor([&] { return count("SELECT count(*) FROM review.items") == kVideos + 1; }, 60s));
  std::vector<std::string> items;
  for (int id = 1; id <= kVideos + 1; ++id) {
    items.push_back(std::to_string(id));
  }
  ASSERT_EQ(Scalar("SELECT string_agg(id::text, ',' ORDER BY id) FROM review.items"), absl::StrJoin(items, ","));
  Result claimed = at("review", {"queue", "claim", std::to_string(items.size()), "--lease", "1h"});
  ASSERT_EQ(claimed.code, 0) << claimed.output;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i == items.size() / 2) {
      kill_and_restart("review");
      kill_and_restart("modlog");
    }
    bool decided = false;
    for (int attempt = 0; attempt < 5 && !decided; ++attempt) {
      decided = at("review", {"queue", "decide", items[i], "approve", "--request-id", "cluster-" + items[i]}).code == 0;
    }
    ASSERT_TRUE(decided) << items[i] << ": " << cluster["review"].process->Output();
  }
  std::string today = FormatIsoTime(SystemClock::Instance().Now()).substr(0, 10);
  testing::ChildProcess reading({CURATORCTL_PATH, "--addr", cluster["report"].addr, "report", "--day", today},
                                ::testing::TempDir() + "cluster-report-killed.log");
  kill_and_restart("report");
  reading.Wait(30s);

  orion_.SetHero("8", "Good cut", storage.UrlFor("/cuts/8.mp4"), storage.UrlFor("/poster.jpg"), "", "Hero");
  ASSERT_TRUE(WaitFor(
      [&] {
        return count("SELECT count(*) FROM probe.verdicts") == kVideos &&
               count("SELECT count(*) FROM alert.incidents WHERE state = 'resolved'") == 1 &&
               count("SELECT count(*) FROM modlog.unsealed") == 0 && discord.Requests().size() >= 2;
      },
      90s))
      << Scalar("SELECT count(*) FROM probe.verdicts") << " verdicts; "
      << Scalar("SELECT count(*) FROM alert.incidents WHERE state = 'resolved'") << " resolved; "
      << discord.Requests().size() << " notices";
  std::this_thread::sleep_for(3s);  // anything done twice would show by now

  // The end state of an undisturbed run: every video once, one item each and one for the
  // channel, one approval and one sealed log entry per item, one verdict per video, one
  // incident paged once and resolved once, and the chain verifies.
  EXPECT_EQ(count("SELECT count(*) FROM ingest.videos"), kVideos);
  EXPECT_EQ(count("SELECT count(*) FROM ingest.feed WHERE kind = 'video_created'"), kVideos);
  EXPECT_EQ(count("SELECT count(*) FROM review.items WHERE state = 'decided'"), kVideos + 1);
  EXPECT_EQ(count("SELECT count(*) FROM review.decisions"), kVideos + 1);
  EXPECT_EQ(count("SELECT count(*) FROM modlog.entries"), kVideos + 1);
  EXPECT_EQ(count("SELECT count(*) FROM probe.verdicts WHERE verdict = 'playable'"), kVideos)
      << Scalar("SELECT string_agg(video_id || ' ' || verdict || ' ' || summary, '; ') FROM probe.verdicts"
                " WHERE verdict <> 'playable'");
  EXPECT_EQ(count("SELECT count(*) FROM alert.incidents"), 1);
  EXPECT_EQ(discord.Requests().size(), 2u) << "the page and the resolved notice, once each";
  Result verify = at("modlog", {"log", "verify"});
  EXPECT_EQ(verify.code, 0) << verify.output;
  Result report = at("report", {"report", "--day", today, "--format", "json"});
  EXPECT_EQ(report.code, 0) << report.output;
  for (auto& [name, member] : cluster) {
    member.process->Signal(SIGTERM);
    EXPECT_EQ(member.process->Wait(20s), 0) << name << ": " << member.process->Output();
  }
}


// Issue 16: the console's log, alerts and report screens in Debian's Chromium against this
// curationd (tests/browser/real_screens.mjs). A curator's three decisions are in the log, a
// council term covers today, and the hero does not play: the council reads the log, verifies
// it, exports it as the same CSV curatorctl writes, and reads the term report; an on-call
// curator acknowledges the hero's incident, which the database then holds.
TEST_F(CurationdTest, TheLogAlertsAndReportScreensWorkInARealBrowser) {
  std::vector<std::string> database = {"--database-url", url_};
  PutVideos(3);
  FakeDistributor storage;
  ServeHeroAssets(storage);
  orion_.SetHero("7", "Broken cut", storage.UrlFor("/cuts/7.mp4"), storage.UrlFor("/poster.jpg"), "", "Hero");
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::string config = ::testing::TempDir() + "screens-" + std::to_string(getpid()) + ".yaml";
  std::ofstream(config) << "alert:\n  poll_interval: 1s\nprobe:\n  allow_addresses: 127.0.0.1/32\n"
                        << "report:\n  terms:\n    - {number: 7, start: " << FakeQueryNode::IsoTime(now_ms - 86'400'000)
                        << ", end: " << FakeQueryNode::IsoTime(now_ms + 86'400'000) << "}\n";
  const int console_port = FreePort();
  auto daemon =
      StartDaemon("screens", {"--config", config, "--set", "console.listen=127.0.0.1:" + std::to_string(console_port)});
  ASSERT_TRUE(WaitFor([&] { return Ctl({"health"}).code == 0; }, 20s)) << daemon->Output();
  const std::string council = AddPrincipal(database, "council-1", "council");
  const std::string on_call = AddPrincipal(database, "oncall", "curator", {"--worker-id", "9"});

  // A curator decides the three videos: one censor, two approvals.
  UseToken(AddPrincipal(database, "cora", "curator", {"--worker-id", "7"}));
  ASSERT_TRUE(WaitFor([&] { return Scalar("SELECT count(*) FROM review.items") == "4"; }, 20s)) << daemon->Output();
  int decided = 0;
  for (int attempt = 0; attempt < 20 && decided < 3; ++attempt) {
    auto claimed = nlohmann::json::parse(Ctl({"--json", "queue", "claim", "4"}).output, nullptr, false);
    ASSERT_FALSE(claimed.is_discarded());
    for (const auto& item : claimed["items"]) {
      if (item["target_kind"] != "TARGET_KIND_VIDEO") {
        continue;
      }
      std::string id = item["id"].get<std::string>();
      Result decision = item["target_id"] == "2"
                            ? Ctl({"queue", "decide", id, "censor", "--code", "copyright", "--justification",
                                   "A full episode of a broadcaster's show, no licence."})
                            : Ctl({"queue", "decide", id, "approve"});
      ASSERT_EQ(decision.code, 0) << decision.output;
      ++decided;
    }
  }
  ASSERT_EQ(decided, 3);
  UseToken(council);
  ASSERT_TRUE(WaitFor([&] { return Ctl({"log", "verify"}).output.starts_with("intact: 3 entries"); }, 20s))
      << Ctl({"log", "verify"}).output;
  ASSERT_TRUE(WaitFor([&] { return Ctl({"alerts", "list", "--open"}).output.find("HeroVideoUnplayable") !=
                                   std::string::npos; },
                      60s))
      << Ctl({"alerts", "slots"}).output << daemon->Output();

  const std::string out = ::testing::TempDir() + "console-screenshots";
  Result browser = RunTool({NODE_PATH, BROWSER_TESTS_DIR "real_screens.mjs", "--url",
                            "http://127.0.0.1:" + std::to_string(console_port), "--council-token", council,
                            "--curator-token", on_call, "--entries", "3", "--term", "7", "--out", out},
                           180s);
  EXPECT_EQ(browser.code, 0) << browser.output << "\n" << daemon->Output();

  // The browser's export is curatorctl's, byte for byte.
  std::ifstream exported_file(out + "/log-export.csv", std::ios::binary);
  std::string exported((std::istreambuf_iterator<char>(exported_file)), std::istreambuf_iterator<char>());
  Result expected = Ctl({"log", "export", "--format", "csv"});
  ASSERT_EQ(expected.code, 0) << expected.output;
  EXPECT_EQ(exported, expected.output);
  // The term report it downloaded cites the censor's entry.
  std::ifstream report_file(out + "/report-term.md");
  std::string report((std::istreambuf_iterator<char>(report_file)), std::istreambuf_iterator<char>());
  EXPECT_NE(report.find("curation-log#" + Scalar("SELECT id FROM modlog.entries WHERE kind = 'censor'")),
            std::string::npos)
      << report;
  // The acknowledgement made in the browser is the on-call curator's.
  EXPECT_EQ(Scalar("SELECT state || ' ' || acknowledged_by FROM alert.incidents WHERE alertname = 'HeroVideoUnplayable'"),
            "acknowledged oncall")
      << browser.output;
  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(15s), 0) << daemon->Output();
}

}  // namespace curation
