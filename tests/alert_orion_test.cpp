// Tests of reading what Gleev features from Orion: ParseFeatured on hand-made (often hostile)
// answers, and OrionClient against the loopback FakeOrion.
#include <curation/alert/orion_client.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <curation/common/http_client.hpp>
#include <curation/common/text.hpp>
#include <curation/common/time_format.hpp>
#include <fakes/fake_orion.hpp>

namespace curation::embedded {
const std::vector<std::pair<std::string, std::string>>& AlertGraphqlDocuments();
}  // namespace curation::embedded

namespace curation::alert {
namespace {

using fakes::FakeOrion;
using nlohmann::json;

constexpr char kActivatedAt[] = "2024-03-01T12:00:00.000Z";
constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

json Hero(const std::string& video_id, const std::string& title = "Hero video") {
  return {{"id", "1"},
          {"heroTitle", "Watch this"},
          {"heroVideoCutUrl", "https://cdn.example/hero-cut.mp4"},
          {"heroPosterUrl", "https://cdn.example/hero-poster.jpg"},
          {"activatedAt", kActivatedAt},
          {"video", {{"id", video_id}, {"title", title}}}};
}

json Entry(const std::string& category_id, const std::string& video_id,
           const std::string& title = "A video") {
  return {{"id", video_id + "-" + category_id},
          {"videoCutUrl", "https://cdn.example/" + video_id + ".mp4"},
          {"video", {{"id", video_id}, {"title", title}}},
          {"category", {{"id", category_id}, {"name", "Category " + category_id}}}};
}

std::string Answer(json hero, json featured) {
  return json{{"data", {{"videoHero", std::move(hero)}, {"videoFeaturedInCategories", std::move(featured)}}}}
      .dump();
}

// (slot, video id) of each video, in order.
std::vector<std::pair<std::string, std::string>> Slots(const std::vector<FeaturedVideo>& videos) {
  std::vector<std::pair<std::string, std::string>> slots;
  for (const FeaturedVideo& video : videos) {
    slots.emplace_back(video.slot, video.video_id);
  }
  return slots;
}

using SlotList = std::vector<std::pair<std::string, std::string>>;

TEST(OrionParseFeaturedTest, ReadsHeroFirstThenFeaturedBySlotAndVideo) {
  auto parsed = ParseFeatured(
      Answer(Hero("42"), json::array({Entry("7", "9"), Entry("10", "5"), Entry("7", "10"), Entry("7", "11")})));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  // Plain byte order, ids being text: "10" sorts before "7" and "9".
  EXPECT_EQ(Slots(*parsed), (SlotList{{"hero", "42"},
                                      {"category:10", "5"},
                                      {"category:7", "10"},
                                      {"category:7", "11"},
                                      {"category:7", "9"}}));
  const FeaturedVideo& hero = parsed->front();
  EXPECT_EQ(hero.video_title, "Hero video");
  EXPECT_EQ(hero.hero_title, "Watch this");
  EXPECT_EQ(hero.cut_url, "https://cdn.example/hero-cut.mp4");
  EXPECT_EQ(hero.poster_url, "https://cdn.example/hero-poster.jpg");
  EXPECT_EQ(hero.category_name, "");
  EXPECT_EQ(hero.activated_at, ParseIsoTime(kActivatedAt));
  ASSERT_TRUE(hero.activated_at.has_value());
  const FeaturedVideo& tile = (*parsed)[1];
  EXPECT_EQ(tile.video_title, "A video");
  EXPECT_EQ(tile.category_name, "Category 10");
  EXPECT_EQ(tile.cut_url, "https://cdn.example/5.mp4");
  EXPECT_EQ(tile.hero_title, "");
  EXPECT_EQ(tile.poster_url, "");
  EXPECT_FALSE(tile.activated_at.has_value());
}

TEST(OrionParseFeaturedTest, NullHeroMeansNoHero) {
  auto parsed = ParseFeatured(Answer(nullptr, json::array({Entry("7", "9")})));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(Slots(*parsed), (SlotList{{"category:7", "9"}}));
}

TEST(OrionParseFeaturedTest, NothingFeaturedIsAnEmptyList) {
  auto parsed = ParseFeatured(Answer(nullptr, json::array()));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(parsed->empty());
}

TEST(OrionParseFeaturedTest, HeroWithoutAUsableVideoIsLeftOut) {
  json null_video = Hero("42");
  null_video["video"] = nullptr;
  json no_video = Hero("42");
  no_video.erase("video");
  json video_without_id = Hero("42");
  video_without_id["video"].erase("id");
  for (const json& hero : {null_video, no_video, video_without_id, Hero(""), Hero("4\n2")}) {
    auto parsed = ParseFeatured(Answer(hero, json::array({Entry("7", "9")})));
    ASSERT_TRUE(parsed.ok()) << parsed.status() << " for " << hero.dump();
    EXPECT_EQ(Slots(*parsed), (SlotList{{"category:7", "9"}})) << hero.dump();
  }
}

TEST(OrionParseFeaturedTest, FeaturedWithoutVideoOrCategoryIsSkipped) {
  json null_video = Entry("7", "1");
  null_video["video"] = nullptr;
  json null_category = Entry("7", "2");
  null_category["category"] = nullptr;
  json no_video = Entry("7", "3");
  no_video.erase("video");
  json no_category = Entry("7", "4");
  no_category.erase("category");
  auto parsed = ParseFeatured(
      Answer(nullptr, json::array({null_video, null_category, no_video, no_category, nullptr, Entry("7", "5")})));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(Slots(*parsed), (SlotList{{"category:7", "5"}}));
}

TEST(OrionParseFeaturedTest, EntriesWithUnusableIdsAreSkipped) {
  const std::string longest_id(128, '7');
  std::vector<json> entries = {
      Entry("7", ""),                      // empty
      Entry("7", "1\n2"),                  // control character
      Entry("7", std::string("1\0" "2", 3)),  // NUL, from a \u0000 escape
      Entry("7", "1\x7f"),                 // DEL
      Entry("7", "1\xC2\x85"),             // NEL, a C1 control
      Entry("7", std::string(10 * 1024, '1')),
      Entry("7", longest_id + "7"),        // one byte too long
      Entry("", "3"),                      // empty category id
      Entry("7\t", "4"),                   // control character in the category id
      Entry("7", longest_id),              // the longest usable id
      Entry("7", "5"),
  };
  json number_id = Entry("7", "6");
  number_id["video"]["id"] = 6;  // ids are strings in Orion's schema
  entries.push_back(number_id);
  auto parsed = ParseFeatured(Answer(nullptr, entries));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(Slots(*parsed), (SlotList{{"category:7", "5"}, {"category:7", longest_id}}));
}

TEST(OrionParseFeaturedTest, IdWithInvalidUtf8IsSkippedAndTheRestRead) {
  std::string body = Answer(nullptr, json::array({Entry("7", "BROKEN"), Entry("7", "5")}));
  const std::string video_id = R"("id":"BROKEN")";  // not the entry's own id, "BROKEN-7"
  body.replace(body.find(video_id), video_id.size(), "\"id\":\"1\xFF\"");
  auto parsed = ParseFeatured(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(Slots(*parsed), (SlotList{{"category:7", "5"}}));
}

TEST(OrionParseFeaturedTest, MegabyteTextsAreCutAtACharacterBoundary) {
  // One ASCII byte, then two-byte characters: byte 1000 is in the middle of one.
  std::string huge = "a";
  while (huge.size() < (1u << 20)) {
    huge += "\xC3\xA9";  // é
  }
  json hero = Hero("42", huge);
  hero["heroTitle"] = huge;
  json entry = Entry("7", "9", huge);
  entry["category"]["name"] = huge;
  auto parsed = ParseFeatured(Answer(hero, json::array({entry})));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 2u);
  for (const std::string& text : {(*parsed)[0].video_title, (*parsed)[0].hero_title, (*parsed)[1].video_title,
                                  (*parsed)[1].category_name}) {
    EXPECT_EQ(text.size(), 999u);
    EXPECT_TRUE(IsValidUtf8(text));
    EXPECT_EQ(text, huge.substr(0, 999));
  }
}

TEST(OrionParseFeaturedTest, BrokenTextIsReplacedNotFatal) {
  std::string body = Answer(Hero("42", "RAW_BYTE"), json::array({Entry("7", "9", "CUT_SEQUENCE")}));
  body.replace(body.find("RAW_BYTE"), 8, "caf\xE9 time");  // Latin-1, not UTF-8
  body.replace(body.find("CUT_SEQUENCE"), 12, "price \xE2\x82 and \\ud800 and \\u0000 end");
  auto parsed = ParseFeatured(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].video_title, std::string("caf") + kReplacement + " time");
  // A cut sequence and a lone surrogate each become U+FFFD; NUL is removed.
  EXPECT_EQ((*parsed)[1].video_title, std::string("price ") + kReplacement + kReplacement + " and " + kReplacement +
                                          " and  end");
}

TEST(OrionParseFeaturedTest, SurrogatePairsAndEscapedBackslashesSurvive) {
  // "\\ud800" is an escaped backslash followed by text, not a surrogate.
  std::string body = Answer(Hero("42", "TITLE"), json::array());
  body.replace(body.find("TITLE"), 5, R"(\ud83d\ude00 and \\ud800)");
  auto parsed = ParseFeatured(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ(parsed->front().video_title, "\xF0\x9F\x98\x80 and \\ud800");
}

TEST(OrionParseFeaturedTest, UrlsThatAreNotHttpAreDropped) {
  const std::string longest = "https://cdn.example/" + std::string(2048 - 20, 'x');
  ASSERT_EQ(longest.size(), 2048u);
  struct Case {
    std::string url;
    std::string kept;
  };
  const std::vector<Case> cases = {
      {"javascript:alert(1)", ""},
      {"JavaScript://cdn.example/%0Aalert(1)", ""},
      {"ftp://cdn.example/cut.mp4", ""},
      {"data:video/mp4;base64,AAAA", ""},
      {"//cdn.example/cut.mp4", ""},
      {"https://", ""},
      {"https://cdn.example/a b.mp4", ""},
      {"https://cdn.example/a\r\nX-Injected: 1", ""},
      {longest + "x", ""},
      {longest, longest},
      {"http://cdn.example/cut.mp4", "http://cdn.example/cut.mp4"},
      {"HTTPS://cdn.example/cut.mp4", "HTTPS://cdn.example/cut.mp4"},
  };
  for (const Case& c : cases) {
    json hero = Hero("42");
    hero["heroVideoCutUrl"] = c.url;
    hero["heroPosterUrl"] = c.url;
    json entry = Entry("7", "9");
    entry["videoCutUrl"] = c.url;
    auto parsed = ParseFeatured(Answer(hero, json::array({entry})));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    ASSERT_EQ(parsed->size(), 2u);
    EXPECT_EQ((*parsed)[0].cut_url, c.kept) << c.url;
    EXPECT_EQ((*parsed)[0].poster_url, c.kept) << c.url;
    EXPECT_EQ((*parsed)[1].cut_url, c.kept) << c.url;
  }
}

TEST(OrionParseFeaturedTest, NullTextsReadAsEmpty) {
  json hero = Hero("42");
  hero["heroTitle"] = nullptr;
  hero["heroVideoCutUrl"] = nullptr;
  hero["video"]["title"] = 17;  // not a string
  json entry = Entry("7", "9");
  entry["videoCutUrl"] = nullptr;
  entry["category"]["name"] = nullptr;
  auto parsed = ParseFeatured(Answer(hero, json::array({entry})));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].hero_title, "");
  EXPECT_EQ((*parsed)[0].cut_url, "");
  EXPECT_EQ((*parsed)[0].video_title, "");
  EXPECT_EQ((*parsed)[0].poster_url, "https://cdn.example/hero-poster.jpg");
  EXPECT_EQ((*parsed)[1].cut_url, "");
  EXPECT_EQ((*parsed)[1].category_name, "");
}

