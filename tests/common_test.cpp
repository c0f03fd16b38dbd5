#include <fstream>
#include <limits>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <absl/strings/escaping.h>

#include <arpa/inet.h>

#include <atomic>

#include <curation/common/address_guard.hpp>
#include <curation/common/config.hpp>
#include <curation/common/http_client.hpp>
#include <curation/common/metrics.hpp>
#include <curation/common/page_token.hpp>
#include <curation/common/text.hpp>
#include <curation/common/time_format.hpp>

namespace curation {
namespace {

using namespace std::chrono_literals;

std::string WriteFile(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

TEST(ConfigTest, DefaultsNeedNoFile) {
  auto config = LoadConfig({});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->query_node.url, "https://query.joystream.org/graphql");
  EXPECT_EQ(config->ingest.poll_interval, 10s);
  EXPECT_EQ(config->review.due_after, 36h);
  EXPECT_TRUE(config->database.url.empty());
}

TEST(ConfigTest, FlagsBeatEnvironmentBeatFile) {
  std::string file = WriteFile("precedence.yaml",
                               "query_node:\n  url: http://file/graphql\n  page_size: 50\n"
                               "ingest:\n  poll_interval: 3s\ndatabase:\n  url: postgresql://file\n");
  ConfigSources sources;
  sources.file = file;
  sources.environment = {{"CURATION_QUERY_NODE_URL", "http://env/graphql"},
                         {"CURATION_DATABASE_URL", "postgresql://env"},
                         {"UNRELATED", "x"}};
  sources.overrides = {"query_node.url=http://flag/graphql"};
  auto config = LoadConfig(sources);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->query_node.url, "http://flag/graphql");
  EXPECT_EQ(config->database.url, "postgresql://env");
  EXPECT_EQ(config->query_node.page_size, 50);
  EXPECT_EQ(config->ingest.poll_interval, 3s);
}

TEST(ConfigTest, UnknownKeyNamesTheKeyAndSource) {
  std::string file = WriteFile("unknown.yaml", "ingest:\n  pol_interval: 3s\n");
  auto config = LoadConfig({.file = file});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(config.status().message().find("ingest.pol_interval"), std::string::npos) << config.status();
  EXPECT_NE(config.status().message().find(file), std::string::npos) << config.status();

  auto flag = LoadConfig({.overrides = {"nosuch.key=1"}});
  ASSERT_FALSE(flag.ok());
  EXPECT_NE(flag.status().message().find("nosuch.key"), std::string::npos);
}

TEST(ConfigTest, BadValuesNameTheKey) {
  for (std::string bad : {"ingest.poll_interval=10x", "query_node.page_size=0", "log.format=xml",
                                 "server.services=ingest,bogus", "server.reflection=maybe"}) {
    auto config = LoadConfig({.overrides = {bad}});
    ASSERT_FALSE(config.ok()) << bad;
    std::string key = bad.substr(0, bad.find('='));
    EXPECT_NE(config.status().message().find(key), std::string::npos) << config.status();
  }
  auto env = LoadConfig({.environment = {{"CURATION_INGEST_OVERLAP_BLOCKS", "-3"}}});
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.status().message().find("CURATION_INGEST_OVERLAP_BLOCKS"), std::string::npos) << env.status();
}

TEST(ConfigTest, MalformedFileIsAClearError) {
  std::string file = WriteFile("malformed.yaml", "ingest: [unclosed\n");
  auto config = LoadConfig({.file = file});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find(file), std::string::npos);
}

