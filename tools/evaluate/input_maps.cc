#include "tools/evaluate/input_maps.h"

namespace infip::evaluate {
namespace {

// Per-image sum-to-one; images with nothing in them stay zero instead of becoming NaN.
torch::Tensor NormaliseMass(const torch::Tensor& map) {
  const torch::Tensor mass = map.sum({1, 2}, /*keepdim=*/true);
  return torch::where(mass > 0, map / mass.clamp_min(1e-30), torch::zeros_like(map));
}

torch::Tensor SobelMagnitude(const torch::Tensor& image) {  // N x 1 x H x W
  const torch::Tensor gx =
      torch::tensor({{-1.0f, 0.0f, 1.0f}, {-2.0f, 0.0f, 2.0f}, {-1.0f, 0.0f, 1.0f}})
          .view({1, 1, 3, 3});
  const torch::Tensor gy = gx.transpose(2, 3).contiguous();
  // Replicated borders: the zero padding of a conv would invent an edge around every image.
  const torch::Tensor padded = torch::replication_pad2d(image, {1, 1, 1, 1});
  const torch::Tensor dx = torch::conv2d(padded, gx);
  const torch::Tensor dy = torch::conv2d(padded, gy);
  return (dx * dx + dy * dy).sqrt();
}

}  // namespace

std::string_view InputMapName(InputMap map) {
  switch (map) {
    case InputMap::kGradientMagnitude:
      return "input-gradient-magnitude";
    case InputMap::kKeyImage:
      return "input-key-image";
  }
  return "unknown";
}

std::vector<InputMap> AllInputMaps() { return {InputMap::kGradientMagnitude, InputMap::kKeyImage}; }

torch::Tensor InputOnlyMap(InputMap map, const torch::Tensor& inputs, double low) {
  TORCH_CHECK(inputs.dim() == 4, "inputs must be N x C x H x W, got ", inputs.dim(), "-D");
  const torch::Tensor x = inputs.to(torch::kCPU, torch::kFloat32) - static_cast<float>(low);
  const torch::Tensor gray = x.sum(1, /*keepdim=*/true);  // channels summed, as Inf sums them
  torch::Tensor raw;
  switch (map) {
    case InputMap::kGradientMagnitude:
      raw = SobelMagnitude(gray).squeeze(1);
      break;
    case InputMap::kKeyImage:
      raw = gray.squeeze(1).clamp_min(0.0);
      break;
  }
  return NormaliseMass(raw).contiguous();
}

}  // namespace infip::evaluate
