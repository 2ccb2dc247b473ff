// ASSIM: the mean SSIM over the key set, its bootstrap confidence interval, and the decision.
//
//   INFIP_ASSIGN_OR_RETURN(Comparison c, Compare(original.images, suspect.images, {}));
//   if (c.pirated) ...   // c.assim >= c.threshold
#pragma once

#include <cstdint>
#include <vector>

#include <torch/script.h>

#include "absl/status/statusor.h"
#include "infip/similarity/ssim.h"

namespace infip::similarity {

struct CompareOptions {
  double threshold = 0.85;
  int bootstrap_resamples = 2000;
  double confidence = 0.95;
  uint64_t seed = 0x1f1b5eed;  // fixed: the same inputs always give the same interval
  SsimOptions ssim;
};

struct Comparison {
  double assim = 0.0;
  double ci_low = 0.0;   // percentile bootstrap over the keys
  double ci_high = 0.0;
  double threshold = 0.0;
  bool pirated = false;  // assim >= threshold
  double min_ssim = 0.0;
  double median_ssim = 0.0;
  std::vector<double> per_key;  // in key order
};

// INVALID_ARGUMENT when the sets are empty, differ in shape, or are too small for the window.
[[nodiscard]] absl::StatusOr<Comparison> Compare(const torch::Tensor& original,
                                                 const torch::Tensor& suspect,
                                                 const CompareOptions& options);

// Percentile bootstrap interval of the mean of `values`.
struct Interval {
  double low = 0.0;
  double high = 0.0;
};
[[nodiscard]] Interval BootstrapMeanInterval(const std::vector<double>& values, int resamples,
                                             double confidence, uint64_t seed);

}  // namespace infip::similarity
