// NumPy .npy files (format versions 1.0 to 3.0): read little-endian float32 / float64 / uint8
// arrays in C order, write float32 / uint8 arrays.
#pragma once

#include <string>
#include <string_view>

#include <torch/script.h>

#include "absl/status/statusor.h"

namespace infip::io {

// INVALID_ARGUMENT for a bad magic, an unsupported dtype, big-endian data or Fortran order,
// a data section of another length than the header promises, or an array larger than
// kMaxArrayBytes (checked before allocating). Supported dtypes: <f4 -> float32, <f8 ->
// float32 (converted, rounding to nearest), |u1 -> uint8, <i8 -> int64. Errors name the path.
[[nodiscard]] absl::StatusOr<torch::Tensor> ReadNpy(const std::string& path);
[[nodiscard]] absl::StatusOr<torch::Tensor> ParseNpy(std::string_view bytes);
// Writes format version 1.0 with the header padded to a multiple of 64 bytes, as numpy does;
// INVALID_ARGUMENT for other dtypes. The file appears whole or not at all.
[[nodiscard]] absl::Status WriteNpy(const std::string& path, const torch::Tensor& tensor);
// The bytes WriteNpy would write.
[[nodiscard]] absl::StatusOr<std::string> SerializeNpy(const torch::Tensor& tensor);

}  // namespace infip::io
