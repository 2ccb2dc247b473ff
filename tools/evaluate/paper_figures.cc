#include "tools/evaluate/paper_figures.h"

#include <limits>

namespace infip::evaluate::paper {
namespace {

constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

}  // namespace

const std::vector<PaperRow>& TableI() {
  static const std::vector<PaperRow> rows = {
      {"CIFAR-10", "VGG-16", "", 86.10, kNone, 1.0000},
      {"CIFAR-10", "ResNet-18", "", 82.02, kNone, 1.0000},
      {"ImageNet", "VGG-16", "", 73.82, kNone, 1.0000},
      {"ImageNet", "ResNet-18", "", 75.94, kNone, 1.0000},
  };
  return rows;
}

const PaperSweep& TableII() {
  static const PaperSweep sweep = {
      "ResNet-18",
      {1000, 5000, 7500, 10000, 12500, 15000},
      {{"None", {1.0000, 1.0000, 1.0000, 1.0000, 1.0000, 1.0000}},
       {"Fine-tuning Attack", {0.9718, 0.9877, 0.9850, 0.9828, 0.9806, 0.9794}},
       {"Pruning Attack", {0.9909, 0.9966, 0.9958, 0.9983, 0.9948, 0.9944}},
       {"Watermark Overwriting Attack", {0.9960, 0.9887, 0.9863, 0.9845, 0.9829, 0.9816}}}};
  return sweep;
}

const PaperSweep& TableIII() {
  static const PaperSweep sweep = {
      "ResNet-18",
      {100, 400, 800, 1200, 1600, 2000},
      {{"None", {1.0000, 1.0000, 1.0000, 1.0000, 1.0000, 1.0000}},
       {"Fine-tuning Attack", {0.9027, 0.9877, 0.9875, 0.9875, 0.9874, 0.9873}},
       {"Pruning Attack", {0.9650, 0.9966, 0.9966, 0.9967, 0.9967, 0.9966}},
       {"Watermark Overwriting Attack", {0.9865, 0.9887, 0.9885, 0.9886, 0.9886, 0.9886}}}};
  return sweep;
}

const std::vector<PaperRow>& TableIV() {
  static const std::vector<PaperRow> rows = {
      {"ImageNet", "VGG-16", "0", 73.82, kNone, 1.0000},
      {"ImageNet", "VGG-16", "20", 80.60, kNone, 0.9992},
      {"ImageNet", "VGG-16", "50", 83.60, kNone, 0.9989},
      {"ImageNet", "VGG-16", "80", 83.70, kNone, 0.9987},
      {"ImageNet", "ResNet-18", "0", 75.94, kNone, 1.0000},
      {"ImageNet", "ResNet-18", "20", 78.50, kNone, 0.9366},
      {"ImageNet", "ResNet-18", "50", 76.93, kNone, 0.9064},
      {"ImageNet", "ResNet-18", "80", 75.23, kNone, 0.8964},
  };
  return rows;
}

const std::vector<PaperRow>& TableV() {
  static const std::vector<PaperRow> rows = {
      {"ImageNet", "VGG-16", "0", 73.82, kNone, 1.0000},
      {"ImageNet", "VGG-16", "20", 73.62, kNone, 0.9986},
      {"ImageNet", "VGG-16", "40", 72.82, kNone, 0.9950},
      {"ImageNet", "VGG-16", "60", 63.04, kNone, 0.9814},
      {"ImageNet", "ResNet-18", "0", 75.94, kNone, 1.0000},
      {"ImageNet", "ResNet-18", "20", 75.28, kNone, 0.9902},
      {"ImageNet", "ResNet-18", "40", 72.28, kNone, 0.9669},
      {"ImageNet", "ResNet-18", "60", 62.36, kNone, 0.9322},
  };
  return rows;
}

const std::vector<PaperRow>& TableVI() {
  static const std::vector<PaperRow> rows = {
      {"ImageNet", "VGG-16", "", 74.10, 91.50, 0.9991},
      {"ImageNet", "ResNet-18", "", 76.20, 97.00, 0.9887},
  };
  return rows;
}

const std::vector<PaperRow>& TableVII() {
  static const std::vector<PaperRow> rows = {
      {"CIFAR-10", "VGG-16", "", 85.86, kNone, 0.9867},
      {"CIFAR-10", "ResNet-18", "", 80.40, kNone, 0.9637},
      {"ImageNet", "VGG-16", "", 80.76, kNone, 0.9949},
      {"ImageNet", "ResNet-18", "", 77.30, kNone, 0.9175},
  };
  return rows;
}

}  // namespace infip::evaluate::paper
