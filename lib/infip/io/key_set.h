// Key sets: the owner's private images K, loaded from disk and preprocessed into the exact
// float32 batch the model sees.
//
// Accepted sources (chosen by what `path` is):
//   - a directory of PNG / JPEG images (sorted by file name; decoded with OpenCV),
//   - an IDX image file (MNIST format, .gz or plain),
//   - an .npy float32 array N x C x H x W of already-preprocessed inputs.
//
//   INFIP_ASSIGN_OR_RETURN(KeySet keys, LoadKeySet("keys/", prep, {.limit = 400}));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <torch/script.h>

#include "absl/status/statusor.h"
#include "infip/io/preprocessing.h"

namespace infip::io {

struct KeySet {
  torch::Tensor inputs;            // N x C x H x W float32, CPU, contiguous
  std::vector<double> box_low;     // per channel
  std::vector<double> box_high;
  std::string preprocessing;       // Preprocessing::Describe()
  std::string sha256;              // KeySetSha256(inputs)
  std::vector<std::string> names;  // file names, or "idx:<i>" / "npy:<i>"
};

struct LoadOptions {
  std::optional<int64_t> limit;  // keep the first `limit` images (N)
};

// NOT_FOUND for a missing path; INVALID_ARGUMENT for an empty set, an undecodable image,
// images of different sizes without resize, a malformed IDX / NPY file, or preprocessing that
// does not fit (a std of 0, a mean with the wrong channel count).
[[nodiscard]] absl::StatusOr<KeySet> LoadKeySet(const std::string& path,
                                                const Preprocessing& preprocessing,
                                                const LoadOptions& options = {});

// SHA-256 (hex) of a key batch: the shape as text "N,C,H,W\n" followed by the float32 values
// in little-endian, C order. Identical inputs give identical hashes whatever their source.
[[nodiscard]] std::string KeySetSha256(const torch::Tensor& inputs);

// An 8-bit preview of a key batch for evidence: each channel mapped from [low, high] to 0..255.
[[nodiscard]] torch::Tensor KeyPreview(const KeySet& keys);

}  // namespace infip::io
