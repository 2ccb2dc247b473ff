#include "server/device.h"

#include <dlfcn.h>

#include <exception>

#include <torch/cuda.h>
#include <torch/script.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "server/config_values.h"

namespace infip::server {
namespace {

// The GPU's marketing name through the CUDA driver API, loaded at run time: LibTorch's C++
// API has no portable call for it, and infip must build against CPU-only LibTorch too. The
// driver honours CUDA_VISIBLE_DEVICES exactly as LibTorch does, so ordinal N is the same GPU.
std::string GpuName(int ordinal) {
  void* lib = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return "";
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
      device_get(&device, ordinal) == 0 && get_name(buffer, sizeof(buffer) - 1, device) == 0) {
    name = buffer;
  }
  // The library stays loaded: LibTorch has it open as well, and unloading buys nothing.
  return name;
}

DeviceChoice Cuda(int index) {
  DeviceChoice d;
  d.name = absl::StrCat("cuda:", index);
  d.is_cuda = true;
  const std::string gpu = GpuName(index);
  d.description = gpu.empty() ? d.name : absl::StrCat(d.name, " (", gpu, ")");
  return d;
}

}  // namespace

absl::StatusOr<DeviceChoice> ChooseDevice(std::string_view configured) {
  INFIP_ASSIGN_OR_RETURN(const std::string name, ParseDeviceName(configured));
  if (name == "cpu" || (name == "auto" && !torch::cuda::is_available())) {
    return DeviceChoice{"cpu", "cpu", false};
  }
  if (name == "auto") return Cuda(0);
  if (!torch::cuda::is_available()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "device ", name, ": this infip build or machine has no usable CUDA device; use cpu"));
  }
  int index = 0;
  if (name.starts_with("cuda:") && !absl::SimpleAtoi(name.substr(5), &index)) {
    return absl::InvalidArgumentError(absl::StrCat("device ", name, ": bad GPU index"));
  }
  const int count = static_cast<int>(torch::cuda::device_count());
  if (index >= count) {
    return absl::FailedPreconditionError(absl::StrCat("device ", name, ": this machine has ", count,
                                                      count == 1 ? " GPU" : " GPUs",
                                                      " (cuda:0 to cuda:", count - 1, ")"));
  }
  return Cuda(index);
}

absl::Status CheckDeviceReady(const DeviceChoice& device) {
  try {
    const torch::Device d(device.name);
    const torch::Tensor x = torch::arange(16, torch::TensorOptions().dtype(torch::kFloat32).device(d));
    const double sum = x.sum().item<double>();
    if (sum != 120.0) {
      return absl::UnavailableError(
          absl::StrCat("device ", device.description, " computed 0+1+...+15 = ", sum));
    }
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("device ", device.description, " is not usable: ", e.what()));
  }
  return absl::OkStatus();
}

}  // namespace infip::server
