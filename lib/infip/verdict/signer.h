// Signer: the server's Ed25519 signing key, and DSSE envelopes made with it.
//
//   INFIP_ASSIGN_OR_RETURN(std::unique_ptr<Signer> signer, Signer::LoadOrCreate(key_path));
//   INFIP_ASSIGN_OR_RETURN(Envelope envelope, signer->SignEnvelope(kInTotoPayloadType, json));
//   publish(signer->PublicKeyPem());   // what verifiers need; signer->KeyId() names it
//
// The key file is PEM PKCS#8 ("BEGIN PRIVATE KEY"), readable by `openssl pkey`. LoadOrCreate
// creates it on first start, mode 0600, written to a temporary file in the same directory and
// then linked into place, so no reader ever sees half a key and two replicas starting together
// on a shared volume end up with the same key. An existing key file that group or others may
// access is loaded with a warning (a Kubernetes secret volume is 0644 unless told otherwise).
//
// Key id: lowercase hex SHA-256 of the raw 32-byte Ed25519 public key (RFC 8032 encoding), i.e.
// of the last 32 bytes of the DER SubjectPublicKeyInfo:
//   openssl pkey -pubin -in key.pem -outform DER | tail -c 32 | sha256sum
//
// A Signer is immutable once made; its methods may be called from any number of threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "infip/verdict/dsse.h"
#include "infip/verdict/ed25519.h"

namespace infip::verdict {

class Signer {
 public:
  // Loads the key at `path`, or creates it there when no file exists. INVALID_ARGUMENT when the
  // file is not an unencrypted Ed25519 PEM private key; NOT_FOUND when its directory does not
  // exist; the errno status (e.g. PERMISSION_DENIED) for other file errors; each names the path.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Signer>> LoadOrCreate(
      const std::string& path);
  // From PEM text already in memory (what = where it came from, for errors).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Signer>> FromPrivateKeyPem(
      std::string_view pem, std::string_view what = "private key");

  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  // "-----BEGIN PUBLIC KEY-----" PEM (SubjectPublicKeyInfo).
  [[nodiscard]] const std::string& PublicKeyPem() const { return public_key_pem_; }
  [[nodiscard]] const std::string& KeyId() const { return key_id_; }

  // A 64-byte Ed25519 signature of `message`.
  [[nodiscard]] absl::StatusOr<std::string> Sign(std::string_view message) const;
  // An envelope with one signature (keyid = KeyId()) over PAE(payload_type, payload).
  [[nodiscard]] absl::StatusOr<Envelope> SignEnvelope(std::string_view payload_type,
                                                      std::string_view payload) const;

 private:
  Signer(internal::PkeyPtr key, std::string public_key_pem, std::string key_id)
      : key_(std::move(key)),
        public_key_pem_(std::move(public_key_pem)),
        key_id_(std::move(key_id)) {}
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Signer>> FromKey(internal::PkeyPtr key);

  const internal::PkeyPtr key_;
  const std::string public_key_pem_;
  const std::string key_id_;
};

}  // namespace infip::verdict
