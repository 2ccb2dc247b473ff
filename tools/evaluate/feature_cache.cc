#include "tools/evaluate/feature_cache.h"

#include <torch/cuda.h>

#include <chrono>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "infip/common/status_macros.h"
#include "infip/common/torch_status.h"
#include "infip/common/version.h"
#include "infip/dtd/composite.h"
#include "infip/dtd/engine.h"
#include "infip/fingerprint/image.h"
#include "infip/io/npy.h"
#include "infip/io/sha256.h"
#include "infip/model/model.h"

namespace infip::evaluate {
namespace {

absl::StatusOr<torch::Device> ParseDevice(const std::string& name) {
  INFIP_ASSIGN_OR_RETURN(torch::Device device, CatchTorch(absl::StrCat("device '", name, "'"),
                                                          [&] { return torch::Device(name); }));
  if (device.is_cuda() && !torch::cuda::is_available()) {
    return absl::FailedPreconditionError(
        absl::StrCat("device ", name, ": no CUDA device on this machine; use cpu"));
  }
  return device;
}

absl::Status NameModel(const absl::Status& status, const std::string& model_path) {
  return absl::Status(status.code(), absl::StrCat(model_path, ": ", status.message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<FeatureCache>> FeatureCache::Create(std::string dir,
                                                                   const io::KeySet* keys,
                                                                   const std::string& device) {
  if (keys == nullptr || !keys->inputs.defined() || keys->inputs.dim() != 4) {
    return absl::InvalidArgumentError("feature cache: a key set N x C x H x W is required");
  }
  INFIP_ASSIGN_OR_RETURN(torch::Device parsed, ParseDevice(device));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("feature cache: cannot create '", dir, "': ", ec.message()));
  }
  return std::unique_ptr<FeatureCache>(new FeatureCache(std::move(dir), keys, parsed));
}

absl::StatusOr<std::string> FeatureCache::EntryStem(const std::string& model_path,
                                                    const std::string& composite) {
  auto it = model_sha256_.find(model_path);
  if (it == model_sha256_.end()) {
    INFIP_ASSIGN_OR_RETURN(std::string sha, io::Sha256File(model_path));
    it = model_sha256_.emplace(model_path, std::move(sha)).first;
  }
  const std::string identity =
      absl::StrCat("model=", it->second, "\ncomposite=", composite, "\nkeys=", keys_->sha256,
                   "\nbox=", absl::StrJoin(keys_->box_low, ","), ":",
                   absl::StrJoin(keys_->box_high, ","), "\nengine=", kEngineVersion, "\n");
  // The model's hash prefix first, so that a person can find a model's entries by eye.
  return (std::filesystem::path(dir_) / absl::StrCat(it->second.substr(0, 12), "-", composite, "-",
                                                     io::Sha256Hex(identity).substr(0, 16)))
      .string();
}

absl::StatusOr<ModelFeatures> FeatureCache::ExtractFresh(const std::string& model_path,
                                                         const std::string& composite_name) const {
  const auto start = std::chrono::steady_clock::now();
  INFIP_ASSIGN_OR_RETURN(dtd::Composite composite, dtd::Composite::ByName(composite_name));
  model::LoadOptions load;
  load.device = device_;
  auto loaded = model::CanonicalModel::FromFile(model_path, load);
  if (!loaded.ok()) return NameModel(loaded.status(), model_path);
  std::shared_ptr<const model::CanonicalModel> model = std::move(loaded).value();
  if (absl::Status s = model->CheckInputShape(keys_->inputs.sizes()); !s.ok()) {
    return NameModel(s, model_path);
  }
  INFIP_ASSIGN_OR_RETURN(auto engine, dtd::RelevanceEngine::Create(model, composite));
  const dtd::InputBox box{keys_->box_low, keys_->box_high};
  auto explained = engine->Explain(keys_->inputs, box, {});
  if (!explained.ok()) return NameModel(explained.status(), model_path);

  ModelFeatures out;
  INFIP_RETURN_IF_ERROR(CatchTorchVoid(
      "intrinsic feature",
      [&] {
        out.intrinsic =
            fingerprint::IntrinsicFeature(explained->relevance).to(torch::kCPU).contiguous();
        out.predicted = explained->predicted.to(torch::kCPU, torch::kInt64).contiguous();
      },
      absl::StatusCode::kInternal));
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  out.extract_seconds = elapsed.count();
  return out;
}

absl::StatusOr<ModelFeatures> FeatureCache::Get(const std::string& model_path,
                                                const std::string& composite) {
  INFIP_ASSIGN_OR_RETURN(std::string stem, EntryStem(model_path, composite));
  const std::string intrinsic_path = stem + ".npy";
  const std::string predicted_path = stem + "-predicted.npy";
  std::error_code ec;
  if (std::filesystem::exists(intrinsic_path, ec) && std::filesystem::exists(predicted_path, ec)) {
    auto intrinsic = io::ReadNpy(intrinsic_path);
    auto predicted = io::ReadNpy(predicted_path);
    const int64_t n = keys_->inputs.size(0);
    // A usable entry has exactly the pool's shape; anything else is rebuilt below.
    if (intrinsic.ok() && predicted.ok() && intrinsic->dim() == 3 && intrinsic->size(0) == n &&
        intrinsic->size(1) == keys_->inputs.size(2) &&
        intrinsic->size(2) == keys_->inputs.size(3) &&
        intrinsic->scalar_type() == torch::kFloat32 && predicted->dim() == 1 &&
        predicted->size(0) == n) {
      ++hits_;
      ModelFeatures out;
      out.intrinsic = *intrinsic;
      out.predicted = predicted->to(torch::kInt64);
      out.from_cache = true;
      return out;
    }
  }
  ++misses_;
  INFIP_ASSIGN_OR_RETURN(ModelFeatures fresh, ExtractFresh(model_path, composite));
  // Class indices are small integers, exact in float32 (one of the dtypes .npy writing takes).
  INFIP_RETURN_IF_ERROR(io::WriteNpy(predicted_path, fresh.predicted.to(torch::kFloat32)));
  INFIP_RETURN_IF_ERROR(io::WriteNpy(intrinsic_path, fresh.intrinsic));
  return fresh;
}

}  // namespace infip::evaluate
