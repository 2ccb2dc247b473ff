// StoredVerdict: a signed verdict as the store keeps it, so that its evidence can be shown
// again later (GetEvidence) and the verdict itself handed out again byte for byte.
//
// The DSSE envelope is what counts and is kept verbatim; the other fields are copies of what it
// signs (so that a verdict is rebuilt without parsing JSON), plus the suspect's fingerprint set
// S' as .infip bytes. S' is evidence for people to look at, not part of the signed statement;
// its SHA-256 is kept so that damage on disk is reported rather than shown.
//
//   StoredVerdict v;
//   v.id = NewVerdictId();
//   v.registration_id = registration.id;
//   ...  // the comparison's numbers, the envelope, S'
//   INFIP_RETURN_IF_ERROR(store.PutVerdict(v));
//   INFIP_ASSIGN_OR_RETURN(StoredVerdict again, store.GetVerdict(v.id));
//
// A verdict belongs to its registration: deleting the registration deletes its verdicts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "infip/fingerprint/image.h"

namespace infip::store {

struct StoredVerdict {
  // "vrd_" + 16 lowercase hex digits (NewVerdictId); stores accept what ValidateVerdictId does.
  std::string id;
  std::string registration_id;  // an existing registration
  absl::Time created;           // when the verdict was made; stores keep microseconds
  // Who asked for it (an authenticated principal). Empty for verdicts made before schema
  // version 3, which recorded nobody: only admins and the registration's owner see those.
  std::string principal;

  std::string suspect_name;    // the verdict's subject, not empty
  std::string suspect_sha256;  // of the suspect model file, 64 lowercase hex digits

  // The comparison (similarity/assim.h): all in [-1, 1] but the confidence, in (0, 1).
  double assim = 0.0;
  double ci_low = 0.0;
  double ci_high = 0.0;
  double confidence = 0.95;
  double threshold = 0.0;
  bool pirated = false;              // assim >= threshold
  std::vector<double> per_key_ssim;  // key_count values, in key order
  int64_t key_count = 0;             // N; the registration's

  // The extraction settings of S', equal to the registration's.
  std::string composite;
  double lambda = 0.0;
  fingerprint::LambdaScaling lambda_scaling = fingerprint::LambdaScaling::kResolution;
  std::string engine_version;

  std::string envelope;  // DSSE envelope JSON (verdict/dsse.h), opaque to the store

  std::string suspect_fingerprints;         // .infip bytes of S', verbatim
  std::string suspect_fingerprints_sha256;  // hex, of those bytes
};

// A verdict without its numbers, envelope and blobs: what a tenant check reads.
struct VerdictSummary {
  std::string id;
  std::string registration_id;
  absl::Time created;
  std::string principal;  // empty: made before schema version 3
};

// "vrd_" followed by 16 lowercase hex digits from the operating system's random source.
[[nodiscard]] std::string NewVerdictId();

// INVALID_ARGUMENT unless id is 1 to kMaxIdLength characters from [A-Za-z0-9_-].
[[nodiscard]] absl::Status ValidateVerdictId(std::string_view id);

// The rules every backend applies before it stores a verdict; INVALID_ARGUMENT naming the
// verdict and the first rule broken: the ids as above; created set; principal (may be empty) of
// at most kMaxOwnerLength bytes; suspect name non-empty and
// at most kMaxModelNameLength bytes; suspect_sha256 64 lowercase hex digits; the numbers in
// range and pirated == (assim >= threshold); ci_low <= ci_high; key_count >= 1 with as many
// per-key values; composite and engine version non-empty; lambda finite and positive; envelope
// non-empty; the fingerprints hash to suspect_fingerprints_sha256, parse as a valid .infip set
// of key_count images, and were made with this composite, lambda and scaling. Whether the
// registration exists and agrees is the backend's check, in the write transaction.
[[nodiscard]] absl::Status ValidateVerdict(const StoredVerdict& verdict);

// For a verdict read back from a database: DATA_LOSS unless the fingerprints still hash to
// suspect_fingerprints_sha256.
[[nodiscard]] absl::Status VerifyStoredVerdictBlobs(const StoredVerdict& verdict);

}  // namespace infip::store
