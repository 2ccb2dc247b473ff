// IDX files (the MNIST / Fashion-MNIST format), gzipped or plain.
#pragma once

#include <string>

#include <torch/script.h>

#include "absl/status/statusor.h"

namespace infip::io {

// Unsigned-byte IDX image files (magic 0x00000803): N x 1 x H x W uint8 tensor. Also accepts
// 0x00000801 label files (N uint8). INVALID_ARGUMENT names the defect (bad magic, truncated).
[[nodiscard]] absl::StatusOr<torch::Tensor> ReadIdx(const std::string& path);

}  // namespace infip::io
