#include "infip/verdict/signer.h"

#include "infip/common/status_macros.h"
#include "infip/verdict/key_file.h"
#include "spdlog/spdlog.h"

namespace infip::verdict {

absl::StatusOr<std::unique_ptr<Signer>> Signer::LoadOrCreate(const std::string& path) {
  INFIP_ASSIGN_OR_RETURN(std::optional<std::string> pem, internal::ReadKeyFile(path));
  const std::string what = "signing key file " + path;
  if (pem.has_value()) return FromPrivateKeyPem(*pem, what);

  INFIP_ASSIGN_OR_RETURN(internal::PkeyPtr key, internal::GenerateEd25519Key());
  INFIP_ASSIGN_OR_RETURN(std::string new_pem, internal::PrivateKeyPkcs8Pem(*key));
  INFIP_ASSIGN_OR_RETURN(std::string written, internal::CreateKeyFile(path, new_pem));
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<Signer> signer, FromPrivateKeyPem(written, what));
  if (written == new_pem) {
    spdlog::info("created signing key file {} (Ed25519, key id {})", path, signer->KeyId());
  }
  return signer;
}

absl::StatusOr<std::unique_ptr<Signer>> Signer::FromPrivateKeyPem(std::string_view pem,
                                                                  std::string_view what) {
  INFIP_ASSIGN_OR_RETURN(internal::PkeyPtr key, internal::ParsePrivateKeyPem(pem, what));
  return FromKey(std::move(key));
}

absl::StatusOr<std::unique_ptr<Signer>> Signer::FromKey(internal::PkeyPtr key) {
  INFIP_ASSIGN_OR_RETURN(std::string public_pem, internal::PublicKeyPem(*key));
  INFIP_ASSIGN_OR_RETURN(std::string key_id, internal::KeyIdOf(*key));
  return std::unique_ptr<Signer>(
      new Signer(std::move(key), std::move(public_pem), std::move(key_id)));
}

absl::StatusOr<std::string> Signer::Sign(std::string_view message) const {
  return internal::SignEd25519(*key_, message);
}

absl::StatusOr<Envelope> Signer::SignEnvelope(std::string_view payload_type,
                                              std::string_view payload) const {
  Envelope envelope{std::string(payload_type), std::string(payload), {}};
  INFIP_ASSIGN_OR_RETURN(std::string sig, Sign(PreAuthEncoding(payload_type, payload)));
  envelope.signatures.push_back({key_id_, std::move(sig)});
  return envelope;
}

}  // namespace infip::verdict
