#include "client/extraction.h"

#include <unistd.h>

#include <memory>

#include "infip/audit/extraction_backend.h"
#include "infip/common/status_macros.h"
#include "infip/io/key_set.h"
#include "infip/sandbox/sandboxed_backend.h"
#include "infip/sandbox/worker_pool.h"

namespace infip::cli {
namespace {

// The CLI runs one model for one command: one worker, by default as much memory as the
// machine has, and the server's rules for archives and time.
sandbox::SandboxLimits CliLimits(const KeyFlags& flags, const torch::Device& device) {
  sandbox::SandboxLimits limits;
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  limits.memory_bytes = flags.worker_memory_mib > 0 ? flags.worker_memory_mib << 20
                        : pages > 0 && page > 0     ? static_cast<int64_t>(pages) * page
                                                    : 0;
  limits.memory_as_data = device.is_cuda();
  if (flags.worker_timeout_s > 0) {
    limits.load_timeout = absl::Seconds(flags.worker_timeout_s);
    limits.extract_timeout = absl::Seconds(flags.worker_timeout_s);
  }
  limits.archive.max_uncompressed_bytes = int64_t{8} << 30;
  limits.archive.scan_source = !flags.no_source_scan;
  return limits;
}

}  // namespace

absl::StatusOr<audit::Extraction> RunExtraction(const KeyFlags& flags,
                                                const fingerprint::ImageOptions& image_options,
                                                bool with_key_preview, bool keep_relevance,
                                                const ProgressFn& progress) {
  INFIP_ASSIGN_OR_RETURN(torch::Device device, audit::ParseDevice(flags.device));
  INFIP_ASSIGN_OR_RETURN(io::Preprocessing preprocessing, ToPreprocessing(flags));

  audit::Control control;
  if (progress) {
    control.progress = [&progress](const audit::Progress& p) {
      if (p.stage == audit::Stage::kExtracting) progress(p.done, p.total);
    };
  }
  // Declared before the session, so that the session (and its worker) ends first.
  std::unique_ptr<sandbox::WorkerPool> pool;
  std::unique_ptr<audit::ExtractionBackend> backend;
  if (flags.no_sandbox) {
    backend = std::make_unique<audit::InProcessBackend>(device);
  } else {
    sandbox::PoolOptions options;
    INFIP_ASSIGN_OR_RETURN(options.launch.binary, sandbox::FindWorkerBinary());
    options.launch.device = device.str();
    options.idle = 0;
    INFIP_ASSIGN_OR_RETURN(pool, sandbox::WorkerPool::Create(std::move(options)));
    backend = std::make_unique<sandbox::SandboxedBackend>(pool.get(), CliLimits(flags, device));
  }
  audit::SuspectModel model;
  model.path = flags.model_path;
  model.name = flags.model_path;
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<audit::ModelSession> session,
                         backend->Open(model, control));

  io::LoadOptions key_options;
  key_options.limit = flags.limit;
  INFIP_ASSIGN_OR_RETURN(io::KeySet keys,
                         io::LoadKeySet(flags.keys_path, preprocessing, key_options));

  audit::ExtractionSettings settings;
  settings.composite = flags.composite;
  settings.image = image_options;
  settings.with_key_preview = with_key_preview;
  settings.keep_relevance = keep_relevance;
  return session->Extract(keys, settings, control);
}

}  // namespace infip::cli
