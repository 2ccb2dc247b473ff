// Conservation: with a one-hot start on the predicted class, the relevance of each image's
// pixels sums to 1 for ReLU networks whose rules ignore biases (z+, zB), across VGG-like and
// ResNet-like graphs, overlapping max-pools and average pools.
#include <gtest/gtest.h>

#include "infip/dtd/engine.h"
#include "test_models.h"

namespace infip::dtd {
namespace {

ExplainOptions Chunks(int64_t size) {
  ExplainOptions o;
  o.chunk_size = size;
  return o;
}

torch::Tensor PixelSums(const std::string& name, int64_t channels) {
  auto model = testing::LoadModel(name);
  if (!model) return {};
  auto engine = RelevanceEngine::Create(model, *Composite::ByName("dtd"));
  EXPECT_TRUE(engine.ok());
  torch::manual_seed(3);
  const int64_t size = name == "overlap_pool.pt" || name == "fire_like.pt" ? 16 : 32;
  const torch::Tensor keys = torch::rand({12, channels, size, size});
  auto e = (*engine)->Explain(keys, InputBox{}, Chunks(5));
  EXPECT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->relevance.sizes(), keys.sizes());
  // The predicted classes are the model's own.
  EXPECT_TRUE(torch::equal(e->predicted, (*model->Forward(keys)).argmax(1)));
  return e->relevance.to(torch::kFloat64).sum({1, 2, 3});
}

void ExpectAllNear(const torch::Tensor& sums, double want, double tol) {
  ASSERT_TRUE(sums.defined());
  for (int64_t i = 0; i < sums.size(0); ++i) {
    EXPECT_NEAR(sums[i].item<double>(), want, tol) << "image " << i;
  }
}

TEST(Conservation, BiasFreeVgg) { ExpectAllNear(PixelSums("vgg_like_nobias.pt", 1), 1.0, 1e-4); }
// Residual sums split relevance by signed contributions; float32 cancellation there costs a
// little more precision than in plain chains.
TEST(Conservation, BiasFreeResNet) {
  ExpectAllNear(PixelSums("resnet_like_nobias.pt", 3), 1.0, 5e-4);
}
TEST(Conservation, OverlappingMaxPoolAndAveragePool) {
  ExpectAllNear(PixelSums("overlap_pool.pt", 1), 1.0, 1e-4);
}
TEST(Conservation, ConcatBranchesDepthwiseAndTranspose) {
  ExpectAllNear(PixelSums("fire_like.pt", 1), 1.0, 1e-4);
}
// Folded BatchNorm adds biases, which z+ and zB ignore, so conservation still holds.
TEST(Conservation, FoldedBatchNormVgg) { ExpectAllNear(PixelSums("vgg_like.pt", 1), 1.0, 1e-3); }
TEST(Conservation, FoldedBatchNormResNet) {
  ExpectAllNear(PixelSums("resnet_like.pt", 3), 1.0, 1e-3);
}

TEST(Conservation, ChunkingAndRepetitionDoNotChangeResults) {
  auto model = testing::LoadModel("resnet_like.pt");
  ASSERT_TRUE(model);
  auto engine = *RelevanceEngine::Create(model, *Composite::ByName("dtd"));
  const torch::Tensor keys = torch::rand({7, 3, 32, 32});
  auto a = engine->Explain(keys, InputBox{}, Chunks(7));
  auto b = engine->Explain(keys, InputBox{}, Chunks(7));
  auto c = engine->Explain(keys, InputBox{}, Chunks(2));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(torch::equal(a->relevance, b->relevance));  // deterministic
  EXPECT_TRUE(torch::allclose(a->relevance, c->relevance, 1e-4, 1e-7));
  std::vector<int64_t> progress;
  ExplainOptions with_progress = Chunks(3);
  with_progress.progress = [&](int64_t done, int64_t total) {
    EXPECT_EQ(total, 7);
    progress.push_back(done);
  };
  ASSERT_TRUE(engine->Explain(keys, InputBox{}, with_progress).ok());
  EXPECT_EQ(progress, (std::vector<int64_t>{3, 6, 7}));
}

}  // namespace
}  // namespace infip::dtd