TEST(OrionParseFeaturedTest, UnreadableActivatedAtIsUnknown) {
  for (const json& activated_at : {json("yesterday"), json(1709294400000), json(nullptr), json("")}) {
    json hero = Hero("42");
    hero["activatedAt"] = activated_at;
    auto parsed = ParseFeatured(Answer(hero, json::array()));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    ASSERT_EQ(parsed->size(), 1u);
    EXPECT_FALSE(parsed->front().activated_at.has_value()) << activated_at.dump();
  }
  json hero = Hero("42");
  hero["activatedAt"] = "2024-03-01T14:00:00+02:00";
  auto parsed = ParseFeatured(Answer(hero, json::array()));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->front().activated_at, ParseIsoTime(kActivatedAt));
}

TEST(OrionParseFeaturedTest, WrongShapesAreInvalidArgumentNamingWhere) {
  json video_a_string = Entry("7", "9");
  video_a_string["video"] = "9";
  json category_a_list = Entry("7", "9");
  category_a_list["category"] = json::array({"7"});
  json hero_video_a_number = Hero("42");
  hero_video_a_number["video"] = 42;
  const std::string good_featured = json::array({Entry("7", "9")}).dump();
  struct Case {
    std::string body;
    std::string names;
  };
  const std::vector<Case> cases = {
      {R"({"data":{"videoHero":"42","videoFeaturedInCategories":[]}})", "data.videoHero"},
      {R"({"data":{"videoHero":null,"videoFeaturedInCategories":{"id":"9-7"}}})", "data.videoFeaturedInCategories"},
      {R"({"data":{"videoHero":null,"videoFeaturedInCategories":null}})", "data.videoFeaturedInCategories"},
      {R"({"data":{"videoHero":null}})", "data.videoFeaturedInCategories"},
      {R"({"data":{"videoFeaturedInCategories":)" + good_featured + "}}", "data.videoHero"},
      {Answer(nullptr, json::array({Entry("7", "9"), 5})), "data.videoFeaturedInCategories[1]"},
      {Answer(nullptr, json::array({video_a_string})), "data.videoFeaturedInCategories[0].video"},
      {Answer(nullptr, json::array({category_a_list})), "data.videoFeaturedInCategories[0].category"},
      {Answer(hero_video_a_number, json::array()), "data.videoHero.video"},
      {R"({"data":null})", "data"},
      {R"({"data":[]})", "data"},
      {"[]", "not an object"},
      {"", "not valid JSON"},
      {R"({"data":{"videoHero":null,"videoFeaturedInCategories":[)", "not valid JSON"},
      {"<html>502 Bad Gateway</html>", "not valid JSON"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseFeatured(c.body);
    ASSERT_FALSE(parsed.ok()) << c.body;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << parsed.status();
    EXPECT_NE(std::string(parsed.status().message()).find(c.names), std::string::npos)
        << parsed.status() << " should name " << c.names;
  }
}

TEST(OrionParseFeaturedTest, GraphqlErrorsAreUnavailableWithTheFirstMessage) {
  json answer = json::parse(Answer(Hero("42"), json::array()));
  answer["errors"] = json::array({{{"message", "Cannot return null\nfor non-nullable field VideoHero.video"}},
                                  {{"message", "second"}}});
  auto parsed = ParseFeatured(answer.dump());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kUnavailable);
  const std::string message(parsed.status().message());
  EXPECT_NE(message.find("Cannot return null for non-nullable field VideoHero.video"), std::string::npos) << message;
  EXPECT_EQ(message.find("second"), std::string::npos) << message;

  auto huge = ParseFeatured(json{{"errors", json::array({{{"message", std::string(100000, 'e')}}})}}.dump());
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(huge.status().message().size(), 400u);

  auto shapeless = ParseFeatured(R"({"errors":"boom","data":null})");
  EXPECT_EQ(shapeless.status().code(), absl::StatusCode::kUnavailable) << shapeless.status();
}

