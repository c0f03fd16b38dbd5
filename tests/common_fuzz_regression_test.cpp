// Regression tests for what the fuzz targets (tests/fuzz) found in common: each input is also in
// tests/fuzz/corpus/<target>/, so the fuzzers start from it too.
#include <chrono>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include <curation/curationd/modules.hpp>
#include <curation/common/time_format.hpp>

namespace curation {
namespace {

using namespace std::chrono_literals;

std::string WriteConfig(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

// Spans past 2^63 ms wrapped around: 213503982335d read as 9 h 34 min 8.384 s, so a mistyped
// config value or silence became a short one instead of an error.
TEST(FuzzRegressionTest, SpansTooLongToHoldAreRefusedNotWrapped) {
  EXPECT_FALSE(ParseDuration("213503982335d").has_value());
  EXPECT_FALSE(ParseDuration("106751991167300d").has_value());
  EXPECT_FALSE(ParseDuration("2562047788016h").has_value());
  EXPECT_FALSE(ParseDuration("153722867280913m").has_value());
  EXPECT_FALSE(ParseDuration("9223372036854776s").has_value());
  EXPECT_EQ(ParseDuration("106751991167d"), std::chrono::days(106751991167));
  EXPECT_EQ(ParseDuration("9223372036854775807ms"), std::chrono::milliseconds::max());
  auto config = LoadConfig({.overrides = {"ingest.poll_interval=213503982335d"}});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("ingest.poll_interval"), std::string::npos) << config.status();
}

// A TimePoint counts nanoseconds in 64 bits (years 1678 to 2262): a createdAt of 4048 wrapped
// around to 1709 instead of being refused.
TEST(FuzzRegressionTest, TimesATimePointCannotHoldAreRefusedNotWrapped) {
  EXPECT_FALSE(ParseIsoTime("4048-03-01T12:00:06.000Z").has_value());
  EXPECT_FALSE(ParseIsoTime("2262-04-12T00:00:00Z").has_value());
  EXPECT_FALSE(ParseIsoTime("1677-09-21T00:00:00Z").has_value());
  EXPECT_FALSE(ParseIsoTime("0001-01-01T00:30:00+01:00").has_value());
  auto late = ParseIsoTime("2262-04-11T23:47:16.854Z");
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(FormatIsoTime(*late), "2262-04-11T23:47:16.854Z");
  auto early = ParseIsoTime("1677-09-21T00:12:43.146Z");
  ASSERT_TRUE(early.has_value());
  EXPECT_EQ(FormatIsoTime(*early), "1677-09-21T00:12:43.146Z");
}

// A list of records under a misspelt key (here `escalati\xB5on`) threw yaml-cpp's
// TypedBadConversion out of LoadConfig: curationd died with `terminate called` instead of
// naming the key.
TEST(FuzzRegressionTest, AListOrMapWhereAValueBelongsIsAnErrorNamingTheKey) {
  const std::string misspelt_list = WriteConfig("misspelt_list.yaml",
                                                "alert:\n  escalati\xB5on:\n    - {after: 0m, notify: [on-call]}\n");
  auto config = LoadConfig({.file = misspelt_list});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(config.status().message().find("escalati\xB5on"), std::string::npos) << config.status();

  for (const char* text : {"server:\n  services: [ingest, {review: 1}]\n",
                           "alert:\n  receivers:\n    - {name: [a], type: discord, url: http://x}\n",
                           "alert:\n  receivers:\n    - {name: a, type: discord, url: http://x, mention_roles: [{}]}\n",
                           "alert:\n  escalation:\n    - {after: [0m], notify: [a]}\n",
                           "report:\n  terms:\n    - {number: {}, start: 2026-10-05T00:00:00Z, end: 2026-10-19T00:00:00Z}\n",
                           "? [server]\n: {listen: x}\n", "server:\n  ? {listen: x}\n  : y\n"}) {
    auto refused = LoadConfig({.file = WriteConfig("list_for_value.yaml", text)});
    ASSERT_FALSE(refused.ok()) << text;
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(refused.status().message().find("line "), std::string::npos) << refused.status();
  }
}

}  // namespace
}  // namespace curation