TEST(ConfigTest, AlertReceiversComeFromTheFileWithSecretsFromTheEnvironment) {
  std::string file = WriteFile("receivers.yaml",
                               "alert:\n  receivers:\n"
                               "    - {name: curators, type: discord, url_env: HOOK, mention_roles: [\"4242\"]}\n"
                               "    - {name: on-call, type: pagerduty, routing_key_env: KEY}\n");
  auto config = LoadConfig({.file = file, .environment = {{"HOOK", "https://discord.example/api/webhooks/1/t"},
                                                         {"KEY", "0123456789abcdef0123456789abcdef"}}});
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->alert.receivers.size(), 2u);
  EXPECT_EQ(config->alert.receivers[0].url, "https://discord.example/api/webhooks/1/t");
  EXPECT_EQ(config->alert.receivers[1].routing_key, "0123456789abcdef0123456789abcdef");
  ASSERT_EQ(config->alert.escalation.size(), 4u);  // everyone at 0, 15, 30 and 45 minutes
  EXPECT_EQ(config->alert.escalation[3].after, 45min);
  std::string described = DescribeConfig(*config);
  EXPECT_EQ(described.find("discord.example"), std::string::npos) << described;
  EXPECT_NE(described.find("curators: discord"), std::string::npos) << described;

  const std::pair<const char*, const char*> bad[] = {
      {"    - {name: a, type: slack, url: https://x}\n", "discord, pagerduty or webhook"},
      {"    - {name: a, type: discord, url: ftp://x}\n", "http(s) URL"},
      {"    - {name: a, type: discord, url_env: MISSING}\n", "MISSING is not set"},
      {"    - {name: a, type: pagerduty}\n", "routing_key"},
      {"    - {name: a, type: discord, url: https://x, mention_roles: [\"@everyone\"]}\n", "role id"},
      {"    - {name: a, type: discord, url: https://x}\n    - {name: a, type: webhook, url: https://y}\n", "taken"},
      {"    - {name: a, type: discord, url: https://x, colour: red}\n", "unknown field 'colour'"},
      {"    - {name: a, type: discord, url: https://x}\n  escalation:\n    - {after: 0m, notify: [b]}\n",
       "no receiver is called 'b'"},
      {"    - {name: a, type: discord, url: https://x}\n  escalation:\n    - {after: 15m, notify: [a]}\n"
       "    - {after: 5m, notify: [a]}\n",
       "later"},
  };
  for (const auto& [receivers, expected] : bad) {
    auto refused = LoadConfig({.file = WriteFile("bad-receivers.yaml", std::string("alert:\n  receivers:\n") + receivers)});
    ASSERT_FALSE(refused.ok()) << receivers;
    EXPECT_NE(refused.status().message().find(expected), std::string::npos) << refused.status();
  }
}

TEST(ConfigTest, TheDocumentedExampleLoadsWithEveryService) {
  auto config = LoadConfig({.file = EXAMPLE_CONFIG});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server.services, Config{}.server.services);
}

TEST(ConfigTest, CouncilTermsAndTheExplorerLinkAreCheckedAtStart) {
  std::string file = WriteFile("terms.yaml",
                               "report:\n  explorer_url: https://explorer.example/extrinsic/{extrinsic}\n  terms:\n"
                               "    - {number: 42, start: 2026-10-19T00:00:00Z, end: 2026-11-02T00:00:00Z}\n"
                               "    - {number: 41, start: 2026-10-05T00:00:00Z, end: 2026-10-19T00:00:00Z}\n");
  auto config = LoadConfig({.file = file});
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->report.terms.size(), 2u);
  EXPECT_EQ(config->report.terms[0].number, 41) << "oldest first, whatever the file's order";
  EXPECT_EQ(config->report.terms[1].number, 42);
  EXPECT_EQ(config->report.terms[1].start, *ParseIsoTime("2026-10-19T00:00:00Z"));
  EXPECT_EQ(config->report.explorer_url, "https://explorer.example/extrinsic/{extrinsic}");
  EXPECT_NE(DescribeConfig(*config).find("term 42: 2026-10-19T00:00:00.000Z to 2026-11-02T00:00:00.000Z"),
            std::string::npos);

  const std::pair<const char*, const char*> bad[] = {
      {"    - {number: 1, start: 2026-10-05T00:00:00Z}\n", "expected {number"},
      {"    - {number: x, start: 2026-10-05T00:00:00Z, end: 2026-10-06T00:00:00Z}\n", "term number"},
      {"    - {number: 0, start: 2026-10-05T00:00:00Z, end: 2026-10-06T00:00:00Z}\n", "1 or more"},
      {"    - {number: 1, start: yesterday, end: 2026-10-06T00:00:00Z}\n", "RFC 3339"},
      {"    - {number: 1, start: 2026-10-06T00:00:00Z, end: 2026-10-05T00:00:00Z}\n", "end must come after start"},
      {"    - {number: 1, start: 2026-10-05T00:00:00Z, end: 2026-10-08T00:00:00Z}\n"
       "    - {number: 2, start: 2026-10-07T00:00:00Z, end: 2026-10-09T00:00:00Z}\n",
       "overlaps term 1"},
      {"    - {number: 1, start: 2026-10-05T00:00:00Z, end: 2026-10-06T00:00:00Z}\n"
       "    - {number: 1, start: 2026-10-07T00:00:00Z, end: 2026-10-08T00:00:00Z}\n",
       "given twice"},
  };
  for (const auto& [terms, expected] : bad) {
    auto refused = LoadConfig({.file = WriteFile("bad-terms.yaml", std::string("report:\n  terms:\n") + terms)});
    ASSERT_FALSE(refused.ok()) << terms;
    EXPECT_NE(refused.status().message().find(expected), std::string::npos) << refused.status();
  }
  for (const char* url : {"https://explorer.example/block", "javascript:alert({block})"}) {
    auto refused = LoadConfig({.overrides = {std::string("report.explorer_url=") + url}});
    ASSERT_FALSE(refused.ok()) << url;
    EXPECT_NE(refused.status().message().find("report.explorer_url"), std::string::npos) << refused.status();
  }
}

