#pragma once
// The one configuration of curationd: defaults, then the YAML file, then
// CURATION_<SECTION>_<KEY> environment variables, then `--set section.key=value` flags.
// Unknown keys and bad values are start-up errors that name the key.
//
// The sections every service shares (server, auth, log, database, query_node) are here. Each
// service's own section belongs to its module: its values and defaults in
// curation/<service>/config.hpp, its keys and checks in a ConfigSection (see
// curation/server/module.hpp); curationd's module table hands them all to LoadConfig.
//
// Usage:
//   auto config = LoadConfig(sources, Modules::Schema());
//   const ReviewConfig& review = config->Section<ReviewConfig>();

#include <any>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <typeindex>
#include <vector>

#include <curation/common/clock.hpp>
#include <curation/common/status.hpp>

namespace YAML {
class Node;
}

namespace curation {

using namespace std::chrono_literals;

struct ServerConfig {
  std::string listen = "127.0.0.1:7600";
  std::string metrics_listen = "127.0.0.1:9600";
  std::vector<std::string> services;  // LoadConfig's default: every service of its schema
  bool reflection = true;
  int max_threads = 48;
  // PEM files; both set serves TLS only, both empty serves plaintext (e.g. behind a TLS proxy).
  std::string tls_cert_file;
  std::string tls_key_file;
};

struct AuthConfig {
  std::chrono::milliseconds cache_ttl = 10s;  // a revoked token stops working within this
  // A console session ends after this long without a call, and this long after sign-in.
  std::chrono::milliseconds session_idle = std::chrono::minutes(30);
  std::chrono::milliseconds session_lifetime = std::chrono::hours(12);
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

// The chain's reader (ingest reads it, probe asks it where a bag is served).
struct QueryNodeConfig {
  std::string url = "https://query.joystream.org/graphql";
  std::chrono::milliseconds request_timeout = 30s;
  int page_size = 200;
  int64_t max_response_bytes = 64ll << 20;
};

/// The shared sections, and each service's own section by its type. Copyable; reading is
/// thread-safe once loaded.
class Config {
 public:
  ServerConfig server;
  AuthConfig auth;
  LogConfig log;
  DatabaseConfig database;
  QueryNodeConfig query_node;

  /// A service's section (e.g. ReviewConfig): its defaults until a source set one of its keys.
  template <class Values>
  const Values& Section() const {
    auto it = sections_.find(typeid(Values));
    if (it == sections_.end()) {
      static const Values kDefaults{};
      return kDefaults;
    }
    return *std::any_cast<Values>(&it->second);
  }
  template <class Values>
  Values& Section() {
    auto [it, added] = sections_.try_emplace(typeid(Values), Values{});
    return *std::any_cast<Values>(&it->second);
  }

 private:
  std::map<std::type_index, std::any> sections_;
};

// ---- Keys, for the sections ------------------------------------------------------------------

/// Where a key's value lives in the configuration.
template <class T>
struct Field {
  std::function<T&(Config&)> ref;
  std::function<const T&(const Config&)> read;
};

/// `member` of the shared section `section`: SharedField(&Config::server, &ServerConfig::listen).
template <class Shared, class T>
Field<T> SharedField(Shared Config::*section, T Shared::*member) {
  return {[=](Config& config) -> T& { return config.*section.*member; },
          [=](const Config& config) -> const T& { return config.*section.*member; }};
}

/// `member` of a service's section: SectionField(&ReviewConfig::lease).
template <class Values, class T>
Field<T> SectionField(T Values::*member) {
  return {[=](Config& config) -> T& { return config.Section<Values>().*member; },
          [=](const Config& config) -> const T& { return config.Section<Values>().*member; }};
}

/// One key: how to read it into the configuration, and how to show it back.
struct KeySpec {
  std::string name;  // section.key
  std::string meaning;
  bool secret = false;
  std::function<absl::Status(Config&, const std::string&)> set;
  std::function<std::string(const Config&)> get;
};

KeySpec StringKey(std::string name, std::string meaning, Field<std::string> field, bool secret = false);
KeySpec ChoiceKey(std::string name, std::string meaning, Field<std::string> field, std::vector<std::string> choices);
KeySpec IntegerKey(std::string name, std::string meaning, Field<int> field, int64_t min, int64_t max);
KeySpec IntegerKey(std::string name, std::string meaning, Field<int64_t> field, int64_t min, int64_t max);
KeySpec DurationKey(std::string name, std::string meaning, Field<std::chrono::milliseconds> field,
                    std::chrono::milliseconds min);
KeySpec BoolKey(std::string name, std::string meaning, Field<bool> field);
/// A comma-separated list (or a YAML list in the file); `check` refuses a bad item.
KeySpec ListKey(std::string name, std::string meaning, Field<std::vector<std::string>> field,
                std::function<absl::Status(const std::string& item)> check);

/// A list of records, read from the config file only (e.g. alert.receivers).
struct RecordListSpec {
  std::string name;  // section.key
  /// Adds the file's records; `list` is a YAML sequence; errors name `path`. yaml-cpp's own
  /// exceptions are caught by the caller.
  std::function<absl::Status(Config&, const YAML::Node& list, const std::string& path,
                             const std::map<std::string, std::string>& environment)>
      apply;
  /// A heading line and one line per record, for `curationd config`.
  std::function<std::string(const Config&)> describe;
};

/// A service's own keys, record lists and checks across its values.
struct ConfigSection {
  std::vector<KeySpec> keys;
  std::vector<RecordListSpec> lists;
  /// After every source; may complete a default that depends on other values.
  std::function<absl::Status(Config&)> check;
};

/// What the services add to the shared sections.
struct ConfigSchema {
  std::vector<std::string> services;  // every known service: server.services' choices and default
  std::vector<const ConfigSection*> sections;
};

/// "config key <key>: '<value>' is not <expected>".
absl::Status BadValue(const std::string& key, const std::string& value, const std::string& expected);

/// The items of a comma-separated list, trimmed, empty ones skipped.
std::vector<std::string> ListItems(const std::string& value);

/// The largest unit that states the span exactly, in the form ParseDuration reads back.
std::string DurationText(std::chrono::milliseconds span);

// ---- Loading --------------------------------------------------------------------------------

/// Where configuration comes from, lowest precedence first.
struct ConfigSources {
  std::optional<std::string> file;
  std::map<std::string, std::string> environment;  // the whole process environment is fine
  std::vector<std::string> overrides;  // "section.key=value"
};

/// Builds the configuration; the error names the offending key and its source.
absl::StatusOr<Config> LoadConfig(const ConfigSources& sources, const ConfigSchema& schema);

/// Every key with its environment variable, current value (secrets masked) and meaning.
std::string DescribeConfig(const Config& config, const ConfigSchema& schema);

/// The process environment as a map.
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace curation

// For a while the sections below are reachable from here too: feed_consumer.hpp and alert's
// and the report's headers include this file for them, until their changes in flight land with
// the include of their own section.
#include <curation/alert/config.hpp>
#include <curation/report/config.hpp>
#include <curation/review/config.hpp>
