// curationd's whole configuration: the shared sections and every service's own, as the module
// table (curation/curationd/modules.hpp) hands them to LoadConfig.
#include <fstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include <curation/common/time_format.hpp>
#include <curation/curationd/modules.hpp>
#include <curation/db/pool.hpp>

namespace curation {
namespace {

using namespace std::chrono_literals;

// A write that fails (a file of the same name another user left) fails the test, rather than
// letting it read that file instead; ctest gives each test a folder of its own (TEST_TMPDIR).
std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream out(path);
  out << text;
  if (!out.flush()) {
    throw std::runtime_error("cannot write " + path);
  }
  return path;
}

TEST(ConfigTest, DefaultsNeedNoFile) {
  auto config = LoadConfig({});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->query_node.url, "https://query.joystream.org/graphql");
  EXPECT_EQ(config->Section<IngestConfig>().poll_interval, 10s);
  EXPECT_EQ(config->Section<ReviewConfig>().due_after, 36h);
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
  EXPECT_EQ(config->Section<IngestConfig>().poll_interval, 3s);
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
  ASSERT_EQ(config->Section<AlertConfig>().receivers.size(), 2u);
  EXPECT_EQ(config->Section<AlertConfig>().receivers[0].url, "https://discord.example/api/webhooks/1/t");
  EXPECT_EQ(config->Section<AlertConfig>().receivers[1].routing_key, "0123456789abcdef0123456789abcdef");
  ASSERT_EQ(config->Section<AlertConfig>().escalation.size(), 4u);  // everyone at 0, 15, 30 and 45 minutes
  EXPECT_EQ(config->Section<AlertConfig>().escalation[3].after, 45min);
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
  EXPECT_EQ(config->server.services, LoadConfig({})->server.services);
}

TEST(ConfigTest, CouncilTermsAndTheExplorerLinkAreCheckedAtStart) {
  std::string file = WriteFile("terms.yaml",
                               "report:\n  explorer_url: https://explorer.example/extrinsic/{extrinsic}\n  terms:\n"
                               "    - {number: 42, start: 2026-10-19T00:00:00Z, end: 2026-11-02T00:00:00Z}\n"
                               "    - {number: 41, start: 2026-10-05T00:00:00Z, end: 2026-10-19T00:00:00Z}\n");
  auto config = LoadConfig({.file = file});
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->Section<ReportConfig>().terms.size(), 2u);
  EXPECT_EQ(config->Section<ReportConfig>().terms[0].number, 41) << "oldest first, whatever the file's order";
  EXPECT_EQ(config->Section<ReportConfig>().terms[1].number, 42);
  EXPECT_EQ(config->Section<ReportConfig>().terms[1].start, *ParseIsoTime("2026-10-19T00:00:00Z"));
  EXPECT_EQ(config->Section<ReportConfig>().explorer_url, "https://explorer.example/extrinsic/{extrinsic}");
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

// ---- The module table ---------------------------------------------------------------------------

TEST(ModuleTableTest, EveryServiceOfTheTableIsKnownAndHostedByDefault) {
  std::vector<std::string> names(Modules::kNames.begin(), Modules::kNames.end());
  EXPECT_EQ(names, (std::vector<std::string>{"ingest", "probe", "review", "modlog", "alert", "report", "console"}));
  auto config = LoadConfig({});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server.services, names);
  EXPECT_NE(DescribeConfig(*config).find("comma-separated: ingest,probe,review,modlog,alert,report,console"),
            std::string::npos);
  auto one = LoadConfig({.overrides = {"server.services=report"}});
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->server.services, std::vector<std::string>{"report"});
  EXPECT_EQ(Modules::kGrpcServices.back(), "") << "the console calls the others' services and has none";
}

TEST(ModuleTableTest, OnlyTheHostedServicesAreBuiltInTheTablesOrder) {
  std::vector<std::string_view> built;
  for (const server::ModuleEntry& module : Modules::Entries({"report", "ingest"})) {
    built.push_back(module.name);
  }
  EXPECT_EQ(built, (std::vector<std::string_view>{"ingest", "report"}));
  EXPECT_TRUE(Modules::Entries({}).empty());
}

TEST(ModuleTableTest, StatementsAreJoinedEachNameOnce) {
  std::vector<db::PreparedStatement> joined = server::JoinStatements(
      {{{"a", "SELECT 1"}, {"b", "SELECT 2"}}, {{"b", "SELECT 2"}, {"c", "SELECT 3"}}, {}});
  ASSERT_EQ(joined.size(), 3u);
  EXPECT_EQ(joined[0].name, "a");
  EXPECT_EQ(joined[1].name, "b");
  EXPECT_EQ(joined[2].name, "c");
}

// Records when it is built and destroyed, as a part one module builds and another uses.
struct RecordedPart {
  RecordedPart(std::vector<std::string>& events, std::string name) : events(events), name(std::move(name)) {
    events.push_back("built " + this->name);
  }
  ~RecordedPart() { events.push_back("destroyed " + name); }
  std::vector<std::string>& events;
  std::string name;
};

struct OtherPart : RecordedPart {
  using RecordedPart::RecordedPart;
};

TEST(ModuleTableTest, ASharedPartIsBuiltOnceAndGoesNewestFirst) {
  std::vector<std::string> events;
  {
    server::SharedParts shared;
    RecordedPart& first = shared.Get<RecordedPart>(events, "probing");
    RecordedPart& again = shared.Get<RecordedPart>(events, "a second probing");
    EXPECT_EQ(&first, &again);
    shared.Get<OtherPart>(events, "other");
  }
  EXPECT_EQ(events, (std::vector<std::string>{"built probing", "built other", "destroyed other", "destroyed probing"}));
}

}  // namespace
}  // namespace curation
