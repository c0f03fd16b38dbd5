#include <curation/common/config.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>
#include <sstream>

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <absl/strings/ascii.h>
#include <yaml-cpp/yaml.h>

#include <curation/common/address_guard.hpp>
#include <curation/common/time_format.hpp>

extern char** environ;

namespace curation {
namespace {

// One configuration key: how to parse it into the struct, and how to show it back.
struct KeySpec {
  std::string name;  // section.key
  std::string meaning;
  bool secret = false;
  std::function<absl::Status(Config&, const std::string&)> set;
  std::function<std::string(const Config&)> get;
};

absl::Status BadValue(const std::string& key, const std::string& value, const std::string& expected) {
  return absl::InvalidArgumentError(absl::StrCat("config key ", key, ": '", value, "' is not ", expected));
}

// Builders keep the table below readable: name, meaning, and a field accessor.
KeySpec StringKey(std::string name, std::string meaning, std::function<std::string&(Config&)> ref,
                  bool secret = false) {
  KeySpec spec{name, std::move(meaning), secret, nullptr, nullptr};
  spec.set = [ref](Config& c, const std::string& v) {
    ref(c) = v;
    return absl::OkStatus();
  };
  spec.get = [ref](const Config& c) { return ref(const_cast<Config&>(c)); };
  return spec;
}

KeySpec ChoiceKey(std::string name, std::string meaning, std::function<std::string&(Config&)> ref,
                  std::vector<std::string> choices) {
  KeySpec spec = StringKey(name, std::move(meaning), ref);
  spec.set = [name, ref, choices](Config& c, const std::string& v) {
    if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
      return BadValue(name, v, absl::StrCat("one of ", absl::StrJoin(choices, ", ")));
    }
    ref(c) = v;
    return absl::OkStatus();
  };
  return spec;
}

KeySpec IntegerKey(std::string name, std::string meaning, std::function<int64_t(const Config&)> get,
                   std::function<void(Config&, int64_t)> put, int64_t min, int64_t max) {
  KeySpec spec{name, std::move(meaning), false, nullptr, nullptr};
  spec.set = [name, put, min, max](Config& c, const std::string& v) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
    if (ec != std::errc() || end != v.data() + v.size() || value < min || value > max) {
      return BadValue(name, v, absl::StrCat("an integer from ", min, " to ", max));
    }
    put(c, value);
    return absl::OkStatus();
  };
  spec.get = [get](const Config& c) { return std::to_string(get(c)); };
  return spec;
}

