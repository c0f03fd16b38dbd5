#include <curation/common/time_format.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <utility>

namespace curation {
namespace {

bool ReadInt(std::string_view text, size_t pos, size_t width, int& out) {
  if (pos + width > text.size()) {
    return false;
  }
  if (text[pos] < '0' || text[pos] > '9') {
    return false;  // no sign
  }
  auto [end, ec] = std::from_chars(text.data() + pos, text.data() + pos + width, out);
  return ec == std::errc() && end == text.data() + pos + width;
}

}  // namespace

std::optional<TimePoint> ParseIsoTime(std::string_view text) {
  int year, month, day, hour, minute, second;
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != ' ') ||
      text[13] != ':' || text[16] != ':' || !ReadInt(text, 0, 4, year) || !ReadInt(text, 5, 2, month) ||
      !ReadInt(text, 8, 2, day) || !ReadInt(text, 11, 2, hour) || !ReadInt(text, 14, 2, minute) ||
      !ReadInt(text, 17, 2, second)) {
    return std::nullopt;
  }
  // Years before 1 AD do not exist for PostgreSQL's timestamptz text input.
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 3) {
        millis = millis * 10 + (text[pos] - '0');
      }
      ++digits;
      ++pos;
    }
    if (digits == 0) {
      return std::nullopt;
    }
    for (int i = digits; i < 3; ++i) {
      millis *= 10;
    }
  }
  int offset_minutes = 0;
  std::string_view zone = text.substr(pos);
  if (zone == "Z" || zone == "z") {
    offset_minutes = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int oh, om;
    if (!ReadInt(zone, 1, 2, oh) || !ReadInt(zone, 4, 2, om)) {
      return std::nullopt;
    }
    offset_minutes = (zone[0] == '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  std::chrono::sys_time<std::chrono::milliseconds> time = std::chrono::sys_days(ymd) + std::chrono::hours(hour) +
                                                         std::chrono::minutes(minute - offset_minutes) +
                                                         std::chrono::seconds(second) + std::chrono::milliseconds(millis);
  // TimePoint counts nanoseconds in 64 bits (1677-09-21 to 2262-04-11): a time outside would
  // wrap around to another one.
  if (time < std::chrono::ceil<std::chrono::milliseconds>(TimePoint::min()) ||
      time > std::chrono::floor<std::chrono::milliseconds>(TimePoint::max())) {
    return std::nullopt;
  }
  return std::chrono::time_point_cast<TimePoint::duration>(time);
}

std::string FormatIsoTime(TimePoint time) {
  auto millis = std::chrono::floor<std::chrono::milliseconds>(time);
  auto days = std::chrono::floor<std::chrono::days>(millis);
  std::chrono::year_month_day ymd{days};
  std::chrono::hh_mm_ss hms{millis - days};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
  return buffer;
}

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data() || value < 0) {
    return std::nullopt;
  }
  std::string_view unit(end, text.data() + text.size() - end);
  constexpr std::pair<std::string_view, std::chrono::milliseconds> kUnits[] = {
      {"ms", std::chrono::milliseconds(1)}, {"s", std::chrono::seconds(1)}, {"m", std::chrono::minutes(1)},
      {"h", std::chrono::hours(1)}, {"d", std::chrono::days(1)}};
  for (const auto& [name, length] : kUnits) {
    if (unit == name) {
      // Past the largest span milliseconds hold, the product would wrap around to a short one.
      if (value > std::chrono::milliseconds::max().count() / length.count()) {
        return std::nullopt;
      }
      return value * length;
    }
  }
  return std::nullopt;
}

std::string HumanDuration(std::chrono::milliseconds span) {
  std::string sign = span.count() < 0 ? "-" : "";
  int64_t seconds = std::llabs(span.count()) / 1000;
  int64_t days = seconds / 86400, hours = seconds % 86400 / 3600, minutes = seconds % 3600 / 60;
  char buffer[64];
  if (days > 0) {
    std::snprintf(buffer, sizeof buffer, "%s%lldd %lldh", sign.c_str(), static_cast<long long>(days),
                  static_cast<long long>(hours));
  } else if (hours > 0) {
    std::snprintf(buffer, sizeof buffer, "%s%lldh %lldm", sign.c_str(), static_cast<long long>(hours),
                  static_cast<long long>(minutes));
  } else if (minutes > 0) {
    std::snprintf(buffer, sizeof buffer, "%s%lldm %llds", sign.c_str(), static_cast<long long>(minutes),
                  static_cast<long long>(seconds % 60));
  } else {
    std::snprintf(buffer, sizeof buffer, "%s%llds", sign.c_str(), static_cast<long long>(seconds));
  }
  return buffer;
}

std::string MediaTime(std::chrono::milliseconds offset) {
  const int64_t total = std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(offset).count());
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", static_cast<long long>(total / 3600),
                  static_cast<long long>(total / 60 % 60), static_cast<long long>(total % 60));
  } else {
    std::snprintf(text, sizeof text, "%lld:%02lld", static_cast<long long>(total / 60),
                  static_cast<long long>(total % 60));
  }
  return text;
}

}  // namespace curation
