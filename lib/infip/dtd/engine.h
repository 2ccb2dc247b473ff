// The relevance engine: explains a canonical model's predictions on a batch of key images.
//
// For each chunk of the key batch it runs the canonical graph forward once, op by op, keeping
// every intermediate value, then starts from a one-hot relevance (value 1) on each image's own
// predicted class and propagates it back node by node in reverse order, each op by its rule
// (composite.h for conv / linear, op_handlers.h for the rest). The result is the relevance of
// every input pixel and channel. Deterministic for a given device.
//
//   INFIP_ASSIGN_OR_RETURN(auto composite, Composite::ByName("dtd"));
//   INFIP_ASSIGN_OR_RETURN(auto engine, RelevanceEngine::Create(model, composite));
//   INFIP_ASSIGN_OR_RETURN(Explanation e, engine->Explain(keys, box, {}));
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <torch/script.h>

#include "absl/status/statusor.h"
#include "infip/dtd/composite.h"
#include "infip/dtd/plan.h"
#include "infip/model/model.h"

namespace infip::dtd {

// The box [low, high] of valid pixel values per channel, in the model's own input space
// (0..1 for raw input; (0 - mean) / std .. (1 - mean) / std for normalised input). One value
// applies to every channel.
struct InputBox {
  std::vector<double> low{0.0};
  std::vector<double> high{1.0};
};

struct ExplainOptions {
  int64_t chunk_size = 64;  // images per forward / backward pass
  // Called after each chunk with (images done, images total).
  std::function<void(int64_t, int64_t)> progress;
  // Asked before each chunk; true stops the explanation with CANCELLED. A chunk is the unit of
  // work, so a cancelled call returns within one chunk's time. May be empty.
  std::function<bool()> cancelled;
};

struct Explanation {
  torch::Tensor relevance;  // N x C x H x W, float32, on the model's device
  torch::Tensor predicted;  // N, int64: each image's predicted class
};

class RelevanceEngine {
 public:
  static absl::StatusOr<std::unique_ptr<RelevanceEngine>> Create(
      std::shared_ptr<const model::CanonicalModel> model, Composite composite);

  RelevanceEngine(const RelevanceEngine&) = delete;
  RelevanceEngine& operator=(const RelevanceEngine&) = delete;

  // INVALID_ARGUMENT for an empty batch, a non-4-D batch, or a box whose channel count does
  // not match; CANCELLED when options.cancelled said so; other failures name the op that
  // failed.
  [[nodiscard]] absl::StatusOr<Explanation> Explain(const torch::Tensor& batch,
                                                    const InputBox& box,
                                                    const ExplainOptions& options) const;

  [[nodiscard]] const Composite& composite() const { return composite_; }

 private:
  RelevanceEngine(std::shared_ptr<const model::CanonicalModel> model, Composite composite,
                  GraphPlan plan)
      : model_(std::move(model)), composite_(std::move(composite)), plan_(std::move(plan)) {}

  absl::StatusOr<Explanation> ExplainChunk(const torch::Tensor& chunk, const torch::Tensor& low,
                                           const torch::Tensor& high) const;
  absl::StatusOr<Explanation> GradientTimesInput(const torch::Tensor& chunk) const;

  std::shared_ptr<const model::CanonicalModel> model_;
  Composite composite_;
  GraphPlan plan_;  // analysis of model_->graph(), shared read-only by every call
};

}  // namespace infip::dtd
