// The report's prose: what the numbers support, derived from them, so that a rerun on another
// zoo cannot keep a conclusion its figures no longer carry.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/evaluate/markdown.h"
#include "tools/evaluate/report_sections.h"

namespace infip::evaluate {
namespace {

// A margin below this is "thin": a few hundredths of ASSIM is the width of a typical bootstrap
// interval at N = 400, so such a gap does not survive another key set.
constexpr double kThinMargin = 0.05;

// Report-split headline ASSIMs of one composite, filtered.
template <typename Pred>
std::vector<double> Assims(const ReportContext& ctx, const std::string& composite, Pred pred) {
  std::vector<double> out;
  for (const Score& s : ctx.e().headline) {
    if (s.composite == composite && s.split == "report" && pred(s))
      out.push_back(s.comparison.assim);
  }
  return out;
}

double MeanSsimToInput(const ReportContext& ctx, const std::string& composite) {
  double sum = 0.0;
  int n = 0;
  for (const Score& s : ctx.e().headline) {
    if (s.composite == composite && s.split == "report" && s.role != Role::kBaseline &&
        std::isfinite(s.ssim_to_input)) {
      sum += s.ssim_to_input;
      ++n;
    }
  }
  return n > 0 ? sum / n : NAN;
}

// Mean of a headline field over report-split scores of one composite that pass `pred`.
template <typename Field, typename Pred>
double MeanOf(const ReportContext& ctx, const std::string& composite, Field field, Pred pred) {
  double sum = 0.0;
  int n = 0;
  for (const Score& s : ctx.e().headline) {
    if (s.composite == composite && s.split == "report" && pred(s) && std::isfinite(field(s))) {
      sum += field(s);
      ++n;
    }
  }
  return n > 0 ? sum / n : NAN;
}

double OriginalBlankFraction(const ReportContext& ctx, const std::string& c) {
  return MeanOf(
      ctx, c, [](const Score& s) { return s.blank_fraction; },
      [](const Score& s) { return s.role == Role::kOriginal; });
}

// A warning when a composite's fingerprints are mostly blank: its ASSIMs compare black
// images with black images and measure nothing.
std::string BlankWarning(const ReportContext& ctx, const std::string& c) {
  const double blank = OriginalBlankFraction(ctx, c);
  if (!(blank >= 0.5)) return "";
  const double mass = MeanOf(
      ctx, c, [](const Score& s) { return s.relevance_mass; },
      [](const Score& s) { return s.role == Role::kOriginal; });
  return absl::StrCat(
      "- **", Code(c), ": ", absl::StrFormat("%.0f", 100.0 * blank),
      " % of the originals' fingerprints are blank.** Their relevance mass is ", Fixed4(mass),
      " per key where a conserving rule gives about 1, and lambda's scaling assumes the latter, "
      "so the images are black; two black images have SSIM 1. Every ASSIM of this composite "
      "below measures nothing about the models.\n");
}

bool Separates(const SeparationRecord* r) {
  return r != nullptr && r->stats.auc == 1.0 && r->stats.margin >= kThinMargin;
}

std::string Verdict(const ReportContext& ctx, const std::string& c) {
  const SeparationRecord* all = ctx.Separation(c, Subset::kAll);
  const SeparationRecord* no_random = ctx.Separation(c, Subset::kExcludingRandomInit);
  const SeparationRecord* weights = ctx.Separation(c, Subset::kWeightDerivedVsTrained);
  if (all == nullptr || std::isnan(all->stats.auc)) {
    return absl::StrCat("- ", Code(c),
                        ": there are not both pirated and independent models to "
                        "compare.\n");
  }
  const Separation& s = all->stats;
  std::string out;
  if (Separates(all)) {
    absl::StrAppend(&out, "- ", Code(c),
                    " separates every pirated copy from every independent "
                    "model here: AUC 1, margin ",
                    Fixed4(s.margin), " (lowest pirated ", Code(s.lowest_positive), " ",
                    Fixed4(s.lowest_positive_score), ", highest independent ",
                    Code(s.highest_negative), " ", Fixed4(s.highest_negative_score), ").");
  } else {
    absl::StrAppend(
        &out, "- **", Code(c),
        " does not separate pirated from independent models on this "
        "zoo.** AUC ",
        Fixed3(s.auc), " (", Fixed3(no_random->stats.auc),
        " without the random-init model), margin ", Fixed4(s.margin), ": the lowest pirated copy, ",
        Code(s.lowest_positive), " at ", Fixed4(s.lowest_positive_score), ", ",
        s.margin < 0 ? "scores below" : "is only just above", " the highest independent model, ",
        Code(s.highest_negative), " at ", Fixed4(s.highest_negative_score), ".");
    if (weights != nullptr && !std::isnan(weights->stats.auc)) {
      absl::StrAppend(
          &out, " Leaving out the distilled students and the random network: AUC ",
          Fixed3(weights->stats.auc), ", margin ", Fixed4(weights->stats.margin),
          Separates(weights) ? " (these it does separate)." : " (still not separated).");
    }
  }
  absl::StrAppend(&out, " At the paper's T = ", absl::StrFormat("%.2f", ctx.e().options.threshold),
                  ": TPR ", Fixed3(s.tpr_at_threshold), ", FPR ", Fixed3(s.fpr_at_threshold),
                  " of ", s.negatives, " independent models.\n");
  return out;
}

std::string BaselineParagraph(const ReportContext& ctx, const std::string& c) {
  const auto is_attack = [](std::string_view a) {
    return [a](const Score& s) { return s.attack == a; };
  };
  const double gradient = Median(Assims(ctx, c, is_attack("input-gradient-magnitude")));
  const double image = Median(Assims(ctx, c, is_attack("input-key-image")));
  const double independent = Median(Assims(ctx, c, [](const Score& s) {
    return s.role == Role::kIndependent && s.attack != "random-init";
  }));
  const double random = Median(Assims(ctx, c, is_attack("random-init")));
  const double pirated = Median(Assims(
      ctx, c, [](const Score& s) { return s.role == Role::kPirated && s.attack != "distill"; }));
  std::string out = absl::StrCat(
      "- Input-only baseline (", Code(c),
      "): a map made from the key image alone, with no "
      "model, scores ASSIM ",
      Fixed4(gradient), " (gradient magnitude) and ", Fixed4(image),
      " (the image itself) against the original's fingerprint; trained independent models score "
      "a median of ",
      Fixed4(independent), ", weight-derived pirated copies ", Fixed4(pirated), ".");
  if (std::isfinite(gradient) && std::isfinite(independent)) {
    if (gradient >= independent) {
      absl::StrAppend(&out,
                      " The image alone resembles the original's fingerprint at least as "
                      "much as an independent model does, so the similarity between independent "
                      "models is what the key images carry, not what the models share.");
    } else {
      absl::StrAppend(&out,
                      " Independent models score above the image alone: part of their "
                      "similarity to the original comes from what trained models of this kind "
                      "have in common, beyond the image.");
    }
    if (gradient >= ctx.e().options.threshold) {
      absl::StrAppend(&out, " The input-only map reaches the paper's T by itself.");
    }
  }
  if (std::isfinite(random)) {
    absl::StrAppend(&out, " The untrained, randomly initialised network scores ", Fixed4(random));
    if (std::isfinite(independent) && random >= independent) {
      absl::StrAppend(&out,
                      ", no less than trained independent models: at this setting the "
                      "fingerprint depends on the architecture and the image more than on the "
                      "learned weights, as Sixt et al. (ICML 2020) found for z+-type rules.");
    } else {
      absl::StrAppend(&out,
                      ", below the trained independent models: the learned weights do "
                      "shape the fingerprint.");
    }
  }
  absl::StrAppend(&out,
                  " Across all models, a fingerprint's mean SSIM with its key's own "
                  "gradient map is ",
                  Fixed4(MeanSsimToInput(ctx, c)), ".\n");
  return out;
}

std::string LambdaParagraph(const ReportContext& ctx, const std::string& c) {
  const EvaluationOptions& opt = ctx.e().options;
  const Subset subset = ctx.e().tuning.subset;
  double lo = INFINITY, hi = -INFINITY;
  double lo_l = 0, hi_l = 0;
  for (double l : opt.lambdas) {
    const SeparationRecord* r = FindSeparation(
        ctx.e(), c, l, fingerprint::LambdaScaling::kResolution, "report", opt.keys, subset);
    if (r == nullptr || std::isnan(r->stats.margin)) continue;
    if (r->stats.margin < lo) lo = r->stats.margin, lo_l = l;
    if (r->stats.margin > hi) hi = r->stats.margin, hi_l = l;
  }
  if (!std::isfinite(lo)) return "";
  std::string out = absl::StrFormat(
      "- Lambda (%s, resolution scaling, %s): the margin ranges from %s (lambda %g) to %s "
      "(lambda %g) over the sweep.",
      Code(c), SubsetWords(subset), Fixed4(lo), lo_l, Fixed4(hi), hi_l);
  const SeparationRecord* literal = FindSeparation(
      ctx.e(), c, opt.lambda, fingerprint::LambdaScaling::kLiteral, "report", opt.keys, subset);
  if (literal != nullptr) {
    absl::StrAppend(&out, " Taken literally (no resolution scaling), lambda ",
                    absl::StrFormat("%g", opt.lambda), " gives AUC ", Fixed3(literal->stats.auc),
                    ", margin ", Fixed4(literal->stats.margin), ", highest independent ",
                    Fixed4(literal->stats.highest_negative_score), ".");
  }
  return out + "\n";
}

}  // namespace

std::string HealthSection(const ReportContext& ctx) {
  std::string out =
      "## Fingerprint health\n\n"
      "Relevance mass = the sum of the intrinsic feature over a key's pixels (about 1 for a "
      "rule that conserves relevance from the one-hot start; lambda's scaling assumes it). A "
      "blank fingerprint is a constant image: it carries nothing, yet two of them have SSIM "
      "1. Report split, headline lambda.\n\n";
  MarkdownTable t({"composite", "relevance mass (originals)", "relevance mass (all models)",
                   "blank: originals", "blank: pirated", "blank: independent"});
  const auto blank = [](const Score& s) { return s.blank_fraction; };
  const auto mass = [](const Score& s) { return s.relevance_mass; };
  const auto role = [](Role r) { return [r](const Score& s) { return s.role == r; }; };
  const auto model = [](const Score& s) { return s.role != Role::kBaseline; };
  for (const std::string& c : ctx.composites()) {
    t.Add({Code(c), Fixed4(MeanOf(ctx, c, mass, role(Role::kOriginal))),
           Fixed4(MeanOf(ctx, c, mass, model)),
           Percent(MeanOf(ctx, c, blank, role(Role::kOriginal))),
           Percent(MeanOf(ctx, c, blank, role(Role::kPirated))),
           Percent(MeanOf(ctx, c, blank, role(Role::kIndependent)))});
  }
  return out + t.Render() + "\n";
}

std::string AnalysisSection(const ReportContext& ctx) {
  const Evaluation& e = ctx.e();
  std::string out = "## What the numbers say\n\n";
  if (e.smoke) {
    out +=
        "*Smoke run: the sentences below are derived from tiny, undertrained models (test "
        "accuracy near chance) and describe the pipeline's output, not infip's error rates.*\n\n";
  }
  for (const std::string& c : ctx.composites()) out += BlankWarning(ctx, c);
  for (const std::string& c : ctx.composites()) out += Verdict(ctx, c);
  out += "\n";
  for (const std::string& c : ctx.composites()) out += BaselineParagraph(ctx, c);
  out += LineageParagraph(ctx);
  out += "\n";
  out += LambdaParagraph(ctx, ctx.headline_composite());

  // Which composite separates best at the headline setting (report split), for the models
  // the tuning choice is made for.
  const std::string* best = nullptr;
  const SeparationRecord* best_r = nullptr;
  for (const std::string& c : ctx.composites()) {
    const SeparationRecord* r = ctx.Separation(c, e.tuning.subset);
    if (r == nullptr || std::isnan(r->stats.auc)) continue;
    if (best_r == nullptr || r->stats.auc > best_r->stats.auc ||
        (r->stats.auc == best_r->stats.auc && r->stats.margin > best_r->stats.margin)) {
      best = &c;
      best_r = r;
    }
  }
  if (best != nullptr) {
    absl::StrAppend(&out, "- Of the composites, ", Code(*best),
                    " separates best on the report split (", SubsetWords(e.tuning.subset), ": AUC ",
                    Fixed3(best_r->stats.auc), ", margin ", Fixed4(best_r->stats.margin),
                    "). That is an observation on the reported data, not a choice; the choice "
                    "is made on the tuning split below.\n");
  }
  const Tuning& t = e.tuning;
  if (!t.candidates.empty()) {
    const bool is_default = t.chosen.composite == ctx.headline_composite() &&
                            t.chosen.lambda == e.options.lambda &&
                            t.chosen.scaling == e.options.scaling;
    absl::StrAppend(
        &out, "- Proposed setting, chosen on the tuning split only: ", Code(t.chosen.composite),
        ", lambda ", absl::StrFormat("%g", t.chosen.lambda), " (", ScalingName(t.chosen.scaling),
        "), T* = ", Fixed4(t.threshold), is_default ? " (the default composite and lambda)" : "",
        t.subset == Subset::kAll ? ""
                                 : ", chosen for the copies that keep the original's weights "
                                   "because no setting separated the distilled students on "
                                   "the tuning split",
        ". Held out on the report split: AUC ", Fixed3(t.report.auc), ", margin ",
        Fixed4(t.report.margin), ", TPR ", Fixed3(t.report.tpr_at_threshold), " and FPR ",
        Fixed3(t.report.fpr_at_threshold), " at T*");
    if (t.subset != Subset::kAll) {
      absl::StrAppend(
          &out, " (", t.report.positives, " weight-derived copies, ", t.report.negatives,
          " independent models); counting the distilled students "
          "as copies, TPR ",
          Fixed3(t.report_all.tpr_at_threshold), " (", t.report_all.positives, " pirated)");
    }
    out += ".";
    if (!Separates(ctx.Separation(ctx.headline_composite(), Subset::kAll)) &&
        !(t.subset == Subset::kAll && t.report.auc == 1.0 && t.report.margin >= kThinMargin)) {
      out +=
          " No setting tried here separates all pirated from all independent models "
          "cleanly on the held-out keys either: with distilled students counted as copies, "
          "no threshold makes ASSIM a reliable piracy test on this zoo.";
      if (Separates(ctx.Separation(ctx.headline_composite(), Subset::kWeightDerivedVsTrained))) {
        absl::StrAppend(&out,
                        " Copies that keep the original's weights are separated from "
                        "trained independent models (",
                        Code(ctx.headline_composite()), ", see the table below).");
      }
    }
    out += "\n";
  }
  const SeparationRecord* headline = ctx.Separation(ctx.headline_composite(), Subset::kAll);
  const auto setting = [&](const char* key) {
    const std::optional<double> v = SettingNumber(ctx.zoo().settings_json, key);
    return v.has_value() ? absl::StrFormat("%g", *v) : std::string("?");
  };
  absl::StrAppend(
      &out, "- Caveats: with ", headline != nullptr ? headline->stats.negatives : 0,
      " independent models an FPR can only be measured in steps of one model; the two key "
      "splits share their models; the zoo's models are narrow (first-stage width ",
      setting("width"), ") and trained for ", setting("epochs"), " epoch(s) on ",
      setting("train_size"), " images, far less than the paper's.\n\n");
  return out;
}

}  // namespace infip::evaluate
