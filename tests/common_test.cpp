#include <fstream>
#include <limits>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <absl/strings/escaping.h>

#include <arpa/inet.h>

#include <atomic>

#include <curation/common/address_guard.hpp>
#include <curation/common/graphql.hpp>
#include <curation/common/http_client.hpp>
#include <curation/common/metrics.hpp>
#include <curation/common/page_token.hpp>
#include <curation/common/table.hpp>
#include <curation/common/text.hpp>
#include <curation/common/time_format.hpp>

namespace curation {
namespace {

using namespace std::chrono_literals;

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

// curatorctl prints titles anyone on chain can set into a curator's terminal: an escape
// sequence there could recolour, hide or rewrite what the table shows.
TEST(TextTest, TableCellsAreOneLineWithoutControls) {
  EXPECT_EQ(Fit("red\x1B[31m title\x1B]0;owned\x07\r\nnext\xC2\x9B" "2J\xE2\x80\xAE" "cba", 80),
            "red [31m title ]0;owned   next 2J cba");
  EXPECT_EQ(Fit("caf\xE9", 80), "caf\uFFFD");
  EXPECT_EQ(Fit("Привет, мир", 7), "Привет…");
  EXPECT_EQ(Fit("Привет", 6), "Привет");
}

TEST(TextTest, RepairAndStorableText) {
  EXPECT_EQ(RepairUtf8(std::string("a\xFF" "b\0c\xE2\x82", 7)), "a\uFFFDb\uFFFDc\uFFFD\uFFFD");
  EXPECT_EQ(RepairUtf8("Привет \U0001F600"), "Привет \U0001F600");
  bool cut = true;
  EXPECT_EQ(StorableText(std::string("n\0u\0l", 5), 10, &cut), "nul");
  EXPECT_FALSE(cut);
  EXPECT_EQ(StorableText("éé", 3, &cut), "é");  // byte 3 is inside the second é
  EXPECT_TRUE(cut);
  EXPECT_EQ(StorableText(std::string("\0\0\0abc", 6), 3, &cut), "abc");
  EXPECT_FALSE(cut);
  EXPECT_EQ(StorableText(std::string(1 << 20, 'x'), 1000).size(), 1000u);
}

TEST(TextTest, OneLineWithACapAndIsOneLine) {
  EXPECT_EQ(OneLine("ab\u202Ecd", 4), "ab c");
  EXPECT_EQ(OneLine("aé", 2), "a");  // never half a character
  EXPECT_EQ(OneLine("a\xFF", 3), "a");  // nor half a replacement
  EXPECT_EQ(OneLine(std::string(1 << 20, '\n'), 300), std::string(300, ' '));
  EXPECT_TRUE(IsOneLine(""));
  EXPECT_TRUE(IsOneLine("Привет, мир \U0001F600 \u200D\u200F"));
  for (const std::string& broken : {std::string("a\0b", 3), std::string("a\nb"), std::string("a\x7F"),
                                    std::string("a\u0085"), std::string("a\u009B"), std::string("a\u2028"),
                                    std::string("a\u202E"), std::string("a\u2066"), std::string("a\xFF")}) {
    EXPECT_FALSE(IsOneLine(broken)) << broken;
  }
}

TEST(TextTest, HttpUrlsToFetchAndShow) {
  for (const char* url : {"https://node.example/", "http://node.example", "HTTPS://node.example/a?b=c#d",
                          "https://[::1]:8080/x", "https://例え.jp/パス"}) {
    EXPECT_TRUE(IsHttpUrl(url)) << url;
  }
  for (const char* url : {"", "https://", "https:///etc/passwd", "//node.example/", "ftp://node.example/",
                          "javascript:alert(1)", "https://node.example/a b", "https://node.example/\r\nX: 1",
                          "https://node.example/\u0085", "https://node.example/\u202Etxt", "https://a\xFF"}) {
    EXPECT_FALSE(IsHttpUrl(url)) << url;
  }
}

TEST(TextTest, ClipCountsAsAskedAndMarksTheCut) {
  const std::string faces = "\U0001F600\U0001F600\U0001F600";  // one code point, two UTF-16 units each
  EXPECT_EQ(Utf8Length(faces), 3u);
  EXPECT_EQ(Utf16Length(faces), 6u);
  EXPECT_EQ(Clip(faces, 3, TextMeasure::kCodePoints), faces);
  EXPECT_EQ(Clip(faces, 3, TextMeasure::kUtf16Units), "\U0001F600\u2026");
  EXPECT_EQ(Clip("abcdef", 4, TextMeasure::kCodePoints), "abc\u2026");
  EXPECT_EQ(Clip("abcdef", 1, TextMeasure::kUtf16Units), "\u2026");
}

// ---------------------------------------------------------------------------------------------
// GraphQL

const graphql::Upstream kTestUpstream{.name = "test node"};

TEST(GraphqlAnswerTest, ErrorsAreUnavailableWithTheFirstMessageOnOneLine) {
  graphql::AnswerParser parser(kTestUpstream);
  auto errors = parser.Parse(R"({"errors":[{"message":"first\n\u0085line \u202Eevil"},{"message":"second"}]})");
  ASSERT_EQ(errors.status().code(), absl::StatusCode::kUnavailable) << errors.status();
  EXPECT_EQ(errors.status().message(), "test node reports GraphQL errors: first  line  evil");
  auto shapeless = parser.Parse(R"({"errors":{"message":"x"},"data":{}})");
  EXPECT_EQ(shapeless.status().message(), "test node reports GraphQL errors: (no message)");
  auto none = parser.Parse(R"({"errors":[],"data":{"a":1}})");  // an empty list reports nothing
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ((*none)["a"].Int(0, 10), 1);
  auto long_message = parser.Parse(R"({"errors":[{"message":")" + std::string(100000, 'e') + R"("}]})");
  EXPECT_LE(long_message.status().message().size(), 400u);
}

TEST(GraphqlAnswerTest, BrokenAnswersTakeTheUpstreamsCodeAndSayWhy) {
  graphql::AnswerParser data_loss(kTestUpstream);
  graphql::AnswerParser invalid({.name = "Orion", .malformed = absl::StatusCode::kInvalidArgument});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "(0 bytes) is not valid JSON"},
      {R"({"data":{"a":tru}})", "is not valid JSON"},
      {R"({"data":{"a":"x)", "is not valid JSON"},
      {"[1,2]", "is a JSON array, not an object"},
      {R"({"data":null})", "has no object at data"},
      {R"({"data":[]})", "has no object at data"},
      {"{}", "has no object at data"},
  };
  for (const auto& [body, says] : cases) {
    auto lost = data_loss.Parse(body);
    EXPECT_EQ(lost.status().code(), absl::StatusCode::kDataLoss) << body;
    EXPECT_TRUE(std::string(lost.status().message()).starts_with("test node's answer ")) << lost.status();
    EXPECT_NE(lost.status().message().find(says), std::string::npos) << lost.status();
    EXPECT_EQ(invalid.Parse(body).status().code(), absl::StatusCode::kInvalidArgument) << body;
  }
}

