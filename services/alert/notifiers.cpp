#include <curation/alert/notifiers.hpp>

#include <time.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/strings/str_cat.h>
#include <nlohmann/json.hpp>

#include <curation/common/sha256.hpp>
#include <curation/common/text.hpp>
#include <curation/common/time_format.hpp>

namespace curation::alert {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr char kPagerDutyEnqueueUrl[] = "https://events.pagerduty.com/v2/enqueue";
constexpr std::chrono::milliseconds kDeliveryTimeout = 10s;
constexpr int64_t kMaxResponseBytes = 1 << 20;
// A receiver asking for a longer pause would hold a page back past any useful moment.
constexpr std::chrono::milliseconds kMaxRetryAfter = 1h;

// Discord's limits (discord-api-docs, resources/message.mdx), in characters.
constexpr size_t kDiscordContentMax = 2000;
constexpr size_t kDiscordTitleMax = 256;
constexpr size_t kDiscordDescriptionMax = 4096;
constexpr size_t kDiscordFieldValueMax = 1024;
constexpr size_t kDiscordFooterMax = 2048;
constexpr size_t kDiscordEmbedTotalMax = 6000;
constexpr size_t kDiscordMentionRolesMax = 100;
// Discord ids are 64-bit snowflakes.
constexpr size_t kDiscordIdMaxDigits = 20;
// Leaves the rest of `content` to the role mentions.
constexpr size_t kDiscordHeadlineMax = 400;
// Keeps the slot and the people short enough that the reason and the note keep their room.
constexpr size_t kDiscordShortFieldMax = 256;

constexpr int kRed = 0xE53935;
constexpr int kAmber = 0xFFB300;
constexpr int kGreen = 0x43A047;
constexpr int kGrey = 0x9E9E9E;

constexpr size_t kPagerDutySummaryMax = 1024;
constexpr size_t kPagerDutyDedupKeyMax = 255;

// What Alertmanager writes as `endsAt` of an alert that has not ended.
constexpr char kNotEnded[] = "0001-01-01T00:00:00Z";
// Alertmanager's fingerprints are 64-bit hashes in hex.
constexpr size_t kFingerprintHexDigits = 16;
constexpr size_t kErrorExcerptMax = 300;

// ---------------------------------------------------------------------------------------------
// Text

// Receivers count characters in UTF-16 code units or in code points; UTF-16 counts no fewer,
// so text cut to it fits either way.
constexpr TextMeasure kReceiverMeasure = TextMeasure::kUtf16Units;

// Untrusted text (titles, names, notes, reasons) for a Discord message: one line, markdown
// shown literally, and no '@' or '<' that Discord could read as a mention whatever
// allowed_mentions says (a zero-width space follows every '@').
std::string DiscordText(std::string_view raw, size_t max_length) {
  static constexpr std::string_view kMarkdown = "\\*_~`|<>#-[]()";
  std::string out;
  for (char c : OneLine(raw)) {
    if (kMarkdown.find(c) != std::string_view::npos) {
      out += '\\';
    }
    out += c;
    if (c == '@') {
      out += "\xE2\x80\x8B";
    }
  }
  return Clip(std::move(out), max_length, kReceiverMeasure);
}

// A body excerpt for an error message.
std::string Excerpt(std::string_view body) { return Clip(OneLine(body), kErrorExcerptMax, kReceiverMeasure); }

std::string Dump(const json& body) { return body.dump(-1, ' ', false, json::error_handler_t::replace); }

// ---------------------------------------------------------------------------------------------
// Time

// Notices leave times they do not know at the epoch.
bool IsSet(TimePoint time) { return time != TimePoint{}; }

int64_t UnixSeconds(TimePoint time) {
  return std::chrono::floor<std::chrono::seconds>(time).time_since_epoch().count();
}

// "2024-03-01 12:05 UTC": for people, who do not need the seconds.
std::string UtcText(TimePoint time) {
  const auto minutes = std::chrono::floor<std::chrono::minutes>(time);
  const auto days = std::chrono::floor<std::chrono::days>(minutes);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss clock{minutes - days};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u %02d:%02d UTC", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()));
  return buffer;
}

// Discord shows `<t:…:R>` as "in 40 minutes" / "5 minutes ago" in each reader's client; the
// absolute time stays readable in notifications and quotes, where it is not rendered.
std::string DiscordTime(TimePoint time) {
  return absl::StrCat("<t:", UnixSeconds(time), ":R> (", UtcText(time), ")");
}

// ---------------------------------------------------------------------------------------------
// Words shared by every receiver (raw: each receiver makes them safe for its format)

// What is wrong, from the alert's name.
std::string Problem(const Notice& notice) {
  const std::optional<AlertName> name = kAlertNames.FromDb(notice.alertname);
  if (!name) {
    return notice.alertname;
  }
  std::string problem(kAlertNames.Human(*name));
  if (*name == AlertName::kFeaturedVideoUnplayable && !notice.category_name.empty()) {
    absl::StrAppend(&problem, " in ", notice.category_name);
  }
  return problem;
}

std::string Stage(const Notice& notice) {
  switch (notice.kind) {
    case NoticeKind::kPage:
      if (notice.step != 0) {
        return absl::StrCat("Escalation ", notice.step);
      }
      [[fallthrough]];
    case NoticeKind::kBreach:
    case NoticeKind::kAcknowledged:
    case NoticeKind::kResolved:
    case NoticeKind::kTest:
      return std::string(kNoticeKinds.Human(notice.kind));
  }
  return "Notice";  // an out-of-range kind cast from a stored integer
}

std::string StepText(int step) { return step == 0 ? "first page" : absl::StrCat("escalation ", step); }

// "Page: Hero video unplayable — <title> (<reason>)", for pagers and alert lists.
std::string Summary(const Notice& notice) {
  std::string summary = absl::StrCat(Stage(notice), ": ", Problem(notice));
  if (!notice.video_title.empty()) {
    absl::StrAppend(&summary, " \xE2\x80\x94 ", notice.video_title);
  }
  if (!notice.reason.empty()) {
    absl::StrAppend(&summary, " (", notice.reason, ")");
  }
  return summary;
}

// Where the incident stands, in a sentence. `when` writes a time and `text` makes untrusted
// text safe, both for the receiver's format.
std::string Situation(const Notice& notice, auto when, auto text) {
  const std::string who = notice.actor.empty() ? "automatically" : absl::StrCat("by ", text(notice.actor));
  const std::string deadline = IsSet(notice.deadline) ? when(notice.deadline) : "unknown";
  switch (notice.kind) {
    case NoticeKind::kPage:
      return absl::StrCat("Broken since ", when(notice.opened_at), "; fix it by ", deadline, ".");
    case NoticeKind::kBreach:
      return absl::StrCat("The deadline passed ", deadline, " and it is still broken.");
    case NoticeKind::kAcknowledged:
      return absl::StrCat("Acknowledged ", who, ": escalation stops, the deadline still stands: ", deadline, ".");
    case NoticeKind::kResolved:
      return absl::StrCat(
          "Resolved ", who, " after ",
          HumanDuration(std::chrono::duration_cast<std::chrono::milliseconds>(notice.at - notice.opened_at)), ".");
    case NoticeKind::kTest:
      return "A test notification: this receiver works, nothing to do.";
  }
  return {};
}

bool MentionsRoles(NoticeKind kind) { return kind == NoticeKind::kPage || kind == NoticeKind::kBreach; }

// ---------------------------------------------------------------------------------------------
// Discord

struct EmbedField {
  std::string name;
  std::string value;
  bool is_inline = false;
};

struct Embed {
  std::string title;
  std::string description;
  std::string url;
  int color = kGrey;
  std::vector<EmbedField> fields;
  std::string footer;
  std::string timestamp;
};

int Color(NoticeKind kind) {
  switch (kind) {
    case NoticeKind::kPage:
    case NoticeKind::kBreach:
      return kRed;
    case NoticeKind::kAcknowledged:
      return kAmber;
    case NoticeKind::kResolved:
      return kGreen;
    case NoticeKind::kTest:
      return kGrey;
  }
  return kGrey;
}

// Configured role ids Discord can mention: digits only (anything else would be text in
// `content` and an error in allowed_mentions, which fails the whole message), each once.
std::vector<std::string> MentionableRoles(const std::vector<std::string>& configured) {
  std::vector<std::string> roles;
  for (const std::string& role : configured) {
    const bool is_id = !role.empty() && role.size() <= kDiscordIdMaxDigits &&
                       std::all_of(role.begin(), role.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (is_id && std::find(roles.begin(), roles.end(), role) == roles.end() &&
        roles.size() < kDiscordMentionRolesMax) {
      roles.push_back(role);
    }
  }
  return roles;
}

size_t EmbedLength(const Embed& embed) {
  size_t length = Utf16Length(embed.title) + Utf16Length(embed.description) + Utf16Length(embed.footer);
  for (const EmbedField& field : embed.fields) {
    length += Utf16Length(field.name) + Utf16Length(field.value);
  }
  return length;
}

// Discord refuses the whole message when its embeds exceed 6000 characters together, so the
// longest texts give way (the title and field names are short by construction).
void FitEmbed(Embed& embed) {
  for (size_t length = EmbedLength(embed); length > kDiscordEmbedTotalMax; length = EmbedLength(embed)) {
    std::string* longest = &embed.description;
    for (EmbedField& field : embed.fields) {
      if (Utf16Length(field.value) > Utf16Length(*longest)) {
        longest = &field.value;
      }
    }
    if (Utf16Length(embed.footer) > Utf16Length(*longest)) {
      longest = &embed.footer;
    }
    const size_t longest_length = Utf16Length(*longest);
    const size_t excess = length - kDiscordEmbedTotalMax;
    *longest = Clip(std::move(*longest), std::max<size_t>(longest_length - std::min(excess, longest_length), 1),
                    kReceiverMeasure);
  }
}

Embed DiscordEmbed(const Notice& notice) {
  const auto discord_text = [](std::string_view raw) { return DiscordText(raw, kDiscordShortFieldMax); };
  Embed embed;
  std::string title = absl::StrCat(Stage(notice), " \xC2\xB7 ", Problem(notice));
  if (!notice.video_title.empty()) {
    absl::StrAppend(&title, " \xE2\x80\x94 ", notice.video_title);
  }
  embed.title = DiscordText(title, kDiscordTitleMax);
  embed.description = Clip(Situation(notice, DiscordTime, discord_text), kDiscordDescriptionMax, kReceiverMeasure);
  if (IsHttpUrl(notice.video_url)) {
    embed.url = RepairUtf8(notice.video_url);
  }
  embed.color = Color(notice.kind);

  std::string slot = DiscordText(notice.slot, kDiscordShortFieldMax);
  if (!notice.category_name.empty()) {
    absl::StrAppend(&slot, " (", DiscordText(notice.category_name, kDiscordShortFieldMax), ")");
  }
  embed.fields.push_back({"Slot", std::move(slot), true});
  if (!notice.video_id.empty()) {
    std::string video = DiscordText(notice.video_id, kDiscordShortFieldMax);
    if (!notice.video_title.empty()) {
      absl::StrAppend(&video, " \xC2\xB7 ", DiscordText(notice.video_title, kDiscordFieldValueMax));
    }
    embed.fields.push_back({"Video", Clip(std::move(video), kDiscordFieldValueMax, kReceiverMeasure), true});
  }
  if (notice.kind == NoticeKind::kPage) {
    embed.fields.push_back({"Step", StepText(notice.step), true});
  }
  if (!notice.reason.empty()) {
    embed.fields.push_back({"Reason", DiscordText(notice.reason, kDiscordFieldValueMax), false});
  }
  if (IsSet(notice.deadline)) {
    embed.fields.push_back({"Deadline", DiscordTime(notice.deadline), true});
  }
  if (IsSet(notice.opened_at)) {
    embed.fields.push_back({"Opened", DiscordTime(notice.opened_at), true});
  }
  if (notice.kind == NoticeKind::kAcknowledged || notice.kind == NoticeKind::kResolved) {
    embed.fields.push_back(
        {"By", notice.actor.empty() ? "automatic" : DiscordText(notice.actor, kDiscordShortFieldMax), true});
    if (!notice.note.empty()) {
      embed.fields.push_back({"Note", DiscordText(notice.note, kDiscordFieldValueMax), false});
    }
  }
  // The footer shows markdown as typed, so it is only made valid and kept on one line.
  embed.footer = Clip(OneLine(absl::StrCat("incident #", notice.incident_id, " \xC2\xB7 ", notice.incident_key)),
                      kDiscordFooterMax, kReceiverMeasure);
  embed.timestamp = FormatIsoTime(notice.at);
  FitEmbed(embed);
  return embed;
}

json EmbedJson(const Embed& embed) {
  json fields = json::array();
  for (const EmbedField& field : embed.fields) {
    fields.push_back({{"name", field.name}, {"value", field.value}, {"inline", field.is_inline}});
  }
  json out = {
      {"title", embed.title},
      {"description", embed.description},
      {"color", embed.color},
      {"fields", std::move(fields)},
      {"footer", {{"text", embed.footer}}},
      {"timestamp", embed.timestamp},
  };
  if (!embed.url.empty()) {
    out["url"] = embed.url;
  }
  return out;
}

// Role mentions ping only when they are in `content` and listed in allowed_mentions.roles; an
// explicit, empty `parse` keeps any other mention (@everyone, users, roles in a title) silent.
std::string RenderDiscord(const ReceiverConfig& receiver, const Notice& notice) {
  std::string headline =
      absl::StrCat("**", Stage(notice), "** \xC2\xB7 ", DiscordText(Problem(notice), kDiscordHeadlineMax));
  if (MentionsRoles(notice.kind) && IsSet(notice.deadline)) {
    absl::StrAppend(&headline, notice.kind == NoticeKind::kPage ? " \xC2\xB7 fix by <t:" : " \xC2\xB7 deadline was <t:",
                    UnixSeconds(notice.deadline), ":R>");
  }
  std::string mentions;
  json mentioned = json::array();
  if (MentionsRoles(notice.kind)) {
    for (const std::string& role : MentionableRoles(receiver.mention_roles)) {
      const std::string mention = absl::StrCat("<@&", role, "> ");
      if (Utf16Length(mentions) + mention.size() + Utf16Length(headline) > kDiscordContentMax) {
        break;
      }
      mentions += mention;
      mentioned.push_back(role);
    }
  }
  json allowed_mentions = {{"parse", json::array()}};
  if (MentionsRoles(notice.kind)) {
    allowed_mentions["roles"] = std::move(mentioned);
  }
  const json body = {
      {"content", mentions + headline},
      {"embeds", json::array({EmbedJson(DiscordEmbed(notice))})},
      {"allowed_mentions", std::move(allowed_mentions)},
  };
  return Dump(body);
}

// ---------------------------------------------------------------------------------------------
// PagerDuty Events API v2

// PagerDuty caps dedup_key at 255 characters; a longer incident key keeps a readable prefix
// and its hash, so two long keys never share an incident.
std::string DedupKey(std::string_view incident_key) {
  std::string key = RepairUtf8(incident_key);
  if (key.size() <= kPagerDutyDedupKeyMax) {
    return key;
  }
  const std::string hash = curation::Hex(Sha256(key));
  return absl::StrCat(TruncatedUtf8(key, kPagerDutyDedupKeyMax - hash.size() - 1), ":", hash);
}

std::string EventAction(NoticeKind kind) {
  switch (kind) {
    case NoticeKind::kAcknowledged:
      return "acknowledge";
    case NoticeKind::kResolved:
      return "resolve";
    case NoticeKind::kPage:
    case NoticeKind::kBreach:
    case NoticeKind::kTest:
      return "trigger";
  }
  return "trigger";
}

void AddIfPresent(json& object, const char* name, std::string_view value) {
  if (!value.empty()) {
    object[name] = RepairUtf8(value);
  }
}

std::string RenderPagerDuty(const ReceiverConfig& receiver, const Notice& notice) {
  const std::string action = EventAction(notice.kind);
  json event = {
      {"routing_key", RepairUtf8(receiver.routing_key)},
      {"event_action", action},
      {"dedup_key", DedupKey(notice.incident_key)},
  };
  // PagerDuty reads only the key of an acknowledge or resolve.
  if (action != "trigger") {
    return Dump(event);
  }
  json details = {{"incident_id", notice.incident_id}};
  AddIfPresent(details, "incident_key", notice.incident_key);
  AddIfPresent(details, "category", notice.category_name);
  AddIfPresent(details, "video_id", notice.video_id);
  AddIfPresent(details, "video_title", notice.video_title);
  AddIfPresent(details, "video_url", notice.video_url);
  AddIfPresent(details, "reason", notice.reason);
  if (IsSet(notice.opened_at)) {
    details["opened_at"] = FormatIsoTime(notice.opened_at);
  }
  if (IsSet(notice.deadline)) {
    details["deadline"] = FormatIsoTime(notice.deadline);
  }
  if (notice.kind == NoticeKind::kPage) {
    details["step"] = StepText(notice.step);
  } else if (notice.kind == NoticeKind::kBreach) {
    details["step"] = "deadline passed";
  }
  event["payload"] = {
      {"summary", Clip(RepairUtf8(Summary(notice)), kPagerDutySummaryMax, kReceiverMeasure)},
      {"source", "curation"},
      {"severity", notice.kind == NoticeKind::kTest ? "info" : "critical"},
      {"timestamp", FormatIsoTime(notice.at)},
      {"component", RepairUtf8(notice.slot)},
      {"group", "hero-featured"},
      {"class", RepairUtf8(notice.alertname)},
      {"custom_details", std::move(details)},
  };
  if (IsHttpUrl(notice.video_url)) {
    event["links"] = json::array({{{"href", RepairUtf8(notice.video_url)}, {"text", "Video on Gleev"}}});
  }
  return Dump(event);
}

// ---------------------------------------------------------------------------------------------
// Alertmanager webhook JSON, version 4

std::string Fingerprint(std::string_view incident_key) {
  return curation::Hex(Sha256(incident_key)).substr(0, kFingerprintHexDigits);
}

std::string RenderWebhook(const ReceiverConfig& receiver, const Notice& notice) {
  const std::string status = notice.kind == NoticeKind::kResolved ? "resolved" : "firing";
  json labels = {
      {"alertname", RepairUtf8(notice.alertname)},
      {"slot", RepairUtf8(notice.slot)},
      {"severity", notice.kind == NoticeKind::kTest ? "info" : "critical"},
  };
  // Prometheus treats an empty label as an absent one, so absent ones are left out.
  AddIfPresent(labels, "video_id", notice.video_id);
  AddIfPresent(labels, "category", notice.category_name);
  const auto plain_text = [](std::string_view raw) { return RepairUtf8(raw); };
  json annotations = {
      {"summary", RepairUtf8(Summary(notice))},
      {"description", Situation(notice, FormatIsoTime, plain_text)},
  };
  if (IsSet(notice.deadline)) {
    annotations["deadline"] = FormatIsoTime(notice.deadline);
  }
  AddIfPresent(annotations, "reason", notice.reason);
  if (notice.kind == NoticeKind::kAcknowledged) {
    AddIfPresent(annotations, "acknowledged_by", notice.actor);
  }
  AddIfPresent(annotations, "note", notice.note);
  json alert = {
      {"status", status},
      {"labels", labels},
      {"annotations", annotations},
      {"startsAt", FormatIsoTime(IsSet(notice.opened_at) ? notice.opened_at : notice.at)},
      {"endsAt", notice.kind == NoticeKind::kResolved ? FormatIsoTime(notice.at) : kNotEnded},
      {"generatorURL", RepairUtf8(notice.video_url)},
      {"fingerprint", Fingerprint(notice.incident_key)},
  };
  const json body = {
      {"version", "4"},
      {"groupKey", RepairUtf8(notice.incident_key)},
      {"truncatedAlerts", 0},
      {"status", status},
      {"receiver", RepairUtf8(receiver.name)},
      {"groupLabels", {{"alertname", labels["alertname"]}}},
      {"commonLabels", labels},
      {"commonAnnotations", annotations},
      {"externalURL", ""},
      {"alerts", json::array({std::move(alert)})},
  };
  return Dump(body);
}

// ---------------------------------------------------------------------------------------------
// Delivery

// Asks Discord to answer with the created message, so a message it refuses is an error rather
// than a 204. Other parameters (thread_id) and a fragment stay as they were.
std::string WithWaitTrue(const std::string& url) {
  const size_t hash = url.find('#');
  const std::string fragment = hash == std::string::npos ? "" : url.substr(hash);
  const std::string before_fragment = url.substr(0, hash);
  const size_t question = before_fragment.find('?');
  std::string out = before_fragment.substr(0, question);
  std::string separator = "?";
  if (question != std::string::npos) {
    const std::string_view query = std::string_view(before_fragment).substr(question + 1);
    size_t start = 0;
    while (start <= query.size()) {
      const size_t end = std::min(query.find('&', start), query.size());
      const std::string_view parameter = query.substr(start, end - start);
      if (!parameter.empty() && parameter != "wait" && !parameter.starts_with("wait=")) {
        absl::StrAppend(&out, separator, std::string(parameter));
        separator = "&";
      }
      start = end + 1;
    }
  }
  return absl::StrCat(out, separator, "wait=true", fragment);
}

bool IsKnownType(const std::string& type) { return type == "discord" || type == "pagerduty" || type == "webhook"; }

std::optional<double> RetryAfterFromJson(const std::string& body) {
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    return std::nullopt;
  }
  const auto it = parsed.find("retry_after");
  if (it == parsed.end() || !it->is_number()) {
    return std::nullopt;
  }
  return it->get<double>();
}

// Retry-After is delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
std::optional<double> RetryAfterFromHeader(const std::map<std::string, std::string>& headers, TimePoint now) {
  const auto it = headers.find("retry-after");
  if (it == headers.end()) {
    return std::nullopt;
  }
  std::string_view value = it->second;
  while (!value.empty() && value.front() == ' ') {
    value.remove_prefix(1);
  }
  while (!value.empty() && value.back() == ' ') {
    value.remove_suffix(1);
  }
  double seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size()) {
    return seconds;
  }
  const std::string date(value);
  std::tm parts{};
  const char* parsed_to = strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  if (parsed_to == nullptr || *parsed_to != '\0') {
    return std::nullopt;
  }
  const auto at = std::chrono::system_clock::from_time_t(timegm(&parts));
  return std::chrono::duration<double>(at - now).count();
}

