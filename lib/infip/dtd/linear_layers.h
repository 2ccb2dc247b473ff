// LinearLayer views of the graph's conv2d and linear-like nodes (rules.h).
#pragma once

#include <memory>

#include <torch/script.h>

#include "infip/dtd/op_handlers.h"
#include "infip/dtd/rules.h"

namespace infip::dtd {

// A LinearLayer for a kLinearLayer node (conv2d, linear, addmm, matmul, mm), its weight and
// bias read from the forward values; `type` tells conv from dense for the composite.
struct LayerView {
  std::unique_ptr<LinearLayer> layer;
  LayerType type;
  const torch::jit::Value* input;  // the data-path input
};
[[nodiscard]] LayerView MakeLayerView(const torch::jit::Node& node, const ValueEnv& env);

// The view of a layer whose weight and settings are graph constants (always, after freezing),
// built once per model; null when some input is computed at run time.
[[nodiscard]] std::shared_ptr<const LayerView> MakeConstantLayerView(const torch::jit::Node& node);

}  // namespace infip::dtd
