// How well one score (ASSIM) separates pirated copies (positives) from independent models
// (negatives): the figures a user needs to trust a threshold.
//
//   auc             P(pirated score > independent score), ties counting one half (the
//                   Mann-Whitney statistic; 1 = perfect ranking, 0.5 = chance)
//   tpr_at_fpr      the highest true-positive rate of any threshold whose false-positive rate
//                   is at most max_fpr ("pirated" means score >= threshold); with fewer than
//                   1 / max_fpr independent models this demands zero false positives
//   margin          lowest positive score - highest negative score (> 0: some threshold makes
//                   no mistake at all; its size is the room that threshold has)
//   at_threshold    true- and false-positive rate at a given fixed threshold (the paper's T)
//
//   std::vector<Scored> scores = {{"ft-5ep", 0.97, true}, {"seed1", 0.91, false}};
//   Separation s = Separate(scores, {.max_fpr = 0.01, .threshold = 0.85});
//
// Undefined figures (no positives or no negatives) are NaN, and names are empty.
#pragma once

#include <string>
#include <vector>

namespace infip::evaluate {

struct Scored {
  std::string name;
  double score = 0.0;
  bool positive = false;
};

struct SeparationOptions {
  double max_fpr = 0.01;
  double threshold = 0.85;
};

struct Separation {
  int positives = 0;
  int negatives = 0;
  double auc = 0.0;
  double tpr_at_fpr = 0.0;
  double fpr_at_fpr = 0.0;        // the false-positive rate that threshold actually has
  double threshold_at_fpr = 0.0;  // the lowest threshold that keeps FPR <= max_fpr
  double margin = 0.0;
  std::string lowest_positive;
  double lowest_positive_score = 0.0;
  std::string highest_negative;
  double highest_negative_score = 0.0;
  double tpr_at_threshold = 0.0;
  double fpr_at_threshold = 0.0;
};

[[nodiscard]] Separation Separate(const std::vector<Scored>& scores,
                                  const SeparationOptions& options);

// True- and false-positive rates of "score >= threshold" (NaN where a class is empty).
struct Rates {
  double tpr = 0.0;
  double fpr = 0.0;
};
[[nodiscard]] Rates RatesAt(const std::vector<Scored>& scores, double threshold);

}  // namespace infip::evaluate
