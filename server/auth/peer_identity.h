// The identity of a caller's client certificate, the name a `cert` grant of the access file
// matches (access_file.h). In this order, as gRPC reports the certificate (its auth context
// properties, grpc/grpc_security_constants.h):
//
//   1. its SPIFFE ID (`peer_spiffe_id`): gRPC sets it only when the certificate holds exactly
//      one valid spiffe:// URI;
//   2. else its first subject alternative name, in certificate order
//      (`x509_subject_alternative_name`: DNS names, URIs, e-mail addresses, IP addresses);
//   3. else its subject's common name (`x509_common_name`).
//
// A certificate that holds spiffe:// URIs but no SPIFFE ID (several, or malformed) has no
// identity: falling back to one of its URIs would pick an arbitrary one.
//
//   std::optional<PeerCertificate> cert = PeerCertificateOf(*context->auth_context());
//   INFIP_ASSIGN_OR_RETURN(std::string identity, CertificateIdentity(*cert));
#pragma once

#include <grpcpp/security/auth_context.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace infip::server::auth {

// What gRPC reports of a peer's certificate. The properties come from the certificate as
// presented; whether it is trustworthy is client_certificates.h's question.
struct PeerCertificate {
  std::string pem;                        // x509_pem_cert: the leaf
  std::string chain_pem;                  // x509_pem_cert_chain: what else the peer sent
  std::vector<std::string> spiffe_ids;    // peer_spiffe_id (at most one)
  std::vector<std::string> alt_names;     // x509_subject_alternative_name, in order
  std::vector<std::string> common_names;  // x509_common_name
};

// The peer's certificate, or nullopt when it presented none (or the connection is not TLS).
[[nodiscard]] std::optional<PeerCertificate> PeerCertificateOf(const grpc::AuthContext& context);

// The identity as above. UNAUTHENTICATED naming why when there is none: spiffe:// URIs but no
// SPIFFE ID, or neither alternative names nor a common name.
[[nodiscard]] absl::StatusOr<std::string> CertificateIdentity(const PeerCertificate& cert);

}  // namespace infip::server::auth
