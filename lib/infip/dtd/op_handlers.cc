#include "infip/dtd/op_handlers.h"

#include <torch/csrc/autograd/autograd.h>

#include "infip/dtd/linear_layers.h"
#include "infip/dtd/rules.h"

namespace infip::dtd {
namespace {

using model::OpClass;
using torch::jit::Node;
using torch::jit::Value;

constexpr double kStabiliser = 1e-9;

const torch::Tensor& Input(const Node& node, size_t i, const BackwardContext& ctx) {
  return ctx.env.at(node.inputs()[i]).toTensor();
}

// Re-runs `node` with its data input replaced by x (requiring grad) and returns the
// vector-Jacobian product with `signal`. For the linear ops used here (pooling, mean) this is
// the signal pushed back through the op; for max-pool it routes to the winners, accumulating
// where windows overlap.
torch::Tensor PullBack(const Node& node, const torch::Tensor& x, const torch::Tensor& signal,
                       const BackwardContext& ctx) {
  torch::AutoGradMode grad_mode(true);
  torch::Tensor leaf = x.detach().requires_grad_(true);
  torch::jit::Stack stack;
  for (size_t i = 0; i < node.inputs().size(); ++i) {
    stack.emplace_back(i == 0 ? c10::IValue(leaf) : ctx.env.at(node.inputs()[i]));
  }
  node.getOperation()(stack);
  torch::Tensor out = stack.back().toTensor();
  return torch::autograd::grad({out}, {leaf}, {signal.to(out.scalar_type())})[0];
}

InputRelevance LinearLayerRule(const Node& node, const torch::Tensor& r,
                               const BackwardContext& ctx) {
  std::shared_ptr<const LayerView> prepared;
  if (auto it = ctx.layers.find(&node); it != ctx.layers.end()) {
    prepared = it->second;
  } else {
    prepared = std::make_shared<const LayerView>(MakeLayerView(node, ctx.env));
  }
  const LayerView& view = *prepared;
  const bool input_layer = ctx.input_layers.count(&node) > 0;
  const Rule rule = ctx.composite.RuleFor(view.type, input_layer);
  const torch::Tensor& x = ctx.env.at(view.input).toTensor();
  Box box;
  if (rule.kind == RuleKind::kZBox) {
    const torch::Tensor lo = ctx.box_low.at(view.input).toTensor();
    const torch::Tensor hi = ctx.box_high.at(view.input).toTensor();
    // A negative scale inside the model swaps the bounds.
    box = Box{at::minimum(lo, hi), at::maximum(lo, hi)};
  }
  return {{view.input, ApplyRule(rule, *view.layer, x, r, &box)}};
}

InputRelevance Proportional(const Node& node, const torch::Tensor& r,
                            const BackwardContext& ctx) {
  const torch::Tensor& x = Input(node, 0, ctx);
  const torch::Tensor& z = ctx.env.at(node.outputs()[0]).toTensor();
  return {{node.inputs()[0], x * PullBack(node, x, r / Stabilise(z, kStabiliser), ctx)}};
}

InputRelevance ResidualAdd(const Node& node, const torch::Tensor& r, const BackwardContext& ctx) {
  const torch::Tensor& a = Input(node, 0, ctx);
  torch::Tensor b = Input(node, 1, ctx);
  if (node.inputs().size() > 2) b = b * ctx.env.at(node.inputs()[2]).toScalar().toDouble();
  // The node's own output is a + alpha * b (in-place ops were made functional on loading).
  const torch::Tensor s = r / Stabilise(ctx.env.at(node.outputs()[0]).toTensor(), kStabiliser);
  return {{node.inputs()[0], (a * s).sum_to_size(a.sizes())},
          {node.inputs()[1], (b * s).sum_to_size(b.sizes())}};
}

InputRelevance Concat(const Node& node, const torch::Tensor& r, const BackwardContext& ctx) {
  const Node* list = node.inputs()[0]->node();
  int64_t dim = ctx.env.at(node.inputs()[1]).toInt();
  if (dim < 0) dim += r.dim();
  InputRelevance out;
  int64_t offset = 0;
  for (const Value* in : list->inputs()) {
    const int64_t len = ctx.env.at(in).toTensor().size(dim);
    if (ctx.data_path.count(in)) out.emplace_back(in, r.narrow(dim, offset, len));
    offset += len;
  }
  return out;
}

}  // namespace

InputRelevance PropagateNode(const Node& node, OpClass op_class, const torch::Tensor& r,
                             const BackwardContext& ctx) {
  switch (op_class) {
    case OpClass::kLinearLayer:
      return LinearLayerRule(node, r, ctx);
    case OpClass::kMaxPool:
    case OpClass::kRearrange:
      return {{node.inputs()[0], PullBack(node, Input(node, 0, ctx), r, ctx)}};
    case OpClass::kProportional:
      return Proportional(node, r, ctx);
    case OpClass::kResidualAdd:
      return ResidualAdd(node, r, ctx);
    case OpClass::kConcat:
      return Concat(node, r, ctx);
    case OpClass::kRelu:
    case OpClass::kPassThrough:
    case OpClass::kBatchNorm: {
      const torch::Tensor& x = Input(node, 0, ctx);
      return {{node.inputs()[0], r.reshape(x.sizes())}};
    }
    case OpClass::kList:
    case OpClass::kShapeRead:
    case OpClass::kUnsupported:
      break;
  }
  return {};
}

}  // namespace infip::dtd
