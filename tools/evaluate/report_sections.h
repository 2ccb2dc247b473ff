// The sections of docs/results.md, each a Markdown string. Internal to report.cc.
//
//   out += SeparationSection(ctx) + AnalysisSection(ctx) + PaperTables(ctx) + ...;
#pragma once

#include <string>
#include <vector>

#include "tools/evaluate/figures.h"
#include "tools/evaluate/report_context.h"

namespace infip::evaluate {

// The separation figures of every composite at the headline setting (report split).
[[nodiscard]] std::string SeparationSection(const ReportContext& ctx);

// Plain statements of what the numbers support, derived from them: whether the headline
// composite separates, how the input-only baseline and the random network compare, what the
// other composites and lambdas do, and what the tuning split proposes.
[[nodiscard]] std::string AnalysisSection(const ReportContext& ctx);

// What a headline fingerprint follows: whether the distilled students, which share no weights
// with the original, copy its predictions more than independent models reproduce them, and
// whether independent models that share the original's initial weights score above those with
// their own. Bullets for the analysis section; empty when the zoo lacks the models.
[[nodiscard]] std::string LineageParagraph(const ReportContext& ctx);

// Relevance mass and blank fingerprints per composite.
[[nodiscard]] std::string HealthSection(const ReportContext& ctx);

// Tables I, IV, V, VI and VII in the paper's shape with the paper's figures beside infip's,
// then the attacks beyond the paper and the independent models.
[[nodiscard]] std::string PaperTables(const ReportContext& ctx);

// Tables II (lambda) and III (key count).
[[nodiscard]] std::string SweepTables(const ReportContext& ctx);

// The candidates on the tuning split, the choice, and how it does on the report split.
[[nodiscard]] std::string TuningSection(const ReportContext& ctx);

// The PNG figures, linked relative to the report's directory.
[[nodiscard]] std::string FiguresSection(const ReportContext& ctx,
                                         const std::vector<FigureFile>& figures,
                                         const std::string& report_dir);

}  // namespace infip::evaluate
