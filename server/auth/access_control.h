// AccessControl: who is calling, on every call. Either
//
//   - with an access file (--access-file): the caller presents a client certificate (mutual
//     TLS, when --tls-client-ca is set) or a bearer token, and the access file maps it to a
//     principal and its roles (access_file.h); or
//   - without one, allowed only for a plain-text server on a loopback address or a unix socket
//     (or with --insecure: transport.h): every caller is the single local principal "local",
//     holding every role, as for a developer's own machine.
//
// Credentials are checked on every call, in the handler's thread, from the call's own metadata
// and the connection's certificate; nothing is cached in gRPC's AuthContext, which belongs to
// the connection (a token seen on one call must not authorise the next). No
// AuthMetadataProcessor is installed: gRPC 1.51 aborts the process when one is set on
// insecure credentials, and the local mode is exactly that.
//
// SIGHUP re-reads the access file and the client CAs (Reload); a file that does not parse
// leaves the previous grants in force, and says why.
//
//   INFIP_ASSIGN_OR_RETURN(auto access, AccessControl::Create({.access_file = path}));
//   INFIP_ASSIGN_OR_RETURN(Caller caller, access->Authorize(*context, Rpc::kVerify));
#pragma once

#include <grpcpp/server_context.h>

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/auth/access_file.h"
#include "server/auth/client_certificates.h"
#include "server/auth/policy.h"

namespace infip::server::auth {

inline constexpr char kLocalPrincipal[] = "local";

struct AccessOptions {
  std::string access_file;     // empty: every caller is the local principal
  std::string client_ca_file;  // empty: client certificates are not accepted
};

class AccessControl {
 public:
  // Reads the access file and the client CAs. Their errors as AccessList::Load and
  // ClientCertificateVerifier::Load give them; FAILED_PRECONDITION for client CAs without an
  // access file (certificates would map to no principal).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<AccessControl>> Create(AccessOptions options);
  AccessControl(const AccessControl&) = delete;
  AccessControl& operator=(const AccessControl&) = delete;

  // The caller of this call. UNAUTHENTICATED (IsAccessRefusal) naming why: no credentials; a
  // client certificate that does not verify, names no identity or an identity without a
  // grant; an authorization header that is malformed or holds an unknown token; a
  // certificate and a token of different principals.
  [[nodiscard]] absl::StatusOr<Caller> Authenticate(const grpc::ServerContext& context) const;

  // Authenticate, then CheckRole for the RPC.
  [[nodiscard]] absl::StatusOr<Caller> Authorize(const grpc::ServerContext& context, Rpc rpc) const;

  // Re-reads the files. On failure the grants in force stay, and the status says why.
  absl::Status Reload();

  // Whether callers are the local principal (no access file).
  [[nodiscard]] bool local() const { return options_.access_file.empty(); }
  // One line for the start log: the mode and what the grants hold.
  [[nodiscard]] std::string Describe() const;

 private:
  struct Grants {
    AccessList list;
    std::unique_ptr<ClientCertificateVerifier> client_cas;  // null: no client certificates
  };

  explicit AccessControl(AccessOptions options) : options_(std::move(options)) {}
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const Grants>> Read() const;
  [[nodiscard]] std::shared_ptr<const Grants> grants() const;
  [[nodiscard]] absl::StatusOr<std::optional<Principal>> FromCertificate(
      const Grants& grants, const grpc::ServerContext& context) const;

  const AccessOptions options_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const Grants> grants_ ABSL_GUARDED_BY(mu_);
};

}  // namespace infip::server::auth
