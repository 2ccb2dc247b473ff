#include "tools/evaluate/figures.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "infip/common/status_macros.h"

namespace infip::evaluate {
namespace {

const cv::Scalar kWhite(255, 255, 255);
const cv::Scalar kBlack(0, 0, 0);
const cv::Scalar kGrid(225, 225, 225);
const cv::Scalar kPirated(40, 40, 210);       // red (BGR)
const cv::Scalar kDistilled(0, 140, 255);     // orange
const cv::Scalar kIndependent(200, 110, 30);  // blue
const cv::Scalar kRandom(180, 40, 180);       // purple
const cv::Scalar kInput(120, 120, 120);       // grey
const cv::Scalar kSame(40, 150, 40);          // green
constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

void Text(cv::Mat& img, const std::string& s, cv::Point at, double scale = 0.45,
          const cv::Scalar& color = kBlack, int thickness = 1) {
  cv::putText(img, s, at, kFont, scale, color, thickness, cv::LINE_AA);
}

int TextWidth(const std::string& s, double scale = 0.45) {
  int baseline = 0;
  return cv::getTextSize(s, kFont, scale, 1, &baseline).width;
}

void DashedVertical(cv::Mat& img, int x, int y0, int y1, const cv::Scalar& color) {
  for (int y = y0; y < y1; y += 10) cv::line(img, {x, y}, {x, std::min(y + 5, y1)}, color, 2);
}

absl::Status Save(const cv::Mat& img, const std::string& path) {
  bool ok = false;
  try {
    // The strongest compression: the figures are committed with the report.
    ok = cv::imwrite(path, img, {cv::IMWRITE_PNG_COMPRESSION, 9});
  } catch (const cv::Exception& e) {
    return absl::InternalError(absl::StrCat("writing ", path, ": ", e.what()));
  }
  if (!ok)
    return absl::InternalError(absl::StrCat("writing ", path, ": OpenCV could not write it"));
  return absl::OkStatus();
}

// --- the ASSIM strip plot ------------------------------------------------------------------

enum class Row { kSame, kPirated, kDistilled, kIndependent, kRandom, kInput };
constexpr int kRows = 6;

const char* RowLabel(Row r) {
  switch (r) {
    case Row::kSame:
      return "same model";
    case Row::kPirated:
      return "pirated copies";
    case Row::kDistilled:
      return "distilled";
    case Row::kIndependent:
      return "independent";
    case Row::kRandom:
      return "random init";
    case Row::kInput:
      return "input only";
  }
  return "";
}

Row RowOf(const Score& s) {
  switch (s.role) {
    case Role::kOriginal:
      return Row::kSame;
    case Role::kPirated:
      return s.attack == "distill" ? Row::kDistilled : Row::kPirated;
    case Role::kIndependent:
      return s.attack == "random-init" ? Row::kRandom : Row::kIndependent;
    case Role::kBaseline:
      return Row::kInput;
  }
  return Row::kInput;
}

void Marker(cv::Mat& img, Row row, cv::Point p) {
  switch (row) {
    case Row::kSame:
      cv::drawMarker(img, p, kSame, cv::MARKER_DIAMOND, 12, 2);
      break;
    case Row::kPirated:
      cv::circle(img, p, 5, kPirated, cv::FILLED, cv::LINE_AA);
      break;
    case Row::kDistilled:
      cv::circle(img, p, 5, kDistilled, 2, cv::LINE_AA);
      break;
    case Row::kIndependent:
      cv::rectangle(img, {p.x - 5, p.y - 5}, {p.x + 5, p.y + 5}, kIndependent, cv::FILLED);
      break;
    case Row::kRandom:
      cv::drawMarker(img, p, kRandom, cv::MARKER_TILTED_CROSS, 12, 2);
      break;
    case Row::kInput:
      cv::drawMarker(img, p, kInput, cv::MARKER_TRIANGLE_UP, 12, 2);
      break;
  }
}

absl::StatusOr<FigureFile> StripPlot(const Evaluation& e, const std::string& composite,
                                     const std::string& dir) {
  std::vector<const Score*> scores;
  for (const Score& s : e.headline) {
    if (s.composite == composite && s.split == "report" && std::isfinite(s.comparison.assim)) {
      scores.push_back(&s);
    }
  }
  double lo = 0.8;
  for (const Score* s : scores) lo = std::min(lo, s->comparison.assim);
  lo = std::max(-1.0, std::floor(lo * 10.0) / 10.0);
  const double hi = 1.0;

  const int left = 150, right = 40, top = 80, row_h = 64, bottom = 60, width = 1100;
  const int height = top + kRows * row_h + bottom;
  cv::Mat img(height, width, CV_8UC3, kWhite);
  const auto x_of = [&](double v) {
    return left + static_cast<int>(std::lround((v - lo) / (hi - lo) * (width - left - right)));
  };
  const auto y_of = [&](Row r) { return top + static_cast<int>(r) * row_h + row_h / 2; };

  Text(img,
       absl::StrFormat("ASSIM against the original, report split (N = %d keys): composite %s, "
                       "lambda %g (%s)",
                       e.options.keys, composite, e.options.lambda,
                       fingerprint::LambdaScalingName(e.options.scaling)),
       {left, 28}, 0.55);
  if (e.smoke)
    Text(img, "SMOKE RUN: tiny undertrained models, not evidence", {left, 54}, 0.5, kPirated);

  // Axis, ticks and row bands.
  const double step = (hi - lo) > 0.45 ? 0.1 : 0.05;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + 1e-9; t += step) {
    const int x = x_of(t);
    cv::line(img, {x, top}, {x, top + kRows * row_h}, kGrid, 1);
    const std::string label = absl::StrFormat("%.2f", t);
    Text(img, label, {x - TextWidth(label) / 2, top + kRows * row_h + 20});
  }
  Text(img, "ASSIM", {width / 2 - 20, height - 12}, 0.5);
  for (int r = 0; r < kRows; ++r) {
    const int y = top + r * row_h;
    cv::line(img, {left, y}, {width - right, y}, kGrid, 1);
    Text(img, RowLabel(static_cast<Row>(r)), {10, y + row_h / 2 + 5}, 0.5);
  }
  cv::line(img, {left, top + kRows * row_h}, {width - right, top + kRows * row_h}, kBlack, 1);

