// The extraction pipeline behind `extract` and `relevance`: load the model and the key set,
// check that they fit, explain every key with the relevance engine. The library does the work;
// this only strings it together and keeps what the fingerprint metadata must record.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "client/key_flags.h"
#include "infip/dtd/composite.h"
#include "infip/dtd/engine.h"
#include "infip/fingerprint/fingerprint_set.h"
#include "infip/io/key_set.h"

namespace infip::cli {

struct Extraction {
  io::KeySet keys;
  dtd::Composite composite;
  dtd::Explanation explanation;  // relevance moved to the CPU
  std::string model_sha256;
  double explain_seconds = 0.0;  // the relevance pass alone
};

using ProgressFn = std::function<void(int64_t done, int64_t total)>;

[[nodiscard]] absl::StatusOr<Extraction> RunExtraction(const KeyFlags& flags,
                                                       const ProgressFn& progress);

// The fingerprint set of an extraction, with every setting recorded.
[[nodiscard]] absl::StatusOr<fingerprint::FingerprintSet> MakeFingerprintSet(
    const Extraction& extraction, const fingerprint::ImageOptions& image_options,
    bool with_key_preview);

}  // namespace infip::cli
