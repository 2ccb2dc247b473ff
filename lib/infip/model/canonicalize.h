// Graph passes that bring a frozen TorchScript graph into the form dtd/ explains.
#pragma once

#include <memory>

#include <torch/script.h>

namespace infip::model {

// Folds each aten::batch_norm whose input is a conv2d output with a single use into that
// conv's constant weight and bias, as Zennit's MergeBatchNorm does (LibTorch's
// FoldFrozenConvBatchnorm): w' = w * gamma / sqrt(var + eps),
// b' = (b - mean) * gamma / sqrt(var + eps) + beta. Returns the number of BatchNorm nodes
// removed; the rest keep their own rule in dtd/.
int FoldBatchNorm(const std::shared_ptr<torch::jit::Graph>& graph);

// Normalises equivalent spellings: aten::_convolution -> aten::conv2d, and in-place ops
// (relu_, add_) -> their functional forms, so every graph value keeps its forward value.
void NormaliseOps(const std::shared_ptr<torch::jit::Graph>& graph);

}  // namespace infip::model
