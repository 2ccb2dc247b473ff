// Input-only maps on images whose Sobel response and pixel mass are known in closed form.
#include "tools/evaluate/input_maps.h"

#include <gtest/gtest.h>

namespace infip::evaluate {
namespace {

torch::Tensor StepEdge() {  // 1 x 1 x 8 x 8: columns 0..3 dark, 4..7 bright
  torch::Tensor x = torch::zeros({1, 1, 8, 8});
  x.index_put_({torch::indexing::Slice(), torch::indexing::Slice(), torch::indexing::Slice(),
                torch::indexing::Slice(4, 8)},
               1.0);
  return x;
}

TEST(InputOnlyMap, GradientOfAStepLiesOnTheTwoColumnsBesideIt) {
  const torch::Tensor m = InputOnlyMap(InputMap::kGradientMagnitude, StepEdge());
  ASSERT_EQ(m.sizes(), (std::vector<int64_t>{1, 8, 8}));
  // Sobel x on columns 3 and 4 is 4 on every row (replicated borders keep the top and bottom
  // rows the same), zero elsewhere: 16 equal pixels sharing a mass of 1.
  for (int64_t r = 0; r < 8; ++r) {
    for (int64_t c = 0; c < 8; ++c) {
      const float expected = (c == 3 || c == 4) ? 1.0f / 16.0f : 0.0f;
      EXPECT_FLOAT_EQ(m[0][r][c].item<float>(), expected) << "row " << r << " column " << c;
    }
  }
}

TEST(InputOnlyMap, KeyImageMapIsThePixelsScaledToUnitMass) {
  const torch::Tensor m = InputOnlyMap(InputMap::kKeyImage, StepEdge());
  EXPECT_FLOAT_EQ(m[0][0][5].item<float>(), 1.0f / 32.0f);
  EXPECT_FLOAT_EQ(m[0][7][0].item<float>(), 0.0f);
  EXPECT_NEAR(m.sum().item<double>(), 1.0, 1e-6);
}

TEST(InputOnlyMap, FlatImagesHaveNoEdgesAndStayZeroNotNaN) {
  const torch::Tensor flat = torch::full({2, 1, 6, 6}, 0.5);
  const torch::Tensor g = InputOnlyMap(InputMap::kGradientMagnitude, flat);
  EXPECT_TRUE(torch::equal(g, torch::zeros({2, 6, 6})));
  const torch::Tensor k = InputOnlyMap(InputMap::kKeyImage, flat);
  EXPECT_TRUE(torch::allclose(k, torch::full({2, 6, 6}, 1.0f / 36.0f)));
  // A black image has no mass at all: zero, not 0 / 0.
  const torch::Tensor black = InputOnlyMap(InputMap::kKeyImage, torch::zeros({1, 1, 6, 6}));
  EXPECT_TRUE(torch::equal(black, torch::zeros({1, 6, 6})));
}

TEST(InputOnlyMap, ChannelsAreSummedAndTheBoxLowCountsAsNothing) {
  const torch::Tensor one = StepEdge();
  const torch::Tensor three = one.repeat({1, 3, 1, 1});
  EXPECT_TRUE(torch::allclose(InputOnlyMap(InputMap::kKeyImage, three),
                              InputOnlyMap(InputMap::kKeyImage, one)));
  // The same image normalised to [-1, 1]: with low = -1 the map is unchanged.
  const torch::Tensor normalised = one * 2.0 - 1.0;
  EXPECT_TRUE(torch::allclose(InputOnlyMap(InputMap::kKeyImage, normalised, -1.0),
                              InputOnlyMap(InputMap::kKeyImage, one)));
  EXPECT_TRUE(torch::allclose(InputOnlyMap(InputMap::kGradientMagnitude, normalised, -1.0),
                              InputOnlyMap(InputMap::kGradientMagnitude, one)));
}

TEST(InputOnlyMap, RefusesAnythingButABatchOfImages) {
  EXPECT_THROW((void)InputOnlyMap(InputMap::kKeyImage, torch::zeros({8, 8})), c10::Error);
}

TEST(InputMapName, NamesAreStable) {
  EXPECT_EQ(InputMapName(InputMap::kGradientMagnitude), "input-gradient-magnitude");
  EXPECT_EQ(InputMapName(InputMap::kKeyImage), "input-key-image");
  EXPECT_EQ(AllInputMaps().size(), 2u);
}

}  // namespace
}  // namespace infip::evaluate
