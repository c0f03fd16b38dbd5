// What each receiver is sent (Discord, PagerDuty Events API v2, Alertmanager webhook JSON), how
// delivery answers are read, and delivery over HTTP to a FakeReceiver.
#include <curation/alert/notifiers.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <curation/common/http_client.hpp>
#include <curation/common/sha256.hpp>
#include <curation/common/text.hpp>
#include <curation/common/time_format.hpp>
#include <fakes/fake_receiver.hpp>

namespace curation::alert {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using Action = DeliveryOutcome::Action;
using fakes::FakeReceiver;

const TimePoint kOpened{std::chrono::seconds(1709294400)};  // 2024-03-01T12:00:00Z
const std::vector<NoticeKind> kAllKinds = {NoticeKind::kPage, NoticeKind::kBreach, NoticeKind::kAcknowledged,
                                           NoticeKind::kResolved, NoticeKind::kTest};

Notice SampleNotice(NoticeKind kind) {
  Notice notice;
  notice.kind = kind;
  notice.incident_id = 17;
  notice.incident_key = "hero:4242";
  notice.alertname = "HeroVideoUnplayable";
  notice.slot = "hero";
  notice.video_id = "4242";
  notice.video_title = "Sunrise over the Carpathians";
  notice.video_url = "https://gleev.xyz/video/4242";
  notice.reason = "cut: NOT_FASTSTART; video: NO_PLAYABLE_SOURCE";
  notice.opened_at = kOpened;
  notice.deadline = kOpened + 1h;
  notice.at = kOpened + 5min;
  switch (kind) {
    case NoticeKind::kBreach:
      notice.at = kOpened + 1h;
      break;
    case NoticeKind::kAcknowledged:
      notice.actor = "alice";
      notice.note = "swapping the hero";
      break;
    case NoticeKind::kResolved:
      notice.at = kOpened + 40min;
      notice.note = "two passing probes";
      break;
    case NoticeKind::kTest:
      notice.incident_key = "test:curators";
      notice.alertname = "Test";
      break;
    case NoticeKind::kPage:
      break;
  }
  return notice;
}

ReceiverConfig DiscordReceiver(std::vector<std::string> roles = {"111", "222"}) {
  return {.name = "curators",
          .type = "discord",
          .url = "https://discord.com/api/webhooks/1/token",
          .mention_roles = std::move(roles)};
}

ReceiverConfig PagerDutyReceiver() {
  return {.name = "oncall", .type = "pagerduty", .routing_key = "R0123456789abcdef0123456789abcd"};
}

ReceiverConfig WebhookReceiver() {
  return {.name = "alertmanager", .type = "webhook", .url = "https://am.example/hook"};
}

json Render(const ReceiverConfig& receiver, const Notice& notice) {
  return json::parse(RenderNotice(receiver, notice), nullptr, /*allow_exceptions=*/false);
}

// Characters the way the strictest receiver could count them (UTF-16 code units).
size_t Length(const std::string& text) { return Utf16Length(text); }

// The embed's fields by name.
std::map<std::string, std::string> Fields(const json& embed) {
  std::map<std::string, std::string> fields;
  for (const json& field : embed.at("fields")) {
    fields[field.at("name").get<std::string>()] = field.at("value").get<std::string>();
  }
  return fields;
}

HttpResponse Answer(long status, std::string body = "", std::map<std::string, std::string> headers = {}) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

std::string HttpDate(TimePoint time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &parts);
  return buffer;
}

// ---------------------------------------------------------------------------------------------
// Discord

