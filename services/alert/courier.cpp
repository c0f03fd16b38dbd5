#include <curation/alert/courier.hpp>

#include <curation/common/logging.hpp>

namespace curation::alert {

Courier::Courier(AlertStore& store, HttpClient& http, const Clock& clock, const AlertConfig& config,
                 MetricsRegistry& metrics)
    : store_(store), http_(http), clock_(clock), config_(config), metrics_(metrics) {}

std::chrono::milliseconds Courier::Backoff(int attempts) {
  auto wait = config_.delivery_backoff;
  for (int i = 1; i < attempts && wait < config_.delivery_backoff_max; ++i) {
    wait *= 2;
  }
  wait = std::min(wait, config_.delivery_backoff_max);
  // ±20 %, so receivers that came back are not hit by every sender at once.
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(wait.count()) * jitter(random_)));
}

NotificationRow Courier::Attempt(const NotificationRow& notification, TimePoint now) {
  NotificationRow after = notification;
  ++after.attempts;
  auto log = ComponentLogger("alert");
  const ReceiverConfig* receiver = nullptr;
  for (const ReceiverConfig& candidate : config_.receivers) {
    receiver = candidate.name == notification.receiver ? &candidate : receiver;
  }
  DeliveryOutcome outcome;
  if (receiver == nullptr) {
    outcome = {.action = DeliveryOutcome::Action::kGiveUp, .error = "no receiver by this name in the config any more"};
  } else {
    outcome = InterpretDelivery(*receiver, http_.Send(DeliveryRequest(*receiver, notification.body)));
  }
  after.last_status = outcome.http_status;
  after.last_error = outcome.error;
  std::string result;  // the metric's label: the state it ended in, or retried
  switch (outcome.action) {
    case DeliveryOutcome::Action::kDone:
      after.state = NotificationState::kSent;
      after.sent_at = now;
      result = kNotificationStates.Db(after.state);
      break;
    case DeliveryOutcome::Action::kGiveUp:
      after.state = NotificationState::kFailed;
      result = kNotificationStates.Db(after.state);
      log->error("notification {} ({} to {}) refused, not retried: {}", notification.id, notification.step,
                 notification.receiver, outcome.error);
      break;
    case DeliveryOutcome::Action::kRetry:
      result = "retried";
      after.next_attempt_at = now + outcome.retry_after.value_or(Backoff(after.attempts));
      log->warn("notification {} ({} to {}) not delivered, again in {} ms: {}", notification.id, notification.step,
                notification.receiver,
                std::chrono::duration_cast<std::chrono::milliseconds>(after.next_attempt_at - now).count(),
                outcome.error);
      break;
  }
  metrics_
      .GetCounter("curation_alert_notifications_total", "notification attempts by receiver and result",
                  {{"receiver", notification.receiver}, {"result", result}})
      .Inc();
  return after;
}

absl::StatusOr<int> Courier::DeliverDue(std::optional<TimePoint> deadline) {
  std::unique_lock lock(mutex_, std::defer_lock);
  if (!deadline) {
    lock.lock();
  } else if (!lock.try_lock_until(*deadline)) {  // deadlines are on the system clock, as TimePoint
    return absl::DeadlineExceededError("deadline passed waiting for the courier");
  }
  return store_.DeliverDue(
      clock_.Now(), 100, [&](const NotificationRow& notification) { return Attempt(notification, clock_.Now()); },
      deadline);
}

void Courier::Run(std::stop_token stop, std::chrono::milliseconds period) {
  bool failing = false;
  while (!stop.stop_requested()) {
    auto delivered = DeliverDue();
    if (delivered.ok() == failing) {  // log the change, not every round
      failing = !delivered.ok();
      auto log = ComponentLogger("alert");
      failing ? log->warn("sending notifications failed: {}", delivered.status())
              : log->info("sending notifications again");
    }
    PauseFor(stop, period);
  }
}

}  // namespace curation::alert
