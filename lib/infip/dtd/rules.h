// Relevance rules for layers of the form z = W x (+ b): convolutions and linear layers.
//
// A rule maps the relevance R of a layer's output to the relevance of its input. All rules
// here are written once against LinearLayer, which knows how to run the layer forward with
// other weights (W+, W-, W^2, ones) and how to push a signal back through it (the input
// gradient of that forward), so conv2d with any stride, padding, dilation and groups and
// linear heads share one implementation. Every denominator gets the sign-aware stabiliser
// eps * sign(z) (sign(0) = +1), so a zero numerator stays zero.
//
//   z+  : R_i = sum_j (x_i w+_ij / sum_i' x_i' w+_i'j) R_j            (hidden layers, x >= 0)
//   zB  : R_i = sum_j (x_i w_ij - l_i w+_ij - h_i w-_ij) / sum_i'(...) R_j   (pixel layer)
//   eps : R_i = sum_j (x_i w_ij / (z_j + eps sign(z_j))) R_j, z_j = sum_i x_i w_ij + b_j
//   flat: R_i = sum_j (1 / sum_i' 1) R_j
//   w2  : R_i = sum_j (w_ij^2 / sum_i' w_i'j^2) R_j
// Biases are ignored by every rule except eps (InFIP.md).
#pragma once

#include <memory>
#include <string>

#include <torch/script.h>

#include "absl/status/statusor.h"

namespace infip::dtd {

// A conv2d or linear layer with its constant weight; bias may be undefined.
class LinearLayer {
 public:
  virtual ~LinearLayer() = default;
  // z = layer(x) with the given weight and no bias.
  [[nodiscard]] virtual torch::Tensor Forward(const torch::Tensor& x,
                                              const torch::Tensor& weight) const = 0;
  // d(sum(grad_out * Forward(x, weight)))/dx, for an input shaped like x.
  [[nodiscard]] virtual torch::Tensor Backward(const torch::Tensor& grad_out,
                                               const torch::Tensor& x,
                                               const torch::Tensor& weight) const = 0;
  // z + b, the bias broadcast over the output (z unchanged when there is no bias).
  [[nodiscard]] virtual torch::Tensor AddBias(const torch::Tensor& z) const = 0;
  [[nodiscard]] const torch::Tensor& weight() const { return weight_; }
  [[nodiscard]] const torch::Tensor& weight_pos() const { return weight_pos_; }  // max(0, W)
  [[nodiscard]] const torch::Tensor& weight_neg() const { return weight_neg_; }  // min(0, W)
  [[nodiscard]] const torch::Tensor& bias() const { return bias_; }

 protected:
  LinearLayer(torch::Tensor weight, torch::Tensor bias)
      : weight_(std::move(weight)), weight_pos_(weight_.clamp_min(0)),
        weight_neg_(weight_.clamp_max(0)), bias_(std::move(bias)) {}
  torch::Tensor weight_;
  torch::Tensor weight_pos_;
  torch::Tensor weight_neg_;
  torch::Tensor bias_;
};

enum class RuleKind { kZPlus, kZBox, kEpsilon, kFlat, kWSquare };

struct Rule {
  RuleKind kind = RuleKind::kZPlus;
  // Stabiliser of every denominator (InFIP.md: 1e-9); for kEpsilon the rule's epsilon.
  double epsilon = 1e-9;

  [[nodiscard]] std::string Name() const;  // "z+", "zB", "epsilon(1e-06)", "flat", "w2"
};

// The input box for the zB rule: the lowest and highest value each input of the layer can
// take, shaped like one layer input (batch dimension 1, broadcast over the batch).
struct Box {
  torch::Tensor low;
  torch::Tensor high;
};

// The relevance of the layer's input given the relevance of its output. `box` is used by zB
// only. Shapes: x is the layer input, relevance_out the layer output's shape.
[[nodiscard]] torch::Tensor ApplyRule(const Rule& rule, const LinearLayer& layer,
                                      const torch::Tensor& x, const torch::Tensor& relevance_out,
                                      const Box* box);

// z + eps * sign(z), with sign(0) = +1.
[[nodiscard]] torch::Tensor Stabilise(const torch::Tensor& z, double eps);

}  // namespace infip::dtd
