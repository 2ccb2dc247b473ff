// Which device infip-server extracts on, and whether it is ready. "auto" takes the first GPU
// when LibTorch sees a usable one and the CPU otherwise; "cuda:N" must name a GPU that
// exists. ServerInfo reports the description ("cpu" or "cuda:0 (NVIDIA H100 80GB HBM3)").
//
//   INFIP_ASSIGN_OR_RETURN(DeviceChoice device, ChooseDevice(config.device));
//   INFIP_RETURN_IF_ERROR(CheckDeviceReady(device));   // the health service waits for this
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace infip::server {

struct DeviceChoice {
  std::string name;         // what torch::Device parses: "cpu" or "cuda:N"
  std::string description;  // "cpu" or "cuda:N (<GPU name>)"
  bool is_cuda = false;
};

// FAILED_PRECONDITION naming the device when it asks for CUDA and this build or machine has
// none, or names a GPU index past the last one; INVALID_ARGUMENT for an unknown name.
[[nodiscard]] absl::StatusOr<DeviceChoice> ChooseDevice(std::string_view configured);

// Runs a tiny computation on the device (for a GPU this also pays CUDA's start-up cost
// before the first request does). UNAVAILABLE naming the device when it fails.
[[nodiscard]] absl::Status CheckDeviceReady(const DeviceChoice& device);

}  // namespace infip::server
