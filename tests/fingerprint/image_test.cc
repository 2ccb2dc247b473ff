// Image(Inf, lambda) and the intrinsic feature against values worked out by hand.
#include "infip/fingerprint/image.h"

#include <gtest/gtest.h>
#include <torch/script.h>

#include <limits>

namespace infip::fingerprint {
namespace {

// An H x W feature map (batch of one) that is zero except for `values` along the first row.
torch::Tensor FeatureRow(int64_t h, int64_t w, const std::vector<float>& values) {
  torch::Tensor f = torch::zeros({1, h, w}, torch::kFloat32);
  for (size_t i = 0; i < values.size(); ++i) f[0][0][static_cast<int64_t>(i)] = values[i];
  return f;
}

std::vector<int> FirstRow(const torch::Tensor& img, size_t n) {
  std::vector<int> out;
  for (size_t i = 0; i < n; ++i) out.push_back(img[0][0][static_cast<int64_t>(i)].item<int>());
  return out;
}

TEST(LambdaScalingTest, NamesRoundTrip) {
  EXPECT_EQ(LambdaScalingName(LambdaScaling::kResolution), "resolution");
  EXPECT_EQ(LambdaScalingName(LambdaScaling::kLiteral), "literal");
  EXPECT_EQ(*ParseLambdaScaling("resolution"), LambdaScaling::kResolution);
  EXPECT_EQ(*ParseLambdaScaling("literal"), LambdaScaling::kLiteral);
  const absl::StatusOr<LambdaScaling> bad = ParseLambdaScaling("Literal");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("Literal"), std::string::npos);
}

TEST(EffectiveLambdaTest, ResolutionScalesByPixelCount) {
  const ImageOptions resolution{5000.0, LambdaScaling::kResolution};
  const ImageOptions literal{5000.0, LambdaScaling::kLiteral};
  // 32 * 32 / (224 * 224) = 1024 / 50176 = 1 / 49.
  EXPECT_NEAR(EffectiveLambda(resolution, 32, 32), 5000.0 / 49.0, 1e-12);
  EXPECT_DOUBLE_EQ(EffectiveLambda(resolution, 224, 224), 5000.0);
  EXPECT_DOUBLE_EQ(EffectiveLambda(resolution, 112, 448), 5000.0);  // same pixel count
  EXPECT_DOUBLE_EQ(EffectiveLambda(literal, 32, 32), 5000.0);
  EXPECT_DOUBLE_EQ(EffectiveLambda(literal, 224, 224), 5000.0);
}

TEST(FingerprintImagesTest, ResolutionScalingAt32x32) {
  // lambda_eff = 5000 / 49 = 102.04; 255 * lambda_eff = 26020.4:
  //   0.001  -> 26.02 -> 26      0.0005 -> 13.01 -> 13     0.0038 -> 98.88 -> 98 (floor)
  //   0.0098 -> 255.00000302 -> 255  0.01 -> 260.2 -> 255 (saturated)  0 -> 0
  // (float32 0.0098 is a hair above 0.0098, hence exactly 255 before saturation.)
  const torch::Tensor f = FeatureRow(32, 32, {0.001f, 0.0005f, 0.0038f, 0.0098f, 0.01f, 0.0f});
  const torch::Tensor img = FingerprintImages(f, {5000.0, LambdaScaling::kResolution});
  EXPECT_EQ(img.scalar_type(), torch::kUInt8);
  EXPECT_EQ(img.sizes(), f.sizes());
  EXPECT_EQ(FirstRow(img, 6), (std::vector<int>{26, 13, 98, 255, 255, 0}));
  EXPECT_EQ(img.sum().item<int64_t>(), 26 + 13 + 98 + 255 + 255);  // the rest stays black
}

TEST(FingerprintImagesTest, LiteralScalingAt32x32Saturates) {
  // 255 * 5000 = 1275000, applied to the float32 values (1e-4f is 9.99999975e-5):
  //   1e-5 -> 12.75 -> 12;  1e-4 -> 127.49999 -> 127;  2e-4 -> 254.99999 -> 254 (floor, not
  //   round);  0.001 -> 1275 -> 255 (saturated)
  const torch::Tensor f = FeatureRow(32, 32, {1e-5f, 1e-4f, 2e-4f, 0.001f});
  const torch::Tensor img = FingerprintImages(f, {5000.0, LambdaScaling::kLiteral});
  EXPECT_EQ(FirstRow(img, 4), (std::vector<int>{12, 127, 254, 255}));
  // The same map under resolution scaling is 49 times darker.
  const torch::Tensor res = FingerprintImages(f, {5000.0, LambdaScaling::kResolution});
  EXPECT_EQ(FirstRow(res, 4), (std::vector<int>{0, 2, 5, 26}));
}

TEST(FingerprintImagesTest, BothScalingsAgreeAt224x224) {
  // 255 * 5000 = 1275000:  3e-5 -> 38.25 -> 38;  1e-4 -> 127;  1.9e-4 -> 242.25 -> 242
  const torch::Tensor f = FeatureRow(224, 224, {3e-5f, 1e-4f, 1.9e-4f, 1.0f});
  const torch::Tensor res = FingerprintImages(f, {5000.0, LambdaScaling::kResolution});
  const torch::Tensor lit = FingerprintImages(f, {5000.0, LambdaScaling::kLiteral});
  EXPECT_EQ(FirstRow(res, 4), (std::vector<int>{38, 127, 242, 255}));
  EXPECT_TRUE(torch::equal(res, lit));
  // lambda = 1000: 255000 * 1.9e-4 = 48.45 -> 48.
  const torch::Tensor low = FingerprintImages(f, {1000.0, LambdaScaling::kResolution});
  EXPECT_EQ(FirstRow(low, 4), (std::vector<int>{7, 25, 48, 255}));
}

TEST(FingerprintImagesTest, NegativeAndNanBecomeBlack) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const torch::Tensor f = FeatureRow(16, 16, {-0.5f, nan, inf});
  const torch::Tensor img = FingerprintImages(f, {5000.0, LambdaScaling::kLiteral});
  EXPECT_EQ(FirstRow(img, 3), (std::vector<int>{0, 0, 255}));
}

