// A directory of PNG / JPEG key images, decoded with OpenCV.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <torch/script.h>

#include "absl/status/statusor.h"
#include "infip/io/preprocessing.h"

namespace infip::io {

struct DecodedImages {
  torch::Tensor images;            // N x C x H x W uint8, channels in RGB order
  std::vector<std::string> names;  // file names, sorted
};

// Reads *.png, *.jpg, *.jpeg (case-insensitive; other files and subdirectories are ignored)
// in byte-wise name order, keeping the first `limit` (>= 1) when given, and applies resize and
// color conversion from `preprocessing` (image_transform.h; mean, std, low and high are not
// used here). Pixels are taken as stored (OpenCV IMREAD_UNCHANGED: no EXIF rotation), so that
// the same file always gives the same key. NOT_FOUND for a missing dir; INVALID_ARGUMENT for
// no images, and naming the first file that cannot be decoded, is not 8-bit, or differs in
// size (without resize) or channel count (with ColorMode::kKeep) from the first.
[[nodiscard]] absl::StatusOr<DecodedImages> ReadImageDir(const std::string& dir,
                                                         const Preprocessing& preprocessing,
                                                         std::optional<int64_t> limit);

// One 8-bit image (H x W gray, or C x H x W with C = 1 or 3, RGB) as PNG bytes, on any
// device. INVALID_ARGUMENT for another dtype or shape, or an empty image.
[[nodiscard]] absl::StatusOr<std::string> EncodePng(const torch::Tensor& image);

// EncodePng to a file that appears whole or not at all; errors name the path.
[[nodiscard]] absl::Status WritePng(const std::string& path, const torch::Tensor& image);

}  // namespace infip::io
