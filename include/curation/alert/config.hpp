#pragma once
// Alert's section of the configuration (alert.*; its keys are in alert's module).

#include <chrono>
#include <string>
#include <vector>

#include <curation/common/config.hpp>

namespace curation {

// Where pages go. Receivers and the escalation policy come from the config file only (they are
// lists of records); a secret can stay out of it in the environment variable `*_env` names.
struct ReceiverConfig {
  std::string name;  // what the escalation policy, the outbox and `curatorctl alerts test` call it
  std::string type;  // discord, pagerduty or webhook (Alertmanager's webhook JSON, version 4)
  std::string url;   // discord, webhook: the URL to POST to; pagerduty: the Events API v2 endpoint
  std::string routing_key;  // pagerduty: the integration key
  std::vector<std::string> mention_roles;  // discord: role ids mentioned on a page
};

struct EscalationStep {
  std::chrono::milliseconds after{0};  // since the incident opened, unless acknowledged first
  std::vector<std::string> receivers;
};

struct AlertConfig {
  std::string orion_url = "https://orion.gleev.xyz/graphql";
  std::string orion_session;  // an Orion operator session (sent as a bearer token); empty: anonymous
  std::chrono::milliseconds orion_timeout = 20s;
  std::chrono::milliseconds poll_interval = 30s;    // how often Orion is asked what is featured
  std::chrono::milliseconds probe_interval = 5min;  // how often every featured video is probed again
  std::chrono::milliseconds confirm_after = 0ms;    // the second of two consecutive probes after a change of result
  std::chrono::milliseconds fix_within = 1h;        // an unplayable slot's deadline
  std::chrono::milliseconds dead_man_after = 15min;  // no poll or probe result for this long pages
  std::chrono::milliseconds delivery_backoff = 5s;  // first retry of a failed notification; doubles
  std::chrono::milliseconds delivery_backoff_max = 5min;
  std::string gleev_url = "https://gleev.xyz";  // links to videos in notifications and reports
  std::vector<ReceiverConfig> receivers;
  // Empty: every receiver at 0, 15, 30 and 45 minutes.
  std::vector<EscalationStep> escalation;
};

}  // namespace curation
