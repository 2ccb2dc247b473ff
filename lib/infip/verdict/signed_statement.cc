#include "infip/verdict/signed_statement.h"

#include "infip/common/status_macros.h"

namespace infip::verdict {

absl::StatusOr<Envelope> SignStatement(const Statement& statement, const Signer& signer) {
  INFIP_ASSIGN_OR_RETURN(std::string payload, SerializeStatement(statement));
  return signer.SignEnvelope(kInTotoPayloadType, payload);
}

absl::StatusOr<Statement> VerifyStatement(const Envelope& envelope, const Verifier& verifier) {
  INFIP_RETURN_IF_ERROR(verifier.Verify(envelope, kInTotoPayloadType));
  return ParseStatement(envelope.payload);
}

}  // namespace infip::verdict
