#include <curation/common/logging.hpp>

#include <mutex>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace curation {
namespace {

// Writes the message as a JSON string body, so every log line is one valid JSON object.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    for (char ch : msg.payload) {
      switch (ch) {
        case '"': dest.append(std::string_view("\\\"")); break;
        case '\\': dest.append(std::string_view("\\\\")); break;
        case '\n': dest.append(std::string_view("\\n")); break;
        case '\r': dest.append(std::string_view("\\r")); break;
        case '\t': dest.append(std::string_view("\\t")); break;
        default:
          if (static_cast<unsigned char>(ch) < 0x20) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\u%04x", ch);
            dest.append(std::string_view(hex));
          } else {
            dest.push_back(ch);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonEscapedMessage>(); }
};

std::mutex g_mutex;
spdlog::sink_ptr g_sink;
spdlog::level::level_enum g_level = spdlog::level::info;

}  // namespace

absl::Status InitLogging(const LogConfig& config) {
  auto level = spdlog::level::from_str(config.level);
  std::lock_guard lock(g_mutex);
  g_sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  if (config.format == "json") {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonEscapedMessage>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","service":"%n","msg":"%*"})");
    g_sink->set_formatter(std::move(formatter));
  } else {
    g_sink->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v");
  }
  g_level = level;
  spdlog::apply_all([&](std::shared_ptr<spdlog::logger> logger) {
    logger->sinks() = {g_sink};
    logger->set_level(level);
  });
  return absl::OkStatus();
}

std::shared_ptr<spdlog::logger> ComponentLogger(const std::string& component) {
  std::lock_guard lock(g_mutex);
  if (auto existing = spdlog::get(component)) {
    return existing;
  }
  if (!g_sink) {
    g_sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    g_sink->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v");
  }
  auto logger = std::make_shared<spdlog::logger>(component, g_sink);
  logger->set_level(g_level);
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace curation