// Orion's error text goes to the log and from there to whoever reads it: C1 controls (NEL
// U+0085, CSI U+009B, which a terminal obeys like ESC [) and bidi controls (U+202E, U+2066, which
// show the rest of the line in another order) must not reach it.
TEST(OrionParseFeaturedTest, GraphqlErrorTextIsNeutralised) {
  const std::string hostile =
      "timeout\xC2\x85" "fake log line \xC2\x9B" "31m red \xE2\x80\xAE" "txt.exe \xE2\x81\xA6" "isolated\n end";
  auto parsed = ParseFeatured(json{{"errors", json::array({{{"message", hostile}}})}, {"data", nullptr}}.dump());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kUnavailable);
  const std::string message(parsed.status().message());
  for (const char* control : {"\xC2\x85", "\xC2\x9B", "\xE2\x80\xAE", "\xE2\x81\xA6", "\n"}) {
    EXPECT_EQ(message.find(control), std::string::npos) << message;
  }
  EXPECT_NE(message.find("timeout fake log line  31m red  txt.exe  isolated  end"), std::string::npos) << message;
}

TEST(OrionParseFeaturedTest, DuplicatesCollapseToTheFirstSent) {
  auto parsed = ParseFeatured(Answer(
      nullptr, json::array({Entry("7", "9", "first"), Entry("8", "9"), Entry("7", "9", "second"), Entry("7", "1")})));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(Slots(*parsed), (SlotList{{"category:7", "1"}, {"category:7", "9"}, {"category:8", "9"}}));
  EXPECT_EQ((*parsed)[1].video_title, "first");
}

