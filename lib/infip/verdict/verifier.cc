#include "infip/verdict/verifier.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "infip/common/status_macros.h"
#include "infip/verdict/json_fields.h"

namespace infip::verdict {

absl::StatusOr<std::unique_ptr<Verifier>> Verifier::Create(std::string_view public_key_pem,
                                                           std::string_view what) {
  INFIP_ASSIGN_OR_RETURN(internal::PkeyPtr key, internal::ParsePublicKeyPem(public_key_pem, what));
  INFIP_ASSIGN_OR_RETURN(std::string key_id, internal::KeyIdOf(*key));
  return std::unique_ptr<Verifier>(new Verifier(std::move(key), std::move(key_id)));
}

absl::Status Verifier::Verify(const Envelope& envelope, std::string_view payload_type) const {
  if (envelope.signatures.empty()) {
    return absl::InvalidArgumentError("malformed envelope: no signatures");
  }
  const std::string pae = PreAuthEncoding(envelope.payload_type, envelope.payload);
  bool claimed = false;  // some signature names this key, or names none
  std::vector<std::string> other_ids;
  bool verified = false;
  for (const EnvelopeSignature& signature : envelope.signatures) {
    if (signature.keyid.empty() || signature.keyid == key_id_) {
      claimed = true;
    } else {
      other_ids.push_back(signature.keyid);
    }
    if (internal::VerifyEd25519(*key_, pae, signature.sig)) {
      verified = true;
      break;
    }
  }
  if (!verified && !claimed) {
    return absl::PermissionDeniedError(absl::StrCat(
        "unknown keyid: the envelope is signed by key id ", absl::StrJoin(other_ids, ", "),
        ", not by this public key (key id ", key_id_, ")"));
  }
  if (!verified) {
    return absl::PermissionDeniedError(absl::StrCat(
        "bad signature: no signature verifies with this public key (key id ", key_id_,
        ") over the payload and its type; the envelope was altered or signed by another key"));
  }
  if (envelope.payload_type != payload_type) {
    return absl::InvalidArgumentError(absl::StrCat("wrong payload type \"", envelope.payload_type,
                                                   "\"; expected \"",
                                                   internal::ToAbsl(payload_type), "\""));
  }
  return absl::OkStatus();
}

}  // namespace infip::verdict