TEST(ConfigTest, DescribeMasksTheDatabaseUrl) {
  auto config = LoadConfig({.overrides = {"database.url=postgresql://user:secret@db/curation"}});
  ASSERT_TRUE(config.ok());
  std::string described = DescribeConfig(*config);
  EXPECT_EQ(described.find("secret"), std::string::npos);
  EXPECT_NE(described.find("CURATION_QUERY_NODE_URL"), std::string::npos);
  EXPECT_NE(described.find("review.due_after = 36h"), std::string::npos) << described;
  EXPECT_NE(described.find("ingest.poll_interval = 10s"), std::string::npos);
}

TEST(TimeFormatTest, ParsesQueryNodeTimestamps) {
  auto time = ParseIsoTime("2024-03-01T12:00:05.123Z");
  ASSERT_TRUE(time.has_value());
  EXPECT_EQ(FormatIsoTime(*time), "2024-03-01T12:00:05.123Z");
  EXPECT_EQ(ParseIsoTime("2024-03-01T14:00:05.123+02:00"), time);
  EXPECT_EQ(FormatIsoTime(*ParseIsoTime("2024-03-01T12:00:05Z")), "2024-03-01T12:00:05.000Z");
  for (const char* bad : {"", "yesterday", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-03-01T12:00:05",
                          "2024-03-01T12:00:05.Z"}) {
    EXPECT_FALSE(ParseIsoTime(bad).has_value()) << bad;
  }
}

TEST(TimeFormatTest, DurationsBothWays) {
  EXPECT_EQ(ParseDuration("500ms"), 500ms);
  EXPECT_EQ(ParseDuration("36h"), 36h);
  EXPECT_FALSE(ParseDuration("5").has_value());
  EXPECT_FALSE(ParseDuration("-5s").has_value());
  EXPECT_EQ(HumanDuration(26h + 5min), "1d 2h");
  EXPECT_EQ(HumanDuration(-(2h + 5min)), "-2h 5m");
  EXPECT_EQ(HumanDuration(40s), "40s");
}

