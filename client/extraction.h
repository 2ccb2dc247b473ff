// The extraction behind `extract` and `relevance`: the key flags turned into a loaded model and
// key set, then the library's pipeline (audit/extraction.h), the same one the server runs.
// The model is loaded first, so that an unsupported or corrupt model fails before the keys are
// decoded.
#pragma once

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "client/key_flags.h"
#include "infip/audit/extraction.h"
#include "infip/fingerprint/image.h"

namespace infip::cli {

using ProgressFn = std::function<void(int64_t done, int64_t total)>;

// `keep_relevance`: also return the raw relevance (infip relevance).
[[nodiscard]] absl::StatusOr<audit::Extraction> RunExtraction(
    const KeyFlags& flags, const fingerprint::ImageOptions& image_options, bool with_key_preview,
    bool keep_relevance, const ProgressFn& progress);

}  // namespace infip::cli
