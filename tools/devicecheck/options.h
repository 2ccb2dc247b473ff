// The device check's command line: which models to compare on CPU and CUDA, which one to time,
// and the tolerances that decide the exit code.
//
//   device_check --model vgg_like.pt:1x32x32 --model tv_resnet18.pt:3x32x32
//                --bench tv_resnet18.pt:3x224x224 --batches 64,256 --require-cuda
//
// A model is given as PATH:CxHxW, the shape of one key image in the model's input space.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace infip::devicecheck {

struct ModelSpec {
  std::string path;
  std::vector<int64_t> shape;  // C, H, W of one key image
  [[nodiscard]] std::string Label() const;  // "vgg_like.pt 1x32x32"
};

struct CheckOptions {
  std::vector<ModelSpec> models;     // CPU/CUDA agreement, every composite
  std::vector<ModelSpec> bench;      // CPU vs GPU throughput (and agreement), composite "dtd"
  std::vector<int64_t> batches{64, 256};
  int64_t keys = 64;                 // key images per agreement model
  int64_t chunk_size = 64;           // images per engine pass in the agreement runs
  int cpu_threads = 0;               // 0: every hardware thread
  int gpu_runs = 3;                  // timed GPU runs per batch (median reported)
  int cpu_runs = 1;                  // timed CPU runs per batch
  uint64_t seed = 20240607;          // the key images are uniform noise in [0, 1) from this seed
  double max_relative_diff = 1e-4;   // max |R_cuda - R_cpu| / max |R_cpu|
  double min_assim = 0.999;          // ASSIM(fingerprints on CPU, fingerprints on CUDA)
  double conservation_tolerance = 1e-3;  // |sum of an image's relevance - 1|, composite "dtd"
  bool require_cuda = false;         // fail at once when no CUDA device is visible
  // Compare the CPU with a second CPU engine instead of CUDA: runs every comparison on a machine
  // without a GPU (a rehearsal; the numbers then show run-to-run agreement only).
  bool rehearse_on_cpu = false;
};

// INVALID_ARGUMENT naming the flag and the value it could not use.
[[nodiscard]] absl::StatusOr<CheckOptions> ParseOptions(const std::vector<std::string>& args);
[[nodiscard]] absl::StatusOr<ModelSpec> ParseModelSpec(absl::string_view text);
[[nodiscard]] std::string Usage();

}  // namespace infip::devicecheck
