// The transport the server listens with: TLS (optionally asking for client certificates) or
// plain text, and the rule that keeps plain text off the network unless an operator insists.
//
//   - With --tls-cert/--tls-key: gRPC's TlsServerCredentials over a
//     FileWatcherCertificateProvider, which re-reads both files every --tls-reload-interval
//     and takes a new pair once both have changed consistently (a renewed certificate, a
//     Kubernetes Secret swapped under a mounted volume) without a restart. With
//     --tls-client-ca the handshake asks for a client certificate without judging it: each
//     call judges it (client_certificates.h), so that the caller learns why it was refused.
//   - Without TLS the server listens only on a loopback address or a unix socket, unless
//     --insecure says otherwise (warned about at every start).
//
//   INFIP_RETURN_IF_ERROR(CheckTransport(config.auth, config.listen));
//   INFIP_ASSIGN_OR_RETURN(ServerTransport transport, MakeServerTransport(config.auth));
//   builder.AddListeningPort(config.listen, transport.credentials, &port);
#pragma once

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/config.h"

namespace infip::server::auth {

// Whether `listen` (an address as --listen takes it) is a unix socket, "localhost", or an
// IPv4 (127.0.0.0/8) or IPv6 (::1, ::ffff:127.x.y.z) loopback address.
[[nodiscard]] bool IsLocalAddress(std::string_view listen);

// FAILED_PRECONDITION naming the flags for a combination the server refuses to start with:
// --tls-cert without --tls-key or the other way round; --tls-client-ca without TLS; TLS
// without --access-file (every caller would be anonymous); --insecure together with TLS; and
// plain text on an address that is not local without --insecure.
[[nodiscard]] absl::Status CheckTransport(const AuthConfig& auth, std::string_view listen);

struct ServerTransport {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // The watcher behind TLS credentials (null without TLS); kept alive with the server.
  std::shared_ptr<grpc::experimental::CertificateProviderInterface> provider;
  bool tls = false;
  std::string description;  // for the start log
};

// The credentials for CheckTransport-approved settings. FAILED_PRECONDITION naming the file
// when the certificate chain or the key cannot be read or parsed, or the key is not the
// certificate's.
[[nodiscard]] absl::StatusOr<ServerTransport> MakeServerTransport(const AuthConfig& auth);

}  // namespace infip::server::auth
