#include "infip/audit/statements.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "infip/common/version.h"
#include "infip/verdict/dsse.h"
#include "infip/verdict/signed_statement.h"

namespace infip::audit {
namespace {

absl::StatusOr<std::string> Sign(const verdict::Statement& statement,
                                 const verdict::Signer& signer) {
  absl::StatusOr<verdict::Envelope> envelope = verdict::SignStatement(statement, signer);
  if (!envelope.ok()) {
    // Every field was checked before; a statement the signer refuses is infip's own fault.
    return absl::InternalError(
        absl::StrCat("cannot sign the statement: ", envelope.status().message()));
  }
  return verdict::SerializeEnvelope(*envelope);
}

}  // namespace

absl::StatusOr<std::string> SignReceipt(const store::Registration& r,
                                        const verdict::Subject& subject,
                                        const verdict::Signer& signer) {
  verdict::ReceiptPredicate p;
  p.registration_id = r.id;
  p.owner = r.owner;
  p.model_name = r.model_name;
  p.key_set_sha256 = r.key_set.sha256;
  p.fingerprint_set_sha256 = r.fingerprints_sha256;
  p.n = r.key_count;
  p.composite = r.composite;
  p.lambda = r.lambda;
  p.lambda_scaling = std::string(fingerprint::LambdaScalingName(r.lambda_scaling));
  p.threshold = r.threshold;
  p.engine_version = kEngineVersion;
  p.time = r.created;
  verdict::Statement statement;
  statement.subject.push_back(subject);
  statement.predicate = std::move(p);
  return Sign(statement, signer);
}

absl::StatusOr<std::string> SignVerdict(const VerdictRecord& record,
                                        const verdict::Signer& signer) {
  const similarity::Comparison& c = record.comparison;
  verdict::VerdictPredicate p;
  p.registration_id = record.registration_id;
  p.assim = c.assim;
  p.ci_low = c.ci_low;
  p.ci_high = c.ci_high;
  p.confidence = record.confidence;
  p.threshold = c.threshold;
  p.n = record.key_count;
  p.composite = record.composite;
  p.lambda = record.lambda;
  p.lambda_scaling = std::string(fingerprint::LambdaScalingName(record.lambda_scaling));
  p.engine_version = record.engine_version;
  p.pirated = c.pirated;
  p.per_key_ssim = c.per_key;
  p.time = record.time;
  verdict::Statement statement;
  statement.subject.push_back({record.suspect_name, record.suspect_sha256});
  statement.predicate = std::move(p);
  return Sign(statement, signer);
}

}  // namespace infip::audit
