// Which TorchScript ops dtd/ can explain, and the check that runs before any work.
#pragma once

#include <string>
#include <vector>

#include <torch/script.h>

#include "absl/status/status.h"

namespace infip::model {

// True when `kind` carries relevance through a rule dtd/ implements (conv, linear, relu, ...).
[[nodiscard]] bool IsExplainableOp(c10::Symbol kind);

// OK when every node that consumes a tensor derived from the graph's image input is
// explainable (or only reads its shape); otherwise UNIMPLEMENTED listing each unsupported op
// kind with the source location or debug name where it appears.
[[nodiscard]] absl::Status CheckSupportedOps(const torch::jit::Graph& graph);

// The graph values computed from the image input (the "data path"), in node order.
[[nodiscard]] std::vector<const torch::jit::Value*> DataPathValues(const torch::jit::Graph& graph);

}  // namespace infip::model