TEST(GraphqlAnswerTest, BrokenTextIsReplacedNotFatal) {
  graphql::AnswerParser parser(kTestUpstream);
  auto data = parser.Parse("{\"data\":{\"raw\":\"caf\xE9\",\"lone\":\"a\\ud800b\\udc00\",\"pair\":\"\\ud83d\\ude00\","
                           "\"escaped\":\"\\\\ud800\"}}");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ((*data)["raw"].String(), "caf\uFFFD");
  EXPECT_EQ((*data)["lone"].String(), "a\uFFFDb\uFFFD");
  EXPECT_EQ((*data)["pair"].String(), "\U0001F600");
  EXPECT_EQ((*data)["escaped"].String(), "\\ud800");
}

TEST(GraphqlValueTest, ReadsTolerantly) {
  graphql::AnswerParser parser(kTestUpstream);
  auto data = parser.Parse(R"({"data":{
      "int":7, "big":"9007199254740993", "float":1.5, "huge":18446744073709551615, "neg":-1, "null":null,
      "flag":true, "time":"2024-03-01T12:00:00.000Z", "list":[1,"2",{}], "object":{"k":"v"},
      "ids":["1", "", "a\u0085", "a\u202Eb", "\u0000", 42, "x\ufffd"],
      "text":"n\u0000ul and more", "url":"https://node.example/", "bad_url":"https://node.example/\u2066"}})");
  ASSERT_TRUE(data.ok()) << data.status();
  const graphql::Value d = *data;
  EXPECT_EQ(d["int"].Int(0, 10), 7);
  EXPECT_EQ(d["int"].Int(0, 6), std::nullopt);
  EXPECT_EQ(d["big"].Int(0, std::numeric_limits<int64_t>::max()), std::nullopt);  // Int is a JSON integer
  EXPECT_EQ(d["big"].BigInt(0, std::numeric_limits<int64_t>::max()), 9007199254740993);
  EXPECT_EQ(d["int"].BigInt(0, 10), 7);
  EXPECT_EQ(d["float"].BigInt(0, 10), std::nullopt);
  EXPECT_EQ(d["huge"].BigInt(0, std::numeric_limits<int64_t>::max()), std::nullopt);
  EXPECT_EQ(d["neg"].Int(0, 10), std::nullopt);
  EXPECT_FALSE(d["null"]);
  EXPECT_TRUE(d.Has("null"));
  EXPECT_FALSE(d.Has("absent"));
  EXPECT_EQ(d["null"].TypeName(), std::string("null"));
  EXPECT_EQ(d["absent"].TypeName(), std::string("nothing"));
  EXPECT_EQ(d["list"].TypeName(), std::string("array"));
  EXPECT_EQ(d["flag"].Bool(), true);
  EXPECT_EQ(d["int"].Bool(), std::nullopt);
  EXPECT_EQ(d["time"].Time(), ParseIsoTime("2024-03-01T12:00:00.000Z"));
  EXPECT_EQ(d["list"].Size(), 3u);
  EXPECT_EQ(d["list"].At(1).String(), "2");
  EXPECT_FALSE(d["list"].At(3));
  EXPECT_FALSE(d["object"].At(0));
  EXPECT_EQ(d["object"]["k"].String(), "v");
  EXPECT_FALSE(d["list"]["k"]);
  EXPECT_EQ(d["object"].Json(), R"({"k":"v"})");
  std::vector<std::optional<std::string>> ids;
  d["ids"].ForEachElement([&](graphql::Value id) { ids.push_back(id.Id()); });
  EXPECT_EQ(ids, (std::vector<std::optional<std::string>>{"1", std::nullopt, std::nullopt, std::nullopt,
                                                          std::nullopt, std::nullopt, std::nullopt}));
  size_t cut = 0;
  EXPECT_EQ(d["text"].Text(100, &cut), "nul and more");
  EXPECT_EQ(d["text"].Text(3, &cut), "nul");
  EXPECT_EQ(d["int"].Text(100, &cut), std::nullopt);
  EXPECT_EQ(cut, 1u);
  EXPECT_EQ(d["url"].HttpUrl(2048), "https://node.example/");
  EXPECT_EQ(d["url"].HttpUrl(10), std::nullopt);
  EXPECT_EQ(d["bad_url"].HttpUrl(2048), std::nullopt);
}

