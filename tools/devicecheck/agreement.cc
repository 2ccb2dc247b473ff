#include "agreement.h"

#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "infip/common/torch_status.h"
#include "infip/fingerprint/image.h"
#include "infip/similarity/assim.h"

namespace infip::devicecheck {

EngineRun ToRun(const dtd::Explanation& explanation) {
  EngineRun run;
  run.relevance = explanation.relevance.to(torch::kCPU).contiguous();
  run.predicted = explanation.predicted.to(torch::kCPU).contiguous();
  // Made on the CPU from the copied relevance, so both devices' fingerprints go through the
  // same arithmetic and only the relevance can make them differ.
  run.fingerprints = fingerprint::FingerprintImages(fingerprint::IntrinsicFeature(run.relevance),
                                                    fingerprint::ImageOptions{})
                         .contiguous();
  return run;
}

absl::StatusOr<EngineRun> RunEngine(const dtd::RelevanceEngine& engine, const torch::Tensor& keys,
                                    int64_t chunk_size) {
  dtd::ExplainOptions options;
  options.chunk_size = chunk_size;
  INFIP_ASSIGN_OR_RETURN(dtd::Explanation e, engine.Explain(keys, dtd::InputBox{}, options));
  return CatchTorch("copying the explanation to the CPU", [&] { return ToRun(e); });
}

Conservation ConservationOf(const torch::Tensor& relevance) {
  const torch::Tensor sums = relevance.to(torch::kFloat64).sum({1, 2, 3});
  Conservation c;
  c.min = sums.min().item<double>();
  c.max = sums.max().item<double>();
  c.mean = sums.mean().item<double>();
  c.worst_error = (sums - 1.0).abs().max().item<double>();
  return c;
}

absl::StatusOr<Agreement> Agree(const EngineRun& reference, const EngineRun& other) {
  if (reference.relevance.sizes() != other.relevance.sizes()) {
    return absl::InvalidArgumentError("the two runs explain batches of different shapes");
  }
  Agreement a;
  a.images = reference.relevance.size(0);
  INFIP_RETURN_IF_ERROR(CatchTorchVoid("comparing relevance", [&] {
    a.fingerprint_pixels_equal =
        reference.fingerprints.eq(other.fingerprints).to(torch::kFloat64).mean().item<double>();
    const torch::Tensor same_class = reference.predicted.eq(other.predicted);
    a.predicted_mismatches = a.images - same_class.sum().item<int64_t>();
    a.bit_identical = a.predicted_mismatches == 0 &&
                      torch::equal(reference.relevance, other.relevance);
    const torch::Tensor ref = reference.relevance.index({same_class}).to(torch::kFloat64);
    const torch::Tensor oth = other.relevance.index({same_class}).to(torch::kFloat64);
    if (ref.size(0) == 0) return;
    const torch::Tensor diff = (oth - ref).abs();
    a.max_abs_diff = diff.max().item<double>();
    a.max_abs_reference = ref.abs().max().item<double>();
    a.relative_diff = a.max_abs_reference > 0 ? a.max_abs_diff / a.max_abs_reference
                                              : (a.max_abs_diff > 0 ? INFINITY : 0.0);
    const torch::Tensor per_image_diff = diff.flatten(1).amax(1);
    const torch::Tensor per_image_ref = ref.abs().flatten(1).amax(1).clamp_min(1e-300);
    a.worst_image_relative = (per_image_diff / per_image_ref).max().item<double>();
    a.max_sum_diff = (oth.sum({1, 2, 3}) - ref.sum({1, 2, 3})).abs().max().item<double>();
  }));
  similarity::CompareOptions compare;
  compare.bootstrap_resamples = 200;  // only the mean is used here
  INFIP_ASSIGN_OR_RETURN(similarity::Comparison c,
                         similarity::Compare(reference.fingerprints, other.fingerprints, compare));
  a.assim = c.assim;
  a.min_ssim = c.min_ssim;
  return a;
}

}  // namespace infip::devicecheck
