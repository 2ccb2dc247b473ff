// Authorisation: the one place that says who may call what, and whose rows a caller may read.
// Two parts, both pure functions of the authenticated Caller and the rows at hand:
//
//   - the RPC table: the roles that may call each RPC of infip.v1.Fingerprinting (any one of
//     them suffices), and which calls are audited;
//   - the tenant rules: a registration belongs to its owner (a principal); owners act on their
//     own registrations only, verifiers compare against any but see no keys, admins do
//     anything. The server applies them to every row it reads for a caller, before using it.
//
// Refusals are UNAUTHENTICATED (no valid credentials: access_control.h) or PERMISSION_DENIED
// (a role or tenant that does not allow the call), both marked with IsAccessRefusal, so that a
// reply can tell them from other PERMISSION_DENIED causes (a remote handle outside the
// operator's roots, a model that tried a forbidden system call).
//
//   INFIP_RETURN_IF_ERROR(CheckRole(caller, Rpc::kDeleteRegistration));
//   INFIP_ASSIGN_OR_RETURN(store::RegistrationSummary r, store->GetSummary(id));
//   INFIP_RETURN_IF_ERROR(CheckOwnRegistration(caller, r, "delete"));
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "infip/audit/audit_types.h"
#include "infip/store/registration.h"
#include "infip/store/stored_verdict.h"
#include "server/auth/roles.h"

namespace infip::server::auth {

// An authenticated caller of one RPC.
struct Caller {
  std::string principal;
  RoleSet roles;

  [[nodiscard]] bool Has(Role role) const { return roles.Has(role); }
};

enum class Rpc {
  kRegisterModel,
  kRegisterFingerprints,
  kVerify,
  kScreen,
  kGetRegistration,
  kListRegistrations,
  kDeleteRegistration,
  kGetEvidence,
  kGetServerInfo,
};

struct RpcRule {
  Rpc rpc;
  std::string_view method;  // as in the proto, e.g. "DeleteRegistration"
  RoleSet roles;            // any one of them allows the call
  bool audited;             // an audit line (principal, method, subject, result) for each call
};

// Every RPC of infip.v1.Fingerprinting, in the proto's order.
[[nodiscard]] const std::vector<RpcRule>& RpcTable();
[[nodiscard]] const RpcRule& RuleFor(Rpc rpc);

// PERMISSION_DENIED (an access refusal) unless the caller holds one of the RPC's roles.
[[nodiscard]] absl::Status CheckRole(const Caller& caller, Rpc rpc);

// The owner of a new registration: the caller when `requested` is empty or names the caller;
// another principal only for an admin (PERMISSION_DENIED otherwise).
[[nodiscard]] absl::StatusOr<std::string> OwnerOfNewRegistration(const Caller& caller,
                                                                 std::string_view requested);

// The owner filter of a listing: admins list whom they ask for (empty: everyone); owners
// list their own (empty: their own; another owner: PERMISSION_DENIED).
[[nodiscard]] absl::StatusOr<std::optional<std::string>> ListScope(const Caller& caller,
                                                                   std::string_view requested);

// The owner filter of a screening: verifiers and admins screen against whom they ask for
// (empty: everyone); a caller who is only an owner screens against their own registrations.
[[nodiscard]] absl::StatusOr<std::optional<std::string>> ScreenScope(const Caller& caller,
                                                                     std::string_view requested);

// Show, delete or read the evidence of a registration (`what` names the act in the message):
// its owner or an admin.
[[nodiscard]] absl::Status CheckOwnRegistration(const Caller& caller,
                                                const store::RegistrationSummary& registration,
                                                std::string_view what);

// Verify a suspect against a registration: verifiers and admins against any, a caller who is
// only an owner against their own.
[[nodiscard]] absl::Status CheckVerifyTarget(const Caller& caller,
                                             const store::RegistrationSummary& registration);

// What of a verdict's evidence the caller may see: everything for an admin or the
// registration's owner; the comparison only (EvidenceView::kComparison) for whoever asked for
// the verdict; PERMISSION_DENIED for anyone else. A verdict that records nobody (made before
// principals were recorded) is its registration owner's and the admins' only.
[[nodiscard]] absl::StatusOr<audit::EvidenceView> VerdictEvidenceView(
    const Caller& caller, const store::RegistrationSummary& registration,
    const store::VerdictSummary& verdict);

// Access refusals: canonical statuses with a payload that marks them as the access policy's.
[[nodiscard]] absl::Status Unauthenticated(std::string_view message);
[[nodiscard]] absl::Status PermissionDenied(std::string_view message);
[[nodiscard]] bool IsAccessRefusal(const absl::Status& status);

// The trailing metadata key that marks a refused call for clients ("unauthenticated" or
// "permission-denied"), so that the CLI tells "not allowed" from other PERMISSION_DENIED
// causes without reading messages.
inline constexpr char kRefusalTrailer[] = "infip-refusal";

}  // namespace infip::server::auth
