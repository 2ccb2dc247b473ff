// The report's PNG figures, drawn with OpenCV (no plotting library, no Python):
//
//   assim-<composite>.png                    every suspect's ASSIM on the report split as a
//                                            strip plot, one row per role, with the paper's
//                                            T and the threshold chosen on the tuning split
//   fingerprints-<original>-<composite>.png  the paper's Fig. 3 / 4: key images, then the
//                                            fingerprints of the original, pirated copies,
//                                            independent models and the input-only map side
//                                            by side, each with its SSIM to the original's
//
//   INFIP_ASSIGN_OR_RETURN(std::vector<FigureFile> files, WriteFigures(evaluation,
//   "docs/figures"));
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/evaluate/evaluation.h"

namespace infip::evaluate {

struct FigureFile {
  std::string kind;  // "assim-distribution" | "fingerprint-grid"
  std::string composite;
  std::string original;  // grids only
  std::string path;      // as written: <dir>/<file name>
};

// Creates `dir` when missing. INTERNAL when a PNG cannot be encoded or written.
[[nodiscard]] absl::StatusOr<std::vector<FigureFile>> WriteFigures(const Evaluation& e,
                                                                   const std::string& dir);

}  // namespace infip::evaluate
