#pragma once
// Conversions between time points, RFC 3339 text and human spans ("10s", "36h").

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <curation/common/clock.hpp>

namespace curation {

/// Parses RFC 3339 / ISO 8601 UTC timestamps as the query node writes them
/// ("2024-03-01T12:00:00.000Z", "2024-03-01T12:00:00Z", "+00:00" offsets).
std::optional<TimePoint> ParseIsoTime(std::string_view text);

/// Formats with millisecond precision and a Z suffix.
std::string FormatIsoTime(TimePoint time);

/// Parses a span: an integer followed by ms, s, m, h or d ("500ms", "36h").
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

/// The shortest readable form of a span for people: "3d 4h", "2h 5m", "40s", "-1h 2m".
std::string HumanDuration(std::chrono::milliseconds span);

/// A time within a video as players show it, whole seconds: "0:03", "12:05", "1:02:03".
/// Negative offsets read as "0:00" (an evidence note is checked for them before).
std::string MediaTime(std::chrono::milliseconds offset);

}  // namespace curation
