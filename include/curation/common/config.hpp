#pragma once
// The one configuration of curationd: defaults here, then the YAML file, then
// CURATION_<SECTION>_<KEY> environment variables, then `--set section.key=value` flags.
// Unknown keys and bad values are start-up errors that name the key.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <curation/common/clock.hpp>
#include <curation/common/status.hpp>

namespace curation {

using namespace std::chrono_literals;

struct ServerConfig {
  std::string listen = "127.0.0.1:7600";
  std::string metrics_listen = "127.0.0.1:9600";
  std::vector<std::string> services = {"ingest", "probe", "review", "modlog", "alert", "report"};
  bool reflection = true;
  int max_threads = 48;
  // PEM files; both set serves TLS only, both empty serves plaintext (e.g. behind a TLS proxy).
  std::string tls_cert_file;
  std::string tls_key_file;
};

struct AuthConfig {
  std::chrono::milliseconds cache_ttl = 10s;  // a revoked token stops working within this
};

struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error
  std::string format = "text";  // text or json
};

struct DatabaseConfig {
  std::string url;  // empty: run an embedded PostgreSQL in embedded_dir
  std::string embedded_dir = "./var/pg";
  std::string embedded_bin_dir;  // empty: the newest /usr/lib/postgresql/*/bin
  int pool_size = 8;
  std::chrono::milliseconds statement_timeout = 30s;
  // The role the services SET after connecting (migrations and `curationd principal` run as the
  // login user); empty: none.
  std::string role = "curation_service";
};

struct QueryNodeConfig {
  std::string url = "https://query.joystream.org/graphql";
  std::chrono::milliseconds request_timeout = 30s;
  int page_size = 200;
  int64_t max_response_bytes = 64ll << 20;
};

struct IngestConfig {
  std::chrono::milliseconds poll_interval = 10s;
  int64_t overlap_blocks = 10;
  std::chrono::milliseconds overlap_time = 60s;
  std::chrono::milliseconds backoff_initial = 1s;
  std::chrono::milliseconds backoff_max = 5min;
  int64_t start_block = 0;
};

struct ReviewConfig {
  std::chrono::milliseconds due_after = 36h;
  std::chrono::milliseconds at_risk = 6h;
  std::chrono::milliseconds lease = 10min;        // a claim's default length
  std::chrono::milliseconds max_lease = 1h;
  int min_justification_chars = 20;
};

struct ProbeConfig {
  int workers = 2;                  // probe jobs at once, each in its own worker process
  std::string worker_path;          // empty: curation-probe-worker beside curationd
  std::vector<std::string> allow_addresses;  // ranges the address guard lets through
  std::chrono::milliseconds host_interval = 200ms;  // between probes of one distributor host
  std::chrono::milliseconds deadline = 20s;
  int64_t max_bytes = 32ll << 20;
  std::chrono::milliseconds sources_ttl = 5min;
};

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

// A council term, [start, end): reports may name a period by its number.
struct TermConfig {
  int64_t number = 0;
  TimePoint start;
  TimePoint end;
};

struct ReportConfig {
  // Where an action's block (or extrinsic) is shown; {block} and {extrinsic} are filled in.
  std::string explorer_url = "https://polkadot.js.org/apps/?rpc=wss%3A%2F%2Frpc.joystream.org#/explorer/query/{block}";
  std::string network = "Joystream mainnet";  // the Network column of the CSV
  std::vector<TermConfig> terms;  // config file only
};

struct Config {
  ServerConfig server;
  AuthConfig auth;
  LogConfig log;
  DatabaseConfig database;
  QueryNodeConfig query_node;
  IngestConfig ingest;
  ReviewConfig review;
  ProbeConfig probe;
  AlertConfig alert;
  ReportConfig report;
};

/// Where configuration comes from, lowest precedence first.
struct ConfigSources {
  std::optional<std::string> file;
  std::map<std::string, std::string> environment;  // the whole process environment is fine
  std::vector<std::string> overrides;  // "section.key=value"
};

/// Builds the configuration; the error names the offending key and its source.
absl::StatusOr<Config> LoadConfig(const ConfigSources& sources);

/// Every key with its environment variable, current value (secrets masked) and meaning.
std::string DescribeConfig(const Config& config);

/// The process environment as a map.
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace curation
