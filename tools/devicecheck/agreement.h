// How far two runs of the relevance engine agree: the same model and key images, explained on
// two devices (CPU and CUDA) or twice on one device.
//
//   INFIP_ASSIGN_OR_RETURN(EngineRun cpu, RunEngine(*cpu_engine, keys, 64));
//   INFIP_ASSIGN_OR_RETURN(EngineRun gpu, RunEngine(*gpu_engine, keys, 64));
//   INFIP_ASSIGN_OR_RETURN(Agreement a, Agree(cpu, gpu));
//   if (a.relative_diff > 1e-4 || a.assim < 0.999) ...
//
// Fingerprints are made exactly as a registration makes them (fingerprint/image.h, default
// lambda and scaling) and compared with the service's own ASSIM (similarity/assim.h).
#pragma once

#include <cstdint>

#include <torch/script.h>

#include "absl/status/statusor.h"
#include "infip/dtd/engine.h"

namespace infip::devicecheck {

// One explanation, brought to the CPU for comparison.
struct EngineRun {
  torch::Tensor relevance;     // N x C x H x W, float32
  torch::Tensor predicted;     // N, int64
  torch::Tensor fingerprints;  // N x H x W, uint8
};

// Explains `keys` (on any device; the engine moves them to its model's) in chunks.
[[nodiscard]] absl::StatusOr<EngineRun> RunEngine(const dtd::RelevanceEngine& engine,
                                                  const torch::Tensor& keys, int64_t chunk_size);
// The same for an explanation already made (e.g. by a timed run).
[[nodiscard]] EngineRun ToRun(const dtd::Explanation& explanation);

// Sum of each image's relevance: 1 for a conserving rule set (composite "dtd").
struct Conservation {
  double min = 0.0;
  double max = 0.0;
  double mean = 0.0;
  double worst_error = 0.0;  // max over images of |sum - 1|
};
[[nodiscard]] Conservation ConservationOf(const torch::Tensor& relevance);

struct Agreement {
  int64_t images = 0;
  int64_t predicted_mismatches = 0;  // images whose predicted class differs
  // Over the images whose predicted class agrees (a different class is a different map):
  double max_abs_diff = 0.0;         // max |R_other - R_reference|
  double max_abs_reference = 0.0;    // max |R_reference|
  double relative_diff = 0.0;        // max_abs_diff / max_abs_reference
  double worst_image_relative = 0.0; // max over images of the same ratio within the image
  double max_sum_diff = 0.0;         // max over images of |sum R_other - sum R_reference|
  // Over every image:
  double assim = 0.0;                // mean SSIM of the two fingerprint sets
  double min_ssim = 0.0;
  double fingerprint_pixels_equal = 0.0;  // fraction of identical fingerprint pixels
  bool bit_identical = false;        // relevance and predictions exactly equal
};

// INVALID_ARGUMENT when the runs differ in shape or are too small for SSIM.
[[nodiscard]] absl::StatusOr<Agreement> Agree(const EngineRun& reference, const EngineRun& other);

}  // namespace infip::devicecheck
