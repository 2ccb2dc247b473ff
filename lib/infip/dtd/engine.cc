#include "infip/dtd/engine.h"

#include <torch/csrc/autograd/autograd.h>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "infip/common/status_macros.h"
#include "infip/common/torch_status.h"
#include "infip/dtd/op_handlers.h"

namespace infip::dtd {
namespace {

using torch::jit::Block;
using torch::jit::Node;
using torch::jit::Value;

bool HasTensorOutput(const Node& node) {
  for (const Value* out : node.outputs()) {
    if (out->type()->isSubtypeOf(*c10::TensorType::get())) return true;
  }
  return false;
}

// Runs one node: its inputs from `env`, except those found in `substitute`.
void RunNode(const Node& node, ValueEnv& env, const ValueEnv* substitute, ValueEnv& out_env) {
  torch::jit::Stack stack;
  for (const Value* in : node.inputs()) {
    const c10::IValue* value = &env.at(in);
    if (substitute != nullptr) {
      if (auto it = substitute->find(in); it != substitute->end()) value = &it->second;
    }
    stack.push_back(*value);
  }
  node.getOperation()(stack);
  for (size_t i = 0; i < node.outputs().size(); ++i) out_env[node.outputs()[i]] = stack[i];
}

// List and tuple plumbing is emitted inline by LibTorch's interpreter, not registered as ops.
bool RunPlumbing(const Node& node, ValueEnv& env) {
  const c10::Symbol k = node.kind();
  if (k == c10::prim::ListConstruct) {
    c10::impl::GenericList list(node.output()->type()->expectRef<c10::ListType>().getElementType());
    for (const Value* in : node.inputs()) list.push_back(env.at(in));
    env[node.output()] = c10::IValue(std::move(list));
    return true;
  }
  if (k == c10::prim::TupleConstruct) {
    std::vector<c10::IValue> items;
    for (const Value* in : node.inputs()) items.push_back(env.at(in));
    env[node.output()] = c10::ivalue::Tuple::create(std::move(items));
    return true;
  }
  if (k == c10::prim::ListUnpack || k == c10::prim::TupleUnpack) {
    const c10::IValue& packed = env.at(node.inputs()[0]);
    std::vector<c10::IValue> items = packed.isList() ? packed.toListRef().vec()
                                                     : packed.toTupleRef().elements().vec();
    TORCH_CHECK(items.size() == node.outputs().size(), "cannot unpack ", items.size(),
                " values into ", node.outputs().size());
    for (size_t i = 0; i < items.size(); ++i) env[node.outputs()[i]] = items[i];
    return true;
  }
  return false;
}

// A small interpreter over the canonical graph that keeps every value. Shape checks compiled
// into prim::If nodes run their taken branch; a failing check throws as it would in PyTorch.
void RunBlock(const Block& block, ValueEnv& env) {
  for (const Node* node : block.nodes()) {
    if (node->kind() == c10::prim::Constant) {
      env[node->output()] = *torch::jit::toIValue(node->output());
    } else if (node->kind() == c10::prim::If) {
      const Block* taken = node->blocks()[env.at(node->inputs()[0]).toBool() ? 0 : 1];
      RunBlock(*taken, env);
      for (size_t i = 0; i < node->outputs().size(); ++i) {
        env[node->outputs()[i]] = env.at(taken->outputs()[i]);
      }
    } else if (!RunPlumbing(*node, env)) {
      TORCH_CHECK(node->blocks().empty(), "cannot run ", node->kind().toQualString());
      RunNode(*node, env, nullptr, env);
    }
  }
}

void Accumulate(std::unordered_map<const Value*, torch::Tensor>& relevance, const Value* v,
                torch::Tensor r) {
  auto [it, inserted] = relevance.try_emplace(v, r);
  if (!inserted) it->second = it->second + r;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RelevanceEngine>> RelevanceEngine::Create(
    std::shared_ptr<const model::CanonicalModel> model, Composite composite) {
  if (model == nullptr) return absl::InvalidArgumentError("no model to explain");
  if (model->device().is_cuda()) {
    // A fingerprint must not depend on which convolution algorithm cuDNN happens to pick, nor
    // on TF32: LibTorch lets cuDNN and cuBLAS round float32 operands to 10 mantissa bits by
    // default, which moved ResNet relevance by up to 15 % of its maximum against the CPU on an
    // H200 (docs/gpu.md); with TF32 off the two agree to about 1e-6.
    at::globalContext().setDeterministicCuDNN(true);
    at::globalContext().setBenchmarkCuDNN(false);
    at::globalContext().setAllowTF32CuDNN(false);
    at::globalContext().setAllowTF32CuBLAS(false);
  }
  GraphPlan plan = MakePlan(model->graph());
  return std::unique_ptr<RelevanceEngine>(
      new RelevanceEngine(std::move(model), std::move(composite), std::move(plan)));
}

absl::StatusOr<Explanation> RelevanceEngine::Explain(const torch::Tensor& batch,
                                                     const InputBox& box,
                                                     const ExplainOptions& options) const {
  if (!batch.defined() || batch.dim() != 4) {
    return absl::InvalidArgumentError("key images must be an N x C x H x W tensor");
  }
  const int64_t n = batch.size(0);
  const int64_t channels = batch.size(1);
  if (n == 0) return absl::InvalidArgumentError("the key set is empty");
  if (!batch.is_floating_point()) {
    return absl::InvalidArgumentError("key images must be floating point");
  }
  for (const auto* bound : {&box.low, &box.high}) {
    if (bound->size() != 1 && static_cast<int64_t>(bound->size()) != channels) {
      return absl::InvalidArgumentError(absl::StrCat("the input box has ", bound->size(),
                                                     " values for ", channels, " channels"));
    }
  }
  const torch::Device device = model_->device();
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  const torch::Tensor low = torch::tensor(box.low, torch::kFloat64).to(opts).view({1, -1, 1, 1});
  const torch::Tensor high = torch::tensor(box.high, torch::kFloat64).to(opts).view({1, -1, 1, 1});
  if ((low > high).any().item<bool>()) {
    return absl::InvalidArgumentError("the input box has a low bound above its high bound");
  }
  const int64_t chunk_size = std::max<int64_t>(1, options.chunk_size);
  std::vector<torch::Tensor> relevance, predicted;
  for (int64_t start = 0; start < n; start += chunk_size) {
    if (options.cancelled && options.cancelled()) {
      return absl::CancelledError(
          absl::StrCat("relevance cancelled after ", start, " of ", n, " images"));
    }
    const torch::Tensor chunk =
        batch.narrow(0, start, std::min(chunk_size, n - start)).to(opts).contiguous();
    absl::StatusOr<Explanation> part = composite_.is_gradient_baseline()
                                           ? GradientTimesInput(chunk)
                                           : ExplainChunk(chunk, low, high);
    if (!part.ok()) return part.status();
    relevance.push_back(std::move(part->relevance));
    predicted.push_back(std::move(part->predicted));
    if (options.progress) options.progress(start + chunk.size(0), n);
  }
  return Explanation{torch::cat(relevance), torch::cat(predicted)};
}

absl::StatusOr<Explanation> RelevanceEngine::ExplainChunk(const torch::Tensor& chunk,
                                                          const torch::Tensor& low,
                                                          const torch::Tensor& high) const {
  torch::NoGradGuard no_grad;
  const torch::jit::Graph& graph = *plan_.graph;
  const Value* pixels = graph.inputs()[1];
  ValueEnv env, box_low, box_high;
  env[graph.inputs()[0]] = model_->frozen_module()._ivalue();
  env[pixels] = chunk;
  box_low[pixels] = low.expand_as(chunk).contiguous();
  box_high[pixels] = high.expand_as(chunk).contiguous();

  // Forward: every value kept; the box follows the pixels up to the first layer.
  INFIP_RETURN_IF_ERROR(CatchTorchVoid("model forward pass failed", [&] {
    RunBlock(*graph.block(), env);
    for (const Node* node : graph.nodes()) {
      if (!HasTensorOutput(*node) || !plan_.before_first_layer.count(node->outputs()[0])) continue;
      TORCH_CHECK(!node->kind().is_prim(), "cannot track the input box through ",
                  node->kind().toQualString());
      RunNode(*node, env, &box_low, box_low);
      RunNode(*node, env, &box_high, box_high);
    }
  }));
  const torch::Tensor logits = env.at(graph.outputs()[0]).toTensor();
  if (logits.dim() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model must return N x classes logits, returned a ", logits.dim(), "-D tensor"));
  }
  const torch::Tensor predicted = logits.argmax(1);
  const BackwardContext ctx{env,     plan_.data_path, composite_, plan_.input_layers,
                            box_low, box_high,        plan_.layers};
  std::unordered_map<const Value*, torch::Tensor> relevance;
  relevance[graph.outputs()[0]] =
      torch::one_hot(predicted, logits.size(1)).to(logits.scalar_type());

  // Backward: node by node in reverse, each op by its rule.
  std::vector<const Node*> order(graph.nodes().begin(), graph.nodes().end());
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const Node& node = **it;
    auto cls = plan_.op_class.find(&node);
    if (cls == plan_.op_class.end() || node.outputs().empty()) continue;
    auto r = relevance.find(node.outputs()[0]);
    if (r == relevance.end()) continue;
    absl::StatusOr<InputRelevance> inputs = CatchTorch(
        absl::StrCat("relevance through ", node.kind().toQualString(), " at ",
                     model::NodeLocation(node)),
        [&] { return PropagateNode(node, cls->second, r->second, ctx); },
        absl::StatusCode::kInternal);
    if (!inputs.ok()) return inputs.status();
    if (spdlog::should_log(spdlog::level::trace)) {
      double in_sum = 0;
      for (const auto& [value, rel] : *inputs) in_sum += rel.sum().item<double>();
      spdlog::trace("dtd {} at {}: relevance {:.6f} -> {:.6f}", node.kind().toQualString(),
                    model::NodeLocation(node), r->second.sum().item<double>(), in_sum);
    }
    relevance.erase(r);
    for (auto& [value, rel] : *inputs) Accumulate(relevance, value, std::move(rel));
  }
  auto r = relevance.find(pixels);
  torch::Tensor input_relevance = r != relevance.end() ? r->second : torch::zeros_like(chunk);
  return Explanation{input_relevance.to(torch::kFloat32), predicted};
}

absl::StatusOr<Explanation> RelevanceEngine::GradientTimesInput(const torch::Tensor& chunk) const {
  return CatchTorch("gradient pass failed", [&] {
    torch::AutoGradMode grad_mode(true);
    torch::Tensor x = chunk.detach().requires_grad_(true);
    auto& module = const_cast<torch::jit::Module&>(model_->frozen_module());
    const torch::Tensor logits = module.forward({x}).toTensor();
    const torch::Tensor predicted = logits.argmax(1);
    const torch::Tensor picked = logits.gather(1, predicted.unsqueeze(1)).sum();
    const torch::Tensor grad = torch::autograd::grad({picked}, {x})[0];
    return Explanation{(grad * x).detach(), predicted};
  });
}

}  // namespace infip::dtd
