// Every rule against numbers computed by hand on a tiny network:
//   x = [0.2, 0.6, 1.0] (box [0, 1]),  W1 = [[1, -1, 0.5], [-0.5, 1, 1]],  h = relu(W1 x),
//   W2 = [[-1, 2.5], [1, 1]],          logits = W2 h.
// W1 x = [0.1, 1.5], h = [0.1, 1.5], logits = [3.65, 1.6]: class 0 is predicted.
#include <gtest/gtest.h>

#include "infip/dtd/engine.h"
#include "test_models.h"

namespace infip::dtd {
namespace {

constexpr char kSource[] = R"(
def forward(self, x):
    h = torch.relu(torch.linear(torch.flatten(x, 1), self.w1))
    return torch.linear(h, self.w2)
)";

std::shared_ptr<model::CanonicalModel> TinyNet() {
  auto m = testing::DefineModule(
      kSource, {{"w1", torch::tensor({{1.0f, -1.0f, 0.5f}, {-0.5f, 1.0f, 1.0f}})},
                {"w2", torch::tensor({{-1.0f, 2.5f}, {1.0f, 1.0f}})}});
  auto c = model::CanonicalModel::FromModule(m, {});
  EXPECT_TRUE(c.ok()) << c.status();
  return std::move(*c);
}

torch::Tensor Relevance(const std::string& composite) {
  auto engine = RelevanceEngine::Create(TinyNet(), *Composite::ByName(composite));
  EXPECT_TRUE(engine.ok()) << engine.status();
  const torch::Tensor x = torch::tensor({0.2f, 0.6f, 1.0f}).view({1, 1, 1, 3});
  auto e = (*engine)->Explain(x, InputBox{}, {});
  EXPECT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->predicted.item<int64_t>(), 0);
  return e->relevance.view({3});
}

