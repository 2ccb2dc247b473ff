// The steps of a verification the Auditor runs once per (suspect, registration) pair: decode
// the registration, extract S' on its keys with its settings, compare S' with S against its
// T, and sign the verdict. Nothing here stores anything; the Auditor decides when a verdict
// (or a whole screening's) is complete enough to keep.
//
//   INFIP_ASSIGN_OR_RETURN(RegisteredSet reg, DecodeRegistration(std::move(r)));
//   INFIP_ASSIGN_OR_RETURN(fingerprint::FingerprintSet s2,
//                          ExtractSuspect(reg, *session, chunk_size, control));
//   INFIP_ASSIGN_OR_RETURN(similarity::Comparison c, CompareWithRegistration(reg, s2, compare));
//   INFIP_ASSIGN_OR_RETURN(PendingVerdict v, MakeVerdict(reg.registration, s2, c, 0.95,
//                                                        suspect.name, session->sha256(),
//                                                        signer));
//   INFIP_RETURN_IF_ERROR(store->PutVerdict(v.stored));
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "infip/audit/audit_types.h"
#include "infip/audit/extraction.h"
#include "infip/audit/extraction_backend.h"
#include "infip/fingerprint/fingerprint_set.h"
#include "infip/io/key_set.h"
#include "infip/similarity/assim.h"
#include "infip/store/registration.h"
#include "infip/store/stored_verdict.h"
#include "infip/verdict/signer.h"

namespace infip::audit {

// A registration with its blobs decoded.
struct RegisteredSet {
  store::Registration registration;
  io::KeySet keys;
  fingerprint::FingerprintSet fingerprints;  // S
};

// DATA_LOSS when a stored blob no longer parses (the store checked its hash, so this means a
// record no build of infip should have written).
[[nodiscard]] absl::StatusOr<RegisteredSet> DecodeRegistration(store::Registration r);

// How S' must be made to be comparable with the registration's S.
[[nodiscard]] ExtractionSettings SuspectSettings(const store::Registration& r, int64_t chunk_size);

// S' of the model on the registration's keys (progress as Extract). FAILED_PRECONDITION when
// the registration's composite is unknown to this build or the model does not take its keys.
[[nodiscard]] absl::StatusOr<fingerprint::FingerprintSet> ExtractSuspect(const RegisteredSet& reg,
                                                                         ModelSession& model,
                                                                         int64_t chunk_size,
                                                                         const Control& control);

// S' against S under the registration's T (similarity::Compare with `compare`'s bootstrap
// and SSIM settings). SSIM values are clamped to [-1, 1], the range they have mathematically,
// so that rounding never makes a statement invalid. FAILED_PRECONDITION when the sets are not
// comparable (CheckComparable).
[[nodiscard]] absl::StatusOr<similarity::Comparison> CompareWithRegistration(
    const RegisteredSet& reg, const fingerprint::FingerprintSet& suspect_set,
    const similarity::CompareOptions& compare);

struct PendingVerdict {
  VerdictRecord record;         // with its envelope
  store::StoredVerdict stored;  // the same, with S', ready for RegistrationStore::PutVerdict
};

// Signs the verdict on `comparison` (a fresh verdict id, made now). Only the registration's
// scalar fields are read, so its blobs may already be gone.
[[nodiscard]] absl::StatusOr<PendingVerdict> MakeVerdict(
    const store::Registration& r, const fingerprint::FingerprintSet& suspect_set,
    similarity::Comparison comparison, double confidence, const std::string& suspect_name,
    const std::string& suspect_sha256, const verdict::Signer& signer);

// A stored verdict as the Auditor returns it (min and median SSIM recomputed from the
// per-key values).
[[nodiscard]] VerdictRecord RecordOf(const store::StoredVerdict& stored);

}  // namespace infip::audit
