#include "infip/verdict/dsse.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "infip/verdict/base64.h"
#include "infip/verdict/json_fields.h"

namespace infip::verdict {
namespace {

using internal::JsonFields;

// A base64 field decoded; errors name the field.
absl::StatusOr<std::string> DecodeField(const JsonFields& fields, std::string_view name) {
  INFIP_ASSIGN_OR_RETURN(std::string text, fields.String(name));
  absl::StatusOr<std::string> bytes = Base64Decode(text);
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(fields.PathOf(name), ": ", bytes.status().message()));
  }
  return bytes;
}

// Field errors name the field only; ParseEnvelope says that they are the envelope's.
absl::StatusOr<Envelope> EnvelopeFromJson(const nlohmann::json& doc) {
  const JsonFields fields(doc, "");
  Envelope envelope;
  INFIP_ASSIGN_OR_RETURN(envelope.payload_type, fields.String("payloadType"));
  if (envelope.payload_type.empty()) {
    return absl::InvalidArgumentError("payloadType: must not be empty");
  }
  INFIP_ASSIGN_OR_RETURN(envelope.payload, DecodeField(fields, "payload"));
  INFIP_ASSIGN_OR_RETURN(const nlohmann::json* signatures, fields.Array("signatures"));
  if (signatures->empty()) return absl::InvalidArgumentError("signatures: none");
  for (size_t i = 0; i < signatures->size(); ++i) {
    const std::string path = absl::StrCat("signatures[", i, "]");
    const nlohmann::json& entry = (*signatures)[i];
    if (!entry.is_object()) return absl::InvalidArgumentError(path + ": expected an object");
    const JsonFields f(entry, path);
    EnvelopeSignature signature;
    if (f.Has("keyid")) {
      INFIP_ASSIGN_OR_RETURN(signature.keyid, f.String("keyid"));
    }
    INFIP_ASSIGN_OR_RETURN(signature.sig, DecodeField(f, "sig"));
    if (signature.sig.empty()) return absl::InvalidArgumentError(path + ".sig: empty");
    envelope.signatures.push_back(std::move(signature));
  }
  return envelope;
}

}  // namespace

std::string PreAuthEncoding(std::string_view payload_type, std::string_view payload) {
  return absl::StrCat("DSSEv1 ", payload_type.size(), " ", internal::ToAbsl(payload_type), " ",
                      payload.size(), " ", internal::ToAbsl(payload));
}

std::string SerializeEnvelope(const Envelope& envelope) {
  nlohmann::json signatures = nlohmann::json::array();
  for (const EnvelopeSignature& s : envelope.signatures) {
    nlohmann::json entry = {{"sig", Base64Encode(s.sig)}};
    if (!s.keyid.empty()) entry["keyid"] = s.keyid;
    signatures.push_back(std::move(entry));
  }
  const nlohmann::json doc = {
      {"payload", Base64Encode(envelope.payload)},
      {"payloadType", envelope.payload_type},
      {"signatures", std::move(signatures)},
  };
  // A payload type that is not UTF-8 is written with replacement characters; it then no longer
  // matches the signed bytes, which is the right outcome for such an envelope.
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<Envelope> ParseEnvelope(std::string_view json) {
  INFIP_ASSIGN_OR_RETURN(nlohmann::json doc, internal::ParseJsonObject(json, "envelope"));
  absl::StatusOr<Envelope> envelope = EnvelopeFromJson(doc);
  if (!envelope.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("envelope: ", envelope.status().message()));
  }
  return envelope;
}

}  // namespace infip::verdict