TEST(OrionParseFeaturedTest, HeroVideoFeaturedInACategoryIsListedInBoth) {
  auto parsed = ParseFeatured(Answer(Hero("42"), json::array({Entry("7", "42")})));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(Slots(*parsed), (SlotList{{"hero", "42"}, {"category:7", "42"}}));
}

class OrionClientTest : public ::testing::Test {
 protected:
  OrionOptions Options(std::string session = "") const {
    return OrionOptions{.url = orion_.Url(), .session = std::move(session), .timeout = std::chrono::seconds(10)};
  }

  FakeOrion orion_;
  HttpClient http_;
};

TEST_F(OrionClientTest, SeesWhatOrionFeaturesNow) {
  OrionClient client(http_, Options());
  orion_.SetHero("42", "Hero video", "https://cdn.example/cut.mp4", "https://cdn.example/poster.jpg", kActivatedAt,
                 "Watch this");
  orion_.SetFeatured("7", "Gaming", {{"9", "Nine", "https://cdn.example/9.mp4"}, {"3", "Three", ""}});
  orion_.SetFeatured("10", "Music", {{"5", "Five", "https://cdn.example/5.mp4"}});
  auto first = client.Featured();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(Slots(*first),
            (SlotList{{"hero", "42"}, {"category:10", "5"}, {"category:7", "3"}, {"category:7", "9"}}));
  EXPECT_EQ((*first)[0].hero_title, "Watch this");
  EXPECT_EQ((*first)[0].video_title, "Hero video");
  EXPECT_EQ((*first)[0].cut_url, "https://cdn.example/cut.mp4");
  EXPECT_EQ((*first)[0].poster_url, "https://cdn.example/poster.jpg");
  EXPECT_EQ((*first)[0].activated_at, ParseIsoTime(kActivatedAt));
  EXPECT_EQ((*first)[2].category_name, "Gaming");
  EXPECT_EQ((*first)[2].cut_url, "");
  EXPECT_EQ((*first)[3].cut_url, "https://cdn.example/9.mp4");

  orion_.SetHero("43", "New hero", "https://cdn.example/cut2.mp4", "https://cdn.example/poster2.jpg", "", "New");
  orion_.SetFeatured("7", "Gaming", {{"11", "Eleven", ""}});  // replaces the whole set
  auto second = client.Featured();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(Slots(*second), (SlotList{{"hero", "43"}, {"category:10", "5"}, {"category:7", "11"}}));
  EXPECT_FALSE((*second)[0].activated_at.has_value());

  orion_.ClearHero();
  orion_.ClearFeatured();
  auto third = client.Featured();
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_TRUE(third->empty());
  EXPECT_EQ(orion_.RequestCount(), 3u);
}

