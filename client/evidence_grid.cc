#include "client/evidence_grid.h"

#include <algorithm>

namespace infip::cli {
namespace {

torch::Tensor AsRgb(torch::Tensor image) {
  if (image.dim() == 2) image = image.unsqueeze(0);
  if (image.size(0) == 1) image = image.expand({3, image.size(1), image.size(2)});
  return image.to(torch::kUInt8);
}

}  // namespace

int64_t LegibleScale(int64_t height, int64_t width) {
  constexpr int64_t kTarget = 128;
  return std::max<int64_t>(1, kTarget / std::max<int64_t>(1, std::max(height, width)));
}

torch::Tensor EvidenceSheet(const std::vector<std::vector<torch::Tensor>>& rows,
                            const GridLayout& layout) {
  size_t columns = 0;
  for (const auto& row : rows) columns = std::max(columns, row.size());
  const int64_t cell_h = layout.cell_height * layout.scale;
  const int64_t cell_w = layout.cell_width * layout.scale;
  const int64_t n_rows = static_cast<int64_t>(rows.size());
  const int64_t n_cols = static_cast<int64_t>(columns);
  torch::Tensor sheet = torch::full(
      {3, n_rows * cell_h + (n_rows + 1) * layout.gap, n_cols * cell_w + (n_cols + 1) * layout.gap},
      layout.background, torch::kUInt8);
  for (int64_t r = 0; r < n_rows; ++r) {
    for (int64_t c = 0; c < static_cast<int64_t>(rows[r].size()); ++c) {
      const torch::Tensor image =
          AsRgb(rows[r][c]).repeat_interleave(layout.scale, 1).repeat_interleave(layout.scale, 2);
      const int64_t h = std::min(image.size(1), cell_h);
      const int64_t w = std::min(image.size(2), cell_w);
      const int64_t y = layout.gap + r * (cell_h + layout.gap) + (cell_h - h) / 2;
      const int64_t x = layout.gap + c * (cell_w + layout.gap) + (cell_w - w) / 2;
      sheet.slice(1, y, y + h).slice(2, x, x + w).copy_(image.slice(1, 0, h).slice(2, 0, w));
    }
  }
  return sheet;
}

}  // namespace infip::cli