// The largest unit that states the span exactly, in the form ParseDuration reads back.
std::string DurationText(std::chrono::milliseconds span) {
  const std::pair<int64_t, const char*> units[] = {{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
  for (const auto& [millis, unit] : units) {
    if (span.count() != 0 && span.count() % millis == 0) {
      return std::to_string(span.count() / millis) + unit;
    }
  }
  return std::to_string(span.count()) + "ms";
}

KeySpec DurationKey(std::string name, std::string meaning, std::function<std::chrono::milliseconds&(Config&)> ref,
                    std::chrono::milliseconds min) {
  KeySpec spec{name, std::move(meaning), false, nullptr, nullptr};
  spec.set = [name, ref, min](Config& c, const std::string& v) {
    auto parsed = ParseDuration(v);
    if (!parsed || *parsed < min) {
      return BadValue(name, v, absl::StrCat("a duration of at least ", min.count(), "ms (e.g. 500ms, 10s, 5m, 36h)"));
    }
    ref(c) = *parsed;
    return absl::OkStatus();
  };
  spec.get = [ref](const Config& c) { return DurationText(ref(const_cast<Config&>(c))); };
  return spec;
}

KeySpec BoolKey(std::string name, std::string meaning, std::function<bool&(Config&)> ref) {
  KeySpec spec{name, std::move(meaning), false, nullptr, nullptr};
  spec.set = [name, ref](Config& c, const std::string& v) {
    if (v == "true" || v == "yes" || v == "1") {
      ref(c) = true;
    } else if (v == "false" || v == "no" || v == "0") {
      ref(c) = false;
    } else {
      return BadValue(name, v, "true or false");
    }
    return absl::OkStatus();
  };
  spec.get = [ref](const Config& c) { return ref(const_cast<Config&>(c)) ? "true" : "false"; };
  return spec;
}

const std::vector<std::string> kKnownServices = {"ingest", "probe", "review", "modlog", "alert", "report"};

KeySpec ServicesKey() {
  KeySpec spec{"server.services", "services this process hosts, comma-separated: " +
                                      absl::StrJoin(kKnownServices, ","),
               false, nullptr, nullptr};
  spec.set = [](Config& c, const std::string& v) {
    std::vector<std::string> services;
    for (const std::string& part : std::vector<std::string>(absl::StrSplit(v, ',', absl::SkipWhitespace()))) {
      std::string name(absl::StripAsciiWhitespace(part));
      if (std::find(kKnownServices.begin(), kKnownServices.end(), name) == kKnownServices.end()) {
        return BadValue("server.services", name, absl::StrCat("a service (", absl::StrJoin(kKnownServices, ", "), ")"));
      }
      if (std::find(services.begin(), services.end(), name) == services.end()) {
        services.push_back(name);
      }
    }
    if (services.empty()) {
      return BadValue("server.services", v, "a non-empty list");
    }
    c.server.services = services;
    return absl::OkStatus();
  };
  spec.get = [](const Config& c) { return absl::StrJoin(c.server.services, ","); };
  return spec;
}

KeySpec AddressRangesKey() {
  KeySpec spec{"probe.allow_addresses",
               "address ranges probes may reach although private or loopback, comma-separated (127.0.0.1/32)",
               false, nullptr, nullptr};
  spec.set = [](Config& c, const std::string& v) {
    std::vector<std::string> ranges;
    for (const std::string& part : std::vector<std::string>(absl::StrSplit(v, ',', absl::SkipWhitespace()))) {
      std::string range(absl::StripAsciiWhitespace(part));
      if (!AddressRange::Parse(range).ok()) {
        return BadValue("probe.allow_addresses", range, "an address or range such as 10.0.0.0/8 or ::1/128");
      }
      ranges.push_back(range);
    }
    c.probe.allow_addresses = ranges;
    return absl::OkStatus();
  };
  spec.get = [](const Config& c) { return absl::StrJoin(c.probe.allow_addresses, ","); };
  return spec;
}

KeySpec ExplorerKey() {
  KeySpec spec = StringKey("report.explorer_url",
                           "block explorer link of an on-chain action; {block} and {extrinsic} are filled in",
                           [](Config& c) -> auto& { return c.report.explorer_url; });
  auto store = spec.set;
  spec.set = [store](Config& c, const std::string& v) {
    bool web = absl::StartsWith(v, "https://") || absl::StartsWith(v, "http://");
    if (!web || (!absl::StrContains(v, "{block}") && !absl::StrContains(v, "{extrinsic}"))) {
      return BadValue("report.explorer_url", v, "an http(s) URL template with {block} or {extrinsic}");
    }
    return store(c, v);
  };
  return spec;
}

const std::vector<KeySpec>& Keys() {
  static const std::vector<KeySpec> keys = {
      StringKey("server.listen", "gRPC address host:port", [](Config& c) -> auto& { return c.server.listen; }),
      StringKey("server.metrics_listen", "Prometheus /metrics address host:port; empty disables",
                [](Config& c) -> auto& { return c.server.metrics_listen; }),
      ServicesKey(),
      BoolKey("server.reflection", "serve gRPC server reflection", [](Config& c) -> auto& { return c.server.reflection; }),
      IntegerKey(
          "server.max_threads", "most gRPC handler threads", [](const Config& c) { return c.server.max_threads; },
          [](Config& c, int64_t v) { c.server.max_threads = static_cast<int>(v); }, 2, 1024),
      StringKey("server.tls_cert_file", "PEM certificate chain for TLS, with server.tls_key_file; empty: plaintext",
                [](Config& c) -> auto& { return c.server.tls_cert_file; }),
      StringKey("server.tls_key_file", "PEM private key for TLS; with server.tls_cert_file",
                [](Config& c) -> auto& { return c.server.tls_key_file; }),
      DurationKey("auth.cache_ttl", "how long a token's principal is remembered (a revoked token works until then)",
                  [](Config& c) -> auto& { return c.auth.cache_ttl; }, 0ms),
      ChoiceKey("log.level", "trace, debug, info, warn or error", [](Config& c) -> auto& { return c.log.level; },
                {"trace", "debug", "info", "warn", "error"}),
      ChoiceKey("log.format", "text or json (one JSON object per line)",
                [](Config& c) -> auto& { return c.log.format; }, {"text", "json"}),
      StringKey("database.url", "PostgreSQL URL; empty runs an embedded PostgreSQL in database.embedded_dir",
                [](Config& c) -> auto& { return c.database.url; }, true),
      StringKey("database.embedded_dir", "data folder of the embedded PostgreSQL",
                [](Config& c) -> auto& { return c.database.embedded_dir; }),
      StringKey("database.embedded_bin_dir", "folder with initdb and postgres; empty finds /usr/lib/postgresql/*/bin",
                [](Config& c) -> auto& { return c.database.embedded_bin_dir; }),
      IntegerKey(
          "database.pool_size", "most database connections", [](const Config& c) { return c.database.pool_size; },
          [](Config& c, int64_t v) { c.database.pool_size = static_cast<int>(v); }, 1, 512),
      StringKey("database.role",
                "role the services SET after connecting (only INSERT and SELECT on the moderation log); empty: none",
                [](Config& c) -> auto& { return c.database.role; }),
      DurationKey("database.statement_timeout", "longest a statement may run unless a request deadline is shorter",
                  [](Config& c) -> auto& { return c.database.statement_timeout; }, 100ms),
      StringKey("query_node.url", "Joystream query node GraphQL endpoint",
                [](Config& c) -> auto& { return c.query_node.url; }),
      DurationKey("query_node.request_timeout", "longest one query node request may take",
                  [](Config& c) -> auto& { return c.query_node.request_timeout; }, 100ms),
      IntegerKey(
          "query_node.page_size", "items per query node page", [](const Config& c) { return c.query_node.page_size; },
          [](Config& c, int64_t v) { c.query_node.page_size = static_cast<int>(v); }, 1, 10000),
      IntegerKey(
          "query_node.max_response_bytes", "largest query node response accepted",
          [](const Config& c) { return c.query_node.max_response_bytes; },
          [](Config& c, int64_t v) { c.query_node.max_response_bytes = v; }, 1024, 1ll << 32),
      DurationKey("ingest.poll_interval", "pause between polls once caught up",
                  [](Config& c) -> auto& { return c.ingest.poll_interval; }, 10ms),
      IntegerKey(
          "ingest.overlap_blocks", "blocks re-read on every poll, for items indexed late",
          [](const Config& c) { return c.ingest.overlap_blocks; },
          [](Config& c, int64_t v) { c.ingest.overlap_blocks = v; }, 0, 100000),
      DurationKey("ingest.overlap_time", "span re-read on every poll of changed items",
                  [](Config& c) -> auto& { return c.ingest.overlap_time; }, 0ms),
      DurationKey("ingest.backoff_initial", "first pause after a failed poll",
                  [](Config& c) -> auto& { return c.ingest.backoff_initial; }, 1ms),
      DurationKey("ingest.backoff_max", "longest pause after repeated failures",
                  [](Config& c) -> auto& { return c.ingest.backoff_max; }, 1ms),
      IntegerKey(
          "ingest.start_block", "block to start from on an empty database (0 = genesis)",
          [](const Config& c) { return c.ingest.start_block; },
          [](Config& c, int64_t v) { c.ingest.start_block = v; }, 0, 1ll << 40),
      DurationKey("review.due_after", "time from upload to a review item's deadline",
                  [](Config& c) -> auto& { return c.review.due_after; }, 1s),
      DurationKey("review.at_risk", "an item is at risk when due within this span",
                  [](Config& c) -> auto& { return c.review.at_risk; }, 0ms),
      DurationKey("review.lease", "how long a claim lasts unless renewed",
                  [](Config& c) -> auto& { return c.review.lease; }, 10s),
      DurationKey("review.max_lease", "the longest claim a curator may ask for",
                  [](Config& c) -> auto& { return c.review.max_lease; }, 10s),
      IntegerKey(
          "review.min_justification_chars", "shortest justification a warn, censor or revert accepts",
          [](const Config& c) { return c.review.min_justification_chars; },
          [](Config& c, int64_t v) { c.review.min_justification_chars = static_cast<int>(v); }, 1, 1000),
      IntegerKey(
          "probe.workers", "probes at once, each in its own sandboxed worker process",
          [](const Config& c) { return c.probe.workers; }, [](Config& c, int64_t v) { c.probe.workers = static_cast<int>(v); },
          1, 256),
      StringKey("probe.worker_path", "the curation-probe-worker binary; empty uses the one beside curationd",
                [](Config& c) -> auto& { return c.probe.worker_path; }),
      AddressRangesKey(),
      DurationKey("probe.host_interval", "least time between two probes of one distributor host (all replicas)",
                  [](Config& c) -> auto& { return c.probe.host_interval; }, 0ms),
      DurationKey("probe.deadline", "longest one probe of one URL may take",
                  [](Config& c) -> auto& { return c.probe.deadline; }, 100ms),
      IntegerKey(
          "probe.max_bytes", "most bytes one probe of one URL may read", [](const Config& c) { return c.probe.max_bytes; },
          [](Config& c, int64_t v) { c.probe.max_bytes = v; }, 64 << 10, 1ll << 34),
      DurationKey("probe.sources_ttl", "how long the distributors serving a bag are cached",
                  [](Config& c) -> auto& { return c.probe.sources_ttl; }, 0ms),
      StringKey("alert.orion_url", "Orion GraphQL endpoint, read for the hero and the featured videos",
                [](Config& c) -> auto& { return c.alert.orion_url; }),
      StringKey("alert.orion_session", "an Orion operator session id (bearer token); empty reads anonymously",
                [](Config& c) -> auto& { return c.alert.orion_session; }, true),
      DurationKey("alert.orion_timeout", "longest one Orion request may take",
                  [](Config& c) -> auto& { return c.alert.orion_timeout; }, 100ms),
      DurationKey("alert.poll_interval", "how often Orion is asked what is featured",
                  [](Config& c) -> auto& { return c.alert.poll_interval; }, 1s),
      DurationKey("alert.probe_interval", "how often every featured video is probed again",
                  [](Config& c) -> auto& { return c.alert.probe_interval; }, 1s),
      DurationKey("alert.confirm_after", "wait before the probe that confirms a changed result",
                  [](Config& c) -> auto& { return c.alert.confirm_after; }, 0ms),
      DurationKey("alert.fix_within", "an unplayable hero or featured video's deadline",
                  [](Config& c) -> auto& { return c.alert.fix_within; }, 1s),
      DurationKey("alert.dead_man_after", "page when polls or probes stop producing results for this long",
                  [](Config& c) -> auto& { return c.alert.dead_man_after; }, 1s),
      DurationKey("alert.delivery_backoff", "first wait before a failed notification is sent again (doubles)",
                  [](Config& c) -> auto& { return c.alert.delivery_backoff; }, 10ms),
      DurationKey("alert.delivery_backoff_max", "longest wait between two attempts at one notification",
                  [](Config& c) -> auto& { return c.alert.delivery_backoff_max; }, 10ms),
      StringKey("alert.gleev_url", "Gleev's address, for links to videos in notifications and reports",
                [](Config& c) -> auto& { return c.alert.gleev_url; }),
      ExplorerKey(),
      StringKey("report.network", "the network named in the Network column of CSV reports",
                [](Config& c) -> auto& { return c.report.network; }),
  };
  return keys;
}

std::string EnvName(const std::string& key) {
  std::string env = "CURATION_";
  for (char ch : key) {
    env += ch == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return env;
}

const KeySpec* FindKey(const std::string& name) {
  for (const KeySpec& spec : Keys()) {
    if (spec.name == name) {
      return &spec;
    }
  }
  return nullptr;
}

absl::Status UnknownKey(const std::string& key, const std::string& source) {
  return absl::InvalidArgumentError(absl::StrCat("unknown config key '", key, "' in ", source));
}

absl::Status Apply(Config& config, const std::string& key, const std::string& value, const std::string& source) {
  const KeySpec* spec = FindKey(key);
  if (spec == nullptr) {
    return UnknownKey(key, source);
  }
  absl::Status status = spec->set(config, value);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(status.message()), " (from ", source, ")"));
  }
  return absl::OkStatus();
}

