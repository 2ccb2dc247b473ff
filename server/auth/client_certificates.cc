#include "server/auth/client_certificates.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/absl_view.h"
#include "server/auth/openssl_error.h"

namespace infip::server::auth {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
using UniqueX509 = std::unique_ptr<X509, X509Free>;

// Every certificate in a PEM text, in order; nothing else in it is allowed to fail parsing.
absl::StatusOr<std::vector<UniqueX509>> ReadCertificates(std::string_view pem,
                                                         std::string_view what) {
  std::vector<UniqueX509> out;
  if (pem.empty()) return out;
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return absl::ResourceExhaustedError("BIO_new_mem_buf failed");
  for (;;) {
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (cert == nullptr) {
      const unsigned long err = ERR_peek_last_error();
      // The end of the text reads as "no start line"; anything else is damage.
      if (ERR_GET_REASON(err) == PEM_R_NO_START_LINE && !out.empty()) {
        ERR_clear_error();
        return out;
      }
      return absl::InvalidArgumentError(
          absl::StrCat(Absl(what), ": not a PEM certificate (", OpenSslError(), ")"));
    }
    out.emplace_back(cert);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<ClientCertificateVerifier>> ClientCertificateVerifier::Create(
    std::string_view pem, std::string_view source) {
  absl::StatusOr<std::vector<UniqueX509>> cas = ReadCertificates(pem, source);
  if (!cas.ok()) return cas.status();
  if (cas->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(Absl(source), ": holds no certificate"));
  }
  X509_STORE* store = X509_STORE_new();
  if (store == nullptr) return absl::ResourceExhaustedError("X509_STORE_new failed");
  for (const UniqueX509& ca : *cas) {
    if (X509_STORE_add_cert(store, ca.get()) != 1) {  // takes its own reference
      X509_STORE_free(store);
      return absl::InvalidArgumentError(
          absl::StrCat(Absl(source), ": cannot trust a certificate (", OpenSslError(), ")"));
    }
  }
  return std::unique_ptr<ClientCertificateVerifier>(
      new ClientCertificateVerifier(store, static_cast<int>(cas->size())));
}

absl::StatusOr<std::unique_ptr<ClientCertificateVerifier>> ClientCertificateVerifier::Load(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return Create(text.str(), path);
}

ClientCertificateVerifier::~ClientCertificateVerifier() {
  X509_STORE_free(static_cast<X509_STORE*>(store_));
}

absl::Status ClientCertificateVerifier::Verify(std::string_view leaf_pem,
                                               std::string_view chain_pem) const {
  absl::StatusOr<std::vector<UniqueX509>> leaf = ReadCertificates(leaf_pem, "client certificate");
  if (!leaf.ok() || leaf->size() != 1) {
    ERR_clear_error();
    return absl::UnauthenticatedError("the client certificate does not parse");
  }
  absl::StatusOr<std::vector<UniqueX509>> chain =
      ReadCertificates(chain_pem, "client certificate chain");
  if (!chain.ok()) {
    ERR_clear_error();
    return absl::UnauthenticatedError("the client certificate chain does not parse");
  }
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  if (untrusted == nullptr) return absl::ResourceExhaustedError("sk_X509_new_null failed");
  for (const UniqueX509& c : *chain) sk_X509_push(untrusted, c.get());  // borrowed
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  absl::Status result = absl::OkStatus();
  if (ctx == nullptr ||
      X509_STORE_CTX_init(ctx.get(), static_cast<X509_STORE*>(store_), leaf->front().get(),
                          untrusted) != 1 ||
      X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT) != 1) {
    result = absl::InternalError(
        absl::StrCat("cannot set up certificate verification (", OpenSslError(), ")"));
  } else if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    result = absl::UnauthenticatedError(absl::StrCat("the client certificate is not accepted: ",
                                                     X509_verify_cert_error_string(err)));
  }
  ctx.reset();  // before the chain it points at
  sk_X509_free(untrusted);
  ERR_clear_error();
  return result;
}

}  // namespace infip::server::auth
