// The InFIP paper's own figures (Xue et al., /work/shared/paper/InFIP-paper.txt, Tables I to
// VII), printed beside infip's in docs/results.md. Transcribed, not computed: the paper used
// ImageNet (100 classes, 224 x 224) and CIFAR-10; the zoo uses Fashion-MNIST at 32 x 32, so
// the numbers are set side by side for shape, not for equality.
//
//   for (const PaperRow& r : paper::TableV()) ...   // {"ImageNet", "VGG-16", "20", 73.62, ...}
#pragma once

#include <string_view>
#include <vector>

namespace infip::evaluate::paper {

// One row of a results table; NaN where the paper gives no figure.
struct PaperRow {
  std::string_view dataset;
  std::string_view model;     // "VGG-16" | "ResNet-18"
  std::string_view setting;   // epochs, pruning rate, ...; empty when none
  double test_accuracy;       // in %, as the paper prints it
  double watermark_accuracy;  // in %
  double assim;
};

// A sweep table: one row per attack, one value per column.
struct PaperSweep {
  std::string_view model;  // both sweeps were run on ResNet-18, ImageNet
  std::vector<double> columns;
  struct Row {
    std::string_view attack;  // "None", "Fine-tuning Attack", ...
    std::vector<double> assim;
  };
  std::vector<Row> rows;
};

const std::vector<PaperRow>& TableI();    // same model: TA, ASSIM
const PaperSweep& TableII();              // lambda 1000 .. 15000
const PaperSweep& TableIII();             // keys 100 .. 2000
const std::vector<PaperRow>& TableIV();   // fine-tuning epochs 0/20/50/80
const std::vector<PaperRow>& TableV();    // pruning 0/20/40/60 %
const std::vector<PaperRow>& TableVI();   // watermark overwriting: TA, WA, ASSIM
const std::vector<PaperRow>& TableVII();  // adaptive: prune 40 %, fine-tune 50 epochs

// The paper's only pair of unrelated models: ResNet-18 vs VGG-16 on ImageNet (Section IV-B).
inline constexpr double kOtherArchitectureAssim = 0.7310;
inline constexpr double kThreshold = 0.85;

}  // namespace infip::evaluate::paper