std::string ScalarText(const YAML::Node& node) {
  if (node.IsSequence()) {
    std::vector<std::string> parts;
    for (const auto& item : node) {
      parts.push_back(item.as<std::string>());
    }
    return absl::StrJoin(parts, ",");
  }
  return node.IsNull() ? "" : node.as<std::string>();
}

// alert.receivers, alert.escalation and report.terms: lists of records, so only in the file.
bool IsRecordList(const std::string& key) {
  return key == "alert.receivers" || key == "alert.escalation" || key == "report.terms";
}

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
    for (const ReceiverConfig& other : config.alert.receivers) {
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
    config.alert.receivers.push_back(std::move(receiver));
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
    config.alert.escalation.push_back(std::move(step));
  }
  return absl::OkStatus();
}

// Council terms: numbered, each [start, end), none overlapping.
absl::Status ApplyTerms(Config& config, const YAML::Node& list, const std::string& path) {
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node record = list[i];
    std::string where = absl::StrCat("config key report.terms[", i, "] in ", path);
    if (!record.IsMap() || !record["number"] || !record["start"] || !record["end"] || record.size() != 3) {
      return absl::InvalidArgumentError(
          where + ": expected {number: 41, start: 2026-10-05T00:00:00Z, end: 2026-10-19T00:00:00Z}");
    }
    TermConfig term;
    std::string number = record["number"].as<std::string>();
    auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), term.number);
    if (error != std::errc() || end != number.data() + number.size() || term.number < 1) {
      return BadValue(where + " number", number, "a term number (1 or more)");
    }
    for (auto [field, time] : {std::pair{"start", &term.start}, std::pair{"end", &term.end}}) {
      std::string text = record[field].as<std::string>();
      auto parsed = ParseIsoTime(text);
      if (!parsed) {
        return BadValue(absl::StrCat(where, " ", field), text, "an RFC 3339 time such as 2026-10-05T00:00:00Z");
      }
      *time = *parsed;
    }
    if (term.end <= term.start) {
      return absl::InvalidArgumentError(where + ": end must come after start");
    }
    for (const TermConfig& other : config.report.terms) {
      if (other.number == term.number) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": term ", term.number, " is given twice"));
      }
      if (term.start < other.end && other.start < term.end) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": overlaps term ", other.number));
      }
    }
    config.report.terms.push_back(term);
  }
  std::sort(config.report.terms.begin(), config.report.terms.end(),
            [](const TermConfig& a, const TermConfig& b) { return a.start < b.start; });
  return absl::OkStatus();
}

