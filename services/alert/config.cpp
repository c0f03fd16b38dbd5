// alert.* keys, receivers and the escalation policy: database-free, so tests and the config fuzz
// target link them alone.
#include <algorithm>

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <yaml-cpp/yaml.h>

#include <curation/alert/module.hpp>
#include <curation/common/time_format.hpp>

namespace curation::alert {
namespace {

std::string FieldText(const YAML::Node& record, const char* field) {
  const YAML::Node value = record[field];
  return value && !value.IsNull() ? value.as<std::string>() : std::string();
}

// A secret given directly or through the environment variable `<field>_env` names.
absl::StatusOr<std::string> SecretField(const YAML::Node& record, const std::string& field, const std::string& where,
                                        const std::map<std::string, std::string>& environment) {
  std::string direct = FieldText(record, field.c_str());
  std::string variable = FieldText(record, (field + "_env").c_str());
  if (variable.empty()) {
    return direct;
  }
  if (!direct.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": set ", field, " or ", field, "_env, not both"));
  }
  auto it = environment.find(variable);
  if (it == environment.end() || it->second.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": environment variable ", variable, " is not set"));
  }
  return it->second;
}

absl::Status ApplyReceivers(Config& config, const YAML::Node& list, const std::string& path,
                            const std::map<std::string, std::string>& environment) {
  AlertConfig& alert = config.Section<AlertConfig>();
  const std::vector<std::string> known_fields = {"name", "type", "url", "url_env", "routing_key", "routing_key_env",
                                                 "mention_roles"};
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node record = list[i];
    std::string where = absl::StrCat("config key alert.receivers[", i, "] in ", path);
    if (!record.IsMap()) {
      return absl::InvalidArgumentError(where + ": expected name, type and url or routing_key");
    }
    for (const auto& field : record) {
      std::string name = field.first.as<std::string>();
      if (std::find(known_fields.begin(), known_fields.end(), name) == known_fields.end()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": unknown field '", name, "'"));
      }
    }
    ReceiverConfig receiver{.name = FieldText(record, "name"), .type = FieldText(record, "type")};
    ASSIGN_OR_RETURN(receiver.url, SecretField(record, "url", where, environment));
    ASSIGN_OR_RETURN(receiver.routing_key, SecretField(record, "routing_key", where, environment));
    if (const YAML::Node roles = record["mention_roles"]; roles && roles.IsSequence()) {
      for (const auto& role : roles) {
        receiver.mention_roles.push_back(role.as<std::string>());
      }
    }
    if (receiver.name.empty() || receiver.name.size() > 64) {
      return absl::InvalidArgumentError(where + ": needs a name of at most 64 characters");
    }
    for (const ReceiverConfig& other : alert.receivers) {
      if (other.name == receiver.name) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": the name '", receiver.name, "' is taken"));
      }
    }
    if (receiver.type != "discord" && receiver.type != "pagerduty" && receiver.type != "webhook") {
      return BadValue(where + " type", receiver.type, "discord, pagerduty or webhook");
    }
    bool needs_url = receiver.type != "pagerduty";
    if ((needs_url || !receiver.url.empty()) && !absl::StartsWith(receiver.url, "https://") &&
        !absl::StartsWith(receiver.url, "http://")) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": url must be an http(s) URL"));
    }
    if (receiver.type == "pagerduty" && receiver.routing_key.empty()) {
      return absl::InvalidArgumentError(where + ": a pagerduty receiver needs routing_key (or routing_key_env)");
    }
    for (const std::string& role : receiver.mention_roles) {
      if (role.empty() || !std::all_of(role.begin(), role.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
        return BadValue(where + " mention_roles", role, "a Discord role id (digits)");
      }
    }
    alert.receivers.push_back(std::move(receiver));
  }
  return absl::OkStatus();
}

absl::Status ApplyEscalation(Config& config, const YAML::Node& list, const std::string& path) {
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node record = list[i];
    std::string where = absl::StrCat("config key alert.escalation[", i, "] in ", path);
    if (!record.IsMap() || !record["after"] || !record["notify"] || !record["notify"].IsSequence()) {
      return absl::InvalidArgumentError(where + ": expected {after: 15m, notify: [receiver names]}");
    }
    auto after = ParseDuration(record["after"].as<std::string>());
    if (!after) {
      return BadValue(where + " after", record["after"].as<std::string>(), "a duration such as 0m or 15m");
    }
    EscalationStep step{.after = *after};
    for (const auto& name : record["notify"]) {
      step.receivers.push_back(name.as<std::string>());
    }
    config.Section<AlertConfig>().escalation.push_back(std::move(step));
  }
  return absl::OkStatus();
}

