// Ed25519 keys through OpenSSL 3's EVP_PKEY: parsing and writing PEM, key ids, signing and
// verifying raw bytes (pure Ed25519: EVP_DigestSign with no digest). Internal to
// infip/verdict; signer.h and verifier.h are the public face.
//
//   INFIP_ASSIGN_OR_RETURN(PkeyPtr key, GenerateEd25519Key());
//   INFIP_ASSIGN_OR_RETURN(std::string sig, SignEd25519(*key, message));
//   bool ok = VerifyEd25519(*key, message, sig);
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace infip::verdict::internal {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

inline constexpr size_t kEd25519PublicKeyBytes = 32;
inline constexpr size_t kEd25519SignatureBytes = 64;

// Drains OpenSSL's error queue into one line ("" when empty).
[[nodiscard]] std::string OpenSslErrors();

[[nodiscard]] absl::StatusOr<PkeyPtr> GenerateEd25519Key();

// A PEM private key (PKCS#8 "PRIVATE KEY"); INVALID_ARGUMENT for anything that is not an
// unencrypted Ed25519 private key, naming `what` (e.g. the file).
[[nodiscard]] absl::StatusOr<PkeyPtr> ParsePrivateKeyPem(std::string_view pem,
                                                         std::string_view what);
// A PEM public key (SubjectPublicKeyInfo "PUBLIC KEY"), likewise.
[[nodiscard]] absl::StatusOr<PkeyPtr> ParsePublicKeyPem(std::string_view pem,
                                                        std::string_view what);

[[nodiscard]] absl::StatusOr<std::string> PrivateKeyPkcs8Pem(const EVP_PKEY& key);
[[nodiscard]] absl::StatusOr<std::string> PublicKeyPem(const EVP_PKEY& key);

// The key id infip puts in envelopes: lowercase hex SHA-256 of the raw 32-byte public key.
[[nodiscard]] absl::StatusOr<std::string> KeyIdOf(const EVP_PKEY& key);

[[nodiscard]] absl::StatusOr<std::string> SignEd25519(const EVP_PKEY& key,
                                                      std::string_view message);
// True only for a valid signature of `message` by `key`.
[[nodiscard]] bool VerifyEd25519(const EVP_PKEY& key, std::string_view message,
                                 std::string_view signature);

}  // namespace infip::verdict::internal
