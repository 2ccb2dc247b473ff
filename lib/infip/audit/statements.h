// The two statements the Auditor signs (verdict/statement.h), built from its own records:
// a registration's receipt and a verdict. Each returns the DSSE envelope as one line of JSON,
// which is what the store keeps and clients check.
//
//   INFIP_ASSIGN_OR_RETURN(r.receipt, SignReceipt(r, {model.name, model.sha256}, *signer));
//   INFIP_ASSIGN_OR_RETURN(record.envelope, SignVerdict(record, *signer));
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "infip/audit/audit_types.h"
#include "infip/store/registration.h"
#include "infip/verdict/signer.h"
#include "infip/verdict/statement.h"

namespace infip::audit {

// A receipt over what the registration holds: the hashes of K and S, N, the settings and T,
// at r.created. `subject` is the registered model file, or the fingerprint set file when
// only (K, S) were registered.
[[nodiscard]] absl::StatusOr<std::string> SignReceipt(const store::Registration& r,
                                                      const verdict::Subject& subject,
                                                      const verdict::Signer& signer);

// A verdict whose subject is the suspect (record.suspect_name, record.suspect_sha256) and whose
// predicate holds every number of the record, per-key SSIM included.
[[nodiscard]] absl::StatusOr<std::string> SignVerdict(const VerdictRecord& record,
                                                      const verdict::Signer& signer);

}  // namespace infip::audit
