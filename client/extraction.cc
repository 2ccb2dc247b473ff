#include "client/extraction.h"

#include <torch/cuda.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "infip/common/status_macros.h"
#include "infip/common/torch_status.h"
#include "infip/common/version.h"
#include "infip/io/sha256.h"
#include "infip/model/model.h"

namespace infip::cli {
namespace {

absl::StatusOr<torch::Device> ParseDevice(const std::string& name) {
  INFIP_ASSIGN_OR_RETURN(torch::Device device, CatchTorch(absl::StrCat("--device '", name, "'"),
                                                          [&] { return torch::Device(name); }));
  if (device.is_cuda() && !torch::cuda::is_available()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--device ", name, ": this infip build or machine has no CUDA device; use --device cpu"));
  }
  return device;
}

}  // namespace

absl::StatusOr<Extraction> RunExtraction(const KeyFlags& flags, const ProgressFn& progress) {
  INFIP_ASSIGN_OR_RETURN(torch::Device device, ParseDevice(flags.device));
  INFIP_ASSIGN_OR_RETURN(dtd::Composite composite, dtd::Composite::ByName(flags.composite));
  INFIP_ASSIGN_OR_RETURN(io::Preprocessing preprocessing, ToPreprocessing(flags));

  // The model first: an unsupported or corrupt model fails before the keys are decoded.
  INFIP_ASSIGN_OR_RETURN(std::string model_sha256, io::Sha256File(flags.model_path));
  model::LoadOptions load_options;
  load_options.device = device;
  INFIP_ASSIGN_OR_RETURN(std::shared_ptr<const model::CanonicalModel> model,
                         model::CanonicalModel::FromFile(flags.model_path, load_options));

  io::LoadOptions key_options;
  key_options.limit = flags.limit;
  INFIP_ASSIGN_OR_RETURN(io::KeySet keys,
                         io::LoadKeySet(flags.keys_path, preprocessing, key_options));
  INFIP_RETURN_IF_ERROR(model->CheckInputShape(keys.inputs.sizes()));

  INFIP_ASSIGN_OR_RETURN(auto engine, dtd::RelevanceEngine::Create(model, composite));
  dtd::InputBox box{keys.box_low, keys.box_high};
  dtd::ExplainOptions explain_options;
  explain_options.progress = progress;

  const auto start = std::chrono::steady_clock::now();
  INFIP_ASSIGN_OR_RETURN(dtd::Explanation explanation,
                         engine->Explain(keys.inputs, box, explain_options));
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;

  explanation.relevance = explanation.relevance.to(torch::kCPU).contiguous();
  explanation.predicted = explanation.predicted.to(torch::kCPU).contiguous();
  return Extraction{std::move(keys), std::move(composite), std::move(explanation),
                    std::move(model_sha256), elapsed.count()};
}

absl::StatusOr<fingerprint::FingerprintSet> MakeFingerprintSet(
    const Extraction& extraction, const fingerprint::ImageOptions& image_options,
    bool with_key_preview) {
  const io::KeySet& keys = extraction.keys;
  fingerprint::FingerprintSet set;
  fingerprint::FingerprintMetadata& meta = set.metadata;
  meta.composite = extraction.composite.name();
  meta.composite_rules = extraction.composite.Describe();
  meta.lambda = image_options.lambda;
  meta.lambda_scaling = image_options.scaling;
  meta.key_set_sha256 = keys.sha256;
  meta.model_sha256 = extraction.model_sha256;
  meta.input_shape = {keys.inputs.size(1), keys.inputs.size(2), keys.inputs.size(3)};
  meta.preprocessing = keys.preprocessing;
  meta.box_low = keys.box_low;
  meta.box_high = keys.box_high;
  meta.engine_version = kEngineVersion;
  meta.created_utc = absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone());
  const torch::Tensor predicted = extraction.explanation.predicted.to(torch::kInt64);
  meta.predicted.assign(predicted.data_ptr<int64_t>(),
                        predicted.data_ptr<int64_t>() + predicted.numel());

  INFIP_RETURN_IF_ERROR(CatchTorchVoid(
      "making fingerprint images",
      [&] {
        set.images =
            fingerprint::FingerprintImages(
                fingerprint::IntrinsicFeature(extraction.explanation.relevance), image_options)
                .to(torch::kCPU)
                .contiguous();
        if (with_key_preview) set.key_preview = io::KeyPreview(keys).to(torch::kCPU).contiguous();
      },
      absl::StatusCode::kInternal));
  INFIP_RETURN_IF_ERROR(fingerprint::Validate(set));
  return set;
}

}  // namespace infip::cli
