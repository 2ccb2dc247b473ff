#include "infip/audit/extraction.h"

#include <torch/cuda.h>

#include <chrono>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "infip/common/status_macros.h"
#include "infip/common/torch_status.h"
#include "infip/common/version.h"
#include "infip/dtd/composite.h"
#include "infip/io/sha256.h"

namespace infip::audit {
namespace {

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// The metadata of S: everything a verifier needs to extract S' the same way.
fingerprint::FingerprintMetadata MakeMetadata(std::string_view model_sha256, const io::KeySet& keys,
                                              const dtd::Composite& composite,
                                              const fingerprint::ImageOptions& image,
                                              const torch::Tensor& predicted) {
  fingerprint::FingerprintMetadata meta;
  meta.composite = composite.name();
  meta.composite_rules = composite.Describe();
  meta.lambda = image.lambda;
  meta.lambda_scaling = image.scaling;
  meta.key_set_sha256 = keys.sha256.empty() ? io::KeySetSha256(keys.inputs) : keys.sha256;
  meta.model_sha256 = std::string(model_sha256);
  meta.input_shape = {keys.inputs.size(1), keys.inputs.size(2), keys.inputs.size(3)};
  meta.preprocessing = keys.preprocessing;
  meta.box_low = keys.box_low;
  meta.box_high = keys.box_high;
  meta.engine_version = kEngineVersion;
  meta.created_utc = absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone());
  const torch::Tensor classes = predicted.to(torch::kCPU, torch::kInt64).contiguous();
  meta.predicted.assign(classes.data_ptr<int64_t>(), classes.data_ptr<int64_t>() + classes.numel());
  return meta;
}

}  // namespace

absl::StatusOr<torch::Device> ParseDevice(std::string_view name) {
  INFIP_ASSIGN_OR_RETURN(torch::Device device,
                         CatchTorch(absl::StrCat("device '", View(name), "'"),
                                    [&] { return torch::Device(std::string(name)); }));
  if (device.is_cuda() && !torch::cuda::is_available()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "device ", View(name), ": this infip build or machine has no CUDA device; use cpu"));
  }
  if (device.is_cuda() && device.has_index() &&
      device.index() >= static_cast<int>(torch::cuda::device_count())) {
    return absl::FailedPreconditionError(absl::StrCat("device ", View(name), ": only ",
                                                      torch::cuda::device_count(),
                                                      " CUDA devices are present"));
  }
  if (!device.is_cpu() && !device.is_cuda()) {
    return absl::InvalidArgumentError(
        absl::StrCat("device ", View(name), ": infip runs on cpu or cuda devices only"));
  }
  return device;
}

absl::Status CheckControl(const Control& control, std::string_view doing) {
  if (control.cancelled && control.cancelled()) {
    return absl::CancelledError(absl::StrCat("cancelled while ", View(doing)));
  }
  if (absl::Now() >= control.deadline) {
    return absl::DeadlineExceededError(absl::StrCat("deadline exceeded while ", View(doing)));
  }
  return absl::OkStatus();
}

void Report(const Control& control, Stage stage, int64_t done, int64_t total,
            std::string_view registration_id) {
  if (!control.progress) return;
  control.progress(Progress{stage, done, total, std::string(registration_id)});
}

absl::StatusOr<LoadedModel> LoadModel(const std::string& path, std::string_view sha256,
                                      torch::Device device, const Control& control) {
  INFIP_RETURN_IF_ERROR(CheckControl(control, "loading the model"));
  Report(control, Stage::kLoading);
  LoadedModel loaded;
  if (sha256.empty()) {
    INFIP_ASSIGN_OR_RETURN(loaded.sha256, io::Sha256File(path));
  } else {
    loaded.sha256 = std::string(sha256);
  }
  model::LoadOptions options;
  options.device = device;
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<model::CanonicalModel> model,
                         model::CanonicalModel::FromFile(path, options));
  loaded.model = std::move(model);
  INFIP_RETURN_IF_ERROR(CheckControl(control, "loading the model"));
  return loaded;
}

absl::Status CheckAccepts(const model::CanonicalModel& model, c10::IntArrayRef batch_shape) {
  absl::Status accepted = model.CheckInputShape(batch_shape);
  if (accepted.ok()) return accepted;
  // The model is fine and so are the keys; they just do not fit each other.
  return absl::FailedPreconditionError(accepted.message());
}

absl::Status CheckExtractionRequest(const io::KeySet& keys, const ExtractionSettings& settings) {
  if (!keys.inputs.defined() || keys.inputs.dim() != 4 || keys.inputs.size(0) < 1) {
    return absl::InvalidArgumentError("key set: inputs must be a non-empty N x C x H x W batch");
  }
  if (!(std::isfinite(settings.image.lambda) && settings.image.lambda > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("lambda must be a positive number, not ", settings.image.lambda));
  }
  absl::StatusOr<dtd::Composite> composite = dtd::Composite::ByName(settings.composite);
  if (!composite.ok()) return absl::InvalidArgumentError(composite.status().message());
  return absl::OkStatus();
}

