#pragma once
// Stored names (text columns) to protobuf enum values and back, through one table per enum.

#include <algorithm>
#include <map>
#include <optional>
#include <string>

namespace curation::server {

/// The value `name` maps to; the enum's zero (UNSPECIFIED) value for a name not in the table.
template <typename Enum>
Enum ValueOf(const std::map<std::string, Enum>& table, const std::string& name) {
  auto it = table.find(name);
  return it == table.end() ? Enum{} : it->second;
}

/// The name of `value`; nullopt for a value the table does not hold (e.g. from a newer client).
template <typename Enum>
std::optional<std::string> NameOf(const std::map<std::string, Enum>& table, int value) {
  auto it = std::find_if(table.begin(), table.end(), [&](const auto& entry) { return entry.second == value; });
  return it == table.end() ? std::nullopt : std::optional<std::string>(it->first);
}

}  // namespace curation::server
