#include <curation/auth/principal.hpp>

#include <array>
#include <utility>

namespace curation::auth {
namespace {

// The names stored in auth.principals.role and shown to operators.
constexpr std::array<std::pair<Role, std::string_view>, 4> kRoleNames = {{
    {Role::kCurator, "curator"},
    {Role::kLead, "lead"},
    {Role::kCouncil, "council"},
    {Role::kService, "service"},
}};

}  // namespace

std::string_view RoleName(Role role) {
  for (const auto& [value, name] : kRoleNames) {
    if (value == role) {
      return name;
    }
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const auto& [value, role_name] : kRoleNames) {
    if (role_name == name) {
      return value;
    }
  }
  return std::nullopt;
}

std::vector<std::string> RoleNames() {
  std::vector<std::string> names;
  for (const auto& [value, name] : kRoleNames) {
    names.emplace_back(name);
  }
  return names;
}

}  // namespace curation::auth
