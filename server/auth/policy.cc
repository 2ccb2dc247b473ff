#include "server/auth/policy.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "server/absl_view.h"

namespace infip::server::auth {
namespace {

constexpr char kRefusalPayloadUrl[] = "type.infip.dev/infip.v1.AccessRefusal";

constexpr RoleSet kOwners = {Role::kOwner, Role::kAdmin};
constexpr RoleSet kComparers = {Role::kOwner, Role::kVerifier, Role::kAdmin};

// A caller who may act on every tenant's registrations as a verifier does: compare, not read.
bool ComparesAcrossTenants(const Caller& caller) {
  return caller.Has(Role::kVerifier) || caller.Has(Role::kAdmin);
}

std::string Who(const Caller& caller) {
  return absl::StrCat("principal '", caller.principal, "' (",
                      caller.roles.empty() ? "no role" : caller.roles.ToString(), ")");
}

}  // namespace

const std::vector<RpcRule>& RpcTable() {
  static const std::vector<RpcRule>* const table = new std::vector<RpcRule>{
      {Rpc::kRegisterModel, "RegisterModel", kOwners, true},
      {Rpc::kRegisterFingerprints, "RegisterFingerprints", kOwners, true},
      {Rpc::kVerify, "Verify", kComparers, false},
      {Rpc::kScreen, "Screen", kComparers, false},
      {Rpc::kGetRegistration, "GetRegistration", kOwners, false},
      {Rpc::kListRegistrations, "ListRegistrations", kOwners, false},
      {Rpc::kDeleteRegistration, "DeleteRegistration", kOwners, true},
      {Rpc::kGetEvidence, "GetEvidence", kComparers, true},
      {Rpc::kGetServerInfo, "GetServerInfo", kComparers, false},
  };
  return *table;
}

const RpcRule& RuleFor(Rpc rpc) {
  for (const RpcRule& rule : RpcTable()) {
    if (rule.rpc == rpc) return rule;
  }
  // Every enumerator is in the table (policy_test checks it); unreachable.
  return RpcTable().front();
}

absl::Status CheckRole(const Caller& caller, Rpc rpc) {
  const RpcRule& rule = RuleFor(rpc);
  if (caller.roles.Intersects(rule.roles)) return absl::OkStatus();
  return PermissionDenied(absl::StrCat(Who(caller), " may not call ", Absl(rule.method),
                                       " (it takes ", rule.roles.ToString(), ")"));
}

absl::StatusOr<std::string> OwnerOfNewRegistration(const Caller& caller,
                                                   std::string_view requested) {
  if (requested.empty() || requested == caller.principal) return caller.principal;
  if (caller.Has(Role::kAdmin)) return std::string(requested);
  return PermissionDenied(absl::StrCat(Who(caller), " may not register for owner '",
                                       Absl(requested),
                                       "': an owner is the authenticated "
                                       "principal (leave the owner empty), or an admin names one"));
}

absl::StatusOr<std::optional<std::string>> ListScope(const Caller& caller,
                                                     std::string_view requested) {
  if (caller.Has(Role::kAdmin)) {
    if (requested.empty()) return std::optional<std::string>();
    return std::optional<std::string>(std::string(requested));
  }
  if (requested.empty() || requested == caller.principal) {
    return std::optional<std::string>(caller.principal);
  }
  return PermissionDenied(absl::StrCat(
      Who(caller), " may list only its own registrations, not those of '", Absl(requested), "'"));
}

absl::StatusOr<std::optional<std::string>> ScreenScope(const Caller& caller,
                                                       std::string_view requested) {
  if (ComparesAcrossTenants(caller)) {
    if (requested.empty()) return std::optional<std::string>();
    return std::optional<std::string>(std::string(requested));
  }
  if (requested.empty() || requested == caller.principal) {
    return std::optional<std::string>(caller.principal);
  }
  return PermissionDenied(absl::StrCat(Who(caller),
                                       " may screen only against its own registrations, not "
                                       "those of '",
                                       Absl(requested), "' (the verifier role screens any)"));
}

absl::Status CheckOwnRegistration(const Caller& caller,
                                  const store::RegistrationSummary& registration,
                                  std::string_view what) {
  if (caller.Has(Role::kAdmin)) return absl::OkStatus();
  if (caller.Has(Role::kOwner) && registration.owner == caller.principal) {
    return absl::OkStatus();
  }
  return PermissionDenied(absl::StrCat(Who(caller), " may not ", Absl(what), " registration ",
                                       registration.id, ": it is not theirs"));
}

absl::Status CheckVerifyTarget(const Caller& caller,
                               const store::RegistrationSummary& registration) {
  if (ComparesAcrossTenants(caller)) return absl::OkStatus();
  if (caller.Has(Role::kOwner) && registration.owner == caller.principal) {
    return absl::OkStatus();
  }
  return PermissionDenied(
      absl::StrCat(Who(caller), " may not verify against registration ", registration.id,
                   ": it is not theirs (the verifier role verifies against any)"));
}

absl::StatusOr<audit::EvidenceView> VerdictEvidenceView(
    const Caller& caller, const store::RegistrationSummary& registration,
    const store::VerdictSummary& verdict) {
  if (caller.Has(Role::kAdmin)) return audit::EvidenceView::kFull;
  if (caller.Has(Role::kOwner) && registration.owner == caller.principal) {
    return audit::EvidenceView::kFull;
  }
  if ((caller.Has(Role::kOwner) || caller.Has(Role::kVerifier)) && !verdict.principal.empty() &&
      verdict.principal == caller.principal) {
    return audit::EvidenceView::kComparison;
  }
  return PermissionDenied(absl::StrCat(Who(caller), " may not read the evidence of verdict ",
                                       verdict.id,
                                       ": it neither asked for it nor owns its registration"));
}

absl::Status Unauthenticated(std::string_view message) {
  absl::Status status = absl::UnauthenticatedError(Absl(message));
  status.SetPayload(kRefusalPayloadUrl, absl::Cord("unauthenticated"));
  return status;
}

absl::Status PermissionDenied(std::string_view message) {
  absl::Status status = absl::PermissionDeniedError(Absl(message));
  status.SetPayload(kRefusalPayloadUrl, absl::Cord("permission-denied"));
  return status;
}

bool IsAccessRefusal(const absl::Status& status) {
  return status.GetPayload(kRefusalPayloadUrl).has_value();
}

}  // namespace infip::server::auth
