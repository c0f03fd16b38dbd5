#pragma once
// Who is calling: a principal with one role, authenticated by a bearer token.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace curation::auth {

enum class Role { kCurator, kLead, kCouncil, kService };

std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);
/// Every role's name, in the order of the role table.
std::vector<std::string> RoleNames();

/// The roles allowed to call one RPC.
class RoleSet {
 public:
  constexpr RoleSet(std::initializer_list<Role> roles) {
    for (Role role : roles) {
      bits_ |= Bit(role);
    }
  }
  static constexpr RoleSet All() { return {Role::kCurator, Role::kLead, Role::kCouncil, Role::kService}; }
  constexpr bool Contains(Role role) const { return (bits_ & Bit(role)) != 0; }

 private:
  static constexpr unsigned Bit(Role role) { return 1u << static_cast<unsigned>(role); }
  unsigned bits_ = 0;
};

struct Principal {
  int64_t id = 0;
  std::string name;
  Role role = Role::kCouncil;
  std::optional<int64_t> worker_id;  // Joystream content working group worker id
};

}  // namespace curation::auth
