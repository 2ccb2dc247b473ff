// SandboxedBackend: the ExtractionBackend (audit/extraction_backend.h) that runs every model
// in a confined infip-worker process (worker_job.h) taken from a WorkerPool, one worker per
// request. The model file is handed over as an open read-only descriptor; keys go over the
// channel; what comes back is checked as untrusted input (protocol.h's strict decoding, then
// audit::AssembleExtraction) before the Auditor sees it.
//
//   INFIP_ASSIGN_OR_RETURN(auto pool, WorkerPool::Create(pool_options));
//   SandboxedBackend backend(pool.get(), limits);
//   INFIP_ASSIGN_OR_RETURN(auto auditor, Auditor::Create(options, store, signer, &backend));
//
// Wall-clock limits bound each stage: a worker past its load or extraction limit is killed
// and the call ends with DEADLINE_EXCEEDED naming the stage; a cancelled call or one past its
// own deadline kills it too. Every other end is worker_failure.h's. In every case the worker
// is reaped and its working directory removed before the call returns.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "infip/audit/extraction_backend.h"
#include "infip/sandbox/protocol.h"
#include "infip/sandbox/worker_pool.h"

namespace infip::sandbox {

struct SandboxLimits {
  int64_t memory_bytes = 0;     // 0: none
  bool memory_as_data = false;  // CUDA: cap data, not address space
  absl::Duration cpu_time = absl::Hours(6);
  absl::Duration load_timeout = absl::ZeroDuration();     // 0: LoadTimeout's rule
  absl::Duration extract_timeout = absl::ZeroDuration();  // 0: ExtractTimeout's rule
  ArchiveRules archive;
};

// 60 s + 60 s per GiB of model file, unless limits.load_timeout is set.
[[nodiscard]] absl::Duration LoadTimeout(const SandboxLimits& limits, int64_t model_bytes);
// 120 s + 10 s per key of 3 x 224 x 224 values (pro rata), unless limits.extract_timeout is set.
[[nodiscard]] absl::Duration ExtractTimeout(const SandboxLimits& limits, int64_t keys,
                                            int64_t values_per_key);

class SandboxedBackend final : public audit::ExtractionBackend {
 public:
  // `pool` must outlive the backend; its workers' device is the one models are loaded on.
  SandboxedBackend(WorkerPool* pool, SandboxLimits limits)
      : pool_(pool), limits_(std::move(limits)) {}

  [[nodiscard]] absl::StatusOr<std::unique_ptr<audit::ModelSession>> Open(
      const audit::SuspectModel& model, const audit::Control& control) override;

  [[nodiscard]] const SandboxLimits& limits() const { return limits_; }

 private:
  WorkerPool* const pool_;
  const SandboxLimits limits_;
};

}  // namespace infip::sandbox
