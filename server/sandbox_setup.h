// The server's sandbox, assembled from its config: the pool of infip-workers and the
// SandboxedBackend through which the Auditor runs every model (docs/security.md).
//
//   INFIP_ASSIGN_OR_RETURN(Sandbox sandbox, StartSandbox(config, device, workers));
//   Auditor::Create(options, store, signer, sandbox.backend.get());
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "infip/sandbox/sandboxed_backend.h"
#include "infip/sandbox/worker_pool.h"
#include "server/config.h"
#include "server/device.h"

namespace infip::server {

struct Sandbox {
  std::unique_ptr<sandbox::WorkerPool> pool;
  std::unique_ptr<sandbox::SandboxedBackend> backend;  // uses pool
};

// The limits --worker-* and --archive-* give, with their derived defaults filled in.
[[nodiscard]] sandbox::SandboxLimits MakeSandboxLimits(const ServerConfig& config,
                                                       const DeviceChoice& device, int workers);

// Finds and starts the worker (one, checked, before the server listens). FAILED_PRECONDITION
// naming the binary when there is none; UNAVAILABLE with its stderr when it cannot start.
[[nodiscard]] absl::StatusOr<Sandbox> StartSandbox(const ServerConfig& config,
                                                   const DeviceChoice& device, int workers);

}  // namespace infip::server