// Discord's JSON `retry_after` is more precise than its rounded-up header, so it wins.
std::optional<std::chrono::milliseconds> RetryAfter(const HttpResponse& response, TimePoint now) {
  std::optional<double> seconds = RetryAfterFromJson(response.body);
  if (!seconds) {
    seconds = RetryAfterFromHeader(response.headers, now);
  }
  if (!seconds || !std::isfinite(*seconds)) {
    return std::nullopt;
  }
  const double limit = std::chrono::duration<double>(kMaxRetryAfter).count();
  return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(std::clamp(*seconds, 0.0, limit) * 1000)));
}

}  // namespace

std::string RenderNotice(const ReceiverConfig& receiver, const Notice& notice) {
  if (receiver.type == "discord") {
    return RenderDiscord(receiver, notice);
  }
  if (receiver.type == "pagerduty") {
    return RenderPagerDuty(receiver, notice);
  }
  if (receiver.type == "webhook") {
    return RenderWebhook(receiver, notice);
  }
  return {};
}

HttpRequest DeliveryRequest(const ReceiverConfig& receiver, const std::string& body) {
  HttpRequest request;
  request.method = "POST";
  request.url = receiver.url;
  if (receiver.type == "pagerduty" && request.url.empty()) {
    request.url = kPagerDutyEnqueueUrl;
  } else if (receiver.type == "discord") {
    request.url = WithWaitTrue(receiver.url);
  }
  request.headers = {{"Content-Type", "application/json"}};
  request.body = body;
  request.timeout = kDeliveryTimeout;
  request.max_response_bytes = kMaxResponseBytes;
  // A receiver that redirects is misconfigured; following it would post pages somewhere else.
  request.max_redirects = 0;
  return request;
}