// Every step names known receivers, in order of time; none: every receiver at 0, 15, 30, 45 min.
absl::Status CheckEscalation(Config& config) {
  AlertConfig& alert = config.Section<AlertConfig>();
  if (alert.escalation.empty() && !alert.receivers.empty()) {
    std::vector<std::string> everyone;
    for (const ReceiverConfig& receiver : alert.receivers) {
      everyone.push_back(receiver.name);
    }
    for (auto after : {0min, 15min, 30min, 45min}) {
      alert.escalation.push_back({.after = after, .receivers = everyone});
    }
  }
  for (size_t i = 0; i < alert.escalation.size(); ++i) {
    if (i > 0 && alert.escalation[i].after <= alert.escalation[i - 1].after) {
      return absl::InvalidArgumentError(
          absl::StrCat("config key alert.escalation[", i, "]: steps must come later one after another"));
    }
    for (const std::string& name : alert.escalation[i].receivers) {
      if (std::none_of(alert.receivers.begin(), alert.receivers.end(),
                       [&](const ReceiverConfig& r) { return r.name == name; })) {
        return absl::InvalidArgumentError(
            absl::StrCat("config key alert.escalation[", i, "]: no receiver is called '", name, "'"));
      }
    }
  }
  return absl::OkStatus();
}

std::string DescribeReceivers(const Config& config) {
  std::string out =
      "alert.receivers (config file only; URLs and keys may come from the environment variables *_env names):\n";
  for (const ReceiverConfig& receiver : config.Section<AlertConfig>().receivers) {
    absl::StrAppend(&out, "  - ", receiver.name, ": ", receiver.type,
                    receiver.mention_roles.empty() ? "" : ", mentions roles " + absl::StrJoin(receiver.mention_roles, ","),
                    " (url and key set)\n");
  }
  return out;
}

std::string DescribeEscalation(const Config& config) {
  std::string out = "alert.escalation (config file only; none: every receiver at 0, 15, 30 and 45 minutes):\n";
  for (const EscalationStep& step : config.Section<AlertConfig>().escalation) {
    absl::StrAppend(&out, "  - after ", DurationText(step.after), ": ", absl::StrJoin(step.receivers, ", "), "\n");
  }
  return out;
}

}  // namespace

const ConfigSection& Module::Section() {
  static const ConfigSection section{
      .keys =
          {
              StringKey("alert.orion_url", "Orion GraphQL endpoint, read for the hero and the featured videos",
                        SectionField(&AlertConfig::orion_url)),
              StringKey("alert.orion_session", "an Orion operator session id (bearer token); empty reads anonymously",
                        SectionField(&AlertConfig::orion_session), true),
              DurationKey("alert.orion_timeout", "longest one Orion request may take",
                          SectionField(&AlertConfig::orion_timeout), 100ms),
              DurationKey("alert.poll_interval", "how often Orion is asked what is featured",
                          SectionField(&AlertConfig::poll_interval), 1s),
              DurationKey("alert.probe_interval", "how often every featured video is probed again",
                          SectionField(&AlertConfig::probe_interval), 1s),
              DurationKey("alert.confirm_after", "wait before the probe that confirms a changed result",
                          SectionField(&AlertConfig::confirm_after), 0ms),
              DurationKey("alert.fix_within", "an unplayable hero or featured video's deadline",
                          SectionField(&AlertConfig::fix_within), 1s),
              DurationKey("alert.dead_man_after", "page when polls or probes stop producing results for this long",
                          SectionField(&AlertConfig::dead_man_after), 1s),
              DurationKey("alert.delivery_backoff", "first wait before a failed notification is sent again (doubles)",
                          SectionField(&AlertConfig::delivery_backoff), 10ms),
              DurationKey("alert.delivery_backoff_max", "longest wait between two attempts at one notification",
                          SectionField(&AlertConfig::delivery_backoff_max), 10ms),
              StringKey("alert.gleev_url", "Gleev's address, for links to videos in notifications and reports",
                        SectionField(&AlertConfig::gleev_url)),
          },
      .lists =
          {
              {.name = "alert.receivers", .apply = ApplyReceivers, .describe = DescribeReceivers},
              {.name = "alert.escalation",
               .apply = [](Config& config, const YAML::Node& list, const std::string& path,
                           const std::map<std::string, std::string>&) { return ApplyEscalation(config, list, path); },
               .describe = DescribeEscalation},
          },
      .check = CheckEscalation,
  };
  return section;
}

}  // namespace curation::alert
