#include "server/sandbox_setup.h"

#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "infip/sandbox/worker_failure.h"
#include "spdlog/spdlog.h"

namespace infip::server {
namespace {

int64_t PhysicalMemory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<int64_t>(pages) * page : int64_t{8} << 30;
}

}  // namespace

sandbox::SandboxLimits MakeSandboxLimits(const ServerConfig& config, const DeviceChoice& device,
                                         int workers) {
  const SandboxConfig& c = config.sandbox;
  sandbox::SandboxLimits limits;
  limits.memory_bytes = c.memory_bytes > 0
                            ? c.memory_bytes
                            : std::max(PhysicalMemory() / std::max(workers, 1), int64_t{2} << 30);
  // CUDA reserves far more address space than it uses; on a GPU the cap is on data instead.
  limits.memory_as_data = device.is_cuda;
  limits.cpu_time = c.cpu_time;
  limits.load_timeout = c.load_timeout;
  limits.extract_timeout = c.extract_timeout;
  limits.archive.max_uncompressed_bytes =
      c.archive_max_bytes > 0 ? c.archive_max_bytes : 2 * config.max_upload_bytes;
  limits.archive.max_compression_ratio = c.archive_max_ratio;
  limits.archive.max_entries = c.archive_max_entries;
  limits.archive.scan_source = c.source_scan;
  return limits;
}

absl::StatusOr<Sandbox> StartSandbox(const ServerConfig& config, const DeviceChoice& device,
                                     int workers) {
  sandbox::PoolOptions options;
  if (config.sandbox.worker_binary.empty()) {
    absl::StatusOr<std::string> found = sandbox::FindWorkerBinary();
    if (!found.ok()) return absl::FailedPreconditionError(found.status().message());
    options.launch.binary = *found;
  } else {
    if (::access(config.sandbox.worker_binary.c_str(), X_OK) != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--worker-binary ", config.sandbox.worker_binary, " is not an executable file"));
    }
    options.launch.binary = config.sandbox.worker_binary;
  }
  options.launch.device = device.name;
  options.idle = config.sandbox.pool_size >= 0 ? config.sandbox.pool_size : workers;
  const sandbox::SandboxLimits limits = MakeSandboxLimits(config, device, workers);
  options.launch.prefault_bytes = std::min(config.sandbox.prefault_bytes, limits.memory_bytes / 4);
  Sandbox s;
  INFIP_ASSIGN_OR_RETURN(s.pool, sandbox::WorkerPool::Create(std::move(options)));
  spdlog::info(
      "sandbox: {} per worker{} ({} prefaulted), CPU {}, archives up to {} uncompressed (ratio "
      "{}, {} entries), source scan {}",
      sandbox::ByteText(limits.memory_bytes), limits.memory_as_data ? " (data)" : "",
      sandbox::ByteText(s.pool->options().launch.prefault_bytes),
      absl::FormatDuration(limits.cpu_time),
      sandbox::ByteText(limits.archive.max_uncompressed_bytes),
      limits.archive.max_compression_ratio, limits.archive.max_entries,
      limits.archive.scan_source ? "on" : "OFF");
  s.backend = std::make_unique<sandbox::SandboxedBackend>(s.pool.get(), limits);
  return s;
}

}  // namespace infip::server
