#include "infip/fingerprint/image.h"

#include "absl/strings/str_cat.h"

namespace infip::fingerprint {

// The paper's lambda is defined at ImageNet's 224 x 224 (InFIP.md, "Image(Inf, lambda)").
constexpr double kReferencePixels = 224.0 * 224.0;

std::string_view LambdaScalingName(LambdaScaling s) {
  switch (s) {
    case LambdaScaling::kResolution:
      return "resolution";
    case LambdaScaling::kLiteral:
      return "literal";
  }
  return "unknown";
}

absl::StatusOr<LambdaScaling> ParseLambdaScaling(std::string_view name) {
  if (name == "resolution") return LambdaScaling::kResolution;
  if (name == "literal") return LambdaScaling::kLiteral;
  return absl::InvalidArgumentError(absl::StrCat("unknown lambda scaling '", std::string(name),
                                                 "' (expected resolution or literal)"));
}

double EffectiveLambda(const ImageOptions& options, int64_t height, int64_t width) {
  if (options.scaling == LambdaScaling::kLiteral) return options.lambda;
  return options.lambda * static_cast<double>(height) * static_cast<double>(width) /
         kReferencePixels;
}

torch::Tensor IntrinsicFeature(const torch::Tensor& relevance) {
  TORCH_CHECK(relevance.dim() == 4, "relevance must be N x C x H x W, got ", relevance.dim(), "-D");
  // Summed in the relevance's own precision before narrowing, so float64 relevance keeps its
  // digits through the channel sum.
  return relevance.sum(/*dim=*/1).clamp_min(0.0).to(torch::kFloat32);
}

torch::Tensor FingerprintImages(const torch::Tensor& intrinsic, const ImageOptions& options) {
  TORCH_CHECK(intrinsic.dim() == 3, "intrinsic feature must be N x H x W, got ", intrinsic.dim(),
              "-D");
  const double scale = 255.0 * EffectiveLambda(options, intrinsic.size(1), intrinsic.size(2));
  // float64 so that floor() sees the exact product of the stored feature and the scale; NaN
  // (a degenerate relevance map) becomes black rather than an undefined uint8 cast.
  const torch::Tensor scaled = torch::nan_to_num(intrinsic.to(torch::kFloat64) * scale, 0.0);
  return scaled.floor().clamp(0.0, 255.0).to(torch::kUInt8);
}

}  // namespace infip::fingerprint
