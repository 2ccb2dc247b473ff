// Sheets of evidence images for a person to read: one row per key, one column per kind of
// image (key, fingerprint, suspect's fingerprint, SSIM map), each image enlarged by nearest
// neighbour so that 32 x 32 fingerprints stay legible, on a grey background that sets white
// and black images apart from the gaps between them.
#pragma once

#include <torch/script.h>

#include <cstdint>
#include <vector>

namespace infip::cli {

struct GridLayout {
  int64_t cell_height = 0;  // before scaling: the largest image of any column
  int64_t cell_width = 0;
  int64_t scale = 1;  // nearest-neighbour enlargement
  int64_t gap = 6;    // pixels between cells, after scaling
  uint8_t background = 96;
};

// A scale that makes cells of this size at least about 128 pixels across.
[[nodiscard]] int64_t LegibleScale(int64_t height, int64_t width);

// `rows[r][c]` is a uint8 image, H x W (gray) or C x H x W with C = 1 or 3, at most the cell's
// size; it is centred in its cell. Returns a 3 x height x width uint8 RGB sheet.
[[nodiscard]] torch::Tensor EvidenceSheet(const std::vector<std::vector<torch::Tensor>>& rows,
                                          const GridLayout& layout);

}  // namespace infip::cli
