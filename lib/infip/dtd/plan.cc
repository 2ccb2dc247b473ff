#include "infip/dtd/plan.h"

namespace infip::dtd {

GraphPlan MakePlan(std::shared_ptr<torch::jit::Graph> graph) {
  GraphPlan plan;
  plan.graph = std::move(graph);
  plan.data_path = model::DataPathValues(*plan.graph);
  const torch::jit::Value* pixels = plan.graph->inputs()[1];
  plan.before_first_layer.insert(pixels);
  for (const torch::jit::Node* node : plan.graph->nodes()) {
    bool on_path = false;
    bool all_before = true;
    for (const torch::jit::Value* in : node->inputs()) {
      if (!plan.data_path.count(in)) continue;
      on_path = true;
      all_before = all_before && plan.before_first_layer.count(in) > 0;
    }
    if (!on_path) continue;
    const model::OpClass cls = model::ClassifyOp(*node, plan.data_path);
    plan.op_class[node] = cls;
    if (cls == model::OpClass::kLinearLayer) {
      if (auto view = MakeConstantLayerView(*node)) plan.layers[node] = std::move(view);
    }
    if (!all_before) continue;
    if (cls == model::OpClass::kLinearLayer) {
      plan.input_layers.insert(node);
    } else if (cls != model::OpClass::kShapeRead) {
      for (const torch::jit::Value* out : node->outputs()) plan.before_first_layer.insert(out);
    }
  }
  return plan;
}

}  // namespace infip::dtd
