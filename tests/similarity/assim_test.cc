// ASSIM, the bootstrap interval and the decision.
#include "infip/similarity/assim.h"

#include <gtest/gtest.h>
#include <torch/script.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace infip::similarity {
namespace {

constexpr double kC1 = 1e-4;

double ConstantSsim(double a, double b) { return (2 * a * b + kC1) / (a * a + b * b + kC1); }

// N constant 12 x 12 images, one value each.
torch::Tensor Constants(const std::vector<double>& values) {
  std::vector<torch::Tensor> imgs;
  for (double v : values) imgs.push_back(torch::full({12, 12}, v, torch::kFloat64));
  return torch::stack(imgs);
}

TEST(CompareTest, IdenticalSetsScoreOne) {
  torch::manual_seed(7);
  const torch::Tensor s =
      torch::randint(0, 256, {6, 32, 32}, torch::TensorOptions().dtype(torch::kUInt8));
  absl::StatusOr<Comparison> c = Compare(s, s.clone(), {});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_NEAR(c->assim, 1.0, 1e-12);
  EXPECT_NEAR(c->ci_low, 1.0, 1e-12);
  EXPECT_NEAR(c->ci_high, 1.0, 1e-12);
  EXPECT_TRUE(c->pirated);
  EXPECT_EQ(c->per_key.size(), 6u);
}

TEST(CompareTest, StatisticsOfKnownPerKeyValues) {
  // Constant pairs: each per-key SSIM is known in closed form.
  const std::vector<double> a = {0.2, 0.5, 0.1, 0.9};
  const std::vector<double> b = {0.6, 0.5, 0.4, 0.3};
  std::vector<double> expected;
  for (size_t i = 0; i < a.size(); ++i) expected.push_back(ConstantSsim(a[i], b[i]));
  // By hand: 0.24/0.40 = 0.6 (approx.), 1, 0.08/0.17, 0.54/0.90 = 0.6 (approx.).
  absl::StatusOr<Comparison> c = Compare(Constants(a), Constants(b), {});
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->per_key.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(c->per_key[i], expected[i], 1e-12) << i;
  const double mean = (expected[0] + expected[1] + expected[2] + expected[3]) / 4;
  EXPECT_NEAR(c->assim, mean, 1e-12);
  EXPECT_NEAR(c->min_ssim, expected[2], 1e-12);
  // Sorted: e2 (0.47) < e0 (0.60) ~ e3 (0.60) < e1 (1): median is the mean of the middle two.
  EXPECT_NEAR(c->median_ssim, (expected[0] + expected[3]) / 2, 1e-12);
  EXPECT_LE(c->ci_low, c->assim);
  EXPECT_GE(c->ci_high, c->assim);
  EXPECT_EQ(c->threshold, 0.85);
  EXPECT_FALSE(c->pirated);  // about 0.67
}

TEST(CompareTest, DecisionAtThresholdBoundary) {
  const torch::Tensor a = Constants({0.2, 0.3, 0.7});
  const torch::Tensor b = Constants({0.25, 0.3, 0.6});
  CompareOptions at;
  absl::StatusOr<Comparison> probe = Compare(a, b, at);
  ASSERT_TRUE(probe.ok()) << probe.status();

  at.threshold = probe->assim;  // exactly equal: pirated (assim >= T)
  absl::StatusOr<Comparison> equal = Compare(a, b, at);
  ASSERT_TRUE(equal.ok());
  EXPECT_TRUE(equal->pirated);

  CompareOptions above;
  above.threshold = std::nextafter(probe->assim, 2.0);  // one ulp above: not pirated
  absl::StatusOr<Comparison> just_above = Compare(a, b, above);
  ASSERT_TRUE(just_above.ok());
  EXPECT_FALSE(just_above->pirated);
  EXPECT_EQ(just_above->threshold, above.threshold);
}

TEST(CompareTest, RejectsBadInputsAndOptions) {
  const torch::Tensor ok = torch::rand({2, 16, 16});
  EXPECT_EQ(Compare(torch::rand({0, 16, 16}), torch::rand({0, 16, 16}), {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Compare(ok, torch::rand({2, 17, 16}), {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Compare(torch::rand({2, 8, 8}), torch::rand({2, 8, 8}), {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  CompareOptions bad;
  bad.bootstrap_resamples = 0;
  EXPECT_EQ(Compare(ok, ok, bad).status().code(), absl::StatusCode::kInvalidArgument);
  bad = {};
  bad.confidence = 1.0;
  EXPECT_EQ(Compare(ok, ok, bad).status().code(), absl::StatusCode::kInvalidArgument);
  bad = {};
  bad.threshold = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(Compare(ok, ok, bad).status().code(), absl::StatusCode::kInvalidArgument);
  torch::Tensor nan = ok.clone();
  nan[0][3][3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(Compare(nan, ok, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

// Values from a fixed distribution (uniform on [0.6, 1.0]: sd = 0.4 / sqrt(12)).
std::vector<double> Sample(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> v(n);
  for (double& x : v) x = 0.6 + 0.4 * (static_cast<double>(rng() >> 11) * 0x1.0p-53);
  return v;
}

double MeanOf(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

TEST(BootstrapTest, IntervalContainsTheMean) {
  for (size_t n : {5u, 30u, 400u}) {
    const std::vector<double> v = Sample(n, n);
    const Interval ci = BootstrapMeanInterval(v, 2000, 0.95, 42);
    EXPECT_LT(ci.low, MeanOf(v)) << n;
    EXPECT_GT(ci.high, MeanOf(v)) << n;
    EXPECT_GE(ci.low, *std::min_element(v.begin(), v.end()));
    EXPECT_LE(ci.high, *std::max_element(v.begin(), v.end()));
  }
}

TEST(BootstrapTest, DeterministicForASeed) {
  const std::vector<double> v = Sample(50, 9);
  const Interval a = BootstrapMeanInterval(v, 1000, 0.95, 123);
  const Interval b = BootstrapMeanInterval(v, 1000, 0.95, 123);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  const Interval c = BootstrapMeanInterval(v, 1000, 0.95, 124);
  EXPECT_TRUE(a.low != c.low || a.high != c.high);
}

TEST(BootstrapTest, NarrowsWithNAsTheStandardErrorPredicts) {
  const double sd = 0.4 / std::sqrt(12.0);
  double previous_width = 1.0;
  for (size_t n : {25u, 100u, 400u, 1600u}) {
    const Interval ci = BootstrapMeanInterval(Sample(n, 1000 + n), 4000, 0.95, 5);
    const double width = ci.high - ci.low;
    // Normal theory: 2 * 1.96 * sd / sqrt(N); bootstrap and sampling noise stay within 20 %.
    const double predicted = 2 * 1.959964 * sd / std::sqrt(static_cast<double>(n));
    EXPECT_NEAR(width, predicted, 0.2 * predicted) << n;
    EXPECT_LT(width, previous_width * 0.6) << n;  // halves when N quadruples
    previous_width = width;
  }
}

TEST(BootstrapTest, TwoPointSetByHand) {
  // Resampling {0, 1} twice gives means 0, 0.5, 1 with probability 1/4, 1/2, 1/4: the 95 %
  // percentile interval is [0, 1] and the 40 % one collapses to 0.5.
  const Interval wide = BootstrapMeanInterval({0.0, 1.0}, 2000, 0.95, 3);
  EXPECT_EQ(wide.low, 0.0);
  EXPECT_EQ(wide.high, 1.0);
  const Interval narrow = BootstrapMeanInterval({0.0, 1.0}, 2000, 0.40, 3);
  EXPECT_EQ(narrow.low, 0.5);
  EXPECT_EQ(narrow.high, 0.5);
}

TEST(BootstrapTest, DegenerateInputs) {
  const Interval constant = BootstrapMeanInterval({0.7, 0.7, 0.7}, 500, 0.95, 1);
  EXPECT_DOUBLE_EQ(constant.low, 0.7);
  EXPECT_DOUBLE_EQ(constant.high, 0.7);
  const Interval single = BootstrapMeanInterval({0.3}, 500, 0.95, 1);
  EXPECT_EQ(single.low, 0.3);
  EXPECT_EQ(single.high, 0.3);
  const Interval empty = BootstrapMeanInterval({}, 500, 0.95, 1);
  EXPECT_TRUE(std::isnan(empty.low) && std::isnan(empty.high));
}

}  // namespace
}  // namespace infip::similarity