  // Thresholds: the paper's T, and the one chosen on the tuning split when it is this setting.
  const int tx = x_of(e.options.threshold);
  DashedVertical(img, tx, top, top + kRows * row_h, kBlack);
  Text(img, absl::StrFormat("T = %.2f (paper)", e.options.threshold), {tx + 4, top - 6}, 0.42);
  const Tuning& t = e.tuning;
  if (t.chosen.composite == composite && t.chosen.lambda == e.options.lambda &&
      t.chosen.scaling == e.options.scaling && std::isfinite(t.threshold)) {
    const int cx = x_of(t.threshold);
    DashedVertical(img, cx, top, top + kRows * row_h, kSame);
    Text(img, absl::StrFormat("T* = %.3f (tuning split)", t.threshold), {cx + 4, top + 14}, 0.42,
         kSame);
  }

  // Points, spread vertically within their row so that equal scores stay visible.
  int index[kRows] = {0};
  const Score* lowest_pirated = nullptr;
  const Score* highest_independent = nullptr;
  for (const Score* s : scores) {
    const Row row = RowOf(*s);
    const int jitter = ((index[static_cast<int>(row)]++ * 7) % 5 - 2) * 8;
    Marker(img, row, {x_of(s->comparison.assim), y_of(row) + jitter});
    if (row == Row::kPirated &&
        (lowest_pirated == nullptr || s->comparison.assim < lowest_pirated->comparison.assim)) {
      lowest_pirated = s;
    }
    if (row == Row::kIndependent && (highest_independent == nullptr ||
                                     s->comparison.assim > highest_independent->comparison.assim)) {
      highest_independent = s;
    }
  }
  for (const Score* s : {lowest_pirated, highest_independent}) {
    if (s == nullptr) continue;
    const std::string label = absl::StrFormat("%s %.3f", s->suspect, s->comparison.assim);
    const int x = std::min(x_of(s->comparison.assim) + 8, width - right - TextWidth(label, 0.4));
    Text(img, label, {std::max(left, x), y_of(RowOf(*s)) - 20}, 0.4);
  }