TEST(NotifierDiscordTest, EveryKindRendersAnEmbedWithTheDocumentedFields) {
  const std::map<NoticeKind, int> colors = {{NoticeKind::kPage, 0xE53935},
                                            {NoticeKind::kBreach, 0xE53935},
                                            {NoticeKind::kAcknowledged, 0xFFB300},
                                            {NoticeKind::kResolved, 0x43A047},
                                            {NoticeKind::kTest, 0x9E9E9E}};
  for (NoticeKind kind : kAllKinds) {
    SCOPED_TRACE(static_cast<int>(kind));
    const Notice notice = SampleNotice(kind);
    const json body = Render(DiscordReceiver(), notice);
    ASSERT_TRUE(body.is_object());
    ASSERT_TRUE(body.at("content").is_string());
    ASSERT_EQ(body.at("embeds").size(), 1u);
    const json& embed = body["embeds"][0];
    EXPECT_NE(embed.at("title").get<std::string>().find("Sunrise over the Carpathians"), std::string::npos);
    EXPECT_FALSE(embed.at("description").get<std::string>().empty());
    EXPECT_EQ(embed.at("color"), colors.at(kind));
    EXPECT_EQ(embed.at("url"), "https://gleev.xyz/video/4242");
    EXPECT_EQ(embed.at("footer").at("text"), "incident #17 \xC2\xB7 " + notice.incident_key);
    EXPECT_EQ(embed.at("timestamp"), FormatIsoTime(notice.at));
    const auto fields = Fields(embed);
    EXPECT_EQ(fields.at("Slot"), "hero");
    EXPECT_NE(fields.at("Video").find("4242"), std::string::npos);
    EXPECT_NE(fields.at("Video").find("Sunrise over the Carpathians"), std::string::npos);
    EXPECT_NE(fields.at("Reason").find("NOT\\_FASTSTART"), std::string::npos);  // markdown shown as typed
    EXPECT_TRUE(fields.contains("Deadline"));
    EXPECT_TRUE(fields.contains("Opened"));
    EXPECT_EQ(fields.contains("Step"), kind == NoticeKind::kPage);
    const bool closes = kind == NoticeKind::kAcknowledged || kind == NoticeKind::kResolved;
    EXPECT_EQ(fields.contains("By"), closes);
    EXPECT_EQ(fields.contains("Note"), closes);
    ASSERT_TRUE(body.contains("allowed_mentions"));
  }
  const auto acknowledged = Fields(Render(DiscordReceiver(), SampleNotice(NoticeKind::kAcknowledged))["embeds"][0]);
  EXPECT_EQ(acknowledged.at("By"), "alice");
  EXPECT_EQ(acknowledged.at("Note"), "swapping the hero");
  const auto resolved = Fields(Render(DiscordReceiver(), SampleNotice(NoticeKind::kResolved))["embeds"][0]);
  EXPECT_EQ(resolved.at("By"), "automatic");
}

TEST(NotifierDiscordTest, DeadlineIsRelativeAndAbsoluteAndStepsAreNamed) {
  Notice notice = SampleNotice(NoticeKind::kPage);
  auto fields = Fields(Render(DiscordReceiver(), notice)["embeds"][0]);
  EXPECT_EQ(fields.at("Deadline"), "<t:1709298000:R> (2024-03-01 13:00 UTC)");
  EXPECT_EQ(fields.at("Opened"), "<t:1709294400:R> (2024-03-01 12:00 UTC)");
  EXPECT_EQ(fields.at("Step"), "first page");
  notice.step = 2;
  const json escalation = Render(DiscordReceiver(), notice);
  EXPECT_EQ(Fields(escalation["embeds"][0]).at("Step"), "escalation 2");
  EXPECT_NE(escalation["content"].get<std::string>().find("Escalation 2"), std::string::npos);
  EXPECT_NE(escalation["content"].get<std::string>().find("<t:1709298000:R>"), std::string::npos);
}

TEST(NotifierDiscordTest, FeaturedVideosNameTheirCategory) {
  Notice notice = SampleNotice(NoticeKind::kPage);
  notice.alertname = "FeaturedVideoUnplayable";
  notice.slot = "category:7";
  notice.category_name = "Gaming";
  const json body = Render(DiscordReceiver(), notice);
  EXPECT_NE(body.at("content").get<std::string>().find("Featured video unplayable in Gaming"), std::string::npos);
  EXPECT_EQ(Fields(body.at("embeds").at(0)).at("Slot"), "category:7 (Gaming)");
}

TEST(NotifierDiscordTest, OnlyPagesAndBreachesMentionTheRoles) {
  for (NoticeKind kind : kAllKinds) {
    SCOPED_TRACE(static_cast<int>(kind));
    const json body = Render(DiscordReceiver(), SampleNotice(kind));
    const std::string content = body.at("content");
    if (kind == NoticeKind::kPage || kind == NoticeKind::kBreach) {
      EXPECT_TRUE(content.starts_with("<@&111> <@&222> ")) << content;
      EXPECT_EQ(body.at("allowed_mentions"), json::parse(R"({"parse": [], "roles": ["111", "222"]})"));
    } else {
      EXPECT_EQ(content.find("<@"), std::string::npos) << content;
      EXPECT_EQ(body.at("allowed_mentions"), json::parse(R"({"parse": []})"));
    }
  }
}

TEST(NotifierDiscordTest, DropsRoleIdsThatAreNotDigits) {
  const json body =
      Render(DiscordReceiver({"111", "abc", "12x", "", "111", "<@&9>", "123456789012345678901"}),
             SampleNotice(NoticeKind::kPage));
  EXPECT_EQ(body.at("allowed_mentions").at("roles"), json::array({"111"}));
  const std::string content = body.at("content");
  EXPECT_TRUE(content.starts_with("<@&111> "));
  EXPECT_EQ(content.find("<@&", 1), std::string::npos) << content;
}