absl::Status ApplyRecordList(Config& config, const std::string& key, const YAML::Node& value, const std::string& path,
                             const std::map<std::string, std::string>& environment) {
  if (!value.IsNull() && !value.IsSequence()) {
    return absl::InvalidArgumentError(absl::StrCat("config key ", key, " in ", path, ": expected a list"));
  }
  try {
    if (key == "report.terms") {
      return ApplyTerms(config, value, path);
    }
    return key == "alert.receivers" ? ApplyReceivers(config, value, path, environment)
                                    : ApplyEscalation(config, value, path);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config key ", key, " in ", path, ": ", e.what()));
  }
}

// Every step names known receivers, in order of time; none: every receiver at 0, 15, 30, 45 min.
absl::Status CheckEscalation(AlertConfig& alert) {
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

absl::Status ApplyFile(Config& config, const std::string& path, const std::map<std::string, std::string>& environment) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config file ", path, ": ", e.what()));
  }
  if (root.IsNull()) {
    return absl::OkStatus();
  }
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat("config file ", path, ": expected sections of keys"));
  }
  // yaml-cpp throws where a list or map stands for text (a key, an item of a list value): that
  // is refused like any other bad value, naming what was being read and where in the file.
  std::string reading = "file " + path;
  try {
    for (const auto& section : root) {
      std::string section_name = section.first.as<std::string>();
      if (!section.second.IsMap()) {
        return absl::InvalidArgumentError(
            absl::StrCat("config file ", path, ": '", section_name, "' should be a section of keys"));
      }
      for (const auto& entry : section.second) {
        std::string key = section_name + "." + entry.first.as<std::string>();
        reading = absl::StrCat("key ", key, " in ", path);
        if (IsRecordList(key)) {
          RETURN_IF_ERROR(ApplyRecordList(config, key, entry.second, path, environment));
          continue;
        }
        if (FindKey(key) == nullptr) {
          return UnknownKey(key, path);
        }
        if (entry.second.IsMap()) {
          return absl::InvalidArgumentError(absl::StrCat("config key ", key, " in ", path, ": expected a value"));
        }
        RETURN_IF_ERROR(Apply(config, key, ScalarText(entry.second), path));
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config ", reading, ": ", e.what()));
  }
  return absl::OkStatus();
}

// TLS needs both files, and both readable now rather than at the first connection.
absl::Status CheckTls(const ServerConfig& server) {
  if (server.tls_cert_file.empty() != server.tls_key_file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config key ", server.tls_cert_file.empty() ? "server.tls_cert_file" : "server.tls_key_file",
        ": must be set together with ",
        server.tls_cert_file.empty() ? "server.tls_key_file" : "server.tls_cert_file", " (or both left empty)"));
  }
  auto readable = [](const char* key, const std::string& path) {
    if (!path.empty() && !std::ifstream(path).good()) {
      return absl::InvalidArgumentError(absl::StrCat("config key ", key, ": cannot read '", path, "'"));
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(readable("server.tls_cert_file", server.tls_cert_file));
  return readable("server.tls_key_file", server.tls_key_file);
}

}  // namespace

