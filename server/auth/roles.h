// Roles: what a principal may do, given to it by the access file (access_file.h). Three
// roles, none implied by another (docs/security.md has what each may call and see):
//
//   owner     registers models; lists, shows, deletes and reads the evidence of its own
//             registrations; verifies and screens suspects against them
//   verifier  a marketplace or auditor: verifies and screens against any registration and
//             reads the comparison evidence of the verdicts it asked for; never keys
//   admin     everything; nothing else grants it
//
//   INFIP_ASSIGN_OR_RETURN(RoleSet roles, ParseRoles("owner,verifier"));
//   if (roles.Has(Role::kAdmin)) ...
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace infip::server::auth {

enum class Role : uint8_t { kOwner = 1, kVerifier = 2, kAdmin = 4 };

// A set of roles; a value type.
class RoleSet {
 public:
  constexpr RoleSet() = default;
  constexpr RoleSet(std::initializer_list<Role> roles) {
    for (Role r : roles) bits_ |= static_cast<uint8_t>(r);
  }
  [[nodiscard]] static constexpr RoleSet All() {
    return {Role::kOwner, Role::kVerifier, Role::kAdmin};
  }

  constexpr void Add(Role role) { bits_ |= static_cast<uint8_t>(role); }

  [[nodiscard]] constexpr bool Has(Role role) const {
    return (bits_ & static_cast<uint8_t>(role)) != 0;
  }
  [[nodiscard]] constexpr bool Intersects(RoleSet other) const {
    return (bits_ & other.bits_) != 0;
  }
  [[nodiscard]] constexpr bool empty() const { return bits_ == 0; }

  // "owner,verifier,admin" in that order; "" for none.
  [[nodiscard]] std::string ToString() const;

  friend constexpr bool operator==(RoleSet, RoleSet) = default;

 private:
  uint8_t bits_ = 0;
};

// "owner", "verifier" or "admin".
[[nodiscard]] std::string_view RoleName(Role role);

// A comma list of role names ("owner,verifier"; case matters, repeats are harmless).
// INVALID_ARGUMENT naming an unknown or empty item, or an empty list.
[[nodiscard]] absl::StatusOr<RoleSet> ParseRoles(std::string_view text);

}  // namespace infip::server::auth
