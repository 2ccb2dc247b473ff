// SSIM against the oracle InFIP.md names: scikit-image's structural_similarity with
// gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1, run for real
// under the system Python on the same images.
#include <gtest/gtest.h>
#include <torch/script.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "infip/similarity/ssim.h"
#include "npy_writer.h"
#include "test_env.h"

namespace infip::similarity {
namespace {

constexpr double kOracleTolerance = 1e-5;

// Runs tests/similarity/ssim_oracle.py on a and b; one SSIM per pair.
std::vector<double> OracleSsim(const torch::Tensor& a, const torch::Tensor& b) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) /
      (std::string("infip_ssim_") + info->name() + "_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string pa = (dir / "a.npy").string();
  const std::string pb = (dir / "b.npy").string();
  EXPECT_TRUE(testing::WriteNpy(a, pa));
  EXPECT_TRUE(testing::WriteNpy(b, pb));
  const std::string cmd =
      "'" + testing::SystemPython() + "' '" INFIP_SSIM_ORACLE "' '" + pa + "' '" + pb + "'";
  std::vector<double> values;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  EXPECT_NE(pipe, nullptr) << cmd;
  if (pipe == nullptr) return values;
  char line[128];
  while (std::fgets(line, sizeof line, pipe) != nullptr) values.push_back(std::stod(line));
  EXPECT_EQ(::pclose(pipe), 0) << "oracle failed: " << cmd;
  std::filesystem::remove_all(dir);
  return values;
}

void ExpectMatchesOracle(const torch::Tensor& a, const torch::Tensor& b) {
  const std::vector<double> expected = OracleSsim(a, b);
  const torch::Tensor got = SsimBatch(a, b).contiguous();
  ASSERT_EQ(got.scalar_type(), torch::kFloat64);
  ASSERT_EQ(static_cast<int64_t>(expected.size()), got.size(0));
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(got[static_cast<int64_t>(i)].item<double>(), expected[i], kOracleTolerance)
        << "pair " << i;
  }
}

torch::Tensor RandomUint8(int64_t n, int64_t h, int64_t w) {
  return torch::randint(0, 256, {n, h, w}, torch::TensorOptions().dtype(torch::kUInt8));
}

// Gaussian blobs of the given centres (row, col) and width, values 0..1.
torch::Tensor Blobs(int64_t h, int64_t w, const std::vector<std::pair<double, double>>& centres,
                    double width) {
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  const torch::Tensor r = torch::arange(h, opts).view({h, 1});
  const torch::Tensor c = torch::arange(w, opts).view({1, w});
  torch::Tensor img = torch::zeros({h, w}, opts);
  for (const auto& [cr, cc] : centres) {
    img += torch::exp(-((r - cr) * (r - cr) + (c - cc) * (c - cc)) / (2 * width * width));
  }
  return img.clamp(0.0, 1.0);
}

// Mostly black with a few dim specks, like a fingerprint of a small input: the regime where
// C1 and C2 dominate.
torch::Tensor SparseDark(int64_t n, int64_t h, int64_t w, double density, int64_t max_value) {
  const torch::Tensor mask = torch::rand({n, h, w}) < density;
  const torch::Tensor values =
      torch::randint(1, max_value + 1, {n, h, w}, torch::TensorOptions().dtype(torch::kInt64));
  return (values * mask).to(torch::kUInt8);
}

class SsimOracleTest : public ::testing::Test {
 protected:
  void SetUp() override { torch::manual_seed(20240607); }
};

TEST_F(SsimOracleTest, RandomUint8At32x32) {
  ExpectMatchesOracle(RandomUint8(4, 32, 32), RandomUint8(4, 32, 32));
}

TEST_F(SsimOracleTest, RandomFloatAt28x28) {
  const torch::Tensor a = torch::rand({3, 28, 28}, torch::kFloat64);
  // Correlated partner: SSIM well away from 0, so the comparison is not trivially small.
  const torch::Tensor b = (0.7 * a + 0.3 * torch::rand({3, 28, 28}, torch::kFloat64));
  ExpectMatchesOracle(a, b);
}

TEST_F(SsimOracleTest, GradientsAt64x48) {
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  const torch::Tensor horizontal = torch::linspace(0, 1, 48, opts).view({1, 48}).expand({64, 48});
  const torch::Tensor vertical = torch::linspace(0, 1, 64, opts).view({64, 1}).expand({64, 48});
  const torch::Tensor noisy = (horizontal + 0.05 * torch::randn({64, 48}, opts)).clamp(0, 1);
  const torch::Tensor a = torch::stack({horizontal, horizontal, vertical});
  const torch::Tensor b = torch::stack({vertical, noisy, 1.0 - vertical});
  ExpectMatchesOracle(a, b);
}

TEST_F(SsimOracleTest, BlobsAndShiftedCopies) {
  const torch::Tensor a0 = Blobs(32, 32, {{10, 10}, {20, 25}}, 3.0);
  const torch::Tensor a1 = Blobs(32, 32, {{16, 16}}, 5.0);
  const torch::Tensor a = torch::stack({a0, a0, a1, a1});
  const torch::Tensor b = torch::stack({torch::roll(a0, {2}, {1}), Blobs(32, 32, {{12, 9}}, 3.0),
                                        torch::roll(a1, {1, -3}, {0, 1}), a1 * 0.5});
  ExpectMatchesOracle(a, b);
}

TEST_F(SsimOracleTest, SparseDarkFingerprintLikeImages) {
  const torch::Tensor a = SparseDark(5, 32, 32, 0.1, 30);
  torch::Tensor b = SparseDark(5, 32, 32, 0.1, 30);
  b[0] = a[0];  // one identical pair among them
  ExpectMatchesOracle(a, b);
  ExpectMatchesOracle(SparseDark(3, 28, 28, 0.02, 255), SparseDark(3, 28, 28, 0.02, 255));
}

TEST_F(SsimOracleTest, SmallestAndNonSquareImages) {
  // 11 x 11 leaves a single valid pixel; 11 x 20 and 20 x 11 a single valid row / column.
  ExpectMatchesOracle(RandomUint8(2, 11, 11), RandomUint8(2, 11, 11));
  ExpectMatchesOracle(RandomUint8(2, 11, 20), RandomUint8(2, 11, 20));
  ExpectMatchesOracle(torch::rand({2, 20, 11}, torch::kFloat64),
                      torch::rand({2, 20, 11}, torch::kFloat64));
}

}  // namespace
}  // namespace infip::similarity
