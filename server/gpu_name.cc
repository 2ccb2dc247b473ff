#include "server/gpu_name.h"

#include <dlfcn.h>

namespace infip::server {

std::string CudaDeviceName(int ordinal) {
  void* lib = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return "";
  // CUresult is an int-sized enum, CUdevice an int; 0 is CUDA_SUCCESS.
  using InitFn = int (*)(unsigned int);
  using DeviceGetFn = int (*)(int*, int);
  using NameFn = int (*)(char*, int, int);
  auto init = reinterpret_cast<InitFn>(::dlsym(lib, "cuInit"));
  auto device_get = reinterpret_cast<DeviceGetFn>(::dlsym(lib, "cuDeviceGet"));
  auto get_name = reinterpret_cast<NameFn>(::dlsym(lib, "cuDeviceGetName"));
  std::string name;
  int device = 0;
  char buffer[256] = {};
  if (init != nullptr && device_get != nullptr && get_name != nullptr && init(0) == 0 &&
      device_get(&device, ordinal) == 0 &&
      get_name(buffer, static_cast<int>(sizeof(buffer)) - 1, device) == 0) {
    name = buffer;
  }
  // The library stays loaded: LibTorch has it open as well, and unloading buys nothing.
  return name;
}

}  // namespace infip::server
