// The intrinsic features (InFIP.md: relevance summed over channels, clamped at 0) of one model
// on the whole key pool, for one composite, extracted through the library (model/, dtd/,
// fingerprint/) and kept on disk, so that a rerun of the evaluation does not explain any model
// twice. Features are kept before the lambda step, so every lambda of a sweep reuses them.
//
// A cache entry is named by the SHA-256 of everything the features depend on: the model file's
// bytes, the composite, the key pool (its KeySet hash and box) and the engine version. A
// changed model, key pool or engine therefore misses the cache instead of reading stale
// features; an unreadable entry is extracted again and rewritten.
//
//   INFIP_ASSIGN_OR_RETURN(auto cache, FeatureCache::Create(dir, &keys, "cpu"));
//   INFIP_ASSIGN_OR_RETURN(ModelFeatures f, cache->Get("zoo/models/vgg16-original-1234.pt",
//   "dtd"));
//   // f.intrinsic: N x H x W float32, f.predicted: N int64
#pragma once

#include <torch/script.h>

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "infip/io/key_set.h"

namespace infip::evaluate {

struct ModelFeatures {
  torch::Tensor intrinsic;  // N x H x W float32, CPU
  torch::Tensor predicted;  // N int64, CPU: each key's predicted class
  bool from_cache = false;
  double extract_seconds = 0.0;  // load + relevance; 0 when read from the cache
};

class FeatureCache {
 public:
  // `keys` must outlive the cache. `device` is what torch::Device parses ("cpu", "cuda:0");
  // INVALID_ARGUMENT for one it cannot parse, FAILED_PRECONDITION for CUDA without a GPU.
  // The directory is created when missing.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<FeatureCache>> Create(
      std::string dir, const io::KeySet* keys, const std::string& device);
  FeatureCache(const FeatureCache&) = delete;
  FeatureCache& operator=(const FeatureCache&) = delete;

  // From the cache when present, else extracted and stored. Errors of the library (an
  // unsupported op, a model that does not accept the keys) come back naming the model file.
  [[nodiscard]] absl::StatusOr<ModelFeatures> Get(const std::string& model_path,
                                                  const std::string& composite);

  // Extracted afresh, without reading or writing the cache: the "same model" check compares
  // two independent extractions, not a file with itself.
  [[nodiscard]] absl::StatusOr<ModelFeatures> ExtractFresh(const std::string& model_path,
                                                           const std::string& composite) const;

  [[nodiscard]] int hits() const { return hits_; }
  [[nodiscard]] int misses() const { return misses_; }
  [[nodiscard]] const std::string& dir() const { return dir_; }

 private:
  FeatureCache(std::string dir, const io::KeySet* keys, torch::Device device)
      : dir_(std::move(dir)), keys_(keys), device_(device) {}

  [[nodiscard]] absl::StatusOr<std::string> EntryStem(const std::string& model_path,
                                                      const std::string& composite);

  std::string dir_;
  const io::KeySet* keys_;
  torch::Device device_;
  absl::flat_hash_map<std::string, std::string> model_sha256_;  // path -> file hash, memoised
  int hits_ = 0;
  int misses_ = 0;
};

}  // namespace infip::evaluate
