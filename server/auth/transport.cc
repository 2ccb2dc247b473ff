#include "server/auth/transport.h"

#include <arpa/inet.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/absl_view.h"
#include "server/auth/openssl_error.h"
#include "spdlog/spdlog.h"

namespace infip::server::auth {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", Absl(what), " ", path, ": ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The first certificate of the chain must be the key's, or every handshake would fail.
absl::Status CheckKeyPair(const AuthConfig& auth) {
  absl::StatusOr<std::string> cert_pem = ReadFile(auth.tls_cert, "the TLS certificate");
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem = ReadFile(auth.tls_key, "the TLS key");
  if (!key_pem.ok()) return key_pem.status();
  BIO* cert_bio = BIO_new_mem_buf(cert_pem->data(), static_cast<int>(cert_pem->size()));
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  BIO_free(cert_bio);
  if (cert == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the TLS certificate ", auth.tls_cert, " is not a PEM certificate (", OpenSslError(), ")"));
  }
  BIO* key_bio = BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  BIO_free(key_bio);
  absl::Status status = absl::OkStatus();
  if (key == nullptr) {
    status = absl::FailedPreconditionError(absl::StrCat("the TLS key ", auth.tls_key,
                                                        " is not an unencrypted PEM private key (",
                                                        OpenSslError(), ")"));
  } else if (X509_check_private_key(cert, key) != 1) {
    status = absl::FailedPreconditionError(absl::StrCat(
        "the TLS key ", auth.tls_key, " is not the key of the certificate ", auth.tls_cert));
  } else if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
    spdlog::warn(
        "the TLS certificate {} has expired: clients will refuse it until it is "
        "replaced (it is re-read every few moments)",
        auth.tls_cert);
  }
  ERR_clear_error();
  EVP_PKEY_free(key);
  X509_free(cert);
  return status;
}

}  // namespace

bool IsLocalAddress(std::string_view listen) {
  if (absl::StartsWith(Absl(listen), "unix:")) return true;
  std::string host;
  if (!listen.empty() && listen.front() == '[') {
    const size_t close = listen.find(']');
    if (close == std::string_view::npos) return false;
    host = std::string(listen.substr(1, close - 1));
  } else {
    const size_t colon = listen.rfind(':');
    host = std::string(listen.substr(0, colon));
  }
  if (absl::EqualsIgnoreCase(host, "localhost")) return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

absl::Status CheckTransport(const AuthConfig& auth, std::string_view listen) {
  const bool tls = !auth.tls_cert.empty() || !auth.tls_key.empty();
  if (auth.tls_cert.empty() != auth.tls_key.empty()) {
    return absl::FailedPreconditionError(
        "--tls-cert and --tls-key go together: the certificate and its private key");
  }
  if (!auth.tls_client_ca.empty() && !tls) {
    return absl::FailedPreconditionError(
        "--tls-client-ca needs --tls-cert and --tls-key: mutual TLS is TLS first");
  }
  if (tls && auth.insecure) {
    return absl::FailedPreconditionError(
        "--insecure contradicts --tls-cert: leave --insecure out to serve TLS");
  }
  if (tls && auth.access_file.empty()) {
    return absl::FailedPreconditionError(
        "TLS (--tls-cert) needs --access-file: it says which certificates and tokens may call, "
        "as whom; without it nobody could");
  }
  if (!tls && !auth.insecure && !IsLocalAddress(listen)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to listen on ", Absl(listen),
        " in plain text: anyone who reaches it could read and forge every call. Serve TLS "
        "(--tls-cert, --tls-key, --access-file; docs/security.md), listen on a loopback "
        "address, or, behind a network that encrypts for you, give --insecure"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ServerTransport> MakeServerTransport(const AuthConfig& auth) {
  ServerTransport transport;
  if (auth.tls_cert.empty()) {
    transport.credentials = grpc::InsecureServerCredentials();
    transport.description = "plain text (no TLS)";
    return transport;
  }
  if (absl::Status pair = CheckKeyPair(auth); !pair.ok()) return pair;
  const auto interval = static_cast<unsigned int>(
      std::max<int64_t>(1, absl::ToInt64Seconds(auth.tls_reload_interval)));
  transport.provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      auth.tls_key, auth.tls_cert, interval);
  grpc::experimental::TlsServerCredentialsOptions options(transport.provider);
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(auth.tls_client_ca.empty()
                                    ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                    : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_BUT_DONT_VERIFY);
  transport.credentials = grpc::experimental::TlsServerCredentials(options);
  if (transport.credentials == nullptr) {
    return absl::FailedPreconditionError("gRPC refused the TLS settings");
  }
  transport.tls = true;
  transport.description = absl::StrCat(
      "TLS with ", auth.tls_cert, " (re-read every ",
      absl::FormatDuration(auth.tls_reload_interval), ")",
      auth.tls_client_ca.empty() ? "; tokens only"
                                 : "; client certificates asked for, bearer tokens taken");
  return transport;
}

}  // namespace infip::server::auth
