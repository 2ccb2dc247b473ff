// Verifier: checks DSSE envelopes against one Ed25519 public key, offline.
//
//   INFIP_ASSIGN_OR_RETURN(std::unique_ptr<Verifier> verifier, Verifier::Create(public_pem));
//   INFIP_ASSIGN_OR_RETURN(Envelope envelope, ParseEnvelope(json));
//   INFIP_RETURN_IF_ERROR(verifier->Verify(envelope));
//
// Verify follows the DSSE protocol: a signature is checked over PAE(payloadType, payload), so
// changing either breaks it; the payload type is checked only after a signature verified. The
// keyid is an unauthenticated hint: every signature is tried, and keyids only shape the error
// message. Results:
//   OK                 a signature made by this key verifies and the payload type is expected;
//   PERMISSION_DENIED  "unknown keyid ..." when no signature claims this key and none
//                      verifies, "bad signature ..." when one claims it but none verifies;
//   INVALID_ARGUMENT   "wrong payload type ..." for a correctly signed payload of another type.
// A malformed envelope never gets this far: ParseEnvelope refuses it (INVALID_ARGUMENT).
//
// Immutable once made; safe to use from many threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "infip/verdict/dsse.h"
#include "infip/verdict/ed25519.h"

namespace infip::verdict {

class Verifier {
 public:
  // INVALID_ARGUMENT unless `public_key_pem` is an Ed25519 "BEGIN PUBLIC KEY" PEM; errors name
  // `what` (e.g. the file it came from).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Verifier>> Create(
      std::string_view public_key_pem, std::string_view what = "public key");

  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  // The key id of the public key (signer.h says how it is computed).
  [[nodiscard]] const std::string& KeyId() const { return key_id_; }

  [[nodiscard]] absl::Status Verify(const Envelope& envelope,
                                    std::string_view payload_type = kInTotoPayloadType) const;

 private:
  Verifier(internal::PkeyPtr key, std::string key_id)
      : key_(std::move(key)), key_id_(std::move(key_id)) {}

  const internal::PkeyPtr key_;
  const std::string key_id_;
};

}  // namespace infip::verdict
