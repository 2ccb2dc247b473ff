// Images per second of the relevance engine on one batch, on the engine's device.
//
//   INFIP_ASSIGN_OR_RETURN(Throughput t, MeasureThroughput(*engine, keys, /*runs=*/3));
//   std::cout << t.images_per_second;
//
// The batch is explained as one chunk, starting from the keys where they lie (the CPU, as in the
// service: the copy to the GPU is part of the cost). One untimed run comes first (cuDNN and the
// allocators set themselves up on it); the median of `runs` timed runs is reported. CUDA work is
// synchronised before each clock reading, so the time is the finished work's.
#pragma once

#include <cstdint>

#include <torch/script.h>

#include "absl/status/statusor.h"
#include "infip/dtd/engine.h"

namespace infip::devicecheck {

struct Throughput {
  int64_t batch = 0;
  int runs = 0;
  double median_seconds = 0.0;
  double images_per_second = 0.0;
  dtd::Explanation last;  // the last timed run's result, for an agreement check
};

// INVALID_ARGUMENT for runs < 1; the engine's own status when it fails.
[[nodiscard]] absl::StatusOr<Throughput> MeasureThroughput(const dtd::RelevanceEngine& engine,
                                                           const torch::Tensor& batch, int runs,
                                                           bool warm_up_on_full_batch);

}  // namespace infip::devicecheck