absl::StatusOr<Config> LoadConfig(const ConfigSources& sources) {
  Config config;
  if (sources.file) {
    RETURN_IF_ERROR(ApplyFile(config, *sources.file, sources.environment));
  }
  for (const KeySpec& spec : Keys()) {
    auto it = sources.environment.find(EnvName(spec.name));
    if (it != sources.environment.end()) {
      RETURN_IF_ERROR(Apply(config, spec.name, it->second, "environment variable " + it->first));
    }
  }
  for (const std::string& entry : sources.overrides) {
    auto eq = entry.find('=');
    if (eq == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("--set '", entry, "': expected section.key=value"));
    }
    RETURN_IF_ERROR(Apply(config, entry.substr(0, eq), entry.substr(eq + 1), "--set"));
  }
  if (config.ingest.backoff_max < config.ingest.backoff_initial) {
    return absl::InvalidArgumentError("config key ingest.backoff_max: must not be shorter than ingest.backoff_initial");
  }
  RETURN_IF_ERROR(CheckTls(config.server));
  RETURN_IF_ERROR(CheckEscalation(config.alert));
  return config;
}

std::string DescribeConfig(const Config& config) {
  std::ostringstream out;
  for (const KeySpec& spec : Keys()) {
    std::string value = spec.get(config);
    if (spec.secret && !value.empty()) {
      value = "(set)";
    }
    out << spec.name << " = " << value << "\n    " << EnvName(spec.name) << ": " << spec.meaning << "\n";
  }
  out << "alert.receivers (config file only; URLs and keys may come from the environment variables *_env names):\n";
  for (const ReceiverConfig& receiver : config.alert.receivers) {
    out << "  - " << receiver.name << ": " << receiver.type
        << (receiver.mention_roles.empty() ? "" : ", mentions roles " + absl::StrJoin(receiver.mention_roles, ","))
        << " (url and key set)\n";
  }
  out << "alert.escalation (config file only; none: every receiver at 0, 15, 30 and 45 minutes):\n";
  for (const EscalationStep& step : config.alert.escalation) {
    out << "  - after " << DurationText(step.after) << ": " << absl::StrJoin(step.receivers, ", ") << "\n";
  }
  out << "report.terms (config file only; council terms a report may be asked for by number):\n";
  for (const TermConfig& term : config.report.terms) {
    out << "  - term " << term.number << ": " << FormatIsoTime(term.start) << " to " << FormatIsoTime(term.end) << "\n";
  }
  return out.str();
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    auto eq = text.find('=');
    if (eq != std::string_view::npos) {
      env.emplace(text.substr(0, eq), text.substr(eq + 1));
    }
  }
  return env;
}

}  // namespace curation
