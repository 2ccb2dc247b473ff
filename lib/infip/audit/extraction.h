// The extraction pipeline: a model file and a key set in, the fingerprint set S out, with
// every setting recorded in its metadata. Registration, verification and screening all run
// it; the CLI's local `extract` does the same work.
//
//   load the model (canonicalise, check every op)  -> UNIMPLEMENTED / INVALID_ARGUMENT
//   check that it accepts the keys' C x H x W       -> FAILED_PRECONDITION
//   explain every key (dtd/engine.h), chunk by chunk, reporting progress
//   turn relevance into 8-bit images with lambda    -> RawExtraction      (ExplainKeys)
//   check that result, add metadata and key preview -> FingerprintSet     (AssembleExtraction)
//
// The first four steps run the model's code; a sandboxed worker runs them on untrusted models
// (audit/extraction_backend.h) and only the RawExtraction comes back, which
// AssembleExtraction checks like any untrusted input before anything is made of it.
//
// Between the steps and between chunks the Control (audit_types.h) is asked: a cancelled
// call ends with CANCELLED, one past its deadline with DEADLINE_EXCEEDED.
//
//   INFIP_ASSIGN_OR_RETURN(torch::Device device, ParseDevice("cpu"));
//   INFIP_ASSIGN_OR_RETURN(LoadedModel model, LoadModel(path, sha256, device, control));
//   ExtractionSettings settings{.composite = "dtd", .image = {5000.0}};
//   INFIP_ASSIGN_OR_RETURN(Extraction e, Extract(model, keys, settings, control));
//   // e.set is S; e.explanation.relevance the raw relevance (CPU)
//
// A LoadedModel may be explained by several Extract calls in turn (a screening loads the
// suspect once); nothing here keeps state between calls.
#pragma once

#include <torch/script.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "infip/audit/audit_types.h"
#include "infip/dtd/engine.h"
#include "infip/fingerprint/fingerprint_set.h"
#include "infip/fingerprint/image.h"
#include "infip/io/key_set.h"
#include "infip/model/model.h"

namespace infip::audit {

// "cpu", "cuda", "cuda:N". INVALID_ARGUMENT for text torch::Device does not parse;
// FAILED_PRECONDITION for a CUDA device on a build or machine without one.
[[nodiscard]] absl::StatusOr<torch::Device> ParseDevice(std::string_view name);

// OK while the call may go on; CANCELLED or DEADLINE_EXCEEDED, naming `doing`, otherwise.
[[nodiscard]] absl::Status CheckControl(const Control& control, std::string_view doing);

// Reports a stage to control.progress, when there is one.
void Report(const Control& control, Stage stage, int64_t done = 0, int64_t total = 0,
            std::string_view registration_id = {});

struct LoadedModel {
  std::shared_ptr<const model::CanonicalModel> model;
  std::string sha256;  // of the model file, lowercase hex
};

// Loads and canonicalises the model file (reporting Stage::kLoading). `sha256` is the file's
// hash when the caller has it already (a staged upload); empty: hashed here. INVALID_ARGUMENT
// for a corrupt or non-TorchScript file, UNIMPLEMENTED naming unsupported ops, NOT_FOUND for a
// missing file.
[[nodiscard]] absl::StatusOr<LoadedModel> LoadModel(const std::string& path,
                                                    std::string_view sha256, torch::Device device,
                                                    const Control& control);

// FAILED_PRECONDITION naming both shapes unless the model takes a batch of `keys` and returns
// N x classes logits.
[[nodiscard]] absl::Status CheckAccepts(const model::CanonicalModel& model,
                                        c10::IntArrayRef batch_shape);

struct ExtractionSettings {
  std::string composite = "dtd";    // dtd/composite.h
  fingerprint::ImageOptions image;  // lambda and its scaling
  int64_t chunk_size = 64;          // keys per forward / backward pass
  bool with_key_preview = true;     // store KeyPreview(keys) in S, for evidence
  bool keep_relevance = false;      // also return the N x C x H x W relevance (infip relevance)
};

struct Extraction {
  fingerprint::FingerprintSet set;  // S, with full metadata
  // Predictions, and the relevance when settings.keep_relevance (undefined otherwise); CPU.
  dtd::Explanation explanation;
  double explain_seconds = 0.0;  // the relevance pass alone
};

// What running the model yields: the part of an extraction a sandboxed worker computes.
struct RawExtraction {
  torch::Tensor images;     // N x H x W uint8, CPU
  torch::Tensor predicted;  // N int64, CPU
  torch::Tensor relevance;  // N x C x H x W float32, CPU; only with keep_relevance
  double explain_seconds = 0.0;
};

// INVALID_ARGUMENT for keys that are not a non-empty N x C x H x W batch, an unknown
// composite or a lambda that is not positive. Extract checks this itself; a caller that sends
// the work elsewhere checks it first.
[[nodiscard]] absl::Status CheckExtractionRequest(const io::KeySet& keys,
                                                  const ExtractionSettings& settings);

// Steps 2-4 on a loaded model (progress and errors as Extract).
[[nodiscard]] absl::StatusOr<RawExtraction> ExplainKeys(
    std::shared_ptr<const model::CanonicalModel> model, const io::KeySet& keys,
    const ExtractionSettings& settings, const Control& control);

// Step 5: S from `raw`, which is checked first: INTERNAL naming what is wrong when its images
// are not N x H x W uint8 for these keys, its predictions not N classes >= 0, its relevance
// (when kept) not finite N x C x H x W float32, or its time not a finite number >= 0.
[[nodiscard]] absl::StatusOr<Extraction> AssembleExtraction(RawExtraction raw,
                                                            const io::KeySet& keys,
                                                            const ExtractionSettings& settings,
                                                            std::string_view model_sha256);

// Explains `keys` with the model (Stage::kExtracting, done/total = keys) and makes S:
// ExplainKeys then AssembleExtraction.
// INVALID_ARGUMENT for an unknown composite or a lambda that is not positive;
// FAILED_PRECONDITION when the model does not take the keys; CANCELLED / DEADLINE_EXCEEDED
// from the Control.
[[nodiscard]] absl::StatusOr<Extraction> Extract(const LoadedModel& model, const io::KeySet& keys,
                                                 const ExtractionSettings& settings,
                                                 const Control& control);

// LoadModel (hashing the file) and Extract in one call.
[[nodiscard]] absl::StatusOr<Extraction> ExtractFromFile(const std::string& model_path,
                                                         const io::KeySet& keys,
                                                         const ExtractionSettings& settings,
                                                         torch::Device device,
                                                         const Control& control);

}  // namespace infip::audit