TEST(NotifierDiscordTest, ManyRolesStayWithinTheContentLimit) {
  std::vector<std::string> roles;
  for (int i = 0; i < 150; ++i) {
    roles.push_back(std::to_string(1000000000000000000ll + i));
  }
  const json body = Render(DiscordReceiver(roles), SampleNotice(NoticeKind::kPage));
  const std::string content = body.at("content");
  EXPECT_LE(Length(content), 2000u);
  const json& mentioned = body.at("allowed_mentions").at("roles");
  EXPECT_GT(mentioned.size(), 0u);
  EXPECT_LE(mentioned.size(), 100u);
  for (const json& role : mentioned) {
    EXPECT_NE(content.find("<@&" + role.get<std::string>() + ">"), std::string::npos);
  }
  const size_t mentions_in_content = std::count(content.begin(), content.end(), '&');
  EXPECT_EQ(mentions_in_content, mentioned.size());
}

TEST(NotifierDiscordTest, HostileTextStaysValidWithinTheLimitsAndPingsNobody) {
  // Invalid bytes first, so they survive the cut to the title's length.
  const std::string hostile =
      "\xFF\xFE@everyone <@&123> @here **bold** [link](https://evil.example)\n# heading\r\n\xE2\x80\xAEtxt.exe\xC3" +
      std::string(10000, 'x') + std::string(3000, '\xE2');
  for (NoticeKind kind : kAllKinds) {
    SCOPED_TRACE(static_cast<int>(kind));
    Notice notice = SampleNotice(kind);
    if (kind != NoticeKind::kTest) {
      notice.alertname = "FeaturedVideoUnplayable";  // puts the category name in `content`
    }
    notice.video_title = hostile;
    notice.category_name = hostile;
    notice.reason = hostile;
    notice.actor = hostile;
    notice.note = hostile;
    notice.incident_key = hostile;
    notice.video_id = hostile;
    const json body = Render(DiscordReceiver(), notice);
    ASSERT_TRUE(body.is_object()) << "not JSON";

    const std::string content = body.at("content");
    EXPECT_LE(Length(content), 2000u);
    EXPECT_EQ(content.find("@everyone"), std::string::npos);
    EXPECT_EQ(content.find("@here"), std::string::npos);
    EXPECT_EQ(content.find("<@&123>"), std::string::npos);
    const json& allowed = body.at("allowed_mentions");
    EXPECT_EQ(allowed.at("parse"), json::array());
    if (allowed.contains("roles")) {
      EXPECT_EQ(allowed.at("roles"), json::array({"111", "222"}));
    }

    const json& embed = body.at("embeds").at(0);
    const std::string title = embed.at("title");
    EXPECT_LE(Length(title), 256u);
    EXPECT_EQ(title.find("@everyone"), std::string::npos);
    EXPECT_EQ(title.find('\n'), std::string::npos);
    EXPECT_EQ(title.find("\xE2\x80\xAE"), std::string::npos) << "a right-to-left override reorders what follows";
    EXPECT_NE(title.find("\xEF\xBF\xBD"), std::string::npos);  // the invalid bytes, replaced
    EXPECT_LE(Length(embed.at("description")), 4096u);
    EXPECT_LE(Length(embed.at("footer").at("text")), 2048u);
    size_t total = Length(title) + Length(embed.at("description")) + Length(embed.at("footer").at("text"));
    for (const json& field : embed.at("fields")) {
      const std::string value = field.at("value");
      EXPECT_LE(Length(value), 1024u) << field.at("name");
      EXPECT_EQ(value.find("@everyone"), std::string::npos) << field.at("name");
      total += Length(field.at("name")) + Length(value);
    }
    EXPECT_LE(total, 6000u);
  }
}

// ---------------------------------------------------------------------------------------------
// PagerDuty