TEST_F(OrionClientTest, SendsTheFeaturedNowDocumentAsJson) {
  OrionClient client(http_, Options());
  ASSERT_TRUE(client.Featured().ok());
  ASSERT_EQ(orion_.RequestCount(), 1u);
  const FakeOrion::Request request = orion_.Requests().front();
  EXPECT_EQ(request.headers.at("content-type"), "application/json");
  const json body = json::parse(request.body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << request.body;
  EXPECT_EQ(body.value("operationName", ""), "FeaturedNow");
  EXPECT_EQ(body.value("query", ""), embedded::AlertGraphqlDocuments().at(0).second);
  EXPECT_NE(body.value("query", "").find("query FeaturedNow"), std::string::npos);
}

TEST_F(OrionClientTest, SendsTheSessionAsBearerTokenOnlyWhenConfigured) {
  OrionClient anonymous(http_, Options());
  ASSERT_TRUE(anonymous.Featured().ok());
  OrionClient operator_session(http_, Options("0b5e55i0n"));
  ASSERT_TRUE(operator_session.Featured().ok());
  const std::vector<FakeOrion::Request> requests = orion_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].headers.count("authorization"), 0u);
  ASSERT_EQ(requests[1].headers.count("authorization"), 1u);
  EXPECT_EQ(requests[1].headers.at("authorization"), "Bearer 0b5e55i0n");
}

