// Evidence images as PNG bytes (audit_types.h's EvidenceImage), for people to look at: what the
// numbers of a verdict or a registration were computed from.
//
// For a verdict, per key i: the key image (mapped from its box to 0..255), s_i, s'_i and the
// local SSIM map of s_i and s'_i (SSIM's [-1, 1] mapped linearly to 0..255, so mid-grey is 0
// and white is identical), then one grid with a row per key and those four columns. For a
// registration, per key the key image and s_i, then a grid of two columns. For whoever may
// see the comparison only, the SSIM maps and a grid of one column. Names are
// "key-007.png", "key-007-registered.png", "key-007-suspect.png", "key-007-ssim.png" and
// "grid.png".
//
//   INFIP_ASSIGN_OR_RETURN(std::vector<EvidenceImage> images,
//                          VerdictImages(keys, s, s_suspect, per_key, max_keys, ssim_options));
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "infip/audit/audit_types.h"
#include "infip/fingerprint/fingerprint_set.h"
#include "infip/io/key_set.h"
#include "infip/similarity/ssim.h"

namespace infip::audit {

// max_keys: 0 for every key, else the first max_keys; negative is INVALID_ARGUMENT.
// `per_key_ssim` (the verdict's numbers) labels the SSIM maps. INVALID_ARGUMENT when the sets
// do not match the keys (count, resolution).
[[nodiscard]] absl::StatusOr<std::vector<EvidenceImage>> VerdictImages(
    const io::KeySet& keys, const fingerprint::FingerprintSet& registered,
    const fingerprint::FingerprintSet& suspect, const std::vector<double>& per_key_ssim,
    int max_keys, const similarity::SsimOptions& ssim);

// The part of a verdict's evidence that shows neither the keys nor either fingerprint set
// (EvidenceView::kComparison): per key the SSIM map of s_i and s'_i, labelled with its SSIM,
// then a grid of them. INVALID_ARGUMENT when the sets differ in count or resolution.
[[nodiscard]] absl::StatusOr<std::vector<EvidenceImage>> ComparisonImages(
    const fingerprint::FingerprintSet& registered, const fingerprint::FingerprintSet& suspect,
    const std::vector<double>& per_key_ssim, int max_keys, const similarity::SsimOptions& ssim);

[[nodiscard]] absl::StatusOr<std::vector<EvidenceImage>> RegistrationImages(
    const io::KeySet& keys, const fingerprint::FingerprintSet& registered, int max_keys);

// The SSIM maps of a and b (N x H x W uint8) as N x (H - w + 1) x (W - w + 1) uint8 images:
// round((ssim + 1) * 127.5).
[[nodiscard]] absl::StatusOr<torch::Tensor> SsimMapImages(const torch::Tensor& a,
                                                          const torch::Tensor& b,
                                                          const similarity::SsimOptions& ssim);

}  // namespace infip::audit