  FigureFile f{"assim-distribution", composite, "",
               (std::filesystem::path(dir) / absl::StrCat("assim-", composite, ".png")).string()};
  INFIP_RETURN_IF_ERROR(Save(img, f.path));
  return f;
}

// --- the fingerprint grid ------------------------------------------------------------------

cv::Mat Gray(const torch::Tensor& hw) {  // H x W uint8 -> BGR
  const torch::Tensor t = hw.contiguous();
  cv::Mat gray(static_cast<int>(t.size(0)), static_cast<int>(t.size(1)), CV_8UC1,
               const_cast<uint8_t*>(t.data_ptr<uint8_t>()));
  cv::Mat bgr;
  cv::cvtColor(gray, bgr, cv::COLOR_GRAY2BGR);  // copies, so the tensor may go
  return bgr;
}

cv::Mat KeyImage(const torch::Tensor& chw) {  // C x H x W uint8, C = 1 or 3
  if (chw.size(0) == 1) return Gray(chw[0]);
  const torch::Tensor hwc = chw.permute({1, 2, 0}).contiguous();
  cv::Mat rgb(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_8UC3,
              const_cast<uint8_t*>(hwc.data_ptr<uint8_t>()));
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

absl::StatusOr<FigureFile> Grid(const FingerprintGrid& g, bool smoke, const std::string& dir) {
  const int k = static_cast<int>(g.keys.size(0));
  const int h = static_cast<int>(g.keys.size(2)), w = static_cast<int>(g.keys.size(3));
  const int scale = std::max(1, 96 / std::max(h, w));
  const int cell_w = std::max(w * scale, 100), cell_h = h * scale;
  const int gap = 12, top = smoke ? 70 : 50, header = 24, caption = 18, left = 10;
  const int cols = 1 + static_cast<int>(g.columns.size());
  const int width = left * 2 + cols * cell_w + (cols - 1) * gap;
  const int height = top + header + k * (cell_h + caption + gap) + 10;
  cv::Mat img(height, width, CV_8UC3, kWhite);
  Text(img,
       absl::StrFormat("%s, composite %s: first %d report keys; under each fingerprint its SSIM "
                       "with the original's",
                       g.original, g.composite, k),
       {left, 24}, 0.5);
  if (smoke)
    Text(img, "SMOKE RUN: tiny undertrained models, not evidence", {left, 48}, 0.5, kPirated);

  const auto place = [&](const cv::Mat& small, int col, int row) {
    cv::Mat big;
    cv::resize(small, big, {small.cols * scale, small.rows * scale}, 0, 0, cv::INTER_NEAREST);
    const int x = left + col * (cell_w + gap) + (cell_w - big.cols) / 2;
    const int y = top + header + row * (cell_h + caption + gap);
    big.copyTo(img(cv::Rect(x, y, big.cols, big.rows)));
    cv::rectangle(img, {x - 1, y - 1}, {x + big.cols, y + big.rows}, kGrid, 1);
  };
  const auto label = [&](const std::string& s, int col) {
    const int x = left + col * (cell_w + gap);
    Text(img, s, {x + std::max(0, (cell_w - TextWidth(s, 0.42)) / 2), top + header - 8}, 0.42);
  };
  label("key", 0);
  for (int c = 0; c < cols - 1; ++c) label(g.columns[c].label, c + 1);
  for (int r = 0; r < k; ++r) {
    place(KeyImage(g.keys[r]), 0, r);
    for (int c = 0; c < cols - 1; ++c) {
      const GridColumn& col = g.columns[c];
      place(Gray(col.images[r]), c + 1, r);
      const std::string s = absl::StrFormat("SSIM %.3f", col.ssim[r]);
      const int x = left + (c + 1) * (cell_w + gap);
      const int y = top + header + r * (cell_h + caption + gap) + cell_h + 14;
      Text(img, s, {x + std::max(0, (cell_w - TextWidth(s, 0.4)) / 2), y}, 0.4);
    }
  }
  FigureFile f{"fingerprint-grid", g.composite, g.original,
               (std::filesystem::path(dir) /
                absl::StrCat("fingerprints-", g.original, "-", g.composite, ".png"))
                   .string()};
  INFIP_RETURN_IF_ERROR(Save(img, f.path));
  return f;
}

}  // namespace

absl::StatusOr<std::vector<FigureFile>> WriteFigures(const Evaluation& e, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("figures: cannot create '", dir, "': ", ec.message()));
  }
  std::vector<FigureFile> files;
  for (const std::string& composite : e.options.composites) {
    INFIP_ASSIGN_OR_RETURN(FigureFile f, StripPlot(e, composite, dir));
    files.push_back(std::move(f));
  }
  for (const FingerprintGrid& g : e.grids) {
    if (g.columns.empty() || g.keys.size(0) == 0) continue;
    INFIP_ASSIGN_OR_RETURN(FigureFile f, Grid(g, e.smoke, dir));
    files.push_back(std::move(f));
  }
  return files;
}

}  // namespace infip::evaluate
