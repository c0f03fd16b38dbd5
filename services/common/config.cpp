#include <curation/common/config.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>
#include <sstream>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <absl/strings/ascii.h>
#include <yaml-cpp/yaml.h>

#include <curation/common/time_format.hpp>

extern char** environ;

namespace curation {

absl::Status BadValue(const std::string& key, const std::string& value, const std::string& expected) {
  return absl::InvalidArgumentError(absl::StrCat("config key ", key, ": '", value, "' is not ", expected));
}

std::vector<std::string> ListItems(const std::string& value) {
  std::vector<std::string> items;
  for (absl::string_view part : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
    items.emplace_back(absl::StripAsciiWhitespace(part));
  }
  return items;
}

std::string DurationText(std::chrono::milliseconds span) {
  const std::pair<int64_t, const char*> units[] = {{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
  for (const auto& [millis, unit] : units) {
    if (span.count() != 0 && span.count() % millis == 0) {
      return std::to_string(span.count() / millis) + unit;
    }
  }
  return std::to_string(span.count()) + "ms";
}

KeySpec StringKey(std::string name, std::string meaning, Field<std::string> field, bool secret) {
  KeySpec spec{std::move(name), std::move(meaning), secret, nullptr, nullptr};
  spec.set = [ref = field.ref](Config& c, const std::string& v) {
    ref(c) = v;
    return absl::OkStatus();
  };
  spec.get = [read = field.read](const Config& c) { return read(c); };
  return spec;
}

KeySpec ChoiceKey(std::string name, std::string meaning, Field<std::string> field, std::vector<std::string> choices) {
  KeySpec spec = StringKey(name, std::move(meaning), field);
  spec.set = [name, ref = field.ref, choices](Config& c, const std::string& v) {
    if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
      return BadValue(name, v, absl::StrCat("one of ", absl::StrJoin(choices, ", ")));
    }
    ref(c) = v;
    return absl::OkStatus();
  };
  return spec;
}

namespace {

template <class Int>
KeySpec IntegerKeyOf(std::string name, std::string meaning, Field<Int> field, int64_t min, int64_t max) {
  KeySpec spec{name, std::move(meaning), false, nullptr, nullptr};
  spec.set = [name, ref = field.ref, min, max](Config& c, const std::string& v) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
    if (ec != std::errc() || end != v.data() + v.size() || value < min || value > max) {
      return BadValue(name, v, absl::StrCat("an integer from ", min, " to ", max));
    }
    ref(c) = static_cast<Int>(value);
    return absl::OkStatus();
  };
  spec.get = [read = field.read](const Config& c) { return std::to_string(read(c)); };
  return spec;
}

}  // namespace

KeySpec IntegerKey(std::string name, std::string meaning, Field<int> field, int64_t min, int64_t max) {
  return IntegerKeyOf(std::move(name), std::move(meaning), std::move(field), min, max);
}

KeySpec IntegerKey(std::string name, std::string meaning, Field<int64_t> field, int64_t min, int64_t max) {
  return IntegerKeyOf(std::move(name), std::move(meaning), std::move(field), min, max);
}

KeySpec DurationKey(std::string name, std::string meaning, Field<std::chrono::milliseconds> field,
                    std::chrono::milliseconds min) {
  KeySpec spec{name, std::move(meaning), false, nullptr, nullptr};
  spec.set = [name, ref = field.ref, min](Config& c, const std::string& v) {
    auto parsed = ParseDuration(v);
    if (!parsed || *parsed < min) {
      return BadValue(name, v, absl::StrCat("a duration of at least ", min.count(), "ms (e.g. 500ms, 10s, 5m, 36h)"));
    }
    ref(c) = *parsed;
    return absl::OkStatus();
  };
  spec.get = [read = field.read](const Config& c) { return DurationText(read(c)); };
  return spec;
}

KeySpec BoolKey(std::string name, std::string meaning, Field<bool> field) {
  KeySpec spec{name, std::move(meaning), false, nullptr, nullptr};
  spec.set = [name, ref = field.ref](Config& c, const std::string& v) {
    if (v == "true" || v == "yes" || v == "1") {
      ref(c) = true;
    } else if (v == "false" || v == "no" || v == "0") {
      ref(c) = false;
    } else {
      return BadValue(name, v, "true or false");
    }
    return absl::OkStatus();
  };
  spec.get = [read = field.read](const Config& c) { return read(c) ? "true" : "false"; };
  return spec;
}

KeySpec ListKey(std::string name, std::string meaning, Field<std::vector<std::string>> field,
                std::function<absl::Status(const std::string& item)> check) {
  KeySpec spec{std::move(name), std::move(meaning), false, nullptr, nullptr};
  spec.set = [ref = field.ref, check](Config& c, const std::string& v) {
    std::vector<std::string> items = ListItems(v);
    for (const std::string& item : items) {
      RETURN_IF_ERROR(check(item));
    }
    ref(c) = std::move(items);
    return absl::OkStatus();
  };
  spec.get = [read = field.read](const Config& c) { return absl::StrJoin(read(c), ","); };
  return spec;
}

namespace {

// server.services: known services only, each once, at least one.
KeySpec ServicesKey(const std::vector<std::string>& known) {
  KeySpec spec{"server.services", "services this process hosts, comma-separated: " + absl::StrJoin(known, ","),
               false, nullptr, nullptr};
  spec.set = [known](Config& c, const std::string& v) {
    std::vector<std::string> services;
    for (const std::string& name : ListItems(v)) {
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        return BadValue("server.services", name, absl::StrCat("a service (", absl::StrJoin(known, ", "), ")"));
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

// The shared sections' keys, then every service's, in the schema's order.
std::vector<KeySpec> Keys(const ConfigSchema& schema) {
  std::vector<KeySpec> keys = {
      StringKey("server.listen", "gRPC address host:port", SharedField(&Config::server, &ServerConfig::listen)),
      StringKey("server.metrics_listen", "Prometheus /metrics address host:port; empty disables",
                SharedField(&Config::server, &ServerConfig::metrics_listen)),
      ServicesKey(schema.services),
      BoolKey("server.reflection", "serve gRPC server reflection",
              SharedField(&Config::server, &ServerConfig::reflection)),
      IntegerKey("server.max_threads", "most gRPC handler threads",
                 SharedField(&Config::server, &ServerConfig::max_threads), 2, 1024),
      StringKey("server.tls_cert_file", "PEM certificate chain for TLS, with server.tls_key_file; empty: plaintext",
                SharedField(&Config::server, &ServerConfig::tls_cert_file)),
      StringKey("server.tls_key_file", "PEM private key for TLS; with server.tls_cert_file",
                SharedField(&Config::server, &ServerConfig::tls_key_file)),
      DurationKey("auth.cache_ttl", "how long a token's principal is remembered (a revoked token works until then)",
                  SharedField(&Config::auth, &AuthConfig::cache_ttl), 0ms),
      DurationKey("auth.session_idle", "a console session ends after this long without a call",
                  SharedField(&Config::auth, &AuthConfig::session_idle), 1s),
      DurationKey("auth.session_lifetime", "a console session ends this long after sign-in, however busy",
                  SharedField(&Config::auth, &AuthConfig::session_lifetime), 1s),
      ChoiceKey("log.level", "trace, debug, info, warn or error", SharedField(&Config::log, &LogConfig::level),
                {"trace", "debug", "info", "warn", "error"}),
      ChoiceKey("log.format", "text or json (one JSON object per line)", SharedField(&Config::log, &LogConfig::format),
                {"text", "json"}),
      StringKey("database.url", "PostgreSQL URL; empty runs an embedded PostgreSQL in database.embedded_dir",
                SharedField(&Config::database, &DatabaseConfig::url), true),
      StringKey("database.embedded_dir", "data folder of the embedded PostgreSQL",
                SharedField(&Config::database, &DatabaseConfig::embedded_dir)),
      StringKey("database.embedded_bin_dir", "folder with initdb and postgres; empty finds /usr/lib/postgresql/*/bin",
                SharedField(&Config::database, &DatabaseConfig::embedded_bin_dir)),
      IntegerKey("database.pool_size", "most database connections",
                 SharedField(&Config::database, &DatabaseConfig::pool_size), 1, 512),
      StringKey("database.role",
                "role the services SET after connecting (only INSERT and SELECT on the moderation log); empty: none",
                SharedField(&Config::database, &DatabaseConfig::role)),
      DurationKey("database.statement_timeout", "longest a statement may run unless a request deadline is shorter",
                  SharedField(&Config::database, &DatabaseConfig::statement_timeout), 100ms),
      StringKey("query_node.url", "Joystream query node GraphQL endpoint",
                SharedField(&Config::query_node, &QueryNodeConfig::url)),
      DurationKey("query_node.request_timeout", "longest one query node request may take",
                  SharedField(&Config::query_node, &QueryNodeConfig::request_timeout), 100ms),
      IntegerKey("query_node.page_size", "items per query node page",
                 SharedField(&Config::query_node, &QueryNodeConfig::page_size), 1, 10000),
      IntegerKey("query_node.max_response_bytes", "largest query node response accepted",
                 SharedField(&Config::query_node, &QueryNodeConfig::max_response_bytes), 1024, 1ll << 32),
  };
  for (const ConfigSection* section : schema.sections) {
    keys.insert(keys.end(), section->keys.begin(), section->keys.end());
  }
  return keys;
}

std::string EnvName(const std::string& key) {
  std::string env = "CURATION_";
  for (char ch : key) {
    env += ch == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return env;
}

absl::Status UnknownKey(const std::string& key, const std::string& source) {
  return absl::InvalidArgumentError(absl::StrCat("unknown config key '", key, "' in ", source));
}

// Every key and record list of a schema, found by name.
class KeyTable {
 public:
  explicit KeyTable(const ConfigSchema& schema) : keys_(Keys(schema)) {
    for (const ConfigSection* section : schema.sections) {
      lists_.insert(lists_.end(), section->lists.begin(), section->lists.end());
    }
  }

  const std::vector<KeySpec>& keys() const { return keys_; }
  const std::vector<RecordListSpec>& lists() const { return lists_; }

  const KeySpec* FindKey(const std::string& name) const {
    for (const KeySpec& spec : keys_) {
      if (spec.name == name) {
        return &spec;
      }
    }
    return nullptr;
  }

  const RecordListSpec* FindList(const std::string& name) const {
    for (const RecordListSpec& spec : lists_) {
      if (spec.name == name) {
        return &spec;
      }
    }
    return nullptr;
  }

  absl::Status Apply(Config& config, const std::string& key, const std::string& value,
                     const std::string& source) const {
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

 private:
  std::vector<KeySpec> keys_;
  std::vector<RecordListSpec> lists_;
};

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

absl::Status ApplyRecordList(Config& config, const RecordListSpec& list, const YAML::Node& value,
                             const std::string& path, const std::map<std::string, std::string>& environment) {
  if (!value.IsNull() && !value.IsSequence()) {
    return absl::InvalidArgumentError(absl::StrCat("config key ", list.name, " in ", path, ": expected a list"));
  }
  try {
    return list.apply(config, value, path, environment);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config key ", list.name, " in ", path, ": ", e.what()));
  }
}

absl::Status ApplyFile(Config& config, const KeyTable& table, const std::string& path,
                       const std::map<std::string, std::string>& environment) {
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
        if (const RecordListSpec* list = table.FindList(key); list != nullptr) {
          RETURN_IF_ERROR(ApplyRecordList(config, *list, entry.second, path, environment));
          continue;
        }
        if (table.FindKey(key) == nullptr) {
          return UnknownKey(key, path);
        }
        if (entry.second.IsMap()) {
          return absl::InvalidArgumentError(absl::StrCat("config key ", key, " in ", path, ": expected a value"));
        }
        RETURN_IF_ERROR(table.Apply(config, key, ScalarText(entry.second), path));
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

absl::StatusOr<Config> LoadConfig(const ConfigSources& sources, const ConfigSchema& schema) {
  KeyTable table(schema);
  Config config;
  config.server.services = schema.services;
  if (sources.file) {
    RETURN_IF_ERROR(ApplyFile(config, table, *sources.file, sources.environment));
  }
  for (const KeySpec& spec : table.keys()) {
    auto it = sources.environment.find(EnvName(spec.name));
    if (it != sources.environment.end()) {
      RETURN_IF_ERROR(table.Apply(config, spec.name, it->second, "environment variable " + it->first));
    }
  }
  for (const std::string& entry : sources.overrides) {
    auto eq = entry.find('=');
    if (eq == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("--set '", entry, "': expected section.key=value"));
    }
    RETURN_IF_ERROR(table.Apply(config, entry.substr(0, eq), entry.substr(eq + 1), "--set"));
  }
  RETURN_IF_ERROR(CheckTls(config.server));
  for (const ConfigSection* section : schema.sections) {
    if (section->check) {
      RETURN_IF_ERROR(section->check(config));
    }
  }
  return config;
}

std::string DescribeConfig(const Config& config, const ConfigSchema& schema) {
  KeyTable table(schema);
  std::ostringstream out;
  for (const KeySpec& spec : table.keys()) {
    std::string value = spec.get(config);
    if (spec.secret && !value.empty()) {
      value = "(set)";
    }
    out << spec.name << " = " << value << "\n    " << EnvName(spec.name) << ": " << spec.meaning << "\n";
  }
  for (const RecordListSpec& list : table.lists()) {
    out << list.describe(config);
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