TEST(NotifierPagerDutyTest, TriggersCarryThePayload) {
  const json event = Render(PagerDutyReceiver(), SampleNotice(NoticeKind::kPage));
  ASSERT_TRUE(event.is_object());
  EXPECT_EQ(event.at("routing_key"), "R0123456789abcdef0123456789abcd");
  EXPECT_EQ(event.at("event_action"), "trigger");
  EXPECT_EQ(event.at("dedup_key"), "hero:4242");
  const json& payload = event.at("payload");
  const std::string summary = payload.at("summary");
  EXPECT_NE(summary.find("Hero video unplayable"), std::string::npos);
  EXPECT_NE(summary.find("Sunrise over the Carpathians"), std::string::npos);
  EXPECT_EQ(payload.at("source"), "curation");
  EXPECT_EQ(payload.at("severity"), "critical");
  EXPECT_EQ(payload.at("timestamp"), "2024-03-01T12:05:00.000Z");
  EXPECT_EQ(payload.at("component"), "hero");
  EXPECT_EQ(payload.at("group"), "hero-featured");
  EXPECT_EQ(payload.at("class"), "HeroVideoUnplayable");
  const json& details = payload.at("custom_details");
  EXPECT_EQ(details.at("video_id"), "4242");
  EXPECT_EQ(details.at("video_title"), "Sunrise over the Carpathians");
  EXPECT_EQ(details.at("reason"), "cut: NOT_FASTSTART; video: NO_PLAYABLE_SOURCE");
  EXPECT_EQ(details.at("deadline"), "2024-03-01T13:00:00.000Z");
  EXPECT_EQ(details.at("step"), "first page");
  EXPECT_EQ(event.at("links"), json::parse(R"([{"href": "https://gleev.xyz/video/4242", "text": "Video on Gleev"}])"));
}

TEST(NotifierPagerDutyTest, ActionsFollowTheNoticeKind) {
  const std::map<NoticeKind, std::string> actions = {{NoticeKind::kPage, "trigger"},
                                                     {NoticeKind::kBreach, "trigger"},
                                                     {NoticeKind::kTest, "trigger"},
                                                     {NoticeKind::kAcknowledged, "acknowledge"},
                                                     {NoticeKind::kResolved, "resolve"}};
  for (const auto& [kind, action] : actions) {
    SCOPED_TRACE(action);
    const Notice notice = SampleNotice(kind);
    const json event = Render(PagerDutyReceiver(), notice);
    ASSERT_TRUE(event.is_object());
    EXPECT_EQ(event.at("event_action"), action);
    EXPECT_EQ(event.at("dedup_key"), notice.incident_key);
    if (action == "trigger") {
      EXPECT_EQ(event.at("payload").at("severity"), kind == NoticeKind::kTest ? "info" : "critical");
    } else {
      EXPECT_EQ(event.size(), 3u) << event.dump();  // routing_key, event_action, dedup_key
    }
  }
}

TEST(NotifierPagerDutyTest, LongKeysAndSummariesAreCutToTheLimits) {
  Notice first = SampleNotice(NoticeKind::kPage);
  first.incident_key = "category:7:" + std::string(300, 'a') + "1";
  first.video_title = std::string(5000, 'T');
  Notice second = first;
  second.incident_key.back() = '2';
  const json first_event = Render(PagerDutyReceiver(), first);
  const json second_event = Render(PagerDutyReceiver(), second);
  const std::string first_key = first_event.at("dedup_key");
  EXPECT_LE(first_key.size(), 255u);
  EXPECT_TRUE(first_key.starts_with("category:7:aaa"));
  EXPECT_NE(first_key, second_event.at("dedup_key").get<std::string>());
  EXPECT_EQ(first_key, Render(PagerDutyReceiver(), first).at("dedup_key"));  // stable across renders
  EXPECT_LE(Length(first_event.at("payload").at("summary")), 1024u);
}

// ---------------------------------------------------------------------------------------------
// Alertmanager webhook JSON

TEST(NotifierWebhookTest, FollowsAlertmanagerVersion4) {
  const json body = Render(WebhookReceiver(), SampleNotice(NoticeKind::kPage));
  ASSERT_TRUE(body.is_object());
  EXPECT_EQ(body.at("version"), "4");
  EXPECT_EQ(body.at("groupKey"), "hero:4242");
  EXPECT_EQ(body.at("truncatedAlerts"), 0);
  EXPECT_EQ(body.at("status"), "firing");
  EXPECT_EQ(body.at("receiver"), "alertmanager");
  EXPECT_EQ(body.at("groupLabels"), json::parse(R"({"alertname": "HeroVideoUnplayable"})"));
  EXPECT_EQ(body.at("externalURL"), "");
  ASSERT_EQ(body.at("alerts").size(), 1u);
  const json& alert = body["alerts"][0];
  EXPECT_EQ(alert.at("status"), "firing");
  EXPECT_EQ(alert.at("labels"), json::parse(R"({"alertname": "HeroVideoUnplayable", "slot": "hero",
                                                "video_id": "4242", "severity": "critical"})"));
  EXPECT_EQ(body.at("commonLabels"), alert.at("labels"));
  EXPECT_EQ(body.at("commonAnnotations"), alert.at("annotations"));
  const json& annotations = alert.at("annotations");
  EXPECT_NE(annotations.at("summary").get<std::string>().find("Sunrise over the Carpathians"), std::string::npos);
  EXPECT_FALSE(annotations.at("description").get<std::string>().empty());
  EXPECT_EQ(annotations.at("deadline"), "2024-03-01T13:00:00.000Z");
  EXPECT_EQ(annotations.at("reason"), "cut: NOT_FASTSTART; video: NO_PLAYABLE_SOURCE");
  EXPECT_FALSE(annotations.contains("acknowledged_by"));
  EXPECT_EQ(alert.at("startsAt"), "2024-03-01T12:00:00.000Z");
  EXPECT_EQ(alert.at("endsAt"), "0001-01-01T00:00:00Z");
  EXPECT_EQ(alert.at("generatorURL"), "https://gleev.xyz/video/4242");
  const std::string fingerprint = alert.at("fingerprint");
  EXPECT_EQ(fingerprint.size(), 16u);
  EXPECT_EQ(fingerprint.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(NotifierWebhookTest, StatusAndAnnotationsFollowTheNoticeKind) {
  for (NoticeKind kind : kAllKinds) {
    SCOPED_TRACE(static_cast<int>(kind));
    const Notice notice = SampleNotice(kind);
    const json body = Render(WebhookReceiver(), notice);
    ASSERT_TRUE(body.is_object());
    const json& alert = body.at("alerts").at(0);
    const bool resolved = kind == NoticeKind::kResolved;
    EXPECT_EQ(body.at("status"), resolved ? "resolved" : "firing");
    EXPECT_EQ(alert.at("status"), body.at("status"));
    EXPECT_EQ(alert.at("endsAt"), resolved ? "2024-03-01T12:40:00.000Z" : "0001-01-01T00:00:00Z");
    EXPECT_EQ(alert.at("labels").at("severity"), kind == NoticeKind::kTest ? "info" : "critical");
    EXPECT_EQ(alert.at("annotations").contains("acknowledged_by"), kind == NoticeKind::kAcknowledged);
  }
  EXPECT_EQ(Render(WebhookReceiver(), SampleNotice(NoticeKind::kAcknowledged))["alerts"][0]["annotations"]
                ["acknowledged_by"],
            "alice");
}

TEST(NotifierWebhookTest, FingerprintIsStablePerIncidentKey) {
  auto fingerprint = [](const Notice& notice) {
    return Render(WebhookReceiver(), notice).at("alerts").at(0).at("fingerprint").get<std::string>();
  };
  const std::string page = fingerprint(SampleNotice(NoticeKind::kPage));
  EXPECT_EQ(page, curation::Hex(Sha256("hero:4242")).substr(0, 16));
  EXPECT_EQ(page, fingerprint(SampleNotice(NoticeKind::kAcknowledged)));
  EXPECT_EQ(page, fingerprint(SampleNotice(NoticeKind::kResolved)));
  Notice other = SampleNotice(NoticeKind::kPage);
  other.incident_key = "hero:4243";
  EXPECT_NE(page, fingerprint(other));
}

TEST(NotifierWebhookTest, FeaturedVideosCarryTheirCategory) {
  Notice notice = SampleNotice(NoticeKind::kPage);
  notice.alertname = "FeaturedVideoUnplayable";
  notice.slot = "category:7";
  notice.category_name = "Gaming";
  notice.incident_key = "category:7:4242";
  const json labels = Render(WebhookReceiver(), notice).at("alerts").at(0).at("labels");
  EXPECT_EQ(labels.at("category"), "Gaming");
  EXPECT_EQ(labels.at("slot"), "category:7");
}

// ---------------------------------------------------------------------------------------------
// Requests and answers

TEST(NotifierDeliveryTest, RequestsPostJsonWithTightLimits) {
  for (const ReceiverConfig& receiver : {DiscordReceiver(), PagerDutyReceiver(), WebhookReceiver()}) {
    SCOPED_TRACE(receiver.type);
    const HttpRequest request = DeliveryRequest(receiver, R"({"a":1})");
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.body, R"({"a":1})");
    const std::vector<std::pair<std::string, std::string>> json_only = {{"Content-Type", "application/json"}};
    EXPECT_EQ(request.headers, json_only);
    EXPECT_EQ(request.timeout, 10s);
    EXPECT_EQ(request.max_response_bytes, 1 << 20);
    EXPECT_EQ(request.max_redirects, 0);
  }
  EXPECT_EQ(DeliveryRequest(WebhookReceiver(), "{}").url, "https://am.example/hook");
}

TEST(NotifierDeliveryTest, DiscordUrlsAskDiscordToWait) {
  auto url = [](std::string configured) {
    ReceiverConfig receiver = DiscordReceiver();
    receiver.url = std::move(configured);
    return DeliveryRequest(receiver, "{}").url;
  };
  EXPECT_EQ(url("https://discord.com/api/webhooks/1/t"), "https://discord.com/api/webhooks/1/t?wait=true");
  EXPECT_EQ(url("https://discord.com/api/webhooks/1/t?thread_id=5"),
            "https://discord.com/api/webhooks/1/t?thread_id=5&wait=true");
  EXPECT_EQ(url("https://discord.com/api/webhooks/1/t?wait=false&thread_id=5"),
            "https://discord.com/api/webhooks/1/t?thread_id=5&wait=true");
  EXPECT_EQ(url("https://discord.com/api/webhooks/1/t?"), "https://discord.com/api/webhooks/1/t?wait=true");
}

TEST(NotifierDeliveryTest, PagerDutyDefaultsToTheEventsApi) {
  ReceiverConfig receiver = PagerDutyReceiver();
  EXPECT_EQ(DeliveryRequest(receiver, "{}").url, "https://events.pagerduty.com/v2/enqueue");
  receiver.url = "https://events.eu.pagerduty.com/v2/enqueue";
  EXPECT_EQ(DeliveryRequest(receiver, "{}").url, "https://events.eu.pagerduty.com/v2/enqueue");
}

TEST(NotifierInterpretTest, SuccessIsDone) {
  for (long status : {200, 202, 204}) {
    const DeliveryOutcome outcome = InterpretDelivery(DiscordReceiver(), Answer(status));
    EXPECT_EQ(outcome.action, Action::kDone) << status;
    EXPECT_EQ(outcome.http_status, status);
    EXPECT_TRUE(outcome.error.empty());
  }
}

TEST(NotifierInterpretTest, RateLimitsWaitAsTold) {
  const ReceiverConfig discord = DiscordReceiver();
  const std::string discord_429 = R"({"message": "You are being rate limited.", "retry_after": 1.5, "global": false})";
  DeliveryOutcome outcome = InterpretDelivery(discord, Answer(429, discord_429));
  EXPECT_EQ(outcome.action, Action::kRetry);
  EXPECT_EQ(outcome.http_status, 429);
  EXPECT_EQ(outcome.retry_after, 1500ms);
  // Both given: the JSON one, which is the more precise.
  EXPECT_EQ(InterpretDelivery(discord, Answer(429, discord_429, {{"retry-after", "2"}})).retry_after, 1500ms);
  EXPECT_EQ(InterpretDelivery(PagerDutyReceiver(), Answer(429, "", {{"retry-after", "2"}})).retry_after, 2000ms);
  EXPECT_EQ(InterpretDelivery(discord, Answer(429, "", {{"retry-after", " 7 "}})).retry_after, 7000ms);

  const auto dated = InterpretDelivery(
      WebhookReceiver(), Answer(429, "", {{"retry-after", HttpDate(std::chrono::system_clock::now() + 120s)}}));
  ASSERT_TRUE(dated.retry_after.has_value());
  EXPECT_GT(*dated.retry_after, 110s);
  EXPECT_LE(*dated.retry_after, 120s);

  EXPECT_EQ(InterpretDelivery(discord, Answer(429, R"({"retry_after": 100000})")).retry_after, 1h);
  EXPECT_EQ(InterpretDelivery(discord, Answer(429, R"({"retry_after": -3})")).retry_after, 0ms);
  const auto unreadable = InterpretDelivery(discord, Answer(429, "slow down", {{"retry-after", "soon"}}));
  EXPECT_EQ(unreadable.action, Action::kRetry);
  EXPECT_FALSE(unreadable.retry_after.has_value());
}

TEST(NotifierInterpretTest, ServerErrorsAreRetriedClientErrorsGivenUp) {
  for (long status : {500, 502, 503, 408}) {
    const DeliveryOutcome outcome = InterpretDelivery(PagerDutyReceiver(), Answer(status, "busy"));
    EXPECT_EQ(outcome.action, Action::kRetry) << status;
    EXPECT_FALSE(outcome.retry_after.has_value());
    EXPECT_NE(outcome.error.find(std::to_string(status)), std::string::npos);
  }
  const DeliveryOutcome gone =
      InterpretDelivery(DiscordReceiver(), Answer(404, R"({"message": "Unknown Webhook", "code": 10015})"));
  EXPECT_EQ(gone.action, Action::kGiveUp);
  EXPECT_EQ(gone.http_status, 404);
  EXPECT_NE(gone.error.find("404"), std::string::npos);
  EXPECT_NE(gone.error.find("Unknown Webhook"), std::string::npos);
  const DeliveryOutcome invalid = InterpretDelivery(
      PagerDutyReceiver(), Answer(400, R"({"status":"invalid event","message":"Event object is invalid"})"));
  EXPECT_EQ(invalid.action, Action::kGiveUp);
  EXPECT_EQ(InterpretDelivery(WebhookReceiver(), Answer(301)).action, Action::kGiveUp);
}

TEST(NotifierInterpretTest, TransportErrorsAreRetried) {
  const DeliveryOutcome outcome =
      InterpretDelivery(WebhookReceiver(), absl::UnavailableError("connection refused by 203.0.113.9"));
  EXPECT_EQ(outcome.action, Action::kRetry);
  EXPECT_EQ(outcome.http_status, 0);
  EXPECT_NE(outcome.error.find("connection refused by 203.0.113.9"), std::string::npos);
  EXPECT_EQ(InterpretDelivery(WebhookReceiver(), absl::DeadlineExceededError("timed out")).action, Action::kRetry);
}

TEST(NotifierInterpretTest, UnknownReceiverTypesAreGivenUp) {
  ReceiverConfig receiver = WebhookReceiver();
  receiver.type = "carrier-pigeon";
  const DeliveryOutcome outcome = InterpretDelivery(receiver, Answer(200));
  EXPECT_EQ(outcome.action, Action::kGiveUp);
  EXPECT_NE(outcome.error.find("carrier-pigeon"), std::string::npos);
  EXPECT_EQ(RenderNotice(receiver, SampleNotice(NoticeKind::kPage)), "");
}

// ---------------------------------------------------------------------------------------------
// Over HTTP, to a FakeReceiver

DeliveryOutcome Deliver(HttpClient& client, const ReceiverConfig& receiver, const Notice& notice) {
  return InterpretDelivery(receiver, client.Send(DeliveryRequest(receiver, RenderNotice(receiver, notice))));
}

TEST(NotifierEndToEndTest, EveryReceiverTypeIsDelivered) {
  FakeReceiver fake;
  HttpClient client;
  ReceiverConfig discord = DiscordReceiver();
  discord.url = fake.Url("/api/webhooks/1/token?thread_id=9");
  ReceiverConfig pagerduty = PagerDutyReceiver();
  pagerduty.url = fake.Url("/v2/enqueue");
  ReceiverConfig webhook = WebhookReceiver();
  webhook.url = fake.Url();
  const Notice notice = SampleNotice(NoticeKind::kPage);

  for (const ReceiverConfig& receiver : {discord, pagerduty, webhook}) {
    const DeliveryOutcome outcome = Deliver(client, receiver, notice);
    EXPECT_EQ(outcome.action, Action::kDone) << receiver.type << ": " << outcome.error;
  }
  ASSERT_TRUE(fake.WaitForRequests(3, 5s));
  const auto requests = fake.Requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].path, "/api/webhooks/1/token");
  EXPECT_EQ(requests[0].query, "thread_id=9&wait=true");
  EXPECT_EQ(requests[0].status, 200);
  EXPECT_EQ(requests[0].body, RenderNotice(discord, notice));
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(requests[1].path, "/v2/enqueue");
  EXPECT_EQ(requests[1].status, 202);
  EXPECT_EQ(json::parse(requests[1].body).at("dedup_key"), "hero:4242");
  EXPECT_EQ(requests[2].path, "/hook");
  EXPECT_EQ(requests[2].status, 200);
  EXPECT_EQ(json::parse(requests[2].body).at("groupKey"), "hero:4242");
  EXPECT_EQ(fake.Accepted(), 3u);
}

TEST(NotifierEndToEndTest, FailuresAreRetriedOrGivenUpAsTheReceiverSays) {
  FakeReceiver fake;
  HttpClient client;
  ReceiverConfig discord = DiscordReceiver();
  discord.url = fake.Url("/api/webhooks/1/token");
  const Notice notice = SampleNotice(NoticeKind::kPage);

  fake.SetDown(true);
  DeliveryOutcome outcome = Deliver(client, discord, notice);
  EXPECT_EQ(outcome.action, Action::kRetry);
  EXPECT_EQ(outcome.http_status, 503);
  fake.SetDown(false);

  fake.RespondNext(429, R"({"message": "You are being rate limited.", "retry_after": 1.5, "global": false})");
  fake.RespondNext(429, "", {{"Retry-After", "2"}});
  fake.RespondNext(404, R"({"message": "Unknown Webhook", "code": 10015})");
  outcome = Deliver(client, discord, notice);
  EXPECT_EQ(outcome.action, Action::kRetry);
  EXPECT_EQ(outcome.retry_after, 1500ms);
  outcome = Deliver(client, discord, notice);
  EXPECT_EQ(outcome.action, Action::kRetry);
  EXPECT_EQ(outcome.retry_after, 2000ms);
  outcome = Deliver(client, discord, notice);
  EXPECT_EQ(outcome.action, Action::kGiveUp);
  EXPECT_NE(outcome.error.find("Unknown Webhook"), std::string::npos);
  EXPECT_EQ(Deliver(client, discord, notice).action, Action::kDone);

  EXPECT_EQ(fake.Requests().size(), 5u);
  EXPECT_EQ(fake.Accepted(), 1u);
}

TEST(NotifierEndToEndTest, AnUnreachableReceiverIsRetried) {
  ReceiverConfig webhook = WebhookReceiver();
  {
    FakeReceiver gone;
    webhook.url = gone.Url();
  }
  HttpClient client;
  const DeliveryOutcome outcome = Deliver(client, webhook, SampleNotice(NoticeKind::kPage));
  EXPECT_EQ(outcome.action, Action::kRetry);
  EXPECT_EQ(outcome.http_status, 0);
  EXPECT_FALSE(outcome.error.empty());
}

// ---------------------------------------------------------------------------------------------
// The fake itself

TEST(FakeReceiverTest, AnswersLikeTheReceiverThePathLooksLike) {
  FakeReceiver fake;
  HttpClient client;
  auto post = [&](const std::string& path, std::string body) {
    HttpRequest request{.method = "POST", .url = fake.Url(path), .body = std::move(body)};
    request.headers = {{"X-Probe", "1"}};
    return client.Send(request);
  };
  auto discord_plain = post("/api/webhooks/1/t", "{}");
  ASSERT_TRUE(discord_plain.ok()) << discord_plain.status();
  EXPECT_EQ(discord_plain->status, 204);
  EXPECT_TRUE(discord_plain->body.empty());
  auto discord_waiting = post("/api/webhooks/1/t?wait=true", "{}");
  ASSERT_TRUE(discord_waiting.ok());
  EXPECT_EQ(discord_waiting->status, 200);
  EXPECT_TRUE(json::parse(discord_waiting->body).at("id").is_string());
  auto pagerduty = post("/v2/enqueue", R"({"dedup_key": "hero:1"})");
  ASSERT_TRUE(pagerduty.ok());
  EXPECT_EQ(pagerduty->status, 202);
  EXPECT_EQ(json::parse(pagerduty->body),
            json::parse(R"({"status": "success", "message": "Event processed", "dedup_key": "hero:1"})"));
  auto anonymous_event = post("/v2/enqueue", "{}");
  ASSERT_TRUE(anonymous_event.ok());
  EXPECT_FALSE(json::parse(anonymous_event->body).at("dedup_key").get<std::string>().empty());
  auto other = post("/anything", "x");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->status, 200);

  const auto requests = fake.Requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_EQ(requests[0].query, "");
  EXPECT_EQ(requests[1].query, "wait=true");
  EXPECT_EQ(requests[0].headers.at("x-probe"), "1");
  EXPECT_EQ(requests[4].body, "x");
  EXPECT_TRUE(std::is_sorted(requests.begin(), requests.end(),
                             [](const auto& a, const auto& b) { return a.arrived < b.arrived; }));
  EXPECT_EQ(fake.Accepted(), 5u);
}

TEST(FakeReceiverTest, ScriptedAnswersComeFirstInOrderAndCarryTheirHeaders) {
  FakeReceiver fake;
  fake.SetDown(true);
  fake.RespondNext(429, "", {{"Retry-After", "2"}});
  fake.RespondNext(400, "bad", {{"Content-Type", "text/plain"}});
  HttpClient client;
  auto post = [&] { return client.Send({.method = "POST", .url = fake.Url(), .body = "{}"}); };
  auto first = post();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->status, 429);
  EXPECT_EQ(first->headers.at("retry-after"), "2");
  auto second = post();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->status, 400);
  EXPECT_EQ(second->body, "bad");
  EXPECT_EQ(second->headers.at("content-type"), "text/plain");
  auto third = post();
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->status, 503);
  EXPECT_EQ(fake.Accepted(), 0u);
}

TEST(FakeReceiverTest, WaitForRequestsTimesOutWhenNothingArrives) {
  FakeReceiver fake;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(fake.WaitForRequests(1, 50ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
  EXPECT_TRUE(fake.WaitForRequests(0, 0ms));
}

}  // namespace
}  // namespace curation::alert
