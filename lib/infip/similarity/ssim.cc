#include "infip/similarity/ssim.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"

namespace infip::similarity {
namespace {

// scipy.ndimage's Gaussian kernel: exp(-x^2 / (2 sigma^2)) on x = -r..r, normalised to sum 1.
// skimage derives r = int(3.5 * sigma + 0.5) = 5 for sigma = 1.5, i.e. our 11-tap window.
torch::Tensor GaussianKernel1d(int64_t window, double sigma, const torch::Device& device) {
  const int64_t radius = window / 2;
  std::vector<double> taps(static_cast<size_t>(window));
  double sum = 0.0;
  for (int64_t i = 0; i < window; ++i) {
    const double x = static_cast<double>(i - radius);
    taps[static_cast<size_t>(i)] = std::exp(-0.5 * x * x / (sigma * sigma));
    sum += taps[static_cast<size_t>(i)];
  }
  for (double& t : taps) t /= sum;
  return torch::tensor(taps, torch::TensorOptions().dtype(torch::kFloat64)).to(device);
}

// uint8 images are 0..255 and become 0..1; floating point images are taken as already 0..1.
torch::Tensor ToUnitRange(const torch::Tensor& x) {
  if (x.scalar_type() == torch::kUInt8) return x.to(torch::kFloat64).div_(255.0);
  return x.to(torch::kFloat64);
}

bool SupportedDtype(const torch::Tensor& x) {
  return x.scalar_type() == torch::kUInt8 || torch::isFloatingType(x.scalar_type());
}

// One 1-D 'valid' correlation along `dim`, as a sum of shifted slices. LibTorch runs a float64
// convolution through im2col image by image; eleven fused multiply-adds over the whole batch
// are several times faster and give the same sums.
torch::Tensor FilterValid(const torch::Tensor& x, const torch::Tensor& taps, int64_t dim) {
  const int64_t window = taps.size(0);
  const int64_t out_len = x.size(dim) - window + 1;
  const double* t = taps.data_ptr<double>();
  torch::Tensor out = x.narrow(dim, 0, out_len) * t[0];
  for (int64_t i = 1; i < window; ++i) out.add_(x.narrow(dim, i, out_len), t[i]);
  return out;
}

}  // namespace

absl::Status CheckSsimInputs(const torch::Tensor& a, const torch::Tensor& b,
                             const SsimOptions& options) {
  if (options.window < 1 || options.window % 2 == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("SSIM window must be odd and positive, got ", options.window));
  }
  if (!(options.sigma > 0.0) || !std::isfinite(options.sigma)) {
    return absl::InvalidArgumentError(
        absl::StrCat("SSIM sigma must be positive, got ", options.sigma));
  }
  if (!a.defined() || !b.defined()) {
    return absl::InvalidArgumentError("SSIM input image batch is undefined");
  }
  if (a.dim() != 3 || b.dim() != 3) {
    return absl::InvalidArgumentError(absl::StrCat("SSIM inputs must be N x H x W, got ", a.dim(),
                                                   "-D and ", b.dim(), "-D tensors"));
  }
  if (a.sizes() != b.sizes()) {
    return absl::InvalidArgumentError(
        absl::StrCat("SSIM inputs differ in shape: [", a.size(0), ", ", a.size(1), ", ", a.size(2),
                     "] vs [", b.size(0), ", ", b.size(1), ", ", b.size(2), "]"));
  }
  if (a.size(0) == 0) return absl::InvalidArgumentError("SSIM inputs are empty (N = 0)");
  if (a.size(1) < options.window || a.size(2) < options.window) {
    return absl::InvalidArgumentError(absl::StrCat("SSIM images of ", a.size(1), " x ", a.size(2),
                                                   " are smaller than the ", options.window, " x ",
                                                   options.window, " window"));
  }
  if (!SupportedDtype(a) || !SupportedDtype(b)) {
    return absl::InvalidArgumentError(
        absl::StrCat("SSIM inputs must be uint8 or floating point, got ",
                     std::string(c10::toString(a.scalar_type())), " and ",
                     std::string(c10::toString(b.scalar_type()))));
  }
  if (a.device() != b.device()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SSIM inputs are on different devices: ", a.device().str(), " and ", b.device().str()));
  }
  return absl::OkStatus();
}

torch::Tensor SsimMaps(const torch::Tensor& a, const torch::Tensor& b, const SsimOptions& options) {
  const absl::Status valid = CheckSsimInputs(a, b, options);
  TORCH_CHECK(valid.ok(), std::string(valid.message()));

  const int64_t n = a.size(0);
  const int64_t h = a.size(1);
  const int64_t w = a.size(2);
  const torch::Tensor x = ToUnitRange(a);
  const torch::Tensor y = ToUnitRange(b);

  // The five local moments share one separable Gaussian pass: N*5 single-channel images.
  // A 'valid' convolution is exactly skimage's reflect-padded filter cropped by the radius,
  // because no output pixel left in the valid region ever reads the padding.
  const torch::Tensor stacked =
      torch::stack({x, y, x * x, y * y, x * y}, /*dim=*/1).reshape({n * 5, 1, h, w});
  const torch::Tensor k = GaussianKernel1d(options.window, options.sigma, torch::kCPU);
  torch::Tensor moments = FilterValid(FilterValid(stacked, k, /*dim=*/3), k, /*dim=*/2);
  moments = moments.view({n, 5, h - options.window + 1, w - options.window + 1});

  const torch::Tensor ux = moments.select(1, 0);
  const torch::Tensor uy = moments.select(1, 1);
  // Population (not sample) covariance, as Wang et al. 2004.
  const torch::Tensor vx = moments.select(1, 2) - ux * ux;
  const torch::Tensor vy = moments.select(1, 3) - uy * uy;
  const torch::Tensor vxy = moments.select(1, 4) - ux * uy;

  const double c1 = options.c1;
  const double c2 = options.c2;
  return ((2.0 * ux * uy + c1) * (2.0 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
}

torch::Tensor SsimBatch(const torch::Tensor& a, const torch::Tensor& b,
                        const SsimOptions& options) {
  return SsimMaps(a, b, options).mean(/*dim=*/{1, 2});
}

}  // namespace infip::similarity
