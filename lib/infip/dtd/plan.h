// What the engine learns once per model from the canonical graph, before any image is seen.
#pragma once

#include <memory>
#include <unordered_map>
#include <unordered_set>

#include <torch/script.h>

#include "infip/dtd/linear_layers.h"
#include "infip/model/op_support.h"

namespace infip::dtd {

struct GraphPlan {
  std::shared_ptr<torch::jit::Graph> graph;
  model::ValueSet data_path;
  std::unordered_map<const torch::jit::Node*, model::OpClass> op_class;  // data-path nodes
  // Values computed from the pixels through pass-through ops only: the box is tracked for
  // them, so the pixel layer's zB rule sees bounds in its own input space.
  model::ValueSet before_first_layer;
  std::unordered_set<const torch::jit::Node*> input_layers;
  // conv2d / linear layers with constant weights, prepared once (W+, W- split).
  std::unordered_map<const torch::jit::Node*, std::shared_ptr<const LayerView>> layers;
};

[[nodiscard]] GraphPlan MakePlan(std::shared_ptr<torch::jit::Graph> graph);

}  // namespace infip::dtd
