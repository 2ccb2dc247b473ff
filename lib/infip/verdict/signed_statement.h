// Statements in DSSE envelopes: what the server signs and what an auditor checks.
//
//   INFIP_ASSIGN_OR_RETURN(Envelope envelope, SignStatement(statement, *signer));
//   std::string json = SerializeEnvelope(envelope);          // hand this out
//   ...
//   INFIP_ASSIGN_OR_RETURN(Envelope received, ParseEnvelope(json));
//   INFIP_ASSIGN_OR_RETURN(Statement checked, VerifyStatement(received, *verifier));
#pragma once

#include "absl/status/statusor.h"
#include "infip/verdict/dsse.h"
#include "infip/verdict/signer.h"
#include "infip/verdict/statement.h"
#include "infip/verdict/verifier.h"

namespace infip::verdict {

// Validates and serialises the statement (canonical JSON) and signs it as an in-toto payload.
[[nodiscard]] absl::StatusOr<Envelope> SignStatement(const Statement& statement,
                                                     const Signer& signer);

// Verifier::Verify, then ParseStatement of the payload: the statement is returned only when
// the signature holds, and a signed but invalid statement is INVALID_ARGUMENT.
[[nodiscard]] absl::StatusOr<Statement> VerifyStatement(const Envelope& envelope,
                                                        const Verifier& verifier);

}  // namespace infip::verdict
