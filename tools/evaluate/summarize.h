// The second half of an evaluation, on scores already computed: the separation figures of
// every setting and split, and the setting and threshold chosen on the tuning split only.
// Internal to infip-evaluate (evaluation.cc calls it last).
//
//   SummarizeSeparation(evaluation);  // fills evaluation.separation
//   ChooseSetting(evaluation);        // fills evaluation.tuning
#pragma once

#include <vector>

#include "tools/evaluate/evaluation.h"
#include "tools/evaluate/separation.h"

namespace infip::evaluate {

// Whether a score counts in a subset, and on which side: nullopt = left out.
[[nodiscard]] std::optional<bool> PositiveIn(const Score& score, Subset subset);

// The scores of one setting as a separation problem (pirated = positive).
[[nodiscard]] std::vector<Scored> ToScored(const std::vector<const Score*>& scores, Subset subset);

// One record per (composite, lambda, scaling, split, key count) and subset, over the headline
// results and both sweeps (a score that appears in more than one of them counts once).
void SummarizeSeparation(Evaluation& e);

// The widest-gap zero-false-positive threshold (see Tuning::threshold); NaN when none exists.
[[nodiscard]] double ZeroFalsePositiveThreshold(const std::vector<Scored>& scores);

// Chooses among the lambda sweep's settings on the tuning split (all pirated vs all
// independent): highest AUC, then widest margin, then the earliest in the order the options
// list composites and lambdas. When no candidate reaches AUC 1 there, chooses the same way for
// the copies that keep the original's weights (Subset::kExcludingDistillation). Then measures
// that choice on the report split, for that subset and for all models.
void ChooseSetting(Evaluation& e);

}  // namespace infip::evaluate
