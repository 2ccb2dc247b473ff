// Graph passes that bring a frozen TorchScript graph into the form dtd/ explains.
#pragma once

#include <memory>

#include <torch/script.h>

namespace infip::model {

// Folds each aten::batch_norm whose input is produced by a conv (or linear) with a single use
// into that layer's constant weight and bias, as Zennit's MergeBatchNorm does:
// w' = w * gamma / sqrt(var + eps), b' = (b - mean) * gamma / sqrt(var + eps) + beta.
// Returns the number of BatchNorm nodes removed.
int FoldBatchNorm(const std::shared_ptr<torch::jit::Graph>& graph);

// Normalises equivalent spellings: aten::_convolution -> aten::conv2d where possible,
// in-place relu_ -> relu, removes aten::dropout / identity-like nodes in eval mode.
void NormaliseOps(const std::shared_ptr<torch::jit::Graph>& graph);

}  // namespace infip::model
