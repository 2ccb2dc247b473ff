#include "server/device.h"

#include <exception>

#include <torch/cuda.h>
#include <torch/script.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "server/config_values.h"
#include "server/gpu_name.h"

namespace infip::server {
namespace {

DeviceChoice Cuda(int index) {
  DeviceChoice d;
  d.name = absl::StrCat("cuda:", index);
  d.is_cuda = true;
  const std::string gpu = CudaDeviceName(index);
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
