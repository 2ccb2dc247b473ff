#include "tools/evaluate/summarize.h"

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace infip::evaluate {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Settings that make one separation problem.
using GroupKey = std::tuple<std::string, double, int, std::string, int64_t>;

GroupKey KeyOf(const Score& s) {
  return {s.composite, s.lambda, static_cast<int>(s.scaling), s.split, s.keys};
}

std::map<GroupKey, std::vector<const Score*>> Group(const Evaluation& e) {
  std::map<GroupKey, std::vector<const Score*>> groups;
  std::set<std::tuple<GroupKey, std::string>> seen;
  for (const std::vector<Score>* list : {&e.headline, &e.lambda_sweep, &e.key_sweep}) {
    for (const Score& s : *list) {
      if (seen.insert({KeyOf(s), s.suspect}).second) groups[KeyOf(s)].push_back(&s);
    }
  }
  return groups;
}

}  // namespace

std::optional<bool> PositiveIn(const Score& score, Subset subset) {
  if (score.role == Role::kPirated) {
    const bool drop =
        (subset == Subset::kExcludingDistillation || subset == Subset::kWeightDerivedVsTrained) &&
        score.attack == "distill";
    return drop ? std::nullopt : std::optional<bool>(true);
  }
  if (score.role == Role::kIndependent) {
    const bool drop =
        (subset == Subset::kExcludingRandomInit || subset == Subset::kWeightDerivedVsTrained) &&
        score.attack == "random-init";
    return drop ? std::nullopt : std::optional<bool>(false);
  }
  return std::nullopt;  // originals and input-only baselines are neither
}

std::vector<Scored> ToScored(const std::vector<const Score*>& scores, Subset subset) {
  std::vector<Scored> out;
  for (const Score* s : scores) {
    const std::optional<bool> positive = PositiveIn(*s, subset);
    if (positive.has_value()) out.push_back({s->suspect, s->comparison.assim, *positive});
  }
  return out;
}

void SummarizeSeparation(Evaluation& e) {
  const SeparationOptions options{e.options.max_fpr, e.options.threshold};
  for (const auto& [key, scores] : Group(e)) {
    for (Subset subset : AllSubsets()) {
      SeparationRecord r;
      r.composite = std::get<0>(key);
      r.lambda = std::get<1>(key);
      r.scaling = static_cast<fingerprint::LambdaScaling>(std::get<2>(key));
      r.split = std::get<3>(key);
      r.keys = std::get<4>(key);
      r.subset = subset;
      r.stats = Separate(ToScored(scores, subset), options);
      e.separation.push_back(std::move(r));
    }
  }
}

double ZeroFalsePositiveThreshold(const std::vector<Scored>& scores) {
  double highest_negative = -std::numeric_limits<double>::infinity();
  for (const Scored& s : scores) {
    if (!s.positive) highest_negative = std::max(highest_negative, s.score);
  }
  double next = std::numeric_limits<double>::infinity();
  for (const Scored& s : scores) {
    if (s.positive && s.score > highest_negative) next = std::min(next, s.score);
  }
  if (!std::isfinite(next) || !std::isfinite(highest_negative)) return kNaN;
  return 0.5 * (highest_negative + next);
}

namespace {

// Every non-blank candidate on the tuning split for `subset`; the best one in `t.chosen`.
// Returns the chosen candidate's tuning scores (empty when there is no candidate).
std::vector<Scored> RankCandidates(const Evaluation& e, Subset subset, Tuning& t) {
  const auto groups = Group(e);
  const SeparationOptions options{e.options.max_fpr, e.options.threshold};
  const int64_t n = e.options.keys;
  t.excluded.clear();
  t.candidates.clear();
  t.chosen = TuningCandidate{};
  bool have = false;
  std::vector<Scored> chosen_tuning;
  const auto better = [](const Separation& a, const Separation& b) {
    // NaN compares false either way, so a defined figure always wins over an undefined one.
    if (a.auc != b.auc) return std::isnan(b.auc) || a.auc > b.auc;
    return a.margin > b.margin || (std::isnan(b.margin) && !std::isnan(a.margin));
  };
  for (const std::string& composite : e.options.composites) {
    double blank = 0.0;
    int originals = 0;
    for (const Score& s : e.headline) {
      if (s.composite == composite && s.split == "tuning" && s.role == Role::kOriginal &&
          std::isfinite(s.blank_fraction)) {
        blank += s.blank_fraction;
        ++originals;
      }
    }
    if (originals > 0 && blank / originals >= 0.5) {
      t.excluded.push_back(composite);
      continue;
    }
    for (double lambda : e.options.lambdas) {
      for (fingerprint::LambdaScaling scaling : SweptScalings()) {
        auto it = groups.find(GroupKey{composite, lambda, static_cast<int>(scaling), "tuning", n});
        if (it == groups.end()) continue;
        std::vector<Scored> scored = ToScored(it->second, subset);
        TuningCandidate c{composite, lambda, scaling, Separate(scored, options)};
        if (!have || better(c.tuning, t.chosen.tuning)) {
          t.chosen = c;
          chosen_tuning = std::move(scored);
          have = true;
        }
        t.candidates.push_back(std::move(c));
      }
    }
  }
  return chosen_tuning;
}

}  // namespace

void ChooseSetting(Evaluation& e) {
  Tuning& t = e.tuning;
  const std::string rest =
      "): the highest ROC AUC, then the widest margin, then the first in the order "
      "composites and lambdas were given, among composites whose originals' fingerprints are "
      "not mostly blank; the threshold is the widest-gap one with no false positive there";
  t.subset = Subset::kAll;
  std::vector<Scored> chosen_tuning = RankCandidates(e, Subset::kAll, t);
  t.criterion =
      absl::StrCat("on the tuning split only (all pirated vs all independent models, N keys", rest);
  if (!chosen_tuning.empty() && !(t.chosen.tuning.auc == 1.0)) {
    // Nothing separates every copy on the tuning data: choose for the claim that can be made.
    t.subset = Subset::kExcludingDistillation;
    chosen_tuning = RankCandidates(e, t.subset, t);
    t.criterion = absl::StrCat(
        "on the tuning split only (the copies that keep the original's weights, that is every "
        "pirated model but the distilled students, vs all independent models, N keys; no "
        "candidate separated all pirated from all independent models there, AUC < 1 "
        "everywhere",
        rest);
  }
  if (chosen_tuning.empty()) {
    t.threshold = kNaN;
    return;
  }
  t.threshold = ZeroFalsePositiveThreshold(chosen_tuning);
  const auto groups = Group(e);
  const GroupKey report_key{t.chosen.composite, t.chosen.lambda, static_cast<int>(t.chosen.scaling),
                            "report", e.options.keys};
  auto it = groups.find(report_key);
  if (it != groups.end()) {
    const double at =
        std::isnan(t.threshold) ? std::numeric_limits<double>::infinity() : t.threshold;
    t.report = Separate(ToScored(it->second, t.subset), {e.options.max_fpr, at});
    t.report_all = Separate(ToScored(it->second, Subset::kAll), {e.options.max_fpr, at});
  }
}

}  // namespace infip::evaluate
