// How relevance crosses each class of op (model/op_support.h) on its way back to the pixels.
//
//   linear layer  composite rule (rules.h)       relu / pass-through  unchanged (reshaped)
//   max_pool2d    to the winner; overlapping     avg / adaptive avg   in proportion to inputs
//                 windows accumulate             / mean
//   residual add  in proportion to each branch   cat                  each input its slice
//   batch_norm    unchanged (only when it could not be folded)
//   transpose, permute, slice, select: relevance follows the values it moved with
#pragma once

#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <torch/script.h>

#include "absl/status/statusor.h"
#include "infip/dtd/composite.h"
#include "infip/model/op_support.h"

namespace infip::dtd {

// Every value the forward pass computed, by graph value.
using ValueEnv = std::unordered_map<const torch::jit::Value*, c10::IValue>;

struct LayerView;

struct BackwardContext {
  const ValueEnv& env;
  const model::ValueSet& data_path;
  const Composite& composite;
  // Linear layers that read the pixels (through pass-through ops only).
  const std::unordered_set<const torch::jit::Node*>& input_layers;
  // Box images for values before the first layer: the lowest / highest each can be.
  const ValueEnv& box_low;
  const ValueEnv& box_high;
  // Layers prepared once per model; others are built from `env` when reached.
  const std::unordered_map<const torch::jit::Node*, std::shared_ptr<const LayerView>>& layers;
};

using InputRelevance = std::vector<std::pair<const torch::jit::Value*, torch::Tensor>>;

// The relevance of each data-path tensor input of `node` (for cat: of the tensors in its
// list), given the relevance of its output. Throws c10::Error on tensor failures; the engine
// turns that into a status naming the node.
[[nodiscard]] InputRelevance PropagateNode(const torch::jit::Node& node, model::OpClass op_class,
                                           const torch::Tensor& relevance_out,
                                           const BackwardContext& ctx);

}  // namespace infip::dtd
