// SSIM exactly as InFIP.md fixes it (Wang et al. 2004): images scaled to 0..1 (uint8 / 255),
// Gaussian window 11 x 11 with sigma 1.5, C1 = 1e-4, C2 = 9e-4, population (not sample)
// covariance, and the mean over the valid part of the SSIM map (5 border pixels cropped).
// This is scikit-image's structural_similarity(gaussian_weights=True, sigma=1.5,
// use_sample_covariance=False, data_range=1), which the tests use as the oracle.
//
// All functions work on batches, on any device, in float64.
//
//   torch::Tensor per_key = SsimBatch(s, s_suspect);   // N
#pragma once

#include <torch/script.h>

#include "absl/status/status.h"

namespace infip::similarity {

struct SsimOptions {
  int64_t window = 11;
  double sigma = 1.5;
  double c1 = 1e-4;
  double c2 = 9e-4;
};

// OK when SsimMaps(a, b, options) is defined; INVALID_ARGUMENT naming the problem otherwise
// (not N x H x W, empty, shapes or devices differ, unsupported dtype, image smaller than the
// window, window even or sigma not positive).
[[nodiscard]] absl::Status CheckSsimInputs(const torch::Tensor& a, const torch::Tensor& b,
                                           const SsimOptions& options = {});

// a, b: N x H x W (uint8 images, or floating point already in 0..1), same shape, H, W >= window.
// Returns the N x (H - window + 1) x (W - window + 1) SSIM maps, float64. Inputs that fail
// CheckSsimInputs throw c10::Error: callers at a module boundary check first (Compare does).
[[nodiscard]] torch::Tensor SsimMaps(const torch::Tensor& a, const torch::Tensor& b,
                                     const SsimOptions& options = {});

// The mean of each map: N values, float64.
[[nodiscard]] torch::Tensor SsimBatch(const torch::Tensor& a, const torch::Tensor& b,
                                      const SsimOptions& options = {});

}  // namespace infip::similarity
