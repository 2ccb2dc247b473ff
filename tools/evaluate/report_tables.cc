// Tables I, IV, V, VI, VII (with the paper's figures beside infip's), the attacks beyond the
// paper, and the independent models.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/evaluate/markdown.h"
#include "tools/evaluate/paper_figures.h"
#include "tools/evaluate/report_sections.h"

namespace infip::evaluate {
namespace {

// Header cells for the ASSIM of every composite; the headline composite also gets its
// interval and per-key spread.
std::vector<std::string> AssimHeader(const ReportContext& ctx) {
  std::vector<std::string> h;
  for (const std::string& c : ctx.composites()) {
    h.push_back(absl::StrCat("ASSIM ", Code(c)));
    if (c == ctx.headline_composite()) {
      h.push_back("95 % CI");
      h.push_back("min / median SSIM");
    }
  }
  return h;
}

std::vector<std::string> AssimCells(const ReportContext& ctx, const std::string& suspect) {
  std::vector<std::string> cells;
  for (const std::string& c : ctx.composites()) {
    const Score* s = ctx.Headline(suspect, c);
    cells.push_back(s != nullptr ? Fixed4(s->comparison.assim) : kMissing);
    if (c == ctx.headline_composite()) {
      cells.push_back(s != nullptr ? Interval(s->comparison.ci_low, s->comparison.ci_high)
                                   : kMissing);
      cells.push_back(s != nullptr ? absl::StrCat(Fixed3(s->comparison.min_ssim), " / ",
                                                  Fixed3(s->comparison.median_ssim))
                                   : kMissing);
    }
  }
  return cells;
}

template <typename... Parts>
std::vector<std::string> Cat(std::vector<std::string> a, const Parts&... rest) {
  (a.insert(a.end(), rest.begin(), rest.end()), ...);
  return a;
}

std::vector<const paper::PaperRow*> PaperRowsFor(const std::vector<paper::PaperRow>& table,
                                                 const std::string& arch) {
  std::vector<const paper::PaperRow*> out;
  for (const paper::PaperRow& r : table) {
    if (r.model == ArchName(arch)) out.push_back(&r);
  }
  return out;
}

std::string PaperAssim(const paper::PaperRow* r) { return r != nullptr ? Fixed4(r->assim) : ""; }

std::string TableI(const ReportContext& ctx) {
  std::string out =
      "### Table I: the same model, fingerprinted twice\n\n"
      "Each original is extracted twice, independently (the second time bypassing the feature "
      "cache), and the two fingerprint sets compared. The paper's figures are CIFAR-10 and "
      "ImageNet.\n\n";
  MarkdownTable t(
      Cat(std::vector<std::string>{"model", "TA"}, AssimHeader(ctx),
          std::vector<std::string>{"paper: CIFAR-10 TA / ASSIM", "paper: ImageNet TA / ASSIM"}));
  for (const ZooModel* o : ctx.AllOriginals()) {
    std::vector<std::string> paper_cells;
    for (std::string_view dataset : {"CIFAR-10", "ImageNet"}) {
      std::string cell = kMissing;
      for (const paper::PaperRow& r : paper::TableI()) {
        if (r.dataset == dataset && r.model == ArchName(o->architecture)) {
          cell = absl::StrCat(PaperPercent(r.test_accuracy), " / ", Fixed4(r.assim));
        }
      }
      paper_cells.push_back(cell);
    }
    t.Add(Cat(std::vector<std::string>{Code(o->name), Percent(o->test_accuracy)},
              AssimCells(ctx, o->name), paper_cells));
  }
  out += t.Render();
  out += absl::StrFormat(
      "\nThe paper's one pair of unrelated models (ResNet-18 vs VGG-16, ImageNet) scored ASSIM "
      "%.4f. Here:\n\n",
      paper::kOtherArchitectureAssim);
  MarkdownTable n(Cat(std::vector<std::string>{"pair", "TA"}, AssimHeader(ctx),
                      std::vector<std::string>{"paper"}));
  for (const ZooModel* o : ctx.Originals()) {
    for (const ZooModel* m : ctx.Suspects(*o, "other-architecture")) {
      n.Add(Cat(std::vector<std::string>{absl::StrCat(Code(m->name), " vs ", Code(o->name)),
                                         Percent(m->test_accuracy)},
                AssimCells(ctx, m->name),
                std::vector<std::string>{Fixed4(paper::kOtherArchitectureAssim)}));
    }
  }
  out += n.empty() ? "(no other-architecture pair in this zoo)\n" : n.Render();
  return out + "\n";
}

// Tables IV and V: one attack over its settings; `key` names the setting, `scale` turns it
// into the paper's unit. Rows align with the paper's by the setting's value when the values
// agree (pruning rates), else by position (fine-tuning epochs differ by design).
std::string SettingTable(const ReportContext& ctx, const std::string& title,
                         const std::string& intro, const std::string& attack, const char* key,
                         double scale, const std::string& unit,
                         const std::vector<paper::PaperRow>& paper_table) {
  std::string out = absl::StrCat("### ", title, "\n\n", intro, "\n\n");
  bool any = false;
  for (const ZooModel* o : ctx.Originals()) {
    std::vector<const ZooModel*> rows = ctx.Suspects(*o, attack);
    if (rows.empty()) continue;
    any = true;
    const std::vector<const paper::PaperRow*> paper_rows =
        PaperRowsFor(paper_table, o->architecture);
    MarkdownTable t(
        Cat(std::vector<std::string>{"model", unit, "TA"}, AssimHeader(ctx),
            std::vector<std::string>{absl::StrCat("paper ", unit), "paper TA", "paper ASSIM"}));
    std::vector<std::pair<std::string, std::string>> ours = {{o->name, "0"}};
    for (const ZooModel* m : rows) {
      const std::optional<double> v = SettingNumber(m->setting_json, key);
      ours.push_back({m->name, v.has_value() ? absl::StrFormat("%g", *v * scale) : kMissing});
    }
    bool by_value = true;
    for (const auto& [name, value] : ours) {
      bool found = false;
      for (const paper::PaperRow* p : paper_rows) found |= p->setting == value;
      by_value &= found;
    }
    for (size_t i = 0; i < ours.size(); ++i) {
      const ZooModel* m = ctx.zoo().Find(ours[i].first);
      const paper::PaperRow* p = nullptr;
      if (by_value) {
        for (const paper::PaperRow* r : paper_rows) {
          if (r->setting == ours[i].second) p = r;
        }
      } else if (i < paper_rows.size()) {
        p = paper_rows[i];
      }
      t.Add(Cat(std::vector<std::string>{Code(m->name), ours[i].second, Percent(m->test_accuracy)},
                AssimCells(ctx, m->name),
                std::vector<std::string>{p != nullptr ? std::string(p->setting) : "",
                                         p != nullptr ? PaperPercent(p->test_accuracy) : "",
                                         PaperAssim(p)}));
    }
    // Paper rows that found no partner of ours still belong in the table.
    for (size_t i = ours.size(); !by_value && i < paper_rows.size(); ++i) {
      std::vector<std::string> row(3 + AssimHeader(ctx).size(), "");
      row.push_back(std::string(paper_rows[i]->setting));
      row.push_back(PaperPercent(paper_rows[i]->test_accuracy));
      row.push_back(PaperAssim(paper_rows[i]));
      t.Add(row);
    }
    absl::StrAppend(&out, "**", ArchName(o->architecture), "** (paper: ImageNet, ",
                    ArchName(o->architecture), ")\n\n", t.Render(), "\n");
  }
  if (!any) out += "(no such models in this zoo)\n\n";
  return out;
}

std::string TableVI(const ReportContext& ctx) {
  std::string out =
      "### Table VI: watermark overwriting\n\n"
      "A noise-pattern backdoor (Zhang et al. 2018) embedded by fine-tuning on the attacker's "
      "data. WA = the fraction of non-target images carrying the pattern that are classified "
      "as the target; on the original it is the false-trigger rate.\n\n";
  MarkdownTable t(Cat(std::vector<std::string>{"model", "TA", "WA"}, AssimHeader(ctx),
                      std::vector<std::string>{"paper TA", "paper WA", "paper ASSIM"}));
  bool any = false;
  for (const ZooModel* o : ctx.Originals()) {
    const std::vector<const ZooModel*> rows = ctx.Suspects(*o, "watermark-overwrite");
    if (rows.empty()) continue;
    any = true;
    const std::vector<const paper::PaperRow*> p = PaperRowsFor(paper::TableVI(), o->architecture);
    t.Add(Cat(std::vector<std::string>{Code(o->name), Percent(o->test_accuracy),
                                       Percent(o->watermark_accuracy)},
              AssimCells(ctx, o->name), std::vector<std::string>{"", "", ""}));
    for (const ZooModel* m : rows) {
      t.Add(Cat(std::vector<std::string>{Code(m->name), Percent(m->test_accuracy),
                                         Percent(m->watermark_accuracy)},
                AssimCells(ctx, m->name),
                std::vector<std::string>{p.empty() ? "" : PaperPercent(p[0]->test_accuracy),
                                         p.empty() ? "" : PaperPercent(p[0]->watermark_accuracy),
                                         p.empty() ? "" : Fixed4(p[0]->assim)}));
    }
  }
  out += any ? t.Render() : "(no watermark models in this zoo)\n";
  return out + "\n";
}

std::string TableVII(const ReportContext& ctx) {
  std::string out =
      "### Table VII: the adaptive attack\n\n"
      "Prune, then fine-tune with the pruned weights held at zero (the paper: 40 %, then 50 "
      "epochs).\n\n";
  MarkdownTable t(
      Cat(std::vector<std::string>{"model", "setting", "TA"}, AssimHeader(ctx),
          std::vector<std::string>{"paper CIFAR-10 TA / ASSIM", "paper ImageNet TA / ASSIM"}));
  bool any = false;
  for (const ZooModel* o : ctx.Originals()) {
    for (const ZooModel* m : ctx.Suspects(*o, "prune+fine-tune")) {
      any = true;
      std::vector<std::string> paper_cells;
      for (std::string_view dataset : {"CIFAR-10", "ImageNet"}) {
        std::string cell = kMissing;
        for (const paper::PaperRow& r : paper::TableVII()) {
          if (r.dataset == dataset && r.model == ArchName(o->architecture)) {
            cell = absl::StrCat(PaperPercent(r.test_accuracy), " / ", Fixed4(r.assim));
          }
        }
        paper_cells.push_back(cell);
      }
      const std::optional<double> f = SettingNumber(m->setting_json, "fraction");
      const std::optional<double> ep = SettingNumber(m->setting_json, "epochs");
      const std::string setting =
          absl::StrCat(f.has_value() ? absl::StrFormat("%g %%", *f * 100.0) : "?", ", ",
                       ep.has_value() ? absl::StrFormat("%g ep", *ep) : "?");
      t.Add(Cat(std::vector<std::string>{Code(m->name), setting, Percent(m->test_accuracy)},
                AssimCells(ctx, m->name), paper_cells));
    }
  }
  out += any ? t.Render() : "(no adaptive-attack models in this zoo)\n";
  return out + "\n";
}

bool InPaperTables(const std::string& attack) {
  return attack == "fine-tune" || attack == "prune" || attack == "prune+fine-tune" ||
         attack == "watermark-overwrite";
}

std::string Beyond(const ReportContext& ctx) {
  std::string out =
      "### Beyond the paper: other ways to copy a model\n\n"
      "Fine-tuning only the last layer (FTLL), re-initialising the last layer and training all "
      "(RTAL), knowledge distillation into a fresh student, a float16 round trip, and two "
      "function-preserving rewrites (hidden-channel permutation, positive rescaling). "
      "Agreement = the fraction of report keys on which suspect and original predict the same "
      "class.\n\n";
  MarkdownTable t(Cat(std::vector<std::string>{"model", "attack", "TA"}, AssimHeader(ctx),
                      std::vector<std::string>{"agreement"}));
  for (const ZooModel* o : ctx.Originals()) {
    for (const ZooModel* m : ctx.SuspectsWithRole(*o, Role::kPirated)) {
      if (InPaperTables(m->attack)) continue;
      const Score* s = ctx.Headline(m->name, ctx.headline_composite());
      t.Add(Cat(
          std::vector<std::string>{Code(m->name), m->attack, Percent(m->test_accuracy)},
          AssimCells(ctx, m->name),
          std::vector<std::string>{s != nullptr ? Percent(s->prediction_agreement) : kMissing}));
    }
  }
  out += t.empty() ? "(none in this zoo)\n" : t.Render();
  return out + "\n";
}

std::string Independent(const ReportContext& ctx) {
  std::string out = absl::StrCat(
      "### Independent models and input-only baselines\n\n"
      "Models that are not copies: other seeds of the same recipe, the same recipe on a "
      "disjoint half of the training data, the other architecture, and an untrained, randomly "
      "initialised network. The input-only rows use no model at all: the key image's gradient "
      "magnitude, or the key image itself, made into an 8-bit image exactly as a relevance map "
      "is. \"SSIM to input\" is the mean SSIM of the suspect's own fingerprint with the key's "
      "gradient-magnitude map (",
      Code(ctx.headline_composite()), "): how much of it the image alone explains.\n\n");
  MarkdownTable t(Cat(std::vector<std::string>{"model", "kind", "TA"}, AssimHeader(ctx),
                      std::vector<std::string>{"agreement", "SSIM to input"}));
  for (const ZooModel* o : ctx.Originals()) {
    for (Role role : {Role::kIndependent, Role::kBaseline}) {
      for (const ZooModel* m : ctx.SuspectsWithRole(*o, role)) {
        std::vector<std::string> names = {m->name};
        if (role == Role::kBaseline) {
          names.clear();
          for (const Score& s : ctx.e().headline) {
            if (s.role == Role::kBaseline && s.against == o->name &&
                s.composite == ctx.headline_composite() && s.split == "report") {
              names.push_back(s.suspect);
            }
          }
        }
        for (const std::string& name : names) {
          const Score* s = ctx.Headline(name, ctx.headline_composite());
          t.Add(Cat(
              std::vector<std::string>{
                  Code(name), s != nullptr ? s->attack : m->attack,
                  Percent(role == Role::kBaseline ? std::nullopt : m->test_accuracy)},
              AssimCells(ctx, name),
              std::vector<std::string>{s != nullptr ? Percent(s->prediction_agreement) : kMissing,
                                       s != nullptr ? Fixed4(s->ssim_to_input) : kMissing}));
        }
      }
    }
  }
  out += t.empty() ? "(none in this zoo)\n" : t.Render();
  return out + "\n";
}

}  // namespace

std::string PaperTables(const ReportContext& ctx) {
  std::string out = "## The paper's tables, reproduced\n\n";
  absl::StrAppend(
      &out, "Every ASSIM below is on the report split (", ctx.e().options.keys, " keys), lambda ",
      absl::StrFormat("%g", ctx.e().options.lambda), " (", ScalingName(ctx.e().options.scaling),
      " scaling), against the model's own original. TA = test accuracy on the zoo's held-out "
      "accuracy images. The paper's figures are ImageNet (100 classes, 224 x 224) or CIFAR-10, "
      "with far longer training; they are set beside ours for shape, not for equality.\n\n");
  out += TableI(ctx);
  out += SettingTable(ctx, "Table IV: fine-tuning",
                      "Fine-tuning on the attacker's 2,000 images (the zoo's `--attacker-size`) "
                      "for several epoch counts. The paper's rows (20/50/80 epochs, ImageNet) "
                      "are aligned by position, not by epoch count.",
                      "fine-tune", "epochs", 1.0, "epochs", paper::TableIV());
  out += SettingTable(ctx, "Table V: pruning",
                      "Magnitude pruning: the given fraction of the smallest conv and linear "
                      "weights set to zero, no fine-tuning afterwards.",
                      "prune", "fraction", 100.0, "p (%)", paper::TableV());
  out += TableVI(ctx);
  out += TableVII(ctx);
  out += Beyond(ctx);
  out += Independent(ctx);
  return out;
}

}  // namespace infip::evaluate
