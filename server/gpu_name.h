// The marketing name of a CUDA GPU ("NVIDIA H100 80GB HBM3"), for ServerInfo.device, asked of
// the CUDA driver (libcuda.so.1) loaded at run time: LibTorch's C++ API has no portable call
// for it, and infip-server must build against CPU-only LibTorch as well. The driver honours
// CUDA_VISIBLE_DEVICES exactly as LibTorch does, so ordinal N is LibTorch's cuda:N.
//
//   std::string name = CudaDeviceName(0);   // "" without a driver or such a GPU
#pragma once

#include <string>

namespace infip::server {

[[nodiscard]] std::string CudaDeviceName(int ordinal);

}  // namespace infip::server
