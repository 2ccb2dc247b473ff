#include "infip/dtd/linear_layers.h"

#include <ATen/ops/convolution_backward.h>

namespace infip::dtd {
namespace {

using torch::jit::Node;

const c10::IValue& Arg(const Node& node, size_t i, const ValueEnv& env) {
  return env.at(node.inputs()[i]);
}

class ConvLayer final : public LinearLayer {
 public:
  ConvLayer(torch::Tensor w, torch::Tensor b, std::vector<int64_t> stride,
            std::vector<int64_t> padding, std::vector<int64_t> dilation, int64_t groups)
      : LinearLayer(std::move(w), std::move(b)), stride_(std::move(stride)),
        padding_(std::move(padding)), dilation_(std::move(dilation)), groups_(groups) {}

  torch::Tensor Forward(const torch::Tensor& x, const torch::Tensor& w) const override {
    return at::conv2d(x, w, {}, stride_, padding_, dilation_, groups_);
  }
  torch::Tensor Backward(const torch::Tensor& g, const torch::Tensor& x,
                         const torch::Tensor& w) const override {
    // The input gradient of the convolution: one transposed convolution, any stride, padding,
    // dilation and groups, and the exact input size even when the stride leaves a remainder.
    return std::get<0>(at::convolution_backward(g, x, w, c10::nullopt, stride_, padding_,
                                                dilation_, false, {0, 0}, groups_,
                                                {true, false, false}));
  }
  torch::Tensor AddBias(const torch::Tensor& z) const override {
    return bias_.defined() ? z + bias_.view({1, -1, 1, 1}) : z;
  }

 private:
  std::vector<int64_t> stride_, padding_, dilation_;
  int64_t groups_;
};

// y = x W^T (+ b) over the last dimension.
class DenseLayer final : public LinearLayer {
 public:
  DenseLayer(torch::Tensor w, torch::Tensor b) : LinearLayer(std::move(w), std::move(b)) {}
  torch::Tensor Forward(const torch::Tensor& x, const torch::Tensor& w) const override {
    return at::linear(x, w);
  }
  torch::Tensor Backward(const torch::Tensor& g, const torch::Tensor& /*x*/,
                         const torch::Tensor& w) const override {
    return at::matmul(g, w);
  }
  torch::Tensor AddBias(const torch::Tensor& z) const override {
    return bias_.defined() ? z + bias_ : z;
  }
};

// conv2d's padding may be a string ("valid" / "same") in TorchScript.
std::vector<int64_t> ConvPadding(const c10::IValue& padding, const torch::Tensor& w,
                                 c10::IntArrayRef dilation) {
  if (!padding.isString()) return padding.toIntVector();
  const std::string mode = padding.toStringRef();
  if (mode == "valid") return {0, 0};
  TORCH_CHECK(mode == "same", "unknown conv2d padding mode ", mode);
  std::vector<int64_t> pad;
  for (int d = 0; d < 2; ++d) {
    const int64_t total = dilation[d] * (w.size(2 + d) - 1);
    TORCH_CHECK(total % 2 == 0, "conv2d padding='same' with asymmetric padding is not supported");
    pad.push_back(total / 2);
  }
  return pad;
}

torch::Tensor OptionalTensor(const c10::IValue& v) {
  return v.isTensor() ? v.toTensor() : torch::Tensor();
}

}  // namespace

LayerView MakeLayerView(const Node& node, const ValueEnv& env) {
  const std::string kind = node.kind().toQualString();
  if (kind == "aten::conv2d") {
    const torch::Tensor w = Arg(node, 1, env).toTensor();
    const std::vector<int64_t> dilation = Arg(node, 5, env).toIntVector();
    auto layer = std::make_unique<ConvLayer>(
        w, OptionalTensor(Arg(node, 2, env)), Arg(node, 3, env).toIntVector(),
        ConvPadding(Arg(node, 4, env), w, dilation), dilation, Arg(node, 6, env).toInt());
    return {std::move(layer), LayerType::kConv, node.inputs()[0]};
  }
  if (kind == "aten::linear") {
    auto layer = std::make_unique<DenseLayer>(Arg(node, 1, env).toTensor(),
                                              OptionalTensor(Arg(node, 2, env)));
    return {std::move(layer), LayerType::kLinear, node.inputs()[0]};
  }
  if (kind == "aten::addmm") {
    // beta * bias + alpha * (x @ W^T): fold alpha into the weight, beta into the bias.
    const double beta = Arg(node, 3, env).toScalar().toDouble();
    const double alpha = Arg(node, 4, env).toScalar().toDouble();
    auto layer = std::make_unique<DenseLayer>(alpha * Arg(node, 2, env).toTensor().t(),
                                              beta * Arg(node, 0, env).toTensor());
    return {std::move(layer), LayerType::kLinear, node.inputs()[1]};
  }
  // matmul / mm with a constant 2-D right operand.
  const torch::Tensor w = Arg(node, 1, env).toTensor();
  TORCH_CHECK(w.dim() == 2, kind, " with a ", w.dim(), "-D weight is not supported");
  return {std::make_unique<DenseLayer>(w.t(), torch::Tensor()), LayerType::kLinear,
          node.inputs()[0]};
}

std::shared_ptr<const LayerView> MakeConstantLayerView(const Node& node) {
  ValueEnv constants;
  const torch::jit::Value* data = node.kind() == c10::Symbol::fromQualString("aten::addmm")
                                      ? node.inputs()[1]
                                      : node.inputs()[0];
  for (const torch::jit::Value* in : node.inputs()) {
    if (in == data) continue;
    c10::optional<c10::IValue> v = torch::jit::toIValue(in);
    if (!v) return nullptr;
    constants[in] = *v;
  }
  return std::make_shared<const LayerView>(MakeLayerView(node, constants));
}

}  // namespace infip::dtd
