// NumPy .npy files (format versions 1.0 to 3.0): read little-endian float32 / float64 / uint8
// arrays in C order, write float32 / uint8 arrays.
#pragma once

#include <string>

#include <torch/script.h>

#include "absl/status/statusor.h"

namespace infip::io {

// INVALID_ARGUMENT for a bad magic, an unsupported dtype or Fortran order, or a data section
// shorter than the header promises. float64 arrays are converted to float32.
[[nodiscard]] absl::StatusOr<torch::Tensor> ReadNpy(const std::string& path);
[[nodiscard]] absl::StatusOr<torch::Tensor> ParseNpy(std::string_view bytes);
[[nodiscard]] absl::Status WriteNpy(const std::string& path, const torch::Tensor& tensor);

}  // namespace infip::io
