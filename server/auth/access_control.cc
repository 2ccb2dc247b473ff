#include "server/auth/access_control.h"

#include "absl/strings/str_cat.h"
#include "server/absl_view.h"
#include "server/auth/bearer_token.h"
#include "server/auth/peer_identity.h"
#include "spdlog/spdlog.h"

namespace infip::server::auth {

absl::StatusOr<std::unique_ptr<AccessControl>> AccessControl::Create(AccessOptions options) {
  if (options.access_file.empty() && !options.client_ca_file.empty()) {
    return absl::FailedPreconditionError(
        "client CAs (--tls-client-ca) need an access file (--access-file) that grants the "
        "certificates' identities their principals");
  }
  std::unique_ptr<AccessControl> access(new AccessControl(std::move(options)));
  if (!access->local()) {
    absl::StatusOr<std::shared_ptr<const Grants>> grants = access->Read();
    if (!grants.ok()) return grants.status();
    absl::MutexLock lock(&access->mu_);
    access->grants_ = *std::move(grants);
  }
  return access;
}

absl::StatusOr<std::shared_ptr<const AccessControl::Grants>> AccessControl::Read() const {
  auto grants = std::make_shared<Grants>();
  absl::StatusOr<AccessList> list = AccessList::Load(options_.access_file);
  if (!list.ok()) return list.status();
  grants->list = *std::move(list);
  if (!options_.client_ca_file.empty()) {
    absl::StatusOr<std::unique_ptr<ClientCertificateVerifier>> cas =
        ClientCertificateVerifier::Load(options_.client_ca_file);
    if (!cas.ok()) return cas.status();
    grants->client_cas = *std::move(cas);
  }
  return std::shared_ptr<const Grants>(std::move(grants));
}

std::shared_ptr<const AccessControl::Grants> AccessControl::grants() const {
  absl::MutexLock lock(&mu_);
  return grants_;
}

absl::Status AccessControl::Reload() {
  if (local()) {
    spdlog::info("SIGHUP: no access file to re-read (every caller is the local principal)");
    return absl::OkStatus();
  }
  absl::StatusOr<std::shared_ptr<const Grants>> fresh = Read();
  if (!fresh.ok()) {
    spdlog::error("access file not reloaded, the previous grants stay in force: {}",
                  fresh.status().ToString());
    return fresh.status();
  }
  {
    absl::MutexLock lock(&mu_);
    grants_ = *std::move(fresh);
  }
  spdlog::info("access file reloaded: {}", Describe());
  return absl::OkStatus();
}

std::string AccessControl::Describe() const {
  if (local()) {
    return absl::StrCat("no access file: every caller is the local principal '", kLocalPrincipal,
                        "' with every role");
  }
  const std::shared_ptr<const Grants> g = grants();
  return absl::StrCat(
      "access file ", options_.access_file, ": ", g->list.CountOf(CredentialKind::kToken),
      " token(s), ", g->list.CountOf(CredentialKind::kCertificate), " certificate identit",
      g->list.CountOf(CredentialKind::kCertificate) == 1 ? "y" : "ies",
      g->client_cas != nullptr
          ? absl::StrCat("; client certificates verified against ", g->client_cas->ca_count(),
                         " CA(s) of ", options_.client_ca_file)
          : std::string("; no client certificates"));
}

absl::StatusOr<std::optional<Principal>> AccessControl::FromCertificate(
    const Grants& grants, const grpc::ServerContext& context) const {
  if (grants.client_cas == nullptr) return std::optional<Principal>();
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) return std::optional<Principal>();
  std::optional<PeerCertificate> cert = PeerCertificateOf(*auth);
  if (!cert.has_value()) return std::optional<Principal>();
  if (absl::Status verified = grants.client_cas->Verify(cert->pem, cert->chain_pem);
      !verified.ok()) {
    return Unauthenticated(Std(verified.message()));
  }
  absl::StatusOr<std::string> identity = CertificateIdentity(*cert);
  if (!identity.ok()) return Unauthenticated(Std(identity.status().message()));
  std::optional<Principal> principal = grants.list.FindCertificate(*identity);
  if (!principal.has_value()) {
    return Unauthenticated(absl::StrCat("the client certificate's identity '", *identity,
                                        "' has no grant in the access file"));
  }
  return principal;
}

absl::StatusOr<Caller> AccessControl::Authenticate(const grpc::ServerContext& context) const {
  if (local()) return Caller{kLocalPrincipal, RoleSet::All()};
  const std::shared_ptr<const Grants> g = grants();

  absl::StatusOr<std::optional<Principal>> by_cert = FromCertificate(*g, context);
  if (!by_cert.ok()) return by_cert.status();

  absl::StatusOr<std::optional<std::string>> token = BearerToken(context.client_metadata());
  if (!token.ok()) return Unauthenticated(Std(token.status().message()));
  std::optional<Principal> by_token;
  if (token->has_value()) {
    by_token = g->list.FindToken(TokenSha256(**token));
    if (!by_token.has_value()) {
      return Unauthenticated("the bearer token is not granted (revoked, or never issued)");
    }
  }

  if (by_cert->has_value() && by_token.has_value() && (*by_cert)->name != by_token->name) {
    return Unauthenticated(absl::StrCat("the client certificate is principal '", (*by_cert)->name,
                                        "' but the bearer token is '", by_token->name,
                                        "'; present one principal's credentials"));
  }
  const std::optional<Principal>& principal = by_cert->has_value() ? *by_cert : by_token;
  if (!principal.has_value()) {
    return Unauthenticated(
        g->client_cas != nullptr
            ? "no credentials: present a client certificate or a bearer token "
              "(authorization: Bearer <token>)"
            : "no credentials: present a bearer token (authorization: Bearer <token>)");
  }
  return Caller{principal->name, principal->roles};
}

absl::StatusOr<Caller> AccessControl::Authorize(const grpc::ServerContext& context, Rpc rpc) const {
  absl::StatusOr<Caller> caller = Authenticate(context);
  if (!caller.ok()) return caller.status();
  if (absl::Status allowed = CheckRole(*caller, rpc); !allowed.ok()) return allowed;
  return caller;
}

}  // namespace infip::server::auth
