// Input-only maps: "fingerprints" computed from the key images alone, with no model at all.
// They answer how much of a fingerprint's similarity is the key image and how much is the
// model: if an independent model's fingerprint is no less like the original's than the key
// image's own edges are, a high ASSIM between them says little about piracy.
//
//   kGradientMagnitude  |Sobel gradient| of the key (channels summed), the edges a relevance
//                       map of a clean image tends to follow
//   kKeyImage           the key's pixel values themselves (channels summed)
//
// Each map is made non-negative and scaled to sum to 1 per image, as a relevance map from a
// one-hot start does (InFIP.md, "Intrinsic feature"), so that fingerprint::FingerprintImages
// turns it into an 8-bit image exactly as it does a model's intrinsic feature.
//
//   torch::Tensor map = InputOnlyMap(InputMap::kGradientMagnitude, keys.inputs);  // N x H x W
//   torch::Tensor s = fingerprint::FingerprintImages(map, {.lambda = 5000});
#pragma once

#include <torch/script.h>

#include <string_view>
#include <vector>

namespace infip::evaluate {

enum class InputMap { kGradientMagnitude, kKeyImage };

[[nodiscard]] std::string_view InputMapName(InputMap map);  // "input-gradient-magnitude" | ...
[[nodiscard]] std::vector<InputMap> AllInputMaps();

// inputs: N x C x H x W float (the model inputs). Returns N x H x W float32, each image
// non-negative and summing to 1 (an all-zero map stays zero). `low` is subtracted first so
// that a normalised input's darkest value counts as nothing, as the raw pixel 0 does.
[[nodiscard]] torch::Tensor InputOnlyMap(InputMap map, const torch::Tensor& inputs,
                                         double low = 0.0);

}  // namespace infip::evaluate
