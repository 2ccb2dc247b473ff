// How raw key images become model inputs, and the input box that follows from it.
//
//   resize to H x W (bilinear), convert to gray (1 channel) or RGB (3 channels), scale to
//   0..1, then (x - mean[c]) / std[c]. The box for the zB rule is then
//   low[c] = (0 - mean[c]) / std[c], high[c] = (1 - mean[c]) / std[c].
// For .npy key sets (already preprocessed) the box is given directly with low / high.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace infip::io {

enum class ColorMode { kKeep, kGray, kRgb };

// "keep", "gray", "rgb", as Describe() writes them and the CLI accepts them.
[[nodiscard]] std::string_view ColorModeName(ColorMode mode);
[[nodiscard]] absl::StatusOr<ColorMode> ParseColorMode(std::string_view name);

struct Preprocessing {
  std::optional<int> resize_height;   // both set or neither
  std::optional<int> resize_width;
  ColorMode color = ColorMode::kKeep;
  std::vector<double> mean;           // empty: 0; one value: every channel
  std::vector<double> std;            // empty: 1; one value: every channel
  std::vector<double> low;            // .npy only: the box, empty: 0
  std::vector<double> high;           // .npy only: the box, empty: 1

  // Stable one-line description recorded with fingerprint sets, e.g.
  // "resize=32x32 color=gray mean=0.5 std=0.5". Numbers are written in their shortest
  // round-trip form; low / high appear only when set.
  [[nodiscard]] std::string Describe() const;
};

// Per-channel values: `values` may hold 0 (-> fallback), 1 (-> broadcast) or `channels`
// entries; anything else, or a value that is not finite, is INVALID_ARGUMENT naming `what`.
[[nodiscard]] absl::StatusOr<std::vector<double>> PerChannel(const std::vector<double>& values,
                                                             int channels, double fallback,
                                                             const char* what);

// Parses "0.5" or "0.485,0.456,0.406" into values; INVALID_ARGUMENT on junk (an empty item,
// a non-number, inf or nan). Blank text gives no values (the default).
[[nodiscard]] absl::StatusOr<std::vector<double>> ParseValueList(const std::string& text);

}  // namespace infip::io