TEST(MetricsTest, ExposesPrometheusText) {
  MetricsRegistry registry;
  registry.GetCounter("curation_test_total", "A counter", {{"code", "OK"}}).Inc(2);
  registry.GetGauge("curation_test_depth", "A gauge").Set(7);
  registry.GetHistogram("curation_test_seconds", "A histogram", {}, {0.1, 1}).Observe(0.5);
  std::string text = registry.Expose();
  EXPECT_NE(text.find("# TYPE curation_test_total counter\ncuration_test_total{code=\"OK\"} 2\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("curation_test_depth 7\n"), std::string::npos);
  EXPECT_NE(text.find("curation_test_seconds_bucket{le=\"0.1\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("curation_test_seconds_bucket{le=\"1\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("curation_test_seconds_count 1\n"), std::string::npos);
}

TEST(MetricsTest, ServesMetricsOverHttp) {
  MetricsRegistry registry;
  registry.GetCounter("curation_served_total", "x").Inc();
  MetricsServer server(registry);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  httplib::Client client("127.0.0.1", server.port());
  auto response = client.Get("/metrics");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_NE(response->body.find("curation_served_total 1"), std::string::npos);
}

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Get("/ok", [](const httplib::Request&, httplib::Response& r) {
      r.set_header("Retry-After", "7");
      r.set_content("hello", "text/plain");
    });
    server_.Get("/big", [](const httplib::Request&, httplib::Response& r) {
      r.set_content(std::string(1 << 20, 'x'), "text/plain");
    });
    server_.Get("/slow", [](const httplib::Request&, httplib::Response& r) {
      std::this_thread::sleep_for(1500ms);
      r.set_content("late", "text/plain");
    });
    server_.set_keep_alive_max_count(1);  // or stop() waits out idle client connections
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) {
      std::this_thread::sleep_for(1ms);
    }
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(HttpClientTest, ReadsStatusHeadersAndBody) {
  HttpClient client;
  auto response = client.Send({.url = Url("/ok")});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
  EXPECT_EQ(response->headers["retry-after"], "7");
}

TEST_F(HttpClientTest, CapsTheBody) {
  HttpClient client;
  auto response = client.Send({.url = Url("/big"), .max_response_bytes = 1000});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(HttpClientTest, TimesOut) {
  HttpClient client;
  auto response = client.Send({.url = Url("/slow"), .timeout = 300ms});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(HttpClientTest, RefusedConnectionIsUnavailable) {
  HttpClient client;
  auto response = client.Send({.url = "http://127.0.0.1:9/", .timeout = 1000ms});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(HttpClientTest, RefusesOtherSchemes) {
  HttpClient client;
  auto response = client.Send({.url = "file:///etc/passwd"});
  ASSERT_FALSE(response.ok());
}

// The refusal for a literal address, as the guard sees a connected peer.
std::optional<std::string> RefusalOf(const AddressGuard& guard, const std::string& ip) {
  sockaddr_in6 v6{};
  sockaddr_in v4{};
  if (inet_pton(AF_INET, ip.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    return guard.Refusal(reinterpret_cast<sockaddr*>(&v4));
  }
  EXPECT_EQ(inet_pton(AF_INET6, ip.c_str(), &v6.sin6_addr), 1) << ip;
  v6.sin6_family = AF_INET6;
  return guard.Refusal(reinterpret_cast<sockaddr*>(&v6));
}

TEST(AddressGuardTest, RefusesEveryNonPublicClass) {
  AddressGuard guard;
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"127.0.0.1", "loopback"},        {"127.9.9.9", "loopback"},       {"::1", "loopback"},
      {"::ffff:127.0.0.1", "loopback"}, {"10.1.2.3", "private"},         {"172.20.0.1", "private"},
      {"192.168.1.1", "private"},       {"fd12::1", "private"},          {"169.254.169.254", "cloud metadata"},
      {"169.254.1.1", "link-local"},    {"fe80::1", "link-local"},       {"224.0.0.1", "multicast"},
      {"ff02::1", "multicast"},         {"0.0.0.0", "unspecified"},      {"::", "unspecified"},
      {"100.64.0.1", "shared address space"}, {"64:ff9b::a00:1", "NAT64 (reaches IPv4 ranges)"}};
  for (const auto& [ip, why] : refused) {
    EXPECT_EQ(RefusalOf(guard, ip), why) << ip;
  }
  for (const std::string ip : {"8.8.8.8", "172.32.0.1", "2001:4860:4860::8888", "193.0.14.129"}) {
    EXPECT_EQ(RefusalOf(guard, ip), std::nullopt) << ip;
  }
}

TEST(AddressGuardTest, AnAllowListOpensOnlyWhatItNames) {
  auto range = AddressRange::Parse("127.0.0.1/32");
  ASSERT_TRUE(range.ok());
  AddressGuard guard({*range});
  EXPECT_EQ(RefusalOf(guard, "127.0.0.1"), std::nullopt);
  EXPECT_EQ(RefusalOf(guard, "127.0.0.2"), "loopback");
  EXPECT_EQ(RefusalOf(guard, "::1"), "loopback");
  for (const std::string bad : {"300.1.1.1", "10.0.0.0/33", "fe80::/129", "localhost", "10.0.0.0/x"}) {
    EXPECT_FALSE(AddressRange::Parse(bad).ok()) << bad;
  }
}

TEST_F(HttpClientTest, TheGuardRefusesLoopbackUnlessAllowed) {
  AddressGuard guard;
  HttpClient guarded(&guard);
  auto refused = guarded.Send({.url = Url("/ok")});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("127.0.0.1 (loopback)"), std::string::npos) << refused.status();

  // By name: the check is on the resolved address, not the URL's text.
  auto by_name = guarded.Send({.url = "http://localhost:" + std::to_string(port_) + "/ok"});
  EXPECT_EQ(by_name.status().code(), absl::StatusCode::kPermissionDenied) << by_name.status();

  AddressGuard allowing({*AddressRange::Parse("127.0.0.1/32")});
  HttpClient allowed(&allowing);
  auto ok = allowed.Send({.url = Url("/ok")});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->body, "hello");
}

TEST_F(HttpClientTest, TheGuardChecksEveryRedirect) {
  std::atomic<int> secret_hits{0};
  server_.Get("/secret", [&](const httplib::Request&, httplib::Response& r) {
    ++secret_hits;
    r.set_content("internal", "text/plain");
  });
  // An allowed host (127.0.0.2) that redirects to a refused one (127.0.0.1).
  httplib::Server redirector;
  redirector.set_keep_alive_max_count(1);  // or stop() waits out the client's idle connection
  redirector.Get("/asset", [&](const httplib::Request&, httplib::Response& r) {
    r.set_redirect(Url("/secret"));
  });
  int redirector_port = redirector.bind_to_any_port("127.0.0.2");
  ASSERT_GT(redirector_port, 0);
  std::thread thread([&] { redirector.listen_after_bind(); });
  while (!redirector.is_running()) {
    std::this_thread::sleep_for(1ms);
  }
  AddressGuard guard({*AddressRange::Parse("127.0.0.2/32")});
  HttpClient client(&guard);
  auto response = client.Send(
      {.url = "http://127.0.0.2:" + std::to_string(redirector_port) + "/asset", .max_redirects = 3});
  redirector.stop();
  thread.join();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kPermissionDenied) << response.status();
  EXPECT_EQ(secret_hits.load(), 0) << "the refused target was never fetched";

  // The same redirect without a guard is followed, so the test above can fail.
  HttpClient unguarded;
  httplib::Server again;
  again.set_keep_alive_max_count(1);
  again.Get("/asset", [&](const httplib::Request&, httplib::Response& r) { r.set_redirect(Url("/secret")); });
  int again_port = again.bind_to_any_port("127.0.0.2");
  std::thread again_thread([&] { again.listen_after_bind(); });
  while (!again.is_running()) {
    std::this_thread::sleep_for(1ms);
  }
  auto followed = unguarded.Send({.url = "http://127.0.0.2:" + std::to_string(again_port) + "/asset", .max_redirects = 3});
  again.stop();
  again_thread.join();
  ASSERT_TRUE(followed.ok()) << followed.status();
  EXPECT_EQ(followed->body, "internal");
  EXPECT_EQ(secret_hits.load(), 1);
}

TEST(TextTest, VisibleLengthCountsWhatAReaderSees) {
  EXPECT_EQ(VisibleLength(""), 0u);
  EXPECT_EQ(VisibleLength(std::string(30, ' ')), 0u);
  EXPECT_EQ(VisibleLength("\u200B\u200B\u2060\uFEFF\u00AD\u200D\u200C\u200E\u3164\uFE0F\u2800"), 0u);
  EXPECT_EQ(VisibleLength("\u00A0\u3000\u2003\u202F\t\r\n"), 0u);
  EXPECT_EQ(VisibleLength("  a   b\u200B\u200Bc  "), 4u);  // a, one space, b, c
  EXPECT_EQ(VisibleLength("Привет, мир"), 11u);
  EXPECT_EQ(VisibleLength("未经许可"), 4u);
  EXPECT_EQ(VisibleLength("👩\u200D💻"), 2u);
}

TEST(TextTest, WrittenTextRefusesWhatHidesOrReordersAndNamesIt) {
  struct Case {
    std::string text;
    std::string says;  // empty: accepted
  };
  const std::vector<Case> cases = {
      {"plain text, with\ttabs and\nlines and a Windows line end\r\n", ""},
      {"Кириллица, 中文, العربية\u200F, हिन्दी\u200C, 👨\u200D👩\u200D👧, "
       "🏴\U000E0067\U000E0062\U000E0077\U000E006C\U000E0073\U000E007F",
       ""},
      {"a\u202Ab", "note contains a left-to-right embedding (U+202A)"},
      {"a\u202Bb", "right-to-left embedding (U+202B)"},
      {"a\u202Cb", "pop directional formatting (U+202C)"},
      {"a\u202Db", "left-to-right override (U+202D)"},
      {"a\u202Eb", "right-to-left override (U+202E)"},
      {"a\u2066b", "left-to-right isolate (U+2066)"},
      {"a\u2067b", "right-to-left isolate (U+2067)"},
      {"a\u2068b", "first strong isolate (U+2068)"},
      {"a\u2069b", "pop directional isolate (U+2069)"},
      {std::string("a\0b", 3), "note is not valid UTF-8 text: it contains a NUL character (U+0000)"},
      {"a\x07" "b", "control character (U+0007)"},
      {"a\rb", "control character (U+000D)"},
      {"a\x7F" "b", "control character (U+007F)"},
      {"a\u0085b", "control character (U+0085)"},
      {"a\u009Bb", "control character (U+009B)"},
      {"a\u200Bb", "zero-width space (U+200B)"},
      {"a\u2060b", "word joiner (U+2060)"},
      {"a\u2062b", "invisible operator (U+2062)"},
      {"\uFEFFab", "byte order mark"},
      {"a\u00ADb", "soft hyphen (U+00AD)"},
      {"a\u206Ab", "deprecated format character (U+206A)"},
      {"a\uFFF9b", "interlinear annotation character (U+FFF9)"},
      {"a\U000E0001b", "language tag (U+E0001)"},
      {"a\U000E0041\U000E0042", "tag character outside an emoji flag (U+E0041)"},
      {"a\xC3", "note is not valid UTF-8 text"},
      {"a\xED\xA0\x80" "b", "not valid UTF-8"},  // a surrogate
      {"a\xC0\xAF" "b", "not valid UTF-8"},      // overlong
  };
  for (const Case& c : cases) {
    absl::Status status = CheckWrittenText("note", c.text);
    if (c.says.empty()) {
      EXPECT_TRUE(status.ok()) << c.text << ": " << status;
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.says;
      EXPECT_NE(status.message().find(c.says), std::string::npos) << c.says << ": " << status;
    }
  }
}

TEST(TextTest, OneLineNeutralisesWhatCheckWrittenTextRefuses) {
  EXPECT_EQ(OneLine("a\u202Eb\u2066c\nd\u0085e\xFF"), "a b c d e\uFFFD");
}

TEST(PageTest, OnePageSizeRuleForEveryList) {
  EXPECT_EQ(*PageSize(0), kDefaultPageSize);
  EXPECT_EQ(*PageSize(1), 1);
  EXPECT_EQ(*PageSize(kMaxPageSize), kMaxPageSize);
  for (int bad : {-1, kMaxPageSize + 1, std::numeric_limits<int>::max(), std::numeric_limits<int>::min()}) {
    EXPECT_EQ(PageSize(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(PageSize(-5).status().message(), "page_size must be between 0 (the default, 100) and 1000");
}

TEST(PageTest, ATokenServesOnlyTheQueryItCameFromAndOnlyUnaltered) {
  const std::string query = PageQuery({"review.items", "open", "", "7"});
  const std::initializer_list<PositionRange> parts = {{.min = 0, .max = 1000}, {}, {.min = 1}};
  const std::string token = EncodePageToken(query, {12, -3, 40});
  auto decoded = DecodePageToken(token, query, parts);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(**decoded, (std::vector<int64_t>{12, -3, 40}));
  EXPECT_FALSE(DecodePageToken("", query, parts)->has_value());  // the first page

  std::string text;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &text));
  auto refused = [&](const std::string& candidate, std::string_view for_query) {
    return DecodePageToken(candidate, for_query, parts).status().code() == absl::StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(refused(absl::WebSafeBase64Escape("v1:-1:0:13"), query)) << "the old format, edited";
  EXPECT_TRUE(refused(absl::WebSafeBase64Escape("v2:-1:0:13:" + text.substr(text.rfind(':') + 1)), query))
      << "another position under the original check";
  EXPECT_TRUE(refused(token.substr(0, token.size() - 3), query)) << "truncated";
  EXPECT_TRUE(refused(token + "A", query)) << "extended";
  EXPECT_TRUE(refused(EncodePageToken(query, {12, -3}), query)) << "two parts for three";
  EXPECT_TRUE(refused(EncodePageToken(query, {12, -3, 40, 1}), query)) << "four parts for three";
  EXPECT_TRUE(refused(token, PageQuery({"review.items", "open", "", "8"}))) << "another filter's token";
  EXPECT_TRUE(refused(token, PageQuery({"review.items", "ope", "n", "7"}))) << "the same letters split elsewhere";
  EXPECT_TRUE(refused(token, PageQuery({"modlog.entries", "open", "", "7"}))) << "another list's token";
  EXPECT_TRUE(refused(EncodePageToken(query, {1001, 0, 40}), query)) << "a part above its range";
  EXPECT_TRUE(refused(EncodePageToken(query, {12, 0, 0}), query)) << "an id below its range";
  EXPECT_TRUE(refused("not base64!", query));
  EXPECT_TRUE(refused(absl::WebSafeBase64Escape("v2:1:2:x:0123456789abcdef"), query)) << "not a number";
}

}  // namespace
}  // namespace curation
