#pragma once
// spdlog set-up: one named logger per component sharing one sink, text or JSON lines.

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include <curation/common/config.hpp>

namespace curation {

/// Configures the sink and level for every logger made afterwards. Call once in main.
absl::Status InitLogging(const LogConfig& config);

/// The logger of a component ("ingest", "db", ...), created on first use.
std::shared_ptr<spdlog::logger> ComponentLogger(const std::string& component);

}  // namespace curation
