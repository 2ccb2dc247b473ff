// The one seam through which the Auditor runs a model: an ExtractionBackend opens a suspect
// model file for one request and gives a ModelSession that checks input shapes and extracts
// fingerprint sets with it. Where the model's code runs is the backend's business:
//
//   InProcessBackend   in this process, for files the caller trusts (its own models, tests)
//   sandbox::SandboxedBackend (lib/infip/sandbox)   in a confined worker process that serves
//                      this one request and exits; what it sends back is checked
//                      (AssembleExtraction) before anything is made of it
//
//   InProcessBackend backend(torch::kCPU);
//   INFIP_ASSIGN_OR_RETURN(std::unique_ptr<ModelSession> session,
//                          backend.Open(suspect, control));
//   INFIP_RETURN_IF_ERROR(session->CheckAccepts({1, 3, 32, 32}, control));
//   INFIP_ASSIGN_OR_RETURN(Extraction e, session->Extract(keys, settings, control));
//
// Errors are those of extraction.h: INVALID_ARGUMENT for a corrupt or refused model file,
// UNIMPLEMENTED naming unsupported ops, FAILED_PRECONDITION for keys the model does not take,
// CANCELLED / DEADLINE_EXCEEDED from the Control; a sandboxed backend adds its own (the
// worker's limits, a forbidden operation).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "infip/audit/audit_types.h"
#include "infip/audit/extraction.h"
#include "infip/io/key_set.h"

namespace infip::audit {

// One suspect model opened for one request. Not thread-safe: one caller at a time. Ending it
// (destruction) ends whatever runs the model.
class ModelSession {
 public:
  virtual ~ModelSession() = default;

  // The model file's SHA-256 (lowercase hex).
  [[nodiscard]] virtual const std::string& sha256() const = 0;

  // FAILED_PRECONDITION naming both shapes unless the model takes a batch of `batch_shape`
  // (N x C x H x W) and returns N x classes logits.
  [[nodiscard]] virtual absl::Status CheckAccepts(const std::vector<int64_t>& batch_shape,
                                                  const Control& control) = 0;

  // S of the model on `keys` (extraction.h's Extract).
  [[nodiscard]] virtual absl::StatusOr<Extraction> Extract(const io::KeySet& keys,
                                                           const ExtractionSettings& settings,
                                                           const Control& control) = 0;
};

class ExtractionBackend {
 public:
  virtual ~ExtractionBackend() = default;

  // Loads and checks the model file (Stage::kLoading). `model.sha256` may be empty: hashed
  // here then. Safe to call from many threads at once.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<ModelSession>> Open(
      const SuspectModel& model, const Control& control) = 0;
};

// Runs models in the calling process, on `device`. Only for model files the caller trusts: a
// TorchScript file is a program, and loading it runs its code here.
class InProcessBackend final : public ExtractionBackend {
 public:
  explicit InProcessBackend(torch::Device device) : device_(device) {}

  [[nodiscard]] absl::StatusOr<std::unique_ptr<ModelSession>> Open(const SuspectModel& model,
                                                                   const Control& control) override;

 private:
  const torch::Device device_;
};

}  // namespace infip::audit