TEST(GraphqlRecordTest, TheFirstReasonWinsAndTheRawRecordIsCutBetweenCharacters) {
  graphql::AnswerParser parser(kTestUpstream);
  std::string long_text;
  while (long_text.size() < 70000) {
    long_text += "é";
  }
  auto data = parser.Parse(R"({"data":{"items":[{"id":"1","n":"x","flag":true,"long":")" + long_text + R"("}]}})");
  ASSERT_TRUE(data.ok()) << data.status();
  graphql::Value item = (*data)["items"].At(0);
  graphql::Record record(item);
  EXPECT_EQ(record.RequiredId("id"), "1");
  EXPECT_TRUE(record.RequiredBool("flag"));
  EXPECT_FALSE(record.Rejected());
  EXPECT_EQ(record.RequiredBigInt("n", 0, 10), 0);
  EXPECT_EQ(record.RequiredNestedId("channel"), "");
  record.Reject("mine");
  ASSERT_TRUE(record.Rejected());
  graphql::Rejection rejection = record.SetAside(item);
  EXPECT_EQ(rejection.item_id, "1");
  EXPECT_EQ(rejection.reason, "missing or invalid n");
  EXPECT_LE(rejection.raw.size(), graphql::Rejection::kMaxRawBytes);
  EXPECT_GE(rejection.raw.size(), graphql::Rejection::kMaxRawBytes - 1);
  EXPECT_TRUE(IsValidUtf8(rejection.raw));
  EXPECT_TRUE(rejection.raw.starts_with(R"({"id":"1","n":"x")"));
}

