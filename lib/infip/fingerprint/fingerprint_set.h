// FingerprintSet: the fingerprint images S of one model on one key set K, with every setting
// needed to reproduce or compare them.
//
// Two sets are comparable only when they were made on the same key set (SHA-256), at the same
// resolution, with the same composite, lambda and lambda scaling: CheckComparable says which
// setting differs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/script.h>

#include "absl/status/status.h"
#include "infip/fingerprint/image.h"

namespace infip::fingerprint {

struct FingerprintMetadata {
  std::string composite;            // e.g. "dtd"
  std::string composite_rules;      // Composite::Describe(), e.g. "input=zB conv=z+ linear=z+"
  double lambda = 5000.0;
  LambdaScaling lambda_scaling = LambdaScaling::kResolution;
  std::string key_set_sha256;       // hex, of the preprocessed key tensor (io/key_set.h)
  std::string model_sha256;         // hex, of the model file bytes
  std::vector<int64_t> input_shape; // C, H, W of one key
  std::string preprocessing;        // e.g. "resize=32x32 color=gray mean=0.5 std=0.5"
  std::vector<double> box_low;      // per channel, in the model's input space
  std::vector<double> box_high;
  std::string engine_version;       // infip::kEngineVersion at extraction time
  std::string created_utc;          // RFC 3339
  std::vector<int64_t> predicted;   // each key's predicted class, in key order
};

struct FingerprintSet {
  FingerprintMetadata metadata;
  torch::Tensor images;       // N x H x W, uint8, CPU, contiguous
  // Optional N x C x H x W uint8 preview of the key images (mapped from the box to 0..255),
  // for evidence grids; undefined when the owner chose not to store it.
  torch::Tensor key_preview;

  [[nodiscard]] int64_t size() const { return images.defined() ? images.size(0) : 0; }
};

// OK when `a` and `b` can be compared key by key; FAILED_PRECONDITION naming the first
// differing setting (key set, key count, resolution, composite, lambda, scaling) otherwise.
[[nodiscard]] absl::Status CheckComparable(const FingerprintSet& a, const FingerprintSet& b);

// INVALID_ARGUMENT unless the set is internally consistent (shapes, dtype, predicted count).
[[nodiscard]] absl::Status Validate(const FingerprintSet& set);

}  // namespace infip::fingerprint
