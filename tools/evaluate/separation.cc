#include "tools/evaluate/separation.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace infip::evaluate {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

Rates RatesAt(const std::vector<Scored>& scores, double threshold) {
  int pos = 0, neg = 0, tp = 0, fp = 0;
  for (const Scored& s : scores) {
    const bool flagged = s.score >= threshold;
    if (s.positive) {
      ++pos;
      tp += flagged ? 1 : 0;
    } else {
      ++neg;
      fp += flagged ? 1 : 0;
    }
  }
  return {pos > 0 ? static_cast<double>(tp) / pos : kNaN,
          neg > 0 ? static_cast<double>(fp) / neg : kNaN};
}

Separation Separate(const std::vector<Scored>& scores, const SeparationOptions& options) {
  Separation out;
  const Scored* lowest_pos = nullptr;
  const Scored* highest_neg = nullptr;
  for (const Scored& s : scores) {
    if (s.positive) {
      ++out.positives;
      if (lowest_pos == nullptr || s.score < lowest_pos->score) lowest_pos = &s;
    } else {
      ++out.negatives;
      if (highest_neg == nullptr || s.score > highest_neg->score) highest_neg = &s;
    }
  }
  const Rates fixed = RatesAt(scores, options.threshold);
  out.tpr_at_threshold = fixed.tpr;
  out.fpr_at_threshold = fixed.fpr;
  if (lowest_pos != nullptr) {
    out.lowest_positive = lowest_pos->name;
    out.lowest_positive_score = lowest_pos->score;
  }
  if (highest_neg != nullptr) {
    out.highest_negative = highest_neg->name;
    out.highest_negative_score = highest_neg->score;
  }
  if (lowest_pos == nullptr || highest_neg == nullptr) {
    out.lowest_positive_score = lowest_pos != nullptr ? lowest_pos->score : kNaN;
    out.highest_negative_score = highest_neg != nullptr ? highest_neg->score : kNaN;
    out.auc = out.tpr_at_fpr = out.fpr_at_fpr = out.threshold_at_fpr = out.margin = kNaN;
    return out;
  }
  out.margin = lowest_pos->score - highest_neg->score;

  // Mann-Whitney by direct pair counting: tens of models, so the quadratic count is the
  // clearest correct form and ties need no rank bookkeeping.
  double wins = 0.0;
  for (const Scored& p : scores) {
    if (!p.positive) continue;
    for (const Scored& n : scores) {
      if (n.positive) continue;
      wins += p.score > n.score ? 1.0 : (p.score == n.score ? 0.5 : 0.0);
    }
  }
  out.auc = wins / (static_cast<double>(out.positives) * out.negatives);

  // FPR only falls as the threshold rises, so the lowest admissible threshold has the highest
  // TPR. The candidates are the observed scores and "above every score" (flags nothing).
  std::vector<double> candidates;
  for (const Scored& s : scores) candidates.push_back(s.score);
  std::sort(candidates.begin(), candidates.end());
  candidates.push_back(std::numeric_limits<double>::infinity());
  for (double t : candidates) {
    const Rates r = RatesAt(scores, t);
    if (r.fpr <= options.max_fpr) {
      out.threshold_at_fpr = t;
      out.tpr_at_fpr = r.tpr;
      out.fpr_at_fpr = r.fpr;
      break;
    }
  }
  return out;
}

}  // namespace infip::evaluate