TEST_F(OrionClientTest, DownIsUnavailableNamingStatusAndRetryAfter) {
  OrionClient client(http_, Options());
  orion_.SetFailure(FakeOrion::Failure::kDown);
  auto featured = client.Featured();
  ASSERT_FALSE(featured.ok());
  EXPECT_EQ(featured.status().code(), absl::StatusCode::kUnavailable);
  const std::string message(featured.status().message());
  EXPECT_NE(message.find("HTTP 503"), std::string::npos) << message;
  EXPECT_NE(message.find("Retry-After: 30"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;

  orion_.SetFailure(FakeOrion::Failure::kNone);
  EXPECT_TRUE(client.Featured().ok());
}

TEST_F(OrionClientTest, GraphqlErrorIsUnavailable) {
  OrionClient client(http_, Options());
  orion_.SetFailure(FakeOrion::Failure::kGraphqlError);
  auto featured = client.Featured();
  ASSERT_FALSE(featured.ok());
  EXPECT_EQ(featured.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(std::string(featured.status().message()).find("statement timeout"), std::string::npos)
      << featured.status();
}

TEST_F(OrionClientTest, GraphqlErrorTextReachesTheCallerNeutralised) {
  OrionClient client(http_, Options());
  orion_.RawResponse(R"({"errors":[{"message":"down\u0085now \u202Egnp.exe\u2066 \u009b2J"}],"data":null})");
  auto featured = client.Featured();
  ASSERT_FALSE(featured.ok());
  EXPECT_EQ(featured.status().code(), absl::StatusCode::kUnavailable);
  const std::string message(featured.status().message());
  for (const char* control : {"\xC2\x85", "\xC2\x9B", "\xE2\x80\xAE", "\xE2\x81\xA6"}) {
    EXPECT_EQ(message.find(control), std::string::npos) << message;
  }
  EXPECT_NE(message.find("down now  gnp.exe   2J"), std::string::npos) << message;
}

TEST_F(OrionClientTest, MalformedAnswerIsInvalidArgument) {
  OrionClient client(http_, Options());
  orion_.SetFeatured("7", "Gaming", {{"9", "Nine", "https://cdn.example/9.mp4"}});
  orion_.SetFailure(FakeOrion::Failure::kMalformed);
  auto featured = client.Featured();
  ASSERT_FALSE(featured.ok());
  EXPECT_EQ(featured.status().code(), absl::StatusCode::kInvalidArgument) << featured.status();
}

TEST_F(OrionClientTest, SlowAnswerWithinTheTimeoutIsRead) {
  OrionClient client(http_, Options());
  orion_.SetFeatured("7", "Gaming", {{"9", "Nine", ""}});
  orion_.SetFailure(FakeOrion::Failure::kSlow, std::chrono::milliseconds(200));
  const auto start = std::chrono::steady_clock::now();
  auto featured = client.Featured();
  ASSERT_TRUE(featured.ok()) << featured.status();
  EXPECT_EQ(Slots(*featured), (SlotList{{"category:7", "9"}}));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
}

TEST_F(OrionClientTest, SlowAnswerPastTheTimeoutIsDeadlineExceeded) {
  OrionOptions options = Options();
  options.timeout = std::chrono::milliseconds(300);
  OrionClient client(http_, options);
  orion_.SetFailure(FakeOrion::Failure::kSlow, std::chrono::seconds(30));
  const auto start = std::chrono::steady_clock::now();
  auto featured = client.Featured();
  ASSERT_FALSE(featured.ok());
  EXPECT_EQ(featured.status().code(), absl::StatusCode::kDeadlineExceeded) << featured.status();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_TRUE(orion_.WaitForRequests(1, std::chrono::seconds(1)));
}

TEST_F(OrionClientTest, AnswerLargerThanTheLimitIsNotRead) {
  OrionOptions options = Options();
  options.max_response_bytes = 4096;
  OrionClient client(http_, options);
  orion_.SetHero("42", std::string(8192, 't'), "https://cdn.example/cut.mp4", "https://cdn.example/poster.jpg",
                 kActivatedAt, "Watch this");
  auto featured = client.Featured();
  EXPECT_EQ(featured.status().code(), absl::StatusCode::kResourceExhausted) << featured.status();
}

TEST_F(OrionClientTest, HostileRawAnswerCostsOnlyTheBrokenParts) {
  OrionClient client(http_, Options());
  std::string body = Answer(Hero("42", "RAW"), json::array({Entry("7", "9")}));
  body.replace(body.find("RAW"), 3, "\xFF\xFE");
  body.replace(body.find("https://cdn.example/hero-cut.mp4"), 32, "javascript:alert(1)");
  orion_.RawResponse(body);
  auto hostile = client.Featured();
  ASSERT_TRUE(hostile.ok()) << hostile.status();
  EXPECT_EQ(Slots(*hostile), (SlotList{{"hero", "42"}, {"category:7", "9"}}));
  EXPECT_EQ((*hostile)[0].video_title, std::string(kReplacement) + kReplacement);
  EXPECT_EQ((*hostile)[0].cut_url, "");

  orion_.ClearRawResponse();
  auto normal = client.Featured();
  ASSERT_TRUE(normal.ok()) << normal.status();
  EXPECT_TRUE(normal->empty());
}

TEST(FakeOrionTest, RejectsQueriesItCannotAnswerLikeAGraphqlServer) {
  FakeOrion orion;
  HttpClient http;
  auto post = [&](std::string body) {
    HttpRequest request;
    request.method = "POST";
    request.url = orion.Url();
    request.headers = {{"Content-Type", "application/json"}};
    request.body = std::move(body);
    request.timeout = std::chrono::seconds(10);
    return http.Send(request);
  };
  for (const std::string& body : {std::string(R"({"query":"query { videos(limit: 1) { id } }"})"),
                                  std::string(R"({"operationName":"FeaturedNow"})"), std::string("not json")}) {
    auto response = post(body);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 400) << body;
    json answer = json::parse(response->body, nullptr, false);
    ASSERT_TRUE(answer.is_object()) << response->body;
    EXPECT_TRUE(answer["errors"][0]["message"].is_string()) << response->body;
    EXPECT_FALSE(answer.contains("data")) << response->body;
  }

  orion.SetHero("42", "Hero", "https://cdn.example/cut.mp4", "https://cdn.example/poster.jpg", kActivatedAt, "Hi");
  orion.SetFeatured("7", "Gaming", {{"9", "Nine", ""}});
  auto hero_only = post(R"({"query":"query { videoHero { id } }"})");
  ASSERT_TRUE(hero_only.ok()) << hero_only.status();
  EXPECT_EQ(hero_only->status, 200);
  json answer = json::parse(hero_only->body, nullptr, false);
  ASSERT_TRUE(answer.is_object()) << hero_only->body;
  EXPECT_EQ(answer["data"]["videoHero"]["video"]["id"], "42");
  EXPECT_EQ(answer["data"]["videoHero"]["id"], "1");
  EXPECT_FALSE(answer["data"].contains("videoFeaturedInCategories")) << hero_only->body;
  EXPECT_EQ(orion.RequestCount(), 4u);
}

TEST(FakeOrionTest, ServesFeaturedEntriesAsOrionStoresThem) {
  FakeOrion orion;
  HttpClient http;
  orion.SetFeatured("7", "Gaming", {{"9", "Nine", ""}, {"3", "Three", "https://cdn.example/3.mp4"}});
  HttpRequest request;
  request.method = "POST";
  request.url = orion.Url();
  request.headers = {{"Content-Type", "application/json"}};
  request.body = R"({"query":"query { videoFeaturedInCategories(limit: 10) { id } }"})";
  auto response = http.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body,
            R"({"data":{"videoFeaturedInCategories":[)"
            R"({"id":"9-7","videoCutUrl":null,"video":{"id":"9","title":"Nine"},)"
            R"("category":{"id":"7","name":"Gaming"}},)"
            R"({"id":"3-7","videoCutUrl":"https://cdn.example/3.mp4","video":{"id":"3","title":"Three"},)"
            R"("category":{"id":"7","name":"Gaming"}}]}})");
}

}  // namespace
}  // namespace curation::alert
