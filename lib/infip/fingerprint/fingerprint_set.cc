#include "infip/fingerprint/fingerprint_set.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace infip::fingerprint {
namespace {

std::string ShapeString(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

std::string ShapeString(const torch::Tensor& t) {
  return ShapeString(std::vector<int64_t>(t.sizes().begin(), t.sizes().end()));
}

absl::Status Differs(absl::string_view setting, absl::string_view a, absl::string_view b) {
  return absl::FailedPreconditionError(absl::StrCat(
      "fingerprint sets are not comparable: ", setting, " differs (", a, " vs ", b, ")"));
}

}  // namespace

absl::Status CheckComparable(const FingerprintSet& a, const FingerprintSet& b) {
  const FingerprintMetadata& ma = a.metadata;
  const FingerprintMetadata& mb = b.metadata;
  // Ordered from the most to the least fundamental, so the message names the root cause.
  if (ma.key_set_sha256 != mb.key_set_sha256) {
    return Differs("key set (sha256)", ma.key_set_sha256, mb.key_set_sha256);
  }
  if (a.size() != b.size()) {
    return Differs("key count", absl::StrCat(a.size()), absl::StrCat(b.size()));
  }
  if (ma.input_shape != mb.input_shape) {
    return Differs("resolution (input shape)", ShapeString(ma.input_shape),
                   ShapeString(mb.input_shape));
  }
  if (a.images.defined() && b.images.defined() && a.images.sizes() != b.images.sizes()) {
    return Differs("resolution (image shape)", ShapeString(a.images), ShapeString(b.images));
  }
  if (ma.composite != mb.composite) return Differs("composite", ma.composite, mb.composite);
  if (ma.composite_rules != mb.composite_rules) {
    return Differs("composite rules", ma.composite_rules, mb.composite_rules);
  }
  // Exact comparison on purpose: lambda is copied from the registration, never recomputed.
  if (ma.lambda != mb.lambda) {
    return Differs("lambda", absl::StrCat(ma.lambda), absl::StrCat(mb.lambda));
  }
  if (ma.lambda_scaling != mb.lambda_scaling) {
    return Differs("lambda scaling", std::string(LambdaScalingName(ma.lambda_scaling)),
                   std::string(LambdaScalingName(mb.lambda_scaling)));
  }
  return absl::OkStatus();
}

absl::Status Validate(const FingerprintSet& set) {
  const FingerprintMetadata& m = set.metadata;
  const torch::Tensor& images = set.images;
  if (!images.defined()) return absl::InvalidArgumentError("fingerprint images are missing");
  if (images.scalar_type() != torch::kUInt8) {
    return absl::InvalidArgumentError(
        absl::StrCat("fingerprint images must be uint8, got ",
                     std::string(c10::toString(images.scalar_type()))));
  }
  if (images.dim() != 3 || images.size(0) < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "fingerprint images must be N x H x W with N >= 1, got ", ShapeString(images)));
  }
  if (m.input_shape.size() != 3 || m.input_shape[0] < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("input_shape must be C, H, W, got ", ShapeString(m.input_shape)));
  }
  if (m.input_shape[1] != images.size(1) || m.input_shape[2] != images.size(2)) {
    return absl::InvalidArgumentError(absl::StrCat("fingerprint images ", ShapeString(images),
                                                   " do not match input_shape ",
                                                   ShapeString(m.input_shape)));
  }
  if (static_cast<int64_t>(m.predicted.size()) != images.size(0)) {
    return absl::InvalidArgumentError(absl::StrCat("predicted holds ", m.predicted.size(),
                                                   " classes for ", images.size(0), " keys"));
  }
  if (!std::isfinite(m.lambda) || m.lambda <= 0.0) {
    return absl::InvalidArgumentError(absl::StrCat("lambda must be positive, got ", m.lambda));
  }
  if (m.lambda_scaling != LambdaScaling::kResolution &&
      m.lambda_scaling != LambdaScaling::kLiteral) {
    return absl::InvalidArgumentError("lambda_scaling is neither resolution nor literal");
  }
  // The box is per channel when given; composites without a z^B input rule may leave it empty.
  if (m.box_low.size() != m.box_high.size() ||
      (!m.box_low.empty() && static_cast<int64_t>(m.box_low.size()) != m.input_shape[0])) {
    return absl::InvalidArgumentError(
        absl::StrCat("box_low / box_high must both hold one value per channel (", m.input_shape[0],
                     "), got ", m.box_low.size(), " and ", m.box_high.size()));
  }
  if (set.key_preview.defined()) {
    const torch::Tensor& p = set.key_preview;
    const std::vector<int64_t> want = {images.size(0), m.input_shape[0], m.input_shape[1],
                                       m.input_shape[2]};
    if (p.scalar_type() != torch::kUInt8 ||
        std::vector<int64_t>(p.sizes().begin(), p.sizes().end()) != want) {
      return absl::InvalidArgumentError(
          absl::StrCat("key_preview must be uint8 ", ShapeString(want), ", got ",
                       std::string(c10::toString(p.scalar_type())), " ", ShapeString(p)));
    }
  }
  return absl::OkStatus();
}

}  // namespace infip::fingerprint
