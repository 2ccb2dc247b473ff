// A fully populated FingerprintSet for the fingerprint tests: awkward doubles, strings that
// need escaping, and a key preview.
#pragma once

#include <torch/script.h>

#include <cmath>
#include <limits>

#include "infip/fingerprint/fingerprint_set.h"

namespace infip::fingerprint::testing {

inline FingerprintSet MakeSet(bool with_preview) {
  FingerprintSet set;
  FingerprintMetadata& m = set.metadata;
  m.composite = "dtd";
  m.composite_rules = "input=zB conv=z+ linear=z+";
  m.lambda = 5000.000000000001;  // one that %g would not survive
  m.lambda_scaling = LambdaScaling::kLiteral;
  m.key_set_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  m.model_sha256 = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";
  m.input_shape = {3, 12, 12};
  m.preprocessing = "resize=12x12 color=rgb mean=0.485,0.456,0.406 key: tricky\\value\nline2\r";
  m.box_low = {-2.1179039301310043, -0.0, 5e-324};
  m.box_high = {1.0 / 3.0, 2.6399999999999997, std::numeric_limits<double>::infinity()};
  m.engine_version = "infip-engine/0.1.0";
  m.created_utc = "2024-06-07T12:34:56.789Z";
  m.predicted = {3, 0, -1, 9223372036854775807};
  torch::manual_seed(11);
  set.images = torch::randint(0, 256, {4, 12, 12}, torch::TensorOptions().dtype(torch::kUInt8));
  if (with_preview) {
    set.key_preview =
        torch::randint(0, 256, {4, 3, 12, 12}, torch::TensorOptions().dtype(torch::kUInt8));
  }
  return set;
}

}  // namespace infip::fingerprint::testing
