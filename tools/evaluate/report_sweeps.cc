// Tables II and III (lambda and key-count sweeps), the separation figures, and the choice made
// on the tuning split.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/evaluate/markdown.h"
#include "tools/evaluate/paper_figures.h"
#include "tools/evaluate/report_sections.h"

namespace infip::evaluate {
namespace {

using fingerprint::LambdaScaling;

// The models the paper's sweep rows stand for: the original itself ("None"), the strongest
// fine-tuning, the middle pruning rate, the watermark model.
struct SweepRow {
  std::string label;
  std::string model;
  std::string_view paper_row;
};

std::vector<SweepRow> SweepRows(const ReportContext& ctx, const ZooModel& o) {
  std::vector<SweepRow> rows = {{"same model", o.name, "None"}};
  const auto add = [&](const std::vector<const ZooModel*>& ms, size_t pick, const char* label,
                       std::string_view paper_row) {
    if (ms.empty()) return;
    const ZooModel* m = ms[std::min(pick, ms.size() - 1)];
    rows.push_back({absl::StrCat(label, " ", Code(m->name)), m->name, paper_row});
  };
  const auto ft = ctx.Suspects(o, "fine-tune");
  const auto prune = ctx.Suspects(o, "prune");
  add(ft, ft.size() - 1, "fine-tuning", "Fine-tuning Attack");
  add(prune, prune.size() / 2, "pruning", "Pruning Attack");
  add(ctx.Suspects(o, "watermark-overwrite"), 0, "watermark", "Watermark Overwriting Attack");
  return rows;
}

// The highest ASSIM of any independent model of this original, by `score`.
template <typename ScoreFn>
std::string HighestIndependent(const ReportContext& ctx, const ZooModel& o, ScoreFn score) {
  double best = NAN;
  for (const ZooModel* m : ctx.SuspectsWithRole(o, Role::kIndependent)) {
    const Score* s = score(m->name);
    if (s != nullptr && (std::isnan(best) || s->comparison.assim > best))
      best = s->comparison.assim;
  }
  return Fixed4(best);
}

std::string PaperSweepTable(const paper::PaperSweep& sweep, const std::string& unit) {
  std::vector<std::string> header = {
      absl::StrCat("paper (", std::string(sweep.model), ", ImageNet), ", unit)};
  for (double c : sweep.columns) header.push_back(absl::StrFormat("%g", c));
  MarkdownTable t(header);
  for (const paper::PaperSweep::Row& r : sweep.rows) {
    std::vector<std::string> row = {std::string(r.attack)};
    for (double v : r.assim) row.push_back(Fixed4(v));
    t.Add(row);
  }
  return t.Render();
}

std::string AucMargin(const SeparationRecord* r) {
  if (r == nullptr) return kMissing;
  return absl::StrCat(Fixed3(r->stats.auc), " / ", Fixed3(r->stats.margin));
}

std::string LambdaTable(const ReportContext& ctx, const ZooModel& o, const std::string& composite,
                        LambdaScaling scaling) {
  const EvaluationOptions& opt = ctx.e().options;
  std::vector<std::string> header = {"lambda"};
  for (double l : opt.lambdas) header.push_back(absl::StrFormat("%g", l));
  MarkdownTable t(header);
  for (const SweepRow& r : SweepRows(ctx, o)) {
    std::vector<std::string> row = {r.label};
    for (double l : opt.lambdas) {
      const Score* s = ctx.LambdaPoint(r.model, composite, l, scaling);
      row.push_back(s != nullptr ? Fixed4(s->comparison.assim) : kMissing);
    }
    t.Add(row);
  }
  std::vector<std::string> high = {"highest independent"};
  for (double l : opt.lambdas) {
    high.push_back(HighestIndependent(ctx, o, [&](const std::string& name) {
      return ctx.LambdaPoint(name, composite, l, scaling);
    }));
  }
  t.Add(high);
  return t.Render();
}

}  // namespace

std::string SweepTables(const ReportContext& ctx) {
  const Evaluation& e = ctx.e();
  const EvaluationOptions& opt = e.options;
  const std::string& c0 = ctx.headline_composite();
  std::string out = absl::StrCat(
      "## Table II: lambda\n\n"
      "ASSIM of ",
      Code(c0), " fingerprints at each lambda (report split, ", opt.keys,
      " keys), with lambda scaled to the key resolution (infip's default: lambda_eff = lambda "
      "x H x W / 224^2). The paper's rows (ResNet-18, ImageNet) follow; the paper does not say "
      "which fine-tuning or pruning setting its rows used.\n\n");
  for (const ZooModel* o : ctx.Originals()) {
    absl::StrAppend(&out, "**", Code(o->name), "**\n\n",
                    LambdaTable(ctx, *o, c0, LambdaScaling::kResolution), "\n");
  }
  out += PaperSweepTable(paper::TableII(), "lambda") + "\n";
  absl::StrAppend(&out,
                  "The same with lambda taken literally (no resolution scaling), which at 32 x 32 "
                  "saturates most positive pixels:\n\n");
  for (const ZooModel* o : ctx.Originals()) {
    absl::StrAppend(&out, "**", Code(o->name), "**, literal\n\n",
                    LambdaTable(ctx, *o, c0, LambdaScaling::kLiteral), "\n");
  }
  out +=
      "Separation by lambda, every composite and scaling (report split; all pirated vs all "
      "independent; cell = AUC / margin):\n\n";
  std::vector<std::string> header = {"composite", "scaling"};
  for (double l : opt.lambdas) header.push_back(absl::StrFormat("%g", l));
  MarkdownTable sep(header);
  for (const std::string& c : ctx.composites()) {
    for (LambdaScaling s : SweptScalings()) {
      std::vector<std::string> row = {Code(c), (ScalingName(s))};
      for (double l : opt.lambdas) {
        row.push_back(AucMargin(FindSeparation(e, c, l, s, "report", opt.keys, Subset::kAll)));
      }
      sep.Add(row);
    }
  }
  out += sep.Render() + "\n";

  absl::StrAppend(&out, "## Table III: number of keys\n\n", "ASSIM of ", Code(c0),
                  " fingerprints on the first N keys of the report half of the pool, lambda ",
                  absl::StrFormat("%g", opt.lambda), ".");
  if (!e.key_counts_skipped.empty()) {
    absl::StrAppend(&out, " Key counts larger than a split (", e.key_counts_skipped.size(),
                    " of them) were left out.");
  }
  out += "\n\n";
  std::vector<std::string> kh = {"N"};
  for (int64_t n : e.key_counts) kh.push_back(absl::StrCat(n));
  for (const ZooModel* o : ctx.Originals()) {
    MarkdownTable t(kh);
    for (const SweepRow& r : SweepRows(ctx, *o)) {
      std::vector<std::string> row = {r.label};
      for (int64_t n : e.key_counts) {
        const Score* s = ctx.KeyPoint(r.model, c0, n);
        row.push_back(s != nullptr ? Fixed4(s->comparison.assim) : kMissing);
      }
      t.Add(row);
    }
    std::vector<std::string> high = {"highest independent"};
    for (int64_t n : e.key_counts) {
      high.push_back(HighestIndependent(
          ctx, *o, [&](const std::string& name) { return ctx.KeyPoint(name, c0, n); }));
    }
    t.Add(high);
    absl::StrAppend(&out, "**", Code(o->name), "**\n\n", t.Render(), "\n");
  }
  MarkdownTable ks(kh);
  for (const std::string& c : ctx.composites()) {
    std::vector<std::string> row = {absl::StrCat(Code(c), " AUC / margin")};
    for (int64_t n : e.key_counts) {
      row.push_back(
          AucMargin(FindSeparation(e, c, opt.lambda, opt.scaling, "report", n, Subset::kAll)));
    }
    ks.Add(row);
  }
  absl::StrAppend(&out, "Separation by key count (all pirated vs all independent):\n\n",
                  ks.Render(), "\n", PaperSweepTable(paper::TableIII(), "keys"), "\n");
  return out;
}

std::string SeparationSection(const ReportContext& ctx) {
  const EvaluationOptions& opt = ctx.e().options;
  std::string out = absl::StrCat(
      "## Pirated vs independent: separation\n\n"
      "Report split, ",
      opt.keys, " keys, lambda ", absl::StrFormat("%g", opt.lambda), " (", ScalingName(opt.scaling),
      "). AUC = the probability that a pirated copy scores above an independent model (ties "
      "count one half). TPR at FPR <= ",
      absl::StrFormat("%g", 100.0 * opt.max_fpr),
      " % = the share of pirated copies caught by the lowest threshold that keeps the "
      "false-positive rate there; with fewer than ",
      absl::StrFormat("%g", std::round(1.0 / std::max(opt.max_fpr, 1e-9))),
      " independent models that means no false positive at all. Margin = lowest pirated minus "
      "highest independent ASSIM (negative: they overlap). Subsets: *all*; without the "
      "random-init sanity model; without the distilled students (a distilled student is "
      "trained afresh and shares no weights with the original); and both.\n\n");
  MarkdownTable t({"composite", "subset", "pirated / independent", "AUC", "TPR @ FPR", "margin",
                   "lowest pirated", "highest independent",
                   absl::StrFormat("TPR / FPR at T = %.2f", opt.threshold)});
  for (const std::string& c : ctx.composites()) {
    for (Subset subset : AllSubsets()) {
      const SeparationRecord* r = ctx.Separation(c, subset);
      if (r == nullptr) continue;
      const Separation& s = r->stats;
      t.Add({Code(c), std::string(SubsetName(subset)),
             absl::StrCat(s.positives, " / ", s.negatives), Fixed3(s.auc), Fixed3(s.tpr_at_fpr),
             Fixed4(s.margin),
             s.lowest_positive.empty()
                 ? kMissing
                 : absl::StrCat(Code(s.lowest_positive), " ", Fixed4(s.lowest_positive_score)),
             s.highest_negative.empty()
                 ? kMissing
                 : absl::StrCat(Code(s.highest_negative), " ", Fixed4(s.highest_negative_score)),
             absl::StrCat(Fixed3(s.tpr_at_threshold), " / ", Fixed3(s.fpr_at_threshold))});
    }
  }
  return out + t.Render() + "\n";
}

std::string TuningSection(const ReportContext& ctx) {
  const Evaluation& e = ctx.e();
  const Tuning& t = e.tuning;
  std::string out = absl::StrCat(
      "## A setting chosen on held-out keys\n\n"
      "Criterion: ",
      t.criterion, ". The tuning split is keys [", e.splits.back().first, ", ",
      e.splits.back().first + e.splits.back().count,
      ") of the pool; no figure elsewhere in this report uses those keys. The models are the "
      "same in both splits, so this holds the choice out on keys, not on models: treat it as a "
      "proposal to confirm on models infip has never seen.\n\n");
  if (!t.excluded.empty()) {
    absl::StrAppend(&out, "Left out for blank fingerprints: ",
                    absl::StrJoin(t.excluded, ", ",
                                  [](std::string* o, const std::string& c) { o->append(Code(c)); }),
                    ".\n\n");
  }
  if (t.candidates.empty()) return out + "(no candidates)\n\n";
  // One row per composite and scaling, one column per lambda; cell = AUC / margin there.
  std::vector<std::string> header = {"composite", "scaling"};
  for (double l : e.options.lambdas) header.push_back(absl::StrFormat("%g", l));
  MarkdownTable c(header);
  for (const std::string& composite : ctx.composites()) {
    for (LambdaScaling scaling : SweptScalings()) {
      std::vector<std::string> row = {Code(composite), ScalingName(scaling)};
      for (double l : e.options.lambdas) {
        std::string cell = kMissing;
        for (const TuningCandidate& k : t.candidates) {
          if (k.composite != composite || k.lambda != l || k.scaling != scaling) continue;
          const bool chosen = k.composite == t.chosen.composite && k.lambda == t.chosen.lambda &&
                              k.scaling == t.chosen.scaling;
          cell = absl::StrCat(chosen ? "**" : "", Fixed3(k.tuning.auc), " / ",
                              Fixed3(k.tuning.margin), chosen ? "**" : "");
        }
        row.push_back(cell);
      }
      c.Add(row);
    }
  }
  out += c.Render();
  const Separation& r = t.report;
  absl::StrAppend(&out, "\nTuning split, cell = AUC / margin (", SubsetWords(t.subset),
                  "). Chosen (bold): ", Code(t.chosen.composite), ", lambda ",
                  absl::StrFormat("%g", t.chosen.lambda), " (", ScalingName(t.chosen.scaling),
                  "), threshold T* = ", Fixed4(t.threshold),
                  " from the tuning split. On the report split it gives AUC ", Fixed3(r.auc),
                  ", margin ", Fixed4(r.margin), ", and at T*: TPR ", Fixed3(r.tpr_at_threshold),
                  ", FPR ", Fixed3(r.fpr_at_threshold), " (", r.positives,
                  t.subset == Subset::kAll ? " pirated, " : " weight-derived copies, ", r.negatives,
                  " independent).");
  if (t.subset != Subset::kAll) {
    absl::StrAppend(&out, " With the distilled students counted as copies: AUC ",
                    Fixed3(t.report_all.auc), ", TPR ", Fixed3(t.report_all.tpr_at_threshold), " (",
                    t.report_all.positives, " pirated).");
  }
  out += "\n\n";
  return out;
}

}  // namespace infip::evaluate
