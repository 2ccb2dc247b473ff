// DSSE envelope v1 (https://github.com/secure-systems-lab/dsse): a payload, its type, and
// signatures over the pre-authentication encoding (PAE) of both, so that a signature can never
// be replayed for a payload of another type.
//
//   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
//
// where SP is one space and LEN the decimal byte length without leading zeros. The JSON form:
//
//   {"payload":"<base64>","payloadType":"application/vnd.in-toto+json",
//    "signatures":[{"keyid":"<hex>","sig":"<base64>"}]}
//
//   Envelope envelope{kInTotoPayloadType, statement_json, {}};
//   std::string signed_bytes = PreAuthEncoding(envelope.payload_type, envelope.payload);
//   ... signer.h signs those bytes ...
//   INFIP_ASSIGN_OR_RETURN(Envelope back, ParseEnvelope(SerializeEnvelope(envelope)));
//
// This file only encodes; signer.h signs and verifier.h verifies.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace infip::verdict {

inline constexpr char kInTotoPayloadType[] = "application/vnd.in-toto+json";

struct EnvelopeSignature {
  std::string keyid;  // optional hint (may be empty); see signer.h for infip's key ids
  std::string sig;    // raw signature bytes (base64 only in JSON)
};

struct Envelope {
  std::string payload_type;
  std::string payload;  // raw bytes (base64 only in JSON)
  std::vector<EnvelopeSignature> signatures;
};

// The bytes that are signed.
[[nodiscard]] std::string PreAuthEncoding(std::string_view payload_type, std::string_view payload);

// One line of JSON with sorted keys; standard padded base64; an empty keyid is left out.
[[nodiscard]] std::string SerializeEnvelope(const Envelope& envelope);

// INVALID_ARGUMENT naming what is malformed: not a JSON object, a missing or mistyped field,
// duplicate keys, no signatures, an empty or undecodable base64 field. Base64 may use the
// standard or the URL-safe alphabet, padded or not (the DSSE protocol lets signers choose).
// Unknown fields are ignored. Says nothing about whether the signatures are valid.
[[nodiscard]] absl::StatusOr<Envelope> ParseEnvelope(std::string_view json);

}  // namespace infip::verdict
