#include "infip/similarity/assim.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "infip/common/torch_status.h"

namespace infip::similarity {
namespace {

double Mean(const std::vector<double>& v) {
  double sum = 0.0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

// Linear interpolation between order statistics (numpy's default "linear" method), so the
// interval does not jump with the parity of the resample count.
double Quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return sorted[lo] + frac * (sorted[hi] - sorted[lo]);
}

// Unbiased index in [0, n) by rejection. std::uniform_int_distribution is implementation
// defined, so it would make the "same inputs, same interval" promise depend on the standard
// library; mt19937_64's output sequence is fixed by the standard.
size_t UniformIndex(std::mt19937_64& rng, size_t n) {
  const uint64_t range = static_cast<uint64_t>(n);
  const uint64_t limit =
      std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % range;
  uint64_t v;
  do {
    v = rng();
  } while (v >= limit);
  return static_cast<size_t>(v % range);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : 0.5 * (v[mid - 1] + v[mid]);
}

absl::Status CheckOptions(const CompareOptions& options) {
  if (!std::isfinite(options.threshold)) {
    return absl::InvalidArgumentError(
        absl::StrCat("threshold must be finite, got ", options.threshold));
  }
  if (options.bootstrap_resamples < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("bootstrap_resamples must be >= 1, got ", options.bootstrap_resamples));
  }
  if (!(options.confidence > 0.0 && options.confidence < 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("confidence must lie in (0, 1), got ", options.confidence));
  }
  return absl::OkStatus();
}

}  // namespace

Interval BootstrapMeanInterval(const std::vector<double>& values, int resamples, double confidence,
                               uint64_t seed) {
  if (values.empty()) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    return {nan, nan};
  }
  const double mean = Mean(values);
  if (resamples < 1 || values.size() == 1) return {mean, mean};

  std::mt19937_64 rng(seed);
  std::vector<double> means(static_cast<size_t>(resamples));
  for (double& m : means) {
    double sum = 0.0;
    for (size_t i = 0; i < values.size(); ++i) sum += values[UniformIndex(rng, values.size())];
    m = sum / static_cast<double>(values.size());
  }
  std::sort(means.begin(), means.end());
  const double alpha = (1.0 - std::clamp(confidence, 0.0, 1.0)) / 2.0;
  return {Quantile(means, alpha), Quantile(means, 1.0 - alpha)};
}

absl::StatusOr<Comparison> Compare(const torch::Tensor& original, const torch::Tensor& suspect,
                                   const CompareOptions& options) {
  INFIP_RETURN_IF_ERROR(CheckOptions(options));
  INFIP_RETURN_IF_ERROR(CheckSsimInputs(original, suspect, options.ssim));
  INFIP_ASSIGN_OR_RETURN(
      torch::Tensor ssim, CatchTorch("SSIM", [&] {
        return SsimBatch(original, suspect, options.ssim).to(torch::kCPU).contiguous();
      }));

  Comparison c;
  c.per_key.assign(ssim.data_ptr<double>(), ssim.data_ptr<double>() + ssim.numel());
  for (size_t i = 0; i < c.per_key.size(); ++i) {
    if (!std::isfinite(c.per_key[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("SSIM of key ", i, " is not finite: the images contain NaN or inf"));
    }
  }
  c.assim = Mean(c.per_key);
  const Interval ci = BootstrapMeanInterval(c.per_key, options.bootstrap_resamples,
                                            options.confidence, options.seed);
  c.ci_low = ci.low;
  c.ci_high = ci.high;
  c.threshold = options.threshold;
  c.pirated = c.assim >= options.threshold;
  c.min_ssim = *std::min_element(c.per_key.begin(), c.per_key.end());
  c.median_ssim = Median(c.per_key);
  return c;
}

}  // namespace infip::similarity
