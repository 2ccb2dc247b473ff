// The header of a .npy file: magic, version, and a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (400, 3, 32, 32), }
// Parsed by a small strict parser of exactly that literal (never eval'd, never guessed at).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <torch/script.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace infip::io {

// Magic, version and header length: 10 bytes in version 1.0, 12 in 2.0 and 3.0.
inline constexpr size_t kNpyPreambleBytes = 12;

struct NpyHeader {
  std::string descr;        // "<f4", "<f8", "|u1" or "<i8"
  torch::ScalarType dtype;  // the tensor type it is read into
  std::vector<int64_t> shape;
  size_t data_offset = 0;  // where the array data starts
  int64_t data_bytes = 0;  // size of the data section in the file
};

// Where the data starts (the header's end), from the first kNpyPreambleBytes of the file (or
// fewer, for a short file). INVALID_ARGUMENT names `source` and the defect.
[[nodiscard]] absl::StatusOr<size_t> NpyHeaderEnd(std::string_view prefix,
                                                  absl::string_view source);

// Parses the header at the start of `bytes`, which must hold at least the whole header.
// Checks the dtype, fortran_order, and that the array fits kMaxArrayBytes.
[[nodiscard]] absl::StatusOr<NpyHeader> ParseNpyHeader(std::string_view bytes,
                                                       absl::string_view source);

// A version 1.0 preamble and header for a C-order array, padded with spaces and a newline to
// a multiple of 64 bytes as numpy writes it.
[[nodiscard]] std::string FormatNpyHeader(const std::string& descr,
                                          const std::vector<int64_t>& shape);

}  // namespace infip::io
