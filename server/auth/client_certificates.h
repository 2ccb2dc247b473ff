// Verification of a caller's client certificate against the CAs of --tls-client-ca.
//
// The TLS handshake asks for a client certificate but does not judge it
// (GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_BUT_DONT_VERIFY; the handshake still proves the client
// holds the certificate's private key). Each call judges it here instead, so that a caller
// with an expired certificate or one from another CA gets UNAUTHENTICATED saying so, where a
// failed handshake would only show as an unreachable server; and so that a caller with no
// certificate can still present a bearer token.
//
//   INFIP_ASSIGN_OR_RETURN(auto verifier, ClientCertificateVerifier::Load("/etc/infip/ca.pem"));
//   INFIP_RETURN_IF_ERROR(verifier->Verify(cert.pem, cert.chain_pem));
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace infip::server::auth {

class ClientCertificateVerifier {
 public:
  // The CAs in `pem` (one or more PEM certificates); `source` names them in errors.
  // INVALID_ARGUMENT when there is no certificate, or one does not parse.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ClientCertificateVerifier>> Create(
      std::string_view pem, std::string_view source);
  // Create from a file; the errno status naming the path when it cannot be read.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ClientCertificateVerifier>> Load(
      const std::string& path);
  ~ClientCertificateVerifier();
  ClientCertificateVerifier(const ClientCertificateVerifier&) = delete;
  ClientCertificateVerifier& operator=(const ClientCertificateVerifier&) = delete;

  // OK when the leaf (PEM) chains to one of the CAs, through the intermediates in chain_pem
  // where needed, is valid now, and may serve for TLS client authentication (OpenSSL's
  // X509_verify_cert with the SSL client purpose). UNAUTHENTICATED with OpenSSL's reason
  // ("certificate has expired", "unable to get local issuer certificate", ...) otherwise.
  // Safe to call from many threads at once.
  [[nodiscard]] absl::Status Verify(std::string_view leaf_pem, std::string_view chain_pem) const;

  // How many CA certificates it trusts.
  [[nodiscard]] int ca_count() const { return ca_count_; }

 private:
  ClientCertificateVerifier(void* store, int ca_count) : store_(store), ca_count_(ca_count) {}

  void* store_;  // X509_STORE*, owned; read-only after Create
  int ca_count_;
};

}  // namespace infip::server::auth
