#include "server/auth/peer_identity.h"

#include <grpc/grpc_security_constants.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace infip::server::auth {
namespace {

std::vector<std::string> Values(const grpc::AuthContext& context, const char* name) {
  std::vector<std::string> out;
  for (const grpc::string_ref& value : context.FindPropertyValues(name)) {
    out.emplace_back(value.data(), value.size());
  }
  return out;
}

std::string First(const std::vector<std::string>& values) {
  return values.empty() ? std::string() : values.front();
}

}  // namespace

std::optional<PeerCertificate> PeerCertificateOf(const grpc::AuthContext& context) {
  PeerCertificate cert;
  cert.pem = First(Values(context, GRPC_X509_PEM_CERT_PROPERTY_NAME));
  if (cert.pem.empty()) return std::nullopt;
  cert.chain_pem = First(Values(context, GRPC_X509_PEM_CERT_CHAIN_PROPERTY_NAME));
  cert.spiffe_ids = Values(context, GRPC_PEER_SPIFFE_ID_PROPERTY_NAME);
  cert.alt_names = Values(context, GRPC_X509_SAN_PROPERTY_NAME);
  cert.common_names = Values(context, GRPC_X509_CN_PROPERTY_NAME);
  return cert;
}

absl::StatusOr<std::string> CertificateIdentity(const PeerCertificate& cert) {
  if (cert.spiffe_ids.size() == 1 && !cert.spiffe_ids.front().empty()) {
    return cert.spiffe_ids.front();
  }
  int spiffe_uris = 0;
  for (const std::string& name : cert.alt_names) {
    if (absl::StartsWithIgnoreCase(name, "spiffe://")) ++spiffe_uris;
  }
  if (spiffe_uris > 0) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the client certificate holds ", spiffe_uris,
        " spiffe:// URI(s) but no valid SPIFFE ID (exactly one well-formed spiffe:// URI); it "
        "names no single identity"));
  }
  if (!cert.alt_names.empty() && !cert.alt_names.front().empty()) return cert.alt_names.front();
  if (!cert.common_names.empty() && !cert.common_names.front().empty()) {
    return cert.common_names.front();
  }
  return absl::UnauthenticatedError(
      "the client certificate has neither a subject alternative name nor a common name");
}

}  // namespace infip::server::auth