// A GraphQL endpoint on HttpClientTest's server, whose answer each test sets.
class GraphqlClientTest : public HttpClientTest {
 protected:
  void SetUp() override {
    HttpClientTest::SetUp();
    server_.Post("/graphql", [this](const httplib::Request& request, httplib::Response& response) {
      received_ = request.body;
      authorization_ = request.get_header_value("Authorization");
      response.status = status_;
      for (const auto& [name, value] : headers_) {
        response.set_header(name, value);
      }
      response.set_content(body_, "application/json");
    });
  }
  graphql::ClientOptions Options() {
    return {.upstream = kTestUpstream, .url = Url("/graphql"), .timeout = 5s, .max_response_bytes = 1 << 16};
  }

  int status_ = 200;
  std::string body_ = R"({"data":{}})";
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string received_;
  std::string authorization_;
};

TEST_F(GraphqlClientTest, PostsTheDocumentWithItsVariablesAndHeaders) {
  graphql::ClientOptions options = Options();
  options.headers = {{"Authorization", "Bearer s3ss10n"}};
  graphql::Client client(options);
  auto body = client.Execute("query Q($bag: ID!) { bag { id } }", "Q", {{"bag", "dynamic:channel:1"}});
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(*body, R"({"data":{}})");
  EXPECT_EQ(authorization_, "Bearer s3ss10n");
  const nlohmann::json sent = nlohmann::json::parse(received_);
  EXPECT_EQ(sent["query"], "query Q($bag: ID!) { bag { id } }");
  EXPECT_EQ(sent["operationName"], "Q");
  EXPECT_EQ(sent["variables"]["bag"], "dynamic:channel:1");
  ASSERT_TRUE(client.Execute("query R { x }", "R").ok());
  EXPECT_FALSE(nlohmann::json::parse(received_).contains("variables"));
}

TEST_F(GraphqlClientTest, HttpFailuresAreClassifiedAndTheirTextIsNeutralised) {
  HttpClient http;
  graphql::Client client(http, Options());
  status_ = 503;
  headers_ = {{"Retry-After", "7"}};
  body_ = "<html>\n\xC2\x9B" "2J down \xE2\x80\xAE" "txt.exe</html>" + std::string(1000, 'x');
  auto down = client.Execute("query Q { x }", "Q");
  ASSERT_EQ(down.status().code(), absl::StatusCode::kUnavailable) << down.status();
  const std::string message(down.status().message());
  EXPECT_TRUE(
      message.starts_with("test node answered HTTP 503 to Q (Retry-After: 7): <html>  2J down  txt.exe</html>xx"))
      << message;
  EXPECT_LT(message.size(), 400u);
  EXPECT_EQ(graphql::Client::RetryAfter(down.status()), std::chrono::milliseconds(7000));

  status_ = 429;
  headers_ = {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}};
  auto throttled = client.Execute("query Q { x }", "Q");
  EXPECT_EQ(throttled.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(graphql::Client::RetryAfter(throttled.status()), std::nullopt);  // a date: the caller's backoff

  status_ = 400;
  headers_.clear();
  auto refused = client.Execute("query Q { x }", "Q");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);

  status_ = 200;
  body_ = std::string(1 << 17, ' ');
  EXPECT_EQ(client.Execute("query Q { x }", "Q").status().code(), absl::StatusCode::kOutOfRange);
  graphql::ClientOptions orion = Options();
  orion.upstream.oversized = absl::StatusCode::kResourceExhausted;
  EXPECT_EQ(graphql::Client(http, orion).Execute("query Q { x }", "Q").status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(GraphqlClientTest, TheAddressGuardStillDecides) {
  AddressGuard guard;
  graphql::Client client(Options(), &guard);
  EXPECT_EQ(client.Execute("query Q { x }", "Q").status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(received_.empty());
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