void ExpectNear(const torch::Tensor& got, std::vector<double> want) {
  ASSERT_EQ(got.numel(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(got[i].item<double>(), want[i], 1e-6) << "index " << i;
  }
}

TEST(RulesByHand, DtdCompositeIsZPlusThenZBox) {
  // z+ on W2 row 0: w+ = [0, 2.5], z = 1.5 * 2.5, so R_h = [0, 1].
  // zB on W1 row 1 (l = 0, h = 1): terms x_i w_i - l w+_i - h w-_i =
  //   [0.2 * -0.5 + 0.5, 0.6, 1.0] = [0.4, 0.6, 1.0], sum 2.0, times R_h1 = 1.
  ExpectNear(Relevance("dtd"), {0.2, 0.3, 0.5});
}

TEST(RulesByHand, EpsilonPlusFlatComposite) {
  // epsilon on W2 row 0 (a linear layer): z = 3.65, R_h = [-0.1, 3.75] / 3.65.
  // flat on W1: each of the 3 inputs gets 1/3 of each hidden unit: (sum R_h) / 3 = 1/3.
  ExpectNear(Relevance("epsilon-plus-flat"), {1.0 / 3, 1.0 / 3, 1.0 / 3});
}

TEST(RulesByHand, GradientTimesInput) {
  // d logit0 / dx = -1 * W1[0] + 2.5 * W1[1] = [-2.25, 3.5, 2.0] (both hidden units active).
  ExpectNear(Relevance("gradient-x-input"), {-0.45, 2.1, 2.0});
}

// A LinearLayer written out as plain matrix algebra, to exercise the rules directly.
class Dense final : public LinearLayer {
 public:
  Dense(torch::Tensor w, torch::Tensor b) : LinearLayer(std::move(w), std::move(b)) {}
  torch::Tensor Forward(const torch::Tensor& x, const torch::Tensor& w) const override {
    return x.matmul(w.t());
  }
  torch::Tensor Backward(const torch::Tensor& g, const torch::Tensor&,
                         const torch::Tensor& w) const override {
    return g.matmul(w);
  }
  torch::Tensor AddBias(const torch::Tensor& z) const override { return z + bias_; }
};

const torch::Tensor kX = torch::tensor({{0.2, 0.6, 1.0}}, torch::kFloat64);
const torch::Tensor kW1 = torch::tensor({{1.0, -1.0, 0.5}, {-0.5, 1.0, 1.0}}, torch::kFloat64);
const torch::Tensor kR = torch::tensor({{0.25, 0.75}}, torch::kFloat64);

TEST(RulesByHand, WSquare) {
  // Squares per output: row 0 [1, 1, 0.25], row 1 [0.25, 1, 1], both summing to 2.25.
  Dense layer(kW1, torch::zeros({2}, torch::kFloat64));
  const torch::Tensor r = ApplyRule({RuleKind::kWSquare, 1e-9}, layer, kX, kR, nullptr);
  ExpectNear(r.view({3}), {(0.25 * 1 + 0.75 * 0.25) / 2.25, (0.25 + 0.75) / 2.25,
                           (0.25 * 0.25 + 0.75 * 1) / 2.25});
}

TEST(RulesByHand, EpsilonIncludesBiasAndAbsorbsIt) {
  // z = W1 x + b = [0.1 + 0.4, 1.5 - 0.5] = [0.5, 1.0]; relevance absorbed by the bias is lost.
  Dense layer(kW1, torch::tensor({0.4, -0.5}, torch::kFloat64));
  const torch::Tensor r = ApplyRule({RuleKind::kEpsilon, 1e-9}, layer, kX, kR, nullptr);
  ExpectNear(r.view({3}), {0.2 * 0.25 / 0.5 - 0.1 * 0.75 / 1.0, -0.6 * 0.25 / 0.5 + 0.6 * 0.75,
                           0.5 * 0.25 / 0.5 + 1.0 * 0.75});
}

TEST(RulesByHand, ZPlusWithSignedInputsUsesOnlyPositiveContributions) {
  // x = [0.2, -0.6, 1.0]: row 0 positive parts x+w+ = [0.2, 0, 0.5], x-w- = [0, 0.6, 0]
  // (sum 1.3); row 1: [0, 0, 1.0] and [0, 0, 0] (sum 1.0).
  Dense layer(kW1, torch::Tensor());
  const torch::Tensor x = torch::tensor({{0.2, -0.6, 1.0}}, torch::kFloat64);
  const torch::Tensor r = ApplyRule({RuleKind::kZPlus, 1e-9}, layer, x, kR, nullptr);
  ExpectNear(r.view({3}), {0.25 * 0.2 / 1.3, 0.25 * 0.6 / 1.3, 0.25 * 0.5 / 1.3 + 0.75});
}

TEST(RulesByHand, StabiliserIsSignAwareAndKeepsZeroAtZero) {
  const torch::Tensor z = torch::tensor({-2.0, 0.0, 3.0}, torch::kFloat64);
  ExpectNear(Stabilise(z, 0.5), {-2.5, 0.5, 3.5});
  // A unit with no positive input: z+ = 0, its relevance cannot flow and nothing explodes.
  Dense layer(torch::tensor({{-1.0, -1.0}}, torch::kFloat64), torch::Tensor());
  const torch::Tensor r = ApplyRule({RuleKind::kZPlus, 1e-9}, layer,
                                    torch::tensor({{1.0, 2.0}}, torch::kFloat64),
                                    torch::tensor({{1.0}}, torch::kFloat64), nullptr);
  ExpectNear(r.view({2}), {0.0, 0.0});
}

TEST(RulesByHand, OverlappingMaxPoolAccumulates) {
  // Windows [0, 1] and [1, 2] of x = [0, 5, 0] both pick x1; each pooled value gets half of
  // the relevance, and x1 must receive both halves (an overwrite would leave 0.5).
  auto m = testing::DefineModule(R"(
def forward(self, x):
    p = torch.max_pool2d(x, [1, 2], [1, 1])
    return torch.linear(torch.flatten(p, 1), self.w)
)",
                                 {{"w", torch::tensor({{1.0f, 1.0f}, {0.0f, 0.1f}})}});
  auto model = model::CanonicalModel::FromModule(m, {});
  ASSERT_TRUE(model.ok()) << model.status();
  auto engine = RelevanceEngine::Create(std::move(*model), *Composite::ByName("dtd"));
  // The linear layer reads pooled pixels, so it is the pixel layer: zB with the box pooled
  // too (l = 0, h = 1): terms 5 - 0 = 5 for both pooled values; each gets 1/2.
  auto e = (*engine)->Explain(torch::tensor({0.0f, 5.0f, 0.0f}).view({1, 1, 1, 3}),
                              InputBox{}, {});
  ASSERT_TRUE(e.ok()) << e.status();
  ExpectNear(e->relevance.view({3}), {0.0, 1.0, 0.0});
}

}  // namespace
}  // namespace infip::dtd
