// The pixel half of preprocessing, shared by image directories and IDX files: 8-bit images in
// OpenCV form are brought to gray or RGB, resized (bilinear) and colour-converted, then
// stacked into an N x C x H x W uint8 tensor. Scaling, mean and std come later (key_set.cc).
#pragma once

#include <vector>

#include <opencv2/core.hpp>
#include <torch/script.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "infip/io/preprocessing.h"

namespace infip::io {

// Resize fields: both set or neither, each side in 1..kMaxResizeSide.
[[nodiscard]] absl::Status ValidateResize(const Preprocessing& preprocessing);

// A decoded image as OpenCV returns it (8-bit gray, gray + alpha, BGR or BGRA) as 8-bit gray
// or RGB; alpha is dropped, not composited, because compositing would need a background the
// owner never chose. INVALID_ARGUMENT naming `name` for other depths (16-bit, float): scaling
// them to 8 bits silently would change the key set the owner meant.
[[nodiscard]] absl::StatusOr<cv::Mat> ToGrayOrRgb(const cv::Mat& decoded, absl::string_view name);

// Resize (cv::INTER_LINEAR) first, then colour conversion: kGray by OpenCV's RGB2GRAY weights,
// kRgb by replicating gray, kKeep leaves the channels alone. Both steps round to 8 bits.
[[nodiscard]] absl::StatusOr<cv::Mat> ResizeAndConvert(const cv::Mat& gray_or_rgb,
                                                       const Preprocessing& preprocessing,
                                                       absl::string_view name);

// Stacks H x W x C 8-bit images, all of one size and channel count, into N x C x H x W uint8.
[[nodiscard]] torch::Tensor StackChw(const std::vector<cv::Mat>& images);

// One C x H x W uint8 tensor as an H x W x C Mat (a copy; channel order unchanged).
[[nodiscard]] cv::Mat ChwToMat(const torch::Tensor& chw);

// One H x W uint8 plane of an N x 1 x H x W tensor, viewed (not copied) as a Mat.
[[nodiscard]] cv::Mat PlaneAsMat(const torch::Tensor& contiguous_nchw, int64_t index);

}  // namespace infip::io
