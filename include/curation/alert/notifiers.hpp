#pragma once
// What a page says, and how each kind of receiver is sent it: Discord webhooks, PagerDuty
// Events API v2, and Alertmanager's webhook JSON (version 4) for any other alert stack.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <curation/common/clock.hpp>
#include <curation/alert/config.hpp>
#include <curation/alert/vocabulary.hpp>
#include <curation/common/http_client.hpp>
#include <curation/common/status.hpp>

namespace curation::alert {

/// Everything a receiver is told about an incident at one moment.
struct Notice {
  NoticeKind kind = NoticeKind::kPage;
  int64_t incident_id = 0;
  std::string incident_key;  // stable per incident: "hero:<video>", "category:<id>:<video>", "watchdog:<what>"
  std::string alertname;     // HeroVideoUnplayable, FeaturedVideoUnplayable, FeaturingUnknown, ProbesStalled, Test
  std::string slot;          // "hero", "category:<id>", "watchdog"
  std::string category_name;
  std::string video_id;
  std::string video_title;
  std::string video_url;     // the video on Gleev
  std::string reason;        // what failed, e.g. "cut: NOT_FASTSTART; video: NO_PLAYABLE_SOURCE"
  int step = 0;              // kPage: the escalation step, 0 for the first page
  TimePoint opened_at{};
  TimePoint deadline{};
  TimePoint at{};            // when this notice was raised
  std::string actor;         // kAcknowledged, kResolved: who (empty: automatic)
  std::string note;          // kAcknowledged, kResolved: what they said, or why it resolved
};

/// The body to POST, rendered once when the notice is queued so every retry sends the same
/// bytes. Discord: an embed with the video, slot, reason and deadline, role mentions only on
/// pages and breaches, `allowed_mentions` always explicit (a video title never pings anyone).
/// PagerDuty: trigger (page, breach, test), acknowledge, resolve, dedup_key = incident_key
/// (a key over PagerDuty's 255 characters keeps a prefix and gains its hash).
/// Webhook: Alertmanager's webhook JSON, version 4, groupKey = incident_key.
/// Texts are cut to each receiver's limits and invalid UTF-8 is replaced, so any notice renders;
/// a receiver type that config validation refuses renders as an empty body. Never throws.
std::string RenderNotice(const ReceiverConfig& receiver, const Notice& notice);

/// The request that delivers `body` to `receiver`: a JSON POST, 10 s, 1 MiB of answer at most, no
/// redirects. Discord URLs get `wait=true` (so a refused message is an error, not a 204); a
/// PagerDuty receiver without a URL posts to https://events.pagerduty.com/v2/enqueue.
HttpRequest DeliveryRequest(const ReceiverConfig& receiver, const std::string& body);

/// What to do after an attempt.
struct DeliveryOutcome {
  enum class Action { kDone, kRetry, kGiveUp };
  Action action = Action::kRetry;
  std::optional<std::chrono::milliseconds> retry_after;  // kRetry: when the receiver said so (429)
  int http_status = 0;  // 0: no answer
  std::string error;    // kRetry, kGiveUp: for the log and `curatorctl alerts show`
};

/// 2xx: done. 429: retry after Retry-After (header, seconds or an HTTP-date) or Discord's
/// `retry_after` (JSON, float seconds), whichever is given, the JSON one when both are, clamped to
/// [0, 1 h]. 5xx, 408 and transport errors: retry (backoff is the caller's). Any other 4xx (a
/// deleted Discord webhook's 404, PagerDuty's 400), a 3xx, or a receiver type config validation
/// refuses: give up. Never throws.
DeliveryOutcome InterpretDelivery(const ReceiverConfig& receiver, const absl::StatusOr<HttpResponse>& response);

}  // namespace curation::alert
