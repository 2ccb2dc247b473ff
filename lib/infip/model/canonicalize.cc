#include "infip/model/canonicalize.h"

#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/frozen_conv_folding.h>
#include <torch/csrc/jit/passes/graph_rewrite_helper.h>
#include <torch/csrc/jit/passes/remove_mutation.h>

namespace infip::model {
namespace {

int CountBatchNorms(const torch::jit::Block& block) {
  int n = 0;
  for (const torch::jit::Node* node : block.nodes()) {
    if (node->kind() == c10::Symbol::fromQualString("aten::batch_norm")) ++n;
    for (const torch::jit::Block* sub : node->blocks()) n += CountBatchNorms(*sub);
  }
  return n;
}

}  // namespace

int FoldBatchNorm(const std::shared_ptr<torch::jit::Graph>& graph) {
  std::shared_ptr<torch::jit::Graph> g = graph;
  const int before = CountBatchNorms(*g->block());
  // LibTorch's own pass folds conv -> batch_norm pairs whose parameters are constants (always
  // true after freezing) and whose conv output has no other use, exactly the merge of InFIP.md.
  while (torch::jit::FoldFrozenConvBatchnorm(g)) {
  }
  torch::jit::EliminateDeadCode(g);
  return before - CountBatchNorms(*g->block());
}

void NormaliseOps(const std::shared_ptr<torch::jit::Graph>& graph) {
  std::shared_ptr<torch::jit::Graph> g = graph;
  // Traced models spell convolutions as aten::_convolution; the folding pass and dtd/ expect
  // aten::conv2d.
  torch::jit::graph_rewrite_helper::replaceConvolutionWithAtenConv(g);
  // dtd/ keeps every intermediate value; an in-place op would overwrite one a rule reads
  // later (a residual sum, a pooled output). Make them functional.
  torch::jit::RemoveTensorMutation(g);
  // Lists built by append (DenseNet's feature lists) become plain list constructions.
  torch::jit::RemoveListMutation(g);
}

}  // namespace infip::model
