#include "infip/audit/verification.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "infip/audit/statements.h"
#include "infip/common/status_macros.h"
#include "infip/common/version.h"
#include "infip/dtd/composite.h"
#include "infip/fingerprint/file_format.h"
#include "infip/io/sha256.h"
#include "infip/store/make_registration.h"

namespace infip::audit {
namespace {

double ClampSsim(double v) { return std::clamp(v, -1.0, 1.0); }

// Min and median as similarity::Compare computes them.
void Summarise(similarity::Comparison& c) {
  if (c.per_key.empty()) return;
  std::vector<double> sorted = c.per_key;
  std::sort(sorted.begin(), sorted.end());
  const size_t mid = sorted.size() / 2;
  c.min_ssim = sorted.front();
  c.median_ssim = sorted.size() % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
}

}  // namespace

absl::StatusOr<RegisteredSet> DecodeRegistration(store::Registration r) {
  RegisteredSet out;
  absl::StatusOr<io::KeySet> keys = store::StoredKeys(r);
  if (!keys.ok()) return absl::DataLossError(keys.status().message());
  absl::StatusOr<fingerprint::FingerprintSet> set = store::StoredFingerprints(r);
  if (!set.ok()) return absl::DataLossError(set.status().message());
  out.keys = *std::move(keys);
  out.fingerprints = *std::move(set);
  out.registration = std::move(r);
  return out;
}

ExtractionSettings SuspectSettings(const store::Registration& r, int64_t chunk_size) {
  ExtractionSettings settings;
  settings.composite = r.composite;
  settings.image.lambda = r.lambda;
  settings.image.scaling = r.lambda_scaling;
  settings.chunk_size = chunk_size;
  settings.with_key_preview = false;  // the registration holds the keys already
  return settings;
}

absl::StatusOr<fingerprint::FingerprintSet> ExtractSuspect(const RegisteredSet& reg,
                                                           ModelSession& model,
                                                           int64_t chunk_size,
                                                           const Control& control) {
  const store::Registration& r = reg.registration;
  if (!dtd::Composite::ByName(r.composite).ok()) {
    return absl::FailedPreconditionError(absl::StrCat("registration ", r.id,
                                                      " was made with composite \"", r.composite,
                                                      "\", which this server does not know"));
  }
  absl::StatusOr<Extraction> extraction =
      model.Extract(reg.keys, SuspectSettings(r, chunk_size), control);
  if (!extraction.ok()) {
    if (absl::IsFailedPrecondition(extraction.status())) {
      return absl::FailedPreconditionError(
          absl::StrCat("registration ", r.id, ": ", extraction.status().message()));
    }
    return extraction.status();
  }
  return std::move(extraction->set);
}

absl::StatusOr<similarity::Comparison> CompareWithRegistration(
    const RegisteredSet& reg, const fingerprint::FingerprintSet& suspect_set,
    const similarity::CompareOptions& compare) {
  const store::Registration& r = reg.registration;
  if (absl::Status comparable = fingerprint::CheckComparable(reg.fingerprints, suspect_set);
      !comparable.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("registration ", r.id,
                     ": the suspect's fingerprints cannot be compared: ", comparable.message()));
  }
  similarity::CompareOptions options = compare;
  options.threshold = r.threshold;
  INFIP_ASSIGN_OR_RETURN(similarity::Comparison c,
                         similarity::Compare(reg.fingerprints.images, suspect_set.images, options));
  c.assim = ClampSsim(c.assim);
  c.ci_low = ClampSsim(c.ci_low);
  c.ci_high = ClampSsim(c.ci_high);
  for (double& v : c.per_key) v = ClampSsim(v);
  c.pirated = c.assim >= c.threshold;
  Summarise(c);
  return c;
}

absl::StatusOr<PendingVerdict> MakeVerdict(const store::Registration& r,
                                           const fingerprint::FingerprintSet& suspect_set,
                                           similarity::Comparison comparison, double confidence,
                                           const std::string& suspect_name,
                                           const std::string& suspect_sha256,
                                           const verdict::Signer& signer) {
  PendingVerdict out;
  VerdictRecord& record = out.record;
  record.id = store::NewVerdictId();
  record.registration_id = r.id;
  record.suspect_name = suspect_name;
  record.suspect_sha256 = suspect_sha256;
  record.comparison = std::move(comparison);
  record.confidence = confidence;
  record.key_count = r.key_count;
  record.composite = r.composite;
  record.lambda = r.lambda;
  record.lambda_scaling = r.lambda_scaling;
  record.engine_version = suspect_set.metadata.engine_version;
  // Stores keep microseconds; the statement signs the time the store will give back.
  record.time = absl::FromUnixMicros(absl::ToUnixMicros(absl::Now()));
  INFIP_ASSIGN_OR_RETURN(record.envelope, SignVerdict(record, signer));

  store::StoredVerdict& s = out.stored;
  s.id = record.id;
  s.registration_id = record.registration_id;
  s.created = record.time;
  s.suspect_name = record.suspect_name;
  s.suspect_sha256 = record.suspect_sha256;
  s.assim = record.comparison.assim;
  s.ci_low = record.comparison.ci_low;
  s.ci_high = record.comparison.ci_high;
  s.confidence = record.confidence;
  s.threshold = record.comparison.threshold;
  s.pirated = record.comparison.pirated;
  s.per_key_ssim = record.comparison.per_key;
  s.key_count = record.key_count;
  s.composite = record.composite;
  s.lambda = record.lambda;
  s.lambda_scaling = record.lambda_scaling;
  s.engine_version = record.engine_version;
  s.envelope = record.envelope;
  INFIP_ASSIGN_OR_RETURN(s.suspect_fingerprints, fingerprint::SerializeFingerprintSet(suspect_set));
  s.suspect_fingerprints_sha256 = io::Sha256Hex(s.suspect_fingerprints);
  return out;
}

VerdictRecord RecordOf(const store::StoredVerdict& s) {
  VerdictRecord record;
  record.id = s.id;
  record.registration_id = s.registration_id;
  record.suspect_name = s.suspect_name;
  record.suspect_sha256 = s.suspect_sha256;
  similarity::Comparison& c = record.comparison;
  c.assim = s.assim;
  c.ci_low = s.ci_low;
  c.ci_high = s.ci_high;
  c.threshold = s.threshold;
  c.pirated = s.pirated;
  c.per_key = s.per_key_ssim;
  Summarise(c);
  record.confidence = s.confidence;
  record.key_count = s.key_count;
  record.composite = s.composite;
  record.lambda = s.lambda;
  record.lambda_scaling = s.lambda_scaling;
  record.engine_version = s.engine_version;
  record.time = s.created;
  record.envelope = s.envelope;
  return record;
}

}  // namespace infip::audit
