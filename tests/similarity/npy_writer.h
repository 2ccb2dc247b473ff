// A tiny .npy (format 1.0) writer for the SSIM oracle test: contiguous CPU uint8 or float64
// tensors only. Kept local to the test so the oracle does not depend on infip's own io/ code.
#pragma once

#include <torch/script.h>

#include <fstream>
#include <string>

namespace infip::testing {

inline bool WriteNpy(const torch::Tensor& t, const std::string& path) {
  const torch::Tensor c = t.contiguous().cpu();
  std::string descr;
  if (c.scalar_type() == torch::kUInt8) {
    descr = "|u1";
  } else if (c.scalar_type() == torch::kFloat64) {
    descr = "<f8";
  } else {
    return false;
  }
  std::string shape = "(";
  for (int64_t d = 0; d < c.dim(); ++d) shape += std::to_string(c.size(d)) + ", ";
  shape += ")";
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Magic (6) + version (2) + header length (2) + header, padded to a multiple of 64 with '\n'.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  const uint16_t len = static_cast<uint16_t>(header.size());
  const char len_le[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  out.write(len_le, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(static_cast<const char*>(c.data_ptr()),
            static_cast<std::streamsize>(c.numel() * c.element_size()));
  return static_cast<bool>(out);
}

}  // namespace infip::testing
