// Which TorchScript ops dtd/ can explain, and the check that runs before any work.
//
// Only nodes on the data path (those that consume a value computed from the image input)
// matter; weights and shape arithmetic are constants after freezing. Each data-path node falls
// into one OpClass, which fixes how relevance crosses it (dtd/op_handlers.h).
#pragma once

#include <string>
#include <unordered_set>

#include <torch/script.h>

#include "absl/status/status.h"

namespace infip::model {

enum class OpClass {
  kLinearLayer,   // conv2d, linear, addmm, matmul / mm with a constant weight: a composite rule
  kRelu,          // relu, relu6 / hardtanh (clipped ReLU): relevance passes unchanged
  kRearrange,     // transpose, permute, slice, narrow, select: relevance moves with the values
  kMaxPool,       // max_pool2d: winner takes all, overlapping windows accumulate
  kProportional,  // avg_pool2d, adaptive_avg_pool2d, mean: split in proportion to the inputs
  kPassThrough,   // flatten, view, reshape, dropout, identity-like, a constant shift or scale
  kResidualAdd,   // add of two data-path tensors: split in proportion to each branch
  kConcat,        // cat: each input gets its slice back
  kBatchNorm,     // a batch_norm left unfolded: relevance passes unchanged
  kList,          // prim::ListConstruct feeding cat
  kShapeRead,     // only non-tensor outputs (size, dim, control on shapes): no relevance
  kUnsupported,
};

using ValueSet = std::unordered_set<const torch::jit::Value*>;

// The values computed from the image input (graph input 1), through nested blocks too.
[[nodiscard]] ValueSet DataPathValues(const torch::jit::Graph& graph);

// The class of a data-path node.
[[nodiscard]] OpClass ClassifyOp(const torch::jit::Node& node, const ValueSet& data_path);

// Where a node comes from, for error messages: source file:line when known, else the name of
// its first output.
[[nodiscard]] std::string NodeLocation(const torch::jit::Node& node);

// OK when every data-path node is explainable; otherwise UNIMPLEMENTED listing each unsupported
// op kind with where it appears. Also rejects graphs whose output is not one tensor.
[[nodiscard]] absl::Status CheckSupportedOps(const torch::jit::Graph& graph);

}  // namespace infip::model
