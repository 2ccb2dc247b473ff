// Sheets of evidence images for a person to read: one row per key, one column per kind of
// image (key, registered fingerprint, suspect's fingerprint, SSIM map), each image enlarged by
// nearest neighbour so that 32 x 32 fingerprints stay legible, on a grey background that sets
// white and black images apart from the gaps between them. Every cell is centred, so images
// of different sizes (an SSIM map is smaller than its fingerprints) still line up by row.
//
//   GridLayout layout{.cell_height = 32, .cell_width = 32, .scale = LegibleScale(32, 32)};
//   torch::Tensor sheet = EvidenceSheet({{key0, s0, s0_suspect, map0}, ...}, layout);
#pragma once

#include <torch/script.h>

#include <cstdint>
#include <vector>

namespace infip::audit {

struct GridLayout {
  int64_t cell_height = 0;  // before scaling: the largest image of any column
  int64_t cell_width = 0;
  int64_t scale = 1;  // nearest-neighbour enlargement
  int64_t gap = 6;    // pixels between cells, after scaling
  uint8_t background = 96;
};

// A scale that makes cells of this size at least about 128 pixels across.
[[nodiscard]] int64_t LegibleScale(int64_t height, int64_t width);

// A layout for `rows` rows of cells of at most height x width pixels: LegibleScale, reduced
// (down to 1) so that the sheet stays within max_side pixels in either direction.
[[nodiscard]] GridLayout FitLayout(int64_t rows, int64_t columns, int64_t height, int64_t width,
                                   int64_t max_side = 16384);

// `rows[r][c]` is a uint8 image on the CPU, H x W (gray) or C x H x W with C = 1 or 3, at
// most the cell's size; it is centred in its cell. Returns a 3 x height x width uint8 RGB
// sheet.
[[nodiscard]] torch::Tensor EvidenceSheet(const std::vector<std::vector<torch::Tensor>>& rows,
                                          const GridLayout& layout);

}  // namespace infip::audit
