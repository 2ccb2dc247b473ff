// docs/results.md, written from an evaluation: the paper's tables (I to VII) with the paper's
// own figures beside infip's, the separation of pirated from independent models, the choice
// made on the tuning split, and prose that states plainly what the numbers support. Every
// sentence of judgement is derived from the numbers in the same document, so a rerun on
// another zoo rewrites the conclusions with the figures. A smoke run says so at the top.
//
//   INFIP_RETURN_IF_ERROR(WriteReport(evaluation, zoo, figures, "results.json",
//   "docs/results.md"));
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/evaluate/evaluation.h"
#include "tools/evaluate/figures.h"
#include "tools/evaluate/zoo_manifest.h"

namespace infip::evaluate {

// The report's Markdown. Figure links are relative to `report_dir`; `results_json` is where
// the JSON with every result was written (named in the report).
[[nodiscard]] std::string ReportMarkdown(const Evaluation& e, const ZooManifest& zoo,
                                         const std::vector<FigureFile>& figures,
                                         const std::string& results_json,
                                         const std::string& report_dir);

// Written whole or not at all; the directory must exist.
[[nodiscard]] absl::Status WriteReport(const Evaluation& e, const ZooManifest& zoo,
                                       const std::vector<FigureFile>& figures,
                                       const std::string& results_json, const std::string& path);

}  // namespace infip::evaluate