DeliveryOutcome InterpretDelivery(const ReceiverConfig& receiver, const absl::StatusOr<HttpResponse>& response) {
  DeliveryOutcome outcome;
  if (response.ok()) {
    outcome.http_status = static_cast<int>(response->status);
  }
  if (!IsKnownType(receiver.type)) {
    outcome.action = DeliveryOutcome::Action::kGiveUp;
    outcome.error = absl::StrCat("unknown receiver type \"", OneLine(receiver.type), "\"");
    return outcome;
  }
  if (!response.ok()) {
    outcome.action = DeliveryOutcome::Action::kRetry;
    outcome.error = response.status().ToString();
    return outcome;
  }
  const long status = response->status;
  if (status >= 200 && status < 300) {
    outcome.action = DeliveryOutcome::Action::kDone;
    return outcome;
  }
  outcome.error = absl::StrCat("HTTP ", status);
  if (!response->body.empty()) {
    absl::StrAppend(&outcome.error, ": ", Excerpt(response->body));
  }
  if (status == 429) {
    outcome.action = DeliveryOutcome::Action::kRetry;
    outcome.retry_after = RetryAfter(*response, std::chrono::system_clock::now());
  } else if (status == 408 || status >= 500) {
    outcome.action = DeliveryOutcome::Action::kRetry;
  } else {
    // Other 4xx: the receiver refuses this request as it is (a deleted webhook, a bad key), so
    // repeating it only earns rate limits. A 3xx means the URL moved: the config must change.
    outcome.action = DeliveryOutcome::Action::kGiveUp;
  }
  return outcome;
}

}  // namespace curation::alert
