// SSIM properties that can be checked by hand, independent of any oracle.
#include "infip/similarity/ssim.h"

#include <gtest/gtest.h>
#include <torch/script.h>

#include <cmath>

namespace infip::similarity {
namespace {

constexpr double kC1 = 1e-4;

// Constant images have zero variance and covariance, so SSIM reduces to the luminance term.
double ConstantSsim(double a, double b) { return (2 * a * b + kC1) / (a * a + b * b + kC1); }

torch::Tensor Constant(double v, int64_t h, int64_t w) {
  return torch::full({1, h, w}, v, torch::TensorOptions().dtype(torch::kFloat64));
}

TEST(SsimTest, ConstantImagesFollowTheClosedForm) {
  for (const auto& [a, b] : {std::pair{0.2, 0.6}, {0.0, 1.0}, {0.01, 0.02}, {0.5, 0.5}}) {
    const double got = SsimBatch(Constant(a, 16, 20), Constant(b, 16, 20)).item<double>();
    EXPECT_NEAR(got, ConstantSsim(a, b), 1e-12) << a << " vs " << b;
  }
  // Hand value: a = 0, b = 1 gives C1 / (1 + C1).
  EXPECT_NEAR(SsimBatch(Constant(0, 11, 11), Constant(1, 11, 11)).item<double>(), 1e-4 / 1.0001,
              1e-15);
}

TEST(SsimTest, IdenticalImagesScoreOne) {
  torch::manual_seed(1);
  const torch::Tensor a =
      torch::randint(0, 256, {3, 32, 32}, torch::TensorOptions().dtype(torch::kUInt8));
  const torch::Tensor s = SsimBatch(a, a.clone());
  for (int64_t i = 0; i < 3; ++i) EXPECT_NEAR(s[i].item<double>(), 1.0, 1e-12);
}

TEST(SsimTest, MapHasValidShapeAndDtype) {
  const torch::Tensor a = torch::rand({2, 28, 40});
  const torch::Tensor m = SsimMaps(a, a);
  EXPECT_EQ(m.scalar_type(), torch::kFloat64);
  EXPECT_EQ(m.sizes(), (std::vector<int64_t>{2, 18, 30}));
}

TEST(SsimTest, Uint8IsScaledBy255) {
  torch::manual_seed(2);
  const torch::Tensor a =
      torch::randint(0, 256, {2, 20, 20}, torch::TensorOptions().dtype(torch::kUInt8));
  const torch::Tensor b =
      torch::randint(0, 256, {2, 20, 20}, torch::TensorOptions().dtype(torch::kUInt8));
  const torch::Tensor as_uint8 = SsimBatch(a, b);
  const torch::Tensor as_float =
      SsimBatch(a.to(torch::kFloat64) / 255.0, b.to(torch::kFloat64) / 255.0);
  EXPECT_TRUE(torch::allclose(as_uint8, as_float, 0, 1e-14));
}

TEST(SsimTest, SymmetricAndBatchIndependent) {
  torch::manual_seed(3);
  const torch::Tensor a = torch::rand({4, 24, 24}, torch::kFloat64);
  const torch::Tensor b = torch::rand({4, 24, 24}, torch::kFloat64);
  const torch::Tensor batch = SsimBatch(a, b);
  EXPECT_TRUE(torch::allclose(batch, SsimBatch(b, a), 0, 1e-14));
  for (int64_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(SsimBatch(a.narrow(0, i, 1), b.narrow(0, i, 1)).item<double>(),
                batch[i].item<double>(), 1e-14);
  }
}

TEST(SsimTest, RejectsBadInputs) {
  const torch::Tensor ok = torch::rand({2, 16, 16});
  EXPECT_TRUE(CheckSsimInputs(ok, ok).ok());
  auto expect_invalid = [](const torch::Tensor& a, const torch::Tensor& b, const char* what) {
    const absl::Status s = CheckSsimInputs(a, b);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << what << ": " << s;
    EXPECT_THROW((void)SsimMaps(a, b), c10::Error) << what;
  };
  expect_invalid(torch::rand({0, 16, 16}), torch::rand({0, 16, 16}), "empty");
  expect_invalid(ok, torch::rand({2, 16, 17}), "mismatched");
  expect_invalid(ok, torch::rand({3, 16, 16}), "different N");
  expect_invalid(torch::rand({2, 10, 16}), torch::rand({2, 10, 16}), "too small");
  expect_invalid(torch::rand({16, 16}), torch::rand({16, 16}), "2-D");
  expect_invalid(torch::ones({2, 16, 16}, torch::kInt32), torch::ones({2, 16, 16}, torch::kInt32),
                 "int32");
  expect_invalid(ok, torch::Tensor(), "undefined");
  SsimOptions even;
  even.window = 10;
  EXPECT_EQ(CheckSsimInputs(ok, ok, even).code(), absl::StatusCode::kInvalidArgument);
  SsimOptions no_sigma;
  no_sigma.sigma = 0;
  EXPECT_EQ(CheckSsimInputs(ok, ok, no_sigma).code(), absl::StatusCode::kInvalidArgument);
}

TEST(SsimTest, MessagesNameTheProblem) {
  const absl::Status small = CheckSsimInputs(torch::rand({1, 8, 30}), torch::rand({1, 8, 30}));
  EXPECT_NE(small.message().find("smaller than the 11 x 11 window"), std::string::npos) << small;
  const absl::Status shape = CheckSsimInputs(torch::rand({1, 12, 12}), torch::rand({1, 12, 13}));
  EXPECT_NE(shape.message().find("differ in shape"), std::string::npos) << shape;
}

}  // namespace
}  // namespace infip::similarity
