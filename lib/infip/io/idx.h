// IDX files (the MNIST / Fashion-MNIST format), gzipped or plain.
#pragma once

#include <string>

#include <torch/script.h>

#include "absl/status/statusor.h"

namespace infip::io {

// Unsigned-byte IDX image files (magic 0x00000803): N x 1 x H x W uint8 tensor. Also accepts
// 0x00000801 label files (N uint8). Gzip is recognised by its magic bytes, not the name.
// INVALID_ARGUMENT names the path and the defect (bad magic, a zero image side, truncated
// data, trailing bytes, a corrupt gzip stream, an array larger than kMaxArrayBytes, checked
// before allocating); NOT_FOUND for a missing file.
[[nodiscard]] absl::StatusOr<torch::Tensor> ReadIdx(const std::string& path);

}  // namespace infip::io