TEST(IntrinsicFeatureTest, SumsChannelsAndClampsNegatives) {
  // N = 2, C = 3, 1 x 2 pixels.
  const torch::Tensor r = torch::tensor(
                              {
                                  0.3, 0.5, -0.1, -0.2, 0.2, -0.4,  // key 0, channels
                                  0.0, 0.25, 0.0, 0.25, 0.0, 0.5,   // key 1
                              },
                              torch::kFloat64)
                              .view({2, 3, 1, 2});
  const torch::Tensor inf = IntrinsicFeature(r);
  EXPECT_EQ(inf.scalar_type(), torch::kFloat32);
  EXPECT_EQ(inf.sizes(), (std::vector<int64_t>{2, 1, 2}));
  // key 0: pixel 0 = 0.3 - 0.1 + 0.2 = 0.4; pixel 1 = 0.5 - 0.2 - 0.4 = -0.1 -> 0.
  EXPECT_FLOAT_EQ(inf[0][0][0].item<float>(), 0.4f);
  EXPECT_EQ(inf[0][0][1].item<float>(), 0.0f);
  // key 1: 0 and 1.
  EXPECT_EQ(inf[1][0][0].item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(inf[1][0][1].item<float>(), 1.0f);
}

TEST(IntrinsicFeatureTest, ShapeErrorsThrow) {
  EXPECT_THROW((void)IntrinsicFeature(torch::zeros({3, 8, 8})), c10::Error);
  EXPECT_THROW((void)FingerprintImages(torch::zeros({1, 3, 8, 8}), {}), c10::Error);
}

}  // namespace
}  // namespace infip::fingerprint
