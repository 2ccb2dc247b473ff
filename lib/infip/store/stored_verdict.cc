#include "infip/store/stored_verdict.h"

#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "infip/common/status_macros.h"
#include "infip/fingerprint/file_format.h"
#include "infip/fingerprint/fingerprint_set.h"
#include "infip/io/sha256.h"
#include "infip/store/validate.h"

namespace infip::store {
namespace {

// Every message names the verdict, so that a log line alone says which one was refused.
absl::Status Invalid(const StoredVerdict& v, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("verdict ", v.id.empty() ? std::string("(no id)") : v.id, ": ", why));
}

bool IsSha256Hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// SSIM values, and the threshold compared with them, live in [-1, 1].
absl::Status CheckSsim(const StoredVerdict& v, absl::string_view field, double value) {
  if (std::isfinite(value) && value >= -1.0 && value <= 1.0) return absl::OkStatus();
  return Invalid(v, absl::StrCat(field, " ", value, " is outside [-1, 1]"));
}

absl::Status CheckScalars(const StoredVerdict& v) {
  if (v.created == absl::InfinitePast() || v.created == absl::InfiniteFuture()) {
    return Invalid(v, "created time is not set");
  }
  if (v.principal.size() > kMaxOwnerLength) {
    return Invalid(v, absl::StrCat("principal is longer than ", kMaxOwnerLength, " bytes"));
  }
  if (v.suspect_name.empty()) return Invalid(v, "suspect name is empty");
  if (v.suspect_name.size() > kMaxModelNameLength) {
    return Invalid(v, absl::StrCat("suspect name is longer than ", kMaxModelNameLength, " bytes"));
  }
  if (!IsSha256Hex(v.suspect_sha256)) {
    return Invalid(v, absl::StrCat("suspect sha256 \"", v.suspect_sha256,
                                   "\" is not 64 lowercase hex digits"));
  }
  INFIP_RETURN_IF_ERROR(CheckSsim(v, "assim", v.assim));
  INFIP_RETURN_IF_ERROR(CheckSsim(v, "ci_low", v.ci_low));
  INFIP_RETURN_IF_ERROR(CheckSsim(v, "ci_high", v.ci_high));
  INFIP_RETURN_IF_ERROR(CheckSsim(v, "threshold", v.threshold));
  if (v.ci_low > v.ci_high) {
    return Invalid(v, absl::StrCat("ci_low ", v.ci_low, " is above ci_high ", v.ci_high));
  }
  if (!(v.confidence > 0.0 && v.confidence < 1.0)) {
    return Invalid(v, absl::StrCat("confidence ", v.confidence, " is outside (0, 1)"));
  }
  if (v.pirated != (v.assim >= v.threshold)) {
    return Invalid(v, absl::StrCat("pirated = ", v.pirated ? "true" : "false",
                                   " contradicts assim ", v.assim, " and threshold ", v.threshold));
  }
  if (v.key_count < 1) return Invalid(v, absl::StrCat("key count ", v.key_count, "; at least 1"));
  if (static_cast<int64_t>(v.per_key_ssim.size()) != v.key_count) {
    return Invalid(
        v, absl::StrCat(v.per_key_ssim.size(), " per-key SSIM values for ", v.key_count, " keys"));
  }
  for (size_t i = 0; i < v.per_key_ssim.size(); ++i) {
    INFIP_RETURN_IF_ERROR(CheckSsim(v, absl::StrCat("per-key SSIM ", i), v.per_key_ssim[i]));
  }
  if (v.composite.empty()) return Invalid(v, "composite is empty");
  if (!(std::isfinite(v.lambda) && v.lambda > 0)) {
    return Invalid(v, absl::StrCat("lambda ", v.lambda, " is not a positive number"));
  }
  if (v.engine_version.empty()) return Invalid(v, "engine version is empty");
  if (v.envelope.empty()) return Invalid(v, "envelope is empty");
  return absl::OkStatus();
}

absl::Status CheckFingerprints(const StoredVerdict& v) {
  const std::string sha = io::Sha256Hex(v.suspect_fingerprints);
  if (v.suspect_fingerprints_sha256 != sha) {
    return Invalid(v, absl::StrCat("suspect fingerprints sha256 ", v.suspect_fingerprints_sha256,
                                   " is not the hash of the fingerprints given (", sha, ")"));
  }
  absl::StatusOr<fingerprint::FingerprintSet> set =
      fingerprint::ParseFingerprintSet(v.suspect_fingerprints);
  if (!set.ok()) {
    return Invalid(v, absl::StrCat("suspect fingerprints: ", set.status().message()));
  }
  if (absl::Status valid = fingerprint::Validate(*set); !valid.ok()) {
    return Invalid(v, absl::StrCat("suspect fingerprints: ", valid.message()));
  }
  const fingerprint::FingerprintMetadata& m = set->metadata;
  if (set->size() != v.key_count) {
    return Invalid(v, absl::StrCat("the suspect fingerprint set holds ", set->size(),
                                   " fingerprints for ", v.key_count, " keys"));
  }
  if (m.composite != v.composite || m.lambda != v.lambda || m.lambda_scaling != v.lambda_scaling) {
    return Invalid(v, absl::StrCat("the suspect fingerprints were made with composite \"",
                                   m.composite, "\", lambda ", m.lambda, " ",
                                   std::string(fingerprint::LambdaScalingName(m.lambda_scaling)),
                                   "; the verdict records \"", v.composite, "\", ", v.lambda, " ",
                                   std::string(fingerprint::LambdaScalingName(v.lambda_scaling))));
  }
  return absl::OkStatus();
}

}  // namespace

std::string NewVerdictId() {
  // std::random_device reads the kernel's random source on Linux (getrandom / /dev/urandom).
  std::random_device device;
  const uint64_t bits = (static_cast<uint64_t>(device()) << 32) | device();
  return absl::StrFormat("vrd_%016x", bits);
}

absl::Status ValidateVerdictId(std::string_view id) { return ValidateStoreId(id, "verdict id"); }

absl::Status ValidateVerdict(const StoredVerdict& v) {
  INFIP_RETURN_IF_ERROR(ValidateVerdictId(v.id));
  if (absl::Status ok = ValidateRegistrationId(v.registration_id); !ok.ok()) {
    return Invalid(v, ok.message());
  }
  INFIP_RETURN_IF_ERROR(CheckScalars(v));
  return CheckFingerprints(v);
}

absl::Status VerifyStoredVerdictBlobs(const StoredVerdict& v) {
  if (io::Sha256Hex(v.suspect_fingerprints) != v.suspect_fingerprints_sha256) {
    return absl::DataLossError(absl::StrCat(
        "verdict ", v.id, ": the stored suspect fingerprints no longer match their sha256"));
  }
  return absl::OkStatus();
}

}  // namespace infip::store
