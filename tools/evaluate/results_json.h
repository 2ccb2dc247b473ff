// The evaluation as one JSON document: every result, both sweeps, the separation figures, the
// choice made on the tuning split, and what produced them. Undefined numbers (NaN, an
// infinite threshold) are written as null.
//
//   INFIP_RETURN_IF_ERROR(WriteResultsJson(evaluation, "results.json"));
//
// Top level: tool, engine_version, manifest, smoke, zoo_settings, keys {pool_path, sha256,
// pool, splits, key_counts, key_counts_skipped}, settings, results (the headline scores),
// sweeps {lambda, keys}, separation, tuning, cache {dir, hits, misses}, extractions, seconds.
// Each result: model, against, role, attack, setting, architecture, test_accuracy,
// watermark_accuracy, composite, lambda, lambda_scaling, split, keys, assim, ci_low,
// ci_high, min_ssim, median_ssim, pirated_at_threshold, prediction_agreement, ssim_to_input,
// blank_fraction, relevance_mass.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/status.h"
#include "tools/evaluate/evaluation.h"

namespace infip::evaluate {

[[nodiscard]] nlohmann::ordered_json ResultsJson(const Evaluation& e);

// Written whole or not at all (io::WriteFileAtomically).
[[nodiscard]] absl::Status WriteResultsJson(const Evaluation& e, const std::string& path);

}  // namespace infip::evaluate
