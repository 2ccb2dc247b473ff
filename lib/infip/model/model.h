// A suspected or registered image classifier, loaded from TorchScript and brought into the
// canonical form that dtd/ explains.
//
// Loading does, in order: deserialise (file or bytes), eval mode, move to the target device,
// freeze (parameters become graph constants, submodule calls are inlined), fold every
// BatchNorm that follows a convolution into that convolution's weights, remove dead
// code, and check that every op on the path from the input to the output is one dtd/ can
// explain. Any op it cannot explain fails the load with UNIMPLEMENTED, naming each op kind and
// where it appears, before any expensive work.
//
//   INFIP_ASSIGN_OR_RETURN(auto model, CanonicalModel::FromFile("resnet.pt", {}));
//   INFIP_RETURN_IF_ERROR(model->CheckInputShape({400, 3, 32, 32}));
//   INFIP_ASSIGN_OR_RETURN(torch::Tensor logits, model->Forward(batch));
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <torch/script.h>

#include "absl/status/statusor.h"

namespace infip::model {

struct LoadOptions {
  torch::Device device = torch::kCPU;
  // Fold BatchNorm into the preceding convolution (InFIP.md). Off only for tests that
  // compare the folded graph with the original.
  bool fold_batchnorm = true;
};

class CanonicalModel {
 public:
  // Corrupt, truncated or non-TorchScript input gives INVALID_ARGUMENT; unsupported ops give
  // UNIMPLEMENTED; a model without a forward(Tensor) -> Tensor gives INVALID_ARGUMENT.
  static absl::StatusOr<std::unique_ptr<CanonicalModel>> FromFile(const std::string& path,
                                                                  const LoadOptions& options);
  // `bytes` are read in place (no copy) and need to live only as long as the call.
  static absl::StatusOr<std::unique_ptr<CanonicalModel>> FromBytes(std::string_view bytes,
                                                                   const LoadOptions& options);
  // Canonicalises an already-loaded module (tests build modules in C++).
  static absl::StatusOr<std::unique_ptr<CanonicalModel>> FromModule(torch::jit::Module module,
                                                                    const LoadOptions& options);

  CanonicalModel(const CanonicalModel&) = delete;
  CanonicalModel& operator=(const CanonicalModel&) = delete;

  // The frozen, inlined, BatchNorm-folded forward graph. Input 0 is the module itself
  // (unused after freezing), input 1 the image batch; one tensor output (the logits).
  [[nodiscard]] std::shared_ptr<torch::jit::Graph> graph() const { return graph_; }
  [[nodiscard]] torch::Device device() const { return device_; }
  // Number of BatchNorm nodes folded away during canonicalisation.
  [[nodiscard]] int folded_batchnorms() const { return folded_batchnorms_; }

  // Logits for a batch N x C x H x W (float32, on any device; moved to the model's).
  [[nodiscard]] absl::StatusOr<torch::Tensor> Forward(const torch::Tensor& batch) const;

  // INVALID_ARGUMENT unless a batch of this shape runs through the model and gives N x classes
  // logits. Runs one key through the model to find out; the message names both shapes.
  [[nodiscard]] absl::Status CheckInputShape(c10::IntArrayRef batch_shape) const;

  // The frozen module (forward only); used by the gradient baseline and benchmarks.
  [[nodiscard]] const torch::jit::Module& frozen_module() const { return module_; }

 private:
  CanonicalModel(torch::jit::Module module, std::shared_ptr<torch::jit::Graph> graph,
                 torch::Device device, int folded)
      : module_(std::move(module)), graph_(std::move(graph)), device_(device),
        folded_batchnorms_(folded) {}

  torch::jit::Module module_;
  std::shared_ptr<torch::jit::Graph> graph_;
  torch::Device device_;
  int folded_batchnorms_ = 0;
};

}  // namespace infip::model
