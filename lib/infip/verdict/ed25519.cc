#include "infip/verdict/ed25519.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "infip/verdict/json_fields.h"

namespace infip::verdict::internal {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

// Never prompts for a passphrase: an encrypted key file simply fails to load.
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return -1; }

// EVP_PKEY functions take non-const keys though they do not modify them.
EVP_PKEY* Mutable(const EVP_PKEY& key) { return const_cast<EVP_PKEY*>(&key); }

absl::Status Internal(std::string_view what) {
  return absl::InternalError(absl::StrCat(ToAbsl(what), ": ", OpenSslErrors()));
}

absl::StatusOr<std::string> BioContents(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  if (size < 0 || data == nullptr) return Internal("reading a memory BIO");
  return std::string(data, static_cast<size_t>(size));
}

absl::StatusOr<PkeyPtr> RequireEd25519(PkeyPtr key, std::string_view what, std::string_view kind) {
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(what), ": an ",
                                                   EVP_PKEY_get0_type_name(key.get()), " ",
                                                   ToAbsl(kind), ", not an Ed25519 one"));
  }
  return key;
}

// PEM keys are a few hundred bytes; anything much larger is not one (and BIO takes an int).
constexpr size_t kMaxPemBytes = 64 * 1024;

absl::StatusOr<BioPtr> PemBio(std::string_view pem, std::string_view what) {
  if (pem.size() > kMaxPemBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), ": ", pem.size(), " bytes is too large for a PEM key"));
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return Internal("BIO_new_mem_buf");
  return bio;
}

}  // namespace

std::string OpenSslErrors() {
  std::string out;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "no OpenSSL error recorded" : out;
}

absl::StatusOr<PkeyPtr> GenerateEd25519Key() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (key == nullptr) return Internal("generating an Ed25519 key");
  return key;
}

absl::StatusOr<PkeyPtr> ParsePrivateKeyPem(std::string_view pem, std::string_view what) {
  ERR_clear_error();
  INFIP_ASSIGN_OR_RETURN(BioPtr bio, PemBio(pem, what));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), ": not an unencrypted PEM private key (", OpenSslErrors(), ")"));
  }
  return RequireEd25519(std::move(key), what, "private key");
}

absl::StatusOr<PkeyPtr> ParsePublicKeyPem(std::string_view pem, std::string_view what) {
  ERR_clear_error();
  INFIP_ASSIGN_OR_RETURN(BioPtr bio, PemBio(pem, what));
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        ToAbsl(what), ": not a PEM public key (\"BEGIN PUBLIC KEY\"; ", OpenSslErrors(), ")"));
  }
  return RequireEd25519(std::move(key), what, "public key");
}

absl::StatusOr<std::string> PrivateKeyPkcs8Pem(const EVP_PKEY& key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || !PEM_write_bio_PKCS8PrivateKey(bio.get(), Mutable(key), nullptr, nullptr, 0,
                                                       nullptr, nullptr)) {
    return Internal("writing the private key as PEM");
  }
  return BioContents(bio.get());
}

absl::StatusOr<std::string> PublicKeyPem(const EVP_PKEY& key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || !PEM_write_bio_PUBKEY(bio.get(), Mutable(key))) {
    return Internal("writing the public key as PEM");
  }
  return BioContents(bio.get());
}

absl::StatusOr<std::string> KeyIdOf(const EVP_PKEY& key) {
  unsigned char raw[kEd25519PublicKeyBytes];
  size_t size = sizeof(raw);
  if (!EVP_PKEY_get_raw_public_key(&key, raw, &size) || size != sizeof(raw)) {
    return Internal("reading the raw public key");
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  if (!EVP_Digest(raw, size, digest, nullptr, EVP_sha256(), nullptr)) {
    return Internal("SHA-256 of the public key");
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

absl::StatusOr<std::string> SignEd25519(const EVP_PKEY& key, std::string_view message) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string sig(kEd25519SignatureBytes, '\0');
  size_t size = sig.size();
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, Mutable(key)) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return Internal("Ed25519 signing");
  }
  sig.resize(size);
  return sig;
}

bool VerifyEd25519(const EVP_PKEY& key, std::string_view message, std::string_view signature) {
  if (signature.size() != kEd25519SignatureBytes) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx != nullptr &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, Mutable(key)) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  ERR_clear_error();  // a failed verification leaves errors that are not ours to report
  return ok;
}

}  // namespace infip::verdict::internal
