// A directory of PNG / JPEG key images, decoded with OpenCV.
#pragma once

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

// Reads *.png, *.jpg, *.jpeg (case-insensitive) in name order, applying resize and color
// conversion from `preprocessing`. INVALID_ARGUMENT names the first undecodable file.
[[nodiscard]] absl::StatusOr<DecodedImages> ReadImageDir(const std::string& dir,
                                                         const Preprocessing& preprocessing,
                                                         std::optional<int64_t> limit);

// Writes one 8-bit image (H x W gray, or C x H x W with C = 1 or 3, RGB) as PNG.
[[nodiscard]] absl::Status WritePng(const std::string& path, const torch::Tensor& image);

}  // namespace infip::io
