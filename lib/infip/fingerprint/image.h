// From input relevance to fingerprint images (InFIP.md, "Intrinsic feature" and "Image").
//
//   Inf(x) = max(0, sum over channels of R(x))              -- lies in 0..1, sums to ~1
//   s      = min(255, floor(255 * lambda_eff * Inf))         -- 8-bit image
//   lambda_eff = lambda * (H * W) / (224 * 224)   (resolution scaling, the default)
//              = lambda                           (literal scaling)
//
// Literal scaling at small resolutions saturates almost every positive pixel, so unrelated
// models produce near-identical white squares; resolution scaling keeps every input size in
// the regime the paper used at 224 x 224.
#pragma once

#include <string>
#include <string_view>

#include <torch/script.h>

#include "absl/status/statusor.h"

namespace infip::fingerprint {

enum class LambdaScaling { kResolution, kLiteral };

[[nodiscard]] std::string_view LambdaScalingName(LambdaScaling s);  // "resolution" | "literal"
[[nodiscard]] absl::StatusOr<LambdaScaling> ParseLambdaScaling(std::string_view name);

struct ImageOptions {
  double lambda = 5000.0;
  LambdaScaling scaling = LambdaScaling::kResolution;
};

[[nodiscard]] double EffectiveLambda(const ImageOptions& options, int64_t height, int64_t width);

// N x C x H x W relevance -> N x H x W intrinsic feature (float32, same device).
[[nodiscard]] torch::Tensor IntrinsicFeature(const torch::Tensor& relevance);

// N x H x W intrinsic feature -> N x H x W uint8 fingerprint images (same device).
[[nodiscard]] torch::Tensor FingerprintImages(const torch::Tensor& intrinsic,
                                              const ImageOptions& options);

}  // namespace infip::fingerprint
