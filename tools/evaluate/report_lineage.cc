// What a headline fingerprint follows: the weights a model descends from, or the function it
// computes. Two comparisons the zoo makes possible: distilled students (a copy of the function
// with fresh weights) against trained independent models, and independent models that start
// from the original's initial weights against those that start from their own.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/evaluate/markdown.h"
#include "tools/evaluate/report_sections.h"

namespace infip::evaluate {
namespace {

struct Named {
  std::string name;
  double assim = 0.0;
  double agreement = 0.0;
  std::string attack;
};

// Trained independent models of the original's own architecture.
bool TrainedIndependent(const Score& s) {
  return s.role == Role::kIndependent && (s.attack == "seed" || s.attack == "disjoint-data");
}

std::vector<Named> Collect(const ReportContext& ctx, bool (*pred)(const Score&)) {
  std::vector<Named> out;
  for (const Score& s : ctx.e().headline) {
    if (s.composite == ctx.headline_composite() && s.split == "report" && pred(s)) {
      out.push_back({s.suspect, s.comparison.assim, s.prediction_agreement});
    }
  }
  return out;
}

template <typename Field>
std::pair<double, double> Range(const std::vector<Named>& v, Field field) {
  double lo = INFINITY;
  double hi = -INFINITY;
  for (const Named& n : v) {
    lo = std::min(lo, field(n));
    hi = std::max(hi, field(n));
  }
  return {lo, hi};
}

std::string Span(std::pair<double, double> r) {
  return absl::StrCat(Fixed4(r.first), "–", Fixed4(r.second));
}
std::string PercentSpan(std::pair<double, double> r) {
  return absl::StrCat(absl::StrFormat("%.1f", 100.0 * r.first), "–",
                      absl::StrFormat("%.1f", 100.0 * r.second), " %");
}
std::string List(const std::vector<Named>& v) {
  return absl::StrJoin(v, ", ", [](std::string* out, const Named& n) {
    absl::StrAppend(out, Code(n.name), " ", Fixed4(n.assim));
  });
}

std::string DistillationBullet(const ReportContext& ctx) {
  const std::vector<Named> students = Collect(
      ctx, [](const Score& s) { return s.role == Role::kPirated && s.attack == "distill"; });
  const std::vector<Named> independent = Collect(ctx, TrainedIndependent);
  if (students.empty() || independent.empty()) return "";
  const auto assim = [](const Named& n) { return n.assim; };
  const auto agreement = [](const Named& n) { return n.agreement; };
  const auto [s_lo, s_hi] = Range(students, assim);
  const auto [i_lo, i_hi] = Range(independent, assim);
  std::vector<double> agreements;
  for (const Named& n : independent) agreements.push_back(n.agreement);
  const double independent_agreement = Median(agreements);
  const double student_agreement_hi = Range(students, agreement).second;
  const std::string c = Code(ctx.headline_composite());

  std::string out = absl::StrCat("- **Distilled students** (", List(students), ") score ");
  if (s_hi < i_lo) {
    out += "below every trained independent model";
  } else if (s_hi <= i_hi) {
    out += "within the range of the trained independent models";
  } else {
    out += "partly above the trained independent models";
  }
  absl::StrAppend(&out, " (", Span({i_lo, i_hi}),
                  "): a student is trained afresh from the original's outputs and shares none of "
                  "its weights. They agree with the original's predicted class on ",
                  PercentSpan(Range(students, agreement)),
                  " of the keys; trained independent models agree on ",
                  PercentSpan(Range(independent, agreement)), " (median ",
                  absl::StrFormat("%.1f", 100.0 * independent_agreement), " %). ");
  if (student_agreement_hi <= independent_agreement) {
    absl::StrAppend(&out,
                    "So the students copy the original's behaviour no more closely than "
                    "independent training reproduces it, and a ",
                    c,
                    " fingerprint sees in them what it sees in an independent model. ASSIM "
                    "follows the weights a model descends from; a copy that keeps none of them "
                    "is outside what it can show, at any threshold.\n");
  } else {
    absl::StrAppend(&out,
                    "The students copy the original's behaviour more closely than independent "
                    "training reproduces it, yet their ",
                    c,
                    " fingerprints do not show it: ASSIM follows the weights a model descends "
                    "from, not its function, and a test on predictions would see what the "
                    "fingerprint misses.\n");
  }
  return out;
}

std::string InitialisationBullet(const ReportContext& ctx) {
  std::vector<Named> shared;  // the original's initial weights (same seed), other training
  std::vector<Named> own;
  for (const Score& s : ctx.e().headline) {
    if (s.composite != ctx.headline_composite() || s.split != "report" || !TrainedIndependent(s))
      continue;
    const ZooModel* m = ctx.zoo().Find(s.suspect);
    const ZooModel* o = ctx.zoo().Find(s.against);
    if (m == nullptr || o == nullptr || !m->seed.has_value() || !o->seed.has_value()) continue;
    (*m->seed == *o->seed ? shared : own).push_back({s.suspect, s.comparison.assim, 0.0, s.attack});
  }
  if (shared.empty() || own.empty()) return "";
  const auto assims = [](const std::vector<Named>& v) {
    std::vector<double> out;
    for (const Named& n : v) out.push_back(n.assim);
    return out;
  };
  const double own_median = Median(assims(own));
  const double shared_median = Median(assims(shared));
  const auto assim = [](const Named& n) { return n.assim; };
  const double shared_lo = Range(shared, assim).first;
  const double own_hi = Range(own, assim).second;
  // Models trained like a shared-seed one (same attack: the same data) but from their own seed.
  std::vector<Named> matched;
  for (const Named& n : own) {
    if (std::any_of(shared.begin(), shared.end(),
                    [&](const Named& x) { return x.attack == n.attack; })) {
      matched.push_back(n);
    }
  }
  const std::string matched_words =
      matched.empty()
          ? ""
          : absl::StrCat("; the same data from initial weights of their own: ", List(matched));
  std::string out = absl::StrCat(
      "- **Initial weights.** Independent models trained from the original's own initial "
      "weights (the same seed) on other data (",
      List(shared), ") score ");
  if (shared_lo > own_hi) {
    absl::StrAppend(
        &out, "above every independent model with initial weights of its own (highest ",
        Fixed4(own_hi), ", median ", Fixed4(own_median), matched_words, "). Part of what a ",
        Code(ctx.headline_composite()),
        " fingerprint carries from the original is its random initialisation, which every "
        "weight-derived copy also keeps. Two developers who seed alike (a framework default, a "
        "shared training script) start closer than the other independent models here, and "
        "these models are the hardest negatives of the zoo.\n");
  } else if (shared_median > own_median) {
    absl::StrAppend(&out,
                    "higher on median than independent models with initial weights of "
                    "their own (median ",
                    Fixed4(own_median), ", highest ", Fixed4(own_hi), matched_words,
                    "), but the two groups overlap.\n");
  } else {
    absl::StrAppend(&out,
                    "no higher than independent models with initial weights of their own "
                    "(median ",
                    Fixed4(own_median), ", highest ", Fixed4(own_hi), matched_words,
                    "): the initialisation leaves no visible trace.\n");
  }
  return out;
}

}  // namespace

std::string LineageParagraph(const ReportContext& ctx) {
  return DistillationBullet(ctx) + InitialisationBullet(ctx);
}

}  // namespace infip::evaluate
