#include "infip/dtd/rules.h"

#include "absl/strings/str_format.h"

namespace infip::dtd {
namespace {

// s = R / stabilised(z), then the signal pushed back through the layer with `weight`.
torch::Tensor Contribution(const LinearLayer& layer, const torch::Tensor& x,
                           const torch::Tensor& weight, const torch::Tensor& z,
                           const torch::Tensor& relevance_out, double eps) {
  return layer.Backward(relevance_out / Stabilise(z, eps), x, weight);
}

torch::Tensor ZPlus(const LinearLayer& layer, const torch::Tensor& x, const torch::Tensor& r,
                    double eps) {
  const torch::Tensor& w_pos = layer.weight_pos();
  if (x.min().item<double>() >= 0) {
    // The case InFIP.md writes down: inputs after a ReLU are non-negative, so z >= 0 and the
    // stabiliser is +eps. This is the hot path of every extraction: keep it to one extra
    // convolution, its transpose and in-place element-wise work.
    torch::Tensor s = layer.Forward(x, w_pos).add_(eps);
    at::div_out(s, r, s);
    return layer.Backward(s, x, w_pos).mul_(x);
  }
  // General form for signed inputs: only positive contributions x+ w+ and x- w- count.
  const torch::Tensor& w_neg = layer.weight_neg();
  const torch::Tensor x_pos = x.clamp_min(0);
  const torch::Tensor x_neg = x.clamp_max(0);
  const torch::Tensor z = layer.Forward(x_pos, w_pos) + layer.Forward(x_neg, w_neg);
  const torch::Tensor s = r / Stabilise(z, eps);
  return x_pos * layer.Backward(s, x, w_pos) + x_neg * layer.Backward(s, x, w_neg);
}

torch::Tensor ZBox(const LinearLayer& layer, const torch::Tensor& x, const torch::Tensor& r,
                   const Box& box, double eps) {
  const torch::Tensor& w = layer.weight();
  const torch::Tensor& w_pos = layer.weight_pos();
  const torch::Tensor& w_neg = layer.weight_neg();
  const torch::Tensor low = box.low.expand_as(x);
  const torch::Tensor high = box.high.expand_as(x);
  const torch::Tensor z =
      layer.Forward(x, w) - layer.Forward(low, w_pos) - layer.Forward(high, w_neg);
  const torch::Tensor s = r / Stabilise(z, eps);
  return x * layer.Backward(s, x, w) - low * layer.Backward(s, x, w_pos) -
         high * layer.Backward(s, x, w_neg);
}

torch::Tensor Epsilon(const LinearLayer& layer, const torch::Tensor& x, const torch::Tensor& r,
                      double eps) {
  const torch::Tensor z = layer.AddBias(layer.Forward(x, layer.weight()));
  return x * Contribution(layer, x, layer.weight(), z, r, eps);
}

// Flat and w^2 ignore the input values: relevance spreads by weight pattern only.
torch::Tensor InputFree(const LinearLayer& layer, const torch::Tensor& x, const torch::Tensor& r,
                        const torch::Tensor& weight, double eps) {
  const torch::Tensor ones = torch::ones_like(x);
  const torch::Tensor z = layer.Forward(ones, weight);
  return Contribution(layer, x, weight, z, r, eps);
}

}  // namespace

torch::Tensor Stabilise(const torch::Tensor& z, double eps) {
  return at::where(z >= 0, c10::Scalar(eps), c10::Scalar(-eps)).to(z.scalar_type()).add_(z);
}

std::string Rule::Name() const {
  switch (kind) {
    case RuleKind::kZPlus:
      return "z+";
    case RuleKind::kZBox:
      return "zB";
    case RuleKind::kEpsilon:
      return absl::StrFormat("epsilon(%g)", epsilon);
    case RuleKind::kFlat:
      return "flat";
    case RuleKind::kWSquare:
      return "w2";
  }
  return "unknown";
}

torch::Tensor ApplyRule(const Rule& rule, const LinearLayer& layer, const torch::Tensor& x,
                        const torch::Tensor& relevance_out, const Box* box) {
  switch (rule.kind) {
    case RuleKind::kZPlus:
      return ZPlus(layer, x, relevance_out, rule.epsilon);
    case RuleKind::kZBox:
      TORCH_CHECK(box != nullptr, "the zB rule needs an input box");
      return ZBox(layer, x, relevance_out, *box, rule.epsilon);
    case RuleKind::kEpsilon:
      return Epsilon(layer, x, relevance_out, rule.epsilon);
    case RuleKind::kFlat:
      return InputFree(layer, x, relevance_out, torch::ones_like(layer.weight()), rule.epsilon);
    case RuleKind::kWSquare:
      return InputFree(layer, x, relevance_out, layer.weight().square(), rule.epsilon);
  }
  TORCH_CHECK(false, "unknown relevance rule");
}

}  // namespace infip::dtd
