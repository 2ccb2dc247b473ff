// Invariances that follow from the rules: a network whose hidden channels are permuted, or
// whose layer is scaled by c > 0 while the next is scaled by 1/c, computes the same function,
// and z+ / zB give it the same relevance. A model that normalises its input inside its graph
// gets the same relevance as the same weights fed normalised input with the matching box.
#include <gtest/gtest.h>

#include "infip/dtd/engine.h"
#include "test_models.h"

namespace infip::dtd {
namespace {

torch::Tensor Explain(const std::string& name, const torch::Tensor& keys, const InputBox& box,
                      const std::string& composite = "dtd") {
  auto model = testing::LoadModel(name);
  if (!model) return {};
  auto engine = RelevanceEngine::Create(model, *Composite::ByName(composite));
  auto e = (*engine)->Explain(keys, box, {});
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? e->relevance : torch::Tensor();
}

TEST(Invariance, PermutedHiddenChannels) {
  const torch::Tensor keys = torch::rand({8, 1, 32, 32});
  const torch::Tensor a = Explain("vgg_like_nobias.pt", keys, {});
  const torch::Tensor b = Explain("vgg_like_permuted.pt", keys, {});
  ASSERT_TRUE(a.defined() && b.defined());
  EXPECT_TRUE(torch::allclose(a, b, 1e-4, 1e-7)) << (a - b).abs().max();
}

TEST(Invariance, PositiveRescalingOfConsecutiveLayers) {
  const torch::Tensor keys = torch::rand({8, 1, 32, 32});
  for (const char* composite : {"dtd", "epsilon-plus-flat"}) {
    const torch::Tensor a = Explain("vgg_like_nobias.pt", keys, {}, composite);
    const torch::Tensor b = Explain("vgg_like_rescaled.pt", keys, {}, composite);
    ASSERT_TRUE(a.defined() && b.defined());
    EXPECT_TRUE(torch::allclose(a, b, 1e-4, 1e-7)) << composite << ": " << (a - b).abs().max();
  }
}

TEST(Invariance, NormalisationInsideTheModelMovesTheBox) {
  // normalised_input.pt computes vgg_like_nobias((x - 0.5) / 0.25).
  const torch::Tensor raw = torch::rand({6, 1, 32, 32});
  const torch::Tensor inside = Explain("normalised_input.pt", raw, {});
  const torch::Tensor outside =
      Explain("vgg_like_nobias.pt", (raw - 0.5) / 0.25, InputBox{{-2.0}, {2.0}});
  ASSERT_TRUE(inside.defined() && outside.defined());
  EXPECT_TRUE(torch::allclose(inside, outside, 1e-4, 1e-6)) << (inside - outside).abs().max();
}

TEST(Invariance, DifferentModelsGiveDifferentRelevance) {
  // The property tests above would pass for an engine that ignored the weights; this one
  // would not.
  const torch::Tensor keys = torch::rand({4, 1, 32, 32});
  const torch::Tensor a = Explain("vgg_like.pt", keys, {});
  const torch::Tensor b = Explain("vgg_like_other.pt", keys, {});
  ASSERT_TRUE(a.defined() && b.defined());
  EXPECT_GT((a - b).abs().max().item<double>(), 1e-3);
}

}  // namespace
}  // namespace infip::dtd
