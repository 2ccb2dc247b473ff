#include "server/auth/roles.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/absl_view.h"

namespace infip::server::auth {
namespace {

constexpr Role kAllRoles[] = {Role::kOwner, Role::kVerifier, Role::kAdmin};

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kOwner:
      return "owner";
    case Role::kVerifier:
      return "verifier";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

std::string RoleSet::ToString() const {
  std::string out;
  for (Role r : kAllRoles) {
    if (!Has(r)) continue;
    if (!out.empty()) out += ',';
    out += RoleName(r);
  }
  return out;
}

absl::StatusOr<RoleSet> ParseRoles(std::string_view text) {
  RoleSet roles;
  for (absl::string_view item : absl::StrSplit(Absl(text), ',')) {
    bool known = false;
    for (Role r : kAllRoles) {
      if (Std(item) == RoleName(r)) {
        roles.Add(r);
        known = true;
      }
    }
    if (!known) {
      return absl::InvalidArgumentError(
          item.empty() ? absl::StrCat("empty role in '", Absl(text), "'")
                       : absl::StrCat("unknown role '", item, "' (owner, verifier or admin)"));
    }
  }
  return roles;
}

}  // namespace infip::server::auth