absl::StatusOr<RawExtraction> ExplainKeys(std::shared_ptr<const model::CanonicalModel> model,
                                          const io::KeySet& keys,
                                          const ExtractionSettings& settings,
                                          const Control& control) {
  INFIP_RETURN_IF_ERROR(CheckExtractionRequest(keys, settings));
  INFIP_ASSIGN_OR_RETURN(dtd::Composite composite, dtd::Composite::ByName(settings.composite));
  if (model == nullptr) return absl::InvalidArgumentError("no model to extract from");
  INFIP_RETURN_IF_ERROR(CheckAccepts(*model, keys.inputs.sizes()));
  INFIP_RETURN_IF_ERROR(CheckControl(control, "extracting fingerprints"));

  INFIP_ASSIGN_OR_RETURN(auto engine, dtd::RelevanceEngine::Create(std::move(model), composite));
  const int64_t n = keys.inputs.size(0);
  Report(control, Stage::kExtracting, 0, n);
  dtd::ExplainOptions options;
  options.chunk_size = settings.chunk_size;
  options.progress = [&control](int64_t done, int64_t total) {
    Report(control, Stage::kExtracting, done, total);
  };
  options.cancelled = [&control] {
    return (control.cancelled && control.cancelled()) || absl::Now() >= control.deadline;
  };
  const dtd::InputBox box{keys.box_low, keys.box_high};

  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<dtd::Explanation> explained = engine->Explain(keys.inputs, box, options);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  if (!explained.ok()) {
    if (absl::IsCancelled(explained.status())) {
      // Tell the caller which of the two ended it.
      INFIP_RETURN_IF_ERROR(CheckControl(control, "extracting fingerprints"));
    }
    return explained.status();
  }

  RawExtraction out;
  out.explain_seconds = elapsed.count();
  INFIP_RETURN_IF_ERROR(CatchTorchVoid(
      "making fingerprint images",
      [&] {
        out.predicted = explained->predicted.to(torch::kCPU, torch::kInt64).contiguous();
        out.images = fingerprint::FingerprintImages(
                         fingerprint::IntrinsicFeature(explained->relevance), settings.image)
                         .to(torch::kCPU)
                         .contiguous();
        if (settings.keep_relevance) {
          out.relevance = explained->relevance.to(torch::kCPU, torch::kFloat).contiguous();
        }
      },
      absl::StatusCode::kInternal));
  INFIP_RETURN_IF_ERROR(CheckControl(control, "extracting fingerprints"));
  return out;
}

absl::StatusOr<Extraction> AssembleExtraction(RawExtraction raw, const io::KeySet& keys,
                                              const ExtractionSettings& settings,
                                              std::string_view model_sha256) {
  INFIP_RETURN_IF_ERROR(CheckExtractionRequest(keys, settings));
  INFIP_ASSIGN_OR_RETURN(dtd::Composite composite, dtd::Composite::ByName(settings.composite));
  const int64_t n = keys.inputs.size(0);
  const int64_t height = keys.inputs.size(2);
  const int64_t width = keys.inputs.size(3);
  const auto bad = [](std::string_view what) {
    return absl::InternalError(absl::StrCat("the extraction's result: ", View(what)));
  };
  const torch::Tensor& images = raw.images;
  if (!images.defined() || images.scalar_type() != torch::kByte || images.dim() != 3 ||
      images.size(0) != n || images.size(1) != height || images.size(2) != width) {
    return bad(
        absl::StrCat("fingerprint images must be ", n, " x ", height, " x ", width, " uint8"));
  }
  const torch::Tensor& predicted = raw.predicted;
  if (!predicted.defined() || predicted.scalar_type() != torch::kLong || predicted.dim() != 1 ||
      predicted.size(0) != n) {
    return bad(absl::StrCat("predictions must be ", n, " int64 classes"));
  }
  if (predicted.lt(0).any().item<bool>()) return bad("a predicted class is negative");
  if (settings.keep_relevance) {
    const torch::Tensor& r = raw.relevance;
    if (!r.defined() || r.scalar_type() != torch::kFloat || r.sizes() != keys.inputs.sizes()) {
      return bad("relevance must be float32 of the keys' shape");
    }
    if (!torch::isfinite(r).all().item<bool>()) return bad("relevance is not finite");
  }
  if (!(std::isfinite(raw.explain_seconds) && raw.explain_seconds >= 0)) {
    return bad("the relevance pass's time is not a number >= 0");
  }

  Extraction out;
  out.explain_seconds = raw.explain_seconds;
  out.explanation.predicted = raw.predicted.cpu().contiguous();
  if (settings.keep_relevance) out.explanation.relevance = raw.relevance.cpu().contiguous();
  out.set.images = images.cpu().contiguous();
  INFIP_RETURN_IF_ERROR(CatchTorchVoid(
      "making the key preview",
      [&] {
        if (settings.with_key_preview) out.set.key_preview = io::KeyPreview(keys).contiguous();
      },
      absl::StatusCode::kInternal));
  out.set.metadata =
      MakeMetadata(model_sha256, keys, composite, settings.image, out.explanation.predicted);
  INFIP_RETURN_IF_ERROR(fingerprint::Validate(out.set));
  return out;
}

absl::StatusOr<Extraction> Extract(const LoadedModel& model, const io::KeySet& keys,
                                   const ExtractionSettings& settings, const Control& control) {
  INFIP_ASSIGN_OR_RETURN(RawExtraction raw, ExplainKeys(model.model, keys, settings, control));
  return AssembleExtraction(std::move(raw), keys, settings, model.sha256);
}

absl::StatusOr<Extraction> ExtractFromFile(const std::string& model_path, const io::KeySet& keys,
                                           const ExtractionSettings& settings, torch::Device device,
                                           const Control& control) {
  INFIP_ASSIGN_OR_RETURN(LoadedModel model, LoadModel(model_path, "", device, control));
  return Extract(model, keys, settings, control);
}

}  // namespace infip::audit
